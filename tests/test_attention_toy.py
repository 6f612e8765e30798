"""Tests for rnncourse.attention_toy: data, the torch attention read, a short training run."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rnncourse.attention_toy import (
    START,
    AttentionSeq2Seq,
    attend,
    evaluate,
    reversal_batch,
    train_reversal,
)
from rnncourse.reference.attention import attention_forward


def test_reversal_batch_targets_are_reversed_inputs() -> None:
    src, tgt = reversal_batch(50, 7, 6, np.random.default_rng(0))
    assert src.shape == tgt.shape == (50, 7)
    assert src.dtype == torch.long
    assert torch.equal(tgt, src.flip(1))
    assert int(src.min()) >= 1
    assert int(src.max()) <= 5
    assert START == 0


def test_attend_matches_numpy_reference_including_mask() -> None:
    rng = np.random.default_rng(1)
    h, feats, Wa = rng.normal(size=(3, 4)), rng.normal(size=(3, 6, 5)), rng.normal(size=(4, 5))
    mask = rng.random((3, 6)) > 0.3
    mask[:, 0] = True
    z_ref, a_ref, _ = attention_forward(h, feats, Wa, mask)
    z, a = attend(*(torch.tensor(x) for x in (h, feats, Wa)), mask=torch.tensor(mask))
    np.testing.assert_allclose(z.numpy(), z_ref, atol=1e-12)
    np.testing.assert_allclose(a.numpy(), a_ref, atol=1e-12)


def test_forward_shapes_and_weights_are_distributions() -> None:
    torch.manual_seed(0)
    model = AttentionSeq2Seq(vocab_size=7, hidden_size=8, embed_size=4)
    src, tgt = reversal_batch(5, 6, 7, np.random.default_rng(2))
    logits, w = model(src, tgt)
    assert logits.shape == (5, 6, 7)
    assert w.shape == (5, 6, 6)
    torch.testing.assert_close(w.sum(-1), torch.ones(5, 6))
    plain = AttentionSeq2Seq(vocab_size=7, hidden_size=8, attention=False)
    logits, w = plain(src, tgt)
    assert logits.shape == (5, 6, 7)
    assert w is None


@pytest.mark.slow  # trains 150 steps
def test_short_training_learns_reversal_with_anti_diagonal_attention() -> None:
    result = train_reversal(attention=True, T=5, vocab_size=8, steps=150, hidden_size=24, seed=0)
    assert result.losses[-1] < 0.5 * result.losses[0]
    assert result.token_accuracy > 0.9  # chance is 1/7
    src, _ = reversal_batch(200, 5, 8, np.random.default_rng(9))
    _, w = result.model.greedy_decode(src)
    mean_w = w.mean(0).numpy()
    # Output t must look mostly at input T-1-t.
    assert np.all(mean_w.argmax(axis=1) == np.arange(5)[::-1])


def test_bad_input_messages() -> None:
    model = AttentionSeq2Seq(vocab_size=5, hidden_size=4, embed_size=3)
    with pytest.raises(ValueError, match=r"ids must be in \[0, 4\]"):
        model(torch.full((2, 3), 7), torch.zeros(2, 3, dtype=torch.long))
    with pytest.raises(TypeError, match="LongTensor"):
        model(torch.zeros(2, 3), torch.zeros(2, 3, dtype=torch.long))
    with pytest.raises(ValueError, match="N = 2"):
        model(torch.zeros(2, 3, dtype=torch.long), torch.zeros(3, 3, dtype=torch.long))
    with pytest.raises(ValueError, match=r"Wa must be \(H, D\) = \(4, 3\)"):
        attend(torch.zeros(2, 4), torch.zeros(2, 5, 3), torch.zeros(3, 4))
    with pytest.raises(ValueError, match="vocab_size must be an integer >= 3, got 2"):
        reversal_batch(2, 3, 2, np.random.default_rng(0))
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        reversal_batch(2, 3, 5, 0)
    with pytest.raises(TypeError, match="model must be an AttentionSeq2Seq"):
        evaluate(torch.nn.Linear(2, 2), T=3)
    with pytest.raises(ValueError, match="lr must be a finite number > 0, got 0.0"):
        train_reversal(lr=0.0)
