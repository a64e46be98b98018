import copy
import pickle

import numpy as np
import pandas as pd
import pytest
import torch

from tsrnn import GRUForecaster, LSTMForecaster, SequenceClassifier
from tsrnn._training import TrainConfig, _cpu_runs_bf16, resolve_device, train, train_members
from tsrnn.networks import RecurrentNetwork

needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


def test_fit_leaves_global_random_state_alone(seasonal_series):
    np_state, torch_state = np.random.get_state(), torch.get_rng_state().clone()
    LSTMForecaster(window_length=12, max_epochs=2, dropout=0.2, num_layers=2).fit(seasonal_series)
    SequenceClassifier(max_epochs=2).fit(np.zeros((4, 3, 1)), [0, 1, 0, 1])
    after = np.random.get_state()
    assert (after[1] == np_state[1]).all() and after[2:] == np_state[2:]  # key and position
    assert torch.equal(torch.get_rng_state(), torch_state)


def test_a_callers_autocast_does_not_change_the_arithmetic(seasonal_series):
    # precision="32" means float32: inside the caller's bfloat16 autocast the GRU's forecasts
    # moved by 0.09 and the LSTM's fit failed in oneDNN; the fit keeps no gradients either
    for cls in (GRUForecaster, LSTMForecaster):
        model = cls(window_length=12, max_steps=20, hidden_size=8, ensemble_size=1,
                    random_state=0)
        plain = model.fit(seasonal_series).predict()
        with torch.autocast("cpu", dtype=torch.bfloat16):
            inside = model.fit(seasonal_series).predict()
        pd.testing.assert_series_equal(inside, plain)
        assert all(p.grad is None for p in model.module_.parameters())
    # bf16 inside an enclosing autocast: its cached bf16 weights went stale and nothing trained
    half = GRUForecaster(window_length=12, max_steps=20, hidden_size=8, ensemble_size=1,
                         random_state=0, precision="bf16")
    curve = half.fit(seasonal_series).loss_curve_
    with torch.autocast("cpu", dtype=torch.bfloat16):
        assert half.fit(seasonal_series).loss_curve_ == curve
    assert curve[-1] < 0.95 * curve[0]  # it trained (the stale copies gave a flat curve)
    X, y = np.random.default_rng(0).normal(size=(20, 6, 2)), np.arange(20) % 2
    clf = SequenceClassifier(max_steps=5, random_state=0).fit(X, y)
    outside = clf.predict_proba(X)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        np.testing.assert_array_equal(clf.predict_proba(X), outside)  # predict
        np.testing.assert_array_equal(clf.fit(X, y).predict_proba(X), outside)  # and fit


@pytest.mark.parametrize("dropout", [0.3, 0.0])
def test_fits_in_threads_are_as_reproducible_as_alone(seasonal_series, dropout):
    # joblib's threading backend: weight initialisation and dropout read torch's process-wide
    # generator, which threads re-seeded under each other (forecasts differed by up to 15, and
    # the caller's state changed); without dropout a fit holds it only while it initialises
    from concurrent.futures import ThreadPoolExecutor

    def forecast(seed):
        return LSTMForecaster(window_length=12, max_steps=40, dropout=dropout, num_layers=2,
                              hidden_size=8, ensemble_size=2, random_state=seed).fit(
            seasonal_series).predict().to_numpy()

    alone = [forecast(seed) for seed in range(4)]
    state = torch.get_rng_state().clone()
    with ThreadPoolExecutor(4) as pool:
        threaded = list(pool.map(forecast, range(4)))
    assert all(np.array_equal(a, b) for a, b in zip(alone, threaded))
    assert torch.equal(torch.get_rng_state(), state)


