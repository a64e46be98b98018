"""Long-format panels (unique_id, ds, y) as one global model."""

import numpy as np
import pandas as pd
import pytest

from tsrnn import (
    ARIMAForecaster,
    GRUForecaster,
    SeasonalNaiveForecaster,
    TransformedTargetForecaster,
    make_forecast_scorer,
    mase,
)


def _panel(n_series=12, seed=0):
    """Monthly series sharing a seasonal shape, with different levels, scales and end dates."""
    rng = np.random.default_rng(seed)
    parts = []
    for i in range(n_series):
        n = int(rng.integers(48, 96))
        t = np.arange(n)
        level, amp, slope = rng.uniform(10, 1000), rng.uniform(1, 50), rng.uniform(-0.2, 0.2)
        y = level + amp * (slope * t + np.sin(2 * np.pi * t / 12)) + rng.normal(0, 0.05 * amp, n)
        end = pd.Timestamp("2020-01-01") - pd.DateOffset(months=int(rng.integers(0, 6)))
        parts.append(pd.DataFrame({"unique_id": f"s{i}", "y": y,
                                   "ds": pd.date_range(end=end, periods=n, freq="MS")}))
    return pd.concat(parts, ignore_index=True)


def _split(df, h):
    test = df.groupby("unique_id").tail(h)
    return df.drop(test.index), test


def test_global_model_beats_seasonal_naive_and_returns_long_format():
    train, test = _split(_panel(), 12)
    model = GRUForecaster(horizon=12, max_epochs=40, random_state=0).fit(train)
    pred = model.predict()
    assert list(pred.columns) == ["unique_id", "ds", "y"] and len(pred) == 12 * 12
    merged = test.merge(pred, on=["unique_id", "ds"], suffixes=("", "_hat"))
    assert len(merged) == len(test)  # every forecast lands on its series' own future dates
    naive = SeasonalNaiveForecaster(horizon=12).fit(train).predict()
    merged_naive = test.merge(naive, on=["unique_id", "ds"], suffixes=("", "_hat"))

    def mean_mase(m):
        return np.mean([
            mase(g["y"], g["y_hat"], train.loc[train.unique_id == uid, "y"], 12)
            for uid, g in m.groupby("unique_id")
        ])

    assert mean_mase(merged) < 0.7 * mean_mase(merged_naive)


def test_a_series_shorter_than_one_window_is_still_forecast():
    df = _panel(4)
    short = pd.DataFrame({"unique_id": "tiny", "ds": pd.date_range("2019-01-01", periods=5,
                                                                   freq="MS"), "y": 1.0})
    pred = GRUForecaster(horizon=3, max_epochs=2, random_state=0).fit(
        pd.concat([df, short])).predict()
    tiny = pred[pred.unique_id == "tiny"]
    assert tiny["ds"].tolist() == list(pd.date_range("2019-06-01", periods=3, freq="MS"))
    assert np.isfinite(tiny["y"]).all()


def test_panel_errors_name_the_fix():
    df = _panel(3)
    shortest = df.groupby("unique_id").size().idxmin()
    gap = df.index[df.unique_id == shortest][10]
    with pytest.raises(ValueError, match=f"series '{shortest}' of the panel is not regular"):
        GRUForecaster().fit(df.drop(index=[gap]))
    with pytest.raises(ValueError, match="extra column"):
        GRUForecaster().fit(df.assign(price=1.0))
    f = SeasonalNaiveForecaster(horizon=2).fit(df)
    with pytest.raises(ValueError, match="make_forecast_scorer's metrics take one series"):
        make_forecast_scorer("rmse")(f, df)


def test_a_panel_score_is_the_mean_of_its_series_scores_placed_by_time_stamp():
    df = _panel(4)
    train, test = _split(df, 12)
    test = test[test.unique_id != "s2"].groupby("unique_id").tail(10)  # 2 steps skipped
    test = test.sample(frac=1, random_state=0)  # shuffled, one series left out, a gap in front
    f = SeasonalNaiveForecaster(horizon=3).fit(train)
    alone = [SeasonalNaiveForecaster(horizon=3).fit(_by_series(train, uid)["y"].asfreq("MS"))
             .score(_by_series(test, uid)["y"]) for uid in ("s0", "s1", "s3")]
    assert f.score(test) == pytest.approx(np.mean(alone), rel=1e-12)
    gru = GRUForecaster(horizon=3, hidden_size=4, max_steps=3, ensemble_size=1, random_state=0)
    gru.fit(train)  # one global model, one call for the furthest step
    forecast = gru.predict(int(test.groupby("unique_id").size().max()) + 2)
    merged = test.merge(forecast, on=["unique_id", "ds"], suffixes=("", "_hat"))
    scale = dict(zip(gru._panel[0], gru.mase_scale_[:, 0]))
    expected = merged.groupby("unique_id").apply(
        lambda g: np.mean(np.abs(g.y - g.y_hat)) / scale[g.name], include_groups=False).mean()
    assert gru.score(test) == pytest.approx(-expected, rel=1e-6)
    with pytest.raises(ValueError, match=r"series the forecaster was not fit on \(e.g. \['x'\]\)"):
        f.score(test.assign(unique_id="x"))
    # ids of another type (an int in one file, a str in the other) are named as such: every
    # row was reported missing, the series as np.int64(0)
    numbered = train.assign(unique_id=train.unique_id.str[1:].astype(int))
    later = test.assign(unique_id=test.unique_id.str[1:])
    with pytest.raises(ValueError, match=r"y's unique_id values are str \(e.g. '0'\) but the "
                                         r"panel's are int \(e.g. 0\); .*astype\(int\)"):
        SeasonalNaiveForecaster(horizon=3).fit(numbered).update(later)
    promo = numbered[["unique_id", "ds"]].assign(promo=np.arange(len(numbered)) % 2.0)
    later_one = later[later.unique_id == "1"]
    with pytest.raises(ValueError, match=r"values are str \(e.g. '1'\) but the panel's are int "
                                         r"\(e.g. 1\)"):  # the example that matches as text
        SeasonalNaiveForecaster(horizon=3).fit(numbered).update(
            pd.concat([later_one.assign(unique_id=7), later_one]))
    with pytest.raises(ValueError, match=r"not fit on \(e.g. \[7\]\)"):  # not np.int64(7)
        SeasonalNaiveForecaster(horizon=3).fit(numbered).update(later_one.assign(unique_id=7))
    twice = later_one.assign(unique_id=1).head(1)
    with pytest.raises(ValueError, match=r"several rows for series 1 at"):
        SeasonalNaiveForecaster(horizon=3).fit(numbered).update(pd.concat([twice, twice]))
    with pytest.raises(ValueError, match=r"X's unique_id values are str"):
        gru.fit(numbered, promo.assign(unique_id=promo.unique_id.astype(str)))
    with pytest.raises(ValueError, match=r"X has no row for series 0 at "):
        gru.fit(numbered, promo[promo.unique_id != 0])
    with pytest.raises(ValueError, match="row for series 's0' at .* is not a time step after"):
        f.score(train[train.unique_id == "s0"].tail(1))
    seconds = SeasonalNaiveForecaster(horizon=3).fit(train.assign(ds=train.ds.astype(
        "datetime64[s]")))
    with pytest.raises(ValueError, match="00:00:00.500000 is not a time step after"):
        seconds.score(test.assign(ds=test.ds + pd.Timedelta("500ms")))  # was cut to the second


