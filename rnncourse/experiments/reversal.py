"""The reversal toy of chapters 5 and 13: an encoder-decoder must write its input backwards.

The input is a random string of ``T`` digits (:func:`rnncourse.data.reversal_task`), the target
the same string reversed. The model is the package's one encoder-decoder,
:class:`rnncourse.nn.seq2seq.Seq2Seq`, with a one-directional GRU encoder; it is trained by
teacher forcing (:func:`rnncourse.train.seq2seq.train_decoder`) and decoded greedily
(:func:`rnncourse.train.seq2seq.greedy_from_state`). Two decoders are compared:

* **without attention** - the decoder starts from ``tanh(h_T W_init)`` and must carry the whole
  input in that one ``H``-dimensional vector (chapter 5's bottleneck);
* **with attention** - at every output step the decoder state ``s_t`` scores the ``L = T``
  encoder states with the bilinear score ``e_l = k_l . (s_t W)`` of
  :func:`rnncourse.reference.attention_forward` (``attention="multiplicative"``), reads their
  weighted sum and predicts from ``[s_t; c_t]``. Trained, it puts its weight for output ``t`` on
  input ``T - 1 - t``: an anti-diagonal, which chapter 13 plots.

Each run takes a few seconds on one CPU core, so the chapters train it live.
:func:`reversal_experiment` repeats both models over three seeds;
``python -m rnncourse.experiments reversal`` regenerates its cached result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from rnncourse._validation import check_int, check_positive
from rnncourse.data.tasks import reversal_task
from rnncourse.data.vocab import EOS_ID
from rnncourse.experiments._cache import _config, _load_cached
from rnncourse.nn.seq2seq import Seq2Seq
from rnncourse.train.fitting import EVAL_SEED_OFFSET
from rnncourse.train.seq2seq import greedy_from_state, train_decoder

__all__ = [
    "REVERSAL_DEFAULTS",
    "reversal_experiment",
    "FIRST_ID",
    "ReversalConfig",
    "ReversalResult",
    "reversal_model",
    "train_reversal",
    "decode_reversal",
    "reversal_accuracy",
]

#: Model id of digit 0 (ids 0, 1, 2 are ``<PAD>``, ``<UNK>``, ``<EOS>``; ``<EOS>`` starts decoding).
FIRST_ID = EOS_ID + 1


@dataclass
class ReversalConfig:
    """One training run of the reversal toy (the fields :func:`train_reversal` takes)."""

    attention: bool = True
    T: int = 8
    n_symbols: int = 9
    steps: int = 600
    batch_size: int = 64
    hidden_size: int = 32
    embed_size: int = 16
    lr: float = 5e-3
    clip: float | None = None
    seed: int = 0


@dataclass
class ReversalResult:
    """A trained reversal model, its loss per update and its greedy-decoding accuracy."""

    model: Seq2Seq
    config: ReversalConfig
    losses: list[float] = field(default_factory=list)
    token_accuracy: float = 0.0
    sequence_accuracy: float = 0.0


def reversal_model(config: ReversalConfig) -> Seq2Seq:
    """Return the untrained :class:`~rnncourse.nn.seq2seq.Seq2Seq` that ``config`` describes."""
    vocab = FIRST_ID + config.n_symbols
    attention = "multiplicative" if config.attention else None
    return Seq2Seq(
        vocab, vocab, config.embed_size, config.hidden_size, "gru", attention, bidirectional=False
    )


def _as_ids(digits: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.asarray(digits, dtype=np.int64) + FIRST_ID)


def train_reversal(
    attention: bool = True,
    T: int = 8,
    n_symbols: int = 9,
    steps: int = 600,
    batch_size: int = 64,
    hidden_size: int = 32,
    lr: float = 5e-3,
    seed: int = 0,
    clip: float | None = None,
) -> ReversalResult:
    """Train on fresh batches with Adam and cross-entropy; evaluate greedy decoding.

    Parameters
    ----------
    attention : bool
        With or without the attention read.
    T : int
        String length.
    n_symbols : int
        K, the number of digits.
    steps : int
        Updates, each on a fresh batch.
    batch_size, hidden_size : int
    lr : float
        Adam's learning rate.
    seed : int
        Seeds torch (initial weights) and the training batches
        (:func:`rnncourse.train.seed_everything`); the 1000 test strings come from
        ``seed + EVAL_SEED_OFFSET``.
    clip : float or None
        Clip the global gradient norm to this before each update; None: no clipping.

    Returns
    -------
    ReversalResult
    """
    check_int("T", T, 2)
    check_int("steps", steps)
    check_int("batch_size", batch_size)
    check_positive("lr", lr)
    config = ReversalConfig(
        attention, T, n_symbols, steps, batch_size, hidden_size, lr=lr, clip=clip, seed=seed
    )

    def sample(rng: np.random.Generator) -> tuple[tuple[torch.Tensor, ...], torch.Tensor]:
        src, tgt = reversal_task(batch_size, T, n_symbols, rng)
        return (_as_ids(src), torch.full((batch_size,), T)), _as_ids(tgt)

    trained = train_decoder(config, lambda: reversal_model(config), sample)
    result = ReversalResult(trained.model, config, trained.losses)
    test_rng = np.random.default_rng(seed + EVAL_SEED_OFFSET)
    result.token_accuracy, result.sequence_accuracy = reversal_accuracy(
        trained.model, *reversal_task(1000, T, n_symbols, test_rng)
    )
    return result


def decode_reversal(model: Seq2Seq, src: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """Greedy decoding of exactly ``T`` digits per string.

    Parameters
    ----------
    model : Seq2Seq
        From :func:`reversal_model` (trained).
    src : ndarray of int, shape (N, T)
        Digit strings.

    Returns
    -------
    digits : ndarray of int64, shape (N, T)
        The decoded digits (a special token decodes to a negative number, which is never right).
    weights : ndarray, shape (N, T, T), or None without attention
        ``weights[n, t, l]``: the weight output step ``t`` puts on input position ``l``.
    """
    if not isinstance(model, Seq2Seq):
        raise TypeError(f"model must be a Seq2Seq, got {type(model).__name__}")
    src = np.asarray(src)
    if src.ndim != 2:
        raise ValueError(f"src must be (N, T) digits, got shape {src.shape}")
    N, T = src.shape
    state = model.eval().start(_as_ids(src), torch.full((N,), T))
    tokens, maps = greedy_from_state(model, state, max_len=T, stop_at_eos=False)
    weights = None if maps[0] is None else np.stack(maps)
    return np.array(tokens, dtype=np.int64) - FIRST_ID, weights


def reversal_accuracy(model: Seq2Seq, src: np.ndarray, tgt: np.ndarray) -> tuple[float, float]:
    """Token and whole-string accuracy of :func:`decode_reversal` against ``tgt`` (N, T)."""
    digits, _ = decode_reversal(model, src)
    correct = digits == np.asarray(tgt)
    return float(correct.mean()), float(correct.all(axis=1).mean())


REVERSAL_DEFAULTS: dict[str, Any] = {
    "T": 8,
    "n_symbols": 9,
    "steps": 600,
    "batch_size": 64,
    "hidden_size": 32,
    "lr": 5e-3,
    "seeds": [0, 1, 2],
}


def reversal_experiment(cached: bool = True, **overrides: Any) -> dict[str, Any]:
    """Greedy-decoding accuracy of the reversal model with and without attention, per seed.

    Parameters
    ----------
    cached : bool
        Return the stored result when it was made with exactly this configuration.
    **overrides
        Keys of :data:`REVERSAL_DEFAULTS` (``T``, ``n_symbols``, ``steps``, ``batch_size``,
        ``hidden_size``, ``lr``, ``seeds``); any other name raises ``TypeError``.

    Returns
    -------
    dict
        ``"runs"``: ``{"none": ..., "attention": ...}``, each with ``"token_accuracy"`` and
        ``"sequence_accuracy"`` (lists of float, one per seed, in the order of ``seeds``; the
        fractions of output digits and of whole strings decoded correctly); ``"config"``;
        ``"source"``: ``"live"`` or the cache file's name.
    """
    config = _config(REVERSAL_DEFAULTS, overrides, "reversal_experiment")
    if cached:
        hit = _load_cached("reversal", config)
        if hit is not None:
            return hit
    settings = {k: v for k, v in config.items() if k != "seeds"}
    runs: dict[str, dict[str, list[float]]] = {}
    for name in ("none", "attention"):
        token, sequence = [], []
        for seed in config["seeds"]:
            result = train_reversal(attention=name == "attention", seed=seed, **settings)
            token.append(result.token_accuracy)
            sequence.append(result.sequence_accuracy)
        runs[name] = {"token_accuracy": token, "sequence_accuracy": sequence}
    return {"config": config, "runs": runs, "source": "live"}
