"""Exercise 15 (CTC forward): planted mistakes lose exactly their points, with their hint; the
cases are too long to enumerate; a paste of the reference's ctc_alpha is a copy."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from grading_helpers import (
    assert_loses_exactly,
    grade_in_process,
    parts,
    replace_once,
    solution_text,
)

from rnncourse.grading.catalog import EXERCISES as CATALOG
from rnncourse.reference import ctc as ref

NAME = "ex15_ctc_forward"
# (text in the solution, planted replacement, parts that must lose their points, hint words)
PLANTED = [
    (
        "if s >= 2 and ext[s] != blank and ext[s] != ext[s - 2]:",
        "if s >= 2 and ext[s] != blank:",
        {"ctc_alpha", "ctc_loss"},
        "between two equal labels the blank is mandatory",
    ),
    (
        "if s >= 2 and ext[s] != blank and ext[s] != ext[s - 2]:",
        "if False:",
        {"ctc_alpha", "ctc_loss"},
        "skipping a blank between different labels",
    ),
    (
        "    if L > 1:\n        alpha[0, 1] = log_probs[0, ext[1]]\n",
        "",
        {"ctc_alpha", "ctc_loss"},
        "may start in the first blank or on the first label",
    ),
    (
        "max(total + log_probs[t, ext[s]], LOG_ZERO)",
        "max(total, LOG_ZERO)",
        {"ctc_alpha", "ctc_loss"},
        "multiply by y_t(l'_s)",
    ),
    (
        "np.logaddexp(last[-1], last[-2])",
        "last[-1]",
        {"ctc_loss"},
        "adds the last TWO states",
    ),
    ("return float(min(-log_p, -LOG_ZERO))", "return float(log_p)", {"ctc_loss"}, "minus log p"),
    (
        "        ext += [int(k), blank]\n",
        "        ext += [blank, int(k)]\n",
        {"ctc_extend", "ctc_loss"},
        "",
    ),
]


@pytest.mark.parametrize(("old", "new", "lost", "hint"), PLANTED, ids=[p[1][:24] for p in PLANTED])
def test_planted_bug_loses_exactly_its_points(old, new, lost, hint):
    got = grade_in_process(NAME, replace_once(solution_text(NAME), old, new))
    assert_loses_exactly(got, NAME, lost, hint)


def test_solution_scores_full_marks():
    got = grade_in_process(NAME, solution_text(NAME))
    assert all(score == most for score, most, _ in got.values()), got


def test_cases_are_too_long_to_enumerate():
    rng = np.random.default_rng(0)
    for part in CATALOG[NAME].parts[1:]:
        for case in part.make_cases(rng):
            T, C = case.calls[0].args[0].shape
            infeasible = part.name == "ctc_loss" and T == len(case.calls[0].args[1])
            assert infeasible or float(C) ** T > 1e16, (part.name, T, C)  # ~1e8 paths a second


def test_a_paste_of_the_reference_is_a_copy(grade_text):
    helpers = "".join(
        inspect.getsource(f) + "\n\n" for f in (ref._shift, ref._skip_allowed, ref.ctc_alpha)
    )
    paste = "NEG_INF = -np.inf\n\n" + helpers
    text = solution_text(NAME)
    start = text.index("def ctc_alpha(")
    end = text.index("```", start)
    report = grade_text(NAME, text[:start] + paste + text[end:])
    got = parts(report)
    assert got["ctc_alpha"][0] == 0, got["ctc_alpha"]
    assert "copy" in got["ctc_alpha"][2], got["ctc_alpha"]
