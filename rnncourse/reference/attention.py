r"""Soft attention over ``L`` locations, forward and backward (NumPy, CS231n style).

This is the attention step of "captioning with attention" (Xu et al., 2015): a decoder state ``h``
looks at a set of ``L`` feature vectors (for an image, an ``L = Hg x Wg`` grid of ``D``-dimensional
CNN features; for a sentence, the ``L`` encoder states) and reads a weighted average of them.

For one example, with query ``h`` (H,), features ``V`` (L, D) whose rows are ``v_l`` and a learned
matrix ``Wa`` (H, D) (bilinear, "general" scoring):

.. math::

    e_l = v_l \cdot (h W_a), \qquad
    a_l = \frac{\exp e_l}{\sum_{k} \exp e_k}, \qquad
    z = \sum_l a_l v_l .

``a`` is a probability distribution over the locations (the attention weights ``a_t`` of the book)
and ``z`` (D,) is the context vector ``z_t``. Locations can be masked out (padding): their score is
``-inf``, so their weight is exactly zero.

The additive score of Bahdanau et al. (2015), :func:`additive_attention_forward`, puts a small
network in place of the bilinear form: ``u_l = tanh(h W_q + v_l W_k)`` (A,), ``e_l = u_l . w``.

Batch-major as in the rest of :mod:`rnncourse.reference`: ``h`` (N, H), ``features`` (N, L, D),
``Wa`` (H, D); outputs ``z`` (N, D) and ``a`` (N, L).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnncourse._validation import Dims, check_bool_array, check_cache, check_float_array

__all__ = [
    "AttentionCache",
    "attention_forward",
    "attention_backward",
    "AdditiveAttentionCache",
    "additive_attention_forward",
    "additive_attention_backward",
]


@dataclass(frozen=True)
class AttentionCache:
    """What :func:`attention_backward` needs; treat it as opaque."""

    h: np.ndarray
    features: np.ndarray
    Wa: np.ndarray
    query: np.ndarray
    a: np.ndarray


def _validate(
    h: np.ndarray, features: np.ndarray, Wa: np.ndarray, mask: np.ndarray | None
) -> np.ndarray | None:
    dims = Dims()
    check_float_array("h", h, "(N, H)", dims)
    check_float_array("features", features, "(N, L, D)", dims)
    check_float_array("Wa", Wa, "(H, D)", dims)
    if mask is None:
        return None
    check_bool_array("mask", mask, "(N, L)", dims)
    if not mask.any(axis=1).all():
        raise ValueError(
            "mask must keep at least one location per example (a row of mask is all False)"
        )
    return mask


def attention_forward(
    h: np.ndarray, features: np.ndarray, Wa: np.ndarray, mask: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, AttentionCache]:
    """One soft-attention read: weights over the ``L`` locations and the context vector.

    Parameters
    ----------
    h : ndarray, shape (N, H)
        The query (a decoder hidden state).
    features : ndarray, shape (N, L, D)
        The ``L`` vectors that can be attended to (grid cells of a CNN feature map, encoder states).
    Wa : ndarray, shape (H, D)
        Bilinear scoring matrix.
    mask : ndarray of bool, shape (N, L), optional
        False marks locations that must get zero weight (padding). Each row needs one True.

    Returns
    -------
    z : ndarray, shape (N, D)
        Context vectors ``z = sum_l a_l v_l``.
    a : ndarray, shape (N, L)
        Attention weights; every row is non-negative and sums to one.
    cache : AttentionCache
        For :func:`attention_backward`.
    """
    mask = _validate(h, features, Wa, mask)
    query = h @ Wa  # (N, D): what the decoder is looking for, in feature space
    scores = np.einsum("nld,nd->nl", features, query)
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    # Subtracting the row maximum keeps exp() from overflowing; masked entries become exp(-inf) = 0.
    shifted = scores - scores.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    a = e / e.sum(axis=1, keepdims=True)
    z = np.einsum("nl,nld->nd", a, features)
    return z, a, AttentionCache(h=h, features=features, Wa=Wa, query=query, a=a)


def attention_backward(
    dz: np.ndarray, cache: AttentionCache, da: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of :func:`attention_forward`.

    Parameters
    ----------
    dz : ndarray, shape (N, D)
        Upstream gradient of the loss with respect to the context ``z``.
    cache : AttentionCache
        From :func:`attention_forward`.
    da : ndarray, shape (N, L), optional
        Upstream gradient with respect to the weights ``a`` themselves (for a loss that also looks
        at the weights, e.g. the "doubly stochastic" penalty of Show, Attend and Tell).
        Default: none.

    Returns
    -------
    dh : ndarray, shape (N, H)
    dfeatures : ndarray, shape (N, L, D)
        Sum of the two paths: through ``z`` (as values) and through the scores (as keys).
    dWa : ndarray, shape (H, D)
    """
    check_cache(cache, AttentionCache, "attention_forward")
    a, feats = cache.a, cache.features
    N, L, D = feats.shape
    check_float_array("dz", dz, "(N, D)", Dims(N=N, D=D))
    da_total = np.einsum("nld,nd->nl", feats, dz)  # z = sum_l a_l v_l  =>  dz/da_l = v_l
    if da is not None:
        check_float_array("da", da, "(N, L)", Dims(N=N, L=L))
        da_total = da_total + da
    # Softmax Jacobian-vector product: de_l = a_l (da_l - sum_k a_k da_k).
    # A masked location has a_l = 0, so it gets de_l = 0.
    de = a * (da_total - np.sum(a * da_total, axis=1, keepdims=True))
    dfeatures = a[:, :, None] * dz[:, None, :] + de[:, :, None] * cache.query[:, None, :]
    dquery = np.einsum("nl,nld->nd", de, feats)
    dh = dquery @ cache.Wa.T
    dWa = cache.h.T @ dquery
    return dh, dfeatures, dWa


