"""The forecaster battery, one line per forecaster, and proof that it can fail."""

import numpy as np
import pytest

from tsrnn import (
    ARIMAForecaster,
    ETSForecaster,
    GRUForecaster,
    LSTMForecaster,
    RNNForecaster,
    SeasonalNaiveForecaster,
    TransformedTargetForecaster,
)
from tsrnn.estimator_checks import CHECKS, check_forecaster

FAST = dict(window_length=12, horizon=3, max_epochs=3, hidden_size=8, random_state=0)
FORECASTERS = [
    RNNForecaster(**FAST),
    LSTMForecaster(**FAST),
    GRUForecaster(**FAST, strategy="seq2seq"),
    LSTMForecaster(**FAST, strategy="recursive"),
    SeasonalNaiveForecaster(horizon=3),
    ARIMAForecaster(horizon=3, order=(1, 0, 0), seasonal_order=(0, 1, 0)),
    ETSForecaster(horizon=3),
    TransformedTargetForecaster(SeasonalNaiveForecaster(horizon=3), transform="diff"),
    TransformedTargetForecaster(LSTMForecaster(**FAST), transform="log"),
]


@pytest.mark.parametrize("forecaster", FORECASTERS, ids=lambda f: repr(f)[:60])
@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
def test_forecaster_battery(forecaster, check):
    check(forecaster)


class Nameless(SeasonalNaiveForecaster):
    def predict(self, horizon=None, X=None):
        return super().predict(horizon, X).rename(None)


class Mutating(SeasonalNaiveForecaster):
    def fit(self, y, X=None):
        super().fit(y, X)
        y.iloc[0] = -1.0
        return self


def test_battery_catches_a_forecaster_that_drops_the_name():
    with pytest.raises(AssertionError, match="Nameless fails check_index_and_name"):
        check_forecaster(Nameless(horizon=3))


def test_battery_catches_a_forecaster_that_mutates_its_input():
    with pytest.raises(AssertionError, match="fails check_data_not_mutated"):
        check_forecaster(Mutating(horizon=3))


class Unguarded(SeasonalNaiveForecaster):
    def predict(self, horizon=None, X=None):
        return self.last_  # before fit: AttributeError, not NotFittedError


def test_battery_names_the_check_whatever_the_error():
    with pytest.raises(AssertionError, match="Unguarded fails check_not_fitted_error: "
                                             "AttributeError"):  # escaped unnamed
        check_forecaster(Unguarded(horizon=3))


class ScoreMutating(SeasonalNaiveForecaster):
    def score(self, y, X=None):
        y.iloc[0] = -1.0
        return super().score(y, X)


class Unseeded(SeasonalNaiveForecaster):
    def __init__(self, horizon=1, *, season_length=None, random_state=None):
        super().__init__(horizon, season_length=season_length)
        self.random_state = random_state

    def predict(self, horizon=None, X=None):
        return super().predict(horizon, X) + np.random.default_rng().normal()


def test_battery_checks_scores_input_and_seeds_through_a_wrapper():
    from tsrnn.estimator_checks import check_data_not_mutated, check_random_state_reproducible

    with pytest.raises(AssertionError):
        check_data_not_mutated(ScoreMutating(horizon=3))
    with pytest.raises(AssertionError):  # its only random_state is forecaster__random_state
        check_random_state_reproducible(TransformedTargetForecaster(Unseeded(horizon=3), "diff"))
