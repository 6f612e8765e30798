r"""Long short-term memory (LSTM) layer: forward and backward, one step and a whole sequence.

Equations (row vectors, batch-major; gate blocks in torch.nn order ``[i, f, g, o]``):

.. math::

    [a_i, a_f, a_g, a_o] &= x_t W_x + h_{t-1} W_h + b \\
    i_t = \sigma(a_i), \quad f_t &= \sigma(a_f), \quad g_t = \tanh(a_g), \quad o_t = \sigma(a_o) \\
    c_t &= f_t \odot c_{t-1} + i_t \odot g_t \\
    h_t &= o_t \odot \tanh(c_t)

Mapping to the notes, which write each gate as :math:`\sigma(W_\ast \cdot [h_{t-1}, x_t] + b_\ast)`
with column vectors, so that ``W_i``, ``W_f``, ``W_C``, ``W_o`` are each (H, H + D), their first H
columns acting on :math:`h_{t-1}` and the last D on :math:`x_t`:

- :math:`i_t, f_t, o_t` are the gate blocks ``i``, ``f``, ``o`` (``cache.i`` etc. after
  :func:`lstm_forward`); the candidate :math:`\tilde C_t` is block ``g``; :math:`C_t` is
  ``cache.c`` and :math:`h_t` is ``h[:, t]``;
- ``W_i[:, H:]``, ``W_f[:, H:]``, ``W_C[:, H:]``, ``W_o[:, H:]`` are ``Wx[:, 0:H].T``,
  ``Wx[:, H:2H].T``, ``Wx[:, 2H:3H].T``, ``Wx[:, 3H:4H].T``, i.e. the row blocks of torch's
  ``weight_ih_l0``;
- ``W_*[:, :H]`` are the same column blocks of ``Wh``, i.e. the row blocks of ``weight_hh_l0``;
- ``b_i, b_f, b_C, b_o`` are the blocks of ``b``.

So ``Wx = weight_ih_l0.T`` (D, 4H), ``Wh = weight_hh_l0.T`` (H, 4H) and ``b = bias_ih_l0 +
bias_hh_l0`` (4H,). In the video-course notation (:math:`\Gamma_u, \Gamma_f, \Gamma_o`,
:math:`c^{\langle t\rangle}`, :math:`\tilde c^{\langle t\rangle}`) the update gate
:math:`\Gamma_u` is ``i``, :math:`\Gamma_f` is ``f``, :math:`\Gamma_o` is ``o`` and
:math:`\tilde c^{\langle t\rangle}` is ``g``.

Implementation: the input projection of all T steps is one product; each step then does one fused
``(N, H) @ (H, 4H)`` product for all four gates and works in preallocated buffers. The backward pass
keeps the gate pre-activation gradients of every step and turns them into ``dx``, ``dWx``, ``dWh``
and ``db`` with one product each.
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

__all__ = ["lstm_step_forward", "lstm_step_backward", "lstm_forward", "lstm_backward"]


class LSTMStepCache(Cache):
    """Cache of :func:`lstm_step_forward`; ``gates`` is (N, 4H) holding ``[i, f, g, o]``."""

    __slots__ = ("x", "h_prev", "c_prev", "Wx", "Wh", "gates", "c", "tc")
    producer = "lstm_step_forward"

    def __init__(
        self, x: np.ndarray, h_prev: np.ndarray, c_prev: np.ndarray, Wx: np.ndarray,
        Wh: np.ndarray, gates: np.ndarray, c: np.ndarray, tc: np.ndarray,
    ) -> None:
        self.x, self.h_prev, self.c_prev, self.Wx, self.Wh = x, h_prev, c_prev, Wx, Wh
        self.gates, self.c, self.tc = gates, c, tc


class LSTMCache(Cache):
    """Cache of :func:`lstm_forward`.

    Attributes ``i``, ``f``, ``g``, ``o``, ``c``, ``h`` are (N, T, H) arrays with the gate
    activations, cell states and hidden states of every step (views, do not modify).
    """

    __slots__ = ("x", "h0", "c0", "Wx", "Wh", "gates", "c", "tc", "h")
    producer = "lstm_forward"

    def __init__(
        self, x: np.ndarray, h0: np.ndarray, c0: np.ndarray, Wx: np.ndarray, Wh: np.ndarray,
        gates: np.ndarray, c: np.ndarray, tc: np.ndarray, h: np.ndarray,
    ) -> None:
        self.x, self.h0, self.c0, self.Wx, self.Wh = x, h0, c0, Wx, Wh
        self.gates, self.c, self.tc, self.h = gates, c, tc, h

    @property
    def i(self) -> np.ndarray:
        """Input gate i_t, (N, T, H)."""
        return self._block(0)

    @property
    def f(self) -> np.ndarray:
        """Forget gate f_t, (N, T, H)."""
        return self._block(1)

    @property
    def g(self) -> np.ndarray:
        """Candidate cell g_t (the notes' C~_t), (N, T, H)."""
        return self._block(2)

    @property
    def o(self) -> np.ndarray:
        """Output gate o_t, (N, T, H)."""
        return self._block(3)


# ---------------------------------------------------------------------------------------------
# Cell kernels (no validation; shared by the step and sequence functions)
# ---------------------------------------------------------------------------------------------
def _lstm_activate_(a: np.ndarray, H: int) -> None:
    """Turn pre-activations (N, 4H) into gates [i, f, g, o] in place."""
    _sigmoid_(a[:, : 2 * H])
    np.tanh(a[:, 2 * H: 3 * H], out=a[:, 2 * H: 3 * H])
    _sigmoid_(a[:, 3 * H:])


def _lstm_cell_forward(
    gates: np.ndarray, c_prev: np.ndarray, c: np.ndarray, tc: np.ndarray, h: np.ndarray,
    scratch: np.ndarray,
) -> None:
    """Given activated gates, write c_t, tanh(c_t) and h_t into the output buffers."""
    H = c.shape[1]
    i, f, g, o = (gates[:, k * H:(k + 1) * H] for k in range(4))
    np.multiply(f, c_prev, out=c)
    np.multiply(i, g, out=scratch)
    c += scratch
    np.tanh(c, out=tc)
    np.multiply(o, tc, out=h)


def _lstm_cell_backward(
    dh: np.ndarray, dc: np.ndarray, gates: np.ndarray, c_prev: np.ndarray, tc: np.ndarray,
    dgates: np.ndarray, s: np.ndarray,
) -> None:
    """Back through one cell.

    ``dh`` is the total dL/dh_t (read only); ``dc`` holds dL/dc_t from later steps
    on entry and dL/dc_{t-1} on exit; ``dgates`` (N, 4H) receives the gate pre-activation
    gradients; ``s`` is an (N, H) scratch buffer.
    """
    H = tc.shape[1]
    i, f, g, o = (gates[:, k * H:(k + 1) * H] for k in range(4))
    di, df, dg, do = (dgates[:, k * H:(k + 1) * H] for k in range(4))
    np.multiply(dh, tc, out=do)  # dL/do before the sigmoid
    np.multiply(tc, tc, out=s)  # the path h -> tanh(c) -> c
    np.subtract(1.0, s, out=s)
    s *= o
    s *= dh
    dc += s  # total dL/dc_t
    np.subtract(1.0, o, out=s)
    s *= o
    do *= s
    np.multiply(dc, g, out=di)
    np.subtract(1.0, i, out=s)
    s *= i
    di *= s
    np.multiply(dc, c_prev, out=df)
    np.subtract(1.0, f, out=s)
    s *= f
    df *= s
    np.multiply(g, g, out=s)
    np.subtract(1.0, s, out=s)
    s *= i
    np.multiply(dc, s, out=dg)
    dc *= f  # now dL/dc_{t-1}


# ---------------------------------------------------------------------------------------------
# One step
# ---------------------------------------------------------------------------------------------
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
        Input at this step.
    h_prev : numpy.ndarray, shape (N, H)
        Previous hidden state.
    c_prev : numpy.ndarray, shape (N, H)
        Previous cell state.
    Wx : numpy.ndarray, shape (D, 4H)
        Input weights, blocks ``[i, f, g, o]`` (torch ``weight_ih_l0.T``).
    Wh : numpy.ndarray, shape (H, 4H)
        Recurrent weights, same blocks (torch ``weight_hh_l0.T``).
    b : numpy.ndarray, shape (4H,)
        Bias (torch ``bias_ih_l0 + bias_hh_l0``).

    Returns
    -------
    h : numpy.ndarray, shape (N, H)
        New hidden state.
    c : numpy.ndarray, shape (N, H)
        New cell state.
    cache : LSTMStepCache
        For :func:`lstm_step_backward`.
    """
    check_cell_args(x, Wx, Wh, b, 4, sequence=False, h_prev=h_prev, c_prev=c_prev)
    x, h_prev, c_prev, Wx, Wh, b = cast_all(x, h_prev, c_prev, Wx, Wh, b)
    N, H = h_prev.shape
    gates = x @ Wx
    gates += h_prev @ Wh
    gates += b
    _lstm_activate_(gates, H)
    c, tc, h = (np.empty((N, H), dtype=gates.dtype) for _ in range(3))
    _lstm_cell_forward(gates, c_prev, c, tc, h, np.empty_like(c))
    return h, c, LSTMStepCache(x, h_prev, c_prev, Wx, Wh, gates, c, tc)


def lstm_step_backward(
    dh: np.ndarray, dc: np.ndarray, cache: LSTMStepCache
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of :func:`lstm_step_forward`.

    Parameters
    ----------
    dh : numpy.ndarray, shape (N, H)
        Gradient with respect to the new hidden state.
    dc : numpy.ndarray, shape (N, H)
        Gradient with respect to the new cell state (from the next step; zeros at the end).
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
    check_cache(cache, LSTMStepCache, "lstm_step_forward")
    N, H = cache.c.shape
    dims = Dims(N=N, H=H)
    check_float_array("dh", dh, "(N, H)", dims)
    check_float_array("dc", dc, "(N, H)", dims)
    dtype = cache.gates.dtype
    dc_prev = dc.astype(dtype, copy=True)
    dgates = np.empty_like(cache.gates)
    _lstm_cell_backward(dh, dc_prev, cache.gates, cache.c_prev, cache.tc, dgates,
                        np.empty((N, H), dtype=dtype))
    return (
        dgates @ cache.Wx.T,
        dgates @ cache.Wh.T,
        dc_prev,
        cache.x.T @ dgates,
        cache.h_prev.T @ dgates,
        dgates.sum(axis=0),
    )


# ---------------------------------------------------------------------------------------------
# Whole sequence
# ---------------------------------------------------------------------------------------------
def lstm_forward(
    x: np.ndarray,
    h0: np.ndarray | None,
    Wx: np.ndarray,
    Wh: np.ndarray,
    b: np.ndarray,
    c0: np.ndarray | None = None,
) -> tuple[np.ndarray, LSTMCache]:
    """Run an LSTM over a whole sequence.

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
        Keeps the gates ``i, f, g, o`` and cell states ``c`` of every step (as attributes); for
        :func:`lstm_backward`.
    """
    check_cell_args(x, Wx, Wh, b, 4, sequence=True, h0=h0, c0=c0)
    x, h0, Wx, Wh, b, c0 = cast_all(x, h0, Wx, Wh, b, c0)
    return _lstm_forward(x, h0, Wx, Wh, b, c0)


def _lstm_forward(
    x: np.ndarray, h0: np.ndarray | None, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray,
    c0: np.ndarray | None = None,
) -> tuple[np.ndarray, LSTMCache]:
    N, T, D = x.shape
    H = Wh.shape[0]
    if h0 is None:
        h0 = np.zeros((N, H), dtype=Wh.dtype)
    if c0 is None:
        c0 = np.zeros((N, H), dtype=Wh.dtype)
    # sigmoid(a) = (1 + tanh(a / 2)) / 2: with the i, f, o columns of the weights halved
    # (exact in floating point), one tanh over the whole (N, 4H) row block activates all gates,
    # and only the sigmoid blocks need the affine fix-up.
    half = np.ones(4 * H, dtype=Wh.dtype)
    half[: 2 * H] = 0.5
    half[3 * H:] = 0.5
    Wh_half = Wh * half
    gates = (x.reshape(N * T, D) @ (Wx * half)).reshape(N, T, 4 * H)
    gates += b * half
    dtype = gates.dtype
    c, tc, h = (np.empty((N, T, H), dtype=dtype) for _ in range(3))
    tmp = np.empty((N, 4 * H), dtype=dtype)
    scratch = np.empty((N, H), dtype=dtype)
    h_prev, c_prev = h0, c0
    with blas_single_thread():
        for t in range(T):
            a = gates[:, t]
            np.matmul(h_prev, Wh_half, out=tmp)
            a += tmp
            np.tanh(a, out=a)
            for sig in (a[:, : 2 * H], a[:, 3 * H:]):
                sig *= 0.5
                sig += 0.5
            _lstm_cell_forward(a, c_prev, c[:, t], tc[:, t], h[:, t], scratch)
            h_prev, c_prev = h[:, t], c[:, t]
    return h, LSTMCache(x, h0, c0, Wx, Wh, gates, c, tc, h)


def lstm_backward(
    dh: np.ndarray, cache: LSTMCache, return_dc0: bool = False
) -> tuple[np.ndarray, ...]:
    """Backpropagation through time for :func:`lstm_forward`.

    Parameters
    ----------
    dh : numpy.ndarray, shape (N, T, H)
        Upstream gradient with respect to every hidden state.
    cache : LSTMCache
        From :func:`lstm_forward`.
    return_dc0 : bool, default False
        Also return the gradient with respect to the initial cell state ``c0``.

    Returns
    -------
    dx : numpy.ndarray, shape (N, T, D)
    dh0 : numpy.ndarray, shape (N, H)
    dWx : numpy.ndarray, shape (D, 4H)
    dWh : numpy.ndarray, shape (H, 4H)
    db : numpy.ndarray, shape (4H,)
    dc0 : numpy.ndarray, shape (N, H)
        Only if ``return_dc0`` is true.
    """
    check_sequence_grad(dh, cache, LSTMCache)
    dx, dh0, dWx, dWh, db, dc0 = _lstm_backward(dh, cache)
    return (dx, dh0, dWx, dWh, db, dc0) if return_dc0 else (dx, dh0, dWx, dWh, db)


def _lstm_backward(
    dh: np.ndarray, cache: LSTMCache, dcT: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""BPTT returning ``(dx, dh0, dWx, dWh, db, dc0)``; ``dcT`` is a gradient on the last c.

    Every factor that does not depend on the recurrence is computed for all steps at once, in
    the gradient buffer itself: with :math:`\delta h_t` the total gradient on h_t and
    :math:`\delta c_t` that on c_t,

    - ``da_o = δh ⊙ [tanh(c) ⊙ o(1-o)]``, ``δc_t += δh ⊙ [o ⊙ (1 - tanh²c)]``,
    - ``[da_i, da_f, da_g] = δc_t ⊙ [g ⊙ i(1-i), c_{t-1} ⊙ f(1-f), i ⊙ (1-g²)]``,
    - ``δc_{t-1} = δc_t ⊙ f``,

    so the loop is a handful of multiplications and one product per step (fast for small N too).
    """
    Wh, gates = cache.Wh, cache.gates
    c, tc, h = cache.c, cache.tc, cache.h
    N, T, H = h.shape
    dtype = gates.dtype
    i, f, g, o = (gates[..., k * H:(k + 1) * H] for k in range(4))
    dgates = np.empty_like(gates)
    Fi, Ff, Fg, Fo = (dgates[..., k * H:(k + 1) * H] for k in range(4))
    np.subtract(1.0, i, out=Fi)
    Fi *= i
    Fi *= g
    np.subtract(1.0, f, out=Ff)
    Ff *= f
    Ff[:, 0] *= cache.c0
    Ff[:, 1:] *= c[:, :-1]
    np.multiply(g, g, out=Fg)
    np.subtract(1.0, Fg, out=Fg)
    Fg *= i
    np.subtract(1.0, o, out=Fo)
    Fo *= o
    Fo *= tc
    Fc = np.multiply(tc, tc)  # dc_t / dh_t = o * (1 - tanh(c)^2)
    np.subtract(1.0, Fc, out=Fc)
    Fc *= o
    dh_next = np.zeros((N, H), dtype=dtype)
    dc = np.zeros((N, H), dtype=dtype) if dcT is None else dcT.astype(dtype, copy=True)
    dht = np.empty((N, H), dtype=dtype)
    s = np.empty((N, H), dtype=dtype)
    WhT = Wh.T
    with blas_single_thread():
        for t in range(T - 1, -1, -1):
            np.add(dh[:, t], dh_next, out=dht)
            np.multiply(dht, Fc[:, t], out=s)
            dc += s
            dg_t = dgates[:, t]
            dg_t[:, 3 * H:] *= dht
            dg_t[:, : 3 * H].reshape(N, 3, H)[...] *= dc[:, None, :]
            dc *= f[:, t]
            np.matmul(dg_t, WhT, out=dh_next)
    dx, dWx, dWh, db = sequence_param_grads(dgates, cache.x, cache.Wx, cache.h0, h)
    return dx, dh_next, dWx, dWh, db, dc
