"""Text alternatives of the book's figures: an alt text and a description read from the data.

A figure function says what its figure shows and the point it makes with :func:`set_alt`; the
description is read off what was drawn (:func:`describe_axes`: titles, axes with their labels,
ranges and scales, every curve's line style, marker and values at its ends and extremes, bars,
colour maps; a diagram's boxes, operations and arrows, read by
:mod:`rnncourse.figures._diagram`, never its coordinates). A figure nobody gave an alt text gets
one made from the same reading (:func:`figure_alt`).

In a Jupyter kernel, importing :mod:`rnncourse.figures` registers a display hook for Matplotlib
figures: a figure's output then carries its alt text as ``text/plain`` (instead
of ``<Figure size 640x480 with 1 Axes>``) and, in the output metadata, ``{"image/png": {"alt":
..., "description": ...}}``. The book's Sphinx extension ``book/_ext/rnncourse_a11y.py`` writes
them into the page (the image's ``alt`` and a "Describe this figure" text it points at with
``aria-describedby``); myst-nb alone takes an image's alt only from the cell's metadata.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from rnncourse.figures._diagram import describe_diagram

__all__ = ["set_alt", "alt_problem", "figure_alt", "figure_description", "describe_axes", "plain"]

_ATTR = "_rnncourse_alt"
_STYLES = {"-": "solid", "--": "dashed", ":": "dotted", "-.": "dash-dot"}
_MARKERS = {
    "o": "circles",
    "s": "squares",
    "^": "triangles",
    "v": "down triangles",
    "D": "diamonds",
    "d": "diamonds",
    "x": "crosses",
    "+": "plus signs",
    "*": "stars",
    ".": "dots",
    "P": "filled plus signs",
    "X": "filled crosses",
}
_TEX = {
    r"\partial": "∂",
    r"\|": "‖",
    r"\sigma": "σ",
    r"\odot": "⊙",
    r"\rho": "ρ",
    r"\lambda": "λ",
    r"\tau": "τ",
    r"\alpha": "α",
    r"\times": "×",
    r"\approx": "≈",
    r"\leq": "≤",
    r"\geq": "≥",
    r"\to": "→",
    r"\hat": "hat ",
    r"\tilde": "tilde ",
    r"\tanh": "tanh",
    r"\log": "log",
    r"\langle": "⟨",
    r"\rangle": "⟩",
    r"\pm": "±",
    r"\in": "∈",
    r"\Gamma": "Γ",
    r"\cdot": "·",
    r"\top": "ᵀ",
    r"\rightarrow": "→",
    r"\leftarrow": "←",
    r"\infty": "∞",
    r"\sum": "sum",
    r"\ ": " ",
    r"\,": " ",
}
_MAX_ITEMS = 12


_JUNK = (
    (re.compile(r"<(Figure|Axes|matplotlib)\b|^Text\("), "a Matplotlib repr"),
    (re.compile(r"\.(png|jpe?g|gif|svg|webp)\b|_images/|^[0-9a-f]{16,}", re.I), "a file name"),
)


def alt_problem(alt: object) -> str | None:
    """Why ``alt`` cannot be a figure's alt text (``None``: it can).

    Refused: a non-string, an empty text, a file name or hash (``../_images/fd2c8b….png``),
    Matplotlib's ``<Figure size 640x480 with 1 Axes>``, and fewer than five words (too short to
    say what the figure shows).
    """
    if not isinstance(alt, str) or not alt.strip():
        return "empty"
    for pattern, what in _JUNK:
        if pattern.search(alt.strip()):
            return f"{what}, not a description"
    if len(alt.split()) < 5:
        return "fewer than five words"
    return None


def set_alt(target: Axes | Figure, alt: str) -> Any:
    """Attach ``alt`` (what the figure shows, the point it makes) to an Axes or a Figure.

    Returns ``target``, so a figure function can end with ``return set_alt(ax, "...")``. A text
    that :func:`alt_problem` refuses raises ``ValueError``. Braced scripts are written as
    :func:`plain` writes them (``h_{t-1}`` is kept as ``h_(t-1)``).
    """
    problem = alt_problem(alt)
    if problem:
        raise ValueError(f"alt must say what the figure shows; got {alt!r} ({problem})")
    setattr(target, _ATTR, " ".join(_scripts(alt).split()))
    return target


_SCRIPT = re.compile(r"([_^])\{([^{}]*)\}")


def _scripts(text: str) -> str:
    r"""Write each braced sub- or superscript as plain text: one word bare, the rest bracketed.

    ``x_{t}`` reads ``x_t``, ``h_{10}`` ``h_10`` and ``h^{[2]}`` ``h^[2]``; ``x_{t \pm 3}``
    reads ``x_(t ± 3)``, not ``x_t ± 3`` (which says "x_t, plus or minus 3"). Innermost scripts
    first, so ``e^{-x_{t-1}}`` becomes ``e^(-x_(t-1))``.
    """
    while True:
        out = _SCRIPT.sub(
            lambda m: (
                m[1]
                + (
                    m[2].strip()
                    if re.fullmatch(r"\w+|\[\w+\]", m[2].strip())
                    else f"({m[2].strip()})"
                )
            ),
            text,
        )
        if out == text:
            return out
        text = out


def plain(text: str) -> str:
    """Text of a Matplotlib label as a screen reader should read it (mathtext unwrapped).

    Symbols become their Unicode characters, font commands are dropped, and a sub- or
    superscript of more than one symbol is bracketed (:func:`_scripts`).
    """
    out = text
    for tex, char in _TEX.items():  # whole commands only: \in is not the start of \infty
        out = re.sub(re.escape(tex) + (r"(?![A-Za-z])" if tex[-1].isalpha() else ""), char, out)
    out = re.sub(r"\\mathbb\{?R\}?", "ℝ", out)
    out = re.sub(r"\\(mathrm|mathbf|mathit|mathbb|mathcal|text|operatorname|overset)\b", "", out)
    out = re.sub(r"\\([A-Za-z]+)", r"\1", out)
    out = _scripts(out.replace("$", ""))
    out = out.replace("{", "").replace("}", "").replace("\\", "")
    out = out.replace("⟨ ", "⟨").replace(" ⟩", "⟩")
    return " ".join(out.split())


def _num(v: float) -> str:
    return "nan" if not np.isfinite(v) else f"{v:.3g}"


def _axis(ax: Axes, which: str) -> str:
    axis = ax.xaxis if which == "x" else ax.yaxis
    label = plain(axis.get_label_text()) or f"unlabelled {which} axis"
    lo, hi = ax.get_xlim() if which == "x" else ax.get_ylim()
    scale = axis.get_scale()
    extra = f", {scale} scale" if scale != "linear" else ""
    return f"{which} axis: {label}, from {_num(min(lo, hi))} to {_num(max(lo, hi))}{extra}"


def _line(line: Any, k: int) -> str | None:
    x = np.asarray(line.get_xdata(), dtype=float).ravel()
    y = np.asarray(line.get_ydata(), dtype=float).ravel()
    if not line.get_visible() or y.size == 0 or x.size != y.size:
        return None
    label = line.get_label()
    name = plain(label) if label and not label.startswith("_") else f"curve {k}"
    style = _STYLES.get(line.get_linestyle(), "no line")
    marker = _MARKERS.get(str(line.get_marker()))
    look = f"{style} line" + (f" with {marker}" if marker else "")
    ok = np.isfinite(y)
    if y.size <= 2 and np.ptp(y[ok] if ok.any() else [0]) == 0:
        return f"{name}: a {look} at y = {_num(y[0])}"
    if not ok.any():
        return f"{name}: a {look} without finite values"
    xs, ys = x[ok], y[ok]
    i, j = int(np.argmin(ys)), int(np.argmax(ys))
    return (
        f"{name} ({look}, {ys.size} points): starts at {_num(ys[0])} (x = {_num(xs[0])}), ends at "
        f"{_num(ys[-1])} (x = {_num(xs[-1])}); lowest {_num(ys[i])} at x = {_num(xs[i])}, highest "
        f"{_num(ys[j])} at x = {_num(xs[j])}"
    )


def _ticklabels(labels: list[Any]) -> list[str]:
    return [plain(t.get_text()) for t in labels if t.get_text()]


def _bars(ax: Axes) -> list[str]:
    from matplotlib.container import BarContainer

    out = []
    for c in ax.containers:
        if not isinstance(c, BarContainer):
            continue
        horizontal = getattr(c, "orientation", "vertical") == "horizontal"
        sizes = [p.get_width() if horizontal else p.get_height() for p in c.patches]
        name = plain(c.get_label()) if c.get_label() and not c.get_label().startswith("_") else ""
        names = _ticklabels(ax.get_yticklabels() if horizontal else ax.get_xticklabels())
        pairs = (
            [f"{n} {_num(s)}" for n, s in zip(names, sizes, strict=False)]
            if len(names) == len(sizes)
            else [_num(s) for s in sizes]
        )
        shown = ", ".join(pairs[:_MAX_ITEMS]) + (" …" if len(pairs) > _MAX_ITEMS else "")
        out.append(f"{len(sizes)} bars{' (' + name + ')' if name else ''}: {shown}")
    return out


def _images(ax: Axes) -> list[str]:
    out = []
    for im in ax.images:
        a = np.asarray(im.get_array(), dtype=float)
        if a.ndim == 3:
            out.append(f"a picture of {a.shape[0]} x {a.shape[1]} pixels")
            continue
        rows, cols = _ticklabels(ax.get_yticklabels()), _ticklabels(ax.get_xticklabels())
        text = (
            f"a colour map of {a.shape[0]} rows x {a.shape[1]} columns, values from "
            f"{_num(np.nanmin(a))} to {_num(np.nanmax(a))}"
        )
        if len(rows) == a.shape[0] and len(cols) == a.shape[1] and a.shape[0] <= _MAX_ITEMS:
            peaks = [f"{r} → {cols[int(np.nanargmax(v))]}" for r, v in zip(rows, a, strict=True)]
            text += "; largest value in each row: " + ", ".join(peaks)
        out.append(text)
    return out


def _scatters(ax: Axes) -> list[str]:
    """One sentence per scatter (a PathCollection of markers): how many points, where they lie."""
    out = []
    for k, c in enumerate(ax.collections, 1):
        if type(c).__name__ != "PathCollection" or not c.get_visible():
            continue
        xy = np.asarray(c.get_offsets(), dtype=float).reshape(-1, 2)
        xy = xy[np.isfinite(xy).all(1)]
        if not len(xy):
            continue
        label = c.get_label()
        name = plain(label) if label and not label.startswith("_") else f"points {k}"
        x, y = xy[:, 0], xy[:, 1]
        out.append(
            f"{name}: {len(xy)} scattered points, x from {_num(x.min())} to {_num(x.max())} "
            f"(median {_num(np.median(x))}), y from {_num(y.min())} to {_num(y.max())} "
            f"(median {_num(np.median(y))})"
        )
    return out


def describe_axes(ax: Axes) -> str:
    """Describe what one Axes shows, read from its artists (one sentence per kind of artist)."""
    parts = []
    title = plain(ax.get_title())
    if title:
        parts.append(f"Title: {title}")
    if not ax.axison:  # a diagram: what is drawn and what it shows, never its coordinates
        point = getattr(ax, _ATTR, None)
        if point:
            parts.append(f"What the diagram shows: {point.rstrip('.')}")
        parts.extend(_images(ax))
        drawn = describe_diagram(ax, plain)
        if drawn:
            parts.append("Drawn: " + "; ".join(drawn))
        return ". ".join(parts) + "." if parts else ""
    parts.append(_axis(ax, "x"))
    parts.append(_axis(ax, "y"))
    lines = [d for k, ln in enumerate(ax.get_lines(), 1) if (d := _line(ln, k))]
    if lines:
        more = f" (and {len(lines) - _MAX_ITEMS} more)" if len(lines) > _MAX_ITEMS else ""
        parts.append(f"{len(lines)} curves{more}: " + "; ".join(lines[:_MAX_ITEMS]))
    parts.extend(_bars(ax))
    parts.extend(_scatters(ax))
    parts.extend(_images(ax))
    band_types = ("PolyCollection", "FillBetweenPolyCollection")
    bands = sum(type(c).__name__ in band_types for c in ax.collections)
    if bands:
        parts.append(f"{bands} shaded bands (the spread around a curve)")
    legend = ax.get_legend()
    if legend is not None:
        parts.append("legend: " + ", ".join(plain(t.get_text()) for t in legend.get_texts()))
    return ". ".join(parts) + "." if parts else ""


def _visible_axes(fig: Figure) -> list[Axes]:
    return [ax for ax in fig.axes if ax.get_visible() and ax.get_label() != "<colorbar>"]


def _kind(ax: Axes) -> str:
    if ax.images:
        return "a colour map"
    if any(type(c).__name__ == "BarContainer" for c in ax.containers):
        return "a bar chart"
    if not ax.axison:
        return "a diagram"
    return "a plot"


def figure_alt(fig: Figure) -> str:
    """Return the figure's alt text: its suptitle and the alt texts set on it and its Axes.

    An Axes without one is summarised from its data (kind, title, axis labels, curve names).
    """
    parts = []
    sup = getattr(fig, "_suptitle", None)
    if sup is not None and sup.get_text():
        parts.append(plain(sup.get_text()) + ".")
    if getattr(fig, _ATTR, None):
        parts.append(getattr(fig, _ATTR))
    for ax in _visible_axes(fig):
        text = getattr(ax, _ATTR, None)
        if text is None:
            title = plain(ax.get_title())
            text = _kind(ax).capitalize() + (f" titled “{title}”" if title else "")
            if ax.axison:
                y, x = plain(ax.get_ylabel()) or "y", plain(ax.get_xlabel()) or "x"
                text += f": {y} against {x}"
            names = [plain(n.get_label()) for n in ax.get_lines()]
            names = [n for n in names if n and not n.startswith("_")]
            if names:
                text += "; curves " + ", ".join(names[:_MAX_ITEMS])
            text += "."
        if text not in parts:
            parts.append(text)
    return " ".join(parts) if parts else "An empty figure."


def figure_description(fig: Figure) -> str:
    """Return a longer text description of every panel, read from the data drawn on it."""
    axes = _visible_axes(fig)
    texts = [describe_axes(ax) for ax in axes]
    if len(axes) == 1:
        return texts[0]
    return " ".join(f"Panel {k} of {len(axes)}: {t}" for k, t in enumerate(texts, 1) if t)


def _bundle(fig: Figure) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """Return the hook's bundle: alt text as text/plain, alt and description as metadata."""
    alt = figure_alt(fig)
    return {"text/plain": alt}, {"image/png": {"alt": alt, "description": figure_description(fig)}}
