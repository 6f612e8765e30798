"""The training results shown in the book, as functions the chapters call.

Each function either runs live in a few seconds on one CPU core, or returns a small result cached
in ``rnncourse/train/results/`` that the same function regenerates with ``cached=False`` (or
``python -m rnncourse.train.experiments NAME``). Cached results record the configuration and
library versions that produced them; a different configuration always runs live.

Functions
---------
adding_problem_curves
    Adding problem at T = 100: LSTM and GRU reach an MSE far below the 1/6 baseline, a tanh RNN
    stays at it (chapter 7, 8, 9).
clipping_experiment
    A tanh-RNN language model with a large learning rate: unclipped it diverges, clipped by
    global norm it trains (chapter 7).
"""

from __future__ import annotations

import json
import math
import platform
import sys
from pathlib import Path
from typing import Any

import numpy as np

RESULTS_DIR = Path(__file__).with_name("results")


# ----------------------------------------------------------------------------- caching
def _versions() -> dict[str, str]:
    import torch

    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": np.__version__,
    }


def _load_cached(name: str, config: dict[str, Any]) -> dict[str, Any] | None:
    """The cached result for ``name`` if it was produced with exactly ``config``."""
    path = RESULTS_DIR / f"{name}.json"
    if not path.is_file():
        return None
    data = json.loads(path.read_text())
    if data.get("config") != json.loads(json.dumps(config)):
        return None
    data["source"] = f"cache ({path.name})"
    return data


def _round(obj: Any, keep: tuple[str, ...] = ("config", "baseline")) -> Any:
    """Curves to 5 significant digits (keeps the package small); ``keep`` keys untouched."""
    if isinstance(obj, float):
        return float(f"{obj:.5g}")
    if isinstance(obj, list):
        return [_round(v) for v in obj]
    if isinstance(obj, dict):
        return {k: (v if k in keep else _round(v)) for k, v in obj.items()}
    return obj


def _save_cached(name: str, result: dict[str, Any]) -> Path:
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    out = dict(_round(result), source="live", versions=_versions())
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(out, indent=1) + "\n")
    tmp.replace(path)
    return path


# ----------------------------------------------------------------------------- adding problem
ADDING_DEFAULTS: dict[str, Any] = dict(
    T=100, steps=1500, cells=["rnn", "gru", "lstm"], hidden_size=32, lr=1e-2, batch_size=64,
    clip=1.0, eval_every=50, eval_size=1000, seed=0, backend="rnncourse",
)  # fmt: skip


def adding_problem_curves(
    cached: bool = True, progress: bool = False, **overrides: Any
) -> dict[str, Any]:
    """Learning curves of tanh RNN, GRU and LSTM on the adding problem (uniform variant).

    Each model (H = 32, Adam lr 1e-2, batch 64, gradient clipping at norm 1) sees fresh random
    sequences of length T = 100 at every step and is evaluated on 1000 fixed held-out
    sequences. Live, the default configuration takes a few minutes on one core, so by default the
    result cached in the package is returned; any override of the configuration runs live.

    Parameters
    ----------
    cached : bool, default True
        Return the cached result when the configuration matches it.
    progress : bool, default False
        tqdm bars for a live run.
    **overrides
        Any of ``T, steps, cells, hidden_size, lr, batch_size, clip, eval_every, eval_size,
        seed, backend`` (defaults in ``ADDING_DEFAULTS``).

    Returns
    -------
    dict
        ``"config"``: the configuration (dict); ``"baseline"``: 1/6, the MSE of always
        predicting 1; ``"curves"``: dict cell name -> dict with ``"step"`` (list of int,
        updates done, starting at 0), ``"mse"`` (list of float, held-out MSE at those steps),
        ``"train_loss"`` (list of float, per-update training MSE), ``"final_mse"`` (float) and
        ``"seconds"`` (float, training time); ``"source"``: "live" or "cache (file)";
        cached results also carry ``"versions"``.

    Examples
    --------
    >>> r = adding_problem_curves()                                   # doctest: +SKIP
    >>> r["curves"]["lstm"]["final_mse"] < 0.01 < r["curves"]["rnn"]["final_mse"]  # doctest: +SKIP
    True
    """
    unknown = set(overrides) - set(ADDING_DEFAULTS)
    if unknown:
        raise TypeError(f"unknown adding_problem_curves options {sorted(unknown)}; "
                        f"allowed: {sorted(ADDING_DEFAULTS)}")  # fmt: skip
    config = dict(ADDING_DEFAULTS, **overrides)
    config["cells"] = list(config["cells"])
    if cached:
        hit = _load_cached("adding_problem", config)
        if hit is not None:
            return hit
    from rnncourse.train.tasks import train_sequence_task

    curves = {}
    for cell in config["cells"]:
        h = train_sequence_task(
            "adding", cell, config["hidden_size"], config["steps"], config["batch_size"],
            config["lr"], config["clip"], config["seed"], config["eval_every"],
            config["eval_size"], backend=config["backend"], progress=progress, T=config["T"],
        )  # fmt: skip
        curves[cell] = {
            "step": h["eval_step"],
            "mse": h["eval_metric"],
            "train_loss": h["loss"],
            "final_mse": h["eval_metric"][-1],
            "seconds": h["seconds"],
        }
    return {"config": config, "baseline": 1.0 / 6.0, "curves": curves, "source": "live"}


