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

from .evaluation import mase
from .forecasting import BaseForecaster


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
    """``fit`` returns the estimator itself."""
    est = clone(f)
    assert est.fit(_series()) is est, "fit must return self"


def check_not_fitted_error(f):
    """``predict`` before ``fit`` raises scikit-learn's NotFittedError."""
    try:
        clone(f).predict()
    except NotFittedError:
        return
    raise AssertionError("predict before fit must raise sklearn's NotFittedError")


def _next_months(y, n: int) -> pd.DatetimeIndex:
    return pd.date_range(y.index[-1], periods=n + 1, freq="MS", name="month")[1:]


def check_index_and_name(f):
    """The forecast continues the series' monthly index and keeps its name, is finite,
    and ``predict()`` forecasts ``horizon`` steps."""
    y = _series()
    est = clone(f).fit(y)
    pred = est.predict(horizon=5)
    pd.testing.assert_index_equal(pred.index, _next_months(y, 5))
    assert pred.name == "sales", "the forecast must keep the series' name"
    assert np.isfinite(pred.to_numpy()).all(), "forecasts must be finite"
    default = est.predict()
    assert len(default) == est.horizon, "predict() must forecast the horizon's steps"
    pd.testing.assert_index_equal(default.index, _next_months(y, est.horizon))


def check_dataframe_columns(f):
    """A DataFrame is forecast as a DataFrame with its columns, on the next stamps."""
    y = _series(columns=["a", "b"])
    pred = clone(f).fit(y).predict(horizon=3)
    assert isinstance(pred, pd.DataFrame) and list(pred.columns) == ["a", "b"]
    pd.testing.assert_index_equal(pred.index, _next_months(y, 3))


def check_score_is_negative_mase(f):
    """``score`` is the negative MASE of the forecast of the values that follow."""
    y, later = _series(), _series(80)[72:]
    est = clone(f).fit(y)
    # the scale from a fresh copy of the training series (which the fit cannot have changed)
    # and its monthly season, not the forecaster's own mase_scale_ (a scale of 1, a score of
    # minus the MAE, passed)
    expected = -mase(later, est.predict(horizon=len(later)), _series(), season_length=12)
    assert np.isclose(est.score(later), expected, rtol=1e-6, atol=0), (
        "score must be the negative MASE of the forecast of the values after the series "
        "(higher is better)")


def _plain_params(est) -> dict:
    """Deep parameters, nested estimators compared through their own parameters."""
    return {k: v for k, v in est.get_params(deep=True).items() if not hasattr(v, "get_params")}


def _same(a, b) -> bool:
    """Two parameter values equal: arrays (e.g. an ARIMA order) by their elements, NaN equal to
    NaN, lists and tuples item by item, estimators (e.g. in (name, estimator) pairs) by type
    and parameters."""
    if hasattr(a, "get_params") or hasattr(b, "get_params"):
        return type(a) is type(b) and _same_params(a.get_params(deep=False),
                                                   b.get_params(deep=False))
    if isinstance(a, (list, tuple)) or isinstance(b, (list, tuple)):
        return (type(a) is type(b) and len(a) == len(b)
                and all(_same(x, y) for x, y in zip(a, b)))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.array_equal(a, b, equal_nan=np.asarray(a).dtype.kind in "fc")
    if isinstance(a, (pd.Series, pd.DataFrame, pd.Index)):  # clone copies them: by content
        return type(a) is type(b) and a.equals(b)
    if isinstance(a, dict) or isinstance(b, dict):
        return type(a) is type(b) and _same_params(a, b)
    if isinstance(a, float) and isinstance(b, float) and np.isnan(a) and np.isnan(b):
        return True
    try:
        return bool(a == b)
    except (TypeError, ValueError, RuntimeError):  # an array-like without one truth value
        pass  # (clone copied it): by content, as the types above
    if type(a) is not type(b):
        return False
    if hasattr(a, "equals"):  # pd.Categorical and other extension arrays: categories too
        return bool(a.equals(b))
    try:
        return _same(np.asarray(a), np.asarray(b))  # e.g. a tensor, as an array
    except (TypeError, ValueError, RuntimeError):
        return a is b


def _same_params(a: dict, b: dict) -> bool:
    """Parameter dicts equal value by value (see :func:`_same`)."""
    return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)


def _differing(a: dict, b: dict) -> str:
    """The parameters that differ, named for an assertion's message."""
    names = sorted(a.keys() ^ b.keys()) + [k for k in a if k in b and not _same(a[k], b[k])]
    return "parameters that differ: " + ", ".join(
        f"{k} ({a.get(k, '<missing>')!r} vs {b.get(k, '<missing>')!r})" for k in names)


def check_clone_is_unfitted_and_equal(f):
    """A clone of a fitted forecaster has the same parameters and no fitted
    attributes."""
    fitted = clone(f).fit(_series())
    again = clone(fitted)
    params, expected = _plain_params(again), _plain_params(f)
    assert _same_params(params, expected), _differing(params, expected)
    assert not [k for k in vars(again) if k.endswith("_") and not k.startswith("__")]


def check_params_round_trip(f):
    """``set_params(**get_params())`` leaves the parameters as they were, and ``set_params``
    sets each one (a value that differs from the present one is what ``get_params`` returns)."""
    params = f.get_params(deep=False)
    est = clone(f).set_params(**params)
    assert _same_params(est.get_params(deep=False), params), _differing(
        est.get_params(deep=False), params)
    for name in params:  # (scikit-learn's set_params stores values; fit checks them)
        marker = object()
        got = clone(f).set_params(**{name: marker}).get_params(deep=False)[name]
        assert got is marker, f"set_params({name}=...) must set {name}"


