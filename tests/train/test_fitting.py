"""seed_everything and fit_adam: the one seeding rule and the one loop of the small models."""

import numpy as np
import pytest
import torch
from torch import nn

from rnncourse.train.fitting import EVAL_SEED_OFFSET, fit_adam, seed_everything


def test_seed_everything_fixes_torch_and_both_data_streams():
    rng, eval_rng = seed_everything(3)
    w = torch.randn(4)
    draws = rng.random(5), eval_rng.random(5)
    rng2, eval_rng2 = seed_everything(3)
    assert torch.equal(torch.randn(4), w)
    np.testing.assert_array_equal(rng2.random(5), draws[0])
    np.testing.assert_array_equal(eval_rng2.random(5), draws[1])
    np.testing.assert_array_equal(np.random.default_rng(3 + EVAL_SEED_OFFSET).random(5), draws[1])
    assert not np.array_equal(draws[0], draws[1])  # held-out data never replay the training stream


def _regression(seed=0):
    rng, _ = seed_everything(seed)
    x = torch.from_numpy(rng.normal(size=(64, 3))).float()
    y = x @ torch.tensor([[1.0], [-2.0], [0.5]])
    model = nn.Linear(3, 1)
    return model, lambda: nn.functional.mse_loss(model(x), y)


def test_fit_adam_trains_and_reports_every_update():
    model, loss = _regression()
    seen = []
    losses = fit_adam(model, loss, 200, 0.05, after_step=seen.append)
    assert len(losses) == 200
    assert seen == list(range(1, 201))
    assert losses[-1] < 1e-3 * losses[0]
    torch.testing.assert_close(
        model.weight.detach(), torch.tensor([[1.0, -2.0, 0.5]]), atol=0.02, rtol=0
    )


@pytest.mark.parametrize(("clip", "calls"), [(None, 0), (0.5, 7)])
def test_fit_adam_clips_only_when_asked(monkeypatch, clip, calls):
    seen = []
    original = nn.utils.clip_grad_norm_
    monkeypatch.setattr(nn.utils, "clip_grad_norm_", lambda p, c: seen.append(c) or original(p, c))
    model, loss = _regression()
    fit_adam(model, loss, 7, 0.01, clip=clip)
    assert seen == [clip] * calls


def test_fit_adam_is_reproducible_for_a_seed():
    runs = []
    for _ in range(2):
        model, loss = _regression(seed=5)
        runs.append(fit_adam(model, loss, 20, 0.05))
    assert runs[0] == runs[1]
