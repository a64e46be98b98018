import warnings

import numpy as np
import pandas as pd
import pytest

from tsrnn import SlidingWindowTransformer, make_windows
from tsrnn.windowing import window_starts


def test_windows_and_targets_match_the_series():
    y = np.arange(20.0).reshape(10, 2)
    X, Y = make_windows(y, window_length=3, horizon=2)
    assert X.shape == (6, 3, 2) and Y.shape == (6, 2, 2)
    for i in range(6):
        np.testing.assert_array_equal(X[i], y[i : i + 3])
        np.testing.assert_array_equal(Y[i], y[i + 3 : i + 5])


def test_a_list_of_numbers_is_one_series_and_a_list_of_lists_several():
    X, Y = make_windows([1.0, 2.0, 3.0, 4.0, 5.0], window_length=2, horizon=1)
    assert X[:, :, 0].tolist() == [[1, 2], [2, 3], [3, 4]] and Y[:, 0, 0].tolist() == [3, 4, 5]
    X, _ = make_windows([[1.0, 2.0, 3.0], [7.0, 8.0, 9.0]], window_length=2, horizon=1)
    assert X[:, :, 0].tolist() == [[1, 2], [7, 8]]
    assert SlidingWindowTransformer(2).fit_transform([1.0, 2.0, 3.0, 4.0]).shape == (2, 2, 1)
    rows = [[1, 10], [2, 20], [3, 30], [4, 40], [5, 50]]  # meant as one series of 2 columns:
    with pytest.raises(ValueError, match=r"y was read as 5 series of at most 2 steps: a list of "
                                         r"lists or arrays is several series; for one series "
                                         r"with columns, pass np.asarray\(y\)\)"):
        make_windows(rows, window_length=2)  # the error told only of steps the series lack
    assert make_windows(np.asarray(rows), window_length=2)[0].shape == (3, 2, 2)
    # a missing number (None) is a missing value of the one series, not a second series ("y[0]
    # is a single value (1.0)")
    with pytest.raises(ValueError, match=r"y contains NaN .* \(first: \[2\]\)"):
        make_windows([1.0, 2.0, None, 4.0, 5.0], window_length=2)
    # a long-format panel: its integer ids and stamps were windowed as two more features, the
    # windows crossing from one series into the next
    panel = pd.DataFrame({"unique_id": np.repeat([1, 2], 10), "ds": np.tile(np.arange(10), 2),
                          "y": np.arange(20.0)})
    with pytest.raises(ValueError, match=r"long-format panel .*y.groupby\('unique_id'\)"):
        make_windows(panel, window_length=3)


def test_stride_keeps_the_most_recent_window():
    X, Y = make_windows(np.arange(10.0), window_length=3, horizon=1, stride=4)
    assert X[:, :, 0].tolist() == [[2, 3, 4], [6, 7, 8]]
    assert Y[-1, 0, 0] == 9.0


def test_no_window_crosses_series():
    a, b, c = np.zeros(6), np.ones(4), np.full(7, 2.0)
    X, Y = make_windows([a, b, c], window_length=4, horizon=1)
    # a (6 steps) gives 2 windows, b (4 < 5 steps) none, c (7 steps) 3, starting at 10 + 0..2
    assert window_starts([6, 4, 7], 4, 1).tolist() == [0, 1, 10, 11, 12]
    # called directly it checks its arguments too (a stride of 0 divided by zero, a negative
    # window gave starts past the series' end, float lengths float starts)
    for args, error, message in ((([5], 2, 0, 0), ValueError, "stride == 0, must be >= 1"),
                                 (([5], -2), ValueError, "window_length == -2, must be >= 1"),
                                 (([5.0], 2), TypeError, "lengths must be integers")):
        with pytest.raises(error, match=message):
            window_starts(*args)
    # errors name a series as the caller wrote it (they suggested "series 1.interpolate()")
    with pytest.raises(ValueError, match=r"y\[1\] contains NaN .* e.g. y\[1\].interpolate\(\)"):
        make_windows([a, np.r_[b, np.nan]], window_length=4)
    assert len(X) == 5
    for x, y in zip(X, Y):
        assert len(np.unique(np.r_[x[:, 0], y[:, 0]])) == 1  # every window lies in one series


