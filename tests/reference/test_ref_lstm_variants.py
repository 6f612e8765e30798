"""Peephole and coupled-gate LSTMs: gradient checks, reductions to known cases, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import SHAPES, assert_grads, cell_params, randn
from rnncourse.reference import (
    coupled_lstm_backward,
    coupled_lstm_forward,
    coupled_lstm_step_backward,
    coupled_lstm_step_forward,
    lstm_forward,
    peephole_lstm_backward,
    peephole_lstm_forward,
    peephole_lstm_step_backward,
    peephole_lstm_step_forward,
)


def _coupled_params(rng, D, H):
    return {k: v for k, v in cell_params(rng, D, H, "gru").items() if k != "bh"}  # 3H blocks


@pytest.mark.parametrize("shape", SHAPES)
def test_peephole_sequence_gradients(shape, rng):
    N, T, D, H = shape
    x, h0, c0 = randn(rng, N, T, D), randn(rng, N, H), randn(rng, N, H)
    p = cell_params(rng, D, H, "lstm")
    P = randn(rng, 3 * H, scale=0.5)
    h, cache = peephole_lstm_forward(x, h0, p["Wx"], p["Wh"], p["b"], P, c0)
    dout = randn(rng, *h.shape)
    dx, dh0, dWx, dWh, db, dP = peephole_lstm_backward(dout, cache)

    def f():
        return peephole_lstm_forward(x, h0, p["Wx"], p["Wh"], p["b"], P, c0)[0]

    assert_grads(
        f,
        {"x": x, "h0": h0, "P": P, **p},
        {"x": dx, "h0": dh0, "P": dP, "Wx": dWx, "Wh": dWh, "b": db},
        dout,
    )


@pytest.mark.parametrize("shape", SHAPES)
def test_peephole_step_gradients(shape, rng):
    N, _, D, H = shape
    x, hp, cp = randn(rng, N, D), randn(rng, N, H), randn(rng, N, H)
    p = cell_params(rng, D, H, "lstm")
    P = randn(rng, 3 * H, scale=0.5)
    h, c, cache = peephole_lstm_step_forward(x, hp, cp, p["Wx"], p["Wh"], p["b"], P)
    dh, dc = randn(rng, N, H), randn(rng, N, H)
    dx, dhp, dcp, dWx, dWh, db, dP = peephole_lstm_step_backward(dh, dc, cache)

    def f():
        h, c, _ = peephole_lstm_step_forward(x, hp, cp, p["Wx"], p["Wh"], p["b"], P)
        return np.concatenate([h, c], axis=1)

    assert_grads(
        f,
        {"x": x, "h_prev": hp, "c_prev": cp, "P": P, **p},
        {"x": dx, "h_prev": dhp, "c_prev": dcp, "P": dP, "Wx": dWx, "Wh": dWh, "b": db},
        np.concatenate([dh, dc], axis=1),
    )


@pytest.mark.parametrize("shape", SHAPES)
def test_coupled_sequence_gradients(shape, rng):
    N, T, D, H = shape
    x, h0, c0 = randn(rng, N, T, D), randn(rng, N, H), randn(rng, N, H)
    p = _coupled_params(rng, D, H)
    h, cache = coupled_lstm_forward(x, h0, p["Wx"], p["Wh"], p["b"], c0)
    dout = randn(rng, *h.shape)
    dx, dh0, dWx, dWh, db = coupled_lstm_backward(dout, cache)

    def f():
        return coupled_lstm_forward(x, h0, p["Wx"], p["Wh"], p["b"], c0)[0]

    assert_grads(
        f, {"x": x, "h0": h0, **p}, {"x": dx, "h0": dh0, "Wx": dWx, "Wh": dWh, "b": db}, dout
    )


@pytest.mark.parametrize("shape", SHAPES)
def test_coupled_step_gradients(shape, rng):
    N, _, D, H = shape
    x, hp, cp = randn(rng, N, D), randn(rng, N, H), randn(rng, N, H)
    p = _coupled_params(rng, D, H)
    h, c, cache = coupled_lstm_step_forward(x, hp, cp, p["Wx"], p["Wh"], p["b"])
    dh, dc = randn(rng, N, H), randn(rng, N, H)
    dx, dhp, dcp, dWx, dWh, db = coupled_lstm_step_backward(dh, dc, cache)

    def f():
        h, c, _ = coupled_lstm_step_forward(x, hp, cp, p["Wx"], p["Wh"], p["b"])
        return np.concatenate([h, c], axis=1)

    assert_grads(
        f,
        {"x": x, "h_prev": hp, "c_prev": cp, **p},
        {"x": dx, "h_prev": dhp, "c_prev": dcp, "Wx": dWx, "Wh": dWh, "b": db},
        np.concatenate([dh, dc], axis=1),
    )


def test_zero_peepholes_give_plain_lstm(rng):
    N, T, D, H = 2, 5, 3, 4
    x, h0, c0 = randn(rng, N, T, D), randn(rng, N, H), randn(rng, N, H)
    p = cell_params(rng, D, H, "lstm")
    h_peep, _ = peephole_lstm_forward(x, h0, p["Wx"], p["Wh"], p["b"], np.zeros(3 * H), c0)
    h_plain, _ = lstm_forward(x, h0, p["Wx"], p["Wh"], p["b"], c0)
    np.testing.assert_allclose(h_peep, h_plain, rtol=0, atol=1e-14)


def test_coupled_matches_written_out_equations(rng):
    # The notes' form: blocks [f, g, o] and i = 1 - f.
    N, T, D, H = 2, 3, 3, 4
    x, h0, c0 = randn(rng, N, T, D), randn(rng, N, H), randn(rng, N, H)
    p = _coupled_params(rng, D, H)
    h, cache = coupled_lstm_forward(x, h0, p["Wx"], p["Wh"], p["b"], c0)

    def sig(v):
        return 1 / (1 + np.exp(-v))

    hp, cp = h0, c0
    for t in range(T):
        a = x[:, t] @ p["Wx"] + hp @ p["Wh"] + p["b"]
        f, g, o = sig(a[:, :H]), np.tanh(a[:, H : 2 * H]), sig(a[:, 2 * H :])
        cp = f * cp + (1 - f) * g
        hp = o * np.tanh(cp)
        np.testing.assert_allclose(h[:, t], hp, atol=1e-14)
        np.testing.assert_allclose(cache.c[:, t], cp, atol=1e-14)
        np.testing.assert_allclose(cache.i[:, t], 1 - f, atol=1e-14)


def test_peephole_output_gate_sees_new_cell(rng):
    # p_o multiplies c_t, not c_{t-1}: with c0 = 0, h0 = 0, x = 0, b = 0 and only p_o set,
    # c_1 = 0.5 * 0 + 0.5 * tanh(0) = 0, so nothing moves; with b_g set, c_1 != 0 and o feels it.
    H = 2
    Wx, Wh = np.zeros((1, 4 * H)), np.zeros((H, 4 * H))
    b = np.zeros(4 * H)
    b[2 * H : 3 * H] = 1.0  # g = tanh(1)
    P = np.concatenate([np.zeros(2 * H), np.full(H, 3.0)])
    h, c, _ = peephole_lstm_step_forward(
        np.zeros((1, 1)), np.zeros((1, H)), np.zeros((1, H)), Wx, Wh, b, P
    )
    c1 = 0.5 * np.tanh(1.0)
    o = 1 / (1 + np.exp(-3.0 * c1))
    np.testing.assert_allclose(c, c1, atol=1e-15)
    np.testing.assert_allclose(h, o * np.tanh(c1), atol=1e-15)


def test_variant_bad_input_messages(rng):
    x = randn(rng, 2, 3, 4)
    p = cell_params(rng, 4, 5, "lstm")
    with pytest.raises(ValueError, match=r"P must be \(3H,\) = \(15,\), got \(20,\)"):
        peephole_lstm_forward(x, None, p["Wx"], p["Wh"], p["b"], np.zeros(20))
    with pytest.raises(ValueError, match=r"Wh must be \(H, 3H\) = \(5, 15\), got \(5, 20\)"):
        coupled_lstm_forward(x, randn(rng, 2, 5), p["Wx"][:, :15], p["Wh"], p["b"][:15])
    h, cache = coupled_lstm_forward(x, None, p["Wx"][:, :15], p["Wh"][:, :15], p["b"][:15])
    with pytest.raises(
        TypeError, match="returned by peephole_lstm_forward, got a cache from coupled_lstm_forward"
    ):
        peephole_lstm_backward(h, cache)
