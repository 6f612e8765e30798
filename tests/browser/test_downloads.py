"""Every chapter and every exercise can be downloaded from the built book as a Jupyter notebook,
from a server and from the book opened from disk (``file://``)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = sorted(p.stem for p in (ROOT / "book").glob("[0-9][0-9]*.md"))
EXERCISES = sorted(p.stem for p in (ROOT / "exercises").glob("ex*.md"))


def _notebook(path: Path) -> dict:
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert nb["nbformat"] == 4, path
    assert nb["cells"], path
    return nb


def test_each_chapter_offers_its_executed_notebook(site_dir: Path):
    for stem in CHAPTERS:
        html = (site_dir / "book" / f"{stem}.html").read_text(encoding="utf-8")
        href = f"_sources/book/{stem}.ipynb"
        assert href in html, f"{stem}: no .ipynb download button"
        nb = _notebook(site_dir / href)
        # Executed: code cells carry outputs (the download is the page as the reader sees it).
        assert any(c.get("outputs") for c in nb["cells"] if c["cell_type"] == "code"), stem


def test_exercise_page_lists_every_exercise_as_a_notebook(site_dir: Path):
    html = (site_dir / "book" / "exercises.html").read_text(encoding="utf-8")
    linked = re.findall(r'href="\.\./_downloads/exercises/(ex[^"]+)\.ipynb"', html)
    assert sorted(linked) == EXERCISES, "book/exercises.md must list every exercise"
    for stem in EXERCISES:
        nb = _notebook(site_dir / "_downloads" / "exercises" / f"{stem}.ipynb")
        # The learner's copy: the stubs, no outputs, the kernel the headers name.
        assert not any(c.get("outputs") for c in nb["cells"] if c["cell_type"] == "code")
        assert nb["metadata"]["kernelspec"]["name"] == "python3"
        assert "NotImplementedError" in "".join("".join(c["source"]) for c in nb["cells"])


def _download(page, click, timeout_ms: int = 10_000) -> tuple[str, str]:
    with page.expect_download(timeout=timeout_ms) as info:
        click()
    download = info.value
    return download.suggested_filename, Path(download.path()).read_text(encoding="utf-8")


@pytest.mark.parametrize("scheme", ["file", "http"])
def test_notebook_links_download(browser, site_dir: Path, site_url: str, scheme: str):
    # On file:// Chromium ignores the download attribute and would show the JSON as text; the
    # page's script saves the notebook's twin (<name>.ipynb.js) as a file instead.
    context = browser.new_context(accept_downloads=True)
    try:
        page = context.new_page()
        base = site_dir.resolve().as_uri() + "/" if scheme == "file" else site_url
        page.goto(base + "book/exercises.html", wait_until="load")
        name, text = _download(page, page.locator('main a[href$=".ipynb"]').first.click)
        assert name == EXERCISES[0] + ".ipynb"
        assert text == (site_dir / "_downloads" / "exercises" / name).read_text(encoding="utf-8")
        page.goto(base + "book/03_rnn_model.html", wait_until="load")
        page.locator(".dropdown-download-buttons > button").click()
        link = page.locator("a.btn-download-notebook-button")
        name, text = _download(page, link.click)
        assert name == "03_rnn_model.ipynb"
        assert json.loads(text)["cells"]
    finally:
        context.close()


def test_a_notebook_without_its_twin_script_does_not_download_from_disk(
    browser, site_dir: Path, tmp_path: Path
):
    # Planted: the same click where the twin script is missing opens the notebook as text.
    page_dir = tmp_path / "book"
    page_dir.mkdir()
    (tmp_path / "_static").mkdir()
    static = site_dir / "_static" / "rnncourse-downloads.js"
    (tmp_path / "_static" / static.name).write_text(static.read_text(encoding="utf-8"))
    (tmp_path / "nb.ipynb").write_text('{"cells": [], "nbformat": 4}')
    (page_dir / "p.html").write_text(
        '<html><head><script src="../_static/rnncourse-downloads.js"></script></head>'
        '<body><main><a href="../nb.ipynb">nb</a></main></body></html>'
    )
    context = browser.new_context(accept_downloads=True)
    try:
        page = context.new_page()
        page.goto((page_dir / "p.html").as_uri(), wait_until="load")
        with pytest.raises(Exception, match="Timeout"):
            _download(page, page.locator("a").click, timeout_ms=3_000)
    finally:
        context.close()
