r"""The coupled-gate LSTM of the notes (chapter 9).

**Coupled LSTM**, in the notes' form. The cell writes exactly where it forgets,
:math:`i_t = 1 - f_t`, so

.. math:: c_t = f_t \odot c_{t-1} + (1 - f_t) \odot g_t,

the GRU's interpolation inside an LSTM. There is no input-gate block, so ``Wx`` is (D, 3H),
``Wh`` (H, 3H) and ``b`` (3H,) with blocks ``[f, g, o]`` (the LSTM's order without ``i``).

Torch has no coupled LSTM, so ``rnncourse.nn.LSTM(coupled=True)`` is checked against this
module.
"""

from __future__ import annotations

import numpy as np

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
    "coupled_lstm_step_forward",
    "coupled_lstm_step_backward",
    "coupled_lstm_forward",
    "coupled_lstm_backward",
]


class CoupledLSTMStepCache(Cache):
    """Cache of :func:`coupled_lstm_step_forward`."""

    __slots__ = LSTMStepCache.__slots__
    producer = "coupled_lstm_step_forward"


class CoupledLSTMCache(LSTMStates):
    """Cache of :func:`coupled_lstm_forward`."""

    __slots__ = ()
    producer = "coupled_lstm_forward"


def coupled_lstm_step_forward(
    x: np.ndarray,
    h_prev: np.ndarray,
    c_prev: np.ndarray,
    Wx: np.ndarray,
    Wh: np.ndarray,
    b: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, CoupledLSTMStepCache]:
    """One step of an LSTM with coupled gates, ``i = 1 - f``.

    Parameters
    ----------
    x, h_prev, c_prev : numpy.ndarray
        As in :func:`~rnncourse.reference.lstm_step_forward`: (N, D), (N, H), (N, H).
    Wx, Wh, b : numpy.ndarray, shapes (D, 3H), (H, 3H), (3H,)
        Weights and bias with blocks ``[f, g, o]`` (no ``i`` block: ``i = 1 - f``).

    Returns
    -------
    h, c : numpy.ndarray, shape (N, H)
        New hidden and cell states.
    cache : CoupledLSTMStepCache
        For :func:`coupled_lstm_step_backward`.
    """
    check_cell_args(x, Wx, Wh, b, 3, sequence=False, h_prev=h_prev, c_prev=c_prev)
    return _coupled_step_forward(x, h_prev, c_prev, Wx, Wh, b)


def _coupled_step_forward(x, h_prev, c_prev, Wx, Wh, b):
    """:func:`coupled_lstm_step_forward` without the argument checks."""
    a = x @ Wx + h_prev @ Wh + b
    a_f, a_g, a_o = split_blocks(a, 3)
    f, g, o = _sigmoid(a_f), np.tanh(a_g), _sigmoid(a_o)
    i = 1 - f
    c = f * c_prev + i * g
    h = o * np.tanh(c)
    return (
        h,
        c,
        CoupledLSTMStepCache(
            x=x, h_prev=h_prev, c_prev=c_prev, Wx=Wx, Wh=Wh, i=i, f=f, g=g, o=o, c=c, h=h
        ),
    )


