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

Every ``draw_*`` function takes an optional Matplotlib ``ax`` and returns the Axes it drew on,
with its alt text attached (:mod:`rnncourse.figures.alt`). Imported in a Jupyter kernel, this
package registers the display hook that puts every figure's alt text and description into its
output.
"""

from __future__ import annotations

import importlib
import sys
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
    "alt",
]


def __getattr__(name: str) -> Any:
    if name in __all__:
        return importlib.import_module(f"rnncourse.figures.{name}")
    raise AttributeError(f"module 'rnncourse.figures' has no attribute {name!r}")


def _install_alt_hook() -> None:
    """In a running IPython (a kernel), attach alt text to every displayed Matplotlib figure."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None or not hasattr(shell, "display_formatter"):
        return

    def bundle(fig: Any) -> Any:
        from rnncourse.figures.alt import _bundle

        return _bundle(fig)

    shell.display_formatter.mimebundle_formatter.for_type_by_name(
        "matplotlib.figure", "Figure", bundle
    )


_install_alt_hook()
