"""Baseline forecasters with the same protocol: seasonal naive and ARIMA (statsmodels)."""

from __future__ import annotations

import functools
import itertools
import math
import warnings
from numbers import Integral

import numpy as np
from statsmodels.tools.sm_exceptions import ConvergenceWarning
from statsmodels.tsa.statespace.sarimax import SARIMAX
from threadpoolctl import threadpool_limits

from ._validation import is_constant, plain, safe_scale, warn
from .evaluation import _ndiffs
from .forecasting import BaseForecaster


class SeasonalNaiveForecaster(BaseForecaster):
    """Repeat the last observed season: ŷ_{T+k} = y_{T+k-m·ceil(k/m)}.

    With ``season_length=1`` this is the naive (random walk) forecast. Covariates are ignored.

    Parameters
    ----------
    horizon : int, default=1
        Steps forecast by default (``predict`` gives any horizon).
    season_length : int, optional
        Inferred from the index frequency when None (12 monthly, 4 quarterly, ...). A series
        shorter than one season gets the naive forecast (its last value), as MASE's scale does.

    Examples
    --------
    >>> from tsrnn import SeasonalNaiveForecaster
    >>> import numpy as np
    >>> SeasonalNaiveForecaster(horizon=3, season_length=2).fit(np.arange(6.0)).predict()
    array([4., 5., 4.])
    """

    def __init__(self, horizon: int = 1, *, season_length: int | None = None):
        self.horizon = horizon
        self.season_length = season_length

    def _fit_values(self, values, cov, m):
        self._m, self._last_season = m, values[-m:].copy()  # (<= m, D)

    def _update_values(self, values, cov):
        self._last_season = np.vstack([self._last_season, values])[-self._season() :]

    def _season(self) -> int:
        return getattr(self, "_m", len(self._last_season))  # pickles from before _m existed

    def _predict_values(self, h, future_cov):
        # shorter than a season (until updates complete one): the naive forecast
        full = len(self._last_season) == self._season()
        season = self._last_season if full else self._last_season[-1:]
        return season[np.arange(h) % len(season)]


def _one_blas_thread(method):
    """Run ``method`` with the BLAS libraries (numpy's, scipy's) on one thread, as
    scikit-learn's KMeans does. statsmodels' fits multiply matrices of a few rows: on 2 cores
    auto-ARIMA on air passengers took as long with one thread as with two, at half the CPU
    time; beside other busy processes (the test suite on 2 workers) a test of a 0.5 s
    auto-ARIMA fit took 36 s with BLAS on two threads."""

    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        with threadpool_limits(1, user_api="blas"):
            return method(*args, **kwargs)

    return wrapper


def _standardise(est, values: np.ndarray) -> np.ndarray:
    """Record each column's mean and standard deviation on ``est`` and return the z-scores: the
    statistical models see data in the same units whatever the series' units (statsmodels'
    approximate diffuse initialisation has a variance fixed in absolute units, so a series in
    thousandths picked other orders and forecasts than the same series in units)."""
    mean, std = values.mean(axis=0), values.std(axis=0)
    constant = is_constant(std, mean, relative=True)
    # a constant column becomes ones (all zeros, a product without sales, gave ETS an AICc of
    # -inf for every form, so no model could be fit): divided by its last value, so that no
    # digit of a small one is lost (as mean - 1 + 1, 1e-15 came back as 5.6e-16, and the mean
    # of thirty 1e-9 is 9.999999999999999e-10); zeros shifted by 1
    last = values[-1]
    est._scale = np.where(constant, np.where(last == 0, 1.0, np.abs(last)), std)
    est._center = np.where(constant & (last == 0), -1.0, np.where(constant, 0.0, mean))
    est._ones = np.where(constant, np.where(last < 0, -1.0, 1.0), np.nan)  # their model values
    return _in_model_units(est, values)


def _in_model_units(est, values: np.ndarray) -> np.ndarray:
    # models pickled before the standardisation have neither attribute
    return (values - getattr(est, "_center", 0.0)) / getattr(est, "_scale", 1.0)


