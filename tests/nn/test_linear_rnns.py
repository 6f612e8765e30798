"""rnncourse.nn minGRU / minLSTM / LRU against the NumPy reference and the sequential loop."""

import numpy as np
import pytest
import torch

from rnncourse.nn.linear_rnns import LRU, MinGRU, MinLSTM
from rnncourse.reference.linear_rnns import (
    lru_forward,
    mingru_backward,
    mingru_forward,
    minlstm_forward,
)


def _np(p):
    return p.detach().double().numpy()


@pytest.mark.parametrize("method", ["loop", "hillis_steele", "blelloch", "log"])
def test_mingru_matches_the_reference_values_and_gradients(method):
    torch.manual_seed(0)
    m = MinGRU(3, 5, method=method).double()
    x = torch.randn(2, 11, 3, dtype=torch.float64, requires_grad=True)
    h0 = torch.randn(1, 2, 5, dtype=torch.float64)
    h, h_n = m(x, h0)
    Wx, b = _np(m.linear.weight).T, _np(m.linear.bias)
    ref, cache = mingru_forward(_np(x), _np(h0[0]), Wx, b)
    np.testing.assert_allclose(_np(h), ref, rtol=1e-10)
    np.testing.assert_allclose(_np(h_n[0]), ref[:, -1], rtol=1e-10)
    dh = torch.randn_like(h)
    (h * dh).sum().backward()
    dx, _, dWx, db = mingru_backward(dh.numpy(), cache)
    np.testing.assert_allclose(_np(x.grad), dx, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(_np(m.linear.weight.grad).T, dWx, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(_np(m.linear.bias.grad), db, rtol=1e-9, atol=1e-12)


def test_minlstm_matches_the_reference():
    torch.manual_seed(1)
    m = MinLSTM(3, 4).double()
    x = torch.randn(2, 9, 3, dtype=torch.float64)
    h, _ = m(x)
    ref, _, _ = minlstm_forward(_np(x), None, _np(m.linear.weight).T, _np(m.linear.bias))
    np.testing.assert_allclose(_np(h), ref, rtol=1e-10)


@pytest.mark.parametrize("method", ["loop", "blelloch"])
def test_lru_matches_the_reference_and_trains_its_eigenvalues(method):
    m = LRU(3, 6, r_min=0.5, r_max=0.99, seed=3, method=method).double()
    u = torch.randn(2, 25, 3, dtype=torch.float64)
    y, h_n = m(u)
    params = {k: _np(v) for k, v in m.named_parameters()}
    ref, h = lru_forward(_np(u), params)
    np.testing.assert_allclose(_np(y), ref, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(h_n[0].detach().numpy(), h[:, -1], rtol=1e-9)
    assert h_n.is_complex()
    y.square().sum().backward()
    for name in ("nu_log", "theta_log", "gamma_log", "B_re", "C_im", "D"):
        assert torch.isfinite(getattr(m, name).grad).all() and getattr(m, name).grad.abs().sum() > 0
    r = m.lam().abs()
    assert (r >= 0.5 - 1e-9).all() and (r <= 0.99 + 1e-9).all()


def test_lru_gradcheck():
    m = LRU(2, 3, r_min=0.5, r_max=0.9, seed=0).double()
    u = torch.randn(1, 6, 2, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda u: m(u)[0], (u,))


def test_errors():
    with pytest.raises(ValueError, match=r"input must be \(N, T, D\) with D = 3"):
        MinGRU(3, 4)(torch.randn(2, 5, 4))
    with pytest.raises(ValueError, match=r"h0 must be \(1, N, H\) = \(1, 2, 4\)"):
        MinGRU(3, 4)(torch.randn(2, 5, 3), torch.randn(2, 4))
