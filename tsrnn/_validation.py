"""Input and parameter checks whose errors name the problem and the fix."""

from __future__ import annotations

import os
import re
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from numbers import Integral, Real

import numpy as np
import pandas as pd
import scipy.sparse as sp
import sklearn
from sklearn.utils import check_scalar

from .networks import CELLS


def plain(value):
    """``value`` with numpy scalars as Python ones, inside tuples, lists and dicts too: torch's
    layers take an int, not an np.int64, and messages show ``1``, not ``np.int64(1)``."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # a namedtuple
        return type(value)(*(plain(v) for v in value))
    if isinstance(value, (list, tuple)):
        return type(value)(plain(v) for v in value)
    if isinstance(value, dict):
        return {plain(k): plain(v) for k, v in value.items()}
    return value


def shown_labels(labels, first: int = 4) -> str:
    """Labels (time stamps, columns) for an error message: the first few, then "...";
    ``[a, b, c, d, ...]``."""
    labels = list(labels)
    head = [str(v) for v in labels[:first]] + (["..."] if len(labels) > first else [])
    return f"[{', '.join(head)}]"


def check_choice(value, name: str, choices) -> None:
    """Raise a ValueError listing the valid choices when ``value`` is not one of them."""
    if value not in choices:
        listed = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{name}={plain(value)!r} is not valid; choose one of {listed}.")


def check_number(value, name: str, target_type, **bounds) -> None:
    """scikit-learn's ``check_scalar`` that also refuses a bool (True would count as 1), NaN
    (which passes every range check) and infinities (a learning rate of inf diverged)."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a number, not a bool ({plain(value)!r}).")
    if isinstance(value, Real) and not np.isfinite(value):  # NaN passes every range check
        raise ValueError(f"{name} must be a finite number, not {plain(value)!r}.")
    check_scalar(value, name, target_type, **bounds)


def check_network_params(est, cell: str) -> None:
    """Check the parameters every recurrent estimator shares (network and training)."""
    check_choice(cell, "cell", tuple(CELLS))
    if cell != "rnn" and est.nonlinearity == "relu":
        elman = "cell='rnn'" if "cell" in est.get_params() else "RNNForecaster"
        raise ValueError(f"nonlinearity='relu' is for the Elman cell only ({cell.upper()} cells "
                         f"use tanh); use {elman}, or leave nonlinearity='tanh'.")
    check_choice(est.nonlinearity, "nonlinearity", ("tanh", "relu") if cell == "rnn" else ("tanh",))
    check_number(est.hidden_size, "hidden_size", Integral, min_val=1)
    check_number(est.num_layers, "num_layers", Integral, min_val=1)
    check_number(est.dropout, "dropout", Real, min_val=0.0, max_val=1.0, include_boundaries="left")
    check_number(est.learning_rate, "learning_rate", Real, min_val=0.0,
                 include_boundaries="neither")
    check_number(est.max_epochs, "max_epochs", Integral, min_val=1)
    check_number(est.batch_size, "batch_size", Integral, min_val=1)
    check_number(
        est.validation_fraction, "validation_fraction", Real, min_val=0.0, max_val=1.0,
        include_boundaries="neither",
    )
    check_number(est.n_iter_no_change, "n_iter_no_change", Integral, min_val=1)
    # "False" would be true
    check_choice(est.early_stopping, "early_stopping", (False, True, "refit", "both"))
    if not isinstance(est.verbose, (Integral, np.bool_)):  # bool: Integral
        raise TypeError(f"verbose must be False, True or a count >= 0, not {est.verbose!r}.")
    if est.verbose < 0:
        raise ValueError(f"verbose must be False, True or a count >= 0, not {plain(est.verbose)}.")
    if est.gradient_clip is not None:
        if isinstance(est.gradient_clip, Real) and np.isposinf(est.gradient_clip):
            raise ValueError("gradient_clip=inf is not valid; pass None for no clipping.")
        check_number(est.gradient_clip, "gradient_clip", Real, min_val=0.0,
                     include_boundaries="neither")


