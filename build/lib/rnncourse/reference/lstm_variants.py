r"""Two LSTM variants from the notes (chapter 9): peephole connections and coupled gates.

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

**Coupled LSTM**, in the notes' form. The cell writes exactly where it forgets,
:math:`i_t = 1 - f_t`, so

.. math:: c_t = f_t \odot c_{t-1} + (1 - f_t) \odot g_t,

the GRU's interpolation inside an LSTM. There is no input-gate block, so ``Wx`` is (D, 3H),
``Wh`` (H, 3H) and ``b`` (3H,) with blocks ``[f, g, o]`` (the LSTM's order without ``i``).

Torch has neither variant, so ``rnncourse.nn.LSTM(peephole=True)`` / ``(coupled=True)`` are
checked against this module.
"""

from __future__ import annotations

import numpy as np

from rnncourse._validation import check_float_array
from rnncourse.reference._base import (
    Cache,
    backprop_through_time,
    check_cell_args,
    check_sequence_grad,
    check_step_grads,
    forward_through_time,
    zeros_if_none,
)
from rnncourse.reference.layers import sigmoid
from rnncourse.reference.lstm import LSTMStates

__all__ = [
    "peephole_lstm_step_forward",
    "peephole_lstm_step_backward",
    "peephole_lstm_forward",
    "peephole_lstm_backward",
    "coupled_lstm_step_forward",
    "coupled_lstm_step_backward",
    "coupled_lstm_forward",
    "coupled_lstm_backward",
]

_STEP_FIELDS = ("x", "h_prev", "c_prev", "Wx", "Wh", "i", "f", "g", "o", "c", "h")


class PeepholeLSTMStepCache(Cache):
    """Cache of :func:`peephole_lstm_step_forward`."""

    __slots__ = (*_STEP_FIELDS, "P")
    producer = "peephole_lstm_step_forward"


class CoupledLSTMStepCache(Cache):
    """Cache of :func:`coupled_lstm_step_forward`."""

    __slots__ = _STEP_FIELDS
    producer = "coupled_lstm_step_forward"


class PeepholeLSTMCache(LSTMStates):
    """Cache of :func:`peephole_lstm_forward`."""

    __slots__ = ()
    producer = "peephole_lstm_forward"


class CoupledLSTMCache(LSTMStates):
    """Cache of :func:`coupled_lstm_forward`."""

    __slots__ = ()
    producer = "coupled_lstm_forward"


# ---------------------------------------------------------------------------------------------
# Peephole LSTM
# ---------------------------------------------------------------------------------------------
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
    a = x @ Wx + h_prev @ Wh + b
    a_i, a_f, a_g, a_o = np.split(a, 4, axis=1)
    p_i, p_f, p_o = np.split(P, 3)
    i = sigmoid(a_i + p_i * c_prev)
    f = sigmoid(a_f + p_f * c_prev)
    g = np.tanh(a_g)
    c = f * c_prev + i * g
    o = sigmoid(a_o + p_o * c)  # the output gate peeks at the new cell
    h = o * np.tanh(c)
    fields = {"x": x, "h_prev": h_prev, "c_prev": c_prev, "Wx": Wx, "Wh": Wh, "P": P}
    return h, c, PeepholeLSTMStepCache(**fields, i=i, f=f, g=g, o=o, c=c, h=h)


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
    x, h_prev, c_prev, Wx, Wh = cache.x, cache.h_prev, cache.c_prev, cache.Wx, cache.Wh
    i, f, g, o, c = cache.i, cache.f, cache.g, cache.o, cache.c
    p_i, p_f, p_o = np.split(cache.P, 3)
    tanh_c = np.tanh(c)
    # h = o * tanh(c), o = sigmoid(a_o + p_o * c): c is reached through tanh and through o.
    da_o = dh * tanh_c * o * (1 - o)
    dc = dc + dh * o * (1 - tanh_c**2) + da_o * p_o
    # c = f * c_prev + i * g, then i and f through their sigmoids, which also read c_prev.
    da_i, da_f, da_g = dc * g * i * (1 - i), dc * c_prev * f * (1 - f), dc * i * (1 - g**2)
    dc_prev = dc * f + da_i * p_i + da_f * p_f
    dP = np.concatenate([(da_i * c_prev).sum(0), (da_f * c_prev).sum(0), (da_o * c).sum(0)])
    da = np.concatenate([da_i, da_f, da_g, da_o], axis=1)
    return da @ Wx.T, da @ Wh.T, dc_prev, x.T @ da, h_prev.T @ da, da.sum(axis=0), dP


def peephole_lstm_forward(
    x: np.ndarray,
    h0: np.ndarray | None,
    Wx: np.ndarray,
    Wh: np.ndarray,
    b: np.ndarray,
    P: np.ndarray,
    c0: np.ndarray | None = None,
) -> tuple[np.ndarray, PeepholeLSTMCache]:
    """Run a peephole LSTM over a whole sequence, one step function call per step.

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
    states = zeros_if_none(h0, x, Wh), zeros_if_none(c0, x, Wh)
    steps = forward_through_time(peephole_lstm_step_forward, x, states, Wx, Wh, b, P)
    cache = PeepholeLSTMCache(steps=steps)
    return cache.h, cache


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
    return backprop_through_time(peephole_lstm_step_backward, dh, cache.steps, with_cell=True)


# ---------------------------------------------------------------------------------------------
# Coupled LSTM
# ---------------------------------------------------------------------------------------------
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
    a = x @ Wx + h_prev @ Wh + b
    a_f, a_g, a_o = np.split(a, 3, axis=1)
    f, g, o = sigmoid(a_f), np.tanh(a_g), sigmoid(a_o)
    i = 1 - f
    c = f * c_prev + i * g
    h = o * np.tanh(c)
    fields = {"x": x, "h_prev": h_prev, "c_prev": c_prev, "Wx": Wx, "Wh": Wh}
    return h, c, CoupledLSTMStepCache(**fields, i=i, f=f, g=g, o=o, c=c, h=h)


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
    x, h_prev, c_prev, Wx, Wh = cache.x, cache.h_prev, cache.c_prev, cache.Wx, cache.Wh
    i, f, g, o, c = cache.i, cache.f, cache.g, cache.o, cache.c
    tanh_c = np.tanh(c)
    # h = o * tanh(c)
    do = dh * tanh_c
    dc = dc + dh * o * (1 - tanh_c**2)
    # c = f * c_prev + (1 - f) * g: f is reached twice, directly and through i = 1 - f.
    df, dc_prev, dg = dc * (c_prev - g), dc * f, dc * i
    da = np.concatenate([df * f * (1 - f), dg * (1 - g**2), do * o * (1 - o)], axis=1)
    return da @ Wx.T, da @ Wh.T, dc_prev, x.T @ da, h_prev.T @ da, da.sum(axis=0)


def coupled_lstm_forward(
    x: np.ndarray,
    h0: np.ndarray | None,
    Wx: np.ndarray,
    Wh: np.ndarray,
    b: np.ndarray,
    c0: np.ndarray | None = None,
) -> tuple[np.ndarray, CoupledLSTMCache]:
    """Run a coupled-gate LSTM over a whole sequence, one step function call per step.

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
    states = zeros_if_none(h0, x, Wh), zeros_if_none(c0, x, Wh)
    steps = forward_through_time(coupled_lstm_step_forward, x, states, Wx, Wh, b)
    cache = CoupledLSTMCache(steps=steps)
    return cache.h, cache


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
    return backprop_through_time(coupled_lstm_step_backward, dh, cache.steps, with_cell=True)
