"""Layouts of several recurrent chains: bidirectional (chapter 10) and stacked (chapter 11) RNNs.

Drawn with the vocabulary of :mod:`rnncourse.figures.cells`; every function returns its ``Axes``.
"""

from __future__ import annotations

from matplotlib.axes import Axes

from rnncourse._validation import check_int
from rnncourse.figures._canvas import _Canvas, _node
from rnncourse.figures._draw import LINE, new_axes
from rnncourse.figures.alt import set_alt

__all__ = ["draw_bidirectional", "draw_stacked"]


def draw_bidirectional(T: int = 4, ax: Axes | None = None, highlight: int | None = None) -> Axes:
    """Draw an unrolled bidirectional RNN: a forward chain, a backward chain, outputs from both.

    Parameters
    ----------
    T : int
        Number of time steps to draw (2 to 8).
    ax : matplotlib Axes, optional
    highlight : int, optional
        A 1-based step ``t`` whose prediction is traced: every node ``y_hat_t`` depends on is drawn
        in orange (all inputs, through the forward chain from the left and the backward chain from
        the right).

    Returns
    -------
    matplotlib.axes.Axes
    """
    check_int("T", T, 2, maximum=8)
    if highlight is not None:
        check_int("highlight", highlight, 1, maximum=T)
    ax = new_axes(ax, (1.7 * T + 1.2, 4.3))
    c = _Canvas(ax)
    hot, cold = "#e07b00", LINE
    ys = {"x": 0.0, "f": 1.5, "b": 2.9, "y": 4.5}
    for t in range(1, T + 1):
        X = 1.7 * t
        on = highlight is not None
        fwd_hot = on and t <= highlight
        bwd_hot = on and t >= highlight
        c.label(X, ys["x"], rf"$x_{{{t}}}$")
        for key, hot_here in (("f", fwd_hot), ("b", bwd_hot)):
            col = hot if hot_here else cold
            arrow_label = r"\rightarrow" if key == "f" else r"\leftarrow"
            if key == "f":
                c.path([(X - 0.1, ys["x"] + 0.3), (X - 0.1, ys["f"] - 0.3)], color=col, lw=1.2)
            else:  # route around the forward node
                c.path(
                    [
                        (X + 0.1, ys["x"] + 0.3),
                        (X + 0.55, 0.8),
                        (X + 0.55, ys["b"] - 0.55),
                        (X + 0.15, ys["b"] - 0.3),
                    ],
                    color=col,
                    lw=1.2,
                )
            _node(
                ax,
                X,
                ys[key],
                rf"$\overset{{{arrow_label}}}{{h}}_{{{t}}}$",
                "#cfe3f7" if key == "f" else "#d8f0d2",
                col,
            )
        y_hot = on and t == highlight
        col_y = hot if y_hot else cold
        c.path(
            [
                (X - 0.2, ys["f"] + 0.3),
                (X - 0.55, ys["f"] + 0.65),
                (X - 0.55, ys["y"] - 0.55),
                (X - 0.15, ys["y"] - 0.3),
            ],
            color=col_y,
            lw=1.2,
        )
        c.path([(X + 0.1, ys["b"] + 0.3), (X + 0.05, ys["y"] - 0.3)], color=col_y, lw=1.2)
        c.label(X, ys["y"], rf"$\hat y_{{{t}}}$", color=col_y)
        if t < T:
            c.path(
                [(X + 0.35, ys["f"]), (X + 1.7 - 0.35, ys["f"])],
                color=hot if on and t < highlight else cold,
            )
            c.path(
                [(X + 1.7 - 0.35, ys["b"]), (X + 0.35, ys["b"])],
                color=hot if on and t >= highlight else cold,
            )
    c.label(0.35, ys["f"], "forward", fontsize=9, color="#1f5f99", ha="right")
    c.label(0.35, ys["b"], "backward", fontsize=9, color="#2f7d32", ha="right")
    ax.set_xlim(-1.0, 1.7 * T + 0.9)
    ax.set_ylim(-0.5, 5.0)
    seen = (
        f" The output at step {highlight} is highlighted: it sees the forward state (all "
        "inputs up to it) and the backward state (all inputs from it to the end)."
        if highlight is not None
        else ""
    )
    return set_alt(
        ax,
        f"A bidirectional RNN unrolled over {T} steps: a forward chain of states reads the "
        "inputs left to right, a backward chain reads them right to left, and each output "
        f"combines the two states of its step.{seen}",
    )


def draw_stacked(T: int = 4, layers: int = 3, head: int = 0, ax: Axes | None = None) -> Axes:
    """Draw a deep (stacked) RNN: ``layers`` recurrent rows, optional non-recurrent head on top.

    Parameters
    ----------
    T : int
        Number of time steps (2 to 8).
    layers : int
        Number of recurrent layers (1 to 5); node ``h^[l]_t`` gets input from ``h^[l-1]_t`` below
        and ``h^[l]_{t-1}`` on its left (chapter 11's symbols).
    head : int
        Number of extra feed-forward layers stacked above the last recurrent layer at every step,
        with no horizontal (recurrent) connections (0 to 3), drawn as ``FF^[k]_t``.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    check_int("T", T, 2, maximum=8)
    check_int("layers", layers, 1, maximum=5)
    check_int("head", head, 0, maximum=3)
    rows = layers + head
    ax = new_axes(ax, (1.7 * T + 1.6, 1.25 * rows + 2.4))
    c = _Canvas(ax)
    for t in range(1, T + 1):
        X = 1.7 * t
        c.label(X, 0.0, rf"$x_{{{t}}}$")
        prev_y = 0.3
        for r in range(1, rows + 1):
            Y = 1.25 * r
            c.path([(X, prev_y), (X, Y - 0.3)], lw=1.2)
            recurrent = r <= layers
            label = (
                rf"$h^{{[{r}]}}_{{{t}}}$"
                if recurrent
                else rf"$\mathrm{{FF}}^{{[{r - layers}]}}_{{{t}}}$"
            )
            _node(ax, X, Y, label, "#cfe3f7" if recurrent else "#f0e1f5", LINE, w=1.0)
            if recurrent and t < T:
                c.path([(X + 0.5, Y), (X + 1.7 - 0.5, Y)], lw=1.2)
            prev_y = Y + 0.3
        Ytop = 1.25 * (rows + 1)
        c.path([(X, prev_y), (X, Ytop - 0.25)], lw=1.2)
        c.label(X, Ytop, rf"$\hat y_{{{t}}}$")
    for r in range(1, rows + 1):
        text = f"layer {r}" if r <= layers else f"head {r - layers}"
        c.label(0.45, 1.25 * r, text, fontsize=9, ha="right", color="#52606d")
    ax.set_xlim(-1.2, 1.7 * T + 0.9)
    ax.set_ylim(-0.5, 1.25 * (rows + 1) + 0.5)
    top = (
        f", with {head} non-recurrent layer{'s' if head > 1 else ''} on top of the last"
        if head
        else ""
    )
    return set_alt(
        ax,
        f"A deep RNN of {layers} stacked recurrent layers over {T} steps{top}: each state gets "
        "its input from the state below it at the same step and from its own layer one step "
        "earlier.",
    )
