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


def test_complex_gradients_follow_torch_convention():
    # For a real loss L and z = x + iy, dz = dL/dx + i dL/dy (torch's conjugate Wirtinger
    # gradient). The loss L = Re sum(conj(dh) h) has exactly dh as the gradient of h.
    rng = np.random.default_rng(7)
    N, T, H = 2, 5, 3

    def cplx(*shape):
        return rng.normal(size=shape) + 1j * rng.normal(size=shape)

    a, b, h0, dh = 0.6 * cplx(N, T, H), cplx(N, T, H), cplx(N, H), cplx(N, T, H)
    inputs = {"a": a, "b": b, "h0": h0}

    def loss():
        return float(np.sum(np.conj(dh) * linear_scan_forward(a, b, h0, "blelloch")[0]).real)

    grads = dict(
        zip(inputs, linear_scan_backward(dh, linear_scan_forward(a, b, h0)[1]), strict=True)
    )
    eps = 1e-6
    for name, z in inputs.items():
        num = np.zeros_like(z)
        for idx in np.ndindex(z.shape):
            for unit in (1.0, 1j):
                old = z[idx]
                z[idx] = old + eps * unit
                up = loss()
                z[idx] = old - eps * unit
                down = loss()
                z[idx] = old
                num[idx] += unit * (up - down) / (2 * eps)
        np.testing.assert_allclose(grads[name], num, rtol=1e-6, atol=1e-8, err_msg=name)


@pytest.mark.parametrize("method", SCAN_METHODS)
def test_zero_length_sequence_is_refused_alike_by_every_method(method):
    empty = np.ones((2, 0, 3))
    with pytest.raises(ValueError, match=r"a must be \(N, T, H\) with every size >= 1, got the "):
        linear_scan_forward(empty, empty, None, method)


def test_log_space_float32_accuracy_is_what_the_docstring_says():
    # The module docstring: in float32 the log form's error grows with |sum log a|, to about
    # 1e-4 of max |h| for a in [1e-4, 1e-2] at (4, 256, 64), against ~1e-7 for the others.
    rng = np.random.default_rng(0)
    shape = (4, 256, 64)
    a, b = rng.uniform(1e-4, 1e-2, shape), rng.standard_normal(shape)
    want = _loop(a, b, np.zeros((4, 64)))
    errors = {}
    for method in SCAN_METHODS:
        h, _ = linear_scan_forward(a.astype(np.float32), b.astype(np.float32), None, method)
        errors[method] = np.abs(h - want).max() / np.abs(want).max()
    assert 3e-5 < errors["log"] < 3e-4, errors
    assert max(errors[m] for m in SCAN_METHODS if m != "log") < 3e-7, errors
