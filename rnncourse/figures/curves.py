"""Plots of measured curves in the training chapters (4-7).

Gradient norms against steps back, learning curves, predicted character probabilities, the
truncation trade-off.

Every function draws onto a Matplotlib ``Axes`` (a new figure when ``ax`` is None) and returns it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import Rectangle

from rnncourse._validation import check_int
from rnncourse.figures._draw import BACK as _BACK
from rnncourse.figures._draw import CURVE_COLORS, axes_or_new
from rnncourse.figures.alt import set_alt

__all__ = [
    "CELL_LABELS",
    "FLOW_XLABEL",
    "FLOW_YLABEL",
    "plot_gradient_flow",
    "plot_scalar_powers",
    "plot_char_probabilities",
    "plot_curves",
    "plot_seed_curves",
    "plot_tbptt_tradeoff",
]

#: How figure legends and widgets name each of the cells (the RNN with its default tanh).
CELL_LABELS: dict[str, str] = {"rnn": "tanh RNN", "gru": "GRU", "lstm": "LSTM"}


#: Axis labels of every gradient-flow plot: the static figures and GradientFlowExplorer's view.
FLOW_XLABEL = "steps back from the loss, T − t"
FLOW_YLABEL = "‖∂L/∂h_t‖, batch mean (LSTM: of (h_t, c_t))"


def _ends(y: np.ndarray) -> str:
    """Where a curve starts and ends (or where it first turns non-finite)."""
    ok = np.isfinite(y)
    if not ok.any():
        return "no finite value"
    text = f"from {y[ok][0]:.3g} to {y[ok][-1]:.3g}"
    return text + (f", not finite from step {int(np.argmin(ok))}" if not ok.all() else "")


def _as_curve(value: object) -> tuple[np.ndarray, np.ndarray]:
    """Return (steps back from the loss, mean state-gradient norm) of a curve."""
    norms = getattr(value, "mean_state_norms", None)
    if norms is None:
        norms = np.asarray(value, dtype=float)
        if norms.ndim != 1:
            raise ValueError(f"each curve must be 1-D (T+1,), got shape {norms.shape}")
    norms = np.asarray(norms, dtype=float)
    back = np.arange(norms.size)[::-1]
    return back, norms


def plot_gradient_flow(
    curves: Mapping[str, object], ax: Axes | None = None, title: str | None = None
) -> Axes:
    """Semilog plot of gradient norms against the number of steps back from the loss.

    Parameters
    ----------
    curves : mapping label -> HiddenGradients or 1-D array of shape (T+1,)
        For a :class:`rnncourse.analysis.HiddenGradients` the batch mean of the state-gradient
        norm is plotted (for an LSTM that includes the cell path); an array is taken to hold
        norms for t = 0..T.
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    if not curves:
        raise ValueError("curves must hold at least one labelled curve, got an empty mapping")
    ax = axes_or_new(ax, (7.0, 4.0))
    for label, value in curves.items():
        back, norms = _as_curve(value)
        ok = np.isfinite(norms) & (norms > 0)
        ax.semilogy(back[ok], norms[ok], lw=2, label=label)
    ax.set_xlabel(FLOW_XLABEL)
    ax.set_ylabel(FLOW_YLABEL)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=9, loc="best")
    if title:
        ax.set_title(title)
    return set_alt(
        ax,
        f"Semilog plot of the gradient norm against the number of steps back from the loss, "
        f"one curve per model ({', '.join(curves)}): a curve that falls in a straight line "
        "vanishes exponentially with distance, one that rises explodes.",
    )


def plot_scalar_powers(
    values: Sequence[float] = (0.5, 0.9, 1.0, 1.1, 1.5), k: int = 30, ax: Axes | None = None
) -> Axes:
    """Plot :math:`w^k` against k for a few scalar recurrent weights (the W_rec story).

    Parameters
    ----------
    values : sequence of float
        Recurrent weights w (> 0).
    k : int
        Largest power (1..200).
    ax : matplotlib Axes, optional
    """
    k = check_int("k", k, 1, maximum=200)
    if len(values) == 0 or any(not np.isfinite(v) or v <= 0 for v in values):
        raise ValueError(f"values must be a non-empty sequence of positive numbers, got {values}")
    ax = axes_or_new(ax, (6.0, 3.6))
    ks = np.arange(k + 1)
    for v in values:
        ax.semilogy(ks, float(v) ** ks, lw=2, label=rf"$w = {v:g}$")
    ax.set_xlabel("number of steps k the signal travels back")
    ax.set_ylabel(r"$w^k$")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=9)
    ends = ", ".join(f"w = {v:g} gives {float(v) ** k:.3g}" for v in values)
    return set_alt(
        ax,
        f"Semilog plot of w to the power k for k = 0 to {k}, one line per scalar weight: "
        f"below 1 the power vanishes, above 1 it explodes, exactly 1 stays flat. At k = {k}: "
        f"{ends}.",
    )


