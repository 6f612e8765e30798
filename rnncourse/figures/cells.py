"""Cell diagrams and layouts for the gated-cell chapters, drawn with matplotlib at build time.

Every function draws onto a Matplotlib ``Axes`` (a new figure is made when ``ax`` is None) and
returns that ``Axes``, so a notebook cell can combine several drawings in one figure.

Diagrams use one visual vocabulary throughout the book:

* yellow rectangles are learned layers (an affine map followed by ``sigma`` or ``tanh``);
* pink circles are element-wise operations (``x`` product, ``+`` sum, ``1-`` complement);
* a black dot is a junction where two vectors are concatenated or a vector is copied;
* dashed purple arrows are the peephole connections of the peephole LSTM.

Symbols follow the book's notation: ``h_t`` is the hidden state (the notes' ``a<t>``), ``c_t`` the
LSTM cell state, ``Gamma_u`` / ``Gamma_r`` the GRU update and reset (relevance) gates.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.patches import Circle, FancyBboxPatch, Rectangle

from rnncourse.figures._draw import draw_arrow, labelled_box, new_axes

__all__ = [
    "CELL_KINDS",
    "draw_cell",
    "draw_bidirectional",
    "draw_stacked",
    "draw_captioning",
    "draw_attention_grid",
    "plot_attention_heatmap",
]

CELL_KINDS = ("rnn", "gru_simple", "gru", "lstm", "lstm_peephole", "lstm_coupled")

_LAYER_COLOR = "#f7d95c"
_OP_COLOR = "#f5b3c8"
_LINE = "#333333"
_PEEP = "#7b3fa0"
_BOX_W, _BOX_H = 0.84, 0.6
_OP_R = 0.27


class _Canvas:
    """Tiny drawing helper: layer boxes, point-wise ops, junctions and arrowed polylines."""

    def __init__(self, ax: Axes) -> None:
        self.ax = ax

    def layer(self, x: float, y: float, label: str, name: str | None = None) -> None:
        labelled_box(self.ax, x, y, label, w=_BOX_W, h=_BOX_H, fc=_LAYER_COLOR, ec=_LINE, lw=1.2,
                     rounding=0.08, zorder=4)
        if name:
            self.ax.text(
                x + _BOX_W / 2 + 0.06,
                y - _BOX_H / 2 - 0.05,
                name,
                ha="left",
                va="top",
                fontsize=10,
                color="#7a5a00",
                zorder=5,
            )

    def op(self, x: float, y: float, symbol: str) -> None:
        self.ax.add_patch(Circle((x, y), _OP_R, fc=_OP_COLOR, ec=_LINE, lw=1.2, zorder=4))
        self.ax.text(
            x, y, symbol, ha="center", va="center", fontsize=10 if len(symbol) > 1 else 13, zorder=5
        )

    def dot(self, x: float, y: float) -> None:
        self.ax.add_patch(Circle((x, y), 0.07, fc=_LINE, ec=_LINE, zorder=5))

    def path(
        self,
        pts: Sequence[tuple[float, float]],
        arrow: bool = True,
        color: str = _LINE,
        dashed: bool = False,
        lw: float = 1.6,
        halo: bool = False,
    ) -> None:
        pts = list(pts)
        ls = (0, (4, 3)) if dashed else "-"
        effects = [patheffects.withStroke(linewidth=lw + 5, foreground="white")] if halo else None
        if len(pts) > 2 or not arrow:
            xs, ys = zip(*pts[:-1] if arrow else pts, strict=True)
            self.ax.plot(
                xs,
                ys,
                color=color,
                lw=lw,
                ls=ls,
                zorder=3 if halo else 2,
                solid_capstyle="round",
                path_effects=effects,
            )
        if arrow:
            draw_arrow(self.ax, pts[-2], pts[-1], color=color, lw=lw, ls=ls,
                       zorder=3 if halo else 2, path_effects=effects)

    def label(self, x: float, y: float, text: str, **kw: object) -> None:
        kw = {"ha": "center", "va": "center", "fontsize": 12, **kw}
        self.ax.text(x, y, text, zorder=6, **kw)


def _frame(ax: Axes, x0: float, y0: float, x1: float, y1: float, title: str) -> None:
    ax.add_patch(
        FancyBboxPatch(
            (x0, y0),
            x1 - x0,
            y1 - y0,
            boxstyle="round,pad=0.05,rounding_size=0.3",
            fc="#f3f5f8",
            ec="#9aa5b1",
            lw=1.0,
            zorder=0,
        )
    )
    ax.text(x0 + 0.15, y1 - 0.12, title, fontsize=9, color="#52606d", ha="left", va="top")


def draw_cell(cell: str = "lstm", ax: Axes | None = None, title: str | None = None) -> Axes:
    """Draw one recurrent cell with its gates, Olah-style.

    Parameters
    ----------
    cell : {"rnn", "gru_simple", "gru", "lstm", "lstm_peephole", "lstm_coupled"}
        Which cell to draw. ``gru_simple`` is the GRU without reset gate (the notes' simplified
        GRU); ``lstm_peephole`` adds the diagonal peephole connections (gates see ``c_{t-1}``, the
        output gate sees ``c_t``); ``lstm_coupled`` ties the input gate to ``1 - f_t``.
    ax : matplotlib Axes, optional
        Where to draw; a new (7.5, 4.6)-inch figure when None.
    title : str, optional
        Caption in the lower-left corner of the cell frame; defaults to the cell's name.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if not isinstance(cell, str) or cell not in CELL_KINDS:
        raise ValueError(f"cell must be one of {CELL_KINDS}, got {cell!r}")
    ax = new_axes(ax, (7.5, 4.6))
    c = _Canvas(ax)
    names = {
        "rnn": "vanilla RNN cell",
        "gru_simple": "simplified GRU",
        "gru": "GRU",
        "lstm": "LSTM",
        "lstm_peephole": "LSTM with peepholes",
        "lstm_coupled": "LSTM with coupled forget/input gates",
    }
    _frame(ax, 0.2, 0.25, 9.9, 6.05, title if title is not None else names[cell])
    {"rnn": _draw_rnn, "gru_simple": _draw_gru, "gru": _draw_gru}.get(cell, _draw_lstm)(c, cell)
    ax.set_xlim(-1.3, 11.5)
    ax.set_ylim(-1.0, 7.0)
    return ax


