"""rnncourse.figures.alt: every figure function attaches an alt text that says what it shows, the
description reads the data, the display hook puts both into a figure's output, and the palette
tells curves apart without colour."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import re

import matplotlib.pyplot as plt
import numpy as np
import pytest

from rnncourse.figures import (
    alt,
    attention,
    cells,
    curves,
    graphs,
    inside,
    layers,
    lm,
    scan,
    sequences,
    unrolled,
)
from rnncourse.figures._draw import CURVE_COLORS, LINESTYLES, MARKERS
from rnncourse.reference.linear_rnns import lru_init
from rnncourse.reference.rtrl import gradient_costs


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


RNG = np.random.default_rng(0)
GATES = {k: RNG.uniform(size=(30, 6)) for k in "ifo"}
SEEDS = {
    "config": {"seeds": [0, 1, 2]},
    "baseline": 1 / 6,
    "curves": {"lstm": {"step": [0, 10, 20], "mse": [[0.2, 0.1, 0.05]] * 3}},
}
TABLE = {
    (d, "greedy", k): {"mean": 0.5, "min": 0.4, "max": 0.6}
    for d in ("none", "additive", "multiplicative")
    for k in (1, 2, 3)
}
FIGURES = {
    "draw_sequence_shape": lambda: sequences.draw_sequence_shape("many-to-one"),
    "draw_sequence_shapes": lambda: sequences.draw_sequence_shapes()[0],
    "draw_one_hot": lambda: sequences.draw_one_hot(["a", "b"], [1, 0], ["x", "y", "z"]),
    "draw_folded": lambda: graphs.draw_folded(),
    "draw_stacked_weights": lambda: graphs.draw_stacked_weights(notation="notes"),
    "draw_feedforward_on_sequence": lambda: graphs.draw_feedforward_on_sequence(),
    "draw_unrolled": lambda: unrolled.draw_unrolled("seq2seq", backward=True, feedback=True),
    "draw_tbptt": lambda: unrolled.draw_tbptt(2, 3),
    **{f"draw_cell[{k}]": (lambda k=k: cells.draw_cell(k)) for k in cells.CELL_KINDS},
    "draw_bidirectional": lambda: layers.draw_bidirectional(highlight=1),
    "draw_stacked": lambda: layers.draw_stacked(head=1),
    "plot_gradient_flow": lambda: curves.plot_gradient_flow({"rnn": np.geomspace(1e-4, 1, 11)}),
    "plot_scalar_powers": lambda: curves.plot_scalar_powers(),
    "plot_char_probabilities": lambda: curves.plot_char_probabilities(
        np.array([[0.9, 0.1], [0.3, 0.7]]), ["a", "b"], "ab", "ba"
    ),
    "plot_curves": lambda: curves.plot_curves({"a": [1.0, 0.5, np.nan], "b": [1.0, 0.2, 0.1]}),
    "plot_tbptt_tradeoff": lambda: curves.plot_tbptt_tradeoff([1, 2, 4], [0.5, 0.3, 0.1], 8),
    "plot_seed_curves": lambda: curves.plot_seed_curves(SEEDS),
    "draw_gate_saturation": lambda: inside.draw_gate_saturation(GATES),
    "draw_unit_trace": lambda: inside.draw_unit_trace(
        "ab\ncd", RNG.uniform(-1, 1, (5, 3)), np.arange(5.0), 1, "position"
    ),
    "draw_correlation_bars": lambda: inside.draw_correlation_bars(
        {"quote": 0.8, "line": -0.6}, {"quote": 0.2, "line": 0.1}
    ),
    "plot_rank_frequency": lambda: lm.plot_rank_frequency(
        {"text": [50, 20, 10, 5]}, fit={"text": 1.1}
    ),
    "plot_seed_comparison": lambda: lm.plot_seed_comparison(
        {"lstm": [1.5, 1.6, 1.55], "rnn": [1.9, 2.0, 1.95]}, references={"3-gram": 2.1}
    ),
    "plot_scan_timings": lambda: scan.plot_scan_timings(
        {"T": [8, 16], "seconds": {"loop": [1e-3, 2e-3], "blelloch": [1e-3, 1.5e-3]}}
    ),
    "plot_lru_ring": lambda: scan.plot_lru_ring(
        lru_init(2, 20, 0.5, 0.9, rng=np.random.default_rng(0)), 0.5, 0.9
    ),
    "plot_gradient_costs": lambda: scan.plot_gradient_costs(
        {H: gradient_costs(100, 8, H) for H in (8, 16)}, "memory"
    ),
    "plot_comparison": lambda: scan.plot_comparison(
        {"lstm": [{"mse": 0.1}, {"mse": 0.2}], "lru": [{"mse": 0.01}]}, "mse", baseline=1 / 6
    ),
    "draw_captioning": lambda: attention.draw_captioning(("a", "dog"), attention=True),
    "draw_attention_grid": lambda: attention.draw_attention_grid(
        np.array([[0.1, 0.6], [0.2, 0.1]])
    ),
    "plot_attention_heatmap": lambda: attention.plot_attention_heatmap(
        np.eye(3), ["a", "b", "c"], ["x", "y", "z"]
    ),
    "plot_accuracy_by_length": lambda: attention.plot_accuracy_by_length(TABLE),
    "plot_date_attention": lambda: attention.plot_date_attention(
        np.full((3, 4), 0.25), "3 ma", "19"
    ),
    "plot_caption_attention": lambda: attention.plot_caption_attention(
        np.zeros((3, 8, 8)), ["a", "dog"], np.full((3, 2, 2), 0.25)
    )[0],
    "plot_caption_examples": lambda: attention.plot_caption_examples(
        np.zeros((2, 3, 8, 8)), ["a red square", "a blue circle"]
    )[0],
}


def test_every_figure_function_is_in_the_table():
    modules = (sequences, graphs, unrolled, cells, layers, curves, inside, lm, scan, attention)
    public = {n for m in modules for n in m.__all__ if n.startswith(("draw_", "plot_"))}
    covered = {name.split("[")[0] for name in FIGURES}
    assert public == covered, f"figure functions without an alt-text check: {public - covered}"


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_each_figure_says_what_it_shows(name):
    fig = FIGURES[name]().figure
    authored = [getattr(a, alt._ATTR, None) for a in [fig, *fig.axes]]
    assert any(authored), f"{name} attached no alt text (rnncourse.figures.alt.set_alt)"
    text = alt.figure_alt(fig)
    assert alt.alt_problem(text) is None, (name, text)
    assert "$" not in text, f"{name}: TeX left in the alt text {text!r}"
    assert "\\" not in text, f"{name}: TeX left in the alt text {text!r}"
    description = alt.figure_description(fig)
    assert alt.alt_problem(description) is None, (name, description)


def test_description_reads_the_curves_and_axes():
    ax = curves.plot_curves({"loss A": [2.0, 1.0, 0.5], "loss B": [2.0, 1.5, 1.2]}, xlabel="epoch")
    ax.set_title(r"two runs, $\sigma$ = 1")
    text = alt.describe_axes(ax)
    assert "Title: two runs, σ = 1" in text
    assert "x axis: epoch" in text
    assert "y axis: loss" in text
    assert "loss A (solid line with circles, 3 points): starts at 2 (x = 0), ends at 0.5" in text
    assert "loss B (dashed line with squares" in text
    assert "ends at 1.2" in text
    assert "loss A: from 2 to 0.5" in alt.figure_alt(ax.figure)


def test_description_reads_bars_and_colour_maps():
    ax = inside.draw_correlation_bars({"quote": 0.8, "line": -0.6}, {"quote": 0.2, "line": 0.1})
    assert "2 bars (trained): quote 0.8, line 0.6" in alt.describe_axes(ax)
    ax = attention.plot_attention_heatmap(np.eye(2)[::-1], ["a", "b"], ["x", "y"])
    assert "largest value in each row: x → b, y → a" in alt.describe_axes(ax)


@pytest.mark.parametrize(
    "junk",
    [
        "",
        "   ",
        "../_images/fd2c8b0a1e2f3a4b5c6d.png",
        "<Figure size 640x480 with 1 Axes>",
        "a plot",
    ],
)
def test_junk_alt_text_is_refused(junk):
    assert alt.alt_problem(junk) is not None
    with pytest.raises(ValueError, match="alt must say what the figure shows"):
        alt.set_alt(plt.gca(), junk)


def test_a_bare_matplotlib_figure_gets_an_alt_from_its_data():
    # Planted: a chapter's own plot without set_alt still gets a readable alt, not the repr.
    fig, ax = plt.subplots()
    ax.plot([0, 1, 2], [3, 2, 1], label="error")
    ax.set_xlabel("step")
    ax.set_ylabel("error")
    text = alt.figure_alt(fig)
    assert text == "A plot: error against step; curves error."
    assert not any(getattr(a, alt._ATTR, None) for a in [fig, *fig.axes])


def test_display_hook_puts_alt_and_description_into_the_output():
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.core.pylabtools import select_figure_formats

    import rnncourse.figures as figures

    shell = InteractiveShell.instance()
    select_figure_formats(shell, {"png"})  # what the kernel's inline backend does
    figures._install_alt_hook()
    ax = curves.plot_scalar_powers((0.5, 2.0), k=4)
    data, meta = shell.display_formatter.format(ax.figure)
    assert "image/png" in data
    assert data["text/plain"] == alt.figure_alt(ax.figure)
    assert not data["text/plain"].startswith("<Figure")
    assert meta["image/png"]["alt"] == data["text/plain"]
    assert "w = 2 (dashed line with squares" in meta["image/png"]["description"]


def test_curves_differ_in_line_style_and_marker_not_only_colour():
    ax = curves.plot_gradient_flow({str(k): np.geomspace(1e-3, 1, 5) * k for k in (1, 2, 3, 4)})
    looks = [(ln.get_linestyle(), ln.get_marker()) for ln in ax.get_lines()]
    assert len(set(looks)) == 4, looks
    assert [ln.get_color() for ln in ax.get_lines()] == list(CURVE_COLORS[:4])
    assert len(set(LINESTYLES)) == len(set(MARKERS)) == len(CURVE_COLORS)


@pytest.mark.parametrize(
    ("tex", "read"),
    [
        (r"Tagging $x_{t \pm 3}$ with a GRU", "Tagging x_(t ± 3) with a GRU"),
        (r"$h_{t-1}$", "h_(t-1)"),
        (r"$e^{-x_{t-1}}$", "e^(-x_(t-1))"),
        (r"$x_t$ and $h_{10}$", "x_t and h_10"),
        (r"$v \in \mathbb{R}^D$, $\infty$", "v ∈ ℝ^D, ∞"),
        (r"$\overset{\rightarrow}{a}^{\langle 2\rangle}$", "→a^(⟨2⟩)"),
    ],
)
def test_plain_reads_scripts_of_several_symbols_as_one(tex, read):
    assert alt.plain(tex) == read


def test_planted_flat_scripts_fail_the_reading(monkeypatch):
    # Planted: dropping the brackets (the old reading) turns x_{t±3} into "x_t ± 3".
    monkeypatch.setattr(alt, "_scripts", lambda text: text)
    assert alt.plain(r"$x_{t \pm 3}$") == "x_t ± 3"
    assert alt.plain(r"$x_{t \pm 3}$") != "x_(t ± 3)"


def test_chapter_10_title_reads_as_one_subscript():
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1], label="GRU")
    ax.set_title(r"Tagging $x_{t \pm 3}$ with a GRU")  # the title of chapter 10's figure
    assert "Title: Tagging x_(t ± 3) with a GRU" in alt.describe_axes(ax)
    assert "x_t ± 3" not in alt.describe_axes(ax)


# Positions, not values: "values from 0 to 0.6" of a colour map is what a reader sees.
_COORDINATES = re.compile(
    r"\(x = |\bx = -?\d|\bat x\b|starts at -?\d|(?<!values )from -?\d[\d.]* to -?\d"
)


def coordinate_dump(text: str) -> str | None:
    """What in a diagram's description is a coordinate, not something a reader can see."""
    m = _COORDINATES.search(text)
    return m[0] if m else None


