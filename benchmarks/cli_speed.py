"""Benchmark: ``rnncourse train``'s default path against a plain torch.nn training script.

Both train the same character LSTM (embedding -> torch.nn.LSTM -> linear read-out, Adam,
global-norm clipping 1.0, warm-up + cosine learning rate, carried hidden state, bf16 autocast
when the settings ask for it) on the same text with the same N x T windows, in one process. The
rounds alternate (CLI, plain, plain, CLI, CLI, plain, ...: the order flips every round, since the
one that runs right after the other pays for caches it evicted), so a change in the machine's load
hits both alike; each round times steps ``warmup .. steps`` (the first ones are warm-up), and the
ratio is the plain script's median step time over the CLI's (1.0: as fast as plain PyTorch).

The CLI runs through :func:`rnncourse.cli.main` exactly as on the command line (its options at
their defaults except those of the chosen settings, ``--steps`` and the file names); its step times
come from its own ``--log`` (the time of each logged step), so the command's start-up, reading the
text and writing the final checkpoint are outside the timed span, as the plain script's set-up is.

    python benchmarks/cli_speed.py                          # defaults and the README recipe, CPU
    python benchmarks/cli_speed.py --settings defaults --rounds 5
    python benchmarks/cli_speed.py --device cuda --ddp      # GPU: + torchrun (nccl), + the CPU

``--ddp`` also times ``torchrun --nproc-per-node 1 -m rnncourse train`` (DistributedDataParallel,
nccl on a GPU, gloo on a CPU) from its log; ``--compare-cpu`` (with ``--device cuda``) adds the
CLI on the CPU at the same settings; ``--with-rnncourse`` adds ``--backend rnncourse``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

import torch
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
#: Command-line options of each setting (the rest stays at the CLI's defaults).
SETTINGS = {
    "defaults": [],
    "defaults-bf16": ["--amp", "bf16"],
    "recipe": [
        "--layers",
        "2",
        "--hidden-size",
        "384",
        "--batch-size",
        "128",
        "--seq-len",
        "64",
        "--lr",
        "4e-3",
        "--amp",
        "bf16",
    ],  # the README's 10-minute recipe
}


def cli_step_seconds(log: Path, warmup: int, steps: int) -> list[float]:
    """Seconds of each of the CLI's steps ``warmup+1 .. steps``, from its JSON-lines log."""
    t = {
        r["step"]: r["seconds"]
        for r in map(json.loads, log.read_text().splitlines())
        if "loss" in r
    }
    return [t[s] - t[s - 1] for s in range(warmup + 1, steps + 1)]


def run_cli(
    corpus: Path,
    opts: list[str],
    steps: int,
    warmup: int,
    device: str,
    tmp: Path,
    extra: list[str] = (),
    ddp: bool = False,
) -> float:
    """Train ``steps`` steps with ``rnncourse train``; seconds of each of steps ``warmup+1..``."""
    from rnncourse.cli import main

    log, ck = tmp / "cli.jsonl", tmp / "cli.pt"
    log.unlink(missing_ok=True)
    argv = [
        "train",
        "--corpus",
        str(corpus),
        *opts,
        *extra,
        "--steps",
        str(steps),
        "--device",
        device,
        "--checkpoint",
        str(ck),
        "--overwrite",
        "--no-progress",
        "--log-file",  # torchrun reads --log as its own option
        str(log),
    ]
    if ddp:
        cmd = [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--nproc-per-node",
            "1",
            "--master-port",
            "29517",
            "-m",
            "rnncourse",
            *argv,
        ]
        # the same thread count as this process (torchrun leaves one process at torch's default)
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "OMP_NUM_THREADS": str(torch.get_num_threads()),
        }
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=env)
    else:
        with open(os.devnull, "w") as sink:
            stdout, sys.stdout = sys.stdout, sink
            try:
                assert main(argv) == 0
            finally:
                sys.stdout = stdout
    return cli_step_seconds(log, warmup, steps)


