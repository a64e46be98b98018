"""Composition: a target transform around any forecaster, inverted on the forecast."""

from __future__ import annotations

from copy import copy

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.stats import boxcox, boxcox_normmax
from sklearn.base import clone

from ._validation import check_choice
from .forecasting import BaseForecaster
from .forecasting.base import series_named

_TRANSFORMS = ("log", "log1p", "boxcox", "diff")
_LAMBDA_BOUNDS = (-1.0, 2.0)  # as R's forecast::BoxCox.lambda


def _accepts(transform: str, values) -> bool:
    """Whether ``transform`` (one of :class:`TransformedTargetForecaster`'s) takes ``values``:
    "log" and "boxcox" positive ones, "log1p" non-negative ones, "diff" any."""
    values = np.asarray(values)
    if transform == "log1p":
        return not (values < 0).any()
    return transform not in ("log", "boxcox") or not (values <= 0).any()


def _inv_boxcox(z: np.ndarray, lam: float) -> np.ndarray:
    """The inverse Box-Cox transform, continued past the range where scipy's gives NaN: for
    λ > 0 as R's forecast::InvBoxCox, sign(x)|x|^(1/λ) of x = λz + 1 (a forecast below the
    transform's floor comes back below zero); for λ < 0 a forecast beyond 1/|λ| has no value,
    and the error says so."""
    if lam == 0:
        return np.exp(z)
    x = lam * z + 1
    if lam < 0 and (x <= 0).any():
        raise ValueError(
            f"the forecast on the Box-Cox scale (λ = {lam:.3g}) reached {z.max():.4g}, past the "
            f"{-1 / lam:.4g} its inverse is defined below; use transform='log' or 'diff'."
        )
    return np.sign(x) * np.abs(x) ** (1 / lam)


def _boxcox_lambda(y: np.ndarray) -> float:
    """The maximum-likelihood Box-Cox λ within [-1, 2]: unbounded, a series that varies little
    against its level can get λ = -6, whose inverse is undefined just past the data's range."""
    def bounded(fun):
        return minimize_scalar(fun, bounds=_LAMBDA_BOUNDS, method="bounded")
    return float(boxcox_normmax(y, method="mle", optimizer=bounded))


