"""Speed and memory of tsrnn against a hand-written PyTorch loop, in one process and run.

Sections (each prints a table; all rows also go to speed.csv and speed.md in --out):

fit
    RNN, LSTM and GRU forecasters against a minimal hand-written loop that does the same work:
    the same network (the tsrnn network's inputs, the level-shifted window and its first
    differences; the seasonal anchor; L1 loss; Adam), data, batch size, number of steps,
    seed and threads. The loss curves are compared to show that both ran the same computation.
    Timed from the raw series to trained weights, so each side pays its one-off costs
    (scaling, windowing, moving data to the device). Runs are interleaved, each side going
    first in turn (the second of two back-to-back runs was measured a few percent slower), an
    even number of runs so that each goes first as often; the ratio of the median times over
    about ``--repeats`` runs (default 5, rounded down to an even count; three times as many on
    the short series, whose one-second runs vary most) and of the fastest runs are reported.
    Cases: air passengers (window 24, horizon 12, hidden 32, full batch, 500 steps) and a
    100,000-point series (window 64, horizon 1, hidden 64, batch 256, 500 steps). tsrnn runs
    with ``ensemble_size=1`` and ``gradient_clip=None`` to match the loop; its defaults train
    ``LSTMForecaster().ensemble_size`` networks (as many times the time).
predict
    One series (pandas in and out) with the default ensemble and with one
    network, against the hand-written network's forward pass; a long-format panel of 10,000
    series of length 200 in one ``predict`` call.
memory
    Peak resident memory that fitting a 10,000,000-point series (window 64) adds to a fresh
    process, from the kernel's high-water mark (reset after torch's one-off set-up and after
    the series is made), for each side, over ``--repeats`` runs each (interleaved; default 3);
    reported with the series as the memory at the peak over the series' own size. The figure
    includes the model, one batch and torch's working memory, which do not grow with the
    series (subtracting a smaller fit's peak instead was misleading: the two peaks can fall in
    different phases of the fit).
many series
    A global model over 1,000, 10,000 and 100,000 monthly series of length 200: set-up time
    (reading the panel, scaling, and the first step), time per step (from a 200-step fit), and
    the time of one epoch (measured where projected under two minutes, else set-up plus steps
    times the time per step).
backtest
    Five origins on air passengers: with refitting, the backtest's time against the fits and
    predictions it contains; without, one batched call for all origins against moving the
    fitted model from origin to origin with ``update``.
cuda
    The 100,000-point fit on the GPU in float32, bf16 and 16-mixed, when one exists.

    python benchmarks/speed.py [--quick] [--out DIR] [--threads 1] [--repeats 3] [--sections ...]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run against this checkout
from tsrnn import GRUForecaster, LSTMForecaster, RNNForecaster, backtest  # noqa: E402
from tsrnn._training import draw_seed  # noqa: E402
from tsrnn.datasets import load_airpassengers  # noqa: E402
from tsrnn.evaluation import mase_scale  # noqa: E402

FORECASTERS = {"rnn": RNNForecaster, "lstm": LSTMForecaster, "gru": GRUForecaster}
MODULES = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}
SEED = 0
SECTIONS = ("fit", "predict", "memory", "many series", "backtest", "cuda")


def long_series(n: int, seed: int = 0) -> np.ndarray:
    """A seeded hourly-like series: a daily cycle, a random-walk level and noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return (np.sin(2 * np.pi * t / 24) + 0.01 * np.cumsum(rng.normal(size=n))
            + 0.1 * rng.normal(size=n))


def panel(n_series: int, length: int = 200, seed: int = 0) -> pd.DataFrame:
    """A long-format panel of monthly series with their own level, scale and seasonality."""
    rng = np.random.default_rng(seed)
    t = np.arange(length)
    level = rng.uniform(10, 1000, (n_series, 1))
    amp = rng.uniform(1, 50, (n_series, 1))
    y = level + amp * (np.sin(2 * np.pi * t / 12) + 0.05 * rng.normal(size=(n_series, length)))
    return pd.DataFrame({
        "unique_id": np.repeat(np.arange(n_series), length),
        "ds": np.tile(pd.date_range("2000-01-01", periods=length, freq="MS"), n_series),
        "y": y.ravel(),
    })


