import pickle

import numpy as np
import pytest
import torch

from tsrnn import SequenceClassifier, SequenceRegressor
from tsrnn.sequence import read_sequences


def _two_classes(n=120, T=20, seed=0):
    """Sine (label 'wave') vs. noise-free ramp (label 'ramp'), random phase and amplitude."""
    rng = np.random.default_rng(seed)
    t = np.linspace(0, 2 * np.pi, T)
    labels = rng.choice(np.array(["wave", "ramp"]), size=n)
    phase, amp = rng.uniform(0, 2 * np.pi, n), rng.uniform(0.5, 2, n)
    X = np.where(
        (labels == "wave")[:, None],
        amp[:, None] * np.sin(t + phase[:, None]),
        amp[:, None] * (t / np.pi - 1),
    ) + rng.normal(0, 0.2, (n, T))
    return X[:, :, None], labels


def test_classifier_separates_classes_with_string_labels():
    X, y = _two_classes(200)
    clf = SequenceClassifier(hidden_size=16, max_epochs=30, random_state=0).fit(X[:150], y[:150])
    assert list(clf.classes_) == ["ramp", "wave"]
    accuracy = clf.score(X[150:], y[150:])
    assert accuracy > 0.9  # chance ≈ 0.5
    proba = clf.predict_proba(X[150:])
    assert np.allclose(proba.sum(axis=1), 1.0)
    assert (clf.classes_[proba.argmax(axis=1)] == clf.predict(X[150:])).all()


def test_prediction_depends_on_step_order():
    X, y = _two_classes(200)
    clf = SequenceClassifier(hidden_size=16, max_epochs=30, random_state=0).fit(X, y)
    shuffled = X[:, np.random.default_rng(0).permutation(X.shape[1])]
    assert (clf.predict(shuffled) != clf.predict(X)).mean() > 0.1


def test_two_dimensional_input_reads_as_one_feature():
    X, y = _two_classes(60)
    a = SequenceClassifier(max_epochs=3, random_state=0).fit(X[:, :, 0], y)
    b = SequenceClassifier(max_epochs=3, random_state=0).fit(X, y)
    assert a.n_features_in_ == 1
    np.testing.assert_array_equal(a.predict_proba(X[:, :, 0]), b.predict_proba(X))


def test_variable_length_equals_sequences_one_by_one():
    rng = np.random.default_rng(0)
    seqs = [rng.normal(size=(T, 2)) for T in rng.integers(3, 25, size=30)]
    y = np.array([s[:, 0].sum() > 0 for s in seqs])
    clf = SequenceClassifier(cell="gru", max_epochs=5, random_state=0).fit(seqs, y)
    together = clf.predict_proba(seqs)
    alone = np.vstack([clf.predict_proba([s]) for s in seqs])
    np.testing.assert_allclose(together, alone, atol=1e-6)
    reordered = clf.predict_proba(seqs[::-1])[::-1]
    np.testing.assert_allclose(together, reordered, atol=1e-6)


def test_padding_never_reaches_a_result():
    rng = np.random.default_rng(0)
    seqs = [rng.normal(size=(T, 1)) for T in rng.integers(3, 12, size=20)]
    reg = SequenceRegressor(max_epochs=3, random_state=0).fit(seqs, rng.normal(size=20))
    X, lengths = read_sequences(seqs)
    X = np.repeat(X, reg._module_spec["input_size"], axis=2)  # the network's input channels
    garbage = np.concatenate([X, rng.normal(size=(20, 30, X.shape[2]))], axis=1)  # longer pad
    for i, n in enumerate(lengths):
        garbage[i, n : X.shape[1]] = rng.normal(size=(X.shape[1] - n, X.shape[2]))
    with torch.inference_mode():
        a = reg.module_(torch.as_tensor(X), torch.as_tensor(lengths))
        b = reg.module_(torch.as_tensor(garbage, dtype=torch.float32), torch.as_tensor(lengths))
    torch.testing.assert_close(a, b)


