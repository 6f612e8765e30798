"""Gate recordings of any recurrent model a reader hands a widget.

Reference parameters, an ``rnncourse.nn`` layer, a model that contains one, or ``torch.nn``
layers become gate recordings, through :class:`rnncourse.nn.GateRecorder`.

The widgets never compute a gate themselves: every value they show is recorded from the forward
pass of an ``rnncourse.nn`` module (reference parameters are first loaded into one with
:func:`rnncourse.nn.load_reference_params`, in float64).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

import rnncourse.nn as ours
from rnncourse.reference.cells import CELL_OF_NUM_BLOCKS, RECORDED

__all__ = ["Recordable", "as_recordable", "encode_text", "record"]


@dataclass
class Recordable:
    """A model ready for recording.

    Attributes
    ----------
    model : torch.nn.Module
        What is called on the input (the layer itself or a model around it).
    layer_module : torch.nn.Module
        The ``rnncourse.nn`` recurrent layer whose gates are recorded.
    cell : str
        ``"rnn"``, ``"gru"`` or ``"lstm"``.
    takes_ids : bool
        True when ``model`` wants token ids (N, T) (it embeds them itself), False when it wants
        features (N, T, D).
    input_size : int
        D of the recurrent layer (for feature inputs).
    """

    model: torch.nn.Module
    layer_module: torch.nn.Module
    cell: str
    takes_ids: bool
    input_size: int

    @property
    def keys(self) -> tuple[str, ...]:
        """Names of the recorded gates and states of this cell, in recording order."""
        return RECORDED[self.cell]

    @property
    def num_layers(self) -> int:
        """Number of stacked recurrent layers."""
        return int(getattr(self.layer_module, "num_layers", 1))


#: The rnncourse.nn layer of each cell.
_LAYERS: dict[str, type[torch.nn.Module]] = {"rnn": ours.RNN, "gru": ours.GRU, "lstm": ours.LSTM}


def _cell_of(module: torch.nn.Module) -> str | None:
    for cell, cls in _LAYERS.items():
        if isinstance(module, cls):
            return cell
    return None


def _from_reference(params: dict) -> Recordable:
    """Build a one-layer float64 ``rnncourse.nn`` layer holding reference parameters."""
    for key in ("Wx", "Wh", "b"):
        if key not in params:
            raise ValueError(
                f"model: reference parameters need keys 'Wx', 'Wh', 'b' (and 'bh' for a GRU), "
                f"got keys {sorted(params)}"
            )
    Wx, Wh = np.asarray(params["Wx"]), np.asarray(params["Wh"])
    *rest, last = (f"{k} ({cell.upper()})" for k, cell in sorted(CELL_OF_NUM_BLOCKS.items()))
    ks = f"{', '.join(rest)} or {last}"  # "1 (RNN), 3 (GRU) or 4 (LSTM)"
    if Wh.ndim != 2 or Wh.shape[0] == 0 or Wh.shape[1] % Wh.shape[0]:
        raise ValueError(f"model: Wh must be (H, kH) with k = {ks}, got shape {Wh.shape}")
    H = Wh.shape[0]
    k = Wh.shape[1] // H
    if k not in CELL_OF_NUM_BLOCKS:
        raise ValueError(
            f"model: Wh (H, kH) must have k = {ks} blocks, got shape {Wh.shape} (k = {k})"
        )
    cell = CELL_OF_NUM_BLOCKS[k]
    if Wx.ndim != 2 or Wx.shape[1] != k * H:
        raise ValueError(f"model: Wx must be (D, {k}H) = (D, {k * H}), got shape {Wx.shape}")
    cls = _LAYERS[cell]
    layer = cls(Wx.shape[0], H, batch_first=True).double()
    ours.load_reference_params(
        layer, {key: np.asarray(v, dtype=np.float64) for key, v in params.items() if v is not None}
    )
    return Recordable(layer, layer, cell, False, Wx.shape[0])


def _from_torch_layer(module: torch.nn.Module) -> Recordable:
    """Copy a ``torch.nn`` RNN/GRU/LSTM into the matching ``rnncourse.nn`` layer (state dict)."""
    name = type(module).__name__.lower()
    cls = _LAYERS[name]
    kwargs = dict(
        num_layers=module.num_layers,
        bias=module.bias,
        batch_first=module.batch_first,
        bidirectional=module.bidirectional,
    )
    if name == "rnn":
        kwargs["nonlinearity"] = module.nonlinearity
    layer = cls(module.input_size, module.hidden_size, **kwargs)
    p = next(module.parameters())
    layer = layer.to(dtype=p.dtype)
    layer.load_state_dict(module.state_dict())
    return Recordable(layer, layer, name, False, module.input_size)


def as_recordable(model: Any) -> Recordable:
    """Accept reference params, an ``rnncourse.nn`` or ``torch.nn`` layer, or a model around one.

    Raises
    ------
    TypeError
        For anything else, with a message that says what is accepted.
    """
    if isinstance(model, dict):
        return _from_reference(model)
    if isinstance(model, torch.nn.Module):
        cell = _cell_of(model)
        if cell is not None:
            return Recordable(model, model, cell, False, model.input_size)
        if type(model) in (torch.nn.RNN, torch.nn.GRU, torch.nn.LSTM):
            return _from_torch_layer(model)
        for sub in model.modules():
            cell = _cell_of(sub)
            if cell is not None:
                # a model around the layer (e.g. rnncourse.train.models.CharLM) embeds token ids
                return Recordable(model, sub, cell, True, sub.input_size)
    raise TypeError(
        "model must be reference parameters (dict with 'Wx', 'Wh', 'b'), an rnncourse.nn "
        "RNN/GRU/LSTM, a torch.nn RNN/GRU/LSTM, or a model containing an rnncourse.nn layer "
        f"(such as rnncourse.train.models.CharLM); got {type(model).__name__}"
    )


def encode_text(text: str, vocab: Any) -> np.ndarray:
    """Ids of ``text`` (L,), refusing empty text and characters the vocabulary does not know."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    if len(text) == 0:
        raise ValueError("text is empty: give at least one character")
    if vocab is not None and not (hasattr(vocab, "encode") and hasattr(vocab, "__len__")):
        raise TypeError(
            "vocab must be a vocabulary such as rnncourse.data.CharVocab, got "
            f"{type(vocab).__name__}"
        )
    if vocab is None:
        raise ValueError(
            "text input needs a vocabulary: pass vocab= (e.g. rnncourse.data.CharVocab)"
        )
    ids = np.asarray(vocab.encode(text))
    unk = getattr(vocab, "stoi", {}).get("<UNK>", 1)
    if len(ids) == len(text):
        bad = sorted({ch for ch, i in zip(text, ids, strict=True) if i == unk and ch != "<UNK>"})
        if bad:
            shown = ", ".join(repr(c) for c in bad[:8])
            raise ValueError(
                f"text has {len(bad)} character(s) outside the vocabulary: {shown}"
                f"{' ...' if len(bad) > 8 else ''} (the vocabulary has {len(vocab)} tokens)"
            )
    return ids


