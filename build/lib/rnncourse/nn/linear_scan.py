r"""The linear recurrence :math:`h_t = a_t \odot h_{t-1} + b_t` in PyTorch, by a loop or a scan.

:func:`linear_scan` is differentiable in ``a``, ``b`` and ``h0``. Its methods:

- ``"loop"``: the sequential loop under plain autograd (T small kernels forward, T backward);
- ``"hillis_steele"``, ``"blelloch"``: the parallel prefix scans of
  :mod:`rnncourse.reference.scan` (the same kernels, run on tensors) in a
  ``torch.autograd.Function`` whose backward pass is the same scan run backwards in time;
- ``"log"``: the log-space form (``a > 0``) with ``torch.logcumsumexp``, backward by the scan.

All methods agree to rounding (``tests/nn/test_linear_scan.py`` checks values and gradients
against the loop, and ``gradcheck`` in float64 and complex128). Layout: batch-first, ``a``, ``b``
(N, T, H), real or complex (the LRU's diagonal recurrence is complex).
"""

from __future__ import annotations

import torch
from torch import Tensor
from torch.autograd.function import once_differentiable

from rnncourse._validation import check_choice
from rnncourse.reference.scan import blelloch_, hillis_steele_

__all__ = ["LINEAR_SCAN_METHODS", "linear_scan", "linear_scan_loop"]

LINEAR_SCAN_METHODS = ("loop", "hillis_steele", "blelloch", "log")


def linear_scan_loop(a: Tensor, b: Tensor, h0: Tensor | None = None) -> Tensor:
    """Compute ``h = a[:, t] * h + b[:, t]`` for t = 0..T-1 step by step, under autograd.

    Parameters
    ----------
    a, b : Tensor, shape (N, T, H)
    h0 : Tensor, shape (N, H), or None (zeros)

    Returns
    -------
    Tensor, shape (N, T, H)
    """
    h = torch.zeros_like(a[:, 0]) if h0 is None else h0
    out = []
    # unbind, not a[:, t]: the backward of each a[:, t] would write a zero (N, T, H) gradient
    # (quadratic in T); unbind's backward stacks the T step gradients once.
    for a_t, b_t in zip(a.unbind(1), b.unbind(1), strict=True):
        h = a_t * h + b_t
        out.append(h)
    return torch.stack(out, dim=1)


def _prefix_b(a: Tensor, b: Tensor, method: str) -> tuple[Tensor, Tensor]:
    """Prefixes ``(A_t, B_t)`` (N, T, H) by the in-place kernels, on fresh copies."""
    A, B = a.clone(), b.clone()
    if method == "hillis_steele":
        hillis_steele_(A, B)
        return A, B
    N, T, H = a.shape
    Tp = 1 << (T - 1).bit_length()  # blelloch: pad with the identity pair (1, 0)
    A = torch.cat([A, A.new_ones(N, Tp - T, H)], dim=1)
    B = torch.cat([B, B.new_zeros(N, Tp - T, H)], dim=1)
    blelloch_(A, B)
    return A[:, :T], B[:, :T]


def _log_space(a: Tensor, b: Tensor, h0: Tensor) -> Tensor:
    """``h_t = exp(a*_t) (h0 + sum_s exp(-a*_s) b_s)`` with ``a*_t = sum_{s<=t} log a_s``."""
    a_star = torch.cumsum(torch.log(a), dim=1)
    terms = torch.cat([h0[:, None], b], dim=1)
    shift = torch.cat([torch.zeros_like(h0)[:, None], a_star], dim=1)
    pos = torch.logcumsumexp(torch.log(terms.clamp(min=0)) - shift, dim=1)[:, 1:]
    neg = torch.logcumsumexp(torch.log((-terms).clamp(min=0)) - shift, dim=1)[:, 1:]
    return torch.exp(a_star + pos) - torch.exp(a_star + neg)


class _LinearScan(torch.autograd.Function):
    @staticmethod
    def forward(ctx, a: Tensor, b: Tensor, h0: Tensor, method: str) -> Tensor:
        if method == "log":
            h = _log_space(a, b, h0)
        else:
            A, B = _prefix_b(a, b, method)
            h = A * h0[:, None] + B
        ctx.method = "blelloch" if method == "log" else method
        ctx.save_for_backward(a, h0, h)
        return h

    @staticmethod
    @once_differentiable
    def backward(ctx, dh: Tensor):
        a, h0, h = ctx.saved_tensors
        # g_t = dh_t + a_{t+1} g_{t+1}: the same scan on the reversed sequence, a shifted by one.
        # For complex tensors torch's gradients are conjugate (Wirtinger): multiply by conj(.).
        a_next = torch.cat([a[:, 1:], torch.zeros_like(a[:, :1])], dim=1).conj()
        _, B = _prefix_b(a_next.flip(1), dh.contiguous().flip(1), ctx.method)
        g = B.flip(1)
        h_prev = torch.cat([h0[:, None], h[:, :-1]], dim=1)
        return g * h_prev.conj(), g, a[:, 0].conj() * g[:, 0], None


def linear_scan(a: Tensor, b: Tensor, h0: Tensor | None = None, method: str = "blelloch") -> Tensor:
    r"""All states of :math:`h_t = a_t \odot h_{t-1} + b_t`.

    Parameters
    ----------
    a : Tensor, shape (N, T, H)
        Decay coefficients (> 0 for ``method="log"``).
    b : Tensor, shape (N, T, H)
        Inputs.
    h0 : Tensor, shape (N, H), or None
        Initial state; zeros if None.
    method : {"loop", "hillis_steele", "blelloch", "log"}, default "blelloch"

    Returns
    -------
    h : Tensor, shape (N, T, H)
        ``h[:, t]`` is the state after step t.
    """
    check_choice("method", method, LINEAR_SCAN_METHODS)
    if a.dim() != 3 or b.shape != a.shape:
        raise ValueError(
            f"a and b must both be (N, T, H); got a {tuple(a.shape)} and b {tuple(b.shape)}"
        )
    N, T, H = a.shape
    if h0 is not None and h0.shape != (N, H):
        raise ValueError(f"h0 must be (N, H) = ({N}, {H}), got {tuple(h0.shape)}")
    if method == "log" and (a.is_complex() or not bool((a > 0).all())):
        raise ValueError("a must be real and > 0 everywhere for method='log' (it takes log a)")
    if method == "loop":
        return linear_scan_loop(a, b, h0)
    if h0 is None:
        h0 = a.new_zeros(N, H)
    return _LinearScan.apply(a, b, h0, method)
