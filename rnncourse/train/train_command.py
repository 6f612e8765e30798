"""``rnncourse train``: what runs after the options are parsed.

Everything that can be checked before training is checked first, each failure one line and exit
status 2: the checkpoint path (writable, not a directory, not an existing run unless --resume or
--overwrite), the texts (a text file, valid in its encoding, long enough for one window and for
validation), the options against a resumed checkpoint, the device. Then the run trains through
:meth:`rnncourse.train.LMTrainer.fit`, which stops on a non-finite step without writing and saves
on Ctrl-C. torch is imported inside :func:`run_train` only.
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import Any

from rnncourse.train.cli_options import fail, flag_of, given_config

#: Config fields a resumed run may change (they change neither the model nor the data order).
RESUME_CHANGEABLE = (
    "max_steps",
    "eval_every",
    "sample_every",
    "checkpoint_every",
    "eval_chars",
    "sample_len",
    "temperature",
    "device",
    "amp",
)


class UsageError(ValueError):
    """A problem with the command line or its files, found before training."""


def run_train(args: argparse.Namespace) -> int:
    """Entry point of ``rnncourse train``; returns the exit status."""
    try:
        trainer, plan = _prepare(args)
    except ValueError as e:  # UsageError, CheckpointError, a TrainConfig or data check
        return fail("train", str(e))
    try:
        return _train(trainer, plan, args)
    finally:
        from rnncourse.train import distributed

        distributed.shutdown()


def _prepare(args: argparse.Namespace) -> tuple[Any, dict[str, Any]]:
    """Check everything that can be checked before training; build the trainer."""
    from rnncourse.train.checkpoint import check_writable, load_checkpoint
    from rnncourse.train.config import TrainConfig, resolve_device
    from rnncourse.train.loop import best_path_for

    given = given_config(args)
    ck = Path(args.checkpoint)
    check_writable(ck)
    if args.resume and args.overwrite:
        raise UsageError("--resume and --overwrite exclude each other")
    if args.resume and not ck.exists():
        raise UsageError(f"--resume given but checkpoint {args.checkpoint!r} does not exist")
    if ck.exists() and not args.resume and not args.overwrite:
        raise UsageError(
            f"checkpoint {args.checkpoint!r} already exists; pass --resume to continue that run "
            f"or --overwrite to replace it with a new one (or choose another --checkpoint)"
        )
    train_text, valid_text = _load_texts(args)
    if args.keep == "best" and not valid_text:
        raise UsageError("--keep best needs validation text (--valid or --valid-fraction > 0)")

    changes: dict[str, Any] = {}
    if args.resume:
        saved = load_checkpoint(ck)
        old = TrainConfig.from_dict(saved["config"])
        changes = _resume_changes(old, given, int(saved.get("step", 0)), args)
        config = dataclasses.replace(old, **changes)
    else:
        config = TrainConfig(**given)
    resolve_device(config.device)
    need = config.batch_size * config.seq_len + 1
    if len(train_text) < need:
        raise UsageError(
            f"the training text has {len(train_text):,} characters; one update needs "
            f"--batch-size x --seq-len + 1 = {need:,}: use a smaller --batch-size or --seq-len"
        )

    from rnncourse.train.allocator import keep_freed_memory
    from rnncourse.train.lm import LMTrainer

    keep_freed_memory()  # a training process: reuse freed buffers (see rnncourse.train.allocator)
    if args.resume:
        trainer = LMTrainer.from_checkpoint(ck, train_text, valid_text or None, **changes)
    else:
        trainer = LMTrainer(train_text, valid_text or None, config)
    best = best_path_for(ck) if args.keep == "best" else None
    fit_schedule = args.minutes is not None and "max_steps" not in given
    return trainer, dict(best=best, fit_schedule=fit_schedule, resumed=args.resume)


def _resume_changes(
    old: Any, given: dict[str, Any], step: int, args: argparse.Namespace
) -> dict[str, Any]:
    """Return the config changes a resumed run may make; raise UsageError for the others."""
    from rnncourse.train.cli_options import config_field

    for name, value in given.items():
        if name not in RESUME_CHANGEABLE and value != getattr(old, name):
            raise UsageError(
                f"{flag_of(config_field(name))} {value} differs from the checkpoint's "
                f"{getattr(old, name)}: a resumed run keeps its model, data layout and "
                f"optimiser settings (use --overwrite to start a new run with it)"
            )
    changes = {k: v for k, v in given.items() if k in RESUME_CHANGEABLE}
    steps = changes.get("max_steps")
    if steps is not None and steps <= step:
        raise UsageError(
            f"--steps {steps}: the checkpoint is at step {step} already; give a larger --steps "
            f"to extend the run"
        )
    if steps is None and args.minutes is None and step >= old.max_steps:
        raise UsageError(
            f"checkpoint {args.checkpoint!r} has finished its {old.max_steps} steps; to extend "
            f"it pass --resume with a larger --steps (or with --minutes)"
        )
    return changes


def _load_texts(args: argparse.Namespace) -> tuple[str, str]:
    """(training text, validation text) from --corpus, --valid, --valid-fraction, --max-chars."""
    from rnncourse.data import load_corpus
    from rnncourse.data.corpus import split_text
    from rnncourse.train.textfile import read_text

    if args.corpus == "stdlib":
        train = load_corpus("stdlib", "train", args.max_chars)
        valid = load_corpus("stdlib", "valid") if args.valid_fraction > 0 else ""
        where = "the held-out stdlib files"
    else:
        text = read_text(args.corpus, args.encoding)
        if args.valid is not None or args.valid_fraction == 0:
            train, valid = text, ""
        else:
            train, valid = split_text(text, args.valid_fraction)
            where = f"the last {args.valid_fraction:.0%} of {args.corpus!r}"
    if args.valid is not None:
        valid, where = read_text(args.valid, args.encoding), repr(args.valid)
    if args.valid_fraction > 0 or args.valid is not None:
        if len(valid) < 2:
            raise UsageError(
                f"the validation text ({where}) has {len(valid)} character(s), too few to "
                f"score; pass --valid FILE, a larger --valid-fraction, or --valid-fraction 0 "
                f"to train without validation"
            )
    return train, valid


def _train(trainer: Any, plan: dict[str, Any], args: argparse.Namespace) -> int:
    """Run the training; print the outcome (rank 0); the exit status."""
    from rnncourse.train.lm import NonFiniteError
    from rnncourse.train.metrics_log import MetricsLog

    cfg, main = trainer.config, trainer.rank == 0
    try:
        log = MetricsLog(args.log, args.tensorboard) if main else None
    except (OSError, ValueError) as e:
        return fail("train", str(e))
    if main:
        verb = f"resumed {args.checkpoint} at step {trainer.step}" if plan["resumed"] else "new run"
        print(
            f"{verb}: {cfg.cell} {cfg.num_layers}x{cfg.hidden_size} ({cfg.backend} backend), "
            f"vocabulary V = {len(trainer.vocab)}, {len(trainer.train_ids):,} training "
            f"characters, device {trainer.device}"
            + (f", {trainer.world} processes" if trainer.world > 1 else ""),
            flush=True,
        )
    try:
        trainer.fit(
            fit_schedule=plan["fit_schedule"],
            time_budget=args.minutes * 60 if args.minutes else None,
            checkpoint_path=args.checkpoint,
            best_path=plan["best"],
            log=log,
            progress=not args.no_progress,
            print_samples=cfg.sample_every > 0,
            print_evals=args.no_progress,
            handle_signals=True,
        )
    except NonFiniteError as e:
        saved = Path(args.checkpoint).exists()
        return fail(
            "train",
            f"stopped: {e}; {args.checkpoint!r} "
            + ("keeps its last good state" if saved else "was not written")
            + " (lower --lr, or check the corpus)",
        )
    finally:
        if log is not None:
            log.close()
    if not main:
        return 0
    h = trainer.history
    if h["val_bpc"] and h["val_step"][-1] == trainer.step:
        print(f"step {trainer.step}: validation {h['val_bpc'][-1]:.3f} bits/char")
    print(
        f"{trainer.train_chars:,} characters in {trainer.train_seconds:.1f} s of training: "
        f"{trainer.chars_per_second:,.0f} chars/s (evaluation and checkpoints not counted)"
    )
    print(f"checkpoint written to {args.checkpoint} (step {trainer.step}/{cfg.max_steps})")
    if plan["best"] is not None and Path(plan["best"]).exists():
        print(f"best validation {min(h['val_bpc']):.3f} bits/char kept in {plan['best']}")
    if trainer.stop_reason == "signal":
        print(f"interrupted: continue with --resume --checkpoint {args.checkpoint}")
        return 130
    return 0
