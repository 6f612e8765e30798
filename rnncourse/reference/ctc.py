r"""Connectionist temporal classification (Graves et al., 2006): the loss, its gradient, decoding.

A network emits, at each of T frames, log probabilities ``log_probs[t, n, k]`` over C classes, one
of which is the blank. An *alignment* :math:`\pi` is one class per frame; the collapse map
:math:`\mathcal{B}` merges repeated classes and then drops blanks (``a a - b b`` -> ``ab``). The
probability of a label string l (length S) is the sum over every alignment that collapses to it,

.. math:: p(l \mid x) = \sum_{\pi \in \mathcal{B}^{-1}(l)} \prod_{t=1}^{T} y_t(\pi_t),

computed by a forward recursion on the extended string :math:`l'` = blank, l_1, blank, ...,
l_S, blank (length 2S + 1), in log space:

.. math::

    \alpha_1(1) = y_1(\text{blank}), \quad \alpha_1(2) = y_1(l_1), \quad \alpha_1(s) = 0 \ (s > 2)

    \alpha_t(s) = \big(\alpha_{t-1}(s) + \alpha_{t-1}(s-1)
        + [l'_s \ne \text{blank} \wedge l'_s \ne l'_{s-2}]\,\alpha_{t-1}(s-2)\big)\, y_t(l'_s)

    p(l \mid x) = \alpha_T(2S+1) + \alpha_T(2S)

The backward recursion :math:`\beta` mirrors it from the end; the gradient of the loss
:math:`-\log p` with respect to ``log_probs[t, k]`` is
:math:`-\sum_{s: l'_s = k} \alpha_t(s)\beta_t(s) / (y_t(k)\, p)` (both include
:math:`y_t(l'_s)`, Graves' convention). Code indices start at 0: states s = 0 .. 2S.

Conventions are ``torch.nn.CTCLoss``'s: ``log_probs`` (T, N, C), padded ``targets`` (N, S_max),
``input_lengths`` and ``target_lengths`` (N,), ``blank`` index, ``reduction`` "none", "sum" or
"mean" (each loss divided by its target length, then averaged). An input too short for its target
(T_n < S_n + the number of repeated neighbours in it) has p = 0: the loss is inf and its gradient
NaN, as torch's ``zero_infinity=False``; with ``zero_infinity=True`` both are 0.

One difference from torch: :func:`ctc_backward` returns the true partial derivative with respect
to ``log_probs`` taken as free inputs. torch returns that plus ``exp(log_probs)``, which is the same
gradient once it flows back through a ``log_softmax`` (the extra term sums to 1 over classes).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rnncourse._validation import (
    Dims,
    check_cache,
    check_choice,
    check_float_array,
    check_int,
    check_int_array,
)
from rnncourse.reference._base import Cache

__all__ = [
    "ctc_forward",
    "ctc_backward",
    "ctc_alpha",
    "ctc_beta",
    "extend_with_blanks",
    "ctc_collapse",
    "ctc_greedy_decode",
    "ctc_prefix_beam_search",
]

NEG_INF = -np.inf


def extend_with_blanks(label: np.ndarray, blank: int = 0) -> np.ndarray:
    """Return l' = blank, l_1, blank, ..., l_S, blank (length 2S + 1) for a label string l."""
    ext = np.full(2 * len(label) + 1, blank, dtype=np.int64)
    ext[1::2] = label
    return ext


def _skip_allowed(ext: np.ndarray, blank: int) -> np.ndarray:
    """skip[s]: may a path jump from s - 2 to s? Only onto a label that differs from l'_{s-2}."""
    skip = np.zeros(len(ext), dtype=bool)
    skip[2:] = (ext[2:] != blank) & (ext[2:] != ext[:-2])
    return skip


def _shift(a: np.ndarray, k: int) -> np.ndarray:
    """Shift a right by k states along the last axis, -inf (log 0) coming in."""
    out = np.full_like(a, NEG_INF)
    out[..., k:] = a[..., : a.shape[-1] - k]
    return out


