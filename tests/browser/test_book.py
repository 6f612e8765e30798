"""Open every page of the built book in headless Chromium and fail on anything broken.

Run after ``make book`` (``make test-browser``). Each page in ``_toc.yml`` is opened once and
checked for everything a reader meets: no request leaves the local server, no console error, page
error, failed request or HTTP >= 400, math typeset by the vendored MathJax 3 without errors, every
ipywidgets view rendered by the vendored html-manager, a layout that fits the text column at
1280 px and at 390 px (a phone; see ``test_layout.py``), and no serious or critical axe-core
violation of the WCAG 2.0/2.1 A and AA rules at either width (``a11y.py``; theme included).
``RNNCOURSE_SCREENSHOTS=1`` also saves a full-page screenshot of each page
under ``_build/screenshots/`` for a human to look at (off by default: it costs as much time as
opening the pages).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml
from a11y import axe_violations, describe
from layout import DESKTOP, PHONE, measure_layout

ROOT = Path(__file__).resolve().parents[2]


def _toc_files() -> list[str]:
    """Document names listed in _toc.yml, in reading order (root first)."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]]

    def walk(entries: list[dict]) -> None:
        for entry in entries:
            if "file" in entry:
                files.append(entry["file"])
            for key in ("chapters", "sections", "parts"):
                walk(entry.get(key, []))

    walk(toc.get("parts", []) + toc.get("chapters", []))
    return files


TOC_FILES = _toc_files()
SCREENSHOTS = os.environ.get("RNNCOURSE_SCREENSHOTS") == "1"
# Sphinx's own pages, checked for errors too (no screenshot).
EXTRA_PAGES = ["index.html", "genindex.html", "search.html"]


@pytest.mark.parametrize("docname", TOC_FILES)
def test_chapter_renders_offline_and_fits(
    docname: str, open_page, site_dir: Path, screenshot_dir: Path, phone_layout: dict
):
    html = site_dir / f"{docname}.html"
    assert html.is_file(), f"{html} was not built; is {docname} in _toc.yml but not in book/?"
    page, problems = open_page(f"{docname}.html", width=DESKTOP)
    if SCREENSHOTS:
        page.screenshot(path=str(screenshot_dir / f"{Path(docname).name}.png"), full_page=True)
    assert page.locator("main h1").count() >= 1, f"{docname}: no <h1> title in the page body"
    assert not problems, f"{docname}:\n" + "\n".join(problems)
    _fits_and_passes_axe(page, docname, phone_layout)


def _fits_and_passes_axe(page, name: str, phone_layout: dict) -> None:
    """The open page at 1280 px, then narrowed to 390 px: fits, and no serious/critical axe."""
    failures = []
    for width in (DESKTOP, PHONE):
        if width != DESKTOP:
            # CSS media queries re-lay the page out; wait for the reflow before measuring
            page.set_viewport_size({"width": width, "height": 900})
            page.evaluate("() => new Promise(r => requestAnimationFrame(() => setTimeout(r, 50)))")
        overflows = measure_layout(page)
        if width == PHONE:
            phone_layout[name] = overflows
        failures += [f"{width} px layout: {o}" for o in overflows]
        failures += [f"{width} px axe: {line}" for line in describe(axe_violations(page))]
    assert not failures, f"{name}:\n" + "\n".join(failures)


@pytest.mark.parametrize("path", EXTRA_PAGES)
def test_site_page_renders_offline(path: str, open_page, phone_layout: dict):
    page, problems = open_page(path)
    assert not problems, f"{path}:\n" + "\n".join(problems)
    _fits_and_passes_axe(page, path, phone_layout)


def test_no_page_outside_the_toc(site_dir: Path):
    built = {
        p.relative_to(site_dir).with_suffix("").as_posix() for p in site_dir.glob("book/**/*.html")
    }
    assert built == set(TOC_FILES), (
        f"pages built but not in _toc.yml: {sorted(built - set(TOC_FILES))}"
    )


def test_html_never_points_at_a_cdn(site_dir: Path):
    # A static complement to the request blocking: no script or stylesheet tag with a remote URL.
    remote = re.compile(r"<(?:script|link)[^>]+(?:src|href)=\"(?:https?:)?//[^\"]+\"")
    offenders = {}
    for html in site_dir.rglob("*.html"):
        if "_static" in html.parts:
            continue
        found = remote.findall(html.read_text(encoding="utf-8", errors="replace"))
        if found:
            offenders[html.relative_to(site_dir).as_posix()] = found[:3]
    assert not offenders, f"remote scripts/styles referenced: {offenders}"


def test_math_page_is_typeset_by_local_mathjax(open_page):
    page, problems = open_page("book/02_notation.html")
    assert page.locator("mjx-container").count() > 10, (
        "the notation chapter should show many symbols"
    )
    src = page.evaluate(
        "() => Array.from(document.scripts).map(s => s.src).filter(s => /mathjax/i.test(s))"
    )
    assert src, src
    assert all("/_static/mathjax/" in s for s in src), src
    assert not problems, "\n".join(problems)


def test_solutions_are_hidden_until_clicked(open_page):
    page, problems = open_page("book/03_rnn_model.html")
    toggles = page.locator(".admonition.dropdown")
    assert toggles.count() >= 1, "chapter 3 should have 'Check your understanding' dropdowns"
    first = toggles.first
    body = first.locator(".admonition-title ~ *").first
    assert not body.is_visible(), "a solution is visible before it was clicked"
    first.locator("button.toggle-button, .admonition-title").first.click()
    body.wait_for(state="visible", timeout=5_000)
    assert not problems, "\n".join(problems)


def test_the_checks_catch_what_they_claim_to(open_page):
    # Guard against a vacuous test: provoke each kind of problem on a real page and make sure the
    # open_page fixture reports it.
    page, problems = open_page("book/preface.html")
    assert not problems, "\n".join(problems)
    page.evaluate(
        """async () => {
            await fetch("https://cdn.example.org/lib.js").catch(() => null);
            await fetch("missing-file.png").catch(() => null);
            console.error("provoked console error");
            setTimeout(() => { throw new Error("provoked page error"); }, 0);
            await new Promise((resolve) => setTimeout(resolve, 200));
        }"""
    )
    report = "\n".join(problems)
    assert "request to another host blocked: https://cdn.example.org/lib.js" in report, report
    assert "HTTP 404" in report, report
    assert "missing-file.png" in report, report
    assert "console error: provoked console error" in report, report
    assert "page error:" in report, report
    assert "provoked page error" in report, report


def test_math_check_catches_errors_and_untypeset_math(open_page, check_math):
    page, problems = open_page("book/03_rnn_model.html")
    assert not check_math(page)
    page.evaluate(
        """async () => {
            const bad = document.createElement("span");
            bad.className = "math";
            bad.textContent = "\\\\(\\\\frac{1}\\\\)";
            document.querySelector("main").appendChild(bad);
            await MathJax.typesetPromise([bad]);
            const raw = document.createElement("span");
            raw.className = "math";
            raw.textContent = "never typeset";
            document.querySelector("main").appendChild(raw);
        }"""
    )
    report = "\n".join(check_math(page))
    assert "mjx-merror" in report, report
    assert "not typeset" in report, report
    assert "never typeset" in report, report
