import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import torch

from tsrnn import SequenceClassifier, SequenceRegressor, SequenceScaler, make_windows
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


@pytest.mark.parametrize("conv_scales", [1, 3])
def test_variable_length_equals_sequences_one_by_one(atol, conv_scales):
    rng = np.random.default_rng(0)
    seqs = [rng.normal(size=(T, 2)) for T in rng.integers(3, 25, size=30)]
    y = np.array([s[:, 0].sum() > 0 for s in seqs])
    clf = SequenceClassifier(cell="gru", max_epochs=5, conv_scales=conv_scales, random_state=0)
    clf.fit(seqs, y)
    together = clf.predict_proba(seqs)
    alone = np.vstack([clf.predict_proba([s]) for s in seqs])
    np.testing.assert_allclose(together, alone, atol=atol)
    reordered = clf.predict_proba(seqs[::-1])[::-1]
    np.testing.assert_allclose(together, reordered, atol=atol)
    # an object array or Series of the sequences reads as the list (it was refused as
    # "non-numeric values", naming pd.to_numeric)
    as_objects = np.empty(len(seqs), dtype=object)
    as_objects[:] = seqs
    np.testing.assert_array_equal(clf.predict_proba(as_objects), together)
    np.testing.assert_array_equal(clf.predict_proba(pd.Series(list(as_objects))), together)


def test_a_batch_with_one_real_step_keeps_the_batchnorm_statistics():
    """Masked BatchNorm on a batch of one real value per channel (an epoch's last batch of one
    length-1 sequence): nn.BatchNorm1d refuses it; it pulled the running variance 10% towards
    0 and gave the bias alone. It is now normalised with the running statistics, which stay."""
    from tsrnn.networks import MaskedBatchNorm1d

    torch.manual_seed(0)
    norm, x = MaskedBatchNorm1d(2).train(), 3 * torch.randn(16, 2, 1)
    for _ in range(100):
        norm(x)
    expected = torch.nn.BatchNorm1d(2, momentum=None).train()  # cumulative: the batch's own
    expected(x)
    torch.testing.assert_close(norm.running_var, expected.running_var, rtol=1e-4, atol=0)
    before = {k: v.clone() for k, v in norm.state_dict().items()}
    one, keep = x[:2, :, :1].repeat(1, 1, 3), torch.zeros(2, 1, 3)
    keep[0, 0, 0] = 1  # a padded batch with one real step, and a batch of one value
    for out in (norm(one, keep), norm(x[:1])):
        torch.testing.assert_close(out[0, :, 0], norm.eval()(x[:1])[0, :, 0])
        norm.train()
    for key in ("running_mean", "running_var"):
        torch.testing.assert_close(norm.state_dict()[key], before[key])


def test_padding_never_reaches_a_result(atol):
    rng = np.random.default_rng(0)
    seqs = [rng.normal(size=(T, 1)) for T in rng.integers(3, 12, size=20)]
    reg = SequenceRegressor(max_epochs=3, random_state=0).fit(seqs, rng.normal(size=20))
    X, lengths = read_sequences(seqs, dtype=np.float32)  # the network's dtype
    X = np.repeat(X, reg._module_spec["input_size"], axis=2)  # the network's input channels
    garbage = np.concatenate([X, rng.normal(size=(20, 30, X.shape[2]))], axis=1)  # longer pad
    for i, n in enumerate(lengths):
        garbage[i, n : X.shape[1]] = rng.normal(size=(X.shape[1] - n, X.shape[2]))
    on = dict(device=reg.device_)
    with torch.inference_mode():
        a = reg.module_(torch.as_tensor(X, **on), torch.as_tensor(lengths, **on))
        b = reg.module_(torch.as_tensor(garbage, dtype=torch.float32, **on),
                        torch.as_tensor(lengths, **on))
    np.testing.assert_allclose(a.cpu(), b.cpu(), atol=atol)


def test_full_batch_training_does_not_depend_on_sample_order():
    rng = np.random.default_rng(0)
    seqs = [rng.normal(size=(T, 1)) for T in rng.integers(3, 12, size=20)]
    y = rng.normal(size=20)
    order = rng.permutation(20)
    # on the CPU: two fits compared, and CUDA training is not bit-reproducible (README)
    kw = dict(max_epochs=5, batch_size=20, random_state=0, device="cpu")
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


def test_early_stopping_refit_trains_on_every_sample_for_the_epochs_chosen():
    X, y = _two_classes(100)
    kw = dict(validation_fraction=0.2, n_iter_no_change=3, max_epochs=100, random_state=0)
    stopped = SequenceClassifier(early_stopping=True, **kw).fit(X, y)
    refit = SequenceClassifier(early_stopping="refit", **kw).fit(X, y)
    assert refit.validation_loss_curve_ == stopped.validation_loss_curve_  # the stopping run
    assert refit.score(X, y) >= 0.95
    assert np.abs(refit.predict_proba(X) - stopped.predict_proba(X)).max() > 1e-3
    # 8 samples x 0.1 holds none out: trained on all, as without early stopping
    few = dict(kw, validation_fraction=0.1, max_epochs=5)
    np.testing.assert_array_equal(
        SequenceClassifier(early_stopping="refit", **few).fit(X[:8], y[:8]).predict_proba(X),
        SequenceClassifier(**few).fit(X[:8], y[:8]).predict_proba(X))


