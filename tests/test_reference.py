"""The numpy reference equals the notes' worked examples, torch's kernels and autograd."""

import numpy as np
import pytest
import torch

from tsrnn import reference as ref

rng = np.random.default_rng(0)
T, D, H, K = 7, 3, 5, 4


def _torch_rnn_params(rnn):
    p = {k: v.detach().double().numpy() for k, v in rnn.named_parameters()}
    return p["weight_ih_l0"], p["weight_hh_l0"], p["bias_ih_l0"] + p["bias_hh_l0"]


def _lstm_params_from_torch(lstm):
    """torch stacks gates (i, f, g, o); the notes order them (f, i, g, o)."""
    p = {k: v.detach().double().numpy() for k, v in lstm.named_parameters()}
    order = [1, 0, 2, 3]
    W = p["weight_hh_l0"].reshape(4, H, H)[order]
    U = p["weight_ih_l0"].reshape(4, H, D)[order]
    b = (p["bias_ih_l0"] + p["bias_hh_l0"]).reshape(4, H)[order]
    return W, U, b


# ------------------------------------------------------------------ the notes' worked examples


def test_worked_example_001_scalar_rnn_gradients():
    """Notes 001 print torch float32 gradients; float64 agrees to float32 precision."""
    x, U, W, V = np.array([[1.0]]), np.array([[0.5]]), np.array([[0.8]]), np.array([[1.0]])
    h, o, _ = ref.rnn_forward(x, U, W, V, np.zeros(1), np.zeros(1))
    grads = ref.rnn_backward(x, h, o - 0.5, U, W, V)  # L = ½(ŷ − 0.5)² → ∇o = ŷ − 0.5
    assert grads["U"][0, 0] == pytest.approx(-0.029792867600917816, rel=1e-6)
    assert grads["W"][0, 0] == 0.0  # h_{t-1} = 0
    assert grads["V"][0, 0] == pytest.approx(-0.01750630885362625, rel=1e-6)


def test_worked_example_004_one_elman_step():
    W_h = np.array([[0, -1], [2, 1]])
    W_x = np.array([[-1, 1], [1, 0], [2, 1]])
    h_prev, x, b = np.array([1.0, -2.0]), np.array([[1.0, -1.0, 2.0]]), np.array([-1.0, 1.0])
    W_o = np.full((2, 2), 0.5)
    # the notes write h_t = tanh(W_hᵀ h + W_xᵀ x + b): W = W_hᵀ, U = W_xᵀ, V = W_oᵀ in our terms
    h, o, y_hat = ref.rnn_forward(x, W_x.T, W_h.T, W_o.T, b, np.zeros(2), h0=h_prev)
    a = b + W_h.T @ h_prev + W_x.T @ x[0]
    np.testing.assert_array_equal(a, [-3, 1])
    np.testing.assert_allclose(h[0], [-0.99505475, 0.76159416], atol=5e-9)
    np.testing.assert_allclose(o[0], [-0.1167303, -0.1167303], atol=5e-8)
    np.testing.assert_allclose(y_hat[0], [0.5, 0.5])


def test_worked_example_000_forget_gate_preactivation():
    k = 0.01
    b_f, U_xf = np.array([9.3, 5.8]), np.array([[3.60, 0.49, 0.12, 0.15], [0.05, 0.19, 0.21, 0.19]])
    W_hf, h0, x1 = np.array([[4.9, 5.7], [9.0, 8.4]]), np.array([3.0, 6.1]), np.array([1.0, 2, 0, 1])
    W, U, b = np.zeros((4, 2, 2)), np.zeros((4, 2, 4)), np.zeros((4, 2))
    W[0], U[0], b[0] = k * W_hf, k * U_xf, k * b_f  # gate 0 is the forget gate
    _, _, cache = ref.lstm_forward(x1[None], W, U, b, h0=k * h0)
    np.testing.assert_allclose(cache["a"][0, 0], [0.145247, 0.072024], atol=5e-7)


# ------------------------------------------------------------------ reference == torch kernels


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_elman_forward_equals_torch_rnn(nonlinearity):
    torch.manual_seed(0)
    rnn = torch.nn.RNN(D, H, nonlinearity=nonlinearity, batch_first=True).double()
    x = rng.normal(size=(T, D))
    U, W, b = _torch_rnn_params(rnn)
    h, _, _ = ref.rnn_forward(x, U, W, np.zeros((K, H)), b, np.zeros(K), nonlinearity=nonlinearity)
    expected, _ = rnn(torch.as_tensor(x)[None])
    np.testing.assert_allclose(h, expected[0].detach().numpy(), atol=1e-12)


