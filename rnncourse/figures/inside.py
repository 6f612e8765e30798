"""Views of hidden units and gates over text (chapter 12, "Looking inside").

Every ``draw_*`` function takes an optional Matplotlib ``ax`` and returns the Axes it drew on.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from matplotlib.axes import Axes

from rnncourse.analysis.features import gate_saturation
from rnncourse.figures._draw import CURVE_COLORS, HATCHES, MARKERS, axes_or_new
from rnncourse.figures.alt import set_alt

__all__ = ["draw_gate_saturation", "draw_unit_trace", "draw_correlation_bars"]

# Okabe-Ito colours and a marker of its own per gate (the distinction does not need colour).
_COLOURS = dict(zip("iforz", CURVE_COLORS, strict=False))
_MARKS = dict(zip("iforz", MARKERS, strict=False))


def draw_gate_saturation(
    gates: Mapping[str, np.ndarray],
    keys: tuple[str, ...] = ("i", "f", "o"),
    low: float = 0.1,
    high: float = 0.9,
    ax: Axes | None = None,
) -> Axes:
    """Scatter, per unit, the fraction of steps a gate is shut (x) against open (y).

    Parameters
    ----------
    gates : mapping of str to ndarray (T, H)
        A recording (e.g. ``GateInspector.gates`` or ``GateRecorder.gates()`` as NumPy).
    keys : tuple of str
        Which sigmoid gates to plot.
    low, high : float
        Saturation thresholds (see :func:`rnncourse.analysis.features.gate_saturation`).
    """
    ax = axes_or_new(ax, (4.6, 4.2))
    for k in keys:
        if k not in gates:
            raise ValueError(f"keys must name recorded gates {sorted(gates)}, got {k!r}")
        left, right = gate_saturation(gates[k], low, high)
        ax.scatter(
            left,
            right,
            s=14,
            alpha=0.7,
            color=_COLOURS.get(k),
            marker=_MARKS.get(k, "o"),
            label=f"gate {k}",
        )
    ax.plot([0, 1], [1, 0], color="#999", lw=0.8, ls="--")
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(f"fraction of steps shut (< {low:g})")
    ax.set_ylabel(f"fraction of steps open (> {high:g})")
    ax.legend(loc="upper right", frameon=False)
    ax.set_title("Gate saturation, one dot per unit")
    return set_alt(
        ax,
        f"Scatter plot, one marker per unit and a marker shape per gate ({', '.join(keys)}): "
        "the fraction of steps the gate is shut (x) against open (y); units near the dashed "
        "diagonal are always saturated, units near the origin work in between.",
    )


def draw_unit_trace(
    text: str,
    acts: np.ndarray,
    feature: np.ndarray,
    unit: int,
    feature_label: str,
    ax: Axes | None = None,
) -> Axes:
    """One unit's activation over a text, with the feature it tracks drawn beneath.

    Parameters
    ----------
    text : str, length T
    acts : ndarray (T, H)
    feature : ndarray (T,)
    unit : int
    feature_label : str
    """
    acts = np.asarray(acts)
    if acts.ndim != 2 or acts.shape[0] != len(text) or np.shape(feature) != (len(text),):
        raise ValueError(
            f"acts must be (T, H) and feature (T,) with T = len(text) = {len(text)}, "
            f"got {acts.shape} and {np.shape(feature)}"
        )
    ax = axes_or_new(ax, (9, 2.6))
    t = np.arange(len(text))
    ax.plot(t, acts[:, unit], color=CURVE_COLORS[0], marker="", lw=1.2, label=f"unit {unit}")
    f = np.asarray(feature, dtype=float)
    span = f.max() - f.min()
    scaled = (f - f.min()) / span * 2 - 1 if span > 0 else np.zeros_like(f)
    ax.fill_between(
        t,
        -1,
        scaled,
        step="mid",
        color=CURVE_COLORS[4],
        alpha=0.3,
        hatch="..",
        label=f"{feature_label} (rescaled)",
    )
    for i in np.flatnonzero(np.array(list(text)) == "\n"):
        ax.axvline(i, color="#ccc", lw=0.6, zorder=0)
    ax.set_ylim(-1.05, 1.05)
    ax.set_xlim(0, len(text) - 1)
    ax.set_xlabel("character position (grey lines: newlines)")
    # below the axes: the trace spans the whole height, so no corner inside is free
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.3), ncol=2, frameon=False, fontsize=8)
    a = acts[:, unit]
    return set_alt(
        ax,
        f"Activation of unit {unit} over {len(text)} characters (a line between -1 and 1, "
        f"from {a.min():.2f} to {a.max():.2f}) with the feature “{feature_label}” drawn as a "
        "shaded band beneath it: where the line follows the band, the unit tracks the feature.",
    )


def draw_correlation_bars(
    trained: Mapping[str, float], untrained: Mapping[str, float], ax: Axes | None = None
) -> Axes:
    """Best |r| per feature for a trained and an untrained network, side by side."""
    names = list(trained)
    ax = axes_or_new(ax, (5.2, 3.0))
    x = np.arange(len(names))
    ax.bar(x - 0.18, [abs(trained[n]) for n in names], 0.36, label="trained", color=CURVE_COLORS[0])
    ax.bar(
        x + 0.18,
        [abs(untrained[n]) for n in names],
        0.36,
        label="untrained (same shape)",
        color="#bbb",
        hatch=HATCHES[1],
        edgecolor="#555",
    )
    ax.set_xticks(x, [n.replace("_", " ") for n in names], rotation=20, ha="right")
    ax.set_ylim(0, 1)
    ax.set_ylabel("best |r| over units")
    ax.legend(frameon=False, fontsize=8)
    ax.figure.tight_layout()
    pairs = "; ".join(
        f"{n.replace('_', ' ')}: trained {abs(trained[n]):.2f}, untrained {abs(untrained[n]):.2f}"
        for n in names
    )
    return set_alt(
        ax,
        f"Paired bars of the best |r| over units for each feature, a trained network (solid) "
        f"against an untrained one (hatched grey): {pairs}.",
    )
