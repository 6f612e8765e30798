"""``rnncourse grade PATH...``: grade exercise notebooks (see :mod:`rnncourse.grading.grader`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "grade", help="grade exercise notebooks (.ipynb, Jupytext .md/.py, or folders)",
        description="Run each submission in a sandboxed process and score its exercises against "
        "the reference on fresh random inputs. Prints a table per submission; --json writes a "
        "machine-readable report. Exit status 0 whatever the scores; non-zero only if the grader "
        "itself fails.")
    p.add_argument("paths", nargs="+", help="notebooks or folders of notebooks")
    p.add_argument("--json", metavar="FILE", help="write the JSON report to FILE ('-': stdout)")
    p.add_argument("--jobs", type=int, default=2, help="submissions graded in parallel (2)")
    p.add_argument("--cell-timeout", type=float, default=30.0,
                   help="seconds per cell and per checked call (30)")
    p.add_argument("--timeout", type=float, default=300.0, help="seconds per submission (300)")
    p.add_argument("--memory-mb", type=int, default=2048, help="memory limit per submission")
    p.add_argument("--seed", type=int, default=None, help="seed the random cases (default: fresh)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from rnncourse.grading.grader import Limits, format_report, grade_paths, reports_json
    from rnncourse.grading.notebook import collect

    paths = collect(args.paths)
    missing = [p for p in paths if not p.exists()]
    if missing:
        print("no such file: " + ", ".join(map(str, missing)), file=sys.stderr)
        return 2
    if not paths:
        print("no notebooks found", file=sys.stderr)
        return 2
    limits = Limits(cell_timeout=args.cell_timeout, submission_timeout=args.timeout,
                    memory_bytes=args.memory_mb * 1024 * 1024)
    reports = grade_paths(paths, limits, jobs=args.jobs, seed=args.seed)
    for r in reports:
        print(format_report(r))
    total, most = sum(r.score for r in reports), sum(r.max for r in reports)
    print(f"total: {total}/{most} points over {len(reports)} submission(s)")
    if args.json:
        text = reports_json(reports)
        if args.json == "-":
            print(text)
        else:
            Path(args.json).write_text(text + "\n", encoding="utf-8")
    return 1 if any(r.grader_error for r in reports) else 0
