import copy
import pickle

import joblib
import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone

from tsrnn import (
    ARIMAForecaster,
    GRUForecaster,
    LSTMForecaster,
    RNNForecaster,
    SeasonalNaiveForecaster,
    TrainingDivergedError,
    load,
    mase,
)

from tsrnn.datasets import load_airpassengers

FAST = dict(max_epochs=30, hidden_size=16, random_state=0, device="cpu", ensemble_size=1)


def test_lstm_learns_seasonal_series_far_better_than_seasonal_naive(seasonal_series):
    train, test = seasonal_series[:-12], seasonal_series[-12:]
    lstm = LSTMForecaster(window_length=24, horizon=12, max_epochs=150, random_state=0)
    pred = lstm.fit(train).predict()
    naive = SeasonalNaiveForecaster(horizon=12).fit(train).predict()
    lstm_mase, naive_mase = mase(test, pred, train, 12), mase(test, naive, train, 12)
    assert naive_mase > 0.8  # the noise alone keeps seasonal naive near 1
    assert lstm_mase < 0.7 * naive_mase
    pd.testing.assert_index_equal(pred.index, test.index)
    assert pred.name == "sales"


@pytest.mark.parametrize("cls", [RNNForecaster, LSTMForecaster, GRUForecaster])
def test_each_cell_trains_and_forecasts(cls, seasonal_series):
    f = cls(window_length=24, horizon=6, **FAST).fit(seasonal_series)
    assert f.module_.net.rnn.mode == {"rnn": "RNN_TANH", "lstm": "LSTM", "gru": "GRU"}[cls._cell]
    assert f.loss_curve_[-1] < f.loss_curve_[0]
    assert np.isfinite(f.predict()).all()


def test_relu_elman_and_relu_rejected_for_gated_cells(seasonal_series):
    f = RNNForecaster(window_length=12, nonlinearity="relu", **FAST).fit(seasonal_series)
    assert f.module_.net.rnn.mode == "RNN_RELU"
    with pytest.raises(ValueError, match=r"nonlinearity='relu' is for the Elman cell only \(LSTM "
                                         r"cells use tanh\); use RNNForecaster"):
        LSTMForecaster(nonlinearity="relu").fit(seasonal_series)


@pytest.mark.parametrize(
    "index",
    [
        pd.date_range("2001-01-01", periods=60, freq="MS"),
        pd.date_range("2001-01-31", periods=60, freq="ME"),
        pd.date_range("2001-03-31", periods=60, freq="QE"),
        pd.date_range("2001-01-01", periods=60, freq="D"),
        pd.date_range("2001-01-01", periods=60, freq="h"),
        pd.date_range("2001-01-01", periods=60, freq="B"),
        pd.date_range("2001-01-07", periods=60, freq="W-SUN"),
        pd.date_range("2001-01-01", periods=60, freq="QS"),
        pd.date_range("1901-01-01", periods=60, freq="YS"),
        pd.date_range("1901-12-31", periods=60, freq="YE"),
        pd.date_range("2001-01-01", periods=60, freq="h", tz="Europe/Madrid"),
        pd.period_range("1950", periods=60, freq="Y"),
        pd.period_range("2001-01", periods=60, freq="M"),
        pd.RangeIndex(60),
        pd.RangeIndex(100, 220, 2),
    ],
    ids=lambda i: type(i).__name__ + str(getattr(i, "freqstr", "")),
)
def test_forecast_index_continues_the_series(index):
    y = pd.Series(np.sin(np.arange(60) / 3), index=index, name="y")
    pred = LSTMForecaster(window_length=8, horizon=3, max_epochs=2, random_state=0).fit(y).predict()
    pd.testing.assert_index_equal(pred.index, _extend(index, 3)[-3:])
    assert pred.name == "y"


@pytest.mark.parametrize("dtype", ["int32", "uint64", "Int64", "uint8"])
def test_an_integer_index_keeps_its_type(dtype):
    # (a uint8 index whose next stamps pass 255 comes back as int64 instead of wrapping to 0)
    start = 246 if dtype == "uint8" else 1_000
    index = pd.Index(np.arange(start, start + 2 * 5, 2), dtype=dtype, name="t")
    y = pd.Series([1.0, 2, 3, 4, 5], index=index)
    forecaster = SeasonalNaiveForecaster(horizon=3).fit(y)
    pred = forecaster.predict()
    stamps = [start + 10, start + 12, start + 14]
    assert pred.index.tolist() == stamps and pred.index.name == "t"
    assert pred.index.dtype == (np.int64 if dtype == "uint8" else index.dtype)
    if dtype != "uint8":  # an update's new stamps in the same type
        new = pd.Series([6.0], index=pd.Index(stamps[:1], dtype=dtype, name="t"))
        later = forecaster.update(new).predict()
        assert later.index.tolist() == [s + 2 for s in stamps]
        assert later.index.dtype == index.dtype


@pytest.mark.parametrize("dtype", ["timestamp[us][pyarrow]", "date32[pyarrow]",
                                   "timestamp[ns, tz=Europe/Paris][pyarrow]"])
