"""Sequence estimators: many-to-one recurrent classifier and regressor on N×T×D input."""

from __future__ import annotations

from numbers import Real

import numpy as np
import pandas as pd
import torch
from scipy.special import softmax
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.metrics import accuracy_score, r2_score
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d

from .._validation import as_float_array, is_constant, plain, safe_scale, warn
from .base import _SequenceEstimator
from .inputs import _IGNORE, pad


class SequenceClassifier(ClassifierMixin, _SequenceEstimator):
    __doc__ = (_SequenceEstimator.__doc__ or "").replace(
        "Recurrent network on sequences; subclasses define the target and the loss.",
        "Classify sequences with a many-to-one recurrent network (softmax output, cross-entropy).",
    ).replace(
        "    best_epoch_ : int\n",
        "    best_epoch_ : int\n    classes_ : ndarray\n        The labels seen in ``fit`` (any type).\n",
    ) + """
    Examples
    --------
    >>> import numpy as np
    >>> from tsrnn import SequenceClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(40, 10, 1)).astype("float32")
    >>> y = np.where(X[:, :, 0].mean(axis=1) > 0, "up", "down")
    >>> clf = SequenceClassifier(max_epochs=5, random_state=0).fit(X, y)
    >>> clf.classes_
    array(['down', 'up'], dtype='<U4')
    >>> clf.predict_proba(X).shape
    (40, 2)
    """

    def _encode_targets(self, y, n, sample_weight):
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if y.ndim == 1 and len(y) != n:
            raise ValueError(f"y has {len(y)} labels but X has {n} sequences; pass one label per "
                             "sequence.")
        if y.ndim != 1:
            raise ValueError(f"y must be 1-D with one label per sequence ({n}); got shape {y.shape}.")
        return self._encode_labels(y), len(self.classes_)

    def _encode_labels(self, labels: np.ndarray) -> np.ndarray:
        _check_present(labels)
        if labels.dtype.kind in "mM":  # fits, but a model file holds no datetime arrays
            raise TypeError(f"y holds {labels.dtype} labels; pass them as strings "
                            "(e.g. y.astype(str)) or integers.")
        check_classification_targets(labels)
        if self.warm_start and hasattr(self, "module_"):
            unseen = np.setdiff1d(labels, self.classes_)
            if unseen.size:
                raise ValueError(
                    f"warm_start: labels {unseen.tolist()} were not seen in the first fit "
                    f"(classes_ = {self.classes_.tolist()}); set warm_start=False to refit."
                )
            return np.searchsorted(self.classes_, labels).astype(np.int64)
        classes, encoded = np.unique(labels, return_inverse=True)
        if len(classes) < 2:
            raise ValueError(f"y has only one class ({plain(classes[0])!r}); a classifier needs "
                             "two or more.")
        self.classes_ = classes
        return encoded.astype(np.int64)

    def _encode_steps(self, steps, lengths, sample_weight):
        if all(v.ndim == 2 and v.shape[1] == 1 for v in steps):  # (T_i, 1): a label per step
            steps = [v[:, 0] for v in steps]
        wide = next((i for i, v in enumerate(steps) if v.ndim != 1), None)
        if wide is not None:
            raise ValueError(
                f"a classifier takes one label per step: y[{wide}] has shape "
                f"{steps[wide].shape}; pass (T_i,) arrays of labels (SequenceRegressor takes "
                "(T_i, k) targets)."
            )
        for i, v in enumerate(steps):
            _check_present(v, f"y[{i}]")
        encoded = np.split(self._encode_labels(np.concatenate(steps)), np.cumsum(lengths)[:-1])
        return pad(encoded, _IGNORE, np.int64), len(self.classes_)  # (N, T)

    def _stratify(self, targets, n_val):
        if targets.ndim > 1:
            return None
        counts = np.bincount(targets)
        counts = counts[counts > 0]  # a class whose samples all weigh 0 is not among targets
        both_sides = min(n_val, len(targets) - n_val) >= len(counts)  # each split gets every class
        return targets if counts.min() >= 2 and both_sides else None

    def _target_weights(self, targets: np.ndarray, sample_weight: np.ndarray):
        if self.class_weight is None:
            return 1.0
        if not (isinstance(self.class_weight, dict) or isinstance(self.class_weight, str)
                and self.class_weight == "balanced"):
            raise ValueError(
                f"class_weight={self.class_weight!r} is not valid; pass a dict "
                "{label: weight}, 'balanced' or None."
            )
        if isinstance(self.class_weight, dict):  # a class the dict omits gets weight 1
            labels = set(self.classes_.tolist())
            unknown = [k for k in self.class_weight if k not in labels]
            if unknown:
                raise ValueError(
                    f"class_weight has keys {unknown} that are not labels of y (classes_ = "
                    f"{self.classes_.tolist()}); key the weights by the labels themselves."
                )
            bad = {k: v for k, v in self.class_weight.items()
                   if not (isinstance(v, Real) and not isinstance(v, bool) and 0 <= v < np.inf)}
            if bad:
                raise ValueError(
                    f"class_weight has weights {plain(bad)} that are not finite non-negative "
                    "numbers; give each class a weight >= 0 (0 leaves its samples out)."
                )
        seen = targets != _IGNORE
        if isinstance(self.class_weight, dict):
            weight = np.array([self.class_weight.get(c, 1.0) for c in self.classes_.tolist()])
        else:  # "balanced", as scikit-learn's, counting classes by their samples' weights, so a
            # zero-weight sample takes no part; a class without weighted samples gets none
            counts = np.bincount(targets[seen], sample_weight[seen], len(self.classes_))
            present = counts > 0
            weight = np.zeros(len(counts))
            weight[present] = counts.sum() / (present.sum() * counts[present])
        return np.where(seen, weight[np.maximum(targets, 0)], 0.0)

    def _loss(self, logits, target):
        # logits (B, C) or (B, T, C) -> per-element loss (B,) or (B, T); padding gives 0
        smoothing = 0.1 if self.label_smoothing is None else self.label_smoothing
        loss = torch.nn.functional.cross_entropy(
            logits.reshape(-1, logits.size(-1)), target.reshape(-1), ignore_index=_IGNORE,
            reduction="none", label_smoothing=smoothing,
        )
        return loss.view_as(target)

    def predict_proba(self, X):
        """Class probabilities, columns in the order of ``classes_``.

        With the default ``label_smoothing`` (0.1) they are under-confident: the training
        targets themselves are 0.9 and 0.1 / n_classes, not 1 and 0. Set
        ``label_smoothing=0``, or calibrate with ``CalibratedClassifierCV``, where the
        probabilities themselves matter.

        Parameters
        ----------
        X : array-like of shape (N, T, D) or (N, T), or list of (T_i, D) arrays
            Sequences with the fit's channels D (any length).

        Returns
        -------
        ndarray of shape (N, n_classes), or (N, T, n_classes) with ``output="sequence"``
            For a list of sequences with ``output="sequence"``, a list of (T_i, n_classes)
            arrays.
        """
        logits = self._forward(X)
        if isinstance(logits, list):
            return [softmax(v, axis=-1) for v in logits]
        return softmax(logits, axis=-1)

    def predict(self, X):
        """The most probable label of each sequence (or of each step, ``output="sequence"``).

        Parameters
        ----------
        X : array-like of shape (N, T, D) or (N, T), or list of (T_i, D) arrays
            Sequences with the fit's channels D (any length).

        Returns
        -------
        ndarray of shape (N,), or (N, T) with ``output="sequence"``
            Labels from ``classes_``; for a list of sequences with ``output="sequence"``, a
            list of (T_i,) arrays.
        """
        logits = self._forward(X)
        if isinstance(logits, list):
            return [self.classes_[v.argmax(axis=-1)] for v in logits]
        return self.classes_[logits.argmax(axis=-1)]

    def score(self, X, y, sample_weight=None) -> float:
        """Mean accuracy (over all steps for ``output="sequence"``).

        Labels in ``y`` that were never seen in ``fit`` count as errors, as in scikit-learn's
        accuracy, with a UserWarning naming them: the classifier can never predict them. (They
        raised a ValueError, which made a cross-validation fold whose training part lacked a
        rare class score NaN, and a grid search's best score NaN.)

        Parameters
        ----------
        X : array-like of shape (N, T, D) or (N, T), or list of (T_i, D) arrays
            Sequences with the fit's channels D (any length).
        y : array-like of shape (N,), or (N, T) / list of (T_i,) with ``output="sequence"``
        sample_weight : array-like of shape (N,), optional
            Weight of each sequence (of each of its steps, ``output="sequence"``).

        Returns
        -------
        float
        """
        if self._fitted("output") == "sequence":
            steps = self._flat_steps(X, y, sample_weight)
            self._check_known(steps["y_true"])
            return float(accuracy_score(**steps))
        check_is_fitted(self)
        self._check_known(np.asarray(y).ravel())
        return super().score(X, y, sample_weight)

    def _check_known(self, labels: np.ndarray) -> None:
        _check_present(labels)
        unseen = np.setdiff1d(labels, self.classes_)
        if unseen.size:
            warn(
                f"y holds label(s) {unseen.tolist()[:10]} never seen in fit (classes_ = "
                f"{self.classes_.tolist()[:10]}); they count as errors. In cross-validation, "
                "give every training fold each class (fewer folds, or StratifiedKFold).")