def ctc_alpha(lp: np.ndarray, ext: np.ndarray, blank: int = 0) -> np.ndarray:
    """Forward variables log alpha_t(s), shape (T, 2S + 1), for one sequence's lp (T, C)."""
    T, L = lp.shape[0], len(ext)
    skip = _skip_allowed(ext, blank)
    alpha = np.full((T, L), NEG_INF)
    alpha[0, :2] = lp[0, ext[:2]]  # start in the first blank or on the first label
    for t in range(1, T):
        a = alpha[t - 1]
        stay_or_step = np.logaddexp(a, _shift(a, 1))
        alpha[t] = np.logaddexp(stay_or_step, np.where(skip, _shift(a, 2), NEG_INF)) + lp[t, ext]
    return alpha


def ctc_beta(lp: np.ndarray, ext: np.ndarray, blank: int = 0) -> np.ndarray:
    """Backward variables log beta_t(s), shape (T, 2S + 1); beta_t(s) includes y_t(l'_s)."""
    T, L = lp.shape[0], len(ext)
    skip_next = np.zeros(L, dtype=bool)
    skip_next[:-2] = _skip_allowed(ext, blank)[2:]  # may s jump to s + 2?
    beta = np.full((T, L), NEG_INF)
    beta[T - 1, -2:] = lp[T - 1, ext[-2:]]  # end in the last blank or on the last label
    for t in range(T - 2, -1, -1):
        b = beta[t + 1]
        stay_or_step = np.logaddexp(b, _shift(b[::-1], 1)[::-1])
        jump = np.where(skip_next, _shift(b[::-1], 2)[::-1], NEG_INF)
        beta[t] = np.logaddexp(stay_or_step, jump) + lp[t, ext]
    return beta


class CTCCache(Cache):
    """Cache of :func:`ctc_forward`."""

    __slots__ = ("log_probs", "paths", "scale", "zero_infinity", "blank")
    producer = "ctc_forward"


def _check_args(
    log_probs: Any, targets: Any, input_lengths: Any, target_lengths: Any, blank: Any
) -> Dims:
    dims = Dims()
    check_float_array("log_probs", log_probs, "(T, N, C)", dims)
    check_int("blank", blank, minimum=0, maximum=dims["C"] - 1)
    S = targets.shape[1] if isinstance(targets, np.ndarray) and targets.ndim == 2 else 0
    if isinstance(targets, np.ndarray) and targets.ndim == 2 and targets.shape[1] == 0:
        targets = np.zeros((targets.shape[0], 1), dtype=np.int64)  # all-empty targets
    check_int_array("targets", targets, "(N, S)", dims, high=dims["C"])
    check_int_array("input_lengths", input_lengths, "(N,)", dims)
    check_int_array("target_lengths", target_lengths, "(N,)", dims)
    if input_lengths.min() < 1 or input_lengths.max() > dims["T"]:
        raise ValueError(
            f"input_lengths must lie in [1, T] = [1, {dims['T']}], got values in "
            f"[{input_lengths.min()}, {input_lengths.max()}]"
        )
    if target_lengths.min() < 0 or target_lengths.max() > S:
        raise ValueError(
            f"target_lengths must lie in [0, S] = [0, {S}] (S = targets.shape[1]),"
            f" got values in [{target_lengths.min()}, {target_lengths.max()}]"
        )
    for n in range(dims["N"]):
        if np.any(targets[n, : target_lengths[n]] == blank):
            raise ValueError(f"targets[{n}] holds the blank index {blank} inside its length")
    return dims


