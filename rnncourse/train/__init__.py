"""Training for the rnncourse book.

PyTorch
    :class:`LMTrainer` / :class:`TrainConfig` — char-level language models (RNN / GRU / LSTM,
    layers, CPU or GPU) with tqdm bars, validation bits per character, samples and resumable
    checkpoints (:class:`NonFiniteError` stops a diverging run); :func:`load_model`;
    :class:`CharLM`; :func:`train_sequence_task` for the synthetic tasks; :func:`fit_adam`, the
    one loop of the small models, and :func:`seed_everything`, the one seeding rule.
Checkpoints
    :func:`save_checkpoint` (atomic), :func:`load_checkpoint` (``weights_only=True``).
Speed
    :func:`keep_freed_memory` — stop glibc from unmapping and re-faulting the large training
    buffers every step (see :mod:`rnncourse.train.allocator`).

Names are imported lazily so ``rnncourse --help`` does not import torch.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "LMTrainer": "rnncourse.train.lm",
    "TrainConfig": "rnncourse.train.lm",
    "load_model": "rnncourse.train.checkpoint",
    "NonFiniteError": "rnncourse.train.lm",
    "MetricsLog": "rnncourse.train.metrics_log",
    "read_text": "rnncourse.train.textfile",
    "CharLM": "rnncourse.train.models",
    "SequenceRegressor": "rnncourse.train.models",
    "SequenceTagger": "rnncourse.train.models",
    "sample_ids": "rnncourse.train.models",
    "train_sequence_task": "rnncourse.train.tasks",
    "fit_adam": "rnncourse.train.fitting",
    "seed_everything": "rnncourse.train.fitting",
    "save_checkpoint": "rnncourse.train.checkpoint",
    "load_checkpoint": "rnncourse.train.checkpoint",
    "CheckpointError": "rnncourse.train.checkpoint",
    "keep_freed_memory": "rnncourse.train.allocator",
}
__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = importlib.import_module(_LAZY[name])
        return getattr(module, name)
    raise AttributeError(f"module 'rnncourse.train' has no attribute {name!r}")


def __dir__() -> list[str]:
    # The lazy names too, so that dir() and Sphinx autodoc see them.
    return sorted(set(globals()) | set(__all__))
