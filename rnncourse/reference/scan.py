r"""Linear recurrences and the parallel scan: forward and backward.

The recurrence (elementwise, row vectors, batch-major; ``a_t``, ``b_t``, ``h_t`` are (N, H)):

.. math::

    h_t = a_t \odot h_{t-1} + b_t, \qquad t = 1, \dots, T.

Each step is the affine map :math:`h \mapsto a_t \odot h + b_t`, stored as the pair
:math:`(a_t, b_t)`. Composing two such maps, first :math:`(a_1, b_1)` then :math:`(a_2, b_2)`, is
again one:

.. math::

    (a_1, b_1) \bullet (a_2, b_2) = (a_2 \odot a_1,\; a_2 \odot b_1 + b_2),

and :math:`\bullet` is associative, so the prefixes :math:`(A_t, B_t) = (a_1, b_1) \bullet \dots
\bullet (a_t, b_t)` can be computed by any parallel prefix sum (a *scan*); then
:math:`h_t = A_t \odot h_0 + B_t`. Three ways to get the prefixes:

- ``"sequential"``: the loop, :math:`T - 1` combines one after another (work T, depth T);
- ``"hillis_steele"`` (Hillis & Steele 1986): :math:`\log_2 T` rounds, in round k every position
  :math:`t \ge 2^k` combines with position :math:`t - 2^k` (work :math:`\approx T \log_2 T`, depth
  :math:`\log_2 T`);
- ``"blelloch"`` (Blelloch 1990), up-sweep then down-sweep over a balanced tree, here in its
  inclusive form (work :math:`2T - \log_2 T - 2`, depth :math:`2 \log_2 T - 1`; T is padded to a
  power of two with the identity pair (1, 0)).

``"log"`` is the log-space form for :math:`a_t > 0`: with :math:`a^*_t = \sum_{s \le t} \log a_s`,
:math:`h_t = e^{a^*_t} \big(h_0 + \sum_{s \le t} e^{-a^*_s} b_s\big)`, where the sum is a
log-cumsum-exp (one prefix sum, positive and negative parts of ``b`` separately), so no product
:math:`\prod a_s` ever underflows. It pays in accuracy: :math:`h_t` comes out of the difference of
two large logarithms, so its relative error grows with :math:`|a^*_t|`. Measured in float32 at
(N, T, H) = (4, 256, 64), ``b`` standard normal, the largest error relative to
:math:`\max |h|` is about 3e-6 for ``a`` uniform in [0.9, 0.999], 2e-5 in [0.01, 0.5] and 1e-4
in [1e-4, 1e-2], where the three other methods stay at 1e-7 to 2e-7 (float32 rounding). In
float64 all four agree to about 1e-12 or better.

A zero-length sequence (T = 0) is refused by every method alike, with a ``ValueError`` naming
the argument (``a must be (N, T, H) with every size >= 1``).

Complex recurrences (the LRU) follow torch's convention for gradients: for a real loss L and a
complex z = x + iy, ``dz`` is :math:`\partial L/\partial x + i\,\partial L/\partial y` (the
conjugate Wirtinger derivative, times 2), so :math:`g_t = \bar h_t + \overline{a_{t+1}} \odot
g_{t+1}`, :math:`\partial L/\partial a_t = g_t \odot \overline{h_{t-1}}` and
:math:`\partial L/\partial h_0 = \overline{a_1} \odot g_1` (the conjugates do nothing for
real arrays). This is what ``torch.autograd`` and :func:`rnncourse.nn.linear_scan` give.

The backward pass is the same recurrence run backwards: with :math:`g_t = \partial L / \partial
h_t` (total), :math:`g_t = \bar h_t + a_{t+1} \odot g_{t+1}`, where :math:`\bar h_t` is the
upstream gradient ``dh[:, t]``; then :math:`\partial L/\partial b_t = g_t`, :math:`\partial
L/\partial a_t = g_t \odot h_{t-1}` and :math:`\partial L / \partial h_0 = a_1 \odot g_1`. So a
scan computes the backward pass too.

The scan kernels (:func:`hillis_steele_`, :func:`blelloch_`) only slice, multiply and add, so they
run unchanged on NumPy arrays and on torch tensors (:mod:`rnncourse.nn.linear_scan` uses them).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rnncourse._validation import (
    Dims,
    check_array,
    check_cache,
    check_choice,
    check_float_array,
)
from rnncourse.reference._base import Cache, result_dtype

__all__ = [
    "SCAN_METHODS",
    "combine",
    "hillis_steele_",
    "blelloch_",
    "scan_cost",
    "linear_scan_forward",
    "linear_scan_backward",
]

SCAN_METHODS = ("sequential", "hillis_steele", "blelloch", "log")


def cast_all(*arrays: Any) -> list[Any]:
    """Return the arrays (None kept) in their common floating dtype, copied only where needed."""
    dtype = result_dtype(*arrays)
    return [None if a is None else a.astype(dtype, copy=False) for a in arrays]


def combine(first: tuple[Any, Any], second: tuple[Any, Any]) -> tuple[Any, Any]:
    r"""Return the associative operator: the map ``first`` followed by the map ``second``.

    Parameters
    ----------
    first, second : tuple of two arrays, each (N, H) (or any common shape)
        ``(a, b)`` pairs, each standing for :math:`h \mapsto a \odot h + b`.

    Returns
    -------
    tuple of two arrays
        ``(a2 * a1, a2 * b1 + b2)``.
    """
    (a1, b1), (a2, b2) = first, second
    return a2 * a1, a2 * b1 + b2


def hillis_steele_(A: Any, B: Any) -> int:
    """Inclusive scan of the pairs along axis 1, in place (Hillis & Steele 1986).

    Round k (offset ``d = 2**k``): every position ``t >= d`` becomes
    ``(A, B)[t - d] • (A, B)[t]``. The right-hand sides are evaluated before the assignment, so
    each round reads only the previous round's values, as the parallel algorithm does.

    Parameters
    ----------
    A, B : arrays of shape (N, T, H)
        The pairs ``(a_t, b_t)``; on return, their prefixes ``(A_t, B_t)``.

    Returns
    -------
    int
        Depth: the number of rounds, ``ceil(log2 T)``.
    """
    T, d, rounds = A.shape[1], 1, 0
    while d < T:
        a_new, b_new = combine((A[:, :-d], B[:, :-d]), (A[:, d:], B[:, d:]))
        A[:, d:], B[:, d:] = a_new, b_new
        d, rounds = 2 * d, rounds + 1
    return rounds


def blelloch_(A: Any, B: Any) -> int:
    """Inclusive scan of the pairs along axis 1, in place: up-sweep then down-sweep (Blelloch 1990).

    T must be a power of two (:func:`linear_scan_forward` pads with the identity pair (1, 0)).
    Up-sweep: level k combines the blocks of size ``2**k`` pairwise, so position ``t`` with
    ``(t + 1) % 2**(k+1) == 0`` holds the combination of its block. Down-sweep: from the top, the
    middle of every block takes the prefix that ends just before its block.

    Parameters
    ----------
    A, B : arrays of shape (N, T, H), T a power of two
        The pairs; on return, their prefixes.

    Returns
    -------
    int
        Depth: ``2 log2 T - 1`` parallel steps (0 for T = 1).
    """
    T = A.shape[1]
    if T & (T - 1):
        raise ValueError(f"blelloch_ needs T a power of two, got T={T}")
    levels = T.bit_length() - 1
    for k in range(levels):  # up-sweep
        s, d = 2 ** (k + 1), 2**k
        A[:, s - 1 :: s], B[:, s - 1 :: s] = combine(
            (A[:, d - 1 :: s], B[:, d - 1 :: s]), (A[:, s - 1 :: s], B[:, s - 1 :: s])
        )
    for k in range(levels - 2, -1, -1):  # down-sweep
        s, d = 2 ** (k + 1), 2**k
        A[:, s + d - 1 :: s], B[:, s + d - 1 :: s] = combine(
            (A[:, s - 1 : T - d : s], B[:, s - 1 : T - d : s]),
            (A[:, s + d - 1 :: s], B[:, s + d - 1 :: s]),
        )
    return max(2 * levels - 1, 0)


def scan_cost(T: int, method: str) -> tuple[int, int]:
    """Work (number of pair combines per (n, h) entry) and depth (parallel steps) of a scan.

    Parameters
    ----------
    T : int
        Sequence length (for ``"blelloch"`` the padded length, a power of two, is used).
    method : {"sequential", "hillis_steele", "blelloch"}

    Returns
    -------
    work, depth : int
    """
    check_choice("method", method, SCAN_METHODS[:3])
    if T < 1:
        raise ValueError(f"T must be >= 1, got {T}")
    L = (T - 1).bit_length()  # ceil(log2 T)
    if method == "sequential":
        return T - 1, T - 1
    if method == "hillis_steele":
        return sum(T - 2**k for k in range(L)), L
    Tp = 2**L
    return (2 * Tp - L - 2 if L else 0), max(2 * L - 1, 0)


class LinearScanCache(Cache):
    """Cache of :func:`linear_scan_forward`: ``a`` (N, T, H), ``h0`` (N, H), ``h`` (N, T, H)."""

    __slots__ = ("a", "h0", "h", "method")
    producer = "linear_scan_forward"

    def __init__(self, a: np.ndarray, h0: np.ndarray, h: np.ndarray, method: str) -> None:
        self.a, self.h0, self.h, self.method = a, h0, h, method


def _prefixes(a: np.ndarray, b: np.ndarray, method: str) -> tuple[np.ndarray, np.ndarray]:
    """``(A_t, B_t)`` for t = 1..T, each (N, T, H), by a scan of the given method."""
    A, B = a.copy(), b.copy()
    if method == "sequential":
        for t in range(1, A.shape[1]):
            A[:, t], B[:, t] = combine((A[:, t - 1], B[:, t - 1]), (A[:, t], B[:, t]))
    elif method == "hillis_steele":
        hillis_steele_(A, B)
    else:  # blelloch: pad to a power of two with the identity pair (1, 0)
        N, T, H = a.shape
        Tp = 1 << (T - 1).bit_length()
        A = np.concatenate([A, np.ones((N, Tp - T, H), a.dtype)], axis=1)
        B = np.concatenate([B, np.zeros((N, Tp - T, H), a.dtype)], axis=1)
        blelloch_(A, B)
        A, B = A[:, :T], B[:, :T]
    return A, B


def log_space_scan(log_a: np.ndarray, b: np.ndarray, h0: np.ndarray) -> np.ndarray:
    """States of the recurrence from ``log a`` (N, T, H): one log-cumsum-exp per sign of ``b``.

    Taking ``log a`` rather than ``a`` lets a caller pass a decay that rounds to 0 (a saturated
    gate, ``log(1 - sigmoid(z)) = -softplus(z)``) without taking the log of 0. Unchecked: the
    callers have checked ``b`` (N, T, H) and ``h0`` (N, H), term 0 of the sum.
    """
    a_star = np.cumsum(log_a, axis=1)  # (N, T, H)
    terms = np.concatenate([h0[:, None], b], axis=1)  # (N, T+1, H), term 0 is h0
    shift = np.concatenate([np.zeros_like(h0)[:, None], a_star], axis=1)
    with np.errstate(divide="ignore"):
        log_pos = np.log(np.maximum(terms, 0)) - shift  # -inf where the term is not positive
        log_neg = np.log(np.maximum(-terms, 0)) - shift
    pos = np.logaddexp.accumulate(log_pos, axis=1)[:, 1:]
    neg = np.logaddexp.accumulate(log_neg, axis=1)[:, 1:]
    return np.exp(a_star + pos) - np.exp(a_star + neg)


def linear_scan_forward(
    a: np.ndarray, b: np.ndarray, h0: np.ndarray | None = None, method: str = "blelloch"
) -> tuple[np.ndarray, LinearScanCache]:
    r"""All states of :math:`h_t = a_t \odot h_{t-1} + b_t`, by a scan.

    Parameters
    ----------
    a : numpy.ndarray, shape (N, T, H)
        Decay (forget) coefficients, real or complex; real and > 0 for ``method="log"``.
    b : numpy.ndarray, shape (N, T, H)
        Inputs added at each step.
    h0 : numpy.ndarray, shape (N, H), or None
        Initial state; zeros if None.
    method : {"sequential", "hillis_steele", "blelloch", "log"}, default "blelloch"
        How the prefixes are computed (module docstring). All give the same ``h`` up to
        rounding; ``"log"`` rounds worse (module docstring, measured).

    Returns
    -------
    h : numpy.ndarray, shape (N, T, H)
        ``h[:, t]`` is the state after step t.
    cache : LinearScanCache
        For :func:`linear_scan_backward`.
    """
    check_choice("method", method, SCAN_METHODS)
    dims = Dims()
    for name, value, spec in (("a", a, "(N, T, H)"), ("b", b, "(N, T, H)"), ("h0", h0, "(N, H)")):
        if name == "h0" and value is None:
            continue
        if isinstance(value, np.ndarray) and np.iscomplexobj(value):
            check_array(name, value, spec, dims)  # complex recurrences (the LRU) are fine
        else:
            check_float_array(name, value, spec, dims)
    if method == "log" and (np.iscomplexobj(a) or not np.all(a > 0)):
        raise ValueError("a must be real and > 0 everywhere for method='log' (it takes log a)")
    a, b, h0 = cast_all(a, b, h0)
    if h0 is None:
        h0 = np.zeros((a.shape[0], a.shape[2]), a.dtype)
    if method == "log":
        h = log_space_scan(np.log(a), b, h0)
    else:
        A, B = _prefixes(a, b, method)
        h = A * h0[:, None] + B  # h_t = A_t h0 + B_t
    return h, LinearScanCache(a, h0, h, method)


def linear_scan_backward(
    dh: np.ndarray, cache: LinearScanCache
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Backward pass of :func:`linear_scan_forward`: a scan backwards in time.

    For complex ``a``, ``b``, ``h0`` the gradients are torch's (module docstring): ``dh`` is
    :math:`\partial L/\partial \mathrm{Re}\,h + i\,\partial L/\partial \mathrm{Im}\,h` and
    so are the results.

    Parameters
    ----------
    dh : numpy.ndarray, shape (N, T, H)
        Upstream gradient of the loss with respect to every ``h[:, t]``.
    cache : LinearScanCache
        From :func:`linear_scan_forward`.

    Returns
    -------
    da : numpy.ndarray, shape (N, T, H)
    db : numpy.ndarray, shape (N, T, H)
    dh0 : numpy.ndarray, shape (N, H)
    """
    check_cache(cache, LinearScanCache, "linear_scan_forward")
    N, T, H = cache.h.shape
    check_array("dh", dh, "(N, T, H)", Dims(N=N, T=T, H=H))
    a, h = np.conj(cache.a), cache.h  # conjugates: torch's convention for complex arrays
    # g_t = dh_t + a_{t+1} g_{t+1}: the forward recurrence on the time-reversed sequence, with
    # coefficients a shifted by one step (a_{T+1} = 0: nothing comes after the last step).
    a_next = np.concatenate([a[:, 1:], np.zeros_like(a[:, :1])], axis=1)
    method = "blelloch" if cache.method == "log" else cache.method  # a_{T+1} = 0 has no log
    A, B = _prefixes(a_next[:, ::-1], np.asarray(dh, np.result_type(dh, h))[:, ::-1], method)
    g = B[:, ::-1]  # starts from g = 0, so A plays no part
    h_prev = np.concatenate([cache.h0[:, None], h[:, :-1]], axis=1)
    return g * np.conj(h_prev), g.copy(), a[:, 0] * g[:, 0]
