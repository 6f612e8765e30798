"""Read a diagram (an Axes drawn without axes) as what it shows: its boxes, operations and arrows.

A plot is described by its data (:func:`rnncourse.figures.alt.describe_axes`); a diagram's
coordinates mean nothing to a reader. This module reads the drawn artists instead: each box or
circle with the label written on it (and the name written beside it), what its fill colour
stands for in the book's visual vocabulary, the junction dots, and every arrow by the box or
label it points into. No coordinate appears in the text.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import to_hex
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch, Rectangle

__all__ = ["describe_diagram"]

_NEAR_PX = 14.0  # a name written this close to a box belongs to it
_HEAD_PX = 6.0  # an arrow whose head is this close to a node points into it
_LABEL_PX = 40.0  # ... else into the nearest label this close


def _meanings() -> dict[str, str]:
    """Fill colour -> what a node of that colour is (the vocabulary of ``_draw``, ``_canvas``)."""
    from rnncourse.figures._canvas import _LAYER_COLOR, _OP_COLOR
    from rnncourse.figures._draw import COLORS

    kinds = {
        "x": "input",
        "h": "hidden state",
        "y": "output",
        "loss": "loss",
        "enc": "encoder state",
        "dec": "decoder state",
    }
    out = {to_hex(c): kinds[k] for k, c in COLORS.items()}
    out[to_hex(_LAYER_COLOR)] = "learned layer"
    out[to_hex(_OP_COLOR)] = "element-wise operation"
    return out


class _Node:
    def __init__(self, patch: Any, ax: Axes) -> None:
        self.patch = patch
        box = patch.get_extents()  # display coordinates
        self.x0, self.y0, self.x1, self.y1 = box.x0, box.y0, box.x1, box.y1
        self.round = isinstance(patch, Circle)
        self.fc = to_hex(patch.get_facecolor())
        self.labels: list[str] = []
        self.names: list[str] = []

    def contains(self, p: np.ndarray, pad: float = 0.0) -> bool:
        return bool(
            self.x0 - pad <= p[0] <= self.x1 + pad and self.y0 - pad <= p[1] <= self.y1 + pad
        )

    def distance(self, p: np.ndarray) -> float:
        dx = max(self.x0 - p[0], 0.0, p[0] - self.x1)
        dy = max(self.y0 - p[1], 0.0, p[1] - self.y1)
        return float(np.hypot(dx, dy))

    @property
    def area(self) -> float:
        return (self.x1 - self.x0) * (self.y1 - self.y0)

    def title(self) -> str:
        text = " ".join(self.labels)
        return text + (f" ({', '.join(self.names)})" if self.names else "")


def _text_point(ax: Axes, t: Any) -> np.ndarray:
    return np.asarray(t.get_transform().transform(t.get_position()), dtype=float)


def _nodes(ax: Axes, plain: Any) -> tuple[list[_Node], list[_Node], list[str]]:
    """Boxes and circles with their labels, frames (boxes holding other boxes), free labels."""
    patches = [
        p
        for p in ax.patches
        if isinstance(p, FancyBboxPatch | Rectangle | Circle) and p.get_visible()
    ]
    nodes = [_Node(p, ax) for p in patches]
    frames = [
        n
        for n in nodes
        if sum(m is not n and n.contains(((m.x0 + m.x1) / 2, (m.y0 + m.y1) / 2)) for m in nodes)
        >= 2
    ]
    inner = [n for n in nodes if n not in frames]
    free: list[tuple[np.ndarray, str]] = []
    for t in ax.texts:
        text = plain(t.get_text()).replace("\n", " ").strip()
        if not text or not t.get_visible():
            continue
        p = _text_point(ax, t)
        holders = [n for n in inner if n.contains(p)]
        if holders:
            min(holders, key=lambda n: n.area).labels.append(text)
        else:
            free.append((p, text))
    free_left = []
    for p, text in free:
        near = [n for n in inner if n.labels and not n.round and n.distance(p) < _NEAR_PX]
        framed = [f for f in frames if f.contains(p)]
        if near:
            min(near, key=lambda n: n.distance(p)).names.append(text)
        elif framed and not min(framed, key=lambda f: f.area).labels:
            min(framed, key=lambda f: f.area).labels.append(text)
        else:
            free_left.append(text)
    return inner, frames, free_left


def _arrow_target(
    ax: Axes, head: np.ndarray, nodes: list[_Node], plain: Any, meanings: dict[str, str]
) -> str:
    hit = [n for n in nodes if n.contains(head, _HEAD_PX)]
    if hit:
        n = min(hit, key=lambda n: (n.distance(head), n.area))
        if n.labels:
            return n.title()
        if n.round and n.area < 400:
            return "a junction"
        kind = meanings.get(n.fc)
        return f"a{'n' if not kind or kind[0] in 'aeio' else ''} {kind or 'unlabelled'} " + (
            "circle" if n.round else "box"
        )
    texts = [(float(np.hypot(*(_text_point(ax, t) - head))), t) for t in ax.texts]
    texts = [(d, t) for d, t in texts if d < _LABEL_PX and plain(t.get_text()).strip()]
    if texts:
        return plain(min(texts, key=lambda dt: dt[0])[1].get_text()).replace("\n", " ")
    return "an open end"


def _one(plural: str) -> str:
    """Singular of a kind: ``learned layer boxes`` -> ``learned layer box``."""
    return plural[: -len("es")] if plural.endswith("boxes") else plural.removesuffix("s")


def _join(items: list[str], limit: int) -> str:
    counts = Counter(items)
    parts = [f"{k} ({v}×)" if v > 1 else k for k, v in counts.items()]
    return ", ".join(parts[:limit]) + (" …" if len(parts) > limit else "")


def describe_diagram(ax: Axes, plain: Any, limit: int = 24) -> list[str]:
    """Sentences saying what a diagram draws: nodes by kind with their labels, then the arrows.

    ``plain`` turns a Matplotlib label into readable text
    (:func:`rnncourse.figures.alt.plain`); ``limit`` caps the items listed per sentence.
    """
    meanings = _meanings()
    nodes, frames, free = _nodes(ax, plain)
    out = []
    for f in frames:
        if f.labels:
            out.append(f"a frame titled {' '.join(f.labels)}")
    groups: dict[str, list[str]] = {}
    unlabelled: Counter[str] = Counter()
    dots = 0
    for n in nodes:
        kind = meanings.get(n.fc)
        if n.round and not n.labels and n.area < 400:
            dots += 1
            continue
        shape = "circles" if n.round else "boxes"
        if not n.labels:
            unlabelled[f"{kind} {shape}" if kind else shape] += 1
            continue
        key = f"{kind} {shape}" if kind else shape
        groups.setdefault(key, []).append(n.title())
    for key, titles in groups.items():
        out.append(
            f"{len(titles)} {_one(key) if len(titles) == 1 else key}: {_join(titles, limit)}"
        )
    for shape, k in unlabelled.items():
        out.append(f"{k} unlabelled {_one(shape) if k == 1 else shape}")
    if dots:
        out.append(f"{dots} junction dots (where a vector is copied or two are joined)")
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch) and p.get_visible()]
    if arrows:
        heads: dict[str, list[str]] = {}
        for a in arrows:
            ends = getattr(a, "_posA_posB", None)
            if not ends:
                continue
            head = np.asarray(a.get_transform().transform(ends[1]), dtype=float)
            dashed = a.get_linestyle() not in ("-", "solid")
            style = "dashed arrows" if dashed else "arrows"
            target = _arrow_target(ax, head, nodes + frames, plain, meanings)
            heads.setdefault(style, []).append(target)
        for style, targets in heads.items():
            out.append(f"{len(targets)} {style}, pointing into: {_join(targets, limit)}")
    lines = [ln for ln in ax.get_lines() if ln.get_visible()]
    if lines:
        out.append(f"{len(lines)} connecting lines without heads")
    if free:
        out.append("labels beside the drawing: " + _join(free, limit))
    return out
