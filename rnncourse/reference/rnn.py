r"""Vanilla (Elman) recurrent layer: forward and backward, one step and a whole sequence.

Equations (row vectors, batch-major; ``x_t`` is (N, D), ``h_t`` is (N, H)):

.. math::

    a_t = x_t W_x + h_{t-1} W_h + b, \qquad h_t = g(a_t), \qquad g = \tanh \text{ or ReLU}.

Mapping to the notes, which use column vectors,
:math:`a^{\langle t\rangle} = g(W_{aa} a^{\langle t-1\rangle} + W_{ax} x^{\langle t\rangle} + b_a)`,
and to ``torch.nn.RNN`` (``batch_first=True``):

- :math:`a^{\langle t\rangle}` (also written :math:`h_t`) is ``h[:, t]``, torch's ``output[:, t]``;
- :math:`W_{ax}` (H, D) is ``Wx.T``; ``Wx`` (D, H) equals torch's ``weight_ih_l0.T``;
- :math:`W_{aa}` (H, H) is ``Wh.T``; ``Wh`` (H, H) equals torch's ``weight_hh_l0.T``;
- :math:`b_a` (H,) is ``b``, which equals torch's ``bias_ih_l0 + bias_hh_l0`` (torch keeps two
  biases that only ever appear as a sum).

The notes' stacked form :math:`W_a = [W_{aa} \,|\, W_{ax}]` applied to
:math:`[a^{\langle t-1\rangle}; x^{\langle t\rangle}]` is the same product split in two:
``h_prev @ Wh + x @ Wx``.

Implementation: ``rnn_forward`` projects the whole input sequence with one matrix product
(``x.reshape(N*T, D) @ Wx``), then does one ``(N, H) @ (H, H)`` product per step, writing into
preallocated buffers. ``rnn_backward`` runs the recurrence backwards once per step and computes
``dWx``, ``dWh``, ``db`` and ``dx`` with single products over all N*T rows.
"""

from __future__ import annotations

import numpy as np

from rnncourse._validation import Dims, check_cache, check_choice, check_float_array
from rnncourse.reference._base import (
    Cache,
    blas_single_thread,
    cast_all,
    check_cell_args,
    check_sequence_grad,
    sequence_param_grads,
)

__all__ = ["rnn_step_forward", "rnn_step_backward", "rnn_forward", "rnn_backward"]

ACTIVATIONS = ("tanh", "relu")


class RNNStepCache(Cache):
    """Cache of :func:`rnn_step_forward`."""

    __slots__ = ("x", "h_prev", "Wx", "Wh", "h", "activation")
    producer = "rnn_step_forward"

    def __init__(
        self, x: np.ndarray, h_prev: np.ndarray, Wx: np.ndarray, Wh: np.ndarray, h: np.ndarray,
        activation: str,
    ) -> None:
        self.x, self.h_prev, self.Wx, self.Wh, self.h = x, h_prev, Wx, Wh, h
        self.activation = activation


class RNNCache(Cache):
    """Cache of :func:`rnn_forward`: inputs, weights and every hidden state ``h`` (N, T, H)."""

    __slots__ = ("x", "h0", "Wx", "Wh", "h", "activation")
    producer = "rnn_forward"

    def __init__(
        self, x: np.ndarray, h0: np.ndarray, Wx: np.ndarray, Wh: np.ndarray, h: np.ndarray,
        activation: str,
    ) -> None:
        self.x, self.h0, self.Wx, self.Wh, self.h = x, h0, Wx, Wh, h
        self.activation = activation


def _activate_(a: np.ndarray, activation: str) -> None:
    if activation == "tanh":
        np.tanh(a, out=a)
    else:
        np.maximum(a, 0.0, out=a)


def _dactivate_(da: np.ndarray, h: np.ndarray, activation: str, scratch: np.ndarray) -> None:
    """Multiply ``da`` in place by g'(a), written in terms of the output h = g(a)."""
    if activation == "tanh":
        np.multiply(h, h, out=scratch)
        np.subtract(1.0, scratch, out=scratch)
        da *= scratch
    else:
        da *= h > 0


# ---------------------------------------------------------------------------------------------
# One step
# ---------------------------------------------------------------------------------------------
def rnn_step_forward(
    x: np.ndarray,
    h_prev: np.ndarray,
    Wx: np.ndarray,
    Wh: np.ndarray,
    b: np.ndarray,
    activation: str = "tanh",
) -> tuple[np.ndarray, RNNStepCache]:
    """One time step of a vanilla RNN: ``h = g(x @ Wx + h_prev @ Wh + b)``.

    Parameters
    ----------
    x : numpy.ndarray, shape (N, D)
        Input at this step.
    h_prev : numpy.ndarray, shape (N, H)
        Previous hidden state (the notes' :math:`a^{\\langle t-1\\rangle}`).
    Wx : numpy.ndarray, shape (D, H)
        Input-to-hidden weights (:math:`W_{ax}^\\top`).
    Wh : numpy.ndarray, shape (H, H)
        Hidden-to-hidden weights (:math:`W_{aa}^\\top`).
    b : numpy.ndarray, shape (H,)
        Bias (:math:`b_a`).
    activation : {"tanh", "relu"}, default "tanh"
        The nonlinearity g.

    Returns
    -------
    h : numpy.ndarray, shape (N, H)
        New hidden state.
    cache : RNNStepCache
        For :func:`rnn_step_backward`.
    """
    check_choice("activation", activation, ACTIVATIONS)
    check_cell_args(x, Wx, Wh, b, 1, sequence=False, h_prev=h_prev)
    x, h_prev, Wx, Wh, b = cast_all(x, h_prev, Wx, Wh, b)
    h = x @ Wx
    h += h_prev @ Wh
    h += b
    _activate_(h, activation)
    return h, RNNStepCache(x, h_prev, Wx, Wh, h, activation)