def _draw_rnn(c: _Canvas, cell: str) -> None:
    c.label(-0.85, 1.2, r"$h_{t-1}$")
    c.path([(-0.45, 1.2), (5.0, 1.2), (5.0, 2.4 - _BOX_H / 2)])
    c.label(1.6, -0.7, r"$x_t$")
    c.path([(1.6, -0.45), (1.6, 1.2)], arrow=False)
    c.dot(1.6, 1.2)
    c.layer(5.0, 2.4, "tanh")
    c.path([(5.0, 2.4 + _BOX_H / 2), (5.0, 3.9), (10.6, 3.9)])
    c.label(11.05, 3.9, r"$h_t$")
    c.dot(8.8, 3.9)
    c.path([(8.8, 3.9), (8.8, 6.6)])
    c.label(8.8, 6.85, r"$h_t$ (to $\hat y_t$)", fontsize=10)


def _draw_gru(c: _Canvas, cell: str) -> None:
    full = cell == "gru"
    top, hbus, xbus, gy = 5.2, 1.2, 0.6, 2.4
    # h_{t-1} runs along the top and is also copied down into the gate bus.
    c.label(-0.85, top, r"$h_{t-1}$")
    c.path([(-0.45, top), (1.8 - _OP_R, top)])
    c.dot(0.5, top)
    c.path([(0.5, top), (0.5, hbus), (4.9 if full else 6.1, hbus)], arrow=False)
    c.label(1.1, -0.7, r"$x_t$")
    c.path([(1.1, -0.45), (1.1, xbus), (6.1, xbus)], arrow=False)
    gates = [(1.8, r"$\Gamma_u$")] + ([(3.4, r"$\Gamma_r$")] if full else [])
    for gx, name in gates:
        c.dot(gx, xbus)
        c.dot(gx, hbus)
        c.path([(gx, xbus), (gx, gy - _BOX_H / 2)])
        c.layer(gx, gy, r"$\sigma$", name)
    # Update gate: 1 - Gamma_u scales the old state, Gamma_u scales the candidate.
    c.dot(1.8, 3.5)
    c.path([(1.8, gy + _BOX_H / 2), (1.8, 4.1 - _OP_R)])
    c.op(1.8, 4.1, "1-")
    c.path([(1.8, 4.1 + _OP_R), (1.8, top - _OP_R)])
    c.op(1.8, top, "×")
    c.path([(1.8 + _OP_R, top), (6.1 - _OP_R, top)])
    c.path([(1.8, 3.5), (5.3, 3.5), (5.3, 4.1), (6.1 - _OP_R, 4.1)])
    # Candidate: tanh of [Gamma_r * h_{t-1}, x_t] (or [h_{t-1}, x_t] in the simplified GRU).
    if full:
        c.path([(3.4 + _BOX_W / 2, gy), (4.9 - _OP_R, gy)])
        c.path([(4.9, hbus), (4.9, gy - _OP_R)])
        c.op(4.9, gy, "×")
        c.path([(4.9 + _OP_R, gy), (6.1 - _BOX_W / 2, gy)])
    else:
        c.dot(6.1, hbus)
    c.dot(6.1, xbus)
    c.path([(6.1, xbus), (6.1, gy - _BOX_H / 2)])
    c.layer(6.1, gy, "tanh", r"$\tilde h_t$")
    c.path([(6.1, gy + _BOX_H / 2), (6.1, 4.1 - _OP_R)])
    c.op(6.1, 4.1, "×")
    c.path([(6.1, 4.1 + _OP_R), (6.1, top - _OP_R)])
    c.op(6.1, top, "+")
    c.path([(6.1 + _OP_R, top), (10.6, top)])
    c.label(11.05, top, r"$h_t$")
    c.dot(8.8, top)
    c.path([(8.8, top), (8.8, 6.6)])
    c.label(8.8, 6.85, r"$h_t$ (to $\hat y_t$)", fontsize=10)


