"""Encoder-decoder with attention (PyTorch): the model behind the date translator of chapter 13.

* **Encoder**: embedding, then a GRU or LSTM from :mod:`rnncourse.nn`, bidirectional by default,
  that reads the padded source as a :class:`~torch.nn.utils.rnn.PackedSequence`, so padding never
  enters a state. Its outputs ``k_l`` (N, L, D), one per source position (D = 2H, or H for a
  one-directional encoder), are the *keys* (and values) attended to.
* **Attention** (one score per key, softmax over the unpadded positions, context = weighted sum):
  :class:`AdditiveAttention` (Bahdanau et al. 2015), ``e_l = w . tanh(s W_s + k_l W_k + b)``;
  :class:`MultiplicativeAttention` (Luong et al. 2015, "general"), ``e_l = k_l . (s W)``.
* **Decoder**: a GRU/LSTM cell started from ``tanh([h_fwd; h_bwd] W_init)`` (``tanh(h_L W_init)``
  for a one-directional encoder). At step ``t`` it reads
  the previous token and the previous context (Luong's "input feeding"), updates its state ``s_t``,
  attends with ``s_t`` and predicts from ``[s_t; c_t]``. Without attention (``attention=None``) the
  start state is the only way the source reaches the decoder (Sutskever et al. 2014).

:meth:`Seq2Seq.forward` is teacher-forced (the true previous token is fed); :meth:`Seq2Seq.start`
and :meth:`Seq2Seq.step` are what greedy and beam search in :mod:`rnncourse.train.seq2seq` call.
The date translator of chapter 13 is the default model; the reversal toy of chapters 5 and 13
(:mod:`rnncourse.experiments.reversal`) is the same class with a one-directional encoder and
the multiplicative score.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from rnncourse._validation import check_choice
from rnncourse.nn.cells import GRUCell, LSTMCell
from rnncourse.nn.layers import GRU, LSTM

__all__ = ["AdditiveAttention", "MultiplicativeAttention", "DecoderState", "Seq2Seq"]

_CELLS = {"gru": (GRU, GRUCell), "lstm": (LSTM, LSTMCell)}


def _masked_softmax(scores: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    # Padded positions get -inf, hence weight exactly 0.
    return torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=1)


class AdditiveAttention(nn.Module):
    """Bahdanau's score ``e_l = w . tanh(s W_s + k_l W_k + b)``, softmax, weighted sum of the keys.

    The bias ``b`` (A,) of the score's hidden layer is ``W_k``'s bias; the paper's form has none
    (b = 0 recovers it). The shipped date models were trained with it.

    Parameters
    ----------
    query_size : int
        Size of the decoder state ``s`` (H_dec).
    key_size : int
        Size of each key ``k_l`` (D, 2H for a bidirectional encoder).
    attn_size : int
        Size of the hidden layer of the score (A).
    """

    def __init__(self, query_size: int, key_size: int, attn_size: int) -> None:
        super().__init__()
        self.W_s = nn.Linear(query_size, attn_size, bias=False)
        self.W_k = nn.Linear(key_size, attn_size, bias=True)
        self.w = nn.Linear(attn_size, 1, bias=False)

    def project_keys(self, keys: torch.Tensor) -> torch.Tensor:
        """``k_l W_k + b`` for every position, (N, L, A): computed once per source, not per step."""
        return self.W_k(keys)

    def forward(
        self, s: torch.Tensor, keys: torch.Tensor, mask: torch.Tensor, proj: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Context (N, D) and weights (N, L) for queries ``s`` (N, H_dec), keys (N, L, D)."""
        scores = self.w(torch.tanh(proj + self.W_s(s).unsqueeze(1))).squeeze(2)
        a = _masked_softmax(scores, mask)
        return torch.bmm(a.unsqueeze(1), keys).squeeze(1), a