def _in_data_units(est, z: np.ndarray) -> np.ndarray:
    """Forecasts ``z`` in data units; those of a column constant in training that are its
    model value (±1) up to rounding are that value exactly, so a constant series is forecast
    as itself (ETS forecast ones as 1 - 4.4e-16, so zeros as -4.4e-16)."""
    ones = getattr(est, "_ones", None)  # (models saved before it have none)
    if ones is not None:
        z = np.where(np.abs(z - ones) <= 64 * np.finfo(float).eps, ones, z)
    return z * getattr(est, "_scale", 1.0) + getattr(est, "_center", 0.0)


def _seasonal_strength(y: np.ndarray, m: int) -> float:
    """Strength of seasonality of the series from an STL decomposition (the heuristic of R's
    nsdiffs), from 0 to 1.

    The decomposition is R's ``mstl(x)`` for one season: ``stl`` with ``s.window = 13`` and
    R's other defaults (a locally constant seasonal fit, smoothers evaluated every
    ``ceiling(window / 10)`` points, 2 inner iterations; an odd season's low-pass window is
    one odd number longer than R's, the shortest statsmodels takes). statsmodels' defaults
    (seasonal window 7, locally linear) let the seasonal part follow a level shift: a flat
    series that jumps 8 months before its end scored 0.72-0.84, above the 0.64 cut, and
    auto-ARIMA forecast the jump again a year on; with R's settings 0.28-0.42."""
    from statsmodels.tsa.seasonal import STL

    if m < 2 or len(y) < 2 * m + 1:
        return 0.0
    seasonal = 13
    trend = _next_odd(1.5 * m / (1 - 1.5 / seasonal))  # R's (and statsmodels') t.window
    low_pass = _next_odd(m + 1)  # R's nextodd(m), except that statsmodels needs one above m
    res = STL(y, period=m, seasonal=seasonal, trend=trend, low_pass=low_pass, seasonal_deg=0,
              seasonal_jump=math.ceil(seasonal / 10), trend_jump=math.ceil(trend / 10),
              low_pass_jump=math.ceil(low_pass / 10)).fit(inner_iter=2)  # R's (statsmodels: 5)
    total = np.var(res.resid + res.seasonal)
    if total <= 1e-20 * max(np.var(y), np.mean(np.square(y)), np.finfo(float).tiny):
        return 0.0  # no seasonal or irregular variation at all (a constant or a pure trend)
    return max(0.0, 1.0 - np.var(res.resid) / total)


def _unexplained(y: np.ndarray, cov: np.ndarray | None) -> np.ndarray:
    """What the covariates leave of ``y`` unexplained: the residuals of its least-squares
    regression on them and an intercept (auto.arima's ``residuals(lm(x ~ xreg))``, which its
    tests for differences read); ``y`` itself without covariates. Residuals of an exact fit,
    rounding only, are zeros (else the tests read the rounding)."""
    if cov is None:
        return y
    design = np.column_stack([np.ones(len(y)), cov])
    resid = y - design @ np.linalg.lstsq(design, y, rcond=None)[0]  # (collinear columns too)
    return np.zeros_like(y) if np.ptp(resid) <= 1e-8 * np.ptp(y) else resid


def _next_odd(x: float) -> int:
    """R's ``nextodd(ceiling(x))``: the smallest odd integer at least ``x``."""
    n = math.ceil(x)
    return n + 1 - n % 2


def _identifiable(cov, d: int, big_d: int, m: int, drift: bool = False):
    """Which covariates (columns, in model units) a regression with ARIMA errors differenced
    ``d`` times and ``big_d`` times by season ``m`` can estimate: not those whose differences
    vanish, which the diffuse start absorbs, nor, beside a possible drift (``drift``), those
    whose differences are constant, which the drift absorbs (a time index beside a drift got a
    coefficient of -8e13, and a forecast of -1e15 for the next step but six). Without a drift
    such a column is one (as R's Arima fits it): it was dropped too, and a trend forecast
    flat. None without covariates."""
    if cov is None:
        return None
    diffed = np.diff(cov[m:] - cov[:-m] if big_d else cov, n=d, axis=0)
    if not (d or big_d) or len(diffed) < 2:
        return np.ones(cov.shape[1], dtype=bool)
    vanish = is_constant(np.abs(diffed).max(axis=0), np.abs(cov).max(axis=0))
    steady = is_constant(diffed.std(axis=0), diffed.mean(axis=0)) if drift else False
    return ~(vanish | steady)


