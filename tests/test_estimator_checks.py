"""The forecaster battery, one line per forecaster, and proof that it can fail."""

import numpy as np
import pandas as pd
import pytest
import torch

from tsrnn import (
    ARIMAForecaster,
    BaseForecaster,
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


class Renaming(SeasonalNaiveForecaster):
    def fit(self, y, X=None):
        super().fit(y, X)
        y.name = "clobbered"  # equals() ignores names: the battery passed it
        return self


class Fixed(SeasonalNaiveForecaster):
    def predict(self, horizon=None, X=None):
        return super().predict(5 if horizon is None else horizon, X)  # ignores its horizon


class FrameOnRange(SeasonalNaiveForecaster):
    def predict(self, horizon=None, X=None):
        pred = super().predict(horizon, X)
        return pred.reset_index(drop=True) if hasattr(pred, "columns") else pred


class PositiveScore(SeasonalNaiveForecaster):
    def score(self, y, X=None):
        return -super().score(y, X)


class NoopUpdate(SeasonalNaiveForecaster):
    def _update_values(self, values, cov):  # backtest(refit=False) then reported wrong errors
        pass


class UpdateNotSelf(SeasonalNaiveForecaster):
    def update(self, y, X=None):
        super().update(y, X)


class Mean(BaseForecaster):  # BaseForecaster's documented contract, nothing more
    def __init__(self, horizon=1, *, season_length=None):
        self.horizon, self.season_length = horizon, season_length

    def _fit_values(self, values, cov, m):
        self.mean_ = values.mean(axis=0)

    def _predict_values(self, h, future_cov):
        return np.tile(self.mean_, (h, 1))


class FreqDropping(SeasonalNaiveForecaster):
    def fit(self, y, X=None):
        super().fit(y, X)
        y.index.freq = None  # the copy the check kept shared the index's array: it passed
        return self


class MAEScore(SeasonalNaiveForecaster):
    def fit(self, y, X=None):
        super().fit(y, X)
        self.mase_scale_ = np.ones_like(self.mase_scale_)  # score is minus the MAE: it passed
        return self


class DeafSetParams(SeasonalNaiveForecaster):
    def set_params(self, **params):  # a no-op passed the round trip
        return self


class XMutating(Mean):
    def fit(self, y, X=None):
        super().fit(y, X)
        if X is not None:  # a write to a slice of the check's X never reached it: it passed
            X.iloc[0, 0] = -999.0
        return self


@pytest.mark.parametrize("broken, check", [
    (FreqDropping, "check_data_not_mutated"),
    (MAEScore, "check_score_is_negative_mase"),
    (DeafSetParams, "check_params_round_trip"),
    (XMutating, "check_covariates"),
    (NoopUpdate, "check_update_moves_the_origin"),
    (UpdateNotSelf, "check_update_moves_the_origin"),
    (Renaming, "check_data_not_mutated"),
    (Fixed, "check_index_and_name"),
    (FrameOnRange, "check_dataframe_columns"),
    (PositiveScore, "check_score_is_negative_mase"),
])
def test_battery_catches_each_broken_promise(broken, check):
    with pytest.raises(AssertionError, match=f"{broken.__name__} fails {check}"):
        check_forecaster(broken(horizon=3))


def test_battery_passes_a_forecaster_with_an_array_parameter():
    # it failed on "the truth value of an array is ambiguous" comparing parameters
    check_forecaster(ARIMAForecaster(horizon=3, order=np.array([1, 0, 0]),
                                     seasonal_order=(0, 1, 0)))


def test_battery_compares_series_and_dict_parameters_by_content():
    """clone copies them, and they were compared by identity: "parameters that differ:
    weights (0 1.0 ... vs 0 1.0 ...)"."""
    from tsrnn.estimator_checks import _same, check_clone_is_unfitted_and_equal

    # array-likes without one truth value too: a categorical, a tensor (the second raised
    # "Boolean value of Tensor ... is ambiguous")
    for weights in (pd.Series([1.0, 2.0]), {"w": np.array([1.0, 2.0, 3.0])},
                    pd.Categorical(["a", np.nan]), torch.tensor([1.0, np.nan])):
        check_clone_is_unfitted_and_equal(Weighted(horizon=3, steps=weights))
    assert not _same(pd.Categorical(["a", "b"]), pd.Categorical(["a", "c"]))
    assert not _same(pd.Categorical(["a"]), pd.Categorical(["a"], categories=["a", "b"]))
    assert not _same(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 3.0]))


def test_a_subclass_written_to_the_documented_contract_passes_the_battery():
    from tsrnn.estimator_checks import _series

    check_forecaster(Mean(horizon=3))
    with pytest.raises(NotImplementedError, match="Mean cannot update: it implements no "
                                                  "_update_values"):  # an AttributeError
        Mean(horizon=3).fit(_series()).update(_series(80)[72:74])


