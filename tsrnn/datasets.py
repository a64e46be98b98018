"""Loaders for the real series shipped in ``datasets/`` (provenance in datasets/README.md).

The files travel inside the installed package (``tsrnn/_data``), so the loaders work offline and
from a non-editable install; in a source checkout they read ``datasets/`` directly.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

_HERE = Path(__file__).resolve().parent


def data_path(filename: str) -> Path:
    """Path of a bundled data file, in an installed package or a source checkout."""
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


def load_airpassengers() -> pd.Series:
    """Monthly international airline passengers (thousands), 1949-01 to 1960-12, 144 values.

    Trend and multiplicative yearly seasonality (Box & Jenkins' series G).

    Examples
    --------
    >>> y = load_airpassengers()
    >>> len(y), y.index.freqstr, y.name
    (144, 'MS', 'passengers')
    """
    return _load("airpassengers.csv", "MS", "passengers")


def load_co2() -> pd.Series:
    """Monthly mean atmospheric CO2 at Mauna Loa (ppm), 1958-03 to 2001-12, 526 values.

    A long, smooth trending series with a yearly cycle.

    Examples
    --------
    >>> y = load_co2()
    >>> len(y), y.index.freqstr
    (526, 'MS')
    """
    return _load("co2.csv", "MS", "co2_ppm")


def load_lynx() -> pd.Series:
    """Annual Canadian lynx trappings, 1821 to 1934, 114 values (PeriodIndex, yearly).

    Cycles of about ten years without a fixed period.

    Examples
    --------
    >>> y = load_lynx()
    >>> len(y), str(y.index[0])
    (114, '1821')
    """
    return _load("lynx.csv", "Y", "trappings", period=True)


def load_sunspots() -> pd.Series:
    """Yearly mean sunspot activity, 1700 to 2008, 309 values (PeriodIndex, yearly).

    Cycles of roughly eleven years with varying amplitude.

    Examples
    --------
    >>> y = load_sunspots()
    >>> len(y), str(y.index[-1])
    (309, '2008')
    """
    return _load("sunspots.csv", "Y", "sunactivity", period=True)


DATASETS = {
    "airpassengers": load_airpassengers,
    "co2": load_co2,
    "lynx": load_lynx,
    "sunspots": load_sunspots,
}


def load(name: str) -> pd.Series:
    """Load a bundled dataset by name (one of ``DATASETS``)."""
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}.")
    return DATASETS[name]()
