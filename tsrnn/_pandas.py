"""The pandas edge: in once, out once; the future index from the cutoff."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._validation import as_float_array

# Seasonal period of each pandas frequency family (offset rule code prefix -> period).
_SEASON = {"Y": 1, "A": 1, "Q": 4, "M": 12, "W": 52, "D": 7, "B": 5, "C": 5, "h": 24, "H": 24}


@dataclass(frozen=True)
class SeriesFormat:
    """How a series came in, to give the forecast back in the same form."""

    kind: str  # "ndarray", "series" or "frame"
    ndim: int  # 1 or 2 (for arrays)
    index: pd.Index  # the input's time index (a RangeIndex for arrays)
    columns: pd.Index | None = None
    name: object = None


def check_time_index(index: pd.Index, name: str = "y") -> None:
    """Refuse duplicated, unsorted or irregular time stamps, naming the fix."""
    if index.has_duplicates:
        raise ValueError(
            f"{name} has duplicated time stamps (e.g. {index[index.duplicated()][:3].tolist()}); "
            "aggregate them first, e.g. y.groupby(level=0).mean()."
        )
    if not index.is_monotonic_increasing:
        raise ValueError(f"{name}'s index is not sorted in time; sort it first with y.sort_index().")
    if isinstance(index, pd.DatetimeIndex) and len(index) > 2 and _datetime_freq(index) is None:
        raise ValueError(
            f"the frequency of {name}'s DatetimeIndex cannot be inferred (irregular or missing "
            "time stamps); set it, e.g. y = y.asfreq('MS') for month starts, and fill any gaps "
            "that creates (y.interpolate())."
        )
    if not isinstance(index, (pd.DatetimeIndex, pd.PeriodIndex)):
        if not pd.api.types.is_integer_dtype(index):
            raise TypeError(
                f"{name} has an index of dtype {index.dtype}; use a DatetimeIndex, PeriodIndex "
                "or integer index (e.g. pd.to_datetime(...) on the time column)."
            )
        steps = np.diff(index.to_numpy())
        if len(steps) and (steps != steps[0]).any():
            raise ValueError(f"{name}'s integer index is not evenly spaced; reindex it first.")


def _datetime_freq(index: pd.DatetimeIndex):
    """The index's frequency as an offset, inferred when not set (None when irregular)."""
    if index.freq is not None or len(index) < 3:
        return index.freq
    return pd.DatetimeIndex(index, freq="infer").freq


def read_series(y, name: str = "y") -> tuple[np.ndarray, SeriesFormat]:
    """A float64 (T, D) copy of ``y`` and its :class:`SeriesFormat`."""
    if isinstance(y, pd.Series):
        check_time_index(y.index, name)
        fmt = SeriesFormat("series", 1, y.index, name=y.name)
    elif isinstance(y, pd.DataFrame):
        check_time_index(y.index, name)
        bad = [c for c in y.columns if not pd.api.types.is_numeric_dtype(y[c])]
        if bad:
            raise TypeError(
                f"{name} has non-numeric column(s) {bad}; convert them (pd.to_numeric) or drop them."
            )
        fmt = SeriesFormat("frame", 2, y.index, columns=y.columns)
    else:
        values = as_float_array(y, name)
        if values.ndim not in (1, 2):
            raise ValueError(
                f"{name} must be 1-D (one series) or 2-D (time, columns); got {values.ndim}-D."
            )
        fmt = SeriesFormat("ndarray", values.ndim, pd.RangeIndex(len(values)))
        return values.reshape(len(values), -1), fmt
    values = as_float_array(y, name)
    return values.reshape(len(values), -1), fmt


def read_covariates(X, n: int, index: pd.Index, name: str = "X") -> np.ndarray:
    """A float64 (n, K) copy of covariates ``X`` aligned with a series of ``n`` steps."""
    if isinstance(X, (pd.Series, pd.DataFrame)) and not isinstance(index, pd.RangeIndex):
        if not X.index.equals(index):
            raise ValueError(
                f"{name}'s index does not match the time index it must align with; reindex X "
                "to the same time stamps (X.reindex(index))."
            )
    values, _ = read_series(X, name)
    if len(values) != n:
        raise ValueError(f"{name} has {len(values)} rows but {n} are needed (one per time step).")
    return values


def future_index(index: pd.Index, n: int) -> pd.Index:
    """The ``n`` time stamps after the end of ``index``."""
    if isinstance(index, pd.PeriodIndex):
        return pd.period_range(index[-1] + 1, periods=n, freq=index.freq, name=index.name)
    if isinstance(index, pd.DatetimeIndex):
        freq = _datetime_freq(index)
        return pd.date_range(index[-1], periods=n + 1, freq=freq, name=index.name)[1:]
    step = int(index[1] - index[0]) if len(index) > 1 else 1
    start = int(index[-1]) + step
    return pd.RangeIndex(start, start + n * step, step, name=index.name)


