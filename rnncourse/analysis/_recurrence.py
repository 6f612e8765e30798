"""The three recurrences written out in PyTorch, so autograd gives exact gradients through time.

Shared by the gradient measurements of :mod:`rnncourse.analysis.gradients`. Conventions:
batch-major row vectors, the reference parameter layout, the gate order of
:data:`rnncourse.reference.cells.BLOCKS` (torch.nn's: LSTM ``[i, f, g, o]``, GRU ``[r, z, n]``).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import torch

from rnncourse.reference.cells import CELLS, NUM_BLOCKS, block

ACTIVATIONS = ("tanh", "relu", "linear")

Cell = Literal["rnn", "lstm", "gru"]


def _check_cell(cell: str) -> None:
    if cell not in CELLS:
        raise ValueError(f"cell must be one of {CELLS}, got {cell!r}")


def _check_params(params: dict, cell: str, D: int) -> int:
    """Validate the reference layout and return H."""
    for key in ("Wx", "Wh", "b"):
        if key not in params:
            raise ValueError(f"params must contain {key!r} for cell {cell!r}, got {sorted(params)}")
    G = NUM_BLOCKS[cell]
    Wh = np.asarray(params["Wh"])
    if Wh.ndim != 2 or Wh.shape[1] != G * Wh.shape[0]:
        raise ValueError(f"params['Wh'] must be (H, {G}H) for cell {cell!r}, got {Wh.shape}")
    H = Wh.shape[0]
    shapes = {"Wx": (D, G * H), "b": (G * H,)}
    if cell == "gru" and params.get("bh") is not None:
        shapes["bh"] = (G * H,)
    for key, shape in shapes.items():
        got = np.shape(params[key])
        if got != shape:
            raise ValueError(
                f"params[{key!r}] must be {shape} = (D={D}, {G}H={G * H}) style for cell "
                f"{cell!r} with H={H}, got {got}"
            )
    return H


# --------------------------------------------------------------------------------------------


def _phi(a: torch.Tensor, activation: str) -> torch.Tensor:
    if activation == "tanh":
        return torch.tanh(a)
    if activation == "relu":
        return torch.relu(a)
    return a


def _step(cell, x, h, c, P, activation, reset_after):
    """One step of the chosen cell; returns (h_next, c_next) (c_next is None unless LSTM).

    Gate blocks are read by name from the cell table (:func:`rnncourse.reference.cells.block`).
    """
    if cell == "rnn":
        return _phi(x @ P["Wx"] + h @ P["Wh"] + P["b"], activation), None

    def gate(W, name):
        return block(W, cell, name)

    if cell == "lstm":
        a = x @ P["Wx"] + h @ P["Wh"] + P["b"]
        i, f, o = (torch.sigmoid(gate(a, k)) for k in ("i", "f", "o"))
        g = torch.tanh(gate(a, "g"))
        c_next = f * c + i * g
        return o * torch.tanh(c_next), c_next
    ax = x @ P["Wx"] + P["b"]
    Wh, bh = P["Wh"], P["bh"]
    r = torch.sigmoid(gate(ax, "r") + (h @ gate(Wh, "r") + gate(bh, "r")))
    z = torch.sigmoid(gate(ax, "z") + (h @ gate(Wh, "z") + gate(bh, "z")))
    if reset_after:
        n = torch.tanh(gate(ax, "n") + r * (h @ gate(Wh, "n") + gate(bh, "n")))
    else:
        n = torch.tanh(gate(ax, "n") + (r * h) @ gate(Wh, "n") + gate(bh, "n"))
    return (1 - z) * n + z * h, None


def _unroll(cell, x, h0, c0, P, activation, reset_after):
    """Run the recurrence keeping every state as a separate graph node with retained grad."""
    hs, cs = [h0], [c0]
    for t in range(x.shape[1]):
        h, c = _step(cell, x[:, t], hs[-1], cs[-1], P, activation, reset_after)
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
    _check_cell(cell)
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")
    if cell != "rnn" and activation != "tanh":
        raise ValueError(f"activation applies to cell='rnn' only, got {activation!r} for {cell!r}")
    x = np.asarray(x)
    if x.ndim != 3:
        raise ValueError(f"x must be (N, T, D), got shape {x.shape}")
    N, T, D = x.shape
    if T < 1:
        raise ValueError(f"x must have at least one time step, got T = {T}")
    H = _check_params(params, cell, D)
    states = {"h0": h0, "c0": c0}
    for name, value in states.items():
        if value is not None and np.shape(value) != (N, H):
            raise ValueError(f"{name} must be (N, H) = ({N}, {H}), got {np.shape(value)}")
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