_MAXITER = 500  # (L-BFGS iterations of each ARIMA fit)
# The longest seasons the statistical baselines model: ETS R's ets' 24 ("I can't handle data
# with frequency greater than 24"), auto-ARIMA weekly data's 52, as auto.arima does (a day of
# 96 quarter-hours took minutes a fit, 288 over 9 minutes on 4 days)
_LONGEST_SEASON = {"ETSForecaster": 24, "ARIMAForecaster": 52}


def _season_modelled(m: int, model: str) -> bool:
    """Whether ``model`` fits a season of ``m`` steps. A longer one than it models is left out
    with a warning (as R's ets warns) that names what does model it; auto-ARIMA warns of the
    time its search over a season of more than 24 steps takes."""
    longest = _LONGEST_SEASON[model]
    arima = model == "ARIMAForecaster"
    if m > longest:
        warn(f"{model} models seasons of at most {longest} steps"
             + (" (as R's ets)" if not arima else "") + f"; the season of {m} is left out. For "
             "it, use SeasonalNaiveForecaster or a recurrent forecaster, aggregate the data "
             "(e.g. to hours)" + (", or fix seasonal_order." if arima else "."))
        return False
    if arima and m > 24:
        warn(f"{model} searches seasonal models of {m} steps, which takes minutes a fit (a "
             "half-hourly series of 14 days: 168 s; of 4 weeks, over 10 minutes); to skip "
             "them, fix seasonal_order=(0, 0, 0), or aggregate the data (e.g. to hours).")
    return m > 1


def _moves(i: int, j: int) -> list:
    """auto.arima's stepwise moves of orders ``i`` and ``j`` of (p, q, P, Q, constant): each
    down, each up, then both together."""
    def move(*steps):
        return tuple(dict(steps).get(k, 0) for k in range(5))
    return ([move((i, -1)), move((j, -1)), move((i, 1)), move((j, 1))]
            + [move((i, a), (j, b)) for a in (-1, 1) for b in (-1, 1)])


# in auto.arima's order: the seasonal orders, the non-seasonal ones, the constant
_MOVES = _moves(2, 3) + _moves(0, 1) + [(0, 0, 0, 0, 1), (0, 0, 0, 0, -1)]


def _near_unit_root(result) -> bool:
    """Whether a fitted ARIMA has an AR root, or a non-seasonal MA root, within 1.01 of the
    unit circle, which auto.arima refuses: an AR root there is a model on the edge of
    non-stationarity (lynx got an ARMA(3,3) with a root at 1.0026, unconverged), an MA root a
    difference taken to be undone (a random walk with drift got ARIMA(1,1,1) with its MA root at
    1.0033 instead of its own model). auto.arima refuses seasonal MA roots there too; a seasonal
    MA of -1 after a seasonal difference is the fit's answer for a fixed seasonal pattern, and
    refusing it worsened the benchmark's auto-ARIMA (mean MASE over 3 origins, US gasoline
    1.154 → 1.527, El Niño 0.524 → 0.663), so it is kept."""
    ma = result.maparams  # (the non-seasonal MA polynomial, 1 + θ1 z + ... + θq z^q)
    roots = np.r_[result.arroots, np.polynomial.polynomial.polyroots(np.r_[1.0, ma])
                  if len(ma) else []]
    return bool(len(roots)) and np.abs(roots).min() < 1.01