@pytest.mark.parametrize("mode", [torch.no_grad, torch.inference_mode])
def test_a_fit_inside_no_grad_or_inference_mode_trains_as_outside(seasonal_series, mode):
    """A refit inside an evaluation loop's no_grad/inference_mode failed: "element 0 of tensors
    does not require grad"."""
    from tsrnn import CharLanguageModel

    X = np.random.default_rng(0).normal(size=(8, 5, 1))
    panel = pd.DataFrame({"unique_id": np.repeat(["a", "b"], 30), "y": np.sin(np.arange(60.0)),
                          "ds": np.tile(pd.date_range("2020-01-01", periods=30, freq="D"), 2)})
    fits = [lambda: LSTMForecaster(window_length=12, max_epochs=2, ensemble_size=1,
                                   random_state=0).fit(seasonal_series).predict(),
            lambda: SequenceClassifier(max_epochs=2, random_state=0).fit(X, np.arange(8) % 2)
            .predict_proba(X),
            lambda: GRUForecaster(window_length=6, max_epochs=2, ensemble_size=1,
                                  random_state=0).fit(panel).predict().y,  # a panel too
            lambda: CharLanguageModel(seq_length=4, max_epochs=2, random_state=0)
            .fit("abcabcabd").per_character_loss("abcab")]
    for fit in fits:
        expected = fit()
        with mode():
            got = fit()
        assert torch.is_grad_enabled() and not torch.is_inference_mode_enabled()
        np.testing.assert_array_equal(np.asarray(got), np.asarray(expected))


def test_estimators_work_under_a_float64_default_dtype(seasonal_series, tmp_path):
    """torch.set_default_dtype(torch.float64), common in scientific code: every fit failed on a
    float32 input to float64 weights; the networks are float32 whatever the default."""
    from tsrnn.persistence import load

    X = np.random.default_rng(0).normal(size=(8, 5, 1))
    torch.set_default_dtype(torch.float64)
    try:
        forecaster = LSTMForecaster(window_length=12, max_epochs=2, ensemble_size=1,
                                    random_state=0).fit(seasonal_series)
        classifier = SequenceClassifier(max_epochs=2, random_state=0).fit(X, np.arange(8) % 2)
        for est, predict in ((forecaster, lambda e: e.predict()),
                             (classifier, lambda e: e.predict_proba(X))):
            assert next(est.module_.parameters()).dtype == torch.float32
            est.save(tmp_path / "model.pt")
            np.testing.assert_array_equal(predict(load(tmp_path / "model.pt")), predict(est))
        assert torch.get_default_dtype() == torch.float64  # the caller's, restored
    finally:
        torch.set_default_dtype(torch.float32)
    # and the same seed gives the same model: the weights were drawn in float64 and cast,
    # other numbers (forecasts moved by 4%, probabilities by 0.07)
    np.testing.assert_array_equal(
        LSTMForecaster(window_length=12, max_epochs=2, ensemble_size=1, random_state=0).fit(
            seasonal_series).predict(), forecaster.predict())
    np.testing.assert_array_equal(
        SequenceClassifier(max_epochs=2, random_state=0).fit(X, np.arange(8) % 2).predict_proba(X),
        classifier.predict_proba(X))


def test_random_state_none_varies(seasonal_series):
    a = LSTMForecaster(window_length=12, max_epochs=2).fit(seasonal_series).predict()
    b = LSTMForecaster(window_length=12, max_epochs=2).fit(seasonal_series).predict()
    assert not np.allclose(a, b)


def _toy_problem():
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(64, 5, 1, generator=gen)
    y = x.sum(dim=(1, 2)).unsqueeze(1)
    torch.manual_seed(0)
    module = RecurrentNetwork("gru", 1, 1, hidden_size=8)
    loss = lambda idx: torch.nn.functional.mse_loss(module(x[idx]), y[idx])  # noqa: E731
    return module, loss


def _config(**kw):
    base = dict(learning_rate=1e-2, max_epochs=20, batch_size=16, early_stopping=False,
                n_iter_no_change=5, gradient_clip=1.0, verbose=False)
    return TrainConfig(**{**base, **kw})


def test_early_stopping_restores_the_lowest_validation_loss_and_tol_only_sets_patience():
    module, loss = _toy_problem()
    # tol=10: no epoch after the first counts as progress, so patience (5) ends the run after
    # 6 epochs, while the validation loss still falls each epoch; the lowest one's weights stay.
    # average_last too: early stopping's best weights take precedence over an average
    result = train(module, loss, 48, 16, _config(early_stopping=True, tol=10.0, average_last=1.0),
                   torch.Generator().manual_seed(0))
    curve = result.validation_loss_curve
    assert len(curve) == 6 and result.best_epoch == int(np.argmin(curve)) > 0
    module.eval()
    with torch.no_grad():
        assert float(loss(torch.arange(48, 64))) == pytest.approx(min(curve), rel=1e-6)


