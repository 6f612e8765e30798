"""Interpretable-cell viewer (chapter 12).

Text coloured by one hidden unit, with a search for units that track a feature of the text
(inside a string, indentation depth, position in the line).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rnncourse._validation import check_choice
from rnncourse.analysis.features import FEATURES, rank_units
from rnncourse.analysis.recording import as_recordable, encode_text, record
from rnncourse.widgets._base import WidgetBase, encode_array

__all__ = ["InterpretableCellViewer"]


class InterpretableCellViewer(WidgetBase):
    """A long text with every character coloured by the activation of one hidden unit.

    Parameters
    ----------
    model : dict or torch.nn.Module
        As for :class:`~rnncourse.widgets.GateInspector` (typically a trained
        ``rnncourse.train.models.CharLM``).
    text : str
        The text to colour (characters must be in ``vocab``).
    vocab : rnncourse.data.CharVocab
    what : {"h", "c"}
        Colour by the hidden state ``h`` or (LSTM) by ``tanh(c)``, the cell state squashed to
        (−1, 1) as in Karpathy et al. (2016).
    layer : int
        Recurrent layer to read (negative counts from the top, default −1: the last layer).
    unit : int or None
        Unit shown first; None picks the best unit for ``feature`` (or unit 0).
    feature : str or None
        Feature whose ranking is shown first: one of ``rnncourse.analysis.FEATURES``.
    top_k : int
        Units listed per feature.
    max_chars : int
        Longer texts are cut (said in the view).

    Attributes
    ----------
    acts : ndarray, shape (T, H)
        The activation used for colouring.
    rankings : dict
        feature name -> list of (unit, Pearson r) sorted by ``|r|``.
    """

    kind = "interpret"

    def __init__(
        self,
        model: Any,
        text: str,
        vocab: Any,
        *,
        what: str = "h",
        layer: int = -1,
        unit: int | None = None,
        feature: str | None = None,
        top_k: int = 6,
        max_chars: int = 3000,
    ) -> None:
        super().__init__()
        self.model, self.text, self.vocab, self.what = model, text, vocab, what
        self.layer, self.unit, self.feature = layer, unit, feature
        self.top_k, self.max_chars = top_k, max_chars
        self.acts = np.zeros((0, 0))
        self.rankings: dict[str, list[tuple[int, float]]] = {}
        self.refresh()

    def set_text(self, text: str) -> None:
        """Re-run the model on new text and redraw."""
        self.text = text
        self.refresh()

    def _compute(self) -> dict[str, Any]:
        self.acts, self.rankings = np.zeros((0, 0)), {}
        check_choice("what", self.what, ("h", "c"))
        check_choice("feature", self.feature, (*FEATURES, None))
        rec = as_recordable(self.model)
        if self.what == "c" and rec.cell != "lstm":
            raise ValueError(f"what='c' needs an LSTM, this model is a {rec.cell.upper()}")
        text = self.text if isinstance(self.text, str) else None
        ids = encode_text(self.text, self.vocab)
        note = ""
        if len(ids) > self.max_chars:
            note = f"Text cut to its first {self.max_chars} of {len(ids)} characters. "
            text, ids = text[: self.max_chars], ids[: self.max_chars]
        layer = self.layer if self.layer >= 0 else rec.num_layers + self.layer
        gates = record(rec, ids=ids, vocab=self.vocab, layer=layer)
        acts = np.tanh(gates["c"]) if self.what == "c" else gates["h"]
        self.acts = acts
        self.rankings = {
            name: rank_units(acts, fn(text), self.top_k) for name, (label, fn) in FEATURES.items()
        }
        H = acts.shape[1]
        unit = self.unit
        if unit is None:
            unit = self.rankings[self.feature][0][0] if self.feature else 0
        if not 0 <= unit < H:
            raise ValueError(f"unit must be in [0, H) = [0, {H}), got {unit}")
        what = "tanh(c)" if self.what == "c" else "h"
        return {
            "title": f"{rec.cell.upper()} layer {layer}: each character coloured by {what} of one "
            f"unit ({H} units)",
            "H": H,
            "unit": int(unit),
            "feature": self.feature,
            "tokens": list(text),
            "what": what,
            "scale": 1.0,
            "acts": encode_array(acts, bits=8),
            "feature_names": list(FEATURES),
            "features": {
                name: {"label": label, "ranking": [[u, r] for u, r in self.rankings[name]]}
                for name, (label, _) in FEATURES.items()
            },
            "note": note + "Blue is negative, red positive. The search ranks units by the "
            "correlation (Pearson r over this text) of their activation with the feature.",
        }

    def _controls(self) -> list:
        import ipywidgets as widgets

        box = widgets.Textarea(
            value=self.text if isinstance(self.text, str) else "",
            description="text",
            continuous_update=False,
            layout=widgets.Layout(width="95%", height="80px"),
        )
        box.observe(lambda change: self.set_text(change["new"]), names="value")
        return [box]
