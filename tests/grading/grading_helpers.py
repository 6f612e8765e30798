"""Shared helpers of the grading tests: paths, short limits, modified copies of notebooks."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from rnncourse.grading.grader import Report
from rnncourse.grading.sandbox.process import Limits

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"
# Generous limits for notebooks that must pass even on a loaded 2-core machine ...
LIMITS = Limits(
    cell_timeout=30.0,
    submission_timeout=120.0,
    grace=2.0,
    memory_bytes=2 * 1024**3,
    output_chars=20_000,
)
# ... and short ones for the hostile cases, so that infinite loops end quickly.
SHORT = Limits(
    cell_timeout=3.0,
    submission_timeout=90.0,
    grace=1.0,
    memory_bytes=2 * 1024**3,
    output_chars=20_000,
)
# ... and shorter still where the only slow cells are deliberate infinite loops next to NumPy-only
# code: each loop burns a whole limit (plus the grace when it swallows its timer) of CPU time.
LOOPS = replace(SHORT, cell_timeout=1.5, grace=0.5)


def solution_text(name: str) -> str:
    return (SOLUTIONS / f"{name}.md").read_text(encoding="utf-8")


def replace_once(text: str, old: str, new: str) -> str:
    """Replace ``old`` (which must occur exactly once) so that a test can never be vacuous."""
    assert text.count(old) == 1, f"expected exactly one occurrence of {old!r}"
    return text.replace(old, new)


def parts(report: Report) -> dict[str, tuple[int, int, str]]:
    return {p.part: (p.score, p.max, p.message) for p in report.parts}


def assert_loses_exactly(
    got: dict[str, tuple[int, int, str]], name: str, lost: set[str], hint: str | None
) -> None:
    """A planted mistake: every part of exercise ``name`` graded, the ``lost`` ones at 0 with
    ``hint`` in their message (no hint check where ``hint`` is empty), the others at full marks."""
    from rnncourse.grading.catalog import EXERCISES

    assert set(got) == {p.name for p in EXERCISES[name].parts}
    for part, (score, most, message) in got.items():
        assert score == (0 if part in lost else most), (part, message)
    if hint:
        messages = " ".join(got[p][2] for p in lost)
        assert "Hint:" in messages, messages
        assert hint in messages, messages


def notebook_namespace(text: str) -> dict:
    """The names a notebook defines, its cells run in this process ("Try it" demos skipped;
    ``check`` cells do nothing)."""
    import os

    import jupytext

    from rnncourse.grading import GRADING_ENV

    nb = jupytext.reads(text, fmt="md")
    ns: dict = {"__name__": "__main__"}
    old = os.environ.get(GRADING_ENV)
    os.environ[GRADING_ENV] = "1"  # check() cells do nothing
    try:
        for cell in nb.cells:
            if cell.cell_type == "code" and "raises-exception" not in cell.metadata.get("tags", []):
                exec(compile(cell.source, "<cell>", "exec"), ns)  # our own notebooks
    finally:
        if old is None:
            del os.environ[GRADING_ENV]
        else:
            os.environ[GRADING_ENV] = old
    return ns


def grade_in_process(name: str, text: str, seed: int = 0) -> dict[str, tuple[int, int, str]]:
    """Score notebook ``text`` for exercise ``name`` in this process (no sandbox): run its cells
    (not the "Try it" demos), then every part's checks. Tests the catalogue, not the sandbox."""
    import numpy as np

    from rnncourse.grading import InProcess
    from rnncourse.grading.catalog import EXERCISES as CATALOG
    from rnncourse.grading.core import run_part

    ns = notebook_namespace(text)
    rng = np.random.default_rng(seed)
    out = {}
    for part in CATALOG[name].parts:
        verdict = run_part(part, InProcess(ns), rng)
        out[part.name] = (part.points if verdict.ok else 0, part.points, verdict.message)
    return out