# ----------------------------------------------------------------------------- clipping
def clipping_experiment(
    threshold: float = 0.25,
    lr: float = 3.0,
    wh_scale: float = 1.5,
    steps: int = 200,
    hidden_size: int = 64,
    seq_len: int = 50,
    batch_size: int = 32,
    seed: int = 0,
    backend: str = "rnncourse",
) -> dict[str, Any]:
    """Train the same tanh-RNN char-LM twice, without and with gradient clipping.

    Plain SGD with a large learning rate on a 1-layer tanh RNN (H = 64) whose recurrent matrix
    starts as ``wh_scale`` times a random orthogonal matrix (all singular values 1.5, so
    gradients through time grow), trained on the first 200,000 characters of the stdlib corpus
    with windows of 50 and carried state. Without clipping, gradient norms spike by orders of
    magnitude and the loss jumps far above its untrained value ln V; clipping the global
    gradient norm at ``threshold`` keeps every update bounded and the loss falls steadily
    (with the defaults it never rises above ln V again). Both runs start from
    identical weights and see identical batches. About 5 s on one core.

    Returns
    -------
    dict
        ``"unclipped"`` and ``"clipped"``: each a dict with ``"loss"`` (list of float,
        training cross-entropy in nats per update, ``nan`` once it overflows) and
        ``"grad_norm"`` (list of float, global gradient norm *before* clipping);
        ``"initial_loss"``: float, ln V, the loss of a uniform guess; ``"threshold"``: float;
        ``"config"``: dict of the arguments.
    """
    import torch
    from torch import nn

    from rnncourse.data import CharVocab, StreamBatcher, load_corpus
    from rnncourse.train.models import CharLM

    text = load_corpus("stdlib", max_chars=200_000)
    vocab = CharVocab.from_text(text)
    batcher = StreamBatcher(vocab.encode(text), batch_size, seq_len, drop_last=True)
    windows = [tuple(torch.from_numpy(np.ascontiguousarray(a)) for a in batcher.window(k))
               for k in range(len(batcher))]  # fmt: skip

    def run(clip: float | None) -> dict[str, list[float]]:
        torch.manual_seed(seed)
        model = CharLM(len(vocab), hidden_size, 1, "rnn", 32, backend=backend)
        with torch.no_grad():
            q, _ = torch.linalg.qr(torch.randn(hidden_size, hidden_size))
            model.rnn.weight_hh_l0.copy_(wh_scale * q)
        opt = torch.optim.SGD(model.parameters(), lr=lr)
        losses, norms, state = [], [], None
        for step in range(steps):
            x, y = windows[step % len(windows)]
            if step % len(windows) == 0:
                state = None
            logits, state = model(x, state)
            state = state.detach()
            loss = nn.functional.cross_entropy(logits.reshape(-1, len(vocab)), y.reshape(-1))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            norm = nn.utils.clip_grad_norm_(model.parameters(), clip if clip else math.inf)
            losses.append(float(loss.detach()))
            norms.append(float(norm))
            if not math.isfinite(losses[-1]):
                # once the loss overflows every later value is nan too: record that and stop
                losses += [math.nan] * (steps - step - 1)
                norms += [math.nan] * (steps - step - 1)
                break
            opt.step()
        return {"loss": losses, "grad_norm": norms}

    config = dict(threshold=threshold, lr=lr, wh_scale=wh_scale, steps=steps,
                  hidden_size=hidden_size, seq_len=seq_len, batch_size=batch_size, seed=seed,
                  backend=backend)  # fmt: skip
    return {
        "unclipped": run(None),
        "clipped": run(threshold),
        "initial_loss": math.log(len(vocab)),
        "threshold": threshold,
        "config": config,
    }


# ----------------------------------------------------------------------------- regeneration
REGENERATE = {"adding_problem": lambda: adding_problem_curves(cached=False, progress=True)}


def regenerate(name: str) -> Path:
    """Recompute the cached result ``name`` (one of ``REGENERATE``) and write it to the package."""
    if name not in REGENERATE:
        raise ValueError(f"name must be one of {sorted(REGENERATE)}, got {name!r}")
    return _save_cached(name, REGENERATE[name]())


def main(argv: list[str] | None = None) -> int:
    """``python -m rnncourse.train.experiments NAME [NAME ...]`` regenerates cached results."""
    names = (argv if argv is not None else sys.argv[1:]) or sorted(REGENERATE)
    for name in names:
        print(f"regenerated {regenerate(name)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
