"""Gate inspector: heatmaps of every gate and state over time x units, a time cursor, unit traces.

The recording comes from :class:`rnncourse.nn.GateRecorder` (see
:mod:`rnncourse.analysis.recording`); the browser view scrubs time and picks units over that
recording, and in live Jupyter a text box re-runs the model on new input.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rnncourse.analysis.recording import as_recordable, check_numbers, encode_text, record
from rnncourse.reference.cells import SQUASH
from rnncourse.widgets._base import WidgetBase, encode_array

__all__ = ["GateInspector"]

_LABELS = {
    "i": "input gate i (σ)",
    "f": "forget gate f (σ)",
    "g": "candidate g (tanh)",
    "o": "output gate o (σ)",
    "c": "cell state c",
    "h": "hidden state h",
    "r": "reset gate r (σ)",
    "z": "gate z (σ): share of h_{t−1} kept",
    "n": "candidate n (tanh)",
    "pre": "pre-activation a",
}


class GateInspector(WidgetBase):
    """Every gate of a recurrent layer over one input sequence, as heatmaps (time x units).

    Parameters
    ----------
    model : dict or torch.nn.Module
        Reference parameters (``Wx``, ``Wh``, ``b`` [, ``bh``]; the cell is read from the shape of
        ``Wh``: (H, H) RNN, (H, 3H) GRU, (H, 4H) LSTM), an ``rnncourse.nn`` RNN/GRU/LSTM, a
        ``torch.nn`` one (copied into ``rnncourse.nn``), or a model containing an
        ``rnncourse.nn`` layer that takes token ids (e.g. ``rnncourse.train.models.CharLM``).
    text : str or array_like
        A string (needs ``vocab``; a bare layer gets one-hot vectors, so D must equal V) or
        numbers of shape (T, D).
    vocab : rnncourse.data.CharVocab or WordVocab, optional
    layer, direction : int
        Which layer / direction of the recurrent module to show.
    unit : int
        Unit selected at the start.
    max_steps : int
        Longer inputs are cut to their first ``max_steps`` steps (said in the view).

    Attributes
    ----------
    gates : dict of ndarray
        The recording shown, each (T, H) float64: LSTM i, f, g, o, c, h; GRU r, z, n, h; RNN pre, h.
    error : str or None
        Message shown instead of the view for unusable input.
    """

    kind = "inspector"

    def __init__(
        self,
        model: Any,
        text: Any,
        vocab: Any = None,
        *,
        layer: int = 0,
        direction: int = 0,
        unit: int = 0,
        max_steps: int = 300,
    ) -> None:
        super().__init__()
        self.model, self.text, self.vocab = model, text, vocab
        self.layer, self.direction, self.unit, self.max_steps = layer, direction, unit, max_steps
        self.gates: dict[str, np.ndarray] = {}
        self._text_box = None
        self._status = None
        self.refresh()

    def set_text(self, text: Any) -> None:
        """Re-run the model on new input and redraw (what the live text box calls)."""
        self.text = text
        self.refresh()

    def _compute(self) -> dict[str, Any]:
        self.gates = {}
        rec = as_recordable(self.model)
        tokens = None
        note = ""
        if isinstance(self.text, str):
            ids = encode_text(self.text, self.vocab)
            if len(ids) > self.max_steps:
                note = f"Input cut to its first {self.max_steps} of {len(ids)} steps. "
                ids = ids[: self.max_steps]
            tokens = _tokens(self.text, ids, self.vocab)
            gates = record(
                rec, ids=ids, vocab=self.vocab, layer=self.layer, direction=self.direction
            )
        else:
            if rec.takes_ids:
                raise ValueError("this model reads token ids: give text and vocab, not numbers")
            x = check_numbers(self.text, rec.input_size)[:, : self.max_steps]
            gates = record(rec, numbers=x, layer=self.layer, direction=self.direction)
        T, H = gates["h"].shape
        if not 0 <= self.unit < H:
            raise ValueError(f"unit must be in [0, H) = [0, {H}), got {self.unit}")
        self.gates = gates
        keys = list(rec.keys)
        # unbounded quantities (c, pre) are coloured on the scale of their 98th percentile
        scales = {
            k: (
                1.0
                if k in SQUASH or k == "h"
                else float(max(np.percentile(np.abs(gates[k]), 98), 1e-12))
            )
            for k in keys
        }
        return {
            "title": f"{rec.cell.upper()} layer {self.layer}"
            f"{', direction ' + str(self.direction) if self.direction else ''}: "
            f"{T} time steps x {H} units",
            "T": T,
            "H": H,
            "unit": self.unit,
            "keys": keys,
            "labels": {k: _LABELS[k] for k in keys},
            "kinds": {k: "sigmoid" if SQUASH.get(k) == "sigmoid" else "tanh" for k in keys},
            "scales": scales,
            "squash": {k: k in ("c", "pre") for k in keys},
            "tokens": tokens,
            "arrays": {k: encode_array(gates[k], bits=16) for k in keys},
            "note": note + "Heatmaps: rows are units, columns time steps (click one to select it); "
            "σ gates white (0) to blue (1), others blue (−) to red (+). "
            "The line plot is the selected unit over time (unbounded states through tanh).",
        }

    def _controls(self) -> list:
        import ipywidgets as widgets

        if not isinstance(self.text, str):
            return []
        self._text_box = widgets.Textarea(
            value=self.text,
            description="input",
            continuous_update=False,
            layout=widgets.Layout(width="95%", height="60px"),
        )
        self._text_box.observe(lambda change: self.set_text(change["new"]), names="value")
        return [
            widgets.HTML("Type a new input; the model re-runs when the box loses focus."),
            self._text_box,
        ]


def _tokens(text: str, ids: np.ndarray, vocab: Any) -> list[str]:
    """One display string per time step."""
    if len(text) >= len(ids) and getattr(vocab, "kind", "char") == "char":
        return list(text[: len(ids)])
    return [vocab.decode(np.array([i])) + " " for i in ids]
