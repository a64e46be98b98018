"""The pandas edge: in once, out once; the future index from the cutoff."""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._validation import as_float_array, plain

# Seasonal period of the other one-step frequencies with a cycle, by rule code (offset_season)
_SEASON = {"W": 52, "B": 5, "C": 5}
# The finest step with a daily season (5 minutes: 288 a day); finer steps get none by default
_MOST_STEPS_A_DAY = 288


# Daily and longer steps in a time zone whose clocks change at midnight (America/Santiago): a
# midnight that does not exist is the first hour of that day, one that occurs twice the first
_WALL_CLOCK = {"nonexistent": "shift_forward", "ambiguous": True}


@dataclass(frozen=True)
class SeriesFormat:
    """How a series came in, to give the forecast back in the same form."""

    kind: str  # "ndarray", "series" or "frame"
    ndim: int  # 1 or 2 (for arrays)
    index: pd.Index  # the input's time index (a RangeIndex for arrays)
    columns: pd.Index | None = None
    name: object = None


def as_stamps(index: pd.Index) -> pd.Index:
    """pandas' pyarrow-backed dates and timestamps (``read_parquet(dtype_backend="pyarrow")``
    gives them) as a DatetimeIndex of the same unit and time zone, which every time stamp
    operation here reads (they crashed in a modulo); other indexes unchanged."""
    if isinstance(index.dtype, pd.ArrowDtype) and index.dtype.kind == "M":
        return pd.DatetimeIndex(index, name=index.name)
    return index


def check_time_index(index: pd.Index, name: str = "y", regular: bool = True) -> None:
    """Refuse missing, duplicated, unsorted or irregular time stamps, naming the fix.
    ``regular=False``: a DatetimeIndex need not have a frequency of its own (stamps that are
    placed on a fitted series' time line afterwards, which has one)."""
    if isinstance(index, pd.MultiIndex):  # (store, date), (unique_id, ds) ...
        columns = "and y" if name == "y" else "and one per covariate"
        raise TypeError(
            f"{name} has a MultiIndex {list(index.names)}; pass one series per column (a wide "
            "DataFrame indexed by time) or, for a panel, the long format: a DataFrame with "
            f"columns unique_id, ds {columns} (e.g. {name}.reset_index() with those names)."
        )
    if index.hasnans:
        at = np.flatnonzero(index.isna())
        raise ValueError(
            f"{name}'s index has {len(at)} missing time stamp(s) (NaT/NA, e.g. at positions "
            f"{at[:3].tolist()}); drop those rows ({name}[{name}.index.notna()]) or fill in "
            "their stamps."
        )
    if not (isinstance(index, (pd.DatetimeIndex, pd.PeriodIndex))
            or pd.api.types.is_integer_dtype(index)):  # before the checks whose advice sorts it
        raise TypeError(
            f"{name} has an index of dtype {index.dtype}; use a DatetimeIndex, PeriodIndex "
            f"or integer index (e.g. {name}.index = {_index_fix(index, name)}, or "
            "pd.to_datetime(...) on the time column)."
        )
    if index.has_duplicates:
        raise ValueError(
            f"{name} has duplicated time stamps (e.g. "
            f"{[str(t) for t in index[index.duplicated()][:3]]}); aggregate them first, e.g. "
            f"{name}.groupby(level=0).mean()"
            + _clock_advice(index, "back", f"{name}.index = {name}.index{_LOCALIZE}")
        )
    if not index.is_monotonic_increasing:
        raise ValueError(f"{name}'s index is not sorted in time; sort it first with "
                         f"{name}.sort_index().")
    if (regular and isinstance(index, pd.DatetimeIndex) and len(index) > 2
            and _datetime_freq(index) is None):
        steps = np.diff(index.asi8)
        values, counts = np.unique(steps, return_counts=True)
        common = pd.Timedelta(int(values[counts.argmax()]), unit=index.unit)
        if common <= pd.Timedelta(days=7):  # the step most take, and where one does not
            at = np.argmax(steps != values[counts.argmax()])
            alias = (f"{common.days}D" if common % pd.Timedelta(days=1) == pd.Timedelta(0)
                     else pd.tseries.frequencies.to_offset(common).freqstr)  # (not "24h")
            an_hour = pd.Timedelta(int(steps[at]), unit=index.unit) - common == pd.Timedelta("1h")
            raise ValueError(
                f"the frequency of {name}'s DatetimeIndex cannot be inferred: most of its steps "
                f"are {alias}, but not the one after {index[at]}; if stamps are missing, set "
                f"it, {name} = {name}.asfreq('{alias}'), and fill the gaps that creates "
                f"({name}.interpolate())"
                + (_clock_advice(index, "forward", f"{name}.index = {name}.index{_LOCALIZE}")
                   if an_hour else "."))
        raise ValueError(
            f"the frequency of {name}'s DatetimeIndex cannot be inferred (irregular or missing "
            f"time stamps); if stamps are missing, set it, e.g. {name} = {name}.asfreq('MS') for "
            f"month starts, and fill the gaps that creates ({name}.interpolate()); if monthly or "
            "quarterly stamps fall on different days, index by period: "
            f"{name}.to_period('M')."
        )
    if isinstance(index, pd.PeriodIndex):
        gaps = np.flatnonzero(np.diff(index.asi8) != index.freq.n)
        if len(gaps):
            raise ValueError(
                f"{name}'s PeriodIndex skips periods (e.g. after {index[gaps[0]]}); reindex it "
                f"to every period and fill the gaps that creates: {name} = {name}.reindex("
                f"pd.period_range({name}.index[0], {name}.index[-1], freq={name}.index.freq))"
                ".interpolate()."
            )
    elif not isinstance(index, pd.DatetimeIndex):
        steps = np.diff(index.to_numpy())
        if len(steps) and (steps != steps[0]).any():
            raise ValueError(f"{name}'s integer index is not evenly spaced; reindex it first.")


