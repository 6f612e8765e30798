"""Layout of every chapter at a desktop width (1280 px) and a phone width (390 px).

Three things must fit the text column: display equations, code outputs and images. Each page is
opened once, by ``test_book.py::test_chapter_renders_offline_and_fits``: at 1280 px any of them
that is wider than the column fails the test (a reader would have to scroll an output sideways, or
an equation would be cut off); the page is then narrowed to 390 px and what overflows there is
reported in ``_build/layout-390px.txt`` without failing, since a long equation cannot always fit a
phone (the ``phone_layout`` fixture of ``conftest.py`` writes it). This module checks that the
measurement itself catches each kind of overflow. Run after ``make book``, like the other browser
tests.
"""

from __future__ import annotations

from layout import DESKTOP, measure_layout


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
