"""Forecasters: ``base`` holds the pandas-edge shell every forecaster shares (also the
baselines'), ``recurrent`` the RNN, LSTM and GRU forecasters."""

from .base import BaseForecaster
from .recurrent import GRUForecaster, LSTMForecaster, RNNForecaster

# Pickles and saved files name the public path, whichever module defines the class.
for _cls in (BaseForecaster, RNNForecaster, LSTMForecaster, GRUForecaster):
    _cls.__module__ = __name__
del _cls

__all__ = ["BaseForecaster", "GRUForecaster", "LSTMForecaster", "RNNForecaster"]
