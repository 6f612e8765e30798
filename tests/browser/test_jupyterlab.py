"""The learner's path in live JupyterLab, driven in headless Chromium.

What ``make lab`` promises a learner, checked the way a learner meets it: the server is started
with the project's Jupyter configuration (``jupyter/`` on ``JUPYTER_CONFIG_PATH``, exactly as
``make lab`` does), a double-click on an exercise opens it as a notebook with a working kernel, the
notebook is not marked modified by opening it, saving changes only the cell the learner edited, and
a chapter shows its MyST (citations, admonitions, collapsed answers) rendered, not as raw text.

The server runs on a copy of the files it needs in a temporary folder, so nothing in the repository
is touched; its settings and workspaces live there too, not in the home folder.
"""

from __future__ import annotations

import difflib
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXERCISE = "exercises/ex05_lstm_step.md"
CHAPTER = "book/09_lstm.md"
# Two shared cores: JupyterLab's first page load and a kernel start can each take a while.
SLOW_MS = 120_000

pytest.importorskip("jupyterlab", reason="the lab extra is not installed (make lab / make test)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_up(url: str, proc: subprocess.Popen, log: Path, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"jupyter lab exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as r:  # loopback only
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"jupyter lab did not answer within {timeout:.0f} s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """JupyterLab on a copy of one exercise and one chapter, configured like ``make lab``."""
    tmp = tmp_path_factory.mktemp("lab")
    root = tmp / "repo"
    for rel in (EXERCISE, CHAPTER, "pyproject.toml"):  # pyproject: the Jupytext settings
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, root / rel)
    port, token = _free_port(), secrets.token_hex(16)
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "JUPYTER_CONFIG_PATH": str(ROOT / "jupyter"),
        "JUPYTERLAB_SETTINGS_DIR": str(tmp / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp / "workspaces"),
        "JUPYTER_RUNTIME_DIR": str(tmp / "runtime"),
    }
    cmd = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        f"--port={port}",
        "--ServerApp.ip=127.0.0.1",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
    ]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    log = tmp / "server.log"
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=root)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(f"{base}/api/status?token={token}", proc, log)
        yield {"root": root, "base": base, "token": token, "log": log}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def _cell_count(rel: str) -> int:
    """How many cells the notebook has: Jupytext, which JupyterLab uses to open it, says."""
    import jupytext

    return len(jupytext.read(ROOT / rel).cells)


def _open_by_double_click(browser, lab: dict, rel: str):
    folder, name = rel.rsplit("/", 1)
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{lab['base']}/lab/tree/{folder}?reset&token={lab['token']}", timeout=SLOW_MS)
    item = page.locator(".jp-DirListing-item", has_text=name)
    item.wait_for(timeout=SLOW_MS)
    item.dblclick()
    page.locator(".jp-NotebookPanel").first.wait_for(timeout=SLOW_MS)
    # Cells render progressively (each one lands in the DOM: windowingMode "none" in jupyter/), and
    # jupyterlab-myst replaces a Markdown cell's source by its rendering (a `.myst` element) later:
    # wait for every cell, each Markdown cell rendered.
    n = _cell_count(rel)
    page.wait_for_function(
        """n => {
            const cells = document.querySelectorAll('.jp-Notebook .jp-Cell');
            const md = Array.from(document.querySelectorAll('.jp-Notebook .jp-MarkdownCell'));
            return cells.length === n && md.every(c => c.querySelector('.myst'));
        }""",
        arg=n,
        timeout=SLOW_MS,
    )
    return page, errors


@pytest.fixture(scope="module")
def exercise(browser, lab: dict) -> Iterator[tuple[object, list[str]]]:
    """The exercise, opened once by double-click, for the tests that open it and then save it."""
    page, errors = _open_by_double_click(browser, lab, EXERCISE)
    try:
        yield page, errors
    finally:
        page.close()


def _wait_idle_kernel(page) -> None:
    status = page.locator(".jp-StatusBar-TextItem", has_text="| Idle")
    status.first.wait_for(timeout=SLOW_MS)


def _current_tab_dirty(page) -> bool:
    return page.locator(".lm-TabBar-tab.lm-mod-current.jp-mod-dirty").count() > 0


def test_double_click_opens_exercise_as_notebook_with_working_kernel(exercise):
    page, errors = exercise
    # A notebook, not a text editor: code cells with prompts, no raw YAML header or fences.
    assert page.locator(".jp-CodeCell").count() >= 3
    text = page.locator(".jp-NotebookPanel").first.inner_text()
    assert "jupytext:" not in text
    assert "{code-cell}" not in text
    _wait_idle_kernel(page)
    assert not _current_tab_dirty(page), "opening the notebook marked it modified"
    # Run the set-up cell: numpy and rnncourse.grading import in the kernel.
    page.locator(".jp-CodeCell").first.click()
    page.keyboard.press("Shift+Enter")
    page.locator(".jp-InputPrompt", has_text="[1]:").first.wait_for(timeout=SLOW_MS)
    first = page.locator(".jp-CodeCell").first
    assert first.locator(".jp-OutputArea-output[data-mime-type*='stderr']").count() == 0
    probe = page.locator(".jp-CodeCell").nth(2)  # check("lstm_step_forward", ...)
    probe.click()
    page.keyboard.press("Shift+Enter")
    out = probe.locator(".jp-OutputArea-output")
    out.first.wait_for(timeout=SLOW_MS)
    # The unsolved stub gets the grader's one-line message, not a traceback page.
    assert "lstm_step_forward" in out.first.inner_text()
    assert not errors, errors


def test_saving_changes_only_the_learners_code(exercise, lab):
    path = lab["root"] / EXERCISE
    before = path.read_text(encoding="utf-8")
    page, _ = exercise
    _wait_idle_kernel(page)
    cell = page.locator(".jp-CodeCell").nth(1)  # def lstm_step_forward(...)
    cell.locator(".cm-content").click()
    page.keyboard.press("Control+End")
    page.keyboard.type("\n# my answer goes here")
    page.keyboard.press("Control+s")
    page.wait_for_function(
        "() => !document.querySelector('.lm-TabBar-tab.lm-mod-current.jp-mod-dirty')",
        timeout=SLOW_MS,
    )
    after = path.read_text(encoding="utf-8")
    diff = [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="")
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    # One added line (JupyterLab indents it inside the function body); the header is untouched.
    assert [d[0] + d[1:].strip() for d in diff] == ["+# my answer goes here"], "\n".join(diff)


def test_chapter_shows_rendered_myst(browser, lab):
    page, errors = _open_by_double_click(browser, lab, CHAPTER)
    try:
        md = page.locator(".jp-MarkdownCell")
        md.first.wait_for(timeout=SLOW_MS)
        text = "\n".join(md.all_inner_texts())
        for raw in ("{cite}", "{admonition}", ":class: dropdown", "$$"):
            assert raw not in text, f"raw MyST {raw!r} shown in JupyterLab"
        assert "hochreiter1997lstm" in text  # the citation role is rendered (as its key)
        answer = page.get_by_text("While inside the string the unit must keep its value")
        assert answer.count() == 1, "answers must start collapsed"
        assert not answer.is_visible(), "answers must start collapsed"
        page.locator("summary", has_text="Solution").first.click()
        answer.wait_for(state="visible", timeout=SLOW_MS)
        assert page.locator(".jp-MarkdownCell mjx-container, .jp-MarkdownCell .katex").count() > 5
        assert not errors, errors
    finally:
        page.close()
