"""estimator.save / tsrnn.load: tensors + JSON, never pickle; exact round trips; clear refusals."""

import datetime
import io
import json
import os
import re
import joblib
import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

import tsrnn
from tsrnn import (
    ARIMAForecaster,
    CharLanguageModel,
    GRUForecaster,
    LSTMForecaster,
    RNNForecaster,
    SequenceClassifier,
    SequenceRegressor,
)
from tsrnn.persistence import _digest

FAST = dict(max_epochs=3, hidden_size=8, random_state=0, ensemble_size=2)


def _round_trip(est, tmp_path):
    path = tmp_path / "model.tsrnn"
    est.save(path)
    return tsrnn.load(path)


@pytest.mark.parametrize(
    "index",
    [
        pd.date_range("2001-01-01", periods=48, freq="MS"),
        pd.date_range("2001-01-01", periods=48, freq="h", tz="Europe/Madrid"),
        pd.period_range("1950", periods=48, freq="Y"),
        pd.RangeIndex(10, 106, 2),
    ],
)
@pytest.mark.parametrize("cls", [RNNForecaster, LSTMForecaster, GRUForecaster])
def test_forecaster_round_trip_predicts_identically(cls, index, tmp_path):
    y = pd.Series(np.sin(np.arange(48) / 3) + np.arange(48) / 10, index=index, name="load")
    f = cls(window_length=12, horizon=4, **FAST).fit(y)
    g = _round_trip(f, tmp_path)
    assert type(g) is cls and g.get_params() == f.get_params()
    pd.testing.assert_series_equal(g.predict(), f.predict())  # values bit for bit, index, name
    pd.testing.assert_series_equal(g.predict(7), f.predict(7))
    assert g.cutoff_ == f.cutoff_ and str(g.cutoff_) == str(f.cutoff_)  # same instant and zone
    assert g.loss_curve_ == f.loss_curve_
    # the loaded forecaster keeps working: update moves its origin like the original's
    nxt = pd.Series([1.0, 2.0], index=tsrnn._pandas.future_index(y.index, 2), name="load")
    pd.testing.assert_series_equal(g.update(nxt).predict(), f.update(nxt).predict())


@pytest.mark.parametrize("index", [
    pd.date_range("2001-01-01", periods=50_000, freq="min", tz="Europe/Madrid", unit="s"),
    pd.period_range("2001-01-01", periods=50_000, freq="h"),
    pd.date_range("2001-01-01", periods=50_000, freq="B"),
    pd.DatetimeIndex(list(pd.date_range("2001-01-01", periods=50_000, freq="D"))),  # freq None
    pd.date_range("2022-08-01", periods=50, freq="D", tz="America/Santiago",  # a 01:00 day
                  nonexistent="shift_forward"),
])
def test_a_long_regular_series_saves_its_stamps_as_a_range(index, tmp_path):
    # each stamp was written as text: a file of 23 MB (13 s) for a 1,000,000-step series
    y = pd.Series(np.arange(len(index), dtype=float) % 24, index=index, name="load")
    f = GRUForecaster(horizon=3, window_length=24, max_steps=2, ensemble_size=1, hidden_size=4,
                      random_state=0).fit(y)
    f.save(tmp_path / "model.tsrnn")
    assert os.path.getsize(tmp_path / "model.tsrnn") < 20_000  # (1.2 MB without a freq)
    g = tsrnn.load(tmp_path / "model.tsrnn")
    pd.testing.assert_index_equal(g._format.index, index, exact=True)
    assert g._format.index.freq == index.freq
    pd.testing.assert_series_equal(g.predict(), f.predict())


