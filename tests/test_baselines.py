import warnings

import numpy as np
import pandas as pd
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from tsrnn import ARIMAForecaster, ETSForecaster, SeasonalNaiveForecaster, mase
from tsrnn.datasets import load_airpassengers


def test_seasonal_naive_repeats_last_season():
    y = pd.Series(np.arange(24.0), index=pd.period_range("2000-01", periods=24, freq="M"))
    pred = SeasonalNaiveForecaster(horizon=14).fit(y).predict()
    assert pred.tolist() == list(range(12, 24)) + [12.0, 13.0]
    assert str(pred.index[0]) == "2002-01"
    # business-month stamps are monthly (season 12), not business days (5)
    business = pd.Series(np.tile(np.arange(12.0), 4), index=pd.date_range("2015-01-01", periods=48,
                                                                         freq="BMS"))
    f = SeasonalNaiveForecaster(horizon=12).fit(business)
    assert f.season_length_ == 12 and f.predict().tolist() == list(range(12))
    quarters = pd.Series(np.arange(12.0), index=pd.date_range("2015-01-01", periods=12, freq="BQE"))
    assert SeasonalNaiveForecaster().fit(quarters).season_length_ == 4
    # shorter than a season: the last value, not the series' start repeated
    short = SeasonalNaiveForecaster(horizon=3, season_length=12).fit(np.arange(8.0))
    assert short.predict().tolist() == [7.0] * 3
    assert short.update(np.arange(8.0, 14.0)).predict().tolist() == [2.0, 3.0, 4.0]  # a season now


@pytest.mark.parametrize("freq, season", [
    ("7D", 52), ("24h", 7), ("60min", 24), ("3MS", 4), ("12MS", 1), ("WOM-1MON", 12),
    (pd.DateOffset(months=1), 12), (pd.DateOffset(months=3), 4), (pd.DateOffset(days=10), 1),
    ("2W", 1), ("SMS", 1), ("7h", 1), ("1min", 1),
    # steps that divide a day: its cycle (these were 1, so a half-hourly series had no season)
    ("30min", 48), ("6h", 4), ("12h", 2), (pd.DateOffset(hours=2), 12),
    # weeks anchored on a weekday (but Monday, weekday 0) had none
    (pd.DateOffset(weeks=1, weekday=6), 52),
])
def test_the_season_does_not_depend_on_how_the_frequency_is_spelled(freq, season):
    # "7D" is the weekly W-SUN pandas infers for the same stamps, "24h" daily, "3MS" quarterly;
    # the first Monday of each month is monthly; a DateOffset by its unit (it used to fail)
    index = pd.date_range("2015-01-04", periods=60, freq=freq)
    y = pd.Series(np.arange(60.0) % 7, index=index)
    forecaster = SeasonalNaiveForecaster(horizon=2).fit(y)
    assert forecaster.season_length_ == season
    assert forecaster.predict().tolist() == np.resize(y.iloc[60 - season:], 2).tolist()
    pd.testing.assert_index_equal(forecaster.predict().index,
                                  pd.date_range(index[-1], periods=3, freq=freq)[1:])


@pytest.mark.parametrize("cls, freq, m, longest", [(ETSForecaster, "30min", 48, 24),
                                                   (ARIMAForecaster, "15min", 96, 52)])
def test_baselines_leave_seasons_longer_than_they_model_out_with_a_warning(cls, freq, m, longest):
    # R's ets leaves seasons over 24 out with a warning (ETS did so without a word); auto-ARIMA
    # fit a day of quarter-hours for minutes (288: over 9 minutes on 4 days)
    from tsrnn.baselines import _season_modelled

    index = pd.date_range("2024-03-01", periods=m * 5, freq=freq)
    t = np.arange(len(index))
    y = pd.Series(10 + np.sin(2 * np.pi * t / m)
                  + np.random.default_rng(0).normal(0, 0.1, len(t)), index)
    with pytest.warns(UserWarning, match=rf"{cls.__name__} models seasons of at most {longest} "
                                         rf"steps.*; the season of {m} is left out\. For it, use "
                                         r"SeasonalNaiveForecaster"):
        model = cls(horizon=4).fit(y)
    assert model.season_length_ == m
    assert (model.orders_[0][1] == (0, 0, 0) if cls is ARIMAForecaster
            else model.forms_[0][1] is None)
    if cls is ARIMAForecaster:  # a season of 48 is searched, with a word on the time it takes
        with pytest.warns(UserWarning, match="searches seasonal models of 48 steps, which takes "
                                             r"minutes a fit .* seasonal_order=\(0, 0, 0\)"):
            assert _season_modelled(48, "ARIMAForecaster")
        with warnings.catch_warnings():  # the caller's seasonal order: fit as given, no word
            warnings.simplefilter("error")
            fixed = cls(horizon=4, order=(0, 0, 0), seasonal_order=(0, 1, 0)).fit(y)
        np.testing.assert_allclose(fixed.predict(), y.iloc[-m:-m + 4])


