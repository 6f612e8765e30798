r"""Long short-term memory (LSTM), chapter 9: one step and a whole sequence, forward and backward.

The book's equations (row vectors; gate blocks in torch.nn's order ``[i, f, g, o]``):

.. math::

    a_t &= x_t W_x + h_{t-1} W_h + b \qquad (N, 4H) \\
    i_t = \sigma(a_i), \quad f_t &= \sigma(a_f), \quad g_t = \tanh(a_g), \quad o_t = \sigma(a_o) \\
    c_t &= f_t \odot c_{t-1} + i_t \odot g_t \\
    h_t &= o_t \odot \tanh(c_t)

Each line is one line of :func:`lstm_step_forward`. Mapping to the notes (column vectors,
:math:`W_\ast [h_{t-1}; x_t] + b_\ast`) and to ``torch.nn.LSTM``: the candidate :math:`\tilde C_t`
(video course: :math:`\tilde c^{\langle t\rangle}`) is ``g``; the update gate :math:`\Gamma_u` is
``i``, :math:`\Gamma_f` is ``f``, :math:`\Gamma_o` is ``o``; the x-columns of ``W_i, W_f, W_C, W_o``
are the blocks of ``Wx.T`` = torch's ``weight_ih_l0``, their h-columns the blocks of ``Wh.T`` =
``weight_hh_l0``, and ``b`` = ``bias_ih_l0 + bias_hh_l0``.
"""

from __future__ import annotations

import numpy as np

from rnncourse.reference._base import (
    Cache,
    SequenceCache,
    check_cell_args,
    check_sequence_grad,
    check_step_grads,
    over_time,
    split_blocks,
)
from rnncourse.reference.layers import _sigmoid

__all__ = ["lstm_step_forward", "lstm_step_backward", "lstm_forward", "lstm_backward"]


class LSTMStepCache(Cache):
    """Cache of :func:`lstm_step_forward`: inputs, weights, gates i, f, g, o and c, h (N, H)."""

    __slots__ = ("x", "h_prev", "c_prev", "Wx", "Wh", "i", "f", "g", "o", "c", "h")
    producer = "lstm_step_forward"


class LSTMStates(SequenceCache):
    """A sequence cache of an LSTM (plain or a variant): gates and states read back as (N, T, H)."""

    __slots__ = ()
    i = over_time("i", "Input gate i_t, (N, T, H).")
    f = over_time("f", "Forget gate f_t, (N, T, H).")
    g = over_time("g", "Candidate g_t (the notes' C~_t), (N, T, H).")
    o = over_time("o", "Output gate o_t, (N, T, H).")
    c = over_time("c", "Cell state c_t, (N, T, H).")
    h = over_time("h", "Hidden state h_t, (N, T, H).")


class LSTMCache(LSTMStates):
    """Cache of :func:`lstm_forward`."""

    __slots__ = ()
    producer = "lstm_forward"


def lstm_step_forward(
    x: np.ndarray,
    h_prev: np.ndarray,
    c_prev: np.ndarray,
    Wx: np.ndarray,
    Wh: np.ndarray,
    b: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, LSTMStepCache]:
    """One LSTM time step.

    Parameters
    ----------
    x : numpy.ndarray, shape (N, D)
        Input at this step, x_t.
    h_prev : numpy.ndarray, shape (N, H)
        Previous hidden state h_{t-1}.
    c_prev : numpy.ndarray, shape (N, H)
        Previous cell state c_{t-1}.
    Wx : numpy.ndarray, shape (D, 4H)
        Input weights, blocks ``[i, f, g, o]`` (torch ``weight_ih_l0.T``).
    Wh : numpy.ndarray, shape (H, 4H)
        Recurrent weights, same blocks (torch ``weight_hh_l0.T``).
    b : numpy.ndarray, shape (4H,)
        Bias (torch ``bias_ih_l0 + bias_hh_l0``).

    Returns
    -------
    h : numpy.ndarray, shape (N, H)
        New hidden state h_t.
    c : numpy.ndarray, shape (N, H)
        New cell state c_t.
    cache : LSTMStepCache
        For :func:`lstm_step_backward`.
    """
    check_cell_args(x, Wx, Wh, b, 4, sequence=False, h_prev=h_prev, c_prev=c_prev)
    return _lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b)


def _lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
    """:func:`lstm_step_forward` without the argument checks (what the sequence loop calls)."""
    a = x @ Wx + h_prev @ Wh + b
    a_i, a_f, a_g, a_o = split_blocks(a, 4)
    i, f, g, o = _sigmoid(a_i), _sigmoid(a_f), np.tanh(a_g), _sigmoid(a_o)
    c = f * c_prev + i * g
    h = o * np.tanh(c)
    return (
        h,
        c,
        LSTMStepCache(
            x=x, h_prev=h_prev, c_prev=c_prev, Wx=Wx, Wh=Wh, i=i, f=f, g=g, o=o, c=c, h=h
        ),
    )