class SeasonalMean(Mean):  # reads fitted facts the base class sets, as the contract says
    def _predict_values(self, h, future_cov):
        return np.tile(self.mean_, (h, 1)) + self.season_length_ + self.n_covariates_


def test_a_subclass_reads_the_base_class_facts_in_a_panel_too():
    """Each series of a panel is fit by a clone, which had only n_targets_: a hook reading
    season_length_ passed the battery and failed on a panel (AttributeError)."""
    import pandas as pd

    check_forecaster(SeasonalMean(horizon=3))
    panel = pd.DataFrame({"unique_id": np.repeat(["a", "b"], 24), "y": np.r_[np.zeros(24),
                                                                             np.ones(24)],
                          "ds": np.tile(pd.date_range("2000-01", periods=24, freq="MS"), 2)})
    forecast = SeasonalMean(horizon=2).fit(panel).predict()
    assert forecast["y"].tolist() == [12.0, 12.0, 13.0, 13.0]


class LastRows(Mean):  # reads the end of future_cov, not its first h rows
    def _fit_values(self, values, cov, m):
        self.mean_ = values.mean(axis=0)

    def _predict_values(self, h, future_cov):
        shift = 0.0 if future_cov is None else future_cov[-h:, :1]
        return np.tile(self.mean_, (h, 1)) + shift


class Flat(Mean):  # returns (h,) for a single series, as numpy's habits suggest
    def _predict_values(self, h, future_cov):
        return np.repeat(self.mean_[0], h)


class Horizonless(BaseForecaster):  # forgets season_length
    def __init__(self, horizon=1):
        self.horizon = horizon

    def _fit_values(self, values, cov, m):
        self.mean_ = values.mean(axis=0)

    def _predict_values(self, h, future_cov):
        return np.tile(self.mean_, (h, 1))


def test_battery_passes_covariates_and_catches_a_hook_that_reads_the_wrong_rows():
    """The battery never passed X: a hook reading the last rows of a longer future_cov passed
    it and forecast with the covariates of later steps."""
    with pytest.raises(AssertionError, match="(?s)LastRows fails check_covariates: .*longer X"):
        check_forecaster(LastRows(horizon=3))


def test_a_hook_breaking_the_contract_is_named_not_an_index_error():
    from tsrnn.estimator_checks import _series

    with pytest.raises(TypeError, match=r"Flat._predict_values\(3, future_cov\) returned an array "
                                        r"of shape \(3,\); it must return shape \(3, 1\)"):
        Flat(horizon=3).fit(_series()).predict()  # was IndexError inside the index code
    with pytest.raises(TypeError, match="Horizonless has no season_length attribute: a "
                                        "forecaster built on BaseForecaster takes horizon and "
                                        "season_length"):
        Horizonless(horizon=3).fit(_series())  # was AttributeError: no attribute 'season_length'


class Weighted(Mean):  # parameters the comparison of parameters failed on
    def __init__(self, horizon=1, *, season_length=None, shrink=np.nan, steps=None):
        super().__init__(horizon, season_length=season_length)
        self.shrink, self.steps = shrink, steps


def test_battery_compares_nan_and_estimator_list_parameters():
    """A NaN default and a list of (name, estimator) pairs failed the clone and round-trip
    checks with an empty message (NaN != NaN; pairs compared by identity)."""
    from tsrnn.estimator_checks import _same_params

    check_forecaster(Weighted(horizon=3, steps=[("naive", SeasonalNaiveForecaster(horizon=3))]))
    a = {"steps": [("naive", SeasonalNaiveForecaster(horizon=3))], "shrink": np.nan}
    b = {"steps": [("naive", SeasonalNaiveForecaster(horizon=4))], "shrink": np.nan}
    assert not _same_params(a, b) and _same_params(a, {**b, "steps": a["steps"]})


class InPlace(Mean):  # fits a mutable parameter in place, as a scikit-learn regressor would
    def __init__(self, horizon=1, *, season_length=None, store=None):
        super().__init__(horizon, season_length=season_length)
        self.store = store

    def _fit_values(self, values, cov, m):
        self.store["mean"] = values.mean(axis=0)

    def _predict_values(self, h, future_cov):
        return np.tile(self.store["mean"], (h, 1))


def test_panel_members_do_not_share_mutable_parameters():
    """Members copied from one clone shared the parameter: each series was forecast with the
    last series' model."""
    import pandas as pd

    panel = pd.DataFrame({"unique_id": np.repeat(["a", "b"], 24), "y": np.r_[np.zeros(24),
                                                                             np.ones(24)],
                          "ds": np.tile(pd.date_range("2000-01", periods=24, freq="MS"), 2)})
    forecast = InPlace(horizon=2, store={}).fit(panel).predict()
    assert forecast["y"].tolist() == [0.0, 0.0, 1.0, 1.0]