def test_pyarrow_backed_time_stamps_are_read_as_datetimes(dtype):
    """What read_parquet(dtype_backend="pyarrow") gives: fit crashed ("mod not implemented"),
    a panel's ds column was refused as not datetimes."""
    stamps = pd.date_range("2020-01", periods=43, freq="MS",
                           tz="Europe/Paris" if "tz" in dtype else None)
    arrow = pd.Index(pd.Series(stamps.date if "date32" in dtype else stamps).astype(dtype))
    y = pd.Series(np.arange(40.0) % 12 + np.arange(40.0), index=arrow[:40])
    X = pd.DataFrame({"x": np.sin(np.arange(43.0))}, index=arrow)
    plain_y, plain_X = (v.set_axis(pd.DatetimeIndex(arrow[: len(v)])) for v in (y, X))
    model = ARIMAForecaster(horizon=3, order=(1, 0, 0), seasonal_order=(0, 0, 0))
    fit = clone(model).fit(y[:36], X[:36])
    pd.testing.assert_series_equal(fit.predict(X=X[36:39]), clone(model).fit(
        plain_y[:36], plain_X[:36]).predict(X=plain_X[36:39]))
    fit.update(y[36:38], X[36:38])
    assert fit.cutoff_ == plain_y.index[37]
    panel = pd.DataFrame({"unique_id": np.repeat(["a", "b"], 40),
                          "ds": arrow[:40].append(arrow[:40]),
                          "y": np.r_[y, 2 * y]})
    forecast = SeasonalNaiveForecaster(horizon=2).fit(panel).predict()
    assert forecast["y"].tolist() == [y.iloc[28], y.iloc[29], 2 * y.iloc[28], 2 * y.iloc[29]]


def test_new_stamps_need_no_frequency_of_their_own():
    # semi-monthly stamps: pandas infers no frequency for them, so fit needs index.freq set; the
    # new values, test values and covariates that follow were refused as irregular when they
    # came without it (built from a list, read from a file)
    index = pd.date_range("2021-01-01", periods=43, freq="SMS")
    y = pd.Series(np.sin(np.arange(43.0)), index)
    X = pd.DataFrame({"x": np.cos(np.arange(43.0))}, index)
    plain = pd.DatetimeIndex(list(index[-3:]))
    assert plain.freq is None and pd.infer_freq(plain) is None
    new = pd.Series(y.iloc[-3:].to_numpy(), plain)
    naive = SeasonalNaiveForecaster(horizon=3).fit(y.iloc[:-3])
    assert naive.score(new) == naive.score(y.iloc[-3:])
    assert naive.update(new).cutoff_ == index[-1]
    arima = ARIMAForecaster(horizon=3, order=(1, 0, 0)).fit(y.iloc[:-3], X.iloc[:-3])
    pd.testing.assert_series_equal(arima.predict(X=X.iloc[-3:].set_axis(plain)),
                                   arima.predict(X=X.iloc[-3:]))


@pytest.mark.parametrize("step", [pd.offsets.SemiMonthBegin(), pd.offsets.SemiMonthEnd()])
def test_semi_monthly_stamps_are_read_without_a_frequency(step):
    # the 1st and 15th (or the 15th and month's end) read from a file: pandas infers no
    # frequency, so a series was told to set one and a panel, which cannot, was refused
    # (in Asuncion, 2023-10-01 starts at 01:00: the clocks go forward at midnight)
    index = pd.date_range("2023-01-01", periods=40, freq=step, tz="America/Asuncion",
                          nonexistent="shift_forward")
    plain = pd.DatetimeIndex(list(index))
    assert plain.freq is None and pd.infer_freq(plain) is None
    y = pd.Series(np.arange(40.0), plain)
    future = pd.date_range(index[-1], periods=4, freq=step)[1:]
    forecast = SeasonalNaiveForecaster(horizon=3).fit(y).predict()
    pd.testing.assert_series_equal(forecast, pd.Series(39.0, future), check_freq=False)
    panel = pd.DataFrame({"unique_id": np.repeat(["a", "b"], 40), "ds": np.tile(plain, 2),
                          "y": np.r_[np.arange(40.0), -np.arange(40.0)]})
    forecast = SeasonalNaiveForecaster(horizon=3).fit(panel).predict()
    assert forecast.ds.tolist() == [*future, *future]
    assert forecast.y.tolist() == [39] * 3 + [-39] * 3


def test_daily_stamps_across_a_midnight_clock_change_and_a_multiindex():
    # Santiago's clocks go forward at midnight on 2022-09-11: that day starts at 01:00, as
    # pandas' own date_range(..., nonexistent="shift_forward") has it; predict(2) used to fail
    index = pd.date_range("2022-08-01", periods=40, freq="D", tz="America/Santiago")
    forecaster = SeasonalNaiveForecaster(horizon=3).fit(pd.Series(np.arange(40.0), index))
    expected = pd.date_range(index[-1], periods=4, freq="D", nonexistent="shift_forward")[1:]
    assert forecaster.predict().index.equals(expected) and expected[1].hour == 1
    # after the 01:00 stamp the days go on at midnight (they went on at 01:00), and a panel
    # whose grid crosses the change reads (it failed with pandas' "nonexistent time")
    forecaster.update(forecaster.predict(2))
    assert forecaster.predict().index.equals(
        pd.date_range(index[0], periods=45, freq="D", nonexistent="shift_forward")[-3:])
    assert [t.hour for t in forecaster.predict().index] == [0, 0, 0]
    panel = pd.DataFrame({"unique_id": np.repeat(["a", "b"], 40), "y": 1.0,
                          "ds": index.append(pd.date_range("2022-08-06", periods=40, freq="D",
                                                           tz="America/Santiago",
                                                           nonexistent="shift_forward"))})
    assert SeasonalNaiveForecaster(horizon=3).fit(panel).predict().shape == (6, 3)
    stores = pd.Series(1.0, pd.MultiIndex.from_product([["s1", "s2"], index[:10]],
                                                       names=["store", "date"]))
    with pytest.raises(TypeError, match=r"MultiIndex \['store', 'date'\]; .*unique_id, ds"):
        forecaster.fit(stores)  # was pandas' "isna is not defined for MultiIndex"


def _extend(index, n):
    if isinstance(index, pd.RangeIndex):
        return pd.RangeIndex(index.start, index.stop + n * index.step, index.step)
    if isinstance(index, pd.PeriodIndex):
        return pd.period_range(index[0], periods=len(index) + n, freq=index.freq)
    return pd.date_range(index[0], periods=len(index) + n, freq=index.freq)