def test_arima_recovers_an_ar1_process():
    rng = np.random.default_rng(0)
    y = np.zeros(400)
    for t in range(1, 400):
        y[t] = 0.8 * y[t - 1] + rng.normal()
    f = ARIMAForecaster(horizon=1, order=(1, 0, 0)).fit(y)
    assert abs(f._results[0].params[1] - 0.8) < 0.06  # [const, ar.L1, sigma2]
    assert abs(f.predict()[0] - 0.8 * y[-1]) < 0.2


def test_auto_arima_beats_seasonal_naive_on_air_passengers():
    y = load_airpassengers()
    train, test = y[:-12], y[-12:]
    arima = ARIMAForecaster(horizon=12).fit(train)
    (order, seasonal), = arima.orders_
    assert seasonal[1] == 1  # the yearly season is differenced
    naive = SeasonalNaiveForecaster(horizon=12).fit(train).predict()
    assert mase(test, arima.predict(), train, 12) < 0.6 * mase(test, naive, train, 12)


def test_ets_chooses_a_seasonal_trend_model_for_air_passengers_and_updates():
    y = load_airpassengers()
    train, test = y[:-12], y[-12:]
    ets = ETSForecaster(horizon=12).fit(train)
    assert ets.forms_ == [("add", "add")]
    naive = SeasonalNaiveForecaster(horizon=12).fit(train).predict()
    assert mase(test, ets.predict(), train, 12) < 0.5 * mase(test, naive, train, 12)
    early = ETSForecaster(horizon=12).fit(train[:-12]).update(train[-12:])
    assert early.predict().index[0] == test.index[0]
    assert mase(test, early.predict(), train, 12) < 0.5 * mase(test, naive, train, 12)


def test_auto_arima_gives_a_trending_random_walk_its_drift():
    """One difference and a constant (a drift), chosen by AICc as auto.arima does: a random
    walk with drift gets exactly that model, whose forecast steps by the mean step (without a
    drift on offer it took ARIMA(1, 1, 2), a near-unit root mimicking it; ARIMA(1, 1, 1) with a
    drift has a lower AICc, -241.2 against -234.8 z-scored, with its MA root at 1.0033, the
    difference undone: refused, as by auto.arima)."""
    rng = np.random.default_rng(1)
    y = 0.5 * np.arange(100.0) + np.cumsum(rng.normal(size=100))
    f = ARIMAForecaster(horizon=10).fit(y)
    assert f.orders_ == [((0, 1, 0), (0, 0, 0))]
    np.testing.assert_allclose(np.diff(np.r_[y[-1], f.predict()]), np.diff(y).mean(), rtol=1e-3)
    # a fixed order leaves the drift free too, with or without a season (without one, the
    # seasonal order set to none counted as fixed by the caller: a flat forecast)
    for m in (1, 12):
        fixed = ARIMAForecaster(horizon=10, order=(0, 1, 0), season_length=m).fit(y)
        np.testing.assert_allclose(fixed.predict(), f.predict(), rtol=1e-6)


def test_auto_arima_does_not_overfit_a_tiny_series():
    # M1 yearly series T53 without its last 6 years (12 values): without a guard on parameters
    # per observation, AICc picked ARIMA(2,0,2) with a constant and forecast -2.8e12.
    y = np.array([137598.0, 151945.0, 153433.0, 187552.0, 187981.0, 182672.0, 165506.0,
                  173459.0, 164732.0, 195228.0, 185486.0, 147233.0])
    f = ARIMAForecaster(horizon=6).fit(y)
    (order, _), = f.orders_
    assert sum(order) - order[1] <= 2  # few parameters for 12 observations
    assert np.all(np.abs(f.predict() - y[-1]) < 3 * np.ptp(y))


