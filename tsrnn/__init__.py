"""tsrnn: recurrent networks (Elman RNN, LSTM, GRU) for forecasting and sequence learning,
behind the scikit-learn API."""

from . import datasets
from ._training import TrainingDivergedError
from .baselines import ARIMAForecaster, ETSForecaster, SeasonalNaiveForecaster
from .compose import TransformedTargetForecaster
from .evaluation import backtest, make_forecast_scorer, mase, rmse, smape
from .forecasting import BaseForecaster, GRUForecaster, LSTMForecaster, RNNForecaster
from .persistence import load
from .preprocessing import SequenceScaler
from .sequence import SequenceClassifier, SequenceRegressor
from .text import CharLanguageModel
from .windowing import SlidingWindowTransformer, make_windows

__version__ = "0.1.0"

__all__ = [
    "ARIMAForecaster",
    "BaseForecaster",
    "CharLanguageModel",
    "ETSForecaster",
    "GRUForecaster",
    "LSTMForecaster",
    "RNNForecaster",
    "SeasonalNaiveForecaster",
    "SequenceClassifier",
    "SequenceRegressor",
    "SequenceScaler",
    "SlidingWindowTransformer",
    "TrainingDivergedError",
    "TransformedTargetForecaster",
    "backtest",
    "datasets",
    "load",
    "make_forecast_scorer",
    "make_windows",
    "mase",
    "rmse",
    "smape",
]
