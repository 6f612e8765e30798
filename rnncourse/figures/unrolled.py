r"""Unrolled computational graphs (chapters 3-5), and truncated BPTT.

Every function draws onto a Matplotlib ``Axes`` (a new figure is made when ``ax`` is None) and
returns that ``Axes``. The visual vocabulary of the unrolled graphs:

* the colours of every graph figure (``rnncourse.figures._draw.COLORS``): red boxes are inputs
  :math:`x_t`, green boxes hidden states :math:`h_t` (a decoder's pale orange), blue boxes
  outputs :math:`\hat y_t`, grey boxes per-step losses :math:`L_t`;
* black arrows are the forward pass, red dashed arrows the backward pass (gradients);
* the labels :math:`W_x, W_h, W_y` on the arrows name the *shared* parameter used there: the
  same matrix at every step.

Symbols follow the book's notation (chapter 2): row vectors, ``h_t`` is the notes' ``a<t>``.
"""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.axes import Axes
from matplotlib.patches import Rectangle

from rnncourse._validation import check_choice, check_int
from rnncourse.figures._draw import (
    BACK,
    COLORS,
    LINE,
    arrow_label,
    draw_arrow,
    graph_node,
    labelled_box,
    new_axes,
)
from rnncourse.figures.alt import set_alt

__all__ = ["GRAPH_KINDS", "draw_unrolled", "draw_tbptt"]


GRAPH_KINDS = ("many_to_many", "many_to_one", "one_to_many", "seq2seq")
_W_BOX, _H_BOX = 0.9, 0.62


def _box(ax: Axes, x: float, y: float, text: str, kind: str, w: float = _W_BOX) -> None:
    graph_node(ax, x, y, text, kind, w=w, h=_H_BOX, rounding=0.12)


def _arrow(
    ax: Axes,
    p: tuple[float, float],
    q: tuple[float, float],
    label: str | None = None,
    back: bool = False,
    dashed: bool = False,
    rad: float = 0.0,
    color: str | None = None,
    label_side: str = "left",
) -> None:
    color = color or (BACK if back else LINE)
    style = (0, (4, 2.5)) if (back or dashed) else "-"
    draw_arrow(
        ax, p, q, color=color, lw=1.4 if not back else 1.3, ls=style, rad=rad, mutation_scale=11
    )
    if label:
        # centred above a horizontal arrow, beside a vertical one
        if p[1] == q[1]:
            offset, ha = (0.0, 0.22), "center"
        else:
            offset, ha = ((-0.1, 0.0), "right") if label_side == "left" else ((0.1, 0.0), "left")
        arrow_label(ax, p, q, label, offset=offset, ha=ha, color="#52606d", zorder=4)


def _chain(
    ax: Axes,
    xs: Sequence[float],
    y: float,
    names: Sequence[str],
    kind: str,
    backward: bool,
    w_label: str = r"$W_h$",
) -> None:
    """Hidden states ``names`` at positions ``xs`` joined left to right (and back, if asked)."""
    for x, name in zip(xs, names, strict=True):
        _box(ax, x, y, name, kind)
    for a, b in zip(xs[:-1], xs[1:], strict=True):
        _arrow(ax, (a + _W_BOX / 2, y + 0.08), (b - _W_BOX / 2, y + 0.08), w_label)
        if backward:
            _arrow(ax, (b - _W_BOX / 2, y - 0.14), (a + _W_BOX / 2, y - 0.14), back=True)