DIAGRAMS = sorted(n for n in FIGURES if n.startswith("draw_"))


@pytest.mark.parametrize("name", DIAGRAMS)
def test_diagram_descriptions_say_what_is_drawn_not_where(name):
    fig = FIGURES[name]().figure
    diagrams = [a for a in fig.axes if not a.axison and a.get_visible()]
    if not diagrams:  # draw_one_hot, draw_gate_saturation, ...: plots with real axes
        pytest.skip(f"{name} draws on axes with data coordinates")
    for ax in diagrams:
        text = alt.describe_axes(ax)
        assert coordinate_dump(text) is None, (name, coordinate_dump(text), text)
        assert "curve" not in text, (name, text)  # the connecting lines are not data
        if ax.patches:
            assert "Drawn:" in text, (name, text)
        if any(type(p).__name__ == "FancyArrowPatch" for p in ax.patches):
            assert re.search(r"\d+ (dashed )?arrows, pointing into: ", text), (name, text)
        if getattr(ax, alt._ATTR, None):
            assert "What the diagram shows: " in text, (name, text)


def test_cell_diagram_description_names_its_layers_operations_and_arrows():
    text = alt.describe_axes(cells.draw_cell("gru"))
    assert "3 learned layer boxes: σ (z_t), σ (r_t), tanh (n_t)" in text
    assert "5 element-wise operation circles: ×" in text
    assert "1-" in text
    assert "arrows, pointing into: " in text
    assert "tanh (n_t)" in text
    assert "What the diagram shows: Diagram of the GRU cell" in text
    text = alt.describe_axes(unrolled.draw_tbptt(2, 3))
    assert "dashed arrows, pointing into: h_1, h_2" in text


def test_planted_coordinate_dump_is_caught():
    # Planted: the old reading of a diagram, its connecting lines listed as curves.
    old = (
        "3 curves: curve 1 (solid line with circles, 3 points): starts at 5.2 (x = 0.5), ends at "
        "1.2 (x = 4.9); lowest 1.2 at x = 0.5. labels in the drawing: GRU, h_t-1"
    )
    assert coordinate_dump(old) is not None
    ax = cells.draw_cell("lstm")
    ax.axison = True  # a diagram read as a plot: its description lists coordinates
    assert coordinate_dump(alt.describe_axes(ax)) is not None


def test_description_reads_scattered_points():
    gates = {k: np.linspace(0, 1, 60).reshape(20, 3) for k in "ifo"}
    text = alt.describe_axes(inside.draw_gate_saturation(gates))
    assert "gate i: 3 scattered points, x from" in text
    assert "gate o: 3 scattered points" in text
    # Planted: without the scatter reader the units are not described at all.
    fig, ax = plt.subplots()
    ax.scatter([0.1, 0.5], [0.9, 0.2], label="units")
    assert "units: 2 scattered points, x from 0.1 to 0.5" in alt.describe_axes(ax)
