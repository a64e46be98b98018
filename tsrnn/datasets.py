"""Loaders for the real data shipped in ``datasets/`` (provenance in datasets/README.md).

Three kinds: single series (a ``pd.Series`` with a regular DatetimeIndex, or a PeriodIndex for
yearly data), panels (a long ``pd.DataFrame`` with columns ``unique_id``, ``ds``, ``y``) and
sequence-classification sets (``(X, y)`` with the archive's own train/test split).

The files travel inside the installed package (``tsrnn/_data``), so the loaders work offline and
from a non-editable install; in a source checkout they read ``datasets/`` directly.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

_HERE = Path(__file__).resolve().parent


def data_path(filename: str) -> Path:
    """Path of a bundled data file, in an installed package or a source checkout.

    Parameters
    ----------
    filename : str
        The file's name, e.g. "airpassengers.csv" (see ``datasets/README.md``).

    Returns
    -------
    pathlib.Path

    Raises
    ------
    FileNotFoundError
        When the package was installed without its data files.
    """
    for folder in (_HERE / "_data", _HERE.parent / "datasets"):
        if (folder / filename).is_file():
            return folder / filename
    raise FileNotFoundError(
        f"bundled data file {filename!r} not found; reinstall tsrnn (pip install .) so that its "
        "data files are installed."
    )


def _load(filename: str, freq: str, name: str, period: bool = False) -> pd.Series:
    frame = pd.read_csv(data_path(filename))
    time, values = frame.columns
    if period:
        index = pd.PeriodIndex(frame[time].astype(str), freq=freq, name=time)
    else:
        index = pd.DatetimeIndex(pd.to_datetime(frame[time].astype(str)), freq=freq, name=time)
    return pd.Series(frame[values].to_numpy(dtype=float), index=index, name=name)


def _load_panel(filename: str) -> pd.DataFrame:
    """A long panel file (unique_id, ds, y) with ``ds`` as ISO dates ("1972", "1939-01")."""
    frame = pd.read_csv(data_path(filename), dtype={"unique_id": str, "ds": str})
    frame["ds"] = pd.to_datetime(frame["ds"], format="ISO8601")
    frame["y"] = frame["y"].astype(float)
    return frame.sort_values(["unique_id", "ds"], ignore_index=True)


def _load_classification(filename: str, split: str, ragged: bool = False):
    """``(X, y)`` of one split from a long file (split, case, t, label, dim_0, ...).

    The rows are ordered by split, case and t, so a case starts where ``t`` is 0. ``X`` is an
    array (cases, time, channels), or a list of (time, channels) arrays when ``ragged``.
    """
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}.")
    frame = pd.read_csv(data_path(filename), dtype={"split": str, "label": str})
    frame = frame[frame["split"] == split]
    starts = np.flatnonzero(frame["t"].to_numpy() == 0)
    cases = np.split(frame.filter(like="dim_").to_numpy(dtype=float), starts[1:])
    labels = frame["label"].to_numpy(dtype=str)[starts]
    return (cases if ragged else np.stack(cases)), labels


def _split_sections(ragged: bool):
    """Add the Parameters and Returns sections that every classification loader shares."""
    X = ("X : list of ndarray of shape (T_i, D)\n        One array per case, of its own length."
         if ragged else "X : ndarray of shape (n_cases, T, D)")
    sections = ('    Parameters\n    ----------\n    split : {"train", "test"}, default="train"\n'
                "        The archive's own split.\n\n    Returns\n    -------\n    "
                f"{X}\n    y : ndarray of str\n        The labels.\n\n")

    def add(loader):
        if loader.__doc__:  # (none under python -OO)
            loader.__doc__ = loader.__doc__.replace("    Examples\n",
                                                    sections + "    Examples\n", 1)
        return loader

    return add


def load_airpassengers() -> pd.Series:
    """Monthly international airline passengers (thousands), 1949-01 to 1960-12, 144 values.

    Trend and multiplicative yearly seasonality (Box & Jenkins' series G).

    Returns
    -------
    pandas.Series

    Examples
    --------
    >>> from tsrnn.datasets import load_airpassengers
    >>> y = load_airpassengers()
    >>> len(y), y.index.freqstr, y.name
    (144, 'MS', 'passengers')
    """
    return _load("airpassengers.csv", "MS", "passengers")


def load_co2() -> pd.Series:
    """Monthly mean atmospheric CO2 at Mauna Loa (ppm), 1958-03 to 2001-12, 526 values.

    A long, smooth trending series with a yearly cycle.

    Returns
    -------
    pandas.Series

    Examples
    --------
    >>> from tsrnn.datasets import load_co2
    >>> y = load_co2()
    >>> len(y), y.index.freqstr
    (526, 'MS')
    """
    return _load("co2.csv", "MS", "co2_ppm")


def load_lynx() -> pd.Series:
    """Annual Canadian lynx trappings, 1821 to 1934, 114 values (PeriodIndex, yearly).

    Cycles of about ten years without a fixed period.

    Returns
    -------
    pandas.Series

    Examples
    --------
    >>> from tsrnn.datasets import load_lynx
    >>> y = load_lynx()
    >>> len(y), str(y.index[0])
    (114, '1821')
    """
    return _load("lynx.csv", "Y", "trappings", period=True)


def load_sunspots() -> pd.Series:
    """Yearly mean sunspot activity, 1700 to 2008, 309 values (PeriodIndex, yearly).

    Cycles of roughly eleven years with varying amplitude.

    Returns
    -------
    pandas.Series

    Examples
    --------
    >>> from tsrnn.datasets import load_sunspots
    >>> y = load_sunspots()
    >>> len(y), str(y.index[-1])
    (309, '2008')
    """
    return _load("sunspots.csv", "Y", "sunactivity", period=True)


def load_elnino() -> pd.Series:
    """Monthly mean sea surface temperature in the Nino 1+2 region (deg C), 1950-01 to 2010-12.

    732 values; a strong yearly cycle with irregular El Nino warm episodes (1982-83, 1997-98).

    Returns
    -------
    pandas.Series

    Examples
    --------
    >>> from tsrnn.datasets import load_elnino
    >>> y = load_elnino()
    >>> len(y), y.index.freqstr, str(y.index[-1].date())
    (732, 'MS', '2010-12-01')
    """
    return _load("elnino.csv", "MS", "sst_celsius")


def load_us_realgdp() -> pd.Series:
    """Quarterly US real GDP (billions of chained 2005 dollars, SAAR), 1959Q1 to 2009Q3.

    203 values, time stamped at the first day of each quarter; smooth growth with recessions.

    Returns
    -------
    pandas.Series

    Examples
    --------
    >>> from tsrnn.datasets import load_us_realgdp
    >>> y = load_us_realgdp()
    >>> len(y), y.index.freqstr, str(y.index[-1].date())
    (203, 'QS-JAN', '2009-07-01')
    """
    return _load("us_realgdp.csv", "QS", "realgdp")


def load_us_gasoline() -> pd.Series:
    """Weekly US finished motor gasoline product supplied (million barrels per day).

    1,355 weeks from ISO week 1991-W06 to 2017-W03, time stamped at the Monday of each ISO week
    (freq ``W-MON``); a noisy yearly cycle of about 52.18 weeks on a trend.

    Returns
    -------
    pandas.Series

    Examples
    --------
    >>> from tsrnn.datasets import load_us_gasoline
    >>> y = load_us_gasoline()
    >>> len(y), y.index.freqstr, str(y.index[0].date())
    (1355, 'W-MON', '1991-02-04')
    """
    return _load("us_gasoline.csv", "W-MON", "barrels")


def load_m1_yearly() -> pd.DataFrame:
    """The 181 yearly series of the M1 forecasting competition, as a long panel.

    Columns ``unique_id`` ("T1" to "T181"), ``ds`` (yearly time stamps, 1 January) and ``y``;
    15 to 58 values a series, 4,515 in all. The years are nominal start years from the M1 files
    (the 51st series' start year is unknown and set to 1900).

    Returns
    -------
    pandas.DataFrame
        A long panel: columns unique_id, ds, y.

    Examples
    --------
    >>> from tsrnn.datasets import load_m1_yearly
    >>> panel = load_m1_yearly()
    >>> list(panel.columns), panel["unique_id"].nunique(), len(panel)
    (['unique_id', 'ds', 'y'], 181, 4515)
    >>> sizes = panel.groupby("unique_id").size()
    >>> int(sizes.min()), int(sizes.max())
    (15, 58)
    """
    return _load_panel("m1_yearly.csv")


def load_us_employment() -> pd.DataFrame:
    """Monthly US employment (thousands, not seasonally adjusted), 22 series, 1939-01 to 2019-09.

    A long panel (``unique_id``, ``ds``, ``y``) of the BLS series complete over the whole span:
    total nonfarm (``PAYNSA``), total private and the supersectors (``CEU...``), 969 months each.

    Returns
    -------
    pandas.DataFrame
        A long panel: columns unique_id, ds, y.

    Examples
    --------
    >>> from tsrnn.datasets import load_us_employment
    >>> panel = load_us_employment()
    >>> panel["unique_id"].nunique(), len(panel), str(panel["ds"].max().date())
    (22, 21318, '2019-09-01')
    """
    return _load_panel("us_employment.csv")


@_split_sections(ragged=False)
def load_gunpoint(split: str = "train"):
    """GunPoint (UCR): x coordinate of a hand drawing a gun or pointing, 2 classes.

    Returns ``(X, y)``: X of shape (50, 150, 1) for "train" and (150, 150, 1) for "test", y the
    string labels "1" (gun) and "2" (point).

    Examples
    --------
    >>> from tsrnn.datasets import load_gunpoint
    >>> X, y = load_gunpoint("test")
    >>> X.shape, sorted(set(y.tolist()))
    ((150, 150, 1), ['1', '2'])
    """
    return _load_classification("gunpoint.csv", split)


@_split_sections(ragged=False)
def load_italy_power_demand(split: str = "train"):
    """ItalyPowerDemand (UCR): 24 hourly electricity demand values a day, 2 classes (season).

    Returns ``(X, y)``: X of shape (67, 24, 1) for "train" and (1029, 24, 1) for "test"; label
    "1" is October to March, "2" April to September.

    Examples
    --------
    >>> from tsrnn.datasets import load_italy_power_demand
    >>> X, y = load_italy_power_demand()
    >>> X.shape, y.shape
    ((67, 24, 1), (67,))
    """
    return _load_classification("italy_power_demand.csv", split)


@_split_sections(ragged=False)
def load_basic_motions(split: str = "train"):
    """BasicMotions (UEA): smart-watch accelerometer and gyroscope, 6 channels, 4 activities.

    Returns ``(X, y)``: X of shape (40, 100, 6) for each split, 10 cases of each of "Badminton",
    "Running", "Standing" and "Walking".

    Examples
    --------
    >>> from tsrnn.datasets import load_basic_motions
    >>> X, y = load_basic_motions("test")
    >>> X.shape, sorted(set(y.tolist()))
    ((40, 100, 6), ['Badminton', 'Running', 'Standing', 'Walking'])
    """
    return _load_classification("basic_motions.csv", split)


@_split_sections(ragged=True)
def load_japanese_vowels(split: str = "train"):
    """JapaneseVowels (UCI, in the UEA archive): 12 LPC cepstrum coefficients, 9 speakers.

    Variable length: returns ``(X, y)`` with X a list of (T_i, 12) arrays, T_i from 7 to 29;
    270 cases for "train" (30 per speaker), 370 for "test"; labels "1" to "9".

    Examples
    --------
    >>> from tsrnn.datasets import load_japanese_vowels
    >>> X, y = load_japanese_vowels("test")
    >>> len(X), X[0].shape[1], min(len(x) for x in X), max(len(x) for x in X), len(set(y))
    (370, 12, 7, 29, 9)
    """
    return _load_classification("japanese_vowels.csv", split, ragged=True)


@_split_sections(ragged=False)
def load_arrowhead(split: str = "train"):
    """ArrowHead (UCR): outlines of projectile points as 1-D series, 3 classes.

    Returns ``(X, y)``: X of shape (36, 251, 1) for "train" (12 a class) and (175, 251, 1) for
    "test"; labels "0" (Avonlea), "1" (Clovis), "2" (Mix).

    Examples
    --------
    >>> from tsrnn.datasets import load_arrowhead
    >>> X, y = load_arrowhead()
    >>> X.shape, sorted(set(y.tolist()))
    ((36, 251, 1), ['0', '1', '2'])
    """
    return _load_classification("arrowhead.csv", split)


@_split_sections(ragged=True)
def load_pickup_gesture_wiimote_z(split: str = "train"):
    """PickupGestureWiimoteZ (UCR): z acceleration of a Wiimote while 10 people each make the
    pick-up gesture; the label is the person.

    Variable length: returns ``(X, y)`` with X a list of (T_i, 1) arrays, T_i from 29 to 361;
    50 cases per split, 5 of each person, labels "1" to "10".

    Examples
    --------
    >>> from tsrnn.datasets import load_pickup_gesture_wiimote_z
    >>> X, y = load_pickup_gesture_wiimote_z("test")
    >>> len(X), min(len(x) for x in X), max(len(x) for x in X), len(set(y))
    (50, 37, 324, 10)
    """
    return _load_classification("pickup_gesture_wiimote_z.csv", split, ragged=True)


DATASETS = {  # forecasting: name -> loader of a Series or a long panel
    "airpassengers": load_airpassengers,
    "co2": load_co2,
    "lynx": load_lynx,
    "sunspots": load_sunspots,
    "elnino": load_elnino,
    "us_realgdp": load_us_realgdp,
    "us_gasoline": load_us_gasoline,
    "m1_yearly": load_m1_yearly,
    "us_employment": load_us_employment,
}

CLASSIFICATION_DATASETS = {  # name -> loader of (X, y) for split="train" or "test"
    "gunpoint": load_gunpoint,
    "italy_power_demand": load_italy_power_demand,
    "basic_motions": load_basic_motions,
    "japanese_vowels": load_japanese_vowels,
    "arrowhead": load_arrowhead,
    "pickup_gesture_wiimote_z": load_pickup_gesture_wiimote_z,
}


def load(name: str) -> pd.Series | pd.DataFrame:
    """Load a bundled forecasting dataset by name.

    Parameters
    ----------
    name : str
        One of ``DATASETS``: "airpassengers", "co2", "lynx", "sunspots", "elnino",
        "us_realgdp", "us_gasoline", "m1_yearly", "us_employment".

    Returns
    -------
    pandas.Series or pandas.DataFrame
        A single series, or a long panel (columns unique_id, ds, y).

    Raises
    ------
    ValueError
        For an unknown name.
    """
    if name in CLASSIFICATION_DATASETS:
        loader = CLASSIFICATION_DATASETS[name].__name__
        raise ValueError(f"{name!r} is a classification set, loaded as X, y = "
                         f"tsrnn.datasets.{loader}(split='train') (or split='test').")
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)} (for "
                         f"classification sets, {', '.join(CLASSIFICATION_DATASETS)}: "
                         "CLASSIFICATION_DATASETS[name](split='train')).")
    return DATASETS[name]()
