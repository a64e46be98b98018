"""The recurrent forecasters: RNN, LSTM and GRU."""

from __future__ import annotations

import math
from numbers import Integral

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted

from .. import _pandas
from .._training import (
    TorchEstimatorMixin,
    autocast,
    check_precision,
    draw_seed,
    predict_batches,
    resolve_device,
    train_members,
    with_autograd,
)
from .._validation import (
    check_choice,
    check_float32,
    check_network_params,
    check_number,
    is_constant,
    safe_scale,
)
from ..evaluation import _naive_error, _ndiffs, _per_series
from ..networks import Anchored, RecurrentNetwork, Seq2SeqNetwork, combine
from .base import BaseForecaster


_SCALINGS = ("local", "standard", None)
_BLOCK_ROWS = 1 << 16
_STRATEGIES = ("direct", "recursive", "seq2seq")
_MIN_WINDOW = 12  # the default window's floor (see ``window_length``)


def _scaled(data: list[np.ndarray], center: np.ndarray, scale: np.ndarray,
            scaling: str | None) -> np.ndarray:
    """``(x - center) / scale`` of every series, stacked into one float32 array; computed in
    float64 a block of rows at a time, so no float64 copy of a long series is made. Values
    beyond float32 are refused (cast, they became inf and the fit "diverged")."""
    out = np.empty((sum(len(x) for x in data), data[0].shape[1]), dtype=np.float32)
    row = 0
    for x, c, s in zip(data, center, scale):
        for start in range(0, len(x), _BLOCK_ROWS):
            part = check_float32(
                (x[start : start + _BLOCK_ROWS] - c) / s, "the data reach", scaling,
                "use scaling='local' or 'standard', or divide the data by a power of ten.")
            out[row + start : row + start + len(part)] = part
        row += len(x)
    return out


def _raise_fraction(windows: int, h: int) -> str:
    """Advice for an early-stopping split of ``windows`` windows that holds out none: the
    smallest validation_fraction that holds out one (rounded down), where that leaves a
    training window before the ``h - 1`` whose targets overlap the validation window's."""
    if windows <= h:  # cannot be split
        return ""
    fraction = math.ceil(1e4 / windows) / 1e4  # 1/3 said 0.333, which holds out none
    fraction += 1e-4 if int(windows * fraction) < 1 else 0.0  # floating-point rounding
    return f"raise validation_fraction to at least {fraction:.4g}, "


def _last_window(x: np.ndarray, w: int) -> np.ndarray:
    """The last ``w`` rows of ``x``; a shorter series is padded in front with its first row."""
    if len(x) >= w:
        return x[-w:]
    return np.vstack([np.repeat(x[:1], w - len(x), axis=0), x])


def _pad_rows(a: np.ndarray, n: int) -> np.ndarray:
    """``a`` (..., m <= n, K) with its last row repeated to ``n`` rows."""
    return np.concatenate([a, np.repeat(a[..., -1:, :], n - a.shape[-2], axis=-2)], axis=-2)


def _flat(values: np.ndarray, axis: int = 0, relative: bool = True) -> np.ndarray:
    """Which columns of ``values`` are constant along ``axis`` (rounding noise allowed; judged
    as targets are, relative to their size, or as inputs are: :func:`is_constant`)."""
    return is_constant(values.std(axis=axis), values.mean(axis=axis), relative)


def _split_segments(seg: torch.Tensor, w: int, d: int, local: bool, level_input: bool = False):
    """Network inputs and targets from scaled segments of ``w`` past and ``h`` future steps.

    Returns inputs (B, w, 2D + K, + D with ``level_input``): the target columns (minus the
    window's last value when ``local``), their first differences, the covariates and, with
    ``level_input``, the target columns themselves (centred by the scaling); future covariates
    (B, h, K) or None; targets (B, h, D) on the inputs' level; and that level (B, 1, D), to add
    back to a forecast.
    """
    y = seg[..., :d]  # (B, w+h, D)
    level = y[:, w - 1 : w] if local else torch.zeros_like(y[:, :1])  # (B, 1, D)
    past = y[:, :w]  # (B, w, D)
    diff = torch.diff(past, dim=1, prepend=past[:, :1])  # (B, w, D), 0 at the first step
    parts = [past - level, diff, seg[:, :w, d:]] + ([past] if level_input else [])
    future = seg[:, w:, d:] if seg.size(2) > d else None  # (B, h, K) covariates or None
    return torch.cat(parts, dim=2), future, y[:, w:] - level, level