def coupled_lstm_step_backward(
    dh: np.ndarray, dc: np.ndarray, cache: CoupledLSTMStepCache
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of :func:`coupled_lstm_step_forward`.

    Parameters
    ----------
    dh, dc : numpy.ndarray, shape (N, H)
        As in :func:`~rnncourse.reference.lstm_step_backward`.
    cache : CoupledLSTMStepCache
        From :func:`coupled_lstm_step_forward`.

    Returns
    -------
    dx : numpy.ndarray, shape (N, D)
    dh_prev : numpy.ndarray, shape (N, H)
    dc_prev : numpy.ndarray, shape (N, H)
    dWx : numpy.ndarray, shape (D, 3H)
    dWh : numpy.ndarray, shape (H, 3H)
    db : numpy.ndarray, shape (3H,)
    """
    check_step_grads(cache, CoupledLSTMStepCache, dh=dh, dc=dc)
    return _coupled_step_backward(dh, dc, cache)


def _coupled_step_backward(dh, dc, cache):
    """:func:`coupled_lstm_step_backward` without the argument checks."""
    x, h_prev, c_prev, Wx, Wh = cache.x, cache.h_prev, cache.c_prev, cache.Wx, cache.Wh
    i, f, g, o, c = cache.i, cache.f, cache.g, cache.o, cache.c
    tanh_c = np.tanh(c)
    # h = o * tanh(c)
    do = dh * tanh_c
    dc = dc + dh * o * (1 - tanh_c**2)
    # c = f * c_prev + (1 - f) * g: f is reached twice, directly and through i = 1 - f.
    df, dc_prev, dg = dc * (c_prev - g), dc * f, dc * i
    da = np.concatenate([df * f * (1 - f), dg * (1 - g**2), do * o * (1 - o)], axis=1)
    dx = da @ Wx.T
    dh_prev = da @ Wh.T
    dWx = x.T @ da
    dWh = h_prev.T @ da
    db = da.sum(axis=0)
    return dx, dh_prev, dc_prev, dWx, dWh, db


def coupled_lstm_forward(
    x: np.ndarray,
    h0: np.ndarray | None,
    Wx: np.ndarray,
    Wh: np.ndarray,
    b: np.ndarray,
    c0: np.ndarray | None = None,
) -> tuple[np.ndarray, CoupledLSTMCache]:
    """Run a coupled-gate LSTM over a whole sequence: the step applied at t = 1..T.

    Parameters
    ----------
    x, h0, c0 : numpy.ndarray
        As in :func:`~rnncourse.reference.lstm_forward`: (N, T, D), (N, H) or None, (N, H) or None.
    Wx, Wh, b : numpy.ndarray, shapes (D, 3H), (H, 3H), (3H,)
        Weights and bias with blocks ``[f, g, o]`` (no ``i`` block: ``i = 1 - f``).

    Returns
    -------
    h : numpy.ndarray, shape (N, T, H)
        Hidden states.
    cache : CoupledLSTMCache
        For :func:`coupled_lstm_backward`.
    """
    check_cell_args(x, Wx, Wh, b, 3, sequence=True, h0=h0, c0=c0)
    N, T, _ = x.shape
    zeros = np.zeros((N, Wh.shape[0]), np.result_type(x, Wh))
    h_t = zeros if h0 is None else h0
    c_t = zeros if c0 is None else c0
    hs, steps = [], []
    for t in range(T):
        h_t, c_t, step = _coupled_step_forward(x[:, t], h_t, c_t, Wx, Wh, b)
        hs.append(h_t)
        steps.append(step)
    return np.stack(hs, axis=1), CoupledLSTMCache(steps=steps)


def coupled_lstm_backward(
    dh: np.ndarray, cache: CoupledLSTMCache
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Backpropagation through time for :func:`coupled_lstm_forward`.

    Parameters
    ----------
    dh : numpy.ndarray, shape (N, T, H)
        Upstream gradient with respect to every hidden state.
    cache : CoupledLSTMCache
        From :func:`coupled_lstm_forward`.

    Returns
    -------
    dx : numpy.ndarray, shape (N, T, D)
    dh0 : numpy.ndarray, shape (N, H)
    dWx : numpy.ndarray, shape (D, 3H)
    dWh : numpy.ndarray, shape (H, 3H)
    db : numpy.ndarray, shape (3H,)
    """
    check_sequence_grad(dh, cache, CoupledLSTMCache)
    N, T, H = dh.shape
    dx = [None] * T
    dWx, dWh, db = 0, 0, 0  # sums over the steps; the first += makes them arrays
    dh_next = np.zeros((N, H), dh.dtype)  # to h_t from step t + 1 (nothing after step T)
    dc_next = np.zeros((N, H), dh.dtype)  # to c_t along the belt from step t + 1
    for t in reversed(range(T)):
        delta = dh[:, t] + dh_next
        step = _coupled_step_backward(delta, dc_next, cache.steps[t])
        dx[t], dh_next, dc_next, dWx_t, dWh_t, db_t = step
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    dh0 = dh_next
    return np.stack(dx, axis=1), dh0, dWx, dWh, db
