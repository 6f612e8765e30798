"""JupyterLab server plumbing for ``make lab``: text notebooks that open clean and save quietly.

The exercises and chapters are Jupytext MyST Markdown files. Jupytext's contents manager turns them
into notebooks for JupyterLab, but a text notebook carries no ``language_info`` metadata, and
JupyterLab writes the kernel's ``language_info`` into every notebook it connects to a kernel. The
notebook was then marked modified the moment it opened. :class:`TextNotebookContentsManager` fills
in the same ``language_info`` the kernel will report (the kernel runs on this interpreter), so
opening changes nothing; Jupytext leaves ``language_info`` out of the text again when saving.

Used through ``jupyter/jupyter_server_config.json``, which ``make lab`` puts on
``JUPYTER_CONFIG_PATH``. Needs the ``lab`` extra (JupyterLab, Jupytext).
"""

from __future__ import annotations

from typing import Any

from jupyter_server.services.contents.largefilemanager import AsyncLargeFileManager
from jupytext.async_contentsmanager import build_async_jupytext_contents_manager_class

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


_JupytextManager = build_async_jupytext_contents_manager_class(AsyncLargeFileManager)


class TextNotebookContentsManager(_JupytextManager):
    """Jupytext's contents manager, with ``language_info`` filled in for text notebooks."""

    async def get(self, path: str, content: bool = True, type: str | None = None, **kwargs: Any):
        """Return the model of ``path``; text notebooks gain the kernel's ``language_info``."""
        model = await super().get(path, content=content, type=type, **kwargs)
        if content and model.get("type") == "notebook" and model.get("content") is not None:
            model["content"].metadata.setdefault("language_info", kernel_language_info())
        return model
