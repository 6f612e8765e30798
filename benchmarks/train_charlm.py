"""Benchmark: train a 2-layer LSTM (H = 256) character-level LM through rnncourse's trainer.

Reports training throughput (characters per second of wall time, and per CPU-second of this
process) and the validation bits per character on held-out standard-library *files* (not a slice
of the training files) after a time budget.

    .venv/bin/python benchmarks/train_charlm.py              # 10 minutes, rnncourse.nn LSTM
    .venv/bin/python benchmarks/train_charlm.py --minutes 1 --backend torch

The learning-rate schedule (warm-up, then cosine decay) is fitted to the time budget
(``LMTrainer.fit(fit_schedule=True)``): the number of steps it spans is re-estimated from the
measured speed every 10 steps, so the rate reaches its floor when the budget runs out whatever the
machine's speed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import torch

RECORD = Path(__file__).resolve().parents[1] / "rnncourse/experiments/results/charlm_benchmark.json"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line of the character-LM training benchmark."""
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    p.add_argument("--minutes", type=float, default=10.0, help="training time budget")
    p.add_argument(
        "--backend",
        choices=("rnncourse", "torch"),
        default="rnncourse",
        help="recurrent layer implementation",
    )
    p.add_argument("--hidden-size", type=int, default=256, help="H per layer")
    p.add_argument("--layers", type=int, default=2, help="stacked LSTM layers")
    p.add_argument("--embed-dim", type=int, default=64, help="character embedding size")
    p.add_argument("--batch-size", type=int, default=64, help="parallel streams N")
    p.add_argument("--seq-len", type=int, default=128, help="truncated-BPTT window T")
    p.add_argument("--lr", type=float, default=3e-3, help="peak Adam learning rate")
    p.add_argument("--warmup-steps", type=int, default=50, help="linear warm-up steps")
    p.add_argument("--clip", type=float, default=1.0, help="global gradient-norm clip")
    p.add_argument("--max-chars", type=int, default=8_000_000, help="training characters")
    p.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    p.add_argument("--device", default="cpu", help="cpu, cuda or auto")
    p.add_argument(
        "--amp",
        choices=("none", "bf16"),
        default="none",
        help="bfloat16 autocast for the training forward pass",
    )
    p.add_argument(
        "--malloc",
        choices=("keep", "default"),
        default="keep",
        help="keep: glibc reuses freed buffers (rnncourse.train.keep_freed_memory), "
        "as `rnncourse train` does; default: glibc's own thresholds",
    )
    p.add_argument("--json", default=None, help="also write the results to this JSON file")
    p.add_argument(
        "--record",
        default=None,
        metavar="LABEL",
        help="also store the results under LABEL in rnncourse/experiments/results/"
        "charlm_benchmark.json (the measured figures chapter 6 shows)",
    )
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> dict:
    """Train a character-level LM for ``--minutes`` and return its validation curve and speed."""
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    from rnncourse.data import CharVocab, load_corpus
    from rnncourse.train import LMTrainer, TrainConfig, keep_freed_memory

    if args.malloc == "keep":
        keep_freed_memory()

    train_text = load_corpus("stdlib", "train", max_chars=args.max_chars)
    valid_text = load_corpus("stdlib", "valid")
    budget = args.minutes * 60.0
    config = TrainConfig(
        cell="lstm",
        hidden_size=args.hidden_size,
        num_layers=args.layers,
        embed_dim=args.embed_dim,
        batch_size=args.batch_size,
        seq_len=args.seq_len,
        lr=args.lr,
        warmup_steps=args.warmup_steps,
        max_steps=10**9,
        clip=args.clip,
        eval_every=0,
        sample_every=0,
        device=args.device,
        backend=args.backend,
        amp=args.amp,
    )
    # No validation text for the trainer (its evaluation would run inside the timed budget);
    # the vocabulary still covers the held-out files, scored once after training.
    vocab = CharVocab.from_text(train_text + valid_text)
    trainer = LMTrainer(train_text, None, config, vocab=vocab)
    print(
        f"{args.layers}-layer LSTM H={args.hidden_size} ({args.backend}), "
        f"N={args.batch_size} T={args.seq_len}, {len(train_text):,} train chars, "
        f"{len(valid_text):,} held-out chars, V={len(trainer.vocab)}, "
        f"threads={torch.get_num_threads()}, device={trainer.device}, "
        f"budget {args.minutes} min"
    )

    start = time.perf_counter()
    cpu0 = time.process_time()
    # The cosine schedule is stretched over the updates the budget allows (re-estimated from
    # the measured speed), so the learning rate reaches its floor when the time runs out.
    trainer.fit(time_budget=budget, fit_schedule=True, progress=True)
    cpu = time.process_time() - cpu0
    wall = time.perf_counter() - start
    t0 = time.perf_counter()
    bpc = trainer.evaluate(valid_text)
    eval_s = time.perf_counter() - t0
    chars = trainer.step * trainer.chars_per_step
    result = {
        "backend": args.backend,
        "amp": args.amp,
        "malloc": args.malloc,
        "device": str(trainer.device),
        "threads": torch.get_num_threads(),
        "steps": trainer.step,
        "train_chars": chars,
        "train_seconds": round(wall, 1),
        "chars_per_s": round(trainer.chars_per_second),
        "chars_per_cpu_s": round(chars / cpu),
        "final_train_bpc": round(sum(trainer.history["bpc"][-20:]) / min(20, trainer.step), 4),
        "valid_bpc": round(bpc, 4),
        "valid_chars": len(valid_text),
        "eval_seconds": round(eval_s, 1),
        "machine": f"{platform.machine()} {os.cpu_count()} cpus, torch {torch.__version__}",
        "load_average": os.getloadavg(),
        "sample": trainer.sample(300, prime="def ", seed=0),
    }
    for k, v in result.items():
        print(f"{k:>16}: {v}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)
    if args.record:
        record(args.record, {**result, "settings": vars(args)})
    return result


def record(label: str, result: dict, path: Path = RECORD) -> None:
    """Merge one run into the benchmark record the book reads (keyed by ``label``)."""
    runs = json.loads(path.read_text()) if path.is_file() else {}
    runs[label] = result
    path.write_text(json.dumps(runs, indent=1) + "\n")


if __name__ == "__main__":
    main()
