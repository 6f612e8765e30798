"""The training step of ``rnncourse train`` against the plain script's step, in ONE process.

    python benchmarks/cli_step_ab.py --rounds 5 --steps 30

``benchmarks/cli_speed.py`` times whole processes; on a shared machine their times spread by a
factor of 3 or more between runs, which hides a 5 % difference. This script removes the process
from the comparison: it builds the CLI's trainer (:class:`rnncourse.train.LMTrainer` at the
defaults of ``TrainConfig``, torch backend, as ``rnncourse train`` builds it, after
``keep_freed_memory``) and the plain script's model, optimiser and data
(``benchmarks/plain_charlm.py``, its own ``train_step``), on the same corpus, and alternates
blocks of ``--steps`` updates: round r times the CLI's block then the plain block, round r + 1
the other way round. Each block's time per step gives one ratio per round, plain / CLI
(>= 0.95 is the goal of issue 30); the median and range over the rounds are printed with the load
average before and after. Warm-up: one block of each, not counted.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import plain_charlm as plain
from cli_speed import make_corpus

from rnncourse.train import TrainConfig
from rnncourse.train.allocator import keep_freed_memory
from rnncourse.train.lm import LMTrainer


def _load() -> str:
    path = Path("/proc/loadavg")
    return " ".join(path.read_text().split()[:3]) if path.exists() else "?"


def main(argv: list[str] | None = None) -> dict:
    """Time alternating blocks of both steps; print and return the per-round ratios."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--steps", type=int, default=30, help="updates per timed block")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--corpus", type=Path, default=None, help="default: the Vim help files")
    p.add_argument("--max-chars", type=int, default=400_000)
    p.add_argument(
        "--malloc",
        choices=("keep", "default"),
        default="keep",
        help="keep: call keep_freed_memory() first, as rnncourse train does; default: glibc's",
    )
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    load_before = _load()
    corpus = args.corpus
    if corpus is None:
        corpus = Path(os.environ.get("TMPDIR", "/tmp")) / "rnncourse_cli_step_ab.txt"
        make_corpus(corpus, args.max_chars)
    text = corpus.read_text(encoding="utf-8")
    cut = text.rfind("\n", 0, int(len(text) * 0.9)) + 1

    if args.malloc == "keep":
        keep_freed_memory()  # what rnncourse train does before it builds the trainer
    trainer = LMTrainer(text[:cut], text[cut:], TrainConfig(device="cpu", backend="torch"))

    pargs = plain.parser().parse_args(["--corpus", str(corpus), "--device", "cpu"])
    chars = sorted(set(text))
    index = {c: i for i, c in enumerate(chars)}
    torch.manual_seed(pargs.seed)
    model = plain.CharLSTM(len(chars), pargs.embed_dim, pargs.hidden_size, pargs.layers)
    opt = torch.optim.Adam(model.parameters(), lr=pargs.lr)
    x_all, y_all = plain.streams(torch.tensor([index[c] for c in text[:cut]]), pargs.batch_size)
    T, windows = pargs.seq_len, x_all.shape[1] // pargs.seq_len
    box = {"step": 0, "state": None}

    def plain_block() -> None:
        for _ in range(args.steps):
            step = box["step"]
            k = step % windows
            x, y = x_all[:, k * T : (k + 1) * T], y_all[:, k * T : (k + 1) * T]
            state = None if k == 0 else box["state"]
            lr = plain.learning_rate(step, pargs)
            _, box["state"] = plain.train_step(model, opt, x, y, state, lr, pargs)
            box["step"] += 1

    def cli_block() -> None:
        for _ in range(args.steps):
            trainer.train_step()

    blocks = {"cli": cli_block, "plain": plain_block}
    for fn in blocks.values():
        fn()  # warm-up
    times: dict[str, list[float]] = {k: [] for k in blocks}
    for r in range(args.rounds):
        for name in list(blocks) if r % 2 == 0 else list(blocks)[::-1]:
            t0 = time.perf_counter()
            blocks[name]()
            times[name].append((time.perf_counter() - t0) / args.steps)
    ratios = [q / c for c, q in zip(times["cli"], times["plain"], strict=True)]
    result = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}",
        "load_before": load_before,
        "load_after": _load(),
        "updates": {"cli": trainer.step, "plain": box["step"]},  # warm-up included
        "ms_per_step": {k: [round(t * 1e3, 2) for t in v] for k, v in times.items()},
        "throughput_cli_over_plain": ratios,
    }
    print(
        f"{result['date']}, {result['machine']}, {args.threads} thread(s), load average "
        f"{result['load_before']} -> {result['load_after']}; {args.rounds} rounds of "
        f"{args.steps} steps, order alternated, malloc {args.malloc}"
    )
    for k, v in times.items():
        print(f"  {k:>5}: {statistics.median(v) * 1e3:7.1f} ms/step (median)")
    print(
        f"  throughput CLI / plain: {statistics.median(ratios):.3f} "
        f"({min(ratios):.3f}-{max(ratios):.3f})"
    )
    return result


if __name__ == "__main__":
    main()