def test_baselines_handle_very_short_series_in_a_panel():
    # A 3-point series in a panel (as in M1 yearly at an early origin): auto-ARIMA used to find
    # no admissible order and refuse the whole panel; now the model without ARMA terms fits it.
    panel = pd.DataFrame({
        "unique_id": ["a"] * 40 + ["b"] * 3,
        "ds": list(pd.date_range("1980", periods=40, freq="YS"))
        + list(pd.date_range("2017", periods=3, freq="YS")),
        "y": np.r_[np.sin(np.arange(40.0)) + 5, 2.0, 4.0, 3.0],
    })
    arima = ARIMAForecaster(horizon=2).fit(panel)
    pred = arima.predict()
    # one order per series, as one per column of a series (a panel fit had no orders_)
    alone = ARIMAForecaster(horizon=2).fit(panel.y[:40].to_numpy()).orders_
    assert arima.orders_ == alone + [((0, 0, 0), (0, 0, 0))]
    short = pred[pred.unique_id == "b"]
    assert short["ds"].tolist() == list(pd.date_range("2020", periods=2, freq="YS"))
    assert short["y"].to_numpy() == pytest.approx([3.0, 3.0], abs=1e-3)  # its mean
    with pytest.raises(ValueError, match=r"has 1 observation\(s\), too few for ARIMA"):
        ARIMAForecaster().fit(np.array([1.0]))
    # differencing and covariates use up observations: too few left is said as such
    with pytest.raises(ValueError, match=r"has 4 observation\(s\), too few .* d=0, D=1"):
        ARIMAForecaster(seasonal_order=(0, 1, 0), season_length=4).fit(np.arange(4.0))
    with pytest.raises(ValueError, match="too few .* and 2 covariate"):
        ARIMAForecaster().fit(np.arange(3.0), np.array([[0.0, 1.0], [2.0, 1.0], [1.0, 3.0]]))
    with pytest.raises(ValueError, match="at least 5 observations.*got 4"):
        ETSForecaster().fit(np.array([1.0, 2.0, 1.5, 2.5]))
    with pytest.raises(ValueError, match="series 'b' of the panel: .* at least 5 .*got 3"):
        ETSForecaster(horizon=2).fit(panel)


def test_auto_arima_differences_a_short_trend():
    """Series of 10 points or fewer were never tested for a unit root: 10, 20, ..., 80 was
    forecast as its mean (45, 45, 45) and 10 .. 100 going down (98.7, 97.4, 96.2). KPSS now runs
    from 5 points, with R's lags (none), which keeps white noise undifferenced."""
    for n in (5, 8, 10):
        trend = 10.0 * np.arange(1, n + 1) + np.random.default_rng(n).normal(0, 0.5, n)
        forecast = ARIMAForecaster(horizon=3).fit(trend).predict()
        np.testing.assert_allclose(forecast, 10.0 * np.arange(n + 1, n + 4), atol=3.0)
    rng = np.random.default_rng(1)
    for n in (9, 12):  # statsmodels' lags differenced 12-16% of such series, R's about 5%
        noise = [ARIMAForecaster().fit(50 + rng.normal(size=n)).orders_[0][0][1]
                 for _ in range(20)]
        assert sum(noise) <= 2
    # an exact line is differenced once (its differences are constant up to rounding), as R's
    # is.constant stops; the rounding noise of standardising gave d = 2
    assert ARIMAForecaster().fit(10.0 * np.arange(1, 9)).orders_[0][0][1] == 1
    # and forecast as that line, its drift fixed at the differences' mean (not fitted: a line of
    # 50 points got ARIMA(2,1,2)); a season that repeats exactly, as that season
    line = ARIMAForecaster(horizon=3).fit(10.0 * np.arange(1, 51))
    assert line.orders_ == [((0, 1, 0), (0, 0, 0))]
    np.testing.assert_allclose(line.predict(), [510.0, 520.0, 530.0], rtol=1e-12)
    season = ARIMAForecaster(horizon=3, season_length=4).fit(np.tile([1.0, 5.0, 3.0, 2.0], 12))
    assert season.orders_ == [((0, 0, 0), (0, 1, 0))]
    np.testing.assert_allclose(season.predict(), [1.0, 5.0, 3.0], rtol=1e-12)