def rnn_step_backward(
    dh: np.ndarray, cache: RNNStepCache
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of :func:`rnn_step_forward`.

    Parameters
    ----------
    dh : numpy.ndarray, shape (N, H)
        Gradient of the loss with respect to the step's output ``h``.
    cache : RNNStepCache
        From :func:`rnn_step_forward`.

    Returns
    -------
    dx : numpy.ndarray, shape (N, D)
    dh_prev : numpy.ndarray, shape (N, H)
    dWx : numpy.ndarray, shape (D, H)
    dWh : numpy.ndarray, shape (H, H)
    db : numpy.ndarray, shape (H,)
    """
    check_cache(cache, RNNStepCache, "rnn_step_forward")
    check_float_array("dh", dh, "(N, H)", Dims(N=cache.h.shape[0], H=cache.h.shape[1]))
    da = dh.astype(cache.h.dtype, copy=True)
    _dactivate_(da, cache.h, cache.activation, np.empty_like(da))
    return (
        da @ cache.Wx.T,
        da @ cache.Wh.T,
        cache.x.T @ da,
        cache.h_prev.T @ da,
        da.sum(axis=0),
    )


# ---------------------------------------------------------------------------------------------
# Whole sequence
# ---------------------------------------------------------------------------------------------
def rnn_forward(
    x: np.ndarray,
    h0: np.ndarray | None,
    Wx: np.ndarray,
    Wh: np.ndarray,
    b: np.ndarray,
    activation: str = "tanh",
) -> tuple[np.ndarray, RNNCache]:
    """Run a vanilla RNN over a whole sequence.

    Parameters
    ----------
    x : numpy.ndarray, shape (N, T, D)
        Input sequence, batch-major.
    h0 : numpy.ndarray, shape (N, H), or None
        Initial hidden state; zeros if None.
    Wx : numpy.ndarray, shape (D, H)
        Input-to-hidden weights.
    Wh : numpy.ndarray, shape (H, H)
        Hidden-to-hidden weights.
    b : numpy.ndarray, shape (H,)
        Bias.
    activation : {"tanh", "relu"}, default "tanh"
        The nonlinearity g.

    Returns
    -------
    h : numpy.ndarray, shape (N, T, H)
        Hidden state at every step.
    cache : RNNCache
        For :func:`rnn_backward`.
    """
    check_choice("activation", activation, ACTIVATIONS)
    check_cell_args(x, Wx, Wh, b, 1, sequence=True, h0=h0)
    return _rnn_forward(*cast_all(x, h0, Wx, Wh, b), activation)


def _rnn_forward(
    x: np.ndarray, h0: np.ndarray | None, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray,
    activation: str = "tanh",
) -> tuple[np.ndarray, RNNCache]:
    N, T, D = x.shape
    H = Wh.shape[0]
    if h0 is None:
        h0 = np.zeros((N, H), dtype=Wh.dtype)
    # The input projection of every step in one product; the buffer then holds a_t, then h_t.
    h = (x.reshape(N * T, D) @ Wx).reshape(N, T, H)
    h += b
    tmp = np.empty((N, H), dtype=h.dtype)
    h_prev = h0
    with blas_single_thread():
        for t in range(T):
            a = h[:, t]
            np.matmul(h_prev, Wh, out=tmp)
            a += tmp
            _activate_(a, activation)
            h_prev = a
    return h, RNNCache(x, h0, Wx, Wh, h, activation)


def rnn_backward(
    dh: np.ndarray, cache: RNNCache
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Backpropagation through time for :func:`rnn_forward`.

    Parameters
    ----------
    dh : numpy.ndarray, shape (N, T, H)
        Gradient of the loss with respect to every hidden state (the upstream gradients only;
        the recurrent contribution is added here).
    cache : RNNCache
        From :func:`rnn_forward`.

    Returns
    -------
    dx : numpy.ndarray, shape (N, T, D)
    dh0 : numpy.ndarray, shape (N, H)
    dWx : numpy.ndarray, shape (D, H)
    dWh : numpy.ndarray, shape (H, H)
    db : numpy.ndarray, shape (H,)
    """
    check_sequence_grad(dh, cache, RNNCache)
    return _rnn_backward(dh, cache)


def _rnn_backward(
    dh: np.ndarray, cache: RNNCache
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    Wh, h = cache.Wh, cache.h
    N, T, H = h.shape
    # g'(a_t) for every step at once (it does not depend on the recurrence), in the gradient
    # buffer; the loop then only multiplies by the incoming gradient and does one product.
    if cache.activation == "tanh":
        dA = np.multiply(h, h)
        np.subtract(1.0, dA, out=dA)
    else:
        dA = (h > 0).astype(h.dtype)
    dh_next = np.zeros((N, H), dtype=h.dtype)
    dht = np.empty((N, H), dtype=h.dtype)
    WhT = Wh.T
    with blas_single_thread():
        for t in range(T - 1, -1, -1):
            da = dA[:, t]
            np.add(dh[:, t], dh_next, out=dht)
            da *= dht
            np.matmul(da, WhT, out=dh_next)
    dx, dWx, dWh, db = sequence_param_grads(dA, cache.x, cache.Wx, cache.h0, h)
    return dx, dh_next, dWx, dWh, db

