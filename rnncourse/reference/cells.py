"""The course's cells in one table: gate blocks, what keeps the state, what a recording holds.

:data:`BLOCKS` is the one definition of the gate blocks: their names, in the order of the columns
of ``Wx`` (D, kH), ``Wh`` (H, kH) and ``b`` (kH,), which is torch.nn's order of the rows of
``weight_ih_l0`` / ``weight_hh_l0``. The reference, :mod:`rnncourse.nn`, the analysis tools and the
grader read block k of a cell as ``W[:, k*H:(k+1)*H]`` with k from this table; every other entry
here is derived from it or names a gate in it. A leaf module: it imports nothing of the package.
Running any cell by name (the wrappers' parameter dicts) is :mod:`.dispatch`.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "BLOCKS",
    "NUM_BLOCKS",
    "STATES",
    "RECORDED",
    "SQUASH",
    "KEEP",
    "CELLS",
    "CELL_OF_NUM_BLOCKS",
    "KWARGS",
    "block",
    "param_keys",
]

#: Gate blocks of each cell, in the column order of ``Wx``, ``Wh``, ``b`` (torch.nn's order).
#: The vanilla RNN has one block, its pre-activation a; the coupled LSTM has no ``i`` block
#: (``i = 1 - f``); the peephole LSTM adds ``P = [p_i, p_f, p_o]`` to the LSTM's blocks.
BLOCKS: dict[str, tuple[str, ...]] = {
    "rnn": ("a",),
    "gru": ("r", "z", "n"),
    "lstm": ("i", "f", "g", "o"),
    "peephole_lstm": ("i", "f", "g", "o"),
    "coupled_lstm": ("f", "g", "o"),
}

#: Number of blocks k: ``Wx`` is (D, kH).
NUM_BLOCKS: dict[str, int] = {cell: len(names) for cell, names in BLOCKS.items()}

#: The cells the wrappers accept.
CELLS = ("rnn", "gru", "lstm")

#: The states each of :data:`CELLS` carries from step to step.
STATES: dict[str, tuple[str, ...]] = {"rnn": ("h",), "gru": ("h",), "lstm": ("c", "h")}

#: What a recording of a cell holds per step, in order: its blocks, then its states. The RNN's
#: block, its pre-activation a, is recorded under the name ``pre``.
RECORDED: dict[str, tuple[str, ...]] = {
    cell: (*(("pre",) if cell == "rnn" else BLOCKS[cell]), *STATES[cell]) for cell in CELLS
}

#: The squashing function of each gate block: the gates proper are sigmoids, in (0, 1); the
#: candidates g (LSTM) and n (GRU) are tanh, in (-1, 1). The RNN's ``a`` is not here: it is a
#: pre-activation, squashed by the layer's own nonlinearity.
SQUASH: dict[str, str] = {
    "i": "sigmoid",
    "f": "sigmoid",
    "g": "tanh",
    "o": "sigmoid",
    "r": "sigmoid",
    "z": "sigmoid",
    "n": "tanh",
}

#: The gate that keeps the old state, whose bias (``forget_bias``) sets the memory at
#: initialisation: the LSTM's forget gate f (``c = f * c_prev + ...``) and the GRU's z
#: (``h = (1 - z) * n + z * h_prev``).
KEEP: dict[str, str] = {"lstm": "f", "gru": "z"}

#: The cell among :data:`CELLS` whose parameters have k blocks (``Wh`` is (H, kH)): how a cell is
#: read off bare reference parameters.
CELL_OF_NUM_BLOCKS: dict[int, str] = {NUM_BLOCKS[cell]: cell for cell in CELLS}

#: The keyword arguments each of :data:`CELLS` takes besides its parameters.
KWARGS: dict[str, tuple[str, ...]] = {"rnn": ("activation",), "gru": ("reset_after",), "lstm": ()}


def block(W: np.ndarray, cell: str, name: str) -> np.ndarray:
    """Block ``name`` of a cell's ``Wx`` (D, kH), ``Wh`` (H, kH) or ``b`` (kH,): a view (·, H)."""
    k, H = BLOCKS[cell].index(name), W.shape[-1] // NUM_BLOCKS[cell]
    return W[..., k * H : (k + 1) * H]


def param_keys(cell: str) -> tuple[str, ...]:
    """Keys of a parameter dict for ``cell``."""
    return ("Wx", "Wh", "b", "bh") if cell == "gru" else ("Wx", "Wh", "b")
