"""rnncourse.nn.linear_scan against the loop: values, autograd gradients, gradcheck."""

import numpy as np
import pytest
import torch

from rnncourse.nn.linear_scan import LINEAR_SCAN_METHODS, linear_scan, linear_scan_loop
from rnncourse.reference.scan import linear_scan_backward, linear_scan_forward

SCANS = [m for m in LINEAR_SCAN_METHODS if m != "loop"]


def _inputs(T, positive=False, dtype=torch.float64, seed=0):
    g = torch.Generator().manual_seed(seed)
    low = 0.05 if positive else -1.1
    a = (low + (1.1 - low) * torch.rand(3, T, 4, generator=g, dtype=dtype)).requires_grad_()
    b = torch.randn(3, T, 4, generator=g, dtype=dtype).requires_grad_()
    h0 = torch.randn(3, 4, generator=g, dtype=dtype).requires_grad_()
    return a, b, h0


@pytest.mark.parametrize("method", SCANS)
@pytest.mark.parametrize("T", [1, 2, 5, 16, 37])
def test_values_and_gradients_match_the_loop(method, T):
    a, b, h0 = _inputs(T, positive=method == "log", seed=T)
    dh = torch.randn(3, T, 4, dtype=torch.float64)
    grads = []
    for fn in (linear_scan_loop, lambda *x: linear_scan(*x, method=method)):
        h = fn(a, b, h0)
        grads.append((h.detach(), *torch.autograd.grad((h * dh).sum(), (a, b, h0))))
    for ref, got in zip(*grads, strict=True):
        torch.testing.assert_close(got, ref, rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("method", SCANS)
def test_gradcheck(method):
    a, b, h0 = _inputs(6, positive=method == "log", seed=3)
    assert torch.autograd.gradcheck(lambda a, b, h0: linear_scan(a, b, h0, method), (a, b, h0))


@pytest.mark.parametrize("method", ["hillis_steele", "blelloch"])
def test_complex_gradcheck_and_loop(method):
    g = torch.Generator().manual_seed(7)
    shape = (2, 7, 3)
    a = torch.polar(
        torch.rand(shape, generator=g, dtype=torch.float64),
        6 * torch.rand(shape, generator=g, dtype=torch.float64),
    ).requires_grad_()
    b = torch.randn(shape, generator=g, dtype=torch.complex128).requires_grad_()
    h0 = torch.randn(2, 3, generator=g, dtype=torch.complex128).requires_grad_()
    assert torch.autograd.gradcheck(lambda a, b, h0: linear_scan(a, b, h0, method), (a, b, h0))
    dh = torch.randn(shape, generator=g, dtype=torch.complex128)
    ref = torch.autograd.grad((linear_scan_loop(a, b, h0) * dh).sum().real, (a, b, h0))
    got = torch.autograd.grad((linear_scan(a, b, h0, method) * dh).sum().real, (a, b, h0))
    for r, x in zip(ref, got, strict=True):
        torch.testing.assert_close(x, r)


def test_matches_the_numpy_reference_and_h0_defaults_to_zero():
    a, b, _ = _inputs(11, positive=True, seed=5)
    dh = torch.randn(3, 11, 4, dtype=torch.float64)
    h = linear_scan(a, b, method="hillis_steele")
    da, db = torch.autograd.grad((h * dh).sum(), (a, b))
    ref, cache = linear_scan_forward(a.detach().numpy(), b.detach().numpy(), None, "sequential")
    rda, rdb, _ = linear_scan_backward(dh.numpy(), cache)
    np.testing.assert_allclose(h.detach().numpy(), ref, rtol=1e-10)
    np.testing.assert_allclose(da.numpy(), rda, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(db.numpy(), rdb, rtol=1e-9, atol=1e-12)


def test_float32_and_errors():
    a, b, h0 = (x.detach().float() for x in _inputs(9, positive=True))
    torch.testing.assert_close(linear_scan(a, b, h0), linear_scan_loop(a, b, h0))
    with pytest.raises(ValueError, match="method"):
        linear_scan(a, b, method="fast")
    with pytest.raises(ValueError, match=r"a and b must both be \(N, T, H\)"):
        linear_scan(a, b[:, 1:])
    with pytest.raises(ValueError, match=r"h0 must be \(N, H\) = \(3, 4\)"):
        linear_scan(a, b, h0[:, 1:])
    with pytest.raises(ValueError, match="a must be real and > 0"):
        linear_scan(-a, b, method="log")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("method", SCANS)
def test_cuda_matches_cpu(method):
    a, b, h0 = (x.detach() for x in _inputs(300, positive=True))
    ref = linear_scan_loop(a, b, h0)
    got = linear_scan(a.cuda(), b.cuda(), h0.cuda(), method).cpu()
    torch.testing.assert_close(got, ref, rtol=1e-9, atol=1e-9)