@pytest.mark.parametrize("params, message", [
    (dict(seasonal_order=(0, 1, 1, 12)), r"seasonal_order=\(0, 1, 1, 12\) is not valid; pass three "
     r"non-negative integers \(P, D, Q\) \(the season's length, .* is season_length here\)"),
    (dict(order=(1, 1)), r"order=\(1, 1\) is not valid; pass three non-negative integers"),
    (dict(order=(-1, 1, 0)), r"order=\(-1, 1, 0\) is not valid"),  # "check the series for..."
    (dict(order=(1.5, 1, 0)), r"order=\(1.5, 1, 0\) is not valid"),
    (dict(order=(1, 1, 0), seasonal_order=(0, -1, 1)), r"seasonal_order=\(0, -1, 1\) is not"),
])
def test_arima_orders_are_checked_by_name(params, message):
    with pytest.raises(ValueError, match=message):  # unpacking errors, or "no model could be fit"
        ARIMAForecaster(season_length=4, **params).fit(np.sin(np.arange(40.0)))


def test_differencing_order_stops_at_a_constant_series():
    from tsrnn.evaluation import _ndiffs

    assert _ndiffs(np.ones(50)) == 0  # KPSS is undefined on a constant: nothing to difference
    assert _ndiffs(np.arange(50.0)) == 1  # its first difference is constant
    assert ARIMAForecaster(horizon=2).fit(np.arange(50.0)).predict() == pytest.approx([50, 51])
    # a constant series gets the mean model, as auto.arima does; beside a covariate it picked
    # (0, 0, 1)(0, 0, 1) and forecast 6.99994 for 7
    x = np.arange(43.0)[:, None]
    f = ARIMAForecaster(horizon=3, season_length=12).fit(np.full(40, 7.0), X=x[:40])
    assert f.orders_ == [((0, 0, 0), (0, 0, 0))]
    np.testing.assert_allclose(f.predict(X=x[40:]), 7.0, rtol=1e-12)


