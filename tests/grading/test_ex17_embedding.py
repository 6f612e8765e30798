"""Exercise 17 (embedding backward): planted mistakes lose exactly their points, with their hint.

Also the method: a numerical gradient runs out of time on the large case and loses the backward's
points only; a one-hot matrix product (the same gradient) is allowed and scores full marks.
"""

from __future__ import annotations

import pytest
from grading_helpers import LOOPS, assert_loses_exactly, parts, replace_once, solution_text

NAME = "ex17_embedding_backward"
ADD_AT = "    np.add.at(dW, x, dout)\n"
# (text in the solution, planted replacement, parts that must lose their points, hint words)
PLANTED = [
    (ADD_AT, "    dW[x] += dout\n", {"word_embedding_backward"}, "use np.add.at(dW, x, dout)"),
    (
        ADD_AT,
        "    np.add.at(dW, x.T.reshape(-1), dout.reshape(-1, dout.shape[2]))\n",
        {"word_embedding_backward"},
        "flatten both the same way",
    ),
    (
        "    dW = np.zeros_like(W)\n",
        "    dW = W.copy()\n",
        {"word_embedding_backward"},
        "start from zeros",
    ),
    (
        "    dW = np.zeros_like(W)\n",
        "    dW = W\n",
        {"word_embedding_backward"},
        "start from zeros",
    ),
]


def _body(text: str, new: str) -> str:
    start = text.index("    x, W = cache\n")
    end = text.index("    ### END SOLUTION", start)
    return text[:start] + new + text[end:]


@pytest.mark.parametrize(
    ("old", "new", "lost", "hint"), PLANTED, ids=[p[1].strip()[:24] for p in PLANTED]
)
def test_planted_bug_loses_exactly_its_points(grade_text, old, new, lost, hint):
    report = grade_text(NAME, replace_once(solution_text(NAME), old, new))
    got = parts(report)
    assert_loses_exactly(got, NAME, lost, hint)


def test_the_solution_scores_full_marks_within_the_short_limit(grade_text):
    report = grade_text(NAME, solution_text(NAME), LOOPS)
    assert report.score == report.max == 6


def test_a_one_hot_product_is_allowed(grade_text):
    one_hot = (
        "    x, W = cache\n    V, D = W.shape\n    rows = np.zeros((x.size, V))\n"
        "    rows[np.arange(x.size), x.reshape(-1)] = 1.0\n"
        "    return rows.T @ dout.reshape(-1, D)\n"
    )
    report = grade_text(NAME, _body(solution_text(NAME), one_hot))
    assert report.score == report.max


@pytest.mark.slow  # burns the whole short call limit by design
def test_a_numerical_gradient_runs_out_of_time(grade_text):
    """Central differences pass the small cases but not the large one (V = 4000, D = 64)."""
    numeric = (
        "    x, W = cache\n    dW, Wp = np.zeros_like(W), W.copy()\n"
        "    for i in np.ndindex(*W.shape):\n"
        "        old = Wp[i]\n        Wp[i] = old + 1e-5\n        up = np.sum(Wp[x] * dout)\n"
        "        Wp[i] = old - 1e-5\n        down = np.sum(Wp[x] * dout)\n"
        "        Wp[i] = old\n        dW[i] = (up - down) / 2e-5\n"
        "    return dW\n"
    )
    report = grade_text(NAME, _body(solution_text(NAME), numeric), LOOPS)
    got = parts(report)
    assert got["word_embedding_forward"][0] == 2
    score, _, message = got["word_embedding_backward"]
    assert score == 0, message
    assert "V=4000" in message, message  # it passed the small cases and failed the large one
