"""``rnncourse train``, ``rnncourse sample`` and ``rnncourse eval``.

Train a character-level language model on any text, sample it, score it.

Registered into the top-level parser by :func:`register` (see :mod:`rnncourse.cli`). The model and
training options are generated from :class:`~rnncourse.train.config.TrainConfig`
(:mod:`rnncourse.train.cli_options`); the options below are about the run: data, checkpoints,
logs. torch is imported only when a command runs, so ``rnncourse --help`` stays fast. Every bad
input ends in one line ``rnncourse COMMAND: error: ...`` and exit status 2.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from dataclasses import dataclass

from rnncourse.train.cli_options import (
    HelpFormatter,
    add_config_options,
    config_field,
    fail,
    one_line_errors,
    value_parser,
)
from rnncourse.train.config import bounded_field as _f

_EPILOG = """\
Runs: a new run refuses to replace an existing checkpoint unless --overwrite is given; --resume
continues one exactly where it stopped (its model, optimiser, data position and random state).
On a finished run, --resume with a larger --steps (or with --minutes) extends it: the cosine
schedule is re-spanned to the new length, so the learning rate rises from its floor to the longer
schedule's value at that step and decays to the floor again at the new end. Ctrl-C (or SIGTERM)
finishes the current step, writes the checkpoint and exits with status 130; press it twice to
stop at once. A step whose loss or gradient is not finite stops the run (status 2) before
anything is written, so the last checkpoint stays good.

Several processes or GPUs (DistributedDataParallel; gloo on CPUs, nccl on GPUs):
  torchrun --nproc-per-node 4 -m rnncourse train --corpus FILE --batch-size 128 ...
Each process trains --batch-size / 4 of the streams (the global batch stays --batch-size); rank 0
prints, logs and writes the checkpoints; a checkpoint resumes under any number of processes
that divides --batch-size."""


@dataclass
class RunOptions:
    """Bounds of the run options that are not :class:`TrainConfig` fields, checked like them."""

    max_chars: int = _f(8_000_000, "cap on training characters of the stdlib corpus", low=1)
    minutes: float = _f(1.0, "training time in minutes", low=0.0, strict=True)
    top_k: int = _f(1, "sample among the k most likely characters", low=1)


def _run_option(name: str) -> dataclasses.Field:
    return {f.name: f for f in dataclasses.fields(RunOptions)}[name]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``train``, ``sample`` and ``eval`` sub-commands."""
    for add in (_add_train, _add_sample, _add_eval):
        one_line_errors(add(subparsers))


def _add_corpus_options(p: argparse.ArgumentParser, required: bool) -> None:
    p.add_argument(
        "--corpus",
        required=required,
        default=None if required else "stdlib",
        help="path of a text file; 'stdlib' for the Python standard library sources bundled "
        "with this interpreter (validation: held-out files)",
    )
    p.add_argument(
        "--encoding",
        default="utf-8",
        help="the text file's encoding; a file that is not valid in it is refused with the "
        "offset of the first bad byte",
    )


def _add_train(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "train",
        help="train a character-level language model",
        description="Train a character-level RNN / GRU / LSTM language model. The text is read as "
        "--batch-size contiguous streams in windows of --seq-len characters, the hidden state is "
        "carried from window to window (truncated BPTT), and a progress bar shows the loss, bits "
        "per character, training characters per second and the last validation score. "
        "Checkpoints are written atomically.",
        epilog=_EPILOG,
        formatter_class=lambda prog: HelpFormatter(prog, max_help_position=32),
    )
    d = p.add_argument_group("data")
    _add_corpus_options(d, required=False)
    d.add_argument(
        "--valid",
        metavar="FILE",
        default=None,
        help="validation text file (instead of the end of --corpus)",
    )
    d.add_argument(
        "--valid-fraction",
        type=_fraction,
        default=0.1,
        help="share of a --corpus file held out for validation, cut at a line boundary "
        "(0: no validation)",
    )
    d.add_argument(
        "--max-chars",
        type=value_parser(_run_option("max_chars")),
        default=8_000_000,
        help="cap on training characters taken from the stdlib corpus",
    )
    add_config_options(p)
    r = p.add_argument_group("run")
    r.add_argument(
        "--minutes",
        type=value_parser(_run_option("minutes")),
        default=None,
        help="train for this many minutes; alone, the learning-rate schedule is fitted to the "
        "time (re-estimated from the measured speed), with --steps: stop at whichever comes first",
    )
    r.add_argument(
        "--checkpoint",
        default="charlm.pt",
        help="checkpoint file (written atomically: temporary file, then rename)",
    )
    r.add_argument(
        "--resume", action="store_true", help="continue (or extend) the run in --checkpoint"
    )
    r.add_argument(
        "--overwrite", action="store_true", help="start a new run over an existing --checkpoint"
    )
    r.add_argument(
        "--keep",
        choices=("last", "best"),
        default="last",
        help="best: also keep the best-validation checkpoint as NAME.best.pt beside the last",
    )
    r.add_argument(
        "--log",
        "--log-file",
        metavar="FILE",
        default=None,
        help="append metrics per step and per evaluation to FILE (.csv: CSV, else JSON lines); "
        "under torchrun spell it --log-file (torchrun takes --log for its own --log-dir)",
    )
    r.add_argument(
        "--tensorboard",
        metavar="DIR",
        default=None,
        help="also write the metrics to TensorBoard in DIR (needs the tensorboard package)",
    )
    r.add_argument(
        "--no-progress",
        action="store_true",
        help="no progress bar; print a line per evaluation instead",
    )
    from rnncourse.train.train_command import run_train

    p.set_defaults(func=run_train)
    return p


