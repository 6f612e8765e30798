"""Grade submissions: run each notebook in a sandboxed child, check its functions, report.

The exercises a notebook contains are grouped by sandbox *kind* (the
:class:`~rnncourse.grading.policy.Profile` of what they may import; with ``--sandbox none``,
their in-process rules). For each kind one child (see :mod:`.sandbox`,
:mod:`.runner`) executes the code cells once, one by one with a per-cell timeout; a cell that
hangs or kills the child is skipped and the child restarted. Then every part of every exercise of
that kind is checked by :func:`rnncourse.grading.core.run_part`: inputs drawn and expected
outputs computed here, the learner's outputs computed there, compared here. Problems found
statically (:mod:`.scan`) or at run time zero the parts defined in the offending cell, or every
part of that exercise when that cell defines none (an import the exercise does not allow only
costs the parts of the cell that made it).
"""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rnncourse._validation import check_choice
from rnncourse.grading.catalog import EXERCISES
from rnncourse.grading.core import Exercise, Verdict, run_part
from rnncourse.grading.notebook import (
    Notebook,
    NotebookError,
    defining_cell,
    read_notebook,
)
from rnncourse.grading.policy import LOCAL_FINDINGS, Profile, profile
from rnncourse.grading.report import format_report, reports_json, safe_text
from rnncourse.grading.sandbox import bwrap as isolation
from rnncourse.grading.sandbox import unprivileged
from rnncourse.grading.sandbox.process import Limits
from rnncourse.grading.session import Session, demo_cells
from rnncourse.grading.static.copies import review_notes
from rnncourse.grading.static.scan import scan_cells

#: ``--sandbox`` choices: the best available (the command's default), bubblewrap, an unprivileged
#: uid (where bubblewrap cannot start, as root), and the in-process guard of the old grader.
SANDBOXES = ("auto", "bwrap", "uid", "none")
NOT_ISOLATED = "none (not isolated)"


@dataclass
class PartResult:
    """The score and message of one part of one exercise in one submission."""

    exercise: str
    part: str
    score: int
    max: int
    message: str


