"""Training small PyTorch models on the synthetic long-range tasks of :mod:`rnncourse.data.tasks`.

:func:`train_sequence_task` draws a fresh batch from a seeded generator at every step (the tasks
are infinite), trains with Adam and optional gradient clipping, and evaluates on a fixed held-out
set. It is deterministic for a given seed, device and thread count.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
import torch
from torch import nn

from rnncourse._validation import check_choice
from rnncourse.data import ADDING_BASELINE_MSE, adding_problem, copy_task, future_context_task
from rnncourse.train.fitting import fit_adam, seed_everything
from rnncourse.train.loop import progress_bar_class
from rnncourse.train.models import SequenceRegressor, SequenceTagger

TASKS = ("adding", "copy", "future", "past")


def _make_batch(task: str, n: int, rng: np.random.Generator, kw: dict[str, Any]) -> tuple:
    """(x, y, mask) as NumPy arrays for one batch of ``task``."""
    if task == "adding":
        x, y = adding_problem(n, kw["T"], kw.get("variant", "uniform"), rng)
        return x, y, None
    if task == "copy":
        x, y = copy_task(n, kw["delay"], kw.get("length", 10), kw.get("n_symbols", 8), rng)
        return x, y, None
    x, y, mask = future_context_task(
        n, kw["T"], kw.get("offset", 3), kw.get("n_symbols", 4), direction=task, rng=rng
    )
    return x, y, mask


def _baseline(task: str, kw: dict[str, Any]) -> float:
    if task == "adding":
        return ADDING_BASELINE_MSE[kw.get("variant", "uniform")]
    if task == "copy":
        k, length, delay = kw.get("n_symbols", 8), kw.get("length", 10), kw["delay"]
        return length * math.log(k) / (delay + 2 * length)
    return 1.0 / kw.get("n_symbols", 4)


def train_sequence_task(
    task: str = "adding",
    cell: str = "lstm",
    hidden_size: int = 64,
    steps: int = 500,
    batch_size: int = 64,
    lr: float = 1e-2,
    clip: float | None = 1.0,
    seed: int = 0,
    eval_every: int = 25,
    eval_size: int = 500,
    bidirectional: bool = False,
    backend: str = "rnncourse",
    device: str = "cpu",
    progress: bool = False,
    num_layers: int = 1,
    **task_kwargs: Any,
) -> dict[str, Any]:
    """Train one model on a synthetic task and return its learning curves.

    Parameters
    ----------
    task : {"adding", "copy", "future", "past"}
        ``"adding"`` needs ``T`` (and optionally ``variant``); ``"copy"`` needs ``delay``
        (optionally ``length``, ``n_symbols``); ``"future"`` / ``"past"`` (the bidirectional
        tagging task) need ``T`` (optionally ``offset``, ``n_symbols``).
    cell : {"rnn", "gru", "lstm"}
        ``"rnn"`` is a tanh RNN.
    hidden_size, steps, batch_size : int
    num_layers : int
        Stacked recurrent layers (the deep-RNN chapter compares 1, 2 and 3).
    lr : float
        Adam learning rate (constant).
    clip : float or None
        Global gradient-norm clipping threshold.
    seed : int
        Seeds the weights and the data (``rnncourse.train.fitting.seed_everything``; the
        held-out set from its second generator).
    eval_every, eval_size : int
        Evaluate every ``eval_every`` steps on ``eval_size`` held-out sequences (fixed set).
    bidirectional : bool
        Tagging tasks only.
    backend : {"rnncourse", "torch"}
    device : str
    progress : bool
        tqdm bar.
    **task_kwargs
        Task parameters (see above).

    Returns
    -------
    dict
        ``"step"``: list of int, update index of each training loss; ``"loss"``: list of float,
        training loss per update (MSE for adding, cross-entropy in nats otherwise);
        ``"eval_step"``: list of int; ``"eval_metric"``: list of float, held-out MSE (adding)
        or per-position accuracy (copy: on the answer positions; tagging: on unmasked
        positions) at those steps, including step 0 and the final step;
        ``"metric"``: "mse" or "accuracy"; ``"baseline"``: float, the always-predict-the-mean
        MSE for adding (1/6 for the uniform variant), chance accuracy otherwise;
        ``"seconds"``: float, wall time; ``"config"``: dict of the arguments.
    """
    check_choice("task", task, TASKS)
    config = dict(
        task=task,
        cell=cell,
        hidden_size=hidden_size,
        num_layers=num_layers,
        steps=steps,
        batch_size=batch_size,
        lr=lr,
        clip=clip,
        seed=seed,
        bidirectional=bidirectional,
        backend=backend,
        **task_kwargs,
    )
    rng, eval_rng = seed_everything(seed)
    dev = torch.device(device)
    if task == "adding":
        model: nn.Module = SequenceRegressor(
            2, hidden_size, cell, backend=backend, num_layers=num_layers
        )
        n_classes = 0
    else:
        vocab = task_kwargs.get("n_symbols", 8 if task == "copy" else 4) + (
            2 if task == "copy" else 0
        )
        n_classes = vocab - 1 if task == "copy" else vocab
        model = SequenceTagger(
            vocab,
            n_classes,
            hidden_size,
            cell,
            bidirectional,
            backend=backend,
            num_layers=num_layers,
        )
    model.to(dev)
    ex, ey, em = (
        torch.as_tensor(a).to(dev) if a is not None else None
        for a in _make_batch(task, eval_size, eval_rng, task_kwargs)
    )

    def loss_fn(out: torch.Tensor, y: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        if task == "adding":
            return nn.functional.mse_loss(out, y)
        flat = nn.functional.cross_entropy(
            out.reshape(-1, n_classes), y.reshape(-1), reduction="none"
        )
        if mask is None:
            return flat.mean()
        m = mask.reshape(-1).to(flat.dtype)
        return (flat * m).sum() / m.sum()

    @torch.no_grad()
    def evaluate() -> float:
        model.eval()
        out = model(ex)
        model.train()
        if task == "adding":
            return float(nn.functional.mse_loss(out, ey))
        correct = out.argmax(-1) == ey
        if task == "copy":
            n_ans = task_kwargs.get("length", 10)
            return float(correct[:, -n_ans:].float().mean())
        return float(correct[em].float().mean())

    hist: dict[str, Any] = {
        "step": list(range(steps)),
        "eval_step": [0],
        "eval_metric": [evaluate()],
    }
    bar = progress_bar_class()(total=steps, disable=not progress, desc=f"{task}/{cell}")

    def next_loss() -> torch.Tensor:
        x, y, mask = (
            torch.as_tensor(a).to(dev) if a is not None else None
            for a in _make_batch(task, batch_size, rng, task_kwargs)
        )
        return loss_fn(model(x), y, mask)

    def after_step(k: int) -> None:
        bar.update(1)
        if k % eval_every == 0 or k == steps:
            hist["eval_step"].append(k)
            hist["eval_metric"].append(evaluate())

    start = time.perf_counter()
    hist["loss"] = fit_adam(model, next_loss, steps, lr, clip, after_step)
    bar.close()
    hist.update(
        metric="mse" if task == "adding" else "accuracy",
        baseline=_baseline(task, task_kwargs),
        seconds=time.perf_counter() - start,
        config=config,
    )
    return hist
