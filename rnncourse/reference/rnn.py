r"""Vanilla (Elman) recurrent layer, chapter 3: one step and a whole sequence, forward and backward.

The book's equations (row vectors, a batch of N rows; ``x_t`` is (N, D), ``h_t`` is (N, H)):

.. math::

    a_t = x_t W_x + h_{t-1} W_h + b, \qquad h_t = \tanh(a_t) \ (\text{or } \operatorname{ReLU}).

Mapping to the notes (column vectors) and to ``torch.nn.RNN``: the notes' hidden state
:math:`a^{\langle t\rangle}` is ``h[:, t]``; :math:`W_{ax} = W_x^\top` and ``Wx`` equals torch's
``weight_ih_l0.T``; :math:`W_{aa} = W_h^\top` and ``Wh`` equals ``weight_hh_l0.T``; :math:`b_a` is
``b``, torch's ``bias_ih_l0 + bias_hh_l0`` (two biases that only ever appear as a sum).
"""

from __future__ import annotations

import numpy as np

from rnncourse._validation import check_choice
from rnncourse.reference._base import (
    Cache,
    SequenceCache,
    check_cell_args,
    check_sequence_grad,
    check_step_grads,
    over_time,
)

__all__ = ["rnn_step_forward", "rnn_step_backward", "rnn_forward", "rnn_backward"]

ACTIVATIONS = ("tanh", "relu")


class RNNStepCache(Cache):
    """Cache of :func:`rnn_step_forward`: the step's inputs, weights and output ``h`` (N, H)."""

    __slots__ = ("x", "h_prev", "Wx", "Wh", "h", "activation")
    producer = "rnn_step_forward"


class RNNCache(SequenceCache):
    """Cache of :func:`rnn_forward`: the step caches; ``h`` reads back every h_t, (N, T, H)."""

    __slots__ = ()
    producer = "rnn_forward"
    h = over_time("h", "Hidden states h_t, (N, T, H).")


def rnn_step_forward(
    x: np.ndarray,
    h_prev: np.ndarray,
    Wx: np.ndarray,
    Wh: np.ndarray,
    b: np.ndarray,
    activation: str = "tanh",
) -> tuple[np.ndarray, RNNStepCache]:
    """One time step of a vanilla RNN: ``h = tanh(x @ Wx + h_prev @ Wh + b)``.

    Parameters
    ----------
    x : numpy.ndarray, shape (N, D)
        Input at this step, x_t.
    h_prev : numpy.ndarray, shape (N, H)
        Previous hidden state h_{t-1} (the notes' a^<t-1>).
    Wx : numpy.ndarray, shape (D, H)
        Input-to-hidden weights W_x.
    Wh : numpy.ndarray, shape (H, H)
        Hidden-to-hidden weights W_h.
    b : numpy.ndarray, shape (H,)
        Bias b.
    activation : {"tanh", "relu"}, default "tanh"
        The nonlinearity.

    Returns
    -------
    h : numpy.ndarray, shape (N, H)
        New hidden state h_t.
    cache : RNNStepCache
        For :func:`rnn_step_backward`.
    """
    check_choice("activation", activation, ACTIVATIONS)
    check_cell_args(x, Wx, Wh, b, 1, sequence=False, h_prev=h_prev)
    return _rnn_step_forward(x, h_prev, Wx, Wh, b, activation)


def _rnn_step_forward(x, h_prev, Wx, Wh, b, activation):
    """:func:`rnn_step_forward` without the argument checks (what the sequence loop calls)."""
    a = x @ Wx + h_prev @ Wh + b
    h = np.tanh(a) if activation == "tanh" else np.maximum(a, 0)
    return h, RNNStepCache(x=x, h_prev=h_prev, Wx=Wx, Wh=Wh, h=h, activation=activation)


