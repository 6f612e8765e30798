"""Learning curves of the truncation schemes on the delayed-recall stream (page 4b)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from rnncourse.figures._draw import CURVE_COLORS
from rnncourse.figures.alt import set_alt

__all__ = ["SCHEME_LABELS", "plot_truncation_curves"]

SCHEME_LABELS = {
    "chunks": "non-overlapping chunks",
    "overlap": "BPTT(k1, k2)",
    "random": "randomised (unbiased)",
}
_STYLES = {"chunks": ("-", "o"), "overlap": ("--", "s"), "random": (":", "^")}


def plot_truncation_curves(result: Mapping[str, Any]) -> Figure:
    """One panel per delay d: held-out accuracy over updates, median of the seeds and their range.

    Parameters
    ----------
    result : mapping
        As returned by :func:`rnncourse.experiments.truncation.truncation_experiment`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    c = result["config"]
    delays = [str(d) for d in c["delays"]]
    fig, axes = plt.subplots(1, len(delays), figsize=(5.2 * len(delays), 3.4), sharey=True)
    axes = np.atleast_1d(axes)
    ends = []
    for ax, d in zip(axes, delays, strict=True):
        for i, (scheme, run) in enumerate(result["runs"][d].items()):
            acc = np.asarray(run["accuracy"], dtype=float)
            steps = np.asarray(run["steps"])
            style, marker = _STYLES[scheme]
            color = CURVE_COLORS[i]
            ax.plot(
                steps,
                np.median(acc, 0),
                style,
                marker=marker,
                ms=4,
                color=color,
                label=SCHEME_LABELS[scheme],
            )
            ax.fill_between(steps, acc.min(0), acc.max(0), color=color, alpha=0.2, lw=0)
            ends.append(f"d = {d}, {SCHEME_LABELS[scheme]}: {np.median(acc[:, -1]):.2f}")
        ax.axhline(result["chance"], color="0.4", ls="-.", lw=1, label="chance")
        ax.set_title(f"recall the symbol d = {d} steps back (k = {c['k']})", fontsize=10)
        ax.set_xlabel("update")
        ax.grid(True, alpha=0.3)
    axes[0].set_ylabel("held-out accuracy")
    axes[0].legend(fontsize=8, loc="center right")
    fig.tight_layout()
    return set_alt(
        fig,
        f"Two line charts of held-out recall accuracy against the update, one line per truncation "
        f"scheme (median of {len(c['seeds'])} seeds, a band for their range), chance dash-dotted "
        f"at {result['chance']:.2f}. Final median accuracies: " + "; ".join(ends) + ".",
    )