def run_plain(text: str, opts: list[str], steps: int, warmup: int, device: str) -> list[float]:
    """The same training as a plain torch.nn script; seconds of each of steps ``warmup+1..``.

    Like the CLI (which reads the loss of every step), it reads the loss after each step, which
    also waits for the device, so each step's time is complete.
    """
    o = dict(zip(opts[::2], opts[1::2], strict=True))
    H, L = int(o.get("--hidden-size", 128)), int(o.get("--layers", 1))
    N, T = int(o.get("--batch-size", 32)), int(o.get("--seq-len", 64))
    lr, E, bf16 = float(o.get("--lr", 2e-3)), 64, o.get("--amp") == "bf16"
    dev = torch.device(device)
    chars = sorted(set(text))
    ids = torch.tensor([chars.index(c) for c in text[: N * (T * (steps + 1)) + 1]])
    S = (len(ids) - 1) // N
    x_all, y_all = ids[: N * S].view(N, S).to(dev), ids[1 : N * S + 1].view(N, S).to(dev)
    V = len(chars)
    torch.manual_seed(0)
    embed, lstm, head = nn.Embedding(V, E), nn.LSTM(E, H, L, batch_first=True), nn.Linear(H, V)
    model = nn.ModuleList([embed, lstm, head]).to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    state, times, last = None, [], time.perf_counter()
    for step in range(steps):
        k = step % (S // T)
        x, y = x_all[:, k * T : (k + 1) * T], y_all[:, k * T : (k + 1) * T]
        warm = min(1.0, 0.1 + 0.9 * step / 20)
        cos = 0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * max(0, step - 20) / (steps - 20)))
        for g in opt.param_groups:
            g["lr"] = lr * (warm if step < 20 else cos)
        with torch.autocast(dev.type, torch.bfloat16, enabled=bf16):
            out, state = lstm(embed(x), state)
            logits = head(out)
        loss = nn.functional.cross_entropy(logits.float().reshape(-1, V), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        state = tuple(s.detach() for s in state)
        float(loss.detach())  # waits for the device
        now = time.perf_counter()
        if step >= warmup:
            times.append(now - last)
        last = now
    return times


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--settings", nargs="+", choices=list(SETTINGS), default=["defaults", "recipe"])
    p.add_argument("--rounds", type=int, default=3, help="alternating rounds per contestant")
    p.add_argument(
        "--steps",
        type=int,
        default=None,
        help="steps per round (default: 60 CPU defaults, 25 CPU recipe, 200 GPU)",
    )
    p.add_argument("--warmup", type=int, default=5, help="untimed steps at the start of a round")
    p.add_argument("--device", default="cpu")
    p.add_argument("--ddp", action="store_true", help="also time the CLI under torchrun")
    p.add_argument("--compare-cpu", action="store_true", help="also the CLI on the CPU")
    p.add_argument("--with-rnncourse", action="store_true", help="also --backend rnncourse")
    p.add_argument("--threads", type=int, default=None, help="torch threads (default torch's)")
    p.add_argument("--max-chars", type=int, default=300_000, help="corpus size (characters)")
    p.add_argument("--json", default=None, help="write the results here")
    args = p.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    from rnncourse.data import load_corpus

    text = load_corpus("stdlib", "train", max_chars=args.max_chars)
    results = {}
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        corpus = tmp / "corpus.txt"
        corpus.write_text(text)
        for name in args.settings:
            opts = SETTINGS[name]
            gpu = args.device.startswith("cuda")
            steps = args.steps or (200 if gpu else 60 if name == "defaults" else 25)
            common = (opts, steps, args.warmup)
            contestants = {
                "cli": partial(run_cli, corpus, *common, args.device, tmp),
                "plain": partial(run_plain, text, *common, args.device),
            }
            if args.with_rnncourse:
                contestants["cli_rnncourse"] = partial(
                    run_cli, corpus, *common, args.device, tmp, ["--backend", "rnncourse"]
                )
            if args.ddp:
                contestants["cli_torchrun"] = partial(
                    run_cli, corpus, *common, args.device, tmp, ddp=True
                )
            if args.compare_cpu and gpu:  # fewer steps on the CPU: the median step is compared
                cpu = (opts, min(steps, 25), args.warmup)
                contestants["cli_cpu"] = partial(run_cli, corpus, *cpu, "cpu", tmp)
            # per contestant, per round: the time of each timed step
            times: dict[str, list[list[float]]] = {k: [] for k in contestants}
            order = list(contestants)
            for i in range(args.rounds):  # the order flips every round: no position advantage
                for key in order if i % 2 == 0 else order[::-1]:
                    times[key].append(contestants[key]())
            med = statistics.median
            pooled = {k: med([t for r in v for t in r]) for k, v in times.items()}
            per_round = {
                k: [med(p_) / med(t) for p_, t in zip(times["plain"], v, strict=True)]
                for k, v in times.items()
                if k != "plain"
            }
            res = {
                "settings": " ".join(opts) or "(defaults)",
                "device": args.device,
                "steps_timed_per_round": steps - args.warmup,
                "chars_per_s": {k: round(_n_t(opts) / v) for k, v in pooled.items()},
                "ratio_to_plain": {
                    k: {
                        "median": round(pooled["plain"] / pooled[k], 3),
                        "rounds_min": round(min(v), 3),
                        "rounds_max": round(max(v), 3),
                    }
                    for k, v in per_round.items()
                },
                "rounds": args.rounds,
                "threads": torch.get_num_threads(),
                "load_average": [round(x, 2) for x in os.getloadavg()],
            }
            results[name] = res
            print(
                f"== {name}: {res['settings']} on {args.device}, {args.rounds} alternating rounds "
                f"of {steps - args.warmup} timed steps, load {res['load_average']}"
            )
            for k, v in res["chars_per_s"].items():
                r = res["ratio_to_plain"].get(k)
                extra = (
                    f"  ratio to plain {r['median']:.3f} (per round "
                    f"{r['rounds_min']:.3f} .. {r['rounds_max']:.3f})"
                    if r
                    else ""
                )
                print(f"  {k:>14}: {v:>10,} chars/s{extra}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1) + "\n")
    return results


def _n_t(opts: list[str]) -> int:
    o = dict(zip(opts[::2], opts[1::2], strict=True))
    return int(o.get("--batch-size", 32)) * int(o.get("--seq-len", 64))


if __name__ == "__main__":
    main()