def test_lstm_forward_equals_torch_lstm():
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(D, H, batch_first=True).double()
    x = rng.normal(size=(T, D))
    h, C, _ = ref.lstm_forward(x, *_lstm_params_from_torch(lstm))
    out, (_, c_n) = lstm(torch.as_tensor(x)[None])
    np.testing.assert_allclose(h, out[0].detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(C[-1], c_n[0, 0].detach().numpy(), atol=1e-12)


def test_gru_forward_equals_torch_gru():
    torch.manual_seed(0)
    gru = torch.nn.GRU(D, H, batch_first=True).double()
    p = {k: v.detach().numpy() for k, v in gru.named_parameters()}
    x = rng.normal(size=(T, D))
    h = ref.gru_forward(
        x, p["weight_hh_l0"].reshape(3, H, H), p["weight_ih_l0"].reshape(3, H, D),
        p["bias_ih_l0"].reshape(3, H), p["bias_hh_l0"].reshape(3, H),
    )
    out, _ = gru(torch.as_tensor(x)[None])
    np.testing.assert_allclose(h, out[0].detach().numpy(), atol=1e-12)


# ------------------------------------------------------------------ reference BPTT == autograd


def test_elman_bptt_equals_autograd():
    x = rng.normal(size=(T, D))
    labels = rng.integers(0, K, size=T)
    U, W, V = rng.normal(size=(H, D)), rng.normal(size=(H, H)) * 0.5, rng.normal(size=(K, H))
    b, c = rng.normal(size=H), rng.normal(size=K)
    h, _, y_hat = ref.rnn_forward(x, U, W, V, b, c)
    grads = ref.rnn_backward(x, h, ref.cross_entropy_grad(y_hat, labels), U, W, V)

    tU, tW, tV, tb, tc = (torch.tensor(a, requires_grad=True) for a in (U, W, V, b, c))
    h_t, loss = torch.zeros(H, dtype=torch.float64), 0.0
    for t in range(T):
        h_t = torch.tanh(tb + tW @ h_t + tU @ torch.as_tensor(x[t]))
        loss = loss + torch.nn.functional.cross_entropy((tc + tV @ h_t)[None],
                                                        torch.tensor([labels[t]]))
    loss.backward()
    assert ref.cross_entropy(y_hat, labels) == pytest.approx(loss.item(), rel=1e-12)
    for name, tensor in zip("UWVbc", (tU, tW, tV, tb, tc)):
        np.testing.assert_allclose(grads[name], tensor.grad.numpy(), atol=1e-8, err_msg=name)


def test_lstm_bptt_equals_autograd_of_torch_lstm():
    torch.manual_seed(1)
    lstm = torch.nn.LSTM(D, H, batch_first=True).double()
    x = torch.as_tensor(rng.normal(size=(T, D)), dtype=torch.float64).requires_grad_()
    R = rng.normal(size=(T, H))  # L = Σ_t R_t · h_t, so ∂L/∂h_t = R_t
    out, _ = lstm(x[None])
    (out[0] * torch.as_tensor(R)).sum().backward()

    W, U, b = _lstm_params_from_torch(lstm)
    h, C, cache = ref.lstm_forward(x.detach().numpy(), W, U, b)
    grads = ref.lstm_backward(R, h, C, cache, W, U)
    order = [1, 0, 2, 3]
    np.testing.assert_allclose(
        grads["W"], lstm.weight_hh_l0.grad.numpy().reshape(4, H, H)[order], atol=1e-8)
    np.testing.assert_allclose(
        grads["U"], lstm.weight_ih_l0.grad.numpy().reshape(4, H, D)[order], atol=1e-8)
    np.testing.assert_allclose(grads["b"], lstm.bias_ih_l0.grad.numpy().reshape(4, H)[order],
                               atol=1e-8)
    np.testing.assert_allclose(grads["x"], x.grad.numpy(), atol=1e-8)


def test_integer_inputs_get_the_float_gradients_and_bad_nonlinearities_are_refused():
    W, U, b = rng.normal(size=(4, H, H)), rng.normal(size=(4, H, D)), rng.normal(size=(4, H))
    x = rng.integers(-3, 4, size=(T, D))
    R = rng.normal(size=(T, H))
    grads = [ref.lstm_backward(R, *ref.lstm_forward(a, W, U, b), W, U)["x"]
             for a in (x, x.astype(float))]
    assert np.abs(grads[1]).max() > 0
    np.testing.assert_array_equal(grads[0], grads[1])  # an integer buffer truncated them to 0
    args = (rng.normal(size=(T, D)), U[0], W[0], rng.normal(size=(K, H)), b[0], np.zeros(K))
    with pytest.raises(ValueError, match="nonlinearity"):
        ref.rnn_forward(*args, nonlinearity="sigmoid")  # used to run ReLU silently