def test_numpy_in_numpy_out(seasonal_series):
    y = seasonal_series.to_numpy()
    pred = LSTMForecaster(window_length=12, horizon=4, **FAST).fit(y).predict()
    assert isinstance(pred, np.ndarray) and pred.shape == (4,)
    pred2d = LSTMForecaster(window_length=12, horizon=4, **FAST).fit(y[:, None]).predict()
    assert pred2d.shape == (4, 1)


def test_dataframe_forecast_keeps_all_columns(seasonal_series):
    frame = pd.DataFrame({"a": seasonal_series, "b": -2 * seasonal_series + 50})
    pred = GRUForecaster(window_length=24, horizon=12, max_epochs=150, random_state=0).fit(
        frame[:-12]
    ).predict()
    assert list(pred.columns) == ["a", "b"]
    pd.testing.assert_index_equal(pred.index, frame.index[-12:])
    naive = SeasonalNaiveForecaster(horizon=12).fit(frame[:-12]).predict()
    assert mase(frame[-12:], pred, frame[:-12], 12) < mase(frame[-12:], naive, frame[:-12], 12)


def test_unknown_frequency_error_says_how_to_set_it(seasonal_series):
    y = seasonal_series.drop(seasonal_series.index[[5, 17]])
    y.index.freq = None
    with pytest.raises(ValueError, match=r"cannot be inferred.*asfreq\('MS'\)"):
        LSTMForecaster().fit(y)


def test_sub_daily_gaps_and_clock_changes_are_named_with_their_fix():
    """Half-hours read without their time zone repeat or skip an hour when the clocks change:
    the errors said to average the repeated hour, or to set a month-start frequency."""
    london = pd.date_range("2024-03-30", periods=96, freq="30min", tz="Europe/London")
    spring = pd.Series(np.arange(96.0), london.tz_localize(None))
    with pytest.raises(ValueError, match=r"most of its steps are 30min, but not the one after "
                                         r"2024-03-31 00:30:00; .* y\.asfreq\('30min'\), .* "
                                         r"skip an hour when the clocks go forward"):
        SeasonalNaiveForecaster().fit(spring)
    autumn = pd.Series(np.arange(96.0), pd.date_range(
        "2024-10-26", periods=96, freq="30min", tz="Europe/London").tz_localize(None))
    with pytest.raises(ValueError, match=r"duplicated time stamps .* repeat an hour when the "
                                         r"clocks go back, .* y\.index\.tz_localize\("
                                         r"'Europe/London', ambiguous='infer'\)"):
        SeasonalNaiveForecaster().fit(autumn)
    for y in (spring, autumn):  # the advice fits them
        SeasonalNaiveForecaster().fit(y.set_axis(
            y.index.tz_localize("Europe/London", ambiguous="infer")))
    panel = pd.DataFrame({"unique_id": np.repeat(["a", "b"], 96),
                          "ds": np.tile(autumn.index, 2), "y": np.arange(192.0)})
    with pytest.raises(ValueError, match=r"series 'a' of the panel has duplicated time stamps .* "
                                         r"repeat an hour when the clocks go back"):
        SeasonalNaiveForecaster().fit(panel)
    panel["ds"] = panel.groupby("unique_id")["ds"].transform(  # the advice, verbatim
        lambda s: s.dt.tz_localize("Europe/London", ambiguous="infer"))
    SeasonalNaiveForecaster().fit(panel)
    gap = pd.Series(np.arange(94.0), pd.date_range("2024-01-01", periods=96, freq="15min")
                    .delete([10, 50]))
    with pytest.raises(ValueError, match=r"most of its steps are 15min, but not the one after "
                                         r"2024-01-01 02:15:00; .* y\.asfreq\('15min'\), and "
                                         r"fill the gaps that creates \(y\.interpolate\(\)\)\.$"):
        SeasonalNaiveForecaster().fit(gap)
    SeasonalNaiveForecaster().fit(gap.asfreq("15min").interpolate())


def test_longer_horizon_is_recursive_and_shorter_is_a_prefix(seasonal_series):
    f = LSTMForecaster(window_length=24, horizon=6, **FAST).fit(seasonal_series)
    direct = f.predict()
    assert np.allclose(f.predict(horizon=3), direct[:3])
    long = f.predict(horizon=14)
    assert len(long) == 14 and np.allclose(long[:6], direct)
    pd.testing.assert_index_equal(long.index, _extend(seasonal_series.index, 14)[-14:])
    # the second block is the direct forecast from a window that ends with the first block
    g = copy.deepcopy(f).update(direct)
    assert np.allclose(g.predict(), long[6:12], atol=1e-5)


def test_future_covariates_are_used():
    rng = np.random.default_rng(1)
    x = rng.normal(size=300)
    y = pd.Series(3 * x + rng.normal(0, 0.1, 300), index=pd.RangeIndex(300))
    X = pd.DataFrame({"x": x}, index=y.index)
    train, test = slice(0, 290), slice(290, 300)
    kw = dict(window_length=5, horizon=10, max_epochs=60, scaling="standard", learning_rate=1e-2,
              random_state=0)
    with_x = LSTMForecaster(**kw).fit(y[train], X[train])
    pred = with_x.predict(X=X[test].set_axis(y.index[test]))
    without = LSTMForecaster(**kw).fit(y[train]).predict()
    err_with = np.abs(pred - y[test]).mean()
    err_without = np.abs(without - y[test]).mean()
    assert err_with < 0.3 * err_without  # y is 3·x: unpredictable without the future x (≈2.4)
    with pytest.raises(ValueError, match="pass X with 10 rows"):
        with_x.predict()