def test_gap_samples_are_neither_trained_nor_validated_on_until_the_refit():
    """Samples 0..39 train, 40..47 are the gap, 48..63 validate; "refit" trains on all 64."""
    module, loss = _toy_problem()
    trained, validated = set(), set()

    def recording(idx):
        (trained if module.training else validated).update(idx.tolist())
        return loss(idx)

    config = _config(early_stopping=True, refit=True)
    train_members(lambda i: module, lambda m, idx: recording(idx), 40, 16, config, 0,
                  torch.device("cpu"), n_gap=8)
    assert validated == set(range(48, 64))
    assert trained == set(range(64))  # the stopping run's 0..39, then the refit's 0..63
    trained.clear()
    validated.clear()
    train(module, recording, 40, 16, _config(early_stopping=True), torch.Generator(), n_gap=8)
    assert trained == set(range(40)) and validated == set(range(48, 64))


def test_an_interrupted_refit_keeps_the_early_stopped_network():
    gen = torch.Generator().manual_seed(0)
    x, y = torch.randn(64, 5, 1, generator=gen), torch.randn(64, 1, generator=gen)
    build = lambda i: RecurrentNetwork("gru", 1, 1, hidden_size=8)  # noqa: E731

    def interrupting(module, idx):  # the refit's first batch reaches past the 40 training ones
        if module.training and int(idx.max()) >= 40:
            raise KeyboardInterrupt
        return torch.nn.functional.mse_loss(module(x[idx]), y[idx])

    cpu = torch.device("cpu")
    stopped, _ = train_members(build, interrupting, 40, 16, _config(early_stopping=True), 0, cpu)
    with pytest.warns(RuntimeWarning, match="trained again on every sample .* keeps that "
                                            "member's early-stopped network"):
        kept, result = train_members(build, interrupting, 40, 16,
                                     _config(early_stopping=True, refit=True), 0, cpu)
    assert result.interrupted
    for key, value in kept.state_dict().items():
        torch.testing.assert_close(value, stopped.state_dict()[key], rtol=0, atol=0)


def test_average_last_keeps_the_mean_of_the_last_steps_weights():
    module, loss = _toy_problem()
    seen = []  # the weights each step starts from: after the previous step

    def recording(idx):
        seen.append([p.detach().clone() for p in module.parameters()])
        return loss(idx)

    train(module, recording, 64, 0, _config(max_epochs=5), torch.Generator().manual_seed(0))
    after = seen[1:] + [list(module.parameters())]  # weights after steps 1..20 (4 per epoch)
    expected = [torch.stack(w).mean(0) for w in zip(*after[-5:])]  # the last 25% of 20 steps
    averaged, loss = _toy_problem()
    train(averaged, loss, 64, 0, _config(max_epochs=5, average_last=0.25),
          torch.Generator().manual_seed(0))
    for got, want in zip(averaged.parameters(), expected):
        torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-6)


def test_average_last_averages_batchnorm_statistics_and_copies_its_step_count():
    # the averaging groups tensors by dtype on every device (as torch does on CUDA), so the
    # integer step count takes the same path there as here
    gen = torch.Generator().manual_seed(0)
    x, y = torch.randn(64, 3, generator=gen), torch.randn(64, 1, generator=gen)

    def fit(average_last):
        torch.manual_seed(0)
        net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4),
                                  torch.nn.Linear(4, 1))
        means = []  # BatchNorm's running mean as each step starts: after the previous step

        def loss(idx):
            means.append(net[1].running_mean.clone())
            return torch.nn.functional.mse_loss(net(x[idx]), y[idx])

        train(net, loss, 64, 0, _config(max_epochs=5, average_last=average_last),
              torch.Generator().manual_seed(0))
        return net, means

    averaged, _ = fit(0.25)
    plain, means = fit(None)
    after = means[1:] + [plain[1].running_mean]  # after steps 1..20
    assert int(averaged[1].num_batches_tracked) == 20  # copied, not averaged
    torch.testing.assert_close(averaged[1].running_mean, torch.stack(after[-5:]).mean(0))