def _index_fix(index: pd.Index, name: str) -> str:
    """How to make ``index`` one of time stamps: whole numbers (years as 2001.0 or "2001") as
    integers, other text as dates."""
    values = pd.to_numeric(pd.Series(index), errors="coerce")
    if values.notna().all() and (values % 1 == 0).all():
        return f"{name}.index.astype(float).astype(int)"
    return f"pd.to_datetime({name}.index)"


def check_continuable(index: pd.Index, name: str = "y") -> None:
    """Refuse a series whose forecast stamps are unknown: a DatetimeIndex of 1 or 2 stamps
    without a frequency (3 or more let pandas infer it)."""
    if isinstance(index, pd.DatetimeIndex) and _datetime_freq(index) is None:
        raise ValueError(
            f"{name}'s DatetimeIndex has {len(index)} time stamp(s) and no frequency, so the "
            "forecast's stamps are unknown; set it (e.g. y = y.asfreq('MS')) or index by "
            "period (y.to_period('M'))."
        )


def _dates_as_text(column: pd.Series) -> bool:
    """Whether a column of text holds dates (its first values all parse as such)."""
    head = column.dropna().head(5)
    if not len(head) or not all(isinstance(v, str) for v in head):
        return False
    with warnings.catch_warnings():  # pandas' "could not infer format" for each guess
        warnings.simplefilter("ignore")
        return bool(pd.to_datetime(head, errors="coerce").notna().all())


_LOCALIZE = ".tz_localize('Europe/London', ambiguous='infer')"  # (the clock advice's zone)


def _clock_advice(index: pd.Index, way: str, fix: str) -> str:
    """The end of an error about duplicated or missing stamps: for sub-daily stamps without a
    time zone, that local times repeat or skip an hour when the clocks go back or forward, and
    ``fix``, which gives them their zone."""
    if (not isinstance(index, pd.DatetimeIndex) or index.tz is not None
            or pd.Series(index).diff().median() >= pd.Timedelta(days=1)):
        return "."
    return (f"; if they are local times, which {'repeat' if way == 'back' else 'skip'} an hour "
            f"when the clocks go {way}, give them their time zone instead: {fix} (your zone).")


def _datetime_freq(index: pd.DatetimeIndex):
    """The index's frequency as an offset, inferred when not set (None when irregular); stamps
    on one day of the month other than the first or last (the 15th), ``k`` months apart, which
    pandas infers no frequency for, step by ``DateOffset(months=k)``; semi-monthly stamps (the
    1st and 15th, or the 15th and the month's end), which it does not infer either, by
    ``SemiMonthBegin`` or ``SemiMonthEnd``."""
    if index.freq is not None or len(index) < 3:
        return index.freq
    inferred = pd.DatetimeIndex(index, freq="infer").freq
    if inferred is not None:
        return inferred
    for step in (pd.offsets.SemiMonthBegin(), pd.offsets.SemiMonthEnd()):
        if index.equals(pd.date_range(index[0], periods=len(index), freq=step, unit=index.unit,
                                      **_WALL_CLOCK)):
            return step
    return _months_on_a_day(index)


def _months_on_a_day(index: pd.DatetimeIndex) -> pd.DateOffset | None:
    months = np.diff(index.year * 12 + index.month)
    if (index.day.nunique() == 1 and (index.normalize() == index).all() and months[0] > 0
            and (months == months[0]).all()):
        return pd.DateOffset(months=int(months[0]))
    return None


def read_series(y, name: str = "y", copy: bool = True, stamped: bool = True,
                regular: bool = True) -> tuple[np.ndarray, SeriesFormat]:
    """A float64 (T, D) copy of ``y`` (a read-only view where possible with ``copy=False``) and
    its :class:`SeriesFormat`. ``stamped=False``: a pandas index is not checked as time stamps
    (for uses that never read them); ``regular``: as in :func:`check_time_index`."""
    index = as_stamps(y.index) if isinstance(y, (pd.Series, pd.DataFrame)) else None
    if stamped and index is not None:
        check_time_index(index, name, regular)
    if isinstance(y, pd.Series):
        fmt = SeriesFormat("series", 1, index, name=y.name)
    elif isinstance(y, pd.DataFrame):
        if y.columns.has_duplicates:
            raise ValueError(
                f"{name} has duplicated column names {y.columns[y.columns.duplicated()].tolist()};"
                " give each column its own name."
            )
        # by dtype, not column by column (y[c] builds a Series: 2.4 s for 20,000 columns)
        dtypes = y.dtypes
        bad = [c for c, t in dtypes.items() if not pd.api.types.is_numeric_dtype(t)]
        times = [c for c in bad if pd.api.types.is_datetime64_any_dtype(dtypes[c])]
        if times:
            raise TypeError(
                f"{name} has its time stamps in column {times[0]!r}; make it the index: "
                f"{name}.set_index({times[0]!r})."
            )
        text = next((c for c in bad if _dates_as_text(y[c])), None)
        if text is not None:  # read_csv without parse_dates
            raise TypeError(
                f"{name} has its time stamps as text in column {text!r}; parse them and make "
                f"them the index: {name}.set_index(pd.to_datetime({name}[{text!r}]))."
            )
        if bad:
            raise TypeError(
                f"{name} has non-numeric column(s) {bad}; convert them (pd.to_numeric) or drop "
                "them."
            )
        fmt = SeriesFormat("frame", 2, index, columns=y.columns)
    else:
        if isinstance(y, (list, tuple)) and any(isinstance(v, (pd.Series, pd.DataFrame))
                                                for v in y):
            raise TypeError(
                f"{name} is a list of {len(y)} pandas series; pass one series (a Series, or a "
                "DataFrame whose columns are forecast together), or several as a long-format "
                "panel: pd.concat(dict(enumerate(series)), names=['unique_id', 'ds'])"
                ".rename('y').reset_index()."
            )
        values = as_float_array(y, name, copy)
        if values.ndim not in (1, 2):
            raise ValueError(
                f"{name} must be 1-D (one series) or 2-D (time, columns); got {values.ndim}-D."
            )
        fmt = SeriesFormat("ndarray", values.ndim, pd.RangeIndex(len(values)))
        return values.reshape(len(values), -1), fmt
    # a wide frame's columns that start or end at other times leave NaN that no fill is right for
    wide = (f"; columns that start or end at other times are separate series: pass them as a "
            f"long-format panel, {name}.rename_axis('ds').reset_index().melt(id_vars='ds', "
            "var_name='unique_id', value_name='y').dropna()"
            if fmt.kind == "frame" and name == "y" else "")  # (not covariates)
    values = as_float_array(y, name, copy, fill=(
        f"fill or drop them first, e.g. {name}.interpolate() or {name}.dropna(){wide}."))
    return values.reshape(len(values), -1), fmt