def check_pickle_keeps_predictions(f):
    """A pickled and restored forecaster forecasts exactly the same."""
    fitted = clone(f).fit(_series())
    restored = pickle.loads(pickle.dumps(fitted))
    pd.testing.assert_series_equal(fitted.predict(), restored.predict(), check_exact=True)


def check_data_not_mutated(f):
    """``fit``, ``predict`` and ``score`` leave their inputs as they were (values,
    names, index frequency, attrs)."""
    for y, later in ((_series(), _series(80)[-8:]),
                     (_series(columns=["a", "b"]), _series(80, columns=["a", "b"])[-8:])):
        inputs = (y, later)
        before = [v.copy() for v in inputs]
        # the frequency lives on the index's array, which a copy shares: recorded apart
        freqs = [v.index.freq for v in inputs]
        est = clone(f).fit(y)
        est.predict()
        est.score(later)
        for value, copy in zip(inputs, before):  # fit's y and score's y, Series and DataFrame
            # names too (equals ignores them), exactly, and the index's frequency
            assert_equal = (pd.testing.assert_series_equal if isinstance(value, pd.Series)
                            else pd.testing.assert_frame_equal)
            assert_equal(value, copy, check_exact=True, check_freq=True)
            assert value.attrs == copy.attrs, "the input's attrs must not change"
        assert [v.index.freq for v in inputs] == freqs, "the index's frequency must not change"


def check_random_state_reproducible(f):
    """Two fits with ``random_state=0`` (where the forecaster has one) forecast
    exactly the same."""
    seeds = {k: 0 for k in f.get_params(deep=True) if k.split("__")[-1] == "random_state"}
    if not seeds:  # nothing random to seed (wrapped forecasters seed through their inner one)
        return
    est = clone(f).set_params(**seeds)
    a = clone(est).fit(_series()).predict()
    b = clone(est).fit(_series()).predict()
    pd.testing.assert_series_equal(a, b, check_exact=True)


def check_update_moves_the_origin(f):
    """``update`` (where the forecaster has one) returns itself and moves the forecast's origin
    to after the new values: its forecast continues their index, depends on them, and is the
    same whether they came in one update or in two."""
    if type(f)._update_values is BaseForecaster._update_values:  # no update of its own
        return
    y = _series(84)
    fitted = clone(f).fit(y[:72])
    assert fitted.update(y[72:]) is fitted, "update must return self"
    moved = fitted.predict(horizon=3)
    pd.testing.assert_index_equal(moved.index, _next_months(y, 3))
    twice = clone(f).fit(y[:72]).update(y[72:78]).update(y[78:]).predict(horizon=3)
    np.testing.assert_allclose(twice.to_numpy(), moved.to_numpy(), rtol=1e-6, err_msg=(
        "two updates must forecast as one update with the same values"))
    other = clone(f).fit(y[:72]).update(y[72:] + 100 * y.std()).predict(horizon=3)
    assert not np.allclose(other.to_numpy(), moved.to_numpy()), (
        "the forecast after update must depend on the new values (a no-op update passes as "
        "right while backtest(refit=False) reports wrong errors)")


def check_covariates(f):
    """Fit with covariates (a DataFrame aligned with ``y``), the forecast of their future rows
    continues the index, is finite, reads only the rows it needs of a longer ``X`` and leaves
    ``X`` as it was; ``update`` (where the forecaster has one) takes the new rows' covariates."""
    h = f.horizon
    n = 72 + 3 + h + 6
    y = _series(n)
    X = pd.DataFrame({"price": np.linspace(1.0, 2.0, n), "promo": (np.arange(n) % 3 == 0) * 1.0},
                     index=y.index)
    y = y + 2 * X["promo"]
    # frames of their own, not slices: under copy-on-write a write to a slice never reaches X
    X_fit, X_future, X_longer = X[:72].copy(), X[72:72 + h].copy(), X[72:].copy()
    before = [part.copy() for part in (X_fit, X_future, X_longer)]
    est = clone(f).fit(y[:72], X_fit)
    pred = est.predict(X=X_future)
    pd.testing.assert_index_equal(pred.index, _next_months(y[:72], h))
    assert np.isfinite(pred.to_numpy()).all(), "forecasts with covariates must be finite"
    longer = est.predict(X=X_longer)
    np.testing.assert_allclose(longer.to_numpy(), pred.to_numpy(), rtol=1e-6, err_msg=(
        "a longer X must give the same forecast (the hook reads the first rows of future_cov)"))
    for part, copy in zip((X_fit, X_future, X_longer), before):
        pd.testing.assert_frame_equal(part, copy, check_exact=True, check_freq=True)
    if type(f)._update_values is not BaseForecaster._update_values:
        moved = est.update(y[72:75], X[72:75]).predict(X=X[75:75 + h])
        pd.testing.assert_index_equal(moved.index, _next_months(y[:75], h))
        assert np.isfinite(moved.to_numpy()).all(), "forecasts after update must be finite"


CHECKS = (
    check_fit_returns_self,
    check_not_fitted_error,
    check_index_and_name,
    check_dataframe_columns,
    check_score_is_negative_mase,
    check_clone_is_unfitted_and_equal,
    check_params_round_trip,
    check_pickle_keeps_predictions,
    check_data_not_mutated,
    check_random_state_reproducible,
    check_update_moves_the_origin,
    check_covariates,
)


def check_forecaster(forecaster) -> None:
    """Run every check of :data:`CHECKS` on ``forecaster``; raise AssertionError on the first
    that fails, naming it.

    Parameters
    ----------
    forecaster : estimator
        An unfitted forecaster (each check fits clones of it on small monthly series).

    Raises
    ------
    AssertionError
        Naming the first check that fails and why.

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