def lstm_step_backward(
    dh: np.ndarray, dc: np.ndarray, cache: LSTMStepCache
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of :func:`lstm_step_forward`: the forward's lines, read bottom up.

    Parameters
    ----------
    dh : numpy.ndarray, shape (N, H)
        Gradient with respect to the new hidden state h_t.
    dc : numpy.ndarray, shape (N, H)
        Gradient with respect to the new cell state c_t from later steps (zeros at the end).
    cache : LSTMStepCache
        From :func:`lstm_step_forward`.

    Returns
    -------
    dx : numpy.ndarray, shape (N, D)
    dh_prev : numpy.ndarray, shape (N, H)
    dc_prev : numpy.ndarray, shape (N, H)
    dWx : numpy.ndarray, shape (D, 4H)
    dWh : numpy.ndarray, shape (H, 4H)
    db : numpy.ndarray, shape (4H,)
    """
    check_step_grads(cache, LSTMStepCache, dh=dh, dc=dc)
    return _lstm_step_backward(dh, dc, cache)


def _lstm_step_backward(dh, dc, cache):
    """:func:`lstm_step_backward` without the checks: the forward's lines read bottom up.

    ``dh`` is the total gradient of h_t, ``dc`` what reaches c_t along the belt from step t + 1.
    """
    x, h_prev, c_prev, Wx, Wh = cache.x, cache.h_prev, cache.c_prev, cache.Wx, cache.Wh
    i, f, g, o, c = cache.i, cache.f, cache.g, cache.o, cache.c
    tanh_c = np.tanh(c)
    # h = o * tanh(c): c gets the path through tanh on top of what came from step t + 1.
    do = dh * tanh_c
    dc = dc + dh * o * (1 - tanh_c**2)
    # c = f * c_prev + i * g
    df, dc_prev, di, dg = dc * c_prev, dc * f, dc * g, dc * i  # dc_prev: the belt, diag(f_t)
    # Through the nonlinearities: sigma' = s(1 - s), tanh' = 1 - t², in the block order of a.
    da_i, da_f, da_g, da_o = di * i * (1 - i), df * f * (1 - f), dg * (1 - g**2), do * o * (1 - o)
    da = np.concatenate([da_i, da_f, da_g, da_o], axis=1)
    # a = x @ Wx + h_prev @ Wh + b
    dx = da @ Wx.T
    dh_prev = da @ Wh.T
    dWx = x.T @ da
    dWh = h_prev.T @ da
    db = da.sum(axis=0)
    return dx, dh_prev, dc_prev, dWx, dWh, db


def lstm_forward(
    x: np.ndarray,
    h0: np.ndarray | None,
    Wx: np.ndarray,
    Wh: np.ndarray,
    b: np.ndarray,
    c0: np.ndarray | None = None,
) -> tuple[np.ndarray, LSTMCache]:
    """Run an LSTM over a whole sequence: the step applied at t = 1..T.

    Parameters
    ----------
    x : numpy.ndarray, shape (N, T, D)
        Input sequence.
    h0 : numpy.ndarray, shape (N, H), or None
        Initial hidden state; zeros if None.
    Wx : numpy.ndarray, shape (D, 4H)
        Input weights, blocks ``[i, f, g, o]``.
    Wh : numpy.ndarray, shape (H, 4H)
        Recurrent weights.
    b : numpy.ndarray, shape (4H,)
        Bias.
    c0 : numpy.ndarray, shape (N, H), optional
        Initial cell state; zeros if None.

    Returns
    -------
    h : numpy.ndarray, shape (N, T, H)
        Hidden state at every step.
    cache : LSTMCache
        Gates ``i, f, g, o`` and cell states ``c`` of every step as attributes; for
        :func:`lstm_backward`.
    """
    check_cell_args(x, Wx, Wh, b, 4, sequence=True, h0=h0, c0=c0)  # once: steps are unchecked
    N, T, _ = x.shape
    zeros = np.zeros((N, Wh.shape[0]), np.result_type(x, Wh))
    h_t = zeros if h0 is None else h0
    c_t = zeros if c0 is None else c0
    hs, steps = [], []
    for t in range(T):
        h_t, c_t, step = _lstm_step_forward(x[:, t], h_t, c_t, Wx, Wh, b)
        hs.append(h_t)
        steps.append(step)
    return np.stack(hs, axis=1), LSTMCache(steps=steps)


def lstm_backward(
    dh: np.ndarray, cache: LSTMCache
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""Backpropagation through time for :func:`lstm_forward` (chapter 9).

    Two gradients travel back from step t + 1: ``dh_next`` to :math:`h_t` (through the four
    gates, each a product with :math:`W_h^\top`) and ``dc_next`` to :math:`c_t` along the belt,
    :math:`\partial c_{t+1}/\partial c_t = \operatorname{diag}(f_{t+1})` (no matrix, no
    :math:`\tanh'`). The weight gradients are sums over the steps.

    Parameters
    ----------
    dh : numpy.ndarray, shape (N, T, H)
        Upstream gradient with respect to every hidden state.
    cache : LSTMCache
        From :func:`lstm_forward`.

    Returns
    -------
    dx : numpy.ndarray, shape (N, T, D)
    dh0 : numpy.ndarray, shape (N, H)
    dWx : numpy.ndarray, shape (D, 4H)
    dWh : numpy.ndarray, shape (H, 4H)
    db : numpy.ndarray, shape (4H,)
    """
    check_sequence_grad(dh, cache, LSTMCache)
    N, T, H = dh.shape
    dx = [None] * T
    dWx, dWh, db = 0, 0, 0  # sums over the steps; the first += makes them arrays
    dh_next = np.zeros((N, H), dh.dtype)  # to h_t from step t + 1 (nothing after step T)
    dc_next = np.zeros((N, H), dh.dtype)  # to c_t along the belt from step t + 1
    for t in reversed(range(T)):
        delta = dh[:, t] + dh_next  # the total gradient of h_t
        step = _lstm_step_backward(delta, dc_next, cache.steps[t])
        dx[t], dh_next, dc_next, dWx_t, dWh_t, db_t = step  # now the gradients of h, c at t - 1
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    dh0 = dh_next
    return np.stack(dx, axis=1), dh0, dWx, dWh, db
