"""The notes' character-level language model: one-hot characters in, the next character out.

A thin shell over :class:`~tsrnn.SequenceClassifier` with ``output="sequence"`` (many-to-many
synchronised: at every step, predict the next character), plus one-to-many generation by
sampling each next character and feeding it back.
"""

from __future__ import annotations

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from ._validation import check_number, unchanged_on_error
from .persistence import SaveMixin
from .sequence import SequenceClassifier
from .windowing import window_starts


def _check_text(text) -> None:
    if not isinstance(text, str):
        raise TypeError(f"text must be a str; got {type(text).__name__}.")


class CharLanguageModel(SaveMixin, BaseEstimator):
    """Character-level recurrent language model with sampling at a temperature.

    Parameters
    ----------
    cell : {"lstm", "gru", "rnn"}, default="lstm"
    seq_length : int, default=64
        Characters per training sequence (consecutive sequences overlap by half).
    hidden_size : int, default=128
        Units of the recurrent cell's state.
    learning_rate : float, default=3e-3
        Adam's step size.
    max_epochs : int, default=60
        Passes over the training windows.
    batch_size : int, default=32
        Windows per gradient step.
    random_state : int, RandomState or None, default=None
        Seeds weight initialisation and batch order (None: fresh entropy each fit).
    device : str, default="auto"
        "auto" (CUDA when available, else CPU), "cpu", "cuda" or "cuda:N".

    Attributes
    ----------
    vocabulary_ : ndarray of str
        The characters of the training text, sorted; inputs are one-hot over them.
    classifier_ : SequenceClassifier
        The fitted network (``output="sequence"``), whose classes are vocabulary positions.
    seq_length_ : int
        The ``seq_length`` it was trained on, which ``sample`` and ``per_character_loss``
        read (a ``set_params`` since changes nothing until the next fit).

    Examples
    --------
    >>> from tsrnn import CharLanguageModel
    >>> text = "abcabcabcabc" * 20
    >>> lm = CharLanguageModel(seq_length=12, hidden_size=16, max_epochs=2, random_state=0)
    >>> sample = lm.fit(text).sample(5, prompt="abc", random_state=0)
    >>> len(sample), sample[:3]
    (8, 'abc')
    """

    def __init__(
        self,
        cell: str = "lstm",
        *,
        seq_length: int = 64,
        hidden_size: int = 128,
        learning_rate: float = 3e-3,
        max_epochs: int = 60,
        batch_size: int = 32,
        random_state=None,
        device: str = "auto",
    ):
        self.cell = cell
        self.seq_length = seq_length
        self.hidden_size = hidden_size
        self.learning_rate = learning_rate
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.random_state = random_state
        self.device = device

    def _one_hot(self, text: str, name: str = "text") -> np.ndarray:
        if not isinstance(text, str):
            raise TypeError(f"{name} must be a str, not {type(text).__name__}.")
        index = {c: i for i, c in enumerate(self.vocabulary_)}
        unknown = sorted(set(text) - set(index))
        if unknown:
            raise ValueError(
                f"{name} has characters {unknown[:10]} that were not in the training text; use "
                f"those of vocabulary_ ({len(index)} characters)."
            )
        codes = np.fromiter((index[c] for c in text), dtype=np.int64, count=len(text))
        return np.eye(len(self.vocabulary_), dtype=np.float32)[codes]  # (len, V)

    def fit(self, text: str):
        """Learn to predict each next character of ``text``.

        Parameters
        ----------
        text : str
            At least ``seq_length + 1`` characters; its characters form ``vocabulary_``.

        Returns
        -------
        self
        """
        _check_text(text)
        check_number(self.seq_length, "seq_length", Integral, min_val=2)
        if len(text) < self.seq_length + 1:
            raise ValueError(
                f"text has {len(text)} characters but seq_length={self.seq_length} needs at "
                "least seq_length + 1; pass more text or lower seq_length."
            )
        if len(set(text[1:])) < 2:  # the characters to predict: all but the first
            raise ValueError(f"text has one distinct character after its first ({text[1]!r}); "
                             "a language model needs at least two to choose between.")
        with unchanged_on_error(self):  # a refused fit leaves the model as it was
            # object dtype: numpy's fixed-width strings would drop a NUL character
            self.vocabulary_ = np.array(sorted(set(text)), dtype=object)
            onehot = self._one_hot(text)  # (len, V)
            codes = onehot.argmax(axis=1)
            L = self.seq_length
            # windows half a window apart, from the first character and up to the last, so
            # that every character after the first is a target
            stride = max(1, L // 2)
            starts = np.union1d(np.arange(0, len(text) - L, stride),
                                window_starts([len(text)], L, 1, stride))
            X = onehot[starts[:, None] + np.arange(L)]  # (N, L, V)
            y = codes[starts[:, None] + np.arange(1, L + 1)]  # (N, L): the next characters
            self.classifier_ = SequenceClassifier(
                self.cell, output="sequence", hidden_size=self.hidden_size,
                learning_rate=self.learning_rate, max_epochs=self.max_epochs,
                batch_size=self.batch_size, random_state=self.random_state, device=self.device,
                bidirectional=False, scaling="global", label_smoothing=0.0, max_steps=None,
                average_last=None,
            )
            with warnings.catch_warnings():  # a vocabulary larger than seq_length is no
                # channels-first array: the windows are (N, seq_length, V) by construction
                warnings.filterwarnings("ignore", "X has sequences of at most", UserWarning)
                self.classifier_.fit(X, y)  # causal: each step sees only the characters so far
            self.seq_length_ = int(L)
        return self

    def _context(self) -> int:
        """Characters the model reads: the fit's ``seq_length`` (the parameter for models saved
        before it was recorded)."""
        return getattr(self, "seq_length_", self.seq_length)

    def _next_proba(self, text: str) -> np.ndarray:
        """Probabilities over the vocabulary of the character after each one of ``text``."""
        # the device now, as every estimator's predict reads it (set_params(device="cpu")
        # moves a model fit on a GPU off it; the inner classifier kept the fit's)
        self.classifier_.set_params(device=self.device)
        proba = self.classifier_.predict_proba([self._one_hot(text)])[0]  # (len, n_classes)
        full = np.zeros((len(text), len(self.vocabulary_)))
        full[:, self.classifier_.classes_] = proba
        return full

    def per_character_loss(self, text: str) -> float:
        """Mean cross-entropy (nats) of predicting each next character of ``text``.

        A model that knows nothing scores about ``log(len(vocabulary_))``.

        Parameters
        ----------
        text : str
            At least 2 characters, all of them in ``vocabulary_``.

        Returns
        -------
        float
        """
        check_is_fitted(self)
        _check_text(text)
        if len(text) < 2:
            raise ValueError(f"text has {len(text)} character(s); the loss needs at least 2 (one "
                             "to read, one to predict).")
        L = self._context()
        losses = []
        for start in range(0, len(text) - 1, L):
            chunk = text[start : start + L + 1]
            proba = self._next_proba(chunk[:-1])
            nxt = self._one_hot(chunk[1:]).argmax(axis=1)
            losses.append(-np.log(np.maximum(proba[np.arange(len(nxt)), nxt], 1e-12)))
        return float(np.concatenate(losses).mean())

    def sample(self, n_chars: int, prompt: str = "", temperature: float = 1.0,
               random_state=None) -> str:
        """Generate ``n_chars`` characters after ``prompt`` (one-to-many generation).

        Each character is drawn from the model's next-character distribution sharpened
        (temperature < 1) or flattened (temperature > 1) as ``p^(1/temperature)``, then fed back
        as the next input. The model reads the last ``seq_length_`` characters.

        Parameters
        ----------
        n_chars : int
            Characters to generate.
        prompt : str, default=""
            Text to continue; empty: the first character is drawn from the vocabulary.
        temperature : float, default=1.0
        random_state : int, numpy Generator or None, default=None
            Seed of the draws (``np.random.default_rng``); None: fresh entropy.

        Returns
        -------
        str
            ``prompt`` followed by the generated characters.
        """
        check_is_fitted(self)
        check_number(n_chars, "n_chars", Integral, min_val=0)
        check_number(temperature, "temperature", Real, min_val=0, include_boundaries="neither")
        self._one_hot(prompt, "prompt")  # a str of known characters
        rng = np.random.default_rng(random_state)
        text = prompt or str(rng.choice(self.vocabulary_))
        for _ in range(n_chars):
            p = self._next_proba(text[-self._context() :])[-1]
            with np.errstate(divide="ignore"):
                logp = np.log(p) / temperature  # -inf stays -inf: impossible stays impossible
            p = np.exp(logp - logp.max())
            text += str(self.vocabulary_[rng.choice(len(p), p=p / p.sum())])
        return text if prompt else text[1:] if n_chars else ""
