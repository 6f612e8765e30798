"""Figures of chapter 14: scan timings, the LRU's eigenvalue ring, gradient costs, comparisons.

Every function draws onto a Matplotlib ``Axes`` (a new figure when ``ax`` is None) and returns it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes

from rnncourse.figures._draw import MARKERS, axes_or_new
from rnncourse.figures.alt import set_alt

__all__ = ["plot_scan_timings", "plot_lru_ring", "plot_gradient_costs", "plot_comparison"]

_LABELS = {
    "loop": "sequential loop",
    "hillis_steele": "Hillis–Steele scan",
    "blelloch": "Blelloch scan",
    "lstm": "LSTM",
    "gru": "GRU",
    "mingru": "minGRU",
    "lru": "LRU",
    "bptt": "BPTT",
    "rtrl": "RTRL (dense)",
    "diagonal_rtrl": "RTRL (diagonal)",
}


def plot_scan_timings(result: Mapping[str, Any], per: str = "call", ax: Axes | None = None) -> Axes:
    """Forward + backward time over T of each method (``per="call"``), or per unit of work.

    Parameters
    ----------
    result : dict
        From :func:`rnncourse.experiments.scan_timing.time_linear_scans` (``"per_combine"``
        needed for ``per="combine"``).
    per : {"call", "combine"}
    """
    ax = axes_or_new(ax, (6.0, 4.0))
    T = np.array(result["T"])
    series = result["seconds"] if per == "call" else result["per_combine"]
    for m, v in series.items():
        ax.loglog(T, np.array(v) * (1e3 if per == "call" else 1e9), markevery=1, label=_LABELS[m])
    ax.set_xscale("log", base=2)
    ax.set_xlabel("sequence length T")
    ax.set_ylabel("ms per forward + backward" if per == "call" else "ns per combine (time / work)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    return set_alt(
        ax,
        f"Log-log plot of the {'time per call' if per == 'call' else 'time per combine'} "
        f"against the sequence length T from {T.min()} to {T.max()}, one line per method "
        f"({', '.join(_LABELS[m] for m in series)}), each with its own marker and line style.",
    )


def plot_lru_ring(
    params: Mapping[str, np.ndarray], r_min: float, r_max: float, ax: Axes | None = None
) -> Axes:
    """Plot the LRU's eigenvalues in the complex plane with the unit circle and the init ring."""
    ax = axes_or_new(ax, (4.2, 4.2))
    lam = np.exp(-np.exp(params["nu_log"]) + 1j * np.exp(params["theta_log"]))
    phi = np.linspace(0, 2 * np.pi, 400)
    ax.plot(np.cos(phi), np.sin(phi), "k-", lw=1, label="unit circle")
    for r in (r_min, r_max):
        ax.plot(r * np.cos(phi), r * np.sin(phi), "C1--", lw=1)
    ax.plot(lam.real, lam.imag, "C0.", ms=4, label=r"$\lambda_j$")
    ax.set_aspect("equal")
    ax.set_xlabel(r"Re $\lambda$")
    ax.set_ylabel(r"Im $\lambda$")
    ax.legend(loc="lower left", fontsize=8)
    r = np.abs(lam)
    return set_alt(
        ax,
        f"The LRU's {lam.size} eigenvalues as dots in the complex plane, inside the unit circle "
        f"(solid) between the two dashed initialisation rings of radius {r_min:g} and "
        f"{r_max:g}; their moduli run from {r.min():.3g} to {r.max():.3g}.",
    )


def plot_gradient_costs(
    costs: Mapping[int, Mapping[str, Mapping[str, float]]], key: str, ax: Axes | None = None
) -> Axes:
    """``key`` ("memory" or "madds") of BPTT / RTRL / diagonal RTRL against the width H.

    ``costs`` maps H to :func:`rnncourse.reference.rtrl.gradient_costs` at that H.
    """
    ax = axes_or_new(ax, (6.0, 4.0))
    Hs = sorted(costs)
    for method in ("bptt", "rtrl", "diagonal_rtrl"):
        ax.loglog(Hs, [costs[H][method][key] for H in Hs], markevery=1, label=_LABELS[method])
    ax.set_xlabel("hidden width H")
    ax.set_ylabel("floats kept" if key == "memory" else "multiply-adds per sequence")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    return set_alt(
        ax,
        f"Log-log plot of the {'memory' if key == 'memory' else 'multiply-adds'} of BPTT, RTRL "
        f"and diagonal RTRL against the hidden width H from {Hs[0]} to {Hs[-1]}: RTRL grows "
        "fastest, the diagonal variant stays close to BPTT.",
    )


def plot_comparison(
    runs: Mapping[str, Sequence[Mapping[str, float]]],
    metric: str,
    ax: Axes | None = None,
    baseline: float | None = None,
) -> Axes:
    """One column per model: every seed as a dot, the mean as a bar (spread = min to max)."""
    ax = axes_or_new(ax, (5.0, 3.6))
    for k, rs in enumerate(runs.values()):
        v = np.array([r[metric] for r in rs])
        ax.plot([k] * len(v), v, MARKERS[k % len(MARKERS)], color=f"C{k}", alpha=0.7)
        ax.hlines(v.mean(), k - 0.25, k + 0.25, color=f"C{k}", lw=3)
    if baseline is not None:
        ax.axhline(baseline, color="k", ls=":", lw=1, label="predict the mean")
        ax.legend(fontsize=8)
    ax.set_xticks(range(len(runs)), [_LABELS[k] for k in runs])
    ax.set_ylabel(metric)
    ax.grid(True, axis="y", alpha=0.3)
    means = "; ".join(
        f"{_LABELS[k]}: mean {np.mean([r[metric] for r in rs]):.3g} over {len(rs)} seeds"
        for k, rs in runs.items()
    )
    return set_alt(ax, f"{metric} of each model, every seed a marker, the mean a bar: {means}.")
