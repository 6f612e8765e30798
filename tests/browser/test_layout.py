"""Layout of every chapter at a desktop width (1280 px) and a phone width (390 px).

Three things must fit the text column: display equations, code outputs and images. At 1280 px any
of them that is wider than the column fails the test (a reader would have to scroll an output
sideways, or an equation would be cut off); at 390 px they are measured and reported in
``_build/layout-390px.txt`` without failing, since a long equation cannot always fit a phone.
Run after ``make book``, like the other browser tests.
"""

from __future__ import annotations

import pytest
from test_book import ROOT, TOC_FILES

DESKTOP, PHONE = 1280, 390
SLACK_PX = 1  # sub-pixel rounding

# One pass over the page in the browser. The column is the article body; each check compares an
# element's natural width with the width it is given.
MEASURE_JS = """(slack) => {
    const out = [];
    const column = document.querySelector("main article") || document.querySelector("main");
    if (!column) return [{kind: "page", need: 0, have: 0, text: "no <main> element"}];
    const colRect = column.getBoundingClientRect();
    const label = (el) => (el.textContent || el.getAttribute("src") || "").trim()
        .replace(/\\s+/g, " ").slice(0, 60);
    // display equations: the typeset math against the box MathJax was given
    for (const box of document.querySelectorAll('mjx-container[display="true"]')) {
        const math = box.querySelector("mjx-math");
        if (!math) continue;
        const need = math.getBoundingClientRect().width;
        const have = Math.min(box.getBoundingClientRect().width, colRect.width);
        if (need > have + slack) {
            out.push({kind: "equation", need: Math.round(need), have: Math.round(have),
                      text: label(box.closest(".math") || box)});
        }
    }
    // code outputs that scroll sideways
    const outputs = document.querySelectorAll(
        ".cell_output pre, .output pre, div.output_area pre, .cell_output .output");
    for (const el of outputs) {
        if (el.scrollWidth > el.clientWidth + slack) {
            out.push({kind: "output", need: el.scrollWidth, have: el.clientWidth,
                      text: label(el)});
        }
    }
    // images wider than the column (or sticking out of it)
    for (const img of column.querySelectorAll("img")) {
        const r = img.getBoundingClientRect();
        if (r.width === 0) continue;
        if (r.width > colRect.width + slack || r.right > colRect.right + slack) {
            out.push({kind: "image", need: Math.round(r.width), have: Math.round(colRect.width),
                      text: label(img)});
        }
    }
    return out;
}"""


def measure_layout(page: object) -> list[str]:
    """Human-readable overflows on an open page (empty list: everything fits the column)."""
    found = page.evaluate(MEASURE_JS, SLACK_PX)
    return [f"{f['kind']} needs {f['need']} px, has {f['have']} px: {f['text']!r}" for f in found]


@pytest.mark.parametrize("docname", TOC_FILES)
def test_nothing_wider_than_the_column_at_1280px(docname: str, open_page):
    page, _ = open_page(f"{docname}.html", width=DESKTOP)
    overflows = measure_layout(page)
    assert not overflows, f"{docname} at {DESKTOP} px:\n" + "\n".join(overflows)


def test_layout_at_390px_is_reported(open_page, site_dir):
    lines = []
    for docname in TOC_FILES:
        if not (site_dir / f"{docname}.html").is_file():
            continue  # reported by test_book.py
        page, _ = open_page(f"{docname}.html", width=PHONE)
        overflows = measure_layout(page)
        lines += [f"{docname}: {o}" for o in overflows]
        page.context.close()
    report = ROOT / "_build" / f"layout-{PHONE}px.txt"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text("\n".join(lines) + "\n" if lines else "nothing overflows\n")
    print(f"{len(lines)} overflows at {PHONE} px, listed in {report}")


def test_the_layout_check_catches_each_kind(open_page):
    # Guard against a vacuous check: plant one overflow of each kind on a clean page.
    page, _ = open_page("book/preface.html", width=DESKTOP)
    assert measure_layout(page) == []
    page.evaluate(
        """async () => {
            const main = document.querySelector("main article") || document.querySelector("main");
            const out = document.createElement("div");
            out.className = "cell_output";
            const pre = document.createElement("pre");
            pre.textContent = "x".repeat(400);
            pre.style.whiteSpace = "pre";  // the book's CSS wraps outputs; force one that does not
            out.appendChild(pre);
            main.appendChild(out);
            const img = document.createElement("img");
            img.src = "data:image/gif;base64,"
                + "R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7";
            img.style.display = "block";
            img.style.width = "3000px";
            img.style.maxWidth = "none";
            main.appendChild(img);
            const eq = document.createElement("div");
            eq.className = "math";
            eq.textContent = "\\\\[" + "a + ".repeat(200) + "a\\\\]";
            main.appendChild(eq);
            await MathJax.typesetPromise([eq]);
        }"""
    )
    report = "\n".join(measure_layout(page))
    for kind in ("output", "image", "equation"):
        assert f"{kind} needs" in report, report


def test_long_printed_lines_wrap_in_the_column(open_page):
    # The book's stylesheet wraps a printed line longer than the column instead of letting the
    # output scroll sideways; the same planted line without the override must not be reported.
    page, _ = open_page("book/preface.html", width=DESKTOP)
    page.evaluate(
        """() => {
            const main = document.querySelector("main article") || document.querySelector("main");
            const out = document.createElement("div");
            out.className = "cell_output";
            const pre = document.createElement("pre");
            pre.textContent = "a long printed line ".repeat(40);
            out.appendChild(pre);
            main.appendChild(out);
        }"""
    )
    assert measure_layout(page) == []
