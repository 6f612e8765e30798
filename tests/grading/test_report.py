"""Reports and learner-facing commands: wrapping, atomic writes, exercise reset, stub safety."""

from __future__ import annotations

import os

import pytest
from grading_helpers import ROOT

from rnncourse.cli import main
from rnncourse.grading.generate import WouldOverwrite, generate, strip_solutions
from rnncourse.grading.grader import PartResult, Report
from rnncourse.grading.report import format_report, write_atomic


def test_table_wraps_long_messages_instead_of_cutting_them():
    words = " ".join(f"word{i}" for i in range(60))
    report = Report(
        "ex05_lstm_step.md",
        [PartResult("ex05_lstm_step", "lstm_step_forward", 0, 5, words + ". Hint: the end")],
    )
    table = format_report(report, width=60)
    lines = table.splitlines()[2:]
    assert len(lines) > 3
    assert all(len(ln) <= 60 + 48 for ln in lines)
    flat = " ".join(ln.strip() for ln in lines)
    assert words + ". Hint: the end" in flat.split("0/5  ", 1)[1]


def test_write_atomic_replaces_regular_files_only(tmp_path):
    target = tmp_path / "r.json"
    write_atomic(target, "one")
    write_atomic(target, "two")
    assert target.read_text() == "two"
    assert os.listdir(tmp_path) == ["r.json"]
    os.symlink(tmp_path / "elsewhere", tmp_path / "link.json")
    with pytest.raises(ValueError, match="is a symbolic link, not a regular file"):
        write_atomic(tmp_path / "link.json", "x")
    assert not (tmp_path / "elsewhere").exists()


def test_exercise_reset_keeps_a_backup(tmp_path, capsys):
    ex = tmp_path / "exercises"
    ex.mkdir()
    mine = ex / "ex05_lstm_step.md"
    mine.write_text("my work\n")
    args = [
        "exercise",
        "reset",
        "ex05",
        "--exercises",
        str(ex),
        "--solutions",
        str(ROOT / "solutions"),
    ]
    assert main(args) == 0
    stub = strip_solutions((ROOT / "solutions" / "ex05_lstm_step.md").read_text(), "s")
    assert mine.read_text() == stub
    backups = list((ex / "backups").glob("ex05_lstm_step.*.md"))
    assert [b.read_text() for b in backups] == ["my work\n"]
    assert "your version is in" in capsys.readouterr().out
    assert (
        main(
            [
                "exercise",
                "reset",
                "ex77",
                "--exercises",
                str(ex),
                "--solutions",
                str(ROOT / "solutions"),
            ]
        )
        == 2
    )


def test_make_exercises_refuses_to_overwrite_work(tmp_path):
    ex = tmp_path / "exercises"
    generate(ROOT / "solutions", ex)  # fresh: writes every stub
    work = ex / "ex01_rnn_forward.md"
    work.write_text(work.read_text() + "\n# my work\n")
    with pytest.raises(WouldOverwrite, match="ex01_rnn_forward.md"):
        generate(ROOT / "solutions", ex)
    assert work.read_text().endswith("# my work\n")
    generate(ROOT / "solutions", ex, force=True)
    assert not work.read_text().endswith("# my work\n")


def test_text_is_cut_before_escaping_and_never_inside_an_escape():
    from rnncourse.grading.report import safe_text

    assert safe_text("\x1b" * 10_000_000, 100) == "\\x1b" * 24 + "..."
    assert safe_text("ab\ncd", 100) == "ab\\ncd"


def test_the_table_breaks_between_words_only():
    long_word = "x" * 150
    report = Report(
        "ex01_rnn_forward.md",
        [PartResult("ex01_rnn_forward", "rnn_forward", 0, 5, f"first {long_word} last")],
    )
    rows = format_report(report, width=60).splitlines()[2:]
    assert [r.split()[-1] for r in rows] == ["first", long_word, "last"]


def test_an_object_array_is_described_in_words():
    import numpy as np

    from rnncourse.grading.core import compare
    from rnncourse.grading.wire import from_untrusted, to_jsonable

    got = from_untrusted(to_jsonable(np.array([object()], dtype=object)))
    verdict = compare("h", got, np.zeros(1), 1e-6, 1e-9)
    assert verdict.message == (
        "h should be a NumPy array of shape (1,), got an array of Python objects"
    )