def _draw_lstm(c: _Canvas, cell: str) -> None:
    top, bus, gy = 5.2, 1.2, 2.4
    coupled, peep = cell == "lstm_coupled", cell == "lstm_peephole"
    # The cell state: a conveyor belt with one product and one sum on it.
    c.label(-0.85, top, r"$c_{t-1}$")
    c.path([(-0.45, top), (2.2 - _OP_R, top)], halo=True)
    c.op(2.2, top, "×")
    c.path([(2.2 + _OP_R, top), (4.3 - _OP_R, top)], halo=True)
    c.op(4.3, top, "+")
    c.path([(4.3 + _OP_R, top), (10.6, top)], halo=True)
    c.label(11.05, top, r"$c_t$")
    # h_{t-1} and x_t are concatenated on the bus that feeds every gate.
    c.label(-0.85, bus, r"$h_{t-1}$")
    c.path([(-0.45, bus), (6.6, bus)], arrow=False)
    c.label(1.1, -0.7, r"$x_t$")
    c.path([(1.1, -0.45), (1.1, bus)], arrow=False)
    c.dot(1.1, bus)
    boxes = [(2.2, r"$\sigma$", r"$f_t$"), (5.0, "tanh", r"$g_t$"), (6.6, r"$\sigma$", r"$o_t$")]
    if not coupled:
        boxes.insert(1, (3.6, r"$\sigma$", r"$i_t$"))
    for gx, fn, name in boxes:
        c.dot(gx, bus)
        c.path([(gx, bus), (gx, gy - _BOX_H / 2)])
        c.layer(gx, gy, fn, name)
    c.path([(2.2, gy + _BOX_H / 2), (2.2, top - _OP_R)])
    if coupled:
        c.dot(2.2, 3.8)
        c.path([(2.2, 3.8), (3.35 - _OP_R, 3.8)])
        c.op(3.35, 3.8, "1-")
        c.path([(3.35 + _OP_R, 3.8), (4.3 - _OP_R, 3.8)])
    else:
        c.path([(3.6, gy + _BOX_H / 2), (3.6, 3.8), (4.3 - _OP_R, 3.8)])
    c.path([(5.0, gy + _BOX_H / 2), (5.0, 3.8), (4.3 + _OP_R, 3.8)])
    c.op(4.3, 3.8, "×")
    c.path([(4.3, 3.8 + _OP_R), (4.3, top - _OP_R)])
    # Output: h_t = o_t * tanh(c_t).
    c.dot(8.0, top)
    c.path([(8.0, top), (8.0, 3.95 + 0.25)])
    c.ax.add_patch(
        FancyBboxPatch(
            (8.0 - 0.38, 3.95 - 0.25),
            0.76,
            0.5,
            boxstyle="round,pad=0,rounding_size=0.25",
            fc=_OP_COLOR,
            ec=_LINE,
            lw=1.2,
            zorder=4,
        )
    )
    c.label(8.0, 3.95, "tanh", fontsize=9)
    c.path([(8.0, 3.95 - 0.25), (8.0, gy + _OP_R)])
    c.path([(6.6 + _BOX_W / 2, gy), (8.0 - _OP_R, gy)])
    c.op(8.0, gy, "×")
    c.path([(8.0, gy - _OP_R), (8.0, bus), (10.6, bus)])
    c.label(11.05, bus, r"$h_t$")
    c.dot(9.4, bus)
    c.path([(9.4, bus), (9.4, 6.6)])
    c.label(9.4, 6.85, r"$h_t$ (to $\hat y_t$)", fontsize=10)
    if peep:
        for tx in (2.2 - 0.3, 3.6 - 0.3):
            c.path([(0.7, top), (tx, gy + _BOX_H / 2)], color=_PEEP, dashed=True, lw=1.3)
        c.path([(7.3, top), (6.6 + 0.25, gy + _BOX_H / 2)], color=_PEEP, dashed=True, lw=1.3)
        c.label(0.45, 3.9, "peepholes", fontsize=9, color=_PEEP, rotation=90)


