r"""Dropout for recurrent layers: inverted-dropout masks, and the variational (locked) LSTM layer.

Inverted dropout keeps each unit with probability 1 − p and scales the kept ones by
:math:`1/(1-p)`, so the expected activation is unchanged and nothing needs rescaling at test time:
:math:`m = \mathrm{Bernoulli}(1-p) / (1-p)`.

*Naive* dropout on a recurrent layer draws a new mask at every time step. On the recurrent
connection :math:`h_{t-1} \to h_t` that multiplies the state by T independent random masks over a
sequence, noise that compounds along the path the memory travels (which is why Zaremba et al.
(2014) dropped only the non-recurrent connections). *Variational* dropout (Gal & Ghahramani, 2016)
draws one mask per sequence and reuses it at every step, for the inputs and for the recurrent
state alike:

.. math::

    [a_i, a_f, a_g, a_o] = (x_t \odot m_x) W_x + (h_{t-1} \odot m_h) W_h + b ,

the rest of the step being the LSTM of :mod:`rnncourse.reference.lstm`. The same unit is silenced
at every step, so the layer is the same thinned network throughout the sequence.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rnncourse._validation import Dims, as_generator, check_cache, check_float_array
from rnncourse.reference._base import Cache, check_cell_args
from rnncourse.reference.lstm import _lstm_step_backward, _lstm_step_forward

__all__ = [
    "dropout_mask",
    "variational_lstm_forward",
    "variational_lstm_backward",
]


def dropout_mask(shape: tuple[int, ...], p: float, rng: Any = None) -> np.ndarray:
    """Return an inverted-dropout mask: 0 with probability ``p``, else ``1 / (1 - p)``.

    Parameters
    ----------
    shape : tuple of int
        E.g. (N, D) for one mask per sequence (variational) or (N, T, D) for one per step.
    p : float in [0, 1)
        Drop probability.
    rng : numpy.random.Generator, int or None

    Returns
    -------
    np.ndarray, float64, shape ``shape``
    """
    if not 0.0 <= p < 1.0:
        raise ValueError(f"p must be in [0, 1), got {p}")
    gen = as_generator(rng)
    return (gen.random(shape) >= p) / (1.0 - p)


class VariationalLSTMCache(Cache):
    """Cache of :func:`variational_lstm_forward`: the masks and one step cache per time step."""

    __slots__ = ("mask_x", "mask_h", "steps", "h")
    producer = "variational_lstm_forward"

    def __init__(self, mask_x: np.ndarray, mask_h: np.ndarray, steps: list, h: np.ndarray) -> None:
        self.mask_x, self.mask_h, self.steps, self.h = mask_x, mask_h, steps, h


def variational_lstm_forward(
    x: np.ndarray,
    h0: np.ndarray,
    Wx: np.ndarray,
    Wh: np.ndarray,
    b: np.ndarray,
    mask_x: np.ndarray,
    mask_h: np.ndarray,
) -> tuple[np.ndarray, VariationalLSTMCache]:
    """Return an LSTM layer whose input and recurrent dropout masks are the same at every step.

    Parameters
    ----------
    x : np.ndarray, shape (N, T, D)
    h0 : np.ndarray, shape (N, H)
        Initial hidden state (the initial cell state is zero).
    Wx : np.ndarray, shape (D, 4H)
    Wh : np.ndarray, shape (H, 4H)
    b : np.ndarray, shape (4H,)
        Gate blocks ``[i, f, g, o]`` as in :func:`rnncourse.reference.lstm_forward`.
    mask_x : np.ndarray, shape (N, D)
        Multiplies every input ``x_t`` (from :func:`dropout_mask`; ones = no dropout).
    mask_h : np.ndarray, shape (N, H)
        Multiplies every ``h_{t-1}`` where it enters the gates.

    Returns
    -------
    h : np.ndarray, shape (N, T, H)
        Hidden states (unmasked: the mask acts only where a state is read by the next step).
    cache : VariationalLSTMCache
    """
    dims = check_cell_args(x, Wx, Wh, b, 4, sequence=True, h0=h0)
    check_float_array("mask_x", mask_x, "(N, D)", dims)
    check_float_array("mask_h", mask_h, "(N, H)", dims)
    N, T, _ = x.shape
    h_prev, c_prev = h0, np.zeros_like(h0)
    h = np.empty((N, T, h0.shape[1]), dtype=np.result_type(x, h0, Wx))
    steps = []
    for t in range(T):
        h_prev, c_prev, step = _lstm_step_forward(
            x[:, t] * mask_x, h_prev * mask_h, c_prev, Wx, Wh, b
        )
        h[:, t] = h_prev
        steps.append(step)
    return h, VariationalLSTMCache(mask_x, mask_h, steps, h)


def variational_lstm_backward(
    dh: np.ndarray, cache: VariationalLSTMCache
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of :func:`variational_lstm_forward`.

    Parameters
    ----------
    dh : np.ndarray, shape (N, T, H)
        Upstream gradient of every hidden state.
    cache : VariationalLSTMCache

    Returns
    -------
    dx : (N, T, D), dh0 : (N, H), dWx : (D, 4H), dWh : (H, 4H), db : (4H,)
    """
    check_cache(cache, VariationalLSTMCache, VariationalLSTMCache.producer)
    N, T, H = cache.h.shape
    check_float_array("dh", dh, "(N, T, H)", Dims(N=N, T=T, H=H))
    D = cache.mask_x.shape[1]
    dx = np.empty((N, T, D), dtype=cache.h.dtype)
    dWx, dWh, db = 0.0, 0.0, 0.0
    dh_next, dc_next = np.zeros((N, H), dh.dtype), np.zeros((N, H), dh.dtype)
    for t in reversed(range(T)):
        dxm, dhm, dc_next, dWx_t, dWh_t, db_t = _lstm_step_backward(
            dh[:, t] + dh_next, dc_next, cache.steps[t]
        )
        dx[:, t] = dxm * cache.mask_x  # the same mask, back through x_t * m_x
        dh_next = dhm * cache.mask_h  # and through h_{t-1} * m_h
        dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t
    return dx, dh_next, dWx, dWh, db
