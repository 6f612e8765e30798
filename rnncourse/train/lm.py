"""PyTorch trainer for character-level language models.

:class:`LMTrainer` reads the text as N contiguous streams in windows of T (see
:class:`rnncourse.data.StreamBatcher`), carries the hidden state from window to window, trains with
Adam, gradient clipping and a warm-up + cosine learning-rate schedule, evaluates validation bits per
character, samples, and writes checkpoints from which an interrupted run resumes with exactly the
result the uninterrupted run would have had. A step whose loss or gradient is not finite raises
:class:`NonFiniteError` before the weights change. The training loop itself (progress bar,
periodic evaluation, checkpoints, time budget, Ctrl-C) is ``rnncourse.train.loop.fit``; under
torchrun the streams are shared across processes (:mod:`rnncourse.train.distributed`).
"""

from __future__ import annotations

import dataclasses
import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from rnncourse.data import CharVocab, StreamBatcher, Vocab, convert_loss
from rnncourse.train import distributed as ddp
from rnncourse.train.checkpoint import (
    FORMAT,
    CheckpointError,
    build_model,
    load_checkpoint,
    load_model,
    save_checkpoint,
)
from rnncourse.train.config import TrainConfig, resolve_device
from rnncourse.train.evaluation import score_bits_per_char
from rnncourse.train.models import detach_state, sample_ids

__all__ = ["LMTrainer", "NonFiniteError", "TrainConfig", "load_model"]

#: Keys a checkpoint needs to resume training (a weights-only file has ``model`` and no more).
RESUME_KEYS = ("optimizer", "step", "carried_state", "torch_rng", "history")


class NonFiniteError(FloatingPointError):
    """A training step produced a non-finite loss or gradient; the weights were not updated."""


def _empty_history() -> dict[str, list]:
    return {
        "step": [],
        "loss": [],
        "bpc": [],
        "grad_norm": [],
        "lr": [],
        "val_step": [],
        "val_bpc": [],
        "sample_step": [],
        "samples": [],
    }