def extend_index(index: pd.Index, n: int) -> pd.Index:
    """``index`` followed by its ``n`` next time stamps, keeping its frequency."""
    if isinstance(index, pd.PeriodIndex):
        return pd.period_range(index[0], periods=len(index) + n, freq=index.freq, name=index.name)
    if isinstance(index, pd.DatetimeIndex):
        return pd.date_range(index[0], periods=len(index) + n, freq=_datetime_freq(index),
                             name=index.name)
    return index.append(future_index(index, n))


def season_length(index: pd.Index) -> int:
    """The seasonal period implied by the index's frequency (1 when it has none)."""
    if isinstance(index, pd.PeriodIndex):
        freq = index.freq
    elif isinstance(index, pd.DatetimeIndex):
        freq = _datetime_freq(index)
    else:
        return 1
    if freq is None:
        return 1
    offset = pd.tseries.frequencies.to_offset(freq)
    if offset.n != 1:
        return 1
    code = offset.rule_code.split("-")[0].lstrip("0123456789")
    return _SEASON.get(code[:1] if code[:1] in "YAQMWDBC" else code, 1)


def write_series(values: np.ndarray, fmt: SeriesFormat, index: pd.Index):
    """Give (h, D) ``values`` back in the form the series came in, indexed by ``index``."""
    if fmt.kind == "series":
        return pd.Series(values[:, 0], index=index, name=fmt.name)
    if fmt.kind == "frame":
        return pd.DataFrame(values, index=index, columns=fmt.columns)
    return values[:, 0] if fmt.ndim == 1 else values


def steps_after(index: pd.Index, later: pd.Index) -> np.ndarray:
    """How many steps after the end of ``index`` each stamp of ``later`` lies (1 = next step)."""
    n = max(len(later), 1)
    while True:
        future = future_index(index, n)
        if len(later) == 0 or future[-1] >= later[-1] or n > 10**7:
            break
        n *= 2
    pos = future.get_indexer(later)
    if (pos < 0).any():
        raise ValueError(
            f"the time stamps {later[0]} … {later[-1]} do not follow the end of the series "
            f"seen so far ({index[-1]}) step by step; pass the values that come after it."
        )
    return pos + 1


PANEL_COLUMNS = ("unique_id", "ds", "y")


def is_panel(y) -> bool:
    """Whether ``y`` is a long-format panel: a DataFrame with unique_id, ds and y columns."""
    return isinstance(y, pd.DataFrame) and set(PANEL_COLUMNS) <= set(y.columns)


def read_panel(y: pd.DataFrame) -> tuple[list[np.ndarray], list[SeriesFormat], list]:
    """Split a long-format panel into per-series (T_i, 1) arrays, formats and ids.

    Every series must be regular with the panel's common frequency (inferred from the longest
    series when the time column holds datetimes).
    """
    extra = [c for c in y.columns if c not in PANEL_COLUMNS]
    if extra:
        raise ValueError(
            f"the long-format panel has extra column(s) {extra}; pass only unique_id, ds and y "
            "(covariates in long format are not supported yet)."
        )
    groups = [(uid, g.sort_values("ds")) for uid, g in y.groupby("unique_id", sort=False)]
    datetime = pd.api.types.is_datetime64_any_dtype(y["ds"])
    freq = None
    if datetime:
        longest = max(groups, key=lambda ug: len(ug[1]))[1]
        freq = _datetime_freq(pd.DatetimeIndex(longest["ds"]))
        if freq is None:
            raise ValueError(
                "the frequency of the panel's ds column cannot be inferred; make every series "
                "regular (e.g. df.set_index('ds').groupby('unique_id').resample('MS'))."
            )
    series, formats = [], []
    for uid, g in groups:
        if datetime:
            try:
                index = pd.DatetimeIndex(g["ds"], freq=freq, name="ds")
            except ValueError:
                raise ValueError(
                    f"series {uid!r} of the panel is not regular at the panel's frequency "
                    f"{freq.freqstr}: fill or resample its missing time stamps."
                ) from None
        else:
            index = pd.Index(g["ds"].to_numpy(), name="ds")
        values, fmt = read_series(pd.Series(g["y"].to_numpy(), index=index), f"series {uid!r}")
        series.append(values)
        formats.append(fmt)
    return series, formats, [uid for uid, _ in groups]


def write_panel(values: np.ndarray, formats: list[SeriesFormat], ids: list) -> pd.DataFrame:
    """Long-format forecasts (unique_id, ds, y) from ``values`` of shape (S, h, 1)."""
    h = values.shape[1]
    parts = [
        pd.DataFrame({"unique_id": uid, "ds": future_index(fmt.index, h), "y": v[:, 0]})
        for uid, fmt, v in zip(ids, formats, values)
    ]
    return pd.concat(parts, ignore_index=True)
