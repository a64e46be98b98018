"""The one training loop, and the torch plumbing every estimator shares.

Optimiser, gradient clipping, time-ordered or random validation (chosen by the caller),
early stopping with best-weights restore, divergence and interrupt handling, device choice,
seeding without touching the global random state, device-safe pickling.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import functools
import math
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import torch
from sklearn.utils import check_random_state
from torch import nn

from ._validation import plain, warn
from .networks import combine
from .persistence import SaveMixin, available, with_added_params


class TrainingDivergedError(FloatingPointError):
    """The training loss became NaN or infinite before any usable weights existed."""


@dataclass(frozen=True)
class TrainConfig:
    """Settings of :func:`train`, validated by the estimator that builds it."""

    learning_rate: float
    max_epochs: int
    batch_size: int
    early_stopping: bool
    n_iter_no_change: int
    gradient_clip: float | None
    verbose: bool
    max_steps: int | None = None
    tol: float = 1e-4
    precision: str = "32"
    average_last: float | None = None
    refit: bool = False
    alternate: bool = False  # members in pairs: no early stopping, then refit (see train_members)


@dataclass
class TrainResult:
    """What :func:`train` learned about the run (the weights are in the module)."""

    loss_curve: list[float] = field(default_factory=list)
    validation_loss_curve: list[float] = field(default_factory=list)
    best_epoch: int = 0
    interrupted: bool = False


def resolve_device(device: str | torch.device) -> torch.device:
    """``"auto"`` means CUDA when available, else CPU; anything else must be usable here."""
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(
            f"device={device!r} is not a device; use 'auto', 'cpu', 'cuda' or 'cuda:N'."
        ) from exc
    if resolved.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(
                f"device={device!r} but CUDA is not available here; use device='cpu' or 'auto'."
            )
        if resolved.index is not None and resolved.index >= torch.cuda.device_count():
            raise ValueError(
                f"device={device!r} but only {torch.cuda.device_count()} CUDA device(s) exist."
            )
        if resolved.index is None:  # the GPU of the moment, by number: inputs made later on
            # another current GPU still meet the network on this one
            resolved = torch.device("cuda", torch.cuda.current_device())
    elif resolved.type != "cpu":
        raise ValueError(f"device={device!r} is not supported; use 'auto', 'cpu' or 'cuda[:N]'.")
    return resolved


PRECISIONS = {"32": None, "bf16": torch.bfloat16, "16-mixed": torch.float16}


def _check_precision_name(precision) -> None:
    if not isinstance(precision, str) or precision not in PRECISIONS:
        raise ValueError(
            f"precision={precision!r} is not valid; choose one of "
            f"{', '.join(map(repr, PRECISIONS))}."
        )


@functools.lru_cache(maxsize=None)
def _cpu_runs_bf16(cell: str) -> bool:
    """Whether this CPU's kernels run ``cell`` under bfloat16 autocast (oneDNN has no
    bfloat16 LSTM on CPUs without AVX-512 BF16 or AMX)."""
    kind = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}[cell]  # (a valid name: checked first)
    with own_rng():  # the probe's weights leave the caller's RNG alone
        net = kind(1, 2, batch_first=True)
    try:
        with torch.autocast("cpu", dtype=torch.bfloat16):
            net(torch.zeros(1, 2, 1))
    except RuntimeError:
        return False
    return True


def _cpu_lacks_bf16(device: torch.device, cell: str | None) -> bool:
    """Whether ``device`` is a CPU that cannot run ``cell`` in bfloat16."""
    return device.type == "cpu" and bool(cell) and not _cpu_runs_bf16(cell)


def check_precision(precision: str, device: torch.device, cell: str | None = None) -> None:
    """Refuse an unknown precision, float16 mixed precision off CUDA (the CPU's LSTM
    kernels have no float16 version), and bfloat16 for a ``cell`` this CPU cannot run in it."""
    _check_precision_name(precision)
    if precision == "16-mixed" and device.type != "cuda":
        bf16 = "" if _cpu_lacks_bf16(device, cell) else "'bf16' (bfloat16 autocast) or "
        raise ValueError(
            f"precision='16-mixed' needs a CUDA device but the device is {device}; use "
            f"precision={bf16}'32'."
        )
    if precision == "bf16" and _cpu_lacks_bf16(device, cell):
        raise ValueError(
            f"precision='bf16' is not available for the {cell.upper()} cell on this CPU: its "
            "kernels have no bfloat16 version here (they need AVX-512 BF16 or AMX); use "
            "precision='32', or a CUDA device."
        )


def autocast(device: torch.device, precision: str, cell: str | None = None):
    """The autocast context of ``precision`` on ``device`` (float32 for "32", for "16-mixed"
    off CUDA, and for "bf16" on a CPU that cannot run ``cell`` in it: a model trained so
    elsewhere and loaded here predicts in float32). ``precision`` is a setting of the moment,
    so predict checks it here too. Float32 switches off a caller's autocast: the arithmetic is
    the estimator's setting."""
    _check_precision_name(precision)
    dtype = PRECISIONS[precision]
    if (dtype is None or (dtype == torch.float16 and device.type != "cuda")
            or (dtype == torch.bfloat16 and _cpu_lacks_bf16(device, cell))):
        return torch.autocast(device.type, enabled=False)
    return torch.autocast(device.type, dtype=dtype)