def stamps(fmt: SeriesFormat, index: pd.Index | None = None) -> pd.Index | None:
    """The time stamps a pandas ``X`` must share with a series of format ``fmt``: ``index``
    (default: the series' own), or None for a numpy series, which has none."""
    return None if fmt.kind == "ndarray" else fmt.index if index is None else index


def read_covariates(X, n: int, index: pd.Index | None, name: str = "X",
                    required: int | None = None) -> np.ndarray:
    """A float64 (n, K) copy of covariates ``X`` aligned with a series of ``n`` steps, whose
    time stamps (``index``; None for a numpy series, which has none) a pandas ``X`` must share.

    ``required``: how many of those stamps the caller needs (the forecast's steps), the rest
    being rows ``X`` may add after them; an error names those, not the ones ``X`` added.
    """
    if isinstance(X, (pd.Series, pd.DataFrame)) and index is not None:
        if not as_stamps(X.index).equals(index):
            required = len(index) if required is None else required
            more = (f", then one per further row of {name}" if required < len(index) else "")
            raise ValueError(
                f"{name}'s index does not match the {required} time stamps it must align with "
                f"({_span(index[:required])}{more}): {_difference(X, index)}."
            )
    # stamps equal to ``index`` need no frequency of their own (e.g. semi-monthly stamps
    # built from a list, which pandas cannot infer one for)
    values, _ = read_series(X, name, regular=index is None)
    if len(values) != n:
        raise ValueError(f"{name} has {len(values)} rows but {n} are needed (one per time step).")
    return values


def _span(index: pd.Index) -> str:
    return f"{index[0]} .. {index[-1]}" if len(index) else "none"


def _difference(X, index: pd.Index) -> str:
    """How ``X``'s index differs from ``index``, and the fix."""
    have = as_stamps(X.index)
    frames = [c for c in getattr(X, "columns", []) if pd.api.types.is_datetime64_any_dtype(X[c])]
    if frames and not isinstance(have, (pd.DatetimeIndex, pd.PeriodIndex)):
        return (f"its time stamps are in column {frames[0]!r}; make it the index: "
                f"X.set_index({frames[0]!r})")
    numeric = have.dtype.kind in "iu" and index.dtype.kind in "iu"
    if not numeric and (type(have) is not type(index) or have.dtype.kind != index.dtype.kind):
        return (f"it is a {type(have).__name__} of {have.dtype}, the series' a "
                f"{type(index).__name__} of {index.dtype}; give X the series' kind of time stamps")
    zones = [getattr(i, "tz", None) for i in (have, index)]
    if str(zones[0]) != str(zones[1]):
        return (f"its time zone is {zones[0]}, the series' {zones[1]}; convert it, e.g. "
                f"X.tz_convert({str(zones[1])!r})" if zones[0] is not None and zones[1] is not None
                else f"its time zone is {zones[0]}, the series' {zones[1]}; give both the same")
    if isinstance(have, pd.PeriodIndex) and have.freq != index.freq:
        return f"its frequency is {have.freqstr}, the series' {index.freqstr}; give both the same"
    if have.has_duplicates:
        return (f"it has duplicated stamps (first: {have[have.duplicated()][0]}); drop or "
                "aggregate them first")
    if len(have) and len(index) and have[0] < index[0] and index[0] in have:
        return (f"it starts at {have[0]}, before the first of them; pass the rows from there on: "
                f"X.loc[{str(index[0])!r}:]")
    missing, extra = index.difference(have), have.difference(index)
    parts = ([f"{len(missing)} of them missing from it (first: {missing[0]})"] if len(missing)
             else [])
    parts += [f"{len(extra)} stamp(s) not among them (first: {extra[0]})"] if len(extra) else []
    return ("; ".join(parts) or "the same stamps in another order") + (
        "; pass the rows of those stamps (X.reindex(index) fills missing ones with NaN, which "
        "is refused: fill them first)")


def column_names(X) -> list | None:
    """The names a fit's covariates are matched by later (:func:`match_covariates`): a
    DataFrame's columns, a named Series' name; None for arrays and unnamed Series."""
    if isinstance(X, pd.DataFrame):
        return list(X.columns)
    return [X.name] if isinstance(X, pd.Series) and X.name is not None else None


def match_covariates(X, names):
    """:func:`match_columns` for a forecaster's covariates ``X``, which also refuses a Series
    named other than the covariate the fit had (a Series of y's in a list is named after its
    series, so windowing does not read names so)."""
    if isinstance(X, pd.Series) and X.name is not None and names is not None:
        if [X.name] != list(names):
            raise ValueError(
                f"X is a Series named {X.name!r} but the forecaster was fit on {list(names)}; "
                "pass those (a Series that holds the same data under another name: .rename() it)."
            )
        return X
    return match_columns(X, names, "X")


def match_columns(data, names, name: str, fitted: str = "the forecaster was fit on"):
    """``data`` with its columns in the order of ``names`` (the fit's columns, a list or an
    Index): a DataFrame with the same column names in another order is reordered, one with
    other names is refused with a ValueError naming them. Arrays, Series, and fits on them
    (``names`` None) pass unchanged."""
    if names is None or not isinstance(data, pd.DataFrame) or list(data.columns) == list(names):
        return data
    missing = [c for c in names if c not in data.columns]
    extra = [c for c in data.columns if c not in names]
    if missing or extra:
        raise ValueError(
            f"{name} has columns {list(data.columns)} but {fitted} "
            f"{list(names)} (missing: {missing}, unknown: {extra}); pass those columns (their "
            "order may differ)."
        )
    return data[list(names)]