def plot_char_probabilities(
    probs: np.ndarray,
    chars: Sequence[str],
    inputs: str,
    targets: str,
    ax: Axes | None = None,
) -> Axes:
    """Heat map of a character model's next-character distribution at each step.

    Parameters
    ----------
    probs : ndarray, shape (T, V)
        Row t is the softmax output after reading ``inputs[t]``.
    chars : sequence of str, length V
        Column labels (the vocabulary).
    inputs, targets : str, length T
        What was read and what should come next; the target cell of each row is outlined.
    ax : matplotlib Axes, optional
    """
    probs = np.asarray(probs, dtype=float)
    T = len(inputs)
    if probs.ndim != 2 or probs.shape != (T, len(chars)) or len(targets) != T:
        raise ValueError(
            f"probs must be (T, V) = ({T}, {len(chars)}) with len(targets) = T, got "
            f"{probs.shape} and {len(targets)}"
        )
    ax = axes_or_new(ax, (1.0 * len(chars) + 1.8, 0.6 * T + 1.2))
    ax.imshow(probs, cmap="Blues", vmin=0, vmax=1, aspect="auto")
    for t in range(T):
        for v, ch in enumerate(chars):
            ax.text(
                v,
                t,
                f"{probs[t, v]:.2f}",
                ha="center",
                va="center",
                fontsize=9,
                color="white" if probs[t, v] > 0.6 else "black",
            )
            if ch == targets[t]:
                ax.add_patch(Rectangle((v - 0.5, t - 0.5), 1, 1, fill=False, ec=_BACK, lw=2.2))
    ax.set_xticks(range(len(chars)), [repr(c)[1:-1] for c in chars])
    ax.set_yticks(range(T), [f"read {c!r} (t={t + 1})" for t, c in enumerate(inputs)])
    ax.set_xlabel("predicted next character (red box: the target)")
    best = ", ".join(
        f"after {c!r} {chars[int(np.argmax(p))]!r} ({p.max():.2f})"
        for c, p in zip(inputs, probs, strict=True)
    )
    return set_alt(
        ax,
        f"Heat map of the predicted next-character probabilities, one row per step read and "
        f"one column per character, the target outlined. Most likely next character: {best}.",
    )


def plot_curves(
    curves: Mapping[str, Sequence[float]],
    ax: Axes | None = None,
    xlabel: str = "iteration",
    ylabel: str = "loss",
    logy: bool = False,
    mark_nonfinite: bool = True,
) -> Axes:
    """Plot training curves; where a curve turns NaN/inf, mark the first such point with a cross.

    Parameters
    ----------
    curves : mapping label -> 1-D sequence of float
    ax : matplotlib Axes, optional
    xlabel, ylabel : str
    logy : bool
        Logarithmic y axis.
    mark_nonfinite : bool
        Draw a red cross (at the top of the axes) where each curve first becomes non-finite.
    """
    if not curves:
        raise ValueError("curves must hold at least one labelled curve, got an empty mapping")
    ax = axes_or_new(ax, (7.0, 3.8))
    bad_at = []
    for label, values in curves.items():
        y = np.asarray(values, dtype=float)
        if y.ndim != 1:
            raise ValueError(f"curve {label!r} must be 1-D, got shape {y.shape}")
        finite = np.isfinite(y)
        (line,) = ax.plot(np.where(finite)[0], y[finite], lw=1.6, label=label)
        if mark_nonfinite and not finite.all():
            bad_at.append((int(np.argmin(finite)), line.get_color()))
    if logy:
        ax.set_yscale("log")
    top = ax.get_ylim()[1]
    for i, color in bad_at:
        ax.plot([i], [top], marker="X", ms=12, color=color, clip_on=False, zorder=5)
        ax.annotate("NaN", (i, top), textcoords="offset points", xytext=(6, -14), color=color)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=9)
    ends = "; ".join(f"{label}: {_ends(np.asarray(v, dtype=float))}" for label, v in curves.items())
    return set_alt(ax, f"Plot of {ylabel} against {xlabel}, one curve per run. {ends}.")


