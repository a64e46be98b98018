"""Command line: forecast a CSV or a bundled dataset, pandas in, CSV out.

    tsrnn forecast data.csv --time-column ds --value-column y --horizon 12 --model lstm -o out.csv
    tsrnn forecast --dataset airpassengers --horizon 12 --model lstm
    tsrnn forecast panel.csv --horizon 12 --model gru    # columns unique_id, ds, y
    tsrnn evaluate --dataset airpassengers --horizon 12 --models lstm arima
"""

from __future__ import annotations

import argparse
import re
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from threadpoolctl import threadpool_limits

from . import datasets
from .baselines import ARIMAForecaster, ETSForecaster, SeasonalNaiveForecaster
from ._pandas import _datetime_freq, is_panel
from .forecasting import GRUForecaster, LSTMForecaster, RNNForecaster

MODELS = {
    "rnn": RNNForecaster,
    "lstm": LSTMForecaster,
    "gru": GRUForecaster,
    "arima": ARIMAForecaster,
    "ets": ETSForecaster,
    "seasonal_naive": SeasonalNaiveForecaster,
}


def make_model(name: str, horizon: int, random_state: int):
    """A forecaster by name with the CLI's settings."""
    if name in ("rnn", "lstm", "gru"):
        return MODELS[name](horizon=horizon, random_state=random_state)
    return MODELS[name](horizon=horizon)


def _stamps(column: pd.Series, dayfirst: bool = False) -> pd.Series:
    """Datetimes of a CSV column (``dayfirst``: 01/02/2020 is 1 February). Offsets that change
    (a time zone across DST, as ``to_csv`` writes it) cannot share one index: the stamps are
    read as local wall-clock times when they all fall at one time of day (daily and longer
    steps), else in UTC (e.g. hourly). Periods as ``to_csv`` writes them for weeks
    (``2021-01-04/2021-01-10``) are read as their first days."""
    text = column.astype(str)
    if text.str.fullmatch(r"\d{4}-\d\d-\d\d/\d{4}-\d\d-\d\d").all():
        column = text.str.split("/").str[0]
    try:
        try:
            with warnings.catch_warnings():  # pandas 2.1-2.x: FutureWarning, then object dtype
                warnings.filterwarnings("ignore", "In a future version of pandas, parsing "
                                        "datetimes with mixed time zones", FutureWarning)
                parsed = pd.to_datetime(column, dayfirst=dayfirst)
            if parsed.dtype == object:  # pandas < 3 gives mixed offsets back as objects
                raise ValueError("mixed UTC offsets")
            return parsed
        except ValueError:
            wall = pd.to_datetime(column.astype(str).str.replace(r"([+-]\d\d:?\d\d|Z)$", "",
                                                                 regex=True), dayfirst=dayfirst)
            return wall if wall.dt.time.nunique() == 1 else pd.to_datetime(column, utc=True,
                                                                          dayfirst=dayfirst)
    except ValueError as exc:
        unread = pd.to_datetime(column, errors="coerce", dayfirst=dayfirst, utc=True).isna()
        example = column[unread].iloc[0] if unread.any() else column.iloc[0]
        raise SystemExit(f"error: the time column's values are not dates pandas can read "
                         f"(e.g. {example!r}: {exc}); write them as 2021-01-31 or "
                         "2021-01-31 13:00, or as whole numbers (e.g. a year)") from None


def _check_filled(values: pd.DataFrame, path: str) -> None:
    """Refuse empty cells with a fix the command line can apply (the file's)."""
    missing = values.isna().to_numpy()
    if missing.any():
        row = int(np.argmax(missing.any(axis=1)))
        raise SystemExit(f"error: {path} has {missing.sum()} empty value(s) (the first in data row "
                         f"{row + 1}); fill them in the file (e.g. with the previous value)")


