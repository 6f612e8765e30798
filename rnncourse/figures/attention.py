"""Attention figures (chapter 13).

An image captioner with and without attention, attention weights over an image grid, attention
heatmaps between two sequences, and the date translator's views: accuracy against input length and
the attention map of one decoded date.

Drawn with the vocabulary of :mod:`rnncourse.figures.cells`; every function returns its ``Axes``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import Rectangle

from rnncourse.figures._canvas import _Canvas, _node
from rnncourse.figures._draw import HATCHES, LINE, axes_or_new, new_axes
from rnncourse.figures.alt import set_alt

__all__ = [
    "draw_captioning",
    "draw_attention_grid",
    "plot_attention_heatmap",
    "plot_accuracy_by_length",
    "plot_date_attention",
    "plot_caption_attention",
    "plot_caption_examples",
]


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
    ax.add_patch(Rectangle((-0.95, 0.8), 0.8, 1.0, fc="#dde7f0", ec=LINE, zorder=2))
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
                        ec=LINE,
                        lw=0.6,
                        zorder=2,
                    )
                )
        c.label(0.43, 0.6, r"$L\times D$ grid", fontsize=8)
    else:
        ax.add_patch(Rectangle((0.15, 0.95), 0.55, 0.7, fc="#f0c36d", ec=LINE, lw=0.8, zorder=2))
        c.label(0.43, 0.6, r"$v\in\mathbb{R}^D$", fontsize=8)
    c.path([(-0.15, 1.3), (0.1, 1.3)], lw=1.2)
    inputs = ["<START>"] + words
    outputs = words + ["<END>"]
    for t in range(T):
        X = 1.9 + 1.45 * t
        _node(ax, X, 2.3, rf"$h_{t + 1}$", "#cfe3f7", LINE)
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
    how = (
        "keeps a grid of image features; at each step attention weights over the grid give a "
        "context vector that feeds the next step"
        if attention
        else "turns the image into one feature vector that sets the first hidden state"
    )
    return set_alt(
        ax,
        f"An image captioner: a CNN {how}; the RNN then emits the words "
        f"{' '.join(words)} one per step, each fed back as the next input, until <END>.",
    )


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
    i, j = np.unravel_index(int(np.argmax(w)), w.shape)
    return set_alt(
        ax,
        f"Attention weights over a {hg} x {wg} grid of image locations"
        f"{', over the image' if image is not None else ''}, each cell shaded and labelled with "
        f"its weight; the largest, {w[i, j]:.2f}, is in row {i + 1}, column {j + 1}.",
    )


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
    ax = axes_or_new(ax, (0.42 * w.shape[1] + 1.6, 0.42 * w.shape[0] + 1.2))
    im = ax.imshow(w, cmap="Oranges", vmin=0, vmax=1, aspect="equal")
    ax.set_xticks(range(w.shape[1]), list(inputs))
    ax.set_yticks(range(w.shape[0]), list(outputs))
    ax.set_xlabel("input position (attended to)")
    ax.set_ylabel("output step")
    ax.figure.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label=r"$a_{t,l}$")
    if title:
        ax.set_title(title, fontsize=10)
    peaks = ", ".join(f"{o} → {inputs[int(np.argmax(r))]}" for o, r in zip(outputs, w, strict=True))
    return set_alt(
        ax,
        f"Heat map of attention weights, one row per output step, one column per "
        f"input position; the input each output attends to most: {peaks}.",
    )


_LABELS = {"none": "no attention", "additive": "additive", "multiplicative": "multiplicative"}


def plot_accuracy_by_length(
    table: Mapping[tuple[str, str, int], Mapping[str, float]],
    decoders: Sequence[str] = ("none", "additive", "multiplicative"),
    decoding: str = "greedy",
    ax: Axes | None = None,
    ylabel: str = "exact match (held-out)",
) -> Axes:
    """Draw grouped bars: accuracy per number of dates in the input, one bar per decoder.

    Parameters
    ----------
    table : mapping
        ``(decoder, decoding, n_dates) -> {"mean", "min", "max"}``, from
        :func:`rnncourse.experiments.dates.summary`.
    decoders : sequence of str
    decoding : str
        ``"greedy"``, ``"beam1"``, ``"beam3"`` or ``"beam5"``.
    ax : Axes, optional
    ylabel : str
        What the table holds.

    Returns
    -------
    Axes
    """
    ax = axes_or_new(ax, (6.5, 3.6))
    lengths = (1, 2, 3)
    width = 0.8 / len(decoders)
    for i, dec in enumerate(decoders):
        rows = [table[dec, decoding, k] for k in lengths]
        mean = np.array([r["mean"] for r in rows])
        err = np.array([[r["mean"] - r["min"] for r in rows], [r["max"] - r["mean"] for r in rows]])
        x = np.arange(len(lengths)) + (i - (len(decoders) - 1) / 2) * width
        ax.bar(
            x, mean, width, yerr=err, capsize=3, label=_LABELS.get(dec, dec), hatch=HATCHES[i % 6]
        )
    ax.set_xticks(np.arange(len(lengths)), [f"{k} date{'s' if k > 1 else ''}" for k in lengths])
    ax.set_ylim(0, 1.05)
    ax.set_ylabel(ylabel)
    ax.set_title(f"{decoding} decoding: mean of 3 seeds, error bar = min to max", fontsize=10)
    ax.legend(fontsize=8, loc="lower left")
    alt = f"Grouped bars of {ylabel} by number of dates, one hatched bar per decoder."
    return set_alt(ax, alt)


def plot_date_attention(
    weights: np.ndarray, source: str, output: str, ax: Axes | None = None, title: str | None = None
) -> Axes:
    """Heat map of one decoded example: output characters (rows) against source characters.

    Parameters
    ----------
    weights : ndarray, shape (T_out, L)
        The weights of each output step; a last row for ``<EOS>`` is labelled as such.
    source, output : str
        Source (length L) and decoded output (length T_out or T_out - 1).
    ax : Axes, optional
    title : str, optional

    Returns
    -------
    Axes
    """
    rows = list(output) + (["<EOS>"] if weights.shape[0] == len(output) + 1 else [])
    cols = ["␣" if c == " " else c for c in source]
    rows = ["␣" if c == " " else c for c in rows]
    ax = axes_or_new(ax, (max(4.0, 0.16 * len(source) + 1.5), 0.2 * len(rows) + 1.5))
    return plot_attention_heatmap(weights, cols, rows, ax=ax, title=title)


def plot_caption_attention(
    image: np.ndarray, words: Sequence[str], weights: np.ndarray, title: str | None = None
) -> np.ndarray:
    """One panel per generated word: the attention map over the image when it was generated.

    Parameters
    ----------
    image : ndarray, shape (3, Hi, Wi)
        The RGB image (channels first, values in [0, 1]), drawn under every map.
    words : sequence of str
        The generated words (T_out); a last map for ``<EOS>`` is labelled as such.
    weights : ndarray, shape (T_out or T_out + 1, Hg, Wg)
        The attention weights of each step on the feature grid.
    title : str, optional

    Returns
    -------
    ndarray of Axes, shape (n_panels + 1,)
        The image alone, then one :func:`draw_attention_grid` per step.
    """
    w = np.asarray(weights, dtype=float)
    words = list(words)
    if w.ndim != 3 or w.shape[0] not in (len(words), len(words) + 1):
        raise ValueError(
            f"weights must be (T_out or T_out + 1, Hg, Wg) with T_out = {len(words)}, "
            f"got shape {w.shape}"
        )
    img = np.asarray(image, dtype=float)
    if img.ndim != 3 or img.shape[0] != 3:
        raise ValueError(f"image must be (3, Hi, Wi), got shape {img.shape}")
    labels = words + (["<EOS>"] if w.shape[0] == len(words) + 1 else [])
    fig, axes = plt.subplots(1, len(labels) + 1, figsize=(1.9 * (len(labels) + 1), 2.3))
    rgb = img.transpose(1, 2, 0)
    axes[0].imshow(rgb)
    axes[0].set_title("image", fontsize=10)
    for ax, label, a in zip(axes[1:], labels, w, strict=True):
        draw_attention_grid(a, ax=ax, image=rgb * 0.6, title=label)
        for t in ax.texts:
            t.set_fontsize(5)
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    if title:
        fig.suptitle(title, fontsize=10)
    set_alt(axes[0], "The input image the caption describes.")
    alt = f"The captioner's attention while writing “{' '.join(words)}”, one map per word."
    set_alt(fig, alt)
    return axes


def plot_caption_examples(images: np.ndarray, captions: Sequence[str]) -> np.ndarray:
    """Images (N, 3, Hi, Wi) in a row, each titled with its caption; returns the N Axes."""
    imgs = np.asarray(images, dtype=float)
    if imgs.ndim != 4 or imgs.shape[1] != 3 or len(captions) != len(imgs):
        raise ValueError(
            f"images must be (N, 3, Hi, Wi) with N = len(captions) = {len(captions)}, "
            f"got shape {imgs.shape}"
        )
    fig, axes = plt.subplots(1, len(imgs), figsize=(2.1 * len(imgs), 2.6), squeeze=False)
    for ax, img, text in zip(axes[0], imgs, captions, strict=True):
        ax.imshow(img.transpose(1, 2, 0))
        words = text.split()
        ax.set_title(
            " ".join(words[:4]) + ("\n" + " ".join(words[4:]) if words[4:] else ""), fontsize=8
        )
        ax.set_xticks([])
        ax.set_yticks([])
        set_alt(ax, f"Image captioned “{text}”.")
    set_alt(fig, f"{len(imgs)} images from the captioning data, each with its caption above it.")
    return axes[0]
