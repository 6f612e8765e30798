"""The drawing vocabulary of the cell diagrams (shared by cells, layers and attention figures).

* yellow rectangles are learned layers (an affine map followed by ``sigma`` or ``tanh``);
* pink circles are element-wise operations (``x`` product, ``+`` sum, ``1-`` complement);
* a black dot is a junction where two vectors are concatenated or a vector is copied.
"""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.patches import Circle

from rnncourse.figures._draw import LINE, draw_arrow, labelled_box

_LAYER_COLOR = "#f7d95c"
_OP_COLOR = "#f5b3c8"
_BOX_W, _BOX_H = 0.84, 0.6
_OP_R = 0.27


class _Canvas:
    """Tiny drawing helper: layer boxes, point-wise ops, junctions and arrowed polylines."""

    def __init__(self, ax: Axes) -> None:
        self.ax = ax

    def layer(self, x: float, y: float, label: str, name: str | None = None) -> None:
        labelled_box(
            self.ax,
            x,
            y,
            label,
            w=_BOX_W,
            h=_BOX_H,
            fc=_LAYER_COLOR,
            ec=LINE,
            lw=1.2,
            rounding=0.08,
            zorder=4,
        )
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
        self.ax.add_patch(Circle((x, y), _OP_R, fc=_OP_COLOR, ec=LINE, lw=1.2, zorder=4))
        self.ax.text(
            x, y, symbol, ha="center", va="center", fontsize=10 if len(symbol) > 1 else 13, zorder=5
        )

    def dot(self, x: float, y: float) -> None:
        self.ax.add_patch(Circle((x, y), 0.07, fc=LINE, ec=LINE, zorder=5))

    def path(
        self,
        pts: Sequence[tuple[float, float]],
        arrow: bool = True,
        color: str = LINE,
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
            draw_arrow(
                self.ax,
                pts[-2],
                pts[-1],
                color=color,
                lw=lw,
                ls=ls,
                zorder=3 if halo else 2,
                path_effects=effects,
            )

    def label(self, x: float, y: float, text: str, **kw: object) -> None:
        kw = {"ha": "center", "va": "center", "fontsize": 12, **kw}
        self.ax.text(x, y, text, zorder=6, **kw)


def _node(ax: Axes, x: float, y: float, text: str, fc: str, ec: str, w: float = 0.7) -> None:
    labelled_box(ax, x, y, text, w=w, h=0.6, fc=fc, ec=ec, lw=1.4, rounding=0.1, zorder=4)
