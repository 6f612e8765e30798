"""Checkpoints: written atomically, read with ``torch.load(weights_only=True)``.

A checkpoint is a dict of tensors and plain Python types only (the vocabulary as a token list,
the configuration as a dict), so the safe ``weights_only`` loader accepts it and no pickled class
is needed to read it back.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import torch

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


def load_checkpoint(path: str | os.PathLike, map_location: str | torch.device = "cpu") -> dict:
    """Read a checkpoint written by :func:`save_checkpoint` (``weights_only=True``).

    Raises
    ------
    CheckpointError
        Missing file, not a torch file, or not an rnncourse char-LM checkpoint.
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint {str(path)!r} does not exist")
    try:
        obj = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as e:  # torch raises several types for corrupt / foreign files
        raise CheckpointError(f"checkpoint {str(path)!r} could not be read: {e}") from e
    if not isinstance(obj, dict) or obj.get("format") != FORMAT:
        got = obj.get("format") if isinstance(obj, dict) else type(obj).__name__
        raise CheckpointError(
            f"checkpoint {str(path)!r} is not an rnncourse char-LM checkpoint "
            f"(format {FORMAT!r} expected, got {got!r})"
        )
    return obj