@pytest.mark.parametrize("freq", ["MS", "W-SUN", "h", "QE-DEC"])
def test_panel_forecasts_continue_each_series_own_index(freq):
    """Rows shuffled, series ending at different stamps (tz-aware for hourly): every forecast
    starts right after its own series and has its frequency, as per-series future_index gives."""
    rng = np.random.default_rng(1)
    tz = "Europe/Berlin" if freq == "h" else None
    parts = [pd.DataFrame({"unique_id": uid, "y": rng.normal(size=n),
                           "ds": pd.date_range(end=pd.Timestamp("2021-03-28 04:00", tz=tz),
                                               periods=n + lag, freq=freq)[:n]})
             for uid, n, lag in (("a", 30, 0), ("b", 25, 3), ("c", 40, 1))]
    df = pd.concat(parts).sample(frac=1.0, random_state=0)  # any row order
    pred = SeasonalNaiveForecaster(horizon=4).fit(df).predict()
    assert pred["unique_id"].tolist() == list(np.repeat(list(df["unique_id"].unique()), 4))
    for part in parts:
        got = pd.DatetimeIndex(pred.loc[pred.unique_id == part.unique_id[0], "ds"])
        expected = pd.date_range(part.ds.iloc[-1], periods=5, freq=freq)[1:]
        assert got.equals(expected) and str(got.tz) == str(tz)


@pytest.mark.parametrize("freq, tz", [("h", "UTC"), ("h", "Europe/Berlin"), ("D", None)])
def test_series_on_another_clock_offset_are_regular_too(freq, tz):
    # b starts half an hour (or half a day) after a: each is regular on its own; with a
    # time zone or a calendar day, b was refused as "not regular" against a's grid
    offset = pd.Timedelta("30min" if freq == "h" else "12h")
    parts = [pd.DataFrame({"unique_id": uid, "y": np.arange(30.0),
                           "ds": pd.date_range(pd.Timestamp("2021-03-26", tz=tz) + shift,
                                               periods=30, freq=freq)})
             for uid, shift in (("a", pd.Timedelta(0)), ("b", offset))]
    pred = SeasonalNaiveForecaster(horizon=2, season_length=1).fit(pd.concat(parts)).predict()
    for part in parts:
        expected = pd.date_range(part.ds.iloc[-1], periods=3, freq=freq)[1:]
        assert pd.DatetimeIndex(pred.loc[pred.unique_id == part.unique_id[0], "ds"]).equals(
            expected)
    gap = parts[1].drop(index=5).assign(unique_id="c")
    with pytest.raises(ValueError, match="series 'c' of the panel is not regular"):
        SeasonalNaiveForecaster(horizon=2).fit(pd.concat([parts[0], gap]))


@pytest.mark.parametrize("freq, other, message", [
    ("W-SUN", "W-MON", "is regular at W-MON, but the panel's frequency is W-SUN"),
    ("QS-JAN", "QS-FEB", "is regular at QS-NOV, but the panel's frequency is QS-OCT"),
])
def test_a_series_on_another_anchor_is_named_not_called_gappy(freq, other, message):
    # weekly on Mondays beside Sundays: nothing is missing, but "fill or resample its missing
    # time stamps" was the advice
    parts = [pd.DataFrame({"unique_id": uid, "y": np.arange(n), "ds": pd.date_range(
        "2021-01-01", periods=n, freq=f)}) for uid, n, f in (("a", 30, freq), ("b", 20, other))]
    with pytest.raises(ValueError, match=f"series 'b' of the panel {message} .*'a'.*anchor"):
        SeasonalNaiveForecaster(horizon=2).fit(pd.concat(parts))
    # another step (15 minutes beside 30): said so, not called gappy either
    parts = [pd.DataFrame({"unique_id": uid, "y": np.arange(n), "ds": pd.date_range(
        "2021-01-01", periods=n, freq=f)}) for uid, n, f in (("a", 30, "30min"),
                                                             ("b", 20, "15min"))]
    with pytest.raises(ValueError, match=r"series 'b' of the panel is regular at 15min, not at "
                                         r"the panel's frequency 30min .*'a'.*resample it to "
                                         r"30min"):
        SeasonalNaiveForecaster(horizon=2).fit(pd.concat(parts))