def draw_bidirectional(T: int = 4, ax: Axes | None = None, highlight: int | None = None) -> Axes:
    """Draw an unrolled bidirectional RNN: a forward chain, a backward chain, outputs from both.

    Parameters
    ----------
    T : int
        Number of time steps to draw (2 to 8).
    ax : matplotlib Axes, optional
    highlight : int, optional
        A 1-based step ``t`` whose prediction is traced: every node ``y_hat<t>`` depends on is drawn
        in orange (all inputs, through the forward chain from the left and the backward chain from
        the right).

    Returns
    -------
    matplotlib.axes.Axes
    """
    _check_int("T", T, 2, 8)
    if highlight is not None:
        _check_int("highlight", highlight, 1, T)
    ax = new_axes(ax, (1.7 * T + 1.2, 4.3))
    c = _Canvas(ax)
    hot, cold = "#e07b00", _LINE
    ys = {"x": 0.0, "f": 1.5, "b": 2.9, "y": 4.5}
    for t in range(1, T + 1):
        X = 1.7 * t
        on = highlight is not None
        fwd_hot = on and t <= highlight
        bwd_hot = on and t >= highlight
        c.label(X, ys["x"], rf"$x^{{\langle {t}\rangle}}$")
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
                rf"$\overset{{{arrow_label}}}{{a}}^{{\langle {t}\rangle}}$",
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
        c.label(X, ys["y"], rf"$\hat y^{{\langle {t}\rangle}}$", color=col_y)
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
    return ax


def _node(ax: Axes, x: float, y: float, text: str, fc: str, ec: str, w: float = 0.7) -> None:
    labelled_box(ax, x, y, text, w=w, h=0.6, fc=fc, ec=ec, lw=1.4, rounding=0.1, zorder=4)


