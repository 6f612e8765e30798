"""A toy sequence-to-sequence task where attention is needed and its weights can be read.

The task is *reversal*: the input is a random string of ``T`` digits, the target is the same string
backwards. An encoder GRU (from :mod:`rnncourse.nn`) reads the input; a decoder GRU writes the
output one token at a time (teacher forcing in training, greedy decoding at test time). Two decoders
are compared:

* **without attention** - the decoder starts from the encoder's final state and must carry the
  whole input in that one ``H``-dimensional vector (the plain encoder-decoder of chapter 5);
* **with attention** - at every output step ``t`` the decoder state ``h_t`` scores all ``L = T``
  encoder states, turns the scores into weights ``a_t`` (softmax) and reads the context
  ``z_t = sum_l a_{t,l} v_l``; the prediction uses ``[h_t; z_t]``.

The attention read is :func:`attend`, the PyTorch twin of
:func:`rnncourse.reference.attention.attention_forward` (same bilinear score, same equations; the
tests check they agree). For reversal, a trained model puts its weight for output ``t`` on input
``T - 1 - t``: the weight matrix is an anti-diagonal, which the book plots.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

import rnncourse.nn as rnn_nn
from rnncourse._validation import as_generator, check_int, check_positive

__all__ = [
    "START",
    "reversal_batch",
    "attend",
    "AttentionSeq2Seq",
    "ToyResult",
    "train_reversal",
    "evaluate",
]

START = 0  # token id fed to the decoder at its first step; inputs use ids 1 .. vocab_size - 1


def reversal_batch(
    n: int, T: int, vocab_size: int, rng: np.random.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """Random digit strings and their reversals.

    Parameters
    ----------
    n : int
        Batch size N (>= 1).
    T : int
        Sequence length (>= 2).
    vocab_size : int
        V (>= 3); id 0 is the start token, inputs are drawn uniformly from 1 .. V-1.
    rng : numpy.random.Generator

    Returns
    -------
    src, tgt : LongTensor, shape (N, T)
        ``tgt[:, t] == src[:, T - 1 - t]``.
    """
    check_int("n", n)
    check_int("T", T, 2)
    check_int("vocab_size", vocab_size, 3)
    rng = as_generator(rng)
    src = rng.integers(1, vocab_size, size=(n, T))
    return torch.from_numpy(src), torch.from_numpy(src[:, ::-1].copy())


def attend(
    h: torch.Tensor, features: torch.Tensor, Wa: torch.Tensor, mask: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Soft attention: ``e = features . (h Wa)``, ``a = softmax(e)``, ``z = sum_l a_l features_l``.

    Parameters
    ----------
    h : Tensor, shape (N, H)
    features : Tensor, shape (N, L, D)
    Wa : Tensor, shape (H, D)
    mask : BoolTensor, shape (N, L), optional
        False for locations that get zero weight.

    Returns
    -------
    z : Tensor, shape (N, D)
    a : Tensor, shape (N, L)
    """
    if h.dim() != 2 or features.dim() != 3 or features.shape[0] != h.shape[0]:
        raise ValueError(
            f"h must be (N, H) and features (N, L, D) with the same N, "
            f"got {tuple(h.shape)} and {tuple(features.shape)}"
        )
    if tuple(Wa.shape) != (h.shape[1], features.shape[2]):
        raise ValueError(
            f"Wa must be (H, D) = ({h.shape[1]}, {features.shape[2]}), got {tuple(Wa.shape)}"
        )
    # Batched matrix products rather than einsum: much less overhead at these tiny sizes.
    scores = torch.bmm(features, (h @ Wa).unsqueeze(2)).squeeze(2)
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    a = torch.softmax(scores, dim=1)
    return torch.bmm(a.unsqueeze(1), features).squeeze(1), a


