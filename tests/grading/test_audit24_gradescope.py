"""Issue 24, point 1: the Gradescope results an empty upload gets, and every visibility.

An upload with no file at all (Gradescope's submission folder empty) still gets a
``results.json``: 0 on every part of the assignment, each saying which notebook to upload, the
spec's top-level fields present. Every visibility of Gradescope's specification is accepted for
the assignment and per part; anything else is refused with the choices named.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rnncourse.cli import main
from rnncourse.grading.catalog import EXERCISES
from rnncourse.grading.gradescope.results import VISIBILITIES, make_assignment

GRADESCOPE_VISIBILITIES = {"visible", "hidden", "after_due_date", "after_published"}


def test_an_empty_upload_gets_results_with_zero_and_what_to_upload(tmp_path, capsys):
    sub = tmp_path / "submission"
    sub.mkdir()
    assignment = tmp_path / "assignment.json"
    spec = make_assignment(["ex01", "ex04"], 15, "after_published", ["gru_step_backward=hidden"])
    assignment.write_text(json.dumps(spec))
    out = tmp_path / "results.json"
    args = ["grade", str(sub), "--format", "gradescope", "--assignment", str(assignment)]
    assert main([*args, "--json", str(out)]) == 0
    results = json.loads(out.read_text())
    assert set(results) == {
        "score",
        "execution_time",
        "output",
        "visibility",
        "stdout_visibility",
        "tests",
    }
    assert (results["score"], results["visibility"]) == (0, "after_published")
    hints = [
        f"no notebook for {e} was found in the submission: upload your {e}.ipynb "
        f"(or {e}.md / {e}.py, the notebook of exercises/)"
        for e in ("ex01_rnn_forward", "ex04_gru")
    ]
    assert results["output"].splitlines() == [
        f"ex01_rnn_forward: {hints[0]}",
        f"ex04_gru: {hints[1]}",
    ]
    tests = {t["name"]: t for t in results["tests"]}
    for ex, hint in zip(("ex01_rnn_forward", "ex04_gru"), hints, strict=True):
        for part in EXERCISES[ex].parts:
            t = tests[f"{ex}: {part.name}"]
            assert (t["score"], t["max_score"], t["status"]) == (0, part.points, "failed")
            assert t["output"] == hint
            want = "hidden" if part.name == "gru_step_backward" else "after_published"
            assert t["visibility"] == want
    assert tests["grading (instructor only)"]["output"].startswith("isolation: (nothing was run). ")


def test_every_visibility_of_the_spec_is_accepted_and_nothing_else():
    assert set(VISIBILITIES) == GRADESCOPE_VISIBILITIES
    for vis in GRADESCOPE_VISIBILITIES:
        spec = make_assignment(["ex05"], None, vis, [f"lstm_step_forward={vis}"])
        assert (spec["visibility"], spec["part_visibility"]) == (vis, {"lstm_step_forward": vis})
    # planted failures: a visibility Gradescope does not know, a part the assignment lacks
    with pytest.raises(ValueError, match="--visibility must be one of visible, hidden"):
        make_assignment(["ex05"], None, "after_grading")
    with pytest.raises(ValueError, match="--part-visibility 'rnn_forward=hidden': expected"):
        make_assignment(["ex05"], None, "visible", ["rnn_forward=hidden"])


RULES = (
    "A file named `exNN...` counts for exercise NN only",
    "any other notebook counts for the\n  exercises whose graded functions it defines",
    "Each exercise counts **once**, with its best file",
    "The score is capped at the assignment's 20 points",
    "a message saying\n  which file to upload",
)


def missing_rules(readme: str) -> list[str]:
    """The matching rules that the README's section on matching does not state."""
    matching = readme.split("## How files are matched and scored", 1)[-1].split("\n## ", 1)[0]
    return [rule for rule in RULES if rule not in matching]


def test_the_bundle_readme_documents_how_files_are_matched(tmp_path):
    import zipfile

    zpath = tmp_path / "autograder.zip"
    assert main(["autograder-bundle", str(zpath), "--exercise", "ex01", "--exercise", "ex04"]) == 0
    with zipfile.ZipFile(zpath) as z:
        assert {"README.md", "setup.sh", "run_autograder", "assignment.json"} <= set(z.namelist())
        readme = z.read("README.md").decode()
    assert missing_rules(readme) == []
    planted = readme.replace("counts **once**", "counts")  # planted failure: a rule dropped
    assert missing_rules(planted) == ["Each exercise counts **once**, with its best file"]
    assert "   - `ex01_rnn_forward.ipynb`" in readme
    assert "   - `ex04_gru.ipynb`" in readme
    assert "Jupytext text notebooks (`.md`, `.py`) are accepted" in readme
    assert "worth **20 points**" in readme


def test_file_names_in_the_output_are_one_escaped_line_each():
    from rnncourse.grading.grader import PartResult, Report
    from rnncourse.grading.gradescope.results import _results

    spec = make_assignment(["ex01"])
    parts = [
        PartResult("ex01_rnn_forward", p.name, p.points, p.points, "passed")
        for p in EXERCISES["ex01_rnn_forward"].parts
    ]
    forged = "ex01_a.md\nex01_rnn_forward: 10 of 10 points\x1b[2J"
    best = Report(path=f"/s/{forged}", parts=parts)
    other = Report(path=f"/s/{forged}.ipynb")
    results = _results(spec, {"ex01_rnn_forward": best}, [(Path(other.path), "x")], [best], 0.1)
    escaped = "ex01_a.md\\nex01_rnn_forward: 10 of 10 points\\x1b[2J"
    assert results["output"].splitlines() == [
        f"graded {escaped} for ex01_rnn_forward",
        f"ignored {escaped}.ipynb: x",
    ]
