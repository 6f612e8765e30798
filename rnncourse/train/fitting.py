"""The one training loop of the small models, and the one way a run is seeded.

* :func:`seed_everything` - seed torch's global generator and return the two NumPy generators of
  a run: its training data and its held-out data (``seed + EVAL_SEED_OFFSET``, so the held-out
  set never overlaps the stream the model trains on).
* :func:`fit_adam` - Adam on ``steps`` fresh batches, optional global-norm clipping, the loss of
  every update. The synthetic tasks (:func:`rnncourse.train.train_sequence_task`), teacher forcing
  of the seq2seq models (:func:`rnncourse.train.seq2seq.teacher_forcing`, the reversal toy) and
  the linear-RNN experiments train through it. The char-LM trainer
  (:class:`rnncourse.train.LMTrainer`) has its own loop: it also carries state, schedules the
  learning rate, checkpoints and resumes.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from torch import nn

__all__ = ["EVAL_SEED_OFFSET", "seed_everything", "fit_adam"]

#: The held-out data of a run with seed ``s`` come from ``np.random.default_rng(s + 10_000)``.
EVAL_SEED_OFFSET = 10_000


def seed_everything(seed: int) -> tuple[np.random.Generator, np.random.Generator]:
    """Seed torch (initial weights, dropout) with ``seed``; return the data generators.

    Parameters
    ----------
    seed : int

    Returns
    -------
    train_rng : numpy.random.Generator
        ``default_rng(seed)``, for the training batches.
    eval_rng : numpy.random.Generator
        ``default_rng(seed + EVAL_SEED_OFFSET)``, for the held-out set.
    """
    torch.manual_seed(seed)
    return np.random.default_rng(seed), np.random.default_rng(seed + EVAL_SEED_OFFSET)


def fit_adam(
    model: nn.Module,
    loss_of_next_batch: Callable[[], torch.Tensor],
    steps: int,
    lr: float,
    clip: float | None = None,
    after_step: Callable[[int], None] | None = None,
) -> list[float]:
    """Train ``model`` with Adam for ``steps`` updates; return the loss of each.

    Parameters
    ----------
    model : nn.Module
        Its parameters are trained; it is put in train mode first.
    loss_of_next_batch : callable
        Draws the next batch, runs the model and returns the scalar loss to minimise.
    steps : int
        Updates.
    lr : float
        Adam's learning rate (constant).
    clip : float or None
        Clip the global gradient norm to this before each update; None: no clipping.
    after_step : callable or None
        Called as ``after_step(k)`` after update ``k`` (1-based), e.g. to evaluate.

    Returns
    -------
    list of float
        The training loss of every update.
    """
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    losses = []
    for k in range(1, steps + 1):
        loss = loss_of_next_batch()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if clip is not None:
            nn.utils.clip_grad_norm_(model.parameters(), clip)
        opt.step()
        losses.append(loss.item())
        if after_step is not None:
            after_step(k)
    return losses