def test_full_batch_training_does_not_depend_on_sample_order():
    rng = np.random.default_rng(0)
    seqs = [rng.normal(size=(T, 1)) for T in rng.integers(3, 12, size=20)]
    y = rng.normal(size=20)
    order = rng.permutation(20)
    kw = dict(max_epochs=5, batch_size=20, random_state=0)
    a = SequenceRegressor(**kw).fit(seqs, y)
    b = SequenceRegressor(**kw).fit([seqs[i] for i in order], y[order])
    np.testing.assert_allclose(a.predict(seqs), b.predict(seqs), atol=1e-5)


def test_regressor_learns_a_sum_and_inverts_target_scaling():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 8, 1))
    y = 100 + 10 * X[:, :, 0].sum(axis=1)  # mean 100, sd ≈ 28
    reg = SequenceRegressor(hidden_size=32, max_epochs=60, learning_rate=3e-3, random_state=0)
    reg.fit(X[:250], y[:250])
    pred = reg.predict(X[250:])
    assert np.abs(pred - y[250:]).mean() < 6  # predicting the mean scores ≈ 22
    assert reg.score(X[250:], y[250:]) > 0.9


def test_multi_output_regression_shape():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 6, 2))
    Y = np.stack([X[:, :, 0].mean(1), X[:, :, 1].mean(1)], axis=1)
    assert SequenceRegressor(max_epochs=2, random_state=0).fit(X, Y).predict(X).shape == (50, 2)


def test_pickled_classifier_predicts_identically():
    X, y = _two_classes(60)
    clf = SequenceClassifier(max_epochs=3, random_state=0).fit(X, y)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(clf.predict_proba(X), restored.predict_proba(X))


def test_early_stopping_is_stratified_and_restores_best():
    X, y = _two_classes(100)
    clf = SequenceClassifier(
        early_stopping=True, validation_fraction=0.2, n_iter_no_change=3, max_epochs=100,
        random_state=0,
    ).fit(X, y)
    assert clf.best_epoch_ == int(np.argmin(clf.validation_loss_curve_))


