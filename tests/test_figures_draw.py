"""rnncourse.figures._draw: the drawing primitives every figure module imports."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_rgba

from rnncourse.figures import _draw


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_axes_or_new_keeps_a_given_axes_and_sizes_a_new_one():
    _, ax = plt.subplots()
    assert _draw.axes_or_new(ax, (1.0, 1.0)) is ax
    new = _draw.axes_or_new(None, (3.5, 2.0))
    assert new is not ax
    np.testing.assert_allclose(new.figure.get_size_inches(), (3.5, 2.0))


def test_arrow_label_sits_at_the_midpoint_moved_by_the_offset():
    _, ax = plt.subplots()
    _draw.arrow_label(ax, (0, 0), (2, 4), "W", offset=(0.1, -0.2), ha="left", color="red", zorder=5)
    (text,) = ax.texts
    np.testing.assert_allclose(text.get_position(), (1.1, 1.8))
    assert (text.get_ha(), text.get_va(), text.get_fontsize()) == ("left", "center", 9)


def test_graph_node_is_coloured_by_kind_and_centred():
    _, ax = plt.subplots()
    _draw.graph_node(ax, 1.0, 2.0, "$h_t$", "h", w=0.8, h=0.4, rounding=0.1)
    (box,) = ax.patches
    assert box.get_facecolor() == to_rgba(_draw.COLORS["h"])
    assert box.get_edgecolor() == to_rgba(_draw.LINE)
    np.testing.assert_allclose((box.get_x(), box.get_y()), (0.6, 1.8))
    np.testing.assert_allclose((box.get_width(), box.get_height()), (0.8, 0.4))
    assert [t.get_text() for t in ax.texts] == ["$h_t$"]
    assert ax.texts[0].get_position() == (1.0, 2.0)


def test_rounded_box_pads_and_rounds_as_asked():
    _, ax = plt.subplots()
    _draw.rounded_box(ax, 0, 0, 1, 1, fc="w", ec="k", lw=1, rounding=0.25, zorder=0, pad=0)
    style = ax.patches[0].get_boxstyle()
    assert (style.pad, style.rounding_size) == (0, 0.25)
