import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tsrnn import datasets

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", sorted(datasets.DATASETS))
def test_loaders_return_regular_series(name):
    y = datasets.load(name)
    assert isinstance(y, pd.Series) and y.notna().all() and y.index.is_monotonic_increasing
    assert y.index.freq is not None


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
    code = "import tsrnn, sys; y = tsrnn.datasets.load_airpassengers(); print(tsrnn.__file__, len(y))"
    env = dict(os.environ, PYTHONPATH=str(target))
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, check=True, capture_output=True, text=True
    ).stdout
    assert str(target) in out and out.strip().endswith(" 144")