def future_index(index: pd.Index, n: int) -> pd.Index:
    """The ``n`` time stamps after the end of ``index``."""
    if isinstance(index, pd.PeriodIndex):
        return pd.period_range(index[-1] + 1, periods=n, freq=index.freq, name=index.name)
    if isinstance(index, pd.DatetimeIndex):
        freq = _datetime_freq(index)
        # pandas < 3 counts Day as a Tick (fixed 24 h); across DST it is a calendar day
        if index.tz is not None and (not isinstance(freq, pd.offsets.Tick)
                                     or isinstance(freq, pd.offsets.Day)):
            # wall-clock steps counted from the first stamp: a stamp that a clock change moved
            # (a midnight that does not exist is 01:00) must not move the ones after it
            return extend_index(index, n)[-n:]
        return pd.date_range(index[-1], periods=n + 1, freq=freq, name=index.name,
                             unit=index.unit)[1:]
    step = int(index[1] - index[0]) if len(index) > 1 else 1
    first, last = int(index[-1]) + step, int(index[-1]) + n * step
    if isinstance(index, pd.RangeIndex) or index.dtype == np.int64:
        return pd.RangeIndex(first, last + step, step, name=index.name)
    # int32, uint64, nullable Int64 ...: the stamps keep the caller's type where it holds them
    return _int_stamps(list(range(first, last + step, step)), index.dtype, index.name)


def _int_stamps(stamps: list, dtype, name=None) -> pd.Index:
    """Integer time stamps (Python integers, so uint64 stays exact) in ``dtype`` where it holds
    them all (uint8 stamps past 255 used to wrap to 0), else in int64."""
    bounds = np.iinfo(getattr(dtype, "numpy_dtype", dtype))
    fits = not stamps or bounds.min <= min(stamps) and max(stamps) <= bounds.max
    return pd.Index(stamps, dtype=dtype if fits else np.int64, name=name)


def extend_index(index: pd.Index, n: int) -> pd.Index:
    """``index`` followed by its ``n`` next time stamps, keeping its frequency."""
    if isinstance(index, pd.PeriodIndex):
        return pd.period_range(index[0], periods=len(index) + n, freq=index.freq, name=index.name)
    if isinstance(index, pd.DatetimeIndex):
        return pd.date_range(index[0], periods=len(index) + n, freq=_datetime_freq(index),
                             name=index.name, unit=index.unit, **_WALL_CLOCK)
    return index.append(future_index(index, n))


def season_length(index: pd.Index) -> int:
    """The seasonal period implied by the index's frequency (1 when it has none)."""
    if isinstance(index, pd.PeriodIndex):
        freq = index.freq
    elif isinstance(index, pd.DatetimeIndex):
        freq = _datetime_freq(index)
    else:
        return 1
    return 1 if freq is None else offset_season(pd.tseries.frequencies.to_offset(freq))


def offset_season(offset: pd.DateOffset) -> int:
    """The seasonal period of steps of ``offset``: the steps in its natural cycle (12 months a
    year, 7 days a week, 5 business days; a day for steps that divide it, from 5 minutes to 12
    hours: 24 hourly, 48 half-hourly, 96 for 15 minutes, 4 for 6 hours), whatever the spelling:
    "24h" is daily, "7D" weekly, "3MS" quarterly, ``DateOffset(months=1)`` and "WOM-1MON"
    monthly. 1 for other steps (semi-months, two weeks, 7 hours, 1 minute: a day of 1,440 steps
    would make a default window of 2,880, so finer steps than 5 minutes have none)."""
    if type(offset) is pd.DateOffset:  # DateOffset(months=1), DateOffset(days=1, hours=0) ...
        # (a weekday anchors the steps, it does not lengthen them: weeks=1, weekday=1 is weekly)
        kwds = {unit: k * offset.n for unit, k in offset.kwds.items() if k and unit != "weekday"}
        months = 12 * kwds.pop("years", 0) + kwds.pop("months", 0)
        try:
            span = pd.Timedelta(**kwds) if kwds else pd.Timedelta(0)  # weeks, days, hours ...
        except (TypeError, ValueError):  # e.g. weekday=, day=: not a plain step
            return 1
        if months and not span:
            offset = pd.offsets.MonthBegin(months)
        elif span > pd.Timedelta(0) and not months:
            offset = pd.tseries.frequencies.to_offset(span)
        else:  # months and days mixed: no cycle
            return 1
    if isinstance(offset, (pd.offsets.Tick, pd.offsets.Day)):  # by length: 24h is a day
        span = pd.Timedelta(days=offset.n) if isinstance(offset, pd.offsets.Day) else offset
        day = pd.Timedelta(days=1)
        if pd.Timedelta(0) < span < day:
            per_day = day / pd.Timedelta(span)
            return int(per_day) if per_day % 1 == 0 and per_day <= _MOST_STEPS_A_DAY else 1
        return {1: 7, 7: 52}.get(pd.Timedelta(span) / day, 1)
    code = offset.rule_code.split("-")[0]
    if code in ("WOM", "LWOM"):  # a week of each month: monthly
        code = "M"
    code = re.sub(r"^C?B(?=[YQM])", "", code)  # business month, quarter, year: as the calendar's
    months = {"M": 1, "Q": 3, "Y": 12}.get(code[:1]) if code[:2] != "SM" else None
    if months is not None:  # "3MS" is quarterly
        return {1: 12, 3: 4, 12: 1}.get(months * offset.n, 1)
    return _SEASON.get(code, 1) if offset.n == 1 else 1


def write_series(values: np.ndarray, fmt: SeriesFormat, index: pd.Index):
    """Give (h, D) ``values`` back in the form the series came in, indexed by ``index``."""
    if fmt.kind == "series":
        return pd.Series(values[:, 0], index=index, name=fmt.name)
    if fmt.kind == "frame":
        return pd.DataFrame(values, index=index, columns=fmt.columns)
    return values[:, 0] if fmt.ndim == 1 else values


