"""PyTorch trainer for character-level language models.

:class:`LMTrainer` reads the text as N contiguous streams in windows of T (see
:class:`rnncourse.data.StreamBatcher`), carries the hidden state from window to window, trains with
Adam, gradient clipping and a warm-up + cosine learning-rate schedule, shows a tqdm bar with loss,
bits per character and characters per second, evaluates validation bits per character, prints
samples, and writes checkpoints from which an interrupted run resumes with exactly the result the
uninterrupted run would have had.
"""

from __future__ import annotations

import dataclasses
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from rnncourse.data import CharVocab, StreamBatcher, Vocab, convert_loss
from rnncourse.train.checkpoint import FORMAT, CheckpointError, load_checkpoint, save_checkpoint
from rnncourse.train.models import BACKENDS, CELLS, CharLM, detach_state, sample_ids


@dataclass
class TrainConfig:
    """Everything that defines a char-LM training run (plain types only; stored in checkpoints).

    Attributes
    ----------
    cell : {"rnn", "gru", "lstm"}
    hidden_size, num_layers, embed_dim : int
        Model size: H per layer, number of stacked layers, embedding size E.
    dropout : float
        Dropout probability on the embeddings, between layers and before the read-out.
    batch_size : int
        N, parallel streams.
    seq_len : int
        T, truncated-BPTT window.
    lr : float
        Peak Adam learning rate.
    warmup_steps : int
        Linear warm-up from lr/10 to lr.
    min_lr_ratio : float
        Cosine decay from lr down to ``lr * min_lr_ratio`` at ``max_steps``;
        ``schedule="constant"`` keeps lr after warm-up.
    schedule : {"cosine", "constant"}
    max_steps : int
        Length of the run (and of the schedule).
    clip : float or None
        Clip gradients to this global L2 norm (None: no clipping).
    weight_decay : float
    eval_every, sample_every, checkpoint_every : int
        Period in steps (0 disables); evaluation and a checkpoint also happen at the end.
    eval_chars : int
        Characters of validation text used for each evaluation (from its start).
    sample_len : int
        Characters per periodic sample. temperature : float for samples.
    seed : int
        Seeds model initialisation, dropout and the samples.
    device : str
        "auto" (CUDA when available), "cpu", "cuda", "cuda:1", ...
    backend : {"rnncourse", "torch"}
        Where the recurrent layer comes from.
    amp : {"none", "bf16"}
        Mixed precision for the training forward pass (``torch.autocast`` with bfloat16, on
        CPU or GPU); evaluation stays in float32. Both backends' LSTMs then run their matrix
        products in bfloat16 (rnncourse.nn keeps gates and state in float32); RNN and GRU of
        rnncourse.nn compute in float32 under autocast.
    locked_dropout : bool
        Reuse the dropout masks of the embeddings and the read-out at every time step
        (variational dropout) instead of drawing new ones per step.
    tie_weights : bool
        Share the embedding matrix with the read-out layer (needs embed_dim == hidden_size).
    layer_norm : bool
        Layer-normalised LSTM cell (cell="lstm" only).
    clip_mode : {"norm", "value"}
        Clip the global L2 norm of the gradient to ``clip``, or every entry to [-clip, clip].
    partition : {"sequential", "random"}
        "sequential": N contiguous streams read in order, the state carried (and detached)
        from window to window; "random": every update draws N windows at random offsets and
        starts them from a zero state.
    """

    cell: str = "lstm"
    hidden_size: int = 128
    num_layers: int = 1
    embed_dim: int = 64
    dropout: float = 0.0
    batch_size: int = 32
    seq_len: int = 64
    lr: float = 2e-3
    warmup_steps: int = 20
    min_lr_ratio: float = 0.05
    schedule: str = "cosine"
    max_steps: int = 1000
    clip: float | None = 1.0
    weight_decay: float = 0.0
    eval_every: int = 200
    sample_every: int = 0
    checkpoint_every: int = 0
    eval_chars: int = 100_000
    sample_len: int = 200
    temperature: float = 0.8
    seed: int = 0
    device: str = "auto"
    backend: str = "rnncourse"
    amp: str = "none"
    locked_dropout: bool = False
    tie_weights: bool = False
    layer_norm: bool = False
    clip_mode: str = "norm"
    partition: str = "sequential"

    def __post_init__(self) -> None:
        if self.clip_mode not in ("norm", "value"):
            raise ValueError(f"clip_mode must be 'norm' or 'value', got {self.clip_mode!r}")
        if self.partition not in ("sequential", "random"):
            raise ValueError(f"partition must be 'sequential' or 'random', got {self.partition!r}")
        if self.cell not in CELLS:
            raise ValueError(f"unknown model type {self.cell!r}: cell must be one of {list(CELLS)}")
        if self.backend not in BACKENDS:
            raise ValueError(f"backend must be one of {list(BACKENDS)}, got {self.backend!r}")
        if self.amp not in ("none", "bf16"):
            raise ValueError(f"amp must be 'none' or 'bf16', got {self.amp!r}")
        if self.schedule not in ("cosine", "constant"):
            raise ValueError(f"schedule must be 'cosine' or 'constant', got {self.schedule!r}")
        for name in (
            "hidden_size",
            "num_layers",
            "embed_dim",
            "batch_size",
            "seq_len",
            "max_steps",
        ):
            v = getattr(self, name)
            if not isinstance(v, int) or v < 1:
                raise ValueError(f"{name} must be a positive int, got {v!r}")
        if not self.lr > 0:
            raise ValueError(f"lr must be > 0, got {self.lr}")
        if self.clip is not None and not self.clip > 0:
            raise ValueError(f"clip must be > 0 or None, got {self.clip}")

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TrainConfig:
        """Build from a dict, ignoring unknown keys (checkpoints from newer versions)."""
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})

    def lr_at(self, step: int) -> float:
        """Learning rate used for update number ``step`` (0-based)."""
        if step < self.warmup_steps:
            return self.lr * (0.1 + 0.9 * step / self.warmup_steps)
        if self.schedule == "constant":
            return self.lr
        span = max(self.max_steps - self.warmup_steps, 1)
        progress = min((step - self.warmup_steps) / span, 1.0)
        return self.lr * (
            self.min_lr_ratio + (1 - self.min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * progress))
        )


