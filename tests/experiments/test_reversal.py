"""Chapter 13's reversal experiment: the stored result and a small live re-run."""

import pytest

from rnncourse.experiments.reversal import REVERSAL_DEFAULTS, reversal_experiment


def test_the_stored_result_has_three_seeds_per_model():
    rev = reversal_experiment()
    assert rev["source"].startswith("cache"), rev["source"]
    assert rev["config"] == REVERSAL_DEFAULTS
    for name in ("none", "attention"):
        for key in ("token_accuracy", "sequence_accuracy"):
            values = rev["runs"][name][key]
            assert len(values) == 3
            assert all(0.0 <= v <= 1.0 for v in values)


def test_a_small_run_trains_live_and_reproduces():
    small = dict(T=3, steps=3, hidden_size=4, batch_size=4, seeds=[0, 1])
    first = reversal_experiment(**small)
    assert first["source"] == "live"  # another configuration never reads the cache
    assert first["config"]["seeds"] == [0, 1]
    assert len(first["runs"]["attention"]["token_accuracy"]) == 2
    assert reversal_experiment(**small)["runs"] == first["runs"]  # a seed fixes data and weights
    other = reversal_experiment(**dict(small, seeds=[2, 1]))["runs"]
    assert other["none"]["token_accuracy"][1] == first["runs"]["none"]["token_accuracy"][1]


def test_an_unknown_option_is_refused():
    with pytest.raises(TypeError, match="unknown reversal_experiment options"):
        reversal_experiment(seed=0)
