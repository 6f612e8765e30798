"""Labels of the cell explorer's diagram stay readable: no text is crossed by an arrow.

Renders each ``CellExplorer`` view from the package (no built book needed) in Chromium and
measures, in SVG coordinates, every ``<text>`` box against every line segment of the diagram.
"""

from __future__ import annotations

import pytest

from rnncourse.widgets import CellExplorer

# For each text box, the line segments (polyline/line) that pass through it, shrunk by 1 px.
_CROSSINGS_JS = """
(svg) => {
  const segs = [];
  for (const pl of svg.querySelectorAll("polyline")) {
    const p = pl.getAttribute("points").trim().split(/\\s+/).map(s => s.split(",").map(Number));
    for (let i = 1; i < p.length; i++) segs.push([p[i - 1], p[i]]);
  }
  for (const l of svg.querySelectorAll("line")) {
    const a = n => Number(l.getAttribute(n));
    segs.push([[a("x1"), a("y1")], [a("x2"), a("y2")]]);
  }
  // Liang-Barsky: does segment a-b meet the rectangle?
  const hits = (a, b, r) => {
    let t0 = 0, t1 = 1;
    const dx = b[0] - a[0], dy = b[1] - a[1];
    const pq = [[-dx, a[0] - r.x0], [dx, r.x1 - a[0]], [-dy, a[1] - r.y0], [dy, r.y1 - a[1]]];
    for (const [p, q] of pq) {
      if (p === 0) { if (q < 0) return false; continue; }
      const t = q / p;
      if (p < 0) t0 = Math.max(t0, t); else t1 = Math.min(t1, t);
      if (t0 > t1) return false;
    }
    return true;
  };
  const out = [];
  for (const t of svg.querySelectorAll("text")) {
    const b = t.getBBox();
    if (!t.textContent.trim()) continue;
    const r = {x0: b.x + 1, x1: b.x + b.width - 1, y0: b.y + 1, y1: b.y + b.height - 1};
    if (segs.some(([a, c]) => hits(a, c, r))) out.push(t.textContent);
  }
  return out;
}
"""


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_no_arrow_crosses_a_label(browser, cell):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    try:
        page.set_content("<meta charset='utf-8'>" + CellExplorer(cell).to_html())
        svg = page.locator(".rnnw-root[data-mounted] .rnnw-panel svg").first
        svg.wait_for(timeout=15_000)
        crossed = svg.evaluate(_CROSSINGS_JS)
    finally:
        page.close()
    assert crossed == [], f"{cell} diagram: arrows run through the labels {crossed}"