@pytest.mark.parametrize(
    "X, message",
    [
        (np.zeros((4, 3, 2, 1)), "must have shape \\(N, T, D\\)"),
        ([np.zeros((3, 1)), np.zeros((3, 2))], "different numbers of features"),
        (np.array([[["a"]]]), "non-numeric"),
        (np.full((4, 3, 1), np.nan), "NaN or infinite"),
        (pd.DataFrame({"t0": pd.array([1.0, None], dtype="Float64"), "t1": [2.0, 3.0]}),
         "NaN or infinite"),  # a nullable column's pd.NA is a missing value, not text
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
    # per-step targets as a Series (a DataFrame column of arrays) or object array, as X may be
    # (they were refused: "needs shape (60, 15) ... got shape (60,)")
    frame = pd.DataFrame({"x": seqs, "labels": labels})
    again = SequenceClassifier(output="sequence", max_epochs=3, random_state=0)
    for form in (frame["labels"], frame["labels"].to_numpy()):
        again.fit(frame["x"], form)
        for p, q in zip(again.predict_proba(seqs), together):
            np.testing.assert_array_equal(p, q)
        assert again.score(frame["x"], form) == tagger.score(seqs, labels)


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
    kw = dict(max_epochs=5, batch_size=100, conv_steps=None, random_state=0, device="cpu")
    weighted = SequenceClassifier(**kw).fit(X, y, sample_weight=weights)
    repeated = SequenceClassifier(**kw).fit(np.concatenate([X, X[:5]]), np.r_[y, y[:5]])
    np.testing.assert_allclose(weighted.predict_proba(X), repeated.predict_proba(X), atol=1e-5)
    unweighted = SequenceClassifier(**kw).fit(X, y)
    assert not np.allclose(unweighted.predict_proba(X), weighted.predict_proba(X), atol=1e-5)


def test_class_weight_zero_removes_a_class_and_balanced_matches_its_dict():
    X, y = _two_classes(60)
    # two fits compared: on the CPU, since CUDA training is not bit-reproducible (README)
    kw = dict(max_epochs=20, batch_size=100, learning_rate=1e-2, random_state=0, device="cpu")
    only_ramp = SequenceClassifier(class_weight={"ramp": 1.0, "wave": 0.0}, **kw).fit(X, y)
    assert (only_ramp.predict(X) == "ramp").all()
    counts = {c: (y == c).sum() for c in ("ramp", "wave")}
    as_dict = {c: len(y) / (2 * n) for c, n in counts.items()}
    balanced = SequenceClassifier(class_weight="balanced", **kw).fit(X, y)
    explicit = SequenceClassifier(class_weight=as_dict, **kw).fit(X, y)
    np.testing.assert_allclose(balanced.predict_proba(X), explicit.predict_proba(X), atol=1e-6)
    with pytest.raises(ValueError, match="class_weight applies to classifiers only"):
        SequenceRegressor(class_weight="balanced").fit(X, np.zeros(60))


def test_weights_keep_their_meaning_in_mini_batches():
    # every sequence the same: the weighted cross-entropy is least at the weighted class shares,
    # P(rare) = 0.5 under "balanced", as scikit-learn's LogisticRegression gives; each batch's
    # loss divided by its own weights gave 0.36 here with batches of 16 (a heavy sample weighed
    # at most one batch)
    X = np.ones((85, 5, 1))
    y = np.array(["rare"] * 5 + ["common"] * 80)
    kw = dict(hidden_size=4, conv_steps=None, scaling=None, label_smoothing=0, average_last=None,
              learning_rate=1e-2, max_steps=300, max_epochs=10000, random_state=0, device="cpu")
    for batch_size in (85, 16):
        model = SequenceClassifier(class_weight="balanced", batch_size=batch_size, **kw).fit(X, y)
        rare = list(model.classes_).index("rare")
        assert model.predict_proba(X[:1])[0, rare] == pytest.approx(0.5, abs=0.03)
    unweighted = SequenceClassifier(batch_size=16, **kw).fit(X, y)
    assert unweighted.predict_proba(X[:1])[0, rare] == pytest.approx(5 / 85, abs=0.03)


def test_zero_weights_drop_samples_as_if_they_were_not_passed():
    X, y = _two_classes(33)
    w = np.ones(33)
    w[[3, 17, 25, 32]] = 0  # with batches of 4, some batches would hold only zero weights
    kw = dict(max_epochs=5, batch_size=4, conv_steps=None, random_state=0, device="cpu")
    weighted = SequenceClassifier(**kw).fit(X, y, sample_weight=w)
    assert len(weighted.loss_curve_) == 5 and np.isfinite(weighted.loss_curve_).all()
    subset = SequenceClassifier(**kw).fit(X[w > 0], y[w > 0])
    np.testing.assert_allclose(weighted.predict_proba(X), subset.predict_proba(X), atol=1e-6)
    # the validation split is drawn among the weighted samples too
    stopping = dict(kw, early_stopping=True, validation_fraction=0.2)
    with_zeros = SequenceClassifier(**stopping).fit(X, y, sample_weight=w)
    without = SequenceClassifier(**stopping).fit(X[w > 0], y[w > 0])
    np.testing.assert_allclose(with_zeros.predict_proba(X), without.predict_proba(X), atol=1e-6)
    # "balanced" counts each class by its samples' weights (it counted the zero-weight ones)
    balanced = dict(kw, class_weight="balanced")
    np.testing.assert_allclose(
        SequenceClassifier(**balanced).fit(X, y, sample_weight=w).predict_proba(X),
        SequenceClassifier(**balanced).fit(X[w > 0], y[w > 0]).predict_proba(X), atol=1e-6)
    # a regressor's target scaling leaves them out as well
    target = X.sum(axis=(1, 2)) + np.where(w > 0, 0.0, 1e4)
    np.testing.assert_allclose(
        SequenceRegressor(**kw).fit(X, target, sample_weight=w).predict(X),
        SequenceRegressor(**kw).fit(X[w > 0], target[w > 0]).predict(X), atol=1e-4)
    with pytest.raises(ValueError, match="every sample has zero weight"):
        SequenceClassifier(class_weight={"ramp": 0.0, "wave": 0.0}, **kw).fit(X, y)


def test_warm_start_with_balanced_class_weight_takes_data_lacking_a_class():
    X, y = _two_classes(40)
    kw = dict(max_epochs=5, warm_start=True, class_weight="balanced", random_state=0)
    clf = SequenceClassifier(**kw).fit(X, y)
    ramps = X[y == "ramp"]
    before = clf.predict_proba(ramps)[:, 0].mean()
    clf.fit(ramps, y[y == "ramp"])  # refused with "classes should have valid labels that are in y"
    assert clf.classes_.tolist() == ["ramp", "wave"]
    assert clf.predict_proba(ramps)[:, 0].mean() > before


def test_class_weight_is_checked_against_the_labels():
    X, y = _two_classes(20)
    with pytest.raises(ValueError, match=r"class_weight has keys \['RAMP'\] that are not labels "
                                         r"of y \(classes_ = \['ramp', 'wave'\]\)"):
        SequenceClassifier(class_weight={"RAMP": 5.0}, max_epochs=1).fit(X, y)
    for bad in ("balance", np.array([1.0, 2.0])):
        with pytest.raises(ValueError, match="is not valid; pass a dict .label: weight."):
            SequenceClassifier(class_weight=bad, max_epochs=1).fit(X, y)
    for bad in (-1.0, np.nan, "2", True):  # a negative or NaN weight left the class out
        with pytest.raises(ValueError, match=r"class_weight has weights \{'wave': .*\} that are "
                                             r"not finite non-negative numbers"):
            SequenceClassifier(class_weight={"wave": bad}, max_epochs=1).fit(X, y)
    with pytest.raises(ValueError, match="class_weight applies to classifiers only"):
        SequenceRegressor(class_weight="balance", max_epochs=1).fit(X, np.zeros(20))


def test_the_validation_split_stays_stratified_when_a_class_weighs_zero():
    # the zero-weight class (1) is left out before the split; its count of 0 made the split
    # random (validation counts [7, 0, 3] instead of [5, 0, 5])
    clf = SequenceClassifier(early_stopping=True, validation_fraction=0.25)
    targets = np.repeat([0, 1, 2], [20, 4, 20])
    for seed in range(5):
        _, val = clf._split(targets, seed, np.flatnonzero(targets != 1))
        assert np.bincount(targets[val], minlength=3).tolist() == [5, 0, 5]


def test_sequence_output_scores_weigh_each_step_by_its_sequence_weight():
    X, labels = _running_sign_task(40)
    kw = dict(output="sequence", max_epochs=2, random_state=0)
    tagger = SequenceClassifier(**kw).fit(X, labels)
    w = np.zeros(40)
    w[:2] = 1.0
    assert tagger.score(X, labels, sample_weight=w) == tagger.score(X[:2], labels[:2])
    targets = X[:, :, 0].cumsum(axis=1)
    reg = SequenceRegressor(**kw).fit(X, targets)
    assert reg.score(X, targets, sample_weight=w) == pytest.approx(reg.score(X[:2], targets[:2]))
    assert reg.score(X, targets, sample_weight=w) != reg.score(X, targets)


def test_predict_batches_are_bounded_by_steps_and_change_nothing(monkeypatch):
    import tsrnn._training

    X, y = _two_classes(40)
    clf = SequenceClassifier(hidden_size=8, conv_channels=8, max_steps=10, random_state=0)
    whole = clf.fit(X, y).predict_proba(X)
    sizes = []
    clf.module_.register_forward_hook(lambda m, args, out: sizes.append(len(out)))
    monkeypatch.setattr(tsrnn._training, "PREDICT_STEPS", 2 * X.shape[1])  # two a batch
    np.testing.assert_allclose(clf.predict_proba(X), whole, atol=1e-6)
    assert sizes == [2] * 20


@pytest.mark.parametrize("scaling", ["both", "series", "global", None])
def test_inputs_are_prepared_a_block_at_a_time_with_the_same_values(monkeypatch, scaling):
    import tsrnn.sequence.base as base

    rng = np.random.default_rng(0)
    seqs, lengths = 1e6 + 5 * rng.normal(size=(30, 20, 2)), rng.integers(1, 21, size=30)
    mask = np.arange(20) < lengths[:, None]
    args = (seqs * mask[..., None], mask, np.full(2, 1e6), np.full(2, 5.0), scaling)
    whole = base._SequenceEstimator._inputs(*args)
    monkeypatch.setattr(base, "_BLOCK_VALUES", 3 * 20 * 2)  # three sequences a block
    blocks = base._SequenceEstimator._inputs(*args)
    assert blocks.dtype == np.float32 and np.array_equal(blocks, whole)


def test_the_weighted_channel_moments_summed_block_by_block_are_those_of_the_whole():
    import tsrnn.sequence.base as base

    rng = np.random.default_rng(0)
    seqs, lengths = 1e6 + 5 * rng.normal(size=(30, 20, 2)), rng.integers(1, 21, size=30)
    step_w = rng.uniform(0, 2, size=30)[:, None] * (np.arange(20) < lengths[:, None])
    mean, std = base._weighted_moments(seqs, step_w)
    assert len(base._blocks(seqs)) == 1
    keep = step_w > 0
    np.testing.assert_allclose(mean, np.average(seqs[keep], axis=0, weights=step_w[keep]),
                               rtol=1e-14)
    np.testing.assert_allclose(
        std, np.sqrt(np.cov(seqs[keep].T, aweights=step_w[keep], bias=True).diagonal()),
        rtol=1e-9)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(base, "_BLOCK_VALUES", 3 * 20 * 2)  # three sequences a block
        assert len(base._blocks(seqs)) == 10
        blocked = base._weighted_moments(seqs, step_w)
    np.testing.assert_allclose(blocked[0], mean, rtol=1e-15)
    np.testing.assert_allclose(blocked[1], std, rtol=1e-9)


def test_a_zero_weight_sequence_does_not_shape_the_network():
    X, y = _two_classes(40)
    seqs = [x[: 8 + i % 12] for i, x in enumerate(X)]
    kw = dict(hidden_size=8, conv_channels=8, conv_steps=8, max_steps=20, random_state=0)
    alone = SequenceClassifier(**kw).fit(seqs, y)
    extra = SequenceClassifier(**kw).fit(seqs + [np.zeros((200, X.shape[2]))], list(y) + [y[0]],
                                         sample_weight=np.r_[np.ones(40), 0.0])
    assert extra._module_spec["stride"] == alone._module_spec["stride"]  # was 25 instead of 3
    np.testing.assert_allclose(extra.predict_proba(seqs), alone.predict_proba(seqs), atol=1e-4)


def test_warm_start_of_an_ensemble_cut_short_trains_its_members_further(monkeypatch):
    import tsrnn.sequence.base as base

    real = base.train_members
    def first_member_only(*args, **kw):  # as a Ctrl-C during the second member leaves it
        return real(*args[:-1], 1, **kw)
    X, y = _two_classes(40)
    clf = SequenceClassifier(max_epochs=2, ensemble_size=3, warm_start=True, random_state=0)
    monkeypatch.setattr(base, "train_members", first_member_only)
    clf.fit(X, y)
    monkeypatch.setattr(base, "train_members", real)
    clf.fit(X, y)  # nothing changed: was refused as "ensemble_size=3 (fitted: 1)"
    assert not hasattr(clf.module_, "members") and clf._module_spec["n_members"] == 1


def test_warm_start_with_early_stopping_after_epochs_without_keeps_the_curves_in_step():
    # the validation curve began at the warm fit, so best_epoch_ (8) indexed past its end (5)
    X, y = _two_classes(40)
    clf = SequenceClassifier(max_epochs=4, warm_start=True, random_state=0).fit(X, y)
    clf.set_params(early_stopping=True, max_epochs=3, n_iter_no_change=10).fit(X, y)
    assert len(clf.validation_loss_curve_) == len(clf.loss_curve_) == 7
    assert np.isnan(clf.validation_loss_curve_[:4]).all()
    assert np.isfinite(clf.validation_loss_curve_[4:]).all()
    assert clf.validation_loss_curve_[clf.best_epoch_] == np.nanmin(clf.validation_loss_curve_)


def test_warm_start_refuses_a_changed_scaling():
    # "series" and "global" read as many channels, so the change slipped through: the network
    # went on training (and predicting) on the other view with the first fit's statistics
    X, y = _two_classes(40)
    clf = SequenceClassifier(max_epochs=1, scaling="series", warm_start=True, random_state=0)
    clf.fit(X, y)
    with pytest.raises(ValueError, match=r"scaling='global' \(fitted: 'series'\); set them back"):
        clf.set_params(scaling="global").fit(X, y)
    assert clf._fitted("scaling") == "series"


def test_warm_start_continues_training_the_same_network():
    X, y = _two_classes(100)
    clf = SequenceClassifier(max_epochs=5, warm_start=True, random_state=0).fit(X, y)
    first_curve, module = clf.loss_curve_, clf.module_
    before = {k: v.clone() for k, v in module.state_dict().items()}
    clf.fit(X, y)
    # a copy of the fitted network trained on (so a failed fit leaves the model as it was)
    # the curve goes on from the first fit's (appended, as scikit-learn's MLP does)
    assert clf.loss_curve_[:5] == first_curve and len(clf.loss_curve_) == 10
    assert clf.loss_curve_[5] < first_curve[0] and clf.loss_curve_[5] <= first_curve[-1] * 1.05
    assert all(torch.equal(v, before[k]) for k, v in module.state_dict().items())
    module = clf.module_
    with pytest.raises(ValueError, match=r"labels \['new'\] were not seen in the first fit"):
        clf.fit(X[:3], ["ramp", "wave", "new"])
    clf.set_params(conv_scales=3, hidden_size=8)
    with pytest.raises(ValueError, match=r"built with other parameters: hidden_size=8 \(fitted: "
                                         r"64\), conv_scales=3 \(fitted: 1\); set them back"):
        clf.fit(X, y)
    clf.set_params(conv_scales=1, hidden_size=64)
    for change, fitted in (({"ensemble_size": 3}, 1), ({"conv_steps": None}, 64)):
        clf.set_params(**change)  # both were ignored: one network, the old front-end
        with pytest.raises(ValueError, match=rf"{next(iter(change))}=.* \(fitted: {fitted}\)"):
            clf.fit(X, y)
        clf.set_params(ensemble_size=1, conv_steps=64)
    del clf._module_spec["ensemble_size"]  # as a model saved before it was recorded
    with pytest.raises(ValueError, match=r"ensemble_size=3 \(fitted: 1\)"):  # its n_members
        clf.set_params(ensemble_size=3).fit(X, y)
    clf.set_params(ensemble_size=1)
    assert clf.module_ is module
    reg = SequenceRegressor(max_epochs=1, warm_start=True, random_state=0)
    reg.fit(X, X.sum(axis=(1, 2)))
    with pytest.raises(ValueError, match="warm_start: y gives 2 output.s. per sample but the "
                                         "fitted network has 1"):
        reg.fit(X, np.c_[X.sum(axis=(1, 2)), X.mean(axis=(1, 2))])


# --- the architecture of issue 8: views, front-end, both directions, pooling, smoothing -----

def test_defaults_beat_one_nn_dtw_on_bundled_gunpoint():
    from tsrnn import datasets

    torch.set_num_threads(1)
    (X, y), (X_test, y_test) = datasets.load_gunpoint("train"), datasets.load_gunpoint("test")
    clf = SequenceClassifier(random_state=0).fit(X, y)
    assert clf._module_spec["stride"] == 3  # 150 steps shortened to 50 before the recurrence
    assert clf.score(X_test, y_test) > 0.907  # 1-NN DTW's published accuracy


def test_defaults_learn_variable_length_multivariate_japanese_vowels():
    from tsrnn import datasets

    torch.set_num_threads(1)
    (X, y), (X_test, y_test) = (datasets.load_japanese_vowels(s) for s in ("train", "test"))
    clf = SequenceClassifier(random_state=0).fit(X, y)
    assert clf.n_features_in_ == 12 and clf._module_spec["input_size"] == 24  # two views
    assert clf.score(X_test, y_test) > 0.949  # 1-NN DTW: 0.949


def test_backward_direction_reads_the_first_steps_of_long_sequences():
    # the label is the sign of the first step of 120; a forward-only last state forgets it
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 120, 1))
    y = X[:, 0, 0] > 0
    kw = dict(conv_steps=None, pooling="last", max_epochs=30, random_state=0)
    both = SequenceClassifier(**kw).fit(X[:200], y[:200])
    assert both.score(X[200:], y[200:]) > 0.9
    forward = SequenceClassifier(bidirectional=False, **kw).fit(X[:200], y[:200])
    assert forward.score(X[200:], y[200:]) < 0.75


