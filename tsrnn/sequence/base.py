"""The recurrent sequence estimator that the classifier and the regressor share."""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.model_selection import train_test_split
from sklearn.utils.validation import check_is_fitted

from .._training import (
    PREDICT_STEPS,
    TorchEstimatorMixin,
    autocast,
    check_precision,
    draw_seed,
    length_batches,
    resolve_device,
    train_members,
    with_autograd,
)
from .._validation import (
    check_choice,
    check_float32,
    check_network_params,
    check_number,
    plain,
    safe_scale,
    unchanged_on_error,
    warn,
)
from ..networks import SequenceNetwork, combine, front_strides
from .inputs import (
    _sample_weight,
    check_feature_names,
    check_step_columns,
    holds_sequences,
    per_step_targets,
    read_sequences,
    sequence_columns,
    standardise_each,
    step_columns,
)

_BLOCK_VALUES = PREDICT_STEPS  # _inputs prepares its float64 views in blocks of this many values
_POOLINGS = ("last", "mean", "max")
_SCALINGS = ("both", "series", "global", None)


def _split_pooling(pooling: str | None) -> tuple[str, ...]:
    return tuple(str(pooling).split("+")) if pooling else ()


def _blocks(seqs: np.ndarray) -> list[slice]:
    """Slices of the sequences (N, T, D) of about ``_BLOCK_VALUES`` values each, so that float64
    work on them a block at a time keeps its temporaries small."""
    block = max(1, _BLOCK_VALUES // max(1, seqs.shape[1] * seqs.shape[2]))
    return [slice(i, i + block) for i in range(0, len(seqs), block)]


def _weighted_moments(seqs: np.ndarray, step_w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and (safe) standard deviation of each channel of ``seqs`` (N, T, D) over the steps,
    weighted by ``step_w`` (N, T) (0 on padding); summed a block of sequences at a time."""
    total = step_w.sum()
    parts = _blocks(seqs)
    mean = sum((step_w[p, :, None] * seqs[p]).sum(axis=(0, 1)) for p in parts) / total
    var = sum((step_w[p, :, None] * (seqs[p] - mean) ** 2).sum(axis=(0, 1)) for p in parts)
    return mean, safe_scale(np.sqrt(var / total), mean)


class _SequenceEstimator(TorchEstimatorMixin, BaseEstimator):
    """Recurrent network on sequences; subclasses define the target and the loss.

    Parameters
    ----------
    cell : {"lstm", "gru", "rnn"}, default="lstm"
        Recurrent cell ("rnn" is the Elman network).
    output : {"last", "sequence"}, default="last"
        "last": one target per sequence (many-to-one, read from the pooled hidden states).
        "sequence": one target per step (many-to-many synchronised, sequence labelling): ``y``
        has shape (N, T) (or is a list of (T_i,) arrays) and ``predict`` returns the same form.
    hidden_size : int, default=64
        Hidden units per layer and direction.
    num_layers : int, default=1
        Stacked recurrent layers.
    dropout : float, default=0.0
        Dropout between stacked layers and before the output layer.
    nonlinearity : {"tanh", "relu"}, default="tanh"
        Activation of the Elman cell; gated cells accept only "tanh".
    bidirectional : bool, default=True
        Also read each sequence backwards (within its own length). With
        ``output="sequence"`` a step's output then depends on later steps: for a causal model
        (e.g. next-step prediction) set False and ``scaling="global"`` (the "series" view is
        standardised with the whole sequence's mean and spread).
    pooling : str, default="last+mean+max"
        What the head reads, ``output="last"`` only: "+"-joined summaries of the hidden states,
        "last" (forward state at the last real step, and the backward state after the whole
        sequence), "mean" and "max" (over the real steps).
    conv_steps : int or None, default=64
        ``output="last"`` only: a strided convolutional front-end shortens sequences by
        ``ceil(longest training sequence / conv_steps)`` (sequences of zero weight do not
        count) before the recurrence, to between about ``conv_steps / 2`` and ``conv_steps``
        steps (the blocks' strides multiply to at least that shortening), in blocks of stride
        ``s`` at most 4 (kernel ``2 * s + 1``, ``conv_channels`` channels, BatchNorm, ReLU; one
        block of kernel 3 and stride 1 when the sequences are already shorter). None: the
        recurrence reads the input itself.
    conv_channels : int, default=64
        Channels of each front-end block.
    conv_scales : int, default=1
        The first front-end block reads the input with this many kernel widths side by side
        (``k = 2 * s + 1``, ``2 * k + 1``, ``4 * k + 1``, ...) and a max-pooled 1×1
        convolution, ``conv_channels`` shared out among them (InceptionTime's module); 1: one
        kernel of width ``k``. 3 was more accurate on PickupGesture and less on ArrowHead and
        OSULeaf, and slower (see the README's benchmark).
    conv_branch : bool, default=False
        ``output="last"`` only: add a full-resolution convolutional branch beside the
        recurrence (LSTM-FCN: 128, 256, 128 channels, kernels 8, 5, 3, global average). Several
        times slower to fit (ArrowHead: 43 s instead of 5 s) and, measured on the bundled
        sets, not more accurate on average (see the README's benchmark).
    scaling : {"both", "series", "global"} or None, default="both"
        Input standardisation, per channel: "series" by each sequence's own mean and standard
        deviation (shape only), "global" by those of all training steps (keeps level and
        scale), "both" feeds the two views side by side (2·D input channels), None none.
    learning_rate : float, default=1e-3
        Adam's step size.
    max_epochs : int, default=200
        Passes over the training sequences, at most.
    max_steps : int or None, default=1000
        Stop after this many optimiser steps (mini-batches) in all, whichever of ``max_epochs``
        and ``max_steps`` comes first: small data sets get many epochs, large ones a bounded fit.
    average_last : float or None, default=0.25
        Keep the average of the weights (and BatchNorm statistics) over this last share of the
        optimiser steps instead of the final weights (stochastic weight averaging, by
        ``torch.optim.swa_utils.AveragedModel``); None keeps the final weights. With
        ``early_stopping=True`` the best validated weights are kept instead ("refit" averages
        over its second run). Chosen by 3-fold cross-validation on the training splits of the
        classification sets (see the README).
    batch_size : int, default=16
        Sequences per gradient step.
    early_stopping : {False, True, "refit", "both"}, default=False
        True: hold out ``validation_fraction`` of the samples (stratified for the classifier when
        every class can be on both sides; otherwise, and for ``output="sequence"``, at random), stop
        when their loss has not improved by more than 1e-4 for ``n_iter_no_change`` epochs and
        restore the weights of the epoch with the lowest validation loss. "refit": that run only
        chooses the number of steps (up to its best epoch); each network is then trained again
        from its seed on every sample for that many. Where no sample can be held out, "refit"
        trains as False does. ``best_epoch_`` and the loss curves are the stopping run's.
        "both": the ensemble's members alternate in pairs between False (members 0, 1, 4, 5,
        ...) and "refit" (2, 3, 6, 7, ...); with fewer than 3, as False.
    validation_fraction : float, default=0.1
        With ``early_stopping``: the share of the samples held out.
    n_iter_no_change : int, default=10
        With ``early_stopping``: epochs without an improvement of more than 1e-4 before it stops.
    gradient_clip : float or None, default=None
        Clip the gradient's global norm to this value (None: no clipping; on the six bundled
        classification sets clipping at 1.0 lowered ArrowHead's accuracy from 0.74 to 0.68).
    ensemble_size : int, default=1
        Networks trained under consecutive seeds; their outputs (logits) are averaged.
    random_state : int, RandomState or None, default=None
        Seeds weight initialisation, dropout and batch order (None: fresh entropy each fit).
    device : str, default="auto"
        "auto" (CUDA when available, else CPU), "cpu", "cuda" or "cuda:N".
    precision : {"32", "bf16", "16-mixed"}, default="32"
        Arithmetic of the forward passes, as in :class:`~tsrnn.LSTMForecaster`.
    verbose : bool, default=False
        Show a progress bar with each epoch's losses.
    class_weight : dict, "balanced" or None, default=None
        Classifier only: weight of each class in the loss ({label: weight}, or "balanced" for
        weights inversely proportional to the class frequencies). Multiplies ``sample_weight``.
    label_smoothing : float or None, default=None
        Classifier only: share of each target's probability spread evenly over all classes in
        the cross-entropy. None means 0.1 for the classifier (and nothing for the regressor).
        It regularises, and makes ``predict_proba`` under-confident: where probabilities are
        thresholded or must be calibrated, set 0 or wrap the classifier in scikit-learn's
        ``CalibratedClassifierCV``.
    warm_start : bool, default=False
        When the estimator is already fitted, ``fit`` continues training the fitted network
        from its weights (and keeps its input and target scaling) instead of starting anew. It
        trains a copy, which replaces ``module_`` when the fit succeeds; a fit that fails
        (diverges, is interrupted before an epoch ends) leaves the model as it was. The
        optimiser starts afresh (its moment estimates are not kept), so its first steps can
        undo some of the fit: continue with a lower ``learning_rate``.

    Attributes
    ----------
    module_ : torch.nn.Module
    n_features_in_ : int
        Features per time step (D), not T.
    feature_names_in_ : ndarray of object
        The features' names, when ``X`` was a list of DataFrames (their columns, by which the
        DataFrames given to ``predict`` are matched).
    loss_curve_, validation_loss_curve_ : list of float
        The mean training loss (and validation loss, with early stopping) of each epoch. A
        ``warm_start`` fit appends its epochs, as scikit-learn's MLP does; one with early
        stopping after epochs without it pads the validation curve with NaN for those, so
        that both curves share their indices.
    best_epoch_ : int
        The epoch (an index into ``loss_curve_``) with the lowest monitored loss: the
        validation loss with early stopping (whose weights are kept with True); else the training
        loss (the weights kept are the last ones, or their average with ``average_last``).
    """

    _LAYOUT = ("cell", "hidden_size", "num_layers", "dropout", "nonlinearity", "bidirectional",
               "pooling", "conv_channels", "conv_scales", "conv_branch", "output")
    _PREDICT_PARAMS = ("scaling", "output")

    def __init__(
        self,
        cell: str = "lstm",
        *,
        output: str = "last",
        hidden_size: int = 64,
        num_layers: int = 1,
        dropout: float = 0.0,
        nonlinearity: str = "tanh",
        bidirectional: bool = True,
        pooling: str = "last+mean+max",
        conv_steps: int | None = 64,
        conv_channels: int = 64,
        conv_scales: int = 1,
        conv_branch: bool = False,
        scaling: str | None = "both",
        learning_rate: float = 1e-3,
        max_epochs: int = 200,
        max_steps: int | None = 1000,
        average_last: float | None = 0.25,
        batch_size: int = 16,
        early_stopping: bool | str = False,
        validation_fraction: float = 0.1,
        n_iter_no_change: int = 10,
        gradient_clip: float | None = None,
        ensemble_size: int = 1,
        random_state=None,
        device: str = "auto",
        precision: str = "32",
        verbose: bool = False,
        class_weight=None,
        label_smoothing: float | None = None,
        warm_start: bool = False,
    ):
        self.cell = cell
        self.output = output
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.dropout = dropout
        self.nonlinearity = nonlinearity
        self.bidirectional = bidirectional
        self.pooling = pooling
        self.conv_steps = conv_steps
        self.conv_channels = conv_channels
        self.conv_scales = conv_scales
        self.conv_branch = conv_branch
        self.scaling = scaling
        self.learning_rate = learning_rate
        self.max_epochs = max_epochs
        self.max_steps = max_steps
        self.average_last = average_last
        self.batch_size = batch_size
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.gradient_clip = gradient_clip
        self.ensemble_size = ensemble_size
        self.random_state = random_state
        self.device = device
        self.precision = precision
        self.verbose = verbose
        self.class_weight = class_weight
        self.label_smoothing = label_smoothing
        self.warm_start = warm_start

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags

    def fit(self, X, y, sample_weight=None):
        """Fit the network to sequences ``X`` and targets ``y``.

        Parameters
        ----------
        X : array-like of shape (N, T, D) or (N, T), or list of (T_i, D) arrays
        y : array-like of shape (N,) (or (N, k) for the regressor)
        sample_weight : array-like of shape (N,), optional
            Weight of each sequence in the loss (of each of its steps, ``output="sequence"``)
            and in the "global" input scaling. A mini-batch's weighted loss is divided by its
            size times the mean weight of a sample, not by its own weights, so a weight means
            the same at any ``batch_size`` (a step is an unbiased estimate of the full weighted
            loss). The front-end's BatchNorm statistics count every real step of a batch
            alike, unweighted.

        Returns
        -------
        self

        Notes
        -----
        A fit that raises leaves the estimator as it was (a fitted estimator stays fitted as
        before, its weights included: a warm start trains copies of them).
        """
        with unchanged_on_error(self):
            return self._fit(X, y, sample_weight)

    @with_autograd
    def _fit(self, X, y, sample_weight):
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        self._check_params()
        names = sequence_columns(X)  # a list of DataFrames: matched by their columns' names
        # (float64: centred before the float32 cast, in _inputs)
        seqs, lengths = read_sequences(X, names=names)
        if seqs.shape[2] > lengths.max():
            warn(
                f"X has sequences of at most {lengths.max()} step(s) of {seqs.shape[2]} "
                f"feature(s); tsrnn reads (N, T, D), steps before features, while aeon and "
                "sktime store (N, D, T): if these are channels first, pass X.transpose(0, 2, 1) "
                "(a list: [x.T for x in X]).")
        warm = self.warm_start and hasattr(self, "module_")
        if warm and seqs.shape[2] != self.n_features_in_:
            raise ValueError(
                f"warm_start: X has {seqs.shape[2]} feature(s) per step but the fitted network "
                f"reads {self.n_features_in_}; pass the same features or set warm_start=False."
            )
        sample_weight = _sample_weight(sample_weight, len(seqs))
        if self.output == "last":
            targets, output_size = self._encode_targets(y, len(seqs), sample_weight)
        else:
            targets, output_size = self._encode_steps(per_step_targets(y, lengths), lengths,
                                                      sample_weight)
        mask = np.arange(seqs.shape[1]) < lengths[:, None]  # (N, T)
        if warm:
            mean, std = self._mean, self._std
        else:
            mean, std = _weighted_moments(seqs, sample_weight[:, None] * mask)
        # one weight per loss element: the sample's weight, zero on padded steps
        weights = sample_weight[:, None] * mask if self.output == "sequence" else sample_weight
        weights = weights * self._target_weights(targets, weights)
        device = resolve_device(self.device)
        check_precision(self.precision, device, self.cell)
        seed = draw_seed(self.random_state)
        # samples of zero weight (sample_weight or class_weight) take no part, as in scikit-learn
        weighted = np.flatnonzero(weights.reshape(len(weights), -1).sum(axis=1) > 0)
        if not len(weighted):
            raise ValueError("every sample has zero weight (sample_weight x class_weight); give "
                             "some of them a positive weight.")
        # relative weights, scaled to at most 1 before the float32 cast (uniform weights of
        # 1e40 overflowed it, and the fit failed as "diverged")
        weights = weights / weights.max()
        train_idx, val_idx = self._split(targets, seed, weighted)
        x_all = torch.as_tensor(self._inputs(seqs, mask, mean, std, self.scaling),
                                device=device)  # (N, T, D|2D)
        # equal lengths need no masking: the network takes lengths=None
        len_all = (None if lengths.min() == lengths.max()
                   else torch.as_tensor(lengths, device=device))
        y_all = torch.as_tensor(targets, device=device)
        w_all = torch.as_tensor(weights, dtype=torch.float32, device=device)  # (N, [T])

        order = torch.as_tensor(np.concatenate([train_idx, val_idx]), device=device)
        # each batch's weighted loss is divided by its size times the mean weight of a sample
        # (of the training or validation samples), not by its own weights: per batch, a heavy
        # sample (class_weight="balanced" on a rare class) could weigh at most one batch
        totals = weights.reshape(len(weights), -1).sum(axis=1)
        unit = torch.as_tensor(np.concatenate([
            np.full(len(part), totals[part].mean() if len(part) else 0.0)
            for part in (train_idx, val_idx)]), dtype=torch.float32, device=device)  # by number

        def batch_loss(module: torch.nn.Module, number: torch.Tensor) -> tuple:
            idx = order[number]  # training samples first
            n = None if len_all is None else len_all[idx]
            loss = self._loss(module(x_all[idx], n), y_all[idx])  # (B, [T])
            expected = unit[number].sum()  # the batch's weight if it were typical
            return (loss * w_all[idx]).sum() / expected, expected

        if warm:  # train the fitted network(s) further
            spec, build = self._warm_members(output_size, x_all.shape[2])
        else:
            stride = None
            if self.output == "last" and self.conv_steps is not None:
                # from the sequences that take part: a zero-weight one must not change it
                stride = math.ceil(lengths[weighted].max() / self.conv_steps)
                self._check_kernels(stride, int(lengths[weighted].max()))
            spec = dict(input_size=x_all.shape[2], output_size=output_size, stride=stride,
                        n_members=self.ensemble_size, layout=self._layout(),
                        ensemble_size=plain(self.ensemble_size),
                        conv_steps=plain(self.conv_steps))

            def build(i: int) -> torch.nn.Module:  # called under member i's seed
                return self._network(x_all.shape[2], output_size, stride, spec["layout"])

        module, result = train_members(
            build, batch_loss, len(train_idx), len(val_idx), self._train_config(), seed, device,
            spec["n_members"], reduce="mean", keep_unreached=warm,
        )
        # an interrupted ensemble keeps the members trained so far
        spec = dict(spec, n_members=len(getattr(module, "members", [module])))
        self.module_, self._module_spec = module, spec
        self._mean, self._std = mean, std
        self._record_fit_params()
        self.device_ = device
        self.n_features_in_ = seqs.shape[2]
        # predict warns below the shortest length seen (output="last"), over warm fits too
        self._shortest = int(min(lengths.min(), getattr(self, "_shortest", np.inf) if warm
                                 else np.inf))  # (models saved before kept no _shortest)
        self.__dict__.pop("feature_names_in_", None)
        if names is not None:
            self.feature_names_in_ = np.asarray(names, dtype=object)
        self._steps = step_columns(X)  # a 2-D DataFrame's columns: its time steps
        self._record_curves(result, warm)
        return self

    def _warm_members(self, output_size: int, input_size: int) -> tuple[dict, Callable]:
        """The fitted network's spec and a builder of copies of its members, to train further
        (``warm_start``; a copy, so that a fit that fails leaves the model), once the new fit
        is checked to match it."""
        spec, members = self._module_spec, list(getattr(self.module_, "members", [self.module_]))
        self._check_layout({  # files from before ensemble_size was recorded: n_members
            **spec.get("layout", {}), "ensemble_size": spec.get("ensemble_size",
                                                                spec["n_members"]),
            **({"conv_steps": spec["conv_steps"]} if "conv_steps" in spec else {}),
            **getattr(self, "_fit_params", {})})  # the scaling too, which the stats keep
        if output_size != spec["output_size"]:
            raise ValueError(
                f"warm_start: y gives {output_size} output(s) per sample but the fitted "
                f"network has {spec['output_size']}; pass targets of the first fit's shape "
                "or set warm_start=False."
            )
        if input_size != spec["input_size"]:
            raise ValueError(
                f"warm_start: scaling={self.scaling!r} gives {input_size} input channel(s) "
                f"but the fitted network reads {spec['input_size']}; keep the scaling of the "
                "first fit or set warm_start=False."
            )
        return spec, lambda i: copy.deepcopy(members[i])

    def _record_curves(self, result, warm: bool) -> None:
        """The loss curves and best epoch of a fit's training ``result``; a warm fit appends
        its epochs to the curves, as scikit-learn's MLP does."""
        before = len(self.loss_curve_) if warm else 0
        self.loss_curve_ = (self.loss_curve_ if warm else []) + result.loss_curve
        earlier = list(self.validation_loss_curve_) if warm else []
        if result.validation_loss_curve:  # epochs of earlier fits without it: NaN
            earlier += [math.nan] * (before - len(earlier))
        self.validation_loss_curve_ = earlier + result.validation_loss_curve
        self.best_epoch_ = before + result.best_epoch

    def _check_params(self) -> None:
        check_network_params(self, self.cell)
        check_choice(self.output, "output", ("last", "sequence"))
        for flag in ("bidirectional", "conv_branch", "warm_start"):
            check_choice(getattr(self, flag), flag, (False, True))
        check_choice(self.scaling, "scaling", _SCALINGS)
        if self.conv_branch and self.output == "sequence":  # it was dropped without a word
            raise ValueError("conv_branch=True reads whole sequences for one output each; "
                             "output='sequence' has none: set conv_branch=False.")
        check_number(self.conv_channels, "conv_channels", Integral, min_val=1)
        check_number(self.conv_scales, "conv_scales", Integral, min_val=1)
        if self.conv_scales > 1 and self.conv_channels <= self.conv_scales:
            raise ValueError(
                f"conv_channels={self.conv_channels} cannot be shared out among "
                f"conv_scales={self.conv_scales} kernel widths and a pooled branch; raise "
                "conv_channels or lower conv_scales."
            )
        check_number(self.ensemble_size, "ensemble_size", Integral, min_val=1)
        for name in ("conv_steps", "max_steps"):
            if getattr(self, name) is not None:
                check_number(getattr(self, name), name, Integral, min_val=1)
        if self.average_last is not None:
            check_number(self.average_last, "average_last", Real, min_val=0.0, max_val=1.0,
                         include_boundaries="right")
        if self.label_smoothing is not None:
            check_number(self.label_smoothing, "label_smoothing", Real, min_val=0.0, max_val=1.0,
                         include_boundaries="left")
        kinds = _split_pooling(self.pooling)
        if not kinds or len(set(kinds)) < len(kinds) or not set(kinds) <= set(_POOLINGS):
            raise ValueError(
                f"pooling={self.pooling!r} is not valid; join distinct summaries from "
                f"{', '.join(map(repr, _POOLINGS))} with '+', e.g. 'last+mean+max' or 'mean'."
            )

    def _check_kernels(self, stride: int, longest: int) -> None:
        """Refuse ``conv_scales`` whose widest kernel (``2**(scales - 1) * k + 1``) is longer
        than ``2 * longest - 1`` steps, past which its taps never meet a value: its width
        doubles with each scale (30 scales asked for 96 GiB of weights, and fit died in torch's
        allocator)."""
        k = 2 * front_strides(stride)[0] + 1
        widest = 2 ** (self.conv_scales - 1) * k + 1
        if self.conv_scales > 1 and widest > 2 * longest - 1:
            most = max(1, int(math.log2(max(2 * longest - 2, 1) / k)) + 1)
            raise ValueError(
                f"conv_scales={self.conv_scales} makes the widest front-end kernel {widest:,} "
                f"steps, longer than the longest training sequence ({longest} steps) can use "
                f"({2 * longest - 1}); lower conv_scales (at most {most} here)."
            )

    @staticmethod
    def _inputs(
        seqs: np.ndarray, mask: np.ndarray, mean: np.ndarray, std: np.ndarray, scaling: str | None
    ) -> np.ndarray:
        """The network's input: right-padded float32 sequences in the views of ``scaling``
        (zero on padding); ``mean`` and ``std`` are the training steps' (the "global" view).
        Computed in float64 a block of sequences at a time, so the temporaries stay small."""
        out = np.empty(seqs.shape[:2] + (seqs.shape[2] * (1 + (scaling == "both")),),
                       dtype=np.float32)
        for part in _blocks(seqs):  # inf would give NaN predictions and an invented label
            out[part] = check_float32(
                _SequenceEstimator._views(seqs[part], mask[part], mean, std, scaling),
                "X reaches", scaling, "its values lie far outside the training data's (with "
                "scaling=None: rescale X, fit and predict alike).")
        return out

    @staticmethod
    def _views(seqs, mask, mean, std, scaling) -> np.ndarray:
        """``_inputs`` of a block of sequences, in float64."""
        keep = mask[..., None]  # (N, T, 1)
        views = []
        if scaling in ("series", "both"):
            views.append(standardise_each(seqs, mask))
        if scaling in ("global", "both"):
            views.append((seqs - mean) / std)
        view = np.concatenate(views, axis=2) if views else seqs
        return view * keep

    def _network(self, input_size: int, output_size: int, stride: int | None,
                 layout: dict) -> SequenceNetwork:
        p = dict(layout, pooling=_split_pooling(layout["pooling"]))
        p["conv_branch"] = p["conv_branch"] and p["output"] == "last"
        return SequenceNetwork(p.pop("cell"), input_size, output_size, stride=stride, **p)

    def _make_module(
        self, input_size: int, output_size: int, stride: int | None, n_members: int,
        layout: dict | None = None, ensemble_size: int | None = None,
        conv_steps: int | None = None,
    ) -> torch.nn.Module:
        """The untrained network(s) of a ``_module_spec`` (for loading; files written before
        the spec held the layout are built from the parameters). ``ensemble_size`` and
        ``conv_steps`` are recorded for warm_start's check only: ``n_members`` (fewer after an
        interrupted fit) and ``stride`` hold their effect."""
        layout = self._layout() if layout is None else layout
        members = [self._network(input_size, output_size, stride, layout)
                   for _ in range(n_members)]
        return combine(members, "mean")

    def _target_weights(self, targets: np.ndarray, sample_weight: np.ndarray):
        for name in ("class_weight", "label_smoothing"):
            if getattr(self, name) is not None:
                raise ValueError(f"{name} applies to classifiers only; leave it None here.")
        return 1.0

    def _split(self, targets: np.ndarray, seed: int,
               idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Training and validation samples among ``idx`` (those of positive weight)."""
        if not self.early_stopping:
            return idx, idx[:0]
        n_val = int(len(idx) * self.validation_fraction)
        if not n_val and isinstance(self.early_stopping, str):  # trains on all, as without stopping
            return idx, idx[:0]
        if not 1 <= n_val < len(idx):
            raise ValueError(
                f"early_stopping needs validation samples but {len(idx)} sample(s) x "
                f"validation_fraction={self.validation_fraction} leaves {n_val}; raise "
                "validation_fraction, pass more samples, or set early_stopping=False."
            )
        stratify = self._stratify(targets[idx], n_val)
        return train_test_split(idx, test_size=n_val, random_state=seed, stratify=stratify)

    def _stratify(self, targets, n_val):
        return None

    def _forward(self, X) -> np.ndarray | list[np.ndarray]:
        """Network outputs for ``X``, batched, without gradients.

        (N, out) for ``output="last"``; for ``output="sequence"`` an (N, T, out) array, or a list
        of (T_i, out) arrays when ``X`` is a list of sequences.
        """
        check_is_fitted(self)
        names, steps = getattr(self, "feature_names_in_", None), getattr(self, "_steps", None)
        check_feature_names(X, steps if names is None else names, type(self).__name__,
                            whole=names is None)
        check_step_columns(X, steps, type(self).__name__)
        seqs, lengths = read_sequences(X, names=None if names is None else list(names))
        if seqs.shape[2] != self.n_features_in_:
            raise ValueError(
                f"X has {seqs.shape[2]} feature(s) per step but the estimator was fit with "
                f"{self.n_features_in_}; pass sequences with the same features (in the same "
                "layout: tsrnn reads (N, T, D), aeon and sktime store (N, D, T))."
            )
        shortest = getattr(self, "_shortest", None)  # (models saved before it have none)
        if shortest is not None and self._fitted("output") == "last" and lengths.min() < shortest:
            warn(
                f"X has {int((lengths < shortest).sum())} sequence(s) shorter than the shortest "
                f"seen in fit ({shortest} steps; here {int(lengths.min())}): the network never "
                "saw such lengths, and its predictions on them can be poor (GunPoint cut from "
                "150 to 100 steps scored 0.53 instead of 0.95)."
            )
        mask = np.arange(seqs.shape[1]) < lengths[:, None]
        cell = self._module_spec.get("layout", {}).get("cell", self.cell)  # as fitted
        device = self._predict_device()
        batches, results = length_batches(lengths), []
        with torch.inference_mode(), autocast(device, self.precision, cell):
            for idx in batches:  # the network's inputs made a batch at a time
                t = int(lengths[idx].max())
                part = seqs[idx, :t] if len(batches) > 1 else seqs
                x = self._inputs(part, mask[idx, :t], self._mean, self._std,
                                 self._fitted("scaling"))
                full = (lengths[idx] == t).all()
                n = None if full else torch.as_tensor(lengths[idx], device=device)
                results.append(self.module_(torch.as_tensor(x, device=device), n)
                               .double().cpu().numpy())
        if self._fitted("output") == "sequence" and holds_sequences(X):
            parts = [None] * len(lengths)
            for idx, result in zip(batches, results):
                for i, r in zip(idx, result):
                    parts[i] = r[: lengths[i]]
            return parts
        if len(batches) == 1:
            return results[0]
        out = np.empty((len(lengths),) + results[0].shape[1:])  # equal lengths here if (N, T, k)
        for idx, result in zip(batches, results):
            out[idx] = result
        return out

    def _flat_steps(self, X, y, sample_weight=None) -> dict:
        """True and predicted targets of every real step, and each step's weight (its
        sequence's), as keyword arguments of a scikit-learn metric (``output="sequence"``)."""
        pred = self.predict(X)
        lengths = read_sequences(X)[1]
        steps = per_step_targets(y, lengths)
        weight = None if sample_weight is None else np.repeat(
            _sample_weight(sample_weight, len(lengths)), lengths)
        return dict(y_true=np.concatenate(steps), y_pred=np.concatenate(list(pred)),
                    sample_weight=weight)