def test_interrupt_keeps_best_weights_and_warns():
    module, loss = _toy_problem()
    calls = {"n": 0}

    def interrupting(idx):
        calls["n"] += 1
        if calls["n"] == 4 * 6 + 1:  # first batch of epoch 7
            raise KeyboardInterrupt
        return loss(idx)

    with pytest.warns(RuntimeWarning, match="interrupted in epoch 7; the estimator keeps the best"):
        result = train(module, interrupting, 64, 0, _config(),
                       torch.Generator().manual_seed(0))
    assert result.interrupted and len(result.loss_curve) == 6
    assert result.best_epoch == int(np.argmin(result.loss_curve))
    with torch.no_grad():
        assert float(loss(torch.arange(64))) < result.loss_curve[0]


def test_interrupt_in_a_later_ensemble_member_keeps_the_members_trained_so_far():
    x = torch.randn(32, 5, 1, generator=torch.Generator().manual_seed(0))
    y = x.sum(dim=(1, 2)).unsqueeze(1)
    built = []

    def build(i):
        built.append(RecurrentNetwork("gru", 1, 1, hidden_size=4))
        return built[-1]

    def loss(module, idx):
        if len(built) > 1 and module is built[1]:  # Ctrl-C as soon as the second member starts
            raise KeyboardInterrupt
        return torch.nn.functional.mse_loss(module(x[idx]), y[idx])

    with pytest.warns(RuntimeWarning, match="member 2 of 3; the estimator keeps the 1 member"):
        network, result = train_members(build, loss, 32, 0,
                                        _config(max_epochs=3), 0, torch.device("cpu"), 3)
    assert network is built[0] and len(result.loss_curve) == 3
    # a warm start keeps the members it did not reach as they were (they were dropped, and
    # every later warm fit trained the smaller ensemble)
    fitted = [RecurrentNetwork("gru", 1, 1, hidden_size=4) for _ in range(3)]
    built.clear()
    with pytest.warns(RuntimeWarning, match="keeps the 1 member.s. trained so far, and the "
                                            "others as they were"):
        network, _ = train_members(lambda i: built.append(copy.deepcopy(fitted[i])) or built[-1],
                                   loss, 32, 0, _config(max_epochs=3), 0, torch.device("cpu"), 3,
                                   keep_unreached=True)
    assert len(network.members) == 3 and network.members[0] is built[0]
    for kept, before in zip(network.members[1:], fitted[1:]):
        for a, b in zip(kept.parameters(), before.parameters()):
            torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_the_loss_curves_stay_in_step_when_interrupted_while_validating():
    module, loss = _toy_problem()

    def interrupting(idx):  # Ctrl-C in the validation pass of epoch 3
        if not module.training and len(calls) == 2:
            raise KeyboardInterrupt
        if not module.training:
            calls.append(idx)
        return loss(idx)

    calls = []
    with pytest.warns(RuntimeWarning, match="interrupted in epoch 3"):
        result = train(module, interrupting, 48, 16, _config(early_stopping=True),
                       torch.Generator().manual_seed(0))
    assert len(result.loss_curve) == len(result.validation_loss_curve) == 2  # was 3 and 2


def test_divergence_after_good_epochs_restores_them():
    module, loss = _toy_problem()
    calls = {"n": 0}

    def diverging(idx):
        calls["n"] += 1
        value = loss(idx)
        # the training steps diverge; the restored weights, checked in eval mode, do not
        return value * float("nan") if calls["n"] > 4 * 5 and module.training else value

    # _config() clips gradients already: the advice is to lower it, not to set it
    with pytest.warns(RuntimeWarning, match="training diverged .* To train further, lower "
                                            "learning_rate or lower gradient_clip") as caught:
        result = train(module, diverging, 64, 0, _config(),
                       torch.Generator().manual_seed(0))
    assert caught[0].filename == __file__  # the caller's line, not one inside tsrnn
    assert all(torch.isfinite(p).all() for p in module.parameters())
    assert len(result.loss_curve) == 6


