"""Computational-graph diagrams of chapter 3, drawn with matplotlib at build time.

The folded recurrence, a feed-forward network applied to a sequence, and the stacked
``[h_{t-1}, x_t]`` weight picture; the unrolled graph is
:func:`rnncourse.figures.unrolled.draw_unrolled`. Every ``draw_*`` function draws onto a
Matplotlib ``Axes`` (a new figure is made when ``ax`` is None) and returns that ``Axes``.

Colours are those of every graph figure (``rnncourse.figures._draw.COLORS``): inputs are red
boxes, hidden states green, outputs blue, losses grey; weight matrices label the arrows they act
along. Labels use the book's notation by default (``notation="book"``: ``x_t``, ``h_t``, ``W_x``,
``W_h``, ``W_y``) or the lecture notes' (``notation="notes"``: ``x<t>``, ``a<t>``, ``W_ax``,
``W_aa``, ``W_ya``); the notation chapter maps one onto the other.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import Rectangle

from rnncourse._validation import check_choice, check_int
from rnncourse.figures._draw import COLORS, LINE, arrow_label, draw_arrow, graph_node, new_axes
from rnncourse.figures.alt import set_alt

__all__ = [
    "NOTATIONS",
    "draw_folded",
    "draw_stacked_weights",
    "draw_feedforward_on_sequence",
]
NOTATIONS = ("book", "notes")
_W, _H = 0.7, 0.5  # node box size (data units)


def _sym(notation: str, kind: str, t: str | int) -> str:
    """Math-text label of a per-step quantity (``kind`` in x, h, y, loss) at step ``t``."""
    if notation == "book":
        base = {"x": "x", "h": "h", "y": r"\hat{y}", "loss": "L"}[kind]
        return rf"${base}_{{{t}}}$"
    base = {"x": "x", "h": "a", "y": r"\hat{y}", "loss": r"\mathcal{L}"}[kind]
    return rf"${base}^{{\langle {t} \rangle}}$"


def _weight(notation: str, kind: str) -> str:
    book = {"x": "$W_x$", "h": "$W_h$", "y": "$W_y$"}
    notes = {"x": "$W_{ax}$", "h": "$W_{aa}$", "y": "$W_{ya}$"}
    return (book if notation == "book" else notes)[kind]


def _node(ax: Axes, x: float, y: float, label: str, kind: str, w: float = _W) -> None:
    graph_node(ax, x, y, label, kind, w=w, h=_H, rounding=0.08)


def _arrow(
    ax: Axes,
    start: tuple[float, float],
    end: tuple[float, float],
    label: str | None = None,
    color: str = LINE,
    style: str = "-",
    rad: float = 0.0,
    label_offset: tuple[float, float] = (0.08, 0.0),
) -> None:
    draw_arrow(ax, start, end, color=color, lw=1.2, ls=style, rad=rad)
    if label:
        ha = "left" if label_offset[0] >= 0 else "right"
        arrow_label(ax, start, end, label, offset=label_offset, ha=ha, color=color, zorder=5)


def draw_folded(ax: Axes | None = None, notation: str = "book") -> Axes:
    """Draw the recurrent network folded into one cell with a self-loop.

    Parameters
    ----------
    ax : matplotlib Axes, optional
        Where to draw; a new 2.4 x 3.2 inch figure when None.
    notation : {"book", "notes"}
        Label style (see the module docstring).

    Returns
    -------
    matplotlib Axes
    """
    check_choice("notation", notation, NOTATIONS)
    ax = new_axes(ax, (2.6, 3.2))
    _node(ax, 0, 0, _sym(notation, "x", "t"), "x")
    _node(ax, 0, 1.3, _sym(notation, "h", "t"), "h")
    _node(ax, 0, 2.6, _sym(notation, "y", "t"), "y")
    _arrow(ax, (0, _H / 2), (0, 1.3 - _H / 2), _weight(notation, "x"))
    _arrow(ax, (0, 1.3 + _H / 2), (0, 2.6 - _H / 2), _weight(notation, "y"))
    # The recurrence: out of the right side of h and straight back in, through a one-step delay.
    xr, hi, lo = 0.95, 1.3 + 0.12, 1.3 - 0.12
    ax.plot([_W / 2, xr, xr], [hi, hi, lo], color=LINE, lw=1.2, zorder=2)
    _arrow(ax, (xr, lo), (_W / 2, lo))
    ax.add_patch(
        Rectangle((xr - 0.09, 1.3 - 0.09), 0.18, 0.18, fc="white", ec=LINE, lw=1, zorder=3)
    )
    ax.text(xr + 0.16, 1.3, _weight(notation, "h") + "\n(one-step\ndelay)", fontsize=8, va="center")
    ax.set_xlim(-0.6, 1.9)
    ax.set_ylim(-0.45, 3.0)
    return set_alt(
        ax,
        "The recurrent network folded: the input x_t enters one hidden-state cell h_t, which "
        "gives the output y_t and feeds back into itself through a loop labelled with the "
        "recurrent weight; the same cell and weights serve every time step.",
    )


def _matrix(ax: Axes, x0: float, y0: float, rows: int, cols: int, color: str, cell: float) -> None:
    """Grid of ``rows x cols`` squares with its top-left corner at (x0, y0)."""
    for i in range(rows):
        for j in range(cols):
            ax.add_patch(
                Rectangle(
                    (x0 + j * cell, y0 - (i + 1) * cell), cell, cell, fc=color, ec="white", lw=0.8
                )
            )


def draw_stacked_weights(
    H: int = 3, D: int = 4, ax: Axes | None = None, notation: str = "book"
) -> Axes:
    """Draw the vectorised recurrence: one matrix applied to the stacked ``[h_{t-1}, x_t]``.

    ``notation="book"`` draws the row-vector form used by the code,
    ``[h_{t-1}, x_t] @ [[W_h], [W_x]]`` with the weights stacked vertically, (H + D) x H.
    ``notation="notes"`` draws the column-vector form of the notes,
    ``W_a [a<t-1>; x<t>]`` with ``W_a = [W_aa | W_ax]`` side by side, H x (H + D).

    Parameters
    ----------
    H, D : int
        Hidden and input sizes drawn (1..8 each).
    ax : matplotlib Axes, optional
        Where to draw; a new figure when None.
    notation : {"book", "notes"}

    Returns
    -------
    matplotlib Axes
    """
    check_int("H", H, 1, maximum=8)
    check_int("D", D, 1, maximum=8)
    check_choice("notation", notation, NOTATIONS)
    ax = new_axes(ax, (6.4, 3.4))
    c = 0.3
    hc, xc = COLORS["h"], COLORS["x"]
    if notation == "book":
        # Row vector [h | x] (1 x (H+D)), then the (H+D) x H matrix [W_h ; W_x].
        _matrix(ax, 0, 0, 1, H, hc, c)
        _matrix(ax, H * c, 0, 1, D, xc, c)
        ax.text(H * c / 2, 0.12, "$h_{t-1}$", ha="center", fontsize=10)
        ax.text(H * c + D * c / 2, 0.12, "$x_t$", ha="center", fontsize=10)
        mx = (H + D) * c + 0.6
        ax.text(mx - 0.3, -c / 2, "@", ha="center", va="center", fontsize=14)
        _matrix(ax, mx, 0, H, H, "#6fbf73", c)
        _matrix(ax, mx, -H * c, D, H, "#e57373", c)
        ax.text(mx + H * c + 0.1, -H * c / 2, f"$W_h$  ({H}x{H})", va="center", fontsize=10)
        ax.text(mx + H * c + 0.1, -H * c - D * c / 2, f"$W_x$  ({D}x{H})", va="center", fontsize=10)
        ax.text(mx + H * c / 2, 0.12, r"$W$", ha="center", fontsize=10)
        ax.text(
            0,
            -(H + D) * c - 0.25,
            r"$h_t=\tanh([h_{t-1},\,x_t]\,W + b)=\tanh(h_{t-1}W_h + x_t W_x + b)$",
            fontsize=11,
            va="top",
        )
        ax.set_xlim(-0.2, mx + H * c + 1.9)
        ax.set_ylim(-(H + D) * c - 0.8, 0.5)
    else:
        # W_a = [W_aa | W_ax] (H x (H+D)) times the column [a ; x] ((H+D) x 1).
        _matrix(ax, 0, 0, H, H, "#6fbf73", c)
        _matrix(ax, H * c, 0, H, D, "#e57373", c)
        ax.text(H * c / 2, 0.12, r"$W_{aa}$", ha="center", fontsize=10)
        ax.text(H * c + D * c / 2, 0.12, r"$W_{ax}$", ha="center", fontsize=10)
        vx = (H + D) * c + 0.5
        _matrix(ax, vx, 0, H, 1, hc, c)
        _matrix(ax, vx, -H * c, D, 1, xc, c)
        ax.text(vx + c + 0.1, -H * c / 2, r"$a^{\langle t-1\rangle}$", va="center", fontsize=10)
        ax.text(
            vx + c + 0.1, -H * c - D * c / 2, r"$x^{\langle t\rangle}$", va="center", fontsize=10
        )
        ax.text(
            (H + D) * c / 2,
            -H * c - 0.5,
            r"$W_a=[W_{aa}\,|\,W_{ax}]$" + f"  ({H}x{H + D})",
            ha="center",
            fontsize=10,
        )
        ax.text(
            0,
            -(H + D) * c - 0.2,
            r"$a^{\langle t\rangle}=g(W_a[a^{\langle t-1\rangle};x^{\langle t\rangle}]+b_a)$",
            fontsize=11,
            va="top",
        )
        ax.set_xlim(-0.2, vx + 1.6)
        ax.set_ylim(-(H + D) * c - 0.8, 0.5)
    shape = f"(H + D) x H = {H + D} x {H}" if notation == "book" else f"H x (H + D) = {H} x {H + D}"
    return set_alt(
        ax,
        f"The vectorised recurrence for H = {H}, D = {D}: the previous state ({H} entries) and "
        f"the input ({D} entries) are stacked into one vector of {H + D} entries and multiplied "
        f"by one weight matrix of shape {shape}, whose two blocks are the recurrent and the "
        "input weights.",
    )


def draw_feedforward_on_sequence(T: int = 5, ax: Axes | None = None) -> Axes:
    """Draw the naive approach: a plain network reading a whole sequence as one long vector.

    Every input position has its own block of weights into the hidden layer, so the network
    fixes the sequence length and learns nothing at position 2 that it could reuse at position 5.

    Parameters
    ----------
    T : int
        Number of input positions drawn (2..10).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    check_int("T", T, 2, maximum=10)
    ax = new_axes(ax, (1.1 * T + 1.4, 3.0))
    dx = 1.0
    hidden = np.linspace(0.3, (T - 1) * dx - 0.3, max(3, T - 1))
    palette = plt.get_cmap("tab10")
    for j, hx in enumerate(hidden):
        ax.add_patch(plt.Circle((hx, 1.3), 0.16, fc=COLORS["h"], ec=LINE, zorder=3))
        _arrow(ax, (hx, 1.46), ((T - 1) * dx / 2, 2.35))
        del j
    for t in range(T):
        _node(ax, t * dx, 0, f"$x_{{{t + 1}}}$", "x", w=0.55)
        for hx in hidden:
            ax.plot(
                [t * dx, hx], [_H / 2, 1.14], color=palette(t % 10), lw=0.9, alpha=0.8, zorder=1
            )
    _node(ax, (T - 1) * dx / 2, 2.6, r"$\hat{y}$", "y")
    ax.text(
        (T - 1) * dx + 0.45,
        0.7,
        "a separate weight\nblock per position\n(colours)",
        fontsize=8,
        va="center",
    )
    ax.set_xlim(-0.5, (T - 1) * dx + 1.9)
    ax.set_ylim(-0.4, 3.0)
    return set_alt(
        ax,
        f"A plain feed-forward network reading a sequence of {T} inputs as one long vector: "
        f"every input position has its own block of weights into the hidden layer, so the "
        "network fixes the sequence length and cannot reuse what it learns at one position "
        "at another.",
    )
