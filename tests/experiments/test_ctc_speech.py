"""The CTC speech recogniser: edit distance, a tiny live run, the cached three-seed result."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rnncourse.experiments.ctc_speech import (
    CTC_DEFAULTS,
    CTCRecogniser,
    ctc_speech,
    edit_distance,
)


@pytest.mark.parametrize(
    ("a", "b", "d"),
    [([], [], 0), ([1, 2, 3], [], 3), ([], [4], 1), ([1, 2, 3], [1, 3], 1), ([1, 2], [2, 1], 2),
     ([3, 1, 4, 1, 5], [3, 4, 1, 5, 9], 2), ([7, 7, 7], [7, 7], 1)],
)  # fmt: skip
def test_edit_distance(a, b, d):
    assert edit_distance(a, b) == d
    assert edit_distance(b, a) == d


def test_output_lengths_match_the_convolution():
    model = CTCRecogniser(20, 4, 3, stride=3)
    for T in (1, 2, 3, 4, 10, 31):
        out = model(torch.zeros(1, T, 20))
        assert out.shape == (int(model.output_lengths(torch.tensor(T))), 1, 11)


@pytest.mark.slow  # trains (about 9 s on a quiet 2-core machine)
def test_tiny_live_run_learns_something():
    r = ctc_speech(
        cached=False, seeds=[0], epochs=2, n_train=64, n_test=12, hidden=8, channels=8, lr=0.01
    )
    assert r["source"] == "live"
    losses = r["train_loss"][0]
    assert losses[1] < losses[0]  # the loss falls
    assert r["numpy_vs_torch"] < 1e-10  # our NumPy CTC equals torch's on the model's outputs
    assert len(r["example"]["log_probs"][0]) == 11


def test_cached_result_shape_and_claims():
    r = ctc_speech()
    assert r["source"].startswith("cache")
    seeds = CTC_DEFAULTS["seeds"]
    for key in ("greedy", "beam", "train_loss", "seconds"):
        assert len(r[key]) == len(seeds)
    der = np.array([s["der"] for s in r["beam"]])
    assert np.all((der > 0) & (der < 0.2))  # held-out voices and rates: good, not perfect
    assert np.all(np.diff(np.array(r["train_loss"]), axis=1)[:, -1] < 0)
    assert r["numpy_vs_torch"] < 1e-10
    with pytest.raises(TypeError, match="unknown ctc_speech options"):
        ctc_speech(epoch=3)
