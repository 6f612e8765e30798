"""What sequence data looks like (chapters 1 and 2).

The input/output shapes of sequence models, and one-hot vectors.

Drawn with the colours of :mod:`rnncourse.figures.graphs` (inputs red, hidden states green,
outputs blue); every function returns what it drew on.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import Rectangle

from rnncourse._validation import Dims, check_choice, check_ids, check_int
from rnncourse.figures._draw import COLORS, LINE, axes_or_new, new_axes
from rnncourse.figures.alt import set_alt
from rnncourse.figures.graphs import _arrow

__all__ = ["SHAPES", "draw_sequence_shape", "draw_sequence_shapes", "draw_one_hot"]


SHAPES = ("one-to-one", "one-to-many", "many-to-one", "many-to-many", "encoder-decoder")


def _shape_columns(kind: str) -> list[tuple[bool, str, bool]]:
    """Per column: (has input, hidden colour key, has output)."""
    check_choice("kind", kind, SHAPES)
    if kind == "one-to-one":
        return [(True, "h", True)]
    if kind == "one-to-many":
        return [(True, "h", True)] + [(False, "h", True)] * 3
    if kind == "many-to-one":
        return [(True, "h", False)] * 3 + [(True, "h", True)]
    if kind == "many-to-many":
        return [(True, "h", True)] * 4
    return [(True, "enc", False)] * 3 + [(False, "h", True)] * 3  # encoder-decoder


_SHAPE_CAPTIONS = {
    "one-to-one": "one-to-one\n(plain network)",
    "one-to-many": "one-to-many\n(captioning, music)",
    "many-to-one": "many-to-one\n(sentiment)",
    "many-to-many": "many-to-many, $T_x = T_y$\n(tagging, NER)",
    "encoder-decoder": "many-to-many, $T_x \\neq T_y$\n(translation)",
}


def draw_sequence_shape(kind: str, ax: Axes | None = None, caption: bool = True) -> Axes:
    """Draw one input/output shape of a sequence model as coloured boxes.

    Parameters
    ----------
    kind : {"one-to-one", "one-to-many", "many-to-one", "many-to-many", "encoder-decoder"}
        The shape. ``"encoder-decoder"`` is many-to-many with different input and output lengths:
        an encoder (many-to-one) followed by a decoder (one-to-many).
    ax : matplotlib Axes, optional
        Where to draw; a new figure when None.
    caption : bool
        Write the shape's name and a typical application under it.

    Returns
    -------
    matplotlib Axes
    """
    cols = _shape_columns(kind)
    ax = new_axes(ax, (0.5 + 0.55 * len(cols), 2.6))
    s, gap = 0.36, 0.55
    for j, (has_in, hid, has_out) in enumerate(cols):
        x = j * gap
        ax.add_patch(Rectangle((x - s / 2, 0.8 - s / 2), s, s, fc=COLORS[hid], ec=LINE, lw=1))
        if has_in:
            ax.add_patch(Rectangle((x - s / 2, -s / 2), s, s, fc=COLORS["x"], ec=LINE, lw=1))
            _arrow(ax, (x, s / 2), (x, 0.8 - s / 2))
        if has_out:
            ax.add_patch(Rectangle((x - s / 2, 1.6 - s / 2), s, s, fc=COLORS["y"], ec=LINE, lw=1))
            _arrow(ax, (x, 0.8 + s / 2), (x, 1.6 - s / 2))
        if j:
            _arrow(ax, (x - gap + s / 2, 0.8), (x - s / 2, 0.8))
    if caption:
        ax.text(
            (len(cols) - 1) * gap / 2,
            -0.45,
            _SHAPE_CAPTIONS[kind],
            ha="center",
            va="top",
            fontsize=10,
        )
    ax.set_xlim(-0.45, max(1.2, (len(cols) - 1) * gap + 0.45))
    ax.set_ylim(-1.15 if caption else -0.3, 1.9)
    n_in, n_out = sum(c[0] for c in cols), sum(c[2] for c in cols)
    return set_alt(
        ax,
        f"The {kind} shape: {n_in} input box{'es' if n_in > 1 else ''} (bottom) feed a row of "
        f"{len(cols)} hidden-state box{'es' if len(cols) > 1 else ''} (middle, joined left to "
        f"right), which give {n_out} output box{'es' if n_out > 1 else ''} (top); "
        f"{_SHAPE_CAPTIONS[kind].replace(chr(10), ' ')}.",
    )


def draw_sequence_shapes(kinds: Sequence[str] = SHAPES, per_row: int = 3) -> np.ndarray:
    """Draw several sequence shapes in one new figure, ``per_row`` shapes per row.

    Parameters
    ----------
    kinds : sequence of str
        Any of :data:`SHAPES`, in the order to draw them.
    per_row : int
        Shapes per row (1..6); the default keeps the figure legible in a text column.

    Returns
    -------
    numpy.ndarray of matplotlib Axes, shape (len(kinds),), in the order of ``kinds``
    """
    if len(kinds) == 0:
        raise ValueError("kinds must name at least one shape, got an empty sequence")
    check_int("per_row", per_row, 1, maximum=6)
    for k in kinds:
        _shape_columns(k)  # validates the name before any figure is made
    rows = [list(kinds[i : i + per_row]) for i in range(0, len(kinds), per_row)]

    def width(k: str) -> float:
        return max(1.7, 0.55 * len(_shape_columns(k)) + 0.5)

    fig_w = max(sum(width(k) for k in row) for row in rows) + 0.3
    fig = plt.figure(figsize=(fig_w, 2.6 * len(rows)))
    subfigs = np.atleast_1d(fig.subfigures(len(rows), 1))
    axes = []
    for sub, row in zip(subfigs, rows, strict=True):
        row_axes = np.atleast_1d(
            sub.subplots(1, len(row), gridspec_kw={"width_ratios": [width(k) for k in row]})
        )
        for k, ax in zip(row, row_axes, strict=True):
            draw_sequence_shape(k, ax=ax)
            axes.append(ax)
    set_alt(
        fig,
        f"{len(kinds)} input/output shapes of sequence models side by side; what differs is "
        "which steps have an input and which an output.",
    )
    return np.array(axes, dtype=object)


def draw_one_hot(
    tokens: Sequence[str], ids: Sequence[int], vocab: Sequence[str], ax: Axes | None = None
) -> Axes:
    """Draw a sequence of one-hot vectors as a V x T grid (one column per token).

    Parameters
    ----------
    tokens : sequence of str, length T
        The tokens, used as column labels.
    ids : sequence of int, length T
        Their vocabulary indices, each in [0, V).
    vocab : sequence of str, length V
        Row labels (the vocabulary in id order).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    V, T = len(vocab), len(tokens)
    if T == 0 or V == 0:
        raise ValueError(f"need at least one token and one vocabulary entry, got T={T}, V={V}")
    dims = Dims()
    dims.bind("T", T, "tokens")
    ids_arr = check_ids("ids", ids, "(T,)", dims, high=V)
    ax = axes_or_new(ax, (0.55 * T + 1.8, 0.3 * V + 1.0))
    grid = np.zeros((V, T))
    grid[ids_arr, np.arange(T)] = 1.0
    ax.imshow(grid, cmap="Blues", vmin=0, vmax=1.3, aspect="equal")
    for t, i in enumerate(ids_arr):
        ax.text(t, i, "1", ha="center", va="center", fontsize=8, color="white")
    ax.set_xticks(range(T), [repr(tok)[1:-1] if tok.strip() else repr(tok) for tok in tokens])
    ax.set_yticks(
        range(V),
        [f"{k}: {v!r}" if len(v) == 1 else f"{k}: {v}" for k, v in enumerate(vocab)],
        fontsize=8,
    )
    ax.set_xlabel("time step t (one column = one one-hot vector)")
    ax.tick_params(length=0)
    ax.set_xticks(np.arange(-0.5, T), minor=True)
    ax.set_yticks(np.arange(-0.5, V), minor=True)
    ax.grid(which="minor", color="#dddddd", lw=0.6)
    pairs = ", ".join(f"{tok!r} in row {i}" for tok, i in zip(tokens, ids_arr, strict=True))
    return set_alt(
        ax,
        f"One-hot encoding of {T} tokens as a grid of {V} rows (the vocabulary) by {T} columns "
        f"(time steps): every column is all zeros except a single 1 in its token's row ({pairs}).",
    )