def test_bidirectional_tagger_aligns_the_backward_states_with_their_steps():
    # each step's label is the sign of the *next* step: only the backward direction knows it,
    # and only if its states are put back at the right steps (variable lengths included)
    rng = np.random.default_rng(0)
    seqs = [rng.normal(size=(n, 1)) for n in rng.integers(5, 20, size=300)]
    tags = [np.r_[s[1:, 0] > 0, False] for s in seqs]
    kw = dict(output="sequence", max_epochs=30, learning_rate=3e-3, random_state=0)
    tagger = SequenceClassifier(**kw).fit(seqs[:250], tags[:250])
    assert tagger.score(seqs[250:], tags[250:]) > 0.9
    causal = SequenceClassifier(bidirectional=False, **kw).fit(seqs[:250], tags[:250])
    assert causal.score(seqs[250:], tags[250:]) < 0.75


def test_series_scaling_ignores_each_sequences_level_and_scale():
    X, y = _two_classes(60)
    clf = SequenceClassifier(scaling="series", max_epochs=3, random_state=0).fit(X, y)
    shift = np.random.default_rng(1).uniform(-50, 50, (60, 1, 1))
    scale = np.random.default_rng(2).uniform(0.1, 10, (60, 1, 1))
    np.testing.assert_allclose(clf.predict_proba(X * scale + shift), clf.predict_proba(X),
                               atol=1e-4)
    both = SequenceClassifier(max_epochs=3, random_state=0).fit(X, y)
    assert np.abs(both.predict_proba(X * scale + shift) - both.predict_proba(X)).max() > 1e-3


