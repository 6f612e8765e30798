"""LSTM: gradient checks (incl. h0, c0), step/sequence consistency, torch parity, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import SHAPES, assert_grads, cell_params, needs_torch, randn, torch
from rnncourse.reference import lstm_backward, lstm_forward, lstm_step_backward, lstm_step_forward


@pytest.mark.parametrize("shape", SHAPES)
def test_step_gradients(shape, rng):
    N, _, D, H = shape
    x, h_prev, c_prev = randn(rng, N, D), randn(rng, N, H), randn(rng, N, H)
    p = cell_params(rng, D, H, "lstm")
    h, c, cache = lstm_step_forward(x, h_prev, c_prev, p["Wx"], p["Wh"], p["b"])
    dh, dc = randn(rng, N, H), randn(rng, N, H)
    dx, dh_prev, dc_prev, dWx, dWh, db = lstm_step_backward(dh, dc, cache)
    dout = np.concatenate([dh, dc], axis=1)

    def f():
        h, c, _ = lstm_step_forward(x, h_prev, c_prev, p["Wx"], p["Wh"], p["b"])
        return np.concatenate([h, c], axis=1)

    assert_grads(
        f,
        {"x": x, "h_prev": h_prev, "c_prev": c_prev, **p},
        {"x": dx, "h_prev": dh_prev, "c_prev": dc_prev, "Wx": dWx, "Wh": dWh, "b": db},
        dout,
    )


@pytest.mark.parametrize("shape", SHAPES)
def test_sequence_gradients(shape, rng):
    N, T, D, H = shape
    x, h0, c0 = randn(rng, N, T, D), randn(rng, N, H), randn(rng, N, H)
    p = cell_params(rng, D, H, "lstm")
    h, cache = lstm_forward(x, h0, p["Wx"], p["Wh"], p["b"], c0=c0)
    dout = randn(rng, *h.shape)
    dx, dh0, dWx, dWh, db = lstm_backward(dout, cache)

    def f():
        return lstm_forward(x, h0, p["Wx"], p["Wh"], p["b"], c0=c0)[0]

    assert_grads(
        f, {"x": x, "h0": h0, **p}, {"x": dx, "h0": dh0, "Wx": dWx, "Wh": dWh, "b": db}, dout
    )


def test_sequence_equals_loop_of_steps(rng):
    N, T, D, H = 3, 5, 4, 6
    x, h0, c0 = randn(rng, N, T, D), randn(rng, N, H), randn(rng, N, H)
    p = cell_params(rng, D, H, "lstm")
    dout = randn(rng, N, T, H)
    h, cache = lstm_forward(x, h0, p["Wx"], p["Wh"], p["b"], c0)
    seq = lstm_backward(dout, cache)

    hs, cs, caches, hp, cp = [], [], [], h0, c0
    for t in range(T):
        hp, cp, c = lstm_step_forward(x[:, t], hp, cp, p["Wx"], p["Wh"], p["b"])
        hs.append(hp)
        cs.append(cp)
        caches.append(c)
    np.testing.assert_allclose(h, np.stack(hs, 1), rtol=0, atol=1e-13)
    np.testing.assert_allclose(cache.c, np.stack(cs, 1), rtol=0, atol=1e-13)

    dx = np.zeros_like(x)
    acc = {k: np.zeros_like(v) for k, v in p.items()}
    dh_next, dc_next = np.zeros((N, H)), np.zeros((N, H))
    for t in reversed(range(T)):
        dx[:, t], dh_next, dc_next, gWx, gWh, gb = lstm_step_backward(
            dout[:, t] + dh_next, dc_next, caches[t]
        )
        acc["Wx"] += gWx
        acc["Wh"] += gWh
        acc["b"] += gb
    want = (dx, dh_next, acc["Wx"], acc["Wh"], acc["b"])
    for got, w in zip(seq, want, strict=True):
        np.testing.assert_allclose(got, w, rtol=0, atol=1e-12)


def test_cache_exposes_gates(rng):
    N, T, D, H = 2, 3, 4, 5
    x = randn(rng, N, T, D)
    p = cell_params(rng, D, H, "lstm")
    h, cache = lstm_forward(x, None, p["Wx"], p["Wh"], p["b"])
    for name in "ifgo":
        assert getattr(cache, name).shape == (N, T, H)
    # c_t = f * c_{t-1} + i * g and h_t = o * tanh(c_t), read back from the recorded gates
    c_prev = np.concatenate([np.zeros((N, 1, H)), cache.c[:, :-1]], axis=1)
    np.testing.assert_allclose(cache.c, cache.f * c_prev + cache.i * cache.g, atol=1e-14)
    np.testing.assert_allclose(h, cache.o * np.tanh(cache.c), atol=1e-14)


def _torch_lstm(p, D, H, dtype):
    m = torch.nn.LSTM(D, H, batch_first=True).to(dtype)
    with torch.no_grad():
        m.weight_ih_l0.copy_(torch.from_numpy(p["Wx"].T.copy()))
        m.weight_hh_l0.copy_(torch.from_numpy(p["Wh"].T.copy()))
        # torch's two biases only appear as a sum: split b arbitrarily to prove it
        m.bias_ih_l0.copy_(torch.from_numpy(0.25 * p["b"]))
        m.bias_hh_l0.copy_(torch.from_numpy(0.75 * p["b"]))
    return m


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@needs_torch
def test_torch_parity(dtype, rng):
    N, T, D, H = 3, 6, 4, 5
    x, h0, c0 = (randn(rng, *s).astype(dtype) for s in ((N, T, D), (N, H), (N, H)))
    p = {k: v.astype(dtype) for k, v in cell_params(rng, D, H, "lstm").items()}
    h, cache = lstm_forward(x, h0, p["Wx"], p["Wh"], p["b"], c0)
    assert h.dtype == dtype
    tdtype = torch.float64 if dtype == np.float64 else torch.float32
    with torch.no_grad():
        out, (hn, cn) = _torch_lstm(p, D, H, tdtype)(
            torch.from_numpy(x), (torch.from_numpy(h0)[None], torch.from_numpy(c0)[None])
        )
    tol = 1e-10 if dtype == np.float64 else 1e-5
    assert np.abs(out.numpy() - h).max() < tol
    assert np.abs(cn[0].numpy() - cache.c[:, -1]).max() < tol


@needs_torch
def test_torch_backward_parity(rng):
    N, T, D, H = 2, 4, 3, 5
    x, h0, c0 = randn(rng, N, T, D), randn(rng, N, H), randn(rng, N, H)
    p = cell_params(rng, D, H, "lstm")
    dout = randn(rng, N, T, H)
    h, cache = lstm_forward(x, h0, p["Wx"], p["Wh"], p["b"], c0)
    dx, dh0, dWx, dWh, db = lstm_backward(dout, cache)
    m = _torch_lstm(p, D, H, torch.float64)
    xt, h0t, c0t = (torch.tensor(a, requires_grad=True) for a in (x, h0[None], c0[None]))
    out, _ = m(xt, (h0t, c0t))
    out.backward(torch.from_numpy(dout))
    assert np.abs(xt.grad.numpy() - dx).max() < 1e-10
    assert np.abs(h0t.grad[0].numpy() - dh0).max() < 1e-10
    assert np.abs(m.weight_ih_l0.grad.numpy().T - dWx).max() < 1e-10
    assert np.abs(m.weight_hh_l0.grad.numpy().T - dWh).max() < 1e-10
    assert np.abs(m.bias_hh_l0.grad.numpy() - db).max() < 1e-10


# --------------------------------------------------------------------------------- bad input
def test_contract_example_message(rng):
    x, h0 = randn(rng, 2, 3, 4), randn(rng, 2, 32)
    with pytest.raises(ValueError, match=r"^Wh must be \(H, 4H\) = \(32, 128\), got \(32, 64\)"):
        lstm_forward(x, h0, randn(rng, 4, 128), randn(rng, 32, 64), randn(rng, 128))


def test_bad_bias_message(rng):
    with pytest.raises(ValueError, match=r"b must be \(4H,\) = \(12,\), got \(3,\)"):
        lstm_forward(randn(rng, 2, 3, 4), None, randn(rng, 4, 12), randn(rng, 3, 12), randn(rng, 3))


def test_bad_c0_message(rng):
    with pytest.raises(ValueError, match=r"c0 must be \(N, H\) = \(2, 3\), got \(2, 4\)"):
        lstm_forward(
            randn(rng, 2, 3, 4),
            randn(rng, 2, 3),
            randn(rng, 4, 12),
            randn(rng, 3, 12),
            randn(rng, 12),
            c0=randn(rng, 2, 4),
        )


def test_step_bad_dc_message(rng):
    h, c, cache = lstm_step_forward(
        randn(rng, 2, 4),
        randn(rng, 2, 3),
        randn(rng, 2, 3),
        randn(rng, 4, 12),
        randn(rng, 3, 12),
        randn(rng, 12),
    )
    with pytest.raises(ValueError, match=r"dc must be \(N, H\) = \(2, 3\), got \(3, 2\)"):
        lstm_step_backward(h, randn(rng, 3, 2), cache)


def test_lstm_backward_rejects_rnn_cache(rng):
    from rnncourse.reference import rnn_forward

    h, cache = rnn_forward(
        randn(rng, 2, 3, 4), None, randn(rng, 4, 3), randn(rng, 3, 3), randn(rng, 3)
    )
    with pytest.raises(
        TypeError,
        match="cache must be the cache returned by lstm_forward, got a cache from rnn_forward",
    ):
        lstm_backward(h, cache)
