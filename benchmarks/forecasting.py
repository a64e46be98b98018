"""Rolling-origin forecast benchmark: the recurrent forecasters with their defaults against
seasonal naive, ETS and auto-ARIMA, on every bundled dataset.

Every dataset is handled as a long-format panel (a single series is a panel of one). At each
forecast origin the last ``h`` observations of every series are held out, each model is fit on
what precedes them (one global model for the recurrent forecasters, one model per series for
the baselines) and scored by MASE (scale: the series' in-sample seasonal naive error), sMAPE
and RMSE, averaged over series and origins. Origins lie ``h // 2`` steps apart; a series
shorter than ``2 h`` at an origin is left out there for every model alike.

    python benchmarks/forecasting.py [--quick] [--out DIR]

Writes forecasting.md, forecasting.csv, forecasting_mase.png (MASE relative to ARIMA) and one
forecast-vs-actual PNG per dataset into DIR (default benchmarks/results).
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run against this checkout
from tsrnn import (  # noqa: E402
    ARIMAForecaster,
    ETSForecaster,
    GRUForecaster,
    LSTMForecaster,
    RNNForecaster,
    SeasonalNaiveForecaster,
    datasets,
    mase,
    rmse,
    smape,
)
from tsrnn._pandas import season_length  # noqa: E402

HORIZON = {"Y": 6, "A": 6, "Q": 8, "M": 12, "W": 13, "D": 14}
MODELS = {  # name -> (horizon, seed) -> forecaster with its defaults
    "seasonal_naive": lambda h, seed: SeasonalNaiveForecaster(horizon=h),
    "ets": lambda h, seed: ETSForecaster(horizon=h),
    "arima": lambda h, seed: ARIMAForecaster(horizon=h),
    "rnn": lambda h, seed: RNNForecaster(horizon=h, random_state=seed),
    "lstm": lambda h, seed: LSTMForecaster(horizon=h, random_state=seed),
    "gru": lambda h, seed: GRUForecaster(horizon=h, random_state=seed),
}


def as_panel(name: str, data) -> pd.DataFrame:
    """A long-format panel (unique_id, ds, y) from a bundled series or panel."""
    if isinstance(data, pd.DataFrame):
        return data
    ds = data.index.to_timestamp() if isinstance(data.index, pd.PeriodIndex) else data.index
    return pd.DataFrame({"unique_id": name, "ds": ds, "y": data.to_numpy()})


def horizon_of(panel: pd.DataFrame) -> tuple[int, int]:
    """Forecast horizon and season length from the panel's frequency."""
    first = panel[panel.unique_id == panel.unique_id.iloc[0]]
    index = pd.DatetimeIndex(first["ds"], freq="infer")
    code = index.freqstr.lstrip("0123456789")[:1]
    return HORIZON.get(code, 12), season_length(index)


