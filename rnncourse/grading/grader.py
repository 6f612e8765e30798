"""Grade submissions: run each notebook in a sandboxed child, check its functions, report.

For each submission and each exercise it contains, a fresh child process (see
:mod:`.sandbox`, :mod:`.runner`) executes the code cells one by one with a per-cell timeout; a
cell that hangs or kills the child is skipped and the child restarted. Then every part of the
exercise is checked by :func:`rnncourse.grading.core.run_part`: inputs drawn here, outputs
computed there, compared here. Problems found statically (:mod:`.scan`) or at run time
(forbidden imports/calls, monkeypatching, tampering with ``check``) zero the parts defined in
the offending cell, or every part when that cell defines none.
"""

from __future__ import annotations

import json
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rnncourse.grading.catalog import EXERCISES
from rnncourse.grading.core import Call, Exercise, run_part
from rnncourse.grading.notebook import (
    Notebook,
    NotebookError,
    defines,
    defining_cell,
    read_notebook,
)
from rnncourse.grading.runner import forbidden_module
from rnncourse.grading.sandbox import Child, ChildFailed, Limits
from rnncourse.grading.scan import scan_cells

MAX_RESTARTS = 3


@dataclass
class PartResult:
    exercise: str
    part: str
    score: int
    max: int
    message: str


@dataclass
class Report:
    path: str
    parts: list[PartResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    grader_error: str | None = None

    @property
    def score(self) -> int:
        return sum(p.score for p in self.parts)

    @property
    def max(self) -> int:
        return sum(p.max for p in self.parts)

    def exercises(self) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for p in self.parts:
            e = out.setdefault(p.exercise, {"score": 0, "max": 0, "message": "", "parts": {}})
            e["score"] += p.score
            e["max"] += p.max
            e["parts"][p.part] = {"score": p.score, "max": p.max, "message": p.message}
        for e in out.values():
            bad = [f"{n}: {v['message']}" for n, v in e["parts"].items() if v["score"] < v["max"]]
            e["message"] = "all parts passed" if not bad else " | ".join(bad)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "score": self.score, "max": self.max,
                "exercises": self.exercises(), "notes": self.notes,
                "seconds": round(self.seconds, 2), "grader_error": self.grader_error}


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
    return [e for e in EXERCISES.values()
            if any(defining_cell(nb, p.name) is not None for p in e.parts)]