def read_input(args) -> pd.Series | pd.DataFrame:
    """The series to forecast, from ``--dataset`` or a CSV with a time column."""
    if args.dataset:
        return datasets.load(args.dataset)
    if not args.csv:
        raise SystemExit("error: pass a CSV file or --dataset NAME")
    if not Path(args.csv).is_file():
        raise SystemExit(f"error: no file {args.csv!r}; pass a CSV file or --dataset NAME")
    # a panel's ids are names, as written ("001" stays "001", so that the forecast joins back
    # to the file; "NA" is Namibia); an empty cell is missing
    # (index_col=False: a trailing separator on each row, as spreadsheets export, moved the
    # time column into the index, and the values into the time column)
    frame = pd.read_csv(args.csv, sep=args.sep, decimal=args.decimal, index_col=False,
                        converters={"unique_id": lambda v: v or None})
    # the header's trailing separator too: a last column without a name or any value
    last = frame.columns[-1]
    if str(last).startswith("Unnamed: ") and frame[last].isna().all() and len(frame.columns) > 1:
        frame = frame.drop(columns=last)
    for column in [args.time_column, *(args.value_column or [])]:
        if column not in frame.columns:
            raise SystemExit(f"error: column {column!r} not in {args.csv}: {list(frame.columns)}"
                             + ("; is it separated by another character? pass --sep"
                                if len(frame.columns) == 1 else ""))
    panel = "unique_id" in frame.columns  # a long-format panel: one global model
    values = args.value_column or [c for c in frame.columns
                                   if c not in (args.time_column, "unique_id")]
    for column in (args.time_column, "unique_id"):
        if column in values:
            raise SystemExit(f"error: --value-column {column} is not a column of values; pass "
                             "the column to forecast, e.g. --value-column y")
    unnamed = [c for c in values if str(c).startswith("Unnamed: ")]
    if unnamed and not args.value_column:
        raise SystemExit(f"error: {args.csv} has column(s) without a header {unnamed} (a saved "
                         "pandas index? to_csv(index=False) leaves it out); pass --value-column")
    for column in values:
        unread = frame[column].notna() & pd.to_numeric(frame[column], errors="coerce").isna()
        if unread.any():
            row = int(np.argmax(unread))
            fix = ("fix that cell in the file (a thousands separator, a placeholder such as "
                   "'-'?)" if args.value_column else "name the columns to forecast with "
                   "--value-column (repeatable), or fix that cell in the file")
            if args.decimal == "." and re.fullmatch(r"\s*[-+]?\d*,\d+\s*",
                                                     str(frame[column].iloc[row])):
                fix += "; if its decimal separator is a comma, pass --decimal ','"
            raise SystemExit(f"error: column {column!r} of {args.csv} holds text that is not a "
                             f"number ({frame[column].iloc[row]!r} in data row {row + 1}); {fix}")
    _check_filled(frame[values], args.csv)  # rows as numbered in the file
    stamps = frame[args.time_column]
    if stamps.isna().any():
        row = int(np.argmax(stamps.isna()))
        raise SystemExit(f"error: the time column {args.time_column!r} has {stamps.isna().sum()} "
                         f"empty cell(s) (the first in data row {row + 1}); fill in their time "
                         "stamps or drop those rows in the file")
    if pd.api.types.is_float_dtype(stamps) and (stamps % 1 == 0).all():  # a year as 1900.0
        frame[args.time_column] = stamps = stamps.astype(np.int64)
    integer = pd.api.types.is_integer_dtype(stamps)  # e.g. a year: kept as is
    if integer and stamps.between(1000_01_01, 9999_12_31).all():  # dates written 20240131
        compact = pd.to_datetime(stamps.astype(str), format="%Y%m%d", errors="coerce")
        if compact.notna().all():
            frame[args.time_column] = stamps = compact
            integer = False
    if not integer and pd.api.types.is_numeric_dtype(stamps):  # read as nanoseconds since 1970
        raise SystemExit(f"error: the time column {args.time_column!r} holds numbers that are "
                         "not whole (or empty cells); give whole steps (e.g. a year) or dates")
    if not integer:
        frame[args.time_column] = _stamps(stamps, args.dayfirst)
    if panel:
        if args.freq:
            raise SystemExit("error: --freq is for single-series files; a panel's frequency is "
                             "inferred from its longest series (give it at least 3 regular time "
                             "stamps)")
        if len(values) != 1:
            raise SystemExit(f"error: a panel (a unique_id column) takes one value column, not "
                             f"{values}; pass --value-column")
        long = pd.DataFrame({"unique_id": frame["unique_id"], "ds": frame[args.time_column],
                             "y": frame[values[0]]})
        long.attrs["names"] = {"ds": args.time_column, "y": values[0]}  # the forecast's columns
        return long
    frame = frame.set_index(args.time_column).sort_index()
    if frame.index.has_duplicates:
        repeated = [str(t) for t in frame.index[frame.index.duplicated()][:3]]
        raise SystemExit(f"error: the time column has duplicated stamps (e.g. {repeated}); "
                         "aggregate them in the file first")
    y = frame[values] if len(values) > 1 else frame[values[0]]
    if integer:
        if args.freq:  # it would be ignored
            raise SystemExit(f"error: --freq {args.freq} is for dates, but the time column "
                             f"{args.time_column!r} holds whole numbers (steps, e.g. years), "
                             "which need none; leave --freq out or write the stamps as dates")
        return y  # an evenly spaced integer index needs no frequency
    freq = args.freq or _datetime_freq(y.index)
    if freq is None:
        raise SystemExit(
            "error: the time column's frequency cannot be inferred; pass --freq (e.g. MS, D, h), "
            "or --dayfirst if its dates are written day first (31/01/2020)"
        )
    regular = y.asfreq(freq)
    gaps = regular.index.difference(y.index)
    if len(gaps) or len(regular) != len(y):
        raise SystemExit(f"error: {len(gaps)} time stamp(s) of frequency {freq} are missing (e.g. "
                         f"{[str(t) for t in gaps[:3]]}) or stamps fall between them; fill the "
                         "gaps in the file or pass another --freq")
    return regular


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tsrnn", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name, help_ in (("forecast", "fit on the whole series and forecast"),
                        ("evaluate", "hold out the last horizon, forecast it, report MASE")):
        p = sub.add_parser(name, help=help_)
        p.add_argument("csv", nargs="?", help="CSV file with a time column and value column(s); "
                       "with a unique_id column, a long-format panel of many series")
        p.add_argument("--sep", default=",", help="the CSV's separator (default ',')")
        p.add_argument("--decimal", default=".",
                       help="the CSV's decimal separator (default '.'; e.g. ',' with --sep ';')")
        p.add_argument("--dayfirst", action="store_true",
                       help="dates written day first: 01/02/2020 is 1 February")
        p.add_argument("--dataset", choices=sorted(datasets.DATASETS), help="a bundled dataset")
        p.add_argument("--time-column", default="ds",
                       help="time stamps (default ds); stamps whose UTC offset changes (a time "
                       "zone across DST) are read as local times if all at one time of day "
                       "(daily and longer steps), else in UTC (e.g. hourly); weekly periods "
                       "as pandas writes them (2021-01-04/2021-01-10) as their first days")
        p.add_argument("--value-column", action="append", help="value column (repeatable)")
        p.add_argument("--freq", help="pandas frequency when it cannot be inferred")
        p.add_argument("--horizon", type=int, default=12,
                       help="steps to forecast (default 12)")
        p.add_argument("--random-state", type=int, default=0)
        p.add_argument("--threads", type=_positive, default=1,
                       help="threads for torch and numpy's BLAS (default 1: fastest for small "
                            "series on a busy machine; raise it for long series on an idle one)")
        if name == "forecast":
            p.add_argument("--model", choices=sorted(MODELS), default="lstm")
            p.add_argument("-o", "--output", help="CSV to write (default: print)")
        else:
            p.add_argument("--models", nargs="+", choices=sorted(MODELS), default=["lstm", "arima"])
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``tsrnn`` command."""
    args = _parser().parse_args(argv)
    torch.set_num_threads(args.threads)  # this process is ours: the library never does this
    threadpool_limits(args.threads)
    output = getattr(args, "output", None)
    if output and not Path(output).resolve().parent.is_dir():  # before the fit, not after
        raise SystemExit(f"error: the folder of -o {output} does not exist; create it first")
    try:
        return _run(args, read_input(args))
    except (ValueError, TypeError) as exc:  # the library's refusals name the problem and fix
        raise SystemExit(f"error: {exc}") from None


def _run(args, y) -> int:
    if args.command == "forecast":
        forecast = make_model(args.model, args.horizon, args.random_state).fit(y).predict()
        panel = is_panel(y)
        if panel:  # the file's own column names
            forecast = forecast.rename(columns=y.attrs.get("names", {}))
        if args.output:
            # in the input's separators (a ';' file came back ','-separated); a panel's rows
            # have no index
            forecast.to_csv(args.output, index=not panel, sep=args.sep, decimal=args.decimal)
        else:
            # (a Series' to_string has no header for its values: a frame's names them)
            print(forecast.to_frame().to_string() if forecast.ndim == 1
                  else forecast.to_string(index=not panel))
        return 0
    h = args.horizon
    panel = is_panel(y)
    shortest = y.groupby("unique_id").size().min() if panel else len(y)
    if h < 1:
        raise SystemExit(f"error: --horizon {h} must be at least 1")
    if h >= shortest:
        raise SystemExit(f"error: --horizon {h} leaves no training data: the "
                         f"{'shortest ' if panel else ''}series has {shortest} point(s), and "
                         "each needs more than the horizon; pass a smaller --horizon or longer "
                         "series")
    if panel:  # hold out the last h steps of every series (its rows in time order)
        y = y.sort_values("ds", kind="stable")
        last = y.groupby("unique_id").cumcount(ascending=False) < h
        train, test = y[~last], y[last]
    else:
        train, test = y.iloc[:-h], y.iloc[-h:]
    if not panel:  # one column per value column and model
        table = test.add_prefix("actual ") if test.ndim == 2 else pd.DataFrame({"actual": test})
    scores = {}
    for name in args.models:
        model = make_model(name, h, args.random_state)
        start = time.perf_counter()
        score = -model.fit(train).score(test)  # a panel's: the mean over its series
        if not panel:
            pred = model.predict()
            table = table.join(pred.add_prefix(f"{name} ")) if pred.ndim == 2 else table.assign(
                **{name: pred})
        scores[name] = (score, time.perf_counter() - start)
    what = "of every series " if panel else ""
    print(f"{args.dataset or args.csv}: last {h} steps {what}held out\n")
    if not panel:
        print(table.round(1).to_string() + "\n")
    print(f"model          {'mean MASE' if panel else 'MASE':>9}   fit+predict s")
    for name, (score, seconds) in scores.items():
        print(f"{name:<14} {score:9.3f} {seconds:10.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
