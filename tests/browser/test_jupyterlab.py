"""The learner's path in live JupyterLab, driven in headless Chromium.

What ``make lab`` promises a learner, checked the way a learner meets it: the server is started
by the launcher ``make lab`` runs (``rnncourse.lab.launch``: ``jupyter/`` on
``JUPYTER_CONFIG_PATH``, the venv first on ``PATH``), a double-click on an exercise opens it as a
notebook with a working kernel, the notebook is not marked modified by opening it, saving changes
only the cell the learner edited, a chapter shows its MyST (citations as author-year text,
admonitions, collapsed answers) rendered, not as raw text, the browser console stays free of
warnings and errors, a terminal finds ``rnncourse`` on its ``PATH``, and ``rnncourse exercise
reset`` keeps the learner's work where JupyterLab lists it.

The server runs on a copy of the files it needs in a temporary folder, so nothing in the repository
is touched; its settings and workspaces live there too, not in the home folder.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import difflib
import json
import os
import re
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

from rnncourse.lab.launch import lab_command, lab_environment

ROOT = Path(__file__).resolve().parents[2]
EXERCISE = "exercises/ex05_lstm_step.md"
SOLUTION = "solutions/ex05_lstm_step.md"  # `rnncourse exercise reset` writes the stub from it
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
    # pyproject: the Jupytext settings; the book's chapters and references.bib: what the
    # chapter's cross-references and citations name
    book = [p.relative_to(ROOT).as_posix() for p in (ROOT / "book").glob("*.md")]
    for rel in (EXERCISE, SOLUTION, *book, "book/references.bib", "pyproject.toml"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, root / rel)
    port, token = _free_port(), secrets.token_hex(16)
    # The server gets no venv on PATH from us: the launcher must put it there, for the kernels
    # and for the terminals (whose login profile resets PATH).
    venv_bin = str(Path(sys.executable).parent)
    outside = os.pathsep.join(
        p for p in os.environ.get("PATH", "").split(os.pathsep) if p and p != venv_bin
    )
    env = lab_environment(
        {
            **os.environ,
            "PATH": outside,
            "JUPYTERLAB_SETTINGS_DIR": str(tmp / "settings"),
            "JUPYTERLAB_WORKSPACES_DIR": str(tmp / "workspaces"),
            "JUPYTER_RUNTIME_DIR": str(tmp / "runtime"),
        }
    )
    cmd = lab_command(
        [
            "--no-browser",
            f"--port={port}",
            "--ServerApp.ip=127.0.0.1",
            f"--IdentityProvider.token={token}",
        ],
        root=root,
    )
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


# JupyterLab's own timing notes (a plugin slower than 3 s to activate): they measure how busy the
# machine is, not a fault, and come and go with the load of the two shared cores.
TIMING_NOTE = re.compile(
    r"^Plugin \S+ (is taking too long to activate\.|\(with \d+ dependants\) took [\d.]+ms)"
)


def _console(message, errors: list[str]) -> None:
    if message.type in ("warning", "error") and not TIMING_NOTE.match(message.text):
        errors.append(f"console {message.type}: {message.text}")


def _open_by_double_click(browser, lab: dict, rel: str):
    folder, name = rel.rsplit("/", 1)
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: _console(m, errors))
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
        # citations as the book prints them, cross-references as titles, none "Not Found"
        assert "Hochreiter and Schmidhuber" in text
        assert "Backpropagation through time" in text or "Vanishing and exploding" in text
        assert "Not Found" not in text, "a citation or cross-reference JupyterLab cannot resolve"
        answer = page.get_by_text("While inside the string the unit must keep its value")
        assert answer.count() == 1, "answers must start collapsed"
        assert not answer.is_visible(), "answers must start collapsed"
        page.locator("summary", has_text="Solution").first.click()
        answer.wait_for(state="visible", timeout=SLOW_MS)
        assert page.locator(".jp-MarkdownCell mjx-container, .jp-MarkdownCell .katex").count() > 5
        assert not errors, errors
    finally:
        page.close()


def _terminal_run(lab: dict, command: str, timeout: float = 120.0) -> str:
    """Open a terminal through the server (as Lab's File > New > Terminal does), run ``command``."""
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    req = urllib.request.Request(
        f"{lab['base']}/api/terminals?token={lab['token']}", method="POST", data=b""
    )
    with urllib.request.urlopen(req, timeout=30) as r:  # loopback only
        name = json.load(r)["name"]
    marker = f"END-{secrets.token_hex(4)}"

    async def talk() -> str:
        ws_url = lab["base"].replace("http", "ws", 1) + f"/terminals/websocket/{name}"
        conn = await websocket_connect(HTTPRequest(f"{ws_url}?token={lab['token']}"))
        # the marker is split so that the echoed command line does not match it
        line = f"{command}; echo; echo {marker[:4]}''{marker[4:]}\r"
        await conn.write_message(json.dumps(["stdin", line]))
        seen, deadline = "", time.monotonic() + timeout
        while marker not in seen:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            msg = await asyncio.wait_for(conn.read_message(), left)
            if msg is None:
                break
            kind, *payload = json.loads(msg)
            if kind == "stdout":
                seen += payload[0]
        conn.close()
        return seen

    try:
        with concurrent.futures.ThreadPoolExecutor(1) as pool:  # Playwright owns this thread's loop
            out = pool.submit(asyncio.run, talk()).result()
    finally:
        req = urllib.request.Request(
            f"{lab['base']}/api/terminals/{name}?token={lab['token']}", method="DELETE"
        )
        urllib.request.urlopen(req, timeout=30).close()
    assert marker in out, f"the terminal did not finish {command!r}:\n{out[-2000:]}"
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\r", "", out.split(marker)[0])


def test_terminal_has_the_course_tools_on_path(lab):
    out = _terminal_run(lab, "command -v rnncourse")
    expected = str(Path(sys.executable).parent / "rnncourse")
    assert expected in out.splitlines(), out


def test_reset_keeps_the_work_where_lab_lists_it(exercise, browser, lab):
    page, errors = exercise
    path = lab["root"] / EXERCISE
    mine = path.read_text(encoding="utf-8")
    assert "# my answer goes here" in mine  # saved by the test before
    # While the tab is open, the reset refuses: the tab would keep the old text and save it back.
    out = _terminal_run(lab, "rnncourse exercise reset ex05")
    assert "is open in JupyterLab" in out, out
    assert path.read_text(encoding="utf-8") == mine
    # The learner closes the tab (it is saved: no dialog), then resets.
    page.locator(".lm-TabBar-tab.lm-mod-current .lm-TabBar-tabCloseIcon").click()
    page.locator(".jp-NotebookPanel").first.wait_for(state="detached", timeout=SLOW_MS)
    page.wait_for_timeout(1500)  # Lab saves its workspace (the open tabs) shortly after a change
    out = _terminal_run(lab, "rnncourse exercise reset ex05")
    assert "restored the stub of exercises/ex05_lstm_step.md" in out, out
    assert "# my answer goes here" not in path.read_text(encoding="utf-8")
    backups = sorted((lab["root"] / "exercises" / "backups").glob("ex05_lstm_step.*.md"))
    assert len(backups) == 1
    assert backups[0].read_text(encoding="utf-8") == mine
    # The backup is where Lab's file browser lists it, and it opens there with the work in it.
    page.goto(f"{lab['base']}/lab/tree/exercises?token={lab['token']}", timeout=SLOW_MS)
    folder = page.locator(".jp-DirListing-item", has_text="backups")
    folder.wait_for(timeout=SLOW_MS)
    folder.dblclick()
    item = page.locator(".jp-DirListing-item", has_text=backups[0].name)
    item.wait_for(timeout=SLOW_MS)
    item.dblclick()
    page.get_by_text("# my answer goes here").first.wait_for(timeout=SLOW_MS)
    assert not errors, errors
