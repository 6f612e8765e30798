r"""The peephole LSTM of the notes (chapter 9).

**Peephole LSTM** (Gers and Schmidhuber, 2000). The gates also look at the cell state, through
diagonal ("peephole") weights ``P = [p_i, p_f, p_o]`` (3H,); the input and forget gates see the
previous cell, the output gate the new one:

.. math::

    i_t &= \sigma(a_i + p_i \odot c_{t-1}), \quad f_t = \sigma(a_f + p_f \odot c_{t-1}), \quad
    g_t = \tanh(a_g) \\
    c_t &= f_t \odot c_{t-1} + i_t \odot g_t, \quad
    o_t = \sigma(a_o + p_o \odot c_t), \quad h_t = o_t \odot \tanh(c_t)

where ``a_t = x_t Wx + h_{t-1} Wh + b`` with blocks ``[i, f, g, o]`` exactly as in :mod:`.lstm`.
The notes draw the peepholes as full matrices acting on :math:`[C_{t-1}, h_{t-1}, x_t]`; the
diagonal form here is the one of the original paper and of most libraries. ``P = 0`` gives back
the plain LSTM.

Torch has no peephole LSTM, so ``rnncourse.nn.LSTM(peephole=True)`` is checked against this
module.
"""

from __future__ import annotations

import numpy as np

from rnncourse._validation import check_float_array
from rnncourse.reference._base import (
    Cache,
    check_cell_args,
    check_sequence_grad,
    check_step_grads,
    split_blocks,
)
from rnncourse.reference.layers import _sigmoid
from rnncourse.reference.lstm import LSTMStates, LSTMStepCache

__all__ = [
    "peephole_lstm_step_forward",
    "peephole_lstm_step_backward",
    "peephole_lstm_forward",
    "peephole_lstm_backward",
]


class PeepholeLSTMStepCache(Cache):
    """Cache of :func:`peephole_lstm_step_forward`."""

    __slots__ = (*LSTMStepCache.__slots__, "P")
    producer = "peephole_lstm_step_forward"


class PeepholeLSTMCache(LSTMStates):
    """Cache of :func:`peephole_lstm_forward`."""

    __slots__ = ()
    producer = "peephole_lstm_forward"


def peephole_lstm_step_forward(
    x: np.ndarray,
    h_prev: np.ndarray,
    c_prev: np.ndarray,
    Wx: np.ndarray,
    Wh: np.ndarray,
    b: np.ndarray,
    P: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, PeepholeLSTMStepCache]:
    """One step of a peephole LSTM.

    Parameters
    ----------
    x, h_prev, c_prev, Wx, Wh, b : numpy.ndarray
        As in :func:`~rnncourse.reference.lstm_step_forward`: (N, D), (N, H), (N, H), (D, 4H),
        (H, 4H), (4H,), blocks ``[i, f, g, o]``.
    P : numpy.ndarray, shape (3H,)
        Diagonal peephole weights ``[p_i, p_f, p_o]``.

    Returns
    -------
    h, c : numpy.ndarray, shape (N, H)
        New hidden and cell states.
    cache : PeepholeLSTMStepCache
        For :func:`peephole_lstm_step_backward`.
    """
    dims = check_cell_args(x, Wx, Wh, b, 4, sequence=False, h_prev=h_prev, c_prev=c_prev)
    check_float_array("P", P, "(3H,)", dims)
    return _peephole_step_forward(x, h_prev, c_prev, Wx, Wh, b, P)


def _peephole_step_forward(x, h_prev, c_prev, Wx, Wh, b, P):
    """:func:`peephole_lstm_step_forward` without the argument checks."""
    a = x @ Wx + h_prev @ Wh + b
    a_i, a_f, a_g, a_o = split_blocks(a, 4)
    p_i, p_f, p_o = split_blocks(P, 3)
    i = _sigmoid(a_i + p_i * c_prev)
    f = _sigmoid(a_f + p_f * c_prev)
    g = np.tanh(a_g)
    c = f * c_prev + i * g
    o = _sigmoid(a_o + p_o * c)  # the output gate peeks at the new cell
    h = o * np.tanh(c)
    return (
        h,
        c,
        PeepholeLSTMStepCache(
            x=x, h_prev=h_prev, c_prev=c_prev, Wx=Wx, Wh=Wh, P=P, i=i, f=f, g=g, o=o, c=c, h=h
        ),
    )