def test_label_smoothing_keeps_probabilities_off_certainty():
    X, y = _two_classes(120)
    kw = dict(max_epochs=60, random_state=0)
    smooth = SequenceClassifier(**kw).fit(X, y).predict_proba(X).max(axis=1)
    sharp = SequenceClassifier(label_smoothing=0.0, **kw).fit(X, y).predict_proba(X).max(axis=1)
    # smoothing 0.1 over 2 classes makes 0.95 the target: the fit stays near it
    assert np.median(smooth) < 0.97 < np.median(sharp)
    with pytest.raises(ValueError, match="label_smoothing applies to classifiers only"):
        SequenceRegressor(label_smoothing=0.1).fit(X, np.zeros(120))


def test_ensemble_averages_member_logits_and_survives_pickling(atol):
    X, y = _two_classes(60)
    clf = SequenceClassifier(ensemble_size=2, max_epochs=3, random_state=0).fit(X, y)
    first, second = clf.module_.members
    seqs = read_sequences(X)[0]
    x = torch.as_tensor(clf._inputs(seqs, np.ones(X.shape[:2], bool), clf._mean, clf._std,
                                    clf.scaling),
                        device=clf.device_)
    with torch.inference_mode():
        a, b = first(x), second(x)
    assert not torch.allclose(a, b)  # members trained under different seeds
    expected = torch.softmax((a + b) / 2, dim=1).cpu().numpy()
    np.testing.assert_allclose(clf.predict_proba(X), expected, atol=atol)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))


