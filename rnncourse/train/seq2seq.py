"""Training and decoding for :class:`rnncourse.nn.seq2seq.Seq2Seq` on the date task.

* :func:`masked_loss` - cross-entropy over real target tokens only (padding ignored).
* :func:`train_dates` - Adam on fresh batches drawn from the training days.
* :func:`greedy_decode` - batched: always take the most likely next token.
* :func:`beam_search` - for one source and any step function; keeps the ``beam_size`` best partial
  outputs by total log-probability and ranks finished ones by ``log p / length**alpha`` (length
  normalisation: without it, shorter outputs win only because they multiply fewer probabilities).
* :func:`accuracy` - exact match and per-character accuracy of decoded strings.

The measured comparison of the book is :func:`rnncourse.experiments.dates.run`.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from rnncourse.data.dates import SOURCE_VOCAB, TARGET_VOCAB, date_pairs, encode_pairs
from rnncourse.data.vocab import EOS_ID, PAD_ID
from rnncourse.nn.seq2seq import Seq2Seq
from rnncourse.train.fitting import fit_adam, seed_everything

__all__ = [
    "masked_loss",
    "shift_right",
    "batch_tensors",
    "DateTrainConfig",
    "TrainedDecoder",
    "date_model",
    "train_dates",
    "train_decoder",
    "timed_training",
    "greedy_decode",
    "greedy_from_state",
    "beam_search",
    "beam_decode",
    "accuracy",
]


def shift_right(tgt: torch.Tensor) -> torch.Tensor:
    """Return teacher-forcing decoder inputs: ``<EOS>`` (the start token), then ``tgt[:, :-1]``."""
    start = torch.full((tgt.shape[0], 1), EOS_ID, dtype=tgt.dtype, device=tgt.device)
    return torch.cat([start, tgt[:, :-1]], dim=1)


def masked_loss(logits: torch.Tensor, tgt: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy over the non-padding target tokens.

    Parameters
    ----------
    logits : Tensor, shape (N, T, V)
    tgt : LongTensor, shape (N, T)
        Target ids, ``<PAD>`` (0) after each row's ``<EOS>``.

    Returns
    -------
    Tensor, scalar
    """
    if logits.dim() != 3 or tuple(logits.shape[:2]) != tuple(tgt.shape):
        raise ValueError(
            f"logits must be (N, T, V) with (N, T) = {tuple(tgt.shape)}, got {tuple(logits.shape)}"
        )
    return nn.functional.cross_entropy(
        logits.reshape(-1, logits.shape[2]), tgt.reshape(-1), ignore_index=PAD_ID
    )


def batch_tensors(pairs: Sequence[tuple[str, str]]) -> dict[str, torch.Tensor]:
    """:func:`rnncourse.data.dates.encode_pairs` as torch tensors."""
    return {k: torch.from_numpy(v) for k, v in encode_pairs(pairs).items()}


@dataclass
class DateTrainConfig:
    """Hyper-parameters of :func:`train_dates` (defaults: the book's shipped models)."""

    attention: str | None = "additive"
    cell: str = "gru"
    embed_size: int = 16
    hidden_size: int = 48
    steps: int = 500
    batch_size: int = 128
    lr: float = 5e-3
    clip: float = 1.0
    n_dates: tuple[int, int] = (1, 3)
    seed: int = 0


@dataclass
class TrainedDecoder:
    """A trained encoder-decoder (date translator or captioner), its config and loss per step."""

    model: nn.Module
    config: Any
    losses: list[float] = field(default_factory=list)


def date_model(config: DateTrainConfig) -> Seq2Seq:
    """Return the (untrained) date translator that ``config`` describes."""
    return Seq2Seq(
        len(SOURCE_VOCAB),
        len(TARGET_VOCAB),
        config.embed_size,
        config.hidden_size,
        config.cell,
        config.attention,
    )


def train_dates(config: DateTrainConfig, train_days: Sequence[Any]) -> TrainedDecoder:
    """Train a date translator with teacher forcing and the masked loss.

    Parameters
    ----------
    config : DateTrainConfig
    train_days : sequence of datetime.date
        The training side of :func:`rnncourse.data.dates.split_dates`.

    Returns
    -------
    TrainedDecoder
    """

    def sample(rng: np.random.Generator) -> tuple[tuple[torch.Tensor, ...], torch.Tensor]:
        b = batch_tensors(date_pairs(train_days, config.batch_size, rng, config.n_dates))
        return (b["src"], b["src_len"]), b["tgt"]

    return train_decoder(config, lambda: date_model(config), sample)


