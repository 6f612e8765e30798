"""Figures of the rnncourse book, drawn with matplotlib when the book is built (no stored images).

Modules (imported lazily, so ``import rnncourse.figures`` stays cheap):

sequences
    What sequence data looks like: input/output shapes of sequence models, one-hot grids
    (chapters 1, 2).
graphs
    Computational graphs: the folded and unrolled recurrence, a feed-forward net on a
    sequence, the stacked ``[h_{t-1}, x_t]`` matrix picture (chapter 3).
unrolled
    Unrolled graphs of every input/output kind with their backward pass, truncated BPTT
    (chapters 4, 5).
curves
    Measured curves: gradient norms, learning curves, character probabilities (chapters 4-7).
cells
    RNN / GRU / LSTM cell diagrams with their gates (chapters 8, 9).
layers
    Bidirectional and stacked layouts (chapters 10, 11).
inside
    Views of hidden units and gates over text (chapter 12).
attention
    Captioning with attention, attention grids and heatmaps, the date translator's accuracy
    and attention maps (chapter 13).
lm
    Language-model measurements: Zipf rank–frequency, per-seed comparisons with error bars.
scan
    Chapter 14: scan timings, the LRU's eigenvalues, gradient costs, model comparisons.

Every ``draw_*`` function takes an optional Matplotlib ``ax`` and returns the Axes it drew on.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "sequences",
    "graphs",
    "unrolled",
    "curves",
    "cells",
    "layers",
    "inside",
    "attention",
    "lm",
    "scan",
]


def __getattr__(name: str) -> Any:
    if name in __all__:
        return importlib.import_module(f"rnncourse.figures.{name}")
    raise AttributeError(f"module 'rnncourse.figures' has no attribute {name!r}")
