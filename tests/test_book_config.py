"""The book's build configuration keeps the promises its comments make."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _keys(node: object) -> set[str]:
    if isinstance(node, dict):
        return set(node) | {k for v in node.values() for k in _keys(v)}
    if isinstance(node, list):
        return {k for v in node for k in _keys(v)}
    return set()


def test_toc_numbers_nothing_so_multitoc_is_parallel_safe():
    # book/_ext/rnncourse_parallel.py declares sphinx-multitoc-numbering safe for parallel reading
    # because it only acts on `numbered:` tables of contents; a numbered toc would break that.
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    assert "numbered" not in _keys(toc)


def test_the_book_build_executes_in_parallel_and_strictly():
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert config["execute"]["execute_notebooks"] == "force"
    assert "rnncourse_parallel" in config["sphinx"]["config"]["extensions"]
    assert config["latex"]["use_jupyterbook_latex"] is False  # not parallel-safe, and no PDF
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    book_recipe = makefile.split("\nbook:")[1].split("\n\n")[0]
    assert "sphinx-build -j $(JOBS) -W -n --keep-going" in book_recipe
