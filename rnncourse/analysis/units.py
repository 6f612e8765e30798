"""Hidden units that track a property of the text (book chapter 12).

Record every unit over texts, rank units by their correlation with a feature, and measure what
a unit is worth by clamping it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rnncourse._validation import check_choice
from rnncourse.analysis.features import FEATURES, rank_units
from rnncourse.analysis.recording import as_recordable, encode_text, recorded_gates
from rnncourse.data import convert_loss

__all__ = [
    "unit_activations",
    "search_units",
    "unit_correlation",
    "clamped_unit_bits",
]


def unit_activations(
    model: Any, texts: list[str], vocab: Any, what: str = "c", layer: int = -1
) -> list[np.ndarray]:
    """Activations of every unit over several texts, in one batched forward pass.

    Texts are right-padded to a common length (a recurrent model reads left to right, so the padding
    after a text does not change its activations) and recorded with
    :class:`rnncourse.nn.GateRecorder`.

    Parameters
    ----------
    model : dict or torch.nn.Module
        As for :class:`rnncourse.widgets.InterpretableCellViewer`; it must read token ids
        (e.g. a CharLM).
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

    check_choice("what", what, ("h", "c"))
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
    gates = recorded_gates(rec, torch.as_tensor(batch, device=device), layer=layer)
    acts = gates["c"].tanh() if what == "c" else gates["h"]
    acts = acts.detach().cpu().double().numpy()
    return [acts[n, : len(row)] for n, row in enumerate(ids)]


def search_units(acts: np.ndarray, text: str, top_k: int = 5) -> dict[str, list[tuple[int, float]]]:
    """Rank units by the absolute Pearson correlation with every feature in ``FEATURES``.

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
        raise ValueError(
            f"acts must have one row per character: (T, H) with T = {len(text)}, "
            f"got {np.shape(acts)}"
        )
    return {name: rank_units(acts, fn(text), top_k) for name, (_, fn) in FEATURES.items()}


def unit_correlation(acts: np.ndarray, text: str, feature: str, unit: int) -> float:
    """Pearson r of one unit's activation with one feature over ``text``."""
    check_choice("feature", feature, FEATURES)
    full = dict(rank_units(acts, FEATURES[feature][1](text), top_k=np.shape(acts)[1]))
    return full[unit]


def clamped_unit_bits(
    model: Any, text: str, vocab: Any, unit: int | None = None, value: float = 0.0
) -> np.ndarray:
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
            raise TypeError(
                f"model must be a character LM with embed, rnn and head (such as "
                f"CharLM), got {type(model).__name__}"
            )
    rec = as_recordable(model)
    if rec.cell != "lstm" or rec.num_layers != 1:
        raise ValueError(
            "clamping the cell state needs a one-layer LSTM, got "
            f"{rec.num_layers} layer(s) of {rec.cell.upper()}"
        )
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
                out, (h, c) = model.rnn(emb[:, t : t + 1], state)
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
