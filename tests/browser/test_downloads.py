"""Every chapter and every exercise can be downloaded from the built book as a Jupyter notebook."""

from __future__ import annotations

import json
import re
from pathlib import Path

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
