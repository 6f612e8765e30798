"""Shared helpers of the grading tests: paths, short limits, modified copies of notebooks."""

from __future__ import annotations

from pathlib import Path

from rnncourse.grading.grader import Report
from rnncourse.grading.sandbox import Limits

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"
# Generous limits for notebooks that must pass even on a loaded 2-core machine ...
LIMITS = Limits(cell_timeout=30.0, submission_timeout=120.0, grace=2.0,
                memory_bytes=2 * 1024**3, output_chars=20_000)
# ... and short ones for the hostile cases, so that infinite loops end quickly.
SHORT = Limits(cell_timeout=3.0, submission_timeout=90.0, grace=1.0,
               memory_bytes=2 * 1024**3, output_chars=20_000)


def solution_text(name: str) -> str:
    return (SOLUTIONS / f"{name}.md").read_text(encoding="utf-8")


def replace_once(text: str, old: str, new: str) -> str:
    """Replace ``old`` (which must occur exactly once) so that a test can never be vacuous."""
    assert text.count(old) == 1, f"expected exactly one occurrence of {old!r}"
    return text.replace(old, new)


def parts(report: Report) -> dict[str, tuple[int, int, str]]:
    return {p.part: (p.score, p.max, p.message) for p in report.parts}