def split(panel: pd.DataFrame, h: int, cut: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Drop the last ``cut`` rows of each series, then hold out the next-to-last ``h``."""
    rank = panel.groupby("unique_id").cumcount(ascending=False)  # 0 = last row
    kept = panel[rank >= cut]
    rank = rank[rank >= cut] - cut
    sizes = kept.groupby("unique_id")["y"].transform("size")
    kept, rank = kept[sizes >= 3 * h], rank[sizes >= 3 * h]  # train ≥ 2h
    return kept[rank >= h], kept[rank < h]


def evaluate(name, panel, models, n_origins):
    h, m = horizon_of(panel)
    rows, last = [], {}
    for k in range(n_origins):
        train, test = split(panel, h, cut=(n_origins - 1 - k) * max(1, h // 2))
        if train.empty:
            continue
        for model_name, make in models.items():
            model = make(h, k)
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model.fit(train)
                fit_s = time.perf_counter() - start
                pred = model.predict()
            predict_s = time.perf_counter() - start - fit_s
            merged = test.merge(pred, on=["unique_id", "ds"], suffixes=("", "_hat"))
            assert len(merged) == len(test), "forecasts must land on the held-out dates"
            for uid, g in merged.groupby("unique_id", sort=False):
                history = train.loc[train.unique_id == uid, "y"].to_numpy()
                rows.append({
                    "dataset": name, "model": model_name, "origin": k, "series": uid,
                    "mase": mase(g["y"], g["y_hat"], history, m),
                    "smape": smape(g["y"], g["y_hat"]), "rmse": rmse(g["y"], g["y_hat"]),
                    "fit_s": fit_s, "predict_s": predict_s,
                })
            last[model_name] = (train, test, pred)
        print(f"  {name}: origin {k + 1}/{n_origins} done", flush=True)
    return rows, last, h


def plot_forecasts(name, last, out: Path) -> None:
    fig, ax = plt.subplots(figsize=(8, 3.5))
    train, test, _ = next(iter(last.values()))
    uid = test.unique_id.iloc[0]
    hist = train[train.unique_id == uid].tail(60)
    ax.plot(hist.ds, hist.y, color="black", label="history")
    ax.plot(test[test.unique_id == uid].ds, test[test.unique_id == uid].y, color="black",
            linestyle="--", label="actual")
    for model_name, (_, _, pred) in last.items():
        p = pred[pred.unique_id == uid]
        ax.plot(p.ds, p.y, label=model_name)
    ax.set_title(f"{name} ({uid}): last origin")
    ax.legend(fontsize=7, ncol=4)
    fig.tight_layout()
    fig.savefig(out / f"forecast_{name}.png", dpi=90)
    plt.close(fig)


def markdown(frame: pd.DataFrame, digits: int = 3) -> str:
    """A DataFrame as a markdown table (no extra dependency)."""
    head = [frame.index.name or ""] + [str(c) for c in frame.columns]
    rows = [[str(i)] + [f"{v:.{digits}f}" for v in r] for i, r in zip(frame.index, frame.values)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="3 datasets, at most 5 series each, 1 origin (for CI)")
    parser.add_argument("--out", default=str(Path(__file__).parent / "results"))
    parser.add_argument("--datasets", nargs="*", help="names from tsrnn.datasets.DATASETS")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(1)
    names = args.datasets or (["airpassengers", "lynx"] + [
        n for n in datasets.DATASETS if n.startswith("m1")][:1] if args.quick
        else list(datasets.DATASETS))
    n_origins = 1 if args.quick else 3
    print(f"torch.set_num_threads(1); {n_origins} origin(s) per series; models with defaults")
    rows = []
    for name in names:
        panel = as_panel(name, datasets.load(name))
        if args.quick:
            panel = panel[panel.unique_id.isin(panel.unique_id.unique()[:5])]
        new_rows, last, h = evaluate(name, panel, MODELS, n_origins)
        rows += new_rows
        plot_forecasts(name, last, out)
    detail = pd.DataFrame(rows)
    table = detail.groupby(["dataset", "model"], sort=False).agg(
        series=("series", "nunique"), mase=("mase", "mean"), smape=("smape", "mean"),
        rmse=("rmse", "mean"), fit_s=("fit_s", "mean"), predict_s=("predict_s", "mean"))
    table.to_csv(out / "forecasting.csv")
    mase_table = table["mase"].unstack("model")[list(MODELS)]
    mase_table.loc["mean"] = mase_table.mean()
    relative = mase_table.div(mase_table["arima"], axis=0)
    lines = ["MASE (mean over series and origins; lower is better)", "",
             markdown(mase_table), "",
             "MASE relative to auto-ARIMA (< 1: better than ARIMA)", "",
             markdown(relative), "",
             "Mean seconds per fit (one dataset, all its series)", "",
             markdown(table["fit_s"].unstack("model")[list(MODELS)], 2)]
    beats = {m: int((mase_table.drop("mean")[m] < mase_table.drop("mean")["arima"]).sum())
             for m in ("rnn", "lstm", "gru")}
    losses = {m: int((mase_table.drop("mean")[m] > mase_table.drop("mean")["seasonal_naive"]).sum())
              for m in ("rnn", "lstm", "gru")}
    n = len(mase_table) - 1
    lines += ["", "Targets (issue 5): " + "; ".join(
        f"{m}: mean MASE {mase_table.loc['mean', m]:.3f} vs ARIMA "
        f"{mase_table.loc['mean', 'arima']:.3f}, beats ARIMA on {beats[m]}/{n}, "
        f"worse than seasonal naive on {losses[m]}/{n}" for m in beats)]
    report = "\n".join(lines)
    (out / "forecasting.md").write_text(report + "\n")
    print(report)
    ax = relative.drop("mean").plot.bar(figsize=(9, 4), rot=30)
    ax.axhline(1.0, color="black", linewidth=0.8)
    ax.set_ylabel("MASE / ARIMA's MASE")
    ax.figure.tight_layout()
    ax.figure.savefig(out / "forecasting_mase.png", dpi=90)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
