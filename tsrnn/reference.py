"""The course notes' recurrent equations in plain numpy: a readable oracle for the tests.

Nothing here is used for training (the estimators run torch's fused kernels); the tests pin those
kernels to these equations. One sequence at a time, column vectors written as 1-D arrays.

Elman RNN (notes 000, 001, 003, 004)::

    a_t = b + W h_{t-1} + U x_t      h_t = tanh(a_t)
    o_t = c + V h_t                  ŷ_t = softmax(o_t)

Backpropagation through time (000)::

    ∇_{o_t} L = ŷ_t − y_t                                      (softmax + cross-entropy)
    ∇_{h_τ} L = Vᵀ ∇_{o_τ} L                                   (last step τ)
    ∇_{h_t} L = Wᵀ diag(1 − h_{t+1}²) ∇_{h_{t+1}} L + Vᵀ ∇_{o_t} L

LSTM (000, 001, 003), gates over ``[h_{t-1}, x_t]`` written as ``W_k h_{t-1} + U_k x_t``::

    f_t = σ(W_f h_{t-1} + U_f x_t + b_f)     i_t = σ(W_i h_{t-1} + U_i x_t + b_i)
    g_t = tanh(W_c h_{t-1} + U_c x_t + b_c)  o_t = σ(W_o h_{t-1} + U_o x_t + b_o)
    C_t = f_t ⊙ C_{t-1} + i_t ⊙ g_t          h_t = o_t ⊙ tanh(C_t)

GRU (named in 003; torch's formulation)::

    r_t = σ(W_r h_{t-1} + U_r x_t + b_r)     z_t = σ(W_z h_{t-1} + U_z x_t + b_z)
    n_t = tanh(U_n x_t + b_n + r_t ⊙ (W_n h_{t-1} + b_hn))
    h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t-1}
"""

from __future__ import annotations

import numpy as np

from ._validation import check_choice

LSTM_GATES = ("f", "i", "c", "o")  # forget, input, candidate, output: the notes' order


def sigmoid(a: np.ndarray) -> np.ndarray:
    """σ(a) = 1 / (1 + e^{−a})."""
    return 1.0 / (1.0 + np.exp(-a))