class MultiplicativeAttention(nn.Module):
    """Luong's "general" score ``e_l = k_l . (s W)``, softmax, weighted sum of the keys.

    Parameters
    ----------
    query_size : int
        Size of the decoder state ``s`` (H_dec).
    key_size : int
        Size of each key (D).
    """

    def __init__(self, query_size: int, key_size: int) -> None:
        super().__init__()
        self.W = nn.Linear(query_size, key_size, bias=False)

    def project_keys(self, keys: torch.Tensor) -> torch.Tensor:
        """Nothing to precompute: the keys themselves."""
        return keys

    def forward(
        self, s: torch.Tensor, keys: torch.Tensor, mask: torch.Tensor, proj: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Context (N, D) and weights (N, L) for queries ``s`` (N, H_dec), keys (N, L, D)."""
        scores = torch.bmm(proj, self.W(s).unsqueeze(2)).squeeze(2)
        a = _masked_softmax(scores, mask)
        return torch.bmm(a.unsqueeze(1), keys).squeeze(1), a


class DecoderState(NamedTuple):
    """Everything a decoding step needs; every tensor has the batch (or beam) on axis 0."""

    s: torch.Tensor  # (N, H) decoder hidden state
    c: torch.Tensor  # (N, H) LSTM cell (zeros for a GRU)
    context: torch.Tensor  # (N, D) previous context (zeros without attention)
    keys: torch.Tensor  # (N, L, D)
    proj: torch.Tensor  # (N, L, D or A) keys as the score needs them
    mask: torch.Tensor  # (N, L) True at real source positions

    def select(self, index: torch.Tensor) -> DecoderState:
        """Return the rows ``index`` of every field (beam search reorders and copies hypotheses)."""
        return DecoderState(*(x.index_select(0, index) for x in self))


class Seq2Seq(nn.Module):
    """Encoder (bidirectional by default), attentive decoder.

    Parameters
    ----------
    src_vocab, tgt_vocab : int
        Vocabulary sizes (id 0 is ``<PAD>``; the target's ``<EOS>`` also starts decoding).
    embed_size : int
        Size of the token embeddings (both sides).
    hidden_size : int
        H: each encoder direction and the decoder state.
    cell : {"gru", "lstm"}
    attention : {"additive", "multiplicative", None}
    bidirectional : bool, default True
        Whether the encoder also reads the source backwards (keys of size D = 2H, else H).
    """

    def __init__(
        self,
        src_vocab: int,
        tgt_vocab: int,
        embed_size: int = 16,
        hidden_size: int = 48,
        cell: str = "gru",
        attention: str | None = "additive",
        bidirectional: bool = True,
    ) -> None:
        super().__init__()
        check_choice("cell", cell, sorted(_CELLS))
        if attention not in ("additive", "multiplicative", None):
            raise ValueError(
                f"attention must be 'additive', 'multiplicative' or None, got {attention!r}"
            )
        for name, v in (("src_vocab", src_vocab), ("tgt_vocab", tgt_vocab)):
            if int(v) != v or v < 3:
                raise ValueError(f"{name} must be an int >= 3, got {v!r}")
        layer, step_cell = _CELLS[cell]
        H, D = hidden_size, (2 if bidirectional else 1) * hidden_size
        self.cell, self.attention_kind, self.tgt_vocab = cell, attention, tgt_vocab
        self.src_embed = nn.Embedding(src_vocab, embed_size, padding_idx=0)
        self.tgt_embed = nn.Embedding(tgt_vocab, embed_size, padding_idx=0)
        self.encoder = layer(embed_size, H, batch_first=True, bidirectional=bool(bidirectional))
        self.init = nn.Linear(D, H)
        context = D if attention else 0
        self.decoder = step_cell(embed_size + context, H)
        if attention == "additive":
            self.attention = AdditiveAttention(H, D, H)
        elif attention == "multiplicative":
            self.attention = MultiplicativeAttention(H, D)
        else:
            self.attention = None
        self.out = nn.Linear(H + context, tgt_vocab)

    def start(self, src: torch.Tensor, src_len: torch.Tensor) -> DecoderState:
        """Encode a padded batch.

        Parameters
        ----------
        src : LongTensor, shape (N, L)
            Source ids padded with 0.
        src_len : LongTensor, shape (N,)
            True lengths (>= 1, <= L).

        Returns
        -------
        DecoderState
        """
        _check_batch(src, src_len)
        packed = pack_padded_sequence(
            self.src_embed(src), src_len.cpu(), batch_first=True, enforce_sorted=False
        )
        out, h_n = self.encoder(packed)
        keys, _ = pad_packed_sequence(out, batch_first=True, total_length=src.shape[1])
        h_n = h_n[0] if self.cell == "lstm" else h_n  # (directions, N, H): the final states
        s = torch.tanh(self.init(torch.cat(list(h_n), dim=1)))
        mask = torch.arange(src.shape[1], device=src.device)[None, :] < src_len[:, None]
        proj = self.attention.project_keys(keys) if self.attention else keys[:, :, :0]
        width = keys.shape[2] if self.attention else 0
        return DecoderState(s, torch.zeros_like(s), keys.new_zeros(len(s), width), keys, proj, mask)

    def step(
        self, token: torch.Tensor, state: DecoderState
    ) -> tuple[torch.Tensor, DecoderState, torch.Tensor | None]:
        """One decoding step.

        Parameters
        ----------
        token : LongTensor, shape (N,)
            The previous output token (``<EOS>`` = 2 at the first step).
        state : DecoderState

        Returns
        -------
        logits : Tensor, shape (N, V_tgt)
        state : DecoderState
        weights : Tensor, shape (N, L), or None without attention
        """
        x = torch.cat([self.tgt_embed(token), state.context], dim=1)
        if self.cell == "lstm":
            s, c = self.decoder(x, (state.s, state.c))
        else:
            s, c = self.decoder(x, state.s), state.c
        if self.attention is None:
            return self.out(s), state._replace(s=s, c=c), None
        context, a = self.attention(s, state.keys, state.mask, state.proj)
        logits = self.out(torch.cat([s, context], dim=1))
        return logits, state._replace(s=s, c=c, context=context), a

    def forward(
        self, src: torch.Tensor, src_len: torch.Tensor, tgt_in: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Teacher-forced pass.

        Parameters
        ----------
        src : LongTensor, shape (N, L)
        src_len : LongTensor, shape (N,)
        tgt_in : LongTensor, shape (N, T)
            Decoder inputs: ``<EOS>`` then the target shifted right by one.

        Returns
        -------
        logits : Tensor, shape (N, T, V_tgt)
        weights : Tensor, shape (N, T, L), or None without attention
        """
        return self.teacher_forced(self.start(src, src_len), tgt_in)

    def teacher_forced(
        self, state: DecoderState, tgt_in: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Decode from ``state`` feeding the given tokens, one :meth:`step` each.

        Parameters
        ----------
        state : DecoderState
            From :meth:`start` (N sequences).
        tgt_in : LongTensor, shape (N, T)

        Returns
        -------
        logits : Tensor, shape (N, T, V)
        weights : Tensor, shape (N, T, L), or None without attention
        """
        N = state.s.shape[0]
        if tgt_in.dim() != 2 or tgt_in.shape[0] != N:
            raise ValueError(f"tgt_in must be (N, T) with N = {N}, got {tuple(tgt_in.shape)}")
        logits, weights = [], []
        for t in range(tgt_in.shape[1]):
            step_logits, state, a = self.step(tgt_in[:, t], state)
            logits.append(step_logits)
            weights.append(a)
        stacked = torch.stack(weights, 1) if self.attention is not None else None
        return torch.stack(logits, 1), stacked


def _check_batch(src: torch.Tensor, src_len: torch.Tensor) -> None:
    if not isinstance(src, torch.Tensor) or src.dtype != torch.long or src.dim() != 2:
        raise ValueError(f"src must be a LongTensor (N, L), got {getattr(src, 'shape', src)!r}")
    if not isinstance(src_len, torch.Tensor) or tuple(src_len.shape) != (src.shape[0],):
        raise ValueError(
            f"src_len must be a tensor (N,) = ({src.shape[0]},), "
            f"got {tuple(getattr(src_len, 'shape', ()))}"
        )
    if len(src_len) and (int(src_len.min()) < 1 or int(src_len.max()) > src.shape[1]):
        raise ValueError(
            f"src_len must be in [1, L] = [1, {src.shape[1]}], "
            f"got [{int(src_len.min())}, {int(src_len.max())}]"
        )
