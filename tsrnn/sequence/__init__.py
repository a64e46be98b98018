"""Sequence estimators: many-to-one (or per-step) recurrent classifier and regressor on N×T×D
input, or on lists of sequences of different lengths.

``inputs`` reads the sequences, ``base`` holds the estimator both share, ``estimators`` the
classifier and the regressor.
"""

from .estimators import SequenceClassifier, SequenceRegressor
from .inputs import read_sequences

# Pickles and saved files name the public path, whichever module defines the class.
for _cls in (SequenceClassifier, SequenceRegressor):
    _cls.__module__ = __name__
del _cls

__all__ = ["SequenceClassifier", "SequenceRegressor", "read_sequences"]
