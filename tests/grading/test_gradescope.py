"""The Gradescope bundle, run in a simulated ``/autograder`` tree, writes a valid results.json."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile

from grading_helpers import ROOT, SOLUTIONS

from rnncourse.cli import main

VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}


def check_schema(results: dict) -> None:
    """Gradescope's documented results.json format (the fields this grader writes)."""
    assert isinstance(results["score"], (int, float))
    assert isinstance(results["execution_time"], (int, float))
    assert results.get("visibility", "visible") in VISIBILITY
    for test in results["tests"]:
        assert set(test) <= {
            "name",
            "score",
            "max_score",
            "output",
            "visibility",
            "number",
            "tags",
            "status",
            "name_format",
            "output_format",
        }
        assert isinstance(test["name"], str) and isinstance(test["output"], str)
        assert 0 <= test["score"] <= test["max_score"]
        assert test["visibility"] in VISIBILITY


def test_run_autograder_in_a_simulated_tree(tmp_path):
    zpath = tmp_path / "autograder.zip"
    assert main(["autograder-bundle", str(zpath)]) == 0
    root = tmp_path / "autograder"
    with zipfile.ZipFile(zpath) as z:
        names = set(z.namelist())
        assert {
            "setup.sh",
            "run_autograder",
            "package/pyproject.toml",
            "package/rnncourse/grading/grader.py",
        } <= names
        z.extractall(root / "source")
    run = root / "source" / "run_autograder"
    os.chmod(run, 0o755)
    sub = root / "submission"
    sub.mkdir()
    (sub / "ex01_rnn_forward.md").write_text((SOLUTIONS / "ex01_rnn_forward.md").read_text())
    (sub / "ex04_gru.md").write_text((ROOT / "exercises" / "ex04_gru.md").read_text())
    env = {
        **os.environ,
        "AUTOGRADER_ROOT": str(root),
        "RNNCOURSE_PYTHON": sys.executable,
        "PYTHONPATH": str(ROOT),
        "RNNCOURSE_GRADE_OPTIONS": "--seed 1 --cell-timeout 20",
    }
    done = subprocess.run([str(run)], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    check_schema(results)
    assert results["score"] == 10
    by_name = {t["name"]: t for t in results["tests"]}
    assert by_name["ex01_rnn_forward: rnn_forward"]["score"] == 5
    assert by_name["ex04_gru: gru_step_forward"] == {
        "name": "ex04_gru: gru_step_forward",
        "score": 0,
        "max_score": 5,
        "output": by_name["ex04_gru: gru_step_forward"]["output"],
        "visibility": "visible",
    }
    assert "NotImplementedError" in by_name["ex04_gru: gru_step_forward"]["output"]
