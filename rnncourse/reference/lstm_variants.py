r"""Two LSTM variants from the notes: peephole connections and coupled input/forget gates.

**Peephole LSTM** (Gers and Schmidhuber, 2000). The gates also look at the cell state, through
diagonal ("peephole") weights ``P = [p_i, p_f, p_o]`` (3H,); the input and forget gates see the
previous cell, the output gate the new one:

.. math::

    i_t &= \sigma(a_i + p_i \odot c_{t-1}), \quad f_t = \sigma(a_f + p_f \odot c_{t-1}), \quad
    g_t = \tanh(a_g) \\
    c_t &= f_t \odot c_{t-1} + i_t \odot g_t, \quad
    o_t = \sigma(a_o + p_o \odot c_t), \quad h_t = o_t \odot \tanh(c_t)

where ``[a_i, a_f, a_g, a_o] = x_t Wx + h_{t-1} Wh + b`` exactly as in :mod:`.lstm` (same shapes,
same torch gate order). The notes draw the peepholes as full matrices acting on
:math:`[C_{t-1}, h_{t-1}, x_t]`; the diagonal form here is the one of the original paper and of most
libraries. Setting ``P = 0`` gives back the plain LSTM.

**Coupled LSTM**. Instead of deciding separately what to forget and what to add, the cell forgets
exactly where it writes: :math:`f_t = 1 - i_t`, so

.. math:: c_t = (1 - i_t) \odot c_{t-1} + i_t \odot g_t,

which is the GRU's interpolation moved into an LSTM. There is no forget block, so ``Wx`` is
(D, 3H), ``Wh`` (H, 3H) and ``b`` (3H,) with blocks ``[i, g, o]``.

Both are vectorised like :mod:`.lstm` (one product for the input projection of the whole sequence,
one recurrent product per step); torch has neither, so ``rnncourse.nn.LSTM(peephole=True)`` /
``(coupled=True)`` are checked against this module.
"""

from __future__ import annotations

import numpy as np

from rnncourse._validation import Dims, check_cache, check_float_array
from rnncourse.reference._base import (
    Cache,
    blas_single_thread,
    cast_all,
    check_cell_args,
    check_sequence_grad,
    sequence_param_grads,
)
from rnncourse.reference.layers import _sigmoid_

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


class _VariantCache(Cache):
    """Shared layout: inputs, weights, activated gates, cell states, tanh of cells, outputs."""

    __slots__ = ("x", "h0", "c0", "Wx", "Wh", "P", "gates", "c", "tc", "h")

    def __init__(
        self, x: np.ndarray, h0: np.ndarray, c0: np.ndarray, Wx: np.ndarray, Wh: np.ndarray,
        P: np.ndarray | None, gates: np.ndarray, c: np.ndarray, tc: np.ndarray, h: np.ndarray,
    ) -> None:
        self.x, self.h0, self.c0, self.Wx, self.Wh, self.P = x, h0, c0, Wx, Wh, P
        self.gates, self.c, self.tc, self.h = gates, c, tc, h


class PeepholeLSTMStepCache(_VariantCache):
    """Cache of :func:`peephole_lstm_step_forward` (``h0``/``c0`` hold h_prev/c_prev)."""

    __slots__ = ()
    producer = "peephole_lstm_step_forward"


class PeepholeLSTMCache(_VariantCache):
    """Cache of :func:`peephole_lstm_forward`; ``gates`` (N, T, 4H) holds ``[i, f, g, o]``."""

    __slots__ = ()
    producer = "peephole_lstm_forward"


class CoupledLSTMStepCache(_VariantCache):
    """Cache of :func:`coupled_lstm_step_forward`."""

    __slots__ = ()
    producer = "coupled_lstm_step_forward"


class CoupledLSTMCache(_VariantCache):
    """Cache of :func:`coupled_lstm_forward`; ``gates`` (N, T, 3H) holds ``[i, g, o]``."""

    __slots__ = ()
    producer = "coupled_lstm_forward"


