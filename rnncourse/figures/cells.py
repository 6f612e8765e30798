"""Cell diagrams of the RNN, GRU and LSTM (chapters 8 and 9), drawn with matplotlib at build time.

Every function draws onto a Matplotlib ``Axes`` (a new figure is made when ``ax`` is None) and
returns that ``Axes``, so a notebook cell can combine several drawings in one figure.

Diagrams use one visual vocabulary throughout the book:

* yellow rectangles are learned layers (an affine map followed by ``sigma`` or ``tanh``);
* pink circles are element-wise operations (``x`` product, ``+`` sum, ``1-`` complement);
* a black dot is a junction where two vectors are concatenated or a vector is copied;
* dashed purple arrows are the peephole connections of the peephole LSTM.

Symbols follow the book's notation: ``h_t`` is the hidden state (the notes' ``a<t>``), ``c_t`` the
LSTM cell state, ``z_t`` / ``r_t`` the GRU update and reset gates and ``n_t`` its candidate (chapter
2's symbols; ``z_t`` near 1 keeps the old state, the notes' ``Gamma_u = 1 - z_t``).
"""

from __future__ import annotations

from matplotlib.axes import Axes

from rnncourse._validation import check_choice
from rnncourse.figures._canvas import _BOX_H, _BOX_W, _OP_COLOR, _OP_R, _Canvas
from rnncourse.figures._draw import LINE, new_axes, rounded_box
from rnncourse.figures.alt import set_alt

__all__ = ["CELL_KINDS", "draw_cell"]
CELL_KINDS = ("rnn", "gru_simple", "gru", "lstm", "lstm_peephole", "lstm_coupled")
_PEEP = "#7b3fa0"


def _frame(ax: Axes, x0: float, y0: float, x1: float, y1: float, title: str) -> None:
    rounded_box(
        ax,
        x0,
        y0,
        x1 - x0,
        y1 - y0,
        fc="#f3f5f8",
        ec="#9aa5b1",
        lw=1.0,
        rounding=0.3,
        zorder=0,
        pad=0.05,
    )
    ax.text(x0 + 0.15, y1 - 0.12, title, fontsize=9, color="#52606d", ha="left", va="top")


_CELL_ALT = {
    "rnn": "Diagram of the vanilla RNN cell: h_{t-1} and x_t are concatenated, pass through one "
    "tanh layer, and the result is the new state h_t, which is also the output.",
    "gru_simple": "Diagram of the simplified GRU (no reset gate): an update gate z_t, a sigmoid "
    "layer, mixes the old state h_{t-1} (times z_t) with the tanh candidate n_t (times 1 - z_t) "
    "into h_t.",
    "gru": "Diagram of the GRU cell: a reset gate r_t scales h_{t-1} inside the tanh candidate "
    "n_t, and an update gate z_t mixes h_{t-1} (times z_t) with n_t (times 1 - z_t) into h_t, so "
    "the state can pass through unchanged when z_t is near 1.",
    "lstm": "Diagram of the LSTM cell: the cell state runs along the top from c_{t-1} to c_t, "
    "multiplied by the forget gate f_t and added to the input gate i_t times the tanh candidate "
    "g_t; the output gate o_t times tanh(c_t) gives h_t. The gates are sigmoid layers of "
    "[h_{t-1}, x_t].",
    "lstm_peephole": "Diagram of the LSTM with peepholes: as the LSTM cell (forget, input and "
    "output gates around a cell state that runs from c_{t-1} to c_t), with extra connections "
    "from c_{t-1} into the forget and input gates and from c_t into the output gate.",
    "lstm_coupled": "Diagram of the LSTM with coupled gates: as the LSTM cell, but the input "
    "gate is 1 - f_t, so whatever the cell forgets it replaces with the new candidate.",
}


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
    check_choice("cell", cell, CELL_KINDS)
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
    return set_alt(ax, _CELL_ALT[cell])


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
    gates = [(1.8, r"$z_t$")] + ([(3.4, r"$r_t$")] if full else [])
    for gx, name in gates:
        c.dot(gx, xbus)
        c.dot(gx, hbus)
        c.path([(gx, xbus), (gx, gy - _BOX_H / 2)])
        c.layer(gx, gy, r"$\sigma$", name)
    # Update gate: z_t scales the old state, 1 - z_t the candidate (z_t near 1 keeps h_{t-1}).
    c.dot(1.8, 3.5)
    c.path([(1.8, gy + _BOX_H / 2), (1.8, top - _OP_R)])
    c.op(1.8, top, "×")
    c.path([(1.8 + _OP_R, top), (6.1 - _OP_R, top)])
    c.path([(1.8, 3.5), (4.1 - _OP_R, 3.5)])
    c.op(4.1, 3.5, "1-")
    c.path([(4.1 + _OP_R, 3.5), (5.3, 3.5), (5.3, 4.1), (6.1 - _OP_R, 4.1)])
    # Candidate: tanh of [r_t * h_{t-1}, x_t] (or [h_{t-1}, x_t] in the simplified GRU).
    if full:
        c.path([(3.4 + _BOX_W / 2, gy), (4.9 - _OP_R, gy)])
        c.path([(4.9, hbus), (4.9, gy - _OP_R)])
        c.op(4.9, gy, "×")
        c.path([(4.9 + _OP_R, gy), (6.1 - _BOX_W / 2, gy)])
    else:
        c.dot(6.1, hbus)
    c.dot(6.1, xbus)
    c.path([(6.1, xbus), (6.1, gy - _BOX_H / 2)])
    c.layer(6.1, gy, "tanh", r"$n_t$")
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
    rounded_box(
        c.ax,
        8.0 - 0.38,
        3.95 - 0.25,
        0.76,
        0.5,
        fc=_OP_COLOR,
        ec=LINE,
        lw=1.2,
        rounding=0.25,
        zorder=4,
        pad=0,
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