def draw_unrolled(
    kind: str = "many_to_many",
    T: int = 4,
    ax: Axes | None = None,
    backward: bool = False,
    losses: bool = True,
    T_out: int = 3,
    feedback: bool = False,
) -> Axes:
    """Draw an RNN unrolled in time as a computational graph.

    Parameters
    ----------
    kind : {"many_to_many", "many_to_one", "one_to_many", "seq2seq"}
        Which inputs and outputs exist. ``seq2seq`` is a many-to-one encoder (``T`` steps)
        followed by a one-to-many decoder (``T_out`` steps) that starts from the encoder's
        last state.
    T : int
        Number of input steps drawn (1..8).
    ax : matplotlib Axes, optional
        Where to draw; a new figure when None.
    backward : bool
        Also draw the backward pass (red dashed arrows): from every loss to its output and
        state, and from each state to the previous one.
    losses : bool
        Draw per-step losses :math:`L_t` and their sum :math:`L`.
    T_out : int
        Decoder length for ``seq2seq`` (1..8).
    feedback : bool
        For ``one_to_many`` / ``seq2seq``: draw dashed arrows feeding each output back in as
        the next input, as at sampling time.

    Returns
    -------
    matplotlib.axes.Axes
    """
    check_choice("kind", kind, GRAPH_KINDS)
    T = check_int("T", T, 1, maximum=8)
    T_out = check_int("T_out", T_out, 1, maximum=8)
    n_steps = T + T_out if kind == "seq2seq" else T
    ax = new_axes(ax, (1.55 * n_steps + 2.2, 4.3 if losses else 3.4))
    step = 1.7
    xs = [step * (t + 1) for t in range(n_steps)]
    y_x, y_h, y_y, y_L = 0.0, 1.5, 3.0, 4.2
    if kind == "seq2seq":
        names = [rf"$h_{{{t + 1}}}$" for t in range(T)] + [
            rf"$s_{{{t + 1}}}$" for t in range(T_out)
        ]
    else:
        names = [rf"$h_{{{t + 1}}}$" for t in range(n_steps)]
    _box(ax, 0.0, y_h, r"$h_0$", "h")
    _arrow(ax, (_W_BOX / 2, y_h + 0.08), (xs[0] - _W_BOX / 2, y_h + 0.08), r"$W_h$")
    if backward:
        _arrow(ax, (xs[0] - _W_BOX / 2, y_h - 0.14), (_W_BOX / 2, y_h - 0.14), back=True)
    if kind == "seq2seq":
        _chain(ax, xs[:T], y_h, names[:T], "h", backward)
        _chain(ax, xs[T:], y_h, names[T:], "dec", backward, w_label=r"$W_h'$")
        _arrow(
            ax, (xs[T - 1] + _W_BOX / 2, y_h + 0.08), (xs[T] - _W_BOX / 2, y_h + 0.08), r"$W_h'$"
        )
        if backward:
            _arrow(
                ax,
                (xs[T] - _W_BOX / 2, y_h - 0.14),
                (xs[T - 1] + _W_BOX / 2, y_h - 0.14),
                back=True,
            )
        ax.text(
            (xs[0] + xs[T - 1]) / 2,
            -0.95,
            "encoder (many-to-one)",
            ha="center",
            fontsize=10,
            color="#1f4e79",
        )
        ax.text(
            (xs[T] + xs[-1]) / 2,
            -0.95,
            "decoder (one-to-many)",
            ha="center",
            fontsize=10,
            color="#7a4b00",
        )
    else:
        _chain(ax, xs, y_h, names, "h", backward)

    has_x = (
        [True] * T + [False] * (n_steps - T)
        if kind == "seq2seq"
        else [kind != "one_to_many" or t == 0 for t in range(n_steps)]
    )
    has_y = (
        [False] * T + [True] * T_out
        if kind == "seq2seq"
        else [kind != "many_to_one" or t == n_steps - 1 for t in range(n_steps)]
    )
    for t, x in enumerate(xs):
        if has_x[t]:
            _box(ax, x, y_x, rf"$x_{{{t + 1}}}$", "x")
            _arrow(ax, (x, y_x + _H_BOX / 2), (x, y_h - _H_BOX / 2), r"$W_x$")
        if has_y[t]:
            k = t + 1 - (T if kind == "seq2seq" else 0)
            _box(ax, x, y_y, rf"$\hat y_{{{k}}}$", "y")
            _arrow(ax, (x - 0.1, y_h + _H_BOX / 2), (x - 0.1, y_y - _H_BOX / 2), r"$W_y$")
            if backward:
                _arrow(ax, (x + 0.15, y_y - _H_BOX / 2), (x + 0.15, y_h + _H_BOX / 2), back=True)
            if losses:
                _box(ax, x, y_L, rf"$L_{{{k}}}$", "loss", w=0.75)
                _arrow(ax, (x - 0.1, y_y + _H_BOX / 2), (x - 0.1, y_L - _H_BOX / 2))
                if backward:
                    _arrow(
                        ax, (x + 0.15, y_L - _H_BOX / 2), (x + 0.15, y_y + _H_BOX / 2), back=True
                    )
    if feedback and kind in ("one_to_many", "seq2seq"):
        out_steps = [t for t in range(n_steps) if has_y[t]]
        for a, b in zip(out_steps[:-1], out_steps[1:], strict=True):
            _arrow(
                ax,
                (xs[a] + _W_BOX / 2, y_y),
                (xs[b] - 0.3, y_h + _H_BOX / 2 + 0.05),
                dashed=True,
                color="#2e7d32",
                rad=-0.25,
            )
    if losses and sum(has_y) > 1:
        ax.text(xs[-1] + 1.0, y_L, r"$L=\sum_t L_t$", fontsize=11, va="center")
    top = y_L + 0.6 if losses else y_y + 0.6
    ax.set_xlim(-0.7, xs[-1] + (2.4 if losses else 0.8))
    ax.set_ylim(-1.3 if kind == "seq2seq" else -0.6, top)
    what = {
        "many_to_many": f"an input and an output at each of the {T} steps",
        "many_to_one": f"{T} inputs and a single output after the last step",
        "one_to_many": f"one input at the first step and an output at each of {T} steps",
        "seq2seq": f"an encoder reading {T} inputs, whose last state starts a decoder writing "
        f"{T_out} outputs",
    }[kind]
    extra = " Per-step losses are summed into the total loss L." if losses else ""
    if backward:
        extra += (
            " Dashed arrows show the backward pass: gradients flow from each loss to its output "
            "and state, and from each state back to the previous one."
        )
    if feedback:
        extra += " Dashed arrows feed each output back in as the next input."
    return set_alt(
        ax,
        f"An RNN unrolled in time as a computational graph: {what}; the hidden states form a "
        f"chain left to right, every link applying the same weights.{extra}",
    )


