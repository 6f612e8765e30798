"""GRU (both variants): gradient checks, step/sequence consistency, torch parity, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import SHAPES, assert_grads, cell_params, needs_torch, randn, torch
from rnncourse.reference import gru_backward, gru_forward, gru_step_backward, gru_step_forward

VARIANTS = [True, False]


@pytest.mark.parametrize("reset_after", VARIANTS)
@pytest.mark.parametrize("shape", SHAPES)
def test_step_gradients(shape, reset_after, rng):
    N, _, D, H = shape
    x, h_prev = randn(rng, N, D), randn(rng, N, H)
    p = cell_params(rng, D, H, "gru")
    h, cache = gru_step_forward(x, h_prev, **p, reset_after=reset_after)
    dout = randn(rng, N, H)
    dx, dh_prev, dWx, dWh, db, dbh = gru_step_backward(dout, cache)

    def f():
        return gru_step_forward(x, h_prev, **p, reset_after=reset_after)[0]

    assert_grads(
        f,
        {"x": x, "h_prev": h_prev, **p},
        {"x": dx, "h_prev": dh_prev, "Wx": dWx, "Wh": dWh, "b": db, "bh": dbh},
        dout,
    )


@pytest.mark.parametrize("reset_after", VARIANTS)
@pytest.mark.parametrize("shape", SHAPES)
def test_sequence_gradients(shape, reset_after, rng):
    N, T, D, H = shape
    x, h0 = randn(rng, N, T, D), randn(rng, N, H)
    p = cell_params(rng, D, H, "gru")
    h, cache = gru_forward(x, h0, **p, reset_after=reset_after)
    dout = randn(rng, *h.shape)
    dx, dh0, dWx, dWh, db, dbh = gru_backward(dout, cache)

    def f():
        return gru_forward(x, h0, **p, reset_after=reset_after)[0]

    assert_grads(
        f,
        {"x": x, "h0": h0, **p},
        {"x": dx, "h0": dh0, "Wx": dWx, "Wh": dWh, "b": db, "bh": dbh},
        dout,
    )


@pytest.mark.parametrize("reset_after", VARIANTS)
def test_sequence_equals_loop_of_steps(reset_after, rng):
    N, T, D, H = 3, 5, 4, 6
    x, h0 = randn(rng, N, T, D), randn(rng, N, H)
    p = cell_params(rng, D, H, "gru")
    dout = randn(rng, N, T, H)
    h, cache = gru_forward(x, h0, **p, reset_after=reset_after)
    seq = gru_backward(dout, cache)
    hs, caches, hp = [], [], h0
    for t in range(T):
        hp, c = gru_step_forward(x[:, t], hp, **p, reset_after=reset_after)
        hs.append(hp)
        caches.append(c)
    np.testing.assert_allclose(h, np.stack(hs, 1), rtol=0, atol=1e-13)
    dx = np.zeros_like(x)
    acc = {k: np.zeros_like(v) for k, v in p.items()}
    dh_next = np.zeros((N, H))
    for t in reversed(range(T)):
        dx[:, t], dh_next, *g = gru_step_backward(dout[:, t] + dh_next, caches[t])
        for k, gk in zip(("Wx", "Wh", "b", "bh"), g, strict=True):
            acc[k] += gk
    want = (dx, dh_next, acc["Wx"], acc["Wh"], acc["b"], acc["bh"])
    for got, w in zip(seq, want, strict=True):
        np.testing.assert_allclose(got, w, rtol=0, atol=1e-12)


def test_variants_differ_and_bh_none_is_zero(rng):
    x = randn(rng, 2, 3, 4)
    p = cell_params(rng, 4, 5, "gru")
    h_after, _ = gru_forward(x, None, **p, reset_after=True)
    h_before, _ = gru_forward(x, None, **p, reset_after=False)
    assert np.abs(h_after - h_before).max() > 1e-3
    no_bh = {k: v for k, v in p.items() if k != "bh"}
    h1, _ = gru_forward(x, None, **no_bh)
    h2, _ = gru_forward(x, None, **no_bh, bh=np.zeros(15))
    np.testing.assert_array_equal(h1, h2)


def test_gates_recorded_and_update_rule(rng):
    N, T, D, H = 2, 4, 3, 5
    p = cell_params(rng, D, H, "gru")
    h, cache = gru_forward(randn(rng, N, T, D), None, **p)
    h_prev = np.concatenate([np.zeros((N, 1, H)), h[:, :-1]], axis=1)
    # the notes' form: h = Gamma_u * n + (1 - Gamma_u) * h_prev with Gamma_u = 1 - z
    gamma_u = 1 - cache.z
    np.testing.assert_allclose(h, gamma_u * cache.n + (1 - gamma_u) * h_prev, atol=1e-14)
    assert cache.r.shape == (N, T, H)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@needs_torch
def test_torch_parity(dtype, rng):
    N, T, D, H = 3, 6, 4, 5
    x, h0 = randn(rng, N, T, D).astype(dtype), randn(rng, N, H).astype(dtype)
    p = {k: v.astype(dtype) for k, v in cell_params(rng, D, H, "gru").items()}
    h, _ = gru_forward(x, h0, **p)
    assert h.dtype == dtype
    tdtype = torch.float64 if dtype == np.float64 else torch.float32
    m = torch.nn.GRU(D, H, batch_first=True).to(tdtype)
    with torch.no_grad():
        m.weight_ih_l0.copy_(torch.from_numpy(p["Wx"].T.copy()))
        m.weight_hh_l0.copy_(torch.from_numpy(p["Wh"].T.copy()))
        m.bias_ih_l0.copy_(torch.from_numpy(p["b"]))
        m.bias_hh_l0.copy_(torch.from_numpy(p["bh"]))
        out, hn = m(torch.from_numpy(x), torch.from_numpy(h0)[None])
    tol = 1e-10 if dtype == np.float64 else 1e-5
    assert np.abs(out.numpy() - h).max() < tol


# --------------------------------------------------------------------------------- bad input
def test_bad_bh_message(rng):
    with pytest.raises(ValueError, match=r"bh must be \(3H,\) = \(15,\), got \(5,\)"):
        gru_forward(
            randn(rng, 2, 3, 4),
            None,
            randn(rng, 4, 15),
            randn(rng, 5, 15),
            randn(rng, 15),
            bh=randn(rng, 5),
        )


def test_bad_wx_message(rng):
    with pytest.raises(ValueError, match=r"Wx must be \(D, 3H\) = \(4, 15\), got \(4, 20\)"):
        gru_forward(randn(rng, 2, 3, 4), None, randn(rng, 4, 20), randn(rng, 5, 15), randn(rng, 15))


def test_step_cache_rejected_by_sequence_backward(rng):
    h, cache = gru_step_forward(
        randn(rng, 2, 4), randn(rng, 2, 5), randn(rng, 4, 15), randn(rng, 5, 15), randn(rng, 15)
    )
    with pytest.raises(
        TypeError, match="returned by gru_forward, got a cache from gru_step_forward"
    ):
        gru_backward(randn(rng, 2, 1, 5), cache)
