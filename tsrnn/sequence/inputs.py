"""Reading sequence input: N×T×D arrays or lists of sequences of different lengths, their
sample weights and per-step targets."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._pandas import match_columns
from .._validation import as_float_array, safe_scale, shown_labels, warn

_IGNORE = -100  # label of padded steps, skipped by the loss


def pad(parts: list[np.ndarray], fill, dtype) -> np.ndarray:
    """Stack arrays of shapes (T_i, ...) into one (N, max T_i, ...) array, right-padded."""
    out = np.full((len(parts), max(len(p) for p in parts), *parts[0].shape[1:]), fill, dtype=dtype)
    for i, p in enumerate(parts):
        out[i, : len(p)] = p
    return out


def standardise_each(seqs: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Each sequence of ``seqs`` (N, T, D), right-padded where ``mask`` (N, T) is False, minus
    its channels' means over its real steps, divided by their standard deviations (a flat
    channel by 1); padding holds junk, for the caller to mask."""
    keep = mask[..., None]  # (N, T, 1)
    steps = keep.sum(axis=1, keepdims=True)  # (N, 1, 1)
    level = (seqs * keep).sum(axis=1, keepdims=True) / steps  # (N, 1, D)
    spread = np.sqrt((((seqs - level) * keep) ** 2).sum(axis=1, keepdims=True) / steps)
    return (seqs - level) / safe_scale(spread, level)


def holds_sequences(X) -> bool:
    """Whether ``X`` holds one sequence per element: a list or tuple, or a 1-D object array or
    pandas Series of arrays."""
    return isinstance(X, (list, tuple)) or (
        getattr(X, "dtype", None) == object and np.ndim(X) == 1 and len(X) > 0
        and all(np.ndim(s) >= 1 for s in X))


def sequence_columns(X) -> list | None:
    """The columns of the first DataFrame in a list of sequences ``X`` (None otherwise): the
    names its other DataFrames, and those given later, are matched by."""
    if not holds_sequences(X):
        return None
    return next((list(s.columns) for s in X if isinstance(s, pd.DataFrame)), None)


def check_feature_names(X, names, owner: str, *, whole: bool = False) -> None:
    """scikit-learn's warnings where ``X`` has feature names and the fit had none (``names``
    None), or the other way round: such columns are read by position, unchecked. ``whole``:
    an ``X`` that is not a list may be a DataFrame with names of its own (one series, or 2-D
    sequences whose columns are steps)."""
    if holds_sequences(X):
        framed = [isinstance(s, pd.DataFrame) for s in X]
    else:
        framed = [whole and isinstance(X, pd.DataFrame)]
    if names is not None and not all(framed):
        what = "sequences" if holds_sequences(X) or not whole else "data"
        warn(f"X has {what} without feature names, but {owner} was fitted with feature "
             f"names {list(names)}: their columns are read in that order.")
    elif names is None and any(framed):
        warn(f"X has feature names, but {owner} was fitted without feature names: the "
             "columns are read by position.")


def step_columns(X) -> np.ndarray | None:
    """The columns of ``X`` where it is one 2-D DataFrame (N sequences x T steps, D = 1: its
    columns are time steps); None otherwise."""
    if isinstance(X, pd.DataFrame) and not holds_sequences(X):
        return np.asarray(X.columns, dtype=object)
    return None


def check_step_columns(X, fitted, owner: str) -> None:
    """Refuse a 2-D DataFrame whose columns (time steps) differ from the fit's, ``fitted``
    (None: the fit had none), in names or order: read by position, reordered columns reorder
    time, and other names are other steps."""
    if fitted is not None and isinstance(X, pd.DataFrame) and list(X.columns) != list(fitted):
        raise ValueError(
            f"X has columns {shown_labels(X.columns)} but {owner} was fit on "
            f"{shown_labels(fitted)}; pass the same columns in the same order (they are time "
            "steps)."
        )


