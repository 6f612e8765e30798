"""One Gradescope submission graded for one assignment, and its ``results.json``.

**How files are matched to exercises.** Every notebook in the submission (``.ipynb``, ``.md``,
``.py``, in any folder; hidden folders and READMEs skipped; at most :data:`MAX_FILES`, in name
order) is a candidate for the assignment's exercises it holds: a file named ``exNN...`` for
exercise NN only; any other file for the exercises whose metadata it carries or whose graded
functions it defines. Each candidate is graded once, for those exercises only. Each exercise
then counts **once**, with its best file (the highest score; on a tie the first by name); every
other file is listed as ignored, with the reason. The score is the sum over the exercises,
capped at the assignment's points. A submission with no notebook for an exercise scores 0 on its
parts, with a message naming the file to upload.

``results.json`` follows Gradescope's specification: top-level ``score``, ``execution_time``,
``output``, ``visibility``, ``stdout_visibility`` and ``tests``, one per part (``name``,
``score``, ``max_score``, ``status``, ``output``, ``visibility``), plus one test hidden from
learners that tells the instructor which isolation applied and which files were graded.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

from rnncourse.grading.catalog import EXERCISES
from rnncourse.grading.report import safe_text

MAX_FILES = 20
VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")


def find_exercise(name: str) -> str:
    """Return the id of exercise ``name`` (``ex05`` or ``ex05_lstm_step``); ``ValueError``."""
    m = re.fullmatch(r"(ex\d\d)(_\w+)?", name.strip())
    hits = [e for e in EXERCISES if m and e.startswith(m.group(1)) and (e == name or not m[2])]
    if len(hits) != 1:
        raise ValueError(f"--exercise: no exercise {name!r} (one of {', '.join(EXERCISES)})")
    return hits[0]


def make_assignment(
    exercises: list[str],
    points: int | None = None,
    visibility: str = "visible",
    part_visibility: list[str] = (),  # type: ignore[assignment]
) -> dict[str, Any]:
    """Return the assignment of the bundle: exercise ids, points, visibility of each part."""
    ids = list(dict.fromkeys(find_exercise(e) for e in exercises))
    most = sum(EXERCISES[e].max_points for e in ids)
    if points is not None and not 0 < points:
        raise ValueError(f"--points must be positive, got {points}")
    if visibility not in VISIBILITIES:
        raise ValueError(f"--visibility must be one of {', '.join(VISIBILITIES)}")
    parts = {p.name for e in ids for p in EXERCISES[e].parts}
    per_part = {}
    for item in part_visibility:
        name, _, vis = item.partition("=")
        if name not in parts or vis not in VISIBILITIES:
            raise ValueError(
                f"--part-visibility {item!r}: expected PART=VIS with PART one of "
                f"{', '.join(sorted(parts))} and VIS one of {', '.join(VISIBILITIES)}"
            )
        per_part[name] = vis
    return {
        "exercises": ids,
        "points": most if points is None else points,
        "visibility": visibility,
        "part_visibility": per_part,
    }


def load_assignment(path: str | Path) -> dict[str, Any]:
    """Read and check an assignment written by :func:`make_assignment`; ``ValueError``."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return make_assignment(
            data["exercises"],
            data["points"],
            data.get("visibility", "visible"),
            [f"{k}={v}" for k, v in data.get("part_visibility", {}).items()],
        )
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ValueError(f"--assignment {path}: not a valid assignment ({e})") from e


def _upload_hint(ex_id: str) -> str:
    return (
        f"no notebook for {ex_id} was found in the submission: upload your {ex_id}.ipynb "
        f"(or {ex_id}.md / {ex_id}.py, the notebook of exercises/)"
    )


def grade_assignment(
    paths: list[Path],
    assignment: dict[str, Any],
    limits: Any,
    seed: int | None,
    sandbox: str,
    start: float,
) -> tuple[dict[str, Any], list[Any]]:
    """Grade the submission's files for ``assignment``; return results.json and the reports."""
    from rnncourse.grading.grader import grade_paths

    wanted = set(assignment["exercises"])
    considered, ignored = (
        paths[:MAX_FILES],
        [(p, f"more than {MAX_FILES} notebooks in the submission") for p in paths[MAX_FILES:]],
    )
    reports = []
    for p, r in zip(
        considered,
        grade_paths(considered, limits, jobs=1, seed=seed, sandbox=sandbox, only=wanted)
        if considered
        else [],
        strict=True,
    ):
        reports.append(r)
        if not r.parts and not r.grader_error:
            m = re.match(r"ex\d\d", p.name)
            why = (
                f"{m.group(0)} is not part of this assignment"
                if m and not any(e.startswith(m.group(0)) for e in wanted)
                else "holds none of this assignment's exercises"
            )
            ignored.append((p, why))
    best: dict[str, Any] = {}
    for ex_id in assignment["exercises"]:
        scored = [
            (r.exercises()[ex_id]["score"], -i, r)
            for i, r in enumerate(reports)
            if ex_id in r.exercises()
        ]
        if scored:
            best[ex_id] = max(scored, key=lambda s: s[:2])[2]
            for _, _, r in scored:
                if r is not best[ex_id]:
                    ignored.append((Path(r.path), f"a lower or equal score for {ex_id}"))
    results = _results(assignment, best, ignored, reports, time.monotonic() - start)
    return results, [best[e] for e in assignment["exercises"] if e in best]


def _results(
    assignment: dict[str, Any],
    best: dict[str, Any],
    ignored: list[tuple[Path, str]],
    reports: list[Any],
    seconds: float,
) -> dict[str, Any]:
    tests, total = [], 0
    vis = assignment["part_visibility"]
    for ex_id in assignment["exercises"]:
        r = best.get(ex_id)
        got = {p.part: p for p in r.parts if p.exercise == ex_id} if r is not None else {}
        for part in EXERCISES[ex_id].parts:
            p = got.get(part.name)
            score = p.score if p is not None else 0
            total += score
            tests.append(
                {
                    "name": f"{ex_id}: {part.name}",
                    "score": score,
                    "max_score": part.points,
                    "status": "passed" if score == part.points else "failed",
                    "output": safe_text(p.message if p is not None else _upload_hint(ex_id)),
                    "visibility": vis.get(part.name, assignment["visibility"]),
                }
            )
    lines = [f"graded {safe_text(Path(r.path).name, 200)} for {e}" for e, r in best.items()]
    lines += [f"ignored {safe_text(p.name, 200)}: {why}" for p, why in ignored]
    lines += [f"{e}: {_upload_hint(e)}" for e in assignment["exercises"] if e not in best]
    lines += [f"note: {safe_text(n)}" for r in best.values() for n in r.notes]
    errors = [r for r in reports if r.grader_error]
    lines += [f"grader error: {safe_text(r.grader_error.splitlines()[0])}" for r in errors]
    isolation = sorted({r.isolation for r in reports}) or ["(nothing was run)"]
    tests.append(
        {
            "name": "grading (instructor only)",
            "score": 0,
            "max_score": 0,
            "status": "passed",
            "output": "isolation: " + "; ".join(isolation) + ". " + " | ".join(lines),
            "visibility": "hidden",
        }
    )
    return {
        "score": min(total, assignment["points"]),
        "execution_time": round(seconds, 2),
        "output": "\n".join(lines),
        "visibility": assignment["visibility"],
        "stdout_visibility": "hidden",
        "tests": tests,
    }
