import math

import pytest

from rnncourse.train import train_sequence_task


def test_copy_task_training_runs_and_is_deterministic():
    kw = dict(
        hidden_size=16, steps=20, batch_size=8, eval_every=10, eval_size=20, delay=5, length=3
    )
    a = train_sequence_task("copy", "lstm", **kw)
    b = train_sequence_task("copy", "lstm", **kw)
    assert a["loss"] == b["loss"] and a["metric"] == "accuracy"
    assert a["eval_step"] == [0, 10, 20] and all(0 <= m <= 1 for m in a["eval_metric"])
    assert a["baseline"] == pytest.approx(3 * math.log(8) / (5 + 6))
    assert a["loss"][-1] < a["loss"][0]


def test_adding_regression_learns_a_short_sequence():
    h = train_sequence_task("adding", "gru", hidden_size=16, steps=120, T=10, eval_size=200)
    assert h["metric"] == "mse" and h["baseline"] == pytest.approx(1 / 6)
    assert h["eval_metric"][-1] < 0.5 * h["baseline"]


def test_bad_task():
    with pytest.raises(ValueError, match="task must be one of"):
        train_sequence_task("sorting")
