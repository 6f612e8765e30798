"""Vanilla RNN: gradient checks, step/sequence consistency, torch parity, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import SHAPES, assert_grads, cell_params, needs_torch, randn, torch
from rnncourse.reference import rnn_backward, rnn_forward, rnn_step_backward, rnn_step_forward


def _away_from_kink(rng, N, T, D, H, activation):
    """Draw (x, h0, params) whose pre-activations all stay 0.01 away from ReLU's kink at 0.

    Finite differences with step 1e-3 across the kink would be meaningless; the draw loop is
    deterministic for a given generator.
    """
    while True:
        x, h0 = randn(rng, N, T, D), randn(rng, N, H)
        p = cell_params(rng, D, H, "rnn")
        if activation == "tanh":
            return x, h0, p
        h, _ = rnn_forward(x, h0, p["Wx"], p["Wh"], p["b"], "relu")
        prev = np.concatenate([h0[:, None], h[:, :-1]], axis=1)
        a = x @ p["Wx"] + prev @ p["Wh"] + p["b"]
        if np.abs(a).min() > 0.01:
            return x, h0, p


@pytest.mark.parametrize("activation", ["tanh", "relu"])
@pytest.mark.parametrize("shape", SHAPES)
def test_step_gradients(shape, activation, rng):
    N, _, D, H = shape
    x, h_prev, p = _away_from_kink(rng, N, 1, D, H, activation)
    x = x[:, 0].copy()
    h, cache = rnn_step_forward(x, h_prev, p["Wx"], p["Wh"], p["b"], activation)
    dout = randn(rng, *h.shape)
    dx, dh_prev, dWx, dWh, db = rnn_step_backward(dout, cache)

    def f():
        return rnn_step_forward(x, h_prev, p["Wx"], p["Wh"], p["b"], activation)[0]

    assert_grads(
        f,
        {"x": x, "h_prev": h_prev, **p},
        {"x": dx, "h_prev": dh_prev, "Wx": dWx, "Wh": dWh, "b": db},
        dout,
    )


@pytest.mark.parametrize("activation", ["tanh", "relu"])
@pytest.mark.parametrize("shape", SHAPES)
def test_sequence_gradients(shape, activation, rng):
    N, T, D, H = shape
    x, h0, p = _away_from_kink(rng, N, T, D, H, activation)
    h, cache = rnn_forward(x, h0, p["Wx"], p["Wh"], p["b"], activation)
    dout = randn(rng, *h.shape)
    dx, dh0, dWx, dWh, db = rnn_backward(dout, cache)

    def f():
        return rnn_forward(x, h0, p["Wx"], p["Wh"], p["b"], activation)[0]

    assert_grads(
        f, {"x": x, "h0": h0, **p}, {"x": dx, "h0": dh0, "Wx": dWx, "Wh": dWh, "b": db}, dout
    )


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_sequence_equals_loop_of_steps(activation, rng):
    N, T, D, H = 3, 5, 4, 6
    x, h0 = randn(rng, N, T, D), randn(rng, N, H)
    p = cell_params(rng, D, H, "rnn")
    dout = randn(rng, N, T, H)
    h, cache = rnn_forward(x, h0, p["Wx"], p["Wh"], p["b"], activation)
    seq_grads = rnn_backward(dout, cache)

    hs, caches, h_prev = [], [], h0
    for t in range(T):
        h_prev, c = rnn_step_forward(x[:, t], h_prev, p["Wx"], p["Wh"], p["b"], activation)
        hs.append(h_prev)
        caches.append(c)
    np.testing.assert_allclose(h, np.stack(hs, axis=1), rtol=0, atol=1e-13)

    dx = np.zeros_like(x)
    dWx, dWh, db = (np.zeros_like(p[k]) for k in ("Wx", "Wh", "b"))
    dh_next = np.zeros((N, H))
    for t in reversed(range(T)):
        dx[:, t], dh_next, gWx, gWh, gb = rnn_step_backward(dout[:, t] + dh_next, caches[t])
        dWx += gWx
        dWh += gWh
        db += gb
    for got, want in zip(seq_grads, (dx, dh_next, dWx, dWh, db), strict=True):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)


def test_zero_h0_is_default(rng):
    x = randn(rng, 2, 3, 4)
    p = cell_params(rng, 4, 5, "rnn")
    h1, _ = rnn_forward(x, None, p["Wx"], p["Wh"], p["b"])
    h2, _ = rnn_forward(x, np.zeros((2, 5)), p["Wx"], p["Wh"], p["b"])
    np.testing.assert_array_equal(h1, h2)


def _torch_rnn(p, D, H, activation, dtype):
    m = torch.nn.RNN(D, H, nonlinearity=activation, batch_first=True).to(dtype)
    with torch.no_grad():
        m.weight_ih_l0.copy_(torch.from_numpy(p["Wx"].T.copy()))
        m.weight_hh_l0.copy_(torch.from_numpy(p["Wh"].T.copy()))
        m.bias_ih_l0.copy_(torch.from_numpy(p["b"]))
        m.bias_hh_l0.zero_()
    return m


@pytest.mark.parametrize("activation", ["tanh", "relu"])
@needs_torch
def test_torch_parity_float64(activation, rng):
    N, T, D, H = 3, 6, 4, 5
    x, h0 = randn(rng, N, T, D), randn(rng, N, H)
    p = cell_params(rng, D, H, "rnn")
    h, _ = rnn_forward(x, h0, p["Wx"], p["Wh"], p["b"], activation)
    m = _torch_rnn(p, D, H, activation, torch.float64)
    with torch.no_grad():
        out, hn = m(torch.from_numpy(x), torch.from_numpy(h0)[None])
    assert np.abs(out.numpy() - h).max() < 1e-10
    assert np.abs(hn[0].numpy() - h[:, -1]).max() < 1e-10


@needs_torch
def test_torch_parity_float32(rng):
    N, T, D, H = 4, 7, 3, 6
    x = randn(rng, N, T, D).astype(np.float32)
    h0 = randn(rng, N, H).astype(np.float32)
    p = {k: v.astype(np.float32) for k, v in cell_params(rng, D, H, "rnn").items()}
    h, _ = rnn_forward(x, h0, p["Wx"], p["Wh"], p["b"])
    assert h.dtype == np.float32
    with torch.no_grad():
        out, _ = _torch_rnn(p, D, H, "tanh", torch.float32)(
            torch.from_numpy(x), torch.from_numpy(h0)[None]
        )
    assert np.abs(out.numpy() - h).max() < 1e-5


def test_float32_backward_keeps_dtype(rng):
    x = randn(rng, 2, 3, 4).astype(np.float32)
    p = {k: v.astype(np.float32) for k, v in cell_params(rng, 4, 5, "rnn").items()}
    h, cache = rnn_forward(x, None, p["Wx"], p["Wh"], p["b"])
    grads = rnn_backward(np.ones_like(h), cache)
    assert all(g.dtype == np.float32 for g in grads)


# --------------------------------------------------------------------------------- bad input
def test_bad_wh_shape_message(rng):
    x, h0 = randn(rng, 2, 3, 4), randn(rng, 2, 32)
    with pytest.raises(ValueError, match=r"Wh must be \(H, H\) = \(32, 32\), got \(32, 16\)"):
        rnn_forward(x, h0, randn(rng, 4, 32), randn(rng, 32, 16), randn(rng, 32))


def test_bad_rank_message(rng):
    with pytest.raises(ValueError, match=r"x must have 3 dimension\(s\) \(N, T, D\), got 2"):
        rnn_forward(randn(rng, 2, 4), None, randn(rng, 4, 3), randn(rng, 3, 3), randn(rng, 3))


def test_mismatched_batch_message(rng):
    x, h0 = randn(rng, 2, 3, 4), randn(rng, 5, 3)
    with pytest.raises(
        ValueError,
        match=r"h0 must be \(N, H\) = \(2, 3\), got \(5, 3\) "
        r"\(N = 2 from x\)",
    ):
        rnn_forward(x, h0, randn(rng, 4, 3), randn(rng, 3, 3), randn(rng, 3))


def test_mismatched_input_size_message(rng):
    x = randn(rng, 2, 3, 4)
    with pytest.raises(ValueError, match=r"Wx must be \(D, H\) = \(4, 3\), got \(5, 3\)"):
        rnn_forward(x, None, randn(rng, 5, 3), randn(rng, 3, 3), randn(rng, 3))


def test_integer_input_message(rng):
    x = np.ones((2, 3, 4), dtype=np.int64)
    with pytest.raises(TypeError, match=r"x must be a float array .* got dtype int64"):
        rnn_forward(x, None, randn(rng, 4, 3), randn(rng, 3, 3), randn(rng, 3))


def test_not_an_array_message(rng):
    with pytest.raises(TypeError, match=r"x must be a NumPy float array .* got list"):
        rnn_step_forward(
            [[1.0]], randn(rng, 1, 3), randn(rng, 1, 3), randn(rng, 3, 3), randn(rng, 3)
        )


def test_bad_activation_message(rng):
    msg = r"activation must be one of 'tanh', 'relu'; got 'sigmoid'"
    with pytest.raises(ValueError, match=msg):
        rnn_forward(
            randn(rng, 1, 2, 3),
            None,
            randn(rng, 3, 2),
            randn(rng, 2, 2),
            randn(rng, 2),
            activation="sigmoid",
        )


def test_wrong_cache_message(rng):
    x = randn(rng, 2, 3, 4)
    _, step_cache = rnn_step_forward(
        x[:, 0], randn(rng, 2, 3), randn(rng, 4, 3), randn(rng, 3, 3), randn(rng, 3)
    )
    with pytest.raises(
        TypeError,
        match=r"cache must be the cache returned by rnn_forward, "
        r"got a cache from rnn_step_forward",
    ):
        rnn_backward(randn(rng, 2, 3, 3), step_cache)


def test_bad_upstream_gradient_message(rng):
    h, cache = rnn_forward(
        randn(rng, 2, 3, 4), None, randn(rng, 4, 5), randn(rng, 5, 5), randn(rng, 5)
    )
    with pytest.raises(ValueError, match=r"dh must be \(N, T, H\) = \(2, 3, 5\), got \(2, 3, 4\)"):
        rnn_backward(randn(rng, 2, 3, 4), cache)
