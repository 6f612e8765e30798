"""The character-level LSTM of chapter 6.

Trained on the stdlib corpus and sampled as it learns; the record of that run (held-out scores
and samples along the way) ships with the package.
"""

from __future__ import annotations

import math
from typing import Any

from rnncourse.experiments._cache import _config, _load_cached

CHARLM_DEFAULTS: dict[str, Any] = dict(
    cell="lstm",
    hidden_size=256,
    num_layers=1,
    embed_dim=32,
    batch_size=64,
    seq_len=100,
    lr=3e-3,
    warmup_steps=20,
    max_steps=1600,
    clip=1.0,
    max_chars=8_000_000,
    eval_chars=100_000,
    sample_at=[0, 100, 300, 800, 1600],
    sample_len=300,
    temperature=0.8,
    seed=0,
    backend="rnncourse",
)


def charlm_progress(
    cached: bool = True, progress: bool = False, **overrides: Any
) -> dict[str, Any]:
    """Train a character-level LSTM on the stdlib corpus, sampling it as it learns.

    The default configuration (``CHARLM_DEFAULTS``: a 1-layer LSTM on millions of characters
    of standard-library source) takes many minutes on a CPU, so the cached result is
    returned (a live run also returns its trainer under ``"trainer"``). Validation is on
    held-out stdlib *files*. Any override runs
    live (e.g. ``charlm_progress(max_steps=100, sample_at=[0, 50, 100], max_chars=200_000,
    hidden_size=64)`` takes a few seconds).

    Parameters
    ----------
    cached : bool, default True
    progress : bool, default False
    **overrides
        Any key of ``CHARLM_DEFAULTS``. ``backend`` only changes which implementation trains.

    Returns
    -------
    dict
        ``"config"``: dict; ``"vocab_size"``: int V; ``"uniform_bpc"``: float, log2(V), the
        bits per character of a uniform guess; ``"snapshots"``: list of dicts, one per step in
        ``sample_at``, each with ``"step"`` (int), ``"val_bpc"`` (float, held-out bits per
        character) and ``"sample"`` (str, ``sample_len`` characters sampled at
        ``temperature`` after the prime ``"def "``, prime excluded); ``"train_bpc"``: list of
        float, training bits per character per update; ``"final_val_bpc"``: float;
        ``"chars_seen"``: int; ``"seconds"``: float; ``"source"``: "live" or "cache (file)".
    """
    config = _config(CHARLM_DEFAULTS, overrides, "charlm_progress")
    if cached:
        hit = _load_cached("charlm_progress", config)
        if hit is not None:
            return hit
    trainer, result = _train_charlm(config, progress)
    result["trainer"] = trainer
    return result


def _train_charlm(config: dict[str, Any], progress: bool) -> tuple[Any, dict[str, Any]]:
    import time

    from rnncourse.data import load_corpus
    from rnncourse.train.lm import LMTrainer, TrainConfig

    train_text = load_corpus("stdlib", "train", max_chars=config["max_chars"])
    valid_text = load_corpus("stdlib", "valid")
    # The keys CHARLM_DEFAULTS shares with TrainConfig have its names; the rest are the
    # experiment's own (corpus size, when and how to sample the snapshots).
    own = ("max_chars", "sample_at", "sample_len", "temperature")
    trainer_keys = {k: v for k, v in config.items() if k not in own}
    tc = TrainConfig(**trainer_keys, eval_every=0, sample_every=0, device="cpu")
    trainer = LMTrainer(train_text, valid_text, tc)
    snapshots: list[dict[str, Any]] = []
    wanted = sorted(set(config["sample_at"]))

    def snap(tr: LMTrainer) -> None:
        if tr.step in wanted:
            snapshots.append(
                {
                    "step": tr.step,
                    "val_bpc": tr.evaluate(),
                    "sample": tr.sample(
                        config["sample_len"],
                        prime="def ",
                        temperature=config["temperature"],
                        seed=config["seed"],
                    ),
                }
            )

    start = time.perf_counter()
    snap(trainer)
    trainer.fit(progress=progress, callback=snap)
    result = {
        "config": config,
        "vocab_size": len(trainer.vocab),
        "uniform_bpc": math.log2(len(trainer.vocab)),
        "snapshots": snapshots,
        "train_bpc": trainer.history["bpc"],
        "final_val_bpc": trainer.history["val_bpc"][-1],
        "chars_seen": trainer.step * trainer.chars_per_step,
        "seconds": time.perf_counter() - start,
        "source": "live",
    }
    return trainer, result


def _regenerate_charlm() -> dict[str, Any]:
    config = _config(CHARLM_DEFAULTS, {}, "charlm_progress")
    return _train_charlm(config, progress=True)[1]
