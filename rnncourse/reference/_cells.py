"""Uniform access to the three cells for the wrappers (bidirectional, deep, TBPTT).

Parameters travel as dicts ``{"Wx", "Wh", "b"}`` (plus ``"bh"`` for the GRU); gradients come back
in dicts with the same keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from rnncourse._validation import Dims, check_choice, check_keys
from rnncourse.reference._base import check_cell_params
from rnncourse.reference.gru import GRUCache, _gru_backward, _gru_forward
from rnncourse.reference.lstm import LSTMCache, _lstm_backward, _lstm_forward
from rnncourse.reference.rnn import RNNCache, _rnn_backward, _rnn_forward

CELLS = ("rnn", "gru", "lstm")
GATES = {"rnn": 1, "gru": 3, "lstm": 4}
KWARGS = {"rnn": ("activation",), "gru": ("reset_after",), "lstm": ()}


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
    """Check a parameter dict against ``dims`` (binds H, and D if unknown).

    ``bh`` is optional for the GRU.
    """
    check_keys(name, params, ("Wx", "Wh", "b"))
    bh = params.get("bh") if cell == "gru" else None  # another cell's "bh" is reported below
    check_cell_params(params["Wx"], params["Wh"], params["b"], GATES[cell], dims, bh, owner=name)
    extra = [key for key in params if key not in param_keys(cell)]
    if extra:
        raise ValueError(f"{name} has unexpected key(s) {', '.join(map(repr, extra))} "
                         f"for cell {cell!r}; expected {', '.join(param_keys(cell))}")


def forward(
    cell: str, x: np.ndarray, h0: np.ndarray | None, params: Mapping[str, np.ndarray],
    c0: np.ndarray | None = None, **kwargs: Any,
) -> tuple[np.ndarray, Any]:
    """Unvalidated sequence forward of ``cell``; returns ``(h, cache)``."""
    if cell == "rnn":
        return _rnn_forward(x, h0, params["Wx"], params["Wh"], params["b"], **kwargs)
    if cell == "gru":
        return _gru_forward(x, h0, params["Wx"], params["Wh"], params["b"], params.get("bh"),
                            bool(kwargs.get("reset_after", True)))
    return _lstm_forward(x, h0, params["Wx"], params["Wh"], params["b"], c0)


def backward(
    cell: str, dh: np.ndarray, cache: Any
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray], np.ndarray | None]:
    """Unvalidated backward; returns ``(dx, dh0, grads, dc0)`` (dc0 None except for the LSTM)."""
    if isinstance(cache, RNNCache):
        dx, dh0, dWx, dWh, db = _rnn_backward(dh, cache)
        return dx, dh0, {"Wx": dWx, "Wh": dWh, "b": db}, None
    if isinstance(cache, GRUCache):
        dx, dh0, dWx, dWh, db, dbh = _gru_backward(dh, cache)
        return dx, dh0, {"Wx": dWx, "Wh": dWh, "b": db, "bh": dbh}, None
    if isinstance(cache, LSTMCache):
        dx, dh0, dWx, dWh, db, dc0 = _lstm_backward(dh, cache)
        return dx, dh0, {"Wx": dWx, "Wh": dWh, "b": db}, dc0
    raise TypeError(f"not a cell cache: {type(cache).__name__}")


def final_state(cache: Any) -> tuple[np.ndarray, np.ndarray | None]:
    """``(h_T, c_T)`` of a sequence cache (``c_T`` None except for the LSTM)."""
    h = cache.h[:, -1].copy()
    c = cache.c[:, -1].copy() if isinstance(cache, LSTMCache) else None
    return h, c


def cast_params(params: Mapping[str, np.ndarray], dtype: np.dtype) -> dict[str, np.ndarray]:
    """The parameter dict with every array in ``dtype`` (no copy when it already is)."""
    return {k: v.astype(dtype, copy=False) for k, v in params.items() if v is not None}
