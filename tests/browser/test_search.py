"""Search in the built book shows a snippet of text with each hit, over http and from disk.

From ``file://`` the browser refuses the search page's fetch of each hit's page; the page text
written by ``book/_ext/rnncourse_a11y.py`` (``_static/rnncourse-pagetext.js``) answers it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

QUERY = "vanishing gradient"


def _results(browser, url: str, blank_text: bool = False) -> list[str]:
    context = browser.new_context()
    try:
        page = context.new_page()
        if blank_text:  # planted: the page text is missing
            page.add_init_script(
                "Object.defineProperty(window, 'RNNCOURSE_PAGE_TEXT', {value: {}})"
            )
        page.goto(url + "search.html?q=" + QUERY.replace(" ", "+"), wait_until="load")
        page.locator("#search-results ul.search li").first.wait_for(timeout=30_000)
        page.wait_for_function(
            "() => document.querySelector('#search-results')"
            " && /found/.test(document.querySelector('#search-results').innerText)",
            timeout=30_000,
        )
        page.wait_for_timeout(500)  # the snippets arrive after the list
        return page.locator("#search-results ul.search li p.context").all_inner_texts()
    finally:
        context.close()


@pytest.mark.parametrize("scheme", ["file", "http"])
def test_search_results_have_snippets(browser, site_dir: Path, site_url: str, scheme: str):
    url = site_dir.resolve().as_uri() + "/" if scheme == "file" else site_url
    snippets = _results(browser, url)
    assert len(snippets) >= 3, snippets
    assert sum("vanishing" in s.lower() for s in snippets) >= 3, snippets[:5]


def test_without_the_page_text_there_are_no_snippets_from_disk(browser, site_dir: Path):
    # Planted: the offline snippets come from the page text and from nowhere else.
    assert _results(browser, site_dir.resolve().as_uri() + "/", blank_text=True) == []
