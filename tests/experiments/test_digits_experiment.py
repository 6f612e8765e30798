"""Many-to-one on the handwritten digits: the models, a small live run, the shipped result."""

import numpy as np
import pytest
import torch

from rnncourse.data.digits import load_digit_rows, split_digits
from rnncourse.experiments import digits as E

pytest.importorskip("sklearn", reason="the digits ship in scikit-learn's wheel")


def test_every_model_maps_images_to_ten_scores():
    for kind in E.MODELS:
        assert E.digit_model(kind, 4, 8)(torch.zeros(3, 8, 8)).shape == (3, 10)
    with pytest.raises(ValueError, match="kind"):
        E.digit_model("transformer", 4, 8)


def test_the_recurrent_model_reads_rows_in_order():
    """Only the last state is classified, and it depends on the order of the rows."""
    torch.manual_seed(0)
    model = E.digit_model("gru", 6, 8).eval()
    x = torch.rand(2, 8, 8)
    with torch.no_grad():
        _, h = model.rnn(x)
        assert torch.allclose(model(x), model.head(h[0]))
        assert not torch.allclose(model(x), model(x.flip(1)))  # planted: rows reversed


def test_a_small_live_run_learns():
    """40 updates: far above chance (10 %); the slow test below checks a full seed exactly."""
    kw = dict(models=["gru", "logistic"], steps=40, hidden=8, seeds=[0], n_test=300)
    torch.set_num_threads(1)
    a = E.digits_experiment(cached=False, **kw)
    assert a["source"] == "live"
    assert a["n_train"] + a["n_test"] == 1797
    assert 0.2 * 300 < a["results"]["gru"]["test_correct"][0] <= 300
    assert 0.8 * 300 < a["results"]["logistic"]["test_correct"][0] <= 300
    assert a["results"]["gru"]["parameters"] == 3 * (8 * 8 + 8 * 8 + 2 * 8) + 8 * 10 + 10
    assert a["results"]["logistic"]["parameters"] == 64 * 10 + 10
    with pytest.raises(TypeError, match="unknown"):
        E.digits_experiment(cached=False, epochs=3)
    with pytest.raises(ValueError, match="models"):
        E.digits_experiment(cached=False, models=["cnn"], seeds=[0])


def test_the_shipped_result_is_complete():
    r = E.digits_experiment()
    assert r["source"].startswith("cache")
    seeds = E.DIGITS_DEFAULTS["seeds"]
    for kind in E.MODELS:
        row = r["results"][kind]
        assert len(row["test_correct"]) == len(row["train_correct"]) == len(seeds)
        assert all(0 <= c <= r["n_test"] for c in row["test_correct"])
    # each seed's split: the models of one seed were scored on the same held-out images
    _, y = load_digit_rows()
    assert all(len(split_digits(y, r["n_test"], s).test) == r["n_test"] for s in seeds)
    assert np.all(np.asarray(r["results"]["gru"]["train_correct"]) > 0.95 * r["n_train"])


@pytest.mark.slow
def test_one_seed_retrained_matches_the_cache():
    torch.set_num_threads(1)
    cached = E.digits_experiment()
    live = E.digits_experiment(cached=False, models=["gru", "logistic"], seeds=[0])
    for kind in ("gru", "logistic"):
        assert (
            live["results"][kind]["test_correct"][0] == cached["results"][kind]["test_correct"][0]
        )
