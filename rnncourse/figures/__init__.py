"""Figures of the rnncourse book, drawn with matplotlib when the book is built (no stored images).

Modules (imported lazily, so ``import rnncourse.figures`` stays cheap):

graphs
    Computational graphs: the folded and unrolled recurrence, input/output shapes of sequence
    models, the stacked ``[h_{t-1}, x_t]`` matrix picture, one-hot grids.
training
    Plots of training experiments (losses, gradient norms).
cells
    RNN / GRU / LSTM cell diagrams with their gates, bidirectional and stacked layouts, attention.
inside
    Views of hidden units and gates over text.
lm
    Language-model measurements: Zipf rank–frequency, per-seed comparisons with error bars.

Every ``draw_*`` function takes an optional Matplotlib ``ax`` and returns the Axes it drew on.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["graphs", "training", "cells", "inside", "lm"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        return importlib.import_module(f"rnncourse.figures.{name}")
    raise AttributeError(f"module 'rnncourse.figures' has no attribute {name!r}")
