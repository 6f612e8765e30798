"""``rnncourse grade``, ``rnncourse autograder-bundle`` and ``rnncourse exercise reset``."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from rnncourse.grading.static.copies import add_similarity_options, report_similar

#: Gradescope's visibilities of a test's result.
VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")


class _Option(argparse.Action):
    """Stores an option's value, unless the option is really a file's name.

    ``rnncourse grade *`` in a folder holding a file named ``--sandbox=none`` is refused: a path
    is never parsed as an option.
    """

    def __call__(self, parser, namespace, values, option_string=None):
        for token in (f"{option_string}={values}", str(option_string)):
            if os.path.lexists(token):
                parser.error(
                    f"{token!r} is the name of a file here, not an option: name the submissions "
                    f"by their folder (rnncourse grade FOLDER), or write ./{token} or put them "
                    "after --"
                )
        setattr(namespace, self.dest, values)


def _sandbox(text: str) -> str:
    modes = ("auto",) if text == "auto" else tuple(text.split(","))
    if not modes or any(m not in ("bwrap", "uid", "none") for m in modes if m != "auto"):
        raise argparse.ArgumentTypeError(f"{text!r}: use auto, bwrap, uid, none or a list")
    if "auto" in modes and len(modes) > 1:
        raise argparse.ArgumentTypeError("auto goes alone")
    return text


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``grade``, ``autograder-bundle`` and ``exercise reset`` to the ``rnncourse`` parser."""
    p = subparsers.add_parser(
        "grade",
        allow_abbrev=False,  # `rnncourse grade *` beside a file named --sand=none: refused
        help="grade exercise notebooks (.ipynb, Jupytext .md/.py, or folders)",
        description="Run each submission in an isolated sandbox (bubblewrap) and score its "
        "exercises against the reference on fresh random inputs. Prints a table per "
        "submission; --json writes a machine-readable report. Exit status 0 whatever the "
        "scores; non-zero only if the grader itself fails or cannot isolate (see --sandbox).",
    )
    p.add_argument("paths", nargs="+", help="notebooks or folders of notebooks")
    opt = p.add_argument_group("options").add_argument

    def option(*names, **kw):
        opt(*names, action=_Option, **kw)

    option("--json", metavar="FILE", help="write the JSON report to FILE ('-': stdout)")
    option(
        "--format",
        choices=("rnncourse", "gradescope"),
        default="rnncourse",
        help="JSON report format: rnncourse's (default) or Gradescope's results.json",
    )
    option(
        "--assignment",
        metavar="FILE",
        help="with --format gradescope: the assignment (JSON of autograder-bundle) whose "
        "exercises are graded, each once, the score capped at its points",
    )
    option("--jobs", type=int, default=2, help="submissions graded in parallel (2)")
    option(
        "--cell-timeout",
        type=float,
        default=30.0,
        help="seconds per cell and per checked call (30)",
    )
    option("--timeout", type=float, default=300.0, help="seconds per submission (300)")
    option("--memory-mb", type=int, default=2048, help="memory limit per submission")
    option("--seed", type=int, default=None, help="seed the random cases (default: fresh)")
    option(
        "--sandbox",
        type=_sandbox,
        default="auto",
        metavar="MODE[,MODE]",
        help="auto (default): bubblewrap where it starts, else an unprivileged uid (root), "
        "else none, saying so; bwrap: each submission in its own bubblewrap sandbox, or a "
        "refusal where it cannot start (instructors); uid: an unprivileged uid per "
        "submission (root; where namespaces are refused, e.g. Gradescope); none: a plain "
        "process with in-process guards, every report marked NOT ISOLATED. A list "
        "(bwrap,uid) takes the first that starts, or refuses",
    )
    add_similarity_options(p)
    p.set_defaults(func=run)

    b = subparsers.add_parser(
        "autograder-bundle",
        help="write a Gradescope autograder zip for one assignment",
        description="Write the zip Gradescope expects for an assignment of one or more "
        "exercises: setup.sh (installs bubblewrap, the pinned CPU torch and this package from "
        "the bundled sources), run_autograder (grades /autograder/submission into "
        "/autograder/results/results.json), assignment.json and README.md (for instructors).",
    )
    b.add_argument("out", type=Path, help="the zip to write (OUT.zip)")
    b.add_argument(
        "--exercise",
        action="append",
        required=True,
        metavar="EX",
        help="an exercise of the assignment (ex05 or ex05_lstm_step); repeat for several",
    )
    b.add_argument(
        "--points", type=int, help="points of the assignment (default: its exercises' sum)"
    )
    b.add_argument(
        "--visibility",
        default="visible",
        choices=VISIBILITIES,
        help="Gradescope visibility of every part's result (visible)",
    )
    b.add_argument(
        "--part-visibility",
        action="append",
        default=[],
        metavar="PART=VIS",
        help="visibility of one part, e.g. rnn_forward=after_due_date; repeat for several",
    )
    b.set_defaults(func=bundle)

    e = subparsers.add_parser("exercise", help="manage your exercise notebooks")
    esub = e.add_subparsers(dest="action", metavar="ACTION", required=True)
    r = esub.add_parser(
        "reset",
        help="back up an exercise and restore its original stub",
        description="Copy exercises/exNN_*.md to exercises/backups/ (named with the "
        "time), then write the stub generated from solutions/ in its place. Refuses while the "
        "exercise is open in a running JupyterLab (its tab would keep, and could save back, the "
        "old text) unless --force.",
    )
    r.add_argument("exercise", help="exercise number or id, e.g. ex05 or ex05_lstm_step")
    r.add_argument("--exercises", type=Path, default=Path("exercises"), help="(exercises)")
    r.add_argument("--solutions", type=Path, default=Path("solutions"), help="(solutions)")
    r.add_argument(
        "--force", action="store_true", help="reset even while JupyterLab has the exercise open"
    )
    r.set_defaults(func=reset)


