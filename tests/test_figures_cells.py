"""Tests for rnncourse.figures.cells: each diagram draws, labels its parts, rejects bad input."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest

from rnncourse.figures import cells


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
        "gru_simple": [r"$\Gamma_u$", r"$\tilde h_t$"],
        "gru": [r"$\Gamma_u$", r"$\Gamma_r$", r"$\tilde h_t$"],
        "lstm": [r"$f_t$", r"$i_t$", r"$g_t$", r"$o_t$", r"$c_t$"],
        "lstm_peephole": [r"$f_t$", r"$i_t$", "peepholes"],
        "lstm_coupled": [r"$f_t$", "1-", r"$g_t$"],
    }[kind]
    for label in expected:
        assert label in texts, f"{kind}: missing {label!r}"
    if kind == "lstm_coupled":
        assert r"$i_t$" not in texts  # the input gate is replaced by 1 - f
    if kind == "gru_simple":
        assert r"$\Gamma_r$" not in texts
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
    assert axes[1].texts and not axes[0].texts


def test_layouts_draw_one_node_per_cell() -> None:
    ax = cells.draw_bidirectional(T=5, highlight=2)
    texts = _texts(ax)
    assert sum("rightarrow" in t for t in texts) == 5 and sum("leftarrow" in t for t in texts) == 5
    ax = cells.draw_stacked(T=3, layers=2, head=1)
    texts = _texts(ax)
    assert (
        sum(t.startswith("$a^{[") for t in texts) == 6
        and sum(t.startswith("$z^{[") for t in texts) == 3
    )
    ax = cells.draw_captioning(("a", "dog"), attention=True)
    assert "<END>" in _texts(ax) and "<START>" in _texts(ax)


def test_attention_plots_show_the_weights() -> None:
    w = np.array([[0.1, 0.2], [0.3, 0.4]])
    ax = cells.draw_attention_grid(w)
    assert {"0.10", "0.20", "0.30", "0.40"} <= set(_texts(ax))
    ax = cells.plot_attention_heatmap(np.eye(3), ["a", "b", "c"], ["x", "y", "z"])
    np.testing.assert_array_equal(ax.images[0].get_array(), np.eye(3))


@pytest.mark.parametrize(
    ("call", "exc", "needle"),
    [
        (lambda: cells.draw_cell("transformer"), ValueError, "cell must be one of"),
        (lambda: cells.draw_bidirectional(T=1), ValueError, "T must be in [2, 8]"),
        (
            lambda: cells.draw_bidirectional(T=4, highlight=5),
            ValueError,
            "highlight must be in [1, 4]",
        ),
        (lambda: cells.draw_stacked(layers=2.0), TypeError, "layers must be an int"),
        (lambda: cells.draw_captioning(()), ValueError, "words must be 1 to 7"),
        (lambda: cells.draw_attention_grid(np.ones(4)), ValueError, "weights must be (Hg, Wg)"),
        (lambda: cells.draw_attention_grid(-np.ones((2, 2))), ValueError, "non-negative"),
        (
            lambda: cells.plot_attention_heatmap(np.eye(2), ["a"], ["x", "y"]),
            ValueError,
            "labels must match weights",
        ),
    ],
)
def test_bad_input(call, exc, needle) -> None:
    with pytest.raises(exc) as info:
        call()
    assert needle in str(info.value)