def test_pandas_input_and_transformer_copies():
    s = pd.Series(np.arange(12.0), index=pd.date_range("2020", periods=12, freq="MS"))
    t = SlidingWindowTransformer(window_length=4, horizon=2).fit(s)
    X = t.transform(s)
    X[0, 0, 0] = -1.0
    assert s.iloc[0] == 0.0  # the windows are the caller's own copy
    assert t.transform_targets(s)[:, :, 0].tolist()[0] == [4.0, 5.0]
    with pytest.raises(ValueError, match="X has 2 features, but SlidingWindowTransformer is "
                                         "expecting 1 features as input .the series' columns."):
        t.transform(np.zeros((12, 2)))


def test_dataframe_channels_are_matched_by_name_and_the_index_is_not_read():
    df = pd.DataFrame({"a": np.arange(6.0), "b": 100 + np.arange(6.0)})
    t = SlidingWindowTransformer(window_length=2).fit(df)
    np.testing.assert_array_equal(t.transform(df[["b", "a"]]), t.transform(df))  # swapped before
    with pytest.raises(ValueError, match=r"has columns \['A', 'B'\] but the transformer was fit"):
        t.transform(df.rename(columns=str.upper))
    X, _ = make_windows([df, df[["b", "a"]]], 3)  # the second series' channels were swapped
    assert X[:, :, 1].min() >= 100
    with pytest.raises(ValueError, match="but the first DataFrame has"):
        make_windows([df, df.rename(columns=str.upper)], 3)
    # windows never read time stamps: trading days (no frequency) or labels window like numpy
    days = pd.Series(np.arange(10.0), index=pd.bdate_range("2024-01-01", periods=12).delete([3, 7]))
    for y in (days, days.set_axis(list("abcdefghij"))):
        np.testing.assert_array_equal(make_windows(y, 3)[0], make_windows(days.to_numpy(), 3)[0])


def test_inputs_and_targets_are_arrays_of_their_own():
    X, Y = make_windows(np.arange(40.0), window_length=5, horizon=2)
    # they were views of one (N, 7, 1) buffer: keeping the small Y kept the large X alive
    assert X.flags.owndata and Y.flags.owndata and X.flags.c_contiguous and Y.flags.c_contiguous
    np.testing.assert_array_equal(Y[:, :, 0], np.arange(5, 39)[:, None] + np.arange(2))


def test_too_short_series_error_names_the_fix():
    with pytest.raises(ValueError, match="need; pass longer series or lower window_length or "
                                         r"horizon \(for the window that ends at a series' last "
                                         r"step, .* pass horizon=0\)"):
        make_windows(np.arange(5.0), window_length=5, horizon=1)
    latest, _ = make_windows(np.arange(5.0), window_length=5, horizon=0)
    np.testing.assert_array_equal(latest[:, :, 0], [np.arange(5.0)])


def test_series_stored_in_rows_are_pointed_to_their_transpose():
    # three series of 200 steps stored one per row were cut into one window of 200 features
    rows = np.random.default_rng(0).normal(size=(3, 200))
    with pytest.warns(UserWarning, match=r"y has 200 columns but series of at most 3 step\(s\); "
                                         r".* pass y\.T \(one series per column\)"):
        X, _ = make_windows(rows, window_length=2)
    assert X.shape == (1, 2, 200)  # read as asked: the warning says what it was read as
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert make_windows(rows.T, window_length=2)[0].shape == (198, 2, 3)


