"""The course's cells in one table, and uniform access to them for the wrappers.

:data:`BLOCKS` is the one definition of the gate blocks: their names, in the order of the columns
of ``Wx`` (D, kH), ``Wh`` (H, kH) and ``b`` (kH,), which is torch.nn's order of the rows of
``weight_ih_l0`` / ``weight_hh_l0``. The reference, :mod:`rnncourse.nn`, the analysis tools and the
grader read block k of a cell as ``W[:, k*H:(k+1)*H]`` with k from this table.

The wrappers (bidirectional, deep, TBPTT, the language-model loss) take parameters as dicts
``{"Wx", "Wh", "b"}`` (plus ``"bh"`` for the GRU) and return gradients in dicts with the same keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from rnncourse._validation import Dims, check_choice, check_keys
from rnncourse.reference._base import check_cell_params
from rnncourse.reference.gru import GRUCache, gru_backward, gru_forward
from rnncourse.reference.lstm import LSTMCache, lstm_backward, lstm_forward
from rnncourse.reference.rnn import RNNCache, rnn_backward, rnn_forward

__all__ = [
    "BLOCKS",
    "NUM_BLOCKS",
    "RECORDED",
    "SQUASH",
    "KEEP",
    "CELLS",
    "CELL_LABELS",
    "CELL_OF_NUM_BLOCKS",
    "block",
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

#: What a recording of a cell holds per step (:class:`rnncourse.nn.GateRecorder`), in order: the
#: gates, then the states. For the RNN, ``pre`` is its pre-activation a.
RECORDED: dict[str, tuple[str, ...]] = {
    "rnn": ("pre", "h"),
    "gru": ("r", "z", "n", "h"),
    "lstm": ("i", "f", "g", "o", "c", "h"),
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

#: The gate that keeps the old state, whose bias sets the memory at initialisation: the LSTM's
#: forget gate f (``c = f * c_prev + ...``) and the GRU's z (``h = (1 - z) * n + z * h_prev``).
KEEP: dict[str, str] = {"lstm": "f", "gru": "z"}

#: The cells the wrappers accept.
CELLS = ("rnn", "gru", "lstm")

#: How figure legends and widgets name each of :data:`CELLS` (the RNN with its default tanh).
CELL_LABELS: dict[str, str] = {"rnn": "tanh RNN", "gru": "GRU", "lstm": "LSTM"}

#: The cell among :data:`CELLS` whose parameters have k blocks (``Wh`` is (H, kH)): how a cell is
#: read off bare reference parameters.
CELL_OF_NUM_BLOCKS: dict[int, str] = {NUM_BLOCKS[cell]: cell for cell in CELLS}

KWARGS = {"rnn": ("activation",), "gru": ("reset_after",), "lstm": ()}


def block(W: np.ndarray, cell: str, name: str) -> np.ndarray:
    """Block ``name`` of a cell's ``Wx`` (D, kH), ``Wh`` (H, kH) or ``b`` (kH,): a view (·, H)."""
    k, H = BLOCKS[cell].index(name), W.shape[-1] // NUM_BLOCKS[cell]
    return W[..., k * H : (k + 1) * H]


def param_keys(cell: str) -> tuple[str, ...]:
    """Keys of a parameter dict for ``cell``."""
    return ("Wx", "Wh", "b", "bh") if cell == "gru" else ("Wx", "Wh", "b")


def check_cell(cell: Any, cell_kwargs: Mapping[str, Any]) -> None:
    """Check the cell name and that the extra keyword arguments belong to it."""
    check_choice("cell", cell, CELLS)
    for key in cell_kwargs:
        if key not in KWARGS[cell]:
            allowed = ", ".join(KWARGS[cell]) or "none"
            raise TypeError(f"unexpected keyword {key!r} for cell {cell!r} (allowed: {allowed})")


def check_params(name: str, params: Any, cell: str, dims: Dims) -> None:
    """Check a parameter dict against ``dims`` (binds H, and D if unknown); ``bh`` is optional."""
    check_keys(name, params, ("Wx", "Wh", "b"))
    bh = params.get("bh") if cell == "gru" else None  # another cell's "bh" is reported below
    check_cell_params(
        params["Wx"], params["Wh"], params["b"], NUM_BLOCKS[cell], dims, bh, owner=name
    )
    extra = [key for key in params if key not in param_keys(cell)]
    if extra:
        raise ValueError(
            f"{name} has unexpected key(s) {', '.join(map(repr, extra))} "
            f"for cell {cell!r}; expected {', '.join(param_keys(cell))}"
        )


def forward(
    cell: str,
    x: np.ndarray,
    h0: np.ndarray | None,
    params: Mapping[str, np.ndarray],
    c0: np.ndarray | None = None,
    **kwargs: Any,
) -> tuple[np.ndarray, Any]:
    """Sequence forward of ``cell``; returns ``(h (N, T, H), cache)``."""
    Wx, Wh, b = params["Wx"], params["Wh"], params["b"]
    if cell == "rnn":
        return rnn_forward(x, h0, Wx, Wh, b, **kwargs)
    if cell == "gru":
        return gru_forward(x, h0, Wx, Wh, b, params.get("bh"), kwargs.get("reset_after", True))
    return lstm_forward(x, h0, Wx, Wh, b, c0)


def backward(dh: np.ndarray, cache: Any) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Sequence backward of any cell's cache; returns ``(dx, dh0, grads)``."""
    if isinstance(cache, RNNCache):
        dx, dh0, *grads = rnn_backward(dh, cache)
    elif isinstance(cache, GRUCache):
        dx, dh0, *grads = gru_backward(dh, cache)
    elif isinstance(cache, LSTMCache):
        dx, dh0, *grads = lstm_backward(dh, cache)
    else:
        raise TypeError(f"not a cell cache: {type(cache).__name__}")
    return dx, dh0, dict(zip(("Wx", "Wh", "b", "bh"), grads, strict=False))


def final_state(cache: Any) -> tuple[np.ndarray, np.ndarray | None]:
    """``(h_T, c_T)`` of a sequence cache (``c_T`` None except for the LSTM)."""
    last = cache.steps[-1]
    return last.h, getattr(last, "c", None)


def cast_params(params: Mapping[str, np.ndarray], dtype: np.dtype) -> dict[str, np.ndarray]:
    """Return the parameter dict with every array in ``dtype`` (no copy when it already is)."""
    return {k: v.astype(dtype, copy=False) for k, v in params.items() if v is not None}
