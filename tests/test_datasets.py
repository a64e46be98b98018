import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tsrnn import datasets

ROOT = Path(__file__).resolve().parents[1]

PANELS = {"m1_yearly": ("YS", 181), "us_employment": ("MS", 22)}  # name -> (freq, series)

# name -> (cases train, cases test, length or (min, max) length, channels, classes); the
# archives' published sizes
CLASSIFICATION = {
    "gunpoint": (50, 150, 150, 1, 2),
    "italy_power_demand": (67, 1029, 24, 1, 2),
    "basic_motions": (40, 40, 100, 6, 4),
    "japanese_vowels": (270, 370, (7, 29), 12, 9),
    "arrowhead": (36, 175, 251, 1, 3),
    "pickup_gesture_wiimote_z": (50, 50, (29, 361), 1, 10),
}


@pytest.mark.parametrize("name", sorted(datasets.DATASETS))
def test_loaders_return_regular_series_or_panels(name):
    data = datasets.load(name)
    if name not in PANELS:
        assert isinstance(data, pd.Series) and data.notna().all()
        assert data.index.is_monotonic_increasing and data.index.freq is not None
        return
    freq, n_series = PANELS[name]
    assert isinstance(data, pd.DataFrame) and list(data.columns) == ["unique_id", "ds", "y"]
    assert data.notna().all().all() and data["y"].dtype == float
    assert data["unique_id"].nunique() == n_series
    assert data.equals(data.sort_values(["unique_id", "ds"], ignore_index=True))
    for _, series in data.groupby("unique_id"):
        pd.DatetimeIndex(series["ds"], freq=freq)  # raises unless regular without gaps


def test_every_dataset_is_registered():
    assert len(datasets.DATASETS) >= 8 and set(PANELS) <= set(datasets.DATASETS)
    assert set(datasets.CLASSIFICATION_DATASETS) == set(CLASSIFICATION)


@pytest.mark.parametrize("name", sorted(CLASSIFICATION))
def test_classification_loaders_match_the_archive_sizes(name):
    n_train, n_test, length, channels, classes = CLASSIFICATION[name]
    for split, n in (("train", n_train), ("test", n_test)):
        X, y = datasets.CLASSIFICATION_DATASETS[name](split)
        assert isinstance(y, np.ndarray) and y.dtype.kind == "U" and y.shape == (n,)
        assert len(set(y.tolist())) == classes and len(X) == n
        if isinstance(length, int):
            assert isinstance(X, np.ndarray) and X.dtype == float
            assert X.shape == (n, length, channels) and np.isfinite(X).all()
        else:
            assert isinstance(X, list) and all(x.dtype == float for x in X)
            assert {x.shape[1] for x in X} == {channels}
            lengths = [len(x) for x in X]
            assert length[0] <= min(lengths) and max(lengths) <= length[1]
            assert len(set(lengths)) > 1 and all(np.isfinite(x).all() for x in X)
    with pytest.raises(ValueError, match="split"):
        datasets.CLASSIFICATION_DATASETS[name]("validation")


def test_japanese_vowels_speakers_match_uci():
    _, y = datasets.load_japanese_vowels("train")
    assert np.unique(y, return_counts=True)[1].tolist() == [30] * 9
    _, y = datasets.load_japanese_vowels("test")
    assert np.unique(y, return_counts=True)[1].tolist() == [31, 35, 88, 44, 29, 24, 40, 50, 29]


def test_provenance_table_hashes_match_the_files():
    table = (ROOT / "datasets" / "README.md").read_text()
    files = sorted(p.name for p in (ROOT / "datasets").glob("*.csv"))
    assert files
    for name in files:
        digest = hashlib.sha256((ROOT / "datasets" / name).read_bytes()).hexdigest()
        assert re.search(rf"`{re.escape(name)}`.*{digest}", table), name


def test_loaders_work_from_a_non_editable_install(tmp_path):
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--target", str(target), str(ROOT)],
        check=True, capture_output=True,
    )
    code = (
        "import tsrnn; d = tsrnn.datasets; X, _ = d.load_japanese_vowels('test');"
        "print(d.load_m1_yearly().unique_id.nunique(), len(X), tsrnn.__file__,"
        " len(d.load_airpassengers()))"
    )
    env = dict(os.environ, PYTHONPATH=str(target))
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, check=True, capture_output=True, text=True
    ).stdout
    assert str(target) in out and out.startswith("181 370 ") and out.strip().endswith(" 144")


def test_load_points_a_classification_set_to_its_loader():
    """load('gunpoint') listed only the forecasting sets."""
    with pytest.raises(ValueError, match=r"'gunpoint' is a classification set, loaded as X, y = "
                                         r"tsrnn.datasets.load_gunpoint\(split='train'\)"):
        datasets.load("gunpoint")
    with pytest.raises(ValueError, match="unknown dataset 'foo'; choose one of airpassengers.*"
                                         "for classification sets, gunpoint"):
        datasets.load("foo")
