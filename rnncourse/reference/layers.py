r"""Output-side layers and numerically stable activations.

The output of a recurrent layer at step t is a score vector

.. math:: s_t = h_t W_y + b_y, \qquad \hat y_t = \operatorname{softmax}(s_t),

which is the notes' :math:`\hat y^{\langle t\rangle} = g(W_{ya} a^{\langle t\rangle} + b_y)` written
with row vectors: ``Wy`` (H, V) is :math:`W_{ya}^\top` and ``by`` is :math:`b_y`. In PyTorch this is
an ``nn.Linear(H, V)`` with ``weight = Wy.T`` and ``bias = by``.

The loss of a sequence is the cross-entropy summed over time steps and averaged over the batch,

.. math:: L = -\frac{1}{N}\sum_{n=1}^{N}\sum_{t=1}^{T} m_{n,t}\,\log \hat y_{n,t}[y_{n,t}],

with an optional mask :math:`m` that switches padded steps off.

Stable activations: ``sigmoid`` never calls ``exp`` on a positive number, ``softmax`` and
``log_softmax`` subtract the row maximum first, so none of them overflows or warns at
:math:`|x| = 1000`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rnncourse._validation import (
    Dims,
    check_bool_array,
    check_cache,
    check_float_array,
    check_int_array,
)
from rnncourse.reference._base import Cache

__all__ = [
    "sigmoid",
    "softmax",
    "log_softmax",
    "affine_forward",
    "affine_backward",
    "temporal_affine_forward",
    "temporal_affine_backward",
    "temporal_softmax_loss",
]


# ---------------------------------------------------------------------------------------------
# Activations
# ---------------------------------------------------------------------------------------------
def sigmoid(x: np.ndarray) -> np.ndarray:
    r"""Logistic function :math:`\sigma(x) = 1 / (1 + e^{-x})`, stable for any float input.

    For :math:`x \ge 0` it evaluates :math:`1/(1+e^{-x})`, for :math:`x < 0` the equal form
    :math:`e^{x}/(1+e^{x})`, so ``exp`` only ever sees non-positive numbers.

    Parameters
    ----------
    x : numpy.ndarray
        Any shape, float dtype.

    Returns
    -------
    numpy.ndarray
        Same shape and dtype as ``x``, values in [0, 1].
    """
    check_float_array("x", x)
    with np.errstate(under="ignore"):  # exp(-1000) -> 0 is the right answer, not an error
        return _sigmoid(x)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    """:func:`sigmoid` without the argument check, for the cells' inner steps.

    It also leaves out the ``errstate``: ``exp`` underflows to 0 (the right answer) only for
    :math:`|x| > 745` (float64) or 103 (float32), which NumPy ignores unless told to raise.
    """
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))  # Python floats keep x's dtype


def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """Softmax along ``axis``, computed after subtracting the maximum (no overflow).

    Parameters
    ----------
    x : numpy.ndarray
        Scores of any shape, float dtype.
    axis : int, default -1
        Axis that sums to one.

    Returns
    -------
    numpy.ndarray
        Probabilities, same shape and dtype as ``x``.
    """
    check_float_array("x", x)
    z = x - x.max(axis=axis, keepdims=True)
    with np.errstate(under="ignore"):  # tiny probabilities flush to 0, which is fine
        np.exp(z, out=z)
        z /= z.sum(axis=axis, keepdims=True)
    return z


def log_softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """Logarithm of the softmax along ``axis``: ``x - max - log(sum(exp(x - max)))``.

    Parameters
    ----------
    x : numpy.ndarray
        Scores of any shape, float dtype.
    axis : int, default -1
        Axis of the distribution.

    Returns
    -------
    numpy.ndarray
        Log-probabilities, same shape and dtype as ``x`` (all finite for finite input).
    """
    check_float_array("x", x)
    z = x - x.max(axis=axis, keepdims=True)
    with np.errstate(under="ignore"):  # the max entry contributes exp(0) = 1, so the sum >= 1
        z -= np.log(np.exp(z).sum(axis=axis, keepdims=True))
    return z


# ---------------------------------------------------------------------------------------------
# Affine layers
# ---------------------------------------------------------------------------------------------
class AffineCache(Cache):
    """Cache of :func:`affine_forward`."""

    __slots__ = ("x", "W")
    producer = "affine_forward"


def affine_forward(x: np.ndarray, W: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, AffineCache]:
    """Fully connected layer ``out = x @ W + b``.

    Parameters
    ----------
    x : numpy.ndarray, shape (N, D)
        Inputs as rows.
    W : numpy.ndarray, shape (D, M)
        Weights.
    b : numpy.ndarray, shape (M,)
        Bias.

    Returns
    -------
    out : numpy.ndarray, shape (N, M)
        Outputs.
    cache : AffineCache
        For :func:`affine_backward`.
    """
    dims = Dims()
    check_float_array("x", x, "(N, D)", dims)
    check_float_array("W", W, "(D, M)", dims)
    check_float_array("b", b, "(M,)", dims)
    return x @ W + b, AffineCache(x=x, W=W)


def affine_backward(
    dout: np.ndarray, cache: AffineCache
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of :func:`affine_forward`.

    Parameters
    ----------
    dout : numpy.ndarray, shape (N, M)
        Upstream gradient.
    cache : AffineCache
        From :func:`affine_forward`.

    Returns
    -------
    dx : numpy.ndarray, shape (N, D)
    dW : numpy.ndarray, shape (D, M)
    db : numpy.ndarray, shape (M,)
    """
    check_cache(cache, AffineCache, "affine_forward")
    x, W = cache.x, cache.W
    check_float_array("dout", dout, "(N, M)", Dims(N=x.shape[0], M=W.shape[1]))
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)


