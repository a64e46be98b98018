"""Recurrent networks over torch's fused RNN, LSTM and GRU kernels.

Pure torch: tensors in, tensors out. No numpy, pandas, device moves, losses or seeding here.
"""

from __future__ import annotations

import functools
import math

import torch
from torch import nn

CELLS: dict[str, type[nn.RNNBase]] = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


def make_recurrent(
    cell: str,
    input_size: int,
    hidden_size: int,
    num_layers: int = 1,
    dropout: float = 0.0,
    nonlinearity: str = "tanh",
) -> nn.RNNBase:
    """Build a batch-first ``nn.RNN`` (Elman), ``nn.LSTM`` or ``nn.GRU``.

    ``dropout`` acts between stacked layers, as in torch; ``nonlinearity`` applies to the Elman
    cell only (the gated cells have fixed activations).
    """
    kwargs = dict(
        input_size=input_size,
        hidden_size=hidden_size,
        num_layers=num_layers,
        dropout=dropout if num_layers > 1 else 0.0,
        batch_first=True,
    )
    if cell == "rnn":
        kwargs["nonlinearity"] = nonlinearity
    return CELLS[cell](**kwargs)


def last_step(out: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
    """The output at each sequence's last real step.

    ``out`` is (N, T, H) from a unidirectional network run over right-padded input; padding after
    a sequence's end cannot reach its earlier steps, so this equals running each sequence alone.
    """
    if lengths is None:
        return out[:, -1]  # (N, H)
    index = (lengths - 1).view(-1, 1, 1).expand(-1, 1, out.size(2))  # (N, 1, H)
    return out.gather(1, index).squeeze(1)  # (N, H)


class RecurrentNetwork(nn.Module):
    """Recurrent network with a linear head on its last real step (many-to-one): the
    forecasters' network (the sequence estimators' is :class:`SequenceNetwork`).

    Parameters
    ----------
    cell : {"rnn", "lstm", "gru"}
    input_size : int
        Features per time step (D).
    output_size : int
        Size of the output vector (classes, targets, or ``horizon * D`` for a forecast).
    hidden_size, num_layers, dropout, nonlinearity
        As in :func:`make_recurrent`; ``dropout`` also acts on the head's input.
    context_size : int
        Size of an optional vector joined to the last hidden state before the head (a forecast's
        known future covariates).
    """

    def __init__(
        self,
        cell: str,
        input_size: int,
        output_size: int,
        *,
        hidden_size: int = 32,
        num_layers: int = 1,
        dropout: float = 0.0,
        nonlinearity: str = "tanh",
        context_size: int = 0,
    ) -> None:
        super().__init__()
        self.rnn = make_recurrent(cell, input_size, hidden_size, num_layers, dropout, nonlinearity)
        self.dropout = nn.Dropout(dropout) if dropout else nn.Identity()
        self.head = nn.Linear(hidden_size + context_size, output_size)

    def forward(
        self,
        x: torch.Tensor,
        lengths: torch.Tensor | None = None,
        context: torch.Tensor | None = None,
    ) -> torch.Tensor:
        out, _ = self.rnn(x)  # x: (N, T, D) -> out: (N, T, H)
        z = last_step(out, lengths)  # (N, H)
        if context is not None:
            z = torch.cat([z, context], dim=1)  # (N, H + C)
        return self.head(self.dropout(z))  # (N, output_size)


class Seq2SeqNetwork(nn.Module):
    """Encoder–decoder with output feedback for multi-step forecasting.

    The encoder reads the window; the decoder starts from its final state and receives, at each
    future step, the previous step's output (the notes' output feedback) and that step's known
    covariates. Training feeds the true previous values (teacher forcing); inference feeds the
    network's own predictions.

    Parameters
    ----------
    cell : {"rnn", "lstm", "gru"}
    n_targets : int
        Target columns D (the decoder's fed-back output).
    n_covariates : int
        Covariate columns K (inputs of the encoder and, for future steps, of the decoder).
    hidden_size, num_layers, dropout, nonlinearity
        As in :func:`make_recurrent`, for both encoder and decoder.
    input_size : int, optional
        Channels of the encoder's input, whose first ``n_targets`` are the targets (default
        ``n_targets + n_covariates``).
    """

    def __init__(
        self,
        cell: str,
        n_targets: int,
        n_covariates: int = 0,
        *,
        hidden_size: int = 32,
        num_layers: int = 1,
        dropout: float = 0.0,
        nonlinearity: str = "tanh",
        input_size: int | None = None,
    ) -> None:
        super().__init__()
        self.n_targets = n_targets
        size = n_targets + n_covariates
        self.encoder = make_recurrent(
            cell, input_size or size, hidden_size, num_layers, dropout, nonlinearity)
        self.decoder = make_recurrent(cell, size, hidden_size, num_layers, dropout, nonlinearity)
        self.p_dropout = dropout  # before the head, as in RecurrentNetwork (it had none)
        self.head = nn.Linear(hidden_size, n_targets)

    def _head(self, out: torch.Tensor) -> torch.Tensor:
        # networks pickled before the dropout was added trained without it
        return self.head(nn.functional.dropout(out, getattr(self, "p_dropout", 0.0), self.training))

    def forward(
        self,
        x: torch.Tensor,
        future: torch.Tensor | None = None,
        teacher: torch.Tensor | None = None,
        horizon: int = 1,
    ) -> torch.Tensor:
        # x: (N, T, D+K); future: (N, h, K) or None; teacher: (N, h, D) or None
        _, state = self.encoder(x)
        prev = x[:, -1:, : self.n_targets]  # (N, 1, D): the last observed value
        if teacher is not None:  # teacher forcing: all decoder steps in one fused call
            fed = torch.cat([prev, teacher[:, :-1]], dim=1)  # (N, h, D)
            if future is not None:
                fed = torch.cat([fed, future], dim=2)  # (N, h, D+K)
            out, _ = self.decoder(fed, state)  # (N, h, H)
            return self._head(out)  # (N, h, D)
        outputs = []
        for t in range(horizon):  # output feedback: each prediction is the next input
            step = prev if future is None else torch.cat([prev, future[:, t : t + 1]], dim=2)
            out, state = self.decoder(step, state)  # (N, 1, H)
            prev = self._head(out)  # (N, 1, D)
            outputs.append(prev)
        return torch.cat(outputs, dim=1)  # (N, h, D)


class Ensemble(nn.Module):
    """Networks trained apart on the same data, their outputs combined element-wise.

    Parameters
    ----------
    members : list of nn.Module
        Networks with the same call signature and output shape.
    reduce : {"median", "mean"}
        "median" is robust to one member that learned badly (forecasts); "mean" averages.
    """

    def __init__(self, members: list[nn.Module], reduce: str = "median") -> None:
        super().__init__()
        self.members = nn.ModuleList(members)
        self.reduce = reduce

    def forward(self, *args, **kwargs) -> torch.Tensor:
        out = torch.stack([member(*args, **kwargs) for member in self.members])  # (K, ...)
        if self.reduce == "mean":
            return out.mean(dim=0)
        k, ordered = len(self.members), out.sort(dim=0).values
        return (ordered[(k - 1) // 2] + ordered[k // 2]) / 2  # the median, even K included


def combine(members: list[nn.Module], reduce: str = "median") -> nn.Module:
    """The one network, or an :class:`Ensemble` of several."""
    return members[0] if len(members) == 1 else Ensemble(members, reduce)


class Anchored(nn.Module):
    """A forecasting network that learns the correction to a baseline read off its own input.

    The baseline is the input window's seasonal naive forecast at ``lag`` (lag 1: its last
    value; lag 0: zero), taken from the first ``n_targets`` input channels; the network's output
    is added to it (as in ES-RNN, the M4 winner). Members of one :class:`Ensemble` may use
    different lags, since each returns a whole forecast.

    Parameters
    ----------
    net : RecurrentNetwork or Seq2SeqNetwork
        Emits ``horizon * n_targets`` values per window, or (N, horizon, n_targets).
    horizon, n_targets : int
    lag : int
    """

    def __init__(self, net: nn.Module, horizon: int, n_targets: int, lag: int) -> None:
        super().__init__()
        self.net, self.horizon, self.n_targets, self.lag = net, horizon, n_targets, lag

    def baseline(self, x: torch.Tensor, observed: torch.Tensor | None = None) -> torch.Tensor:
        # x: (N, T, C) -> (N, horizon, D); observed: (N,) real steps at the window's end (the
        # rest is padding of a short series), None when all are real
        if not self.lag:
            return x.new_zeros(x.size(0), self.horizon, self.n_targets)
        steps = x.size(1) - self.lag + torch.arange(self.horizon, device=x.device) % self.lag
        base = x[:, steps, : self.n_targets]
        if observed is None or self.lag == 1:
            return base
        # less than a lag of history: the naive forecast (the lag read the padding)
        short = (observed < self.lag).view(-1, 1, 1)
        return torch.where(short, x[:, -1:, : self.n_targets], base)

    def forward(
        self,
        x: torch.Tensor,
        future: torch.Tensor | None = None,
        teacher: torch.Tensor | None = None,
        observed: torch.Tensor | None = None,
    ) -> torch.Tensor:
        # x: (N, T, C); future: (N, h, K) or None; teacher: (N, h, D) true values or None
        base = self.baseline(x, observed)  # (N, h, D)
        if isinstance(self.net, Seq2SeqNetwork):
            fed = None if teacher is None else teacher - base  # the decoder works in corrections
            return self.net(x, future, teacher=fed, horizon=self.horizon) + base
        context = None if future is None else future.flatten(1)  # (N, h*K)
        return self.net(x, context=context).view_as(base) + base  # (N, h, D)


class MaskedBatchNorm1d(nn.BatchNorm1d):
    """BatchNorm over (N, C, T) whose training statistics count only the real steps.

    ``keep`` (N, 1, T) is 1 at real steps and 0 on padding (None: no padding, the fused
    ``nn.BatchNorm1d``); evaluation uses the running statistics, as ``nn.BatchNorm1d`` does.
    """

    def forward(self, x: torch.Tensor, keep: torch.Tensor | None = None) -> torch.Tensor:
        if not self.training or (keep is None and x.size(0) * x.size(2) > 1):
            return super().forward(x)
        if keep is None:  # one value per channel, which torch's BatchNorm refuses: the
            # running statistics normalise it (below)
            keep = x.new_ones(x.size(0), 1, x.size(2))
        n = keep.sum().clamp(min=1)
        mean = (x * keep).sum((0, 2)) / n  # (C,)
        var = (((x - mean.view(1, -1, 1)) * keep) ** 2).sum((0, 2)) / n  # (C,)
        # one real value per channel has no spread (nn.BatchNorm1d refuses such a batch): it is
        # normalised by the running statistics and leaves them alone (it pulled the running
        # variance towards 0); no branch, so no device sync
        spread = n > 1
        with torch.no_grad():
            self.num_batches_tracked += 1
            step = self.momentum * spread
            self.running_mean.lerp_(mean.to(self.running_mean.dtype), step)
            unbiased = var * n / (n - 1).clamp(min=1)
            self.running_var.lerp_(unbiased.to(self.running_var.dtype), step)
        mean = torch.where(spread, mean, self.running_mean.to(mean.dtype))
        var = torch.where(spread, var, self.running_var.to(var.dtype))
        scale = self.weight / torch.sqrt(var + self.eps)  # (C,)
        return (x - mean.view(1, -1, 1)) * scale.view(1, -1, 1) + self.bias.view(1, -1, 1)


class ConvBlock(nn.Module):
    """Conv1d (zero padding, ``ceil(T / stride)`` output steps), masked BatchNorm, ReLU on
    (N, C, T); outputs past each sequence's end are zero, as if it had run alone."""

    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int = 1) -> None:
        super().__init__()
        self.pad = nn.ConstantPad1d(((kernel - 1) // 2, kernel // 2), 0.0)  # even: one more right
        self.conv = nn.Conv1d(c_in, c_out, kernel, stride=stride, bias=False)
        self.norm = MaskedBatchNorm1d(c_out)

    def forward(self, x: torch.Tensor, keep: torch.Tensor | None = None) -> torch.Tensor:
        # x: (N, C_in, T) zero past each end; keep: (N, 1, ceil(T / stride)) or None (no
        # padding) -> (N, C_out, T')
        out = torch.relu(self.norm(self.conv(self.pad(x)), keep))
        return out if keep is None else out * keep


class InceptionBlock(nn.Module):
    """:class:`ConvBlock` s of ``scales`` kernel widths side by side (``kernel``, then
    ``2**i * kernel + 1``: 9, 19, 37 for 9) and a max-pooled (width 3, zero padding) 1×1
    ConvBlock, joined on the channels: the module of InceptionTime (Ismail Fawaz et al. 2020)
    without its bottleneck. ``c_out`` is shared out evenly, the remainder to the pooled branch.
    Outputs past each sequence's end are zero, as if it had run alone."""

    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int, scales: int) -> None:
        super().__init__()
        widths = [kernel] + [2**i * kernel + 1 for i in range(1, scales)]
        size = c_out // (scales + 1)
        self.convs = nn.ModuleList(ConvBlock(c_in, size, k, stride) for k in widths)
        self.pool = nn.Sequential(nn.ConstantPad1d(1, 0.0), nn.MaxPool1d(3, stride=1))
        self.pooled = ConvBlock(c_in, c_out - scales * size, 1, stride)

    def forward(self, x: torch.Tensor, keep: torch.Tensor | None = None) -> torch.Tensor:
        # x: (N, C_in, T) zero past each end (so the pool's zero padding is the same alone or
        # in a batch); keep as in ConvBlock -> (N, C_out, ceil(T / stride))
        parts = [conv(x, keep) for conv in self.convs]  # (N, size, T') each
        pooled = self.pooled(self.pool(x), keep)  # (N, C_out - scales * size, T')
        return torch.cat(parts + [pooled], 1)  # (N, C_out, T')


def front_strides(stride: int, most: int = 4) -> list[int]:
    """Strides of the stacked front-end blocks that shorten sequences by at least ``stride``:
    at most ``most`` each (a long sequence is shortened in several small steps, not one wide
    kernel), and ``[1]`` for ``stride`` 1."""
    strides = []
    while stride > 1 or not strides:
        strides.append(min(most, stride))
        stride = math.ceil(stride / strides[-1])
    return strides


def reverse_within(lengths: torch.Tensor, steps: int) -> torch.Tensor:
    """Index (N, steps) that reverses each sequence within its own length and leaves the
    padding after it in place (an involution: applying it twice is the identity)."""
    t = torch.arange(steps, device=lengths.device)
    n = lengths.view(-1, 1)
    return torch.where(t < n, n - 1 - t, t)


class SequenceNetwork(nn.Module):
    """Recurrent network that reads whole sequences of different lengths.

    The pieces, each optional: a strided convolutional front-end that shortens long sequences,
    a uni- or bidirectional recurrence, pooling over all hidden states, and a parallel
    full-resolution convolutional branch (LSTM-FCN). Right padding never reaches a result:
    the input is zeroed past each sequence's length (as a convolution's own zero padding would
    be), BatchNorm statistics count only real steps, the backward direction reads each sequence
    reversed within its own length (no packing), and pooling is masked.

    Parameters
    ----------
    cell : {"rnn", "lstm", "gru"}
    input_size, output_size : int
        Features per time step (D) and outputs (classes or targets) per sequence or step.
    hidden_size, num_layers, dropout, nonlinearity
        As in :func:`make_recurrent` (per direction); ``dropout`` also acts between layers
        and on the head's input.
    bidirectional : bool
        Add a recurrence that reads each sequence backwards.
    pooling : tuple of {"last", "mean", "max"}
        Summaries of the hidden states joined for the head (many-to-one): "last" is the forward
        state at the last real step (and the backward state after reading the whole sequence),
        "mean" and "max" are taken over the real steps.
    stride : int or None
        Front-end: shorten sequences by at least this factor (at most 4 times more) with a stack
        of blocks (Conv1d to ``conv_channels`` channels with stride ``s`` of at most 4 and
        kernel ``2 * s + 1``, BatchNorm, ReLU; see :func:`front_strides`); each block turns
        length ``L`` into ``ceil(L / s)``. None: no front-end. Many-to-one only.
    conv_channels : int
    conv_scales : int
        The first front-end block convolves with this many kernel widths side by side
        (:class:`InceptionBlock`: ``k = 2 * s + 1``, then ``2**i * k + 1``, and a max-pooled
        1×1 convolution); 1: one width, a :class:`ConvBlock`.
    conv_branch : bool
        Join the masked global average of a three-block convolutional network (128, 256, 128
        channels; kernels 8, 5, 3) over the full-resolution input to the pooled states (as in
        LSTM-FCN, Karim et al. 2018). Many-to-one only.
    output : {"last", "sequence"}
        One output per sequence, or one per step ("sequence": no front-end, branch or pooling).
    """

    def __init__(
        self,
        cell: str,
        input_size: int,
        output_size: int,
        *,
        hidden_size: int = 64,
        num_layers: int = 1,
        dropout: float = 0.0,
        nonlinearity: str = "tanh",
        bidirectional: bool = True,
        pooling: tuple[str, ...] = ("last", "mean", "max"),
        stride: int | None = None,
        conv_channels: int = 64,
        conv_scales: int = 1,
        conv_branch: bool = False,
        output: str = "last",
    ) -> None:
        super().__init__()
        if output == "sequence" and (stride or conv_branch):
            raise ValueError("a per-step network has no strided front-end or convolutional branch")
        self.output, self.pooling = output, tuple(pooling)
        self.strides = front_strides(stride) if stride else []
        self.front = nn.ModuleList(
            InceptionBlock(input_size, conv_channels, 2 * s + 1, s, conv_scales)
            if i == 0 and conv_scales > 1
            else ConvBlock(conv_channels if i else input_size, conv_channels, 2 * s + 1, s)
            for i, s in enumerate(self.strides)
        )
        size = conv_channels if stride else input_size
        self.bidirectional = bidirectional
        if bidirectional:  # one module per layer and direction: each reads its own order
            self.layers = nn.ModuleList(
                nn.ModuleList(
                    make_recurrent(cell, size if i == 0 else 2 * hidden_size, hidden_size, 1,
                                   0.0, nonlinearity)
                    for _ in range(2)
                )
                for i in range(num_layers)
            )
        else:
            self.rnn = make_recurrent(cell, size, hidden_size, num_layers, dropout, nonlinearity)
        self.between = nn.Dropout(dropout) if dropout and num_layers > 1 else nn.Identity()
        self.branch = nn.ModuleList(
            [ConvBlock(input_size, 128, 8), ConvBlock(128, 256, 5), ConvBlock(256, 128, 3)]
        ) if conv_branch else None
        width = hidden_size * (2 if bidirectional else 1)
        features = width if output == "sequence" else width * len(self.pooling)
        self.dropout = nn.Dropout(dropout) if dropout else nn.Identity()
        self.head = nn.Linear(features + (128 if conv_branch else 0), output_size)

    def _recur(self, h: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
        # h: (N, T, C) -> hidden states (N, T, H) or (N, T, 2H), both directions in time order;
        # lengths None: no padding
        if not self.bidirectional:
            return self.rnn(h)[0]
        if lengths is None:
            reverse = functools.partial(torch.flip, dims=(1,))
        else:
            index = reverse_within(lengths, h.size(1)).unsqueeze(2)  # (N, T, 1)

            def reverse(z: torch.Tensor) -> torch.Tensor:  # each sequence within its length
                return z.gather(1, index.expand(-1, -1, z.size(2)))
        for i, (forward, backward) in enumerate(self.layers):
            if i:
                h = self.between(h)
            h = torch.cat([forward(h)[0], reverse(backward(reverse(h))[0])], 2)
        return h

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        # x: (N, T, D), lengths: (N,), or None when every sequence fills all T steps (no
        # masking work) -> (N, output_size) or (N, T, output_size)
        t, keep, real, inside = x.size(1), None, None, None
        if lengths is not None:
            real = torch.arange(t, device=x.device) < lengths.view(-1, 1)  # (N, T)
            inside = real.unsqueeze(1).to(x.dtype)  # (N, 1, T): the branch's keep
            x = x * inside.transpose(1, 2)
        h, steps = x.transpose(1, 2), lengths  # h: (N, C, T)
        for s, block in zip(self.strides, self.front):
            if steps is not None:
                steps = torch.div(steps + s - 1, s, rounding_mode="floor")
                real = torch.arange(-(-h.size(2) // s), device=x.device) < steps.view(-1, 1)
                keep = real.unsqueeze(1).to(h.dtype)  # (N, 1, ceil(T / s))
            h = block(h, keep)  # (N, C, ceil(T / s))
        h = h.transpose(1, 2)  # (N, T', C)
        out = self._recur(h, steps)  # (N, T', W)
        if self.output == "sequence":
            return self.head(self.dropout(out))  # (N, T, output_size)
        parts = []
        for kind in self.pooling:
            if kind == "last":
                last = last_step(out, steps)
                if self.bidirectional:  # the backward state after the whole sequence sits at 0
                    half = out.size(2) // 2
                    last = torch.cat([last[:, :half], out[:, 0, half:]], 1)
                parts.append(last)
            elif steps is None:  # no padding
                parts.append(out.mean(1) if kind == "mean" else out.amax(1))
            elif kind == "mean":
                weight = real.unsqueeze(2).to(out.dtype)
                # counted in float32: float16 holds 2049 as 2048 and 70000 as inf
                total = (out * weight).sum(1, dtype=torch.float32)
                parts.append((total / steps.view(-1, 1).float()).to(out.dtype))
            else:
                parts.append(out.masked_fill(~real.unsqueeze(2), float("-inf")).amax(1))
        if self.branch is not None:
            feats = x.transpose(1, 2)  # (N, D, T)
            for block in self.branch:
                feats = block(feats, inside)
            total = t if lengths is None else lengths.view(-1, 1).to(feats.dtype)
            parts.append(feats.sum(2) / total)
        return self.head(self.dropout(torch.cat(parts, 1)))  # (N, output_size)
