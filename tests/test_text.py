import warnings
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from tsrnn.text import CharLanguageModel

TEXT = (Path(__file__).parent / "data" / "alice.txt").read_text()


def _bigram_loss(corpus: str, text: str) -> float:
    """Per-character cross-entropy of ``text`` under an add-one bigram model of ``corpus``."""
    pairs, firsts, vocab = Counter(zip(corpus, corpus[1:])), Counter(corpus[:-1]), set(corpus)
    return float(np.mean([
        -np.log((pairs[a, b] + 1) / (firsts[a] + len(vocab))) for a, b in zip(text, text[1:])
    ]))


@pytest.fixture(scope="module")
def models():
    before = CharLanguageModel(max_epochs=1, learning_rate=1e-7, random_state=0).fit(TEXT)
    after = CharLanguageModel(max_epochs=40, random_state=0).fit(TEXT)
    return before, after


def test_training_lowers_per_character_loss_far_below_chance(models):
    before, after = models
    chance = np.log(len(after.vocabulary_))  # 53 characters: ≈ 3.97 nats
    assert before.per_character_loss(TEXT) == pytest.approx(chance, rel=0.05)
    assert after.per_character_loss(TEXT) < 0.5 * chance


def test_generated_text_after_training_reads_like_the_corpus(models):
    before, after = models
    gen_before = before.sample(300, prompt="Alice ", random_state=0)
    gen_after = after.sample(300, prompt="Alice ", temperature=0.8, random_state=0)
    assert gen_after.startswith("Alice ") and len(gen_after) == 306
    assert set(gen_after) <= set(TEXT)
    # scored by an independent bigram model of the corpus, the trained model's text is far
    # more plausible than the untrained model's (uniform bigrams would give ≈ log 53 ≈ 3.97)
    assert _bigram_loss(TEXT, gen_after) < _bigram_loss(TEXT, gen_before) - 1.0


def test_low_temperature_is_nearly_greedy(models):
    # at temperature 0.01 a character half as likely as the best is drawn with odds 2^-100;
    # near ties (0.282 vs 0.280 happens) may go either way, so: each drawn character is within
    # 10% of the most likely one at its step, under two seeds
    _, after = models
    for seed in (0, 1):
        text = after.sample(40, prompt="Alice ", temperature=0.01, random_state=seed)
        codes = {c: i for i, c in enumerate(after.vocabulary_)}
        for i in range(len("Alice "), len(text)):
            p = after._next_proba(text[:i])[-1]
            assert p[codes[text[i]]] >= 0.9 * p.max()


def test_unknown_characters_are_refused(models):
    _, after = models
    with pytest.raises(ValueError, match=r"text has characters \['#'\] that were not in the "
                                         "training text; use those of vocabulary_"):
        after.per_character_loss("Alice #")
    # the prompt of sample: a number failed on subscripting, a list gave back a list
    with pytest.raises(ValueError, match=r"prompt has characters \['#'\] that were not"):
        after.sample(3, prompt="Alice #")
    for prompt in (5, ["A"]):
        with pytest.raises(TypeError, match="prompt must be a str, not"):
            after.sample(3, prompt=prompt)
    with pytest.raises(ValueError, match=r"text has 1 character\(s\); the loss needs at least 2"):
        after.per_character_loss("A")
    with pytest.raises(TypeError, match="text must be a str; got bytes"):
        after.per_character_loss(b"Alice")


def test_a_refused_fit_leaves_the_model_as_it_was():
    lm = CharLanguageModel(seq_length=4, hidden_size=8, max_epochs=2, random_state=0)
    lm.fit("abcabcabcabc")
    before = lm.sample(20, "ab", random_state=0)
    with pytest.raises(ValueError, match=r"one distinct character after its first \('x'\)"):
        lm.fit("xxxxxxxxxx")  # was refused with a classifier's "y has only one class (0)"
    with pytest.raises(ValueError, match=r"one distinct character after its first \('b'\)"):
        lm.fit("abbbbbbbbbbbbbbbbbbbbb")  # only "b" is ever predicted: the same
    with pytest.raises(ValueError, match="hidden_size == 0"):
        lm.set_params(hidden_size=0).fit("xyxyxyxyxy")  # had replaced vocabulary_ first
    assert lm.vocabulary_.tolist() == ["a", "b", "c"]
    assert lm.sample(20, "ab", random_state=0) == before
    # the last character is a target too: windows half a window apart used to stop short of it
    lm = CharLanguageModel(seq_length=4, hidden_size=8, max_epochs=2, random_state=0)
    assert lm.fit("ab" * 6 + "ac")._next_proba("aba")[-1, 2] > 0  # "c" can follow


def test_sampling_never_draws_a_character_the_model_gives_no_probability():
    # "x" only opens the text, so it is never a next character: probability exactly 0, which
    # no temperature may raise (a 1e-300 floor became ≈0.5 at temperature 1000)
    lm = CharLanguageModel(seq_length=10, hidden_size=8, max_epochs=2, random_state=0)
    lm.fit("x" + "abcab" * 40)
    for temperature in (1.0, 1000.0):
        assert "x" not in lm.sample(300, prompt="a", temperature=temperature, random_state=1)


def test_a_vocabulary_larger_than_the_window_is_not_taken_for_channels_first():
    # the classifier warns when a sequence has more features than steps (aeon's (N, D, T));
    # the language model's windows are (N, seq_length, vocabulary) by construction
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lm = CharLanguageModel(seq_length=4, hidden_size=8, max_epochs=1, random_state=0)
        assert len(lm.fit("abcdefgh" * 3).vocabulary_) == 8


def test_set_params_after_fit_changes_nothing_until_the_next_fit(tmp_path):
    # sample and per_character_loss read seq_length live: the context the network was trained
    # with changed under it (and a saved file carried the new value)
    import tsrnn

    text = "the rabbit ran down the rabbit-hole and alice went after it. " * 6
    lm = CharLanguageModel(seq_length=16, hidden_size=8, max_epochs=3, random_state=0,
                           device="cpu").fit(text)
    sample, loss = lm.sample(30, "the rabbit ran d", random_state=0), lm.per_character_loss(text)
    lm.set_params(seq_length=2)
    assert lm.seq_length_ == 16
    assert lm.sample(30, "the rabbit ran d", random_state=0) == sample
    assert lm.per_character_loss(text) == loss
    lm.save(tmp_path / "lm.tsrnn")
    loaded = tsrnn.load(tmp_path / "lm.tsrnn")
    assert loaded.sample(30, "the rabbit ran d", random_state=0) == sample


def test_the_device_is_read_at_each_prediction_as_by_the_estimators():
    """set_params(device="cpu") moves a model fit on a GPU off it (README, training
    controls); the language model kept the fit's device in its inner classifier for good."""
    lm = CharLanguageModel(seq_length=8, hidden_size=8, max_epochs=2, random_state=0,
                           device="cpu").fit("abcabcabcabc" * 4)
    lm.set_params(device="gpu0")
    with pytest.raises(ValueError, match="'gpu0' is not a device"):
        lm.sample(5, "abc", random_state=0)
    lm.set_params(device="cpu")
    assert lm.sample(5, "abc", random_state=0)
