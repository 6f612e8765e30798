"""Sphinx extension: the book's accessibility and offline touches that need the build.

- Figures. myst-nb 1.4 takes an image's ``alt`` only from the cell's metadata
  (``mystnb: image: alt:``, one text per cell) and keeps only ``width``/``height`` of an output's
  metadata. The book's figures carry their own text alternatives in their output metadata
  (``{"image/png": {"alt": ..., "description": ...}}``, written by the display hook of
  :mod:`rnncourse.figures.alt`). This extension makes myst-nb's image renderer use them: the
  ``alt`` becomes the image's alt text, the description a collapsed "Describe this figure in
  words" text below it that the image names with ``aria-describedby``.
- Downloads. A link to a notebook (``.ipynb``) gets the ``download`` attribute, so it downloads
  rather than opens as text. From ``file://`` browsers ignore that attribute; after the build
  every notebook of the site gets a twin script ``<name>.ipynb.js`` holding its text, which
  ``_static_book/rnncourse-downloads.js`` loads on a click and saves as a file.
- Search offline. Sphinx's search page fetches each hit's page to show a snippet; from
  ``file://`` the browser refuses the fetch. After the build the text of every page is written
  to ``_static/rnncourse-pagetext.js`` (a script, which ``file://`` pages may load), and
  ``rnncourse-search-offline.js`` answers the search page's fetches from it when the site is
  opened from disk.
- Theme (sphinx-book-theme on pydata-sphinx-theme), for WCAG 2.1 AA without vendoring it: the
  search button's template (``templates/search-button-field.html``) drops the
  ``aria-label`` that hid its visible label "Search Ctrl+K" from its accessible name, and the
  colour-mode button's icons lose the titles that were read as its text; each
  collapsible ``<summary>`` of the sidebar is named after the page whose sections it shows; the
  bibliography's entries are list items of their ``role="list"`` (sphinxcontrib-bibtex
  writes the deprecated ``doc-biblioentry``, which is no list item); the ``<summary>`` of every
  hidden cell (myst-nb's ``hide-input``/``hide-output`` tags) loses the ``aria-label`` "Toggle
  hidden content", so its accessible name is its visible label ("Show code cell source"), as
  WCAG 2.5.3 (label in name) asks.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx

DESCRIBED = "rnncourse-describedby-"


def _patch_image_renderer() -> None:
    from myst_nb.core.render import NbElementRenderer

    if getattr(NbElementRenderer.render_image, "_rnncourse", False):
        return
    original = NbElementRenderer.render_image

    def render_image(self, data):
        out = original(self, data)
        meta = data.output_metadata.get(data.mime_type, {})
        image = out[0] if out and isinstance(out[0], nodes.image) else None
        if image is None or not isinstance(meta, dict):
            return out
        if meta.get("alt") and not image.get("alt"):
            image["alt"] = str(meta["alt"])
        text = str(meta.get("description") or "").strip()
        if not text:
            return out
        key = f"{data.cell_index}-{data.output_index}-{data.line}-{text}".encode()
        ident = f"figdesc-{hashlib.sha1(key).hexdigest()[:12]}"
        image["classes"].append(DESCRIBED + ident)
        details = (
            '<details class="rnncourse-figure-description">'
            "<summary>Describe this figure in words</summary>"
            f'<p id="{ident}">{html.escape(text)}</p></details>'
        )
        return [*out, nodes.raw("", details, format="html")]

    render_image._rnncourse = True
    NbElementRenderer.render_image = render_image


_IMG = re.compile(r"<img\b[^>]*>")
_DESCRIBED_CLASS = re.compile(r"\b" + DESCRIBED + r"(figdesc-[0-9a-f]+)\b")
_TOGGLE_LABEL = re.compile(r'(<summary\b[^>]*?)\s+aria-label="Toggle hidden content"')
_IPYNB_LINK = re.compile(r'(<a\b(?=[^>]*\bhref="[^"]+\.ipynb")(?![^>]*\bdownload\b)[^>]*?)>')


def _describe(match: re.Match) -> str:
    tag = match.group(0)
    found = _DESCRIBED_CLASS.search(tag)
    if not found or "aria-describedby" in tag:
        return tag
    tag = tag.replace(found.group(0), "")
    tag = re.sub(r'\s*class="\s*"', "", re.sub(r'class="\s+', 'class="', tag))
    return tag[:4] + f' aria-describedby="{found.group(1)}"' + tag[4:]


def rewrite_body(body: str) -> str:
    """Add ``aria-describedby`` to described figures and ``download`` to notebook links.

    Also names each bibliography entry a list item and lets each hidden cell's ``<summary>``
    take its name from its visible text.
    """
    body = _IMG.sub(_describe, body)
    body = body.replace('role="doc-biblioentry"', 'role="listitem"')
    body = _TOGGLE_LABEL.sub(r"\1", body)
    return _IPYNB_LINK.sub(r"\1 download>", body)


def name_toc_toggles(soup) -> None:
    """Give each sidebar ``<summary>`` (an icon only) the name "Sections of <page>"."""
    for summary in soup.select("li > details > summary"):
        if summary.get("aria-label") or summary.get_text(strip=True):
            continue
        link = summary.parent.find_previous_sibling("a")
        title = link.get_text(" ", strip=True) if link is not None else "this part"
        summary["aria-label"] = f"Sections of {title}"


def _wrap_toctree(context: dict) -> None:
    generate = context.get("generate_toctree_html")
    if generate is None or getattr(generate, "_rnncourse", False):
        return

    def wrapped(*args, **kwargs):
        out = generate(*args, **kwargs)  # a BeautifulSoup tree (cached: edited once)
        if hasattr(out, "select"):
            name_toc_toggles(out)
        return out

    wrapped._rnncourse = True
    context["generate_toctree_html"] = wrapped


def on_page(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Rewrite the page body; give the search page its offline snippets."""
    if "body" in context:
        context["body"] = rewrite_body(context["body"])
    _wrap_toctree(context)
    if pagename == "search":
        app.add_js_file("rnncourse-pagetext.js")
        app.add_js_file("rnncourse-search-offline.js")


