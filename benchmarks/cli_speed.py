"""Benchmark: ``rnncourse train`` against an independent plain torch.nn script, whole processes.

The baseline is ``benchmarks/plain_charlm.py``, written without rnncourse: Embedding ->
torch.nn.LSTM -> Linear, Adam, warm-up + cosine, global-norm clipping, carried state, evaluation
every ``--eval-every`` steps and at the end, the weights saved. Each run is a fresh process started
the way a user starts it (``python -m rnncourse train ...`` at the CLI's defaults apart from
``--steps``, the corpus and the file names; ``python benchmarks/plain_charlm.py ...`` with the same
settings). The runs alternate A B B A A B ... so that both orders occur equally often and a change
of the machine's load hits both alike. For each run it records

* the whole-process wall time (start to exit),
* the training throughput each program prints (characters per second of its training steps,
  evaluation, samples and checkpoints excluded),
* the start-up: from the process start to the end of its first training step, read from the
  first line of its per-step log (``--log``), which the harness polls.

It prints the median and the range of each, and the ratios plain / CLI of throughput and CLI /
plain of time (>= 0.95 and <= 1/0.95 is the goal of issue 30). ``uptime``'s load average before
and after goes into the result: on a shared machine, say how loaded it was.

    python benchmarks/cli_speed.py                          # 300 steps, 5 runs each, CPU
    python benchmarks/cli_speed.py --steps 100 --runs 3 --threads 1
    python benchmarks/cli_speed.py --device cuda --settings defaults-bf16 recipe --ddp

The corpus (``--corpus``, default: the ASCII text of the Vim help files in /usr/share/vim, which
the project never trained on, cut to ``--max-chars``) is written once to a temporary file.
``--ddp`` adds the CLI under ``torchrun --nproc-per-node 1`` as a third contestant;
``--compare-cpu`` (with ``--device cuda``) the CLI on the CPU.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Options of each setting, understood by both programs (the rest stays at their defaults).
SETTINGS = {
    "defaults": [],
    "defaults-bf16": ["--amp", "bf16"],
    "recipe": [  # the README's 10-minute recipe
        *("--layers", "2", "--hidden-size", "384", "--batch-size", "128"),
        *("--seq-len", "64", "--lr", "4e-3", "--amp", "bf16"),
    ],
}
THROUGHPUT = re.compile(r"training: ([\d,]+) chars/s")


def make_corpus(path: Path, max_chars: int) -> None:
    """Write the ASCII text of the Vim help files (a corpus the project never saw) to ``path``."""
    files = sorted(glob.glob("/usr/share/vim/vim*/doc/*.txt"))
    if not files:
        raise SystemExit("no /usr/share/vim/vim*/doc/*.txt here: pass --corpus FILE")
    text = "".join(Path(f).read_text(encoding="utf-8", errors="ignore") for f in files)
    path.write_text("".join(c for c in text if c.isascii())[:max_chars], encoding="utf-8")


def commands(args: argparse.Namespace, setting: str, corpus: Path, tmp: Path) -> dict:
    """Contestant name -> (argv, log file) for one setting."""
    opts = [*SETTINGS[setting], "--steps", str(args.steps), "--device", args.device]
    cli = ["--corpus", str(corpus), *opts, "--overwrite", "--checkpoint"]
    out = {
        "cli": ([sys.executable, "-m", "rnncourse", "train", *cli, str(tmp / "cli.pt")], "cli"),
        "plain": (
            [
                *(sys.executable, str(ROOT / "benchmarks" / "plain_charlm.py"), "--corpus"),
                *(str(corpus), *opts, "--save", str(tmp / "plain.pt")),
            ],
            "plain",
        ),
    }
    if args.ddp:
        torchrun = [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "1"]
        out["cli-ddp"] = ([*torchrun, "-m", "rnncourse", "train", *cli, str(tmp / "d.pt")], "ddp")
    if args.compare_cpu:
        cpu = [*cli[: cli.index("--device") + 1], "cpu", *cli[cli.index("--device") + 2 :]]
        out["cli-cpu"] = (
            [sys.executable, "-m", "rnncourse", "train", *cpu, str(tmp / "c.pt")],
            "c",
        )
    return out


def run_once(argv: list[str], log: Path, env: dict[str, str]) -> dict[str, float]:
    """Run one process; return its wall time, start-up (to the first logged step), throughput."""
    log.unlink(missing_ok=True)
    flag = "--log-file" if "rnncourse" in argv else "--log"  # torchrun takes --log itself
    start = time.perf_counter()
    proc = subprocess.Popen(
        [*argv, flag, str(log)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    first = None
    while proc.poll() is None and first is None:
        if log.exists() and log.stat().st_size > 0:
            first = time.perf_counter() - start
        else:
            time.sleep(0.005)
    out = proc.communicate()[0].decode()
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}):\n{out[-2000:]}")
    (speed,) = THROUGHPUT.findall(out)
    return {
        "wall_s": wall,
        "startup_s": first or wall,
        "chars_per_s": float(speed.replace(",", "")),
    }


def _stats(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def _load() -> str:
    return (
        Path("/proc/loadavg").read_text().split(" ", 3)[:3]
        if Path("/proc/loadavg").exists()
        else ""
    )


def main(argv: list[str] | None = None) -> dict:
    """Time each setting's contestants in alternating runs; print and return the summary."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--settings", nargs="+", choices=list(SETTINGS), default=["defaults"])
    p.add_argument("--runs", "--rounds", type=int, default=5, help="runs per contestant")
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--device", default="cpu")
    p.add_argument("--ddp", action="store_true", help="also the CLI under torchrun")
    p.add_argument("--compare-cpu", action="store_true", help="also the CLI on the CPU")
    p.add_argument("--threads", type=int, default=None, help="OMP_NUM_THREADS for every run")
    p.add_argument("--corpus", type=Path, default=None)
    p.add_argument("--max-chars", type=int, default=2_000_000)
    p.add_argument("--json", type=Path, default=None, help="write the results here")
    args = p.parse_args(argv)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    if args.threads:
        env["OMP_NUM_THREADS"] = str(args.threads)
    result = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "load_before": _load(),
        "steps": args.steps,
        "runs": args.runs,
        "threads": args.threads,
        "settings": {},
    }
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        corpus = args.corpus or tmp / "corpus.txt"
        if args.corpus is None:
            make_corpus(corpus, args.max_chars)
        for setting in args.settings:
            contestants = commands(args, setting, corpus, tmp)
            names = list(contestants)
            runs: dict[str, list[dict]] = {n: [] for n in names}
            for r in range(args.runs):
                for name in names if r % 2 == 0 else names[::-1]:  # A B, B A, A B, ...
                    cmd, log = contestants[name]
                    runs[name].append(run_once(cmd, tmp / f"{log}.jsonl", env))
                    print(f"{setting} run {r + 1} {name}: {runs[name][-1]}", flush=True)
            summary = {
                n: {k: _stats([x[k] for x in runs[n]]) for k in runs[n][0]} | {"runs": runs[n]}
                for n in names
            }
            ratios = {
                "throughput_cli_over_plain": [
                    c["chars_per_s"] / q["chars_per_s"]
                    for c, q in zip(runs["cli"], runs["plain"], strict=True)
                ],
                "time_plain_over_cli": [
                    q["wall_s"] / c["wall_s"]
                    for c, q in zip(runs["cli"], runs["plain"], strict=True)
                ],
            }
            summary["ratios"] = {k: _stats(v) | {"values": v} for k, v in ratios.items()}
            result["settings"][setting] = summary
    result["load_after"] = _load()
    print(
        f"\n{result['date']}, {result['machine']}, load {result['load_before']} -> "
        f"{result['load_after']}, {args.steps} steps, {args.runs} runs each (median, range)"
    )
    for setting, s in result["settings"].items():
        for n in (k for k in s if k != "ratios"):
            m = s[n]
            print(
                f"{setting:>14} {n:>8}: {m['chars_per_s']['median']:>9,.0f} chars/s "
                f"({m['chars_per_s']['min']:,.0f}-{m['chars_per_s']['max']:,.0f}), whole "
                f"process {m['wall_s']['median']:.2f} s ({m['wall_s']['min']:.2f}-"
                f"{m['wall_s']['max']:.2f}), start-up {m['startup_s']['median']:.2f} s "
                f"({m['startup_s']['min']:.2f}-{m['startup_s']['max']:.2f})"
            )
        for k, v in s["ratios"].items():
            print(f"{setting:>14} {k}: {v['median']:.3f} ({v['min']:.3f}-{v['max']:.3f})")
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n")
    return result


if __name__ == "__main__":
    main()
