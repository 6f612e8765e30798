"""The ``rnncourse grade`` command: formats, folders, JSON report, exit status."""

from __future__ import annotations

import json
import shutil

import jupytext
from grading_helpers import SOLUTIONS

from rnncourse.cli import main


def _args(tmp_path, *paths):
    return [
        "grade",
        *map(str, paths),
        "--cell-timeout",
        "5",
        "--timeout",
        "60",
        "--json",
        str(tmp_path / "report.json"),
        "--seed",
        "3",
    ]


def test_formats_folder_and_json(tmp_path, capsys):
    sub = tmp_path / "submissions"
    sub.mkdir()
    nb = jupytext.read(SOLUTIONS / "ex01_rnn_forward.md")
    jupytext.write(nb, sub / "ex01_rnn_forward.ipynb")
    jupytext.write(nb, sub / "ex01_rnn_forward.py", fmt="py:percent")
    shutil.copy(SOLUTIONS / "ex07_bidirectional_deep.md", sub / "ex07_bidirectional_deep.md")
    assert main(_args(tmp_path, sub)) == 0
    out = capsys.readouterr().out
    assert "ex01_rnn_forward.ipynb: 10/10 points" in out
    assert "ex01_rnn_forward.py: 10/10 points" in out
    assert "ex07_bidirectional_deep.md: 10/10 points" in out
    assert "total: 30/30 points over 3 submission(s)" in out
    report = json.loads((tmp_path / "report.json").read_text())
    first = report["submissions"][0]
    assert first["path"].endswith("ex01_rnn_forward.ipynb")
    ex = first["exercises"]["ex01_rnn_forward"]
    assert (ex["score"], ex["max"], ex["message"]) == (10, 10, "all parts passed")
    assert set(ex["parts"]) == {"rnn_step_forward", "rnn_forward"}


def test_unreadable_and_unknown_files_score_zero_with_status_0(tmp_path, capsys):
    broken = tmp_path / "ex04_gru.ipynb"
    broken.write_text("{ this is not json")
    unknown = tmp_path / "notes.md"
    unknown.write_text("# just prose\n")
    assert main(_args(tmp_path, broken, unknown)) == 0
    out = capsys.readouterr().out
    assert "ex04_gru.ipynb: 0/10 points" in out
    assert "not a valid .ipynb notebook" in out
    assert "no exercise recognised" in out
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["submissions"][0]["exercises"]["ex04_gru"]["score"] == 0


def test_exercise_found_by_function_names(tmp_path, capsys):
    text = (SOLUTIONS / "ex04_gru.md").read_text()
    (tmp_path / "my_homework.md").write_text(text)
    assert main(_args(tmp_path, tmp_path / "my_homework.md")) == 0
    assert "my_homework.md: 10/10 points" in capsys.readouterr().out


def test_missing_path_is_a_usage_error(tmp_path, capsys):
    assert main(["grade", str(tmp_path / "nope.md")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_too_many_cells_are_refused_before_parsing(tmp_path):
    import pytest

    from rnncourse.grading.notebook import MAX_CELLS, NotebookError, read_notebook

    cell = "```{code-cell} ipython3\nx = 1\n```\n"
    path = tmp_path / "ex01_rnn_forward.md"
    path.write_text(cell * (MAX_CELLS + 1))
    with pytest.raises(NotebookError, match=f"refused: {MAX_CELLS + 1} cells \\(at most 3000\\)"):
        read_notebook(path)
    path.write_text(cell * 3)
    assert [src for _, src in read_notebook(path).cells] == ["x = 1"] * 3


def test_a_dangling_link_in_a_folder_is_refused_not_fatal(tmp_path, capsys):
    import os

    sub = tmp_path / "class"
    sub.mkdir()
    os.symlink(tmp_path / "gone.md", sub / "ex01_rnn_forward.md")
    assert main(_args(tmp_path, sub)) == 0
    out = capsys.readouterr().out
    assert "ex01_rnn_forward.md: 0/10 points" in out
    assert "refused: the submission is a symbolic link, not a regular file" in out
