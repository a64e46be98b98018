"""Sliding windows over one or several series, as start indices or as arrays the user owns."""

from __future__ import annotations

from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ._pandas import PANEL_COLUMNS, match_columns, read_series
from ._validation import check_number, warn
from .sequence.inputs import check_feature_names, holds_sequences


def window_starts(lengths, window_length: int, horizon: int = 0, stride: int = 1) -> np.ndarray:
    """Start positions of every window in series laid end to end.

    Parameters
    ----------
    lengths : sequence of int
        Length of each series; series ``i`` occupies ``[offset_i, offset_i + lengths[i])`` of the
        concatenation.
    window_length, horizon, stride : int
        A window spans ``window_length + horizon`` consecutive steps of one series; successive
        windows of a series start ``stride`` steps apart, and the last one ends at its final step.

    Returns
    -------
    ndarray of int64
        Start positions in the concatenation, series by series and in time order within each.
        No window crosses from one series into the next; a series shorter than one window
        contributes none.
    """
    check_number(window_length, "window_length", Integral, min_val=1)
    check_number(horizon, "horizon", Integral, min_val=0)
    check_number(stride, "stride", Integral, min_val=1)
    lengths = np.asarray(lengths)
    if lengths.size and not np.issubdtype(lengths.dtype, np.integer):
        raise TypeError(f"lengths must be integers, not {lengths.dtype}; e.g. [len(s) for s in "
                        "series].")
    span = window_length + horizon
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    parts = []
    for offset, length in zip(offsets, lengths):
        if length >= span:
            # aligned to the end so the most recent window is always included
            parts.append(offset + np.arange((length - span) % stride, length - span + 1, stride))
    return np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)


def _read_panel(y, names=None, arg: str = "y") -> tuple[list[np.ndarray], list | None]:
    """The series' (T_i, D) arrays and their column names (those of the first DataFrame, or
    ``names``): every DataFrame's columns are matched to them by name. The index is not read.
    Errors name a series as the caller wrote it: ``arg`` (one series) or ``arg[i]``."""
    if isinstance(y, pd.DataFrame) and set(PANEL_COLUMNS) <= set(y.columns):
        raise ValueError(
            f"{arg} is a long-format panel (columns unique_id, ds, y); windows are cut from each "
            "series on its own when they come as a list: [g.sort_values('ds')['y'].to_numpy() "
            f"for _, g in {arg}.groupby('unique_id')]."
        )
    # a list of numbers is one series; an object array or Series of arrays (what
    # groupby(...).apply(np.array) gives) is several, as the sequence estimators read it
    several = (isinstance(y, (list, tuple)) and not (
        y and all(v is None or np.isscalar(v) or np.ndim(v) == 0 for v in y))) or (
        not isinstance(y, (list, tuple)) and holds_sequences(y))
    series = list(y) if several else [y]  # a list of numbers is one series
    if not series:
        raise ValueError("no series given; pass a series or a non-empty list of series.")
    fitted = "the transformer was fit on" if names is not None else "the first DataFrame has"
    if names is None:
        names = next((list(s.columns) for s in series if isinstance(s, pd.DataFrame)), None)
    label = [f"{arg}[{i}]" if several else arg for i in range(len(series))]
    arrays = [read_series(match_columns(s, names, label[i], fitted), label[i], stamped=False)[0]
              for i, s in enumerate(series)]
    if len({a.shape[1] for a in arrays}) > 1:
        raise ValueError("all series must have the same number of columns (D).")
    return arrays, names


def _panel_starts(y, window_length, horizon, stride, names=None, arg: str = "y"):
    arrays, names = _read_panel(y, names, arg)
    longest, width = max(len(a) for a in arrays), arrays[0].shape[1]
    if width > longest:  # (the sequence estimators warn of (N, D, T) the same way)
        warn(f"{arg} has {width} columns but series of at most {longest} step(s); tsrnn reads "
             f"a series as (T, D), steps in rows: if the rows are series or channels, pass "
             f"{arg}.T (one series per column).")
    starts = window_starts([len(a) for a in arrays], window_length, horizon, stride)
    if starts.size == 0:
        several = (f" ({arg} was read as {len(arrays)} series of at most "
                   f"{max(len(a) for a in arrays)} steps: a list of lists or arrays is several "
                   f"series; for one series with columns, pass np.asarray({arg}))"
                   if len(arrays) > 1 else "")
        latest = (f" (for the window that ends at a series' last step, with nothing after it "
                  "to predict, pass horizon=0)" if horizon and
                  max(len(a) for a in arrays) >= window_length else "")
        raise ValueError(
            f"no series has the {window_length + horizon} steps that window_length={window_length}"
            f" and horizon={horizon} need{several}; pass longer series or lower window_length or "
            f"horizon{latest}."
        )
    return arrays, starts, names


def make_windows(y, window_length: int, horizon: int = 1, stride: int = 1):
    """Cut series into input windows and the targets of the next ``horizon`` steps.

    Parameters
    ----------
    y : array-like of shape (T,) or (T, D), pandas Series or DataFrame, or a list of these
        One series (a list of numbers is one), or several (windows never cross from one into
        the next). The columns of DataFrames are matched by name to the first one's; the index
        is not read.
    window_length : int
        Steps in each input window (T).
    horizon : int, default=1
        Steps in each target block.
    stride : int, default=1
        Distance between successive window starts.

    Returns
    -------
    X : ndarray of shape (N, window_length, D)
    Y : ndarray of shape (N, horizon, D)
        Float64 arrays of their own (N windows × (window_length + horizon) × D values in all:
        every window is copied, so 10^6 steps in windows of 500 take about 4 GB).

    Examples
    --------
    >>> from tsrnn import make_windows
    >>> import numpy as np
    >>> X, Y = make_windows(np.arange(6.0), window_length=3, horizon=2)
    >>> X[:, :, 0]
    array([[0., 1., 2.],
           [1., 2., 3.]])
    >>> Y[:, :, 0]
    array([[3., 4.],
           [4., 5.]])
    """
    arrays, starts, _ = _panel_starts(y, window_length, horizon, stride)
    return _cut(arrays, starts, window_length, horizon)


