"""Interpretable-cell viewer: text coloured by one hidden unit, with a search for units that track
a feature of the text (inside a string, indentation depth, position in the line)."""

from __future__ import annotations

from typing import Any

import numpy as np

from rnncourse.data import convert_loss
from rnncourse.widgets._base import WidgetBase, encode_array
from rnncourse.widgets._models import as_recordable, encode_text, record
from rnncourse.widgets.features import FEATURES, rank_units

__all__ = [
    "InterpretableCellViewer",
    "unit_activations",
    "search_units",
    "unit_correlation",
    "clamped_unit_bits",
]


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
        Feature whose ranking is shown first: one of :data:`rnncourse.widgets.features.FEATURES`.
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

    def __init__(self, model: Any, text: str, vocab: Any, *, what: str = "h", layer: int = -1,
                 unit: int | None = None, feature: str | None = None, top_k: int = 6,
                 max_chars: int = 3000) -> None:
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
        if self.what not in ("h", "c"):
            raise ValueError(f"what must be 'h' or 'c', got {self.what!r}")
        if self.feature is not None and self.feature not in FEATURES:
            raise ValueError(
                f"feature must be one of {list(FEATURES)} or None, got {self.feature!r}"
            )
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
        self.rankings = {name: rank_units(acts, fn(text), self.top_k)
                         for name, (label, fn) in FEATURES.items()}
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
            "H": H, "unit": int(unit), "feature": self.feature,
            "tokens": list(text), "what": what, "scale": 1.0,
            "acts": encode_array(acts, bits=8),
            "feature_names": list(FEATURES),
            "features": {name: {"label": label, "ranking": [[u, r] for u, r in self.rankings[name]]}
                         for name, (label, _) in FEATURES.items()},
            "note": note + "Blue is negative, red positive. The search ranks units by the "
                    "correlation (Pearson r over this text) of their activation with the feature.",
        }

    def _controls(self) -> list:
        import ipywidgets as widgets

        box = widgets.Textarea(value=self.text if isinstance(self.text, str) else "",
                               description="text", continuous_update=False,
                               layout=widgets.Layout(width="95%", height="80px"))
        box.observe(lambda change: self.set_text(change["new"]), names="value")
        return [box]


def unit_activations(model: Any, texts: list[str], vocab: Any, what: str = "c",
                     layer: int = -1) -> list[np.ndarray]:
    """Activations of every unit over several texts, in one batched forward pass.

    Texts are right-padded to a common length (a recurrent model reads left to right, so the padding
    after a text does not change its activations) and recorded with
    :class:`rnncourse.nn.GateRecorder`.

    Parameters
    ----------
    model : dict or torch.nn.Module
        As for :class:`InterpretableCellViewer`; it must read token ids (e.g. a CharLM).
    texts : list of str
        Non-empty texts whose characters are all in ``vocab``.
    vocab : rnncourse.data.CharVocab
    what : {"h", "c"}
        Hidden state h, or tanh of the LSTM cell state.
    layer : int
        Recurrent layer, negative from the top.

    Returns
    -------
    list of ndarray
        One (len(text), H) array per text.
    """
    import torch

    import rnncourse.nn as ours

    if what not in ("h", "c"):
        raise ValueError(f"what must be 'h' or 'c', got {what!r}")
    if not texts or not all(isinstance(t, str) for t in texts):
        raise TypeError("texts must be a non-empty list of str")
    rec = as_recordable(model)
    if not rec.takes_ids:
        raise ValueError("model must read token ids (for example a CharLM)")
    if what == "c" and rec.cell != "lstm":
        raise ValueError(f"what='c' needs an LSTM, this model is a {rec.cell.upper()}")
    ids = [encode_text(t, vocab) for t in texts]
    T = max(len(i) for i in ids)
    batch = np.zeros((len(ids), T), dtype=np.int64)
    for n, row in enumerate(ids):
        batch[n, : len(row)] = row
    layer = layer if layer >= 0 else rec.num_layers + layer
    device = next(rec.model.parameters()).device
    was_training = rec.model.training
    rec.model.eval()
    try:
        with torch.no_grad(), ours.GateRecorder(rec.layer_module) as recorder:
            rec.model(torch.as_tensor(batch, device=device))
    finally:
        rec.model.train(was_training)
    gates = recorder.gates(layer=layer)
    acts = gates["c"].tanh() if what == "c" else gates["h"]
    acts = acts.detach().cpu().double().numpy()
    return [acts[n, : len(row)] for n, row in enumerate(ids)]