def read_sequences(X, name: str = "X", dtype=np.float64,
                   names: list | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Right-padded sequences (N, T_max, D) of ``dtype`` and their lengths (N,).

    ``X`` is an array of shape (N, T, D), or (N, T) read as D = 1, or a list of arrays of shape
    (T_i, D) or (T_i,) with different lengths (also as a 1-D object array or pandas Series of
    them). DataFrames in the list have their columns matched to ``names`` by name. Padding is
    zero and never reaches a result: the networks read each sequence's output at its own last
    step.
    """
    if holds_sequences(X):
        X = list(X)
        if len(X) == 0:
            raise ValueError(f"{name} is an empty list; pass at least one sequence.")
        seqs = [as_float_array(match_columns(s, names, f"{name}[{i}]", "the features are"),
                               f"{name}[{i}]") for i, s in enumerate(X)]
        seqs = [s.reshape(len(s), -1) if s.ndim <= 2 else s for s in seqs]
        if any(s.ndim != 2 for s in seqs):
            raise ValueError(f"each sequence in the list {name} must have shape (T_i, D) or (T_i,).")
        if len({s.shape[1] for s in seqs}) > 1:
            rows = {s.shape[0] for s in seqs}
            raise ValueError(
                f"the sequences in {name} have different numbers of features D "
                f"({sorted({s.shape[1] for s in seqs})}); every sequence needs the same D."
                + (f" All have {rows.pop()} rows: if those are channels (aeon's (D, T_i) "
                   f"layout), pass [x.T for x in {name}]." if len(rows) == 1 else "")
            )
        return pad(seqs, 0.0, dtype), np.array([len(s) for s in seqs], dtype=np.int64)
    problem = _frame_layout(X, name) if isinstance(X, pd.DataFrame) else None
    if problem:
        raise ValueError(f"{name} {problem}")
    # (tslearn and aeon pad sequences of different lengths with NaN)
    arr = as_float_array(X, name, fill=(
        "if NaN pads sequences of different lengths, pass a list of (T_i, D) arrays instead, "
        "each as long as its own sequence (padding is not read as an end); otherwise fill or "
        "drop the missing steps, e.g. by interpolating along each sequence."))
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if arr.ndim != 3:
        raise ValueError(
            f"{name} must have shape (N, T, D), or (N, T) for one feature, or be a list of "
            f"(T_i, D) arrays; got an array with {arr.ndim} dimension(s). Reshape your data: for "
            "a single sequence "
            "use X[None]; for one flat feature vector per sample use X[:, :, None]."
        )
    return arr.astype(dtype, copy=False), np.full(len(arr), arr.shape[1], dtype=np.int64)


def _sample_weight(sample_weight, n: int) -> np.ndarray:
    """Validated weights of shape (n,): ones when None; negative or all-zero weights refused."""
    if sample_weight is None:
        return np.ones(n)
    w = as_float_array(sample_weight, "sample_weight", fill=(
        "give every sequence a finite weight (0 leaves one out of the loss).")).reshape(-1)
    if len(w) != n:
        raise ValueError(f"sample_weight has {len(w)} values but X has {n} sequences.")
    if (w < 0).any() or not w.any():
        raise ValueError("sample_weight must be non-negative and not all zero.")
    return w


def _frame_layout(X: pd.DataFrame, name: str) -> str | None:
    """What is wrong with a DataFrame's layout for sequences, and the conversion (None: it is
    a (N, T) table of one feature)."""
    if X.size and np.ndim(X.iat[0, 0]) > 0:
        return ("is a DataFrame of sequences in its cells (sktime's nested format: a row per "
                "sequence, a column per feature); pass a list of (T_i, D) arrays: "
                f"[np.column_stack(row) for row in {name}.itertuples(index=False)].")
    if isinstance(X.index, pd.MultiIndex):
        return ("is a DataFrame with a MultiIndex (sktime's and aeon's pd-multiindex: a row per "
                "sequence and step); pass a list of (T_i, D) arrays, each sorted by step, with "
                f"the labels in the same order: groups = {name}.sort_index().groupby(level=0); "
                "X = [g.to_numpy() for _, g in groups]; y = labels.loc[list(groups.groups)] "
                "for labels indexed by sequence id.")
    if isinstance(X.columns, pd.MultiIndex):
        return ("has MultiIndex columns (a pivoted table: a column per feature and step?); "
                "pass an (N, T, D) array with the steps before the features, e.g. "
                f"{name}.to_numpy().reshape(N, D, T).transpose(0, 2, 1) when the columns are "
                "(feature, step) pairs sorted by feature, or a list of (T_i, D) arrays.")
    return None


def per_step_targets(y, lengths: np.ndarray) -> list[np.ndarray]:
    """Split per-step targets into one array per sequence, checking they match the lengths.

    ``y`` is an array of shape (N, T) or (N, T, k), or a list of (T_i,) or (T_i, k) arrays
    (also as a 1-D object array or pandas Series of them, as ``X`` may be).
    """
    if holds_sequences(y):
        steps = [np.asarray(v) for v in y]
    else:
        arr = np.asarray(y)
        # padded wider than these sequences is fine (e.g. a subset of a padded set, a CV fold)
        if arr.ndim < 2 or len(arr) != len(lengths) or arr.shape[1] < lengths.max():
            raise ValueError(
                f"with output='sequence', y needs one target per step: shape "
                f"({len(lengths)}, {lengths.max()}) (or wider, padded) or a list of arrays of "
                f"the sequences' lengths; got shape {arr.shape}."
            )
        steps = [arr[i, :n] for i, n in enumerate(lengths)]
    if len(steps) != len(lengths):
        raise ValueError(f"y has {len(steps)} target sequences but X has {len(lengths)}.")
    for i, v in enumerate(steps):
        if v.ndim == 0:  # e.g. one label per sequence, given as a list
            raise ValueError(
                f"with output='sequence', y needs one target per step, but y[{i}] is a single "
                f"value ({v.item()!r}); pass one array of targets per sequence, or "
                "output='last' for one target per sequence."
            )
        if v.ndim != steps[0].ndim:
            raise ValueError(
                f"y's target sequences mix shapes: y[0] has shape {steps[0].shape} but y[{i}] "
                f"{v.shape}; pass them all as (T_i,) arrays, or all as (T_i, k)."
            )
    for i, (v, n) in enumerate(zip(steps, lengths)):
        if len(v) != n:
            raise ValueError(f"y[{i}] has {len(v)} targets but sequence X[{i}] has {n} steps.")
    return steps