def train_decoder(
    config: Any,
    build: Callable[[], nn.Module],
    sample: Callable[[np.random.Generator], tuple[tuple[torch.Tensor, ...], torch.Tensor]],
) -> TrainedDecoder:
    """Seed torch and NumPy with ``config.seed``, build the model, train it by teacher forcing.

    Parameters
    ----------
    config : DateTrainConfig or CaptionTrainConfig
        Reads ``seed``, ``steps``, ``lr`` and ``clip``.
    build : callable
        Returns the model; called after seeding, so the seed fixes its initial weights.
    sample : callable
        ``sample(rng) -> (inputs, tgt)``, a fresh batch drawn with the seeded NumPy generator.

    Returns
    -------
    TrainedDecoder
    """
    rng, _ = seed_everything(config.seed)
    model = build()
    losses = teacher_forcing(model, lambda: sample(rng), config.steps, config.lr, config.clip)
    return TrainedDecoder(model, config, losses)


def timed_training(
    train: Callable[[Any, Any], TrainedDecoder], config: Any, data: Any
) -> tuple[TrainedDecoder, dict[str, Any]]:
    """Run ``train(config, data)``; return the result and the start of its shipped row.

    The row holds the config, the training's CPU seconds and the loss of every 10th update.
    """
    t0 = time.process_time()
    trained = train(config, data)
    row = {
        "config": dataclasses.asdict(config),
        "train_cpu_s": time.process_time() - t0,
        "loss_every_10": trained.losses[::10],
    }
    return trained, row


def teacher_forcing(
    model: nn.Module,
    batch: Callable[[], tuple[tuple[torch.Tensor, ...], torch.Tensor]],
    steps: int,
    lr: float,
    clip: float,
) -> list[float]:
    """Train a decoder with teacher forcing: Adam on the masked loss, gradients clipped by norm.

    Parameters
    ----------
    model : nn.Module
        Called as ``model(*inputs, shift_right(tgt))``; returns ``(logits (N, T, V), extra)``.
    batch : callable
        Returns ``(inputs, tgt)`` for the next update; ``tgt`` (N, T) ends each row with
        ``<EOS>`` and pads with ``<PAD>``.
    steps, lr, clip : int, float, float
        Updates, Adam's learning rate, the largest gradient norm.

    Returns
    -------
    list of float
        The training loss of each update. The model is left in eval mode.
    """

    def next_loss() -> torch.Tensor:
        inputs, tgt = batch()
        logits, _ = model(*inputs, shift_right(tgt))
        return masked_loss(logits, tgt)

    losses = fit_adam(model, next_loss, steps, lr, clip)
    model.eval()
    return losses


@torch.no_grad()
def greedy_decode(
    model: Seq2Seq, src: torch.Tensor, src_len: torch.Tensor, max_len: int = 40
) -> tuple[list[list[int]], list[np.ndarray | None]]:
    """Decode a batch, feeding back the most likely token, until ``<EOS>`` or ``max_len``.

    Returns
    -------
    tokens : list of list of int
        Per example, the ids before ``<EOS>``.
    weights : list of ndarray (T_out, L_n) or None
        Per example, the attention weights of each output step (``<EOS>`` step included), over
        that example's real source positions.
    """
    return greedy_from_state(model, model.start(src, src_len), max_len)


@torch.no_grad()
def greedy_from_state(
    model: Any, state: Any, max_len: int = 40, stop_at_eos: bool = True
) -> tuple[list[list[int]], list[np.ndarray | None]]:
    """:func:`greedy_decode` from an encoded batch: any model with ``step(token, state)``.

    ``state`` needs a ``mask`` (N, L) of real source positions (the image captioner of
    :mod:`rnncourse.nn.captioning` uses this too). Returns as :func:`greedy_decode`; with
    ``stop_at_eos=False`` every output has exactly ``max_len`` tokens (a task of fixed length).
    """
    n_batch = state.mask.shape[0]
    src_len = state.mask.sum(dim=1)
    token = torch.full((n_batch,), EOS_ID, dtype=torch.long)
    steps, weights = [], []
    done = torch.zeros(n_batch, dtype=torch.bool)
    for _ in range(max_len):
        logits, state, a = model.step(token, state)
        token = logits.argmax(dim=1)
        steps.append(token)
        weights.append(a)
        done |= token == EOS_ID
        if stop_at_eos and bool(done.all()):
            break
    ids = torch.stack(steps, 1).tolist()
    tokens, maps = [], []
    for n, row in enumerate(ids):
        end = row.index(EOS_ID) if stop_at_eos and EOS_ID in row else len(row)
        tokens.append(row[:end])
        if weights[0] is None:
            maps.append(None)
        else:
            w = torch.stack([x[n] for x in weights[: end + 1]]).numpy()
            maps.append(w[:, : int(src_len[n])])
    return tokens, maps


