"""The configuration of a char-LM training run: :class:`TrainConfig`, its checks and its schedule.

Every field carries its help text and its bounds in ``dataclasses.field(metadata=...)``. The same
metadata drives the checks in :meth:`TrainConfig.__post_init__` and the options of
``rnncourse train`` (:func:`rnncourse.train.cli_options.add_config_options`), so a field added here
is settable from the command line with its default printed once, and is validated in one place.

This module does not import torch (``rnncourse --help`` builds its parser from it).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

from rnncourse._validation import check_choice
from rnncourse.reference.cells import CELLS

BACKENDS = ("torch", "rnncourse")
AMP = ("none", "bf16")
SCHEDULES = ("cosine", "constant")


def _f(
    default: Any,
    help: str,
    *,
    choices: tuple | None = None,
    low: float | None = None,
    high: float | None = None,
    strict: bool = False,
    flag: str | None = None,
    optional: bool = False,
) -> Any:
    """Return a dataclass field with its help text, bounds, flag and whether None is allowed.

    Bounds: ``low < value`` if ``strict``, else ``low <= value``; ``value <= high``. The
    command-line flag defaults to ``--field-name``.
    """
    meta = dict(help=help, choices=choices, low=low, high=high, strict=strict, flag=flag)
    return field(default=default, metadata={**meta, "optional": optional})


#: The same field for options outside TrainConfig (``rnncourse.train.cli.RunOptions``).
bounded_field = _f


def field_kind(f: dataclasses.Field) -> type:
    """Return the plain type of a field: int, float, str or bool (``float | None`` -> float)."""
    return {"int": int, "float": float, "str": str, "bool": bool}[str(f.type).split("|")[0].strip()]


def check_field(f: dataclasses.Field, value: Any, name: str | None = None) -> Any:
    """Check ``value`` for field ``f`` of :class:`TrainConfig`; raise ValueError naming it.

    ``name`` replaces the field's name in messages (an option checked like this field).
    Returns the value (an int given for a float field as a float).
    """
    m, kind = f.metadata, field_kind(f)
    name = name or f.name
    if value is None and m.get("optional"):
        return value
    if m.get("choices"):
        return check_choice(name, value, m["choices"])
    if kind is bool:
        if not isinstance(value, bool):
            raise ValueError(f"{name} must be True or False, got {value!r}")
        return value
    if kind is str:
        if not isinstance(value, str):
            raise ValueError(f"{name} must be a string, got {value!r}")
        return value
    if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    value = kind(check_finite(name, value))
    low, high = m.get("low"), m.get("high")
    too_low = low is not None and (value <= low if m.get("strict") else value < low)
    if too_low or (high is not None and value > high):
        bounds = [f"{'>' if m.get('strict') else '>='} {low}"] if low is not None else []
        bounds += [f"<= {high}"] if high is not None else []
        raise ValueError(f"{name} must be {' and '.join(bounds)}, got {value!r}")
    return value


def check_finite(name: str, value: Any) -> float:
    """Return ``value`` if it is a real, finite number, else raise ValueError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{name} must be a number, got {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return value


@dataclass
class TrainConfig:
    """Everything that defines a char-LM training run (plain types only; stored in checkpoints).

    Each field's meaning, bounds and command-line flag are in its metadata (``rnncourse train
    --help`` prints them); the attributes below summarise them.

    Attributes
    ----------
    cell : {"rnn", "gru", "lstm"}
    hidden_size, num_layers, embed_dim : int
        Model size: H per layer, number of stacked layers, embedding size E.
    dropout : float
    batch_size : int
        N, parallel streams (the global batch: under torchrun each process takes N / world).
    seq_len : int
        T, truncated-BPTT window.
    lr, warmup_steps, min_lr_ratio, schedule, max_steps :
        Peak Adam learning rate, linear warm-up from lr/10, cosine decay to ``lr * min_lr_ratio``
        at ``max_steps`` (or constant), length of the run; see :meth:`lr_at`.
    clip : float or None
        Clip gradients to this global L2 norm (None or 0: no clipping).
    weight_decay : float
    eval_every, sample_every, checkpoint_every : int
        Period in steps (0 disables); evaluation and a checkpoint also happen at the end.
    eval_chars, sample_len, temperature :
        Validation characters scored per evaluation, sample length, sampling temperature.
    seed : int
    device : str
        "auto" (CUDA when available), "cpu", "cuda", "cuda:1", ...
    backend : {"torch", "rnncourse"}
        Where the recurrent layer comes from (state dicts are interchangeable).
    amp : {"none", "bf16"}
        bfloat16 autocast for the training forward pass; evaluation stays in float32.
    locked_dropout, tie_weights, layer_norm : bool
        Variational dropout masks, embedding shared with the read-out, layer-normalised LSTM.
    clip_mode : {"norm", "value"}
        Clip the global L2 norm of the gradient to ``clip``, or every entry to [-clip, clip].
    partition : {"sequential", "random"}
        N contiguous streams with the state carried, or N random windows from a zero state.
    """

    cell: str = _f("lstm", "recurrent cell: rnn (tanh), gru or lstm", choices=CELLS)
    hidden_size: int = _f(128, "hidden units per layer (H)", low=1)
    num_layers: int = _f(1, "number of stacked recurrent layers", low=1, flag="--layers")
    embed_dim: int = _f(64, "character embedding size (E)", low=1)
    dropout: float = _f(
        0.0, "dropout on the embeddings, between layers and before the read-out", low=0.0, high=0.99
    )
    batch_size: int = _f(
        32,
        "parallel text streams N per update (the global batch: under torchrun each process "
        "trains N / world-size of them)",
        low=1,
    )
    seq_len: int = _f(64, "truncated-BPTT window T (characters per stream per update)", low=1)
    lr: float = _f(2e-3, "peak Adam learning rate", low=0.0, strict=True)
    warmup_steps: int = _f(20, "linear warm-up from lr/10 to lr over this many steps", low=0)
    min_lr_ratio: float = _f(0.05, "the cosine decay ends at lr * min-lr-ratio", low=0.0, high=1.0)
    schedule: str = _f(
        "cosine", "learning rate after warm-up: cosine decay or constant", choices=SCHEDULES
    )
    max_steps: int = _f(
        1000,
        "number of updates; the cosine schedule spans them (with --minutes alone: as many as "
        "the time allows)",
        low=1,
        flag="--steps",
    )
    clip: float | None = _f(
        1.0, "clip the global gradient norm to this (0 disables clipping)", low=0.0, optional=True
    )
    weight_decay: float = _f(0.0, "Adam weight decay (L2 penalty)", low=0.0)
    eval_every: int = _f(
        200, "validation bits per character every this many steps (0: only at the end)", low=0
    )
    sample_every: int = _f(200, "print a sample every this many steps (0: never)", low=0)
    checkpoint_every: int = _f(
        100, "write the checkpoint every this many steps (0: only at the end)", low=0
    )
    eval_chars: int = _f(100_000, "validation characters scored per evaluation", low=2)
    sample_len: int = _f(200, "characters per printed sample", low=1)
    temperature: float = _f(
        0.8, "sampling temperature of the printed samples", low=0.0, strict=True
    )
    seed: int = _f(0, "seed for initialisation, dropout and samples")
    device: str = _f("auto", "'auto' (a GPU when available), 'cpu', 'cuda' or 'cuda:N'")
    backend: str = _f(
        "torch",
        "recurrent layers from torch.nn (oneDNN / cuDNN kernels: the fastest) or rnncourse.nn "
        "(the book's readable layers, which rnncourse.nn.GateRecorder can record; on a CPU they "
        "train at about 0.5-0.8x the speed, see benchmarks/cli_speed.py). Checkpoints load into "
        "either (rnncourse.train.load_model(path, backend='rnncourse') to record gates)",
        choices=BACKENDS,
    )
    amp: str = _f(
        "none", "mixed precision: bfloat16 autocast for the training forward pass", choices=AMP
    )
    locked_dropout: bool = _f(
        False,
        "reuse the dropout masks of the embeddings and the read-out at every time step "
        "(variational dropout) instead of drawing new ones per step",
    )
    tie_weights: bool = _f(
        False, "share the embedding matrix with the read-out layer (needs embed-dim == hidden-size)"
    )
    layer_norm: bool = _f(False, "layer-normalised LSTM cell (cell lstm only)")
    clip_mode: str = _f(
        "norm",
        "clip the global L2 norm of the gradient to --clip, or every entry to [-clip, clip]",
        choices=("norm", "value"),
    )
    partition: str = _f(
        "sequential",
        "sequential: N contiguous streams read in order, the state carried from window to window; "
        "random: every update draws N windows at random offsets, each from a zero state",
        choices=("sequential", "random"),
    )

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            setattr(self, f.name, check_field(f, getattr(self, f.name)))
        if self.clip == 0:
            self.clip = None  # 0 means no clipping, as on the command line

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TrainConfig:
        """Build from a dict, ignoring unknown keys (checkpoints from newer versions)."""
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})

    def lr_at(self, step: int) -> float:
        """Learning rate used for update number ``step`` (0-based).

        Linear warm-up from ``lr / 10`` over ``warmup_steps``, then a cosine from ``lr`` down to
        ``lr * min_lr_ratio`` at ``max_steps`` (constant ``lr`` with ``schedule="constant"``).
        Extending a finished run (a larger ``max_steps``) continues the cosine of the longer
        run: the rate rises from its floor to the longer schedule's value at that step (a warm
        restart) and decays to the floor again at the new end.
        """
        if step < self.warmup_steps:
            return self.lr * (0.1 + 0.9 * step / self.warmup_steps)
        if self.schedule == "constant":
            return self.lr
        span = max(self.max_steps - self.warmup_steps, 1)
        progress = min((step - self.warmup_steps) / span, 1.0)
        return self.lr * (
            self.min_lr_ratio + (1 - self.min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * progress))
        )


def resolve_device(device: str) -> Any:
    """``"auto"`` -> CUDA if available else CPU; otherwise a ``torch.device`` that exists here.

    Raises
    ------
    ValueError
        A string torch does not parse as a device, or a CUDA device this machine lacks.
    """
    import torch

    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(
            f"device {device!r} is not a device name (use 'auto', 'cpu', 'cuda' or 'cuda:N')"
        ) from None
    if dev.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if count == 0:
            raise ValueError(f"device {device!r} requested but CUDA is not available here")
        if dev.index is not None and dev.index >= count:
            raise ValueError(f"device {device!r} requested but this machine has {count} GPU(s)")
    elif dev.type != "cpu":
        raise ValueError(f"device {device!r} is not supported (use 'auto', 'cpu' or 'cuda:N')")
    return dev