def search_units(acts: np.ndarray, text: str, top_k: int = 5) -> dict[str, list[tuple[int, float]]]:
    """Rank units by |Pearson r| with every feature of :data:`~rnncourse.widgets.features.FEATURES`.

    Parameters
    ----------
    acts : ndarray, shape (T, H)
    text : str, length T

    Returns
    -------
    dict
        feature name -> list of (unit, r), best first.
    """
    if np.shape(acts)[0] != len(text):
        raise ValueError(f"acts must have one row per character: (T, H) with T = {len(text)}, "
                         f"got {np.shape(acts)}")
    return {name: rank_units(acts, fn(text), top_k) for name, (_, fn) in FEATURES.items()}


def unit_correlation(acts: np.ndarray, text: str, feature: str, unit: int) -> float:
    """Pearson r of one unit's activation with one feature over ``text``."""
    if feature not in FEATURES:
        raise ValueError(f"feature must be one of {list(FEATURES)}, got {feature!r}")
    full = dict(rank_units(acts, FEATURES[feature][1](text), top_k=np.shape(acts)[1]))
    return full[unit]


def clamped_unit_bits(model: Any, text: str, vocab: Any, unit: int | None = None,
                      value: float = 0.0) -> np.ndarray:
    """Per-character loss of a character LM when one LSTM cell unit is held at a fixed value.

    The model reads ``text`` one step at a time; after every step the cell state of ``unit`` is
    overwritten with ``value`` before it is carried to the next step (an intervention: the rest
    of the network sees a unit that no longer follows the text). ``unit=None`` runs the model
    unchanged, the baseline.

    Parameters
    ----------
    model : rnncourse.train.models.CharLM
        One-layer LSTM language model (``embed``, ``rnn``, ``head``).
    text : str
        At least two characters, all in ``vocab``.
    vocab : rnncourse.data.CharVocab
    unit : int or None
        Unit of the cell state to clamp, in [0, H).
    value : float
        Value it is held at.

    Returns
    -------
    ndarray, shape (T - 1,)
        Bits needed for character t + 1 given characters up to t (cross-entropy / ln 2).
    """
    import torch

    for name in ("embed", "rnn", "head"):
        if not hasattr(model, name):
            raise TypeError(f"model must be a character LM with embed, rnn and head (such as "
                            f"CharLM), got {type(model).__name__}")
    rec = as_recordable(model)
    if rec.cell != "lstm" or rec.num_layers != 1:
        raise ValueError("clamping the cell state needs a one-layer LSTM, got "
                         f"{rec.num_layers} layer(s) of {rec.cell.upper()}")
    H = rec.layer_module.hidden_size
    if unit is not None and not 0 <= unit < H:
        raise ValueError(f"unit must be in [0, H) = [0, {H}) or None, got {unit}")
    ids = encode_text(text, vocab)
    if len(ids) < 2:
        raise ValueError("text must have at least two characters (one to read, one to predict)")
    x = torch.as_tensor(ids, dtype=torch.long, device=next(model.parameters()).device)[None]
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            emb = model.embed(x)
            state, outs = None, []
            for t in range(x.shape[1]):
                out, (h, c) = model.rnn(emb[:, t: t + 1], state)
                if unit is not None:
                    c = c.clone()
                    c[..., unit] = value
                state = (h, c)
                outs.append(out)
            logits = model.head(torch.cat(outs, dim=1))[0, :-1]
            nll = torch.nn.functional.cross_entropy(logits, x[0, 1:], reduction="none")
    finally:
        model.train(was_training)
    return convert_loss(nll.double().cpu().numpy(), "bits")
