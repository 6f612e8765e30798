"""``rnncourse train`` and ``rnncourse sample``: train a character-level language model, sample it.

Registered into the top-level parser by :func:`register` (see :mod:`rnncourse.cli`). torch is
imported only when a command runs, so ``rnncourse --help`` stays fast.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

CELLS = ("rnn", "gru", "lstm")


def _cell(value: str) -> str:
    v = value.lower()
    if v not in CELLS:
        raise argparse.ArgumentTypeError(
            f"unknown model type {value!r}; choose one of {', '.join(CELLS)}"
        )
    return v


def _number(cast: type, low: float, strict: bool, expected: str):
    """An argparse ``type`` that parses with ``cast`` and requires ``>= low`` (``> low`` if
    ``strict``); NaN is refused too."""

    def parse(value: str):
        try:
            v = cast(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {value!r}") from None
        if not (v > low if strict else v >= low):
            raise argparse.ArgumentTypeError(f"expected {expected}, got {value!r}")
        return v

    return parse


_positive_int = _number(int, 1, False, "a positive integer")
_nonneg_float = _number(float, 0.0, False, "a number >= 0")
_positive_float = _number(float, 0.0, True, "a number > 0")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``train`` and ``sample`` sub-commands."""
    _add_train(subparsers)
    _add_sample(subparsers)


