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
    """Many-to-one recurrent network: read a sequence, emit one output vector.

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
        self.dropout = nn.Dropout(dropout)
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
