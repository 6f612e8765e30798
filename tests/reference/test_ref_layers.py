"""Output layers and stable activations."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from conftest import assert_grads, randn
from rnncourse.reference import (
    affine_backward,
    affine_forward,
    log_softmax,
    sigmoid,
    softmax,
    temporal_affine_backward,
    temporal_affine_forward,
    temporal_softmax_loss,
)

EXTREME = np.array([[-1000.0, 0.0, 1000.0], [1000.0, 1000.0, -1000.0], [-1000.0, -1000.0, -999.0]])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_stable_functions_no_warnings_at_1000(dtype):
    x = EXTREME.astype(dtype)
    with np.errstate(all="raise"), warnings.catch_warnings():
        warnings.simplefilter("error")
        s = sigmoid(x)
        p = softmax(x)
        lp = log_softmax(x)
    assert s.dtype == p.dtype == lp.dtype == dtype
    np.testing.assert_array_equal(s[0], [0.0, 0.5, 1.0])
    np.testing.assert_allclose(p[1], [0.5, 0.5, 0.0], atol=1e-7)
    assert np.isfinite(lp).all()
    np.testing.assert_allclose(lp[1], [-np.log(2), -np.log(2), -2000 - np.log(2)], rtol=1e-6)
    e = np.exp(-1.0)
    np.testing.assert_allclose(
        lp[2], [-1 - np.log(1 + 2 * e), -1 - np.log(1 + 2 * e), -np.log(1 + 2 * e)], rtol=1e-6
    )


def test_sigmoid_values_and_symmetry():
    x = np.linspace(-30, 30, 61)
    s = sigmoid(x)
    np.testing.assert_allclose(s, 1 / (1 + np.exp(-x)), rtol=1e-14)
    np.testing.assert_allclose(s + sigmoid(-x), 1.0, rtol=1e-15)


def test_softmax_axis_and_log_consistency(rng):
    x = randn(rng, 3, 4, 5)
    for axis in (0, 1, -1):
        p = softmax(x, axis=axis)
        np.testing.assert_allclose(p.sum(axis=axis), 1.0, rtol=1e-14)
        np.testing.assert_allclose(np.log(p), log_softmax(x, axis=axis), atol=1e-14)


def test_affine_gradients(rng):
    x, W, b = randn(rng, 3, 4), randn(rng, 4, 5), randn(rng, 5)
    out, cache = affine_forward(x, W, b)
    np.testing.assert_allclose(out, x @ W + b)
    dout = randn(rng, 3, 5)
    dx, dW, db = affine_backward(dout, cache)
    assert_grads(
        lambda: affine_forward(x, W, b)[0],
        {"x": x, "W": W, "b": b},
        {"x": dx, "W": dW, "b": db},
        dout,
    )


@pytest.mark.parametrize("shape", [(1, 1, 3, 4), (2, 3, 4, 5), (3, 2, 5, 2)])
def test_temporal_affine_gradients(shape, rng):
    N, T, H, V = shape
    h, Wy, by = randn(rng, N, T, H), randn(rng, H, V), randn(rng, V)
    out, cache = temporal_affine_forward(h, Wy, by)
    np.testing.assert_allclose(out[:, -1], h[:, -1] @ Wy + by, atol=1e-14)
    dout = randn(rng, N, T, V)
    dh, dWy, dby = temporal_affine_backward(dout, cache)
    assert_grads(
        lambda: temporal_affine_forward(h, Wy, by)[0],
        {"h": h, "Wy": Wy, "by": by},
        {"h": dh, "Wy": dWy, "by": dby},
        dout,
    )


def test_softmax_loss_known_values():
    # uniform scores: each counted step costs log V; loss sums over T, averages over N
    N, T, V = 2, 3, 4
    scores = np.zeros((N, T, V))
    y = np.zeros((N, T), dtype=np.int64)
    loss, _ = temporal_softmax_loss(scores, y)
    assert loss == pytest.approx(T * np.log(V))
    mask = np.array([[True, True, False], [True, False, False]])
    loss, dscores = temporal_softmax_loss(scores, y, mask)
    assert loss == pytest.approx(3 * np.log(V) / N)
    np.testing.assert_array_equal(dscores[0, 2], 0.0)
    np.testing.assert_allclose(dscores[0, 0], [(0.25 - 1) / 2, 0.125, 0.125, 0.125])


@pytest.mark.parametrize("use_mask", [False, True])
def test_softmax_loss_gradient(use_mask, rng):
    N, T, V = 3, 4, 5
    scores = randn(rng, N, T, V)
    y = rng.integers(0, V, size=(N, T))
    mask = rng.random((N, T)) > 0.3 if use_mask else None
    loss, dscores = temporal_softmax_loss(scores, y, mask)
    assert_grads(
        lambda: np.array(temporal_softmax_loss(scores, y, mask)[0]),
        {"s": scores},
        {"s": dscores},
        np.array(1.0),
    )


def test_softmax_loss_stable_at_1000():
    scores = np.array([[[1000.0, -1000.0, 0.0]]])
    with np.errstate(all="raise"):
        loss, d = temporal_softmax_loss(scores, np.array([[1]]))
    assert loss == pytest.approx(2000.0)
    np.testing.assert_allclose(d[0, 0], [1.0, -1.0, 0.0], atol=1e-12)


def test_layer_bad_input_messages(rng):
    msg = r"y must hold indices in \[0, 5\), got values in \[0, 5\]"
    with pytest.raises(ValueError, match=msg):
        temporal_softmax_loss(randn(rng, 1, 2, 5), np.array([[0, 5]]))
    with pytest.raises(ValueError, match=r"y must be \(N, T\) = \(1, 2\), got \(2, 1\)"):
        temporal_softmax_loss(randn(rng, 1, 2, 5), np.array([[0], [1]]))
    with pytest.raises(TypeError, match="mask must be a boolean array"):
        temporal_softmax_loss(randn(rng, 1, 2, 5), np.array([[0, 1]]), np.ones((1, 2)))
    with pytest.raises(ValueError, match=r"Wy must be \(H, V\) = \(4, 7\), got \(3, 7\)"):
        temporal_affine_forward(randn(rng, 2, 3, 4), randn(rng, 3, 7), randn(rng, 7))
    with pytest.raises(TypeError, match="x must be a NumPy float array, got list"):
        sigmoid([1.0, 2.0])
    _, cache = affine_forward(randn(rng, 2, 3), randn(rng, 3, 4), randn(rng, 4))
    with pytest.raises(
        TypeError, match="returned by temporal_affine_forward, got a cache from affine_forward"
    ):
        temporal_affine_backward(randn(rng, 2, 1, 4), cache)
