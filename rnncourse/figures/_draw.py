"""Drawing primitives shared by the figure modules.

Each module keeps its own colours and sizes; these helpers only hold the Matplotlib calls that
were the same everywhere: the given axes or a new figure's, a fresh equal-aspect axes without
frame, a rounded box (with or without a centred label), a graph figure's box for one quantity,
a straight (or arced) arrow whose head ends exactly at the target point, and a label beside an
arrow's middle.
"""

from __future__ import annotations

from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

#: The colour-blind-safe palette of every plot (Okabe & Ito, "Color Universal Design", 2008):
#: orange, sky blue, bluish green, yellow, blue, vermillion, reddish purple, black.
OKABE_ITO = (
    "#E69F00",
    "#56B4E9",
    "#009E73",
    "#F0E442",
    "#0072B2",
    "#D55E00",
    "#CC79A7",
    "#000000",
)
#: The order plots take them in (yellow last: it is faint on white), each colour with its own
#: line style and marker, so curves stay apart in grey print and without colour vision.
CURVE_COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
LINESTYLES = ("-", "--", "-.", ":", (0, (5, 1, 1, 1)), (0, (3, 1, 1, 1, 1, 1)), (0, (1, 3)))
MARKERS = ("o", "s", "^", "D", "v", "P", "X")
#: Markers sit at a tenth of the axes' diagonal apart, whatever the number of points.
CYCLE = (
    cycler(color=CURVE_COLORS)
    + cycler(linestyle=LINESTYLES)
    + cycler(marker=MARKERS)
    + cycler(markevery=[0.1] * len(MARKERS))
)
#: Bars of a group: each its own hatching as well as its colour.
HATCHES = ("", "//", "..", "xx", "\\\\", "--")
mpl.rcParams["axes.prop_cycle"] = CYCLE
mpl.rcParams["lines.markersize"] = 5

#: The fill colours of the graph figures (each box also carries its symbol, so no colour is needed
#: to tell them apart) (chapters 1-5): inputs red, hidden states green, outputs
#: blue, losses grey; an encoder's states pale green, a decoder's pale orange.
COLORS = {
    "x": "#f4a6a6",
    "h": "#a8d8a0",
    "y": "#9cc3e6",
    "loss": "#d9d9d9",
    "enc": "#c9e7c3",
    "dec": "#f0d9b8",
}
LINE = "#333333"  # forward arrows and box edges
BACK = "#D55E00"  # the backward pass (gradients): vermillion, drawn dashed where it matters


def axes_or_new(ax: Axes | None, size: tuple[float, float]) -> Axes:
    """``ax`` itself, or the axes of a new figure of ``size`` (width, height) inches."""
    if ax is None:
        _, ax = plt.subplots(figsize=size)
    return ax


def new_axes(ax: Axes | None, size: tuple[float, float]) -> Axes:
    """``ax`` (or a new figure of ``size`` inches) set up for a diagram: equal aspect, no axes."""
    ax = axes_or_new(ax, size)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


def rounded_box(
    ax: Axes,
    x0: float,
    y0: float,
    w: float,
    h: float,
    *,
    fc: str,
    ec: str,
    lw: float,
    rounding: float,
    zorder: int,
    pad: float = 0.02,
) -> None:
    """Draw a ``w`` x ``h`` box with rounded corners, its lower-left corner at (x0, y0)."""
    ax.add_patch(
        FancyBboxPatch(
            (x0, y0),
            w,
            h,
            boxstyle=f"round,pad={pad},rounding_size={rounding}",
            fc=fc,
            ec=ec,
            lw=lw,
            zorder=zorder,
        )
    )


def labelled_box(
    ax: Axes,
    x: float,
    y: float,
    text: str,
    *,
    w: float,
    h: float,
    fc: str,
    ec: str,
    lw: float,
    rounding: float,
    zorder: int,
    fontsize: float = 11,
) -> None:
    """Draw a rounded ``w`` x ``h`` box centred at (x, y), with ``text`` centred on top of it."""
    rounded_box(
        ax, x - w / 2, y - h / 2, w, h, fc=fc, ec=ec, lw=lw, rounding=rounding, zorder=zorder
    )
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize, zorder=zorder + 1)


def graph_node(
    ax: Axes, x: float, y: float, text: str, kind: str, *, w: float, h: float, rounding: float
) -> None:
    """Draw a graph figure's box for a quantity of ``kind`` (a key of :data:`COLORS`) at (x, y).

    The box is filled in the colour of its kind and edged in :data:`LINE`.
    """
    labelled_box(
        ax, x, y, text, w=w, h=h, fc=COLORS[kind], ec=LINE, lw=1.1, rounding=rounding, zorder=3
    )


def draw_arrow(
    ax: Axes,
    start: tuple[float, float],
    end: tuple[float, float],
    *,
    color: str,
    lw: float,
    ls: Any = "-",
    rad: float = 0.0,
    mutation_scale: float = 12,
    zorder: int = 2,
    path_effects: list[Any] | None = None,
) -> None:
    """Arrow from ``start`` to ``end``, its head touching ``end`` (no shrink); ``rad`` bends it."""
    ax.add_patch(
        FancyArrowPatch(
            start,
            end,
            arrowstyle="-|>",
            mutation_scale=mutation_scale,
            color=color,
            lw=lw,
            ls=ls,
            connectionstyle=f"arc3,rad={rad}",
            shrinkA=0,
            shrinkB=0,
            zorder=zorder,
            path_effects=path_effects,
        )
    )


def arrow_label(
    ax: Axes,
    start: tuple[float, float],
    end: tuple[float, float],
    text: str,
    *,
    offset: tuple[float, float],
    ha: str,
    color: str,
    zorder: int,
) -> None:
    """Write ``text`` (9 pt) beside the middle of the arrow ``start`` -> ``end``.

    The text is centred vertically on the midpoint moved by ``offset`` (data units); it names
    the weight the arrow applies.
    """
    mx, my = (start[0] + end[0]) / 2, (start[1] + end[1]) / 2
    ax.text(
        mx + offset[0],
        my + offset[1],
        text,
        fontsize=9,
        color=color,
        ha=ha,
        va="center",
        zorder=zorder,
    )
