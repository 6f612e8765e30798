"""What isolation costs: sandbox start-up, and 200 honest submissions isolated vs ``none``.

Prints, measured in one run on this machine (a shared 2-core machine gives noisy absolute
numbers; compare the ratios):

1. start-up of one child (started, answers its first request, closed), per sandbox kind
   (NumPy-only, torch), with bubblewrap and without (``--sandbox none``), mean of ``--starts``;
2. ``--count`` honest submissions (solutions of the NumPy exercises ex01, ex04, ex05, ex06, in
   turn) graded with ``--jobs`` workers, isolated and not, in fresh processes: wall time,
   submissions per second, the ratio isolated / none, and the peak resident memory of the
   grader and of its largest child.

Run: ``.venv/bin/python benchmarks/grade_isolation.py [--count 200] [--jobs 2]``.
Not a test: it only reports (targets from issue 12: ratio <= 1.3, >= 2 submissions/s).
"""

from __future__ import annotations

import os

# honest submissions here are the solutions: grade without the solutions' fingerprints
os.environ.setdefault("RNNCOURSE_SOLUTIONS", "")

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MIX = ("ex01_rnn_forward", "ex04_gru", "ex05_lstm_step", "ex06_lstm_sequence_tbptt")


def startup(starts: int) -> dict[str, float]:
    """Return the mean seconds to start, use and close one grading child, per sandbox kind."""
    from rnncourse.grading.policy import Profile
    from rnncourse.grading.sandbox.bwrap import default
    from rnncourse.grading.sandbox.process import Child, Limits

    out = {}
    for mode in ("bwrap", "none"):
        for prof in (Profile(), Profile(torch=True)):
            box = default() if mode == "bwrap" else None
            init = {"preload": ["torch"] if prof.torch else []}
            t0 = time.perf_counter()
            for _ in range(starts):
                child = Child(Limits(), init, box, prof)
                child.request({"op": "exec", "index": 1, "source": "x = 1", "timeout": 5}, 10)
                child.close()
            out[f"{mode} {prof.key}"] = (time.perf_counter() - t0) / starts
    return out


def inner(mode: str, count: int, jobs: int) -> dict[str, float]:
    """Grade ``count`` copies of the mix in this process (a fresh one per mode)."""
    from rnncourse.grading.grader import Limits, grade_paths

    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for i in range(count):
            name = MIX[i % len(MIX)]
            dst = Path(tmp) / f"{i:03d}" / f"{name}.md"
            dst.parent.mkdir()
            shutil.copy(ROOT / "solutions" / f"{name}.md", dst)
            paths.append(dst)
        t0 = time.perf_counter()
        reports = grade_paths(paths, Limits(), jobs=jobs, seed=0, sandbox=mode)
        wall = time.perf_counter() - t0
    full = sum(r.score == r.max and r.max > 0 for r in reports)
    return {
        "wall": wall,
        "per_s": count / wall,
        "full_marks": full,
        "count": count,
        "grader_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "child_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def main() -> None:
    """Print the start-up and throughput of grading isolated and not (``--inner``: one mode)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--starts", type=int, default=10)
    parser.add_argument("--inner", choices=("bwrap", "none"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:
        print(json.dumps(inner(args.inner, args.count, args.jobs)))
        return
    for key, sec in startup(args.starts).items():
        print(f"start-up {key:26s} {sec * 1000:7.0f} ms")
    results = {}
    for mode in ("none", "bwrap"):
        done = subprocess.run(
            [
                sys.executable,
                __file__,
                "--inner",
                mode,
                "--count",
                str(args.count),
                "--jobs",
                str(args.jobs),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        results[mode] = json.loads(done.stdout.strip().splitlines()[-1])
    for mode, r in results.items():
        print(
            f"{mode:5s}: {r['count']} submissions, {r['jobs'] if 'jobs' in r else args.jobs} "
            f"jobs: {r['wall']:.1f} s wall, {r['per_s']:.2f} submissions/s, "
            f"{r['full_marks']}/{r['count']} full marks, peak RSS grader "
            f"{r['grader_mb']:.0f} MB, largest child {r['child_mb']:.0f} MB"
        )
    ratio = results["bwrap"]["wall"] / results["none"]["wall"]
    print(
        f"isolated / none wall-time ratio: {ratio:.2f} (target <= 1.3); isolated "
        f"{results['bwrap']['per_s']:.2f} submissions/s (target >= 2)"
    )


if __name__ == "__main__":
    main()