def rnn_step_backward(
    dh: np.ndarray, cache: RNNStepCache
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of :func:`rnn_step_forward`.

    Parameters
    ----------
    dh : numpy.ndarray, shape (N, H)
        Gradient of the loss with respect to the step's output h_t.
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
    check_step_grads(cache, RNNStepCache, dh=dh)
    return _rnn_step_backward(dh, cache)


def _rnn_step_backward(dh, cache):
    """:func:`rnn_step_backward` without the checks: chapter 4's gradients of one step.

    ``dh`` is the total gradient δ_t of h_t. The weight gradients are step t's shares; the
    sequence backward adds them up over the steps.
    """
    x, h_prev, Wx, Wh, h = cache.x, cache.h_prev, cache.Wx, cache.Wh, cache.h
    # The derivative of the nonlinearity, written with its output: tanh' = 1 - h², ReLU' = [h > 0].
    da = dh * (1 - h**2) if cache.activation == "tanh" else dh * (h > 0)  # da_t = δ_t ⊙ g'(a_t)
    dx = da @ Wx.T  # ∂L/∂x_t = da_t W_xᵀ
    dh_prev = da @ Wh.T  # what reaches h_{t-1} through step t: da_t W_hᵀ
    dWx = x.T @ da  # x_tᵀ da_t
    dWh = h_prev.T @ da  # h_{t-1}ᵀ da_t
    db = da.sum(axis=0)  # 1ᵀ da_t (summed over the batch rows)
    return dx, dh_prev, dWx, dWh, db


def rnn_forward(
    x: np.ndarray,
    h0: np.ndarray | None,
    Wx: np.ndarray,
    Wh: np.ndarray,
    b: np.ndarray,
    activation: str = "tanh",
) -> tuple[np.ndarray, RNNCache]:
    """Run a vanilla RNN over a whole sequence: the step applied at t = 1..T.

    Parameters
    ----------
    x : numpy.ndarray, shape (N, T, D)
        Input sequence.
    h0 : numpy.ndarray, shape (N, H), or None
        Initial hidden state; zeros if None.
    Wx : numpy.ndarray, shape (D, H)
        Input-to-hidden weights.
    Wh : numpy.ndarray, shape (H, H)
        Hidden-to-hidden weights.
    b : numpy.ndarray, shape (H,)
        Bias.
    activation : {"tanh", "relu"}, default "tanh"
        The nonlinearity.

    Returns
    -------
    h : numpy.ndarray, shape (N, T, H)
        Hidden state at every step.
    cache : RNNCache
        For :func:`rnn_backward`.
    """
    check_choice("activation", activation, ACTIVATIONS)
    check_cell_args(x, Wx, Wh, b, 1, sequence=True, h0=h0)  # once: the steps are not checked
    N, T, _ = x.shape
    h_t = np.zeros((N, Wh.shape[0]), np.result_type(x, Wh)) if h0 is None else h0
    hs, steps = [], []
    for t in range(T):  # h_t = tanh(x_t W_x + h_{t-1} W_h + b)
        h_t, step = _rnn_step_forward(x[:, t], h_t, Wx, Wh, b, activation)
        hs.append(h_t)
        steps.append(step)  # every h_t is kept: the memory price of BPTT
    return np.stack(hs, axis=1), RNNCache(steps=steps)


def rnn_backward(
    dh: np.ndarray, cache: RNNCache
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""Backpropagation through time for :func:`rnn_forward` (chapter 4).

    One sweep t = T..1 carries the total gradient of the state,
    :math:`\delta_t = g_t + da_{t+1} W_h^\top` (:math:`g_t` = ``dh[:, t]``, nothing from step
    T + 1), and adds up each step's share of the weight gradients, because the same weights
    serve every step.

    Parameters
    ----------
    dh : numpy.ndarray, shape (N, T, H)
        Upstream gradient on every hidden state (the recurrent contribution is added here).
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
    N, T, H = dh.shape
    dx = [None] * T
    dWx, dWh, db = 0, 0, 0  # sums over the steps; the first += makes them arrays
    dh_next = np.zeros((N, H), dh.dtype)  # da_{t+1} W_hᵀ: nothing comes from after step T
    for t in reversed(range(T)):
        delta = dh[:, t] + dh_next  # δ_t = g_t + da_{t+1} W_hᵀ
        dx[t], dh_next, dWx_t, dWh_t, db_t = _rnn_step_backward(delta, cache.steps[t])
        dWx += dWx_t  # ∂L/∂W_x = Σ_t x_tᵀ da_t
        dWh += dWh_t  # ∂L/∂W_h = Σ_t h_{t-1}ᵀ da_t
        db += db_t  # ∂L/∂b = Σ_t 1ᵀ da_t
    dh0 = dh_next  # da_1 W_hᵀ
    return np.stack(dx, axis=1), dh0, dWx, dWh, db