def test_convolutional_branch_keeps_padding_out_of_results():
    rng = np.random.default_rng(0)
    seqs = [rng.normal(size=(n, 2)) for n in rng.integers(3, 40, size=24)]
    y = np.array([s[:, 0].mean() > 0 for s in seqs])
    clf = SequenceClassifier(conv_branch=True, conv_steps=8, max_epochs=2, random_state=0)
    clf.fit(seqs, y)
    alone = np.vstack([clf.predict_proba([s]) for s in seqs])
    np.testing.assert_allclose(clf.predict_proba(seqs), alone, atol=1e-5)


@pytest.mark.parametrize("params, message", [
    (dict(pooling="last+median"), "pooling='last\\+median' is not valid; join distinct"),
    (dict(pooling="mean+mean"), "pooling='mean\\+mean' is not valid"),
    (dict(scaling="robust"), "scaling='robust' is not valid; choose one of 'both'"),
    (dict(conv_steps=0), "conv_steps == 0, must be >= 1"),
    (dict(ensemble_size=0), "ensemble_size == 0, must be >= 1"),
    (dict(label_smoothing=1.0), "label_smoothing == 1.0, must be < 1.0"),
    (dict(average_last=0.0), "average_last == 0.0, must be > 0.0"),
    (dict(conv_scales=0), "conv_scales == 0, must be >= 1"),
    (dict(conv_channels=3, conv_scales=3),
     "conv_channels=3 cannot be shared out among conv_scales=3"),
    # kernels doubling per scale: 30 asked torch for 96 GiB
    (dict(conv_scales=30), r"conv_scales=30 makes the widest front-end kernel 1,610,612,737 "
                           r"steps, longer than the longest training sequence \(3 steps\) can "
                           r"use \(5\); lower conv_scales \(at most 1 here\)"),
    (dict(conv_branch=True, output="sequence"), "output='sequence' has none: set conv_branch"),
])
def test_bad_architecture_parameters_are_refused_clearly(params, message):
    with pytest.raises(ValueError, match=message):
        SequenceClassifier(**params).fit(np.zeros((4, 3, 1)), [0, 1, 0, 1])


