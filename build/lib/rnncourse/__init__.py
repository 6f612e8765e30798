"""rnncourse: the companion package of the rnncourse book on recurrent neural networks.

Subpackages
-----------
reference
    NumPy reference implementation (CS231n-style ``*_forward`` / ``*_backward`` layers).
nn
    PyTorch RNN / GRU / LSTM modules, drop-in compatible with ``torch.nn``, with gate recording.
widgets
    ipywidgets explorers that also stay interactive in the static book.
data
    Vocabularies, language-model batching, embedded corpora and synthetic long-range tasks.
train
    NumPy and PyTorch trainers, checkpoints and sampling.
analysis
    Gradient flow, BPTT step by step, gate recordings and interpretable units.
figures
    The book's drawings (matplotlib).
grading
    Exercise checks and the ``rnncourse grade`` command.

Subpackages are imported lazily so ``import rnncourse`` stays cheap (no torch import).
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"
__all__ = [
    "reference",
    "nn",
    "widgets",
    "data",
    "train",
    "analysis",
    "figures",
    "grading",
    "__version__",
]


def __getattr__(name: str) -> Any:
    if name in __all__ and name != "__version__":
        return importlib.import_module(f"rnncourse.{name}")
    raise AttributeError(f"module 'rnncourse' has no attribute {name!r}")