def test_pickle_joblib_and_random_state_give_identical_forecasts(seasonal_series, tmp_path):
    f = LSTMForecaster(window_length=12, horizon=3, **FAST).fit(seasonal_series)
    again = LSTMForecaster(window_length=12, horizon=3, **FAST).fit(seasonal_series)
    restored = pickle.loads(pickle.dumps(f))
    joblib.dump(f, tmp_path / "model.joblib")
    pd.testing.assert_series_equal(f.predict(), again.predict(), check_exact=True)
    pd.testing.assert_series_equal(f.predict(), restored.predict(), check_exact=True)
    pd.testing.assert_series_equal(
        f.predict(), joblib.load(tmp_path / "model.joblib").predict(), check_exact=True
    )
    other = LSTMForecaster(window_length=12, horizon=3, **{**FAST, "random_state": 1})
    assert not np.allclose(other.fit(seasonal_series).predict(), f.predict())


def test_score_is_negative_mase_and_places_values_by_time_stamp(seasonal_series):
    train, test = seasonal_series[:-12], seasonal_series[-12:]
    f = SeasonalNaiveForecaster(horizon=12).fit(train)
    assert f.score(test) == pytest.approx(-mase(test, f.predict(), train, 12))
    later = test[4:]  # a gap of four steps after the training data
    assert f.score(later) == pytest.approx(-mase(later, f.predict(12)[4:], train, 12))
    with pytest.raises(ValueError, match="do not follow the end of the series seen so far"):
        f.score(train[-3:])


def test_early_stopping_uses_last_windows_and_restores_best(seasonal_series):
    f = LSTMForecaster(
        window_length=12, horizon=3, early_stopping=True, n_iter_no_change=3,
        validation_fraction=0.2, max_epochs=200, random_state=0,
    ).fit(seasonal_series)
    curve = f.validation_loss_curve_
    assert len(curve) < 200 and len(curve) == len(f.loss_curve_)
    assert f.best_epoch_ == int(np.argmin(curve))