def resolve_device(device: str) -> torch.device:
    """ "auto" -> CUDA if available else CPU; otherwise ``torch.device(device)``."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    dev = torch.device(device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {device!r} requested but CUDA is not available")
    return dev


def _empty_history() -> dict[str, list]:
    return {
        "step": [], "loss": [], "bpc": [], "grad_norm": [], "lr": [],
        "val_step": [], "val_bpc": [], "sample_step": [], "samples": [],
    }  # fmt: skip


@dataclass
class _Clock:
    """Throughput bookkeeping (not part of the result; excluded from checkpoints)."""

    chars: int = 0
    seconds: float = 0.0
    last: float = field(default_factory=time.perf_counter)


class LMTrainer:
    """Train a :class:`CharLM` on text.

    Parameters
    ----------
    train_text : str
        Training text.
    valid_text : str or None
        Validation text (for validation bits per character); None to skip evaluation.
    config : TrainConfig or None
        Defaults to ``TrainConfig()``.
    vocab : CharVocab or None
        Defaults to the characters of ``train_text + valid_text``. Characters of the texts
        missing from a given vocabulary raise :class:`CheckpointError`-style ``ValueError``.

    Attributes
    ----------
    model : CharLM
    vocab : CharVocab
    step : int
        Number of updates done.
    history : dict of lists
        ``step, loss, bpc, grad_norm, lr`` per update (training loss in nats, bpc in bits per
        character); ``val_step, val_bpc`` per evaluation; ``sample_step, samples`` per sample.

    Examples
    --------
    >>> tr = LMTrainer(text[:-1000], text[-1000:], TrainConfig(max_steps=100))  # doctest: +SKIP
    >>> history = tr.fit()                                                      # doctest: +SKIP
    >>> tr.sample(200, prime="def ")                                            # doctest: +SKIP
    """

    def __init__(
        self,
        train_text: str,
        valid_text: str | None = None,
        config: TrainConfig | None = None,
        vocab: Vocab | None = None,
    ) -> None:
        self.config = config = config if config is not None else TrainConfig()
        if not isinstance(train_text, str) or not train_text:
            raise ValueError("train_text must be a non-empty str")
        self.vocab = (
            vocab if vocab is not None else CharVocab.from_text(train_text + (valid_text or ""))
        )
        if not isinstance(self.vocab, CharVocab):
            raise TypeError(f"vocab must be a CharVocab, got {type(self.vocab).__name__}")
        self._check_covered(train_text, "train_text")
        if valid_text:
            self._check_covered(valid_text, "valid_text")
        self.device = resolve_device(config.device)
        self.train_ids = self.vocab.encode(train_text)
        self.batcher = StreamBatcher(
            self.train_ids, config.batch_size, config.seq_len, drop_last=True
        )
        self.valid_ids = (
            self.vocab.encode(valid_text[: config.eval_chars + 1]) if valid_text else None
        )
        self._inputs = torch.from_numpy(self.batcher.inputs).to(self.device)
        self._targets = torch.from_numpy(self.batcher.targets).to(self.device)

        torch.manual_seed(config.seed)
        self.model = CharLM(
            len(self.vocab), config.hidden_size, config.num_layers, config.cell,
            config.embed_dim, config.dropout, config.backend, config.locked_dropout,
            config.tie_weights, config.layer_norm,
        ).to(self.device)  # fmt: skip
        self.optimizer = torch.optim.Adam(
            self.model.parameters(), lr=config.lr, weight_decay=config.weight_decay
        )
        self.step = 0
        self.state = None
        self.history = _empty_history()
        self._clock = _Clock()

    # ------------------------------------------------------------------ helpers
    def _check_covered(self, text: str, name: str) -> None:
        missing = sorted(set(text) - set(self.vocab.itos))
        if missing:
            raise ValueError(
                f"{name} has {len(missing)} characters missing from the vocabulary "
                f"(e.g. {missing[:5]}); the checkpoint or vocabulary comes from a different corpus"
            )

    @property
    def chars_per_step(self) -> int:
        """N * T characters consumed per update."""
        return self.config.batch_size * self.config.seq_len

    def _window(self, step: int) -> tuple[torch.Tensor, torch.Tensor, bool]:
        """Inputs/targets for update ``step`` and whether a new pass over the data starts."""
        k = step % len(self.batcher)
        T = self.config.seq_len
        return self._inputs[:, k * T : (k + 1) * T], self._targets[:, k * T : (k + 1) * T], k == 0

    def _random_windows(self, step: int) -> tuple[torch.Tensor, torch.Tensor]:
        """N windows of T at random offsets of the training ids (reproducible per step)."""
        N, T = self.config.batch_size, self.config.seq_len
        gen = np.random.default_rng((self.config.seed, step))
        starts = gen.integers(0, len(self.train_ids) - T, size=N)
        idx = torch.from_numpy(starts[:, None] + np.arange(T)).to(self.device)
        if getattr(self, "_ids", None) is None:
            self._ids = torch.from_numpy(self.train_ids).to(self.device)
        return self._ids[idx], self._ids[idx + 1]

    # ------------------------------------------------------------------ training
    def train_step(self) -> float:
        """One update on the next window; returns the training loss in nats per character."""
        cfg = self.config
        x, y, new_epoch = self._window(self.step)
        if new_epoch:
            self.state = None  # the streams restart: nothing meaningful to carry over
        if cfg.partition == "random":
            x, y = self._random_windows(self.step)
            self.state = None  # unrelated windows: no state to carry
        lr = cfg.lr_at(self.step)
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        self.model.train()
        with torch.autocast(self.device.type, torch.bfloat16, enabled=cfg.amp == "bf16"):
            logits, state = self.model(x, self.state)
        logits = logits.float()
        loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if cfg.clip is not None and cfg.clip_mode == "value":
            gnorm = float(nn.utils.get_total_norm(
                [p.grad for p in self.model.parameters() if p.grad is not None]
            ))  # fmt: skip
            nn.utils.clip_grad_value_(self.model.parameters(), cfg.clip)
        elif cfg.clip is not None:
            gnorm = float(nn.utils.clip_grad_norm_(self.model.parameters(), cfg.clip))
        else:
            gnorm = float(torch.linalg.vector_norm(
                torch.stack([p.grad.norm() for p in self.model.parameters() if p.grad is not None])
            ))  # fmt: skip
        self.optimizer.step()
        self.state = detach_state(state)
        value = float(loss.detach())
        h = self.history
        h["step"].append(self.step)
        h["loss"].append(value)
        h["bpc"].append(convert_loss(value, "bits"))
        h["grad_norm"].append(gnorm)
        h["lr"].append(lr)
        self.step += 1
        return value

    @torch.no_grad()
    def evaluate(
        self,
        text: str | None = None,
        batch_size: int = 64,
        seq_len: int = 256,
        carry_state: bool = True,
    ) -> float:
        """Validation bits per character.

        Parameters
        ----------
        text : str or None
            Text to score; default the trainer's validation text (first ``eval_chars``).
        batch_size, seq_len : int
            Streams and window used for scoring: the text is cut into ``batch_size`` contiguous
            streams, each read in windows of ``seq_len``.
        carry_state : bool, default True
            Carry the state from window to window of a stream; False starts every window from
            a zero state (so each prediction sees at most its window's earlier characters).

        Returns
        -------
        float
            Mean cross-entropy per predicted character in bits.
        """
        ids = self.valid_ids if text is None else self.vocab.encode(text)
        if ids is None or len(ids) < 2:
            raise ValueError("no validation text to evaluate (pass valid_text or text)")
        batch_size = max(1, min(batch_size, (len(ids) - 1) // 2))
        batcher = StreamBatcher(ids, batch_size, seq_len)
        was_training = self.model.training
        self.model.eval()
        total, count, state = 0.0, 0, None
        for x, y in batcher:
            xt = torch.from_numpy(np.ascontiguousarray(x)).to(self.device)
            yt = torch.from_numpy(np.ascontiguousarray(y)).to(self.device)
            logits, state = self.model(xt, state if carry_state else None)
            total += float(nn.functional.cross_entropy(
                logits.reshape(-1, logits.shape[-1]).float(), yt.reshape(-1), reduction="sum"
            ))  # fmt: skip
            count += yt.numel()
        self.model.train(was_training)
        return convert_loss(total / count, "bits")

    def sample(
        self,
        length: int = 200,
        prime: str = "\n",
        temperature: float | None = None,
        top_k: int | None = None,
        seed: int | None = None,
    ) -> str:
        """Generate ``length`` characters after ``prime`` (returned without the prime).

        The randomness comes from a private generator seeded with ``seed`` (default: config seed
        plus the current step), so sampling never disturbs the training run.
        """
        ids = self.vocab.encode(prime).tolist()
        gen = torch.Generator().manual_seed(
            self.config.seed * 1_000_003 + self.step if seed is None else seed
        )
        temp = self.config.temperature if temperature is None else temperature
        out = sample_ids(self.model, ids, length, temp, top_k, gen, stop_id=None)
        return self.vocab.decode(out)

    def fit(
        self,
        max_steps: int | None = None,
        time_budget: float | None = None,
        checkpoint_path: str | os.PathLike | None = None,
        progress: bool = True,
        print_samples: bool = False,
        callback: Callable[[LMTrainer], None] | None = None,
        fit_schedule: bool = False,
    ) -> dict[str, list]:
        """Train until ``config.max_steps`` (or an earlier stop).

        Parameters
        ----------
        max_steps : int or None
            Stop once ``step`` reaches this (default ``config.max_steps``); the schedule still
            spans ``config.max_steps``, so stopping early and resuming equals one long run.
        time_budget : float or None
            Also stop after this many seconds.
        fit_schedule : bool
            With ``time_budget``: fit the learning-rate schedule to the time instead of to
            ``config.max_steps``. Every 10 updates ``config.max_steps`` is re-estimated as the
            number of updates the whole budget allows at the speed measured so far, so the
            cosine decay reaches its floor when the time runs out; at the end ``max_steps`` is
            the number of updates done (the final evaluation and checkpoint then happen). Such a
            run's length depends on the machine's speed, so it is not bit-reproducible.
        checkpoint_path : path or None
            Where checkpoints go (every ``config.checkpoint_every`` steps and at the end).
        progress : bool
            Show a tqdm bar (loss, bpc, chars/s, last validation bpc).
        print_samples : bool
            Write each periodic sample below the bar.
        callback : callable or None
            Called as ``callback(trainer)`` after every update.

        Returns
        -------
        dict of lists
            :attr:`history`.
        """
        from tqdm.auto import tqdm

        cfg = self.config
        if fit_schedule and time_budget is None:
            raise ValueError("fit_schedule=True needs a time_budget (seconds)")
        if fit_schedule and max_steps is not None:
            raise ValueError("fit_schedule=True takes its length from time_budget, not max_steps")
        stop = min(cfg.max_steps, max_steps if max_steps is not None else cfg.max_steps)
        if fit_schedule:
            stop = 10**12  # the budget ends the run
        start_time, start_step = time.perf_counter(), self.step
        bar = tqdm(
            total=stop if stop < 10**8 else None,
            initial=self.step,
            disable=not progress,
            unit="step",
            dynamic_ncols=True,
        )
        clock = self._clock = _Clock()
        try:
            while self.step < stop:
                elapsed = time.perf_counter() - start_time
                if time_budget is not None and elapsed > time_budget:
                    break
                done_here = self.step - start_step
                if fit_schedule and done_here >= 5 and done_here % 10 == 0:
                    # updates the whole budget allows at the speed measured so far
                    left = int((time_budget - elapsed) * done_here / elapsed)
                    cfg.max_steps = self.step + max(1, left)
                loss = self.train_step()
                clock.chars += self.chars_per_step
                now = time.perf_counter()
                clock.seconds += now - clock.last
                clock.last = now
                self._periodic(checkpoint_path, print_samples, bar)
                if callback is not None:
                    callback(self)
                bar.update(1)
                postfix = {
                    "loss": f"{loss:.3f}",
                    "bpc": f"{convert_loss(loss, 'bits'):.3f}",
                    "chars/s": f"{self.chars_per_second:,.0f}",
                }
                if self.history["val_bpc"]:
                    postfix["val_bpc"] = f"{self.history['val_bpc'][-1]:.3f}"
                bar.set_postfix(postfix, refresh=False)
        finally:
            bar.close()
        if fit_schedule:
            cfg.max_steps = max(self.step, 1)  # the schedule ended here
        done = self.step == cfg.max_steps
        if done and self.valid_ids is not None and self.history["val_step"][-1:] != [self.step]:
            self._record_eval()  # the final score (an interrupted run gets it when it finishes)
        if checkpoint_path is not None:
            self.save(checkpoint_path)
        return self.history

    @property
    def chars_per_second(self) -> float:
        """Training throughput measured during the last :meth:`fit` call."""
        return self._clock.chars / self._clock.seconds if self._clock.seconds > 0 else 0.0

    def _record_eval(self) -> None:
        self.history["val_step"].append(self.step)
        self.history["val_bpc"].append(self.evaluate())

    def _periodic(self, checkpoint_path: Any, print_samples: bool, bar: Any) -> None:
        cfg, s = self.config, self.step
        if cfg.eval_every and s % cfg.eval_every == 0 and self.valid_ids is not None:
            self._record_eval()
        if cfg.sample_every and s % cfg.sample_every == 0:
            text = self.sample(cfg.sample_len)
            self.history["sample_step"].append(s)
            self.history["samples"].append(text)
            if print_samples:
                bar.write(f"--- sample at step {s} ---\n{text}\n---")
        if cfg.checkpoint_every and s % cfg.checkpoint_every == 0 and checkpoint_path is not None:
            self.save(checkpoint_path)
        # evaluation and sampling ran outside the timed training work
        self._clock.last = time.perf_counter()

    # ------------------------------------------------------------------ checkpoints
    def state_dict(self) -> dict[str, Any]:
        """Everything needed to resume, as tensors and plain Python types."""
        state = self.state
        if state is None:
            carried: list[torch.Tensor] = []
        elif isinstance(state, tuple):
            carried = [s.cpu() for s in state]
        else:
            carried = [state.cpu()]
        return {
            "format": FORMAT,
            "config": dataclasses.asdict(self.config),
            "vocab": self.vocab.to_dict(),
            "model": {k: v.cpu() for k, v in self.model.state_dict().items()},
            "optimizer": self.optimizer.state_dict(),
            "step": self.step,
            "carried_state": carried,
            "torch_rng": torch.get_rng_state(),
            "cuda_rng": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
            "history": self.history,
        }

    def save(self, path: str | os.PathLike) -> Path:
        """Write a checkpoint atomically (see :func:`rnncourse.train.save_checkpoint`)."""
        return save_checkpoint(self.state_dict(), path)

    @classmethod
    def from_checkpoint(
        cls,
        path: str | os.PathLike,
        train_text: str,
        valid_text: str | None = None,
        device: str | None = None,
    ) -> LMTrainer:
        """Resume a run: same config, vocabulary, weights, optimizer, carried state and RNG.

        Continuing with :meth:`fit` gives exactly the result of the uninterrupted run (same
        texts, same device and thread count).

        Raises
        ------
        CheckpointError
            Unreadable checkpoint, or texts whose vocabulary differs from the checkpoint's.
        """
        ck = load_checkpoint(path)
        config = TrainConfig.from_dict(ck["config"])
        if device is not None:
            config.device = device
        vocab = Vocab.from_dict(ck["vocab"])
        fresh = CharVocab.from_text(train_text + (valid_text or ""))
        if fresh != vocab:
            only_ck = sorted(set(vocab.itos) - set(fresh.itos))[:5]
            only_new = sorted(set(fresh.itos) - set(vocab.itos))[:5]
            raise CheckpointError(
                f"checkpoint {str(path)!r} was trained with a different vocabulary: "
                f"V = {len(vocab)} in the checkpoint, V = {len(fresh)} for this corpus "
                f"(only in checkpoint: {only_ck}, only in corpus: {only_new}); "
                f"resume with the corpus the checkpoint was trained on"
            )
        trainer = cls(train_text, valid_text, config, vocab=vocab)
        trainer.load_state_dict(ck)
        return trainer

    def load_state_dict(self, ck: dict[str, Any]) -> None:
        """Restore weights, optimizer, step, carried state, RNG and history from a checkpoint."""
        self.model.load_state_dict(ck["model"])
        self.optimizer.load_state_dict(ck["optimizer"])
        self.step = int(ck["step"])
        carried = [t.to(self.device) for t in ck["carried_state"]]
        self.state = None if not carried else (tuple(carried) if len(carried) == 2 else carried[0])
        torch.set_rng_state(ck["torch_rng"])
        if ck.get("cuda_rng") and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(ck["cuda_rng"])
        self.history = {k: list(v) for k, v in ck["history"].items()}


def load_model(
    path: str | os.PathLike, device: str = "cpu", backend: str | None = None
) -> tuple[CharLM, CharVocab, TrainConfig]:
    """Load a trained model for sampling or inspection.

    Parameters
    ----------
    path : checkpoint written by :class:`LMTrainer`
    device : str
    backend : {"rnncourse", "torch"} or None
        Override the recurrent-layer backend (state dicts are interchangeable).

    Returns
    -------
    (model, vocab, config) : (CharLM in eval mode, CharVocab, TrainConfig)
    """
    ck = load_checkpoint(path)
    config = TrainConfig.from_dict(ck["config"])
    vocab = Vocab.from_dict(ck["vocab"])
    if not isinstance(vocab, CharVocab):
        raise CheckpointError(
            f"checkpoint {str(path)!r} holds a {vocab.kind} vocabulary, expected char"
        )
    model = CharLM(
        len(vocab), config.hidden_size, config.num_layers, config.cell, config.embed_dim,
        config.dropout, backend or config.backend, config.locked_dropout, config.tie_weights,
        config.layer_norm,
    )  # fmt: skip
    model.load_state_dict(ck["model"])
    return model.to(resolve_device(device)).eval(), vocab, config