class LMTrainer:
    """Train a :class:`~rnncourse.train.models.CharLM` on text.

    Parameters
    ----------
    train_text : str
        Training text.
    valid_text : str or None
        Validation text (for validation bits per character); None to skip evaluation.
    config : TrainConfig or None
        Defaults to ``TrainConfig()``.
    vocab : CharVocab or None
        Defaults to the characters of ``train_text + valid_text``; characters of the texts
        missing from a given vocabulary raise ``ValueError``.

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
        if vocab is None:  # built from both texts, so it covers them
            self.vocab = CharVocab.from_text(train_text + (valid_text or ""))
        elif not isinstance(vocab, CharVocab):
            raise TypeError(f"vocab must be a CharVocab, got {type(vocab).__name__}")
        else:
            self.vocab = vocab
            self._check_covered(train_text, "train_text")
            if valid_text:
                self._check_covered(valid_text, "valid_text")
        self.device = resolve_device(config.device)
        if ddp.launched_by_torchrun():
            self.device = ddp.init_from_env(self.device)
        self.rank, self.world = ddp.rank_and_world()
        self.train_ids = self.vocab.encode(train_text)
        self.batcher = StreamBatcher(
            self.train_ids, config.batch_size, config.seq_len, drop_last=True
        )
        self.valid_ids = (
            self.vocab.encode(valid_text[: config.eval_chars + 1]) if valid_text else None
        )
        if self.valid_ids is not None and len(self.valid_ids) < 2:
            raise ValueError("valid_text must have at least 2 characters (one prediction)")
        # this process's streams (all N of them outside torchrun)
        self._rows = ddp.shard(config.batch_size)
        self._inputs = torch.from_numpy(self.batcher.inputs[self._rows]).to(self.device)
        self._targets = torch.from_numpy(self.batcher.targets[self._rows]).to(self.device)

        torch.manual_seed(config.seed)
        self.model = build_model(config, len(self.vocab)).to(self.device)
        # the module that trains: DDP averages the gradients of all processes in backward
        self._train_model: nn.Module = self.model
        if ddp.launched_by_torchrun():
            ids = [self.device.index] if self.device.type == "cuda" else None
            self._train_model = nn.parallel.DistributedDataParallel(self.model, device_ids=ids)
        self.optimizer = torch.optim.Adam(
            self.model.parameters(), lr=config.lr, weight_decay=config.weight_decay
        )
        self.step = 0
        self.state = None
        self.history = _empty_history()
        self.train_seconds = 0.0  # time spent in training steps by the last fit (not evaluation)
        self.train_chars = 0

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
        """N * T characters consumed per update (all processes together)."""
        return self.config.batch_size * self.config.seq_len

    @property
    def chars_per_second(self) -> float:
        """Training throughput of the last :meth:`fit` (evaluation and checkpoints excluded)."""
        return self.train_chars / self.train_seconds if self.train_seconds > 0 else 0.0

    def _window(self, step: int) -> tuple[torch.Tensor, torch.Tensor, bool]:
        """Inputs/targets for update ``step`` and whether a new pass over the data starts."""
        k = step % len(self.batcher)
        T = self.config.seq_len
        return self._inputs[:, k * T : (k + 1) * T], self._targets[:, k * T : (k + 1) * T], k == 0

    def _random_windows(self, step: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Return N windows of T at random offsets of the training ids (reproducible per step).

        Under torchrun, this process's rows of them.
        """
        N, T = self.config.batch_size, self.config.seq_len
        gen = np.random.default_rng((self.config.seed, step))
        starts = gen.integers(0, len(self.train_ids) - T, size=N)[self._rows]
        idx = torch.from_numpy(starts[:, None] + np.arange(T)).to(self.device)
        if getattr(self, "_ids", None) is None:
            self._ids = torch.from_numpy(self.train_ids).to(self.device)
        return self._ids[idx], self._ids[idx + 1]

    # ------------------------------------------------------------------ training
    def train_step(self) -> float:
        """One update on the next window; returns the training loss in nats per character.

        Raises
        ------
        NonFiniteError
            The loss or the gradient norm is NaN or infinite; the weights, the optimizer and
            ``step`` are left as they were.
        """
        return self._step([])[0]

    def _step(self, control: list[float]) -> list[float]:
        """:meth:`train_step`; ``control`` values are summed over processes with the loss."""
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
            logits, state = self._train_model(x, self.state)
        logits = logits.float()
        loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        grads = [p.grad for p in self.model.parameters() if p.grad is not None]
        if cfg.clip is not None and cfg.clip_mode == "value":
            gnorm = float(nn.utils.get_total_norm(grads))
            nn.utils.clip_grad_value_(self.model.parameters(), cfg.clip)
        elif cfg.clip is not None:
            gnorm = float(nn.utils.clip_grad_norm_(self.model.parameters(), cfg.clip))
        else:
            gnorm = float(torch.linalg.vector_norm(torch.stack([g.norm() for g in grads])))
        # the mean loss over all processes (their gradients are already averaged by DDP)
        value, *control = ddp.agree([float(loss.detach()), *control], self.device)
        value /= self.world
        if not (math.isfinite(value) and math.isfinite(gnorm)):
            what = "loss" if not math.isfinite(value) else "gradient norm"
            bad = value if what == "loss" else gnorm
            raise NonFiniteError(
                f"step {self.step}: the training {what} is {bad} (learning rate {lr:.3g}); "
                f"the weights were not updated"
            )
        self.optimizer.step()
        self.state = detach_state(state)
        h = self.history
        h["step"].append(self.step)
        h["loss"].append(value)
        h["bpc"].append(convert_loss(value, "bits"))
        h["grad_norm"].append(gnorm)
        h["lr"].append(lr)
        self.step += 1
        return [value, *control]

    @torch.no_grad()
    def evaluate(
        self,
        text: str | None = None,
        batch_size: int = 64,
        seq_len: int = 256,
        carry_state: bool = True,
    ) -> float:
        """Return the validation bits per character.

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
        return score_bits_per_char(self.model, ids, self.device, batch_size, seq_len, carry_state)

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

    def fit(self, **options: Any) -> dict[str, list]:
        """Train until ``config.max_steps`` or an earlier stop; returns :attr:`history`.

        The keyword options (``max_steps``, ``time_budget``, ``fit_schedule``,
        ``checkpoint_path``, ``best_path``, ``progress``, ``callback``, ``log``,
        ``handle_signals``, ...) are those of ``rnncourse.train.loop.fit``.
        """
        from rnncourse.train.loop import fit

        return fit(self, **options)

    # ------------------------------------------------------------------ checkpoints
    def state_dict(self) -> dict[str, Any]:
        """Everything needed to resume, as tensors and plain Python types.

        Under torchrun every process must call it (the carried state of all streams is
        gathered, so the checkpoint resumes under any number of processes that divides N).
        """
        state = self.state
        if state is None:
            carried: list[torch.Tensor] = []
        else:
            parts = state if isinstance(state, tuple) else (state,)
            carried = [ddp.gather_rows(s, 1).cpu() for s in parts]  # (L, N, H) each
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
        """Write a checkpoint atomically (rank 0 writes; every process must call this)."""
        ck = self.state_dict()
        if self.rank == 0:
            save_checkpoint(ck, path)
        return Path(path)

    @classmethod
    def from_checkpoint(
        cls,
        path: str | os.PathLike,
        train_text: str,
        valid_text: str | None = None,
        device: str | None = None,
        **changes: Any,
    ) -> LMTrainer:
        """Resume a run: same config, vocabulary, weights, optimizer, carried state and RNG.

        Continuing with :meth:`fit` gives exactly the result of the uninterrupted run (same
        texts, same device and thread count). ``changes`` replace config fields that do not
        change the model or the data (e.g. ``max_steps`` to extend a finished run, the
        evaluation and checkpoint periods).

        Raises
        ------
        CheckpointError
            Unreadable checkpoint, a weights-only checkpoint, or texts whose vocabulary differs
            from the checkpoint's.
        """
        ck = load_checkpoint(path)
        missing = [k for k in RESUME_KEYS if k not in ck]
        if missing:
            raise CheckpointError(
                f"checkpoint {str(path)!r} holds the weights only (no {', '.join(missing)}): it "
                f"can be sampled or evaluated but not resumed; start a new run instead"
            )
        config = TrainConfig.from_dict({**ck["config"], **changes})
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
        carried = [t[:, self._rows].to(self.device) for t in ck["carried_state"]]
        self.state = None if not carried else (tuple(carried) if len(carried) == 2 else carried[0])
        torch.set_rng_state(ck["torch_rng"])
        if ck.get("cuda_rng") and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(ck["cuda_rng"])
        self.history = {k: list(v) for k, v in ck["history"].items()}