def _fraction(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 0.9], got {text!r}") from None
    if not 0 <= v <= 0.9:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 0.9], got {text!r}")
    return v


def _checkpoint_command(
    subparsers: argparse._SubParsersAction, name: str, help: str, description: str, func
) -> argparse.ArgumentParser:
    """Add a sub-command that reads a checkpoint of 'rnncourse train' (``sample``, ``eval``)."""
    p = subparsers.add_parser(
        name, help=help, description=description, formatter_class=HelpFormatter
    )
    p.add_argument("checkpoint", help="checkpoint file written by 'rnncourse train'")
    p.add_argument("--device", default="cpu", help="'cpu', 'cuda', 'cuda:N' or 'auto'")
    p.set_defaults(func=func)
    return p


def _add_sample(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = _checkpoint_command(
        subparsers,
        "sample",
        help="generate text from a trained checkpoint",
        description="Generate text one character at a time from a checkpoint written by "
        "'rnncourse train', feeding each sampled character back in.",
        func=run_sample,
    )
    p.add_argument(
        "--length",
        type=value_parser(config_field("sample_len"), "length"),
        default=500,
        help="characters to generate",
    )
    p.add_argument("--prime", default="\n", help="text fed to the model before sampling starts")
    p.add_argument(
        "--temperature",
        type=value_parser(config_field("temperature")),
        default=0.8,
        help="divide the scores by this finite number > 0 before the softmax (< 1: safer, "
        "> 1: wilder)",
    )
    p.add_argument(
        "--top-k",
        type=value_parser(_run_option("top_k")),
        default=None,
        help="sample only among the k most likely characters",
    )
    p.add_argument("--seed", type=int, default=0, help="random seed (same seed, same text)")
    return p


def _add_eval(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = _checkpoint_command(
        subparsers,
        "eval",
        help="score a trained checkpoint on a text: bits per character",
        description="Bits per character of a checkpoint's model on a text file: the mean "
        "cross-entropy of its next-character predictions, the state carried through the text.",
        func=run_eval,
    )
    _add_corpus_options(p, required=True)
    return p


def run_sample(args: argparse.Namespace) -> int:
    """Entry point of ``rnncourse sample``; returns the exit status."""
    import torch

    from rnncourse.train.checkpoint import load_model
    from rnncourse.train.models import sample_ids

    if not args.prime:
        return fail("sample", "--prime must contain at least one character")
    try:
        model, vocab, _ = load_model(args.checkpoint, device=args.device)
    except ValueError as e:  # CheckpointError, or a device that does not exist
        return fail("sample", str(e))
    missing = sorted(set(args.prime) - set(vocab.itos))
    if missing:
        return fail(
            "sample",
            f"--prime has characters {missing[:5]} that are not in the "
            f"checkpoint's vocabulary (V = {len(vocab)})",
        )
    gen = torch.Generator().manual_seed(args.seed)
    ids = sample_ids(
        model, vocab.encode(args.prime).tolist(), args.length, args.temperature, args.top_k, gen
    )
    sys.stdout.write(args.prime + vocab.decode(ids) + "\n")
    return 0


def run_eval(args: argparse.Namespace) -> int:
    """Entry point of ``rnncourse eval``; returns the exit status."""
    from rnncourse.data import load_corpus
    from rnncourse.train.checkpoint import load_model
    from rnncourse.train.evaluation import score_bits_per_char
    from rnncourse.train.textfile import read_text

    try:
        model, vocab, _ = load_model(args.checkpoint, device=args.device)
        if args.corpus == "stdlib":
            text = load_corpus("stdlib", "valid")
        else:
            text = read_text(args.corpus, args.encoding)
    except ValueError as e:
        return fail("eval", str(e))
    if len(text) < 2:
        return fail("eval", f"--corpus {args.corpus!r} has fewer than 2 characters to score")
    unknown = sum(1 for ch in text if ch not in vocab.stoi)
    ids = vocab.encode(text)
    bpc = score_bits_per_char(model, ids, next(model.parameters()).device)
    note = (
        f"; {unknown:,} characters are not in the checkpoint's vocabulary and were scored as "
        f"<UNK>, which the model never predicts"
        if unknown
        else ""
    )
    print(f"{bpc:.4f} bits/char on {args.corpus} ({len(text):,} characters{note})")
    return 0