def test_a_panel_of_several_time_zones_is_told_to_read_them_in_utc():
    # meters in London and New York: the object column's advice, pd.to_datetime(df['ds']),
    # raised "Tz-aware datetime.datetime cannot be converted to datetime64 unless utc=True"
    stamps = [*pd.date_range("2024-01-01", periods=60, freq="30min", tz="Europe/London"),
              *pd.date_range("2024-01-01", periods=60, freq="30min", tz="America/New_York")]
    panel = pd.DataFrame({"unique_id": np.repeat(["a", "b"], 60),
                          "ds": pd.Series(stamps, dtype=object), "y": np.arange(120.0)})
    with pytest.raises(TypeError, match=r"pd\.to_datetime\(df\['ds'\], utc=True\): its stamps "
                                        r"are in several time zones \(America/New_York, "
                                        r"Europe/London\)"):
        SeasonalNaiveForecaster(horizon=2).fit(panel)
    fixed = SeasonalNaiveForecaster(horizon=2).fit(panel.assign(
        ds=pd.to_datetime(panel.ds, utc=True))).predict()
    assert fixed.y.tolist() == [12.0, 13.0, 72.0, 73.0]  # a day back: 48 half-hours


def test_the_order_of_a_panels_rows_does_not_change_the_model():
    # series were numbered by first appearance, and the training windows followed: shuffled
    # rows gave forecasts up to 0.05 apart; the forecast keeps first appearance
    df = _panel(n_series=6)
    shuffled = df.sample(frac=1.0, random_state=1)
    assert list(shuffled.unique_id.unique()) != sorted(shuffled.unique_id.unique())
    fits = [GRUForecaster(horizon=3, window_length=12, max_steps=20, ensemble_size=1,
                          hidden_size=8, early_stopping=True, random_state=0).fit(frame)
            for frame in (df, shuffled)]
    a, b = (f.predict() for f in fits)
    assert b.unique_id.unique().tolist() == shuffled.unique_id.unique().tolist()
    pd.testing.assert_frame_equal(a.set_index(["unique_id", "ds"]).sort_index(),
                                  b.set_index(["unique_id", "ds"]).sort_index())


def test_the_frequency_of_tied_longest_series_does_not_depend_on_row_order():
    """A Mon-Thu series first made the panel daily and refused a Thu-Tue one; the other order
    fitted it business-daily."""
    def series(uid, days):
        return pd.DataFrame({"unique_id": uid, "y": np.arange(4.0),
                             "ds": pd.to_datetime([f"2024-01-{d:02d}" for d in days])})

    a, b = series("a", [8, 9, 10, 11]), series("b", [4, 5, 8, 9])
    for rows in (pd.concat([a, b]), pd.concat([b, a])):
        model = SeasonalNaiveForecaster(horizon=2).fit(rows)
        days = model.predict().set_index("unique_id")["ds"].dt.strftime("%a %d")
        assert days["a"].tolist() == ["Fri 12", "Mon 15"] and days["b"].tolist() == [
            "Wed 10", "Thu 11"]
        assert model.season_length_ == 5


def test_monthly_stamps_on_the_15th_step_by_months():
    """pandas infers no frequency for them: a panel was refused with advice to resample (which
    moves every value to the 1st), a single series with advice to index by period."""
    stamps = pd.date_range("2020-01-15", periods=40, freq=pd.DateOffset(months=1))
    values = np.arange(40.0) % 12 + np.arange(40.0) / 10
    df = pd.DataFrame({"unique_id": np.repeat(["a", "b"], [40, 30]),
                       "ds": np.r_[stamps, stamps[:30]], "y": np.r_[values, 2 * values[:30]]})
    model = SeasonalNaiveForecaster(horizon=2).fit(df)
    forecast = model.predict().set_index("unique_id")
    assert model.season_length_ == 12
    assert forecast.loc["a", "ds"].tolist() == [pd.Timestamp("2023-05-15"),
                                                pd.Timestamp("2023-06-15")]
    assert forecast.loc["b", "y"].tolist() == (2 * values[18:20]).tolist()  # 12 months back
    model.update(pd.DataFrame({"unique_id": ["b"], "ds": [stamps[30]], "y": [0.0]}))
    assert model.predict().set_index("unique_id").loc["b", "ds"].iloc[0] == stamps[31]
    single = SeasonalNaiveForecaster(horizon=3).fit(pd.Series(values, index=stamps.values))
    assert single.predict().index[0] == pd.Timestamp("2023-05-15")
    quarterly = pd.Series(values[:12], index=pd.date_range(  # on the 10th, 3 months apart
        "2020-01-10", periods=12, freq=pd.DateOffset(months=3)).values)
    forecast = SeasonalNaiveForecaster(horizon=2).fit(quarterly).predict()
    assert forecast.index.tolist() == [pd.Timestamp("2023-01-10"), pd.Timestamp("2023-04-10")]
    assert forecast.tolist() == values[8:10].tolist()  # 4 quarters back