def ctc_forward(
    log_probs: np.ndarray,
    targets: np.ndarray,
    input_lengths: np.ndarray,
    target_lengths: np.ndarray,
    blank: int = 0,
    reduction: str = "mean",
    zero_infinity: bool = False,
) -> tuple[np.ndarray | float, CTCCache]:
    """CTC loss ``-log p(l | x)`` of each sequence by the alpha recursion (torch.nn.CTCLoss's API).

    Parameters
    ----------
    log_probs : numpy.ndarray, shape (T, N, C)
        Log probabilities per frame (a log_softmax over the C classes, blank included).
    targets : numpy.ndarray of int, shape (N, S)
        Label strings, padded on the right; entries past ``target_lengths[n]`` are ignored.
    input_lengths : numpy.ndarray of int, shape (N,)
        Frames T_n of each sequence, 1 <= T_n <= T.
    target_lengths : numpy.ndarray of int, shape (N,)
        Labels S_n of each sequence, 0 <= S_n <= S.
    blank : int, default 0
        Index of the blank class.
    reduction : {"mean", "none", "sum"}
        "none": the (N,) losses; "sum": their sum; "mean": the mean of ``loss_n / max(S_n, 1)``.
    zero_infinity : bool, default False
        Replace the infinite loss of an infeasible sequence (and its gradient) by 0.

    Returns
    -------
    loss : float or numpy.ndarray of shape (N,)
    cache : CTCCache
    """
    dims = _check_args(log_probs, targets, input_lengths, target_lengths, blank)
    check_choice("reduction", reduction, ("none", "sum", "mean"))
    losses, paths = np.empty(dims["N"]), []
    for n in range(dims["N"]):
        lp = log_probs[: input_lengths[n], n].astype(np.float64)
        ext = extend_with_blanks(targets[n, : target_lengths[n]], blank)
        alpha = ctc_alpha(lp, ext, blank)
        log_p = np.logaddexp.reduce(alpha[-1, -2:])  # end on the last label or the last blank
        losses[n] = 0.0 if (zero_infinity and log_p == NEG_INF) else -log_p
        paths.append((lp, ext, alpha, log_p))
    if reduction == "none":
        scale, loss = np.ones(dims["N"]), losses.astype(log_probs.dtype)
    elif reduction == "sum":
        scale, loss = np.ones(dims["N"]), float(losses.sum())
    else:
        scale = 1.0 / (dims["N"] * np.maximum(target_lengths, 1))
        loss = float((losses * scale).sum())
    cache = CTCCache(
        log_probs=log_probs, paths=paths, scale=scale, zero_infinity=zero_infinity, blank=blank
    )
    return loss, cache


def ctc_backward(dloss: Any, cache: CTCCache) -> np.ndarray:
    """Gradient of the CTC loss with respect to ``log_probs`` (free inputs; see the module note).

    Parameters
    ----------
    dloss : float or numpy.ndarray of shape (N,)
        Upstream gradient: a scalar for reduction "sum"/"mean", (N,) for "none".
    cache : CTCCache
        From :func:`ctc_forward`.

    Returns
    -------
    numpy.ndarray, shape (T, N, C)
        ``dlog_probs``; zero past each sequence's ``input_lengths[n]``.
    """
    check_cache(cache, CTCCache, "ctc_forward")
    N = len(cache.paths)
    dloss = np.asarray(dloss, dtype=np.float64)
    if dloss.shape not in ((), (N,)):
        raise ValueError(f"dloss must be a scalar or of shape (N,) = ({N},), got {dloss.shape}")
    upstream = np.broadcast_to(dloss, (N,)) * cache.scale
    dlog_probs = np.zeros(cache.log_probs.shape)
    for n, (lp, ext, alpha, log_p) in enumerate(cache.paths):
        if log_p == NEG_INF:
            dlog_probs[: len(lp), n] = 0.0 if cache.zero_infinity else np.nan
            continue
        ab = alpha + ctc_beta(lp, ext, cache.blank)  # log alpha_t(s) beta_t(s), (T_n, 2S + 1)
        per_class = np.full(lp.shape, NEG_INF)  # log sum over the states s with l'_s = k
        np.logaddexp.at(per_class, (np.arange(len(lp))[:, None], ext[None, :]), ab)
        dlog_probs[: len(lp), n] = -np.exp(per_class - lp - log_p) * upstream[n]
    return dlog_probs.astype(cache.log_probs.dtype, copy=False)