def steps_after(index: pd.Index, later: pd.Index) -> np.ndarray:
    """How many steps after the end of ``index`` each stamp of ``later`` lies (1 = next step)."""
    same_kind(later, index, "the new values' time stamps", "the series seen so far")
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
# filled within each series (interpolating the column would run from one series into the next;
# dropping the rows would leave gaps)
_PANEL_FILL = ("fill them within each series first, e.g. y['y'] = y.groupby('unique_id')['y']"
               ".transform(lambda s: s.interpolate().bfill()).")


def is_panel(y) -> bool:
    """Whether ``y`` is a long-format panel: a DataFrame with unique_id, ds and y columns.

    A DataFrame holding them partly in its index (statsforecast's older layout) is refused with
    the fix: read as a wide series its ids would pass for time stamps."""
    if not isinstance(y, pd.DataFrame):
        return False
    if not set(PANEL_COLUMNS) <= set(y.columns) and set(PANEL_COLUMNS) <= set(y.columns) | set(
            y.index.names):
        raise ValueError(
            "y looks like a long-format panel with some of unique_id, ds and y in its index; "
            "pass them as columns: y.reset_index()."
        )
    return set(PANEL_COLUMNS) <= set(y.columns)


def _stamp_keys(stamps: pd.Index, what: str) -> np.ndarray:
    """Integer keys of a panel's time stamps: counts of their unit (so dates outside the
    nanosecond range, e.g. the 1600s in seconds, keep working), period ordinals or the integers."""
    if isinstance(stamps, (pd.DatetimeIndex, pd.PeriodIndex)):
        return stamps.asi8  # counts of the unit, or period ordinals
    if pd.api.types.is_integer_dtype(stamps):
        return stamps.to_numpy()
    zones = {str(getattr(t, "tzinfo", None)) for t in stamps[:10_000]}
    raise TypeError(
        f"{what} has dtype {stamps.dtype}; use datetimes, periods or integers (e.g. "
        + ("pd.to_datetime(df['ds'], utc=True): its stamps are in several time zones "
           f"({', '.join(sorted(zones))}), which one column cannot hold)." if len(zones) > 1
           else "pd.to_datetime(df['ds']))."))


_UNITS = ("s", "ms", "us", "ns")


def _stamp_kind(stamps: pd.Index) -> tuple:
    """What two time stamp columns must share to be compared: datetimes, both naive or both
    aware (of any time zone and unit), periods of one frequency, or integers."""
    if isinstance(stamps, pd.DatetimeIndex):
        return "datetime", stamps.tz is None
    return ("integer",) if pd.api.types.is_integer_dtype(stamps) else (str(stamps.dtype),)


def same_kind(stamps: pd.Index, reference: pd.Index, what: str, reference_what: str) -> None:
    """Refuse ``stamps`` that cannot be compared with ``reference`` (see ``_stamp_kind``)."""
    if _stamp_kind(stamps) != _stamp_kind(reference):
        raise ValueError(
            f"{what} have dtype {stamps.dtype} but {reference_what} has {reference.dtype}; give "
            "them the same kind of time stamps: datetimes both with a time zone or both without, "
            "periods of one frequency, or integers."
        )


def _in_common_unit(a: pd.Index, b: pd.Index) -> tuple[pd.Index, pd.Index]:
    """Datetimes ``a`` and ``b`` in one unit, to compare them without cutting anything off: the
    finer of theirs or, where a date lies outside its range (the 1600s in nanoseconds), the
    coarser one, in which stamps it cannot hold exactly become NaT and match nothing (other
    time stamps as they are)."""
    if not isinstance(a, pd.DatetimeIndex):
        return a, b
    coarse, fine = sorted((a.unit, b.unit), key=_UNITS.index)
    try:
        return a.as_unit(fine), b.as_unit(fine)
    except pd.errors.OutOfBoundsDatetime:
        exact = [x.as_unit(coarse) for x in (a, b)]
        return tuple(e.where(e.as_unit(x.unit) == x) for e, x in zip(exact, (a, b)))


def _unique_rows(at: pd.MultiIndex, name: str, uid, stamps: pd.Index) -> None:
    """Refuse a long-format ``name`` with several rows for one (series, time stamp) of ``at``;
    ``uid`` and ``stamps`` give each row's id and stamp for the message."""
    if not at.is_unique:
        row = np.argmax(at.duplicated())
        raise ValueError(f"{name} has several rows for series {_shown(uid[row])} at {stamps[row]}; "
                         "keep one row per series and time stamp.")


def _shown(value) -> str:
    """A series id as the caller wrote it (``1``, not numpy's ``np.int64(1)``)."""
    return repr(plain(value))


def _check_id_types(given: pd.Series, ids: pd.Index, name: str) -> None:
    """Refuse ids that match the panel's only as text (``"1"`` for ``1``), naming both types."""
    texts = {str(v): v for v in ids}
    same_text = [v for v in pd.unique(given[ids.get_indexer(given) < 0]) if str(v) in texts]
    if same_text:
        mine, theirs = plain(same_text[0]), plain(texts[str(same_text[0])])
        raise ValueError(
            f"{name}'s unique_id values are {type(mine).__name__} (e.g. {mine!r}) but the "
            f"panel's are {type(theirs).__name__} (e.g. {theirs!r}); convert one to the other's "
            f"type, e.g. {name}['unique_id'] = {name}['unique_id'].astype({type(theirs).__name__})."
        )


def covariate_columns(X: pd.DataFrame) -> list:
    """The covariate columns of a long-format ``X``: all but unique_id and ds."""
    return [c for c in X.columns if c not in PANEL_COLUMNS[:2]]