@pytest.mark.parametrize("scaling", ["local", "standard"])
def test_per_series_statistics_of_a_panel_are_those_of_each_series_alone(scaling, monkeypatch):
    """Series of one length are scaled together, as one array (20,000 series of 60 months, one
    step: a fit took 3.7-4.5 s, now 0.33-0.37 s); each series' centre, scale, constancy and
    MASE scale are those it gets alone, to the last bit, in the chunks the stacking is cut
    into too."""
    import tsrnn.evaluation

    df = _panel(n_series=9)
    equal = df[df.unique_id.isin(["s0", "s1"])].assign(unique_id=lambda f: f.unique_id + "b")
    flat = df[df.unique_id == "s2"].assign(unique_id="flat", y=5.0)
    df = pd.concat([df, equal, flat, flat.assign(unique_id="flat, on = 0")], ignore_index=True)
    X = pd.concat([pd.DataFrame({"unique_id": uid, "ds": pd.date_range(
        part.ds.iloc[0], periods=len(part) + 3, freq="MS")}) for uid, part in df.groupby(
        "unique_id")], ignore_index=True)
    X["promo"] = np.random.default_rng(0).normal(size=len(X))
    X["on"] = np.where(X.unique_id == "flat, on = 0", 0.0, np.arange(len(X)) % 2)
    kw = dict(horizon=3, window_length=12, max_steps=1, ensemble_size=1, hidden_size=4,
              scaling=scaling, random_state=0)
    together = GRUForecaster(**kw).fit(df, X=X)
    monkeypatch.setattr(tsrnn.evaluation, "_STACK_VALUES", 1)  # every series alone
    alone = GRUForecaster(**kw).fit(df, X=X)
    monkeypatch.setattr(tsrnn.evaluation, "_STACK_VALUES", 600)  # chunks of 2 to 4 series
    chunked = GRUForecaster(**kw).fit(df, X=X)
    for fitted in (together, chunked):
        for name in ("_center", "_scale", "_constant", "mase_scale_"):
            np.testing.assert_array_equal(getattr(fitted, name), getattr(alone, name))
    # a constant series is forecast as its constant, unless a covariate of its was constant too
    ids = np.asarray(together._panel[0])
    assert ids[together._constant[:, 0]].tolist() == ["flat"]
    assert together._center.shape == (13, 3) and together.mase_scale_.shape == (13, 1)


def test_a_big_panel_is_forecast_in_bounded_batches(monkeypatch):
    # every series went through the network at once: 40,000 series took 1.1 GB to predict
    import tsrnn._training

    df = _panel(n_series=12)
    forecaster = GRUForecaster(horizon=6, window_length=12, max_steps=5, ensemble_size=1,
                               hidden_size=8, random_state=0).fit(df)
    whole = forecaster.predict()
    sizes = []
    forecaster.module_.register_forward_hook(lambda m, args, out: sizes.append(len(out)))
    monkeypatch.setattr(tsrnn._training, "PREDICT_STEPS", 5 * 18)  # 5 windows of 12 + 6 steps
    batched = forecaster.predict()
    assert sizes == [5, 5, 2]
    np.testing.assert_allclose(batched["y"], whole["y"], rtol=1e-6)


def test_early_stopping_on_short_series_says_the_fraction_rounds_down_per_series():
    df = pd.DataFrame({"unique_id": np.repeat(np.arange(20), 24), "y": np.random.default_rng(0)
                       .normal(size=480), "ds": np.tile(np.arange(24), 20)})
    f = GRUForecaster(horizon=6, window_length=11, max_steps=2, ensemble_size=1,
                      early_stopping=True)  # 8 windows a series: 10% of each rounds to 0
    with pytest.raises(ValueError, match="rounded down: with at most 8 window.s. per series, "
                                         "validation_fraction=0.1 leaves none; raise "
                                         "validation_fraction to at least 0.125"):
        f.fit(df)  # said "160 window(s) x 0.1 leaves 0"
    assert f.set_params(validation_fraction=0.125).fit(df).validation_loss_curve_
    # 3 windows a series: the advice holds one out (it said 0.333, which holds out none)
    f.set_params(window_length=21, horizon=1, validation_fraction=0.1)
    with pytest.raises(ValueError, match="with at most 3 window.s. per series, .* at least "
                                         "0.3334, pass"):
        f.fit(df)
    assert f.set_params(validation_fraction=0.3334).fit(df).validation_loss_curve_
    # 3 windows a series at horizon 6: no fraction leaves a training window before the 5 whose
    # targets overlap a validation window's, so none is advised
    f.set_params(window_length=16, horizon=6, validation_fraction=0.1)
    with pytest.raises(ValueError, match="with at most 3 window.s. per series, "
                                         "validation_fraction=0.1 leaves none; pass longer"):
        f.fit(df)
    with pytest.raises(ValueError, match="holds out 20 validation window.s. and the 40 before "
                                         "them, whose targets overlap theirs"):
        f.set_params(validation_fraction=0.34).fit(df)
    assert not f.set_params(early_stopping="refit").fit(df).validation_loss_curve_  # all trained
    with pytest.raises(ValueError, match=r"1 window\(s\) x validation_fraction=0.1 leaves 0; "
                                         "pass a longer series"):  # no fraction splits one
        f.set_params(validation_fraction=0.1, early_stopping=True).fit(df[df.unique_id == 0]
                                                                       .set_index("ds").y
                                                  .iloc[:22])