def plot_tbptt_tradeoff(
    chunks: Sequence[int], rel_errors: Sequence[float], total_steps: int, ax: Axes | None = None
) -> Axes:
    """Plot the truncation bias against chunk length, with the memory each chunk length needs.

    Parameters
    ----------
    chunks : sequence of int
        Chunk lengths k.
    rel_errors : sequence of float
        Relative error of the truncated gradient against the full BPTT gradient for each k.
    total_steps : int
        Length of the whole sequence (full BPTT stores that many states).
    ax : matplotlib Axes, optional
    """
    chunks = np.asarray(chunks)
    rel = np.asarray(rel_errors, dtype=float)
    if chunks.shape != rel.shape or chunks.ndim != 1:
        raise ValueError(
            f"chunks and rel_errors must be 1-D of equal length, got {chunks.shape} and {rel.shape}"
        )
    ax = axes_or_new(ax, (6.6, 3.6))
    ax.loglog(chunks, np.maximum(rel, 1e-17), "o-", lw=2, color=CURVE_COLORS[0])
    ax.set_xlabel("chunk length k (steps back-propagated)")
    ax.set_ylabel("relative error of the gradient", color=CURVE_COLORS[0])
    ax.grid(True, which="both", alpha=0.3)
    ax2 = ax.twinx()
    ax2.loglog(chunks, chunks / total_steps, "s--", color=CURVE_COLORS[1])
    ax2.set_ylabel("stored states / full BPTT", color=CURVE_COLORS[1])
    return set_alt(
        ax,
        f"Log-log plot of the truncated gradient's relative error (circles, solid) and of the "
        f"states stored relative to full BPTT (squares, dashed) against the chunk length k "
        f"from {chunks.min()} to {chunks.max()}: the error falls from {rel[0]:.3g} to "
        f"{rel[-1]:.3g} as k grows while the memory grows in proportion to k.",
    )


def plot_seed_curves(
    result: Mapping[str, object],
    ax: Axes | None = None,
    names: Mapping[str, str] | None = None,
    title: str | None = None,
) -> Axes:
    """Held-out error of several cells over training, one line per cell with its spread over seeds.

    The line is the median over seeds, the band runs from the lowest to the highest seed at each
    step (log y axis); the baseline is a dashed line.

    Parameters
    ----------
    result : mapping
        As returned by :func:`rnncourse.experiments.adding_problem_curves`: ``"curves"``
        (cell -> ``"step"`` (S,) and ``"mse"`` (n_seeds, S)), ``"baseline"`` and ``"config"``
        with ``"seeds"``.
    ax : matplotlib Axes, optional
    names : mapping cell -> label, optional
    title : str, optional
    """
    names = {**CELL_LABELS, **(names or {})}
    ax = axes_or_new(ax, (7.0, 3.8))
    n_seeds = len(result["config"]["seeds"])
    for cell, curve in result["curves"].items():
        mse = np.asarray(curve["mse"], dtype=float)
        if mse.ndim != 2 or mse.shape != (n_seeds, len(curve["step"])):
            raise ValueError(
                f"curves[{cell!r}]['mse'] must be (n_seeds, steps) = "
                f"({n_seeds}, {len(curve['step'])}), got {mse.shape}"
            )
        (line,) = ax.semilogy(
            curve["step"], np.median(mse, axis=0), lw=2, label=names.get(cell, cell)
        )
        ax.fill_between(
            curve["step"], mse.min(axis=0), mse.max(axis=0), color=line.get_color(), alpha=0.2, lw=0
        )
    ax.axhline(result["baseline"], color="#555", ls="--", lw=1, label="predict the mean (1/6)")
    ax.set_xlabel("update")
    ax.set_ylabel("held-out MSE (log scale)")
    ax.grid(True, alpha=0.3)
    ax.legend(
        fontsize=9,
        loc="lower left",
        title=f"median, band: min–max of {n_seeds} seeds",
        title_fontsize=8,
    )
    if title:
        ax.set_title(title, fontsize=11)
    final = "; ".join(
        f"{names.get(cell, cell)} ends at median {np.median(np.asarray(c['mse'])[:, -1]):.3g}"
        for cell, c in result["curves"].items()
    )
    return set_alt(
        ax,
        f"Held-out mean squared error (log scale) against training updates, the median of "
        f"{n_seeds} seeds per cell with a band from the best to the worst seed, and the dashed "
        f"baseline of predicting the mean ({result['baseline']:.3g}). {final}.",
    )
