"""Every kind of widget in the BUILT book, used with the keyboard alone (``make book`` first).

For one widget of each kind: Tab from the top of the page until the focus enters the widget,
then operate each control with the keys a keyboard user has (arrows on sliders and selects,
Space on check boxes and buttons, Enter on the "numbers behind the picture" disclosure); every
step must change the view, and the focused control must show a visible focus ring. The
numbers behind the picture must appear as a table on request.
"""

from __future__ import annotations

import pytest

MAX_TABS = 600
SETTLE_MS = 60_000  # ends as soon as the view mounts; generous for two workers on two cores


def _root(page, kind: str):
    root = page.locator(f'.rnnw-root[data-kind="{kind}"][data-mounted]').first
    root.wait_for(timeout=SETTLE_MS)
    return root


def _tab_into(page, root) -> None:
    """Press Tab from the top of the page until the focus is inside ``root``."""
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if root.evaluate("(r) => r.contains(document.activeElement)"):
            return
    raise AssertionError(f"{MAX_TABS} presses of Tab never reached the widget")


def _focused(page) -> dict:
    return page.evaluate(
        """() => {
            const e = document.activeElement, s = getComputedStyle(e);
            return {tag: e.tagName.toLowerCase(), type: e.type || "", cls: e.className || "",
                    text: (e.textContent || "").trim().slice(0, 40),
                    outline: s.outlineStyle, width: parseFloat(s.outlineWidth)};
        }"""
    )


def _ring(page) -> dict:
    f = _focused(page)
    assert f["outline"] != "none", f"no visible focus ring on {f}"
    assert f["width"] >= 2, f"no visible focus ring on {f} (thinner than 2 px)"
    return f


def _next(page, root, tag: str, type_: str = "") -> dict:
    """Tab to the next control of ``tag`` (and input ``type_``) inside the widget."""
    for _ in range(30):
        page.keyboard.press("Tab")
        assert root.evaluate("(r) => r.contains(document.activeElement)"), "left the widget"
        f = _focused(page)
        if f["tag"] == tag and (not type_ or f["type"] == type_):
            return _ring(page)
    raise AssertionError(f"no {tag} {type_} reachable with Tab in the widget")


def _view(root) -> str:
    return root.evaluate("(r) => r.querySelector('.rnnw-body').innerHTML")


def _numbers_on_request(page, root) -> None:
    """Tab to the "Numbers behind ..." summary, press Enter: a table with numbers appears."""
    for _ in range(40):
        page.keyboard.press("Tab")
        if _focused(page)["tag"] == "summary":
            break
    else:
        raise AssertionError("no 'numbers behind the picture' disclosure reachable with Tab")
    _ring(page)
    page.keyboard.press("Enter")
    table = root.locator("details.rnnw-numbers[open] table").first
    table.wait_for(timeout=5_000)
    cells = table.locator("td").all_inner_texts()
    assert len(cells) >= 3, cells
    assert any(any(ch.isdigit() for ch in c) for c in cells), cells[:10]


def _changes(page, root, key: str) -> None:
    before = _view(root)
    page.keyboard.press(key)
    assert _view(root) != before, f"{key} on {_focused(page)} did not change the view"


@pytest.mark.parametrize(
    ("chapter", "kind"),
    [
        ("book/09_lstm.html", "cell"),
        ("book/09_lstm.html", "inspector"),
        ("book/07_vanishing_gradients.html", "gradflow"),
        ("book/12_looking_inside.html", "interpret"),
        ("book/13_attention.html", "attention"),
    ],
)
def test_keyboard_walk(open_page, chapter, kind):
    page, problems = open_page(chapter)
    root = _root(page, kind)
    _tab_into(page, root)
    first = _ring(page)
    if kind in ("cell", "inspector", "gradflow", "interpret"):
        assert first["type"] == "range", f"the first control should be a slider, got {first}"
        _changes(page, root, "ArrowRight")
        _changes(page, root, "ArrowLeft")
    if kind == "cell":
        _next(page, root, "input", "range")
        _changes(page, root, "ArrowRight")
    if kind == "inspector":
        _next(page, root, "input", "range")  # the unit
        _changes(page, root, "ArrowRight")
    if kind == "gradflow":
        _next(page, root, "input", "checkbox")
        _changes(page, root, "Space")
        assert "→" in root.locator(".rnnw-read-rnn").inner_text()
        _next(page, root, "select")
        _changes(page, root, "ArrowDown")
    if kind == "interpret":
        _next(page, root, "select")
        _changes(page, root, "ArrowDown")
        chip = _next(page, root, "button")
        assert "unit" in chip["text"]
        before = root.locator(".rnnw-unit .rnnw-val").inner_text()
        page.keyboard.press("Enter")
        # Enter picks the unit of the focused chip (the first chip may be the shown unit)
        pressed = root.locator('button.rnnw-chip[aria-pressed="true"]').inner_text()
        assert f"unit {root.locator('.rnnw-unit .rnnw-val').inner_text()} " in pressed + " "
        assert before is not None
    if kind == "attention":
        assert first["tag"] == "select", f"the first control should be the example, got {first}"
        _changes(page, root, "ArrowDown")
        _next(page, root, "button")
        page.keyboard.press("Tab")  # the second model
        assert _focused(page)["tag"] == "button"
        _changes(page, root, "Space")
        assert root.locator('button.rnnw-chip[aria-pressed="true"]').count() == 1
    if kind == "cell":  # its numbers stand in a table beside the diagram
        assert root.locator("td.rnnw-out-h").inner_text().strip()
        assert root.locator('svg[role="img"]').get_attribute("aria-label").count("=") >= 4
    else:
        _numbers_on_request(page, root)
    assert not [p for p in problems if "page error" in p], "\n".join(problems)


def test_the_walk_fails_without_a_focus_ring(open_page):
    # Planted: the same walk on a page whose focus ring was removed must fail.
    page, _ = open_page("book/07_vanishing_gradients.html")
    page.add_style_tag(
        content=".rnnw-root :focus-visible, .rnnw-root :focus { outline: none !important }"
    )
    root = _root(page, "gradflow")
    _tab_into(page, root)
    with pytest.raises(AssertionError, match="no visible focus ring"):
        _ring(page)
