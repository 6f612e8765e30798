"""Truncation schemes trained on a delayed-recall stream (the page after chapter 4).

The task: N endless streams of random symbols (one of K, one-hot); the target at step t is the
symbol of step t - d. A vanilla tanh RNN (:mod:`rnncourse.reference`) reads each stream once, its
state carried from one update to the next, and is trained with one of three gradients that all
back-propagate about ``k`` steps per update (equal compute and, on average, equal memory):

* ``"chunks"``: non-overlapping chunks of k steps (:func:`rnncourse.reference.tbptt`); the loss at
  chunk position p gets credit p steps back, so only positions p >= d see the symbol they need;
* ``"overlap"``: BPTT(k1, k) of Williams and Peng: every k1 steps, the last k1 losses are
  back-propagated over the last k steps, so every loss gets at least k - k1 steps of credit;
* ``"random"``: randomised truncation with probability c = 1/k per step and compensation factors
  (Tallec and Ollivier): unbiased, so credit reaches beyond k, with a variance that grows with
  the distance.

Every update is one window: a forward pass over its steps from the stored state, the loss of its
loss steps, :func:`rnncourse.reference.truncation.rnn_backward_weighted`, global-norm clipping and
:func:`rnncourse.reference.adam`. ``python -m rnncourse.experiments truncation`` regenerates the
cached result (``results/truncation.json``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rnncourse.experiments._cache import _config, _load_cached
from rnncourse.reference import (
    adam,
    clip_by_global_norm,
    init_output_params,
    init_rnn_params,
    rnn_forward,
    temporal_affine_backward,
    temporal_affine_forward,
    temporal_softmax_loss,
)
from rnncourse.reference.truncation import rnn_backward_weighted
from rnncourse.train.fitting import EVAL_SEED_OFFSET

__all__ = ["TRUNCATION_DEFAULTS", "SCHEMES", "train_truncated", "truncation_experiment"]

SCHEMES = ("chunks", "overlap", "random")

TRUNCATION_DEFAULTS: dict[str, Any] = {
    "delays": [7, 10],  # d: inside the window k (at its edge), and beyond it
    "k": 8,  # steps back-propagated per update (the mean chunk length for "random")
    "k1": 2,  # BPTT(k1, k): a backward pass every k1 steps
    "symbols": 4,  # K; chance accuracy 1/K
    "hidden": 32,
    "batch": 32,  # N streams
    "updates": 1800,
    "lr": 3e-3,
    "clip": 1.0,
    "eval_every": 150,
    "eval_steps": 200,
    "eval_batch": 64,
    "seeds": [0, 1, 2],
    "schemes": list(SCHEMES),
}


class _Stream:
    """N endless streams of symbols, made on demand and kept (the windows re-read old steps)."""

    def __init__(self, N: int, K: int, rng: np.random.Generator) -> None:
        self.N, self.K, self.rng, self.ids = N, K, rng, np.zeros((N, 0), dtype=np.int64)

    def get(self, start: int, stop: int) -> np.ndarray:
        if stop > self.ids.shape[1]:
            more = self.rng.integers(0, self.K, size=(self.N, stop - self.ids.shape[1] + 4096))
            self.ids = np.concatenate([self.ids, more], axis=1)
        return self.ids[:, start:stop]


def _windows(scheme: str, k: int, k1: int, rng: np.random.Generator):
    """Yield ``(start, loss_start, stop, w)`` per update: window, first loss step, weights."""
    pos = 0
    while True:
        if scheme == "chunks":
            yield pos, pos, pos + k, np.ones(k)
            pos += k
        elif scheme == "overlap":
            stop = pos + k1
            yield max(0, stop - k), pos, stop, np.ones(stop - max(0, stop - k))
            pos = stop
        else:  # geometric chunk length, mean k; compensation 1/(1-c) inside the chunk
            c = 1.0 / k
            length = int(rng.geometric(c))
            yield pos, pos, pos + length, np.full(length, 1.0 / (1.0 - c))
            pos += length


def _accuracy(params: dict[str, np.ndarray], d: int, c: dict[str, Any], seed: int) -> float:
    """Held-out recall accuracy on fresh streams read from a zero state (steps t >= d)."""
    rng = np.random.default_rng(seed + EVAL_SEED_OFFSET)
    ids = rng.integers(0, c["symbols"], size=(c["eval_batch"], c["eval_steps"]))
    x = np.eye(c["symbols"])[ids]
    h, _ = rnn_forward(x, None, params["Wx"], params["Wh"], params["b"])
    pred = (h @ params["Wy"] + params["by"]).argmax(-1)
    return float((pred[:, d:] == ids[:, :-d]).mean())


def train_truncated(scheme: str, delay: int, seed: int, **overrides: Any) -> dict[str, Any]:
    """Train one tanh RNN on the delayed-recall stream with one truncation scheme.

    Parameters
    ----------
    scheme : {"chunks", "overlap", "random"}
    delay : int
        d, the distance back to the symbol to recall.
    seed : int
        Initial weights, training streams and truncation draws from ``default_rng(seed)``; the
        held-out streams from ``seed + EVAL_SEED_OFFSET``.
    **overrides
        Any key of ``TRUNCATION_DEFAULTS``.

    Returns
    -------
    dict
        ``steps`` (updates at which it was evaluated), ``accuracy`` (held-out, per evaluation),
        ``data_steps`` (stream steps read), ``backward_steps`` (steps back-propagated in all).
    """
    c = _config(TRUNCATION_DEFAULTS, overrides, "train_truncated")
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {SCHEMES}, got {scheme!r}")
    rng = np.random.default_rng(seed)
    K, H, k = c["symbols"], c["hidden"], c["k"]
    params = {**init_rnn_params(K, H, "rnn", rng), **init_output_params(H, K, rng)}
    stream, eye = _Stream(c["batch"], K, rng), np.eye(K)
    states = {0: np.zeros((c["batch"], H))}  # the state at the start of each step kept
    steps, acc, backward = [], [], 0
    opt = None
    windows = _windows(scheme, k, c["k1"], rng)
    for update in range(1, c["updates"] + 1):
        start, loss_start, stop, w = next(windows)
        x = eye[stream.get(start, stop)]
        h, cache = rnn_forward(x, states[start], params["Wx"], params["Wh"], params["b"])
        t = np.arange(start, stop)
        target = stream.get(0, stop)[:, np.maximum(t - delay, 0)]  # y_t = symbol of step t - d
        mask = np.broadcast_to((t >= delay) & (t >= loss_start), target.shape)
        scores, out_cache = temporal_affine_forward(h, params["Wy"], params["by"])
        _, dscores = temporal_softmax_loss(scores, target, mask)
        dscores /= stop - loss_start if scheme != "random" else k
        dh, dWy, dby = temporal_affine_backward(dscores, out_cache)
        _, _, dWx, dWh, db = rnn_backward_weighted(dh, cache, w)
        grads = {"Wx": dWx, "Wh": dWh, "b": db, "Wy": dWy, "by": dby}
        clip_by_global_norm(grads, c["clip"])
        opt = adam(params, grads, opt, lr=c["lr"])
        backward += stop - start
        states[stop] = h[:, -1]
        if scheme == "overlap":
            states = {s: v for s, v in states.items() if s >= stop - k}
        else:
            states = {stop: states[stop]}
        if update % c["eval_every"] == 0:
            steps.append(update)
            acc.append(_accuracy(params, delay, c, seed))
    return {"steps": steps, "accuracy": acc, "data_steps": stop, "backward_steps": backward}


def truncation_experiment(cached: bool = True, **overrides: Any) -> dict[str, Any]:
    """Every scheme on every delay, one run per seed.

    Parameters
    ----------
    cached : bool, default True
        Return the stored result for exactly this configuration if there is one.
    **overrides
        Any key of ``TRUNCATION_DEFAULTS``.

    Returns
    -------
    dict
        ``config``; ``runs[str(d)][scheme]``: ``steps``, ``accuracy`` (one curve per seed),
        ``data_steps`` and ``backward_steps`` (per seed); ``chance`` = 1/K.
    """
    config = _config(TRUNCATION_DEFAULTS, overrides, "truncation_experiment")
    if cached and (hit := _load_cached("truncation", config)) is not None:
        return hit
    runs: dict[str, dict[str, Any]] = {}
    for d in config["delays"]:
        runs[str(d)] = {}
        for scheme in config["schemes"]:
            per_seed = [
                train_truncated(scheme, d, s, **{**config, "seeds": [s]}) for s in config["seeds"]
            ]
            runs[str(d)][scheme] = {
                "steps": per_seed[0]["steps"],
                "accuracy": [r["accuracy"] for r in per_seed],
                "data_steps": [r["data_steps"] for r in per_seed],
                "backward_steps": [r["backward_steps"] for r in per_seed],
            }
    return {"config": config, "runs": runs, "chance": 1.0 / config["symbols"], "source": "live"}