@pytest.mark.parametrize("epochs", [2, 5])
def test_weights_that_overflow_while_the_loss_is_finite_are_not_kept(epochs):
    """The last step of epoch 2 makes the weights infinite (its batch's loss was computed before
    it): they must not become the best weights, nor the result when training ends there."""
    module, loss = _toy_problem()
    calls = {"n": 0}

    def overflow(grad):
        calls["n"] += 1
        return grad * float("inf") if calls["n"] == 2 * 4 else grad

    next(module.parameters()).register_hook(overflow)
    with pytest.warns(RuntimeWarning, match="training diverged"):
        result = train(module, loss, 64, 0, _config(max_epochs=epochs, gradient_clip=None),
                       torch.Generator().manual_seed(0))
    assert all(torch.isfinite(p).all() for p in module.parameters())
    assert result.best_epoch == 0 and len(result.loss_curve) == 2


def test_a_warm_fit_that_diverges_leaves_the_fitted_model_as_it_was():
    """A warm fit at a learning rate that overflows: the weights of its only finite epoch
    overflow too (its loss was measured before its steps), so it raises instead of restoring
    them (predictions were NaN after a 'restored' warning), and the fitted model, trained in
    place, stays as it was, in eval mode (it was left NaN, or in training mode)."""
    from tsrnn import SequenceRegressor
    from tsrnn._training import TrainingDivergedError

    rng = np.random.default_rng(0)
    X = rng.normal(size=(32, 30, 1))
    y = X[:, :, 0].sum(1)
    reg = SequenceRegressor(cell="rnn", nonlinearity="relu", hidden_size=16, max_epochs=10,
                            batch_size=32, warm_start=True, average_last=None, random_state=0)
    before = reg.fit(X, y).predict(X)
    reg.set_params(learning_rate=10.0)
    with pytest.raises(TrainingDivergedError, match="training loss became nan in epoch 2, and "
                                                    "the weights of epoch 1, the best so far"):
        reg.fit(X, y)
    np.testing.assert_array_equal(reg.predict(X), before)
    assert not reg.module_.training
    reg.set_params(learning_rate=1e3, batch_size=8)  # diverges in its first epoch
    with pytest.raises(TrainingDivergedError, match="before any usable weights existed"):
        reg.fit(X, y)
    np.testing.assert_array_equal(reg.predict(X), before)
    assert not reg.module_.training


def test_validation_loss_is_the_weighted_mean_over_batches():
    from tsrnn._training import _mean_loss

    values = torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0])
    weights = torch.tensor([1.0, 1.0, 5.0, 1.0, 9.0])

    def weighted(idx):
        return (values[idx] * weights[idx]).sum() / weights[idx].sum(), weights[idx].sum()

    expected = float((values * weights).sum() / weights.sum())
    assert _mean_loss(weighted, 0, 5, 2, "cpu") == pytest.approx(expected)  # batches 2, 2, 1
    assert _mean_loss(lambda idx: values[idx].mean(), 0, 5, 2, "cpu") == pytest.approx(3.0)


def test_verbose_prints_progress(capsys, seasonal_series):
    LSTMForecaster(window_length=12, max_epochs=2, early_stopping=True, verbose=True,
                   random_state=0).fit(seasonal_series)
    err = capsys.readouterr().err
    assert "epoch 2/2 step " in err and "valid" in err
    # a fit that max_steps ends before max_epochs: the bar counts the steps, and ends full
    SequenceClassifier(max_epochs=200, max_steps=6, batch_size=4, verbose=True,
                       random_state=0).fit(np.zeros((8, 5, 1)), [0, 1] * 4)
    last = capsys.readouterr().err.strip().split("\r")[-1]
    assert last.startswith("[" + "#" * 20 + "] epoch 3/200 step 6/6 train"), last


def test_device_errors_name_the_choices():
    assert resolve_device("cpu") == torch.device("cpu")
    with pytest.raises(ValueError, match="is not a device; use 'auto', 'cpu', 'cuda' or 'cuda:N'"):
        resolve_device("gpu0")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available here; use device='cpu'"):
            resolve_device("cuda")
        assert resolve_device("auto") == torch.device("cpu")


