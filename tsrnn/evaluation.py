"""Forecast accuracy metrics (MASE, sMAPE, RMSE)."""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import clone
from statsmodels.tsa.stattools import kpss

from . import _pandas
from ._validation import check_choice, check_count, plain, shown_labels


def _as_2d(a, name: str = "y_true") -> np.ndarray:
    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 0:
        raise ValueError(f"{name} is a single value ({a.item()!r}); pass an array of values "
                         "(one per step).")
    if not a.size:
        raise ValueError(f"{name} is empty (shape {a.shape}); pass at least one value.")
    return a.reshape(len(a), -1)


def _aligned(y_true, other, name: str = "y_pred", *, rows: bool = True):
    """``other`` in ``y_true``'s order of time stamps (``rows``) and columns, where both are
    pandas objects that label them; a ValueError where their labels differ, since comparing
    such objects by position would score a forecast against the wrong steps or series. pandas'
    default index (0, 1, 2, ...: a column of a tidy table, a Series made from an array) labels
    no time stamps, and such rows are compared by position."""
    pandas = (pd.Series, pd.DataFrame)
    if not isinstance(y_true, pandas) or not isinstance(other, pandas):
        return other
    stamped = not any(isinstance(a.index, pd.RangeIndex) and a.index.start == 0
                      and a.index.step == 1 for a in (y_true, other))
    axes = [("index", "time stamps")] if rows and stamped else []
    if isinstance(y_true, pd.DataFrame) and isinstance(other, pd.DataFrame):
        axes.append(("columns", "columns"))
    for axis, what in axes:
        want, have = getattr(y_true, axis), getattr(other, axis)
        if have.equals(want):
            continue
        if want.has_duplicates or have.has_duplicates or len(want) != len(have) or not (
                have.isin(want).all()):
            raise ValueError(
                f"y_true and {name} have different {what}: y_true {shown_labels(want)}, {name} "
                f"{shown_labels(have)}; pass {name} for the same {what} (or both as numpy arrays "
                "to compare them by position)."
            )
        other = other.reindex(**{axis: want})
    return other


def _pair(y_true, y_pred) -> tuple[np.ndarray, np.ndarray]:
    """Actual and forecast values as (T, D) arrays of one shape; a ValueError if they differ
    (numpy would broadcast one forecast column, or one value, against all of them). pandas
    objects are matched by their labels (:func:`_aligned`)."""
    t, p = _as_2d(y_true), _as_2d(_aligned(y_true, y_pred), "y_pred")
    if t.shape != p.shape:
        raise ValueError(
            f"y_true has shape {np.shape(y_true)} but y_pred has shape {np.shape(y_pred)}; pass "
            "one forecast per actual value."
        )
    return t, p


def mase_scale(y_train, season_length: int = 1) -> np.ndarray:
    """In-sample mean absolute error of the seasonal naive forecast, per column.

    The denominator of MASE (Hyndman & Koehler, 2006). Falls back to lag 1 when the series is
    not longer than one season or its seasonal error is 0 (a season that repeats exactly; a
    weekly series of 60 points whose 8 yearly differences all vanish), and to 1 where that error
    is 0 too (a constant series: MASE is undefined there, and the fallback makes it an absolute
    error, in the series' units); NaN where it has NaN.

    Parameters
    ----------
    y_train : array-like of shape (T,) or (T, D)
        The training series, one column per series.
    season_length : int, default=1
        The seasonal naive lag.

    Returns
    -------
    ndarray of shape (D,)
        One scale per column.
    """
    check_count(season_length, "season_length")
    return _mase_scale(_as_2d(y_train, "y_train"), season_length)


def _mase_scale(y: np.ndarray, season_length: int) -> np.ndarray:
    """:func:`mase_scale` of a float ``y`` of shape (T, ...), unchecked."""
    scale = _naive_error(y, season_length)
    if season_length > 1 and (scale == 0).any():
        scale = np.where(scale == 0, _naive_error(y, 1), scale)
    return np.where(scale == 0, 1.0, scale)


