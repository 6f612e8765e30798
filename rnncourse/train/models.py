"""PyTorch models used by the trainers: a character-level language model and small sequence models.

All recurrent layers come from :mod:`rnncourse.nn` by default (``backend="rnncourse"``); pass
``backend="torch"`` to use ``torch.nn`` instead (same constructor, same parameter names, so state
dicts are interchangeable).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from rnncourse._validation import check_choice
from rnncourse.train.config import BACKENDS, CELLS

State = Tensor | tuple[Tensor, Tensor]


def rnn_class(cell: str, backend: str = "rnncourse") -> type[nn.Module]:
    """Return the recurrent layer class of ``cell`` ("rnn", "gru", "lstm") from ``backend``."""
    if cell not in CELLS:
        raise ValueError(f"unknown model type {cell!r}: cell must be one of {list(CELLS)}")
    check_choice("backend", backend, BACKENDS)
    name = {"rnn": "RNN", "gru": "GRU", "lstm": "LSTM"}[cell]
    if backend == "torch":
        return getattr(nn, name)
    # Imported here, not at the top: the default torch path of `rnncourse train` never needs
    # rnncourse.nn, whose import was a measured part of the command's start-up
    # (benchmarks/README.md, "cli_speed.py").
    import rnncourse.nn as ours

    return getattr(ours, name)


def make_rnn(
    cell: str,
    input_size: int,
    hidden_size: int,
    num_layers: int = 1,
    dropout: float = 0.0,
    bidirectional: bool = False,
    backend: str = "rnncourse",
    nonlinearity: str = "tanh",
) -> nn.Module:
    """Return a batch-first recurrent layer (RNN with ``nonlinearity``, GRU or LSTM)."""
    kwargs = dict(
        num_layers=num_layers,
        batch_first=True,
        dropout=dropout if num_layers > 1 else 0.0,
        bidirectional=bidirectional,
    )
    if cell == "rnn":
        kwargs["nonlinearity"] = nonlinearity
    return rnn_class(cell, backend)(input_size, hidden_size, **kwargs)


def detach_state(state: State | None) -> State | None:
    """Cut the graph behind a carried hidden state (truncated BPTT)."""
    if state is None:
        return None
    if isinstance(state, tuple):
        return tuple(s.detach() for s in state)  # type: ignore[return-value]
    return state.detach()


def _dropout(p: float, locked: bool) -> nn.Module:
    """Dropout on a (N, T, D) sequence; the identity for ``p = 0`` (what LockedDropout does)."""
    if p == 0:
        return nn.Identity()
    from rnncourse.nn.regularize import LockedDropout  # an option: see rnn_class

    return LockedDropout(p, locked=locked)


class CharLM(nn.Module):
    """Embedding -> stacked RNN/GRU/LSTM -> linear read-out to the vocabulary.

    Parameters
    ----------
    vocab_size : int
        V.
    hidden_size : int
        H, per layer.
    num_layers : int, default 1
    cell : {"rnn", "gru", "lstm"}, default "lstm"
    embed_dim : int, default 64
        E, size of the learned character embedding (an embedding row is what a one-hot
        vector times the input weight matrix selects).
    dropout : float, default 0.0
        On the embeddings, between recurrent layers and before the read-out.
    backend : {"rnncourse", "torch"}
    locked_dropout : bool, default False
        Draw the dropout masks of the embeddings and of the read-out once per sequence and reuse
        them at every step (variational dropout, Gal & Ghahramani 2016) instead of per step.
    tie_weights : bool, default False
        Use the embedding matrix as the read-out's weight (Press & Wolf 2017); needs
        ``embed_dim == hidden_size``.
    layer_norm : bool, default False
        Use :class:`rnncourse.nn.regularize.LayerNormLSTM` (``cell="lstm"`` only).

    Attributes
    ----------
    embed : nn.Embedding (V, E); rnn : the recurrent layer (batch_first); head : nn.Linear (H -> V)
    """

    def __init__(
        self,
        vocab_size: int,
        hidden_size: int,
        num_layers: int = 1,
        cell: str = "lstm",
        embed_dim: int = 64,
        dropout: float = 0.0,
        backend: str = "rnncourse",
        locked_dropout: bool = False,
        tie_weights: bool = False,
        layer_norm: bool = False,
    ) -> None:
        super().__init__()
        for name, v in (("vocab_size", vocab_size), ("hidden_size", hidden_size)):
            if v < 1:
                raise ValueError(f"{name} must be >= 1, got {v}")
        if tie_weights and embed_dim != hidden_size:
            raise ValueError(
                "tie_weights needs embed_dim == hidden_size, "
                f"got E = {embed_dim}, H = {hidden_size}"
            )
        if layer_norm and cell != "lstm":
            raise ValueError(f"layer_norm needs cell='lstm', got cell={cell!r}")
        self.cell, self.vocab_size, self.hidden_size = cell, vocab_size, hidden_size
        self.num_layers = num_layers
        self.embed = nn.Embedding(vocab_size, embed_dim)
        if layer_norm:
            from rnncourse.nn.regularize import LayerNormLSTM  # an option: see rnn_class

            between = dropout if num_layers > 1 else 0.0
            self.rnn = LayerNormLSTM(embed_dim, hidden_size, num_layers, True, True, between)
        else:
            self.rnn = make_rnn(cell, embed_dim, hidden_size, num_layers, dropout, backend=backend)
        self.drop_in, self.drop = (
            _dropout(dropout, locked_dropout),
            _dropout(dropout, locked_dropout),
        )
        self.head = nn.Linear(hidden_size, vocab_size)
        if tie_weights:
            self.head.weight = self.embed.weight  # one (V, H) matrix, read in and written out

    def forward(self, x: Tensor, state: State | None = None) -> tuple[Tensor, State]:
        """Scores for the next token.

        Parameters
        ----------
        x : LongTensor (N, T)
            Token ids.
        state : None, Tensor (L, N, H) or, for LSTM, tuple (h, c) of those
            Carried hidden state.

        Returns
        -------
        logits : Tensor (N, T, V)
        state : same structure as ``state``, the final hidden state
        """
        if x.dim() != 2:
            raise ValueError(f"x must be (N, T) token ids, got shape {tuple(x.shape)}")
        out, state = self.rnn(self.drop_in(self.embed(x)), state)
        return self.head(self.drop(out)), state


class SequenceRegressor(nn.Module):
    """Many-to-one regression: read a (N, T, D) sequence, predict (N, out) from the last step.

    Used for the adding problem. ``cell="rnn"`` is a tanh RNN.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        cell: str = "lstm",
        out_size: int = 1,
        backend: str = "rnncourse",
        num_layers: int = 1,
    ) -> None:
        super().__init__()
        self.rnn = make_rnn(cell, input_size, hidden_size, num_layers=num_layers, backend=backend)
        self.head = nn.Linear(hidden_size, out_size)

    def forward(self, x: Tensor) -> Tensor:
        """Map x (N, T, D) -> prediction (N, out)."""
        out, _ = self.rnn(x)
        return self.head(out[:, -1])