def test_cuda_without_an_index_is_the_current_gpu_by_number(monkeypatch):
    """A bare "cuda" was kept without its number: the network stayed on the GPU current at fit,
    while predict put its inputs on the GPU current then."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    monkeypatch.setattr(torch.cuda, "current_device", lambda: 1)
    assert resolve_device("cuda") == resolve_device("auto") == torch.device("cuda", 1)
    assert resolve_device("cuda:0") == torch.device("cuda", 0)


def test_the_device_parameter_decides_where_a_fitted_model_predicts(seasonal_series,
                                                                    monkeypatch):
    """set_params(device=...) after fit was ignored (predict used the fit's device_), though the
    README calls device a setting of the moment. A model recorded on another device (here
    "meta", as if fitted there) moves to the parameter's device at predict."""
    kw = dict(max_steps=3, hidden_size=8, random_state=0, device="cpu")
    X = np.random.default_rng(0).normal(size=(8, 6, 1))
    forecaster = GRUForecaster(horizon=2, ensemble_size=1, **kw).fit(seasonal_series)
    classifier = SequenceClassifier(**kw).fit(X, np.arange(8) % 2)
    for est, predict in ((forecaster, lambda: forecaster.predict()),
                         (classifier, lambda: classifier.predict_proba(X))):
        expected = predict()
        est.device_ = torch.device("meta")  # what predict read: inputs made there failed
        np.testing.assert_array_equal(predict(), expected)
        assert est.device_ == torch.device("cpu")
        # a GPU this machine lacks (a model fitted elsewhere): it stays where it is
        monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
        est.set_params(device="cuda")
        np.testing.assert_array_equal(predict(), expected)
        assert est.device_ == torch.device("cpu")
        monkeypatch.undo()
        with pytest.raises(ValueError, match="device='gpu0' is not a device"):
            est.set_params(device="gpu0").predict(*(() if est is forecaster else (X,)))
        est.set_params(device="cpu")


@needs_cuda
def test_cuda_matches_cpu_and_pickles_to_cpu(seasonal_series):
    kw = dict(window_length=12, horizon=3, max_epochs=20, random_state=0)
    gpu = LSTMForecaster(device="cuda", **kw).fit(seasonal_series)
    assert next(gpu.module_.parameters()).is_cuda
    cpu = LSTMForecaster(device="cpu", **kw).fit(seasonal_series)
    np.testing.assert_allclose(gpu.predict(), cpu.predict(), rtol=0.05)
    state = pickle.dumps(gpu)
    restored = pickle.loads(state)
    np.testing.assert_allclose(restored.predict(), gpu.predict(), rtol=1e-5)


@needs_cuda
def test_cuda_classifier_fits():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 10, 1))
    y = (X.sum(axis=(1, 2)) > 0).astype(int)
    clf = SequenceClassifier(device="cuda", max_epochs=30, random_state=0).fit(X, y)
    assert clf.score(X, y) > 0.8


@needs_cuda
@pytest.mark.parametrize("precision", ["bf16", "16-mixed"])
def test_cuda_mixed_precision_learns_like_float32(seasonal_series, precision):
    kw = dict(window_length=12, horizon=3, max_epochs=30, ensemble_size=1, random_state=0,
              device="cuda")
    full = LSTMForecaster(**kw).fit(seasonal_series[:-3])
    mixed = LSTMForecaster(precision=precision, **kw).fit(seasonal_series[:-3])
    assert next(mixed.module_.parameters()).dtype == torch.float32
    assert -mixed.score(seasonal_series[-3:]) < 1.2 * -full.score(seasonal_series[-3:]) + 0.05
    clf = SequenceClassifier(device="cuda", precision=precision, max_epochs=30, random_state=0)
    X = np.random.default_rng(0).normal(size=(64, 10, 1))
    assert clf.fit(X, X.sum(axis=(1, 2)) > 0).score(X, X.sum(axis=(1, 2)) > 0) > 0.8


