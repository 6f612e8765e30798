"""Grade submissions: run each notebook in a sandboxed child, check its functions, report.

The exercises a notebook contains are grouped by sandbox *kind* (the
:class:`~rnncourse.grading.policy.Profile` of what they may import; with ``--sandbox none``,
their in-process rules). For each kind one child (see :mod:`.sandbox`, :mod:`.isolation`,
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
from rnncourse.grading import isolation
from rnncourse.grading.catalog import EXERCISES
from rnncourse.grading.copies import review_notes
from rnncourse.grading.core import Exercise, run_part
from rnncourse.grading.notebook import (
    Notebook,
    NotebookError,
    defining_cell,
    read_notebook,
)
from rnncourse.grading.policy import LOCAL_FINDINGS, Profile, profile
from rnncourse.grading.report import format_report, reports_json, safe_text
from rnncourse.grading.sandbox import Limits
from rnncourse.grading.scan import scan_cells
from rnncourse.grading.session import Session, demo_cells

#: ``--sandbox`` choices: the isolated default, and the in-process guard of the old grader.
SANDBOXES = ("bwrap", "none")


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
    isolation: str = "bubblewrap"  # or "none (not isolated)"

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
    box: isolation.Bubblewrap | None,
) -> None:
    """Run the cells once for exercises ``exs`` (one sandbox kind), then grade each of them."""
    # demos are never run: what they use cannot affect the score
    cells = [(i, src) for i, src in nb.cells if i not in demo_cells(nb, exs)]
    static = {ex.id: scan_cells(cells, ex, isolated=box is not None) for ex in exs}
    # A cell is not run if the scan flags it for every exercise of the group.
    flagged: dict[int, list[str]] = {}
    for idx in set.intersection(*(set(s) for s in static.values())):
        flagged[idx] = list(dict.fromkeys(m for s in static.values() for m in s[idx]))
    session = Session(nb, exs, limits, deadline, flagged, box)
    try:
        session.run_cells()
        for ex in exs:
            _score_exercise(nb, ex, static[ex.id], session, rng, report)
        for idx, why in sorted(session.skip.items()):
            if idx not in flagged and not any(
                defining_cell(nb, p.name) == idx for ex in exs for p in ex.parts
            ):
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
        verdict = run_part(part, session, rng)
        message = verdict.message
        if not verdict.ok and cell in session.errors:
            message = f"cell {cell} failed ({session.errors[cell]}); {message}"
        report.parts.append(
            PartResult(ex.id, part.name, part.points if verdict.ok else 0, part.points, message)
        )


def grade_file(
    path: str | Path, limits: Limits | None = None, seed: int | None = None, sandbox: str = "bwrap"
) -> Report:
    """Grade one notebook.

    Never raises: a failure of the grader itself lands in
    ``report.grader_error`` (and makes ``rnncourse grade`` exit non-zero).

    ``sandbox="bwrap"`` (default) isolates each child (:mod:`.isolation`; raises
    :class:`~rnncourse.grading.isolation.IsolationUnavailable` before grading where it cannot);
    ``"none"`` runs it as a plain process and marks the report "not isolated".
    """
    check_choice("sandbox", sandbox, SANDBOXES)
    box = None
    if sandbox == "bwrap":
        box = isolation.default()
        box.check()
    start = time.monotonic()
    try:
        return _grade_file(path, limits or Limits(), seed, box)
    except Exception as e:  # a bug in the grader, reported as such
        import traceback

        report = Report(str(path), seconds=time.monotonic() - start, isolation=_isolation_name(box))
        report.grader_error = f"{type(e).__name__}: {e}\n{traceback.format_exc()[-2000:]}"
        return report


def _isolation_name(box: isolation.Bubblewrap | None) -> str:
    return "bubblewrap" if box is not None else "none (not isolated)"


def _grade_file(
    path: str | Path, limits: Limits, seed: int | None, box: isolation.Bubblewrap | None
) -> Report:
    start = time.monotonic()
    report = Report(str(path), isolation=_isolation_name(box))
    try:
        nb = read_notebook(path)
    except NotebookError as e:
        report.notes.append(f"cannot grade: {e}")
        report.parts.extend(_zero_all(Path(path), str(e)))
        report.seconds = time.monotonic() - start
        return report
    exercises = identify(nb)
    if not exercises:
        report.notes.append(
            "no exercise recognised (name the file exNN_... or keep the exercise's function names)"
        )
    rng = np.random.default_rng(seed)
    deadline = start + limits.submission_timeout
    groups: dict[Any, list[Exercise]] = {}
    for ex in exercises:  # one sandbox kind: the cells run once for all its exercises
        key = profile(ex) if box is not None else (ex.forbidden_modules, ex.forbidden_calls)
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
) -> list[Report]:
    """Grade several notebooks, ``jobs`` at a time; reports in the order of ``paths``."""
    if sandbox == "bwrap":
        isolation.default().check()  # refuse before starting anything
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [
            pool.submit(grade_file, p, limits, None if seed is None else seed + i, sandbox)
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
    "Profile",
]
