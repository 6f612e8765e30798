"""Figures of the date translator (chapter 13): accuracy against input length, attention maps.

The heat map itself is :func:`rnncourse.figures.cells.plot_attention_heatmap`; this module adds the
date-specific views around it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

from rnncourse.figures.cells import plot_attention_heatmap

__all__ = ["plot_accuracy_by_length", "plot_date_attention"]

_LABELS = {"none": "no attention", "additive": "additive", "multiplicative": "multiplicative"}


def plot_accuracy_by_length(
    table: Mapping[tuple[str, str, int], Mapping[str, float]],
    decoders: Sequence[str] = ("none", "additive", "multiplicative"),
    decoding: str = "greedy",
    ax: Axes | None = None,
    ylabel: str = "exact match (held-out)",
) -> Axes:
    """Grouped bars: exact match per number of dates in the input, one bar per decoder.

    Parameters
    ----------
    table : mapping
        ``(decoder, decoding, n_dates) -> {"mean", "min", "max"}``, from
        :func:`rnncourse.train.seq2seq_experiment.summary`.
    decoders : sequence of str
    decoding : str
        ``"greedy"``, ``"beam1"``, ``"beam3"`` or ``"beam5"``.
    ax : Axes, optional
    ylabel : str
        What the table holds.

    Returns
    -------
    Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 3.6))
    lengths = (1, 2, 3)
    width = 0.8 / len(decoders)
    for i, dec in enumerate(decoders):
        rows = [table[dec, decoding, k] for k in lengths]
        mean = np.array([r["mean"] for r in rows])
        err = np.array([[r["mean"] - r["min"] for r in rows], [r["max"] - r["mean"] for r in rows]])
        x = np.arange(len(lengths)) + (i - (len(decoders) - 1) / 2) * width
        ax.bar(x, mean, width, yerr=err, capsize=3, label=_LABELS.get(dec, dec))
    ax.set_xticks(np.arange(len(lengths)), [f"{k} date{'s' if k > 1 else ''}" for k in lengths])
    ax.set_ylim(0, 1.05)
    ax.set_ylabel(ylabel)
    ax.set_title(f"{decoding} decoding: mean of 3 seeds, error bar = min to max", fontsize=10)
    ax.legend(fontsize=8, loc="lower left")
    return ax


def plot_date_attention(
    weights: np.ndarray, source: str, output: str, ax: Axes | None = None, title: str | None = None
) -> Axes:
    """Heat map of one decoded example: output characters (rows) against source characters.

    Parameters
    ----------
    weights : ndarray, shape (T_out, L)
        The weights of each output step; a last row for ``<EOS>`` is labelled as such.
    source, output : str
        Source (length L) and decoded output (length T_out or T_out - 1).
    ax : Axes, optional
    title : str, optional

    Returns
    -------
    Axes
    """
    rows = list(output) + (["<EOS>"] if weights.shape[0] == len(output) + 1 else [])
    cols = ["␣" if c == " " else c for c in source]
    rows = ["␣" if c == " " else c for c in rows]
    if ax is None:
        _, ax = plt.subplots(figsize=(max(4.0, 0.16 * len(source) + 1.5), 0.2 * len(rows) + 1.5))
    return plot_attention_heatmap(weights, cols, rows, ax=ax, title=title)
