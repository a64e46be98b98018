"""Long memory on the adding problem: Elman RNN vs LSTM vs GRU, with and without clipping.

The adding problem (Hochreiter & Schmidhuber 1997; Le et al. 2015): each sequence has T steps and
two channels, uniform random values in [0, 1] and a marker that is 1 at one step in the first half
and one step in the second half. The target is the sum of the two marked values, so the network
must carry information across up to T steps. Always predicting 1.0 scores MSE ≈ 1/6 ≈ 0.167.

For each cell and T the script trains ``RecurrentNetwork(cell, 2, 1, hidden_size=32)`` with the same
budget (Adam, lr 1e-2, batch 64, a fixed number of steps, identical seeds and data streams), with
gradient-norm clipping at 1.0 and without, and reports the test MSE on 1,000 held-out sequences.

It also measures ||dL/dh_t|| at every step t, at initialisation and after training: how much the
loss at the last step can still be changed through the hidden state at step t. Where that gradient
vanishes toward early steps, gradient descent cannot learn to use what the network saw there.
The per-step gradient has to be taken from a step-by-step unroll that feeds each step's output
back in as the next hidden state: the fused kernel's output tensor ``out`` is not an input to
later steps, so ``out.grad`` is zero at every step but the last.

    python benchmarks/long_memory.py [--quick] [--out DIR]
"""

from __future__ import annotations

import argparse
import copy
import csv
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run against this checkout
from tsrnn.networks import RecurrentNetwork  # noqa: E402

CELLS = ("rnn", "lstm", "gru")
HIDDEN, BATCH, LR, N_TEST = 32, 64, 1e-2, 1000