@dataclass
class Report:
    """The grading of one submission: part results, notes, seconds taken and any grader error."""

    path: str
    parts: list[PartResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    grader_error: str | None = None
    isolation: str = "bubblewrap"  # or Unprivileged.name, or "none (not isolated)"

    @property
    def score(self) -> int:
        """Return the points earned over all parts."""
        return sum(p.score for p in self.parts)

    @property
    def max(self) -> int:
        """Return the points available over all parts."""
        return sum(p.max for p in self.parts)

    def exercises(self) -> dict[str, dict[str, Any]]:
        """Return the part results by exercise, each with its score, maximum and messages."""
        out: dict[str, dict[str, Any]] = {}
        for p in self.parts:
            e = out.setdefault(p.exercise, {"score": 0, "max": 0, "message": "", "parts": {}})
            e["score"] += p.score
            e["max"] += p.max
            e["parts"][p.part] = {"score": p.score, "max": p.max, "message": safe_text(p.message)}
        for e in out.values():
            bad = [f"{n}: {v['message']}" for n, v in e["parts"].items() if v["score"] < v["max"]]
            e["message"] = "all parts passed" if not bad else " | ".join(bad)
        return out

    def to_dict(self) -> dict[str, Any]:
        """Return the report as plain data for ``--json`` (every string made safe to show)."""
        return {
            "path": safe_text(self.path, 1000),
            "score": self.score,
            "max": self.max,
            "exercises": self.exercises(),
            "notes": [safe_text(n) for n in self.notes],
            "seconds": round(self.seconds, 2),
            "isolation": self.isolation,
            "grader_error": None
            if self.grader_error is None
            else safe_text(self.grader_error, 4000),
        }


# ------------------------------------------------------------------------------ identify
def identify(nb: Notebook) -> list[Exercise]:
    """Exercises in ``nb``: by file name (exNN_...), notebook metadata, or defined functions."""
    m = re.match(r"(ex\d\d)", nb.path.name)
    if m:
        hits = [e for e in EXERCISES.values() if e.id.startswith(m.group(1))]
        if hits:
            return hits
    meta = nb.metadata.get("rnncourse", {}) if isinstance(nb.metadata, dict) else {}
    wanted = meta.get("exercise") if isinstance(meta, dict) else None
    if isinstance(wanted, str) and wanted in EXERCISES:
        return [EXERCISES[wanted]]
    return [
        e for e in EXERCISES.values() if any(defining_cell(nb, p.name) is not None for p in e.parts)
    ]


def _local(msg: str) -> bool:
    return any(m in msg for m in LOCAL_FINDINGS)


def _grade_group(
    nb: Notebook,
    exs: list[Exercise],
    limits: Limits,
    deadline: float,
    rng: np.random.Generator,
    report: Report,
    box: Any,
) -> None:
    """Run the cells once for exercises ``exs`` (one sandbox kind), then grade each of them."""
    # demos are never run: what they use cannot affect the score
    demos = demo_cells(nb, exs)
    cells = [(i, src) for i, src in nb.cells if i not in demos]
    isolated = box is not None and not box.in_process_guard
    static = {ex.id: scan_cells(cells, ex, isolated=isolated) for ex in exs}
    # A cell is not run if the scan flags it for every exercise of the group.
    flagged: dict[int, list[str]] = {}
    for idx in set.intersection(*(set(s) for s in static.values())):
        flagged[idx] = list(dict.fromkeys(m for s in static.values() for m in s[idx]))
    session = Session(nb, exs, limits, deadline, flagged, box)
    try:
        session.run_cells()
        for ex in exs:
            _score_exercise(nb, ex, static[ex.id], session, rng, report)
        graded_cells = {defining_cell(nb, p.name) for ex in exs for p in ex.parts}
        for idx, why in sorted(session.skip.items()):
            if idx not in flagged and idx not in graded_cells:
                report.notes.append(f"{'/'.join(e.id for e in exs)}: cell {idx} {why}")
        if session.dead:
            report.notes.append(f"{'/'.join(e.id for e in exs)}: {session.dead}")
    finally:
        session.close()


def _score_exercise(
    nb: Notebook,
    ex: Exercise,
    static: dict[int, list[str]],
    session: Session,
    rng: np.random.Generator,
    report: Report,
) -> None:
    where = {p.name: defining_cell(nb, p.name) for p in ex.parts}
    problems: dict[int, list[str]] = {}
    for source in (static, session.violations):
        for idx, msgs in source.items():
            problems.setdefault(idx, []).extend(msgs)
    defining = {c for c in where.values() if c is not None}
    global_problems = [
        f"cell {i}: {m}"
        for i, ms in sorted(problems.items())
        if i not in defining
        for m in dict.fromkeys(ms)
        if not _local(m)
    ]
    for part in ex.parts:
        cell = where[part.name]
        own = list(dict.fromkeys(problems.get(cell, []))) if cell is not None else []
        if own or global_problems:
            msg = "; ".join([f"cell {cell}: {m}" for m in own] + global_problems)
            report.parts.append(PartResult(ex.id, part.name, 0, part.points, msg))
            continue
        if cell is not None and cell in session.skip:
            report.parts.append(
                PartResult(ex.id, part.name, 0, part.points, f"cell {cell} {session.skip[cell]}")
            )
            continue
        if cell is None:
            report.parts.append(
                PartResult(
                    ex.id,
                    part.name,
                    0,
                    part.points,
                    f"`{part.name}` is not defined in the notebook (cell deleted or renamed?)",
                )
            )
            continue
        try:  # each part under its own guard: a value that breaks a check zeroes this part only
            verdict = run_part(part, session, rng)
        except Exception as e:
            why = f"{type(e).__name__}: {safe_text(e, 300)}"
            verdict = Verdict(False, f"could not be scored ({why})")
        message = verdict.message
        if not verdict.ok and cell in session.errors:
            message = f"cell {cell} failed ({session.errors[cell]}); {message}"
        report.parts.append(
            PartResult(ex.id, part.name, part.points if verdict.ok else 0, part.points, message)
        )


def choose_sandbox(sandbox: str) -> tuple[str, Any, str | None]:
    """Return the mode ``sandbox`` resolves to, its sandbox object and, for a fallback, a note.

    ``sandbox`` is one of :data:`SANDBOXES` or a comma-separated list of them, tried in order:
    the first that starts here is taken (``bwrap,uid``: bubblewrap, else an unprivileged uid,
    else a refusal). ``auto`` is ``bwrap,uid,none``. A mode that cannot start raises
    :class:`~rnncourse.grading.sandbox.bwrap.IsolationUnavailable` (an instructor who asks for
    isolation gets it or a refusal); the note says why a later mode was taken.
    """
    modes = ["bwrap", "uid", "none"] if sandbox == "auto" else sandbox.split(",")
    for mode in modes:
        check_choice("sandbox", mode, SANDBOXES[1:])
    reasons = []
    for mode in modes:
        if mode == "none":
            box = None
            break
        box = isolation.default() if mode == "bwrap" else unprivileged.default()
        try:
            box.check()
            break
        except isolation.IsolationUnavailable as e:
            reasons.append(f"{mode}: {e}")
    else:
        raise isolation.IsolationUnavailable("; ".join(reasons))
    if not reasons:
        return mode, box, None
    why = "; ".join(reasons)
    if mode == "uid":
        return mode, box, f"bubblewrap cannot start here ({why}): each submission runs as an "
        "unprivileged uid instead (no namespaces)"
    return (
        mode,
        None,
        (
            f"NOT ISOLATED: no sandbox can start here ({why}), so the code runs as a plain process "
            "- fine for grading your own notebooks. Instructors grading others' work: install "
            "bubblewrap and use --sandbox bwrap (see rnncourse/grading/README.md)"
        ),
    )


def grade_file(
    path: str | Path,
    limits: Limits | None = None,
    seed: int | None = None,
    sandbox: str = "bwrap",
    only: set[str] | None = None,
) -> Report:
    """Grade one notebook.

    Never raises: a failure of the grader itself lands in
    ``report.grader_error`` (and makes ``rnncourse grade`` exit non-zero).

    ``sandbox="bwrap"`` (default) isolates each child (:mod:`.sandbox.bwrap`; raises
    :class:`~rnncourse.grading.sandbox.bwrap.IsolationUnavailable` before grading where it
    cannot); ``"uid"`` runs it as an unprivileged uid (:mod:`.sandbox.unprivileged`); ``"none"``
    as a plain process, the report marked "not isolated"; ``"auto"``: see :func:`choose_sandbox`.
    ``only``: the ids of the exercises to grade (others the notebook holds are left out).
    """
    _, box, _ = choose_sandbox(sandbox)
    return _grade_guarded(path, limits or Limits(), seed, box, only)


def _grade_guarded(
    path: str | Path, limits: Limits, seed: int | None, box: Any, only: set[str] | None = None
) -> Report:
    start = time.monotonic()
    try:
        return _grade_file(path, limits, seed, box, only)
    except Exception as e:  # a bug in the grader, reported as such
        import traceback

        report = Report(str(path), seconds=time.monotonic() - start, isolation=_isolation_name(box))
        report.grader_error = f"{type(e).__name__}: {e}\n{traceback.format_exc()[-2000:]}"
        return report


def _isolation_name(box: Any) -> str:
    return box.name if box is not None else NOT_ISOLATED


def _grade_file(
    path: str | Path, limits: Limits, seed: int | None, box: Any, only: set[str] | None
) -> Report:
    start = time.monotonic()
    report = Report(str(path), isolation=_isolation_name(box))
    try:
        nb = read_notebook(path)
    except NotebookError as e:
        report.notes.append(f"cannot grade: {e}")
        report.parts.extend(
            p for p in _zero_all(Path(path), str(e)) if not only or p.exercise in only
        )
        report.seconds = time.monotonic() - start
        return report
    exercises = [e for e in identify(nb) if not only or e.id in only]
    if not exercises:
        report.notes.append(
            "no exercise recognised (name the file exNN_... or keep the exercise's function names)"
        )
    rng = np.random.default_rng(seed)
    deadline = start + limits.submission_timeout
    groups: dict[Any, list[Exercise]] = {}
    for ex in exercises:  # one sandbox kind: the cells run once for all its exercises
        rules = (ex.forbidden_modules, ex.forbidden_calls)
        if box is None:
            key: Any = rules
        else:
            key = (profile(ex), rules) if box.in_process_guard else profile(ex)
        groups.setdefault(key, []).append(ex)
    try:
        for exs in groups.values():
            _grade_group(nb, exs, limits, deadline, rng, report, box)
    except Exception as e:  # a bug in the grader, reported as such
        import traceback

        report.grader_error = f"{type(e).__name__}: {e}\n{traceback.format_exc()[-2000:]}"
    report.notes.extend(review_notes(nb.cells))
    report.seconds = time.monotonic() - start
    return report


def _zero_all(path: Path, why: str) -> list[PartResult]:
    m = re.match(r"(ex\d\d)", path.name)
    exs = [e for e in EXERCISES.values() if m and e.id.startswith(m.group(1))]
    return [PartResult(e.id, p.name, 0, p.points, why) for e in exs for p in e.parts]


def grade_paths(
    paths: list[Path],
    limits: Limits | None = None,
    jobs: int = 2,
    seed: int | None = None,
    sandbox: str = "bwrap",
    only: set[str] | None = None,
) -> list[Report]:
    """Grade several notebooks, ``jobs`` at a time; reports in the order of ``paths``."""
    _, box, _ = choose_sandbox(sandbox)  # refuse before starting anything
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [
            pool.submit(
                _grade_guarded, p, limits or Limits(), None if seed is None else seed + i, box, only
            )
            for i, p in enumerate(paths)
        ]
        return [f.result() for f in futures]


__all__ = [
    "Limits",
    "Report",
    "PartResult",
    "grade_file",
    "grade_paths",
    "format_report",
    "reports_json",
    "identify",
    "asdict",
    "SANDBOXES",
    "choose_sandbox",
    "Profile",
]