def test_integer_time_stamps_keep_each_series_spacing():
    df = pd.DataFrame({"unique_id": ["a"] * 20 + ["b"] * 20,
                       "ds": np.r_[np.arange(0, 40, 2), np.arange(100, 120)],
                       "y": np.r_[np.arange(20.0), np.arange(20.0) * 2]})
    pred = SeasonalNaiveForecaster(horizon=3, season_length=1).fit(df).predict()
    assert pred["ds"].tolist() == [40, 42, 44, 120, 121, 122]
    assert pred["y"].tolist() == [19.0, 19.0, 19.0, 38.0, 38.0, 38.0]
    uneven = df.copy()
    uneven.loc[5, "ds"] = 11
    with pytest.raises(ValueError, match="series 'a' of the panel has an integer ds that is not "
                                         "evenly spaced"):
        SeasonalNaiveForecaster().fit(uneven)


def test_panel_input_errors_name_the_series_and_the_fix():
    df = _panel(3)
    dup = pd.concat([df, df.iloc[[5]]])
    with pytest.raises(ValueError, match="series 's0' of the panel has duplicated time stamps"):
        GRUForecaster().fit(dup)
    bad = df.copy()
    bad.loc[7, "y"] = np.nan
    with pytest.raises(ValueError, match=r"y\['y'\] contains NaN .* \[7\]\); fill them within "
                                         r"each series first, e.g. .*groupby\('unique_id'\)"):
        GRUForecaster().fit(bad)  # it said y['y'].interpolate(), across series
    with pytest.raises(TypeError, match="ds column has dtype"):
        GRUForecaster().fit(df.assign(ds=df.ds.astype(str)))
    shortest = df.groupby("unique_id").size().idxmin()
    off_grid = df.copy()
    off_grid.loc[df.index[df.unique_id == shortest][3], "ds"] += pd.Timedelta(days=2)
    with pytest.raises(ValueError, match=f"series '{shortest}' of the panel is not regular at the "
                                         "panel's frequency MS"):
        GRUForecaster().fit(off_grid)


def test_period_and_multiple_frequency_panels_and_missing_ids():
    """Period time stamps, a two-month frequency with series on either phase, and the errors
    for missing ids."""
    rng = np.random.default_rng(2)
    periods = pd.concat([pd.DataFrame({"unique_id": uid, "y": rng.normal(size=n),
                                       "ds": pd.period_range(end=end, periods=n, freq="Q")})
                         for uid, n, end in (("a", 20, "2020Q4"), ("b", 15, "2021Q2"))])
    pred = SeasonalNaiveForecaster(horizon=2).fit(periods).predict()
    assert pred["ds"].tolist() == [pd.Period(p, "Q") for p in ("2021Q1", "2021Q2", "2021Q3",
                                                             "2021Q4")]
    two = pd.concat([pd.DataFrame({"unique_id": uid, "y": rng.normal(size=12),
                                   "ds": pd.date_range(start, periods=12, freq="2MS")})
                     for uid, start in (("jan", "2000-01-01"), ("feb", "2000-02-01"))])
    pred = SeasonalNaiveForecaster(horizon=1).fit(two).predict()
    assert pred["ds"].tolist() == [pd.Timestamp("2002-01-01"), pd.Timestamp("2002-02-01")]
    with pytest.raises(ValueError, match=r"unique_id column is missing at row\(s\) \[3\]"):
        SeasonalNaiveForecaster().fit(two.reset_index(drop=True).assign(
            unique_id=lambda d: d.unique_id.where(d.index != 3)))


def _promotions(seed=0, h=6):
    """Two monthly series driven by a 0/1 covariate (+5 when on), on different dates, in shuffled
    long format; X covers each series' next ``h`` months too."""
    rng = np.random.default_rng(seed)
    parts = []
    for uid, n, start in (("a", 120, "2005-01-01"), ("b", 96, "2007-07-01")):
        promo = (rng.uniform(size=n + h) < 0.3).astype(float)
        parts.append(pd.DataFrame({"unique_id": uid, "promo": promo,
                                   "ds": pd.date_range(start, periods=n + h, freq="MS"),
                                   "y": 10 + 5 * promo + rng.normal(0, 0.2, n + h)}))
    full = pd.concat(parts).sample(frac=1, random_state=seed)
    future = full.groupby("unique_id").ds.transform(lambda s: s.sort_values().iloc[-h])
    train = full[full.ds < future]
    return train[["unique_id", "ds", "y"]], full[["unique_id", "ds", "promo"]], full[
        full.ds >= future]


def _by_series(df, uid):
    return df[df.unique_id == uid].set_index("ds").sort_index()


def test_panel_covariates_align_by_series_and_stamp_as_for_each_series_alone():
    """ARIMA with a fixed order on a shuffled panel with covariates gives each series the
    forecast of a fit on that series alone (its own X rows, matched by stamp)."""
    train, X, test = _promotions()
    panel = ARIMAForecaster(horizon=6, order=(1, 0, 0)).fit(train, X=X)
    pred = panel.predict(X=X)
    assert panel.n_covariates_ == 1 and pred["ds"].groupby(pred.unique_id).min().tolist() == [
        pd.Timestamp("2015-01-01"), pd.Timestamp("2015-07-01")]
    scores = []
    for uid in ("a", "b"):
        y, x = _by_series(train, uid)["y"].asfreq("MS"), _by_series(X, uid)[["promo"]]
        alone = ARIMAForecaster(horizon=6, order=(1, 0, 0)).fit(y, X=x.loc[y.index])
        expected = alone.predict(X=x.loc[x.index > y.index[-1]])
        np.testing.assert_allclose(_by_series(pred, uid)["y"], expected, rtol=1e-10)
        scores.append(alone.score(_by_series(test, uid)["y"], X=x.loc[x.index > y.index[-1]]))
    assert panel.score(test[["unique_id", "ds", "y"]], X=X) == pytest.approx(np.mean(scores))
    # one series scored: X needs that series' rows only
    only_a = test[test.unique_id == "a"][["unique_id", "ds", "y"]]
    assert panel.score(only_a, X=X[X.unique_id == "a"]) == pytest.approx(scores[0])


