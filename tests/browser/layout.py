"""Measuring a page's layout against its text column (for ``test_book.py``, ``test_layout.py``).

Four things must fit the text column: display equations, code outputs, images and widgets
(``.rnnw-root``: nothing inside a widget may make it scroll sideways); and the page itself must not
scroll sideways (a long inline name, a table, a heading).
"""

from __future__ import annotations

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
    // widgets: the view itself must fit (an inner table may scroll, in a named, focusable region)
    for (const el of document.querySelectorAll(".rnnw-root")) {
        const r = el.getBoundingClientRect();
        if (el.scrollWidth > el.clientWidth + slack || r.right > colRect.right + slack) {
            out.push({kind: "widget", need: el.scrollWidth, have: Math.round(colRect.width),
                      text: (el.getAttribute("data-kind") || "") + " " + label(el)});
        }
    }
    // the page: no sideways scrolling of the whole document, and what sticks out of the column
    const doc = document.documentElement;
    if (doc.scrollWidth > doc.clientWidth + slack) {
        const culprits = [];
        for (const el of column.querySelectorAll("*")) {
            const r = el.getBoundingClientRect();
            if (r.width > 0 && r.right > doc.clientWidth + slack && culprits.length < 3) {
                culprits.push(el.tagName.toLowerCase() + ": " + label(el));
            }
        }
        out.push({kind: "page", need: doc.scrollWidth, have: doc.clientWidth,
                  text: culprits.join(" | ")});
    }
    // headings cut off: wider than the column or clipped by it
    for (const h of column.querySelectorAll("h1, h2, h3")) {
        if (h.scrollWidth > h.clientWidth + slack) {
            out.push({kind: "heading", need: h.scrollWidth, have: h.clientWidth, text: label(h)});
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
