"""Layout of every chapter at a desktop width (1280 px) and a phone width (390 px).

Display equations, code outputs, images and widgets must fit the text column, no heading may be
cut off, and the page must not scroll sideways. Each page is opened once, by
``test_book.py::test_chapter_renders_offline_and_fits``, measured at 1280 px and then narrowed to
390 px and measured again: an overflow at either width fails the test (formulas wider than a
phone's column are set smaller by ``rnncourse-fit-math.js``; what overflowed at 390 px is also
written to ``_build/layout-390px.txt``). This module checks that the measurement itself catches
each kind of overflow. Run after ``make book``, like the other browser tests.
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
            const w = document.createElement("div");
            w.className = "rnnw-root";
            w.style.overflowX = "auto";
            w.innerHTML = "<div style='width:2000px'>wide widget</div>";
            main.appendChild(w);
            const h = document.createElement("h2");
            h.textContent = "x".repeat(300);
            h.style.whiteSpace = "nowrap";
            h.style.overflow = "hidden";
            main.appendChild(h);
            const span = document.createElement("span");
            span.style.cssText = "display:inline-block;width:5000px";
            span.textContent = "pushes the page";
            main.appendChild(span);
        }"""
    )
    report = "\n".join(measure_layout(page))
    for kind in ("output", "image", "equation", "widget", "heading", "page"):
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