def ctc_collapse(path: Any, blank: int = 0) -> list[int]:
    """Apply the collapse map B: merge repeats, then drop blanks ([1, 1, 0, 1, 2] -> [1, 1, 2])."""
    out, prev = [], None
    for k in (int(k) for k in path):
        if k != prev and k != blank:
            out.append(k)
        prev = k
    return out


def ctc_greedy_decode(
    log_probs: np.ndarray, input_lengths: np.ndarray | None = None, blank: int = 0
) -> list[list[int]]:
    """Best-path decoding: the most likely class at every frame, collapsed by B.

    Parameters
    ----------
    log_probs : numpy.ndarray, shape (T, N, C)
    input_lengths : numpy.ndarray of int, shape (N,), optional
        Frames of each sequence (all T if omitted).
    blank : int, default 0

    Returns
    -------
    list of N label lists
    """
    dims = Dims()
    check_float_array("log_probs", log_probs, "(T, N, C)", dims)
    check_int("blank", blank, minimum=0, maximum=dims["C"] - 1)
    if input_lengths is None:
        input_lengths = np.full(dims["N"], dims["T"])
    check_int_array("input_lengths", input_lengths, "(N,)", dims)
    best = log_probs.argmax(axis=2)  # (T, N)
    return [ctc_collapse(best[: input_lengths[n], n], blank) for n in range(dims["N"])]


def ctc_prefix_beam_search(
    log_probs: np.ndarray, beam_width: int = 8, blank: int = 0
) -> list[tuple[tuple[int, ...], float]]:
    """Prefix beam search over label strings (not alignments) for one sequence.

    Each prefix keeps two log probabilities: of the frames so far ending in a blank (``p_b``) and
    ending in its last label (``p_nb``). A repeated label extends the prefix only from ``p_b``
    (a blank separates "1 1" from "1"); otherwise it merges into the same prefix. With
    ``beam_width`` at least the number of distinct prefixes, the search is exact.

    Parameters
    ----------
    log_probs : numpy.ndarray, shape (T, C)
        One sequence's log probabilities.
    beam_width : int, default 8
        Prefixes kept after each frame.
    blank : int, default 0

    Returns
    -------
    list of (prefix, log p(prefix | x)), best first, at most ``beam_width`` entries.
    """
    dims = Dims()
    check_float_array("log_probs", log_probs, "(T, C)", dims)
    check_int("beam_width", beam_width, minimum=1)
    check_int("blank", blank, minimum=0, maximum=dims["C"] - 1)
    beams: dict[tuple[int, ...], tuple[float, float]] = {(): (0.0, NEG_INF)}  # prefix: (p_b, p_nb)
    for y in log_probs.astype(np.float64):
        nxt: dict[tuple[int, ...], list[float]] = {}
        for prefix, (p_b, p_nb) in beams.items():
            _add(nxt, prefix, 0, np.logaddexp(p_b, p_nb) + y[blank])  # a blank keeps the prefix
            if prefix:
                _add(nxt, prefix, 1, p_nb + y[prefix[-1]])  # repeating the last label merges
            for k in range(dims["C"]):
                if k != blank:
                    from_here = p_b if prefix and k == prefix[-1] else np.logaddexp(p_b, p_nb)
                    _add(nxt, prefix + (k,), 1, from_here + y[k])
        ranked = sorted(nxt.items(), key=lambda kv: -np.logaddexp(*kv[1]))
        beams = {prefix: (p[0], p[1]) for prefix, p in ranked[:beam_width]}
    result = [(prefix, float(np.logaddexp(*p))) for prefix, p in beams.items()]
    return [(prefix, log_p) for prefix, log_p in result if log_p > NEG_INF]  # drop impossible ones


def _add(beams: dict, prefix: tuple[int, ...], which: int, log_p: float) -> None:
    """Add probability exp(log_p) to ``beams[prefix][which]`` (0: ends in blank, 1: in a label)."""
    entry = beams.setdefault(prefix, [NEG_INF, NEG_INF])
    entry[which] = np.logaddexp(entry[which], log_p)
