import math

import pytest

from rnncourse.train import train_sequence_task


def test_copy_task_training_runs_and_is_deterministic():
    kw = dict(
        hidden_size=16, steps=20, batch_size=8, eval_every=10, eval_size=20, delay=5, length=3
    )
    a = train_sequence_task("copy", "lstm", **kw)
    b = train_sequence_task("copy", "lstm", **kw)
    assert a["loss"] == b["loss"]
    assert a["metric"] == "accuracy"
    assert a["eval_step"] == [0, 10, 20]
    assert all(0 <= m <= 1 for m in a["eval_metric"])
    assert a["baseline"] == pytest.approx(3 * math.log(8) / (5 + 6))
    assert a["loss"][-1] < a["loss"][0]


def test_adding_regression_learns_a_short_sequence():
    h = train_sequence_task("adding", "gru", hidden_size=16, steps=120, T=10, eval_size=200)
    assert h["metric"] == "mse"
    assert h["baseline"] == pytest.approx(1 / 6)
    assert h["eval_metric"][-1] < 0.5 * h["baseline"]


def test_bad_task():
    with pytest.raises(ValueError, match="task must be one of"):
        train_sequence_task("sorting")


def test_num_layers_builds_a_stack_that_trains():
    from rnncourse.train.models import SequenceRegressor, SequenceTagger

    tagger = SequenceTagger(4, 4, 8, "gru", num_layers=3)
    assert tagger.rnn.num_layers == 3
    assert "rnn.weight_hh_l2" in tagger.state_dict()
    assert SequenceRegressor(2, 8, "lstm", num_layers=2).rnn.num_layers == 2
    kw = dict(hidden_size=8, steps=30, batch_size=16, eval_every=30, eval_size=50, T=8, offset=2)
    one, two = (train_sequence_task("past", "gru", num_layers=n, **kw) for n in (1, 2))
    assert two["config"]["num_layers"] == 2
    assert one["loss"] != two["loss"]  # a different model, not the same run relabelled
    assert two["loss"][-1] < two["loss"][0]