def test_a_file_of_format_1_still_loads(atol):
    # written by tsrnn at e6e2bad (format 1: every time stamp written out) with a GRU fit on 60
    # months in Europe/Berlin; its forecast then is in the CSV beside it. It was saved with
    # device="auto", so a GPU machine loads it onto the GPU: float32 on cuDNN agreed to 6e-5
    # (an H200, 2026-11-27), hence the device's tolerance
    from pathlib import Path

    data = Path(__file__).parent / "data"
    forecast = tsrnn.load(data / "gru_format1.tsrnn").predict()
    expected = pd.read_csv(data / "gru_format1_forecast.csv", index_col=0).iloc[:, 0]
    np.testing.assert_allclose(forecast.to_numpy(), expected.to_numpy(), rtol=atol)
    assert forecast.index.equals(pd.DatetimeIndex(pd.to_datetime(expected.index, utc=True))
                                 .tz_convert("Europe/Berlin"))
    assert forecast.index.freqstr == "MS" and forecast.name == "y"


def test_frame_with_covariates_and_panel_round_trip(tmp_path):
    idx = pd.date_range("2000-01-01", periods=60, freq="MS")
    y = pd.DataFrame({"a": np.sin(np.arange(60.)), "b": np.cos(np.arange(60.))}, index=idx)
    X = pd.DataFrame({"promo": np.arange(60.) % 3}, index=idx)
    future = pd.DataFrame({"promo": [0.0, 1.0, 2.0]}, index=tsrnn._pandas.future_index(idx, 3))
    f = GRUForecaster(window_length=12, horizon=3, **FAST).fit(y, X)
    pd.testing.assert_frame_equal(_round_trip(f, tmp_path).predict(X=future), f.predict(X=future))
    two_level = pd.MultiIndex.from_tuples([("promo", "a")])  # covariate columns of any kind
    f = GRUForecaster(window_length=12, horizon=3, **FAST).fit(y, X.set_axis(two_level, axis=1))
    future = future.set_axis(two_level, axis=1)
    pd.testing.assert_frame_equal(_round_trip(f, tmp_path).predict(X=future), f.predict(X=future))

    panel = pd.DataFrame({"unique_id": np.repeat(["s1", "s2"], 40),
                          "ds": np.tile(pd.date_range("2000-01-01", periods=40, freq="D"), 2),
                          "y": np.r_[np.arange(40.0), np.arange(40.0) ** 0.5]})
    f = GRUForecaster(window_length=7, horizon=2, **FAST).fit(panel)
    pd.testing.assert_frame_equal(_round_trip(f, tmp_path).predict(), f.predict())
    # ids of pandas' own dtypes come back with them (exact equality, dtypes included)
    for dtype in ("category", "string", "Int64"):
        ids = panel.unique_id.str[1].astype(int) if dtype == "Int64" else panel.unique_id
        f = GRUForecaster(window_length=7, horizon=2, **FAST).fit(
            panel.assign(unique_id=ids.astype(dtype)))
        forecast = f.predict()
        assert forecast.unique_id.dtype == dtype
        pd.testing.assert_frame_equal(_round_trip(f, tmp_path).predict(), forecast)


def test_sequence_estimators_and_language_model_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 8, 2))
    labels = np.where(X[:, :, 0].mean(axis=1) > 0, "up", "down")
    clf = SequenceClassifier(max_epochs=3, random_state=0).fit(X, labels)
    loaded = _round_trip(clf, tmp_path)
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    assert loaded.classes_.tolist() == ["down", "up"] and loaded.score(X, labels) == clf.score(X, labels)

    reg = SequenceRegressor(max_epochs=3, random_state=0).fit(list(X), X.sum(axis=(1, 2)))
    np.testing.assert_array_equal(_round_trip(reg, tmp_path).predict(list(X)), reg.predict(list(X)))

    lm = CharLanguageModel(seq_length=8, max_epochs=2, random_state=0).fit("abcabd " * 20)
    assert _round_trip(lm, tmp_path).sample(30, random_state=1) == lm.sample(30, random_state=1)
    # a NUL character: numpy's fixed-width strings dropped it, refusing the training text
    nul = CharLanguageModel(seq_length=4, max_epochs=1, random_state=0).fit("ab\x00" * 20)
    assert "\x00" in nul.vocabulary_.tolist()
    assert _round_trip(nul, tmp_path).vocabulary_.tolist() == nul.vocabulary_.tolist()