def test_a_global_model_learns_a_panel_covariate_and_reads_it_as_for_one_series():
    train, X, test = _promotions()
    kw = dict(horizon=6, hidden_size=16, ensemble_size=1, anchor=None, max_steps=1500,
              random_state=0)
    with_x = GRUForecaster(**kw).fit(train, X=X).predict(X=X)
    without = GRUForecaster(**kw).fit(train).predict()

    def mae(pred):
        m = test.merge(pred, on=["unique_id", "ds"], suffixes=("", "_hat"))
        assert len(m) == len(test)
        return np.abs(m.y - m.y_hat).mean()

    assert mae(with_x) < 0.5 * mae(without)  # the +5 promotions are known ahead
    # one series as a panel and alone: the same network, the same covariate rows
    one = train[train.unique_id == "a"]
    fitted = GRUForecaster(**kw).fit(one, X=X)
    y, x = _by_series(one, "a")["y"].asfreq("MS"), _by_series(X, "a")[["promo"]]
    alone = GRUForecaster(**kw).fit(y, X=x.loc[y.index])
    future = x.loc[x.index > y.index[-1]]
    np.testing.assert_allclose(fitted.predict(X=X)["y"], alone.predict(X=future), rtol=1e-5)
    # fewer steps, X stopping at them: the rows after are the last one repeated, as alone
    short = X[X.ds <= future.index[2]]
    with pytest.warns(UserWarning, match="X has 3 row.*GRUForecaster reads 6 to forecast 3"):
        from_short = fitted.predict(3, X=short)["y"]
    with pytest.warns(UserWarning, match="X has 3 row.*GRUForecaster reads 6 to forecast 3"):
        np.testing.assert_allclose(from_short, alone.predict(3, X=future.iloc[:3]), rtol=1e-5)
    # and scored on those 3 steps with X for them only: warned too, as alone
    scored = test[test.ds <= future.index[2]][["unique_id", "ds", "y"]]
    with pytest.warns(UserWarning, match="X has 3 row.*GRUForecaster reads 6 to forecast 3"):
        fitted.score(scored[scored.unique_id == "a"], X=short)
    with pytest.warns(UserWarning, match="X has 3 row.*GRUForecaster reads 6 to forecast 3"):
        alone.score(_by_series(scored, "a")["y"], X=future.iloc[:3])


def test_panel_covariate_errors_name_the_fix():
    train, X, _ = _promotions()
    model = SeasonalNaiveForecaster(horizon=6).fit(train, X=X)
    with pytest.raises(ValueError, match="extra column.*X=df\\[\\['unique_id', 'ds', 'promo'\\]"):
        GRUForecaster().fit(train.merge(X, on=["unique_id", "ds"]))
    with pytest.raises(ValueError, match="so predict needs their values: pass X with each "
                                         "series' next 6 time stamps"):
        model.predict()
    with pytest.raises(ValueError, match="X has no row for series 'b' at 2015-07-01"):
        model.predict(X=X[X.unique_id == "a"])
    with pytest.raises(ValueError, match="X has no row for series 'a' at 2005-03-01"):
        SeasonalNaiveForecaster().fit(train, X=X[X.ds != "2005-03-01"])
    with pytest.raises(ValueError, match="fit on \\['promo'\\] \\(missing: \\['promo'\\], "
                                         "unknown: \\['price'\\]\\)"):
        model.predict(X=X.rename(columns={"promo": "price"}))
    with pytest.raises(ValueError, match="X has several rows for series"):
        model.predict(X=pd.concat([X, X.iloc[:1]]))
    with pytest.raises(ValueError, match="ds values have dtype datetime64.*UTC.*both with a "
                                         "time zone or both without"):
        model.predict(X=X.assign(ds=X.ds.dt.tz_localize("UTC")))
    with pytest.raises(ValueError, match="long format too"):
        model.predict(X=X.set_index(["unique_id", "ds"]))
    with pytest.raises(ValueError, match="fit without covariates"):
        SeasonalNaiveForecaster(horizon=6).fit(train).predict(X=X)


