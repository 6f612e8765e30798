"""Accessibility of the built book beyond the per-page axe audit of ``test_book.py``.

- every image has an alt text that says what it shows (the rules of
  :func:`rnncourse.figures.alt.alt_problem`), and every figure drawn by a code cell names, with
  ``aria-describedby``, a text description of its data;
- the maths is readable by assistive technology: every typeset formula carries MathJax's hidden
  MathML (``mjx-assistive-mml``);
- each check fails on a planted fault (an unlabelled control and grey-on-grey text for axe, a
  file name as alt text, a formula without MathML).

Run after ``make book``.
"""

from __future__ import annotations

import re
from pathlib import Path

from a11y import axe_violations, describe

from rnncourse.figures.alt import alt_problem

_IMG = re.compile(r"<img\b[^>]*>")
_ATTR = re.compile(r'([a-zA-Z-]+)="([^"]*)"')


def _pages(site_dir: Path) -> list[Path]:
    return sorted(p for p in (site_dir / "book").rglob("*.html"))


def image_problems(html: str) -> list[str]:
    """What is wrong with the images of one built page (empty: every image is described)."""
    out = []
    for tag in _IMG.findall(html):
        attrs = dict(_ATTR.findall(tag))
        src = attrs.get("src", "?")
        if "alt" not in attrs:
            out.append(f"{src}: no alt attribute")
            continue
        problem = alt_problem(attrs["alt"])
        if problem and "_images/" in src:  # a figure drawn by the book (not a theme logo)
            out.append(f"{src}: alt text {attrs['alt'][:60]!r} is {problem}")
        if "_images/" in src:
            ref = attrs.get("aria-describedby")
            if not ref:
                out.append(f"{src}: no aria-describedby (text description)")
            elif not re.search(rf'<p id="{re.escape(ref)}">[^<]{{40,}}</p>', html):
                out.append(f"{src}: aria-describedby={ref!r} names no description of 40+ chars")
    return out


def test_every_figure_has_alt_text_and_a_description(site_dir: Path):
    problems, figures = [], 0
    for page in _pages(site_dir):
        html = page.read_text(encoding="utf-8")
        figures += html.count('src="../_images/') + html.count('src="../../_images/')
        problems += [f"{page.name}: {p}" for p in image_problems(html)]
    assert figures >= 40, f"expected the book's ~50 figures, found {figures}"
    assert not problems, f"{len(problems)} image problems:\n" + "\n".join(problems[:20])


def test_the_image_check_catches_bad_alt_text():
    ok = (
        '<img alt="Plot of loss against step: it falls" aria-describedby="figdesc-1" '
        'src="../_images/ab.png"/><p id="figdesc-1">' + "x axis: step, from 0 to 10. " * 3 + "</p>"
    )
    assert image_problems(ok) == []
    for bad in (
        '<img alt="../_images/fd2c8b0a1e2f3a4b5c6d.png" src="../_images/fd2c8b.png"/>',
        '<img alt="&lt;Figure size 640x480 with 1 Axes&gt;" src="../_images/a.png"/>',
        '<img alt="" src="../_images/a.png"/>',
        '<img src="../_images/a.png"/>',
        '<img alt="Plot of loss against step: it falls" src="../_images/a.png"/>',
    ):
        assert image_problems(bad), bad


def test_maths_carries_mathml_for_assistive_technology(open_page):
    page, problems = open_page("book/02_notation.html")
    counts = page.evaluate(
        """() => {
            const all = document.querySelectorAll("mjx-container");
            const mml = document.querySelectorAll("mjx-container > mjx-assistive-mml > math");
            return [all.length, mml.length];
        }"""
    )
    assert counts[0] > 10, counts
    assert counts[1] == counts[0], f"{counts[0] - counts[1]} of {counts[0]} formulas lack MathML"
    # The MathML says what the picture says (the first formula's text, in MathML form).
    first = page.locator("mjx-container > mjx-assistive-mml").first
    assert first.evaluate("e => e.querySelector('math').textContent.trim().length") > 0
    assert not problems, "\n".join(problems)


def test_axe_catches_an_unlabelled_control_and_low_contrast(open_page):
    page, _ = open_page("book/preface.html")
    assert axe_violations(page) == [], describe(axe_violations(page))
    page.evaluate(
        """() => {
            const main = document.querySelector("main");
            main.appendChild(document.createElement("select"));
            const p = document.createElement("p");
            p.textContent = "grey on grey";
            p.style.color = "#aaa";
            p.style.background = "#bbb";
            main.appendChild(p);
            const box = document.createElement("div");
            box.style.cssText = "overflow:auto;height:40px;width:80px";
            box.innerHTML = "<p>" + "scroll me ".repeat(40) + "</p>";
            main.appendChild(box);
        }"""
    )
    found = {v["id"] for v in axe_violations(page)}
    assert {"select-name", "color-contrast", "scrollable-region-focusable"} <= found, describe(
        axe_violations(page)
    )