def _features(
    rec: Recordable, ids: np.ndarray | None, numbers: np.ndarray | None, vocab: Any
) -> np.ndarray:
    """(1, T, D) float input for a bare layer: numbers as given, or one-hot ids."""
    if numbers is not None:
        return numbers
    V = len(vocab)
    if V != rec.input_size:
        raise ValueError(
            f"model takes D = {rec.input_size} input features but the vocabulary has V = {V} "
            "tokens; one-hot text input needs D == V (or pass numbers of shape (T, D))"
        )
    x = np.zeros((1, len(ids), V))
    x[0, np.arange(len(ids)), ids] = 1.0
    return x


def check_numbers(x: Any, D: int) -> np.ndarray:
    """Numeric input as (1, T, D) float64; accepts (T, D) or (1, T, D)."""
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim != 3 or arr.shape[0] != 1 or arr.shape[2] != D or arr.shape[1] == 0:
        raise ValueError(
            f"numbers must be (T, D) or (1, T, D) with D = {D}, T >= 1, got shape {np.shape(x)}"
        )
    if not np.all(np.isfinite(arr)):
        raise ValueError("numbers must be finite (no NaN or inf)")
    return arr


def record(
    rec: Recordable,
    ids: np.ndarray | None = None,
    numbers: np.ndarray | None = None,
    vocab: Any = None,
    layer: int = 0,
    direction: int = 0,
) -> dict[str, np.ndarray]:
    """Run the model once on one sequence and return the recorded gates, each (T, H) float64."""
    if not 0 <= layer < rec.num_layers:
        raise ValueError(f"layer must be in [0, {rec.num_layers}), got {layer}")
    param = next(rec.model.parameters())
    if rec.takes_ids:
        if ids is None:
            raise ValueError("this model reads token ids: give text and vocab, not numbers")
        embeddings = [m for m in rec.model.modules() if isinstance(m, torch.nn.Embedding)]
        if embeddings and len(ids) and int(ids.max()) >= embeddings[0].num_embeddings:
            raise ValueError(
                f"the vocabulary has ids up to {int(ids.max())} but the model embeds only "
                f"{embeddings[0].num_embeddings} tokens: use the vocabulary the model was "
                "trained with"
            )
        inp = torch.as_tensor(ids, dtype=torch.long, device=param.device)[None]
    else:
        x = _features(rec, ids, numbers, vocab)
        if not getattr(rec.layer_module, "batch_first", False):
            x = x.transpose(1, 0, 2)
        inp = torch.as_tensor(x, dtype=param.dtype, device=param.device)
    gates = recorded_gates(rec, inp, layer=layer, direction=direction)
    return {k: gates[k][0].detach().cpu().double().numpy() for k in rec.keys}


def recorded_gates(
    rec: Recordable, *inputs: Any, layer: int = 0, direction: int = 0
) -> dict[str, torch.Tensor]:
    """Call ``rec.model(*inputs)`` once, in eval mode and without autograd, under a recorder.

    Returns the gates and states of ``layer`` / ``direction`` that
    :meth:`rnncourse.nn.GateRecorder.gates` gives, each (N, T, H) batch first; the model's
    training flag is restored afterwards.
    """
    was_training = rec.model.training
    rec.model.eval()
    try:
        with torch.no_grad(), ours.GateRecorder(rec.layer_module) as recorder:
            rec.model(*inputs)
    finally:
        rec.model.train(was_training)
    return recorder.gates(layer=layer, direction=direction)