class SequenceTagger(nn.Module):
    """Many-to-many tagging: ids (N, T) -> class scores (N, T, C), optionally bidirectional."""

    def __init__(
        self,
        vocab_size: int,
        n_classes: int,
        hidden_size: int,
        cell: str = "gru",
        bidirectional: bool = False,
        embed_dim: int = 16,
        backend: str = "rnncourse",
        num_layers: int = 1,
    ) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed_dim)
        self.rnn = make_rnn(
            cell,
            embed_dim,
            hidden_size,
            num_layers=num_layers,
            bidirectional=bidirectional,
            backend=backend,
        )
        self.head = nn.Linear(hidden_size * (2 if bidirectional else 1), n_classes)

    def forward(self, x: Tensor) -> Tensor:
        """Map x (N, T) long -> scores (N, T, C)."""
        out, _ = self.rnn(self.embed(x))
        return self.head(out)


@torch.no_grad()
def sample_ids(
    model: CharLM,
    prime: list[int],
    length: int,
    temperature: float = 1.0,
    top_k: int | None = None,
    generator: torch.Generator | None = None,
    stop_id: int | None = None,
    banned: tuple[int, ...] | None = None,
) -> list[int]:
    """Sample ``length`` ids from a :class:`CharLM`, feeding each sample back in.

    Parameters
    ----------
    model : CharLM
    prime : list of int
        Ids fed first (at least one).
    length : int
        Number of ids to generate.
    temperature : float > 0
        Divides the logits (lower = more conservative).
    top_k : int or None
        Sample only among the k most likely ids.
    generator : torch.Generator or None
        Source of randomness (CPU generator; pass one for reproducible samples).
    stop_id : int or None
        Stop early after generating this id (e.g. ``<EOS>``).
    banned : tuple of int or None
        Ids never generated; default the special ids 0, 1, 2 (``<PAD>``, ``<UNK>``, ``<EOS>``)
        except ``stop_id``.

    Returns
    -------
    list of int
        The generated ids (without the prime).
    """
    if not prime:
        raise ValueError("prime must contain at least one id")
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    if banned is None:
        banned = tuple(i for i in (0, 1, 2) if i != stop_id)
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    x = torch.tensor([prime], dtype=torch.long, device=device)
    logits, state = model(x)
    out: list[int] = []
    for _ in range(length):
        scores = logits[0, -1].float().cpu() / temperature
        if banned:
            scores[list(banned)] = -float("inf")
        if top_k is not None and top_k < scores.numel():
            kth = torch.topk(scores, top_k).values[-1]
            scores[scores < kth] = -float("inf")
        nxt = int(torch.multinomial(torch.softmax(scores, -1), 1, generator=generator))
        out.append(nxt)
        if stop_id is not None and nxt == stop_id:
            break
        logits, state = model(torch.tensor([[nxt]], device=device), state)
    model.train(was_training)
    return out
