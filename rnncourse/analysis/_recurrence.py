"""The three recurrences unrolled in PyTorch, so autograd gives exact gradients through time.

Shared by the gradient measurements of :mod:`rnncourse.analysis.gradients`. Conventions:
batch-major row vectors, the reference parameter layout, the gate order of
:data:`rnncourse.reference.cells.BLOCKS` (torch.nn's: LSTM ``[i, f, g, o]``, GRU ``[r, z, n]``).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import torch

from rnncourse._validation import Dims, check_choice, check_float_array
from rnncourse.nn.functional import gru_step, lstm_step, rnn_step
from rnncourse.reference.cells import CELLS
from rnncourse.reference.dispatch import check_params

ACTIVATIONS = ("tanh", "relu", "linear")

Cell = Literal["rnn", "lstm", "gru"]


def _step(cell, x, h, c, P, activation):
    """One step of the chosen cell; returns (h_next, c_next) (c_next is None unless LSTM).

    The equations are :mod:`rnncourse.nn.functional`'s (torch's GRU, gate blocks of
    :data:`rnncourse.reference.cells.BLOCKS`); reference ``Wh`` is their ``W_hh_T``. A "linear"
    RNN is the tanh step's pre-activation.
    """
    a_x = x @ P["Wx"] + P["b"]
    if cell == "rnn":
        h_next, _, (a,) = rnn_step(a_x, h, P["Wh"], "relu" if activation == "relu" else "tanh")
        return (a if activation == "linear" else h_next), None
    if cell == "lstm":
        h_next, c_next, _ = lstm_step(a_x, h, c, P["Wh"])
        return h_next, c_next
    h_next, _, _ = gru_step(a_x, h, P["Wh"], P["bh"])
    return h_next, None


def _unroll(cell, x, h0, c0, P, activation):
    """Run the recurrence keeping every state as a separate graph node with retained grad."""
    hs, cs = [h0], [c0]
    for t in range(x.shape[1]):
        h, c = _step(cell, x[:, t], hs[-1], cs[-1], P, activation)
        h.retain_grad()
        if c is not None:
            # h_t is computed from c_t. A copy that only the *next* step reads makes c.grad the
            # partial derivative with h_t held fixed: the gradient carried along the cell path,
            # as in the reference LSTM backward (dc_prev), so that (dh_t, dc_t) is the gradient
            # with respect to the state pair.
            c = c.clone()
            c.retain_grad()
        hs.append(h)
        cs.append(c)
    return hs, cs


def _prepare(x, h0, params, cell, activation, c0, dtype):
    """Validate inputs and convert them to torch tensors (float64 unless ``dtype`` is given)."""
    check_choice("cell", cell, CELLS)
    check_choice("activation", activation, ACTIVATIONS)
    if cell != "rnn" and activation != "tanh":
        raise ValueError(f"activation applies to cell='rnn' only, got {activation!r} for {cell!r}")
    dims = Dims()
    check_float_array("x", x, "(N, T, D)", dims)
    check_params("params", params, cell, dims)
    for name, state in (("h0", h0), ("c0", c0)):
        if state is not None:
            check_float_array(name, state, "(N, H)", dims)
    N, T, D, H = (dims[s] for s in "NTDH")
    dtype = torch.float64 if dtype is None else dtype

    def tt(a, grad=False):
        return torch.tensor(np.asarray(a), dtype=dtype, requires_grad=grad)

    P = {k: tt(v) for k, v in params.items() if v is not None}
    if cell == "gru" and "bh" not in P:
        P["bh"] = torch.zeros(3 * H, dtype=dtype)
    h0_t = tt(np.zeros((N, H)) if h0 is None else h0, grad=True)
    c0_t = None
    if cell == "lstm":
        c0_t = tt(np.zeros((N, H)) if c0 is None else c0, grad=True)
    return tt(x), h0_t, c0_t, P, (N, T, D, H)


def _grad_or_zeros(s: torch.Tensor) -> np.ndarray:
    """Gradient of a retained node; zeros where no path leads to the loss (c_T of an LSTM)."""
    return np.zeros(tuple(s.shape)) if s.grad is None else s.grad.numpy()
