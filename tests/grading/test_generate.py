"""The exercises are generated from the solutions and must be up to date."""

from __future__ import annotations

import pytest
from grading_helpers import EXERCISES, SOLUTIONS

from rnncourse.grading.generate import MarkerError, generate, strip_solutions


def test_exercises_are_up_to_date():
    stale = generate(SOLUTIONS, EXERCISES, check_only=True)
    assert not stale, f"run `make exercises`: {[str(p) for p in stale]} out of date"


def test_nine_exercises_exist():
    from rnncourse.grading.catalog import EXERCISES as CATALOG

    names = sorted(p.stem for p in SOLUTIONS.glob("ex*.md"))
    assert names == sorted(CATALOG)  # every solution is a catalogued exercise, and back
    assert names[:9] == [
        "ex01_rnn_forward",
        "ex02_rnn_bptt",
        "ex03_char_lm",
        "ex04_gru",
        "ex05_lstm_step",
        "ex06_lstm_sequence_tbptt",
        "ex07_bidirectional_deep",
        "ex08_vanishing_gradients",
        "ex09_torch_lstm",
    ]


def test_stub_replaces_solution_and_keeps_hints():
    text = (
        "def f(x):\n    # Hint: before\n    ### BEGIN SOLUTION\n    # Hint: kept\n"
        "    y = secret(x)\n    return y\n    ### END SOLUTION\n"
    )
    out = strip_solutions(text)
    assert "secret" not in out
    assert "BEGIN SOLUTION" not in out
    assert "# Hint: before" in out
    assert "    # Hint: kept" in out
    assert '    raise NotImplementedError("f: replace this line with your code")' in out


def test_markdown_solution_is_replaced():
    out = strip_solutions("Q?\n\n<!-- BEGIN SOLUTION -->\nThe answer.\n<!-- END SOLUTION -->\n")
    assert "The answer" not in out
    assert "Write your answer here" in out


@pytest.mark.parametrize(
    "text",
    [
        "    ### BEGIN SOLUTION\n    x = 1\n",
        "    x = 1\n    ### END SOLUTION\n",
        "### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION\n",
        "<!-- BEGIN SOLUTION -->\n### END SOLUTION\n",
    ],
)
def test_unbalanced_markers_are_errors(text):
    with pytest.raises(MarkerError):
        strip_solutions(text)


def test_every_solution_has_regions_and_no_solution_leaks():
    for path in SOLUTIONS.glob("ex*.md"):
        text = path.read_text(encoding="utf-8")
        assert "### BEGIN SOLUTION" in text, path
        exercise = (EXERCISES / path.name).read_text(encoding="utf-8")
        assert "BEGIN SOLUTION" not in exercise
        assert "NotImplementedError" in exercise


def test_every_exercise_header_says_what_is_checked_besides_the_values():
    """Issue 24: each header names the method checks and the copy check, before any code."""
    from rnncourse.grading.catalog import EXERCISES as CATALOG

    for name in CATALOG:
        text = (EXERCISES / f"{name}.md").read_text(encoding="utf-8")
        header = text[: text.index("```{code-cell}")]
        assert "**Checked besides the values:**" in header, name
        assert "a near-verbatim copy scores 0" in " ".join(header.split()), name
