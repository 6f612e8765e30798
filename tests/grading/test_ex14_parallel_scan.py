"""Exercise 14 (the parallel scan): planted mistakes lose exactly their points, with their hint."""

from __future__ import annotations

import pytest
from grading_helpers import assert_loses_exactly, parts, replace_once, solution_text

NAME = "ex14_parallel_scan"
# (text in the solution, planted replacement, parts that must lose their points, hint words)
PLANTED = [
    (
        "return a2 * a1, a2 * b1 + b2",
        "return a2 * a1, b1 + b2",
        {"scan_combine", "scan_forward", "scan_backward"},
        "b1 must be multiplied by a2",
    ),
    (
        "    while d < a.shape[1]:",
        "    while d < a.shape[1] // 2:",
        {"scan_forward", "scan_backward"},
        "keep doubling d",
    ),
    (
        "    h = A * h0[:, None] + B\n",
        "    h = B\n",
        {"scan_forward", "scan_backward"},
        "h0 is ignored",
    ),
    (
        "a_next = np.concatenate([a[:, 1:], np.zeros_like(a[:, :1])], axis=1)",
        "a_next = a",
        {"scan_backward"},
        "shift a by one step",
    ),
    (
        "return g * h_prev, g.copy(), a[:, 0] * g[:, 0]",
        "return g * h, g.copy(), a[:, 0] * g[:, 0]",
        {"scan_backward"},
        "the state before the step",
    ),
]


@pytest.mark.parametrize(("old", "new", "lost", "hint"), PLANTED, ids=[p[3][:24] for p in PLANTED])
def test_planted_bug_loses_exactly_its_points(grade_text, old, new, lost, hint):
    report = grade_text(NAME, replace_once(solution_text(NAME), old, new))
    got = parts(report)
    assert_loses_exactly(got, NAME, lost, hint)


def test_a_loop_with_the_right_values_scores_zero(grade_text):
    """A loop over t gives the right values but is not the scan: its rounds are counted."""
    loop = (
        "    h, state = np.empty_like(b), h0\n    for t in range(a.shape[1]):\n"
        "        state = a[:, t] * state + b[:, t]\n        h[:, t] = state\n"
        "    return h, (a, h0, h)\n"
    )
    text = solution_text(NAME)
    start = text.index("    A, B = a.copy(), b.copy()\n")
    end = text.index("    ### END SOLUTION", start)
    got = parts(grade_text(NAME, text[:start] + loop + text[end:]))
    assert got["scan_combine"][0] == 2
    assert got["scan_forward"] == (
        0,
        4,
        "`scan_forward` is not a parallel scan: at T = 64 its outputs end a chain of 128 "
        "operations, where ceil(log2 T) = 6 rounds need at most 28 (a loop over time needs "
        "about 128)",
    )
    # the backward pass runs the (sequential) forward on the reversed sequence
    assert got["scan_backward"][:2] == (0, 4)
    assert got["scan_backward"][2].startswith("`scan_backward` is not a parallel scan: at T = 64")