def test_bf16_on_the_cpu_learns_like_float32_and_float16_is_refused(seasonal_series):
    """bfloat16 autocast runs on the CPU: the loss curve follows float32's, the weights stay
    float32 and the forecast is about as accurate; float16 needs CUDA and says so."""
    kw = dict(window_length=12, horizon=3, max_epochs=30, ensemble_size=1, random_state=0,
              device="cpu")
    train, test = seasonal_series[:-3], seasonal_series[-3:]
    if not _cpu_runs_bf16("lstm"):  # oneDNN has no bfloat16 LSTM without AVX-512 BF16 or AMX
        with pytest.raises(ValueError, match="'bf16' is not available for the LSTM cell on this"):
            LSTMForecaster(precision="bf16", **kw).fit(train)
        # a model set to bf16 after fitting (or trained so elsewhere) predicts here in float32
        lstm = LSTMForecaster(**kw).fit(train)
        expected = lstm.predict()
        pd.testing.assert_series_equal(lstm.set_params(precision="bf16").predict(), expected)
    cell = LSTMForecaster if _cpu_runs_bf16("lstm") else GRUForecaster  # GRU runs on any CPU
    full = cell(**kw).fit(train)
    half = cell(precision="bf16", **kw).fit(train)
    assert next(half.module_.parameters()).dtype == torch.float32
    assert half.loss_curve_[-1] < 0.6 * half.loss_curve_[0]
    np.testing.assert_allclose(half.loss_curve_, full.loss_curve_, rtol=0.05)
    assert -half.score(test) < 1.2 * -full.score(test) + 0.05
    assert not np.array_equal(half.predict(), full.predict())  # bf16 really ran
    with pytest.raises(ValueError, match="precision='16-mixed' needs a CUDA device") as error:
        LSTMForecaster(precision="16-mixed", device="cpu").fit(train)
    # it suggests bf16 only where the cell runs in it (it did for the LSTM, then refused it)
    assert ("'bf16'" in str(error.value)) == _cpu_runs_bf16("lstm")
    with pytest.raises(ValueError, match="precision='64' is not valid"):
        SequenceClassifier(precision="64", device="cpu").fit(np.zeros((4, 3, 1)), [0, 1, 0, 1])
    half.set_params(precision="fp16")  # a setting of the moment: predict checks it too
    with pytest.raises(ValueError, match="precision='fp16' is not valid"):  # was a KeyError
        half.predict()


def test_model_fit_on_a_gpu_unpickles_on_a_cpu_only_machine(seasonal_series):
    f = LSTMForecaster(window_length=12, horizon=2, max_epochs=2, random_state=0, device="cpu")
    f.fit(seasonal_series)
    expected = f.predict()
    f.device_ = torch.device("cuda:0")  # as recorded by a fit on a GPU machine
    restored = pickle.loads(pickle.dumps(f))
    if not torch.cuda.is_available():
        assert restored.device_ == torch.device("cpu")
    np.testing.assert_allclose(restored.predict(), expected, rtol=1e-5)


def test_a_pickle_naming_a_gpu_this_machine_lacks_loads_on_the_cpu(seasonal_series, monkeypatch):
    """Fit on cuda:1, unpickled on a machine with one GPU (simulated): the CPU, not a crash."""
    # fit on the CPU: on a GPU machine "auto" would fit there, and the CPU's forecast differs
    # from the GPU's in the seventh digit (seen on an H200)
    f = LSTMForecaster(window_length=12, horizon=3, max_epochs=2, ensemble_size=1,
                       random_state=0, device="cpu").fit(seasonal_series)
    expected = f.predict().to_numpy()
    state = dict(f.__getstate__(), device_=torch.device("cuda", 1), device="cuda:1")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    loaded = LSTMForecaster.__new__(LSTMForecaster)
    loaded.__setstate__(state)
    assert loaded.device_ == torch.device("cpu")
    np.testing.assert_array_equal(loaded.predict().to_numpy(), expected)
    assert loaded.device_ == torch.device("cpu")  # device="cuda:1" names a GPU absent here


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_the_cpu_bf16_probe_leaves_the_global_random_state_alone(cell):
    _cpu_runs_bf16.cache_clear()  # probe again, as the first fit in a process does
    before = torch.get_rng_state()
    _cpu_runs_bf16(cell)
    assert torch.equal(torch.get_rng_state(), before)
