"""The learner's JupyterLab plumbing, without a browser: launcher, readable roles, open tabs.

The browser half (a real JupyterLab, its terminal, a reset under an open tab) is
``tests/browser/test_jupyterlab.py``.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jupytext
import pytest

from rnncourse.lab import launch, readable, running

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "book").glob("*.md")) + sorted((ROOT / "exercises").glob("ex*.md"))


def _markdown(path: Path) -> list[str]:
    return [c.source for c in jupytext.read(path).cells if c.cell_type == "markdown"]


def test_every_role_of_the_book_becomes_readable_and_comes_back_exactly():
    index = readable.book_index(ROOT / "book")
    seen = 0
    for path in NOTEBOOKS:
        for source in _markdown(path):
            shown = readable.to_readable(source, index)
            assert readable.from_readable(shown) == source, path.name
            # outside the links' titles (which keep the original), no role is left
            visible = readable.READABLE.sub("", shown)
            assert not readable.ROLE.search(visible), (path.name, visible[:300])
            seen += len(readable.ROLE.findall(source))
    assert seen > 100  # the chapters cite and cross-reference a lot: this ran over them


def test_roles_read_as_the_book_prints_them():
    index = readable.book_index(ROOT / "book")
    text = readable.to_readable(
        "{cite:t}`hochreiter1997lstm` and {cite}`hochreiter1997lstm,cho2014gru`;"
        " see {ref}`ch-bptt`,"
        " {doc}`chapter 7\n<07_vanishing_gradients>`, {doc}`09_lstm` and"
        " {py:func}`~rnncourse.analysis.gradient_flow`.",
        index,
    )
    assert text.startswith('[Hochreiter and Schmidhuber (1997)](references.bib "{cite:t}`')
    assert "[(Hochreiter and Schmidhuber, 1997; Cho et al., 2014)](references.bib" in text
    assert '[Backpropagation through time](04_bptt.md "{ref}`ch-bptt`")' in text
    assert (
        '[chapter 7](07_vanishing_gradients.md "{doc}`chapter 7\\n<07_vanishing_gradients>`")'
        in text
    )
    assert "[Long short-term memory (LSTM)](09_lstm.md" in text
    assert "[`gradient_flow()`](../rnncourse/analysis/" in text
    # an unknown key stays visible as itself instead of "Not Found"
    assert readable.to_readable("{cite}`nobody2099`", index).startswith("[(nobody2099)]")


def test_a_link_edited_by_the_learner_is_kept_as_they_wrote_it():
    # only links exactly of the form to_readable writes turn back into roles
    mine = '[my own link](https://example.org "a title")'
    assert readable.from_readable(mine) == mine


def test_contents_manager_saves_a_chapter_back_byte_for_byte(tmp_path):
    pytest.importorskip("jupyter_server")
    from rnncourse.lab.contents import TextNotebookContentsManager

    shutil.copytree(ROOT / "book", tmp_path / "book", ignore=shutil.ignore_patterns("_*"))
    shutil.copy2(ROOT / "pyproject.toml", tmp_path)  # the Jupytext settings
    manager = TextNotebookContentsManager(root_dir=str(tmp_path))

    async def round_trip(rel: str) -> None:
        model = await manager.get(rel)
        shown = "\n".join(c.source for c in model["content"].cells if c.cell_type == "markdown")
        assert "(Hochreiter and Schmidhuber, 1997)" in shown
        await manager.save(model, rel)

    before = (tmp_path / "book/09_lstm.md").read_bytes()
    asyncio.run(round_trip("book/09_lstm.md"))
    assert (tmp_path / "book/09_lstm.md").read_bytes() == before


def test_launcher_puts_the_venv_first_and_the_course_settings_on_the_config_path():
    env = launch.lab_environment({"PATH": "/usr/bin:/bin", "JUPYTER_CONFIG_PATH": "/elsewhere"})
    bindir = str(Path(sys.executable).parent)
    assert env["PATH"].split(os.pathsep)[0] == bindir
    assert env[launch.BIN_VARIABLE] == bindir
    assert env["JUPYTER_CONFIG_PATH"].split(os.pathsep) == [str(ROOT / "jupyter"), "/elsewhere"]
    cmd = launch.lab_command(["--port=1"], root=ROOT)
    assert cmd[:3] == [sys.executable, "-m", "jupyterlab"]
    assert f"--ServerApp.root_dir={ROOT}" in cmd
    assert cmd[-1] == "--port=1"


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_terminal_start_up_repairs_a_path_that_the_login_profile_reset(tmp_path):
    class Config:  # the part of traitlets' Config that configure_terminals touches
        class ServerApp:
            terminado_settings: dict = {}

    command = launch.configure_terminals(Config, runtime_dir=tmp_path / "runtime")
    assert command is not None
    assert Config.ServerApp.terminado_settings == {"shell_command": command}
    home = tmp_path / "home"
    home.mkdir()
    # What Debian's /etc/profile and a typical ~/.profile do: PATH from scratch.
    (home / ".profile").write_text("PATH=/usr/bin:/bin\nexport PATH\n")
    bindir = str(Path(sys.executable).parent)
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin", launch.BIN_VARIABLE: bindir, "TERM": "dumb"}
    out = subprocess.run(
        [*command, "-c", "command -v rnncourse"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert out.stdout.strip().splitlines()[-1] == str(Path(bindir) / "rnncourse"), out
    # planted: without the start-up file the same profile leaves rnncourse unreachable
    plain = subprocess.run(
        ["bash", "-l", "-c", "command -v rnncourse || echo missing"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert plain.stdout.strip().splitlines()[-1] == "missing"


def test_open_paths_reads_the_tabs_of_a_lab_workspace():
    answer = {
        "workspaces": {
            "ids": ["default"],
            "values": [
                {
                    "data": {
                        "layout-restorer:data": {"main": {}},
                        "notebook:exercises/ex05_lstm_step.md": {
                            "data": {"path": "exercises/ex05_lstm_step.md", "factory": "Notebook"}
                        },
                        "editor:notes.txt": {"data": {"path": "notes.txt"}},
                        "terminal:1": {"data": {"name": "1"}},
                    },
                    "metadata": {"id": "default"},
                }
            ],
        }
    }
    assert running._open_paths(answer) == {"exercises/ex05_lstm_step.md", "notes.txt"}
    assert running._open_paths({"workspaces": {"values": []}}) == set()
    assert running._open_paths("not json of a workspace") == set()


def test_no_running_lab_means_nothing_is_open(tmp_path, monkeypatch):
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path))  # no server files there
    assert running.open_in_lab(ROOT / "exercises" / "ex05_lstm_step.md") == []