def draw_stacked(T: int = 4, layers: int = 3, head: int = 0, ax: Axes | None = None) -> Axes:
    """Draw a deep (stacked) RNN: ``layers`` recurrent rows, optional non-recurrent head on top.

    Parameters
    ----------
    T : int
        Number of time steps (2 to 8).
    layers : int
        Number of recurrent layers (1 to 5); node ``a^[l]<t>`` gets input from ``a^[l-1]<t>`` below
        and ``a^[l]<t-1>`` on its left.
    head : int
        Number of extra feed-forward layers stacked above the last recurrent layer at every step,
        with no horizontal (recurrent) connections (0 to 3).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    _check_int("T", T, 2, 8)
    _check_int("layers", layers, 1, 5)
    _check_int("head", head, 0, 3)
    rows = layers + head
    ax = new_axes(ax, (1.7 * T + 1.6, 1.25 * rows + 2.4))
    c = _Canvas(ax)
    for t in range(1, T + 1):
        X = 1.7 * t
        c.label(X, 0.0, rf"$x^{{\langle {t}\rangle}}$")
        prev_y = 0.3
        for r in range(1, rows + 1):
            Y = 1.25 * r
            c.path([(X, prev_y), (X, Y - 0.3)], lw=1.2)
            recurrent = r <= layers
            label = (
                rf"$a^{{[{r}]\langle {t}\rangle}}$"
                if recurrent
                else rf"$z^{{[{r - layers}]\langle {t}\rangle}}$"
            )
            _node(ax, X, Y, label, "#cfe3f7" if recurrent else "#f0e1f5", _LINE, w=1.0)
            if recurrent and t < T:
                c.path([(X + 0.5, Y), (X + 1.7 - 0.5, Y)], lw=1.2)
            prev_y = Y + 0.3
        Ytop = 1.25 * (rows + 1)
        c.path([(X, prev_y), (X, Ytop - 0.25)], lw=1.2)
        c.label(X, Ytop, rf"$\hat y^{{\langle {t}\rangle}}$")
    for r in range(1, rows + 1):
        text = f"layer {r}" if r <= layers else f"head {r - layers}"
        c.label(0.45, 1.25 * r, text, fontsize=9, ha="right", color="#52606d")
    ax.set_xlim(-1.2, 1.7 * T + 0.9)
    ax.set_ylim(-0.5, 1.25 * (rows + 1) + 0.5)
    return ax


def draw_captioning(
    words: Sequence[str] = ("a", "cat", "on", "a", "mat"),
    attention: bool = False,
    ax: Axes | None = None,
) -> Axes:
    """Draw an image captioner: CNN features set up the RNN, which emits words until ``<END>``.

    Parameters
    ----------
    words : sequence of str
        The caption (1 to 7 words); ``<START>`` and ``<END>`` are added.
    attention : bool
        False: a single CNN feature vector ``v`` initialises ``h_0`` (the plain captioner).
        True: the CNN keeps an ``L x D`` grid of features; each step computes weights ``a_t`` over
        the ``L`` locations and feeds the context ``z_t`` into the next step.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    words = list(words)
    if not 1 <= len(words) <= 7 or not all(isinstance(w, str) and w for w in words):
        raise ValueError(f"words must be 1 to 7 non-empty strings, got {words!r}")
    T = len(words) + 1
    ax = new_axes(ax, (1.45 * T + 3.2, 4.2))
    c = _Canvas(ax)
    # The image and its CNN.
    img = np.add.outer(np.linspace(0, 1, 8), np.linspace(0, 1, 8)) % 0.7
    ax.imshow(img, extent=(-2.6, -1.2, 0.6, 2.0), cmap="viridis", zorder=1)
    c.label(-1.9, 0.3, "image", fontsize=9)
    ax.add_patch(Rectangle((-0.95, 0.8), 0.8, 1.0, fc="#dde7f0", ec=_LINE, zorder=2))
    c.label(-0.55, 1.3, "CNN", fontsize=9)
    c.path([(-1.2, 1.3), (-0.95, 1.3)], lw=1.2)
    if attention:
        for i in range(3):
            for j in range(3):
                ax.add_patch(
                    Rectangle(
                        (0.1 + 0.22 * j, 0.95 + 0.22 * i),
                        0.2,
                        0.2,
                        fc="#f0c36d",
                        ec=_LINE,
                        lw=0.6,
                        zorder=2,
                    )
                )
        c.label(0.43, 0.6, r"$L\times D$ grid", fontsize=8)
    else:
        ax.add_patch(Rectangle((0.15, 0.95), 0.55, 0.7, fc="#f0c36d", ec=_LINE, lw=0.8, zorder=2))
        c.label(0.43, 0.6, r"$v\in\mathbb{R}^D$", fontsize=8)
    c.path([(-0.15, 1.3), (0.1, 1.3)], lw=1.2)
    inputs = ["<START>"] + words
    outputs = words + ["<END>"]
    for t in range(T):
        X = 1.9 + 1.45 * t
        _node(ax, X, 2.3, rf"$h_{t + 1}$", "#cfe3f7", _LINE)
        c.label(X, 0.9, inputs[t], fontsize=8, family="monospace")
        c.path([(X, 1.1), (X, 2.0)], lw=1.1)
        c.path([(X, 2.6), (X, 3.3)], lw=1.1)
        c.label(
            X,
            3.55,
            outputs[t],
            fontsize=8,
            family="monospace",
            color="#b00020" if t == T - 1 else "k",
        )
        if t:
            c.path([(X - 1.45 + 0.35, 2.3), (X - 0.35, 2.3)], lw=1.1)
            c.path([(X - 1.45 + 0.35, 3.5), (X - 0.45, 1.0)], lw=0.8, color="#888888", dashed=True)
        if attention:
            c.path([(0.76, 1.4), (X - 0.35, 2.1)], lw=0.7, color="#e07b00")
    c.path([(0.7 + 0.06, 1.85), (1.9 - 0.35, 2.3)], lw=1.2)
    c.label(1.0, 2.35, r"$h_0$", fontsize=9)
    if attention:
        c.label(
            1.9 + 1.45 * (T - 1) / 2,
            -0.15,
            r"orange: at every step $a_t$ weights the $L$ locations, "
            r"$z_t=\sum_l a_{t,l} v_l$ enters the next step",
            fontsize=9,
            color="#b35900",
        )
    else:
        c.label(
            1.9 + 1.45 * (T - 1) / 2,
            -0.15,
            "dashed: each sampled word is fed back as the next input",
            fontsize=9,
            color="#555555",
        )
    ax.set_xlim(-2.8, 1.9 + 1.45 * T)
    ax.set_ylim(-0.5, 4.0)
    return ax


