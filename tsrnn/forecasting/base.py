"""The pandas-edge shell every tsrnn forecaster shares."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from copy import copy
from dataclasses import replace
from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone
from sklearn.utils.validation import check_is_fitted

from .. import _pandas
from .._validation import check_count, check_number, unchanged_on_error, warn
from ..evaluation import _mase_scale, _per_series, mase, mase_scale


@contextmanager
def series_named(uid) -> Iterator[None]:
    """Prefix a ValueError raised for one series of a panel with its ``unique_id``."""
    try:
        yield
    except ValueError as exc:
        raise ValueError(f"series {uid!r} of the panel: {exc}") from None


class BaseForecaster(BaseEstimator):
    """The protocol every tsrnn forecaster follows, pandas handled once at the edge.

    ``fit(y, X=None)`` learns from a series; ``predict(horizon=None, X=None)`` forecasts the steps
    after its end, in the form ``y`` came in: a Series (same name) or DataFrame (same columns)
    indexed by the next time stamps, or a numpy array for numpy input. ``score`` is the negative
    MASE of a forecast of the values that follow the training series (higher is better, as
    scikit-learn's model selection expects).

    A subclass takes ``horizon`` and ``season_length`` parameters (keyword arguments of its
    ``__init__``, stored as given) and implements three hooks on float64 arrays; everything
    pandas, panels, ``score`` and ``backtest`` is done here around them, so override the hooks,
    not ``predict`` (``backtest`` and the scorers call the hooks directly).

    - ``_fit_values(values, cov, m)``: ``values`` (T, D), a copy the subclass may keep; ``cov``
      (T, K) or None without ``X``; ``m`` the season length (``season_length``, else the season
      of the index's frequency: 12 monthly, 7 daily, 24 hourly; 1 for numpy or integer input).
    - ``_predict_values(h, future_cov)``: return the forecasts as an (h, D) array; ``future_cov``
      has at least ``h`` rows (more when the caller's ``X`` has more: read the first ``h``) or
      is None.
    - ``_update_values(values, cov)`` (optional; :meth:`update`, and so ``backtest`` with
      ``refit`` other than True, need it): ``values`` holds only the new rows (k, D); replace
      fitted attributes rather than change them in place, so that a refused update leaves the
      forecaster as it was.

    For a long-format panel, ``fit`` fits one clone per series (``_fit_values`` on each, with
    ``n_targets_``, ``season_length_`` and ``n_covariates_`` set) and keeps them in
    ``_members``. ``tsrnn.estimator_checks.check_forecaster`` checks the result.
    """

    # Whether _fit_values may keep (views of) the values it is given: then fit hands it a copy.
    # Forecasters that only read them get a read-only view of float64 input (no copy).
    _copies_input = True
    _PER_COLUMN: tuple[str, ...] = ()  # fitted lists with one entry per column or series

    def fit(self, y, X=None):
        """Fit the forecaster to a series.

        Parameters
        ----------
        y : pandas Series or DataFrame, or array-like of shape (T,) or (T, D)
            The series (several columns are forecast together). Its index must be regular:
            a DatetimeIndex or PeriodIndex with a frequency, or evenly spaced integers. Or a
            long-format panel of many series: a DataFrame with columns unique_id, ds and y.
        X : DataFrame or array-like of shape (T, K), optional
            Covariates aligned with ``y``. A forecaster fit with ``X`` needs their future
            values in :meth:`predict`. For a panel, a long-format DataFrame: columns unique_id,
            ds and one per covariate, with a row for every row of ``y`` (other rows, such as
            the future ones, are ignored here).

        Returns
        -------
        self
        """
        with unchanged_on_error(self):
            if _pandas.is_panel(y):
                return self._fit_long(y, X)
            values, fmt = _pandas.read_series(y, copy=self._copies_input)
            _pandas.check_continuable(fmt.index)
            cov = None if X is None else _pandas.read_covariates(X, len(values),
                                                                  _pandas.stamps(fmt))
            self._check_params()
            # the data's season (its frequency's) scales MASE, not season_length: candidates of
            # a search over season_length are scored on one scale
            data_m = _pandas.season_length(fmt.index)
            m = self.season_length or data_m
            self._fit_values(values, cov, m)
            self.season_length_ = m
            self.mase_scale_ = mase_scale(values, data_m)
            self.n_targets_ = values.shape[1]
            self.n_covariates_ = 0 if cov is None else cov.shape[1]
            self.cutoff_ = fmt.index[-1]
            self._format, self._panel = fmt, None
            self._covariate_names = _pandas.column_names(X)
            return self

    def _fit_long(self, y, X):
        """Fit a long-format panel (columns unique_id, ds, y) of many series."""
        series, covariates, panel = _pandas.read_panel(y, X)
        self._check_params()
        self._fit_series(series, covariates, panel,
                         None if X is None else _pandas.covariate_columns(X))
        return self

    def _fit_series(self, series: list[np.ndarray], covariates: list[np.ndarray] | None,
                    panel: tuple, names: list | None) -> None:
        """Fit a panel's series, given as arrays, and set the fitted attributes (first: a
        refused fit restores them all, see ``fit``)."""
        scale_m = _pandas.panel_season_length(panel)  # the data's season, as for a series
        self.season_length_ = self.season_length or scale_m
        self.mase_scale_ = _per_series(lambda v: _mase_scale(v, scale_m), series)  # (S, 1)
        self.n_targets_ = 1
        self.n_covariates_ = 0 if covariates is None else covariates[0].shape[1]
        self._covariate_names = names
        self.cutoff_ = panel[1].max()
        self._format, self._panel = None, panel
        self._fit_panel(series, covariates, self.season_length_)
        for name in self._PER_COLUMN:  # e.g. ARIMA's orders_: one per series, from the members
            parts = [getattr(member, name) for member in self._members if hasattr(member, name)]
            if parts and isinstance(parts[0], np.ndarray):
                setattr(self, name, np.concatenate(parts))
            elif parts:
                setattr(self, name, [v for part in parts for v in part])

    def _fit_panel(self, series: list[np.ndarray], covariates: list[np.ndarray] | None,
                   m: int) -> None:
        """One model per series (forecasters without a global model override this); a series
        that its model refuses is named by its ``unique_id`` in the error."""
        self._members = []
        for i, (uid, values) in enumerate(zip(self._panel[0], series)):
            # a clone each (not copies of one, which shared mutable parameters: a regressor
            # fit in place forecast one series with another's model), with the fitted facts
            # its hooks may read
            member = clone(self)
            member.n_targets_, member.season_length_ = 1, self.season_length_
            member.n_covariates_ = self.n_covariates_
            with series_named(uid):
                member._fit_values(values, None if covariates is None else covariates[i], m)
            self._members.append(member)

    def _predict_panel(self, h: int, future_cov: np.ndarray | None) -> np.ndarray:
        """Forecasts (S, h, 1) of every series; ``future_cov`` (S, n >= h, K) or None."""
        return np.stack([member._forecast(h, None if future_cov is None else future_cov[i])
                         for i, member in enumerate(self._members)])

    def _covariate_rows(self, h: int) -> int:
        """The future covariate rows that forecasting ``h`` steps reads."""
        return h

    def _covariates_read(self, h: int) -> int:
        """The future covariate rows that the first ``h`` forecasts depend on."""
        return h

    def _forecast(self, h: int, future_cov: np.ndarray | None) -> np.ndarray:
        """``_predict_values``, its result held to the hook's contract: an (h, D) array."""
        values = np.asarray(self._predict_values(h, future_cov))
        if values.shape != (h, self.n_targets_):
            raise TypeError(
                f"{type(self).__name__}._predict_values({h}, future_cov) returned an array of "
                f"shape {values.shape}; it must return shape ({h}, {self.n_targets_}): a row per "
                "step, a column per target (values[:, None] makes one column of a 1-D array)."
            )
        return values

    def _check_params(self) -> None:
        missing = [name for name in ("horizon", "season_length") if not hasattr(self, name)]
        if missing:
            raise TypeError(
                f"{type(self).__name__} has no {' or '.join(missing)} attribute: a forecaster "
                "built on BaseForecaster takes horizon and season_length as keyword arguments "
                "of its __init__ and stores them as given (season_length=None: the season of "
                "the index's frequency)."
            )
        check_count(self.horizon, "horizon")
        if self.season_length is not None:
            check_number(self.season_length, "season_length", Integral, min_val=1)

    def predict(self, horizon: int | None = None, X=None):
        """Forecast the steps after the end of the training series.

        Parameters
        ----------
        horizon : int, optional
            Steps to forecast; defaults to the ``horizon`` the forecaster was built with.
        X : DataFrame or array-like of shape (horizon, K), optional
            Future covariates, required when the forecaster was fit with ``X``: a row for each
            step, at least, and the columns of the fit (a DataFrame's by name, in any order).
            Rows beyond ``horizon`` are used where the model reads them: a direct recurrent
            forecaster asked for fewer steps than it was trained for reads the covariates of
            its whole trained block (the last row is repeated where X stops short). After a
            panel fit, long format (unique_id, ds, the covariates) with each series' next
            ``horizon`` rows, matched by series and time stamp.

        Returns
        -------
        Series, DataFrame or ndarray
            Same form as the training ``y``, indexed by the ``horizon`` time stamps after it;
            after a panel fit, a long-format DataFrame (unique_id, ds, y) of each series' next
            ``horizon`` steps.
        """
        check_is_fitted(self)
        if isinstance(horizon, (np.ndarray, pd.Series, pd.DataFrame, list, tuple)):
            raise TypeError(
                f"predict's first argument is the number of steps (horizon), not a "
                f"{type(horizon).__name__}; pass future covariates by name, predict(X=...) (a "
                "fitted GridSearchCV's predict passes them as the first argument: call "
                "search.best_estimator_.predict(X=...))."
            )
        h = self.horizon if horizon is None else horizon
        check_count(h, "horizon")
        if self._panel is not None:
            values = self._panel_ahead(h, X, "predict", f"each series' next {h} time stamps", h)
            return _pandas.write_panel(values, self._panel)
        index, values = self._ahead(h, X, "predict")
        return _pandas.write_series(values, self._format, index)

    def _ahead(self, h: int, X, method: str) -> tuple[pd.Index, np.ndarray]:
        """The ``h`` time stamps after the series seen so far and their forecasts (h, D), with
        ``X`` (given to ``method``) as the future covariates."""
        index = _pandas.future_index(self._format.index, h)
        cov = self._future_covariates(X, index, method)
        if cov is not None:
            self._warn_short_covariates(len(cov), h)
        return index, self._forecast(h, cov)

    def _panel_ahead(self, h: int, X, method: str, rows: str, need) -> np.ndarray:
        """Forecasts (S, h, D) of every series of the panel, with the long-format ``X`` (given
        to ``method``; ``rows`` says which rows it must hold) as the future covariates, of which
        each series needs ``need`` (an int, or one per series: 0 for one not read)."""
        cov = None
        if self._needs_covariates(X, method, rows):
            cov, have = _pandas.panel_future_covariates(
                X, self._panel, self._covariate_names, need, self._covariate_rows(h))
            need = np.broadcast_to(need, have.shape)
            self._warn_short_covariates(have[need > 0], need[need > 0])
        return self._predict_panel(h, cov)

    def _steps_of(self, fmt, n: int) -> np.ndarray:
        """How many steps after the series seen so far each of ``n`` new values (read in form
        ``fmt``) lies, 1 for the next: by their time stamps, or in order where either side has
        none."""
        if fmt.kind == "ndarray" or self._format.kind == "ndarray":
            return np.arange(1, n + 1)
        return _pandas.steps_after(self._format.index, fmt.index)

    def _warn_short_covariates(self, rows, steps) -> None:
        """Warn where the first ``steps`` forecasts depend on more covariate rows than X has
        ``rows`` (ints, or arrays with one of each per series; a direct recurrent forecaster's
        head reads its whole trained block)."""
        rows, steps = np.broadcast_arrays(np.atleast_1d(rows), np.atleast_1d(steps))
        reads = {s: self._covariates_read(int(s)) for s in np.unique(steps)}
        short = rows < np.array([reads[s] for s in steps])
        if short.any():
            i = int(np.argmax(short))
            rows, h, need = int(rows[i]), int(steps[i]), reads[steps[i]]
            warn(f"X has {rows} row(s) of future covariates, but {type(self).__name__} reads "
                 f"{need} to forecast {h} step(s): its head forecasts whole blocks of its trained "
                 "horizon at once, so each forecast depends on the covariates of its whole block, "
                 f"and the last row is repeated for the rest. Pass X for {need} steps, or fit with "
                 "strategy='seq2seq' (forecasts that read only the steps up to their own).")

    def update(self, y, X=None):
        """Append new observations without refitting; forecasts then start after them.

        The fitted parameters stay as they are; only the history the forecaster reads from moves
        on (for ARIMA, the state is filtered through the new values). Use it to forecast from
        later origins, e.g. in a backtest, without paying for a new fit.

        Parameters
        ----------
        y : Series, DataFrame or array-like
            The observations that follow the series seen so far, in the same form and columns.
            After a long-format panel fit, a long-format panel: for any of its series, the
            steps right after that series' end.
        X : DataFrame or array-like, optional
            Their covariates, required when the forecaster was fit with ``X`` (long format for
            a panel).

        Returns
        -------
        self
        """
        check_is_fitted(self)
        with unchanged_on_error(self):
            if self._panel is not None:
                self._update_panel(y, X)
                return self
            values, fmt = self._read_observed(y)
            if not np.array_equal(self._steps_of(fmt, len(values)), np.arange(1, len(values) + 1)):
                raise ValueError(
                    "the new observations must start right after the end of the series seen so "
                    f"far ({self.cutoff_}), with no gap."
                )
            index = _pandas.extend_index(self._format.index, len(values))
            cov = self._future_covariates(X, index[-len(values) :], "update")
            self._update_values(values, None if cov is None else cov[: len(values)])
            self._format = replace(self._format, index=index)
            self.cutoff_ = index[-1]
            return self

    def _update_panel(self, y, X) -> None:
        """``update`` after a panel fit: each series in ``y`` moves on by its new rows."""
        codes, steps, values, stamps = _pandas.panel_steps(self._panel, y, gaps=False)
        order = np.lexsort((steps, codes))
        codes, values, stamps = codes[order], values[order], stamps[order]
        ids, last, _ = self._panel
        count = np.bincount(codes, minlength=len(ids))
        cov = None
        if self._needs_covariates(X, "update", "a row for each new value"):
            cov = _pandas.panel_covariates_at(X, ids, stamps, codes, self._covariate_names)
        bounds = np.cumsum(count)
        self._update_series(np.split(values[:, None], bounds[:-1]),
                            None if cov is None else np.split(cov, bounds[:-1]))
        new_last = stamps[np.maximum(bounds - 1, 0)]  # each series' last new stamp
        self._set_last(last.where(count == 0, new_last))

    def _set_last(self, last: pd.Index) -> None:
        """Record each series' last time stamp after a panel update."""
        self._panel = (self._panel[0], last, self._panel[2])
        self.cutoff_ = last.max()

    def _update_values(self, values: np.ndarray, cov: np.ndarray | None) -> None:
        raise NotImplementedError(
            f"{type(self).__name__} cannot update: it implements no _update_values(values, cov); "
            "refit it on the longer series instead."
        )

    def _update_series(self, values: list[np.ndarray], covariates: list | None) -> None:
        """Move each series of a fitted panel on by its new rows (``values[i]`` (k_i, 1), maybe
        none); the models are copied first, so a refused update leaves them as they were."""
        self._members = [copy(member) for member in self._members]
        for i, (member, new) in enumerate(zip(self._members, values)):
            if len(new):
                member._update_values(new, None if covariates is None else covariates[i])

    def _read_observed(self, y) -> tuple[np.ndarray, _pandas.SeriesFormat]:
        """Observations of the fitted series' columns that follow it (``update``, ``score``)."""
        # placed on the fitted series' time line (steps_after), so the stamps need no
        # frequency of their own
        values, fmt = _pandas.read_series(_pandas.match_columns(y, self._format.columns, "y"),
                                          regular=False)
        if values.shape[1] != self.n_targets_:
            raise ValueError(
                f"y has {values.shape[1]} column(s) but the forecaster was fit on "
                f"{self.n_targets_}; pass the same columns."
            )
        return values, fmt

    def _future_covariates(self, X, index, method: str = "predict") -> np.ndarray | None:
        """The covariates of the steps of ``index`` and of any rows ``X`` has beyond them (a
        direct recurrent forecaster's head reads a whole trained block), in the fit's column
        order."""
        rows = f"{len(index)} row" + ("s, one per step" if len(index) > 1 else " for the step")
        if not self._needs_covariates(X, method, rows):
            return None
        n = len(X)
        if n < len(index) and method == "update":
            raise ValueError(f"X has {n} rows but the {len(index)} new values of y need one each; "
                             "pass X for the same steps as y.")
        if n < len(index):
            raise ValueError(
                f"X has {n} rows but the {len(index)} forecast steps need one each (from the "
                "step after the training series; when y starts later, e.g. TimeSeriesSplit with "
                "a gap, X must cover the steps in between too: score such folds with backtest "
                "or by hand)."
            )
        fmt_index = index if n == len(index) else _pandas.future_index(self._format.index, n)
        X = _pandas.match_covariates(X, getattr(self, "_covariate_names", None))
        cov = _pandas.read_covariates(X, n, _pandas.stamps(self._format, fmt_index),
                                      required=len(index))
        if cov.shape[1] != self.n_covariates_:
            raise ValueError(
                f"X has {cov.shape[1]} columns but the forecaster was fit with "
                f"{self.n_covariates_}; pass the same covariates."
            )
        return cov

    def _needs_covariates(self, X, method: str, rows: str) -> bool:
        """Whether ``method`` reads covariates: refuses ``X`` after a fit without them, and no
        ``X`` after a fit with them (which needs ``rows``)."""
        if not self.n_covariates_:
            if X is not None:
                raise ValueError(
                    f"X was passed to {method} but the forecaster was fit without covariates; "
                    "fit it with X, or leave X out."
                )
            return False
        if X is None:
            raise ValueError(
                f"the forecaster was fit with {self.n_covariates_} covariate(s) X, so {method} "
                f"needs their values: pass X with {rows}."
            )
        return True

    def score(self, y, X=None) -> float:
        """Negative MASE of the forecast of ``y``, the values that follow the training series.

        The forecast is made from the end of the training series; with a pandas index the
        values are placed by their time stamps, so ``y`` may start some steps later (a gap).
        Higher is better; MASE's scale is the training series' in-sample seasonal naive error
        at the season of its frequency (12 for monthly data; the naive error without a
        frequency, e.g. for numpy input), whatever ``season_length`` the forecaster is given, so
        that a search over ``season_length`` scores every candidate on one scale. Prefer pandas
        input and ``TimeSeriesSplit`` in searches: a numpy test block is taken to follow the
        training block, which the folds of scikit-learn's default K-fold ``cv`` do not.

        After a long-format panel fit, ``y`` is a long-format panel of values after its series'
        ends (any of the series, any steps), and the score is the negative mean over the series
        in ``y`` of each one's MASE (with its own scale).

        Parameters
        ----------
        y : Series, DataFrame or array-like
            Observed values after the training series (or long-format panel).
        X : DataFrame or array-like, optional
            Future covariates for every step up to the last one of ``y`` (long format for a
            panel).

        Returns
        -------
        float
        """
        check_is_fitted(self)
        if self._panel is not None:
            return self._panel_score(y, X)
        actual, forecast = self._forecast_of(y, X)
        return -mase(actual, forecast, scale=self.mase_scale_)

    def _panel_score(self, y, X) -> float:
        codes, steps, values, _ = _pandas.panel_steps(self._panel, y, gaps=True)
        upto = np.zeros(len(self._panel[0]), dtype=np.int64)  # the rows each series needs
        np.maximum.at(upto, codes, steps)
        forecast = self._panel_ahead(int(steps.max()), X, "score", "each scored series' steps "
                                     "up to its last value", upto)[codes, steps - 1, 0]
        errors = np.abs(values - forecast) / self.mase_scale_[codes, 0]
        count = np.bincount(codes, minlength=len(self._panel[0]))
        per_series = np.bincount(codes, errors, minlength=len(count))[count > 0] / count[count > 0]
        return -float(per_series.mean())

    def _forecast_origins(self, y, X, origins: list[int], h: int) -> np.ndarray | None:
        """Forecasts (O, h, D) of the ``h`` steps after each origin (a row count of ``y``) in
        one batched call, reading ``y`` and ``X`` up to each origin without refitting; None where
        the forecaster can only move from origin to origin (:meth:`update`)."""
        return None

    def _forecast_of(self, y, X=None) -> tuple[np.ndarray, np.ndarray]:
        """The values of ``y`` (T, D) and their forecasts from the end of the training data."""
        check_is_fitted(self)
        if self._panel is not None:
            raise ValueError(
                "make_forecast_scorer's metrics take one series; a forecaster fit on a "
                "long-format panel is scored by its score method (the mean MASE over the "
                "series), or fit and scored one series at a time."
            )
        values, fmt = self._read_observed(y)
        steps = self._steps_of(fmt, len(values))
        return values, self._ahead(int(steps[-1]), X, "score")[1][steps - 1]