def _add_train(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "train",
        help="train a character-level language model",
        description="Train a character-level RNN / GRU / LSTM language model. The text is read as "
        "--batch-size contiguous streams in windows of --seq-len characters, the hidden state is "
        "carried from window to window (truncated BPTT), and a progress bar shows the loss, bits "
        "per character and characters per second. Checkpoints are written atomically; --resume "
        "continues an interrupted run with exactly the result it would have had.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    d = p.add_argument_group("data")
    d.add_argument(
        "--corpus",
        default="stdlib",
        help="'stdlib' for the Python standard library sources bundled with this "
        "interpreter (validation = held-out files), or the path of a UTF-8 text file "
        "(validation = its last 10%%)",
    )
    d.add_argument(
        "--max-chars",
        type=_positive_int,
        default=None,
        help="cap on training characters taken from the stdlib corpus (default 8,000,000)",
    )
    m = p.add_argument_group("model")
    m.add_argument(
        "--cell", type=_cell, default="lstm", help="recurrent cell: rnn (tanh), gru or lstm"
    )
    m.add_argument(
        "--hidden-size", type=_positive_int, default=128, help="hidden units per layer (H)"
    )
    m.add_argument(
        "--layers", type=_positive_int, default=1, help="number of stacked recurrent layers"
    )
    m.add_argument(
        "--embed-dim", type=_positive_int, default=64, help="character embedding size (E)"
    )
    m.add_argument(
        "--dropout",
        type=_nonneg_float,
        default=0.0,
        help="dropout on the embeddings, between layers and before the output layer",
    )
    m.add_argument(
        "--backend",
        choices=("rnncourse", "torch"),
        default="rnncourse",
        help="recurrent layers from rnncourse.nn (readable) or torch.nn (oneDNN/cuDNN)",
    )
    m.add_argument(
        "--amp",
        choices=("none", "bf16"),
        default="none",
        help="mixed precision: bfloat16 autocast for the training forward pass",
    )
    o = p.add_argument_group("optimisation")
    o.add_argument("--batch-size", type=_positive_int, default=32, help="parallel text streams (N)")
    o.add_argument("--seq-len", type=_positive_int, default=64, help="truncated-BPTT window (T)")
    o.add_argument("--lr", type=float, default=2e-3, help="peak Adam learning rate")
    o.add_argument(
        "--steps",
        type=_positive_int,
        default=None,
        help="number of updates; the cosine learning-rate schedule spans them (default 1000, "
        "or as many as --minutes allows)",
    )
    o.add_argument(
        "--clip",
        type=_nonneg_float,
        default=1.0,
        help="clip the global gradient norm to this value (0 disables clipping)",
    )
    o.add_argument(
        "--minutes",
        type=_positive_float,
        default=None,
        help="train for this many minutes, the learning-rate schedule fitted to the time "
        "(re-estimated from the measured speed); with --steps: stop at whichever comes first",
    )
    o.add_argument(
        "--seed", type=int, default=0, help="seed for initialisation, dropout and samples"
    )
    o.add_argument("--device", default="auto", help="'auto' (GPU when available), 'cpu' or 'cuda'")
    r = p.add_argument_group("monitoring and checkpoints")
    r.add_argument(
        "--eval-every",
        type=int,
        default=200,
        help="compute validation bits per character every this many steps (0: only at the end)",
    )
    r.add_argument(
        "--sample-every",
        type=int,
        default=200,
        help="print a sample every this many steps (0: never)",
    )
    r.add_argument(
        "--sample-len", type=_positive_int, default=200, help="characters per printed sample"
    )
    r.add_argument(
        "--checkpoint",
        default="charlm.pt",
        help="checkpoint file (written atomically: temporary file, then rename)",
    )
    r.add_argument(
        "--checkpoint-every",
        type=int,
        default=100,
        help="write the checkpoint every this many steps (0: only at the end)",
    )
    r.add_argument(
        "--resume",
        action="store_true",
        help="continue from --checkpoint (its model, optimiser, data position and "
        "random state; the model options given here are ignored)",
    )
    r.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.set_defaults(func=run_train)


def _add_sample(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "sample",
        help="generate text from a trained checkpoint",
        description="Generate text one character at a time from a checkpoint written by "
        "'rnncourse train', feeding each sampled character back in.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("checkpoint", help="checkpoint file written by 'rnncourse train'")
    p.add_argument("--length", type=_positive_int, default=500, help="characters to generate")
    p.add_argument("--prime", default="\n", help="text fed to the model before sampling starts")
    p.add_argument(
        "--temperature",
        type=float,
        default=0.8,
        help="divide the scores by this before the softmax (< 1: safer, > 1: wilder)",
    )
    p.add_argument(
        "--top-k",
        type=_positive_int,
        default=None,
        help="sample only among the k most likely characters",
    )
    p.add_argument("--seed", type=int, default=0, help="random seed (same seed, same text)")
    p.add_argument("--device", default="cpu", help="'cpu', 'cuda' or 'auto'")
    p.set_defaults(func=run_sample)


def _fail(command: str, message: str) -> int:
    print(f"rnncourse {command}: error: {message}", file=sys.stderr)
    return 2


def _load_texts(args: argparse.Namespace) -> tuple[str, str]:
    from rnncourse.data import load_corpus

    if args.corpus == "stdlib":
        return load_corpus("stdlib", "train", args.max_chars), load_corpus("stdlib", "valid")
    return load_corpus(args.corpus, "train"), load_corpus(args.corpus, "valid")


def run_train(args: argparse.Namespace) -> int:
    """Entry point of ``rnncourse train``; returns the exit status."""
    try:
        train_text, valid_text = _load_texts(args)
    except (OSError, ValueError) as e:
        return _fail("train", str(e))
    from rnncourse.train.allocator import keep_freed_memory
    from rnncourse.train.checkpoint import CheckpointError
    from rnncourse.train.lm import LMTrainer, TrainConfig

    keep_freed_memory()  # a training process: reuse freed buffers (see rnncourse.train.allocator)

    try:
        if args.resume:
            if not Path(args.checkpoint).exists():
                return _fail(
                    "train", f"--resume given but checkpoint {args.checkpoint!r} does not exist"
                )
            trainer = LMTrainer.from_checkpoint(args.checkpoint, train_text, valid_text)
            print(f"resumed {args.checkpoint} at step {trainer.step} / {trainer.config.max_steps}")
        else:
            config = TrainConfig(
                cell=args.cell,
                hidden_size=args.hidden_size,
                num_layers=args.layers,
                embed_dim=args.embed_dim,
                dropout=args.dropout,
                batch_size=args.batch_size,
                seq_len=args.seq_len,
                lr=args.lr,
                max_steps=args.steps or 1000,
                clip=args.clip if args.clip > 0 else None,
                eval_every=args.eval_every,
                sample_every=args.sample_every,
                checkpoint_every=args.checkpoint_every,
                sample_len=args.sample_len,
                seed=args.seed,
                device=args.device,
                backend=args.backend,
                amp=args.amp,
            )
            trainer = LMTrainer(train_text, valid_text, config)
    except (CheckpointError, ValueError) as e:
        return _fail("train", str(e))
    print(
        f"{trainer.config.cell} {trainer.config.num_layers}x{trainer.config.hidden_size}, "
        f"vocabulary V = {len(trainer.vocab)}, {len(trainer.train_ids):,} training characters, "
        f"device {trainer.device}"
    )
    budget = args.minutes * 60 if args.minutes else None
    # --minutes alone: the schedule spans the time (a resumed run keeps its saved schedule)
    fit_schedule = budget is not None and args.steps is None and not args.resume
    hist = trainer.fit(
        fit_schedule=fit_schedule,
        time_budget=budget,
        checkpoint_path=args.checkpoint,
        progress=not args.no_progress,
        print_samples=args.sample_every > 0,
    )
    if hist["val_bpc"]:
        print(f"step {trainer.step}: validation {hist['val_bpc'][-1]:.3f} bits/char")
    print(f"checkpoint written to {args.checkpoint}")
    return 0


def run_sample(args: argparse.Namespace) -> int:
    """Entry point of ``rnncourse sample``; returns the exit status."""
    import torch

    from rnncourse.train.checkpoint import CheckpointError
    from rnncourse.train.lm import load_model
    from rnncourse.train.models import sample_ids

    try:
        model, vocab, config = load_model(args.checkpoint, device=args.device)
    except (CheckpointError, ValueError) as e:
        return _fail("sample", str(e))
    missing = sorted(set(args.prime) - set(vocab.itos))
    if missing:
        return _fail(
            "sample",
            f"--prime has characters {missing[:5]} that are not in the "
            f"checkpoint's vocabulary (V = {len(vocab)})",
        )
    if not args.prime:
        return _fail("sample", "--prime must contain at least one character")
    if args.temperature <= 0:
        return _fail("sample", f"--temperature must be > 0, got {args.temperature}")
    gen = torch.Generator().manual_seed(args.seed)
    ids = sample_ids(
        model, vocab.encode(args.prime).tolist(), args.length, args.temperature, args.top_k, gen
    )
    sys.stdout.write(args.prime + vocab.decode(ids) + "\n")
    return 0