def _cut(arrays, starts, window_length, horizon, block: int = 1 << 14,
         parts: tuple[bool, bool] = (True, True)):
    """Inputs (N, window_length, D) and targets (N, horizon, D): two contiguous arrays of their
    own, filled a block of windows at a time (the gather's index array stays small); ``parts``
    says which to make (the other is None)."""
    data = np.concatenate(arrays)  # (sum T_i, D)
    out = []
    for offset, size, wanted in ((0, window_length, parts[0]),
                                 (window_length, horizon, parts[1])):
        if not wanted:  # (transform_targets made the inputs too: 800 MiB for 1.5 MiB)
            out.append(None)
            continue
        part = np.empty((len(starts), size, data.shape[1]), dtype=data.dtype)
        steps = np.arange(offset, offset + size)
        for i in range(0, len(starts), block):
            part[i : i + block] = data[starts[i : i + block, None] + steps]
        out.append(part)
    return out[0], out[1]


class SlidingWindowTransformer(TransformerMixin, BaseEstimator):
    """Turn series of shape (T, D) into windows of shape (N, window_length, D).

    ``transform`` returns the input windows; ``transform_targets`` the matching blocks of the
    next ``horizon`` steps. Several series passed as a list are windowed without any window
    crossing from one series into the next. The arrays returned are copies the caller owns.

    This transformer changes the number of samples, so it cannot be a step in front of an
    estimator in a scikit-learn Pipeline; use it to build N×T×D data for
    :class:`~tsrnn.SequenceRegressor` or :class:`~tsrnn.SequenceClassifier` yourself.

    Parameters
    ----------
    window_length : int, default=24
        Steps (T) of each input window.
    horizon : int, default=1
        Steps of each target block, the ones right after its window.
    stride : int, default=1
        Steps between the starts of consecutive windows of one series.

    Attributes
    ----------
    n_features_in_ : int
        Columns (D) of the series seen in ``fit``.
    feature_names_in_ : ndarray of object
        Their names, when ``fit`` saw a DataFrame (later DataFrames are matched to them by
        name; series without names warn, as in scikit-learn, and are read by position).

    Examples
    --------
    >>> from tsrnn import SlidingWindowTransformer
    >>> import numpy as np
    >>> t = SlidingWindowTransformer(window_length=4, horizon=2, stride=2).fit(np.arange(10.0))
    >>> t.transform(np.arange(10.0)).shape, t.transform_targets(np.arange(10.0)).shape
    ((3, 4, 1), (3, 2, 1))
    """

    def __init__(self, window_length: int = 24, horizon: int = 1, stride: int = 1):
        self.window_length = window_length
        self.horizon = horizon
        self.stride = stride

    def fit(self, X, y=None):
        """Check the parameters and record the number of columns of the series ``X``.

        Parameters
        ----------
        X : array-like of shape (T,) or (T, D), Series, DataFrame, or list of them
            One series or several (each cut on its own, windows never straddle two).
        y : None
            Ignored; present for scikit-learn's API.

        Returns
        -------
        self
        """
        arrays, _, self._columns = _panel_starts(X, self.window_length, self.horizon,
                                                 self.stride, arg="X")
        self.n_features_in_ = arrays[0].shape[1]
        if self._columns is not None:
            self.feature_names_in_ = np.asarray(self._columns, dtype=object)
        elif hasattr(self, "feature_names_in_"):  # a refit without names has none
            del self.feature_names_in_
        return self

    def _windows(self, series, targets: bool = False) -> np.ndarray:
        """The input windows of ``series``, or with ``targets`` the blocks after them."""
        check_is_fitted(self)
        names = getattr(self, "_columns", None)
        check_feature_names(series, names, type(self).__name__, whole=True)
        arrays, starts, _ = _panel_starts(series, self.window_length, self.horizon, self.stride,
                                          names, arg="X")
        if arrays[0].shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {arrays[0].shape[1]} features, but SlidingWindowTransformer is expecting "
                f"{self.n_features_in_} features as input (the series' columns); pass series "
                "with the fit's columns."
            )
        X, Y = _cut(arrays, starts, self.window_length, self.horizon,
                    parts=(not targets, targets))
        return Y if targets else X

    def transform(self, X):
        """Input windows from the series ``X``.

        Parameters
        ----------
        X : array-like of shape (T,) or (T, D), Series, DataFrame, or list of them
            Series with the fit's columns (a DataFrame's are matched by name).

        Returns
        -------
        ndarray of shape (N, window_length, D)
            A copy the caller owns.
        """
        return self._windows(X)

    def transform_targets(self, X):
        """Target blocks from the series ``X``, aligned with :meth:`transform`.

        Parameters
        ----------
        X : array-like of shape (T,) or (T, D), Series, DataFrame, or list of them
            The series given to :meth:`transform`.

        Returns
        -------
        ndarray of shape (N, horizon, D)
            The ``horizon`` steps after each input window.
        """
        return self._windows(X, targets=True)
