"""Gradescope: the autograder bundle and the grading of a submission for an assignment.

:mod:`.bundle` writes the zip (``setup.sh``, ``run_autograder``, ``assignment.json``, a README);
:mod:`.results` grades one submission for one assignment into ``results.json``.
"""

from rnncourse.grading.gradescope.bundle import write_bundle
from rnncourse.grading.gradescope.results import (
    grade_assignment,
    load_assignment,
    make_assignment,
)

__all__ = ["write_bundle", "grade_assignment", "load_assignment", "make_assignment"]
