"""Sphinx extension: let ``sphinx-build -j`` read, and so execute, two chapters at a time.

Two things stand in the way, and this extension handles both.

- sphinx-external-toc always loads sphinx-multitoc-numbering, and that extension does not declare
  whether it is safe for parallel reading, so Sphinx would fall back to reading (and executing)
  every page one after another. It only renumbers sections across the parts of a ``numbered:``
  table of contents, in the main process after reading; this book's ``_toc.yml`` numbers nothing
  (checked in ``tests/test_book_config.py``), so it is declared safe here.
- Sphinx hands each process a run of consecutive pages in sorted order (``make_chunks``). With 27
  pages and two processes the first run is chapters 01-10, which hold most of the executed code,
  and the other process sits idle for half the build. ``env-before-read-docs``, the event Sphinx
  provides for reordering the pages it is about to read, deals the executed chapters alternately
  to the runs that start together; pages without code fill the rest.
"""

from __future__ import annotations

from pathlib import Path

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util.parallel import make_chunks

UNDECLARED = "sphinx_multitoc_numbering"
CODE_CELL = "```{code-cell}"


def executes_code(path: str | Path) -> bool:
    """Whether a page is a text notebook with code cells (executed by myst-nb)."""
    return CODE_CELL in Path(path).read_text(encoding="utf-8")


def deal(docnames: list[str], executed: set[str], nproc: int) -> list[str]:
    """Reorder ``docnames`` so Sphinx's chunks share the executed pages evenly.

    Sphinx cuts the list into consecutive chunks (sizes from ``make_chunks``) and starts the
    first ``nproc`` at once; the executed pages are dealt round-robin to those, in reading order,
    and the other pages fill what is left.
    """
    sizes = [len(chunk) for chunk in make_chunks(docnames, nproc)]
    chunks: list[list[str]] = [[] for _ in sizes]
    first = list(range(min(nproc, len(sizes)))) or [0]
    k = 0
    for doc in (d for d in docnames if d in executed):
        open_ = [i for i in first if len(chunks[i]) < sizes[i]]
        if not open_:  # more executed pages than the first chunks hold: fill in order
            open_ = [i for i, size in enumerate(sizes) if len(chunks[i]) < size]
        i = open_[k % len(open_)]
        chunks[i].append(doc)
        k += 1
    rest = iter(d for d in docnames if d not in executed)
    for i, size in enumerate(sizes):
        chunks[i].extend(next(rest) for _ in range(size - len(chunks[i])))
    return [doc for chunk in chunks for doc in chunk]


def _balance(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    if app.parallel < 2:
        return
    executed = {d for d in docnames if executes_code(env.doc2path(d))}
    docnames[:] = deal(docnames, executed, app.parallel)


def setup(app: Sphinx) -> dict:
    """Declare sphinx-multitoc-numbering parallel-safe and balance the parallel chunks."""
    app.setup_extension(UNDECLARED)
    extension = app.extensions[UNDECLARED]
    extension.parallel_read_safe = True
    extension.parallel_write_safe = True
    app.connect("env-before-read-docs", _balance)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