def _too_short(n: int, cov, fixed_order, fixed_seasonal, d: int, big_d: int, m: int) -> str:
    """The error of a search in which no candidate had enough observations to be tried."""
    covariates = "" if cov is None else f" and {cov.shape[1]} covariate(s)"
    fixed = [f"{name}={plain(tuple(value))}" for name, value in
             (("order", fixed_order), ("seasonal_order", fixed_seasonal))
             if value is not None and any(value)]
    orders = "".join(f"{f}, " for f in fixed) + f"d={d}, D={big_d} (season {m})"
    return (f"the series has {n} observation(s), too few for ARIMA with {orders}{covariates}; "
            "pass a longer series, lower orders or fewer covariates, or use "
            "SeasonalNaiveForecaster.")


class ARIMAForecaster(BaseForecaster):
    """(Seasonal) ARIMA from statsmodels, with automatic order selection when none is given.

    Automatic selection follows auto.arima's recipe in small: seasonal differencing when the
    seasonal strength exceeds 0.64, ordinary differences by KPSS tests (both of what covariates
    leave unexplained, the residuals of a regression on them, when given), then a stepwise search
    over p, q ≤ 3, P, Q ≤ 1 and, with one difference in all, a drift by AICc (the mean is in
    every undifferenced model), with at least three observations (after differencing) per
    parameter. Each step moves one order, or p and q together, or P and Q together, by one
    (auto.arima's moves, in its order); a model with an AR or non-seasonal MA root within 1.01
    of the unit circle is refused, as by auto.arima (unless the caller's orders leave no other:
    it is kept with a warning; seasonal MA roots are not checked, unlike auto.arima's: a
    seasonal MA of -1 is the fit's answer for a fixed seasonal pattern, and refusing it
    worsened the benchmark).
    The search fits the ARMA of the differenced series, whose likelihood is the whole series'
    (and faster to compute). The model without ARMA terms needs only one more than its
    parameters (AIC where AICc is undefined), so a short series still gets a model: its mean (a
    random walk when ``order`` fixes d = 1). Each column of a multivariate series gets its own
    model; covariates enter as regressors, z-scored (one constant over the training series is
    left out: its effect cannot be estimated; so is one whose differences, taken as the model's,
    are constant, such as a time index beside a drift or month dummies beside a seasonal
    difference). Each column is fit z-scored and its forecasts mapped back, so orders and
    forecasts do not depend on the series' units (statsmodels' approximate diffuse start does,
    on raw values).

    Parameters
    ----------
    horizon : int, default=1
        Steps forecast by default (``predict`` gives any horizon).
    order : tuple (p, d, q), optional
        Fixed non-seasonal order; None selects it automatically.
    seasonal_order : tuple (P, D, Q), optional
        Fixed seasonal order (period ``season_length``); None selects it automatically, for
        seasons of at most 52 steps (weekly data's), with a warning of the time the search
        takes above 24 (a half-hourly fit of 14 days took 168 s with its season of 48, 10 s
        without; of 4 weeks, over 10 minutes); a longer season, such as a day of 15-minute
        steps (96), is left out with a warning unless given here.
    season_length : int, optional
        Inferred from the index frequency when None.

    Attributes
    ----------
    orders_ : list of tuple
        ``(order, seasonal_order)`` chosen for each column (for a panel, each series).
    """

    _PER_COLUMN = ("orders_",)

    def __init__(self, horizon: int = 1, *, order=None, seasonal_order=None, season_length=None):
        self.horizon = horizon
        self.order = order
        self.seasonal_order = seasonal_order
        self.season_length = season_length

    def _check_params(self) -> None:
        super()._check_params()
        for name, letters in (("order", "p, d, q"), ("seasonal_order", "P, D, Q")):
            value = getattr(self, name)
            if value is None or (
                    isinstance(value, (tuple, list, np.ndarray)) and len(value) == 3
                    and all(isinstance(v, Integral) and not isinstance(v, bool) and v >= 0
                            for v in value)):
                continue
            period = (" (the season's length, statsmodels' fourth entry, is season_length here)"
                      if name == "seasonal_order" and np.ndim(value) == 1 and len(value) == 4
                      else "")
            raise ValueError(f"{name}={plain(value)!r} is not valid; pass three non-negative "
                             f"integers ({letters}){period}, or None to choose them "
                             "automatically.")

    @_one_blas_thread
    def _fit_values(self, values, cov, m):
        self._results, self.orders_, self._cov_kept = [], [], []
        self.__dict__.pop("_cov_stats", None)
        if cov is not None:
            # covariates z-scored too (their units moved the fit: a price in mills lost its
            # effect), and those constant over the training series left out: their effect
            # cannot be estimated (and a constant column beside the mean is collinear with it)
            mean, std = cov.mean(axis=0), cov.std(axis=0)
            self._cov_stats = mean, safe_scale(std, mean), ~is_constant(std, mean)
        cov = self._covariates_in_model_units(cov)
        for col in _standardise(self, values).T:
            result, kept = self._select(col, cov, m)
            self._results.append(result)
            self._cov_kept.append(kept)
            self.orders_.append((result.model.order, result.model.seasonal_order[:3]))

    def _at_zero(self, y, cov, order, seasonal, m, constant=None):
        """The model of these orders at fixed parameters, not fitted: every covariate and ARMA
        coefficient 0, the variance 1 (model units), and ``constant`` (a mean or a drift;
        None: no constant)."""
        n_zero = ((0 if cov is None else cov.shape[1]) + sum(order) + sum(seasonal)
                  - order[1] - seasonal[1])
        params = np.r_[[] if constant is None else [constant], np.zeros(n_zero), 1.0]
        return self._fit_one(y, cov, order, seasonal, constant is not None, m, params=params)

    def _fit_one(self, y, cov, order, seasonal, constant, m, *, differenced=False,
                 params=None):
        """SARIMAX fit by maximum likelihood, or at ``params``. ``differenced`` models the ARMA
        of the differenced series (statsmodels' simple differencing): the same likelihood, with
        a state vector d + D m shorter (a weekly seasonal model of 200 points took 0.2 s, and
        10 s for the whole series' model started at the same optimum; a monthly airline model
        fit 1.3 times faster), so the search fits that, and the model kept is the whole
        series' at the same estimates."""
        # SARIMAX's constant enters the differenced equation: with one difference, a drift
        model = SARIMAX(
            y, exog=cov, order=order, seasonal_order=(*seasonal, m if any(seasonal) else 0),
            trend="c" if constant else None, simple_differencing=differenced,
        )
        if params is not None:
            return model.smooth(params)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            warnings.simplefilter("ignore", UserWarning)
            # (statsmodels' default of 50 iterations left lynx's ARMA(3,3) unconverged, 1.9
            # above its optimum's AICc, and the search ranked that)
            return model.fit(disp=False, maxiter=_MAXITER)

    def _select(self, y, cov, m):
        fixed_order, fixed_seasonal = self.order, self.seasonal_order
        if m < 2 and fixed_seasonal is not None and any(fixed_seasonal):
            raise ValueError(
                f"seasonal_order={tuple(fixed_seasonal)} needs a season, but the series has "
                f"season_length={m}; pass season_length (e.g. 12 for monthly data), or a pandas "
                "series with a frequency, or leave seasonal_order out."
            )
        if len(y) > 1 and np.ptp(y) < 1e-8:
            # a constant series (all ones in model units): the mean model with its constant fixed
            # at the value, as auto.arima does (or the caller's orders, every coefficient 0 and
            # the constant only when undifferenced); fitted, statsmodels' optimiser left it off
            # by about 1e-6 (zeros forecast as -5e-6) and picked MA terms beside covariates
            order, seasonal = tuple(fixed_order or (0, 0, 0)), tuple(fixed_seasonal or (0, 0, 0))
            mean = None if order[1] + seasonal[1] else y.mean()
            return (self._at_zero(y, cov, order, seasonal, m, mean),
                    _identifiable(cov, order[1], seasonal[1], m))
        # (the caller's orders: a seasonal order fixed here for want of a season leaves the
        # drift free, as for a seasonal series)
        caller_fixed_both = fixed_order is not None and fixed_seasonal is not None
        if fixed_seasonal is None and not _season_modelled(m, "ARIMAForecaster"):
            fixed_seasonal = (0, 0, 0)
        # the differences are chosen for what the covariates leave unexplained, as auto.arima
        # does (a trend that a trend covariate explains needs none)
        xx = _unexplained(y, cov)
        big_d = (
            fixed_seasonal[1] if fixed_seasonal is not None
            else int(_seasonal_strength(xx, m) > 0.64)
        )
        d = (fixed_order[1] if fixed_order is not None
             else _ndiffs(xx[m:] - xx[:-m] if big_d else xx))
        # an undifferenced model has its mean; with one difference in all, a drift is chosen
        # by AICc, as auto.arima does (unless the caller fixed both orders, as R's Arima)
        free_constant = d + big_d == 1 and not caller_fixed_both
        kept = _identifiable(cov, d, big_d, m, drift=free_constant)
        cov = None if cov is None or not kept.any() else cov[:, kept]
        dx = np.diff(y[m:] - y[:-m] if big_d else y, n=d)
        if (self.order is None and self.seasonal_order is None and d + big_d and len(dx) > 1
                and np.ptp(dx) <= 1e-8 * max(np.abs(dx).max(), 1.0)):
            # constant differences (an exact line): their likelihood is degenerate (a line of 50
            # points got ARIMA(2,1,2)); as auto.arima, fix the drift at their mean
            drift = dx.mean() if d + big_d == 1 else None
            return self._at_zero(y, cov, (0, d, 0), (0, big_d, 0), m, drift), kept
        if (self.order is None and self.seasonal_order is None and cov is not None
                and not xx.any() and d + big_d == 0 and len(y) >= cov.shape[1] + 2):
            # the covariates explain y exactly (their residuals are rounding; with the points
            # the search asks of this model): the regression, at its least-squares coefficients
            # (a likelihood fit missed them by 3e-6 of y)
            coef = np.linalg.lstsq(np.column_stack([np.ones(len(y)), cov]), y, rcond=None)[0]
            return self._fit_one(y, cov, (0, 0, 0), (0, 0, 0), True, m,
                                 params=np.r_[coef, 1.0]), kept
        fits: dict = {}
        ics: dict = {}  # (the specifications fit, by their AICc)
        search = not caller_fixed_both  # (R's Arima takes the caller's orders as they are)

        def spec(k):  # k = (p, q, P, Q, constant) -> (order, seasonal_order, constant)
            order = tuple(fixed_order) if fixed_order is not None else (k[0], d, k[1])
            seasonal = tuple(fixed_seasonal) if fixed_seasonal is not None else (k[2], big_d, k[3])
            return order, seasonal, bool(k[4]) if free_constant else d + big_d == 0

        def aicc(k):
            (p, _, q), (sp, _, sq), constant = spec(k)
            arma = p + q + sp + sq
            # + the constant and the covariates' coefficients
            n_params = arma + constant + (0 if cov is None else cov.shape[1])
            room = len(y) - d - big_d * m  # observations left after differencing
            # at least 3 per parameter; the model without ARMA terms (the mean, or a random walk
            # when differenced) only needs one more than its parameters, so that a short series
            # still gets a model, as auto.arima does
            if room < (3 * (n_params + 1) if arma else n_params + 1):
                return np.inf
            if spec(k) not in fits:
                try:
                    fits[spec(k)] = self._fit_one(y, cov, *spec(k), m, differenced=True)
                except (np.linalg.LinAlgError, ValueError):
                    fits[spec(k)] = None
            res = fits[spec(k)]
            if res is None:
                return np.inf
            # AICc is undefined on a series too short for its correction (only ever the model
            # without ARMA terms, which then competes with nothing): AIC
            ic = res.aicc if np.isfinite(res.aicc) or arma else res.aic
            ics[spec(k)] = ic if np.isfinite(ic) else np.inf
            # an AR or non-seasonal MA root near the unit circle: refused in the search, as by
            # auto.arima (kept only as a last resort, for orders of the caller's that allow
            # nothing else)
            return np.inf if search and _near_unit_root(res) else ics[spec(k)]

        # stepwise search (Hyndman & Khandakar 2008): best of four starts, then move one order,
        # or p and q together, or P and Q together, by one while AICc drops; orders that are
        # fixed simply do not move.
        # (with a season, p and q at most m - 1, as auto.arima: seasonal terms take the lags
        # from m on; the starts are capped alike)
        most = 3 if m < 2 else min(3, m - 1)
        upper = (most, most, 1, 1, 1)
        starts = [(2, 2, 1, 1, 1), (0, 0, 0, 0, 1), (1, 0, 1, 0, 1), (0, 1, 0, 1, 1),
                  (0, 0, 0, 0, 0)]
        best = min([tuple(map(min, k, upper)) for k in starts], key=aicc)
        improved = True
        while improved:
            improved = False
            for move in _MOVES:
                cand = tuple(v + s for v, s in zip(best, move))
                if (all(0 <= c <= u for c, u in zip(cand, upper)) and spec(cand) != spec(best)
                        and aicc(cand) < aicc(best)):
                    best, improved = cand, True
                    break  # (auto.arima starts its list of moves again from the new best)
        if not fits:  # no candidate had enough observations to be tried
            raise ValueError(_too_short(len(y), cov, fixed_order, fixed_seasonal, d, big_d, m))
        return self._refit_best(y, cov, m, fits, ics, search, d + big_d), kept

    def _refit_best(self, y, cov, m, fits: dict, ics: dict, search: bool, differences: int):
        """The searched specification with the lowest AICc, refit on the whole series at the
        search's estimates (its fit on the differenced series; the next best when that refit
        fails), one with a root near the unit circle only when the caller's orders allow no
        other (with a warning)."""
        refused = {k for k in ics if search and _near_unit_root(fits[k])}
        for key in sorted((k for k in ics if np.isfinite(ics[k])),
                          key=lambda k: (k in refused, ics[k])):
            if key in refused:  # (the caller's orders allow nothing else)
                warn(f"every ARIMA model the given orders allow has an AR or MA root within "
                     f"1.01 of the unit circle (auto.arima refuses such models); the best, "
                     f"order={key[0]} seasonal_order={key[1]}, is kept. An AR root at 1 means "
                     "the series needs one more difference, an MA root at 1 one fewer: try "
                     "another d (or D), or order=None.")
            if not differences:  # (nothing differenced: the search's fit is the model)
                return fits[key]
            try:  # the whole series' model at the search's estimates
                result = self._fit_one(y, cov, *key, m, params=fits[key].params)
            except (np.linalg.LinAlgError, ValueError):
                continue
            if np.isfinite(result.llf):
                return result
        raise ValueError(
            "no ARIMA model could be fit to this series; pass an explicit order, or check "
            "the series for constant or extreme values."
        )

    def _covariates_in_model_units(self, cov):
        if cov is None or not hasattr(self, "_cov_stats"):  # (models from before: as given)
            return cov
        mean, scale, used = self._cov_stats
        return ((cov - mean) / scale)[:, used] if used.any() else None

    def _column_covariates(self, cov) -> list:
        """The covariates in model units that each column's model reads."""
        cov = self._covariates_in_model_units(cov)
        kept = getattr(self, "_cov_kept", [None] * len(self._results))  # (models from before)
        return [cov if cov is None or k is None else cov[:, k] if k.any() else None
                for k in kept]

    @_one_blas_thread
    def _update_values(self, values, cov):
        # extend filters only the new values on from the last state (append re-ran the filter
        # and smoother over the whole history: a walk-forward backtest grew quadratically)
        # (statsmodels 0.14 re-checks the specification on the new rows alone, and refuses a
        # constant trend beside covariates that are constant there)
        self._results = [r.extend(col, exog=c, validate_specification=False) for r, col, c in zip(
            self._results, _in_model_units(self, values).T, self._column_covariates(cov))]

    def _predict_values(self, h, future_cov):
        exogs = self._column_covariates(None if future_cov is None else future_cov[:h])
        cols = [r.forecast(h, exog=exog) for r, exog in zip(self._results, exogs)]
        return _in_data_units(self, np.column_stack(cols))