def test_a_transformed_recurrent_forecaster_stays_one_global_model_on_a_panel():
    train, X, _ = _promotions()
    kw = dict(horizon=6, hidden_size=8, ensemble_size=1, max_steps=30, random_state=0)
    wrapped = TransformedTargetForecaster(GRUForecaster(**kw), transform="log").fit(train, X=X)
    assert isinstance(wrapped.forecaster_, GRUForecaster)  # one network, not one per series
    logged = GRUForecaster(**kw).fit(train.assign(y=np.log(train.y)), X=X).predict(X=X)
    pred = wrapped.predict(X=X)
    assert pred[["unique_id", "ds"]].equals(logged[["unique_id", "ds"]])
    np.testing.assert_allclose(pred["y"], np.exp(logged["y"]), rtol=1e-6)
    # per-series transforms: Box-Cox's λ and the last value of each series
    boxcox = TransformedTargetForecaster(ARIMAForecaster(horizon=6, order=(1, 0, 0)),
                                         transform="boxcox").fit(train, X=X)
    lambdas = boxcox.lambdas_  # one per series (a panel fit had none)
    boxcox = boxcox.predict(X=X)
    diff = TransformedTargetForecaster(SeasonalNaiveForecaster(horizon=6), "diff").fit(train)
    for i, uid in enumerate(("a", "b")):
        y, x = _by_series(train, uid)["y"].asfreq("MS"), _by_series(X, uid)[["promo"]]
        alone = TransformedTargetForecaster(ARIMAForecaster(horizon=6, order=(1, 0, 0)),
                                            transform="boxcox").fit(y, X=x.loc[y.index])
        assert lambdas[i] == alone.lambdas_[0]
        np.testing.assert_allclose(_by_series(boxcox, uid)["y"],
                                   alone.predict(X=x.loc[x.index > y.index[-1]]), rtol=1e-8)
        np.testing.assert_allclose(
            _by_series(diff.predict(), uid)["y"],
            TransformedTargetForecaster(SeasonalNaiveForecaster(horizon=6), "diff").fit(
                y).predict(), rtol=1e-12)
    one_row = pd.concat([train, train[train.unique_id == "a"].head(1).assign(unique_id="c")])
    with pytest.raises(ValueError, match="series 'c' of the panel: transform='diff' needs at "
                                         "least 2 observations"):  # was "y_train is empty"
        TransformedTargetForecaster(SeasonalNaiveForecaster(horizon=6), "diff").fit(one_row)


def test_panel_stamps_keep_their_dtype_and_range_and_bad_layouts_name_the_fix():
    big = np.uint64(2**63 + 1) + np.uint64(10) * np.arange(6, dtype=np.uint64)
    pred = SeasonalNaiveForecaster(horizon=2, season_length=1).fit(
        pd.DataFrame({"unique_id": "a", "ds": big, "y": np.arange(6.0)})).predict()
    assert pred["ds"].dtype == np.uint64 and pred["ds"].tolist() == [2**63 + 61, 2**63 + 71]
    ints = pd.DataFrame({"unique_id": ["a"] * 5 + ["b"], "ds": pd.array([0, 2, 4, 6, 8, 4],
                                                                         dtype="Int64"),
                         "y": np.arange(6.0)})
    pred = SeasonalNaiveForecaster(horizon=2, season_length=1).fit(ints).predict()
    assert pred["ds"].dtype == "Int64"  # a one-row series steps as the panel's others
    assert pred["ds"].tolist() == [10, 12, 6, 8]
    # before 1677: outside the nanosecond range, in seconds
    old = pd.DataFrame({"unique_id": "m", "y": np.arange(30.0),
                        "ds": pd.date_range("1659-01-01", periods=30, freq="MS", unit="s")})
    assert SeasonalNaiveForecaster(horizon=1).fit(old).predict()["ds"].tolist() == [
        pd.Timestamp("1661-07-01")]
    # with a series of the 1600s in the panel, covariates in nanoseconds for another series
    recent = pd.date_range("2001-01-01", periods=30, freq="MS", unit="s")
    both = pd.concat([old, pd.DataFrame({"unique_id": "n", "y": np.arange(30.0), "ds": recent})])
    covariates = both[["unique_id", "ds"]].assign(x=np.arange(60.0))
    fitted = ARIMAForecaster(horizon=1, order=(0, 0, 0), seasonal_order=(0, 0, 0)).fit(
        both[both.ds.dt.year != 2003], X=covariates)
    newer = both[both.ds.dt.year == 2003].head(1)
    in_ns = covariates[covariates.unique_id == "n"].assign(ds=lambda d: d.ds.dt.as_unit("ns"))
    assert fitted.score(newer, X=in_ns) == fitted.score(newer, X=covariates)
    hourly = pd.DataFrame({"unique_id": np.repeat(["a", "b"], 30), "y": np.arange(60.0),
                           "ds": np.tile(pd.date_range("1659-01-01", periods=30, freq="h",
                                                       unit="s"), 2)})
    assert SeasonalNaiveForecaster(horizon=1).fit(hourly).predict()["y"].tolist() == [6.0, 36.0]
    monthly = _panel(2)
    with pytest.raises(ValueError, match=r"ds column is missing at row\(s\) \[3\]; fill or drop"):
        SeasonalNaiveForecaster().fit(monthly.assign(ds=monthly.ds.where(monthly.index != 3)))
    for indexed in (monthly.set_index("unique_id"), monthly.set_index(["unique_id", "ds"])):
        with pytest.raises(ValueError, match=r"some of unique_id, ds and y in its index.*"
                                             r"y.reset_index\(\)"):
            SeasonalNaiveForecaster().fit(indexed)


def test_panel_covariates_of_other_series_are_ignored_and_gaps_are_named():
    train, X, _ = _promotions()
    others = pd.concat([X.assign(unique_id=uid) for uid in ("c", "d")])  # not in y
    model = SeasonalNaiveForecaster(horizon=6).fit(train, X=pd.concat([X, others]))
    assert model.predict(X=pd.concat([others, X]))["y"].equals(
        SeasonalNaiveForecaster(horizon=6).fit(train, X=X).predict(X=X)["y"])
    gap = X.copy()
    gap.loc[(gap.unique_id == "b") & (gap.ds == "2008-01-01"), "promo"] = np.nan
    with pytest.raises(ValueError, match="missing covariate value for series 'b' at 2008-01-01"):
        SeasonalNaiveForecaster().fit(train, X=gap)
    # unique_id as the index and as a column: still the panel
    indexed = train.set_index("unique_id", drop=False)
    assert SeasonalNaiveForecaster(horizon=2).fit(indexed).predict().equals(
        SeasonalNaiveForecaster(horizon=2).fit(train).predict())