@pytest.mark.parametrize(
    "X, message",
    [
        (np.zeros((4, 3, 2, 1)), "must have shape \\(N, T, D\\)"),
        ([np.zeros((3, 1)), np.zeros((3, 2))], "different numbers of features"),
        (np.array([[["a"]]]), "non-numeric"),
        (np.full((4, 3, 1), np.nan), "NaN or infinite"),
    ],
)
def test_bad_sequences_are_refused_clearly(X, message):
    with pytest.raises((ValueError, TypeError), match=message):
        SequenceClassifier().fit(X, [0, 1] * (len(X) // 2) if len(X) > 1 else [0])


def test_unknown_cell_lists_choices():
    with pytest.raises(ValueError, match="cell='lstmm' is not valid; choose one of 'rnn', 'lstm', 'gru'"):
        SequenceClassifier(cell="lstmm").fit(np.zeros((4, 3, 1)), [0, 1, 0, 1])


def test_feature_count_checked_at_predict():
    X, y = _two_classes(20)
    clf = SequenceClassifier(max_epochs=1, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="X has 2 feature\\(s\\) per step but the estimator was fit with 1"):
        clf.predict(np.zeros((2, 5, 2)))


def _running_sign_task(n=300, T=15, seed=0):
    """Label each step by the sign of the running sum so far: needs memory of every step."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, T, 1))
    labels = np.where(X[:, :, 0].cumsum(axis=1) > 0, "pos", "neg")
    return X, labels


def test_sequence_output_labels_every_step():
    X, y = _running_sign_task()
    tagger = SequenceClassifier(output="sequence", hidden_size=16, max_epochs=40,
                                learning_rate=3e-3, random_state=0).fit(X[:250], y[:250])
    pred = tagger.predict(X[250:])
    assert pred.shape == (50, 15) and set(np.unique(pred)) <= {"neg", "pos"}
    assert (pred == y[250:]).mean() > 0.9  # the majority label scores ≈ 0.5
    assert tagger.score(X[250:], y[250:]) == pytest.approx((pred == y[250:]).mean())
    assert tagger.predict_proba(X[250:]).shape == (50, 15, 2)


def test_sequence_output_with_variable_lengths_matches_one_by_one():
    X, y = _running_sign_task(60)
    rng = np.random.default_rng(1)
    lengths = rng.integers(4, 16, size=60)
    seqs, labels = [X[i, :n] for i, n in enumerate(lengths)], [y[i, :n] for i, n in enumerate(lengths)]
    tagger = SequenceClassifier(output="sequence", max_epochs=3, random_state=0).fit(seqs, labels)
    together = tagger.predict_proba(seqs)
    assert [len(p) for p in together] == lengths.tolist()
    for s, p in zip(seqs[:10], together):
        np.testing.assert_allclose(tagger.predict_proba([s])[0], p, atol=1e-6)
    with pytest.raises(ValueError, match=r"y\[0\] has 3 targets but sequence X\[0\] has"):
        tagger.fit(seqs, [labels[0][:3]] + labels[1:])


def test_sequence_output_regressor_learns_running_mean():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 12, 1))
    y = X[:, :, 0].cumsum(axis=1) / np.arange(1, 13)  # running mean at each step
    reg = SequenceRegressor(output="sequence", hidden_size=16, max_epochs=40,
                            learning_rate=3e-3, random_state=0).fit(X[:250], y[:250])
    assert reg.predict(X[250:]).shape == (50, 12)
    assert reg.score(X[250:], y[250:]) > 0.9


def test_sample_weight_two_equals_a_repeated_sample_in_full_batch_training():
    X, y = _two_classes(30)
    weights = np.ones(30)
    weights[:5] = 2.0
    # no convolutional front-end: its BatchNorm's batch statistics count each sequence once
    kw = dict(max_epochs=5, batch_size=100, conv_steps=None, random_state=0)
    weighted = SequenceClassifier(**kw).fit(X, y, sample_weight=weights)
    repeated = SequenceClassifier(**kw).fit(np.concatenate([X, X[:5]]), np.r_[y, y[:5]])
    np.testing.assert_allclose(weighted.predict_proba(X), repeated.predict_proba(X), atol=1e-5)
    unweighted = SequenceClassifier(**kw).fit(X, y)
    assert not np.allclose(unweighted.predict_proba(X), weighted.predict_proba(X), atol=1e-5)


def test_class_weight_zero_removes_a_class_and_balanced_matches_its_dict():
    X, y = _two_classes(60)
    kw = dict(max_epochs=20, batch_size=100, learning_rate=1e-2, random_state=0)
    only_ramp = SequenceClassifier(class_weight={"ramp": 1.0, "wave": 0.0}, **kw).fit(X, y)
    assert (only_ramp.predict(X) == "ramp").all()
    counts = {c: (y == c).sum() for c in ("ramp", "wave")}
    as_dict = {c: len(y) / (2 * n) for c, n in counts.items()}
    balanced = SequenceClassifier(class_weight="balanced", **kw).fit(X, y)
    explicit = SequenceClassifier(class_weight=as_dict, **kw).fit(X, y)
    np.testing.assert_allclose(balanced.predict_proba(X), explicit.predict_proba(X), atol=1e-6)
    with pytest.raises(ValueError, match="class_weight applies to classifiers only"):
        SequenceRegressor(class_weight="balanced").fit(X, np.zeros(60))


def test_warm_start_continues_training_the_same_network():
    X, y = _two_classes(100)
    clf = SequenceClassifier(max_epochs=5, warm_start=True, random_state=0).fit(X, y)
    first_curve, module = clf.loss_curve_, clf.module_
    clf.fit(X, y)
    assert clf.module_ is module
    assert clf.loss_curve_[0] < first_curve[0] and clf.loss_curve_[0] <= first_curve[-1] * 1.05
    with pytest.raises(ValueError, match=r"labels \['new'\] were not seen in the first fit"):
        clf.fit(X[:3], ["ramp", "wave", "new"])