# ---------------------------------------------------------------------------------------------
# Cell kernels
# ---------------------------------------------------------------------------------------------
def _peephole_cell(
    a: np.ndarray, c_prev: np.ndarray, P: np.ndarray, c: np.ndarray, tc: np.ndarray,
    h: np.ndarray,
) -> None:
    """``a`` (N, 4H) pre-activations (without peepholes) become gates [i, f, g, o] in place."""
    H = c.shape[1]
    i, f, g, o = (a[:, k * H:(k + 1) * H] for k in range(4))
    i += P[:H] * c_prev
    f += P[H: 2 * H] * c_prev
    _sigmoid_(a[:, : 2 * H])
    np.tanh(g, out=g)
    np.multiply(f, c_prev, out=c)
    c += i * g
    o += P[2 * H:] * c  # the output gate peeks at the *new* cell
    _sigmoid_(o)
    np.tanh(c, out=tc)
    np.multiply(o, tc, out=h)


def _peephole_cell_backward(
    dh: np.ndarray, dc: np.ndarray, gates: np.ndarray, c_prev: np.ndarray, c: np.ndarray,
    tc: np.ndarray, P: np.ndarray, da: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Returns (dc_prev, dP) and writes the pre-activation gradients into ``da`` (N, 4H)."""
    H = c.shape[1]
    i, f, g, o = (gates[:, k * H:(k + 1) * H] for k in range(4))
    dai, daf, dag, dao = (da[:, k * H:(k + 1) * H] for k in range(4))
    np.multiply(dh * tc, o * (1.0 - o), out=dao)
    dct = dc + dh * o * (1.0 - tc * tc) + dao * P[2 * H:]  # total dL/dc_t
    np.multiply(dct * g, i * (1.0 - i), out=dai)
    np.multiply(dct * c_prev, f * (1.0 - f), out=daf)
    np.multiply(dct * i, 1.0 - g * g, out=dag)
    dc_prev = dct * f + dai * P[:H] + daf * P[H: 2 * H]
    dP = np.concatenate([(dai * c_prev).sum(0), (daf * c_prev).sum(0), (dao * c).sum(0)])
    return dc_prev, dP


def _coupled_cell(
    a: np.ndarray, c_prev: np.ndarray, c: np.ndarray, tc: np.ndarray, h: np.ndarray
) -> None:
    """``a`` (N, 3H) pre-activations become gates [i, g, o] in place; f = 1 - i."""
    H = c.shape[1]
    i, g, o = (a[:, k * H:(k + 1) * H] for k in range(3))
    _sigmoid_(i)
    np.tanh(g, out=g)
    _sigmoid_(o)
    np.subtract(g, c_prev, out=c)  # c = c_prev + i * (g - c_prev)
    c *= i
    c += c_prev
    np.tanh(c, out=tc)
    np.multiply(o, tc, out=h)


def _coupled_cell_backward(
    dh: np.ndarray, dc: np.ndarray, gates: np.ndarray, c_prev: np.ndarray, tc: np.ndarray,
    da: np.ndarray,
) -> np.ndarray:
    """Returns dc_prev and writes the pre-activation gradients into ``da`` (N, 3H)."""
    H = tc.shape[1]
    i, g, o = (gates[:, k * H:(k + 1) * H] for k in range(3))
    dai, dag, dao = (da[:, k * H:(k + 1) * H] for k in range(3))
    np.multiply(dh * tc, o * (1.0 - o), out=dao)
    dct = dc + dh * o * (1.0 - tc * tc)
    np.multiply(dct * (g - c_prev), i * (1.0 - i), out=dai)
    np.multiply(dct * i, 1.0 - g * g, out=dag)
    return dct * (1.0 - i)


# ---------------------------------------------------------------------------------------------
# Shared drivers
# ---------------------------------------------------------------------------------------------
def _forward(
    x: np.ndarray, h0: np.ndarray | None, c0: np.ndarray | None, Wx: np.ndarray, Wh: np.ndarray,
    b: np.ndarray, P: np.ndarray | None, cache_cls: type[_VariantCache],
) -> tuple[np.ndarray, _VariantCache]:
    N, T, D = x.shape
    H = Wh.shape[0]
    kH = Wh.shape[1]
    h0 = np.zeros((N, H), dtype=Wh.dtype) if h0 is None else h0
    c0 = np.zeros((N, H), dtype=Wh.dtype) if c0 is None else c0
    gates = (x.reshape(N * T, D) @ Wx).reshape(N, T, kH)
    gates += b
    c, tc, h = (np.empty((N, T, H), dtype=gates.dtype) for _ in range(3))
    tmp = np.empty((N, kH), dtype=gates.dtype)
    h_prev, c_prev = h0, c0
    with blas_single_thread():
        for t in range(T):
            a = gates[:, t]
            np.matmul(h_prev, Wh, out=tmp)
            a += tmp
            if P is not None:
                _peephole_cell(a, c_prev, P, c[:, t], tc[:, t], h[:, t])
            else:
                _coupled_cell(a, c_prev, c[:, t], tc[:, t], h[:, t])
            h_prev, c_prev = h[:, t], c[:, t]
    return h, cache_cls(x, h0, c0, Wx, Wh, P, gates, c, tc, h)


def _backward(
    dh: np.ndarray, cache: _VariantCache, dcT: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray | None,
           np.ndarray]:
    """Returns (dx, dh0, dWx, dWh, db, dP or None, dc0); ``dcT`` is a gradient on the last c."""
    Wh, P, gates, c, tc, h = cache.Wh, cache.P, cache.gates, cache.c, cache.tc, cache.h
    N, T, H = h.shape
    da = np.empty_like(gates)
    dh_next = np.zeros((N, H), dtype=gates.dtype)
    dc_next = np.zeros((N, H), dtype=gates.dtype) if dcT is None else dcT.astype(gates.dtype)
    dP = None if P is None else np.zeros_like(P)
    WhT = Wh.T
    with blas_single_thread():
        for t in range(T - 1, -1, -1):
            dht = dh[:, t] + dh_next
            c_prev = c[:, t - 1] if t > 0 else cache.c0
            if P is not None:
                dc_next, dP_t = _peephole_cell_backward(dht, dc_next, gates[:, t], c_prev, c[:, t],
                                                        tc[:, t], P, da[:, t])
                dP += dP_t
            else:
                dc_next = _coupled_cell_backward(dht, dc_next, gates[:, t], c_prev, tc[:, t],
                                                 da[:, t])
            np.matmul(da[:, t], WhT, out=dh_next)
    dx, dWx, dWh, db = sequence_param_grads(da, cache.x, cache.Wx, cache.h0, h)
    return dx, dh_next, dWx, dWh, db, dP, dc_next


def _step_as_sequence(
    x: np.ndarray, h_prev: np.ndarray, c_prev: np.ndarray, Wx: np.ndarray, Wh: np.ndarray,
    b: np.ndarray, P: np.ndarray | None, cache_cls: type[_VariantCache],
) -> tuple[np.ndarray, np.ndarray, _VariantCache]:
    """A step is a sequence of length 1: same kernels, no duplicated maths."""
    h, cache = _forward(x[:, None], h_prev, c_prev, Wx, Wh, b, P, cache_cls)
    return h[:, 0], cache.c[:, 0], cache


# ---------------------------------------------------------------------------------------------
# Peephole LSTM
# ---------------------------------------------------------------------------------------------
def peephole_lstm_step_forward(
    x: np.ndarray, h_prev: np.ndarray, c_prev: np.ndarray, Wx: np.ndarray, Wh: np.ndarray,
    b: np.ndarray, P: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, PeepholeLSTMStepCache]:
    """One step of a peephole LSTM.

    Parameters
    ----------
    x : numpy.ndarray, shape (N, D)
        Input at this step.
    h_prev, c_prev : numpy.ndarray, shape (N, H)
        Previous hidden and cell states.
    Wx : numpy.ndarray, shape (D, 4H)
        Input weights, blocks ``[i, f, g, o]``.
    Wh : numpy.ndarray, shape (H, 4H)
        Recurrent weights.
    b : numpy.ndarray, shape (4H,)
        Bias.
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
    args = cast_all(x, h_prev, c_prev, Wx, Wh, b, P)
    return _step_as_sequence(*args, PeepholeLSTMStepCache)


def peephole_lstm_step_backward(
    dh: np.ndarray, dc: np.ndarray, cache: PeepholeLSTMStepCache
) -> tuple[np.ndarray, ...]:
    """Backward pass of :func:`peephole_lstm_step_forward`.

    Parameters
    ----------
    dh, dc : numpy.ndarray, shape (N, H)
        Gradients with respect to the new hidden and cell states.
    cache : PeepholeLSTMStepCache
        From :func:`peephole_lstm_step_forward`.

    Returns
    -------
    dx : numpy.ndarray, shape (N, D)
    dh_prev, dc_prev : numpy.ndarray, shape (N, H)
    dWx : numpy.ndarray, shape (D, 4H)
    dWh : numpy.ndarray, shape (H, 4H)
    db : numpy.ndarray, shape (4H,)
    dP : numpy.ndarray, shape (3H,)
    """
    check_cache(cache, PeepholeLSTMStepCache, "peephole_lstm_step_forward")
    dx, dh_prev, dWx, dWh, db, dP, dc_prev = _step_backward(dh, dc, cache)
    return dx, dh_prev, dc_prev, dWx, dWh, db, dP


def _step_backward(
    dh: np.ndarray, dc: np.ndarray, cache: _VariantCache
) -> tuple[np.ndarray, ...]:
    N, H = cache.h0.shape
    dims = Dims(N=N, H=H)
    check_float_array("dh", dh, "(N, H)", dims)
    check_float_array("dc", dc, "(N, H)", dims)
    # A step is a sequence of length 1 whose cell gradient starts from dc instead of zeros.
    dx, *rest = _backward(dh[:, None], cache, dcT=dc)
    return (dx[:, 0], *rest)


def peephole_lstm_forward(
    x: np.ndarray, h0: np.ndarray | None, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray,
    P: np.ndarray, c0: np.ndarray | None = None,
) -> tuple[np.ndarray, PeepholeLSTMCache]:
    """Run a peephole LSTM over a whole sequence.

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
    P : numpy.ndarray, shape (3H,)
        Diagonal peephole weights ``[p_i, p_f, p_o]``.
    c0 : numpy.ndarray, shape (N, H), optional
        Initial cell state; zeros if None.

    Returns
    -------
    h : numpy.ndarray, shape (N, T, H)
        Hidden states.
    cache : PeepholeLSTMCache
        For :func:`peephole_lstm_backward`.
    """
    dims = check_cell_args(x, Wx, Wh, b, 4, sequence=True, h0=h0, c0=c0)
    check_float_array("P", P, "(3H,)", dims)
    x, h0, c0, Wx, Wh, b, P = cast_all(x, h0, c0, Wx, Wh, b, P)
    return _forward(x, h0, c0, Wx, Wh, b, P, PeepholeLSTMCache)


def peephole_lstm_backward(
    dh: np.ndarray, cache: PeepholeLSTMCache, return_dc0: bool = False
) -> tuple[np.ndarray, ...]:
    """Backpropagation through time for :func:`peephole_lstm_forward`.

    Parameters
    ----------
    dh : numpy.ndarray, shape (N, T, H)
        Upstream gradient with respect to every hidden state.
    cache : PeepholeLSTMCache
        From :func:`peephole_lstm_forward`.
    return_dc0 : bool, default False
        Also return the gradient with respect to ``c0`` (last).

    Returns
    -------
    dx : numpy.ndarray, shape (N, T, D)
    dh0 : numpy.ndarray, shape (N, H)
    dWx : numpy.ndarray, shape (D, 4H)
    dWh : numpy.ndarray, shape (H, 4H)
    db : numpy.ndarray, shape (4H,)
    dP : numpy.ndarray, shape (3H,)
    dc0 : numpy.ndarray, shape (N, H)
        Only if ``return_dc0``.
    """
    check_sequence_grad(dh, cache, PeepholeLSTMCache)
    dx, dh0, dWx, dWh, db, dP, dc0 = _backward(dh, cache)
    out = (dx, dh0, dWx, dWh, db, dP)
    return (*out, dc0) if return_dc0 else out


# ---------------------------------------------------------------------------------------------
# Coupled LSTM
# ---------------------------------------------------------------------------------------------
def coupled_lstm_step_forward(
    x: np.ndarray, h_prev: np.ndarray, c_prev: np.ndarray, Wx: np.ndarray, Wh: np.ndarray,
    b: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, CoupledLSTMStepCache]:
    """One step of an LSTM with coupled input and forget gates (f = 1 - i).

    Parameters
    ----------
    x : numpy.ndarray, shape (N, D)
        Input at this step.
    h_prev, c_prev : numpy.ndarray, shape (N, H)
        Previous hidden and cell states.
    Wx : numpy.ndarray, shape (D, 3H)
        Input weights, blocks ``[i, g, o]``.
    Wh : numpy.ndarray, shape (H, 3H)
        Recurrent weights.
    b : numpy.ndarray, shape (3H,)
        Bias.

    Returns
    -------
    h, c : numpy.ndarray, shape (N, H)
        New hidden and cell states.
    cache : CoupledLSTMStepCache
        For :func:`coupled_lstm_step_backward`.
    """
    check_cell_args(x, Wx, Wh, b, 3, sequence=False, h_prev=h_prev, c_prev=c_prev)
    args = cast_all(x, h_prev, c_prev, Wx, Wh, b)
    return _step_as_sequence(*args, None, CoupledLSTMStepCache)


def coupled_lstm_step_backward(
    dh: np.ndarray, dc: np.ndarray, cache: CoupledLSTMStepCache
) -> tuple[np.ndarray, ...]:
    """Backward pass of :func:`coupled_lstm_step_forward`.

    Parameters
    ----------
    dh, dc : numpy.ndarray, shape (N, H)
        Gradients with respect to the new hidden and cell states.
    cache : CoupledLSTMStepCache
        From :func:`coupled_lstm_step_forward`.

    Returns
    -------
    dx : numpy.ndarray, shape (N, D)
    dh_prev, dc_prev : numpy.ndarray, shape (N, H)
    dWx : numpy.ndarray, shape (D, 3H)
    dWh : numpy.ndarray, shape (H, 3H)
    db : numpy.ndarray, shape (3H,)
    """
    check_cache(cache, CoupledLSTMStepCache, "coupled_lstm_step_forward")
    dx, dh_prev, dWx, dWh, db, _, dc_prev = _step_backward(dh, dc, cache)
    return dx, dh_prev, dc_prev, dWx, dWh, db


def coupled_lstm_forward(
    x: np.ndarray, h0: np.ndarray | None, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray,
    c0: np.ndarray | None = None,
) -> tuple[np.ndarray, CoupledLSTMCache]:
    """Run a coupled-gate LSTM over a whole sequence.

    Parameters
    ----------
    x : numpy.ndarray, shape (N, T, D)
        Input sequence.
    h0 : numpy.ndarray, shape (N, H), or None
        Initial hidden state; zeros if None.
    Wx : numpy.ndarray, shape (D, 3H)
        Input weights, blocks ``[i, g, o]``.
    Wh : numpy.ndarray, shape (H, 3H)
        Recurrent weights.
    b : numpy.ndarray, shape (3H,)
        Bias.
    c0 : numpy.ndarray, shape (N, H), optional
        Initial cell state; zeros if None.

    Returns
    -------
    h : numpy.ndarray, shape (N, T, H)
        Hidden states.
    cache : CoupledLSTMCache
        For :func:`coupled_lstm_backward`.
    """
    check_cell_args(x, Wx, Wh, b, 3, sequence=True, h0=h0, c0=c0)
    x, h0, c0, Wx, Wh, b = cast_all(x, h0, c0, Wx, Wh, b)
    return _forward(x, h0, c0, Wx, Wh, b, None, CoupledLSTMCache)


def coupled_lstm_backward(
    dh: np.ndarray, cache: CoupledLSTMCache, return_dc0: bool = False
) -> tuple[np.ndarray, ...]:
    """Backpropagation through time for :func:`coupled_lstm_forward`.

    Parameters
    ----------
    dh : numpy.ndarray, shape (N, T, H)
        Upstream gradient with respect to every hidden state.
    cache : CoupledLSTMCache
        From :func:`coupled_lstm_forward`.
    return_dc0 : bool, default False
        Also return the gradient with respect to ``c0`` (last).

    Returns
    -------
    dx : numpy.ndarray, shape (N, T, D)
    dh0 : numpy.ndarray, shape (N, H)
    dWx : numpy.ndarray, shape (D, 3H)
    dWh : numpy.ndarray, shape (H, 3H)
    db : numpy.ndarray, shape (3H,)
    dc0 : numpy.ndarray, shape (N, H)
        Only if ``return_dc0``.
    """
    check_sequence_grad(dh, cache, CoupledLSTMCache)
    dx, dh0, dWx, dWh, db, _, dc0 = _backward(dh, cache)
    out = (dx, dh0, dWx, dWh, db)
    return (*out, dc0) if return_dc0 else out