def peephole_lstm_step_backward(
    dh: np.ndarray, dc: np.ndarray, cache: PeepholeLSTMStepCache
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of :func:`peephole_lstm_step_forward`.

    Parameters
    ----------
    dh, dc : numpy.ndarray, shape (N, H)
        As in :func:`~rnncourse.reference.lstm_step_backward`.
    cache : PeepholeLSTMStepCache
        From :func:`peephole_lstm_step_forward`.

    Returns
    -------
    dx : numpy.ndarray, shape (N, D)
    dh_prev : numpy.ndarray, shape (N, H)
    dc_prev : numpy.ndarray, shape (N, H)
    dWx : numpy.ndarray, shape (D, 4H)
    dWh : numpy.ndarray, shape (H, 4H)
    db : numpy.ndarray, shape (4H,)
    dP : numpy.ndarray, shape (3H,)
    """
    check_step_grads(cache, PeepholeLSTMStepCache, dh=dh, dc=dc)
    return _peephole_step_backward(dh, dc, cache)


def _peephole_step_backward(dh, dc, cache):
    """:func:`peephole_lstm_step_backward` without the argument checks."""
    x, h_prev, c_prev, Wx, Wh = cache.x, cache.h_prev, cache.c_prev, cache.Wx, cache.Wh
    i, f, g, o, c = cache.i, cache.f, cache.g, cache.o, cache.c
    p_i, p_f, p_o = split_blocks(cache.P, 3)
    tanh_c = np.tanh(c)
    # h = o * tanh(c), o = _sigmoid(a_o + p_o * c): c is reached through tanh and through o.
    da_o = dh * tanh_c * o * (1 - o)
    dc = dc + dh * o * (1 - tanh_c**2) + da_o * p_o
    # c = f * c_prev + i * g, then i and f through their sigmoids, which also read c_prev.
    da_i, da_f, da_g = dc * g * i * (1 - i), dc * c_prev * f * (1 - f), dc * i * (1 - g**2)
    dc_prev = dc * f + da_i * p_i + da_f * p_f
    dP = np.concatenate([(da_i * c_prev).sum(0), (da_f * c_prev).sum(0), (da_o * c).sum(0)])
    da = np.concatenate([da_i, da_f, da_g, da_o], axis=1)
    dx = da @ Wx.T
    dh_prev = da @ Wh.T
    dWx = x.T @ da
    dWh = h_prev.T @ da
    db = da.sum(axis=0)
    return dx, dh_prev, dc_prev, dWx, dWh, db, dP


def peephole_lstm_forward(
    x: np.ndarray,
    h0: np.ndarray | None,
    Wx: np.ndarray,
    Wh: np.ndarray,
    b: np.ndarray,
    P: np.ndarray,
    c0: np.ndarray | None = None,
) -> tuple[np.ndarray, PeepholeLSTMCache]:
    """Run a peephole LSTM over a whole sequence: the step applied at t = 1..T.

    Parameters
    ----------
    x, h0, Wx, Wh, b, c0 : numpy.ndarray
        As in :func:`~rnncourse.reference.lstm_forward`: (N, T, D), (N, H) or None, (D, 4H),
        (H, 4H), (4H,), (N, H) or None; blocks ``[i, f, g, o]``.
    P : numpy.ndarray, shape (3H,)
        Diagonal peephole weights ``[p_i, p_f, p_o]``.

    Returns
    -------
    h : numpy.ndarray, shape (N, T, H)
        Hidden states.
    cache : PeepholeLSTMCache
        For :func:`peephole_lstm_backward`.
    """
    dims = check_cell_args(x, Wx, Wh, b, 4, sequence=True, h0=h0, c0=c0)
    check_float_array("P", P, "(3H,)", dims)
    N, T, _ = x.shape
    zeros = np.zeros((N, Wh.shape[0]), np.result_type(x, Wh))
    h_t = zeros if h0 is None else h0
    c_t = zeros if c0 is None else c0
    hs, steps = [], []
    for t in range(T):
        h_t, c_t, step = _peephole_step_forward(x[:, t], h_t, c_t, Wx, Wh, b, P)
        hs.append(h_t)
        steps.append(step)
    return np.stack(hs, axis=1), PeepholeLSTMCache(steps=steps)


def peephole_lstm_backward(
    dh: np.ndarray, cache: PeepholeLSTMCache
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Backpropagation through time for :func:`peephole_lstm_forward`.

    Parameters
    ----------
    dh : numpy.ndarray, shape (N, T, H)
        Upstream gradient with respect to every hidden state.
    cache : PeepholeLSTMCache
        From :func:`peephole_lstm_forward`.

    Returns
    -------
    dx : numpy.ndarray, shape (N, T, D)
    dh0 : numpy.ndarray, shape (N, H)
    dWx : numpy.ndarray, shape (D, 4H)
    dWh : numpy.ndarray, shape (H, 4H)
    db : numpy.ndarray, shape (4H,)
    dP : numpy.ndarray, shape (3H,)
    """
    check_sequence_grad(dh, cache, PeepholeLSTMCache)
    N, T, H = dh.shape
    dx = [None] * T
    dWx, dWh, db, dP = 0, 0, 0, 0  # sums over the steps; the first += makes them arrays
    dh_next = np.zeros((N, H), dh.dtype)  # to h_t from step t + 1 (nothing after step T)
    dc_next = np.zeros((N, H), dh.dtype)  # to c_t from step t + 1: belt and peepholes
    for t in reversed(range(T)):
        delta = dh[:, t] + dh_next
        step = _peephole_step_backward(delta, dc_next, cache.steps[t])
        dx[t], dh_next, dc_next, dWx_t, dWh_t, db_t, dP_t = step
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
        dP += dP_t
    dh0 = dh_next
    return np.stack(dx, axis=1), dh0, dWx, dWh, db, dP
