"""The book's Sphinx extension names each hidden cell's toggle after its visible label."""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# what myst-nb 1.x writes for a cell tagged hide-input (the visible label is the shown <p>)
HIDDEN_CELL = (
    '<div class="cell tag_hide-input docutils container">\n'
    '<details class="admonition hide above-input">\n'
    '<summary aria-label="Toggle hidden content">\n'
    '<p class="collapsed admonition-title">Show code cell source</p>\n'
    '<p class="expanded admonition-title">Hide code cell source</p>\n'
    "</summary>\n<div>code</div></details></div>"
)


def label_mismatches(body: str) -> list[str]:
    """Each ``<summary>`` whose ``aria-label`` omits its visible text (WCAG 2.5.3, axe's rule)."""
    found = []
    for attrs, inner in re.findall(r"<summary\b([^>]*)>(.*?)</summary>", body, re.S):
        label = re.search(r'aria-label="([^"]*)"', attrs)
        first = re.search(r"<p\b[^>]*>(.*?)</p>", inner, re.S)
        visible = (first.group(1) if first else re.sub(r"<[^>]+>", "", inner)).strip()
        if label and visible.lower() not in label.group(1).lower():
            found.append(f"{label.group(1)!r} does not contain {visible!r}")
    return found


def _rewrite_body():
    sys.path.insert(0, str(ROOT / "book" / "_ext"))
    try:
        from rnncourse_a11y import rewrite_body
    finally:
        sys.path.remove(str(ROOT / "book" / "_ext"))
    return rewrite_body


def test_a_hidden_cell_toggle_is_named_by_its_visible_label():
    assert label_mismatches(HIDDEN_CELL)  # the planted failure: myst-nb's markup as written
    out = _rewrite_body()(HIDDEN_CELL)
    assert label_mismatches(out) == []
    assert "<summary>" in out
    assert "Show code cell source" in out


def test_other_labels_are_kept():
    named = '<details><summary aria-label="Sections of Chapter 3">x</summary></details>'
    assert _rewrite_body()(named) == named
