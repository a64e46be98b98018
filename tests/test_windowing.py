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


def test_stride_keeps_the_most_recent_window():
    X, Y = make_windows(np.arange(10.0), window_length=3, horizon=1, stride=4)
    assert X[:, :, 0].tolist() == [[2, 3, 4], [6, 7, 8]]
    assert Y[-1, 0, 0] == 9.0


def test_no_window_crosses_series():
    a, b, c = np.zeros(6), np.ones(4), np.full(7, 2.0)
    X, Y = make_windows([a, b, c], window_length=4, horizon=1)
    # a (6 steps) gives 2 windows, b (4 < 5 steps) none, c (7 steps) 3, starting at 10 + 0..2
    assert window_starts([6, 4, 7], 4, 1).tolist() == [0, 1, 10, 11, 12]
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
    with pytest.raises(ValueError, match="has 2 columns but the transformer was fit on 1"):
        t.transform(np.zeros((12, 2)))


def test_too_short_series_error_names_the_fix():
    with pytest.raises(ValueError, match="need; pass longer series or lower window_length"):
        make_windows(np.arange(5.0), window_length=5, horizon=1)
