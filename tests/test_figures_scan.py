"""rnncourse.figures.scan: each chapter-14 figure draws what it is given."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest

from rnncourse.experiments.scan_timing import load_scan_result
from rnncourse.figures import scan
from rnncourse.reference.linear_rnns import lru_init
from rnncourse.reference.rtrl import gradient_costs


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_scan_timings_one_line_per_method():
    res = load_scan_result()
    for per in ("call", "combine"):
        ax = scan.plot_scan_timings(res, per=per)
        assert len(ax.lines) == 3
        np.testing.assert_allclose(ax.lines[0].get_xdata(), res["T"])


def test_lru_ring_plots_every_eigenvalue():
    p = lru_init(2, 50, 0.5, 0.9, rng=np.random.default_rng(0))
    ax = scan.plot_lru_ring(p, 0.5, 0.9)
    pts = ax.lines[-1]
    r = np.hypot(pts.get_xdata(), pts.get_ydata())
    assert len(r) == 50
    assert r.min() >= 0.5 - 1e-9
    assert r.max() <= 0.9 + 1e-9


def test_gradient_costs_and_comparison():
    costs = {H: gradient_costs(100, 8, H) for H in (8, 16, 32)}
    ax = scan.plot_gradient_costs(costs, "memory")
    assert [line.get_ydata()[-1] for line in ax.lines] == [
        costs[32][m]["memory"] for m in ("bptt", "rtrl", "diagonal_rtrl")
    ]
    runs = {"lstm": [{"mse": 0.1}, {"mse": 0.2}], "lru": [{"mse": 0.01}, {"mse": 0.03}]}
    ax = scan.plot_comparison(runs, "mse", baseline=1 / 6)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["LSTM", "LRU"]