def test_early_stopping_refit_trains_again_on_every_window_for_the_steps_chosen(seasonal_series):
    """early_stopping="refit": the run that stops on the latest windows chooses the number of
    steps; the network kept is trained again from its seed on every window, the latest ones
    included, for that many: on one series (whose windows are numbered in time order), the
    fit without early stopping of that many steps."""
    kw = dict(window_length=12, horizon=3, n_iter_no_change=3, validation_fraction=0.2,
              max_epochs=200, ensemble_size=1, random_state=0)
    refit = LSTMForecaster(early_stopping="refit", **kw).fit(seasonal_series)
    stopped = LSTMForecaster(early_stopping=True, **kw).fit(seasonal_series)
    assert refit.validation_loss_curve_ == stopped.validation_loss_curve_  # the stopping run
    windows = len(seasonal_series) - 12 - 3 + 1
    n_train = windows - int(windows * 0.2) - 2  # and the horizon - 1 windows before those
    steps = (refit.best_epoch_ + 1) * -(-n_train // 32)  # 4 an epoch
    assert steps < 800  # it stopped before max_epochs
    plain = LSTMForecaster(max_steps=steps, **kw).fit(seasonal_series)
    np.testing.assert_array_equal(refit.predict(), plain.predict())
    assert np.abs(refit.predict() - stopped.predict()).max() > 1e-3  # not the stopping run's
    # too few windows to hold any out: trained on all of them, as without early stopping
    short = dict(kw, validation_fraction=0.05)  # 16 windows x 0.05 rounds down to none
    with pytest.raises(ValueError, match="early_stopping needs validation windows"):
        LSTMForecaster(early_stopping=True, **short).fit(seasonal_series[:30])
    np.testing.assert_array_equal(
        LSTMForecaster(early_stopping="refit", **short).fit(seasonal_series[:30]).predict(),
        LSTMForecaster(**short).fit(seasonal_series[:30]).predict())


def test_early_stopping_both_alternates_members_in_pairs_without_and_with_refit(seasonal_series):
    """early_stopping="both": members 0 and 1 (one per anchor) are trained as without early
    stopping, members 2 and 3 as with "refit"; each is the network those settings train (on
    one series; a panel's windows are numbered in another order then)."""
    kw = dict(window_length=12, horizon=3, n_iter_no_change=3, max_steps=300, hidden_size=8,
              random_state=0)
    fits = {stop: RNNForecaster(early_stopping=stop, **kw).fit(seasonal_series)
            for stop in (False, "refit", "both")}
    both = fits["both"].module_.members
    for i, stop in enumerate([False, False, "refit", "refit"]):
        theirs = fits[stop].module_.members[i].state_dict()
        for key, value in both[i].state_dict().items():
            torch.testing.assert_close(value, theirs[key], rtol=0, atol=0, msg=f"{i} {key}")
    assert fits["refit"].anchor_lags_ == fits["both"].anchor_lags_ == [12, 1, 12, 1]
    assert not fits["both"].validation_loss_curve_  # the first member's: not stopped early


@pytest.mark.parametrize(
    "params, message",
    [
        ({"horizon": 0}, "horizon == 0, must be >= 1"),
        ({"dropout": 1.5}, "dropout == 1.5, must be < 1.0"),
        ({"scaling": "minmax"}, "scaling='minmax' is not valid; choose one of 'local', 'standard', None"),
        ({"loss": "huber"}, "loss='huber' is not valid"),
        ({"window_length": 200}, "need at least 201; pass a longer series or lower window_length"),
        ({"window_length": 144, "horizon": 12, "strategy": "recursive"},  # said "horizon=1"
         "window_length=144 and the 1 step(s) the network emits (strategy='recursive': one) need"),
        ({"device": "tpu"}, "device='tpu' is not"),
        ({"early_stopping": "False"}, "early_stopping='False' is not valid; choose one of False"),
        ({"verbose": "False"}, "verbose must be False, True or a count >= 0, not 'False'"),
        ({"random_state": True}, "random_state must be an int, a RandomState or None, not a bool"),
        ({"verbose": -1}, "verbose must be False, True or a count >= 0, not -1"),  # a TypeError
    ],
)
def test_bad_parameters_are_named_at_fit(params, message, seasonal_series):
    f = LSTMForecaster(**params)
    error = TypeError if "not a bool" in message or "not 'False'" in message else ValueError
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        f.fit(seasonal_series)
    assert not hasattr(f, "module_")


def test_divergence_raises_a_clear_error():
    y = np.random.default_rng(0).normal(size=100) * 1e30
    with pytest.raises(TrainingDivergedError, match="lower learning_rate or set gradient_clip"):
        LSTMForecaster(window_length=4, scaling=None, loss="mse", max_epochs=3,
                       gradient_clip=None).fit(y)
    # with clipping already on (the default 1.0), the advice is not to switch it on
    with pytest.raises(TrainingDivergedError, match="lower learning_rate or lower gradient_clip"):
        LSTMForecaster(window_length=4, scaling=None, loss="mse", max_epochs=3,
                       gradient_clip=1.0).fit(y * 1e7)
    # values beyond float32 itself: refused before training as such (they became inf, and the
    # advice was the learning rate's, with numpy's "overflow encountered in cast")
    with pytest.raises(ValueError, match=r"the data reach 2\.\d+e\+39 after scaling=None, beyond "
                                         r"the 3\.4e\+38 of the network's float32 arithmetic; "
                                         r"use scaling='local'"):
        LSTMForecaster(window_length=4, scaling=None, max_epochs=3).fit(y * 1e9)


def test_caller_data_is_not_mutated(seasonal_series):
    y = seasonal_series.copy()
    X = pd.DataFrame({"x": np.arange(len(y), dtype=float)}, index=y.index)
    y0, X0 = y.copy(), X.copy()
    f = LSTMForecaster(window_length=12, horizon=2, **FAST).fit(y, X)
    f.predict(X=X.iloc[:2].set_axis(pd.date_range("2012-01-01", periods=2, freq="MS")))
    pd.testing.assert_series_equal(y, y0)
    pd.testing.assert_frame_equal(X, X0)
    assert y.index.freq == y0.index.freq


@pytest.mark.parametrize("strategy", ["direct", "recursive", "seq2seq"])
def test_every_strategy_beats_seasonal_naive(strategy, seasonal_series):
    train, test = seasonal_series[:-12], seasonal_series[-12:]
    f = GRUForecaster(window_length=24, horizon=12, strategy=strategy, max_epochs=60,
                      random_state=0).fit(train)
    naive = SeasonalNaiveForecaster(horizon=12).fit(train).predict()
    assert mase(test, f.predict(), train, 12) < 0.8 * mase(test, naive, train, 12)


def test_recursive_strategy_is_a_one_step_model_fed_its_own_forecasts(seasonal_series):
    f = LSTMForecaster(window_length=12, horizon=5, strategy="recursive", **FAST)
    f.fit(seasonal_series)
    assert f.module_.net.head.out_features == 1  # one step at a time
    five = f.predict()
    g = copy.deepcopy(f).update(five[:2])  # the same model, fed its first two forecasts
    assert np.allclose(g.predict(horizon=3), five[2:], atol=1e-5)


def test_seq2seq_feeds_back_its_own_output_at_inference_and_the_truth_in_training():
    import torch

    from tsrnn.networks import Seq2SeqNetwork

    torch.manual_seed(0)
    net = Seq2SeqNetwork("lstm", n_targets=1, hidden_size=8).eval()
    x = torch.randn(4, 10, 1)
    free = net(x, horizon=6)  # (4, 6, 1), each step fed the previous prediction
    assert torch.allclose(net(x, teacher=free), free, atol=1e-6)  # same as feeding them in
    assert not torch.allclose(net(x, teacher=torch.zeros_like(free)), free)
    # dropout before the head, as the other strategies have (seq2seq ignored it): on in
    # training (teacher forcing and feedback alike), off in evaluation
    dropped = Seq2SeqNetwork("lstm", n_targets=1, hidden_size=8, dropout=0.5)
    dropped.load_state_dict(net.state_dict())
    for kw in (dict(teacher=free), dict(horizon=6)):
        assert not torch.allclose(dropped.train()(x, **kw), net(x, **kw))
        assert torch.equal(dropped.eval()(x, **kw), net(x, **kw))


def test_max_steps_bounds_training_on_long_series(seasonal_series):
    # 132 windows in batches of 32: 5 steps an epoch, so 12 steps end inside the third epoch
    f = LSTMForecaster(window_length=12, max_steps=12, max_epochs=100, random_state=0)
    assert len(f.fit(seasonal_series).loss_curve_) == 3


def test_ensemble_forecast_is_the_median_of_its_members(seasonal_series):
    kw = dict(window_length=24, horizon=6, max_epochs=20, hidden_size=8, random_state=3)
    f = GRUForecaster(ensemble_size=3, **kw).fit(seasonal_series)
    assert len(f.module_.members) == 3
    members = []
    for net in f.module_.members:
        one = copy.deepcopy(f)
        one.module_ = net
        members.append(one.predict().to_numpy())
    members = np.stack(members)
    assert not np.allclose(members[0], members[1])  # different seeds, different networks
    np.testing.assert_allclose(f.predict().to_numpy(), np.median(members, axis=0), rtol=1e-6)
    # the first member is the single model of the same random_state, bit for bit
    single = GRUForecaster(ensemble_size=1, **kw).fit(seasonal_series)
    np.testing.assert_array_equal(single.predict().to_numpy(), members[0])


def test_ensemble_median_of_an_even_number_averages_the_middle_two():
    import torch

    from tsrnn.networks import Ensemble

    class Const(torch.nn.Module):
        def __init__(self, value):
            super().__init__()
            self.value = value

        def forward(self, x):
            return torch.full_like(x, self.value)

    x = torch.zeros(2, 3)
    assert (Ensemble([Const(v) for v in (1.0, 10.0, 2.0, 4.0)])(x) == 3.0).all()
    assert (Ensemble([Const(v) for v in (1.0, 10.0, 2.0)])(x) == 2.0).all()
    assert (Ensemble([Const(v) for v in (1.0, 10.0)], reduce="mean")(x) == 5.5).all()


@pytest.mark.parametrize("strategy", ["direct", "seq2seq"])
def test_a_network_that_outputs_zero_forecasts_its_anchor(strategy, seasonal_series):
    """The network learns the correction to a baseline: silence it and the baseline remains."""
    import torch

    def silenced(anchor, ensemble_size=1):
        f = GRUForecaster(window_length=24, horizon=6, anchor=anchor, strategy=strategy,
                          ensemble_size=ensemble_size, max_epochs=1, random_state=0)
        f.fit(seasonal_series)
        members = getattr(f.module_, "members", [f.module_])
        for member in members:
            with torch.no_grad():
                member.net.head.weight.zero_()
                member.net.head.bias.zero_()
        return f.predict().to_numpy()

    y = seasonal_series.to_numpy()
    snaive = y[-12:-6]
    np.testing.assert_allclose(silenced("seasonal"), snaive, rtol=1e-5)
    np.testing.assert_allclose(silenced("last"), np.repeat(y[-1], 6), rtol=1e-5)
    # members alternate seasonal / last value; the median of two is their mean
    np.testing.assert_allclose(silenced("both", 2), (snaive + y[-1]) / 2, rtol=1e-5)
    # the default ensemble gives both anchors as many members, so neither outvotes the other
    # (with 5 members, 3 seasonal, the median was the seasonal naive forecast)
    default = GRUForecaster().ensemble_size
    np.testing.assert_allclose(silenced("both", default), (snaive + y[-1]) / 2, rtol=1e-5)
    # no anchor: with local scaling the forecast is still relative to the window's last value
    np.testing.assert_allclose(silenced(None), np.repeat(y[-1], 6), rtol=1e-5)


def test_anchor_lags_show_each_members_anchor(seasonal_series):
    fast = dict(horizon=6, max_steps=1, hidden_size=4, random_state=0)
    assert RNNForecaster(**fast).fit(seasonal_series).anchor_lags_ == [12, 1, 12, 1]
    assert RNNForecaster(**fast, anchor="last").fit(seasonal_series).anchor_lags_ == [1] * 4
    assert RNNForecaster(**fast, anchor=None, ensemble_size=1).fit(
        seasonal_series).anchor_lags_ == [0]
    # a window shorter than the season: the seasonal members fall back to the last value
    assert RNNForecaster(**fast, window_length=6).fit(seasonal_series).anchor_lags_ == [1] * 4
    # None under the local scaling, which shifts each window by its last value, is "last" (as
    # documented); under another scaling it is a model of its own
    one = dict(fast, ensemble_size=1, max_steps=30)
    for scaling, same in (("local", True), ("standard", False)):
        none, last = (RNNForecaster(**one, anchor=a, scaling=scaling).fit(
            seasonal_series).predict().to_numpy() for a in (None, "last"))
        assert np.array_equal(none, last) == same


def _ar1(n: int, phi: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    y = np.zeros(n)
    for t in range(1, n):
        y[t] = phi * y[t - 1] + rng.normal()
    return 50 + y


def test_default_window_reads_enough_of_a_series_without_season_for_one_step_forecasts():
    # Two cycles (7 and 11 steps) need more than 2 lags; the default window used to be
    # max(2m, 2h) = 2 for numpy input (m = 1) at h = 1, now at least 12 steps.
    t = np.arange(700)
    noise = np.random.default_rng(0).normal(0, 0.1, len(t))
    y = np.sin(2 * np.pi * t / 7) + np.sin(2 * np.pi * t / 11) + noise
    origins = list(range(500, 700))
    truth = y[origins]
    kw = dict(ensemble_size=1, max_steps=600, random_state=0)
    errors = {}
    for window in (None, 2):
        f = GRUForecaster(window_length=window, **kw).fit(y[:500])
        errors[window] = np.abs(f._forecast_origins(y, None, origins, 1)[:, 0, 0] - truth).mean()
    quick = dict(ensemble_size=1, max_steps=1)
    assert GRUForecaster(**quick).fit(y[:30]).window_length_ == 12
    short = GRUForecaster(**quick).fit(y[:18]).window_length_
    assert short == 10 and type(short) is int  # 8 windows remain (numpy's int64 it was)
    assert errors[None] < 0.5 * errors[2]


def test_level_input_lets_the_network_learn_mean_reversion():
    # AR(1) around 50: the best forecast decays towards the mean, which a window shifted by its
    # last value cannot see. KPSS finds the series stationary, so "auto" adds the level.
    y, h, phi = _ar1(1200, 0.8), 12, 0.8
    origins = list(range(800, 1188, 6))
    truth = np.stack([y[o : o + h] for o in origins])
    optimal = np.stack([50 + phi ** np.arange(1, h + 1) * (y[o - 1] - 50) for o in origins])
    best = np.abs(optimal - truth).mean()
    kw = dict(horizon=h, window_length=4, ensemble_size=1, max_steps=800, random_state=0)
    errors = {}
    for level in ("auto", False):
        f = GRUForecaster(level_input=level, **kw).fit(y[:800])
        assert f.level_input_ is (level == "auto")
        errors[level] = np.abs(f._forecast_origins(y, None, origins, h)[..., 0] - truth).mean()
    assert errors["auto"] < 1.03 * best < errors[False] / 1.08  # optimal 1.22, 1.23 vs 1.38 seen


def test_level_input_auto_skips_trending_short_and_standard_scaled_series():
    rng = np.random.default_rng(0)
    walk = np.cumsum(rng.normal(0.5, 1.0, 200))
    kw = dict(horizon=2, window_length=6, ensemble_size=1, max_steps=5, level_input="auto")
    assert not GRUForecaster(**kw).fit(walk).level_input_
    assert not GRUForecaster(**kw).fit(_ar1(19, 0.5)).level_input_  # too short to test
    assert not GRUForecaster(scaling="standard", **kw).fit(_ar1(200, 0.5)).level_input_
    assert GRUForecaster(**{**kw, "level_input": True}).fit(walk).level_input_
    assert not GRUForecaster(horizon=2, max_steps=5).fit(_ar1(200, 0.5)).level_input_  # default
    with pytest.raises(ValueError, match="level_input='yes' is not valid"):
        GRUForecaster(level_input="yes").fit(walk)
    with pytest.raises(ValueError, match="level_input=True needs scaling='local'"):
        GRUForecaster(level_input=True, scaling="standard").fit(walk)  # it was ignored


def test_level_input_survives_save_and_load(tmp_path):
    f = GRUForecaster(horizon=3, window_length=6, ensemble_size=2, max_steps=20, level_input=True,
                      random_state=0).fit(_ar1(120, 0.5))
    f.save(tmp_path / "m")
    g = load(tmp_path / "m")
    assert g.level_input_ and g.module_.members[0].net.rnn.input_size == 3
    np.testing.assert_array_equal(g.predict(), f.predict())


def test_level_input_auto_accepts_a_panel_with_a_constant_series():
    ds = pd.date_range("2000-01", periods=60, freq="MS")
    values = [_ar1(60, 0.5, seed) for seed in range(3)] + [np.zeros(60)]  # KPSS is undefined on 0s
    panel = pd.concat([pd.DataFrame({"unique_id": f"s{i}", "ds": ds, "y": v})
                       for i, v in enumerate(values)])
    f = GRUForecaster(horizon=2, max_steps=5, level_input="auto", random_state=0).fit(panel)
    assert f.level_input_  # a constant needs no differencing: it counts as level-stationary
    forecast = f.predict()
    assert np.isfinite(forecast["y"]).all() and len(forecast) == 8


@pytest.mark.parametrize("scaling", ["local", "standard"])
def test_a_large_offset_only_shifts_the_forecast(scaling):
    """1e7 + a small seasonal signal: float32 alone cannot hold the signal, so every scaling
    must centre the series in float64 first; the forecast is the offset one's, shifted."""
    rng = np.random.default_rng(0)
    small = np.sin(2 * np.pi * np.arange(72) / 12) + 0.1 * rng.normal(size=72)
    index = pd.date_range("2000-01", periods=72, freq="MS")
    kw = dict(horizon=6, hidden_size=8, max_steps=100, ensemble_size=1, random_state=0,
              device="cpu", scaling=scaling)
    plain = GRUForecaster(**kw).fit(pd.Series(small, index)).predict()
    offset = GRUForecaster(**kw).fit(pd.Series(small + 1e7, index)).predict()
    np.testing.assert_allclose(offset.to_numpy() - 1e7, plain.to_numpy(), atol=0.01)


def test_a_season_that_repeats_exactly_is_not_scaled_by_rounding_noise():
    """100 sin(2 pi t / 12) repeats its season exactly: its seasonal naive error is 7e-14 in
    float64, not 0, and local scaling divided by it (inputs about 1e15, a training loss of
    1e15); the spread is used instead. MASE's scale falls back to the one-step naive error
    there (it was 1, an absolute error), and to 1 only for a constant series."""
    from tsrnn.evaluation import mase_scale

    y = pd.Series(100 * np.sin(2 * np.pi * np.arange(60) / 12),
                  index=pd.date_range("2000-01", periods=60, freq="MS"))
    assert mase_scale(y.to_numpy(), 12) == mase_scale(y.to_numpy(), 1) > 10
    assert mase_scale(np.full(30, 5.0), 12) == 1.0
    f = LSTMForecaster(horizon=6, anchor="last", max_epochs=2, ensemble_size=1,
                       random_state=0).fit(y)
    np.testing.assert_allclose(f._scale[0, 0], y.std(ddof=0))
    assert f.loss_curve_[-1] < 10


def test_a_constant_covariate_reaches_the_network_as_zero_not_as_rounding_noise():
    # a constant 0.1 column has a float64 spread of 1.7e-16, not 0: dividing by it gave ±1
    data = np.c_[np.sin(np.arange(80.0)), np.full(80, 0.1), np.full(80, 0.7)]
    center, scale = GRUForecaster(scaling="standard")._scaling_stats(data, 1, 12)
    np.testing.assert_array_equal(scale[1:], 1.0)
    np.testing.assert_allclose((data[:, 1:] - center[1:]) / scale[1:], 0.0, atol=1e-12)
    # zero plus rounding noise (0 in exact arithmetic; spread 2e-16) is a constant too: taken
    # for data (a spread relative to its size), its value 1 later reached the network as 1e16
    t = np.arange(83)
    noise = ((t * 0.1 + 0.2) - t * 0.1) - 0.2
    y = 10 + np.sin(t[:80] / 3)
    kw = dict(horizon=3, max_steps=20, ensemble_size=1, random_state=0)
    zeros = GRUForecaster(**kw).fit(y, np.zeros((80, 1))).predict(X=np.ones((3, 1)))
    noisy = GRUForecaster(**kw).fit(y, noise[:80, None]).predict(X=np.ones((3, 1)))
    np.testing.assert_allclose(noisy, zeros, rtol=1e-6)


def test_new_values_with_another_kind_of_index_and_none_are_refused_by_name(seasonal_series):
    f = SeasonalNaiveForecaster(horizon=12).fit(seasonal_series[:-12])
    later = seasonal_series[-12:]
    for other, kind in ((later.to_period("M"), "period"), (later.reset_index(drop=True), "int64")):
        for method in (f.score, f.update):
            with pytest.raises(ValueError, match=f"time stamps have dtype {kind}.*same kind of "
                                                 "time stamps"):
                method(other)
    with pytest.raises(TypeError, match="y is None; pass the data"):
        SeasonalNaiveForecaster().fit(None)
    # the same instants in another time zone are the same steps
    hourly = pd.Series(np.arange(48.0), pd.date_range("2020-01-01", periods=48, freq="h",
                                                      tz="UTC"))
    fitted = SeasonalNaiveForecaster(horizon=4, season_length=2).fit(hourly[:-4])
    assert fitted.score(hourly[-4:].tz_convert("Europe/Berlin")) == fitted.score(hourly[-4:])


def test_a_constant_series_is_forecast_as_its_constant_until_it_moves():
    """A product without sales beside selling ones: the network's residual output came back in
    the series' own units (a scale of 1), forecasting zeros as -0.006 (negative sales)."""
    ds = pd.date_range("2015-01-01", periods=60, freq="MS")
    sales = 100 + 10 * np.sin(np.arange(60) * np.pi / 6)
    panel = pd.DataFrame({"unique_id": np.repeat(["sales", "none", "rate"], 60),
                          "ds": np.tile(ds, 3),
                          "y": np.r_[sales, np.zeros(60), np.full(60, 0.1) * 3]})  # 0.3 inexact
    f = GRUForecaster(horizon=6, max_steps=30, random_state=0).fit(panel)
    forecast = f.predict(horizon=9).set_index("unique_id")["y"]  # a recursive part too
    assert (forecast["none"] == 0.0).all() and (forecast["rate"] == 0.1 * 3).all()
    assert forecast["sales"].std() > 1  # the others still come from the network
    new = pd.DataFrame({"unique_id": "none", "ds": pd.date_range("2020-01-01", periods=3,
                                                                 freq="MS"), "y": [5.0, 6.0, 7.0]})
    moved = f.update(new).predict().set_index("unique_id")["y"]
    assert (moved["none"] != 0.0).any()  # sold again: the network forecasts it
    np.testing.assert_array_equal(moved["rate"], 0.1 * 3)
    # with a covariate constant in training too, whose effect on it is unknown (a product
    # launched later: on = 0 throughout), the network forecasts it; one that varied while the
    # series stayed constant (promotions without sales) had no effect: the constant
    X = panel[["unique_id", "ds"]].assign(on=np.r_[np.arange(60) % 2, np.zeros(60),
                                                   np.arange(60) % 3])
    future = pd.DataFrame({"unique_id": np.repeat(["sales", "none", "rate"], 6), "on": 1.0,
                           "ds": np.tile(pd.date_range("2020-01-01", periods=6, freq="MS"), 3)})
    covariates = GRUForecaster(horizon=6, max_steps=30, random_state=0, scaling=None).fit(panel, X)
    launched = covariates.predict(X=future).set_index("unique_id")["y"]
    assert (launched["none"] != 0.0).all() and (launched["rate"] == 0.1 * 3).all()


def test_data_in_tiny_units_keeps_its_signal():
    """safe_scale took any spread below 2e-15 for a constant, whatever the values' size: the
    same series in units of 1e-15 was forecast as noise (±0.07 around values of 1e-14)."""
    y = pd.Series(10 + 3 * np.sin(np.arange(60) * np.pi / 6),
                  index=pd.period_range("2000-01", periods=60, freq="M"))
    kw = dict(horizon=6, max_steps=20, ensemble_size=1, random_state=0)
    plain = GRUForecaster(**kw).fit(y).predict()
    np.testing.assert_allclose(GRUForecaster(**kw).fit(y * 1e-15).predict() / 1e-15, plain,
                               rtol=1e-6)
    np.testing.assert_allclose(ARIMAForecaster(horizon=6).fit(y * 1e-15).predict() / 1e-15,
                               ARIMAForecaster(horizon=6).fit(y).predict(), rtol=1e-4)


def test_a_direct_forecast_with_covariates_for_fewer_steps_than_its_block_warns():
    """The head forecasts its trained block at once from all of its covariate rows: with X
    for 6 of 12 steps, the first 6 forecasts read the 6th row repeated (air passengers: up to
    20 from those with the real rows). It warns; seq2seq and recursive read only the steps up
    to each forecast, so they agree with the whole X and do not."""
    import warnings

    y = load_airpassengers()
    stamps = pd.date_range(y.index[0], periods=156, freq="MS")
    X = pd.DataFrame({"promo": np.random.default_rng(0).normal(size=156)}, stamps)
    kw = dict(horizon=12, max_steps=20, ensemble_size=1, random_state=0)
    direct = GRUForecaster(**kw).fit(y, X=X[:144])
    with pytest.warns(UserWarning, match=r"X has 6 row\(s\) of future covariates, but "
                                         r"GRUForecaster reads 12 to forecast 6.*Pass X for 12"):
        short = direct.predict(horizon=6, X=X[144:150])
    assert not np.allclose(short, direct.predict(X=X[144:])[:6])
    with pytest.warns(UserWarning, match=r"X has 6 row\(s\).*reads 12 to forecast 6"):
        direct.score(pd.Series(np.ones(6), stamps[144:150]), X=X[144:150])  # as in a CV fold
    for strategy in ("seq2seq", "recursive"):
        model = GRUForecaster(strategy=strategy, **kw).fit(y, X=X[:144])
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            np.testing.assert_allclose(model.predict(horizon=6, X=X[144:150]),
                                       model.predict(X=X[144:])[:6], rtol=1e-6)
