"""Issue 24, point 2: a path is never parsed as an option, abbreviated or not.

``rnncourse grade *`` in a folder that holds a file named ``--sand=none`` (argparse would take
an unambiguous prefix of ``--sandbox``) must not switch isolation off: the run is refused before
anything is graded.
"""

from __future__ import annotations

import os

import pytest

from rnncourse.cli import build_parser, main


def grade_parser(parser):
    sub = next(a for a in parser._actions if a.dest == "command")
    return sub.choices["grade"]


@pytest.mark.parametrize("name", ["--sand=none", "--sandbox=none", "--js=-", "--form=gradescope"])
def test_a_file_named_like_an_abbreviated_option_is_refused(tmp_path, monkeypatch, capsys, name):
    (tmp_path / "ex01_rnn_forward.md").write_text("# not graded: the run is refused first\n")
    (tmp_path / name).write_text("")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as stop:
        main(["grade", *sorted(os.listdir("."))])  # what `rnncourse grade *` passes
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert f"unrecognized arguments: {name}" in err or f"{name!r} is the name of a file" in err


def test_planted_abbreviations_would_switch_isolation_off():
    parser = build_parser()
    with pytest.raises(SystemExit):
        parser.parse_args(["grade", "x.md", "--sand=none"])
    grade_parser(parser).allow_abbrev = True  # planted failure: argparse's default
    assert parser.parse_args(["grade", "x.md", "--sand=none"]).sandbox == "none"