# ------------------------------------------------------------------------------ one session
class Session:
    """Runs one exercise of one notebook in a child; restarts it after a fatal cell."""

    def __init__(self, nb: Notebook, ex: Exercise, limits: Limits, deadline: float,
                 flagged: dict[int, list[str]]) -> None:
        self.nb, self.ex, self.limits, self.deadline = nb, ex, limits, deadline
        # Cells the static scan flagged are never run: their parts score zero anyway, and
        # some of what is flagged (signals, os.kill, ctypes) could harm the grader.
        self.skip: dict[int, str] = {i: "was not run (" + "; ".join(m) + ")"
                                     for i, m in flagged.items()}
        # "Try it" demos (tagged raises-exception) are for learning, not grading: not run
        # unless they define a graded name.
        graded = [p.name for p in ex.parts]
        self.demos = {i for i, tags in nb.tags.items() if "raises-exception" in tags
                      and not any(defines(src, n) for j, src in nb.cells if j == i
                                  for n in graded)}
        self.errors: dict[int, str] = {}
        self.violations: dict[int, list[str]] = {}
        self.call_violations: list[str] = []
        self.child: Child | None = None
        self.restarts = 0
        self.dead: str | None = None

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def _init_msg(self) -> dict[str, Any]:
        preload = ["torch"] if self.ex.id.startswith("ex09") else []
        if forbidden_module("rnncourse.reference", self.ex.forbidden_modules) is None:
            preload.append("rnncourse.reference")
        return {"exercise": self.ex.id, "forbidden_modules": list(self.ex.forbidden_modules),
                "forbidden_calls": list(self.ex.forbidden_calls), "preload": preload}

    def _note(self, idx: int, reply: dict[str, Any]) -> None:
        for v in reply.get("violations", []):
            self.violations.setdefault(idx, []).append(v)
        for name in reply.get("patched", []):  # same wording as the static scan
            self.violations.setdefault(idx, []).append(f"monkeypatches {name}")
        if reply.get("stdout_overflow"):
            self.errors.setdefault(idx, "printed more output than allowed (output truncated)")

    def run_cells(self) -> None:
        """Execute every cell once (restarting past fatal ones)."""
        while True:
            try:
                self._start()
                self._exec_from(0, record=True)
                return
            except ChildFailed as e:
                if self.dead:
                    return
                if self.restarts >= MAX_RESTARTS or self.left() <= 0:
                    self.dead = e.reason if self.left() > 0 else "submission time limit reached"
                    return
                self.restarts += 1

    def _start(self) -> None:
        if self.child is not None:
            self.child.kill()
        self.child = None
        if self.left() <= 0:
            self.dead = "submission time limit reached"
            raise ChildFailed(self.dead)
        self.child = Child(self.limits, self._init_msg())

    def _exec_from(self, start: int, record: bool) -> None:
        assert self.child is not None
        for idx, source in self.nb.cells:
            if idx in self.skip or idx in self.demos:
                continue
            budget = min(self.limits.cell_timeout, self.left())
            if budget <= 0:
                self.skip[idx] = "not run: submission time limit reached"
                continue
            msg = {"op": "exec", "index": idx, "source": source, "timeout": budget}
            try:
                reply = self.child.request(msg, budget + self.limits.grace)
            except ChildFailed as e:
                self.skip[idx] = e.reason
                raise
            if reply.get("timeout") and budget < self.limits.cell_timeout:
                reply["error"] = "stopped: submission time limit reached"
            if record:
                self._note(idx, reply)
                if not reply.get("ok"):
                    self.errors.setdefault(idx, str(reply.get("error")))
                    if reply.get("timeout"):
                        self.skip[idx] = str(reply.get("error"))

    def run(self, calls: list[Call]) -> dict[str, Any]:
        """Invoker interface used by :func:`run_part`."""
        if self.dead or self.child is None:
            return {"ok": False, "error": self.dead or "the notebook could not be run"}
        budget = min(self.limits.cell_timeout, self.left())
        if budget <= 0:
            return {"ok": False, "error": "submission time limit reached"}
        msg = {"op": "call", "calls": [c.payload() for c in calls], "timeout": budget}
        try:
            reply = self.child.request(msg, budget + self.limits.grace)
        except ChildFailed as e:
            self._restart_quietly()
            return {"ok": False, "error": f"{calls[-1].fn}: {e.reason}"}
        extra = [f"monkeypatched {n} while being called" for n in reply.get("patched", [])]
        if extra:
            reply.setdefault("violations", []).extend(extra)
        return reply

    def _restart_quietly(self) -> None:
        if self.restarts >= MAX_RESTARTS:
            self.dead = "the submission's process failed too many times"
            return
        self.restarts += 1
        try:
            self._start()
            self._exec_from(0, record=False)
        except ChildFailed as e:
            self.dead = e.reason

    def close(self) -> None:
        if self.child is not None:
            self.child.close()


def _grade_exercise(nb: Notebook, ex: Exercise, limits: Limits, deadline: float,
                    rng: np.random.Generator, report: Report) -> None:
    static = scan_cells(nb.cells, ex)
    where = {p.name: defining_cell(nb, p.name) for p in ex.parts}
    session = Session(nb, ex, limits, deadline, static)
    try:
        session.run_cells()
        problems: dict[int, list[str]] = {}
        for source in (static, session.violations):
            for idx, msgs in source.items():
                problems.setdefault(idx, []).extend(msgs)
        defining = {c for c in where.values() if c is not None}
        global_problems = [f"cell {i}: {m}" for i, ms in sorted(problems.items())
                           if i not in defining for m in dict.fromkeys(ms)]
        for part in ex.parts:
            cell = where[part.name]
            own = list(dict.fromkeys(problems.get(cell, []))) if cell is not None else []
            if own or global_problems:
                msg = "; ".join([f"cell {cell}: {m}" for m in own] + global_problems)
                report.parts.append(PartResult(ex.id, part.name, 0, part.points, msg))
                continue
            if cell is not None and cell in session.skip:
                report.parts.append(PartResult(ex.id, part.name, 0, part.points,
                                               f"cell {cell} {session.skip[cell]}"))
                continue
            if cell is None:
                report.parts.append(PartResult(ex.id, part.name, 0, part.points,
                                               f"`{part.name}` is not defined in the notebook "
                                               "(cell deleted or renamed?)"))
                continue
            verdict = run_part(part, session, rng)
            message = verdict.message
            if not verdict.ok and cell in session.errors:
                message = f"cell {cell} failed ({session.errors[cell]}); {message}"
            report.parts.append(PartResult(ex.id, part.name, part.points if verdict.ok else 0,
                                           part.points, message))
        for idx, why in sorted(session.skip.items()):
            if idx not in defining:
                report.notes.append(f"{ex.id}: cell {idx} {why}")
        if session.dead:
            report.notes.append(f"{ex.id}: {session.dead}")
    finally:
        session.close()


