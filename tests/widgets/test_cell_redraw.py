"""A weight slider of the cell explorer redraws the view; the view's own controls keep their values.

In live Jupyter a Python slider (``CellExplorer.set_weight``) recomputes the grid and replaces
the view's iframe (``WidgetBase._redraw``). This test does exactly that in headless Chromium:
move the browser-side x_t and bias sliders, replace the iframe with the one rendered after
``set_weight``, and check the new view starts where the reader left it, showing the values the
new weights give there.
"""

from __future__ import annotations

import os

import pytest

from rnncourse.widgets import CellExplorer

sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = os.environ.get("RNNCOURSE_CHROMIUM", "/usr/bin/chromium")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def page():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"no Chromium at {CHROMIUM} (make browser-deps, or set RNNCOURSE_CHROMIUM)")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page()
        yield page
        browser.close()


def _show(page, explorer: CellExplorer) -> object:
    """Replace the host's content by the explorer's iframe (what _redraw does); its frame."""
    page.evaluate(
        "html => { document.getElementById('host').innerHTML = html; }", explorer.to_iframe()
    )
    page.wait_for_function(
        "() => { const f = document.querySelector('#host iframe');"
        " return f && f.contentDocument && f.contentDocument.querySelector('.rnnw-table'); }"
    )
    return page.frame_locator("#host iframe")


def _slider(frame, name: str):
    return frame.locator(f".rnnw-axis-{name} input[type=range]")


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_weight_change_keeps_the_view_sliders(page, cell):
    page.set_content("<div id='host'></div>")
    explorer = CellExplorer(cell)
    frame = _show(page, explorer)
    x0, b0 = (int(_slider(frame, n).input_value()) for n in ("x", "b"))
    for name, key, times in (("x", "ArrowLeft", 3), ("b", "ArrowRight", 1)):
        _slider(frame, name).focus()
        for _ in range(times):
            page.keyboard.press(key)
    x1, b1 = (int(_slider(frame, n).input_value()) for n in ("x", "b"))
    assert (x1, b1) == (x0 - 3, b0 + 1)

    gate = "i" if cell == "lstm" else "n"
    explorer.set_weight("wx", gate, 3.5)  # a Python weight slider moved
    frame = _show(page, explorer)
    assert int(_slider(frame, "x").input_value()) == x1, "x_t slider reset by the redraw"
    assert int(_slider(frame, "b").input_value()) == b1, "bias slider reset by the redraw"
    # and the view shows the new weights' values at that point
    x, b = explorer.axes["x"][x1], explorer.axes["b"][b1]
    h_idx = int(_slider(frame, "h").input_value())
    c_prev = None
    if cell == "lstm":
        c_prev = explorer.axes["c"][int(_slider(frame, "c").input_value())]
    expected = explorer.at(x, explorer.axes["h"][h_idx], c_prev, forget_bias=b)["h"]
    shown = float(frame.locator("td.rnnw-out-h").text_content())
    assert shown == pytest.approx(expected, abs=6e-3)


def test_each_explorer_keeps_its_own_positions():
    a, b = CellExplorer("lstm"), CellExplorer("lstm")
    assert a.view_id != b.view_id
    before = a.view_id
    a.set_weight("wh", "f", -2.0)
    assert a.view_id == before
    assert before in a.to_html()
