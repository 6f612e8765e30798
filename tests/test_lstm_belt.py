"""Tests of the LSTM belt analysis against independent computations.

References: the reference LSTM backward pass run with dh = 0 (the belt, gates fixed), autograd
through the whole unrolled LSTM (gradient_flow) for the product of per-step Jacobians, and the
closed form of the Jacobian when W_h = 0 (block triangular, eigenvalues 0 and f).
"""

from __future__ import annotations

import numpy as np
import pytest

from rnncourse.analysis import gradient_flow
from rnncourse.analysis.lstm_belt import (
    belt_gradients,
    fitted_factor,
    forget_bias_sweep,
    lstm_belt_analysis,
    step_jacobians,
)
from rnncourse.reference import lstm_forward, lstm_step_backward, lstm_step_forward

SMALL = dict(T=25, hidden_size=6, input_size=3, batch_size=4, skip=5)


def _lstm(seed=0, N=3, T=6, D=3, H=4):
    rng = np.random.default_rng(seed)
    Wx, Wh = rng.standard_normal((D, 4 * H)), rng.standard_normal((H, 4 * H)) / 2
    b = rng.standard_normal(4 * H)
    return rng.standard_normal((N, T, D)), Wx, Wh, b, rng.standard_normal((N, H))


def test_belt_gradients_match_the_reference_backward_with_gates_fixed():
    x, Wx, Wh, b, g = _lstm()
    N, T, _ = x.shape
    H = g.shape[1]
    h, c, caches = np.zeros((N, H)), np.zeros((N, H)), []
    for t in range(T):
        h, c, cache = lstm_step_forward(x[:, t], h, c, Wx, Wh, b)
        caches.append(cache)
    # the belt: only dc travels back (dh = 0 at every step, dh_prev thrown away)
    dc, expected = g, [g]
    for cache in reversed(caches):
        _, _, dc, *_ = lstm_step_backward(np.zeros((N, H)), dc, cache)
        expected.append(dc)
    _, seq_cache = lstm_forward(x, None, Wx, Wh, b)
    got = belt_gradients(seq_cache.f, g)
    assert got.shape == (N, T + 1, H)
    np.testing.assert_allclose(got, np.stack(expected[::-1], axis=1), rtol=1e-12, atol=0)


def test_product_of_step_jacobians_is_the_autograd_gradient():
    flow = gradient_flow("lstm", T=12, hidden_size=5, input_size=3, batch_size=3, forget_bias=1.5)
    params = flow.params
    rng = np.random.default_rng([0, 1])  # gradient_flow's data draws (seed 0)
    x = 0.1 * rng.standard_normal((3, 12, 3))
    g = rng.standard_normal((3, 5))
    g /= np.linalg.norm(g, axis=1, keepdims=True)
    h, cache = lstm_forward(x, None, params["Wx"], params["Wh"], params["b"])
    z = np.zeros((3, 1, 5))
    J = step_jacobians(x, params, np.concatenate([z, h], 1), np.concatenate([z, cache.c], 1))
    delta = np.concatenate([g, np.zeros_like(g)], axis=1)
    for t in range(11, -1, -1):
        delta = np.einsum("ni,nij->nj", delta, J[:, t])
        np.testing.assert_allclose(delta[:, :5], flow.dh[:, t], rtol=1e-9, atol=1e-14)
        np.testing.assert_allclose(delta[:, 5:], flow.dc[:, t], rtol=1e-9, atol=1e-14)


def test_jacobian_without_recurrent_weights_has_the_forget_gates_as_eigenvalues():
    a = lstm_belt_analysis(2.0, spectral_radius=0.0, **SMALL)
    # block triangular: eigenvalues 0 (h block) and f_t (c block)
    np.testing.assert_allclose(a.radii, a.forget.max(axis=-1), rtol=1e-10)
    # and the whole-state gradient is a belt gradient with another start vector
    assert abs(a.state_factor - a.belt_factor) < a.forget_spread


def test_fitted_factor_recovers_a_geometric_curve_and_skips_the_transient():
    curve = 0.9 ** np.arange(30)[::-1]  # norm at t = 0..29, loss at 29
    assert fitted_factor(curve) == pytest.approx(0.9, rel=1e-12)
    bent = curve.copy()
    bent[-3:] *= 50.0  # a transient near the loss
    assert abs(fitted_factor(bent) - 0.9) > 0.01
    assert fitted_factor(bent, skip=3) == pytest.approx(0.9, rel=1e-12)


@pytest.mark.parametrize("bias", [0.0, 2.0, 5.0])
def test_belt_factor_is_the_forget_gate(bias):
    a = lstm_belt_analysis(bias, **SMALL)
    # every step multiplies every component by some f in [min f, max f]
    assert a.forget.min() <= a.belt_factor <= a.forget.max()
    assert abs(a.belt_factor - a.mean_forget) < a.forget_spread
    # the tolerance is measured, so bound the measurement too: at these sizes the gates spread
    # by about 0.02, 0.01, 0.001 around sigma(bias)
    assert a.forget_spread < 0.1 * (1 - 1 / (1 + np.exp(-bias))) + 0.001
    assert a.belt_factor == pytest.approx(1 / (1 + np.exp(-bias)), abs=3 * a.forget_spread)


def test_whole_state_follows_the_jacobian_radius_not_the_belt():
    sweep = forget_bias_sweep((0.0, 2.0, 5.0), T=60, hidden_size=16, batch_size=4, skip=10)
    for a in sweep.values():
        # a product of slowly varying Jacobians grows like their spectral radius
        assert abs(a.state_factor - a.mean_radius) < a.radius_spread
        assert a.state_factor > a.belt_factor + 0.05  # the W_h loop adds to the belt


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="forget"):
        belt_gradients(np.ones((2, 3)), np.ones((2, 3)))
    with pytest.raises(ValueError, match="dL_dcT"):
        belt_gradients(np.ones((2, 3, 4)), np.ones((2, 5)))
    with pytest.raises(ValueError, match="skip"):
        fitted_factor(np.ones(5), skip=4)
    with pytest.raises(ValueError, match="skip"):
        lstm_belt_analysis(1.0, T=5, skip=5, hidden_size=3, batch_size=2)
