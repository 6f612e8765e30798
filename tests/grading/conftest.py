"""Fixtures of the grading tests."""

from __future__ import annotations

import os

import pytest
from grading_helpers import LIMITS

from rnncourse.grading.grader import Report, grade_file
from rnncourse.grading.sandbox.process import Limits
from rnncourse.grading.static.copies import SOLUTIONS_ENV


@pytest.fixture(autouse=True, scope="session")
def _solutions_not_fingerprinted_in_module_fixtures():
    """The same for fixtures wider than a test (a class folder graded once per module)."""
    old = os.environ.get(SOLUTIONS_ENV)
    os.environ[SOLUTIONS_ENV] = ""
    yield
    if old is None:
        del os.environ[SOLUTIONS_ENV]
    else:
        os.environ[SOLUTIONS_ENV] = old


@pytest.fixture(autouse=True)
def _solutions_not_fingerprinted(monkeypatch):
    """Grade without the solutions' fingerprints: these tests grade the solutions themselves and
    copies of them with planted mistakes, which would otherwise score 0 as copies of the answer
    key (tests/grading/test_similarity.py and test_method.py switch them on)."""
    monkeypatch.setenv(SOLUTIONS_ENV, "")


@pytest.fixture
def grade_text(tmp_path):
    """Write ``text`` as ``tmp_path/<name>.md`` and grade it with the short limits."""

    def run(name: str, text: str, limits: Limits = LIMITS, sandbox: str = "bwrap") -> Report:
        path = tmp_path / f"{name}.md"
        path.write_text(text, encoding="utf-8")
        report = grade_file(path, limits, seed=0, sandbox=sandbox)
        assert report.grader_error is None, report.grader_error
        return report

    return run