class _RecurrentForecaster(TorchEstimatorMixin, BaseForecaster):
    """Recurrent forecaster; subclasses choose the cell (``_cell``).

    Parameters
    ----------
    window_length : int, optional
        Past steps the network reads. Default: ``max(2 * season_length, 2 * horizon, 12)``
        (``horizon`` counts as 1 with ``strategy="recursive"``), reduced so that the longest
        series keeps at least 8 training windows. (The floor of 12 matters for short horizons on
        series without a season: one-step forecasts of yearly series were far worse with the 2
        steps that ``2 * horizon`` alone gives; README, Benchmarks.) Series of a panel shorter
        than ``window_length + horizon`` give no training windows; they are forecast from
        their history padded in front with its first value.
    horizon : int, default=1
        Steps forecast by default. ``predict`` gives any horizon: up to the trained block at
        once, a longer one block by block, feeding each block of forecasts back as input.
    strategy : {"direct", "recursive", "seq2seq"}, default="direct"
        How the network produces the ``horizon`` steps (the notes' architectures):
        "direct": many-to-one, the last hidden state and the future covariates feed a head that
        outputs all ``horizon`` steps at once. "recursive": many-to-one next-step model, applied
        ``horizon`` times on its own forecasts. "seq2seq": encoder–decoder with output feedback,
        the decoder receiving its previous output (the true one in training, teacher forcing;
        its own prediction at inference) and each step's covariates.
    hidden_size : int, default=32
        Units of the recurrent cell's state (per layer).
    num_layers : int, default=1
        Stacked recurrent layers.
    dropout : float, default=0.0
        Dropout between stacked layers and before the head.
    nonlinearity : {"tanh", "relu"}, default="tanh"
        Activation of the Elman cell; the gated cells (LSTM, GRU) accept only "tanh".
    scaling : {"local", "standard", None}, default="local"
        "local": each series is divided by its mean absolute seasonal difference (the MASE
        scale; level-free, so it suits trending series) and each input window is shifted by its
        last value. "standard": each series is z-scored with its training mean and standard
        deviation. None: raw values. Covariates are z-scored unless ``scaling=None``. Every
        scaling is inverted on the forecast.
    anchor : {"both", "seasonal", "last", None}, default="both"
        What the network's output is added to: the window's seasonal naive forecast ("seasonal";
        the naive one when the window, or a panel's series, is shorter than a season), its last
        value ("last"), or nothing (None; but ``scaling="local"`` shifts each window by its last
        value and adds it back, so there None gives the same model as "last"). With an anchor
        the network learns only the correction to a strong baseline (as in ES-RNN, the M4
        winner). "both": the ensemble's members alternate between the seasonal anchor (even
        members) and the last value (odd members), so the median forecast is not tied to one
        baseline; with ``ensemble_size=1`` it is "seasonal". The season comes from the index's
        frequency (or ``season_length``), not from the data: on a series without a season (a
        random walk, a level shift) indexed monthly, half the members anchor 12 months back;
        pass ``anchor="last"`` there. ``anchor_lags_`` shows each member's anchor.
    level_input : {False, True, "auto"}, default=False
        Also give the network each series' level, centred on its training mean and divided by
        the MASE scale, so that it can learn mean reversion (the "local" scaling otherwise shows
        it only changes). "auto": when a KPSS test at 5% does not reject level stationarity for
        more than half of the series (auto-ARIMA's test for d = 0; series under 20 points count
        as not stationary; a panel of more than 500 series votes by every ``ceil(n / 500)``-th).
        Only with ``scaling="local"``; the other scalings show the level already. Not the
        default: on the bundled series where "auto" selects it (El Niño, lynx, sunspots), over
        14 sets of three origins before the benchmark's, it was better on El Niño and lynx,
        worse on sunspots, and no better overall (mean MASE 1.287 vs 1.272 without).
    season_length : int, optional
        Seasonal period; inferred from the index frequency (12 for monthly, 4 quarterly, 7 daily,
        24 hourly, 48 half-hourly: a day for steps from 5 minutes to 12 hours that divide it; 1
        when there is none). Used for the default window and for MASE.
    loss : {"mae", "mse"}, default="mae"
        Training loss on the scaled targets. With the default scaling, MAE on them is MASE.
    learning_rate : float, default=1e-3
        Adam's step size.
    max_epochs : int, default=300
        Passes over the training windows, at most.
    max_steps : int or None, default=2000
        Stop after this many gradient steps even before ``max_epochs`` (long series and panels
        have many windows per epoch); None: no limit.
    batch_size : int, default=32
        Windows per gradient step.
    early_stopping : {"both", False, True, "refit"}, default="both"
        True: hold out the last ``validation_fraction`` of each series' windows (in time order),
        and keep the windows before them whose targets overlap theirs (``horizon - 1``; none
        with ``strategy="recursive"``) out of training too; stop when the validation loss has
        not improved by more than 1e-4 for ``n_iter_no_change`` epochs, and restore the weights
        of the epoch with the lowest one: the latest windows are never trained on. "refit": that
        run only chooses the number of steps (up to its best epoch); each network is then
        trained again from its seed on every window, the latest included, for that many steps.
        Where no window can be held out (or none is left to train on), "refit" trains as False
        does. ``best_epoch_`` and the loss curves are the stopping run's. "both": the ensemble's
        members alternate in pairs (one for each anchor of ``anchor="both"``) between False
        (members 0, 1, 4, 5, ...) and "refit" (2, 3, 6, 7, ...), a hedge between training too
        long on a noisy series and stopping too soon on a smooth one. With fewer than 3 members
        no member stops early; ``best_epoch_`` and the loss curves are then the first member's
        (trained without). "both" is the default: chosen on 19 series kept out of every earlier
        choice and checked on the bundled datasets (README, Benchmarks).
    validation_fraction : float, default=0.1
        With ``early_stopping``: the share of each series' windows held out, the latest ones.
    n_iter_no_change : int, default=10
        With ``early_stopping``: epochs without an improvement of more than 1e-4 before it stops.
    gradient_clip : float or None, default=1.0
        Clip the gradient norm (against exploding gradients); None disables.
    random_state : int, RandomState or None, default=None
        Seeds weight initialisation, dropout and batch order (None: fresh entropy each fit).
        The global random state of numpy and torch is left untouched.
    ensemble_size : int, default=4
        Networks trained on the same windows from different seeds (member ``i`` under the seed
        drawn from ``random_state`` plus ``i``); the forecast is their element-wise median (of
        an even number: the mean of the middle two). Single networks swing widely from seed to
        seed on short series; the median of a few depends less on one seed. Even, so that
        ``anchor="both"`` gives each anchor as many members: with 5 (3 seasonal, 2 last-value)
        the median leaned to the seasonal ones, and 4 was more accurate on the bundled datasets
        at origins before the benchmark's (README, Benchmarks). Fit time grows in proportion;
        1 trains one network.
    device : str, default="auto"
        "auto" (CUDA when available, else CPU), "cpu", "cuda" or "cuda:N".
    precision : {"32", "bf16", "16-mixed"}, default="32"
        Arithmetic of the forward passes in fit and predict: float32; bfloat16 autocast (CPU
        with bfloat16 support, or CUDA); float16 autocast with gradient scaling (CUDA only).
        The weights stay float32. Lower precision is faster on GPUs with tensor cores and costs
        some accuracy.
    verbose : bool, default=False
        Show a progress bar with each epoch's training (and validation) loss.

    Attributes
    ----------
    module_ : torch.nn.Module
        The trained network; with ``ensemble_size > 1`` a :class:`tsrnn.networks.Ensemble`
        whose ``members`` are the networks.
    loss_curve_, validation_loss_curve_ : list of float
        Mean loss per epoch on the training (and validation) windows (of the first member).
    best_epoch_ : int
        The epoch (from 0) with the lowest monitored loss (of the first member).
    level_input_ : bool
        Whether the network reads the centred level (``level_input``).
    anchor_lags_ : list of int
        Each member's anchor (see ``anchor``): the season length (seasonal naive), 1 (last
        value) or 0 (none).
    window_length_, season_length_ : int
    n_targets_, n_covariates_ : int
        Columns of ``y`` and of ``X``.
    cutoff_ : object
        The last time stamp of the training series.
    mase_scale_ : ndarray
        The MASE denominator of each target column, used by ``score``: the in-sample seasonal
        naive error at the season of the series' frequency (not ``season_length``; 1 without a
        frequency). After a long-format panel fit, one row per series.

    Notes
    -----
    Torch uses as many threads as ``torch.get_num_threads()``; tsrnn never changes it. On small
    machines under load, ``torch.set_num_threads(1)`` can be much faster.
    """

    _cell: str
    _LAYOUT = ("hidden_size", "num_layers", "dropout", "nonlinearity", "strategy")
    _PREDICT_PARAMS = ("scaling",)
    _copies_input = False  # the series is only read: scaled into float32, last window copied

    def __init__(
        self,
        window_length: int | None = None,
        horizon: int = 1,
        *,
        strategy: str = "direct",
        hidden_size: int = 32,
        num_layers: int = 1,
        dropout: float = 0.0,
        nonlinearity: str = "tanh",
        scaling: str | None = "local",
        anchor: str | None = "both",
        level_input: bool | str = False,
        season_length: int | None = None,
        loss: str = "mae",
        learning_rate: float = 1e-3,
        max_epochs: int = 300,
        max_steps: int | None = 2000,
        batch_size: int = 32,
        early_stopping: bool | str = "both",
        validation_fraction: float = 0.1,
        n_iter_no_change: int = 10,
        gradient_clip: float | None = 1.0,
        random_state=None,
        ensemble_size: int = 4,
        device: str = "auto",
        precision: str = "32",
        verbose: bool = False,
    ):
        self.window_length = window_length
        self.horizon = horizon
        self.strategy = strategy
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.dropout = dropout
        self.nonlinearity = nonlinearity
        self.scaling = scaling
        self.anchor = anchor
        self.level_input = level_input
        self.season_length = season_length
        self.loss = loss
        self.learning_rate = learning_rate
        self.max_epochs = max_epochs
        self.max_steps = max_steps
        self.batch_size = batch_size
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.gradient_clip = gradient_clip
        self.random_state = random_state
        self.ensemble_size = ensemble_size
        self.device = device
        self.precision = precision
        self.verbose = verbose

    def _check_params(self) -> None:
        super()._check_params()
        check_number(self.ensemble_size, "ensemble_size", Integral, min_val=1)
        check_network_params(self, self._cell)
        check_choice(self.scaling, "scaling", _SCALINGS)
        check_choice(self.strategy, "strategy", _STRATEGIES)
        check_choice(self.anchor, "anchor", ("both", "seasonal", "last", None))
        check_choice(self.level_input, "level_input", (False, True, "auto"))
        # 1 and np.True_ (a numpy grid's) pass the choice as True, so they are True here too
        if self.level_input != "auto" and self.level_input and self.scaling != "local":
            raise ValueError(f"level_input=True needs scaling='local' (scaling={self.scaling!r} "
                             "shows the level already); set one or the other.")
        check_choice(self.loss, "loss", ("mse", "mae"))
        if self.window_length is not None:
            check_number(self.window_length, "window_length", Integral, min_val=1)
        if self.max_steps is not None:
            check_number(self.max_steps, "max_steps", Integral, min_val=1)

    def _resolve_window(self, n: int, m: int, h: int, panel: bool = False) -> int:
        if self.window_length is not None:
            w = self.window_length
        else:
            w = max(1, min(max(2 * m, 2 * h, _MIN_WINDOW), n - h - 7))
        if n < w + h:
            series = "the longest series of y has" if panel else "y has"
            emits = (f"the {h} step(s) the network emits (strategy='recursive': one)"
                     if self.strategy == "recursive" else f"horizon={h}")
            lower = ("a lower horizon" if self.window_length is None  # the window is at its least
                     else "lower window_length or horizon")
            raise ValueError(
                f"{series} {n} observations but window_length={w} and {emits} need at least "
                f"{w + h}; pass a longer series or {lower}."
            )
        return w

    def _scaling_stats(self, data: np.ndarray, d: int, m: int) -> np.ndarray:
        """Centre and scale of each column of ``data`` (..., T, C), along T, as an array
        (..., 2, C)."""
        shape = data.shape[:-2] + data.shape[-1:]
        center, scale = np.zeros(shape), np.ones(shape)
        if self.scaling == "standard":
            center, scale = data.mean(axis=-2), data.std(axis=-2)
        elif self.scaling == "local":
            # centred too (in float64, before the float32 cast): windows are shifted by their
            # last value anyway, and a series far from 0 (1e7 + a small signal) keeps its signal
            center = data.mean(axis=-2)
            # a season that repeats exactly has no naive error: the spread instead (it divided
            # by rounding noise, 7e-14; a constant's spread of 0 becomes 1 in safe_scale)
            naive = _naive_error(data[..., :d], m)
            scale[..., :d] = np.where(naive > 0, naive, data[..., :d].std(axis=-2))
            scale[..., d:] = data[..., d:].std(axis=-2)  # covariates z-scored; targets not copied
        # targets judged relative to their size (forecasts are multiplied back), inputs not
        return np.stack([center, np.concatenate(
            [safe_scale(scale[..., :d], center[..., :d], relative=True),
             safe_scale(scale[..., d:], center[..., d:])], axis=-1)], axis=-2)

    @property
    def anchor_lags_(self) -> list[int]:
        """Each member's anchor lag: the season length, 1 (last value) or 0 (none)."""
        check_is_fitted(self)
        return list(self._module_spec["lags"])

    @property
    def level_input_(self) -> bool:
        """Whether the fitted network reads the centred level (``level_input``)."""
        return self._module_spec.get("level_input", False)

    def _choose_level_input(self, series: list[np.ndarray]) -> bool:
        """Whether the network also reads the centred level (see ``level_input``)."""
        if self.scaling != "local":
            return False  # the other scalings show the level already
        if self.level_input != "auto":
            return bool(self.level_input)
        columns = [c for v in series for c in v.T]  # every target column of every series
        columns = columns[:: -(-len(columns) // 500)]  # a large panel votes by 500 of them
        return bool(np.mean([len(c) >= 20 and _ndiffs(c, max_d=1) == 0 for c in columns]) > 0.5)

    def _anchor_lags(self, m: int, w: int) -> list[int]:
        """Each member's anchor lag (see ``anchor``): m for the seasonal anchor, 1 for the last
        value, 0 for none."""
        seasonal = m if w >= m else 1
        lags = {None: [0], "last": [1], "seasonal": [seasonal], "both": [seasonal, 1]}[self.anchor]
        return [lags[i % len(lags)] for i in range(self.ensemble_size)]

    def _fit_values(self, values: np.ndarray, cov: np.ndarray | None, m: int) -> None:
        self._fit_arrays([values], None if cov is None else [cov], m)

    def _fit_panel(self, series: list[np.ndarray], covariates: list[np.ndarray] | None,
                   m: int) -> None:
        # one global model, trained on the series in the order of their ids, so that a panel's
        # rows in another order give the same model (its attributes keep first appearance)
        ids = np.asarray(self._panel[0])
        try:
            order = np.argsort(ids, kind="stable")
        except TypeError:  # ids of mixed types
            order = np.argsort(ids.astype(str), kind="stable")
        self._fit_arrays(series, covariates, m, order)

    @with_autograd
    def _fit_arrays(self, series: list[np.ndarray], covs: list[np.ndarray] | None, m: int,
                    order: np.ndarray | None = None):
        """Train one (global) model on all windows of all series, each scaled on its own, the
        series taken in ``order`` (default: as given).

        The scaled series are held once, as one float32 tensor on the device; a batch gathers
        its windows by start position, so windows are never materialised.
        """
        order = np.arange(len(series)) if order is None else order
        d = series[0].shape[1]
        lengths = np.array([len(v) for v in series])
        h = 1 if self.strategy == "recursive" else self.horizon  # steps the network emits
        w = self._resolve_window(int(lengths.max()), m, h, len(series) > 1)  # (an int, not numpy's)
        data = series if covs is None else [np.hstack(vc) for vc in zip(series, covs)]
        level_input = self._choose_level_input([series[i] for i in order])
        stats = _per_series(lambda x: self._scaling_stats(x, d, m), data)
        center, scale = stats[:, 0], stats[:, 1]  # (S, C) each
        device = resolve_device(self.device)
        check_precision(self.precision, device, self._cell)
        seed = draw_seed(self.random_state)
        series_t = torch.from_numpy(_scaled([data[i] for i in order], center[order],
                                            scale[order], self.scaling)).to(device)  # (ΣT_i, C)
        n_train, n_val, n_gap, window_start = self._sample_starts(lengths[order], w, h, device)
        span = torch.arange(w + h, device=device)
        local = self.scaling == "local"
        lags = self._anchor_lags(m, w)
        k = data[0].shape[1] - d
        criterion = torch.nn.functional.mse_loss if self.loss == "mse" else torch.nn.functional.l1_loss

        def batch_loss(module: torch.nn.Module, idx: torch.Tensor) -> torch.Tensor:
            seg = series_t[window_start(idx)[:, None] + span]  # (B, w+h, C)
            x, future, target, _ = _split_segments(seg, w, d, local, level_input)
            teacher = target if module.training else None  # seq2seq: teacher forcing
            return criterion(module(x, future, teacher=teacher), target)

        layout = self._layout()

        def build(member: int) -> torch.nn.Module:
            return self._build_module(d, k, h, lags[member], level_input, layout)

        module, result = train_members(build, batch_loss, n_train, n_val, self._train_config(),
                                       seed, device, self.ensemble_size, n_gap=n_gap)
        n_members = len(getattr(module, "members", [module]))  # fewer if interrupted
        self._module_spec = dict(d=d, k=k, h=h, lags=lags[:n_members], level_input=level_input,
                                 layout=layout)
        self.module_ = module
        self.device_ = device
        self.loss_curve_ = result.loss_curve
        self.validation_loss_curve_ = result.validation_loss_curve
        self.best_epoch_ = result.best_epoch
        self.window_length_ = w
        self._block = h
        self._center, self._scale = center, scale
        # target columns constant over their whole training series (a product without sales):
        # forecast as that constant while their window stays flat, not as the network's
        # residual output in the series' own units (1); unless a covariate of theirs was
        # constant too, whose effect is unknown (a product launched later: on = 0 throughout)
        self._constant = _per_series(lambda x: _flat(x[..., :d], axis=-2) & ~_flat(
            x[..., d:], axis=-2, relative=False).any(axis=-1, keepdims=True), data)  # (S, D)
        self._history = np.stack([_last_window(x, w) for x in data])  # (S, w, C), unscaled
        self._observed = np.minimum(lengths, w)  # real rows in each history (short: padded)
        self._record_fit_params()

    def _sample_starts(self, lengths: np.ndarray, w: int, h: int, device: torch.device):
        """Training, validation and gap sample counts, and the map from sample numbers to window
        starts in the concatenated series.

        Samples ``0 .. n_train - 1`` are the training windows of each series in turn; then (with
        early stopping) the gap: the ``h - 1`` windows before each series' validation windows,
        whose targets overlap theirs, in neither part (``early_stopping="refit"`` trains on them
        after), so that no validation target is trained on while it validates; then the
        validation windows, the last ``validation_fraction`` of each series' windows in time
        order. So one series' samples are numbered in time order. Only a few numbers per series
        are stored, never one per window.
        """
        counts = np.maximum(0, lengths - w - h + 1)  # windows per series
        n_val = ((counts * self.validation_fraction).astype(np.int64) if self.early_stopping
                 else np.zeros_like(counts))
        gap = np.where(n_val > 0, np.minimum(h - 1, counts - n_val), 0)
        n_train = counts - n_val - gap
        # "refit" without validation windows trains on all of them, as without early stopping
        strict = self.early_stopping and not isinstance(self.early_stopping, str)
        if strict and n_val.sum() == 0 and len(counts) > 1:
            raise ValueError(
                f"early_stopping holds out the last validation_fraction of each series' windows, "
                f"rounded down: with at most {counts.max()} window(s) per series, "
                f"validation_fraction={self.validation_fraction} leaves none; "
                f"{_raise_fraction(counts.max(), h)}pass longer series, or set "
                "early_stopping=False."
            )
        if strict and not 1 <= n_val.sum() < counts.sum():
            raise ValueError(
                f"early_stopping needs validation windows but {counts.sum()} window(s) x "
                f"validation_fraction={self.validation_fraction} leaves {n_val.sum()}; "
                f"{_raise_fraction(counts.sum(), h)}pass a longer series, or set "
                "early_stopping=False."
            )
        if strict and not n_train.sum():
            raise ValueError(
                f"early_stopping holds out {n_val.sum()} validation window(s) and the "
                f"{gap.sum()} before them, whose targets overlap theirs (up to horizon - 1 per "
                f"series), which leaves no training window of {counts.sum()}; pass a longer "
                "series, " + ("lower validation_fraction, " if counts.max() > h else "")
                + "or set early_stopping='refit' (which then trains on every window) or False."
            )
        if not n_train.sum():  # "refit" on series too short to hold out and train on
            n_val, gap, n_train = np.zeros_like(counts), np.zeros_like(counts), counts
        offsets = np.cumsum(lengths) - lengths  # first row of each series
        # training, gap and validation blocks of every series, in that order
        first = np.concatenate([offsets, offsets + n_train, offsets + n_train + gap])
        count = np.concatenate([n_train, gap, n_val])
        first, count = first[count > 0], count[count > 0]
        shift = first - np.cumsum(count) + count  # start = sample number + its block's shift
        if len(count) == 1:  # one series, no validation: a constant shift
            def window_start(idx: torch.Tensor) -> torch.Tensor:
                return idx + int(shift[0]) if shift[0] else idx
        else:
            ends = torch.as_tensor(np.cumsum(count), device=device)
            shift_t = torch.as_tensor(shift, device=device)

            def window_start(idx: torch.Tensor) -> torch.Tensor:
                return shift_t[torch.searchsorted(ends, idx, right=True)] + idx

        return int(n_train.sum()), int(n_val.sum()), int(gap.sum()), window_start

    def _update_values(self, values: np.ndarray, cov: np.ndarray | None) -> None:
        self._update_series([values], None if cov is None else [cov])

    def _update_series(self, values: list[np.ndarray], covariates: list | None) -> None:
        history = self._history.copy()  # (S, w, C): each series' last window, unscaled
        for i, new in enumerate(values):
            data = new if covariates is None else np.hstack([new, covariates[i]])
            history[i] = np.vstack([history[i], data])[-self.window_length_ :]
        self._history = history
        if getattr(self, "_observed", None) is not None:
            added = np.array([len(new) for new in values])
            self._observed = np.minimum(self._observed + added, self.window_length_)

    def _build_module(self, d: int, k: int, h: int, lag: int, level_input: bool,
                      layout: dict) -> torch.nn.Module:
        net = dict(layout)
        size = (3 if level_input else 2) * d + k
        if net.pop("strategy") == "seq2seq":
            core = Seq2SeqNetwork(self._cell, d, k, input_size=size, **net)
        else:
            core = RecurrentNetwork(self._cell, size, h * d, context_size=h * k, **net)
        return Anchored(core, h, d, lag)

    def _make_module(self, d: int, k: int, h: int, lags: list[int], level_input: bool = False,
                     layout: dict | None = None) -> torch.nn.Module:
        """The untrained network(s) of a fitted forecaster's ``_module_spec`` (for loading;
        files written before the spec held the layout are built from the parameters)."""
        layout = self._layout() if layout is None else layout
        return combine([self._build_module(d, k, h, lag, level_input, layout) for lag in lags])

    def _predict_values(self, h: int, future_cov: np.ndarray | None) -> np.ndarray:
        return self._predict_arrays(h, None if future_cov is None else future_cov[None])[0]

    def _forecast_origins(self, y, X, origins: list[int], h: int) -> np.ndarray:
        values, fmt = _pandas.read_series(y)
        # X may run past y: a direct model reads a whole trained block of future covariates
        more = 0 if X is None else len(X) - len(values)
        index = _pandas.extend_index(fmt.index, more) if more else fmt.index
        cov = None if X is None else _pandas.read_covariates(X, len(X), _pandas.stamps(fmt, index))
        data = values if cov is None else np.hstack([values, cov[: len(values)]])
        w, need = self.window_length_, self._covariate_rows(h)
        windows = np.stack([_last_window(data[:o], w) for o in origins])  # (O, w, C)
        observed = np.minimum(origins, w)
        future = None if cov is None else np.stack(
            [_pad_rows(cov[o : o + need], need) for o in origins])
        return self._predict_arrays(h, future, windows, observed)

    def _predict_panel(self, h: int, future_cov: np.ndarray | None) -> np.ndarray:
        return self._predict_arrays(h, future_cov)

    def _covariate_rows(self, h: int) -> int:
        """The future covariate rows that forecasting ``h`` steps reads: whole blocks."""
        return -(-h // self._block) * self._block

    def _covariates_read(self, h: int) -> int:
        # a direct head reads its whole block at once; seq2seq's decoder only the steps before
        return self._covariate_rows(h) if self.strategy == "direct" else h

    def _predict_arrays(self, h: int, future_cov: np.ndarray | None,
                        window: np.ndarray | None = None,
                        observed: np.ndarray | None = None) -> np.ndarray:
        """Forecasts (S, h, D) for every series at once; ``future_cov`` is (S, n >= h, K).

        ``window`` (N, w, C) forecasts from other windows of a single fitted series instead of
        its last one (one per origin of a backtest), ``observed`` (N,) their real rows; (N, h,
        D) then.
        """
        w, block, d = self.window_length_, self._block, self.n_targets_
        self._predict_device()  # (device_ then reads it)
        if future_cov is not None:  # the last row repeated if too few
            need = self._covariate_rows(h)
            future_cov = _pad_rows(future_cov[:, :need], need)
        if window is None:  # models saved before the count was kept: every row real
            window, observed = self._history, getattr(self, "_observed", None)
        out = []
        center, scale = self._center[:, None], self._scale[:, None]  # (S, 1, C)
        for start in range(0, h, block):
            future = np.zeros((len(window), block, window.shape[2]))  # (S, H, C)
            if future_cov is not None:
                future[:, :, d:] = future_cov[:, start : start + block]
            seg = (np.concatenate([window, future], axis=1) - center) / scale  # (S, w+H, C)
            seg = torch.as_tensor(seg, dtype=torch.float32, device=self.device_)
            pred = np.concatenate([self._predict_batch(seg[rows], None if observed is None
                                                       else observed[rows])
                                   for rows in predict_batches(len(seg), seg.shape[1])])
            pred = pred * scale[..., :d] + center[..., :d]
            # still flat since a constant training series: that constant (none in older models)
            flat = getattr(self, "_constant", False) & _flat(window[..., :d], axis=1)  # (S, D)
            pred = np.where(flat[:, None], window[:, -1:, :d], pred)
            out.append(pred)
            future[:, :, :d] = pred
            window = np.concatenate([window, future], axis=1)[:, -w:]
            observed = None if observed is None else np.minimum(observed + block, w)
        return np.concatenate(out, axis=1)[:, :h]

    def _predict_batch(self, seg: torch.Tensor, observed: np.ndarray | None) -> np.ndarray:
        """The network's scaled forecasts (B, H, D) of scaled segments ``seg`` (B, w+H, C)."""
        w, d = self.window_length_, self.n_targets_
        with torch.inference_mode(), autocast(self.device_, self.precision, self._cell):
            x, future, _, level = _split_segments(
                seg, w, d, self._fitted("scaling") == "local", self.level_input_)
            real = None if observed is None else torch.as_tensor(observed, device=self.device_)
            return (self.module_(x, future, observed=real) + level).double().cpu().numpy()


def _cell_doc(cell: str) -> str:
    """The recurrent forecasters' shared docstring, for one cell."""
    return (_RecurrentForecaster.__doc__ or "").replace(
        "; subclasses choose the cell (``_cell``).", f" with {cell}.")


class RNNForecaster(_RecurrentForecaster):
    __doc__ = _cell_doc('an Elman RNN cell (``nonlinearity`` "tanh" or "relu")') + """
    See :class:`LSTMForecaster` for an example.
    """

    _cell = "rnn"


class LSTMForecaster(_RecurrentForecaster):
    __doc__ = _cell_doc("an LSTM cell") + """
    Examples
    --------
    >>> from tsrnn import LSTMForecaster
    >>> from tsrnn.datasets import load_airpassengers
    >>> y = load_airpassengers()
    >>> forecaster = LSTMForecaster(window_length=24, horizon=12, max_epochs=5, random_state=0)
    >>> forecast = forecaster.fit(y).predict()
    >>> forecast.index[0], forecast.name
    (Timestamp('1961-01-01 00:00:00'), 'passengers')
    """
    _cell = "lstm"


class GRUForecaster(_RecurrentForecaster):
    __doc__ = _cell_doc("a GRU cell") + """
    See :class:`LSTMForecaster` for an example.
    """

    _cell = "gru"
