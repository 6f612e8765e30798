"""Sphinx extension: let ``sphinx-build -j`` read, and so execute, two chapters at a time.

sphinx-external-toc always loads sphinx-multitoc-numbering, and that extension does not declare
whether it is safe for parallel reading, so Sphinx would fall back to reading (and executing) every
page one after another. It only renumbers sections across the parts of a ``numbered:`` table of
contents, in the main process after reading; this book's ``_toc.yml`` numbers nothing (checked in
``tests/test_book_config.py``), so it is declared safe here.
"""

from __future__ import annotations

from sphinx.application import Sphinx

UNDECLARED = "sphinx_multitoc_numbering"


def setup(app: Sphinx) -> dict:
    """Load sphinx-multitoc-numbering and declare it parallel-safe."""
    app.setup_extension(UNDECLARED)
    extension = app.extensions[UNDECLARED]
    extension.parallel_read_safe = True
    extension.parallel_write_safe = True
    return {"parallel_read_safe": True, "parallel_write_safe": True}