def test_loading_leaves_the_global_random_state_alone(tmp_path):
    # the network built to receive the saved weights drew its initial ones from torch's RNG
    rng = np.random.default_rng(0)
    X, labels = rng.normal(size=(20, 6, 1)), np.arange(20) % 2
    for est in (SequenceClassifier(max_epochs=1, random_state=0).fit(X, labels),
                GRUForecaster(horizon=2, max_steps=2, ensemble_size=2, random_state=0).fit(
                    rng.normal(size=40))):
        est.save(tmp_path / "model.tsrnn")
        torch.manual_seed(123)
        expected = torch.rand(3)
        torch.manual_seed(123)
        tsrnn.load(tmp_path / "model.tsrnn")
        assert torch.equal(torch.rand(3), expected)


def test_file_is_plain_tensors_and_json_with_versions(tmp_path):
    f = GRUForecaster(window_length=6, horizon=2, **FAST).fit(np.arange(40.0))
    f.save(tmp_path / "m")
    blob = torch.load(tmp_path / "m", weights_only=True)  # loads without any unpickling
    assert blob["format"] == "tsrnn-model" and blob["format_version"] == 2
    assert blob["tsrnn_version"] == tsrnn.__version__
    meta = json.loads(blob["meta"])
    assert meta["class"] == "tsrnn.forecasting.GRUForecaster" and meta["params"]["horizon"] == 2
    assert all(isinstance(t, torch.Tensor) for t in blob["tensors"].values())


class _RunsCode:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))  # creating the file is the "attack"


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
def test_a_file_crafted_to_run_code_is_refused_without_running_it(tmp_path):
    marker = tmp_path / "pwned"
    torch.save({"format": "tsrnn-model", "payload": _RunsCode(str(marker))}, tmp_path / "evil")
    with pytest.raises(ValueError, match="refused: it is corrupted, or holds objects other "
                                         "than tensors"):
        tsrnn.load(tmp_path / "evil")
    assert not marker.exists()
    # a plain pickle (what joblib writes) is named as one, not as corrupted or crafted (with
    # torch's advice to unpickle it quoted)
    (tmp_path / "evil.pkl").write_bytes(pickle.dumps(_RunsCode(str(marker))))
    with pytest.raises(ValueError, match=r"is a pickle \(written by pickle.dump or joblib.dump\), "
                                         "not a file written by save; read it with joblib.load"):
        tsrnn.load(tmp_path / "evil.pkl")
    assert not marker.exists()
    joblib.dump(GRUForecaster(window_length=6, horizon=2, **FAST).fit(np.arange(40.0)),
                tmp_path / "m.joblib")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # torch's "Detected pickle protocol" no longer leaks
        with pytest.raises(ValueError, match="is a pickle"):
            tsrnn.load(tmp_path / "m.joblib")
    # file objects, as save writes them, are read too (the check opened only paths)
    fitted = GRUForecaster(window_length=6, horizon=2, **FAST).fit(np.arange(40.0))
    buffer = io.BytesIO()
    fitted.save(buffer)
    buffer.seek(0)
    np.testing.assert_array_equal(tsrnn.load(buffer).predict(), fitted.predict())
    with pytest.raises(ValueError, match="^the file is a pickle"):
        tsrnn.load(io.BytesIO(pickle.dumps(fitted)))
    with open(tmp_path / "m.joblib", "rb") as file:
        with pytest.raises(ValueError, match=r"^'.*m\.joblib' is a pickle"):
            tsrnn.load(file)