def beam_search(
    step: Callable[[torch.Tensor, Any], tuple[torch.Tensor, Any]],
    state: Any,
    beam_size: int,
    max_len: int,
    start_id: int = EOS_ID,
    eos_id: int = EOS_ID,
    alpha: float = 0.7,
    select: Callable[[Any, torch.Tensor], Any] | None = None,
) -> tuple[list[int], float]:
    """Beam search for one source.

    Parameters
    ----------
    step : callable ``(tokens (K,), state) -> (log_probs (K, V), state)``
        One decoding step for K hypotheses at once; ``log_probs`` are log-softmax outputs.
    state : any
        The state of the single starting hypothesis (K = 1).
    beam_size : int
        B >= 1. ``beam_size=1`` is greedy decoding.
    max_len : int
        Longest output, ``<EOS>`` included; unfinished hypotheses are ranked at that length.
    start_id, eos_id : int
    alpha : float
        Length-normalisation exponent: finished hypotheses are ranked by ``log p / len**alpha``
        (0 = raw log-probability, 1 = mean log-probability per token).
    select : callable ``(state, index) -> state``, optional
        Picks rows of a state; default ``state.select(index)``.

    Returns
    -------
    tokens : list of int
        The best output, without ``<EOS>``.
    score : float
        Its normalised score.
    """
    if int(beam_size) != beam_size or beam_size < 1:
        raise ValueError(f"beam_size must be an int >= 1, got {beam_size!r}")
    if int(max_len) != max_len or max_len < 1:
        raise ValueError(f"max_len must be an int >= 1, got {max_len!r}")
    select = select or (lambda st, idx: st.select(idx))
    seqs: list[list[int]] = [[]]
    scores = torch.zeros(1, dtype=torch.float64)
    tokens = torch.tensor([start_id])
    finished: list[tuple[float, list[int]]] = []
    for t in range(1, max_len + 1):
        log_probs, state = step(tokens, state)
        total = (scores[:, None] + log_probs.double()).flatten()
        V = log_probs.shape[1]
        width = beam_size - len(finished)  # each finished hypothesis takes one place
        top = torch.topk(total, min(2 * width, total.numel()))
        keep, new_seqs, new_scores, new_tokens = [], [], [], []
        for score, flat in zip(top.values.tolist(), top.indices.tolist(), strict=True):
            if score == -math.inf:  # impossible continuations are never hypotheses
                break
            k, v = divmod(flat, V)
            if v == eos_id:
                finished.append((score / t**alpha, seqs[k]))
            else:
                keep.append(k)
                new_seqs.append(seqs[k] + [v])
                new_scores.append(score)
                new_tokens.append(v)
            if len(keep) + len(finished) >= beam_size:
                break
        if len(finished) >= beam_size or not keep:
            break
        state = select(state, torch.tensor(keep))
        seqs, scores, tokens = (
            new_seqs,
            torch.tensor(new_scores, dtype=torch.float64),
            torch.tensor(new_tokens),
        )
    else:
        finished += [(s / max_len**alpha, q) for s, q in zip(scores.tolist(), seqs, strict=True)]
    best_score, best = max(finished, key=lambda f: f[0])
    return best, best_score


@torch.no_grad()
def beam_decode(
    model: Seq2Seq,
    src: torch.Tensor,
    src_len: torch.Tensor,
    beam_size: int,
    max_len: int = 40,
    alpha: float = 0.7,
) -> list[list[int]]:
    """:func:`beam_search` with ``model.step`` for every source of a batch (one at a time)."""

    def step(tokens: torch.Tensor, state: Any) -> tuple[torch.Tensor, Any]:
        logits, state, _ = model.step(tokens, state)
        return torch.log_softmax(logits, dim=1), state

    out = []
    for n in range(src.shape[0]):
        state = model.start(src[n : n + 1, : int(src_len[n])], src_len[n : n + 1])
        out.append(beam_search(step, state, beam_size, max_len, alpha=alpha)[0])
    return out


def accuracy(predicted: Sequence[str], targets: Sequence[str]) -> dict[str, float]:
    """Exact match and per-character accuracy.

    Per-character accuracy counts, over all target characters, those that the prediction has at
    the same position (a missing character is wrong; extra characters are not counted).

    Returns
    -------
    dict with ``exact`` and ``per_char``, both in [0, 1]
    """
    if len(predicted) != len(targets) or not targets:
        raise ValueError(
            f"predicted and targets must be non-empty and of equal length, "
            f"got {len(predicted)} and {len(targets)}"
        )
    exact = np.mean([p == t for p, t in zip(predicted, targets, strict=True)])
    right = sum(
        sum(a == b for a, b in zip(p, t, strict=False))
        for p, t in zip(predicted, targets, strict=True)
    )
    return {"exact": float(exact), "per_char": right / sum(len(t) for t in targets)}