def _naive_error(y: np.ndarray, season_length: int) -> np.ndarray:
    """In-sample mean absolute error of the seasonal naive forecast per column of a float
    ``y`` of shape (..., T, C), along T (lag 1 when ``y`` is not longer than a season; 0
    without two observations): 0 where it is rounding noise against the values' size (an
    exactly repeating sine gave 7e-14)."""
    n = y.shape[-2]
    m = season_length if n > season_length else 1
    shape = y.shape[:-2] + y.shape[-1:]
    if n <= m:
        return np.zeros(shape)
    total, peak = np.zeros(shape), np.zeros(shape)
    block = 1 << 16  # a block at a time: no copy of a long series
    for start in range(m, n, block):
        stop = min(start + block, n)
        total += np.abs(y[..., start:stop, :] - y[..., start - m : stop - m, :]).sum(axis=-2)
        peak = np.maximum(peak, np.abs(y[..., start - m : stop, :]).max(axis=-2))
    scale = total / (n - m)
    return np.where(scale <= 10 * np.finfo(np.float64).eps * peak, 0.0, scale)


_STACK_VALUES = 1 << 22  # values of same-length series stacked at a time by _per_series


def _per_series(fn, data: list[np.ndarray]) -> np.ndarray:
    """``fn`` of every (T_i, C) series in ``data``, stacked (S, ...).

    ``fn`` reduces along axis -2 (time): series of one length are given to it together, as
    one (n, T, C) array (a few million values at a time; a long series alone, as a view).
    Calls series by series made a fit of 20,000 series take 3.7-4.5 s instead of 0.33-0.37 s
    (one training step). Each series keeps its own memory layout in the stack, so numpy adds
    its values in the same order either way and the results are the same to the last bit.
    """
    lengths = np.array([len(x) for x in data])
    parts, where = [], []
    for length in np.unique(lengths):
        idx = np.flatnonzero(lengths == length)
        step = max(1, _STACK_VALUES // max(1, length * data[idx[0]].shape[1]))
        for start in range(0, len(idx), step):
            chunk = idx[start : start + step]
            stacked = (data[chunk[0]][None] if len(chunk) == 1
                       else np.stack([data[i] for i in chunk]))
            parts.append(fn(stacked))
            where.append(chunk)
    out = np.concatenate(parts)
    return out[np.argsort(np.concatenate(where), kind="stable")]


def _ndiffs(y: np.ndarray, max_d: int = 2) -> int:
    """Differences needed for stationarity by repeated KPSS tests at 5%, as auto.arima, but
    with statsmodels' data-driven lag length (R's ndiffs uses ``trunc(3 * sqrt(n) / 13)``
    lags; the two choose another d for US real GDP and 24 of M1's 181 yearly series); a
    constant series needs none (KPSS is undefined on it; constant up to rounding, as R's
    ``is.constant``: an exact line's differences carry 1e-16 of noise). Series of 5 to 18
    points are tested with R's lags (none): statsmodels' rejected white noise of 8 points 16%
    of the time and of 11-12 points 11-13%, and missed a trend of 7, where R's keeps near 5%
    and finds it (series of 10 points or fewer were not tested at all before: a trend of 8
    points was forecast flat, as its mean)."""
    d = 0
    while d < max_d and len(y) >= 5 and np.ptp(y) > 1e-8 * max(np.abs(y).max(), 1e-300):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            lags = "auto" if len(y) > 18 else 0  # R's trunc(3 * sqrt(n) / 13)
            if kpss(y, regression="c", nlags=lags)[1] >= 0.05:
                break
        y, d = np.diff(y), d + 1
    return d


def mase(y_true, y_pred, y_train=None, season_length: int = 1, *, scale=None) -> float:
    """Mean absolute scaled error; lower is better, 1 is the in-sample seasonal naive error.

    Pass the training series ``y_train`` (and ``season_length``) or a precomputed ``scale``
    from :func:`mase_scale`. For several columns the mean over columns is returned.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (h,) or (h, D)
        Actual values and forecasts. Two pandas objects are matched by their time stamps
        (unless one has pandas' default index 0, 1, ...) and a DataFrame's columns by name;
        other labels are refused. Arrays are compared by position.
    y_train : array-like of shape (T,) or (T, D), optional
        The training series, for the scale (DataFrames' columns matched by name).
    season_length : int, default=1
        The seasonal naive lag of the scale.
    scale : float or array-like of shape (D,), optional
        A precomputed scale (one per column, or one for all), instead of ``y_train``.

    Returns
    -------
    float
        The MASE, averaged over columns.

    Examples
    --------
    >>> from tsrnn import mase
    >>> mase([3.0, 4.0], [2.0, 4.0], y_train=[0.0, 1.0, 2.0])
    0.5
    """
    t, p = _pair(y_true, y_pred)
    if scale is None:
        if y_train is None:
            raise ValueError("mase needs the training series y_train (for its scale) or scale= "
                             "(from mase_scale).")
        scale = mase_scale(_aligned(y_true, y_train, "y_train", rows=False), season_length)
        if len(scale) != t.shape[1]:
            raise ValueError(
                f"y_train has {len(scale)} column(s) but y_true has {t.shape[1]}; pass the "
                "training series of the same columns."
            )
    elif np.ndim(scale) > 1 or np.size(scale) not in (1, t.shape[1]):
        raise ValueError(
            f"scale has shape {np.shape(scale)} but y_true has {t.shape[1]} column(s); pass one "
            "scale per column (mase_scale of the training series) or a single number."
        )
    elif not (np.asarray(scale, dtype=float) > 0).all() or not np.isfinite(scale).all():
        raise ValueError(f"scale must be positive and finite (got {plain(scale)!r}); pass "
                         "mase_scale of the training series.")
    err = np.abs(t - p).mean(axis=0)
    return float(np.mean(err / scale))


def smape(y_true, y_pred) -> float:
    """Symmetric mean absolute percentage error, in percent (0 to 200); a step where the actual
    and the forecast are both 0 counts as no error, one with a NaN makes the result NaN.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (h,) or (h, D)
        Actual values and forecasts. Two pandas objects are matched by their time stamps
        (unless one has pandas' default index 0, 1, ...) and a DataFrame's columns by name;
        other labels are refused. Arrays are compared by position.

    Returns
    -------
    float
        The sMAPE in percent, over all values.

    Examples
    --------
    >>> from tsrnn import smape
    >>> smape([100.0], [110.0])
    9.523809523809524
    """
    t, p = _pair(y_true, y_pred)
    denom = np.abs(t) + np.abs(p)
    ratio = np.divide(2 * np.abs(t - p), denom, out=np.where(denom == 0, 0.0, np.nan),
                      where=denom > 0)
    return float(100 * ratio.mean())


def rmse(y_true, y_pred) -> float:
    """Root mean squared error, over all values (several columns pooled).

    Parameters
    ----------
    y_true, y_pred : array-like of shape (h,) or (h, D)
        Actual values and forecasts. Two pandas objects are matched by their time stamps
        (unless one has pandas' default index 0, 1, ...) and a DataFrame's columns by name;
        other labels are refused. Arrays are compared by position.

    Returns
    -------
    float
        The RMSE, in the series' units.

    Examples
    --------
    >>> from tsrnn import rmse
    >>> rmse([0.0, 0.0], [3.0, 4.0])
    3.5355339059327378
    """
    t, p = _pair(y_true, y_pred)
    return float(np.sqrt(np.mean((t - p) ** 2)))


_METRICS = {"mase": None, "smape": smape, "rmse": rmse}


def make_forecast_scorer(metric: str = "mase"):
    """A scikit-learn scorer for forecasters: ``scorer(forecaster, y_test)``.

    The forecast of ``y_test`` is made from the end of the training series and placed by the
    test block's time stamps (see :meth:`BaseForecaster.score`). The scorer returns the
    *negative* error, so higher is better, as ``GridSearchCV`` expects. (scikit-learn's own
    scorers, such as ``scoring="neg_mean_absolute_error"``, call ``predict(X)`` and compare it
    with a target: a forecaster has neither, so they fail; use this function instead.)

    Parameters
    ----------
    metric : {"mase", "smape", "rmse"}, default="mase"

    Returns
    -------
    callable
        ``scorer(forecaster, y, X=None) -> float``.

    Examples
    --------
    >>> from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
    >>> from tsrnn import SeasonalNaiveForecaster, make_forecast_scorer
    >>> from tsrnn.datasets import load_airpassengers
    >>> search = GridSearchCV(SeasonalNaiveForecaster(horizon=12), {"season_length": [1, 12]},
    ...                       cv=TimeSeriesSplit(3, test_size=12),
    ...                       scoring=make_forecast_scorer("smape"))
    >>> search.fit(load_airpassengers()).best_params_
    {'season_length': 12}
    """
    if metric not in _METRICS:
        raise ValueError(f"metric={metric!r} is not valid; choose one of {', '.join(_METRICS)}.")
    return _ForecastScorer(metric)


class _ForecastScorer:
    """The scorer :func:`make_forecast_scorer` returns: a class, not a closure, so that a search
    holding it pickles (``joblib.dump(search)`` failed on a local function)."""

    def __init__(self, metric: str) -> None:
        self.metric = metric
        self.__name__ = f"neg_{metric}"

    def __call__(self, forecaster, y, X=None) -> float:
        forecaster = _refit_forecaster(forecaster)
        actual, forecast = forecaster._forecast_of(y, X)
        if self.metric == "mase":
            return -mase(actual, forecast, scale=forecaster.mase_scale_)
        return -_METRICS[self.metric](actual, forecast)

    def __repr__(self) -> str:
        return f"make_forecast_scorer({self.metric!r})"


def _refit_forecaster(estimator):
    """The forecaster a fitted search (``GridSearchCV``) refit on all its data, else
    ``estimator``: a search scored in nested cross-validation or backtested forecasts with it."""
    return getattr(estimator, "best_estimator_", estimator)


@dataclass
class BacktestResult:
    """What :func:`backtest` measured.

    Attributes
    ----------
    metrics : DataFrame
        One row per forecast origin: ``origin`` (the last training time stamp), ``refit``,
        ``train_size``, ``mase``, ``smape``, ``rmse``, ``fit_seconds``, ``predict_seconds``.
    forecasts : DataFrame
        One row per origin, step and column: ``origin``, ``time``, ``step``, ``column``,
        ``actual``, ``forecast``.
    """

    metrics: pd.DataFrame
    forecasts: pd.DataFrame


def _rows(y, start: int, stop: int):
    return None if y is None else y.iloc[start:stop] if hasattr(y, "iloc") else y[start:stop]


def _backtest_plan(forecaster, y, X, horizon: int | None, n_origins: int, step: int | None,
                   window: str, train_size: int | None, refit: bool | int):
    """:func:`backtest`'s arguments checked: ``y`` and ``X`` (lists as arrays), the horizon,
    the origins and the refit period (0: never refit)."""
    if _pandas.is_panel(y):
        raise ValueError(
            "backtest takes one series (or a DataFrame of columns forecast together), not a "
            "long-format panel; backtest each series, e.g. for uid, g in y.groupby('unique_id'): "
            "backtest(forecaster, g.set_index('ds')['y'])."
        )
    y, X = (v if v is None or isinstance(v, (pd.Series, pd.DataFrame)) else np.asarray(v)
            for v in (y, X))  # lists as arrays (a list's .index is a method, not stamps)
    if X is not None and len(X) < len(y):
        raise ValueError(
            f"X has {len(X)} rows but y has {len(y)}; backtest reads the covariates of every step "
            "of y (training windows and forecast steps alike): pass X aligned with y."
        )
    h = getattr(forecaster, "horizon", None) if horizon is None else horizon
    if h is None:
        raise ValueError(f"{type(forecaster).__name__} has no horizon of its own (a search of "
                         "forecasters?); pass backtest's horizon.")
    step = h if step is None else step
    for name, value in (("horizon", h), ("n_origins", n_origins), ("step", step),
                        ("train_size", 1 if train_size is None else train_size)):
        check_count(value, name)
    n = len(y)
    origins = [n - h - i * step for i in reversed(range(n_origins))]
    if origins[0] < 2:
        raise ValueError(
            f"{n_origins} origins {step} steps apart with horizon {h} need at least "
            f"{h + (n_origins - 1) * step + 2} observations (y has {n}); lower n_origins, step "
            "or horizon."
        )
    check_choice(window, "window", ("expanding", "sliding"))
    if train_size is not None and window == "expanding":
        raise ValueError("train_size sets the window of window='sliding'; an expanding window "
                         "trains on everything before each origin: leave train_size out.")
    if train_size is not None and train_size > origins[0]:  # it became an expanding window
        raise ValueError(
            f"train_size={train_size} is longer than the {origins[0]} observations before the "
            f"first origin; pass train_size <= {origins[0]}, or fewer origins."
        )
    if isinstance(refit, np.bool_):
        refit = bool(refit)
    if not isinstance(refit, bool):
        check_count(refit, "refit")
    return y, X, h, origins, 1 if refit is True else (refit or 0)


def backtest(
    forecaster,
    y,
    X=None,
    *,
    horizon: int | None = None,
    n_origins: int = 5,
    step: int | None = None,
    window: str = "expanding",
    train_size: int | None = None,
    refit: bool | int = True,
) -> BacktestResult:
    """Rolling-origin evaluation of any forecaster (recurrent, ARIMA, naive, composed).

    The last origin leaves exactly ``horizon`` observations to forecast; earlier origins lie
    ``step`` observations apart. At each origin the forecaster forecasts the next ``horizon``
    steps and is scored against them (MASE with the training window's seasonal naive scale, at
    the season of ``y``'s frequency: the data's, not the forecaster's ``season_length``).

    Parameters
    ----------
    forecaster : forecaster
        Cloned, never modified.
    y : Series, DataFrame or array-like
        The whole series (or panel): each origin's training part and the values forecast.
    X : DataFrame or array-like, optional
        Covariates aligned with ``y``.
    horizon : int, optional
        Defaults to the forecaster's ``horizon``.
    n_origins : int, default=5
        Forecast origins, the last one ``horizon`` observations before the end of ``y``.
    step : int, optional
        Observations between origins; defaults to ``horizon``.
    window : {"expanding", "sliding"}, default="expanding"
        Train on everything before the origin, or on the last ``train_size`` observations.
    train_size : int, optional
        Window for ``window="sliding"``; defaults to the length before the first origin.
    refit : bool or int, default=True
        True: fit anew at every origin. An int k: refit at every k-th origin and in between
        only :meth:`~BaseForecaster.update` the fitted forecaster with the new observations.
        False: fit at the first origin only; a recurrent forecaster then forecasts from every
        origin in one batched call (``predict_seconds`` is that call's time split evenly over
        the origins), others move from origin to origin with ``update``.

    Returns
    -------
    BacktestResult
        ``.metrics`` (one row per origin) and ``.forecasts`` (tidy: one row per forecast value).

    Examples
    --------
    >>> from tsrnn import SeasonalNaiveForecaster, backtest
    >>> from tsrnn.datasets import load_airpassengers
    >>> result = backtest(SeasonalNaiveForecaster(horizon=12), load_airpassengers(), n_origins=3)
    >>> result.metrics.round({"mase": 3})[["origin", "mase"]]
          origin   mase
    0 1957-12-01  0.412
    1 1958-12-01  1.657
    2 1959-12-01  1.571
    """
    y, X, h, origins, every = _backtest_plan(forecaster, y, X, horizon, n_origins, step, window,
                                             train_size, refit)
    # the scale's season is the data's (its frequency's), not the forecaster's season_length
    m = _pandas.season_length(y.index) if isinstance(y, (pd.Series, pd.DataFrame)) else 1
    size = train_size or origins[0]
    metrics, forecasts, fitted, previous, batched = [], [], None, None, None
    for i, origin in enumerate(origins):
        start = 0 if window == "expanding" else max(0, origin - size)
        train, test = _rows(y, start, origin), _rows(y, origin, origin + h)
        began = time.perf_counter()
        do_refit = fitted is None or (every and i % every == 0)
        if do_refit:
            fitted = _refit_forecaster(clone(forecaster).fit(train, _rows(X, start, origin)))
        elif batched is None:
            fitted.update(_rows(y, previous, origin), _rows(X, previous, origin))
        fit_seconds, began = time.perf_counter() - began, time.perf_counter()
        if not every and i == 0:  # never refit: every origin's forecast in one batched call
            batched = fitted._forecast_origins(y, X, origins, h)  # X may run on
            batch_seconds = (time.perf_counter() - began) / len(origins)
        if batched is None:
            # every later row of X: a direct recurrent model reads its whole trained block
            actual, pred = fitted._forecast_of(test, _rows(X, origin, None))
            predict_seconds = time.perf_counter() - began
        else:
            actual, pred = np.asarray(test, dtype=np.float64).reshape(h, -1), batched[i]
            predict_seconds = batch_seconds
        train_values = np.asarray(train, dtype=np.float64)
        times = test.index if hasattr(test, "index") else np.arange(origin, origin + h)
        columns = (list(test.columns) if isinstance(test, pd.DataFrame)
                   else list(range(actual.shape[1])) if np.ndim(test) == 2
                   else [getattr(test, "name", 0)])
        metrics.append({
            "origin": train.index[-1] if hasattr(train, "index") else origin - 1,
            "refit": bool(do_refit),
            "train_size": len(train),
            "mase": mase(actual, pred, train_values, m),
            "smape": smape(actual, pred),
            "rmse": rmse(actual, pred),
            "fit_seconds": fit_seconds,
            "predict_seconds": predict_seconds,
        })
        k = len(columns)  # one frame per origin, column after column (a frame per column
        forecasts.append(pd.DataFrame({  # took 3/4 of a backtest of 1,000 columns)
            "origin": [metrics[-1]["origin"]] * (h * k), "time": np.tile(np.asarray(times), k),
            "step": np.tile(np.arange(1, h + 1), k), "column": pd.Index(columns).repeat(h),
            "actual": actual.ravel(order="F"), "forecast": pred.ravel(order="F"),
        }))
        previous = origin
    return BacktestResult(pd.DataFrame(metrics), pd.concat(forecasts, ignore_index=True))