def grade_file(path: str | Path, limits: Limits | None = None, seed: int | None = None) -> Report:
    """Grade one notebook. Never raises: a failure of the grader itself lands in
    ``report.grader_error`` (and makes ``rnncourse grade`` exit non-zero)."""
    start = time.monotonic()
    try:
        return _grade_file(path, limits or Limits(), seed)
    except Exception as e:  # noqa: BLE001 - a bug in the grader, reported as such
        import traceback

        report = Report(str(path), seconds=time.monotonic() - start)
        report.grader_error = f"{type(e).__name__}: {e}\n{traceback.format_exc()[-2000:]}"
        return report


def _grade_file(path: str | Path, limits: Limits, seed: int | None) -> Report:
    start = time.monotonic()
    report = Report(str(path))
    try:
        nb = read_notebook(path)
    except NotebookError as e:
        report.notes.append(f"cannot grade: {e}")
        report.parts.extend(_zero_all(Path(path), str(e)))
        report.seconds = time.monotonic() - start
        return report
    exercises = identify(nb)
    if not exercises:
        report.notes.append("no exercise recognised (name the file exNN_... or keep the "
                            "exercise's function names)")
    rng = np.random.default_rng(seed)
    deadline = start + limits.submission_timeout
    try:
        for ex in exercises:
            _grade_exercise(nb, ex, limits, deadline, rng, report)
    except Exception as e:  # noqa: BLE001 - a bug in the grader, reported as such
        import traceback

        report.grader_error = f"{type(e).__name__}: {e}\n{traceback.format_exc()[-2000:]}"
    report.seconds = time.monotonic() - start
    return report


def _zero_all(path: Path, why: str) -> list[PartResult]:
    m = re.match(r"(ex\d\d)", path.name)
    exs = [e for e in EXERCISES.values() if m and e.id.startswith(m.group(1))]
    return [PartResult(e.id, p.name, 0, p.points, why) for e in exs for p in e.parts]


def grade_paths(paths: list[Path], limits: Limits | None = None, jobs: int = 2,
                seed: int | None = None) -> list[Report]:
    """Grade several notebooks, ``jobs`` at a time; reports in the order of ``paths``."""
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [pool.submit(grade_file, p, limits,
                               None if seed is None else seed + i) for i, p in enumerate(paths)]
        return [f.result() for f in futures]


# ------------------------------------------------------------------------------ output
def format_report(report: Report, width: int = 100) -> str:
    lines = [f"== {report.path}: {report.score}/{report.max} points ({report.seconds:.1f} s)"]
    rows = [("exercise", "part", "points", "message")]
    rows += [(p.exercise, p.part, f"{p.score}/{p.max}", p.message) for p in report.parts]
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(r[1]) for r in rows)
    for r in rows:
        msg = r[3] if len(r[3]) <= width else r[3][: width - 3] + "..."
        lines.append(f"  {r[0]:<{w0}}  {r[1]:<{w1}}  {r[2]:>6}  {msg}")
    lines += [f"  note: {n}" for n in report.notes]
    if report.grader_error:
        lines.append(f"  GRADER ERROR: {report.grader_error.splitlines()[0]}")
    return "\n".join(lines)


def reports_json(reports: list[Report]) -> str:
    return json.dumps({"submissions": [r.to_dict() for r in reports]}, indent=2)


__all__ = ["Limits", "Report", "PartResult", "grade_file", "grade_paths", "format_report",
           "reports_json", "identify", "asdict"]
