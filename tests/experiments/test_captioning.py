"""Training the shapes captioner, and the shipped comparison with and without attention."""

import numpy as np
import pytest
import torch

from rnncourse.data.shapes import split_scenes
from rnncourse.experiments import captioning as cap


@pytest.mark.slow
def test_a_short_training_run_lowers_the_loss():
    train, _ = split_scenes()
    config = cap.CaptionTrainConfig(
        embed_size=8, hidden_size=16, channels=8, steps=30, batch_size=16, seed=0
    )
    losses = cap.train_captioner(config, train).losses
    # From ln V = 2.77 (uniform guessing) to about 2.26 in 30 steps.
    assert np.mean(losses[-5:]) < 0.85 * np.mean(losses[:5])


def test_evaluate_scores_words_at_their_positions(monkeypatch):
    batch = {
        "images": np.zeros((2, 3, 32, 32), np.float32),
        "captions": ["a red square", "a red square left of a blue circle"],
    }
    said = [["a", "red", "circle"], ["a", "red", "square", "left", "of", "a", "blue", "circle"]]
    monkeypatch.setattr(cap, "caption_images", lambda model, images: (said, [None, None]))
    scores = cap.evaluate(None, batch)
    assert scores == {"exact": 0.5, "per_word": 10 / 11}


def test_object_attention_measures_weight_on_the_named_objects_cell(monkeypatch):
    from rnncourse.data.shapes import Scene

    scene = Scene((("red", "square", 0), ("blue", "circle", 5)))
    text = "a red square left of a blue circle"
    w = np.full((9, 16), 0.0)
    w[:, 15] = 0.2
    w[[1, 2], 0] = [1.0, 0.4]  # "red", "square" look at cell 0 ...
    w[2, 5] = 0.6  # ... but "square" mostly at the other object's cell
    w[[6, 7], 5] = 1.0  # "blue", "circle" at cell 5
    said = ([text.split()], [w.reshape(9, 4, 4)])
    monkeypatch.setattr(cap, "caption_images", lambda model, images: said)
    batch = {"images": None, "captions": [text], "scenes": [scene]}
    got = cap.object_attention(None, batch)
    assert got["own"] == pytest.approx(3.4 / 4)
    assert got["other"] == pytest.approx(0.6 / 4)
    assert got["argmax_own"] == 0.75
    assert got["n_images"] == 1


def test_summary_is_mean_min_max_over_seeds():
    results = {
        "step0": {
            s: {"held_out": {"exact": v, "per_word": 1.0}} for s, v in enumerate((0.1, 0.4, 0.7))
        }
    }
    cell = cap.summary(results)["step0", "exact"]
    assert cell["mean"] == pytest.approx(0.4)
    assert (cell["min"], cell["max"]) == (0.1, 0.7)


@pytest.mark.slow
def test_shipped_results_are_complete_and_the_shipped_models_reproduce_them():
    results = cap.load_results()
    assert set(results) == set(cap.DECODERS)
    for decoder, runs in results.items():
        assert sorted(runs) == list(cap.SEEDS)
        for seed, row in runs.items():
            assert row["config"]["attention"] == cap.DECODERS[decoder]
            assert row["config"]["seed"] == seed
            assert 0 <= row["held_out"]["exact"] <= row["held_out"]["per_word"] <= 1
    # The seed-0 weights reproduce the stored seed-0 numbers on the held-out images.
    batch = cap.held_out_batch()
    torch.set_num_threads(1)
    for decoder in cap.DECODERS:
        got = cap.evaluate(cap.load_model(decoder), batch)
        want = results[decoder][0]["held_out"]
        assert got["exact"] == pytest.approx(want["exact"], abs=0.005)
        assert got["per_word"] == pytest.approx(want["per_word"], abs=0.005)


def test_bad_names():
    with pytest.raises(ValueError, match="decoder must be one of"):
        cap.load_model("hard")
    with pytest.raises(ValueError, match="name must be one of"):
        cap.run("hard", 0)