def _panel_covariates(X, ids: pd.Index, stamps: pd.Index, codes: np.ndarray,
                      names: list | None) -> tuple[np.ndarray, np.ndarray]:
    """Rows of the long-format covariates ``X`` at the panel positions ``codes`` (series
    numbers) and ``stamps``.

    Returns the covariates (n, K) in the order of ``names`` (the fit's; None: X's own order),
    NaN where ``X`` has no row, and the mask of the positions it has."""
    if not (isinstance(X, pd.DataFrame) and {"unique_id", "ds"} <= set(X.columns)
            and covariate_columns(X)):
        raise ValueError(
            "covariates of a long-format panel must be a DataFrame in long format too: columns "
            "unique_id, ds and one column per covariate (a row per series and time stamp)."
        )
    if "y" in X.columns:
        raise ValueError("X has a column y, the target; pass the covariates only: "
                         "X.drop(columns='y').")
    x_stamps = as_stamps(pd.Index(X["ds"]))
    same_kind(x_stamps, stamps, "X's ds values", "the panel's")
    x_stamps, stamps = _in_common_unit(x_stamps, stamps)
    series = ids.get_indexer(X["unique_id"])
    if len(X) and (series < 0).all():
        _check_id_types(X["unique_id"], ids, "X")
    mine = np.flatnonzero(series >= 0)  # rows of other series are never read
    at = pd.MultiIndex.from_arrays([series[mine], _stamp_keys(x_stamps[mine], "X's ds column")])
    _unique_rows(at, "X", ids[series[mine]], x_stamps[mine])
    keys = _stamp_keys(stamps, "ds")
    position = at.get_indexer(pd.MultiIndex.from_arrays([codes, keys]))
    found = position >= 0
    cov = match_columns(X[covariate_columns(X)], names, "X (besides unique_id and ds)")
    taken = cov.to_numpy()[mine[position[found]]]  # X's rows at the found positions
    empty = pd.isna(taken).any(axis=1)
    if empty.any():
        first = np.flatnonzero(found)[np.argmax(empty)]
        raise ValueError(
            f"X has a missing covariate value for series {_shown(ids[codes[first]])} at "
            f"{stamps[first]} ({empty.sum()} row(s) with one); fill them within each series "
            "(X sorted by unique_id and ds; e.g. X.groupby('unique_id').ffill() on its "
            "covariate columns)."
        )
    values = np.full((len(position), cov.shape[1]), np.nan)
    if found.any():  # else every needed row is missing: the caller says which
        values[found] = as_float_array(taken, "X")
    return values, found


def _missing_covariates(ids: pd.Index, stamps: pd.Index, codes, found) -> None:
    """Refuse covariates with no row at some of the needed positions, naming the first."""
    if not found.all():
        first = np.argmin(found)
        raise ValueError(
            f"X has no row for series {_shown(ids[codes[first]])} at {stamps[first]} "
            f"({(~found).sum()} needed row(s) missing); X must hold the covariates of every "
            "time stamp of y in fit and update, of each series' next horizon steps in predict, "
            "and of each scored series' steps up to its last value in score."
        )