def test_extreme_weights_and_inputs_beyond_float32_are_handled_by_name():
    """Uniform weights of 1e40 overflowed float32 and the fit "diverged"; inputs beyond
    float32 after scaling gave NaN probabilities and the first class as the label."""
    X = np.random.default_rng(0).normal(size=(20, 10, 1))
    y = np.arange(20) % 2
    model = SequenceClassifier(max_steps=10, hidden_size=8, scaling="global", random_state=0)
    plain = model.fit(X, y).predict_proba(X)
    for size in (1e40, 1e-40):  # relative weights: the same model
        np.testing.assert_array_equal(
            model.fit(X, y, sample_weight=np.full(20, size)).predict_proba(X), plain)
    with pytest.raises(ValueError, match=r"X reaches 2\.\d+e\+39 after scaling='global', beyond "
                                         r"the 3\.4e\+38 of the network's float32 arithmetic"):
        model.predict(X[:2] * 1e39)
    # values beyond float32 that scaling brings into range are read, and scored, in float64
    # (score with output="sequence" read X again in float32 for its lengths: an overflow warning)
    big = 1e39 + 1e38 * X
    steps = np.cumsum(X, axis=1)[:, :, 0]
    tagger = SequenceRegressor(output="sequence", max_steps=10, hidden_size=8, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isfinite(tagger.fit(big, steps).score(big, steps))


def test_front_end_shortens_in_blocks_of_stride_at_most_four():
    from tsrnn.networks import SequenceNetwork, front_strides

    for stride in range(1, 100):
        strides = front_strides(stride)
        assert max(strides) <= 4 and np.prod(strides) >= stride
        assert stride == 1 or np.prod(strides[:-1]) < stride  # no block more than needed
    net = SequenceNetwork("gru", 1, 2, stride=23).eval()
    assert net.strides == [4, 4, 2]
    seen = {}
    net.layers[0][0].register_forward_hook(lambda m, i, o: seen.update(T=i[0].shape[1]))
    with torch.inference_mode():
        net(torch.randn(2, 1460, 1))
    assert seen["T"] == 46  # ceil(ceil(ceil(1460 / 4) / 4) / 2)
    wide = SequenceNetwork("gru", 1, 2, stride=4, conv_channels=66, conv_scales=3).front[0]
    assert [c.conv.kernel_size[0] for c in wide.convs] == [9, 19, 37]
    assert [c.conv.out_channels for c in [*wide.convs, wide.pooled]] == [16, 16, 16, 18]


def test_the_wide_kernels_see_further_than_one():
    from tsrnn.networks import SequenceNetwork

    torch.manual_seed(0)
    x = torch.zeros(1, 64, 1)
    x[0, 32] = 1.0  # one spike: which front-end outputs does it reach?
    for scales, reach in [(1, 9), (3, 37)]:
        net = SequenceNetwork("gru", 1, 2, stride=4, conv_scales=scales).eval()
        block = net.front[0]
        with torch.inference_mode():  # (1, 16): how much each output moves
            moved = (block(x.transpose(1, 2)) - block(torch.zeros(1, 1, 64))).abs().sum(1)
        # output t reads input steps 4t - (width - 1) / 2 .. 4t + (width - 1) / 2
        expected = [t for t in range(16) if abs(4 * t - 32) <= (reach - 1) // 2]
        assert torch.nonzero(moved[0] > 0).flatten().tolist() == expected


def test_padding_never_reaches_training_statistics_either():
    from tsrnn.networks import SequenceNetwork

    torch.manual_seed(0)
    layout = dict(stride=3, conv_branch=True, conv_scales=3)
    net = SequenceNetwork("lstm", 2, 3, **layout).train()
    x, lengths = -torch.rand(4, 60, 2), torch.tensor([60, 31, 7, 1])  # below the padding's 0
    longer = torch.cat([x, torch.randn(4, 40, 2)], dim=1)  # more (non-zero) padding
    torch.testing.assert_close(net(x, lengths), net(longer, lengths))
    alone = SequenceNetwork("lstm", 2, 3, **layout).train()
    alone.load_state_dict(net.state_dict())
    net(x[1:2, :31], lengths[1:2])
    alone(x[1:2], lengths[1:2])  # the same sequence, padded to 60
    for key, value in net.front[0].state_dict().items():  # every branch's BatchNorm statistics
        torch.testing.assert_close(value, alone.front[0].state_dict()[key], msg=key)


def test_a_failed_fit_leaves_the_fitted_model_as_it_was():
    X, y = _two_classes(40)
    reg = SequenceRegressor(max_epochs=2, random_state=0).fit(X, X.sum(axis=(1, 2)))
    before = reg.predict(X)
    with pytest.raises(ValueError, match="early_stopping needs validation samples"):
        reg.set_params(early_stopping=True, validation_fraction=0.01).fit(X * 100 + 50, y == "wave")
    np.testing.assert_array_equal(reg.predict(X), before)


def test_single_step_sequences_in_a_batch_of_one():
    rng = np.random.default_rng(0)
    reg = SequenceRegressor(max_steps=None, max_epochs=1, random_state=0)
    assert np.isfinite(reg.fit(rng.normal(size=(17, 1, 1)), rng.normal(size=17)).predict(
        rng.normal(size=(3, 1, 1)))).all()


def test_large_offsets_constant_channels_and_padded_targets():
    signs = np.where(np.arange(40) % 2, 1, -1)[:, None, None]
    ramps = np.cumsum(np.full((40, 100, 1), 0.3), axis=1) * signs
    labels = np.where(np.arange(40) % 2, "up", "down")
    kw = dict(hidden_size=8, conv_channels=8, max_epochs=30, random_state=0, device="cpu")
    for scaling in ("series", "global"):  # 1e8 + a ramp: float32 alone holds every 8th integer
        clf = SequenceClassifier(scaling=scaling, **kw).fit(ramps + 1e8, labels)
        assert clf.score(ramps + 1e8, labels) == 1.0
    constant = np.full((6, 10, 1), 0.1) + np.arange(6)[:, None, None] * 0.7  # 0.1 is inexact
    view = SequenceClassifier._inputs(constant, np.ones((6, 10), bool), np.zeros(1), np.ones(1),
                                      "series")
    np.testing.assert_allclose(view, 0.0, atol=1e-12)  # a constant sequence scales to 0, not ±1
    rng = np.random.default_rng(0)
    seqs = [rng.normal(size=(3, 1)) for _ in range(9)] + [rng.normal(size=(15, 1))]
    padded = np.tile(np.arange(15) % 2, (10, 1))  # per-step labels padded to the longest
    tagger = SequenceClassifier(output="sequence", max_epochs=1, random_state=0).fit(seqs, padded)
    pred = tagger.predict(seqs[:5])  # a subset whose longest sequence is 3, y is 15 wide
    expected = np.mean(np.concatenate([p == padded[i, : len(p)] for i, p in enumerate(pred)]))
    assert tagger.score(seqs[:5], padded[:5]) == expected
    with pytest.raises(TypeError, match="datetime64.D. labels; pass them as strings"):
        SequenceClassifier(max_epochs=1).fit(ramps[:4], np.array(["2020-01-01", "2021-01-01"] * 2,
                                                                  dtype="datetime64[D]"))


def test_constant_targets_are_predicted_as_that_constant_and_nan_padding_is_explained():
    """A target column of exact ones (spread 0) was scaled by 1 and predicted with the
    network's residual noise (0.92, 0.94 after 4 steps); one of 3.3 (rounding spread 9e-16)
    exactly. Both are now their constant."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 8, 2))
    target = X[:, :, 0].sum(axis=1)
    kw = dict(max_steps=4, random_state=0, hidden_size=8, conv_channels=8)
    reg = SequenceRegressor(**kw).fit(X, np.c_[target, np.ones(30), np.full(30, 3.3)])
    pred = reg.predict(X)
    np.testing.assert_array_equal(pred[:, 1:], [[1.0, 3.3]] * 30)  # 3.3, not its mean 3.3000…01
    assert pred[:, 0].std() > 0
    # a warm start on values that vary learns the column that was constant
    warm = SequenceRegressor(warm_start=True, **dict(kw, max_steps=200)).fit(X, np.zeros(30))
    assert (warm.predict(X) == 0.0).all()
    assert warm.fit(X, target).score(X, target) > 0.5
    # inputs of zero plus rounding noise (a channel computed as 0.1 + 0.2 - 0.3) stay constant:
    # scaled by their 1e-16 spread, a later 0.5 became 1e16
    noise = (((np.arange(40) * 0.1 + 0.2) - np.arange(40) * 0.1) - 0.2).reshape(4, 10, 1)
    scaler = SequenceScaler().fit(noise)
    np.testing.assert_allclose(scaler.transform(np.full((1, 3, 1), 0.5)), 0.5, atol=1e-15)
    padded = X.copy()
    padded[:5, 6:] = np.nan  # tslearn's and aeon's padding of sequences of different lengths
    with pytest.raises(ValueError, match=r"pass a list of \(T_i, D\) arrays"):
        SequenceRegressor(**kw).fit(padded, target)


def test_channels_first_collections_and_multiindex_frames_are_named():
    """aeon's and sktime's (N, D, T) arrays trained silently as T = D steps of T features (on
    BasicMotions 0.80-0.85 instead of 1.0); a pd-multiindex frame was read as N*T sequences of
    one step (predict returned 22,500 labels for 150 sequences)."""
    rng = np.random.default_rng(0)
    channels_first = rng.normal(size=(12, 3, 40))
    labels = np.arange(12) % 2
    kw = dict(max_steps=2, hidden_size=8, random_state=0)
    with pytest.warns(UserWarning, match=r"at most 3 step\(s\) of 40 feature\(s\).*"
                                         r"X.transpose\(0, 2, 1\)"):
        SequenceClassifier(**kw).fit(channels_first, labels)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the same data the right way round: no warning
        fitted = SequenceClassifier(**kw).fit(channels_first.transpose(0, 2, 1), labels)
    with pytest.raises(ValueError, match=r"layout: tsrnn reads \(N, T, D\)"):
        fitted.predict(channels_first)
    with pytest.raises(ValueError, match=r"All have 3 rows: .*\[x.T for x in X\]"):
        SequenceClassifier(**kw).fit([x[:, : 20 + i] for i, x in enumerate(channels_first)],
                                     labels)
    long = pd.DataFrame({"v": channels_first[:, 0].ravel()},
                        index=pd.MultiIndex.from_product([range(12), range(40)]))
    with pytest.raises(ValueError, match=r"MultiIndex .*sort_index\(\).groupby\(level=0\)"):
        SequenceClassifier(**kw).fit(long, labels)
    # the recipe it gives, followed on shuffled rows, gives the sequences in time order
    shuffled, ids = long.sample(frac=1, random_state=0), pd.Series(labels, index=range(12))
    groups = shuffled.sort_index().groupby(level=0)
    X = [g.to_numpy() for _, g in groups]
    np.testing.assert_array_equal(np.stack(X)[:, :, 0], channels_first[:, 0])
    np.testing.assert_array_equal(ids.loc[list(groups.groups)], labels)
    # a pivoted table (a column per feature and step) was read as one channel of D*T steps
    pivoted = pd.DataFrame(channels_first.reshape(12, -1),
                           columns=pd.MultiIndex.from_product([["f0", "f1", "f2"], range(40)]))
    with pytest.raises(ValueError, match=r"MultiIndex columns .*reshape\(N, D, T\)"):
        SequenceClassifier(**kw).fit(pivoted, labels)
    np.testing.assert_array_equal(pivoted.to_numpy().reshape(12, 3, 40).transpose(0, 2, 1),
                                  channels_first.transpose(0, 2, 1))
    nested = pd.DataFrame({"a": [pd.Series(x[:, 0]) for x in channels_first.transpose(0, 2, 1)]})
    with pytest.raises(ValueError, match=r"sequences in its cells .*itertuples"):  # sktime's
        SequenceClassifier(**kw).fit(nested, labels)  # was told to use pd.to_numeric


def test_a_list_of_dataframes_is_matched_by_column_name():
    """Sequences given as DataFrames were read by column position: the same test sequences with
    their columns swapped scored 0.15 instead of 0.95, without a word."""
    rng = np.random.default_rng(0)
    frames = [pd.DataFrame({"a": rng.normal(size=12) + (i % 2) * 2, "b": rng.normal(size=12)})
              for i in range(40)]
    labels = np.arange(40) % 2
    clf = SequenceClassifier(max_steps=60, hidden_size=8, random_state=0).fit(frames, labels)
    assert clf.feature_names_in_.tolist() == ["a", "b"]
    swapped = [f[["b", "a"]] for f in frames]
    np.testing.assert_array_equal(clf.predict_proba(swapped), clf.predict_proba(frames))
    assert clf.score(frames, labels) > 0.9
    with pytest.raises(ValueError, match=r"X\[0\] has columns \['c', 'b'\] but the features are "
                                         r"\['a', 'b'\]"):
        clf.predict([f.rename(columns={"a": "c"}) for f in frames])
    mixed = SequenceClassifier(max_steps=60, hidden_size=8, random_state=0).fit(
        frames[:20] + swapped[20:], labels)  # in fit too, by the first one's columns
    np.testing.assert_array_equal(mixed.predict_proba(frames), clf.predict_proba(frames))
    # arrays to a model fit on frames, and frames to one fit on arrays: read by position, with
    # scikit-learn's warnings (the swapped arrays moved probabilities silently)
    with pytest.warns(UserWarning, match=r"X has sequences without feature names, but "
                                         r"SequenceClassifier was fitted with feature names "
                                         r"\['a', 'b'\]: their columns are read in that order"):
        clf.predict([f.to_numpy() for f in frames])
    refit = clf.fit([f.to_numpy() for f in frames], labels)  # arrays: no names kept
    assert not hasattr(refit, "feature_names_in_")
    with pytest.warns(UserWarning, match="X has feature names, but SequenceClassifier was fitted "
                                         "without feature names: the columns are read by position"):
        refit.predict(swapped)


def test_a_2d_dataframe_of_steps_is_matched_by_its_columns():
    """One sequence per row, one step per column: reversed columns reversed time at predict,
    without a word (16 of 40 labels changed)."""
    rng = np.random.default_rng(0)
    labels = np.repeat([0, 1], 20)
    rows = np.cumsum(rng.normal(0, 1, (40, 12)), axis=1) * np.where(labels, 1, -1)[:, None]
    frame = pd.DataFrame(rows, columns=[f"t{i}" for i in range(12)])
    for est in (SequenceClassifier(max_steps=20, hidden_size=8, random_state=0),
                SequenceRegressor(max_steps=20, hidden_size=8, random_state=0)):
        est.fit(frame, labels)
        name = type(est).__name__
        with pytest.raises(ValueError, match=rf"X has columns \[t11, t10, t9, t8, ...\] but "
                                             rf"{name} was fit on \[t0, t1, t2, t3, ...\]; pass "
                                             "the same columns in the same order"):
            est.predict(frame.iloc[:, ::-1])
        with pytest.warns(UserWarning, match=f"X has data without feature names, but {name} "
                                             r"was fitted with feature names \['t0'"):
            np.testing.assert_array_equal(est.predict(frame.to_numpy()), est.predict(frame))
        est.fit(frame.to_numpy(), labels)
        with pytest.warns(UserWarning, match=f"X has feature names, but {name} was fitted "
                                             "without"):
            est.predict(frame)
    with pytest.raises(ValueError, match=r"X has columns \[t11, .* but the scaler was fit on"):
        SequenceScaler().fit(frame).transform(frame.iloc[:, ::-1])


@pytest.mark.parametrize("labels", [
    pd.Series(["a", "b", np.nan, "a"] * 5),                 # a blank cell of a CSV
    np.array(["a", "b", None, "a"] * 5, dtype=object),
    pd.Series(["a", "b", None, "a"] * 5, dtype="string"),   # pd.NA
])
def test_missing_class_labels_are_refused_by_count_and_position(labels):
    """numpy's sort met them with "'<' not supported between 'float' and 'str'" or
    "boolean value of NA is ambiguous", in fit and in score."""
    X = np.random.default_rng(0).normal(size=(20, 6, 1))
    with pytest.raises(ValueError, match=r"y has 5 missing label\(s\) \(NaN, None or NA; the "
                                         r"first at position 2\); drop those sequences"):
        SequenceClassifier(max_epochs=1).fit(X, labels)
    clf = SequenceClassifier(max_epochs=1, random_state=0).fit(X, np.array(["a", "b"] * 10))
    with pytest.raises(ValueError, match="y has 5 missing label"):
        clf.score(X, labels)


def test_per_step_targets_in_the_wrong_form_are_named():
    """One label per sequence, (T_i, 1) label arrays and mixed target shapes crashed inside
    (len() of unsized object; a torch size mismatch; numpy's concatenate)."""
    X = np.random.default_rng(0).normal(size=(20, 8, 1))
    steps = (X[:, :, 0] > 0).astype(int)
    # one label per sequence, too few: it said "y must be 1-D" of a 1-D y
    with pytest.raises(ValueError, match=r"y has 15 labels but X has 20 sequences; pass one"):
        SequenceClassifier(max_epochs=1).fit(X, np.arange(15) % 2)
    with pytest.raises(ValueError, match=r"y must be 1-D with one label per sequence \(20\); got "
                                         r"shape \(20, 2\)"):
        SequenceClassifier(max_epochs=1).fit(X, np.zeros((20, 2)))
    with pytest.raises(ValueError, match=r"y needs one target per step, but y\[0\] is a single "
                                         r"value \('a'\); .* output='last'"):
        SequenceClassifier(output="sequence", max_epochs=1).fit(X, list("ab" * 10))
    columns = SequenceClassifier(output="sequence", max_epochs=2, random_state=0)
    columns.fit(X, [s[:, None] for s in steps])  # a column of labels per sequence: read as (T_i,)
    flat = SequenceClassifier(output="sequence", max_epochs=2, random_state=0).fit(X, steps)
    np.testing.assert_array_equal(columns.predict_proba(X), flat.predict_proba(X))
    with pytest.raises(ValueError, match=r"one label per step: y\[0\] has shape \(8, 2\)"):
        SequenceClassifier(output="sequence", max_epochs=1).fit(  # the rest (8, 1): was squeezed
            X, [np.c_[steps[0], steps[0]]] + [s[:, None] for s in steps[1:]])
    gap = [s.astype(object) for s in steps]
    gap[3][2] = None
    with pytest.raises(ValueError, match=r"y\[3\] has 1 missing label\(s\) .*at step 2\); label "
                                         "those steps, or drop sequence 3"):
        SequenceClassifier(output="sequence", max_epochs=1).fit(X, gap)
    with pytest.raises(ValueError, match=r"mix shapes: y\[0\] has shape \(8, 1\) but y\[1\] "
                                         r"\(8,\); pass them all as \(T_i,\) arrays"):
        SequenceRegressor(output="sequence", max_epochs=1).fit(
            X, [X[0]] + [x[:, 0] for x in X[1:]])
    # per-step targets of different widths k: it was numpy's "all the input array dimensions"
    with pytest.raises(ValueError, match=r"y\[1\] has targets of shape \(1,\) per step but "
                                         r"y\[0\] \(2,\); pass the same k targets"):
        SequenceRegressor(output="sequence", max_epochs=1).fit(
            X, [np.c_[X[0], X[0]]] + list(X[1:]))
    # make_windows' targets are (N, horizon, D): the error says how to pass them
    windows, targets = make_windows(np.sin(np.arange(40.0)), window_length=6, horizon=3)
    with pytest.raises(ValueError, match=r"got \(32, 3, 1\) \(targets of shape \(N, horizon, "
                                         r"D\), as make_windows .*y.reshape\(32, -1\)"):
        SequenceRegressor(max_epochs=1).fit(windows, targets)


def test_nan_advice_fits_weights_and_regression_targets():
    """It said sample_weight.interpolate() or y.dropna(), which numpy has not, and which
    misaligns targets with X."""
    X = np.random.default_rng(0).normal(size=(10, 5, 1))
    with pytest.raises(ValueError, match=r"give every sequence a finite weight"):
        SequenceClassifier(max_epochs=1).fit(X, np.arange(10) % 2,
                                             sample_weight=np.r_[np.nan, np.ones(9)])
    with pytest.raises(ValueError, match=r"drop those sequences \(those rows of y\) from X"):
        SequenceRegressor(max_epochs=1).fit(X, np.r_[np.nan, np.ones(9)])
    with pytest.raises(ValueError, match=r"y\[3\] contains NaN .* drop sequence 3 from X and y"):
        SequenceRegressor(output="sequence", max_epochs=1).fit(
            X, np.where(np.arange(50).reshape(10, 5) == 17, np.nan, 1.0))


def test_a_pipeline_of_scaler_and_classifier_matches_dataframe_columns_by_name():
    """SequenceScaler read a list of DataFrames by position: with the test frames' columns
    swapped, the pipeline scored 0.5 instead of 1.0, and renamed columns passed silently."""
    from sklearn.pipeline import make_pipeline

    rng = np.random.default_rng(0)

    def frames(n):
        labels = np.arange(n) % 2
        return [pd.DataFrame({"acc": rng.normal(2 * k, 1, 20), "temp": 100 + rng.normal(0, 5, 20)})
                for k in labels], labels

    (X, y), (X_test, y_test) = frames(60), frames(40)
    pipe = make_pipeline(SequenceScaler(), SequenceClassifier(max_epochs=20, random_state=0))
    pipe.fit(X, y)
    swapped = [x[["temp", "acc"]] for x in X_test]
    np.testing.assert_array_equal(pipe.predict_proba(swapped), pipe.predict_proba(X_test))
    assert pipe.score(X_test, y_test) > 0.9
    assert list(pipe[0].feature_names_in_) == ["acc", "temp"]
    scaled = pipe[0].transform(swapped)[0]  # frames stay frames, in the fit's column order
    assert list(scaled.columns) == ["acc", "temp"] and scaled.index.equals(X_test[0].index)
    series = [x["acc"].set_axis(x.index + 100) for x in X_test]  # Series stay Series (arrays)
    out = SequenceScaler().fit(series).transform(series)
    assert isinstance(out[0], pd.Series) and out[0].name == "acc"
    assert out[0].index.equals(series[0].index)
    np.testing.assert_allclose(np.concatenate(out).mean(), 0.0, atol=1e-12)
    with pytest.raises(ValueError, match=r"X\[0\] has columns \['acc', 't'\] but the features "
                                         r"are \['acc', 'temp'\]"):
        pipe.predict([x.rename(columns={"temp": "t"}) for x in X_test])


def test_warnings_name_the_callers_line():
    """They pointed into tsrnn (sequence/base.py) whenever a wrapper sat between: a fixed
    stacklevel counted frames that differ by call path."""
    with pytest.warns(UserWarning, match="steps before features") as caught:
        SequenceClassifier(max_steps=1).fit(np.zeros((6, 2, 5)), np.arange(6) % 2)
    assert caught[0].filename == __file__


@pytest.mark.parametrize("output", ["last", "sequence"])
def test_predict_batches_sequences_of_like_length_with_the_same_results(monkeypatch, output):
    """One long sequence padded every other one to its length in every predict batch (5,000
    sequences of 50 steps and one of 50,000: 5 GiB, 49-94 s). Batches now hold sequences of
    like length; the results are those of one batch."""
    import tsrnn._training as training

    rng = np.random.default_rng(0)
    X = [rng.normal(size=(n, 2)) for n in rng.integers(3, 40, size=30)]
    y = [x[:, 0] > 0 for x in X] if output == "sequence" else np.arange(30) % 2
    clf = SequenceClassifier(output=output, bidirectional=output == "last", max_steps=3,
                             hidden_size=8, random_state=0).fit(X, y)
    whole = clf.predict_proba(X)
    monkeypatch.setattr(training, "PREDICT_STEPS", 100)  # batches of at most 100 padded steps
    batches = training.length_batches(np.array([len(x) for x in X]))
    assert len(batches) > 5 and sorted(np.concatenate(batches)) == list(range(30))
    split = clf.predict_proba(X)
    for a, b in zip(whole, split):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_predicting_sequences_shorter_than_any_in_fit_warns():
    """GunPoint's test sequences cut from 150 to 100 steps scored 0.53 instead of 0.95
    (random_state=0), without a word."""
    X, y = _two_classes(40, T=20)
    clf = SequenceClassifier(max_steps=2, hidden_size=8, random_state=0).fit(X, y)
    with pytest.warns(UserWarning, match=r"X has 40 sequence\(s\) shorter than the shortest seen "
                                         r"in fit \(20 steps; here 12\)") as caught:
        clf.predict(X[:, :12])
    assert caught[0].filename == __file__
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf.predict(X)  # as long as in fit, or longer: no warning
        clf.predict([np.vstack([x, x]) for x in X])
        per_step = SequenceClassifier(output="sequence", bidirectional=False, max_steps=2,
                                      random_state=0).fit(X, (X[:, :, 0] > 0).astype(int))
        per_step.predict(X[:, :5])  # a causal per-step model reads any prefix
