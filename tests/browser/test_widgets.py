"""The widgets in the BUILT book (``make book`` first): each one is driven by a control, in a real
browser without a kernel, and its view must change. Uses the fixtures of ``conftest.py``.

A widget's view is either inline (``text/html`` output) or inside an ``iframe.rnnw-frame`` (the
ipywidgets view rendered by the html-manager); both are searched.
"""

from __future__ import annotations

import pytest

# Generous: with two browser workers on two shared cores a page can take long to go idle; the
# wait ends as soon as it does, so only a slow page pays it.
SETTLE_MS = 60_000


def _view(page, kind: str, index: int = 0):
    """Locator of the index-th mounted widget view of ``kind`` on the page or in its frames."""
    page.wait_for_load_state("networkidle", timeout=SETTLE_MS)
    selector = f'.rnnw-root[data-kind="{kind}"][data-mounted]'
    found = []
    for _ in range(SETTLE_MS // 300):
        found = []
        for frame in page.frames:
            loc = frame.locator(selector)
            found.extend(loc.nth(i) for i in range(loc.count()))
        if len(found) > index:
            return found[index]
        page.wait_for_timeout(300)
    raise AssertionError(
        f"no mounted {kind!r} widget view #{index} on {page.url} (found {len(found)})"
    )


def _nudge(slider, key: str = "ArrowRight", times: int = 1) -> None:
    slider.focus()
    for _ in range(times):
        slider.press(key)


def _clean(problems: list[str]) -> list[str]:
    return [p for p in problems if "rnnw" in p or "page error" in p]


def test_cell_explorers_lstm_and_gru(open_page):
    for chapter, kind_key in (("book/09_lstm.html", "c"), ("book/08_gru.html", "h")):
        page, problems = open_page(chapter)
        view = _view(page, "cell")
        cell_value = view.locator(f"td.rnnw-out-{kind_key}")
        before = cell_value.text_content()
        diagram_before = view.locator("svg").inner_html()
        _nudge(view.locator(".rnnw-axis-x input[type=range]"), "ArrowLeft", 3)
        after = cell_value.text_content()
        assert after != before, f"{chapter}: moving x_t did not change {kind_key}_t ({before})"
        assert view.locator("svg").inner_html() != diagram_before
        _nudge(view.locator(".rnnw-axis-b input[type=range]"), "ArrowRight", 2)
        assert cell_value.text_content() != after, f"{chapter}: the bias slider did nothing"
        assert not _clean(problems), "\n".join(problems)


def test_gate_inspector_time_scrub_and_unit(open_page):
    page, problems = open_page("book/09_lstm.html")
    view = _view(page, "inspector")
    readout = view.locator(".rnnw-readout")
    before = readout.inner_text()
    _nudge(view.locator(".rnnw-time input[type=range]"), "ArrowRight", 4)
    after = readout.inner_text()
    assert "t = 4" in after
    assert after != before
    assert view.locator(".rnnw-tokens span.rnnw-cur").get_attribute("data-t") == "4"
    series = view.locator("svg.rnnw-series").inner_html()
    unit = int(view.locator(".rnnw-unit .rnnw-val").text_content())
    _nudge(view.locator(".rnnw-unit input[type=range]"), "ArrowRight", 1)
    assert f"unit {unit + 1} at t = 4" in readout.inner_text()
    assert view.locator("svg.rnnw-series").inner_html() != series
    assert not _clean(problems), "\n".join(problems)


def test_gradient_flow_radius_and_clipping(open_page):
    page, problems = open_page("book/07_vanishing_gradients.html")
    view = _view(page, "gradflow")
    curve = view.locator("polyline.rnnw-curve-rnn")
    before = curve.get_attribute("points")
    _nudge(view.locator(".rnnw-radius input[type=range]"), "ArrowRight", 3)
    after = curve.get_attribute("points")
    assert after != before, "changing the spectral radius did not move the RNN curve"
    view.locator(".rnnw-clip input[type=checkbox]").check()
    assert "→" in view.locator(".rnnw-read-rnn").inner_text()
    assert not _clean(problems), "\n".join(problems)


def test_interpretable_viewer_feature_search(open_page):
    page, problems = open_page("book/12_looking_inside.html")
    view = _view(page, "interpret")
    first = view.locator(".rnnw-text span").nth(5)
    colours_before = [
        view.locator(".rnnw-text span").nth(i).evaluate("e => e.style.background")
        for i in range(0, 60, 6)
    ]
    unit_before = view.locator(".rnnw-unit .rnnw-val").text_content()
    view.locator("select.rnnw-feature").select_option("line_position")
    chips = view.locator(".rnnw-ranking button.rnnw-chip")
    assert chips.count() >= 2
    chips.nth(1).click()
    unit_after = view.locator(".rnnw-unit .rnnw-val").text_content()
    assert unit_after == chips.nth(1).get_attribute("data-unit")
    if unit_after == unit_before:  # the search happened to pick the shown unit: move on
        _nudge(view.locator(".rnnw-unit input[type=range]"), "ArrowRight")
    colours_after = [
        view.locator(".rnnw-text span").nth(i).evaluate("e => e.style.background")
        for i in range(0, 60, 6)
    ]
    assert colours_after != colours_before
    assert "t = 5" in first.get_attribute("title")
    assert not _clean(problems), "\n".join(problems)


@pytest.mark.parametrize("chapter", ["book/12_looking_inside.html"])
def test_inspector_in_looking_inside(open_page, chapter):
    page, problems = open_page(chapter)
    view = _view(page, "inspector")
    heat = view.locator("canvas.rnnw-map").first
    box = heat.bounding_box()
    heat.click(position={"x": box["width"] * 0.5, "y": 1})
    assert "t = 0" not in view.locator(".rnnw-readout").inner_text()
    assert not _clean(problems), "\n".join(problems)


def test_attention_explorer_example_and_model(open_page):
    page, problems = open_page("book/13_attention.html")
    view = _view(page, "attention")
    output = view.locator(".rnnw-text").first
    before = output.inner_text()
    grid_before = view.locator("table").inner_html()
    view.locator("select").select_option(index=5)
    assert output.inner_text() != before, "picking another example did not change the output"
    grid = view.locator("table").inner_html()
    assert grid != grid_before
    view.locator("button.rnnw-chip").nth(1).click()
    assert "rnnw-on" in view.locator("button.rnnw-chip").nth(1).get_attribute("class")
    assert view.locator("table").inner_html() != grid, "switching the model changed nothing"
    assert not _clean(problems), "\n".join(problems)
