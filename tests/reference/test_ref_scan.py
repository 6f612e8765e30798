"""The NumPy linear scan: every method against the loop, gradients against finite differences."""

import numpy as np
import pytest

from rnncourse.reference.gradcheck import eval_numerical_gradient
from rnncourse.reference.scan import (
    SCAN_METHODS,
    blelloch_,
    combine,
    hillis_steele_,
    linear_scan_backward,
    linear_scan_forward,
    scan_cost,
)


def _loop(a, b, h0):
    h, out = h0, []
    for t in range(a.shape[1]):
        h = a[:, t] * h + b[:, t]
        out.append(h)
    return np.stack(out, axis=1)


def _inputs(rng, N, T, H, positive=False):
    low = 0.05 if positive else -1.1
    return rng.uniform(low, 1.1, (N, T, H)), rng.normal(size=(N, T, H)), rng.normal(size=(N, H))


@pytest.mark.parametrize("method", SCAN_METHODS)
@pytest.mark.parametrize("T", [1, 2, 3, 7, 8, 9, 33])
def test_forward_matches_loop(method, T):
    rng = np.random.default_rng(T)
    a, b, h0 = _inputs(rng, 2, T, 3, positive=method == "log")
    h, _ = linear_scan_forward(a, b, h0, method)
    np.testing.assert_allclose(h, _loop(a, b, h0), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("method", SCAN_METHODS)
@pytest.mark.parametrize("T", [1, 4, 6])
def test_backward_matches_numerical_gradient(method, T):
    rng = np.random.default_rng(10 + T)
    a, b, h0 = _inputs(rng, 2, T, 3, positive=method == "log")
    h, cache = linear_scan_forward(a, b, h0, method)
    dh = rng.normal(size=h.shape)
    da, db, dh0 = linear_scan_backward(dh, cache)
    for x, dx in ((a, da), (b, db), (h0, dh0)):
        num = eval_numerical_gradient(
            lambda _: float((linear_scan_forward(a, b, h0, method)[0] * dh).sum()), x
        )
        np.testing.assert_allclose(dx, num, rtol=1e-6, atol=1e-8)


def test_log_space_survives_long_products():
    """Prod a_s underflows to 0 after ~1000 steps of a = 0.5, but h stays exact in log space."""
    T = 3000
    a = np.full((1, T, 1), 0.5)
    b = np.ones((1, T, 1))
    h, _ = linear_scan_forward(a, b, None, "log")
    np.testing.assert_allclose(h[0, -10:, 0], 2.0, rtol=1e-12)
    assert np.prod(a[0, :, 0]) == 0.0  # the naive product form would divide by zero


def test_float32_in_float32_out_and_h0_default():
    rng = np.random.default_rng(0)
    a, b, _ = _inputs(rng, 2, 5, 3)
    h, _ = linear_scan_forward(a.astype(np.float32), b.astype(np.float32))
    assert h.dtype == np.float32
    np.testing.assert_allclose(h, _loop(a, b, np.zeros((2, 3))), rtol=1e-4, atol=1e-5)


def test_combine_is_associative():
    rng = np.random.default_rng(1)
    p, q, r = [(rng.normal(size=3), rng.normal(size=3)) for _ in range(3)]
    left, right = combine(combine(p, q), r), combine(p, combine(q, r))
    np.testing.assert_allclose(left[0], right[0])
    np.testing.assert_allclose(left[1], right[1])


@pytest.mark.parametrize("T", [1, 2, 3, 4, 5, 8, 9, 16, 100, 1024])
def test_scan_cost_counts_the_kernels(T):
    """Work and depth of scan_cost are the combines and rounds the kernels really perform."""

    class Counting(np.ndarray):
        ops = 0

        def __mul__(self, other):  # each combine does one a*a (and one a*b, one add)
            Counting.ops += np.asarray(self).shape[1]
            return np.ndarray.__mul__(self, other)

    for method, kernel in (("hillis_steele", hillis_steele_), ("blelloch", blelloch_)):
        Tp = T if method == "hillis_steele" else 1 << (T - 1).bit_length()
        A = np.ones((1, Tp, 1)).view(Counting)
        B = np.zeros((1, Tp, 1)).view(Counting)
        Counting.ops = 0
        depth = kernel(A, B)
        work = Counting.ops // 2  # a2*a1 and a2*b1 per combine
        assert (work, depth) == scan_cost(T, method)
    assert scan_cost(T, "sequential") == (T - 1, T - 1)


def test_closed_forms_of_work_and_depth():
    for L in range(1, 17):
        T = 2**L
        assert scan_cost(T, "hillis_steele") == (T * L - T + 1, L)
        assert scan_cost(T, "blelloch") == (2 * T - L - 2, 2 * L - 1)


def test_errors_name_the_argument():
    a = np.ones((2, 5, 3))
    with pytest.raises(ValueError, match=r"b must be \(N, T, H\)"):
        linear_scan_forward(a, np.ones((2, 4, 3)))
    with pytest.raises(ValueError, match="h0"):
        linear_scan_forward(a, a, np.ones((2, 4)))
    with pytest.raises(ValueError, match="method"):
        linear_scan_forward(a, a, method="fast")
    with pytest.raises(ValueError, match="a must be real and > 0"):
        linear_scan_forward(-a, a, method="log")
    with pytest.raises(TypeError, match="cache"):
        linear_scan_backward(a, None)
    _, cache = linear_scan_forward(a, a)
    with pytest.raises(ValueError, match="dh"):
        linear_scan_backward(np.ones((2, 4, 3)), cache)
    with pytest.raises(ValueError, match="power of two"):
        blelloch_(np.ones((1, 3, 1)), np.ones((1, 3, 1)))