class TemporalAffineCache(Cache):
    """Cache of :func:`temporal_affine_forward`."""

    __slots__ = ("h", "Wy")
    producer = "temporal_affine_forward"


def temporal_affine_forward(
    h: np.ndarray, Wy: np.ndarray, by: np.ndarray
) -> tuple[np.ndarray, TemporalAffineCache]:
    """Apply the same affine map to every time step: ``scores[:, t] = h[:, t] @ Wy + by``.

    One matrix product over all N*T rows.

    Parameters
    ----------
    h : numpy.ndarray, shape (N, T, H)
        Hidden states.
    Wy : numpy.ndarray, shape (H, V)
        Output weights (the notes' :math:`W_{ya}` transposed; torch ``Linear.weight.T``).
    by : numpy.ndarray, shape (V,)
        Output bias (the notes' :math:`b_y`).

    Returns
    -------
    scores : numpy.ndarray, shape (N, T, V)
    cache : TemporalAffineCache
        For :func:`temporal_affine_backward`.
    """
    dims = Dims()
    check_float_array("h", h, "(N, T, H)", dims)
    check_float_array("Wy", Wy, "(H, V)", dims)
    check_float_array("by", by, "(V,)", dims)
    return h @ Wy + by, TemporalAffineCache(h=h, Wy=Wy)


def temporal_affine_backward(
    dout: np.ndarray, cache: TemporalAffineCache
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of :func:`temporal_affine_forward`.

    Parameters
    ----------
    dout : numpy.ndarray, shape (N, T, V)
        Gradient of the loss with respect to the scores.
    cache : TemporalAffineCache
        From :func:`temporal_affine_forward`.

    Returns
    -------
    dh : numpy.ndarray, shape (N, T, H)
    dWy : numpy.ndarray, shape (H, V)
    dby : numpy.ndarray, shape (V,)
    """
    check_cache(cache, TemporalAffineCache, "temporal_affine_forward")
    N, T, H = cache.h.shape
    check_float_array("dout", dout, "(N, T, V)", Dims(N=N, T=T, V=cache.Wy.shape[1]))
    h, Wy = cache.h, cache.Wy
    # The same W_y at every step: its gradient sums over all N*T rows.
    dWy = h.reshape(N * T, H).T @ dout.reshape(N * T, -1)
    return dout @ Wy.T, dWy, dout.sum(axis=(0, 1))


def temporal_softmax_loss(
    scores: np.ndarray, y: np.ndarray, mask: np.ndarray | None = None
) -> tuple[float, np.ndarray]:
    r"""Softmax cross-entropy summed over time, averaged over the batch (CS231n convention).

    .. math:: L = -\frac{1}{N}\sum_{n,t} m_{n,t} \log \operatorname{softmax}(s_{n,t})[y_{n,t}]

    Parameters
    ----------
    scores : numpy.ndarray, shape (N, T, V)
        Unnormalised scores.
    y : numpy.ndarray of int, shape (N, T)
        Targets in ``[0, V)``.
    mask : numpy.ndarray of bool, shape (N, T), optional
        ``False`` where a step is padding and must not count; all ``True`` if omitted.

    Returns
    -------
    loss : float
        The loss L.
    dscores : numpy.ndarray, shape (N, T, V)
        Gradient of L with respect to ``scores``: ``(softmax(s) - onehot(y)) * m / N``.
    """
    dims = Dims()
    check_float_array("scores", scores, "(N, T, V)", dims)
    check_int_array("y", y, "(N, T)", dims, high=dims["V"])
    if mask is not None:
        check_bool_array("mask", mask, "(N, T)", dims)
    N, T, V = scores.shape
    logp = log_softmax(scores.reshape(N * T, V))
    yf = y.reshape(N * T)
    rows = np.arange(N * T)
    picked = logp[rows, yf]
    m: Any = 1.0 if mask is None else mask.reshape(N * T)
    loss = -float(np.sum(picked * m)) / N
    with np.errstate(under="ignore"):
        dscores = np.exp(logp)  # softmax, reusing the log-probabilities
    dscores[rows, yf] -= 1.0
    if mask is None:
        dscores /= N
    else:
        dscores *= (mask.reshape(N * T, 1) / N).astype(scores.dtype, copy=False)
    return loss, dscores.reshape(N, T, V)
