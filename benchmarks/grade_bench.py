"""Benchmark of ``rnncourse grade``: grade 20 submissions on 2 workers, print seconds each.

The 20 submissions are the nine solution notebooks, the nine generated exercises and two more
solutions (copied to a temporary folder), so the mix contains full, empty and torch-based work.
Run: ``.venv/bin/python benchmarks/grade_bench.py [--jobs 2]``. Not a test: it only reports.
"""

from __future__ import annotations

import os

# honest submissions here are the solutions: grade without the solutions' fingerprints
os.environ.setdefault("RNNCOURSE_SOLUTIONS", "")

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from rnncourse.grading.grader import Limits, grade_paths

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    """Grade ``--count`` solutions and exercises on ``--jobs`` workers; print seconds each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--count", type=int, default=20)
    args = parser.parse_args()
    sources = sorted((ROOT / "solutions").glob("ex*.md")) + sorted(
        (ROOT / "exercises").glob("ex*.md")
    )
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for i in range(args.count):
            src = sources[i % len(sources)]
            dst = Path(tmp) / f"{i:02d}" / src.name
            dst.parent.mkdir()
            shutil.copy(src, dst)
            paths.append(dst)
        start = time.perf_counter()
        reports = grade_paths(paths, Limits(), jobs=args.jobs)
        wall = time.perf_counter() - start
    for r in reports:
        print(f"{Path(r.path).name:34s} {r.score:3d}/{r.max:<3d} {r.seconds:6.1f} s")
    busy = sum(r.seconds for r in reports)
    print(
        f"{len(reports)} submissions on {args.jobs} workers: {wall:.1f} s wall, "
        f"{wall / len(reports):.2f} s per submission (throughput), "
        f"{busy / len(reports):.2f} s per submission (mean latency)"
    )
    if any(r.grader_error for r in reports):
        raise SystemExit("grader error: " + next(r.grader_error for r in reports if r.grader_error))


if __name__ == "__main__":
    main()
