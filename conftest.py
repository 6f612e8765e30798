"""Repository-wide pytest hooks: run Jupytext text notebooks under nbval.

``pytest --nbval-lax --nbval-current-env book solutions exercises`` (``make test-notebooks``) runs
every code cell of every chapter and exercise notebook in a fresh kernel. nbval 0.11 only collects
``*.ipynb``; our notebooks are Jupytext MyST Markdown (``.md`` with a YAML header). This hook hands
every ``.md`` file whose header declares a ``kernelspec`` to nbval's own notebook collector,
reading it with ``jupytext.read`` instead of ``nbformat.read``. Nothing is written to disk; test
ids look like ``book/03_rnn_model.md::Cell 4``. Markdown files without a kernelspec (the
bibliography, READMEs) are not collected.

With pytest-xdist (``-n 2``) all cells of one notebook must run in order in the same kernel, so
the default ``--dist load`` is switched to ``loadfile`` whenever nbval is active.

This touches nbval internals (``nbval.plugin.nbformat``), which is why nbval is pinned (0.11.0).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest

_HEADER_BYTES = 8192


def _nbval_active(config: pytest.Config) -> bool:
    opt = config.option
    return bool(getattr(opt, "nbval", False) or getattr(opt, "nbval_lax", False))


def is_text_notebook(path: Path) -> bool:
    """Tell whether ``path`` is a Markdown file whose YAML front matter declares a ``kernelspec``.

    Parameters
    ----------
    path : Path
        Any file.

    Returns
    -------
    bool
    """
    if path.suffix != ".md":
        return False
    with path.open(encoding="utf-8", errors="replace") as fh:
        head = fh.read(_HEADER_BYTES)
    lines = head.splitlines()
    if not lines or lines[0].strip() != "---":
        return False
    try:
        end = next(i for i, line in enumerate(lines[1:], start=1) if line.strip() == "---")
    except StopIteration:
        return False
    import yaml

    try:
        meta = yaml.safe_load("\n".join(lines[1:end])) or {}
    except yaml.YAMLError:
        return False
    return isinstance(meta, dict) and isinstance(meta.get("kernelspec"), dict)


class _JupytextReader:
    """Stands in for the ``nbformat`` module inside nbval while a text notebook is collected."""

    def __init__(self, real_nbformat: object) -> None:
        self._real = real_nbformat

    def read(self, fp: str, as_version: int = 4, **kwargs: object) -> object:
        import jupytext

        return jupytext.read(fp, as_version=as_version)

    def __getattr__(self, name: str) -> object:
        return getattr(self._real, name)


@contextlib.contextmanager
def _nbformat_reads_text_notebooks() -> Iterator[None]:
    import nbval.plugin

    real = nbval.plugin.nbformat
    nbval.plugin.nbformat = _JupytextReader(real)
    try:
        yield
    finally:
        nbval.plugin.nbformat = real


def _text_notebook_class() -> type:
    from nbval.plugin import IPyNbFile

    class JupytextNotebook(IPyNbFile):
        """nbval's notebook collector, fed from a Jupytext text notebook."""

        def collect(self):
            with _nbformat_reads_text_notebooks():
                # nbval reads the file when its generator starts: materialise it under the patch.
                items = list(super().collect())
            yield from items

    return JupytextNotebook


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    """Collect a text notebook with nbval's collector when nbval is on."""
    if not _nbval_active(parent.config) or not is_text_notebook(file_path):
        return None
    return _text_notebook_class().from_parent(parent, path=file_path)


def pytest_configure(config: pytest.Config) -> None:
    """Keep all cells of a notebook on one xdist worker."""
    # Cells of a notebook share a kernel and run in order: never split a file across workers.
    if _nbval_active(config) and getattr(config.option, "dist", "no") == "load":
        config.option.dist = "loadfile"
