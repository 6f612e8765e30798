"""Tests for rnncourse.figures: each diagram draws, labels its parts, rejects bad input."""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest

from rnncourse import analysis as an
from rnncourse.figures import attention, cells, curves, graphs, layers, sequences, unrolled


def _texts(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.mark.parametrize("kind", cells.CELL_KINDS)
def test_every_cell_draws_with_its_gates(kind: str) -> None:
    ax = cells.draw_cell(kind)
    texts = _texts(ax)
    expected = {
        "rnn": ["tanh"],
        "gru_simple": [r"$z_t$", r"$n_t$", "1-"],
        "gru": [r"$z_t$", r"$r_t$", r"$n_t$", "1-"],
        "lstm": [r"$f_t$", r"$i_t$", r"$g_t$", r"$o_t$", r"$c_t$"],
        "lstm_peephole": [r"$f_t$", r"$i_t$", "peepholes"],
        "lstm_coupled": [r"$f_t$", "1-", r"$g_t$"],
    }[kind]
    for label in expected:
        assert label in texts, f"{kind}: missing {label!r}"
    if kind == "lstm_coupled":
        assert r"$i_t$" not in texts  # the input gate is replaced by 1 - f
    if kind == "gru_simple":
        assert r"$r_t$" not in texts
    # Chapter 2's symbols only: the notes' Gamma gates and the blog's tilde h are side-note names.
    assert not any("Gamma" in t or r"\tilde h" in t for t in texts), texts
    # The sigmoid layers are counted by their labels: RNN 0, GRU 1-2, LSTM 2-3.
    n_sigma = texts.count(r"$\sigma$")
    assert (
        n_sigma
        == {"rnn": 0, "gru_simple": 1, "gru": 2, "lstm": 3, "lstm_peephole": 3, "lstm_coupled": 2}[
            kind
        ]
    )


def test_draw_into_given_axes() -> None:
    fig, axes = plt.subplots(1, 2)
    assert cells.draw_cell("gru", ax=axes[1]) is axes[1]
    assert axes[1].texts
    assert not axes[0].texts


def test_layouts_draw_one_node_per_cell() -> None:
    ax = layers.draw_bidirectional(T=5, highlight=2)
    texts = _texts(ax)
    assert sum("rightarrow" in t for t in texts) == 5
    assert sum("leftarrow" in t for t in texts) == 5
    ax = layers.draw_stacked(T=3, layers=2, head=1)
    texts = _texts(ax)
    assert sum(t.startswith("$h^{[") for t in texts) == 6  # chapter 11's h^[l]_t
    assert sum(t.startswith(r"$\mathrm{FF}^{[") for t in texts) == 3
    assert not any("langle" in t for t in texts)  # not the notes' a^[l]<t>
    ax = attention.draw_captioning(("a", "dog"), attention=True)
    assert "<END>" in _texts(ax)
    assert "<START>" in _texts(ax)


def test_attention_plots_show_the_weights() -> None:
    w = np.array([[0.1, 0.2], [0.3, 0.4]])
    ax = attention.draw_attention_grid(w)
    assert {"0.10", "0.20", "0.30", "0.40"} <= set(_texts(ax))
    ax = attention.plot_attention_heatmap(np.eye(3), ["a", "b", "c"], ["x", "y", "z"])
    np.testing.assert_array_equal(ax.images[0].get_array(), np.eye(3))


@pytest.mark.parametrize(
    ("call", "exc", "needle"),
    [
        (lambda: cells.draw_cell("transformer"), ValueError, "cell must be one of"),
        (
            lambda: layers.draw_bidirectional(T=1),
            ValueError,
            "T must be an integer in [2, 8], got 1",
        ),
        (
            lambda: layers.draw_bidirectional(T=4, highlight=5),
            ValueError,
            "highlight must be an integer in [1, 4], got 5",
        ),
        (
            lambda: layers.draw_stacked(layers=2.0),
            ValueError,
            "layers must be an integer in [1, 5], got 2.0",
        ),
        (lambda: attention.draw_captioning(()), ValueError, "words must be 1 to 7"),
        (lambda: attention.draw_attention_grid(np.ones(4)), ValueError, "weights must be (Hg, Wg)"),
        (lambda: attention.draw_attention_grid(-np.ones((2, 2))), ValueError, "non-negative"),
        (
            lambda: attention.plot_attention_heatmap(np.eye(2), ["a"], ["x", "y"]),
            ValueError,
            "labels must match weights",
        ),
    ],
)
def test_bad_input(call, exc, needle) -> None:
    with pytest.raises(exc) as info:
        call()
    assert needle in str(info.value)


# ------------------------------------------------------------------ figures of chapters 4-7
@pytest.mark.parametrize("kind", unrolled.GRAPH_KINDS)
def test_unrolled_graph_draws_a_box_and_arrows_per_step(kind):
    # T = 3 and T = 4: one more step adds boxes and arrows, the backward pass adds red arrows
    ax3 = unrolled.draw_unrolled(kind, T=3, backward=True, feedback=True)
    ax4 = unrolled.draw_unrolled(kind, T=4, backward=True, feedback=True)
    assert len(ax4.patches) > len(ax3.patches) > 10
    forward_only = unrolled.draw_unrolled(kind, T=3, backward=False, feedback=True)
    assert len(forward_only.patches) < len(ax3.patches)


def test_gradient_flow_plot_draws_one_line_per_curve():
    flow = an.gradient_flow("lstm", T=10, batch_size=2, hidden_size=4)
    ax = curves.plot_gradient_flow({"lstm": flow, "array": np.geomspace(1e-3, 1, 11)})
    assert [line.get_label() for line in ax.get_lines()] == ["lstm", "array"]
    np.testing.assert_allclose(ax.get_lines()[1].get_ydata(), np.geomspace(1e-3, 1, 11))
    with pytest.raises(ValueError, match="curves must"):
        curves.plot_gradient_flow({})


def test_curves_mark_where_a_run_diverged():
    ax = curves.plot_curves({"diverges": [1.0, 2.0, np.nan, np.nan], "fine": [1.0, 0.5, 0.4, 0.3]})
    assert [t.get_text() for t in ax.texts] == ["NaN"]  # one mark, for the run that diverged
    ax = curves.plot_curves({"fine": [1.0, 0.5, 0.4, 0.3]})
    assert "NaN" not in _texts(ax)


def test_tbptt_diagram_cuts_the_gradient_at_each_chunk_boundary():
    texts = _texts(unrolled.draw_tbptt(2, 3))
    assert [t for t in texts if t.startswith("$h_")] == [f"$h_{{{t}}}$" for t in range(1, 7)]
    assert texts.count("no grad") == 1  # two chunks: one boundary
    assert [t for t in texts if t.startswith("chunk")] == ["chunk 1", "chunk 2"]
    assert _texts(unrolled.draw_tbptt(3, 2)).count("no grad") == 2


def test_scalar_powers_plot_w_to_the_k():
    ax = curves.plot_scalar_powers((0.9, 1.1), k=10)
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["$w = 0.9$", "$w = 1.1$"]
    np.testing.assert_allclose(lines[0].get_ydata(), 0.9 ** np.arange(11))
    np.testing.assert_allclose(lines[1].get_ydata(), 1.1 ** np.arange(11))
    assert ax.get_yscale() == "log"


def test_char_probabilities_show_each_value_and_outline_the_target():
    probs = np.array([[0.9, 0.1], [0.3, 0.7]])
    ax = curves.plot_char_probabilities(probs, ["a", "b"], "ab", "ba")
    assert _texts(ax) == ["0.90", "0.10", "0.30", "0.70"]
    np.testing.assert_array_equal(ax.images[0].get_array(), probs)
    # one outlined cell per row, on the target: row 0 wants 'b' (column 1), row 1 'a' (column 0)
    assert sorted(p.get_xy() for p in ax.patches) == [(-0.5, 0.5), (0.5, -0.5)]
    with pytest.raises(ValueError, match="probs must be"):
        curves.plot_char_probabilities(np.ones((3, 2)), ["a", "b"], "ab", "ba")


def test_tbptt_tradeoff_plots_the_error_and_the_memory_per_chunk_length():
    ax = curves.plot_tbptt_tradeoff([1, 2, 4], [0.5, 0.3, 0.1], total_steps=8)
    (error,) = ax.get_lines()
    np.testing.assert_allclose(error.get_ydata(), [0.5, 0.3, 0.1])
    (memory,) = [a for a in ax.figure.axes if a is not ax][0].get_lines()
    np.testing.assert_allclose(memory.get_ydata(), [1 / 8, 2 / 8, 4 / 8])


def test_unrolled_graph_rejects_bad_input():
    with pytest.raises(ValueError, match="kind must be"):
        unrolled.draw_unrolled("many_to_few")
    with pytest.raises(ValueError, match="T must be"):
        unrolled.draw_unrolled(T=0)


# ------------------------------------------------------------------ figures of chapters 1-3
def test_unrolled_graph_labels_every_step():
    texts = _texts(unrolled.draw_unrolled("many_to_one", T=3, losses=True))
    assert [t for t in texts if t.startswith("$x_")] == ["$x_{1}$", "$x_{2}$", "$x_{3}$"]
    assert [t for t in texts if t.startswith("$h_")] == ["$h_0$", "$h_{1}$", "$h_{2}$", "$h_{3}$"]
    assert [t for t in texts if t.startswith(r"$\hat y")] == [r"$\hat y_{3}$"]  # at the end
    assert texts.count("$W_h$") == 3  # one shared recurrent weight per step
    with pytest.raises(ValueError, match=r"T must be an integer in \[1, 8\], got 2.0"):
        unrolled.draw_unrolled(T=2.0)


def test_graph_figures_share_one_palette():
    from rnncourse.figures._draw import COLORS

    ax = unrolled.draw_unrolled("many_to_many", T=2, losses=False)
    fills = {matplotlib.colors.to_hex(p.get_facecolor()) for p in ax.patches}
    assert {COLORS["x"], COLORS["h"], COLORS["y"]} <= fills
    ax = graphs.draw_folded()
    fills = {matplotlib.colors.to_hex(p.get_facecolor()) for p in ax.patches}
    assert {COLORS["x"], COLORS["h"], COLORS["y"]} <= fills
    with pytest.raises(ValueError, match="notation must be one of 'book', 'notes'; got 'latex'"):
        graphs.draw_folded(notation="latex")


def test_one_hot_grid_has_a_single_one_per_column():
    ax = sequences.draw_one_hot(["h", "i", "h"], [1, 2, 1], ["<PAD>", "h", "i"])
    grid = np.asarray(ax.images[0].get_array())
    np.testing.assert_array_equal(grid, [[0, 0, 0], [1, 0, 1], [0, 1, 0]])
    with pytest.raises(
        ValueError, match=r"ids must hold indices in \[0, 2\), got values in \[3, 3\]"
    ):
        sequences.draw_one_hot(["a"], [3], ["a", "b"])
    with pytest.raises(
        ValueError, match=r"ids must be \(T,\) = \(2,\), got \(1,\) \(T = 2 from tokens\)"
    ):
        sequences.draw_one_hot(["a", "b"], [1], ["a", "b"])


def test_sequence_shapes_one_axes_per_kind():
    axes = sequences.draw_sequence_shapes(sequences.SHAPES[:4], per_row=2)
    assert axes.shape == (4,)
    with pytest.raises(ValueError, match="kind must be one of"):
        sequences.draw_sequence_shapes(["one-to-all"])
