"""The multi-seed depth experiment of chapter 11: live runs, the shipped cache, bad settings."""

from __future__ import annotations

import pytest

from rnncourse.experiments import DEPTH_DEFAULTS, depth_experiment


def _gru_params(D: int, H: int, layers: int) -> int:
    # 3 gate blocks, two bias vectors; layer 1 reads D features, the others H
    first = 3 * (H * D + H * H + 2 * H)
    return first + (layers - 1) * 3 * (H * H + H * H + 2 * H)


def test_live_run_has_one_accuracy_per_seed_and_counts_the_stack():
    out = depth_experiment(
        cached=False, settings=[[1, 6], [2, 6]], seeds=[0, 1], steps=3, eval_size=20, T=10
    )
    assert out["source"] == "live"
    assert out["chance"] == pytest.approx(1 / 8)
    assert [(r["layers"], r["hidden_size"]) for r in out["runs"]] == [(1, 6), (2, 6)]
    for run in out["runs"]:
        assert len(run["accuracy"]) == 2
        assert all(0.0 <= a <= 1.0 for a in run["accuracy"])
        assert run["params"] == _gru_params(16, 6, run["layers"])
    again = depth_experiment(
        cached=False, settings=[[1, 6]], seeds=[1], steps=3, eval_size=20, T=10
    )
    assert again["runs"][0]["accuracy"][0] == out["runs"][0]["accuracy"][1]  # seeded


def test_shipped_result_matches_the_default_configuration():
    out = depth_experiment()
    assert out["source"].startswith("cache")
    assert out["config"] == DEPTH_DEFAULTS
    assert [[r["layers"], r["hidden_size"]] for r in out["runs"]] == DEPTH_DEFAULTS["settings"]
    for run in out["runs"]:
        assert len(run["accuracy"]) == len(DEPTH_DEFAULTS["seeds"])
        assert run["params"] == _gru_params(16, run["hidden_size"], run["layers"])


def test_bad_configurations_are_refused():
    with pytest.raises(ValueError, match="settings"):
        depth_experiment(cached=False, settings=[[0, 8]])
    with pytest.raises(ValueError, match="seeds"):
        depth_experiment(cached=False, seeds=[])
    with pytest.raises(TypeError, match="unknown"):
        depth_experiment(cached=False, depth=3)
