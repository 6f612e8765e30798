"""Checkpoints: written atomically, read with ``torch.load(weights_only=True)``.

torch is imported inside the functions, so the command line can check a checkpoint path
(:func:`check_writable`) before paying for the import.

A checkpoint is a dict of tensors and plain Python types only (the vocabulary as a token list,
the configuration as a dict), so the safe ``weights_only`` loader accepts it and no pickled class
is needed to read it back.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from rnncourse.train.config import TrainConfig, resolve_device

FORMAT = "rnncourse-charlm-v1"


class CheckpointError(ValueError):
    """A checkpoint that cannot be used: missing, unreadable, wrong format or wrong vocabulary."""


def save_checkpoint(obj: dict[str, Any], path: str | os.PathLike) -> Path:
    """Write ``obj`` to ``path`` atomically.

    The data goes to a temporary file in the same directory, is flushed to disk, then renamed
    over ``path`` with ``os.replace``: a crash leaves either the old checkpoint or the new one,
    never a truncated file.

    Returns
    -------
    Path
        The path written.
    """
    import torch

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the usual permissions
        with os.fdopen(fd, "wb") as f:
            torch.save(obj, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def check_writable(path: str | os.PathLike) -> Path:
    """Fail early if a checkpoint cannot be written at ``path``.

    The path must not be a directory, and its directory (or the nearest existing ancestor, since
    :func:`save_checkpoint` creates the missing ones) must be a writable directory.

    Raises
    ------
    CheckpointError
        With the reason, before any training time is spent.
    """
    path = Path(path)
    if path.is_dir():
        raise CheckpointError(f"checkpoint path {str(path)!r} is a directory; give a file name")
    parent = path.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise CheckpointError(f"checkpoint path {str(path)!r}: {str(parent)!r} is not a directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise CheckpointError(
            f"checkpoint path {str(path)!r}: directory {str(parent)!r} is not writable"
        )
    return path


def load_checkpoint(
    path: str | os.PathLike, map_location: Any = "cpu", expect_format: str | None = FORMAT
) -> dict:
    """Read a checkpoint written by :func:`save_checkpoint` (``weights_only=True``).

    Parameters
    ----------
    path : str or path-like
    map_location : default "cpu"
        Passed to ``torch.load``.
    expect_format : str or None, default ``FORMAT`` (this module's constant)
        The ``"format"`` entry the dict must carry (a char-LM checkpoint); None accepts any dict
        of tensors, such as a model's ``state_dict`` (the experiments' stored weights).

    Raises
    ------
    CheckpointError
        Missing file, not a torch file, or not a checkpoint of the expected format.
    """
    import torch

    path = Path(path)
    if path.is_dir():
        raise CheckpointError(f"checkpoint {str(path)!r} is a directory, not a checkpoint file")
    if not path.is_file():
        raise CheckpointError(f"checkpoint {str(path)!r} does not exist")
    try:
        obj = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as e:  # torch raises several types for corrupt / foreign files
        # torch's own message suggests weights_only=False, i.e. running the file's code: no
        raise CheckpointError(
            f"checkpoint {str(path)!r} could not be read: it is not a checkpoint written by "
            f"'rnncourse train', or it is damaged ({type(e).__name__})"
        ) from e
    if expect_format is None and isinstance(obj, dict):
        return obj
    if not isinstance(obj, dict) or obj.get("format") != expect_format:
        got = obj.get("format") if isinstance(obj, dict) else type(obj).__name__
        raise CheckpointError(
            f"checkpoint {str(path)!r} is not an rnncourse char-LM checkpoint "
            f"(format {expect_format!r} expected, got {got!r})"
        )
    return obj


def load_model(
    path: str | os.PathLike, device: str = "cpu", backend: str | None = None
) -> tuple[Any, Any, TrainConfig]:
    """Load a trained model for sampling or inspection.

    Parameters
    ----------
    path : checkpoint written by :class:`~rnncourse.train.LMTrainer`
    device : str
    backend : {"torch", "rnncourse"} or None
        Override the recurrent-layer backend (state dicts are interchangeable; "rnncourse" for
        :class:`rnncourse.nn.GateRecorder`).

    Returns
    -------
    (model, vocab, config) : (CharLM in eval mode, CharVocab, TrainConfig)

    Raises
    ------
    CheckpointError
        Unreadable checkpoint, a vocabulary that is not character-level, or weights that are not
        finite.
    """
    from rnncourse.data import CharVocab, Vocab

    ck = load_checkpoint(path)
    config = TrainConfig.from_dict(ck["config"])
    vocab = Vocab.from_dict(ck["vocab"])
    if not isinstance(vocab, CharVocab):
        raise CheckpointError(
            f"checkpoint {str(path)!r} holds a {vocab.kind} vocabulary, expected char"
        )
    bad = [k for k, v in ck["model"].items() if v.is_floating_point() and not v.isfinite().all()]
    if bad:
        raise CheckpointError(f"checkpoint {str(path)!r} has non-finite weights in {bad[:3]}")
    model = build_model(config, len(vocab), backend)
    model.load_state_dict(ck["model"])
    return model.to(resolve_device(device)).eval(), vocab, config


def build_model(config: TrainConfig, vocab_size: int, backend: str | None = None) -> Any:
    """Build the :class:`~rnncourse.train.models.CharLM` of a config (``backend`` overrides)."""
    from rnncourse.train.models import CharLM

    c = config
    return CharLM(
        vocab_size,
        c.hidden_size,
        c.num_layers,
        c.cell,
        c.embed_dim,
        c.dropout,
        backend or c.backend,
        c.locked_dropout,
        c.tie_weights,
        c.layer_norm,
    )