# ---------------------------------------------------------------- the hand-written loop


class HandNet(nn.Module):
    """The network a user would write by hand for the same forecast."""

    def __init__(self, cell: str, hidden: int, horizon: int):
        super().__init__()
        self.rnn = MODULES[cell](2, hidden, batch_first=True)
        self.head = nn.Linear(hidden, horizon)

    def forward(self, past: torch.Tensor, m: int) -> tuple[torch.Tensor, torch.Tensor]:
        # past: (B, w) scaled window -> forecast (B, h) minus the last value, and that value
        level = past[:, -1:]
        x = torch.stack([past - level, torch.diff(past, dim=1, prepend=past[:, :1])], dim=2)
        w, h = past.size(1), self.head.out_features
        base = past[:, w - m + torch.arange(h, device=past.device) % m] - level
        out, _ = self.rnn(x)
        return self.head(out[:, -1]) + base, level


def hand_fit(y: np.ndarray, cell: str, w: int, h: int, m: int, hidden: int, batch: int,
             steps: int, device: str = "cpu") -> tuple[HandNet, list[float]]:
    """The minimal loop: centre and scale, unfold, permute, gather, forward, L1, backward, Adam."""
    seed = draw_seed(SEED)
    series = torch.as_tensor((y - y.mean()) / mase_scale(y, m)[0], dtype=torch.float32,
                             device=device)
    windows = series.unfold(0, w + h, 1)  # (N, w+h), a view: nothing copied
    n = len(windows)
    batch = min(batch, n)
    torch.manual_seed(seed)
    net = HandNet(cell, hidden, h).to(device)
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    generator = torch.Generator(device).manual_seed(seed)
    done, curve = 0, []
    while done < steps:
        order = torch.randperm(n, generator=generator, device=device, dtype=torch.int32)
        total, seen = torch.zeros((), device=device), 0
        for start in range(0, n, batch):
            seg = windows[order[start : start + batch]]
            pred, level = net(seg[:, :w], m)
            loss = nn.functional.l1_loss(pred, seg[:, w:] - level)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += loss.detach() * len(seg)
            seen, done = seen + len(seg), done + 1
            if done >= steps:
                break
        curve.append(float(total / seen))
    return net, curve


def tsrnn_fit(y, cell, w, h, m, hidden, batch, steps, device="cpu", precision="32"):
    return FORECASTERS[cell](
        window_length=w, horizon=h, hidden_size=hidden, batch_size=batch, max_steps=steps,
        max_epochs=10**9, ensemble_size=1, anchor="seasonal", gradient_clip=None,
        random_state=SEED, season_length=m, device=device, precision=precision,
    ).fit(y)


def timed(fn, *args, **kwargs):
    began = time.perf_counter()
    out = fn(*args, **kwargs)
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return time.perf_counter() - began, out


# ---------------------------------------------------------------- sections


