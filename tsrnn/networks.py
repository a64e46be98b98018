"""Recurrent networks over torch's fused RNN, LSTM and GRU kernels.

Pure torch: tensors in, tensors out. No numpy, pandas, device moves, losses or seeding here.
"""

from __future__ import annotations

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
    """Recurrent network with a linear head: many-to-one or many-to-many synchronised.

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
        known future covariates); many-to-one only.
    output : {"last", "sequence"}
        "last": one output per sequence, read at its last real step (many-to-one).
        "sequence": one output at every step (many-to-many synchronised, sequence labelling).
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
        output: str = "last",
    ) -> None:
        super().__init__()
        self.output = output
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
        if self.output == "sequence":
            return self.head(self.dropout(out))  # (N, T, output_size)
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
        self.head = nn.Linear(hidden_size, n_targets)

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
            return self.head(out)  # (N, h, D)
        outputs = []
        for t in range(horizon):  # output feedback: each prediction is the next input
            step = prev if future is None else torch.cat([prev, future[:, t : t + 1]], dim=2)
            out, state = self.decoder(step, state)  # (N, 1, H)
            prev = self.head(out)  # (N, 1, D)
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

    def baseline(self, x: torch.Tensor) -> torch.Tensor:
        # x: (N, T, C) -> (N, horizon, D)
        if not self.lag:
            return x.new_zeros(x.size(0), self.horizon, self.n_targets)
        steps = x.size(1) - self.lag + torch.arange(self.horizon, device=x.device) % self.lag
        return x[:, steps, : self.n_targets]

    def forward(
        self,
        x: torch.Tensor,
        future: torch.Tensor | None = None,
        teacher: torch.Tensor | None = None,
    ) -> torch.Tensor:
        # x: (N, T, C); future: (N, h, K) or None; teacher: (N, h, D) true values or None
        base = self.baseline(x)  # (N, h, D)
        if isinstance(self.net, Seq2SeqNetwork):
            fed = None if teacher is None else teacher - base  # the decoder works in corrections
            return self.net(x, future, teacher=fed, horizon=self.horizon) + base
        context = None if future is None else future.flatten(1)  # (N, h*K)
        return self.net(x, context=context).view_as(base) + base  # (N, h, D)
