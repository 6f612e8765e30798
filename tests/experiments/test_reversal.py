"""The reversal toy of chapters 5 and 13 on the one seq2seq stack, and its stored 3-seed result."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rnncourse.data import reversal_task
from rnncourse.data.vocab import EOS_ID
from rnncourse.experiments.reversal import (
    FIRST_ID,
    REVERSAL_DEFAULTS,
    ReversalConfig,
    decode_reversal,
    reversal_accuracy,
    reversal_experiment,
    reversal_model,
    train_reversal,
)


def test_reversal_task_targets_are_reversed_inputs():
    src, tgt = reversal_task(50, 7, 6, np.random.default_rng(0))
    assert src.shape == tgt.shape == (50, 7)
    assert src.dtype == np.int64
    np.testing.assert_array_equal(tgt, src[:, ::-1])
    assert src.min() == 0
    assert src.max() == 5
    np.testing.assert_array_equal(reversal_task(3, 4, rng=5)[0], reversal_task(3, 4, rng=5)[0])
    with pytest.raises(ValueError, match="n_symbols must be an integer >= 2, got 1"):
        reversal_task(2, 3, 1, rng=0)


def test_the_model_is_seq2seq_with_a_one_directional_encoder():
    torch.manual_seed(0)
    model = reversal_model(ReversalConfig(hidden_size=8, embed_size=4, n_symbols=5))
    assert not model.encoder.bidirectional
    assert model.attention_kind == "multiplicative"
    digits, w = decode_reversal(model, reversal_task(5, 6, 5, rng=2)[0])
    assert digits.shape == (5, 6)
    assert w.shape == (5, 6, 6)
    np.testing.assert_allclose(w.sum(-1), 1.0, rtol=1e-6)
    plain = reversal_model(ReversalConfig(attention=False, hidden_size=8, n_symbols=5))
    assert plain.attention is None
    assert decode_reversal(plain, np.zeros((2, 3), int))[1] is None


def test_decoding_has_fixed_length_even_when_eos_is_predicted():
    # Planted: a decoder whose output layer always prefers <EOS>. Greedy decoding that stopped at
    # <EOS> would return empty rows; the fixed-length task must still get T digits, all wrong.
    model = reversal_model(ReversalConfig(hidden_size=8, n_symbols=4))
    with torch.no_grad():
        model.out.bias[EOS_ID] = 1e4
    src, tgt = reversal_task(3, 5, 4, rng=1)
    digits, w = decode_reversal(model, src)
    assert digits.shape == (3, 5)
    assert (digits == EOS_ID - FIRST_ID).all()
    assert w.shape == (3, 5, 5)
    assert reversal_accuracy(model, src, tgt) == (0.0, 0.0)


@pytest.mark.slow
def test_short_training_learns_reversal_with_anti_diagonal_attention():
    result = train_reversal(attention=True, T=4, n_symbols=5, steps=150, hidden_size=24, seed=0)
    assert result.losses[-1] < 0.3 * result.losses[0]
    assert result.token_accuracy > 0.9  # chance is 1/5
    _, w = decode_reversal(result.model, reversal_task(200, 4, 5, np.random.default_rng(9))[0])
    # Output t must look mostly at input T - 1 - t.
    np.testing.assert_array_equal(w.mean(0).argmax(axis=1), np.arange(4)[::-1])


def test_bad_input_messages():
    with pytest.raises(TypeError, match="model must be a Seq2Seq"):
        decode_reversal(torch.nn.Linear(2, 2), np.zeros((2, 3), int))
    model = reversal_model(ReversalConfig(hidden_size=4, n_symbols=3))
    with pytest.raises(ValueError, match=r"src must be \(N, T\) digits, got shape \(3,\)"):
        decode_reversal(model, np.zeros(3, int))
    with pytest.raises(ValueError, match="lr must be a finite number > 0, got 0.0"):
        train_reversal(lr=0.0)
    with pytest.raises(ValueError, match="T must be an integer >= 2, got 1"):
        train_reversal(T=1)


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
