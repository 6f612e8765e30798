"""The measured experiments of the language-model page: cached results and a tiny live run."""

import pytest

from rnncourse.experiments import language_models as E


def test_summarize():
    s = E.summarize([1.0, 2.0, 3.0])
    assert s == {"mean": 2.0, "std": 1.0, "min": 1.0, "max": 3.0, "n": 3}
    with pytest.raises(ValueError, match="at least 2"):
        E.summarize([1.0])


def test_cached_results_have_three_seeds_per_variant():
    r = E.lm_comparison()
    assert r["source"].startswith("cache")
    assert set(r["runs"]) == set(E.LM_VARIANTS)
    for name, runs in r["runs"].items():
        assert len(runs) == 3, name
        assert r["summary"][name]["valid_bpc"]["n"] == 3
    ng = E.ngram_baselines()
    assert ng["source"].startswith("cache")
    assert len(ng["bits"]["kneser-ney"]) == 5
    assert E.word_vs_char()["source"].startswith("cache")


def test_live_runs_tiny():
    base = dict(
        E.LM_BASE, hidden_size=8, embed_dim=8, batch_size=2, seq_len=8, max_steps=3, warmup_steps=1
    )
    r = E.lm_comparison(
        train_chars=3000,
        valid_chars=800,
        base=base,
        seeds=[0, 1],
        variants={"LSTM": {}, "tied": {"tie_weights": True}},
    )
    assert r["source"] == "live"
    assert set(r["summary"]) == {"LSTM", "tied"}
    run = r["runs"]["tied"][0]
    assert run["valid_bpc"] > 0
    assert run["params"] < r["runs"]["LSTM"][0]["params"]
    ng = E.ngram_baselines(train_chars=2000, valid_chars=500, orders=[1, 2])
    assert all(len(v) == 2 for v in ng["bits"].values())
    with pytest.raises(TypeError, match="unknown lm_comparison options"):
        E.lm_comparison(steps=3)