_FILL_TARGETS = "drop those sequences (those rows of y) from X and y together, or fill the targets."


def _check_present(labels: np.ndarray, name: str = "y") -> None:
    """Refuse missing labels (NaN, None, pd.NA: blank cells of a CSV), which numpy's sorting
    met with "'<' not supported between 'float' and 'str'"; ``name`` y[i]: one sequence's."""
    missing = np.asarray(pd.isna(labels))
    if missing.any():
        first = int(np.argmax(missing))
        fix = (f"label those steps, or drop sequence {name[2:-1]} from X and y together"
               if name != "y" else "drop those sequences from X and y together (keep = "
               "~pd.isna(y); X[keep], y[keep] for arrays; for a list, [x for x, k in zip(X, "
               "keep) if k]), or label them")
        raise ValueError(
            f"{name} has {int(missing.sum())} missing label(s) (NaN, None or NA; the first at "
            f"{'step' if name != 'y' else 'position'} {first}); {fix}."
        )


class SequenceRegressor(RegressorMixin, _SequenceEstimator):
    __doc__ = (_SequenceEstimator.__doc__ or "").replace(
        "Recurrent network on sequences; subclasses define the target and the loss.",
        "Regress one value (or vector) per sequence with a many-to-one recurrent network (MSE).\n\n"
        "    Targets are standardised for training and the scaling is inverted on prediction.",
    ) + """
    Examples
    --------
    >>> import numpy as np
    >>> from tsrnn import SequenceRegressor
    >>> X = np.random.default_rng(0).normal(size=(40, 10, 2))
    >>> reg = SequenceRegressor(max_epochs=5, random_state=0).fit(X, X[:, :, 0].sum(axis=1))
    >>> reg.predict(X).shape
    (40,)
    """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True  # y may be (N, k)
        return tags

    def _encode_targets(self, y, n, sample_weight):
        y = as_float_array(y, "y", fill=_FILL_TARGETS)
        if y.ndim not in (1, 2) or len(y) != n:
            blocks = (f" (targets of shape (N, horizon, D), as make_windows gives them: pass "
                      f"y.reshape({n}, -1), and reshape predict's output back)"
                      if y.ndim == 3 and len(y) == n else "")
            raise ValueError(
                f"y must have shape ({n},) or ({n}, k), one row per sequence; got "
                f"{y.shape}{blocks}."
            )
        self._squeeze = y.ndim == 1  # one value per sequence: predict returns (N,)
        y2 = y.reshape(n, -1)
        return self._standardise(y2, sample_weight), y2.shape[1]

    def _standardise(self, y2: np.ndarray, weight: np.ndarray) -> np.ndarray:
        """Targets z-scored with their weighted mean and deviation (weight 0: no part)."""
        def spread(center):
            return np.sqrt(np.average((y2 - center) ** 2, axis=0, weights=weight))

        if not (self.warm_start and hasattr(self, "module_")):  # warm start keeps the scaling
            mean = np.average(y2, axis=0, weights=weight)
            std = spread(mean)
            # a constant column's centre is its value itself (the average rounds 3.3 off)
            self._y_mean = np.where(is_constant(std, mean, relative=True),
                                    y2[np.argmax(weight > 0)], mean)
            self._y_std = safe_scale(std, mean, relative=True)
        # columns at their centre throughout are predicted as it; each fit decides again, so
        # a warm start on values that vary learns them
        self._y_constant = is_constant(spread(self._y_mean), self._y_mean, relative=True)
        return ((y2 - self._y_mean) / self._y_std).astype(np.float32)

    def _encode_steps(self, steps, lengths, sample_weight):
        steps = [as_float_array(v, f"y[{i}]", fill=f"fill them, or drop sequence {i} from X and "
                                "y together.") for i, v in enumerate(steps)]
        wrong = next((i for i, v in enumerate(steps) if v.shape[1:] != steps[0].shape[1:]), None)
        if wrong is not None:
            raise ValueError(
                f"y[{wrong}] has targets of shape {steps[wrong].shape[1:]} per step but y[0] "
                f"{steps[0].shape[1:]}; pass the same k targets per step for every sequence."
            )
        self._squeeze = steps[0].ndim == 1  # one value per step: predict returns (N, T)
        flat = self._standardise(np.concatenate(steps).reshape(int(lengths.sum()), -1),
                                 np.repeat(sample_weight, lengths))
        # padded steps are NaN and skipped by the loss
        return pad(np.split(flat, np.cumsum(lengths)[:-1]), np.nan, np.float32), flat.shape[1]

    def _loss(self, pred, target):
        # (B, [T,] k) -> per-element squared error (B,) or (B, T); padded (NaN) steps give 0
        return ((pred - target.nan_to_num()) ** 2).mean(dim=-1)

    def predict(self, X):
        """Predicted targets, in the form of the ``y`` seen in fit.

        Parameters
        ----------
        X : array-like of shape (N, T, D) or (N, T), or list of (T_i, D) arrays
            Sequences with the fit's channels D (any length).

        Returns
        -------
        ndarray of shape (N,) or (N, k); with ``output="sequence"`` (N, T) or (N, T, k)
            For a list of sequences with ``output="sequence"``, a list of per-sequence arrays.
        """
        out = self._forward(X)
        parts = out if isinstance(out, list) else [out]
        scale = np.where(getattr(self, "_y_constant", False), 0.0, self._y_std)
        parts = [p * scale + self._y_mean for p in parts]
        if self._squeeze:
            parts = [p[..., 0] for p in parts]
        return parts if isinstance(out, list) else parts[0]

    def score(self, X, y, sample_weight=None) -> float:
        """R² of the predictions (over all steps for ``output="sequence"``).

        Parameters
        ----------
        X : array-like of shape (N, T, D) or (N, T), or list of (T_i, D) arrays
            Sequences with the fit's channels D (any length).
        y : array-like of shape (N,) or (N, k); with ``output="sequence"`` (N, T[, k]) or a list
        sample_weight : array-like of shape (N,), optional
            Weight of each sequence (of each of its steps, ``output="sequence"``).

        Returns
        -------
        float
        """
        if self._fitted("output") == "sequence":
            return float(r2_score(**self._flat_steps(X, y, sample_weight)))
        return super().score(X, y, sample_weight)