def test_ets_counts_parameters_as_r_and_fits_no_season_longer_than_24():
    """statsmodels' df_model counts all m initial seasonal states though it fixes one (R's ets:
    m - 1), which handicapped seasonal forms; and R's ets fits no season above 24 steps (the
    weekly gasoline series got a 52-state season)."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    from tsrnn.baselines import _ets_aicc

    y = np.sin(np.arange(40) * 2 * np.pi / 12) + np.random.default_rng(0).normal(0, 0.3, 40)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = ETSModel(y, error="add", seasonal="add", seasonal_periods=12).fit(disp=False)
    k = 1 + 1 + 1 + 11 + 1  # R's ANA: alpha, gamma, level, 11 seasonal states, sigma
    r_aicc = -2 * res.llf + 2 * k + 2 * k * (k + 1) / (40 - k - 1)
    assert _ets_aicc(res, True) == pytest.approx(r_aicc)
    assert _ets_aicc(res, False) == pytest.approx(res.aicc)  # statsmodels' count
    weekly = pd.Series(np.sin(np.arange(160) * 2 * np.pi / 52) + np.arange(160) / 100,
                       index=pd.date_range("2020-01-05", periods=160, freq="W-SUN"))
    with pytest.warns(UserWarning, match="the season of 52 is left out"):
        model = ETSForecaster(horizon=4).fit(weekly)
    assert model.season_length_ == 52 and model.forms_[0][1] is None


def test_with_a_season_p_and_q_stay_below_it_as_in_auto_arima():
    """auto.arima caps p and q at m - 1 when there is a season (its seasonal terms take the
    lags from m on); with m = 2 an ARMA(3, 1) process got p = 2."""
    rng = np.random.default_rng(3)
    e, z = rng.normal(size=300), np.zeros(300)
    for i in range(3, 300):
        z[i] = 0.2 * z[i - 1] + 0.2 * z[i - 2] + 0.5 * z[i - 3] + e[i] + 0.6 * e[i - 1]
    (p, _, q), _ = ARIMAForecaster(season_length=2).fit(z[200:]).orders_[0]
    assert p <= 1 and q <= 1
    (p, _, q), _ = ARIMAForecaster(season_length=1).fit(z[200:]).orders_[0]
    assert max(p, q) >= 2  # without a season no such cap


def test_seasonal_differencing_does_not_depend_on_the_series_units():
    from tsrnn.baselines import _seasonal_strength

    noise = np.random.default_rng(0).normal(size=60)
    strengths = [_seasonal_strength(noise * s, 12) for s in (1.0, 1e-7, 1e-9)]
    np.testing.assert_allclose(strengths, strengths[0], rtol=1e-6)
    assert strengths[0] < 0.64  # white noise gets no seasonal difference, in any unit
    for s in (1.0, 1e-7):  # no seasonal difference (D = 0); it was D = 1 at 1e-7
        assert ARIMAForecaster(season_length=12).fit(noise * s).orders_[0][1][1] == 0
    assert _seasonal_strength(np.full(60, 3.0), 12) == 0.0  # R's nsdiffs: 0 for a constant
    assert _seasonal_strength(np.arange(60.0), 12) == 0.0


def test_a_level_shift_is_not_taken_for_a_season():
    """The strength came from STL at statsmodels' defaults (seasonal window 7, locally
    linear), whose seasonal part follows a jump: 0.72-0.84 on a flat monthly series that jumps 8
    months before its end, so auto-ARIMA took a seasonal difference and forecast the jump again
    a year on (30 -> 50, MASE 3.0 against the naive forecast's 0.35). R's mstl settings:
    0.28-0.42."""
    from tsrnn.baselines import _seasonal_strength

    rng = np.random.default_rng(0)
    for n in (36, 48, 60, 72):
        values = np.r_[np.full(n - 8, 10.0), np.full(20, 30.0)] + rng.normal(size=n + 12)
        y = pd.Series(values, pd.date_range("2000-01", periods=n + 12, freq="MS"))
        train, test = y[:n], y[n:]
        assert _seasonal_strength(train.to_numpy(), 12) < 0.5
        arima = ARIMAForecaster(horizon=12).fit(train)
        assert arima.orders_[0][1] == (0, 0, 0)
        naive = SeasonalNaiveForecaster(horizon=12, season_length=1).fit(train)
        assert arima.score(test) > naive.score(test) - 0.1  # about the naive forecast's
    # R's stl runs 2 inner iterations (statsmodels' default 5): a 25-month series (a random
    # walk and a sine) scored 0.6506, and took a seasonal difference R does not take
    rng = np.random.default_rng(2)
    for _ in range(18):  # (the 18th draw of a reviewer's search)
        m = int(rng.choice([4, 12]))
        n = int(rng.integers(2 * m + 1, 6 * m))
        phase = rng.uniform(0, 6)
        base = np.cumsum(rng.normal(scale=rng.uniform(0, 1.0), size=n)) + rng.normal(size=n)
        if rng.random() < 0.5:
            base[-rng.integers(1, 2 * m):] += rng.uniform(2, 6)
        y = base + 0.5 * np.sin(2 * np.pi * np.arange(n) / m + phase)
    assert (m, n) == (12, 25)
    assert 0.63 < _seasonal_strength(y, 12) < 0.64
    air = load_airpassengers()  # a season is still one
    assert _seasonal_strength(air.to_numpy(), 12) > 0.9
    assert ARIMAForecaster(horizon=12).fit(air).orders_[0][1][1] == 1


def test_a_seasonal_order_without_a_season_names_season_length():
    years = pd.Series(np.random.default_rng(0).normal(size=40).cumsum(),
                      index=pd.RangeIndex(1980, 2020))
    with pytest.raises(ValueError, match=r"seasonal_order=\(1, 0, 0\) needs a season, but the "
                                         r"series has season_length=1; pass season_length"):
        ARIMAForecaster(order=(1, 1, 0), seasonal_order=(1, 0, 0)).fit(years)  # "pass an order"
    monthly = ARIMAForecaster(order=(1, 1, 0), seasonal_order=(1, 0, 0), season_length=12)
    assert monthly.fit(years.to_numpy()).orders_ == [((1, 1, 0), (1, 0, 0))]


@pytest.mark.parametrize("cls", [ARIMAForecaster, ETSForecaster])
def test_the_statistical_baselines_do_not_depend_on_the_series_units(cls):
    # statsmodels' approximate diffuse start has a variance in absolute units: in thousandths
    # the same series got other ARIMA orders and forecasts off by 0.58 standard deviations
    y = load_airpassengers().to_numpy()[:70]
    base = cls(horizon=12, season_length=12).fit(y)
    for a, b in ((1e-3, 0.0), (1e3, 0.0), (100.0, 1e5)):
        f = cls(horizon=12, season_length=12).fit(y * a + b)
        assert getattr(f, "orders_", None) == getattr(base, "orders_", None)
        np.testing.assert_allclose(f.predict(), base.predict() * a + b, atol=1e-3 * a * y.std())
        f.update(y[-3:] * a + b)  # new values enter in the fit's units too
        np.testing.assert_allclose(f.predict(), base.update(y[-3:]).predict() * a + b,
                                   atol=1e-3 * a * y.std())
        base = cls(horizon=12, season_length=12).fit(y)
    constant = cls(horizon=3, season_length=4).fit(np.full(20, 5.0))  # all zeros once z-scored:
    # ETS refused every form; auto-ARIMA forecast it off by 1e-6 (zeros: -5e-6, negative sales)
    np.testing.assert_allclose(constant.predict(), 5.0, rtol=1e-12)
    # a series of zeros (a product without sales) too, beside another series in a panel
    panel = pd.DataFrame({"unique_id": np.repeat(["sold", "none"], 30),
                          "ds": np.tile(pd.date_range("2020-01-01", periods=30, freq="MS"), 2),
                          "y": np.r_[y[:30], np.zeros(30)]})
    forecast = cls(horizon=3).fit(panel).predict()
    np.testing.assert_array_equal(forecast.loc[forecast.unique_id == "none", "y"], 0.0)
    # exactly, at any size: the constant went through mean - 1 and back (ETS: zeros as
    # -4.4e-16, 1e-15 as 5.6e-16, 1e-20 as -4.4e-16; ARIMA: 1e-20 as 0)
    for value in (1e-9, 1e-15, 3e-17, 1e-20, -2.5, 1e6):
        np.testing.assert_array_equal(cls(horizon=2).fit(np.full(30, value)).predict(), value)
    alone = cls(horizon=3).fit(panel[panel.unique_id == "sold"]).predict()
    np.testing.assert_allclose(forecast.loc[forecast.unique_id == "sold", "y"], alone.y)
    if cls is ARIMAForecaster:  # with the caller's orders too (zeros forecast as -3e-6)
        for order, seasonal in [((1, 0, 0), (0, 0, 0)), ((0, 1, 1), (0, 1, 1)), ((1, 0, 1), None)]:
            fixed = cls(horizon=3, order=order, seasonal_order=seasonal, season_length=4)
            np.testing.assert_array_equal(fixed.fit(np.zeros(20)).predict(), 0.0)
            assert fixed.orders_[0] == (order, seasonal or (0, 0, 0))


def test_arima_covariates_do_not_depend_on_their_units_and_constant_ones_are_left_out():
    """The covariates were passed to statsmodels raw: a price in mills (×1000) lost its effect
    (a flat forecast, another order), and a covariate constant over the training series (a
    'store open' flag of ones) made every fit fail with a message that blamed the series."""
    rng = np.random.default_rng(1)
    n = 100
    index = pd.period_range("2000-01", periods=n + 6, freq="M")
    price = 2.0 + 0.3 * rng.normal(size=n + 6)
    noise = np.zeros(n)
    for t in range(1, n):
        noise[t] = 0.5 * noise[t - 1] + 0.2 * rng.normal()
    y = pd.Series(50 - 8 * price[:n] + noise, index[:n])
    truth = 50 - 8 * price[n:]
    base = ARIMAForecaster(horizon=6).fit(y, pd.DataFrame({"price": price[:n]}, index[:n]))
    expected = base.predict(X=pd.DataFrame({"price": price[n:]}, index[n:]))
    assert np.abs(expected - truth).max() < 0.2
    for a in (100.0, 1000.0):
        X = pd.DataFrame({"price": price * a}, index)
        f = ARIMAForecaster(horizon=6).fit(y, X[:n])
        assert f.orders_ == base.orders_
        np.testing.assert_allclose(f.predict(X=X[n:]), expected, rtol=1e-6)
    alone = ARIMAForecaster(horizon=6, order=(1, 0, 0)).fit(y)
    flag = pd.DataFrame({"open": np.ones(n + 6)}, index)
    with_flag = ARIMAForecaster(horizon=6, order=(1, 0, 0)).fit(y, flag[:n])
    np.testing.assert_allclose(with_flag.predict(X=flag[n:]), alone.predict())


def test_arima_leaves_out_a_covariate_whose_differences_are_constant():
    """A time index beside the drift of a differenced model (and its second difference, 0, in
    a twice-differenced one) cannot be estimated: it got a coefficient of -8e13 and forecast
    -1.4e15 when its future values jumped by 6. It is left out of that column's model; a
    covariate beside it that can be estimated keeps its effect, in fit, update and predict."""
    y = load_airpassengers()
    index = pd.date_range(y.index[0], periods=148, freq="MS")
    rng = np.random.default_rng(0)
    promo = rng.normal(size=148)
    X = pd.DataFrame({"t": np.arange(148.0), "promo": promo}, index)
    yp = y + 40 * promo[:144]
    # ((0, 2, 1) with the seasonal order free: every model has its MA root at 1, and warns)
    for order, seasonal in [((1, 1, 0), None), ((0, 2, 1), (0, 1, 0))]:
        kw = dict(order=order, seasonal_order=seasonal, horizon=2)
        alone = ARIMAForecaster(**kw).fit(y[:142])
        timed = ARIMAForecaster(**kw).fit(y[:142], X=X[["t"]][:142])
        for shift in (0, 6):
            np.testing.assert_allclose(timed.predict(X=X[["t"]][142:144] + shift),
                                       alone.predict(), rtol=1e-6)
        timed.update(y[142:], X=X[["t"]][142:144])
        alone.update(y[142:])
        np.testing.assert_allclose(timed.predict(X=X[["t"]][144:]), alone.predict(), rtol=1e-6)
    both = ARIMAForecaster(order=(1, 1, 0), horizon=4).fit(yp, X=X[:144])
    forecast = both.predict(X=X[144:])
    without = both.predict(X=X[144:].assign(promo=0.0))
    np.testing.assert_allclose(forecast - without, 40 * promo[144:], rtol=0.05)


def test_arima_with_both_orders_fixed_keeps_a_time_index_as_its_drift():
    """With both orders given there is no drift (as R's Arima), so a covariate whose one
    difference is constant is the drift and can be estimated: it was left out, and a series
    rising by 2 a month was forecast flat (statsmodels' SARIMAX estimates 2.04)."""
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    rng = np.random.default_rng(0)
    t = np.arange(132.0)
    noise = np.zeros(120)
    for i in range(1, 120):
        noise[i] = 0.5 * noise[i - 1] + rng.normal()
    index = pd.period_range("2000-01", periods=132, freq="M")
    y = pd.Series(10 + 2 * t[:120] + 0.3 * np.cumsum(noise), index=index[:120])
    X = pd.DataFrame({"t": t}, index=index)
    for order, seasonal in [((0, 1, 1), (0, 0, 0)), ((0, 0, 1), (0, 1, 1))]:
        f = ARIMAForecaster(horizon=12, order=order, seasonal_order=seasonal).fit(y, X[:120])
        with warnings.catch_warnings():  # (its starting MA parameters)
            warnings.simplefilter("ignore")
            expected = SARIMAX(y.to_numpy(), exog=t[:120], order=order,
                               seasonal_order=seasonal + (12 if seasonal[1] else 0,)).fit(
                disp=False).forecast(12, exog=t[120:])
        np.testing.assert_allclose(f.predict(X=X[120:]).to_numpy(), expected, rtol=2e-3)
        assert np.diff(f.predict(X=X[120:]).to_numpy()).mean() == pytest.approx(2, abs=0.1)


def test_auto_arima_chooses_differences_for_what_the_covariates_leave_unexplained():
    """As auto.arima, d and D are chosen by tests of the residuals of a regression on the
    covariates: a trend that a time index explains (around AR(1) noise) was differenced, d = 1,
    as the series alone is, where auto.arima gives d = 0; the forecast continues the trend."""
    rng = np.random.default_rng(2)
    n, h = 120, 24
    t = np.arange(n + h, dtype=float)
    noise = np.zeros(n + h)
    for i in range(1, n + h):
        noise[i] = 0.6 * noise[i - 1] + rng.normal()
    y, X = 0.5 * t[:n] + noise[:n], t[:, None]
    f = ARIMAForecaster(horizon=h, season_length=1).fit(y, X[:n])
    assert f.orders_[0][0][1] == 0  # (before: ARIMA(0,1,1) with drift)
    assert ARIMAForecaster(horizon=h, season_length=1).fit(y).orders_[0][0][1] == 1
    # against the trend and the noise's expected decay: 0.12 at most (before: 1.22)
    expected = 0.5 * t[n:] + 0.6 ** np.arange(1, h + 1) * noise[n - 1]
    assert np.abs(f.predict(X=X[n:]) - expected).max() < 0.4
    # covariates that explain y exactly: the regression, exactly (a likelihood fit: off by 4e-4)
    line = ARIMAForecaster(horizon=h).fit(3 + 2 * t[:n], X[:n])
    np.testing.assert_allclose(line.predict(X=X[n:]), 3 + 2 * t[n:], rtol=1e-12)


def test_auto_arima_refuses_ar_roots_near_the_unit_circle_as_auto_arima_does():
    """lynx, less its last 6 years: ARMA(3,3) had an AR root at 1.0026 (an unconverged fit,
    after statsmodels' 50 iterations); R's auto.arima (statsforecast's port) chooses
    ARMA(2,2) with a mean there, clear of the circle, converged."""
    from tsrnn.datasets import load_lynx
    est = ARIMAForecaster(horizon=6).fit(load_lynx()[:-6])
    result = est._results[0]
    assert est.orders_ == [((2, 0, 2), (0, 0, 0))] and result.model.trend == "c"
    assert np.abs(result.arroots).min() >= 1.01
    assert result.mle_retvals["converged"]
    # the caller's orders are taken as they are when both are given, a root on the circle or
    # not; a fixed order whose every model has one (an AR(1) of an integrated series) gets the
    # best, with a warning (auto.arima stops)
    walk = np.cumsum(np.cumsum(np.random.default_rng(0).normal(size=80)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fixed = ARIMAForecaster(order=(1, 0, 0), seasonal_order=(0, 0, 0)).fit(walk)
    with pytest.warns(UserWarning, match=r"every ARIMA model the given orders allow has an AR "
                                         r"or MA root.*order=\(1, 0, 0\).*one more difference"):
        free = ARIMAForecaster(order=(1, 0, 0)).fit(walk)
    for model in (fixed, free):
        assert np.abs(model._results[0].arroots).min() < 1.01
        assert np.isfinite(model.predict()).all()
    # a seasonal MA root at 1 (a fixed season after a seasonal difference) is kept, unlike in
    # auto.arima: refusing it worsened the benchmark (US gasoline, El Nino)
    season = np.tile(np.sin(np.arange(12) / 12 * 2 * np.pi), 12)
    noisy = 5 * season + np.random.default_rng(1).normal(size=144)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ma = ARIMAForecaster(seasonal_order=(0, 1, 1), season_length=12).fit(noisy)
    assert np.abs(ma._results[0].maroots).min() < 1.01


def test_the_stepwise_search_moves_p_and_q_together():
    """M1 yearly series T146 (its first 13 years): ARIMA(1,1,0) has a lower AICc than the
    (0,1,1) reached by moving one order at a time (no neighbour of it on that path is lower);
    auto.arima's joint moves of p and q find it. The model kept is the exact fit of the whole
    series, and no model one move away (each order, or p and q together) beats it."""
    from statsmodels.tsa.statespace.sarimax import SARIMAX
    y = np.array([814.0, 1074, 1440, 1521, 1515, 1465, 1544, 1521, 1466, 1512, 1583, 1683, 1804])
    est = ARIMAForecaster(horizon=6).fit(y)
    result = est._results[0]
    assert est.orders_ == [((1, 1, 0), (0, 0, 0))] and result.model.trend is None
    assert result.nobs == 13 and not result.model.simple_differencing
    z = (y - est._center[0]) / est._scale[0]
    for p, q, trend in [(0, 1, None), (2, 1, None), (0, 0, None), (1, 0, "c"), (0, 1, "c")]:
        other = SARIMAX(z, order=(p, 1, q), trend=trend, simple_differencing=True)
        assert other.fit(disp=False, maxiter=500).aicc > result.aicc - 1e-6, (p, q, trend)


@pytest.mark.parametrize("cls", [ARIMAForecaster, ETSForecaster])
def test_the_statistical_baselines_fit_with_one_blas_thread_and_restore_the_callers(
        cls, monkeypatch):
    # statsmodels' small matrix products gain nothing from more BLAS threads, which fight for
    # the cores beside other busy processes (a 0.5 s auto-ARIMA test took 36 s in the suite)
    import statsmodels.tsa.exponential_smoothing.ets as ets

    import tsrnn.baselines

    seen = []

    def spy(model):
        def build(*args, **kwargs):  # the threads each statsmodels model is built under
            seen.append({i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"})
            return model(*args, **kwargs)
        return build

    monkeypatch.setattr(tsrnn.baselines, "SARIMAX", spy(tsrnn.baselines.SARIMAX))
    monkeypatch.setattr(ets, "ETSModel", spy(ets.ETSModel))
    y = load_airpassengers().to_numpy()[:48]
    with threadpool_limits(2, user_api="blas"):
        f = cls(horizon=3, season_length=12).fit(y)
        f.update(y[-2:])
        after = {i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"}
    assert seen and all(s == {1} for s in seen)
    assert after == {2}
