"""Sphinx extension: every chapter and exercise downloadable as a Jupyter notebook (.ipynb).

The theme (sphinx-book-theme) offers a ".ipynb" download button only when a Binder or JupyterHub
launch button is configured, which an offline book has no address for. This extension does the
button's part without a launch provider:

- for each page executed by MyST-NB it copies the executed notebook (with its outputs) to
  ``_sources/<page>.ipynb`` and sets ``ipynb_source``, so the theme's download menu lists it;
- after the build it converts each exercise in ``exercises/`` to
  ``_downloads/exercises/<name>.ipynb``
  (no outputs: the learner runs them), linked from the book's exercise page.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sphinx.application import Sphinx


def _executed_notebook(app: Sphinx, pagename: str) -> Path | None:
    # MyST-NB writes executed notebooks to <build dir>/jupyter_execute/<page>.ipynb.
    path = Path(app.outdir).parent / "jupyter_execute" / f"{pagename}.ipynb"
    return path if path.is_file() else None


def add_ipynb_download(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree
) -> None:
    """Publish the page's executed notebook and point the theme's download menu at it."""
    src = _executed_notebook(app, pagename)
    if src is None:
        return
    dst = Path(app.outdir) / "_sources" / f"{pagename}.ipynb"
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src, dst)
    context["ipynb_source"] = f"{pagename}.ipynb"


def write_exercise_notebooks(app: Sphinx, exception: Exception | None) -> None:
    """Convert ``exercises/*.md`` to ``_downloads/exercises/*.ipynb`` in the built site."""
    if exception is not None or app.builder.format != "html":
        return
    import jupytext

    out = Path(app.outdir) / "_downloads" / "exercises"
    out.mkdir(parents=True, exist_ok=True)
    for md in sorted((Path(app.srcdir) / "exercises").glob("ex*.md")):
        jupytext.write(jupytext.read(md), out / f"{md.stem}.ipynb")


def setup(app: Sphinx) -> dict:
    """Register the two hooks (before the theme builds its header buttons, priority 501)."""
    app.connect("html-page-context", add_ipynb_download, priority=400)
    app.connect("build-finished", write_exercise_notebooks)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
