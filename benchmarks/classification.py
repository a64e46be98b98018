"""Sequence-classification benchmark: SequenceClassifier (defaults) against 1-NN Euclidean and a
scikit-learn model on flattened sequences, on the bundled UCR/UEA sets (standard splits).

Variable-length sets are resampled to their longest length for the two baselines (which need
equal lengths); SequenceClassifier reads them as they are.

    python benchmarks/classification.py [--quick] [--out DIR]

Prints a markdown table (accuracy mean ± std over seeds; fit and predict seconds) and writes it
as classification.md and classification.csv in DIR (default benchmarks/results).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run against this checkout
from tsrnn import SequenceClassifier, datasets  # noqa: E402


def equal_length(X, length: int) -> np.ndarray:
    """(N, length·D) rows: each sequence linearly resampled to ``length`` steps, flattened."""
    seqs = list(X)
    out = []
    for s in seqs:
        s = np.asarray(s, dtype=float).reshape(len(s), -1)
        grid = np.linspace(0, len(s) - 1, length)
        out.append(np.column_stack([np.interp(grid, np.arange(len(s)), c) for c in s.T]).ravel())
    return np.array(out)


BASELINES = {
    "1nn_euclidean": lambda: KNeighborsClassifier(n_neighbors=1),
    "logistic_flat": lambda: make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)),
}


def run(name: str, seeds: list[int]) -> list[dict]:
    load = datasets.CLASSIFICATION_DATASETS[name]
    X_train, y_train = load("train")
    X_test, y_test = load("test")
    rows = []
    length = max(len(s) for s in list(X_train) + list(X_test))
    F_train, F_test = equal_length(X_train, length), equal_length(X_test, length)
    for model_name, make in BASELINES.items():
        start = time.perf_counter()
        model = make().fit(F_train, y_train)
        fit_s = time.perf_counter() - start
        acc = float((model.predict(F_test) == y_test).mean())
        rows.append({"dataset": name, "model": model_name, "seed": 0, "accuracy": acc,
                     "fit_s": fit_s, "predict_s": time.perf_counter() - start - fit_s})
    for seed in seeds:
        start = time.perf_counter()
        clf = SequenceClassifier(random_state=seed).fit(X_train, y_train)
        fit_s = time.perf_counter() - start
        acc = float(clf.score(X_test, y_test))
        rows.append({"dataset": name, "model": "sequence_classifier", "seed": seed,
                     "accuracy": acc, "fit_s": fit_s,
                     "predict_s": time.perf_counter() - start - fit_s})
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="two sets, one seed (for CI)")
    parser.add_argument("--out", default=str(Path(__file__).parent / "results"))
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(1)
    names = list(datasets.CLASSIFICATION_DATASETS)[: 2 if args.quick else None]
    seeds = [0] if args.quick else [0, 1, 2]
    print(f"torch.set_num_threads(1); SequenceClassifier defaults; seeds {seeds}")
    rows = [row for name in names for row in run(name, seeds)]
    detail = pd.DataFrame(rows)
    detail.to_csv(out / "classification.csv", index=False)
    summary = detail.groupby(["dataset", "model"], sort=False).agg(
        mean=("accuracy", "mean"), std=("accuracy", "std"), fit_s=("fit_s", "mean"),
        predict_s=("predict_s", "mean")).fillna(0.0)
    lines = ["| dataset | model | accuracy | fit s | predict s |", "|---|---|---|---|---|"]
    for (dataset, model), r in summary.iterrows():
        lines.append(f"| {dataset} | {model} | {r['mean']:.3f} ± {r['std']:.3f} | "
                     f"{r['fit_s']:.2f} | {r['predict_s']:.3f} |")
    means = summary["mean"].unstack("model").mean()
    lines += ["", "Mean accuracy over sets: " + ", ".join(f"{m} {v:.3f}" for m, v in means.items())]
    report = "\n".join(lines)
    (out / "classification.md").write_text(report + "\n")
    print(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