def as_float_array(values, name: str, copy: bool = True, fill: str | None = None) -> np.ndarray:
    """A float64 copy of numeric ``values``; strings, sparse, complex and non-finite values are
    refused with an error that names the fix (``fill``: how to fill them, default
    ``{name}.interpolate()``). Object arrays of numbers are converted.

    ``copy=False`` returns float64 input as a read-only view instead (no copy of a long series;
    nothing can write through it); other dtypes are still converted into a new array.
    """
    if sp.issparse(values):
        raise TypeError(
            f"{name} is a sparse matrix; sparse input is not supported: pass a dense array "
            "(e.g. X.toarray())."
        )
    if values is None:
        raise TypeError(f"{name} is None; pass the data (an array, or a pandas Series or "
                        "DataFrame).")
    arr = np.asarray(values)
    if arr.ndim == 0:
        raise ValueError(f"{name} is a single value ({values!r}); pass an array of values.")
    if arr.dtype.kind == "O":  # pandas' nullable dtypes give pd.NA: a missing value, not text
        missing = pd.isna(arr)
        arr = np.where(missing, np.nan, arr) if missing.any() else arr
    if arr.dtype.kind in "USO":
        strings = arr.dtype.kind in "US" or any(isinstance(v, (str, bytes)) for v in arr.flat)
        try:
            converted = arr.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(
                f"{name} holds non-numeric values (dtype {arr.dtype}: {exc}); pass numbers only, "
                "e.g. convert with pd.to_numeric or drop the non-numeric columns."
            ) from None
        if strings:
            raise TypeError(
                f"{name} holds numbers stored as strings; convert them first, "
                "e.g. with pd.to_numeric(...) or .astype(float)."
            )
        arr = converted
    if arr.dtype.kind == "c":
        raise ValueError(f"Complex data not supported: {name} has dtype {arr.dtype}; pass real numbers.")
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} has dtype {arr.dtype}; pass numeric values (int or float).")
    if copy or arr.dtype != np.float64:
        arr = np.array(arr, dtype=np.float64)  # a copy: the caller's data is never touched
    else:
        arr = arr.view()
        arr.flags.writeable = False
    if arr.ndim >= 2 and len(arr) and arr.shape[-1] == 0:
        raise ValueError(
            f"{name} has 0 feature(s) (shape={arr.shape}) while a minimum of 1 is required; "
            f"each {'row' if arr.ndim == 2 else 'step'} needs at least one value."
        )
    if arr.size == 0:
        raise ValueError(f"{name} is empty; pass at least one observation.")
    if not np.isfinite(arr).all():
        bad = np.flatnonzero(~np.isfinite(arr).reshape(len(arr), -1).all(axis=1))
        raise ValueError(
            f"{name} contains NaN or infinite values at {bad.size} position(s) (first: "
            f"{bad[:5].tolist()}); "
            + (fill or f"fill or drop them first, e.g. {name}.interpolate() or {name}.dropna().")
        )
    largest = float(max(arr.max(), -arr.min()))  # (no temporary copy of |arr|)
    # their squares overflow (spreads became inf, forecasts NaN or -inf) or underflow to 0 (a
    # seasonal series of 1e-200 was taken for a constant: ETS forecast -4e184 x its units)
    if largest > LARGEST or 0 < largest < 1 / LARGEST:
        power = int(np.floor(np.log10(largest)))
        whole = re.sub(r"\[.*\]$", "", name)  # X[3]: one sequence of X; y['y']: a panel's y
        big = largest > LARGEST
        bound, side, act, back = ((LARGEST, "beyond", "divide", "multiply") if big else
                                  (1 / LARGEST, "below", "multiply", "divide"))
        raise ValueError(
            f"{name} holds values {'up' if big else 'only up'} to {largest:.3g}, {side} the "
            f"{bound:.0e} that float64 can scale (squares {'over' if big else 'under'}flow); "
            f"{act} all of {whole} by one power of ten first, e.g. 1e{abs(power)}"
            + (f", and {back} the predictions back by as much." if whole == "y" else ".")
        )
    return arr


def warn(message: str, category: type[Warning] = UserWarning) -> None:
    """``warnings.warn`` attributed to the caller's first frame outside tsrnn and scikit-learn
    (a fixed ``stacklevel`` pointed into tsrnn whenever a wrapper such as ``with_autograd`` sat
    between, and ``score`` is scikit-learn's), so that the warning names the user's line and
    filters by module work."""
    packages = tuple(os.path.dirname(os.path.abspath(path)) + os.sep
                     for path in (__file__, sklearn.__file__))
    frame, level = sys._getframe(1), 2
    while frame is not None and frame.f_code.co_filename.startswith(packages):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


LARGEST = 1e150  # the largest magnitude read: sums of squares of millions of them stay finite


@contextmanager
def unchanged_on_error(est) -> Iterator[None]:
    """Give ``est`` back its attributes if the block raises: a refused fit or update leaves the
    estimator as it was (attributes are restored, not objects changed in place)."""
    state = dict(est.__dict__)
    try:
        yield
    except BaseException:
        est.__dict__.clear()
        est.__dict__.update(state)
        raise


def check_count(value, name: str) -> None:
    """A positive integer (numpy integers too, not a bool)."""
    check_number(value, name, Integral, min_val=1)


def is_constant(spread: np.ndarray, level: np.ndarray, relative: bool = False) -> np.ndarray:
    """Where ``spread`` is 0 or rounding noise (rounding left constant columns of 3.3 with a
    spread of 9e-16 instead of 0).

    Noise is judged against ``max(|level|, 1)``: an input of zero plus rounding noise (a
    covariate computed as ``0.1 + 0.2 - 0.3``) must not become a divisor that later values are
    blown up by. ``relative=True`` judges it against ``|level|`` alone, for targets, whose
    forecasts are multiplied back by the same spread: a series in units of 1e-15 keeps its
    signal.
    """
    size = np.abs(level) if relative else np.maximum(np.abs(level), 1.0)
    return spread <= 10 * np.finfo(np.float64).eps * size


def safe_scale(spread: np.ndarray, level: np.ndarray, relative: bool = False) -> np.ndarray:
    """``spread`` as a divisor: 1 where the values are constant (:func:`is_constant`), so a
    constant channel scales to 0, not to ±1."""
    return np.where(is_constant(spread, level, relative), 1.0, spread)


def check_float32(values: np.ndarray, what: str, scaling, advice: str) -> np.ndarray:
    """``values`` (scaled network input), refused when they lie beyond float32's range: cast,
    they would become inf (a fit "diverged", a prediction turned NaN). The message names
    ``what`` reaches how far after ``scaling``, then gives ``advice``."""
    peak, top = float(np.abs(values).max(initial=0.0)), float(np.finfo(np.float32).max)
    if peak > top:
        raise ValueError(f"{what} {peak:.3g} after scaling={scaling!r}, beyond the {top:.3g} "
                         f"of the network's float32 arithmetic; {advice}")
    return values