def test_truncated_altered_foreign_and_newer_files_give_clear_errors(tmp_path):
    f = GRUForecaster(window_length=6, horizon=2, **FAST).fit(np.arange(40.0))
    f.save(tmp_path / "m")
    data = (tmp_path / "m").read_bytes()
    (tmp_path / "cut").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="not a readable tsrnn model file .truncated or corrupted"):
        tsrnn.load(tmp_path / "cut")

    blob = torch.load(tmp_path / "m", weights_only=True)
    torch.save(dict(blob, meta=blob["meta"].replace('"horizon": 2', '"horizon": 3')),
               tmp_path / "edited")
    with pytest.raises(ValueError, match="was altered after it was saved"):
        tsrnn.load(tmp_path / "edited")
    key = next(iter(blob["tensors"]))
    tensors = dict(blob["tensors"], **{key: blob["tensors"][key] + 1})
    torch.save(dict(blob, tensors=tensors), tmp_path / "weights")
    with pytest.raises(ValueError, match="was altered after it was saved"):
        tsrnn.load(tmp_path / "weights")

    torch.save({"weights": torch.zeros(3)}, tmp_path / "foreign")
    with pytest.raises(ValueError, match="is not a tsrnn model file"):
        tsrnn.load(tmp_path / "foreign")
    torch.save(dict(blob, format_version=99), tmp_path / "newer")
    with pytest.raises(ValueError, match="format version 99, newer than this tsrnn reads"):
        tsrnn.load(tmp_path / "newer")
    # the same errors from file objects (each was a TypeError from os.fspath)
    with pytest.raises(ValueError, match="^the file is not a readable tsrnn model file"):
        tsrnn.load(io.BytesIO(data[: len(data) // 2]))
    with open(tmp_path / "newer", "rb") as file, pytest.raises(
            ValueError, match=f"^{re.escape(repr(str(tmp_path / 'newer')))} has format version"):
        tsrnn.load(file)


@pytest.mark.parametrize(
    "edit",
    [lambda m: m.pop("params"), lambda m: m["params"].update(hidden_sizes=3),
     lambda m: m["state"].pop("_module_spec"), lambda m: m["state"].update(_history={"__array__": "x"})],
)
def test_a_malformed_file_with_a_valid_digest_is_a_clear_error(edit, tmp_path):
    """The digest guards against corruption, not against someone recomputing it: the loader must
    still refuse nonsense with a ValueError, never a KeyError or TypeError from deep inside."""
    f = GRUForecaster(window_length=6, horizon=2, **FAST).fit(np.arange(40.0))
    f.save(tmp_path / "m")
    blob = torch.load(tmp_path / "m", weights_only=True)
    meta = json.loads(blob["meta"])
    edit(meta)
    text = json.dumps(meta)
    torch.save(dict(blob, meta=text, sha256=_digest(text, blob["tensors"])), tmp_path / "bad")
    with pytest.raises(ValueError, match="is malformed"):
        tsrnn.load(tmp_path / "bad")


def test_model_saved_on_a_gpu_loads_on_the_cpu(tmp_path):
    f = GRUForecaster(window_length=6, horizon=2, device="cpu", **FAST).fit(np.arange(40.0))
    f.save(tmp_path / "m")
    blob = torch.load(tmp_path / "m", weights_only=True)
    meta = blob["meta"].replace('{"__device__": "cpu"}', '{"__device__": "cuda:0"}')
    assert meta != blob["meta"]  # the file now says it was trained on a GPU
    torch.save(dict(blob, meta=meta, sha256=_digest(meta, blob["tensors"])), tmp_path / "gpu")
    g = tsrnn.load(tmp_path / "gpu")
    expected = "cuda:0" if torch.cuda.is_available() else "cpu"
    assert str(g.device_) == expected and str(next(g.module_.parameters()).device) == expected
    # identical on the CPU; on a GPU, cuDNN's kernels round differently (3e-7 seen on an H200)
    np.testing.assert_allclose(g.predict(), f.predict(), rtol=0 if expected == "cpu" else 1e-5)


def test_unsupported_and_unfitted_estimators_are_refused(tmp_path):
    with pytest.raises(NotFittedError):
        GRUForecaster().save(tmp_path / "m")
    arima = ARIMAForecaster(horizon=2).fit(np.sin(np.arange(40.0)))
    with pytest.raises(TypeError, match="save it with joblib.dump instead"):
        tsrnn.persistence.save(arima, tmp_path / "a")
    assert not os.path.exists(tmp_path / "a")


@pytest.mark.parametrize("start, stamps", [
    ("2024-01-08", {"freq": "D", "tz": datetime.timezone(datetime.timedelta(hours=-5), "EST5")}),
    ("2024-01-08", {"freq": pd.offsets.CustomBusinessDay(holidays=["2024-02-20"])}),  # came back
    ("2024-01-08 10:00",  # without the holiday: the loaded model forecast onto it
     {"freq": pd.offsets.BusinessHour(start="10:00", end="16:00")}),
])
def test_stamps_a_file_cannot_describe_are_refused_at_save(start, stamps, tmp_path):
    index = pd.date_range(start, periods=30, **stamps)
    f = GRUForecaster(horizon=2, window_length=6, max_steps=2, hidden_size=4, ensemble_size=1)
    f.fit(pd.Series(np.sin(np.arange(30.0)), index=index))
    with pytest.raises(TypeError, match="cannot be saved without pickle; use a zoneinfo"):
        f.save(tmp_path / "m")  # was saved, then refused at load as "malformed"
    assert not os.path.exists(tmp_path / "m")
    with pytest.raises(TypeError, match="type datetime64 cannot be saved without pickle"):
        f.fit(pd.Series(np.arange(30.0), name=np.datetime64("2024-01-01"))).save(tmp_path / "m")
    named = pd.Series(np.arange(30.0), name=np.str_("y"))  # numpy strings save (as before)
    f.fit(named).save(tmp_path / "s")
    assert tsrnn.load(tmp_path / "s").predict().name == "y"
    zoned = pd.date_range("2024-03-25", periods=30, freq="D", tz="Europe/Berlin")  # over DST
    f.fit(pd.Series(np.sin(np.arange(30.0)), index=zoned)).save(tmp_path / "z")
    pd.testing.assert_series_equal(tsrnn.load(tmp_path / "z").predict(), f.predict())


def test_a_file_from_before_a_parameter_existed_loads_with_its_old_behaviour(tmp_path):
    X, y = np.random.default_rng(0).normal(size=(20, 5, 1)), np.arange(20) % 2
    clf = SequenceClassifier(max_epochs=2, average_last=None, random_state=0).fit(X, y)
    clf.save(tmp_path / "m")
    blob = torch.load(tmp_path / "m", weights_only=True)
    meta = json.loads(blob["meta"])
    del meta["params"]["average_last"]  # as written before average_last existed
    text = json.dumps(meta)
    torch.save(dict(blob, meta=text, sha256=_digest(text, blob["tensors"])), tmp_path / "old")
    old = tsrnn.load(tmp_path / "old")
    assert old.average_last is None  # not today's default, 0.25
    np.testing.assert_array_equal(old.predict_proba(X), clf.predict_proba(X))


SEQS = np.random.default_rng(0).normal(size=(20, 12, 1))


@pytest.mark.parametrize("est, changes", [
    (SequenceClassifier(max_epochs=2, random_state=0),
     dict(conv_scales=3, hidden_size=8, nonlinearity="relu", cell="rnn", scaling="global",
          output="sequence")),
    (GRUForecaster(window_length=6, horizon=2, **FAST),
     dict(hidden_size=4, strategy="seq2seq", scaling="standard")),
])
def test_a_model_predicts_and_saves_as_it_was_fitted_whatever_set_params_changed_since(
        est, changes, tmp_path):
    classifier = isinstance(est, SequenceClassifier)
    est.fit(*([SEQS, np.arange(20) % 2] if classifier else [np.sin(np.arange(60.0))]))
    output = (lambda e: e.predict_proba(SEQS)) if classifier else (lambda e: e.predict())
    before = output(est)
    est.set_params(**changes)  # not refitted: the network keeps its layout and input scaling
    np.testing.assert_array_equal(output(est), before)
    loaded = _round_trip(est, tmp_path)
    assert loaded.get_params() == est.get_params()
    np.testing.assert_array_equal(output(loaded), before)


def test_a_pickle_from_before_a_parameter_existed_keeps_working():
    f = GRUForecaster(window_length=6, horizon=2, **FAST).fit(np.arange(40.0))
    state = f.__getstate__()
    del state["level_input"], state["_fit_params"]  # as pickled before they existed
    old = GRUForecaster.__new__(GRUForecaster)
    old.__setstate__(state)
    assert old.get_params()["level_input"] is False and clone(old).level_input is False
    np.testing.assert_array_equal(old.predict(), f.predict())
