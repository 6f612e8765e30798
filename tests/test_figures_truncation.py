"""The truncation page's figure: one panel per delay, one line per scheme, an alt text from data."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np

from rnncourse.figures.alt import figure_alt
from rnncourse.figures.truncation import plot_truncation_curves


def _result():
    runs = {
        str(d): {
            s: {"steps": [1, 2], "accuracy": [[0.3, v], [0.2, v], [0.4, v]]}
            for s, v in (("chunks", 0.5), ("overlap", 0.6), ("random", 0.9))
        }
        for d in (7, 10)
    }
    return {"config": {"delays": [7, 10], "k": 8, "seeds": [0, 1, 2]}, "runs": runs, "chance": 0.25}


def test_panels_lines_and_alt():
    fig = plot_truncation_curves(_result())
    try:
        assert len(fig.axes) == 2
        for ax in fig.axes:
            lines = [ln for ln in ax.get_lines() if ln.get_label() != "chance"]
            assert len(lines) == 3
            np.testing.assert_allclose(lines[2].get_ydata(), [0.3, 0.9])  # median of the seeds
        alt = figure_alt(fig)
        assert "d = 10, randomised (unbiased): 0.90" in alt
        assert "chance dash-dotted at 0.25" in alt
    finally:
        plt.close(fig)
