"""RTRL gives BPTT's gradient: the tanh RNN against rnn_backward, the diagonal recurrence
against the scan's backward."""

import numpy as np
import pytest

from rnncourse.reference import rnn_backward, rnn_forward
from rnncourse.reference.rtrl import diagonal_rtrl_gradients, gradient_costs, rnn_rtrl_gradients
from rnncourse.reference.scan import linear_scan_backward, linear_scan_forward


@pytest.mark.parametrize("N, T, D, H", [(1, 1, 2, 3), (2, 7, 3, 4), (3, 12, 2, 5)])
def test_rtrl_equals_bptt_for_the_tanh_rnn(N, T, D, H):
    rng = np.random.default_rng(T)
    x, h0 = rng.normal(size=(N, T, D)), rng.normal(size=(N, H))
    Wx, Wh, b = rng.normal(0, 0.6, (D, H)), rng.normal(0, 0.6, (H, H)), rng.normal(0, 0.3, H)
    dh = rng.normal(size=(N, T, H))
    _, cache = rnn_forward(x, h0, Wx, Wh, b)
    _, dh0, dWx, dWh, db = rnn_backward(dh, cache)
    got = rnn_rtrl_gradients(x, h0, Wx, Wh, b, dh)
    for g, want in zip(got, (dh0, dWx, dWh, db), strict=True):
        np.testing.assert_allclose(g, want, rtol=1e-9, atol=1e-11)


def test_diagonal_rtrl_equals_the_scan_backward():
    rng = np.random.default_rng(0)
    N, T, D, H = 2, 20, 3, 4
    x, h0 = rng.normal(size=(N, T, D)), rng.normal(size=(N, H))
    lam, B = rng.uniform(0.3, 0.99, H), rng.normal(size=(D, H))
    dh = rng.normal(size=(N, T, H))
    a = np.broadcast_to(lam, (N, T, H)).copy()
    _, cache = linear_scan_forward(a, x @ B, h0)
    da, db, dh0 = linear_scan_backward(dh, cache)
    got = diagonal_rtrl_gradients(x, h0, lam, B, dh)
    want = (dh0, da.sum(axis=(0, 1)), np.einsum("ntd,nth->dh", x, db))
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-9, atol=1e-11)


def test_costs():
    c = gradient_costs(T=100, D=10, H=64)
    P = 10 * 64 + 64 * 64 + 64
    assert c["rtrl"]["memory"] == 64 * P + 64 * 64
    assert c["bptt"]["memory"] == 100 * 64
    assert c["diagonal_rtrl"]["memory"] == 10 * 64 + 2 * 64
    assert c["rtrl"]["madds"] / c["bptt"]["madds"] > 64  # RTRL costs ~H^2 / 2 times more
    with pytest.raises(ValueError, match="H"):
        gradient_costs(10, 2, 0)


def test_errors_name_the_argument():
    x, h0 = np.zeros((1, 3, 2)), np.zeros((1, 4))
    with pytest.raises(ValueError, match="dh"):
        rnn_rtrl_gradients(
            x, h0, np.zeros((2, 4)), np.zeros((4, 4)), np.zeros(4), np.zeros((1, 3, 5))
        )
    with pytest.raises(ValueError, match="lam"):
        diagonal_rtrl_gradients(x, h0, np.zeros(3), np.zeros((2, 4)), np.zeros((1, 3, 4)))