def adding_batch(rng: np.random.Generator, n: int, T: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` adding-problem sequences: x (n, T, 2) float32 and targets y (n, 1)."""
    x = np.zeros((n, T, 2), dtype=np.float32)
    x[:, :, 0] = rng.random((n, T))
    rows = np.arange(n)
    first, second = rng.integers(0, T // 2, n), rng.integers(T // 2, T, n)
    x[rows, first, 1] = x[rows, second, 1] = 1.0
    y = x[rows, first, 0] + x[rows, second, 0]
    return torch.from_numpy(x), torch.from_numpy(y[:, None].copy())


def build(cell: str, seed: int) -> RecurrentNetwork:
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        return RecurrentNetwork(cell, input_size=2, output_size=1, hidden_size=HIDDEN)


def train(module: RecurrentNetwork, T: int, steps: int, clip: bool, seed: int) -> float:
    """Train in place on fresh batches; returns the seconds taken."""
    rng = np.random.default_rng(seed)
    optimizer = torch.optim.Adam(module.parameters(), lr=LR)
    start = time.perf_counter()
    for _ in range(steps):
        x, y = adding_batch(rng, BATCH, T)
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(module(x), y)
        loss.backward()
        if clip:
            torch.nn.utils.clip_grad_norm_(module.parameters(), 1.0)
        optimizer.step()
    return time.perf_counter() - start


def hidden_gradients(module: RecurrentNetwork, x: torch.Tensor, y: torch.Tensor) -> np.ndarray:
    """Mean over sequences of ||dL/dh_t|| for t = 0 … T-1, in float64 (float32 underflows)."""
    net = copy.deepcopy(module).double()
    x, y = x.double(), y.double()
    lstm = isinstance(net.rnn, torch.nn.LSTM)
    state, outputs = None, []
    for t in range(x.size(1)):
        out, state = net.rnn(x[:, t : t + 1], state)  # out: (N, 1, H)
        out.retain_grad()
        outputs.append(out)
        h = out.transpose(0, 1)  # the same h_t, as the (1, N, H) state the next step reads
        state = (h, state[1]) if lstm else h
    prediction = net.head(outputs[-1][:, 0])
    torch.testing.assert_close(prediction, net(x))  # the unroll is the same network
    torch.nn.functional.mse_loss(prediction, y).backward()
    return np.array([o.grad[:, 0].norm(dim=1).mean().item() for o in outputs])


def plot(
    rows: list[dict], grads: dict[tuple[str, str], np.ndarray], T_grad: int, path: Path
) -> None:
    """Left: ||dL/dh_t|| against t on a log axis. Right: test MSE / chance MSE against T."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    colors = dict(zip(CELLS, ("tab:red", "tab:blue", "tab:green")))
    for (cell, stage), g in grads.items():
        style = "--" if stage == "init" else "-"
        left.semilogy(np.arange(T_grad), g, style, color=colors[cell], label=f"{cell}, {stage}")
    left.set(xlabel="step t", ylabel="mean ||dL/dh_t||",
             title=f"Gradient reaching step t (T={T_grad}, clip 1.0)")
    left.legend(fontsize=8)
    for cell in CELLS:
        for clip, style in ((True, "-o"), (False, "--s")):
            sel = [r for r in rows if r["cell"] == cell and r["clip"] == clip]
            right.plot([r["T"] for r in sel], [r["test_mse"] / r["chance_mse"] for r in sel], style,
                       color=colors[cell], label=f"{cell}, clip {'1.0' if clip else 'off'}")
    right.axhline(1.0, color="k", linestyle=":", label="chance (predict 1.0)")
    right.set(xscale="log", xlabel="sequence length T", ylabel="test MSE / chance MSE",
              title="Final test MSE relative to chance (below 1: learned something)")
    Ts = sorted({r["T"] for r in rows})
    right.set_xticks(Ts, [str(T) for T in Ts])
    right.minorticks_off()
    right.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="T in (20, 50), 60 steps")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    Ts, steps, T_grad = ((20, 50), 60, 50) if args.quick else ((50, 100, 200, 400), 600, 200)
    args.out.mkdir(parents=True, exist_ok=True)
    header = (f"torch.set_num_threads(1); hidden 32, Adam lr {LR}, batch {BATCH}, {steps} steps, "
              f"test set {N_TEST} sequences; chance = MSE of always predicting 1.0")
    print(header, flush=True)

    rows, grads = [], {}
    for T in Ts:
        x_test, y_test = adding_batch(np.random.default_rng(10_000 + T), N_TEST, T)
        chance = torch.nn.functional.mse_loss(torch.ones_like(y_test), y_test).item()
        for i, cell in enumerate(CELLS):
            for clip in (True, False):
                module = build(cell, seed=i)  # same initial weights with and without clipping
                if T == T_grad and clip:
                    grads[cell, "init"] = hidden_gradients(module, x_test, y_test)
                seconds = train(module, T, steps, clip, seed=T)  # same batches for every cell
                with torch.no_grad():
                    mse = torch.nn.functional.mse_loss(module(x_test), y_test).item()
                if T == T_grad and clip:
                    grads[cell, "trained"] = hidden_gradients(module, x_test, y_test)
                rows.append(dict(cell=cell, T=T, clip=clip, test_mse=mse, chance_mse=chance,
                                 seconds=seconds))
                print(f"  {cell} T={T} clip={clip}: MSE {mse:.4f} ({seconds:.1f}s)", flush=True)

    lines = [header, "", "| cell | T | clip | test MSE | chance MSE | seconds |",
             "|---|---:|---|---:|---:|---:|"]
    lines += [f"| {r['cell']} | {r['T']} | {'1.0' if r['clip'] else 'off'} | {r['test_mse']:.4f} "
              f"| {r['chance_mse']:.4f} | {r['seconds']:.1f} |" for r in rows]
    lines += ["", f"||dL/dh_0|| / ||dL/dh_T-1|| at T={T_grad} (clip 1.0):", "",
              "| cell | at initialisation | after training |", "|---|---:|---:|"]
    lines += [f"| {cell} | {grads[cell, 'init'][0] / grads[cell, 'init'][-1]:.2e} "
              f"| {grads[cell, 'trained'][0] / grads[cell, 'trained'][-1]:.2e} |" for cell in CELLS]
    table = "\n".join(lines) + "\n"
    print("\n" + table)
    (args.out / "long_memory.md").write_text(table)
    with open(args.out / "long_memory.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    with open(args.out / "long_memory_gradients.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["cell", "stage", "T", "t", "grad_norm"])
        for (cell, stage), g in grads.items():
            writer.writerows([cell, stage, T_grad, t, f"{v:.6e}"] for t, v in enumerate(g))
    plot(rows, grads, T_grad, args.out / "long_memory_gradients.png")
    print(f"wrote long_memory.md, long_memory.csv, long_memory_gradients.csv/.png in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
