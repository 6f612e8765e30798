"""The equal-parameter comparison of chapter 14: model widths, short runs, the summary."""

import numpy as np
import pytest
import torch

from rnncourse.experiments.linear_rnns import (
    KINDS,
    SeqModel,
    _widths,
    match_hidden,
    n_params,
    run_adding,
    run_charlm,
    separated,
    summarize,
)


def test_widths_give_equal_parameter_counts():
    w = _widths(32, in_size=2, E=16, out_size=1)
    counts = {k: n_params(SeqModel(k, 2, 16, h, 1)) for k, h in w.items()}
    target = counts["lstm"]
    for k, c in counts.items():
        assert abs(c - target) / target < 0.03, (k, c, target)
    assert w["mingru"] > w["lru"] > w["gru"] > w["lstm"] == 32
    assert (
        match_hidden("gru", n_params(SeqModel("gru", 2, 16, 40, 1)), in_size=2, E=16, out_size=1)
        == 40
    )


@pytest.mark.parametrize("kind", KINDS)
def test_short_runs_report_quality_time_and_size(kind):
    r = run_adding(kind, T=12, H=8, seed=0, steps=2, batch=4)
    assert r["mse"] > 0
    assert r["seconds"] > 0
    assert r["params"] == n_params(SeqModel(kind, 2, 16, 8, 1))
    rng = np.random.default_rng(0)
    data = (rng.integers(0, 7, 5000), rng.integers(0, 7, 2000), 7)
    lm = run_charlm(kind, 8, 0, 2, data, batch=2, seq_len=16, E=4, eval_windows=3)
    assert 0 < lm["bpc"] < 10


def test_runs_are_deterministic_for_a_seed():
    a = run_adding("mingru", T=10, H=6, seed=3, steps=3, batch=4)
    b = run_adding("mingru", T=10, H=6, seed=3, steps=3, batch=4)
    assert a["mse"] == b["mse"]


def test_summarize():
    res = {
        "runs": {
            "t": {
                "lstm": [
                    {"mse": 1.0, "seconds": 2.0, "params": 5},
                    {"mse": 3.0, "seconds": 4.0, "params": 5},
                ]
            }
        }
    }
    s = summarize(res, "t", "mse")["lstm"]
    assert (s["mean"], s["min"], s["max"], s["seconds"], s["n"]) == (2.0, 1.0, 3.0, 3.0, 2)


def test_lm_model_shapes():
    m = SeqModel("lru", 0, 4, 6, 11, vocab=11)
    assert m(torch.zeros(2, 5, dtype=torch.long)).shape == (2, 5, 11)
    with pytest.raises(ValueError, match="kind"):
        SeqModel("rnn", 2, 4, 6, 1)


def test_separated_needs_disjoint_ranges():
    runs = {
        "a": [{"m": 1.0, "seconds": 1.0, "params": 1}, {"m": 2.0, "seconds": 1.0, "params": 1}],
        "b": [{"m": 3.0, "seconds": 1.0, "params": 1}, {"m": 4.0, "seconds": 1.0, "params": 1}],
        "c": [{"m": 1.5, "seconds": 1.0, "params": 1}, {"m": 3.5, "seconds": 1.0, "params": 1}],
    }
    assert separated({"runs": {"t": runs}}, "t", "m") == [("a", "b")]