class TransformedTargetForecaster(BaseForecaster):
    """Fit a forecaster on a transformed series and invert the transform on its forecast.

    Like scikit-learn's ``TransformedTargetRegressor``, for forecasters: the wrapped forecaster
    sees only the transformed series; ``predict`` returns forecasts on the original scale, in
    the form and index of the original series.

    Parameters
    ----------
    forecaster : forecaster
        Any tsrnn forecaster; cloned on fit. Its ``horizon`` is this forecaster's horizon.
    transform : {"log", "log1p", "boxcox", "diff"}, default="log"
        "log": natural log (positive series only), inverted with exp. "log1p": log(1 + y)
        (non-negative series, such as counts with zeros), inverted with expm1, so forecasts
        stay above -1 (a multiplicative model of the counts, as a log is). "boxcox": Box-Cox
        with its λ estimated per column by maximum likelihood within [-1, 2] (positive series
        only; as R's forecast package bounds it, since far outside that range the inverse is
        undefined just past the data's range). "diff": first differences, inverted by
        cumulating the forecast from the last observed value.

    Attributes
    ----------
    forecaster_ : forecaster
        The fitted clone of ``forecaster``.
    lambdas_ : ndarray
        The Box-Cox λ of each column, for a panel each series (``transform="boxcox"``).

    Examples
    --------
    >>> from tsrnn import TransformedTargetForecaster
    >>> from tsrnn import SeasonalNaiveForecaster
    >>> from tsrnn.datasets import load_airpassengers
    >>> y = load_airpassengers()
    >>> f = TransformedTargetForecaster(SeasonalNaiveForecaster(horizon=12), transform="diff")
    >>> f.fit(y).predict().index[0]
    Timestamp('1961-01-01 00:00:00')
    """

    _PER_COLUMN = ("lambdas_",)

    def __init__(self, forecaster, transform: str = "log"):
        self.forecaster = forecaster
        self.transform = transform

    @property
    def horizon(self) -> int:
        return self.forecaster.horizon

    @property
    def season_length(self):
        return getattr(self.forecaster, "season_length", None)

    def _check_params(self) -> None:
        if not isinstance(self.forecaster, BaseForecaster):
            raise TypeError(
                f"forecaster={self.forecaster!r} is not a tsrnn forecaster; pass an instance of "
                "one, e.g. TransformedTargetForecaster(ARIMAForecaster(horizon=12))."
            )
        super()._check_params()
        check_choice(self.transform, "transform", _TRANSFORMS)

    def _forward(self, values: np.ndarray) -> np.ndarray:
        if self.transform == "diff":
            return np.diff(np.vstack([self._last, values]), axis=0)
        if self.transform == "log":
            return np.log(values)
        if self.transform == "log1p":
            return np.log1p(values)
        return np.column_stack([boxcox(c, lmbda=lam) for c, lam in zip(values.T, self.lambdas_)])

    def _check_positive(self, values: np.ndarray) -> None:
        if _accepts(self.transform, values):
            return
        if self.transform == "log1p":
            raise ValueError("transform='log1p' needs a non-negative series but y has values "
                             "< 0; shift the series first, or use transform='diff'.")
        if self.transform in ("log", "boxcox"):
            raise ValueError(
                f"transform={self.transform!r} needs a strictly positive series but y has values "
                "≤ 0; for counts with zeros use transform='log1p' (log(1 + y): its forecasts "
                "stay above -1), else shift the series first."
            )

    def _fit_values(self, values, cov, m):
        z, cov = self._transformed(values, cov)
        self.forecaster_ = self._inner(m).fit(z, cov)

    def _transformed(self, values, cov):
        """The series to fit the inner forecaster on, and its covariates; learns the transform
        (Box-Cox λ, last value) of ``values``."""
        self._check_positive(values)
        if self.transform == "boxcox":
            self.lambdas_ = np.array([_boxcox_lambda(c) for c in values.T])
        if self.transform == "diff":  # the first step has no difference
            if len(values) < 2:
                raise ValueError(
                    f"transform='diff' needs at least 2 observations to difference but y has "
                    f"{len(values)}; pass a longer series or use another transform."
                )
            z, cov = np.diff(values, axis=0), None if cov is None else cov[1:]
        else:
            z = self._forward(values)
        self._last = values[-1:]
        return z, cov

    def _inner(self, m: int):
        """An unfitted clone of ``forecaster`` that keeps the series' season ``m``."""
        forecaster, key = clone(self.forecaster), "season_length"
        inner = forecaster
        while isinstance(inner, TransformedTargetForecaster):  # nested: its inner forecaster's
            inner, key = inner.forecaster, f"forecaster__{key}"
        if forecaster.get_params().get(key, m) is None:  # keep the series' season
            forecaster.set_params(**{key: m})
        return forecaster

    def _fit_panel(self, series, covariates, m):
        """Each series transformed on its own (``_members`` hold the transforms), then one
        inner forecaster fit on them all: a recurrent one stays one global model."""
        self._members, parts, part_covs = [], [], []
        for i, (uid, values) in enumerate(zip(self._panel[0], series)):
            member = clone(self)
            with series_named(uid):
                z, cov = member._transformed(values, None if covariates is None else covariates[i])
            self._members.append(member)
            parts.append(z)
            part_covs.append(cov)
        inner = self._inner(m)
        inner._check_params()
        inner._fit_series(parts, None if covariates is None else part_covs, self._panel,
                          self._covariate_names)
        self.forecaster_ = inner

    def _covariate_rows(self, h: int) -> int:
        return self.forecaster_._covariate_rows(h)

    def _covariates_read(self, h: int) -> int:
        return self.forecaster_._covariates_read(h)

    def _predict_panel(self, h, future_cov):
        z = self.forecaster_._predict_panel(h, future_cov)  # (S, h, 1), transformed
        return np.stack([member._inverse(zi) for member, zi in zip(self._members, z)])

    def _update_values(self, values, cov):
        # the inner model copied first, as in the base class: updating a copy of this
        # forecaster moved the inner model it shared with the original
        self.forecaster_ = copy(self.forecaster_)
        self.forecaster_.update(self._moved_on(values), cov)

    def _moved_on(self, values):
        """``values`` that follow the series, transformed; the transform's state moves on."""
        self._check_positive(values)
        z = self._forward(values)
        self._last = values[-1:]
        return z

    def _update_series(self, values, covariates):
        """A panel's update: each series transformed by its own member, then the inner model
        moved on (models copied first, as in the base class)."""
        self._members = [copy(member) for member in self._members]
        parts = []
        for uid, member, new in zip(self._panel[0], self._members, values):
            with series_named(uid):
                parts.append(member._moved_on(new) if len(new) else new)
        self.forecaster_ = copy(self.forecaster_)
        self.forecaster_._update_series(parts, covariates)

    def _set_last(self, last):
        super()._set_last(last)
        self.forecaster_._set_last(last)  # the inner model's panel moves on alike

    def _predict_values(self, h, future_cov):
        return self._inverse(self.forecaster_.predict(h, X=future_cov))

    def _inverse(self, z: np.ndarray) -> np.ndarray:
        """Forecasts (h, D) on the original scale from ``z`` on the transformed one."""
        if self.transform == "diff":
            return self._last + np.cumsum(z, axis=0)
        if self.transform == "log":
            return np.exp(z)
        if self.transform == "log1p":
            return np.expm1(z)
        return np.column_stack([_inv_boxcox(c, lam) for c, lam in zip(z.T, self.lambdas_)])