def _panel_time_step(stamps, keys: np.ndarray, codes: np.ndarray, ids, first: np.ndarray,
                     last: np.ndarray, refuse: Callable) -> str:
    """The step of a panel's datetime or period stamps (sorted by series, then time; ``keys``
    their integer keys, ``codes`` their series' numbers in ``ids``, ``first`` and ``last`` each
    series' rows): the frequency of its longest series, which every series must follow (else
    ``refuse(row, problem)`` raises)."""
    same = np.diff(codes) == 0  # consecutive rows of one series
    # the frequency is inferred from the longest series; among those of most rows, the one
    # spanning the longest time, then starting first (the first in the rows' order made a
    # panel of Mon-Thu and Thu-Tue series daily or business-daily by its row order)
    rows, span = last - first, keys[last] - keys[first]
    tied = np.flatnonzero(rows == rows.max())
    longest = tied[np.lexsort((keys[first[tied]], -span[tied]))[0]]
    freq = stamps.freq if isinstance(stamps, pd.PeriodIndex) else _datetime_freq(
        stamps[first[longest] : last[longest] + 1])
    if freq is None:
        raise ValueError(
            "the frequency of the panel's ds column cannot be inferred; make every series "
            "regular (e.g. df.set_index('ds').groupby('unique_id').resample('MS')), or, if "
            "monthly or quarterly stamps fall on different days, use periods: df['ds'] = "
            "df['ds'].dt.to_period('M')."
        )
    if isinstance(stamps, pd.PeriodIndex):
        steps, stride = keys, freq.n
    elif isinstance(freq, pd.offsets.Tick) and stamps.tz is None:  # fixed length
        rel = keys - np.repeat(keys[first], last - first + 1)  # from each series' start
        delta = pd.Timedelta(freq) // pd.Timedelta(1, unit=stamps.unit)  # in their unit
        steps, stride = np.where(rel % delta == 0, rel // delta, -1), 1
    else:  # calendar offsets, or wall-clock steps across DST: positions on a grid
        grid = pd.date_range(stamps.min(), stamps.max(), freq=freq.base, unit=stamps.unit,
                             **_WALL_CLOCK)  # pandas < 3 makes ns stamps without unit=
        steps, stride = grid.get_indexer(stamps), freq.n
        for s in np.unique(codes[steps < 0]):  # off the panel's grid (another clock
            rows = slice(first[s], last[s] + 1)  # offset, e.g. :30): on its own grid
            own = pd.date_range(stamps[first[s]], stamps[last[s]], freq=freq.base,
                                unit=stamps.unit, **_WALL_CLOCK)
            steps[rows] = own.get_indexer(stamps[rows])
    bad = steps < 0
    bad[1:] |= same & (np.diff(steps) != stride)
    if bad.any():
        row = np.argmax(bad)
        own = _datetime_freq(stamps[first[codes[row]] : last[codes[row]] + 1]) if isinstance(
            stamps, pd.DatetimeIndex) else None
        if own is not None and type(own) is type(freq) and own.n == freq.n:  # W-MON, W-SUN
            refuse(row, f"is regular at {own.freqstr}, but the panel's frequency is "
                        f"{freq.freqstr} (that of its longest series, "
                        f"{_shown(ids[codes[first[longest]]])}); one panel's series share the "
                        "anchor (e.g. the weekday): shift their stamps to it, or forecast "
                        "those series in a panel of their own.")
        if own is not None:  # another step (15min beside 30min): nothing is missing
            refuse(row, f"is regular at {own.freqstr}, not at the panel's frequency "
                        f"{freq.freqstr} (that of its longest series, "
                        f"{_shown(ids[codes[first[longest]]])}); resample it to "
                        f"{freq.freqstr} (e.g. its values' resample('{freq.freqstr}').mean()), "
                        "or forecast it in a panel of its own.")
        refuse(row, f"is not regular at the panel's frequency {freq.freqstr} (that of its "
                    f"longest series, {_shown(ids[codes[first[longest]]])}; every series must "
                    "follow it): fill or resample its missing time stamps.")
    # (a DateOffset's freqstr, "<DateOffset: months=1>", is no alias)
    return (f"{_MONTHS}{freq.n * freq.kwds['months']})" if type(freq) is pd.DateOffset
            else freq.freqstr)


def read_panel(y: pd.DataFrame, X=None) -> tuple[list[np.ndarray], list | None, tuple]:
    """Split a long-format panel into per-series (T_i, 1) arrays and the panel's format.

    Rows may come in any order; each series is sorted by ``ds``. Every series must be regular
    with the panel's common frequency (inferred from the longest series when ``ds`` holds
    datetimes; a Period column's own frequency) or, for integer ``ds``, evenly spaced. Vectorised
    over all rows: no per-series pandas objects, so panels of many series read in one pass.

    ``X``, covariates in long format (unique_id, ds and a column each), must have a row for
    every row of ``y``; its other rows (other series, later steps) are ignored.

    Returns
    -------
    series : list of ndarray of shape (T_i, 1)
        Float64 views into one sorted copy of the ``y`` column, series in order of first
        appearance.
    covariates : list of ndarray of shape (T_i, K), or None without ``X``
    panel : tuple (ids, last, step)
        The series ids (an Index), each series' last time stamp (an Index), and the step: the
        frequency string for datetimes and periods, else an int array with each series' spacing.
    """
    extra = [c for c in y.columns if c not in PANEL_COLUMNS]
    if extra:
        raise ValueError(
            f"the long-format panel has extra column(s) {extra}; pass only unique_id, ds and y, "
            "and covariates as X in long format: fit(df[['unique_id', 'ds', 'y']], "
            f"X=df[['unique_id', 'ds', {', '.join(map(repr, extra))}]])."
        )
    values = as_float_array(y["y"].to_numpy(), "y['y']", fill=_PANEL_FILL)
    codes, ids = pd.factorize(y["unique_id"], sort=False)  # ids in order of first appearance
    if (codes < 0).any():
        raise ValueError(
            f"the panel's unique_id column is missing at row(s) {np.flatnonzero(codes < 0)[:5]}"
            "; fill or drop those rows first."
        )
    stamps = as_stamps(pd.Index(y["ds"]))
    if stamps.hasnans:
        raise ValueError(
            f"the panel's ds column is missing at row(s) {np.flatnonzero(stamps.isna())[:5]}; "
            "fill or drop those rows first."
        )
    keys = _stamp_keys(stamps, "the panel's ds column")
    order = np.lexsort((keys, codes))
    codes, keys, stamps, values = codes[order], keys[order], stamps[order], values[order]
    bounds = np.flatnonzero(np.diff(codes)) + 1
    first = np.concatenate([[0], bounds])  # row of each series' first stamp
    last = np.concatenate([bounds, [len(codes)]]) - 1
    same = np.diff(codes) == 0  # consecutive rows of one series

    def refuse(row: int, problem: str):
        raise ValueError(f"series {_shown(ids[codes[row]])} of the panel {problem}")

    dup = np.flatnonzero(same & (np.diff(keys) == 0))
    if dup.size:
        refuse(dup[0], f"has duplicated time stamps (e.g. {stamps[dup[0]]}); aggregate them "
                       "first, e.g. df.groupby(['unique_id', 'ds']).mean().reset_index()"
                       + _clock_advice(stamps, "back", "df['ds'] = df.groupby('unique_id')"
                                       f"['ds'].transform(lambda s: s.dt{_LOCALIZE})"))
    if isinstance(stamps, (pd.DatetimeIndex, pd.PeriodIndex)):
        step = _panel_time_step(stamps, keys, codes, ids, first, last, refuse)
    else:
        spacing, multi = np.diff(keys), last > first
        step = np.ones(len(first), dtype=np.int64)
        step[multi] = spacing[first[multi]]
        if multi.any():  # a one-row series steps as most of the panel's series do
            spacings, counts = np.unique(step[multi], return_counts=True)
            step[~multi] = spacings[np.argmax(counts)]
        bad = same & (spacing != np.repeat(step, last - first + 1)[1:])
        if bad.any():
            refuse(np.argmax(bad), "has an integer ds that is not evenly spaced; reindex it first.")
    series = np.split(values.reshape(-1, 1), bounds)
    covariates = None
    if X is not None:
        covariates = np.split(panel_covariates_at(X, pd.Index(ids), stamps, codes, None), bounds)
    return series, covariates, (pd.Index(ids), stamps[last], step)


_MONTHS = "DateOffset(months="  # a panel's step on one day of the month (_months_on_a_day)


def _after(stamp, n: int, step: str) -> pd.Index:
    """The ``n`` time stamps after ``stamp`` (a Timestamp or Period) at frequency ``step`` (a
    pandas alias, or ``DateOffset(months=k)``)."""
    if isinstance(stamp, pd.Period):
        return pd.period_range(stamp + 1, periods=n, freq=stamp.freq)
    freq = pd.DateOffset(months=int(step[len(_MONTHS):-1])) if step.startswith(_MONTHS) else step
    return pd.date_range(stamp, periods=n + 1, freq=freq, unit=stamp.unit, **_WALL_CLOCK)[1:]


def panel_season_length(panel: tuple) -> int:
    """The seasonal period implied by a panel's frequency (1 for integer time stamps)."""
    _, last, step = panel
    return season_length(_after(last[0], 3, step)) if isinstance(step, str) else 1


def _future_stamps(panel: tuple, h: int) -> pd.Index:
    """The ``h`` time stamps after each series' last one, series after series (S * h).

    One ``date_range`` per distinct last stamp, so calendar and daylight-saving rules hold.
    """
    _, last, step = panel
    if isinstance(step, str):
        which, ends = pd.factorize(last)
        futures = [_after(end, h, step) for end in ends]
        rows = (which[:, None] * h + np.arange(h)).ravel()
        return futures[0].append(futures[1:])[rows]
    stamps = (last.to_numpy().astype(object)[:, None]
              + (step[:, None] * np.arange(1, h + 1)).astype(object)).ravel()
    return _int_stamps(list(stamps), last.dtype)  # as for a single series


def panel_covariates_at(X, ids: pd.Index, stamps: pd.Index, codes: np.ndarray,
                        names: list) -> np.ndarray:
    """Covariates (n, K) of the long-format ``X`` at series ``codes`` and ``stamps``; every
    position must have its row."""
    cov, found = _panel_covariates(X, ids, stamps, codes, names)
    _missing_covariates(ids, stamps, codes, found)
    return cov


def panel_future_covariates(X, panel: tuple, names: list, h, n: int):
    """Covariates (S, n, K) of the ``n`` steps after each series' end, from a long-format
    ``X``, and the rows of them X gave (S,): series ``i`` needs its next ``h`` rows (an int, or
    one per series: 0 for one whose forecasts are not read, which gets zeros where ``X`` has
    none); where its rows stop earlier than ``n``, its last one is repeated (as for a single
    series)."""
    ids = panel[0]
    stamps = _future_stamps(panel, n)
    codes = np.repeat(np.arange(len(ids)), n)
    cov, found = _panel_covariates(X, ids, stamps, codes, names)
    within = (np.arange(n) < np.broadcast_to(h, len(ids))[:, None]).ravel()
    _missing_covariates(ids, stamps[within], codes[within], found[within])
    found = found.reshape(len(ids), n)
    have = np.where(found.all(axis=1), n, np.argmin(found, axis=1))  # consecutive rows (>= h)
    rows = np.minimum(np.arange(n), np.maximum(have, 1)[:, None] - 1)  # the last one repeated
    return (np.nan_to_num(cov.reshape(len(ids), n, -1)[np.arange(len(ids))[:, None], rows]),
            have)


def panel_steps(panel: tuple, y: pd.DataFrame, gaps: bool) -> tuple:
    """Where the rows of a long-format ``y`` of values observed after a fitted panel lie.

    Returns each row's series number in ``panel``, how many steps after that series' last time
    stamp it is (1 = the next), its value, and its time stamp (in the panel's time zone and
    unit). ``gaps=False`` (``update``): each series' rows must be its next steps, without gaps.
    """
    if not is_panel(y) or len(y.columns) != 3:
        raise ValueError("a forecaster fit on a long-format panel takes new values as a "
                         "long-format panel too: columns unique_id, ds and y (covariates go in "
                         "X, in long format).")
    ids, last, step = panel
    codes = ids.get_indexer(y["unique_id"])
    if (codes < 0).any():
        _check_id_types(y["unique_id"], ids, "y")
        unknown = [plain(v) for v in pd.unique(y["unique_id"][codes < 0])[:3]]
        raise ValueError(f"y has series the forecaster was not fit on (e.g. {unknown}); pass "
                         "rows of the fitted series only.")
    stamps = as_stamps(pd.Index(y["ds"]))
    same_kind(stamps, last, "y's ds values", "the fitted panel's")
    stamps, _ = _in_common_unit(stamps, last)  # compared in the finer unit: nothing cut off
    keys = _stamp_keys(stamps, "y's ds column")
    at = pd.MultiIndex.from_arrays([codes, keys])
    _unique_rows(at, "y", ids[codes], stamps)
    values = as_float_array(y["y"].to_numpy(), "y['y']", fill=_PANEL_FILL)
    present, where = np.unique(codes, return_inverse=True)  # only y's series are stepped on
    part = (ids[present], last[present], step if isinstance(step, str) else step[present])
    n = max(1, int(np.bincount(where).max()))
    while True:
        future, _ = _in_common_unit(_future_stamps(part, n), stamps)
        ahead = _stamp_keys(future, "ds").reshape(-1, n)
        position = pd.MultiIndex.from_arrays([np.repeat(np.arange(len(present)), n),
                                              ahead.ravel()]).get_indexer(
            pd.MultiIndex.from_arrays([where, keys]))
        steps = position % n + 1
        lost = (position < 0) & (keys <= ahead[where, -1])  # before the end, or off the grid
        if not gaps:  # update: each series' rows are its steps 1 .. its count
            lost |= (position < 0) | (steps > np.bincount(where)[where])
        elif n > 10**7:  # as far as steps_after looks
            lost |= position < 0
        if lost.any():
            row = np.argmax(lost)
            raise ValueError(
                f"y's row for series {_shown(ids[codes[row]])} at {stamps[row]} is not "
                + ("a time step after that series' end" if gaps else
                   "among the steps right after that series' end")
                + f" ({last[codes[row]]}); pass values that follow each fitted series, on its "
                "frequency" + ("." if gaps else ", with no gap.")
            )
        if (position >= 0).all():
            break
        n *= 2
    if isinstance(last, pd.DatetimeIndex):
        stamps = stamps.as_unit(last.unit)  # exact: the stamps are on the panel's grid
        stamps = stamps.tz_convert(last.tz) if last.tz is not None else stamps
    return codes, steps, values, stamps


def write_panel(values: np.ndarray, panel: tuple) -> pd.DataFrame:
    """Long-format forecasts (unique_id, ds, y) from ``values`` of shape (S, h, 1); the forecast
    of each series starts at the step after its own last time stamp."""
    ids, h = panel[0], values.shape[1]
    return pd.DataFrame({"unique_id": ids.repeat(h), "ds": _future_stamps(panel, h),
                         "y": values[:, :, 0].ravel()})
