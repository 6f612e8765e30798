"""Plots of the language-model measurements: Zipf rank–frequency and per-seed comparisons."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes

from rnncourse.figures._draw import axes_or_new
from rnncourse.figures.alt import set_alt

__all__ = ["plot_rank_frequency", "plot_seed_comparison"]


def plot_rank_frequency(
    counts: Mapping[str, Sequence[int]],
    ax: Axes | None = None,
    fit: Mapping[str, float] | None = None,
) -> Axes:
    """Log–log rank–frequency curves, one per entry of ``counts`` (counts sorted by rank).

    ``fit`` maps a name to a Zipf exponent s; a dashed line ``f(1) r^-s`` is drawn for it.
    """
    ax = axes_or_new(ax, (6.0, 3.8))
    for name, c in counts.items():
        c = np.asarray(c, dtype=float)
        r = np.arange(1, len(c) + 1)
        (line,) = ax.loglog(r, c, lw=1.6, label=f"{name} ({len(c):,} types)")
        if fit and name in fit:
            s = fit[name]
            ax.loglog(
                r,
                c[0] * r**-s,
                ls="--",
                lw=1,
                color=line.get_color(),
                label=f"{name}: slope -{s:.2f}",
            )
    ax.set_xlabel("rank r")
    ax.set_ylabel("count")
    ax.legend(fontsize=8, loc="lower left")
    return set_alt(
        ax,
        "Log-log plot of how often each token occurs against its frequency rank, one curve per "
        f"corpus ({', '.join(counts)}): a nearly straight falling line is Zipf's law"
        + (", the dashed lines the fitted slopes." if fit else "."),
    )


def plot_seed_comparison(
    values: Mapping[str, Sequence[float]],
    ax: Axes | None = None,
    xlabel: str = "held-out bits per character",
    references: Mapping[str, float] | None = None,
) -> Axes:
    """Horizontal bars: mean ± sample standard deviation per row, every seed as a dot.

    ``references`` are drawn as vertical lines named in a legend (e.g. the best n-gram model).
    """
    names = list(values)
    ax = axes_or_new(ax, (7.5, 0.45 * len(names) + 1.2))
    y = np.arange(len(names))[::-1]
    means = np.array([np.mean(values[n]) for n in names])
    stds = np.array([np.std(values[n], ddof=1) for n in names])
    ax.barh(y, means, xerr=stds, color="#9ecae1", ecolor="#08519c", capsize=4, height=0.6)
    for yi, n in zip(y, names, strict=True):
        ax.plot(values[n], np.full(len(values[n]), yi), "o", ms=3.5, color="#08306b")
    styles = ("--", ":", "-.")
    for k, (label, x) in enumerate((references or {}).items()):
        ax.axvline(x, color="#c0392b", ls=styles[k % 3], lw=1.2, label=label)
    if references:
        ax.legend(fontsize=8, loc="lower right", framealpha=0.9)
    ax.set_yticks(y, names, fontsize=8.5)
    lo = min(means.min() - 2 * stds.max(), *(references or {0: np.inf}).values())
    hi = max((means + stds).max(), *(references or {0: -np.inf}).values())
    ax.set_xlim(lo - 0.05 * (hi - lo) - 0.05, hi + 0.05 * (hi - lo) + 0.05)
    ax.set_xlabel(xlabel)
    rows = "; ".join(f"{n}: {m:.3g} ± {s:.2g}" for n, m, s in zip(names, means, stds, strict=True))
    refs = "; ".join(f"{k} at {v:.3g}" for k, v in (references or {}).items())
    return set_alt(
        ax,
        f"Horizontal bars of {xlabel}, mean ± standard deviation over seeds with every seed "
        f"as a dot: {rows}." + (f" Vertical reference lines: {refs}." if refs else ""),
    )