@dataclass(frozen=True)
class AdditiveAttentionCache:
    """What :func:`additive_attention_backward` needs; treat it as opaque."""

    h: np.ndarray
    features: np.ndarray
    Wq: np.ndarray
    Wk: np.ndarray
    w: np.ndarray
    u: np.ndarray
    a: np.ndarray


def additive_attention_forward(
    h: np.ndarray, features: np.ndarray, Wq: np.ndarray, Wk: np.ndarray, w: np.ndarray
) -> tuple[np.ndarray, np.ndarray, AdditiveAttentionCache]:
    """Soft attention with the additive score ``e_l = w . tanh(h Wq + v_l Wk)``.

    Parameters
    ----------
    h : ndarray, shape (N, H)
        The query (decoder state).
    features : ndarray, shape (N, L, D)
        The vectors ``v_l`` attended to (keys and values).
    Wq : ndarray, shape (H, A)
    Wk : ndarray, shape (D, A)
    w : ndarray, shape (A,)

    Returns
    -------
    z : ndarray, shape (N, D)
        Context ``z = sum_l a_l v_l``.
    a : ndarray, shape (N, L)
        Weights ``a = softmax(e)``.
    cache : AdditiveAttentionCache
    """
    dims = Dims()
    check_float_array("h", h, "(N, H)", dims)
    check_float_array("features", features, "(N, L, D)", dims)
    check_float_array("Wq", Wq, "(H, A)", dims)
    check_float_array("Wk", Wk, "(D, A)", dims)
    check_float_array("w", w, "(A,)", dims)
    u = np.tanh((h @ Wq)[:, None, :] + features @ Wk)  # (N, L, A)
    e = u @ w  # (N, L)
    a = np.exp(e - e.max(axis=1, keepdims=True))
    a /= a.sum(axis=1, keepdims=True)
    z = np.einsum("nl,nld->nd", a, features)
    return z, a, AdditiveAttentionCache(h, features, Wq, Wk, w, u, a)


def additive_attention_backward(
    dz: np.ndarray, cache: AdditiveAttentionCache
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of :func:`additive_attention_forward`.

    Parameters
    ----------
    dz : ndarray, shape (N, D)
        Upstream gradient with respect to the context ``z``.
    cache : AdditiveAttentionCache

    Returns
    -------
    dh : ndarray (N, H)
    dfeatures : ndarray (N, L, D)
        Through ``z`` (values) plus through the scores (keys).
    dWq : ndarray (H, A)
    dWk : ndarray (D, A)
    dw : ndarray (A,)
    """
    check_cache(cache, AdditiveAttentionCache, "additive_attention_forward")
    N, L, D = cache.features.shape
    check_float_array("dz", dz, "(N, D)", Dims(N=N, D=D))
    a, u, feats = cache.a, cache.u, cache.features
    da = np.einsum("nld,nd->nl", feats, dz)  # z = sum_l a_l v_l
    de = a * (da - np.sum(a * da, axis=1, keepdims=True))  # softmax Jacobian
    dw = np.einsum("nl,nla->a", de, u)  # e_l = u_l . w
    dpre = de[:, :, None] * cache.w * (1 - u**2)  # u = tanh(pre), (N, L, A)
    dWq = cache.h.T @ dpre.sum(axis=1)
    dWk = np.einsum("nld,nla->da", feats, dpre)
    dh = dpre.sum(axis=1) @ cache.Wq.T
    dfeatures = a[:, :, None] * dz[:, None, :] + dpre @ cache.Wk.T
    return dh, dfeatures, dWq, dWk, dw