def run(args: argparse.Namespace) -> int:
    """Grade the submissions in ``args``; print a table each (or JSON); return the exit status."""
    import json

    from rnncourse.grading.grader import Limits, choose_sandbox, grade_paths
    from rnncourse.grading.notebook import collect
    from rnncourse.grading.report import (
        check_target,
        format_report,
        gradescope_results,
        reports_json,
        write_atomic,
    )
    from rnncourse.grading.sandbox.bwrap import IsolationUnavailable

    start = time.monotonic()
    gradescope = args.format == "gradescope" and args.json and args.json != "-"
    if args.assignment and args.format != "gradescope":
        print("--assignment goes with --format gradescope", file=sys.stderr)
        return 2
    paths = collect(args.paths)
    missing = [p for p in paths if not os.path.lexists(p)]
    if missing:
        print("no such file: " + ", ".join(map(str, missing)), file=sys.stderr)
        return 2
    if not paths and not args.assignment:
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
        mode, _, note = choose_sandbox(args.sandbox)
    except IsolationUnavailable as e:
        print(
            f"cannot isolate submissions here: {e}.\nInstall bubblewrap and allow user "
            "namespaces (see rnncourse/grading/README.md), or grade without isolation with "
            "--sandbox none (reports are then marked NOT ISOLATED).",
            file=sys.stderr,
        )
        if gradescope:
            text = json.dumps({"score": 0, "tests": [], "output": f"could not isolate: {e}"})
            write_atomic(args.json, text)
        return 2
    if note:
        print(note, file=sys.stderr)
    if args.assignment:
        from rnncourse.grading.gradescope import grade_assignment, load_assignment

        try:
            assignment = load_assignment(args.assignment)
        except ValueError as e:
            print(e, file=sys.stderr)
            return 2
        results, reports = grade_assignment(paths, assignment, limits, args.seed, mode, start)
    else:
        reports = grade_paths(paths, limits, jobs=args.jobs, seed=args.seed, sandbox=mode)
        results = None
    for r in reports:
        print(format_report(r))
    total, most = sum(r.score for r in reports), sum(r.max for r in reports)
    print(f"total: {total}/{most} points over {len(reports)} submission(s)")
    report_similar(args, paths)
    if args.json:  # every child is dead here: grade_paths returned
        if args.format == "gradescope":
            if results is None:
                results = gradescope_results(reports, time.monotonic() - start)
            text = json.dumps(results, indent=2, ensure_ascii=True)
        else:
            text = reports_json(reports)
        if args.json == "-":
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
    from rnncourse.grading.gradescope import make_assignment, write_bundle

    try:
        assignment = make_assignment(
            args.exercise, args.points, args.visibility, args.part_visibility
        )
    except ValueError as e:
        print(e, file=sys.stderr)
        return 2
    names = write_bundle(args.out, assignment)
    print(
        f"wrote {args.out} ({len(names)} files) for {', '.join(assignment['exercises'])} "
        f"({assignment['points']} points): upload it as the autograder of a Gradescope "
        "programming assignment (README.md inside says how)"
    )
    return 0


def reset(args: argparse.Namespace) -> int:
    """Back up an exercise notebook and restore its original stub; return the exit status."""
    from rnncourse.grading.generate import reset_exercise, stub_path
    from rnncourse.lab.running import open_in_lab

    try:
        target = stub_path(args.exercise, args.solutions, args.exercises)
    except (FileNotFoundError, ValueError) as e:
        print(e, file=sys.stderr)
        return 2
    tabs = open_in_lab(target) if target.exists() else []
    if tabs and not args.force:
        print(
            f"{target} is open in JupyterLab ({tabs[0]}): close its tab first (File > Close Tab),"
            " then run the reset again. A tab that stays open keeps your old text and would save"
            " it back over the reset. (--force resets anyway.)",
            file=sys.stderr,
        )
        return 1
    target, backup = reset_exercise(args.exercise, args.solutions, args.exercises)
    print(f"restored the stub of {target}" + (f"; your version is in {backup}" if backup else ""))
    if tabs:
        print(
            "It is still open in JupyterLab: choose File > Reload Notebook from Disk in its tab "
            "(and 'Revert', never 'Overwrite', if JupyterLab says the file changed)."
        )
    return 0
