"""JupyterLab server plumbing for ``make lab``: text notebooks that open clean and save quietly.

The exercises and chapters are Jupytext MyST Markdown files. Jupytext's contents manager turns them
into notebooks for JupyterLab. :class:`TextNotebookContentsManager` adds two things:

- A text notebook carries no ``language_info`` metadata, and JupyterLab writes the kernel's
  ``language_info`` into every notebook it connects to a kernel: the notebook was marked modified
  the moment it opened. The manager fills in the ``language_info`` the kernel will report (the
  kernel runs on this interpreter), so opening changes nothing; Jupytext leaves it out of the text
  again when saving.
- Citations and cross-references (``{cite}``, ``{ref}``, ``{doc}``, ``{py:func}``) are served as
  readable links (:mod:`rnncourse.lab.readable`) and turned back into the roles on save.

Used through ``jupyter/jupyter_server_config.json``, which ``make lab`` puts on
``JUPYTER_CONFIG_PATH``. Needs the ``lab`` extra (JupyterLab, Jupytext).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jupyter_server.services.contents.largefilemanager import AsyncLargeFileManager
from jupytext.async_contentsmanager import build_async_jupytext_contents_manager_class

from rnncourse.lab.readable import book_index, from_readable, to_readable

__all__ = ["TextNotebookContentsManager", "kernel_language_info"]


def kernel_language_info() -> dict[str, Any]:
    """Return the ``language_info`` an IPython kernel on this interpreter reports.

    Returns
    -------
    dict
        The fields ipykernel sends in its ``kernel_info_reply`` (name, version, mimetype, ...).
    """
    from ipykernel.ipkernel import IPythonKernel

    return dict(IPythonKernel.language_info)


def _markdown_cells(notebook: Any) -> list[Any]:
    return [c for c in notebook.get("cells", []) if c.get("cell_type") == "markdown"]


_JupytextManager = build_async_jupytext_contents_manager_class(AsyncLargeFileManager)


class TextNotebookContentsManager(_JupytextManager):
    """Jupytext's contents manager: ``language_info`` filled in, citations readable."""

    def _folder(self, path: str) -> Path:
        return (Path(self.root_dir) / path.strip("/")).parent

    async def get(self, path: str, content: bool = True, type: str | None = None, **kwargs: Any):
        """Return the model of ``path``: notebooks gain ``language_info`` and readable roles."""
        model = await super().get(path, content=content, type=type, **kwargs)
        if content and model.get("type") == "notebook" and model.get("content") is not None:
            nb = model["content"]
            nb.metadata.setdefault("language_info", kernel_language_info())
            cells = _markdown_cells(nb)
            if any("}`" in c.source for c in cells):
                index = book_index(self._folder(path))
                for cell in cells:
                    cell.source = to_readable(cell.source, index)
        return model

    async def save(self, model: dict, path: str = "") -> dict:
        """Save ``model``; the readable links written by :meth:`get` become roles again."""
        if model.get("type") == "notebook" and model.get("content") is not None:
            for cell in _markdown_cells(model["content"]):
                source = cell.get("source", "")
                text = "".join(source) if isinstance(source, list) else source
                cell["source"] = from_readable(text)
        return await super().save(model, path)