def softmax(o: np.ndarray) -> np.ndarray:
    """Softmax over the last axis, shifted by the maximum for stability."""
    e = np.exp(o - o.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


# --------------------------------------------------------------------------- Elman RNN


def rnn_forward(x, U, W, V, b, c, h0=None, nonlinearity: str = "tanh"):
    """Forward pass of the Elman network over one sequence.

    Parameters
    ----------
    x : ndarray of shape (T, D)
    U : (H, D) input-to-hidden; W : (H, H) hidden-to-hidden; V : (K, H) hidden-to-output
    b : (H,) hidden bias; c : (K,) output bias
    h0 : (H,), optional initial state (zeros)
    nonlinearity : {"tanh", "relu"}

    Returns
    -------
    h : (T, H) hidden states; o : (T, K) outputs; y_hat : (T, K) softmax(o)
    """
    check_choice(nonlinearity, "nonlinearity", ("tanh", "relu"))
    act = np.tanh if nonlinearity == "tanh" else (lambda a: np.maximum(a, 0.0))
    h_prev = np.zeros(W.shape[0], dtype=x.dtype) if h0 is None else h0
    hs = []
    for x_t in x:
        a_t = b + W @ h_prev + U @ x_t
        h_prev = act(a_t)
        hs.append(h_prev)
    h = np.array(hs)
    o = c + h @ V.T
    return h, o, softmax(o)


def rnn_backward(x, h, grad_o, U, W, V, h0=None):
    """Backpropagation through time for the tanh Elman network, as the notes derive it.

    Parameters
    ----------
    x : (T, D) inputs; h : (T, H) hidden states from :func:`rnn_forward`
    grad_o : (T, K) ∇_{o_t} L for every step (``y_hat − y`` for softmax + cross-entropy;
        zero rows for steps without a loss)
    U, W, V : the weights used in the forward pass
    h0 : (H,), optional initial state

    Returns
    -------
    dict with the gradients of L for ``U, W, V, b, c`` and ``h`` (∇_{h_t} L, shape (T, H))
    """
    T = len(x)
    h_prev = np.vstack([np.zeros(W.shape[0], dtype=h.dtype) if h0 is None else h0, h[:-1]])  # h_{t-1}
    grad_h = np.zeros_like(h)
    grad_h[-1] = V.T @ grad_o[-1]  # ∇_{h_τ} L = Vᵀ ∇_{o_τ} L
    for t in range(T - 2, -1, -1):  # ∇_{h_t} L = Wᵀ diag(1 − h_{t+1}²) ∇_{h_{t+1}} L + Vᵀ ∇_{o_t} L
        grad_h[t] = W.T @ ((1 - h[t + 1] ** 2) * grad_h[t + 1]) + V.T @ grad_o[t]
    grad_a = (1 - h**2) * grad_h  # diag(1 − h_t²) ∇_{h_t} L, shape (T, H)
    return {
        "c": grad_o.sum(axis=0),
        "b": grad_a.sum(axis=0),
        "V": grad_o.T @ h,  # Σ_t ∇_{o_t} h_tᵀ
        "W": grad_a.T @ h_prev,  # Σ_t diag(1 − h_t²) ∇_{h_t} h_{t-1}ᵀ
        "U": grad_a.T @ x,  # Σ_t diag(1 − h_t²) ∇_{h_t} x_tᵀ
        "h": grad_h,
    }


def cross_entropy(y_hat, labels) -> float:
    """L = −Σ_t log ŷ_t[y_t], the softmax loss the notes differentiate."""
    return float(-np.log(y_hat[np.arange(len(labels)), labels]).sum())


def cross_entropy_grad(y_hat, labels) -> np.ndarray:
    """∇_{o_t} L = ŷ_t − y_t with y_t one-hot."""
    grad = y_hat.copy()
    grad[np.arange(len(labels)), labels] -= 1.0
    return grad


# --------------------------------------------------------------------------- LSTM


def lstm_forward(x, W, U, b, h0=None, c0=None):
    """Forward pass of the LSTM over one sequence.

    Parameters
    ----------
    x : (T, D)
    W : (4, H, H), U : (4, H, D), b : (4, H)
        Recurrent weights, input weights and biases of the gates in the order
        ``LSTM_GATES`` = (forget, input, candidate, output).
    h0, c0 : (H,), optional initial hidden and cell states (zeros)

    Returns
    -------
    h : (T, H) hidden states; C : (T, H) cell states; cache : dict for :func:`lstm_backward`
        (gate activations ``f, i, g, o`` of shape (T, H) and their pre-activations ``a``
        of shape (T, 4, H)).
    """
    H = W.shape[1]
    h_prev = np.zeros(H) if h0 is None else h0
    c_prev = np.zeros(H) if c0 is None else c0
    hs, cs, acts, pre = [], [], [], []
    for x_t in x:
        a = b + W @ h_prev + U @ x_t  # (4, H): pre-activations of f, i, g, o
        f, i, g, o = sigmoid(a[0]), sigmoid(a[1]), np.tanh(a[2]), sigmoid(a[3])
        c_prev = f * c_prev + i * g  # C_t = f_t ⊙ C_{t-1} + i_t ⊙ g_t
        h_prev = o * np.tanh(c_prev)  # h_t = o_t ⊙ tanh(C_t)
        hs.append(h_prev), cs.append(c_prev), acts.append((f, i, g, o)), pre.append(a)
    f, i, g, o = (np.array(v) for v in zip(*acts))
    cache = dict(x=x, f=f, i=i, g=g, o=o, a=np.array(pre),
                 h0=np.zeros(H) if h0 is None else h0, c0=np.zeros(H) if c0 is None else c0)
    return np.array(hs), np.array(cs), cache


def lstm_backward(grad_h_out, h, C, cache, W, U):
    """Backpropagation through time for :func:`lstm_forward`.

    Parameters
    ----------
    grad_h_out : (T, H)
        ∂L/∂h_t from the layers above at every step (the loss's direct gradient).
    h, C, cache : from :func:`lstm_forward`
    W, U : the weights used in the forward pass

    Returns
    -------
    dict with the gradients of L for ``W`` (4, H, H), ``U`` (4, H, D), ``b`` (4, H) and ``x``.
    """
    x, f, i, g, o = cache["x"], cache["f"], cache["i"], cache["g"], cache["o"]
    h_prev = np.vstack([cache["h0"], h[:-1]])
    c_prev = np.vstack([cache["c0"], C[:-1]])
    dW, dU, db = np.zeros_like(W), np.zeros_like(U), np.zeros(W.shape[:2])
    dx = np.zeros(np.shape(x))  # float even for integer inputs
    dh_next, dc_next = np.zeros(W.shape[1]), np.zeros(W.shape[1])
    for t in range(len(x) - 1, -1, -1):
        dh = grad_h_out[t] + dh_next
        tanh_c = np.tanh(C[t])
        dc = dc_next + dh * o[t] * (1 - tanh_c**2)  # through h_t = o_t ⊙ tanh(C_t)
        da = np.stack([
            dc * c_prev[t] * f[t] * (1 - f[t]),  # forget gate
            dc * g[t] * i[t] * (1 - i[t]),  # input gate
            dc * i[t] * (1 - g[t] ** 2),  # candidate
            dh * tanh_c * o[t] * (1 - o[t]),  # output gate
        ])  # (4, H)
        dW += np.einsum("kh,j->khj", da, h_prev[t])
        dU += np.einsum("kh,d->khd", da, x[t])
        db += da
        dx[t] = np.einsum("kh,khd->d", da, U)
        dh_next = np.einsum("kh,khj->j", da, W)
        dc_next = dc * f[t]
    return {"W": dW, "U": dU, "b": db, "x": dx}


# --------------------------------------------------------------------------- GRU


def gru_forward(x, W, U, b_x, b_h, h0=None):
    """Forward pass of the GRU over one sequence (torch's formulation).

    Parameters
    ----------
    x : (T, D)
    W : (3, H, H), U : (3, H, D), b_x, b_h : (3, H)
        Recurrent weights, input weights and the input and recurrent biases of the reset,
        update and new-state parts, in that order (torch's r, z, n).
    h0 : (H,), optional

    Returns
    -------
    h : (T, H)
    """
    h_prev = np.zeros(W.shape[1]) if h0 is None else h0
    hs = []
    for x_t in x:
        gx, gh = U @ x_t + b_x, W @ h_prev + b_h  # (3, H) each
        r, z = sigmoid(gx[0] + gh[0]), sigmoid(gx[1] + gh[1])
        n = np.tanh(gx[2] + r * gh[2])
        h_prev = (1 - z) * n + z * h_prev
        hs.append(h_prev)
    return np.array(hs)
