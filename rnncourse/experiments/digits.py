"""Many-to-one classification on real data: handwritten digits read row by row (page 05c).

Each image of :func:`rnncourse.data.digits.load_digit_rows` is a sequence of T = 8 rows of
D = 8 pixels; a recurrent layer reads it and a linear layer classifies its last state
(:class:`rnncourse.train.models.SequenceRegressor` with ten outputs, the many-to-one model of
chapter 5). Non-recurrent baselines see the 64 pixels at once: logistic (softmax) regression and
a one-hidden-layer perceptron of about the GRU's size. Every model trains with the package's one
loop (:func:`rnncourse.train.fitting.fit_adam`), the same steps, batches and learning rate, and is
scored once, at the end, on images it never saw. A seed ``s`` draws the split (``split_digits(y,
seed=s)``), the initial weights and the batches, the same for every model of that seed.
``python -m rnncourse.experiments digits`` regenerates the cached result.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import torch
from torch import nn

from rnncourse._validation import check_choice
from rnncourse.data.digits import load_digit_rows, split_digits
from rnncourse.experiments._cache import _config, _load_cached
from rnncourse.train.fitting import fit_adam, seed_everything
from rnncourse.train.models import SequenceRegressor

__all__ = ["DIGITS_DEFAULTS", "MODELS", "digit_model", "train_digit_model", "digits_experiment"]

#: recurrent readers (a row per step) and the baselines that see the whole image at once
MODELS = ("rnn", "gru", "lstm", "logistic", "mlp")

DIGITS_DEFAULTS: dict[str, Any] = {
    "models": list(MODELS),
    "hidden": 32,  # H of the recurrent layers
    "mlp_hidden": 64,  # the perceptron's hidden units: about the GRU's parameter count
    "n_test": 597,  # held-out images (a third); 1,200 train
    "steps": 1000,  # Adam updates on batches of 64 (about 53 passes over the training images)
    "batch_size": 64,
    "lr": 0.01,
    "seeds": [0, 1, 2],
}


def digit_model(kind: str, hidden: int, mlp_hidden: int) -> nn.Module:
    """Return an untrained classifier: images (N, 8, 8) -> class scores (N, 10).

    ``"rnn"`` (tanh), ``"gru"``, ``"lstm"``: many-to-one, a row per step, the last state
    classified. ``"logistic"``: one linear layer on the 64 pixels. ``"mlp"``: 64 -> ``mlp_hidden``
    (tanh) -> 10.
    """
    check_choice("kind", kind, MODELS)
    if kind == "logistic":
        return nn.Sequential(nn.Flatten(), nn.Linear(64, 10))
    if kind == "mlp":
        return nn.Sequential(
            nn.Flatten(), nn.Linear(64, mlp_hidden), nn.Tanh(), nn.Linear(mlp_hidden, 10)
        )
    return SequenceRegressor(8, hidden, cell=kind, out_size=10)


@torch.no_grad()
def _correct(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> int:
    model.eval()
    return int((model(x).argmax(dim=1) == y).sum())


def train_digit_model(
    kind: str, x: np.ndarray, y: np.ndarray, train: np.ndarray, seed: int, config: dict[str, Any]
) -> nn.Module:
    """Train one classifier on the images ``train`` with :func:`fit_adam`; return it in eval mode.

    Parameters
    ----------
    kind : str
        One of :data:`MODELS`.
    x : numpy.ndarray, shape (N, 8, 8); y : numpy.ndarray, shape (N,)
        The images and labels of :func:`load_digit_rows`.
    train : numpy.ndarray of int
        Indices of the training images.
    seed : int
        Initial weights and the order of the batches.
    config : dict
        ``hidden``, ``mlp_hidden``, ``steps``, ``batch_size``, ``lr`` (:data:`DIGITS_DEFAULTS`).
    """
    rng, _ = seed_everything(seed)
    model = digit_model(kind, config["hidden"], config["mlp_hidden"])
    xt, yt = torch.tensor(x[train], dtype=torch.float32), torch.from_numpy(y[train])

    def next_loss() -> torch.Tensor:
        batch = torch.from_numpy(rng.integers(0, len(train), config["batch_size"]))
        return nn.functional.cross_entropy(model(xt[batch]), yt[batch])

    fit_adam(model, next_loss, config["steps"], config["lr"])
    return model.eval()


def digits_experiment(cached: bool = True, **overrides: Any) -> dict[str, Any]:
    """Held-out and training accuracy of every model of ``models``, one run per seed.

    Parameters
    ----------
    cached : bool, default True
        Return the stored result for exactly this configuration if there is one.
    **overrides
        Any key of :data:`DIGITS_DEFAULTS`.

    Returns
    -------
    dict
        ``config``; ``n_train``, ``n_test``; ``results[model]``: ``test_correct`` and
        ``train_correct`` (images classified right, one count per seed), ``cpu_s`` (per seed)
        and ``parameters``.
    """
    config = _config(DIGITS_DEFAULTS, overrides, "digits_experiment")
    if cached and (hit := _load_cached("digits", config)) is not None:
        return hit
    for kind in config["models"]:
        check_choice("models", kind, MODELS)
    x, y = load_digit_rows()
    out: dict[str, Any] = {"config": config, "source": "live"}
    rows = {k: {"test_correct": [], "train_correct": [], "cpu_s": []} for k in config["models"]}
    for seed in config["seeds"]:
        split = split_digits(y, config["n_test"], seed)
        x_test, y_test = (
            torch.tensor(x[split.test], dtype=torch.float32),
            torch.from_numpy(y[split.test]),
        )
        x_train, y_train = (
            torch.tensor(x[split.train], dtype=torch.float32),
            torch.from_numpy(y[split.train]),
        )
        for kind in config["models"]:
            t0 = time.process_time()
            model = train_digit_model(kind, x, y, split.train, seed, config)
            rows[kind]["cpu_s"].append(time.process_time() - t0)
            rows[kind]["test_correct"].append(_correct(model, x_test, y_test))
            rows[kind]["train_correct"].append(_correct(model, x_train, y_train))
            rows[kind]["parameters"] = sum(p.numel() for p in model.parameters())
    out["n_train"], out["n_test"] = len(y) - config["n_test"], config["n_test"]
    out["results"] = rows
    return out
