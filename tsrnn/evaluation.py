"""Forecast accuracy metrics (MASE, sMAPE, RMSE)."""

from __future__ import annotations

import numpy as np


def _as_2d(a) -> np.ndarray:
    a = np.asarray(a, dtype=np.float64)
    return a.reshape(len(a), -1)


def mase_scale(y_train, season_length: int = 1) -> np.ndarray:
    """In-sample mean absolute error of the seasonal naive forecast, per column.

    The denominator of MASE (Hyndman & Koehler, 2006). Falls back to lag 1 when the series is
    not longer than one season, and to 1 where the series is constant.
    """
    y = _as_2d(y_train)
    m = season_length if len(y) > season_length else 1
    if len(y) <= m:
        return np.ones(y.shape[1])
    scale = np.mean(np.abs(y[m:] - y[:-m]), axis=0)
    return np.where(scale > 0, scale, 1.0)


def mase(y_true, y_pred, y_train=None, season_length: int = 1, *, scale=None) -> float:
    """Mean absolute scaled error; lower is better, 1 is the in-sample seasonal naive error.

    Pass the training series ``y_train`` (and ``season_length``) or a precomputed ``scale``
    from :func:`mase_scale`. For several columns the mean over columns is returned.

    Examples
    --------
    >>> mase([3.0, 4.0], [2.0, 4.0], y_train=[0.0, 1.0, 2.0])
    0.5
    """
    if scale is None:
        scale = mase_scale(y_train, season_length)
    err = np.abs(_as_2d(y_true) - _as_2d(y_pred)).mean(axis=0)
    return float(np.mean(err / scale))


def smape(y_true, y_pred) -> float:
    """Symmetric mean absolute percentage error, in percent (0 to 200).

    Examples
    --------
    >>> smape([100.0], [110.0])
    9.523809523809524
    """
    t, p = _as_2d(y_true), _as_2d(y_pred)
    denom = np.abs(t) + np.abs(p)
    ratio = np.divide(2 * np.abs(t - p), denom, out=np.zeros_like(denom), where=denom > 0)
    return float(100 * ratio.mean())


def rmse(y_true, y_pred) -> float:
    """Root mean squared error.

    Examples
    --------
    >>> rmse([0.0, 0.0], [3.0, 4.0])
    3.5355339059327378
    """
    return float(np.sqrt(np.mean((_as_2d(y_true) - _as_2d(y_pred)) ** 2)))
