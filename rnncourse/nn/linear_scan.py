r"""The linear recurrence :math:`h_t = a_t \odot h_{t-1} + b_t` in PyTorch, by a loop or a scan.

:func:`linear_scan` is differentiable in ``a``, ``b`` and ``h0``. Its methods:

- ``"loop"``: the sequential loop under plain autograd (T small kernels forward, T backward);
- ``"hillis_steele"``, ``"blelloch"``: the parallel prefix scans of
  :mod:`rnncourse.reference.scan` (the same kernels, run on tensors) in a
  ``torch.autograd.Function`` whose backward pass is the same scan run backwards in time;
- ``"log"``: the log-space form (``a > 0``) with ``torch.logcumsumexp``, backward by the scan.

In float64 all methods agree to rounding (``tests/nn/test_linear_scan.py`` checks values and
gradients against the loop, and ``gradcheck`` in float64 and complex128). In float32 they do not
all agree equally: the loop and the two prefix scans stay within about 1e-7 of the float64 loop
(relative to the largest ``|h|``), while the log-space scan is only within 1e-4 (measured 5e-6 for
decays near 0.9 to 8e-5 for decays near 1e-3 at T = 256, ``tests/nn/test_scan_numerics.py``):
its ``exp`` of large log-sums loses about 500 times more. Use it in float64, or where ``a`` is
known only by its logarithm (:func:`linear_scan_log`, for saturating gates).

Layout: batch-first, ``a``, ``b`` (N, T, H), real or complex (the LRU's diagonal recurrence is
complex); mixed dtypes are computed in their common dtype (complex with real gives complex,
float64 with float32 gives float64), as :func:`rnncourse.reference.scan.linear_scan_forward`
does. An empty sequence (any of N, T, H zero) is refused with a ValueError, by every method and
by the NumPy reference alike.
"""

from __future__ import annotations

import torch
from torch import Tensor
from torch.autograd.function import once_differentiable

from rnncourse._validation import check_choice
from rnncourse.reference.scan import blelloch_, hillis_steele_

__all__ = ["LINEAR_SCAN_METHODS", "linear_scan", "linear_scan_log", "linear_scan_loop"]

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


def _log_space(log_a: Tensor, b: Tensor, h0: Tensor) -> Tensor:
    """``h_t = exp(a*_t) (h0 + sum_s exp(-a*_s) b_s)`` with ``a*_t = sum_{s<=t} log a_s``."""
    a_star = torch.cumsum(log_a, dim=1)
    terms = torch.cat([h0[:, None], b], dim=1)
    shift = torch.cat([torch.zeros_like(h0)[:, None], a_star], dim=1)
    pos = torch.logcumsumexp(torch.log(terms.clamp(min=0)) - shift, dim=1)[:, 1:]
    neg = torch.logcumsumexp(torch.log((-terms).clamp(min=0)) - shift, dim=1)[:, 1:]
    return torch.exp(a_star + pos) - torch.exp(a_star + neg)


class _LinearScan(torch.autograd.Function):
    """``h = _LinearScan.apply(a, b, h0, method, log_a)``.

    With ``method="log"`` the forward reads ``log_a`` (``a`` only serves the backward scan) and the
    gradient goes to ``log_a`` (``da ⊙ a``).
    """

    @staticmethod
    def forward(ctx, a: Tensor, b: Tensor, h0: Tensor, method: str, log_a: Tensor | None):
        if method == "log":
            h = _log_space(log_a, b, h0)
        else:
            A, B = _prefix_b(a, b, method)
            h = A * h0[:, None] + B
        ctx.method, ctx.log = ("blelloch", True) if method == "log" else (method, False)
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
        da = g * h_prev.conj()
        if ctx.log:  # d log_a = da ⊙ a
            return None, g, a[:, 0].conj() * g[:, 0], None, da * a
        return da, g, a[:, 0].conj() * g[:, 0], None, None


def _check(a: Tensor, b: Tensor, h0: Tensor | None, name_a: str = "a") -> tuple[int, int, int]:
    if a.dim() != 3 or b.shape != a.shape:
        raise ValueError(
            f"{name_a} and b must both be (N, T, H); got {name_a} {tuple(a.shape)} and "
            f"b {tuple(b.shape)}"
        )
    N, T, H = a.shape
    if 0 in (N, T, H):
        # As the NumPy reference (rnncourse.reference.scan): an empty sequence is refused.
        raise ValueError(
            f"{name_a} and b must be (N, T, H) with every size >= 1 (T = 0 means no step to "
            f"scan), got the empty shape {tuple(a.shape)}"
        )
    if h0 is not None and h0.shape != (N, H):
        raise ValueError(f"h0 must be (N, H) = ({N}, {H}), got {tuple(h0.shape)}")
    return N, T, H


def _common(*tensors: Tensor | None) -> list[Tensor | None]:
    """Return the tensors (None kept) in their common dtype, as the NumPy ``cast_all`` does.

    Complex with real gives complex, float64 with float32 float64: the in-place scans would
    otherwise drop the imaginary parts or round to float32.
    """
    dtype = None
    for t in tensors:
        if t is not None:
            dtype = t.dtype if dtype is None else torch.promote_types(dtype, t.dtype)
    return [None if t is None else t.to(dtype) for t in tensors]


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
    N, T, H = _check(a, b, h0)
    if method == "log" and (a.is_complex() or not bool((a > 0).all())):
        raise ValueError(
            "a must be real and > 0 everywhere for method='log' (it takes log a); where a comes "
            "from a gate, pass its log to linear_scan_log (e.g. log(1 - sigmoid(z)) = -softplus(z))"
        )
    a, b, h0 = _common(a, b, h0)
    if method == "loop":
        return linear_scan_loop(a, b, h0)
    if h0 is None:
        h0 = a.new_zeros(N, H)
    if method == "log":
        return _LinearScan.apply(a.detach(), b, h0, "log", torch.log(a))
    return _LinearScan.apply(a, b, h0, method, None)


def linear_scan_log(log_a: Tensor, b: Tensor, h0: Tensor | None = None) -> Tensor:
    r"""All states of :math:`h_t = a_t \odot h_{t-1} + b_t` from :math:`\log a_t` (real).

    The log-space method for coefficients known by their logarithm, such as a gate's
    ``log(1 - sigmoid(z)) = -softplus(z)``: where the gate saturates, ``a`` itself rounds to 0
    (and ``log a`` to ``-inf``), while ``log a`` stays finite. Differentiable in ``log_a``, ``b``
    and ``h0``.

    Parameters
    ----------
    log_a : Tensor, shape (N, T, H), real
    b : Tensor, shape (N, T, H), real
    h0 : Tensor, shape (N, H), or None (zeros)

    Returns
    -------
    h : Tensor, shape (N, T, H)
    """
    N, T, H = _check(log_a, b, h0, "log_a")
    if log_a.is_complex() or b.is_complex():
        raise ValueError("log_a and b must be real for the log-space scan")
    log_a, b, h0 = _common(log_a, b, h0)
    if h0 is None:
        h0 = log_a.new_zeros(N, H)
    return _LinearScan.apply(torch.exp(log_a.detach()), b, h0, "log", log_a)
