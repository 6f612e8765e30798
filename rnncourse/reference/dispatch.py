"""Any of the course's cells by name, for the wrappers (bidirectional, deep, TBPTT, the LM loss).

The wrappers take parameters as dicts ``{"Wx", "Wh", "b"}`` (plus ``"bh"`` for the GRU) and return
gradients in dicts with the same keys; :func:`forward` and :func:`backward` run the right cell.
The table they read (gate blocks, keyword arguments) is :mod:`.cells`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from rnncourse._validation import Dims, check_choice, check_keys
from rnncourse.reference._base import check_cell_params
from rnncourse.reference.cells import CELLS, KWARGS, NUM_BLOCKS, param_keys
from rnncourse.reference.gru import GRUCache, gru_backward, gru_forward
from rnncourse.reference.lstm import LSTMCache, lstm_backward, lstm_forward
from rnncourse.reference.rnn import RNNCache, rnn_backward, rnn_forward

__all__ = ["check_cell", "check_params", "forward", "backward", "final_state", "cast_params"]


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