def page_text(page_html: str) -> str:
    """Return the searchable part of a page: the sections and text of ``[role=main]``."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(page_html, "html.parser")
    main = soup.select_one('[role="main"]')
    if main is None:
        return ""
    for el in main.select(
        "script, style, .headerlink, .rnnw-root, details.rnncourse-figure-description"
    ):
        el.decompose()
    for el in main.find_all(True):
        if el.name == "section" and el.get("id"):
            el.attrs = {"id": el["id"]}
        else:
            el.unwrap()
    inner = re.sub(r"\s+", " ", "".join(str(c) for c in main.contents))
    return f'<div role="main">{inner}</div>'


def write_page_text(app: Sphinx, exception: Exception | None) -> None:
    """Write ``_static/rnncourse-pagetext.js``: the text of every page, for offline snippets."""
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir)
    texts = {}
    for docname in sorted(app.env.found_docs):
        path = out / f"{docname}.html"
        if path.is_file():
            texts[f"{docname}.html"] = page_text(path.read_text(encoding="utf-8"))
    payload = json.dumps(texts, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    (out / "_static" / "rnncourse-pagetext.js").write_text(
        f"window.RNNCOURSE_PAGE_TEXT = {payload};\n", encoding="utf-8"
    )


def add_templates(app: Sphinx, config) -> None:
    """Put this extension's template overrides first on the template path."""
    config.templates_path.insert(0, str(Path(__file__).with_name("templates")))


def write_notebook_scripts(app: Sphinx, exception: Exception | None) -> None:
    """Write ``<name>.ipynb.js`` beside every notebook of the site (downloads from file://)."""
    if exception is not None or app.builder.format != "html":
        return
    for nb in Path(app.outdir).rglob("*.ipynb"):
        text = nb.read_text(encoding="utf-8")
        nb.with_name(nb.name + ".js").write_text(
            f"window.RNNCOURSE_NOTEBOOK = {json.dumps(text)};\n", encoding="utf-8"
        )


def setup(app: Sphinx) -> dict:
    """Patch myst-nb's image renderer and register the page hooks."""
    _patch_image_renderer()
    app.connect("config-inited", add_templates)
    # after pydata-sphinx-theme has put generate_toctree_html into the context (priority 500)
    app.connect("html-page-context", on_page, priority=900)
    app.connect("build-finished", write_page_text)
    # after rnncourse_downloads has written the exercise notebooks (priority 500)
    app.connect("build-finished", write_notebook_scripts, priority=900)
    app.add_js_file("rnncourse-downloads.js")
    # formulas wider than a phone's column are set smaller until they fit
    app.add_js_file("rnncourse-fit-math.js")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