def _ets_aicc(res, seasonal: bool) -> float:
    """AICc of a fitted ETSModel with R's count of parameters: statsmodels' ``df_model``
    counts all ``m`` initial seasonal states, one of which it fixes (R: ``m - 1``), so it put
    a seasonal form at a disadvantage of about 10 AICc on 30 monthly points."""
    k = res.df_model - int(seasonal)
    n = res.nobs
    if n - k - 1 <= 0:
        return np.inf
    return float(-2 * res.llf + 2 * k + 2 * k * (k + 1) / (n - k - 1))


class ETSForecaster(BaseForecaster):
    """Exponential smoothing (statsmodels ETSModel) with the form chosen by AICc.

    Candidates: additive errors; no trend or an additive damped trend; no season or an additive
    season of ``season_length`` (when the series has at least ``2 * season_length + 2``
    points, and, as R's ``ets``, a season of at most 24 steps: weekly or half-hourly data is
    fit without one, with a warning, as R's). Each column of a multivariate series gets its
    own model, fit z-scored (so the results do not depend on the series' units); covariates are
    ignored. AICc counts the parameters as R's ``ets`` does: ``m - 1`` free initial seasonal
    states (statsmodels counts ``m``, though it fixes one). Unlike R, fits outside the
    admissible region of R's ``bounds="both"`` are not refused: statsmodels bounds the
    parameters by the usual box only.

    Parameters
    ----------
    horizon : int, default=1
        Steps forecast by default (``predict`` gives any horizon).
    season_length : int, optional
        Inferred from the index frequency when None.

    Attributes
    ----------
    forms_ : list of tuple
        ``(trend, seasonal)`` chosen for each column (for a panel, each series).
    """

    _PER_COLUMN = ("forms_",)

    def __init__(self, horizon: int = 1, *, season_length: int | None = None):
        self.horizon = horizon
        self.season_length = season_length

    @_one_blas_thread
    def _fit_values(self, values, cov, m):
        from statsmodels.tsa.exponential_smoothing.ets import ETSModel

        if len(values) < 5:  # simple exponential smoothing's AICc needs 5 points
            raise ValueError(
                f"ETSForecaster needs at least 5 observations of each series but got "
                f"{len(values)}; pass a longer series, or use ARIMAForecaster (2 or more) or "
                "SeasonalNaiveForecaster for very short series."
            )
        seasonal = ([None, "add"] if _season_modelled(m, "ETSForecaster")
                    and len(values) >= 2 * m + 2 else [None])
        self._results, self.forms_ = [], []
        for col in _standardise(self, values).T:
            best = None
            for trend, season in itertools.product([None, "add"], seasonal):
                model = ETSModel(col, error="add", trend=trend, damped_trend=trend is not None,
                                 seasonal=season, seasonal_periods=m if season else None)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    try:
                        res = model.fit(disp=False)
                    except (np.linalg.LinAlgError, ValueError):
                        continue
                ic = _ets_aicc(res, season is not None)
                if np.isfinite(ic) and (best is None or ic < best_ic):
                    best, best_ic, form = res, ic, (trend, season)
            if best is None:
                raise ValueError("no ETS model could be fit; check the series for extreme values.")
            self._results.append(best)
            self.forms_.append(form)

    @_one_blas_thread
    def _update_values(self, values, cov):
        # same form and parameters, state filtered through the longer series
        self._results = [
            type(r.model)(np.r_[r.model.endog, col], error="add", trend=r.model.trend,
                          damped_trend=r.model.damped_trend, seasonal=r.model.seasonal,
                          seasonal_periods=r.model.seasonal_periods).smooth(r.params)
            for r, col in zip(self._results, _in_model_units(self, values).T)
        ]

    def _predict_values(self, h, future_cov):
        return _in_data_units(self, np.column_stack([r.forecast(h) for r in self._results]))