class AttentionSeq2Seq(nn.Module):
    """GRU encoder-decoder for the toy task, with or without attention.

    Parameters
    ----------
    vocab_size : int
        V, including the start token 0.
    hidden_size : int
        H, for encoder and decoder (the attended features have D = H).
    embed_size : int
        Size of the token embeddings.
    attention : bool
        Whether the decoder reads a context vector ``z_t`` at every step.
    """

    def __init__(
        self, vocab_size: int, hidden_size: int = 32, embed_size: int = 16, attention: bool = True
    ) -> None:
        super().__init__()
        check_int("vocab_size", vocab_size, 3)
        check_int("hidden_size", hidden_size)
        check_int("embed_size", embed_size)
        self.vocab_size, self.attention = vocab_size, bool(attention)
        self.embed = nn.Embedding(vocab_size, embed_size)
        # The recurrent parts are rnncourse.nn's GRU modules (drop-in for torch.nn's).
        self.encoder = rnn_nn.GRU(embed_size, hidden_size, batch_first=True)
        self.decoder = rnn_nn.GRUCell(embed_size, hidden_size)
        self.Wa = nn.Parameter(torch.randn(hidden_size, hidden_size) / hidden_size**0.5)
        self.out = nn.Linear(hidden_size * (2 if attention else 1), vocab_size)

    def forward(
        self, src: torch.Tensor, tgt_in: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Teacher-forced decoding.

        Parameters
        ----------
        src : LongTensor, shape (N, L)
        tgt_in : LongTensor, shape (N, T)
            Decoder inputs: the start token then the target shifted right by one.

        Returns
        -------
        logits : Tensor, shape (N, T, V)
        weights : Tensor, shape (N, T, L), or None without attention
        """
        self._check_tokens("src", src)
        self._check_tokens("tgt_in", tgt_in)
        if tgt_in.shape[0] != src.shape[0]:
            raise ValueError(
                f"tgt_in must have N = {src.shape[0]} rows like src, got {tuple(tgt_in.shape)}"
            )
        features, h = self._encode(src)
        logits, weights = [], []
        for t in range(tgt_in.shape[1]):
            step_logits, h, a = self._step(tgt_in[:, t], h, features)
            logits.append(step_logits)
            weights.append(a)
        return torch.stack(logits, 1), (torch.stack(weights, 1) if self.attention else None)

    @torch.no_grad()
    def greedy_decode(
        self, src: torch.Tensor, steps: int | None = None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Decode without teacher forcing: each predicted token is the next input.

        Returns
        -------
        tokens : LongTensor, shape (N, steps)   (steps defaults to L)
        weights : Tensor, shape (N, steps, L), or None without attention
        """
        self._check_tokens("src", src)
        steps = src.shape[1] if steps is None else steps
        check_int("steps", steps)
        features, h = self._encode(src)
        token = torch.full((src.shape[0],), START, dtype=torch.long)
        tokens, weights = [], []
        for _ in range(steps):
            step_logits, h, a = self._step(token, h, features)
            token = step_logits.argmax(dim=1)
            tokens.append(token)
            weights.append(a)
        return torch.stack(tokens, 1), (torch.stack(weights, 1) if self.attention else None)

    def _encode(self, src: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        features, h_n = self.encoder(self.embed(src))
        return features, h_n[0]

    def _step(
        self, token: torch.Tensor, h: torch.Tensor, features: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        h = self.decoder(self.embed(token), h)
        if not self.attention:
            return self.out(h), h, None
        z, a = attend(h, features, self.Wa)
        return self.out(torch.cat([h, z], dim=1)), h, a

    def _check_tokens(self, name: str, x: torch.Tensor) -> None:
        if not isinstance(x, torch.Tensor) or x.dtype != torch.long or x.dim() != 2:
            raise TypeError(f"{name} must be a LongTensor of shape (N, T)")
        if x.numel() and (int(x.min()) < 0 or int(x.max()) >= self.vocab_size):
            raise ValueError(
                f"{name} ids must be in [0, {self.vocab_size - 1}], "
                f"got [{int(x.min())}, {int(x.max())}]"
            )


@dataclass
class ToyResult:
    """A trained toy model and what the book reports about it."""

    model: AttentionSeq2Seq
    losses: list[float] = field(default_factory=list)
    token_accuracy: float = 0.0
    sequence_accuracy: float = 0.0


def _shift_right(tgt: torch.Tensor) -> torch.Tensor:
    start = torch.full((tgt.shape[0], 1), START, dtype=torch.long)
    return torch.cat([start, tgt[:, :-1]], dim=1)


def train_reversal(
    attention: bool = True,
    T: int = 8,
    vocab_size: int = 10,
    steps: int = 300,
    batch_size: int = 64,
    hidden_size: int = 32,
    lr: float = 1e-2,
    seed: int = 0,
) -> ToyResult:
    """Train a model on the reversal task with Adam and cross-entropy; evaluate greedy decoding.

    Parameters
    ----------
    attention : bool
        With or without the attention read.
    T : int
        Sequence length.
    vocab_size : int
        V including the start token.
    steps : int
        Optimiser steps, each on a fresh batch.
    batch_size, hidden_size : int
    lr : float
        Adam learning rate.
    seed : int
        Seeds both the data generator and torch's initialisation, so a run is reproducible.

    Returns
    -------
    ToyResult
        The model, the loss after each step and the greedy-decoding accuracy on 1000 fresh strings.
    """
    check_int("steps", steps)
    check_int("batch_size", batch_size)
    check_positive("lr", lr)
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = AttentionSeq2Seq(vocab_size, hidden_size, attention=attention)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    result = ToyResult(model)
    for _ in range(steps):
        src, tgt = reversal_batch(batch_size, T, vocab_size, rng)
        logits, _ = model(src, _shift_right(tgt))
        loss = nn.functional.cross_entropy(logits.reshape(-1, vocab_size), tgt.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        result.losses.append(loss.item())
    result.token_accuracy, result.sequence_accuracy = evaluate(model, T, n=1000, seed=seed + 1)
    return result


def evaluate(model: AttentionSeq2Seq, T: int, n: int = 1000, seed: int = 1) -> tuple[float, float]:
    """Greedy-decoding accuracy on ``n`` fresh strings of length ``T``.

    Returns
    -------
    token_accuracy : float
        Fraction of output tokens that are right.
    sequence_accuracy : float
        Fraction of strings reversed without a single mistake.
    """
    if not isinstance(model, AttentionSeq2Seq):
        raise TypeError(f"model must be an AttentionSeq2Seq, got {type(model).__name__}")
    src, tgt = reversal_batch(n, T, model.vocab_size, np.random.default_rng(seed))
    pred, _ = model.greedy_decode(src)
    correct = pred == tgt
    return float(correct.float().mean()), float(correct.all(dim=1).float().mean())
