"""Which files a running JupyterLab has open in a tab.

A tab in JupyterLab keeps its own copy of the document. When a file is replaced on disk under an
open tab (``rnncourse exercise reset``), the tab still shows the old text, and saving it offers
"Overwrite" as the default: one click silently undoes the reset. So the reset asks every running
Jupyter server on this machine (the ones listed in Jupyter's runtime folder, as ``jupyter server
list`` finds them) which documents its JupyterLab workspaces hold open, and refuses while the
exercise is one of them.

JupyterLab records its open tabs in its workspace (``/lab/api/workspaces``) as it changes them:
each open document is an entry ``"<factory kind>:<path>"`` (``notebook:exercises/ex05_...md``,
``editor:...``), removed when its tab closes.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

__all__ = ["open_in_lab"]

_TIMEOUT_S = 3.0


def _servers() -> list[dict[str, Any]]:
    try:
        from jupyter_server.serverapp import list_running_servers
    except ImportError:  # no JupyterLab installed: nothing can have the file open
        return []
    return list(list_running_servers())


def _get(url: str, token: str) -> Any:
    query = urllib.parse.urlencode({"token": token}) if token else ""
    with urllib.request.urlopen(f"{url}?{query}", timeout=_TIMEOUT_S) as r:  # local servers only
        return json.load(r)


def _open_paths(workspaces: Any) -> set[str]:
    """Paths of the documents held open in a ``/lab/api/workspaces`` answer."""
    found: set[str] = set()
    if not isinstance(workspaces, dict):
        return found
    items = workspaces.get("workspaces", {}).get("values", [])
    for workspace in items:
        for key, value in (workspace.get("data") or {}).items():
            kind, _, path = key.partition(":")
            if kind in ("notebook", "editor", "markdownviewer") and path:
                data = value.get("data", {}) if isinstance(value, dict) else {}
                found.add(str(data.get("path", path)))
    return found


def open_in_lab(path: Path) -> list[str]:
    """Return the URLs of the running JupyterLabs that have ``path`` open in a tab.

    Parameters
    ----------
    path : Path
        A file on this machine.

    Returns
    -------
    list of str
        One URL per server with the file open; empty when none has (or none answers).
    """
    target = Path(path).resolve()
    hits = []
    for server in _servers():
        root = Path(server.get("root_dir") or server.get("notebook_dir") or "/").resolve()
        try:
            rel = target.relative_to(root).as_posix()
        except ValueError:
            continue
        base = server.get("url", "").rstrip("/") + "/"
        try:
            workspaces = _get(base + "lab/api/workspaces", server.get("token", ""))
        except (OSError, ValueError):
            continue  # not a JupyterLab, or not answering: it cannot be showing the file
        if rel in _open_paths(workspaces):
            hits.append(base)
    return hits