def draw_attention_grid(
    weights: np.ndarray,
    ax: Axes | None = None,
    image: np.ndarray | None = None,
    title: str | None = None,
) -> Axes:
    """Show attention weights over a spatial grid of features, optionally on top of an image.

    Parameters
    ----------
    weights : ndarray, shape (Hg, Wg)
        Non-negative weights ``a_t`` over the ``L = Hg * Wg`` locations; they should sum to one.
    ax : matplotlib Axes, optional
    image : ndarray, shape (Hi, Wi) or (Hi, Wi, 3), optional
        Drawn underneath, stretched to the grid.
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    w = np.asarray(weights, dtype=float)
    if w.ndim != 2 or min(w.shape) < 1:
        raise ValueError(f"weights must be (Hg, Wg) with Hg, Wg >= 1, got shape {w.shape}")
    if np.any(w < 0) or not np.all(np.isfinite(w)):
        raise ValueError("weights must be finite and non-negative")
    ax = new_axes(ax, (3.6, 3.6))
    hg, wg = w.shape
    if image is not None:
        ax.imshow(image, extent=(0, wg, hg, 0), cmap="gray", zorder=0)
        ax.imshow(w, extent=(0, wg, hg, 0), cmap="Oranges", alpha=0.65, zorder=1, vmin=0)
    else:
        ax.imshow(w, extent=(0, wg, hg, 0), cmap="Oranges", vmin=0, zorder=1)
    for i in range(hg):
        for j in range(wg):
            ax.text(
                j + 0.5,
                i + 0.5,
                f"{w[i, j]:.2f}",
                ha="center",
                va="center",
                fontsize=8,
                color="white" if w[i, j] > 0.6 * w.max() else "black",
                zorder=2,
            )
    for k in range(hg + 1):
        ax.plot([0, wg], [k, k], color="#555555", lw=0.5, zorder=2)
    for k in range(wg + 1):
        ax.plot([k, k], [0, hg], color="#555555", lw=0.5, zorder=2)
    ax.set_xlim(0, wg)
    ax.set_ylim(hg, 0)
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def plot_attention_heatmap(
    weights: np.ndarray,
    inputs: Sequence[str],
    outputs: Sequence[str],
    ax: Axes | None = None,
    title: str | None = None,
) -> Axes:
    """Heat map of attention weights: one row per output step, one column per input position.

    Parameters
    ----------
    weights : ndarray, shape (T_out, T_in)
        Row ``t`` is the distribution ``a_t`` used to produce output ``t``.
    inputs : sequence of str, length T_in
        Column labels (the input tokens).
    outputs : sequence of str, length T_out
        Row labels (the output tokens).
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    w = np.asarray(weights, dtype=float)
    if w.ndim != 2:
        raise ValueError(f"weights must be (T_out, T_in), got shape {w.shape}")
    if len(inputs) != w.shape[1] or len(outputs) != w.shape[0]:
        raise ValueError(
            f"labels must match weights (T_out, T_in) = {w.shape}, "
            f"got {len(outputs)} output and {len(inputs)} input labels"
        )
    if ax is None:
        _, ax = plt.subplots(figsize=(0.42 * w.shape[1] + 1.6, 0.42 * w.shape[0] + 1.2))
    im = ax.imshow(w, cmap="Oranges", vmin=0, vmax=1, aspect="equal")
    ax.set_xticks(range(w.shape[1]), list(inputs))
    ax.set_yticks(range(w.shape[0]), list(outputs))
    ax.set_xlabel("input position (attended to)")
    ax.set_ylabel("output step")
    ax.figure.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label=r"$a_{t,l}$")
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def _check_int(name: str, value: object, lo: int, hi: int) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int in [{lo}, {hi}], got {type(value).__name__}")
    if not lo <= value <= hi:
        raise ValueError(f"{name} must be in [{lo}, {hi}], got {value}")
