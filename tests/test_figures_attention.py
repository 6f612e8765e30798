import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from rnncourse.figures import attention as att_fig


def test_bars_are_the_means_and_error_bars_the_range():
    table = {
        (d, "greedy", k): {"mean": m, "min": m - 0.1, "max": m + 0.05}
        for d, m in (("none", 0.2), ("additive", 0.9))
        for k in (1, 2, 3)
    }
    ax = att_fig.plot_accuracy_by_length(table, decoders=("none", "additive"))
    heights = sorted(round(p.get_height(), 6) for p in ax.patches)
    assert heights == [0.2] * 3 + [0.9] * 3
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1 date", "2 dates", "3 dates"]
    plt.close("all")


def test_heat_map_labels_rows_with_output_and_eos():
    w = np.full((4, 5), 0.2)
    ax = att_fig.plot_date_attention(w, "3 may", "197")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["1", "9", "7", "<EOS>"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["3", "␣", "m", "a", "y"]
    plt.close("all")