def draw_tbptt(n_chunks: int = 3, chunk: int = 4, ax: Axes | None = None) -> Axes:
    """Draw truncated BPTT on one long sequence split into chunks.

    The forward arrows (black) run through the whole sequence: the hidden state is carried
    from chunk to chunk. Backward arrows (red, dashed) stay inside each chunk; the arrow that
    crosses a chunk boundary carries a value but no gradient (grey, marked "no grad").

    Parameters
    ----------
    n_chunks : int
        Number of chunks drawn (1..5).
    chunk : int
        Steps per chunk (1..8).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    n_chunks = check_int("n_chunks", n_chunks, 1, maximum=5)
    chunk = check_int("chunk", chunk, 1, maximum=8)
    total = n_chunks * chunk
    ax = new_axes(ax, (0.8 * total + 1.2, 2.6))
    step, y = 1.25, 0.0
    w = 0.7
    for t in range(total):
        x = step * (t + 1)
        labelled_box(
            ax,
            x,
            y,
            rf"$h_{{{t + 1}}}$",
            w=w,
            h=0.6,
            fc=COLORS["h"],
            ec=LINE,
            lw=1.0,
            rounding=0.1,
            zorder=3,
        )
        ax.add_patch(Rectangle((x - 0.05, 0.55), 0.1, 0.35, fc=COLORS["loss"], ec=LINE, lw=0.6))
        if t > 0:
            boundary = t % chunk == 0
            p, q = (x - step + w / 2, y + 0.08), (x - w / 2, y + 0.08)
            _arrow(ax, p, q, color="#7b8794" if boundary else LINE)
            if boundary:
                ax.text(
                    x - step / 2,
                    y - 0.45,
                    "no grad",
                    ha="center",
                    va="top",
                    fontsize=9,
                    color="#7b8794",
                )
                ax.plot([x - step / 2] * 2, [-1.0, 1.25], color="#9aa5b1", lw=1, ls=":")
            else:
                _arrow(ax, (q[0], y - 0.14), (p[0], y - 0.14), back=True)
    for k in range(n_chunks):
        x0, x1 = step * (k * chunk + 1), step * ((k + 1) * chunk)
        ax.text(
            (x0 + x1) / 2,
            -0.85,
            f"chunk {k + 1}",
            ha="center",
            fontsize=10,
            color="#52606d",
        )
    ax.text(step * 0.2, 0.72, r"$L_t$", fontsize=11, color="#7a4b00")
    ax.set_xlim(0.0, step * (total + 0.8))
    ax.set_ylim(-1.2, 1.35)
    return set_alt(
        ax,
        f"Truncated backpropagation through time on one sequence of {n_chunks * chunk} steps "
        f"split into {n_chunks} chunks of {chunk}: the forward arrows carry the hidden state "
        "through the whole sequence, the dashed backward arrows stay inside each chunk, and the "
        "arrow that crosses a chunk boundary carries a value but no gradient.",
    )
