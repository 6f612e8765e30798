import numpy as np
import pytest

from rnncourse.data.dates import TARGET_VOCAB
from rnncourse.experiments import dates as exp
from rnncourse.train.seq2seq import accuracy, batch_tensors, greedy_decode


def test_segment_mass_measures_weight_on_the_matching_date():
    source = "3 may 1979 and 19790504"  # dates at characters 0-9 and 15-22
    output = "1979-05-03 1979-05-04"
    w = np.zeros((22, len(source)))
    w[:10, 2] = 1.0  # first date's characters look at the first source date
    w[10:, 16] = 0.75  # second date's characters put 0.75 on the second source date ...
    w[10:, 0] = 0.25  # ... and 0.25 on the first
    np.testing.assert_allclose(exp.segment_mass(w, source, output), [1.0, 0.75])
    with pytest.raises(ValueError, match="as many dates"):
        exp.segment_mass(w, source, "1979-05-03")


def test_summary_is_mean_min_max_over_seeds():
    run = {
        f"{d}_{k}": {"exact": 0.0, "per_char": 0.0}
        for d in ("greedy", "beam1", "beam3", "beam5")
        for k in (1, 2, 3)
    }
    results = {
        "none": {
            s: {**run, "greedy_3": {"exact": v, "per_char": 1.0}}
            for s, v in enumerate((0.1, 0.4, 0.7))
        }
    }
    cell = exp.summary(results)["none", "greedy", 3]
    assert cell["mean"] == pytest.approx(0.4)
    assert (cell["min"], cell["max"]) == (0.1, 0.7)
    with pytest.raises(ValueError, match="metric"):
        exp.summary(results, "bleu")


def test_shipped_results_are_complete_and_the_shipped_model_translates():
    results = exp.load_results()
    assert set(results) == set(exp.DECODERS)
    for runs in results.values():
        assert sorted(runs) == list(exp.SEEDS)
        for row in runs.values():
            assert {f"beam{b}_{k}" for b in exp.BEAMS for k in (1, 2, 3)} <= set(row)
            # a beam of one is greedy decoding
            for k in (1, 2, 3):
                assert row[f"beam1_{k}"] == row[f"greedy_{k}"]
    # The shipped additive model really translates held-out dates (not a stored answer).
    pairs = exp.held_out_set(per_length=10)[2]
    b = batch_tensors(pairs)
    ids, _ = greedy_decode(exp.load_model("additive"), b["src"], b["src_len"])
    got = accuracy([TARGET_VOCAB.decode(x) for x in ids], [t for _, t in pairs])
    assert got["exact"] >= 0.8
