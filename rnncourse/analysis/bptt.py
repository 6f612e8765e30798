"""Backpropagation through time written out step by step (book chapter 4).

Every step's share of the weight gradient, with and without truncation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from rnncourse._validation import Dims, check_choice, check_float_array, check_int
from rnncourse.reference.rnn import rnn_forward, rnn_step_backward


@dataclass(frozen=True)
class BPTTContributions:
    r"""The pieces of a vanilla-RNN backward pass, kept per time step.

    Attributes
    ----------
    h : ndarray, shape (N, T, H)
        Hidden states :math:`h_1..h_T` of the forward pass.
    carried : ndarray, shape (N, T, H)
        Total gradient :math:`\delta_t = \partial L/\partial h_t`: the upstream part plus
        what arrives from step t+1 (zero from the future at a truncation boundary).
    da : ndarray, shape (N, T, H)
        Gradient with respect to the pre-activation, :math:`\delta_t \odot g'(a_t)`.
    dWx, dWh, db : ndarrays, shapes (T, D, H), (T, H, H), (T, H)
        Contribution of step t to each parameter gradient: :math:`x_t^\top da_t`,
        :math:`h_{t-1}^\top da_t` and the batch sum of :math:`da_t`.
    dh0 : ndarray, shape (N, H)
        Gradient reaching the initial state back through the first chunk (truncated BPTT
        computes it but throws it away: h0 is a carried value, not a parameter).
    """

    h: np.ndarray
    carried: np.ndarray
    da: np.ndarray
    dWx: np.ndarray
    dWh: np.ndarray
    db: np.ndarray
    dh0: np.ndarray

    def totals(self) -> dict[str, np.ndarray]:
        """Sum of the per-step contributions: ``{"Wx": (D, H), "Wh": (H, H), "b": (H,)}``."""
        return {"Wx": self.dWx.sum(0), "Wh": self.dWh.sum(0), "b": self.db.sum(0)}


def bptt_contributions(
    x: np.ndarray,
    h0: np.ndarray,
    Wx: np.ndarray,
    Wh: np.ndarray,
    b: np.ndarray,
    dh: np.ndarray,
    *,
    activation: Literal["tanh", "relu"] = "tanh",
    truncate: int | None = None,
) -> BPTTContributions:
    r"""BPTT for a vanilla RNN that keeps every step's share of the weight gradient.

    The loop of :func:`rnncourse.reference.rnn_backward`, with the reference's own step functions,
    written out once more to keep what that loop adds up and to cut it into chunks.

    Forward: :math:`a_t = x_t W_x + h_{t-1} W_h + b`, :math:`h_t = g(a_t)`. Backward, for
    t = T..1:

    .. math::

        \delta_t = \mathrm{dh}_t + da_{t+1} W_h^\top, \qquad
        da_t = \delta_t \odot g'(a_t), \qquad
        \Delta W_h^{(t)} = h_{t-1}^\top da_t,

    and :math:`\partial L/\partial W_h = \sum_t \Delta W_h^{(t)}` because the same
    :math:`W_h` is used at every step (likewise for :math:`W_x` and :math:`b`).

    With ``truncate=k`` the sequence is cut into chunks of k steps (the last may be shorter)
    and nothing flows back across a chunk boundary: :math:`\delta_t` gets no term from step
    t+1 when t is the last step of a chunk. With the weights held fixed, the sum of the
    per-step contributions is then exactly the gradient that truncated BPTT accumulates.

    Parameters
    ----------
    x : ndarray, shape (N, T, D)
    h0 : ndarray, shape (N, H)
    Wx : ndarray, shape (D, H)
    Wh : ndarray, shape (H, H)
    b : ndarray, shape (H,)
    dh : ndarray, shape (N, T, H)
        Upstream gradients :math:`\partial L/\partial h_t` from the outputs only (as for
        ``rnncourse.reference.rnn_backward``).
    activation : {"tanh", "relu"}
    truncate : int or None
        Chunk length k >= 1, or None for full BPTT.

    Returns
    -------
    BPTTContributions
    """
    dims = Dims()
    check_float_array("x", x, "(N, T, D)", dims)
    check_float_array("h0", h0, "(N, H)", dims)
    check_float_array("Wx", Wx, "(D, H)", dims)
    check_float_array("Wh", Wh, "(H, H)", dims)
    check_float_array("b", b, "(H,)", dims)
    check_float_array("dh", dh, "(N, T, H)", dims)
    check_choice("activation", activation, ("tanh", "relu"))
    check_int("truncate", truncate, allow_none=True)
    N, T, D, H = (dims[s] for s in "NTDH")
    k = T if truncate is None else int(truncate)

    # The reference's forward pass, keeping every state (the memory cost of BPTT), and its step
    # backward: each step's shares of the gradients come from rnn_step_backward itself.
    h, cache = rnn_forward(x, h0, Wx, Wh, b, activation)
    carried = np.empty_like(h)
    dWx, dWh, db = [None] * T, [None] * T, [None] * T
    dh_next = np.zeros((N, H), dtype=h.dtype)
    for t in reversed(range(T)):
        if (t + 1) % k == 0:  # t is the last step of a chunk: nothing arrives from t + 1
            dh_next = np.zeros_like(dh_next)
        carried[:, t] = dh[:, t] + dh_next  # delta_t
        _, dh_next, dWx[t], dWh[t], db[t] = rnn_step_backward(carried[:, t], cache.steps[t])
    deriv = 1 - h**2 if activation == "tanh" else (h > 0).astype(h.dtype)  # g'(a_t) from h_t
    return BPTTContributions(
        h=h,
        carried=carried,
        da=carried * deriv,
        dWx=np.stack(dWx),
        dWh=np.stack(dWh),
        db=np.stack(db),
        dh0=dh_next,
    )
