"""``rnncourse grade``, ``rnncourse autograder-bundle`` and ``rnncourse exercise reset``."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from rnncourse.grading.copies import add_similarity_options, report_similar


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``grade``, ``autograder-bundle`` and ``exercise reset`` to the ``rnncourse`` parser."""
    p = subparsers.add_parser(
        "grade",
        help="grade exercise notebooks (.ipynb, Jupytext .md/.py, or folders)",
        description="Run each submission in an isolated sandbox (bubblewrap) and score its "
        "exercises against the reference on fresh random inputs. Prints a table per "
        "submission; --json writes a machine-readable report. Exit status 0 whatever the "
        "scores; non-zero only if the grader itself fails or cannot isolate (see --sandbox).",
    )
    p.add_argument("paths", nargs="+", help="notebooks or folders of notebooks")
    p.add_argument("--json", metavar="FILE", help="write the JSON report to FILE ('-': stdout)")
    p.add_argument(
        "--format",
        choices=("rnncourse", "gradescope"),
        default="rnncourse",
        help="JSON report format: rnncourse's (default) or Gradescope's results.json",
    )
    p.add_argument("--jobs", type=int, default=2, help="submissions graded in parallel (2)")
    p.add_argument(
        "--cell-timeout",
        type=float,
        default=30.0,
        help="seconds per cell and per checked call (30)",
    )
    p.add_argument("--timeout", type=float, default=300.0, help="seconds per submission (300)")
    p.add_argument("--memory-mb", type=int, default=2048, help="memory limit per submission")
    p.add_argument("--seed", type=int, default=None, help="seed the random cases (default: fresh)")
    p.add_argument(
        "--sandbox",
        choices=("bwrap", "none"),
        default="bwrap",
        help="bwrap (default): each submission in its own bubblewrap sandbox; none: "
        "a plain process with in-process guards, every report marked NOT ISOLATED",
    )
    add_similarity_options(p)
    p.set_defaults(func=run)

    b = subparsers.add_parser(
        "autograder-bundle",
        help="write a Gradescope autograder zip",
        description="Write the zip Gradescope expects: setup.sh (installs bubblewrap, the pinned "
        "torch and this package from the bundled sources) and run_autograder (grades "
        "/autograder/submission into /autograder/results/results.json).",
    )
    b.add_argument("out", type=Path, help="the zip to write (OUT.zip)")
    b.set_defaults(func=bundle)

    e = subparsers.add_parser("exercise", help="manage your exercise notebooks")
    esub = e.add_subparsers(dest="action", metavar="ACTION", required=True)
    r = esub.add_parser(
        "reset",
        help="back up an exercise and restore its original stub",
        description="Copy exercises/exNN_*.md to exercises/.backup/ (with a "
        "time stamp), then write the stub generated from solutions/ in its place.",
    )
    r.add_argument("exercise", help="exercise number or id, e.g. ex05 or ex05_lstm_step")
    r.add_argument("--exercises", type=Path, default=Path("exercises"), help="(exercises)")
    r.add_argument("--solutions", type=Path, default=Path("solutions"), help="(solutions)")
    r.set_defaults(func=reset)


def run(args: argparse.Namespace) -> int:
    """Grade the submissions in ``args``; print a table each (or JSON); return the exit status."""
    from rnncourse.grading.grader import Limits, grade_paths
    from rnncourse.grading.isolation import IsolationUnavailable
    from rnncourse.grading.notebook import collect
    from rnncourse.grading.report import (
        check_target,
        format_report,
        gradescope_results,
        reports_json,
        write_atomic,
    )

    start = time.monotonic()
    paths = collect(args.paths)
    missing = [p for p in paths if not p.exists()]
    if missing:
        print("no such file: " + ", ".join(map(str, missing)), file=sys.stderr)
        return 2
    if not paths:
        print("no notebooks found", file=sys.stderr)
        return 2
    if args.json and args.json != "-":
        try:
            check_target(args.json)
        except ValueError as e:
            print(e, file=sys.stderr)
            return 2
    limits = Limits(
        cell_timeout=args.cell_timeout,
        submission_timeout=args.timeout,
        memory_bytes=args.memory_mb * 1024 * 1024,
    )
    try:
        reports = grade_paths(paths, limits, jobs=args.jobs, seed=args.seed, sandbox=args.sandbox)
    except IsolationUnavailable as e:
        print(
            f"cannot isolate submissions here: {e}.\nInstall bubblewrap and allow user "
            "namespaces, or grade without isolation with --sandbox none (reports are then "
            "marked NOT ISOLATED).",
            file=sys.stderr,
        )
        if args.json and args.json != "-" and args.format == "gradescope":
            import json

            write_atomic(
                args.json,
                json.dumps(
                    {"score": 0, "tests": [], "output": f"the grader could not isolate: {e}"}
                ),
            )
        return 2
    to_stdout = args.json == "-"
    for r in reports:
        print(format_report(r))
    total, most = sum(r.score for r in reports), sum(r.max for r in reports)
    print(f"total: {total}/{most} points over {len(reports)} submission(s)")
    report_similar(args, paths)
    if args.json:  # every child is dead here: grade_paths returned
        if args.format == "gradescope":
            import json

            text = json.dumps(
                gradescope_results(reports, time.monotonic() - start), indent=2, ensure_ascii=True
            )
        else:
            text = reports_json(reports)
        if to_stdout:
            print(text)
        else:
            try:
                write_atomic(args.json, text + "\n")
            except (ValueError, OSError) as e:
                print(f"could not write the report: {e}", file=sys.stderr)
                return 2
    return 1 if any(r.grader_error for r in reports) else 0


def bundle(args: argparse.Namespace) -> int:
    """Write the Gradescope autograder zip to ``args.out``; return the exit status."""
    from rnncourse.grading.gradescope import write_bundle

    names = write_bundle(args.out)
    print(
        f"wrote {args.out} ({len(names)} files): upload it as the autograder of a "
        "Gradescope programming assignment"
    )
    return 0


def reset(args: argparse.Namespace) -> int:
    """Back up an exercise notebook and restore its original stub; return the exit status."""
    from rnncourse.grading.generate import reset_exercise

    try:
        target, backup = reset_exercise(args.exercise, args.solutions, args.exercises)
    except (FileNotFoundError, ValueError) as e:
        print(e, file=sys.stderr)
        return 2
    print(f"restored the stub of {target}" + (f"; your version is in {backup}" if backup else ""))
    return 0