def test_a_transformed_forecasters_inner_model_is_fitted_as_on_the_transformed_panel():
    train, X, _ = _promotions()
    wrapped = TransformedTargetForecaster(SeasonalNaiveForecaster(horizon=6), "log").fit(
        train, X=X)
    inner, direct = wrapped.forecaster_, SeasonalNaiveForecaster(horizon=6).fit(
        train.assign(y=np.log(train.y)), X=X)
    assert inner.cutoff_ == direct.cutoff_ and inner.season_length_ == 12
    pd.testing.assert_frame_equal(inner.predict(X=X), direct.predict(X=X))


def test_a_panel_update_moves_each_series_on_as_its_own_update_would():
    train, X, test = _promotions()
    new = test.sort_values("ds").groupby("unique_id").head(2)[["unique_id", "ds", "y"]]
    panel = ARIMAForecaster(horizon=4, order=(1, 0, 0)).fit(train, X=X).update(new, X=X)
    pred = panel.predict(X=X)
    assert panel.cutoff_ == pd.Timestamp("2015-08-01")
    for uid in ("a", "b"):
        y, x = _by_series(train, uid)["y"].asfreq("MS"), _by_series(X, uid)[["promo"]]
        added = _by_series(new, uid)["y"]
        alone = ARIMAForecaster(horizon=4, order=(1, 0, 0)).fit(y, X=x.loc[y.index])
        alone.update(added, X=x.loc[added.index])
        np.testing.assert_allclose(_by_series(pred, uid)["y"],
                                   alone.predict(X=x.loc[x.index > added.index[-1]]), rtol=1e-10)
    kw = dict(horizon=4, hidden_size=4, max_steps=5, ensemble_size=1, random_state=0)
    for make in (lambda: GRUForecaster(**kw),
                 lambda: TransformedTargetForecaster(GRUForecaster(**kw), "diff")):
        one, y = train[train.unique_id == "a"], _by_series(train, "a")["y"].asfreq("MS")
        x, added = _by_series(X, "a")[["promo"]], _by_series(new, "a")["y"]
        as_panel = make().fit(one, X=X).update(new[new.unique_id == "a"], X=X)
        alone = make().fit(y, X=x.loc[y.index]).update(added, X=x.loc[added.index])
        np.testing.assert_allclose(as_panel.predict(X=X)["y"],
                                   alone.predict(X=x.loc[x.index > added.index[-1]]), rtol=1e-6)
        both = make().fit(train, X=X)
        before = both.predict(X=X)
        after = both.update(new[new.unique_id == "a"], X=X).predict(X=X)  # only "a" moves on
        assert _by_series(after, "b").equals(_by_series(before, "b"))
        assert _by_series(after, "a").index[0] == pd.Timestamp("2015-03-01")
    logged = TransformedTargetForecaster(SeasonalNaiveForecaster(horizon=2), "log").fit(train)
    before = logged.predict()
    with pytest.raises(ValueError, match="series 'b' of the panel: transform='log' needs"):
        logged.update(new.assign(y=np.where(new.unique_id == "b", -1.0, new.y)))
    pd.testing.assert_frame_equal(logged.predict(), before)  # the refused update changed nothing
    with pytest.raises(ValueError, match="series 'a' at 2015-02-01 00:00:00 is not among the "
                                         "steps right after that series' end \\(2014-12-01"):
        logged.update(new[new.unique_id == "a"].tail(1))
    # a row years after its series' end is refused at once, whatever other series there are
    far = new.head(1).assign(ds=pd.Timestamp("2090-01-01"))
    with pytest.raises(ValueError, match="series '.' at 2090-01-01 00:00:00 is not among"):
        logged.update(far)


def test_a_series_shorter_than_a_season_gets_the_naive_anchor_in_a_panel():
    """The seasonal anchor read a short series' front padding (its first value): history
    1..5 in a monthly panel forecast [1, 1, 1, 1, 1, 1] with the network's output zeroed; with
    less than a season of history it is the naive forecast, as the anchor's docs say. After
    update adds a season, the seasonal anchor applies again."""
    import torch

    stamps = pd.date_range("2001-01-31", periods=60, freq="ME")
    long_ = 100 + 10 * np.sin(2 * np.pi * np.arange(60) / 12)
    panel = pd.concat([pd.DataFrame({"unique_id": "long", "ds": stamps, "y": long_}),
                       pd.DataFrame({"unique_id": "short", "ds": stamps[-5:],
                                     "y": np.arange(1.0, 6.0)})])
    f = GRUForecaster(window_length=24, horizon=6, max_epochs=1, ensemble_size=1,
                      anchor="seasonal", random_state=0).fit(panel)
    with torch.no_grad():  # the forecast is then the anchor itself
        f.module_.net.head.weight.zero_()
        f.module_.net.head.bias.zero_()
    pred = f.predict()
    np.testing.assert_allclose(pred[pred.unique_id == "short"].y, 5.0, rtol=1e-6)
    np.testing.assert_allclose(pred[pred.unique_id == "long"].y, long_[-12:-6], rtol=1e-5)
    later = pd.DataFrame({"unique_id": "short", "ds": pd.date_range(stamps[-1], periods=8,
                                                                    freq="ME")[1:],
                          "y": np.arange(6.0, 13.0)})  # 12 observations now: a whole season
    pred = f.update(later).predict()
    np.testing.assert_allclose(pred[pred.unique_id == "short"].y, np.arange(1.0, 7.0),
                               rtol=1e-5)