def fit_section(cases: dict, cells, repeats: int, device: str = "cpu") -> list[dict]:
    rows = []
    for case, (y, w, h, m, hidden, batch, steps) in cases.items():
        runs = repeats * (3 if len(y) < 10_000 else 1)  # short runs are noisier, and cheap
        # an even count, so each side goes first as often: with an odd one the side that went
        # first once more carried the second run's penalty into the median (3% in, 3% out)
        runs = max(2, runs - runs % 2)
        for cell in cells:
            hand_t, ours_t = [], []
            args = (y, cell, w, h, m, hidden, batch, steps, device)
            tsrnn_fit(y[: w + h + 50], cell, w, h, m, hidden, batch, 2, device)  # warm up
            for i in range(runs):  # interleaved, each side first in turn: drifts hit both
                for side in (("hand", "tsrnn") if i % 2 == 0 else ("tsrnn", "hand")):
                    if side == "hand":
                        t, (_, hand_curve) = timed(hand_fit, *args)
                        hand_t.append(t)
                    else:
                        t, model = timed(tsrnn_fit, *args)
                        ours_t.append(t)
            gap = np.max(np.abs(np.subtract(hand_curve, model.loss_curve_)))
            n_windows = len(y) - w - h + 1
            per_epoch = -(-n_windows // batch)  # steps an epoch, its last batch the remainder
            samples = (steps // per_epoch) * n_windows + min(steps % per_epoch * batch, n_windows)
            hand, ours = np.median(hand_t), np.median(ours_t)
            rows.append({
                "section": "fit", "case": case, "model": cell, "device": device,
                "hand_s": hand, "tsrnn_s": ours, "ratio": ours / hand,
                "ratio_fastest": min(ours_t) / min(hand_t), "runs": runs,
                "tsrnn_samples_per_s": samples / ours, "loss_curve_gap": gap,
            })
            print(f"  fit {case} {cell}: hand {hand:.3f} s, tsrnn {ours:.3f} s, "
                  f"ratio {ours / hand:.3f}, loss curves differ by {gap:.1e}", flush=True)
    return rows


def predict_section(n_panel: int, calls: int) -> list[dict]:
    y = load_airpassengers()
    rows = []
    default = LSTMForecaster().ensemble_size
    for members in (default, 1):
        model = LSTMForecaster(horizon=12, max_steps=5, ensemble_size=members,
                               random_state=SEED, device="cpu").fit(y)
        model.predict()
        times = [timed(model.predict)[0] for _ in range(calls)]
        rows.append({"section": "predict", "case": "air passengers, pandas in/out",
                     "model": f"lstm x{members}", "seconds": np.median(times)})
    values = y.to_numpy()
    net, _ = hand_fit(values, "lstm", 24, 12, 12, 32, 10**6, 5)
    net.eval()
    center, scale = values.mean(), mase_scale(values, 12)[0]

    def hand_predict():
        with torch.inference_mode():
            past = torch.as_tensor((values[-24:][None] - center) / scale, dtype=torch.float32)
            pred, level = net(past, 12)
            return ((pred + level) * scale + center).numpy()[0]

    hand_predict()
    times = [timed(hand_predict)[0] for _ in range(calls)]
    rows.append({"section": "predict", "case": "air passengers, numpy in/out",
                 "model": "hand-written lstm x1", "seconds": np.median(times)})
    frame = panel(n_panel)
    model = LSTMForecaster(horizon=12, max_steps=5, random_state=SEED, device="cpu").fit(frame)
    times = [timed(model.predict)[0] for _ in range(3)]
    rows.append({"section": "predict", "case": f"panel of {n_panel} series x 200, one call",
                 "model": f"lstm x{default}", "seconds": np.median(times)})
    for row in rows:
        print(f"  predict {row['case']} {row['model']}: {row['seconds'] * 1e3:.2f} ms", flush=True)
    return rows


def _peak_mb() -> float:
    return int(re.search(r"VmHWM:\s+(\d+)", Path("/proc/self/status").read_text()).group(1)) / 1024


def memory_child(n: int, steps: int, which: str) -> None:
    """In a fresh process: the peak memory that one fit adds to the process (prints MB)."""
    y = long_series(n)
    tsrnn_fit(long_series(1000), "lstm", 64, 1, 24, 64, 256, 2)  # torch's own one-off memory
    hand_fit(long_series(1000), "lstm", 64, 1, 24, 64, 256, 2)
    Path("/proc/self/clear_refs").write_text("5")  # reset the high-water mark to the current use
    base = _peak_mb()
    (tsrnn_fit if which == "tsrnn" else hand_fit)(y, "lstm", 64, 1, 24, 64, 256, steps)
    print(f"{_peak_mb() - base:.1f}")


def memory_section(n: int, steps: int, threads: int, repeats: int) -> list[dict]:
    """Peak memory a fit adds to a fresh process (median and range over ``repeats`` runs of
    each side, interleaved); with the series, over the series' size."""
    added = {"tsrnn": [], "hand": []}
    for _ in range(repeats):
        for which in added:
            out = subprocess.run(
                [sys.executable, __file__, "--memory-child", str(n), str(steps), which,
                 "--threads", str(threads)], capture_output=True, text=True, check=True)
            added[which].append(float(out.stdout.split()[-1]))
    rows, series_mb = [], n * 8 / 2**20
    for which, values in added.items():
        median = float(np.median(values))
        rows.append({"section": "memory", "case": f"{n:,}-point float64 series, window 64",
                     "model": which, "runs": len(values), "series_mb": series_mb,
                     "fit_added_mb": median, "fit_added_min_mb": min(values),
                     "fit_added_max_mb": max(values),
                     "peak_per_series": (series_mb + median) / series_mb})
        print(f"  memory {which}: series {series_mb:.0f} MB, the fit adds {median:.0f} MB at "
              f"its peak (runs {min(values):.0f}-{max(values):.0f}): "
              f"{(series_mb + median) / series_mb:.2f} x the series", flush=True)
    return rows


def many_series_section(sizes, full_epoch_below: float, batch: int, steps: int) -> list[dict]:
    rows = []
    for n_series in sizes:
        frame = panel(n_series)
        kw = dict(horizon=12, batch_size=batch, ensemble_size=1, random_state=SEED, device="cpu")
        setup, _ = timed(LSTMForecaster(max_steps=1, **kw).fit, frame)  # set-up and one step
        total, model = timed(LSTMForecaster(max_steps=steps + 1, **kw).fit, frame)
        per_step = (total - setup) / steps
        windows = n_series * (200 - model.window_length_ - 12 + 1)
        epoch_steps = -(-windows // batch)
        projected = setup + epoch_steps * per_step
        measured = np.nan
        if projected < full_epoch_below:
            measured, _ = timed(LSTMForecaster(max_steps=None, max_epochs=1, **kw).fit, frame)
        rows.append({"section": "many series", "case": f"{n_series:,} series x 200",
                     "model": "lstm x1", "windows": windows, "setup_and_first_step_s": setup,
                     "step_ms": per_step * 1e3, "epoch_s_projected": projected,
                     "epoch_s_measured": measured})
        print(f"  many series {n_series}: {windows:,} windows, set-up {setup:.2f} s, "
              f"{per_step * 1e3:.1f} ms/step, epoch {projected:.1f} s projected, "
              f"{measured:.1f} s measured", flush=True)
    return rows


def backtest_section(steps: int) -> list[dict]:
    y = load_airpassengers()
    model = LSTMForecaster(horizon=12, max_steps=steps, ensemble_size=1, random_state=SEED,
                           device="cpu")
    rows = []
    total, result = timed(backtest, model, y, n_origins=5)
    inner = result.metrics[["fit_seconds", "predict_seconds"]].to_numpy().sum()
    rows.append({"section": "backtest", "case": "refit at each of 5 origins", "tsrnn_s": total,
                 "reference": "its fits and predictions", "reference_s": inner,
                 "ratio": total / inner})
    after_fit = {}  # seconds spent after the first origin's fit: updates and predictions
    for name, refit in (("batched", False), ("stepped", 1000)):
        metrics = backtest(model, y, n_origins=5, refit=refit).metrics
        after_fit[name] = metrics["predict_seconds"].sum() + metrics["fit_seconds"].iloc[1:].sum()
    rows.append({"section": "backtest", "case": "no refit: 5 origins in one call (after the fit)",
                 "tsrnn_s": after_fit["batched"], "reference": "update origin by origin",
                 "reference_s": after_fit["stepped"],
                 "ratio": after_fit["batched"] / after_fit["stepped"]})
    print(f"  backtest with refits: {total:.2f} s, of which fits+predicts {inner:.2f} s; without "
          f"refits (after the fit): batched {after_fit['batched']:.4f} s vs update loop "
          f"{after_fit['stepped']:.4f} s", flush=True)
    return rows


def table(rows: list[dict], columns: list[str]) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        cells = []
        for c in columns:
            v = row.get(c, "")
            cells.append(f"{v:.3g}" if isinstance(v, float) else str(v))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for CI (~1 minute)")
    parser.add_argument("--out", default=str(Path(__file__).parent / "results"))
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--sections", nargs="+", default=list(SECTIONS), choices=SECTIONS)
    parser.add_argument("--memory-child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    if args.memory_child:
        n, steps, which = args.memory_child
        return memory_child(int(n), int(steps), which)
    quick = args.quick
    repeats = args.repeats or (1 if quick else 5)
    steps = 60 if quick else 500
    air = load_airpassengers().to_numpy()
    cases = {
        "air passengers, full batch": (air, 24, 12, 12, 32, 10**6, steps),
        "100,000 points, batch 256": (long_series(100_000), 64, 1, 24, 64, 256, steps // 5 if quick else steps),
    }
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), "
          f"{'CUDA: ' + torch.cuda.get_device_name() if torch.cuda.is_available() else 'CPU only'}")
    chosen, rows = set(args.sections), []
    if "fit" in chosen:
        rows += fit_section(cases, FORECASTERS, repeats)
    if "predict" in chosen:
        rows += predict_section(1_000 if quick else 10_000, 50 if quick else 200)
    if "memory" in chosen:
        rows += memory_section(2_000_000 if quick else 10_000_000, 20 if quick else 200,
                               args.threads, args.repeats or (1 if quick else 3))
    if "many series" in chosen:
        rows += many_series_section((300, 3_000) if quick else (1_000, 10_000, 100_000),
                                    30 if quick else 120, batch=1024, steps=20 if quick else 200)
    if "backtest" in chosen:
        rows += backtest_section(20 if quick else 200)
    if "cuda" in chosen and torch.cuda.is_available():
        y, *rest = cases["100,000 points, batch 256"]
        tsrnn_fit(y[:5000], "lstm", *rest[:-1], 5, device="cuda")  # CUDA and cuDNN start-up
        times = {p: [] for p in ("32", "bf16", "16-mixed")}
        for _ in range(repeats):
            for precision in times:
                times[precision].append(
                    timed(tsrnn_fit, y, "lstm", *rest, device="cuda", precision=precision)[0])
        rows += [{"section": "cuda", "case": "100,000 points, batch 256", "model": "lstm",
                  "precision": p, "tsrnn_s": np.median(t)} for p, t in times.items()]
        rows += fit_section({"100,000 points, batch 256": cases["100,000 points, batch 256"]},
                            FORECASTERS, repeats, device="cuda")
    elif "cuda" in chosen:
        print("  cuda: skipped (no CUDA GPU on this machine)")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    frame = pd.DataFrame(rows)
    frame.to_csv(out / "speed.csv", index=False)
    sections = {
        "fit": ["case", "model", "device", "runs", "hand_s", "tsrnn_s", "ratio", "ratio_fastest",
                "tsrnn_samples_per_s", "loss_curve_gap"],
        "predict": ["case", "model", "seconds"],
        "memory": ["case", "model", "runs", "series_mb", "fit_added_mb", "fit_added_min_mb",
                   "fit_added_max_mb", "peak_per_series"],
        "many series": ["case", "windows", "setup_and_first_step_s", "step_ms", "epoch_s_projected",
                        "epoch_s_measured"],
        "backtest": ["case", "tsrnn_s", "reference", "reference_s", "ratio"],
        "cuda": ["case", "model", "precision", "tsrnn_s"],
    }
    text = [f"torch {torch.__version__}, {torch.get_num_threads()} thread(s)"
            + ("" if torch.cuda.is_available() else "; CUDA skipped (no GPU)")]
    for name, columns in sections.items():
        part = [r for r in rows if r["section"] == name]
        if part:
            text += ["", f"### {name}", "", table(part, columns)]
    (out / "speed.md").write_text("\n".join(text) + "\n")
    print("\n".join(text))


if __name__ == "__main__":
    main()