def test_an_object_array_or_series_of_arrays_is_several_series():
    parts = [np.arange(6.0), 10 + np.arange(4.0)]  # what groupby(...).apply(np.array) gives
    held = np.empty(2, dtype=object)
    held[:] = parts
    expected = make_windows(parts, window_length=3, horizon=1)
    for y in (held, pd.Series(held, index=["a", "b"])):
        X, Y = make_windows(y, window_length=3, horizon=1)
        np.testing.assert_array_equal(X, expected[0])
        np.testing.assert_array_equal(Y, expected[1])
        assert len(X) == 3 + 1  # no window crosses from one series into the next


def test_transformers_warn_where_feature_names_appear_or_vanish():
    """Columns read by position without a word: a swapped pair was scaled with each other's
    statistics (channel means 1241 and -1222 instead of 0)."""
    from tsrnn import SequenceScaler

    rng = np.random.default_rng(0)
    frames = [pd.DataFrame({"a": rng.normal(0, 1, 20), "b": rng.normal(1000, 1, 20)})
              for _ in range(3)]
    cases = [(SequenceScaler(), frames, [f[["b", "a"]].to_numpy() for f in frames]),
             (SlidingWindowTransformer(window_length=4), frames[0], frames[0].to_numpy()),
             (SequenceScaler(), frames, np.stack([f.to_numpy() for f in frames])),
             (SequenceScaler(), frames[0].T, frames[0].T.to_numpy())]  # 2-D: columns are steps
    for est, named, plain in cases:
        name = type(est).__name__
        with pytest.warns(UserWarning, match=f"without feature names, but {name} was fitted"):
            est.fit(named).transform(plain)
        with pytest.warns(UserWarning, match=f"X has feature names, but {name} was fitted "
                                             "without"):
            est.fit(plain).transform(named)
    assert list(SlidingWindowTransformer(window_length=4).fit(frames[0]).feature_names_in_) == [
        "a", "b"]
    assert not hasattr(SlidingWindowTransformer(window_length=4).fit(frames[0])
                       .fit(frames[0].to_numpy()), "feature_names_in_")


@pytest.mark.parametrize("early_stopping", [False, True, "refit"])
def test_sample_numbers_map_to_every_window_once_training_then_validation(early_stopping):
    """The forecaster numbers its samples instead of indexing them: training windows of each
    series in turn, then the h - 1 windows before each series' validation windows (whose
    targets overlap theirs: in neither), then the last validation_fraction of each series'
    windows. The map must reach
    exactly the windows window_starts lists, with series too short for any window."""
    import torch

    from tsrnn import GRUForecaster

    rng = np.random.default_rng(0)
    for _ in range(30):
        lengths = rng.integers(1, 60, size=rng.integers(1, 6))
        lengths[rng.integers(len(lengths))] += 40  # at least one series with windows
        w, h = int(rng.integers(1, 10)), int(rng.integers(1, 5))
        f = GRUForecaster(early_stopping=early_stopping, validation_fraction=0.3)
        try:
            n_train, n_val, n_gap, start = f._sample_starts(lengths, w, h, torch.device("cpu"))
        except ValueError as exc:  # too few windows to validate or train on: said so, and why
            assert early_stopping is True
            assert ("early_stopping needs validation windows" in str(exc)
                    or "which leaves no training window" in str(exc))
            continue
        expected = {"train": [], "val": [], "gap": []}
        for offset, n in zip(np.cumsum(lengths) - lengths, lengths):
            own = list(window_starts([n], w, h) + offset)
            k = int(len(own) * 0.3) if early_stopping else 0
            g = min(h - 1, len(own) - k) if k else 0
            expected["train"] += own[: len(own) - k - g]
            expected["gap"] += own[len(own) - k - g : len(own) - k]
            expected["val"] += own[len(own) - k :]
        if early_stopping == "refit" and not expected["train"]:  # too short: all trained on
            expected = {"train": sorted(expected["train"] + expected["gap"] + expected["val"]),
                        "val": [], "gap": []}
        got = start(torch.arange(n_train + n_gap + n_val, dtype=torch.int32)).tolist()
        assert got[:n_train] == expected["train"]
        assert got[n_train : n_train + n_gap] == expected["gap"]
        assert got[n_train + n_gap :] == expected["val"]
