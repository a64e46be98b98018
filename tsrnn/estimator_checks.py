"""A conformance battery every tsrnn forecaster must pass (run on each one in the tests).

Use it on your own forecaster too: ``check_forecaster(MyForecaster(horizon=3))`` raises an
AssertionError naming the first broken promise.
"""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.exceptions import NotFittedError


def _series(n: int = 72, columns: list[str] | None = None):
    rng = np.random.default_rng(0)
    t = np.arange(n)
    index = pd.date_range("2001-01-01", periods=n, freq="MS", name="month")
    base = 10 + 0.1 * t + 2 * np.sin(2 * np.pi * t / 12)
    if columns is None:
        return pd.Series(base + rng.normal(0, 0.2, n), index=index, name="sales")
    data = {c: base * (i + 1) + rng.normal(0, 0.2, n) for i, c in enumerate(columns)}
    return pd.DataFrame(data, index=index)


def check_fit_returns_self(f):
    est = clone(f)
    assert est.fit(_series()) is est, "fit must return self"


def check_not_fitted_error(f):
    try:
        clone(f).predict()
    except NotFittedError:
        return
    raise AssertionError("predict before fit must raise sklearn's NotFittedError")


def check_index_and_name(f):
    y = _series()
    pred = clone(f).fit(y).predict(horizon=5)
    expected = pd.date_range(y.index[-1], periods=6, freq="MS", name="month")[1:]
    pd.testing.assert_index_equal(pred.index, expected)
    assert pred.name == "sales", "the forecast must keep the series' name"
    assert np.isfinite(pred.to_numpy()).all(), "forecasts must be finite"


def check_dataframe_columns(f):
    y = _series(columns=["a", "b"])
    pred = clone(f).fit(y).predict(horizon=3)
    assert isinstance(pred, pd.DataFrame) and list(pred.columns) == ["a", "b"]


def _plain_params(est) -> dict:
    """Deep parameters, nested estimators compared through their own parameters."""
    return {k: v for k, v in est.get_params(deep=True).items() if not hasattr(v, "get_params")}


def check_clone_is_unfitted_and_equal(f):
    fitted = clone(f).fit(_series())
    again = clone(fitted)
    assert _plain_params(again) == _plain_params(f)
    assert not [k for k in vars(again) if k.endswith("_") and not k.startswith("__")]


def check_params_round_trip(f):
    params = f.get_params(deep=False)
    est = clone(f).set_params(**params)
    assert est.get_params(deep=False) == params


def check_pickle_keeps_predictions(f):
    fitted = clone(f).fit(_series())
    restored = pickle.loads(pickle.dumps(fitted))
    pd.testing.assert_series_equal(fitted.predict(), restored.predict(), check_exact=True)


def check_data_not_mutated(f):
    for y, later in ((_series(), _series(80)[-8:]),
                     (_series(columns=["a", "b"]), _series(80, columns=["a", "b"])[-8:])):
        inputs = (y, later)
        before = [v.copy() for v in inputs]
        est = clone(f).fit(y)
        est.predict()
        est.score(later)
        for value, copy in zip(inputs, before):  # fit's y and score's y, Series and DataFrame
            assert value.equals(copy) and value.index.freq == copy.index.freq


def check_random_state_reproducible(f):
    seeds = {k: 0 for k in f.get_params(deep=True) if k.split("__")[-1] == "random_state"}
    if not seeds:  # nothing random to seed (wrapped forecasters seed through their inner one)
        return
    est = clone(f).set_params(**seeds)
    a = clone(est).fit(_series()).predict()
    b = clone(est).fit(_series()).predict()
    pd.testing.assert_series_equal(a, b, check_exact=True)


CHECKS = (
    check_fit_returns_self,
    check_not_fitted_error,
    check_index_and_name,
    check_dataframe_columns,
    check_clone_is_unfitted_and_equal,
    check_params_round_trip,
    check_pickle_keeps_predictions,
    check_data_not_mutated,
    check_random_state_reproducible,
)


def check_forecaster(forecaster) -> None:
    """Run every check of :data:`CHECKS` on ``forecaster``; raise AssertionError on the first
    that fails, naming it.

    Examples
    --------
    >>> from tsrnn import SeasonalNaiveForecaster
    >>> check_forecaster(SeasonalNaiveForecaster(horizon=3))
    """
    for check in CHECKS:
        try:
            check(forecaster)
        except Exception as exc:  # an error of any kind is a broken promise, named
            what = str(exc) if isinstance(exc, AssertionError) else f"{type(exc).__name__}: {exc}"
            raise AssertionError(
                f"{type(forecaster).__name__} fails {check.__name__}: {what}") from exc
