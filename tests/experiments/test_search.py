"""Search on the date model: exhaustive search, counted evaluations, the model/search blame."""

import json

import pytest
import torch

from rnncourse.data.dates import TARGET_VOCAB
from rnncourse.experiments import dates
from rnncourse.experiments import search as S

V = len(TARGET_VOCAB)


@pytest.fixture(scope="module")
def model():
    torch.set_num_threads(1)
    return dates.load_model("multiplicative")


@pytest.fixture(scope="module")
def pair():
    return dates.held_out_set(2)[2][0]


def test_exhaustive_search_scores_every_prefix_and_beats_every_beam(model, pair):
    best = S.exhaustive_prefix(model, pair[0], 2)
    assert best["evaluations"] == V + V**2
    for k in (1, 2, 3):
        found = S.beam_prefix(model, pair[0], 2, k)
        assert found["evaluations"] == V + k * V  # step 1 extends one hypothesis, step 2 k
        assert found["log_prob"] <= best["log_prob"] + 1e-6
    # the returned score is the prefix's log-probability, recomputed by teacher forcing
    b = S.batch_tensors([(pair[0], "")])
    tokens = torch.tensor([[2, *best["tokens"][:-1]]])
    with torch.no_grad():
        logits, _ = model(b["src"], b["src_len"], tokens)
    logp = torch.log_softmax(logits.double(), 2)[0, torch.arange(2), best["tokens"]].sum()
    assert float(logp) == pytest.approx(best["log_prob"], abs=1e-5)


def test_a_planted_bad_search_is_caught_by_exhaustive_search(model, pair):
    """Against a 'search' that returns the second-best first token, exhaustive search wins."""
    best = S.exhaustive_prefix(model, pair[0], 1)
    b = S.batch_tensors([(pair[0], "")])
    logits, _, _ = model.step(torch.tensor([2]), model.start(b["src"], b["src_len"]))
    second = int(torch.topk(logits[0], 2).indices[1])
    assert best["tokens"] == [int(logits[0].argmax())] != [second]


def test_output_log_prob_matches_beam_search_score(model, pair):
    step, counter = S.counted_step(model)
    tokens, score = S.beam_search(step, S._start(model, pair[0]), 3, 40, alpha=S.ALPHA)
    out = TARGET_VOCAB.decode(tokens)
    (logp,) = S.output_log_prob(model, [pair[0]], [out])
    assert logp / (len(out) + 1) ** S.ALPHA == pytest.approx(score, abs=1e-5)
    assert 0 < counter.evaluations <= 3 * V * (len(out) + 1)  # the O(k |Y| T') bound


def test_error_analysis_blames_the_search_or_the_model(model, pair):
    src, tgt = pair
    assert S.error_analysis(model, [pair], [tgt])["wrong"] == 0
    corrupt = tgt[:-1] + ("1" if tgt[-1] != "1" else "2")
    # the model prefers the right answer: a search that returned the corrupt one is to blame
    got = S.error_analysis(model, [pair], [corrupt])
    assert (got["wrong"], got["search"], got["model"]) == (1, 1, 0)
    # planted: call the corrupt string the "right" answer; the model prefers its own output
    got = S.error_analysis(model, [(src, corrupt)], [tgt])
    assert (got["wrong"], got["search"], got["model"]) == (1, 0, 1)


def test_bleu_of_date_outputs_uses_characters():
    perfect = S.date_bleu(["2001-10-29"], ["2001-10-29"])
    assert perfect["bleu"] == pytest.approx(1.0)
    assert perfect["exact"] == 1.0
    swapped = S.date_bleu(["2001-10-92"], ["2001-10-29"])
    assert 0.5 < swapped["bleu"] < 0.9  # one wrong date still scores high
    assert swapped["exact"] == 0.0


def test_small_run_writes_its_json(tmp_path, monkeypatch):
    monkeypatch.setattr(S, "PREFIX_LENGTH", 2)
    monkeypatch.setattr(S, "PREFIX_SOURCES", 1)
    monkeypatch.setattr(S, "BEAMS", (2,))
    row = S.run("dates_multiplicative", 0, out=tmp_path, per_length=2)
    assert row["matches_shipped"] is True
    saved = json.loads((tmp_path / "dates_multiplicative_seed0.json").read_text())
    assert set(saved) >= {"greedy_1", "beam2_3", "prefix", "cpu_s"}
    assert saved["prefix"]["exhaustive_evaluations"] == V + V**2
    for k in (1, 2, 3):
        e = saved[f"beam2_{k}"]["errors"]
        assert e["n"] == 2
        assert e["wrong"] == e["search"] + e["model"]


NOT_REPRODUCED = {("dates_multiplicative", 1), ("captions_attention", 1), ("captions_attention", 2)}


def test_the_shipped_results_are_complete_and_consistent():
    results = S.load_results()
    for name in S.MODELS:
        for seed, row in results[name].items():
            # three retrained models differ from the ones their chapters shipped (the cause is not
            # found yet); every other run reproduces its chapter's accuracies exactly
            assert row["matches_shipped"] is ((name, seed) not in NOT_REPRODUCED)
            assert 0 <= row.get("bleu", {"bleu": 0})["bleu"] <= 1
            for key, cell in row.items():
                if isinstance(cell, dict) and "errors" in cell:
                    e = cell["errors"]
                    assert e["wrong"] == e["search"] + e["model"], (name, seed, key)
                    assert e["n"] == S.PER_LENGTH


@pytest.mark.slow
def test_retraining_follows_the_shipped_recipe_to_rounding():
    """Why NOT_REPRODUCED is not a different recipe: a retrained date model starts bit-identical.

    Retraining seed 0 gives the shipped run's losses exactly at steps 0 and 10 and within
    rounding (1e-6) at step 20; differences of that size then grow over 300 steps of training and
    change a few held-out outputs of some seeds. A changed initialisation, data stream or loss
    would differ at step 0 already (planted below: another seed's first step).
    """
    from rnncourse.data.dates import split_dates
    from rnncourse.train.seq2seq import DateTrainConfig

    torch.set_num_threads(1)
    train_days, _ = split_dates(seed=dates.SPLIT_SEED)
    shipped = dates.load_results()["multiplicative"][0]["loss_every_10"]
    losses = {}
    for seed, steps in ((0, 21), (1, 1)):
        config = DateTrainConfig(attention="multiplicative", steps=steps, seed=seed)
        losses[seed] = S.train_dates(config, train_days).losses[::10]
    assert losses[0][:2] == shipped[:2]
    assert losses[0] == pytest.approx(shipped[:3], abs=1e-6)
    assert losses[1][0] != shipped[0]  # planted: another seed's run
