"""Row-preserving transformers for sequences: usable as Pipeline steps before the estimators."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn import get_config
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ._validation import check_choice, safe_scale, unchanged_on_error
from .sequence.inputs import (check_feature_names, check_step_columns, holds_sequences,
                              read_sequences, sequence_columns, standardise_each)


class SequenceScaler(TransformerMixin, BaseEstimator):
    """Standardise sequences channel by channel, keeping one row per sequence.

    Input and output have the same form: (N, T, D) arrays, (N, T) arrays or DataFrames read as
    D = 1, or lists of (T_i, D) arrays of different lengths. With 2-D input the output is 2-D,
    so ``set_output(transform="pandas")`` gives a DataFrame with the input's columns.

    Parameters
    ----------
    method : {"global", "series"}, default="global"
        "global": subtract each channel's mean and divide by its standard deviation, both
        learned in ``fit`` over every step of every sequence. "series": z-normalise each
        sequence on its own (per channel, over its own steps); nothing is learned.

    Attributes
    ----------
    mean_, scale_ : ndarray of shape (D,)
        Channel statistics learned in ``fit`` (``method="global"``).
    n_features_in_ : int
        Channels per step (D), not T.

    Examples
    --------
    >>> from tsrnn import SequenceScaler
    >>> import numpy as np
    >>> X = np.array([[1.0, 2.0, 3.0], [3.0, 4.0, 5.0]])
    >>> SequenceScaler().fit_transform(X).round(2)
    array([[-1.55, -0.77,  0.  ],
           [ 0.  ,  0.77,  1.55]])
    >>> SequenceScaler(method="series").fit_transform(X).round(2)
    array([[-1.22,  0.  ,  1.22],
           [-1.22,  0.  ,  1.22]])
    """

    def __init__(self, method: str = "global"):
        self.method = method

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags

    def _read(self, X, names: list | None = None):
        seqs, lengths = read_sequences(X, names=names)
        mask = np.arange(seqs.shape[1]) < lengths[:, None]  # (N, T)
        return seqs, lengths, mask

    def fit(self, X, y=None):
        """Learn the channel statistics of ``X`` (nothing for ``method="series"``).

        Parameters
        ----------
        X : array-like of shape (N, T, D) or (N, T), or list of (T_i, D) arrays
        y : None
            Ignored; present for scikit-learn's API.

        Returns
        -------
        self
        """
        check_choice(self.method, "method", ("global", "series"))
        with unchanged_on_error(self):  # a refused refit keeps the previous fit whole
            # a list of DataFrames: their columns matched by name, as the estimators do (read
            # by position, swapped columns were scaled with each other's statistics)
            self._channels = sequence_columns(X)
            seqs, _, mask = self._read(X, self._channels)
            std = seqs[mask].std(axis=0)
            self.mean_ = seqs[mask].mean(axis=0)
            self.scale_ = safe_scale(std, self.mean_)
            self.n_features_in_ = seqs.shape[2]
            self._columns = seqs.shape[1] if _is_2d(X) else None  # T: the columns of 2-D output
            if isinstance(X, pd.DataFrame) or self._channels is not None:
                names = X.columns if isinstance(X, pd.DataFrame) else self._channels
                self.feature_names_in_ = np.asarray(names, dtype=object)
            elif hasattr(self, "feature_names_in_"):  # a refit on an array has no names
                del self.feature_names_in_
        return self

    def transform(self, X):
        """Standardised copy of ``X`` in the same form.

        Parameters
        ----------
        X : array-like of shape (N, T, D) or (N, T), or list of (T_i, D) arrays
            Sequences with the fit's channels (and, for 2-D DataFrames, the fit's columns); the
            list may also be a 1-D object array or pandas Series of them.

        Returns
        -------
        ndarray of the shape of ``X``, or a list (object array, Series) of arrays for one
            Each channel minus its mean, divided by its standard deviation (the fit's for
            ``method="global"``, each sequence's own for ``"series"``).
        """
        check_is_fitted(self)
        channels = getattr(self, "_channels", None)
        check_feature_names(X, getattr(self, "feature_names_in_", None), "SequenceScaler",
                            whole=channels is None)
        seqs, lengths, mask = self._read(X, channels)
        if seqs.shape[2] != self.n_features_in_:
            raise ValueError(
                f"X has {seqs.shape[2]} channel(s) per step but the scaler was fit with "
                f"{self.n_features_in_}; pass sequences with the same channels."
            )
        self._check_columns(X)
        scaled = ((seqs - self.mean_) / self.scale_ if self.method == "global"
                  else standardise_each(seqs, mask))
        out = scaled * mask[..., None]
        if holds_sequences(X):  # each sequence in its own form, (T_i,) or (T_i, D)
            parts = [pd.DataFrame(o[:n], index=x.index, columns=channels or x.columns)
                     if isinstance(x, pd.DataFrame) else
                     pd.Series(o[:n, 0], index=x.index, name=x.name) if isinstance(x, pd.Series)
                     else o[:n, 0] if np.ndim(x) == 1 else o[:n]
                     for o, n, x in zip(out, lengths, X)]  # frames in the fit's column order
            if isinstance(X, (list, tuple)):
                return parts
            held = np.empty(len(parts), dtype=object)  # an object array or Series, as given
            for i, part in enumerate(parts):
                held[i] = part
            return pd.Series(held, index=X.index, name=X.name) if isinstance(X, pd.Series) else held
        return out[:, :, 0] if _is_2d(X) else out

    def _check_columns(self, X) -> None:
        """2-D input names its columns (time steps) in the output: a DataFrame must have the
        fit's names in the fit's order, and pandas output needs 2-D input of the fit's number of
        columns."""
        check_step_columns(X, getattr(self, "feature_names_in_", None), "the scaler")
        output = getattr(self, "_sklearn_output_config", {}).get(
            "transform", get_config()["transform_output"])
        if output != "default" and not _is_2d(X):
            form = "a list of sequences" if holds_sequences(X) else f"{np.ndim(X)}-D"
            raise ValueError(
                f"{output} output holds 2-D data only but X is {form}; give this scaler numpy "
                "output, SequenceScaler().set_output(transform='default') (scikit-learn's global "
                "transform_output applies to every step of a pipeline)."
            )
        n = self._n_columns()
        if output != "default" and np.shape(X)[1] != n:
            raise ValueError(
                f"X has {np.shape(X)[1]} columns (time steps) but the scaler was fit on "
                f"{n}, and {output} output names them with the fit's names; pass "
                "sequences of the fit's length, or use the default (numpy) output."
            )

    def _n_columns(self) -> int:
        """Columns of the output: T for 2-D input, else the channels D."""
        columns = getattr(self, "_columns", None)
        return self.n_features_in_ if columns is None else columns

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """Names of the output columns: for 2-D input its (time) columns, the DataFrame's names
        or ``x0, x1, ...``; for 3-D input and lists the channels' names.

        Parameters
        ----------
        input_features : array-like of str, optional
            Must equal the fit's feature names (or have their number, after a fit without
            names), as scikit-learn's transformers check them.

        Returns
        -------
        ndarray of str objects
        """
        check_is_fitted(self)
        fitted = getattr(self, "feature_names_in_", None)
        n = self._n_columns()
        if input_features is not None:  # as scikit-learn's transformers check them
            names = np.asarray(input_features, dtype=object)
            if (len(names) != n if fitted is None else not np.array_equal(names, fitted)):
                raise ValueError(
                    f"input_features {names.tolist()} do not match the "
                    f"{'names seen in fit' if fitted is not None else f'{n} columns'}; leave "
                    "input_features out."
                )
            return names
        if fitted is not None:
            return fitted.copy()
        return np.asarray([f"x{i}" for i in range(n)], dtype=object)


def _is_2d(X) -> bool:
    """Whether ``X`` is one 2-D array or DataFrame (N sequences x T steps, D = 1)."""
    return not holds_sequences(X) and np.ndim(X) == 2
