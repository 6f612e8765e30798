import math

import numpy as np

from rnncourse.train import experiments as ex


def test_cached_adding_result_matches_claims():
    r = ex.adding_problem_curves()
    assert r["source"].startswith("cache") and r["config"]["T"] >= 100
    assert r["config"]["backend"] == "rnncourse"
    assert r["baseline"] == 1 / 6
    curves = r["curves"]
    for cell in ("lstm", "gru"):
        assert curves[cell]["final_mse"] < 0.01 < r["baseline"] / 10
    assert abs(curves["rnn"]["final_mse"] - 1 / 6) < 0.03
    for c in curves.values():
        assert len(c["step"]) == len(c["mse"]) and c["step"][0] == 0
        assert (
            c["step"][-1] == r["config"]["steps"] and len(c["train_loss"]) == r["config"]["steps"]
        )


def test_live_adding_run_moves_the_same_way():
    # Short live run (T = 20 so it is quick): the GRU leaves the baseline, the tanh RNN does not.
    r = ex.adding_problem_curves(T=20, steps=150, cells=["rnn", "gru"], eval_size=300)
    assert r["source"] == "live"
    assert r["curves"]["gru"]["final_mse"] < 0.05
    assert r["curves"]["rnn"]["final_mse"] > 0.1


def test_clipping_keeps_run_stable():
    r = ex.clipping_experiment(steps=80)
    u, c = r["unclipped"], r["clipped"]
    assert len(u["loss"]) == len(c["loss"]) == 80
    assert u["loss"][0] == c["loss"][0]  # same start
    assert np.nanmax(u["grad_norm"]) > 100 * r["threshold"]
    assert np.nanmax(u["loss"]) > 2 * r["initial_loss"]  # diverges
    assert max(c["loss"][1:]) < r["initial_loss"]  # never worse than a uniform guess again
    assert np.mean(c["loss"][-20:]) < r["initial_loss"] - 1.5
    assert (
        math.isnan(np.mean(u["loss"][-20:]))
        or np.mean(u["loss"][-20:]) > np.mean(c["loss"][-20:]) + 2
    )