def draw_seed(random_state) -> int:
    """One integer seed from ``random_state`` (an int, a RandomState or None).

    None draws fresh entropy from the OS instead of numpy's global generator, so fitting never
    changes the caller's global random state.
    """
    if isinstance(random_state, (bool, np.bool_)):  # scikit-learn would read True as seed 1
        raise TypeError(f"random_state must be an int, a RandomState or None, not a bool "
                        f"({random_state!r}).")
    if random_state is None:
        return int(np.random.default_rng().integers(np.iinfo(np.int32).max))
    try:
        generator = check_random_state(random_state)
    except ValueError:  # numpy's "Seed must be between 0 and 2**32 - 1" names no parameter
        raise ValueError(
            f"random_state={plain(random_state)!r} is not valid; pass an int in [0, 2**32), a "
            "numpy RandomState or None (from a numpy Generator rng: int(rng.integers(2**31)))."
        ) from None
    return int(generator.randint(np.iinfo(np.int32).max))


PREDICT_BATCH = 4096  # sequences (or series) per predict batch, at most ...
PREDICT_STEPS = 1 << 18  # ... and at most this many (padded) steps: a network's activations
# in a batch stay near 64 MB whatever the number and length of the sequences


def predict_batches(n: int, steps: int) -> list[slice]:
    """Slices of ``n`` sequences of ``steps`` (padded) steps each, one predict batch each."""
    batch = max(1, min(PREDICT_BATCH, PREDICT_STEPS // max(1, steps)))
    return [slice(start, start + batch) for start in range(0, n, batch)]


def length_batches(lengths: np.ndarray) -> list[np.ndarray]:
    """The sequences of each predict batch, as indices: in order when one batch holds them all
    (padded to the longest); otherwise sorted by length, each batch padded only to its own
    longest (one sequence of 50,000 steps among 5,000 of 50 padded them all to its length:
    49-94 s and 5 GiB to predict 2.3 MiB of data)."""
    n = len(lengths)
    if len(predict_batches(n, int(lengths.max()))) == 1:
        return [np.arange(n)]
    order = np.argsort(lengths, kind="stable")
    batches, start = [], 0
    while start < n:
        ahead = lengths[order[start:start + PREDICT_BATCH]]  # ascending: the last is the longest
        padded = np.arange(1, len(ahead) + 1) * ahead  # steps of the batch ending at each one
        size = max(1, int(np.searchsorted(padded, PREDICT_STEPS, side="right")))
        batches.append(order[start:start + size])
        start += size
    return batches


# torch's global generators are the process's: blocks that use them (weight initialisation,
# dropout) in threads, e.g. fits under joblib's threading backend, take turns, so that each is
# as reproducible as alone and the caller's state comes back
_GLOBAL_RNG = threading.RLock()


@contextmanager
def own_rng(devices: list[int] = ()) -> Iterator[None]:
    """Use torch's global CPU generator (and those of the GPUs ``devices``) inside the block and
    restore the caller's state afterwards, one thread at a time."""
    with _GLOBAL_RNG, torch.random.fork_rng(devices=list(devices)):
        yield


@contextmanager
def seeded(seed: int, device: torch.device) -> Iterator[None]:
    """Seed torch inside the block and restore the caller's global RNG state afterwards."""
    if device.type == "cpu":  # the CPU generator alone: reading a GPU's state initialises CUDA
        with own_rng():
            torch.default_generator.manual_seed(seed)
            yield
        return
    # torch.manual_seed reseeds every GPU, so every GPU's state is saved and restored
    with own_rng(range(torch.cuda.device_count())):
        torch.manual_seed(seed)
        yield


class _Snapshot:
    """A copy of a module's weights, refreshed in place (no allocation after the first)."""

    def __init__(self, module: nn.Module) -> None:
        self.live = list(module.state_dict().values())  # the module's own tensors, detached
        self.state = {k: v.clone() for k, v in module.state_dict().items()}

    def take(self) -> None:
        torch._foreach_copy_(list(self.state.values()), self.live)


def _loss_and_weight(out, idx: torch.Tensor):
    """A ``batch_loss`` result as (mean loss, the batch's total weight): a plain loss weighs
    as many samples as the batch holds."""
    return out if isinstance(out, tuple) else (out, len(idx))


def _mean_loss(batch_loss: Callable, first: int, n: int, batch_size: int, device) -> float:
    total, weight = torch.zeros((), device=device), 0.0
    for start in range(first, first + n, batch_size):
        part = torch.arange(start, min(start + batch_size, first + n), device=device)
        loss, w = _loss_and_weight(batch_loss(part), part)
        total, weight = total + loss * w, weight + w
    return float(total / weight)


def _finite(module: nn.Module) -> bool:
    """Whether every weight and BatchNorm statistic is finite (a step can overflow them while
    the loss still is); one check over all at once (it runs every epoch: a check per tensor
    cost twice as long)."""
    with torch.no_grad():
        values = [t.reshape(-1) for t in module.state_dict().values() if t.is_floating_point()]
        return bool(torch.cat(values).isfinite().all())


def _divergence(train_loss: float, monitored: float, module: nn.Module) -> str | None:
    """What became non-finite after an epoch, in words, or None."""
    if not math.isfinite(train_loss):
        return f"the training loss became {train_loss}"
    if not math.isfinite(monitored):
        return f"the validation loss became {monitored}"
    return None if _finite(module) else "the weights became non-finite"


def with_autograd(fit: Callable) -> Callable:
    """``fit`` run with gradients on and the caller's autocast off, whatever the caller's mode: a
    fit inside ``torch.no_grad()`` or ``torch.inference_mode()`` (a refit in an evaluation loop)
    failed with "element 0 of tensors does not require grad", and one inside ``torch.autocast``
    trained in another arithmetic than ``precision`` (the LSTM failed on this CPU)."""

    @functools.wraps(fit)
    def fit_with_autograd(*args, **kwargs):
        with contextlib.ExitStack() as modes:
            modes.enter_context(torch.inference_mode(False))
            modes.enter_context(torch.enable_grad())
            for kind in ("cpu", "cuda") if torch.cuda.is_available() else ("cpu",):
                modes.enter_context(torch.autocast(kind, enabled=False))
            return fit(*args, **kwargs)

    return fit_with_autograd


def train(
    module: nn.Module,
    batch_loss: Callable[[torch.Tensor], torch.Tensor],
    n_train: int,
    n_val: int,
    config: TrainConfig,
    generator: torch.Generator,
    n_gap: int = 0,
) -> TrainResult:
    """Train ``module`` in place with Adam on mini-batches of sample numbers.

    Parameters
    ----------
    module : nn.Module
        The network; its weights are updated in place.
    batch_loss : callable
        ``batch_loss(idx)`` returns the mean loss (a 0-d tensor) over the samples numbered
        ``idx`` (an integer tensor on the training device). Samples ``0 .. n_train - 1`` are the
        training samples, the ``n_val`` after the next ``n_gap`` the validation ones (the gap
        samples are in neither); the caller maps
        numbers to its data, so no index of the whole data set is ever built. A weighted loss
        returns (its weighted mean, the batch's total weight), so that epoch and validation
        losses are weighted means too.
    n_train, n_val : int
        Training and (used only with ``config.early_stopping``) validation samples.
    config : TrainConfig
    generator : torch.Generator
        Seeded generator on the training device that orders the batches.
    n_gap : int, default=0
        Samples numbered between the training and validation ones, in neither (forecast
        windows whose targets overlap the validation windows').

    Returns
    -------
    TrainResult
        Loss curves, the best epoch, and whether the run was interrupted.

    Notes
    -----
    The monitored loss is the validation loss with early stopping, else the training loss.
    With early stopping the weights of the best validated epoch are restored at the end;
    without it the final weights are kept, or with ``config.average_last`` the average of the
    weights and buffers over that last share of the planned steps (stochastic weight averaging).
    A NaN or infinite loss (or weight) restores the best weights so far with a warning, or
    raises :class:`TrainingDivergedError` when there are none or they give a non-finite loss too.
    ``KeyboardInterrupt`` keeps the best weights so far and returns, with a warning.
    ``config.precision`` "bf16" runs forward passes under bfloat16 autocast, "16-mixed" under
    float16 autocast with a gradient scaler; the weights and the optimiser stay float32.
    The loss is accumulated on the device and read once per epoch (no per-step host sync); an
    epoch's order is one permutation of int32 sample numbers (int64 beyond 2**31 samples).
    """
    optimizer = torch.optim.Adam(module.parameters(), lr=config.learning_rate)
    result = TrainResult()
    n, device = n_train, generator.device
    precision = functools.partial(autocast, device, config.precision)
    scaler = torch.amp.GradScaler(device.type, enabled=config.precision == "16-mixed")
    dtype = torch.int32 if n_train + n_val < 2**31 else torch.int64
    batch_size = min(config.batch_size, n)
    best_loss, best_state, stale = math.inf, None, 0
    snapshot = _Snapshot(module)
    averaged, average_after = _averaging(module, config, n, batch_size)
    module.train()
    started = time.perf_counter()
    epoch = steps = 0
    try:
        for epoch in range(config.max_epochs):
            order = None  # release the last epoch's order before drawing the next
            order = torch.randperm(n, generator=generator, device=device, dtype=dtype)
            total, weight = torch.zeros((), device=device), 0.0
            for start in range(0, n, batch_size):
                idx = order[start : start + batch_size]
                with precision():
                    loss, w = _loss_and_weight(batch_loss(idx), idx)
                optimizer.zero_grad(set_to_none=True)
                scaler.scale(loss).backward()
                if config.gradient_clip:
                    scaler.unscale_(optimizer)
                    nn.utils.clip_grad_norm_(module.parameters(), config.gradient_clip)
                scaler.step(optimizer)
                scaler.update()
                # autocast keeps low-precision copies of the weights until its outermost context
                # exits: under an enclosing one (a caller's, or with_autograd's switched off)
                # bf16 steps read the first step's copies and the loss never moved
                torch.clear_autocast_cache()
                total += loss.detach() * w
                steps, weight = steps + 1, weight + w
                if averaged is not None and steps > average_after:
                    averaged.update_parameters(module)
                if config.max_steps and steps >= config.max_steps:
                    break
            train_loss = float(total / weight)
            monitored = train_loss
            if config.early_stopping:
                module.eval()
                with torch.inference_mode(), precision():
                    monitored = _mean_loss(batch_loss, n + n_gap, n_val, max(batch_size, 1024),
                                           device)
                module.train()
            # both curves at once: an interrupt while the validation loss was measured left the
            # training curve an epoch longer
            result.loss_curve.append(train_loss)
            if config.early_stopping:
                result.validation_loss_curve.append(monitored)
            if config.verbose:
                _progress(epoch, steps, config, train_loss, result, started)
            diverged = _divergence(train_loss, monitored, module)
            if diverged:
                def training_loss() -> float:
                    module.eval()
                    with torch.inference_mode(), precision():
                        return _mean_loss(batch_loss, 0, n, max(batch_size, 1024), device)

                _restore_best(module, best_state, training_loss, diverged, epoch,
                              result.best_epoch, config)
                averaged = None  # the average holds diverging steps
                break
            # The best weights are those of the lowest loss; patience (as in scikit-learn's MLP)
            # only counts an epoch as progress when it improves on the best by more than tol.
            stale = 0 if monitored < best_loss - config.tol else stale + 1
            if monitored < best_loss:
                snapshot.take()
                best_loss, best_state = monitored, snapshot.state
                result.best_epoch = epoch
            if config.early_stopping and stale >= config.n_iter_no_change:
                break
            if config.max_steps and steps >= config.max_steps:
                break
    except KeyboardInterrupt:
        if best_state is None:
            raise
        module.load_state_dict(best_state)
        result.interrupted = True
        warn(
            f"fit interrupted in epoch {epoch + 1}; the estimator keeps the best weights so far "
            f"(epoch {result.best_epoch + 1}) and is usable.",
            RuntimeWarning,
        )
        return result
    finally:
        module.eval()  # whatever ends the fit: a failed one must not leave dropout on
        module.zero_grad(set_to_none=True)  # the last step's gradients: as much as the weights
        if config.verbose:
            print(file=sys.stderr)
    if config.early_stopping and best_state is not None:
        module.load_state_dict(best_state)
    if averaged is not None and averaged.n_averaged > 0:
        module.load_state_dict(averaged.module.state_dict())
    return result


def _restore_best(module: nn.Module, best_state: dict | None, training_loss: Callable[[], float],
                  diverged: str, epoch: int, best_epoch: int, config: TrainConfig) -> None:
    """After a divergence in ``epoch``: restore the best weights so far, with a warning, or
    raise :class:`TrainingDivergedError` when there are none or their loss on the training
    samples (``training_loss()``) is not finite either."""
    clip = ("lower gradient_clip" if config.gradient_clip
            else "set gradient_clip (e.g. gradient_clip=1.0)")
    advice = (f"lower learning_rate or {clip}, and check the input for extreme "
              "values (beyond float32's 3.4e38 with scaling=None).")
    if best_state is None:
        raise TrainingDivergedError(
            f"{diverged} in epoch {epoch + 1} before any usable weights existed; " + advice)
    module.load_state_dict(best_state)
    # an epoch's loss is measured during its steps, the weights kept after them: the kept ones
    # may be the first to overflow
    kept = training_loss()
    if not math.isfinite(kept):
        raise TrainingDivergedError(
            f"{diverged} in epoch {epoch + 1}, and the weights of epoch {best_epoch + 1}, the "
            f"best so far, give a loss of {kept}; " + advice)
    warn(f"training diverged ({diverged}) in epoch {epoch + 1}; restored the weights of epoch "
         f"{best_epoch + 1}. To train further, {advice}", RuntimeWarning)


def _averaging(module: nn.Module, config: TrainConfig, n: int, batch_size: int):
    """The running average of the weights (and BatchNorm statistics) over the last
    ``config.average_last`` of the steps, and the step after which it starts; (None, 0) without,
    or with early stopping, whose best validated weights are kept instead.
    """
    if not config.average_last or config.early_stopping:
        return None, 0
    planned = config.max_epochs * math.ceil(n / batch_size)
    if config.max_steps:
        planned = min(planned, config.max_steps)
    averaged = torch.optim.swa_utils.AveragedModel(module, multi_avg_fn=_average,
                                                   use_buffers=True)
    return averaged, planned - max(1, round(config.average_last * planned))


def _average(averaged: list[torch.Tensor], current: list[torch.Tensor], n: torch.Tensor) -> None:
    """One running-mean step for tensors of one device and dtype; integer buffers (BatchNorm's
    step count) are copied, since torch's own averaging refuses them on CUDA."""
    if averaged[0].is_floating_point():
        torch._foreach_lerp_(averaged, current, 1 / (n + 1))
    else:
        torch._foreach_copy_(averaged, current)


def train_members(
    build: Callable[[int], nn.Module],
    batch_loss: Callable[[nn.Module, torch.Tensor], torch.Tensor],
    n_train: int,
    n_val: int,
    config: TrainConfig,
    seed: int,
    device: torch.device,
    n_members: int = 1,
    reduce: str = "median",
    keep_unreached: bool = False,
    n_gap: int = 0,
) -> tuple[nn.Module, TrainResult]:
    """Build (``build(i)``) and :func:`train` ``n_members`` networks, member ``i`` under seed
    ``seed + i``.

    ``batch_loss(module, idx)`` is the loss of ``module`` on the samples numbered ``idx`` (as in
    :func:`train`). Returns the one
    network, or an :class:`~tsrnn.networks.Ensemble` of them, and the first member's result. An
    interrupted member ends the loop: the ensemble keeps the members trained so far, and with
    ``keep_unreached`` (a warm start, whose ``build`` gives the fitted members) the others as
    ``build`` gives them. ``n_gap`` samples between the training and validation ones
    take part in neither (as in :func:`train`); with ``config.refit`` the second run trains on
    all ``n_train + n_gap + n_val``. With ``config.alternate`` the members alternate in pairs
    (one for each of two anchors) between no early stopping (members 0, 1, 4, 5, ...) and
    ``refit`` (2, 3, 6, 7, ...). A member without early stopping trains on every sample.
    """
    members, results = [], []
    for i in range(n_members):
        own = config
        if config.alternate and i // 2 % 2 == 0:
            own = dataclasses.replace(config, early_stopping=False, refit=False)
        try:
            module, result = _train_member(build, batch_loss, i, n_train, n_val, n_gap, own,
                                           seed, device)
        except KeyboardInterrupt:
            if not members:
                raise
            kept = (f"the {len(members)} member(s) trained so far, and the others as they "
                    "were" if keep_unreached else f"the {len(members)} member(s) trained "
                    "so far")
            warn(f"fit interrupted while training ensemble member {i + 1} of {n_members}; "
                 f"the estimator keeps {kept}.", RuntimeWarning)
            break
        results.append(result)
        members.append(module)
        if results[-1].interrupted:
            break
    if keep_unreached:  # (a warm start interrupted: its members not reached stay as they were)
        with _default_dtype(torch.float32):
            members += [build(i).to(device, torch.float32) for i in range(len(members), n_members)]
    return combine(members, reduce).eval(), results[0]


def _train_member(build: Callable[[int], nn.Module], batch_loss: Callable, i: int,
                  n_train: int, n_val: int, n_gap: int, config: TrainConfig, seed: int,
                  device: torch.device) -> tuple[nn.Module, TrainResult]:
    """Member ``i`` built and trained under seed ``seed + i``. With ``config.refit`` it is then
    built again from the same seed and trained on all ``n_train + n_gap + n_val`` samples for
    as many steps as early stopping found best; the result is the stopping run's. Without
    early stopping, or with ``refit`` and nothing to validate on, it trains on every sample."""
    if not config.early_stopping or (config.refit and not n_val):
        config = dataclasses.replace(config, early_stopping=False, refit=False)
        n_train, n_val, n_gap = n_train + n_gap + n_val, 0, 0
    with contextlib.ExitStack() as rng:
        rng.enter_context(seeded(seed + i, device))
        # float32 whatever torch's default dtype (the inputs are float32: under
        # torch.set_default_dtype(torch.float64) every fit failed on a dtype mismatch),
        # and drawn in float32 too: drawn in float64 and cast, the same seed gave other
        # weights (forecasts moved by 4%)
        with _default_dtype(torch.float32):
            module = build(i).to(device, torch.float32)
        if not _draws_at_random(module):  # training reads no global generator: let
            rng.close()  # fits and loads in other threads use it meanwhile
        generator = torch.Generator(device).manual_seed(seed + i)
        result = train(module, functools.partial(batch_loss, module), n_train, n_val, config,
                       generator, n_gap)
    if not config.refit or result.interrupted:
        return module, result
    steps = (result.best_epoch + 1) * math.ceil(n_train / min(config.batch_size, n_train))
    steps = min(steps, config.max_steps or steps)
    again = dataclasses.replace(config, early_stopping=False, refit=False, max_steps=steps,
                                max_epochs=steps)
    try:
        again_module, refit = _train_member(build, batch_loss, i, n_train, n_val, n_gap, again,
                                            seed, device)
    except KeyboardInterrupt:  # before the second run's first epoch ended
        refit = TrainResult(interrupted=True)
    if refit.interrupted:  # the first run's network is complete, the second's is not
        warn(f"fit interrupted while ensemble member {i + 1} was trained again on every sample "
             "(early_stopping='refit'); it keeps that member's early-stopped network.",
             RuntimeWarning)
        result.interrupted = True
        return module, result
    return again_module, result


@contextlib.contextmanager
def _default_dtype(dtype: torch.dtype) -> Iterator[None]:
    """torch's default dtype set to ``dtype`` inside, the caller's restored after; untouched
    when it is already ``dtype`` (the setting is global: other threads see it meanwhile)."""
    before = torch.get_default_dtype()
    if before == dtype:
        yield
        return
    torch.set_default_dtype(dtype)
    try:
        yield
    finally:
        torch.set_default_dtype(before)


def _draws_at_random(module: nn.Module) -> bool:
    """Whether training ``module`` draws from torch's global generator (dropout masks)."""
    return any((m.p if isinstance(m, nn.modules.dropout._DropoutNd) else
                m.dropout if isinstance(m, nn.RNNBase) else getattr(m, "p_dropout", 0.0)) > 0
               for m in module.modules())


def _progress(epoch: int, steps: int, config: TrainConfig, train_loss: float,
              result: TrainResult, started: float):
    """One line of the ``verbose`` bar: the share of the budget spent, ``max_epochs`` or
    ``max_steps``, whichever ends the fit first."""
    width, max_steps = 20, config.max_steps
    share = max((epoch + 1) / config.max_epochs, steps / max_steps if max_steps else 0.0)
    done = int(width * min(share, 1.0))
    line = f"\r[{'#' * done}{'.' * (width - done)}] epoch {epoch + 1}/{config.max_epochs}"
    if max_steps:
        line += f" step {steps}/{max_steps}"
    line += f" train {train_loss:.4g}"
    if result.validation_loss_curve:
        line += f" valid {result.validation_loss_curve[-1]:.4g}"
    line += f" {time.perf_counter() - started:.1f}s"
    print(line, end="", file=sys.stderr, flush=True)


class TorchEstimatorMixin(SaveMixin):
    """Device-safe pickling and :meth:`save` for estimators holding a fitted ``module_``.

    A pickle always holds the weights on the CPU; unpickling moves them back to the device the
    estimator was fit on when it exists, else keeps them on the CPU (a GPU-trained model loads on a
    machine without one).
    """

    _LAYOUT: tuple[str, ...] = ()  # the parameters that shape the network
    _PREDICT_PARAMS: tuple[str, ...] = ()  # other parameters that predict reads

    def _record_fit_params(self) -> None:
        """Record the ``_PREDICT_PARAMS`` as they are at fit (see ``_fitted``)."""
        self._fit_params = {name: getattr(self, name) for name in self._PREDICT_PARAMS}

    def _fitted(self, name: str):
        """Parameter ``name`` as it was at fit: predict follows the fitted model, not a
        ``set_params`` made since (a refit does). Models saved before fits recorded it fall
        back to the parameter."""
        return getattr(self, "_fit_params", {}).get(name, getattr(self, name))

    def _layout(self) -> dict:
        """The ``_LAYOUT`` parameters now. A fit records them in ``_module_spec``, so a saved
        model is rebuilt as it was trained, whatever ``set_params`` changed since."""
        return {name: plain(getattr(self, name)) for name in self._LAYOUT}

    def _check_layout(self, fitted: dict) -> None:
        """Refuse to train further (``warm_start``) a network built with other parameters."""
        changed = [f"{k}={plain(getattr(self, k))!r} (fitted: {v!r})" for k, v in fitted.items()
                   if getattr(self, k) != v]
        if changed:
            raise ValueError(
                f"warm_start: the fitted network was built with other parameters: "
                f"{', '.join(changed)}; set them back or set warm_start=False to build a new one."
            )

    def _predict_device(self) -> torch.device:
        """Where to predict: the ``device`` parameter as it is now, so that ``set_params(device=
        ...)`` after fit moves the network there; a device this machine lacks (a model fitted on
        another one, loaded or unpickled here on the CPU) leaves it where it is."""
        current = getattr(self, "device_", None) or torch.device("cpu")  # (early pickles: none)
        try:
            device = resolve_device(self.device)
        except ValueError:  # a GPU this machine lacks; anything else (a typo) is refused
            if not str(self.device).startswith("cuda"):
                raise
            device = current
        if device != current:
            self.module_.to(device)
        self.device_ = device
        return device

    def __getstate__(self):
        state = super().__getstate__()
        module = state.get("module_")
        if module is not None and any(p.device.type != "cpu" for p in module.parameters()):
            state = dict(state, module_=copy.deepcopy(module).to("cpu"))
        return state

    def __setstate__(self, state):
        super().__setstate__(with_added_params(type(self), state))  # pickles of older versions
        device = getattr(self, "device_", None)
        if device is not None:
            if not available(device):  # e.g. fit on cuda:1, unpickled where there is no GPU 1
                self.device_ = torch.device("cpu")
            self.module_.to(self.device_)

    def _train_config(self) -> TrainConfig:
        return TrainConfig(
            learning_rate=self.learning_rate,
            max_epochs=self.max_epochs,
            batch_size=self.batch_size,
            early_stopping=bool(self.early_stopping),
            refit=isinstance(self.early_stopping, str),  # "refit" or "both"
            alternate=self.early_stopping == "both",
            n_iter_no_change=self.n_iter_no_change,
            gradient_clip=self.gradient_clip,
            verbose=bool(self.verbose),
            max_steps=getattr(self, "max_steps", None),
            precision=self.precision,
            average_last=getattr(self, "average_last", None),
        )
