"""Read submissions: ``.ipynb`` and Jupytext text notebooks (``.md`` MyST, ``.py`` percent)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

SUFFIXES = (".ipynb", ".md", ".py")


class NotebookError(Exception):
    """The file could not be read as a notebook."""


@dataclass
class Notebook:
    """A submission's code cells (numbered from 1), its metadata and each cell's tags."""

    path: Path
    cells: list[tuple[int, str]]  # (code-cell number starting at 1, source)
    metadata: dict = field(default_factory=dict)
    tags: dict[int, list[str]] = field(default_factory=dict)  # cell number -> its tags


def read_notebook(path: str | Path, max_bytes: int = 50 * 1024 * 1024) -> Notebook:
    """Return the code cells of ``path``; raises :class:`NotebookError` with a readable reason."""
    path = Path(path)
    try:
        if path.stat().st_size > max_bytes:
            raise NotebookError(f"file is larger than {max_bytes // 1024 // 1024} MB")
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise NotebookError(f"cannot read the file: {e}") from e
    if path.suffix == ".ipynb":
        try:
            nb = json.loads(text)
            raw_cells = nb["cells"]
            cells = [c for c in raw_cells if isinstance(c, dict) and c.get("cell_type") == "code"]
            sources = [
                "".join(c["source"]) if isinstance(c["source"], list) else str(c["source"])
                for c in cells
            ]
            tags = [_tags(c.get("metadata")) for c in cells]
            meta = nb.get("metadata", {}) if isinstance(nb.get("metadata"), dict) else {}
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as e:
            raise NotebookError(f"not a valid .ipynb notebook ({type(e).__name__}: {e})") from e
    elif path.suffix in (".md", ".py"):
        import jupytext

        # comment_magics off: a comment such as "# copy of ..." must stay a comment
        fmt = {"extension": path.suffix, "comment_magics": False}
        if path.suffix == ".py":
            fmt["format_name"] = "percent"
        try:
            nb = jupytext.reads(text, fmt=fmt)
            code = [c for c in nb.cells if c.cell_type == "code"]
            sources = [str(c.source) for c in code]
            tags = [_tags(c.metadata) for c in code]
            meta = dict(nb.metadata) if isinstance(nb.metadata, dict) else {}
        except Exception as e:  # jupytext raises many kinds
            raise NotebookError(f"not a readable Jupytext notebook ({type(e).__name__})") from e
    else:
        raise NotebookError(f"unsupported file type {path.suffix!r} (use {', '.join(SUFFIXES)})")
    tag_map = {
        i: [str(t) for t in ts] for i, ts in enumerate(tags, start=1) if isinstance(ts, list) and ts
    }
    return Notebook(path, list(enumerate(sources, start=1)), meta, tag_map)


def _tags(metadata: object) -> list[str]:
    """Return the tags of a cell; malformed metadata (a list, a string) counts as none."""
    tags = metadata.get("tags", []) if isinstance(metadata, dict) else []
    return [str(t) for t in tags] if isinstance(tags, list) else []


def defines(source: str, name: str) -> bool:
    """Whether cell ``source`` defines ``name`` (def / class / top-level assignment)."""
    pattern = re.compile(
        rf"^\s*(?:def|class)\s+{re.escape(name)}\b|^{re.escape(name)}\s*=", re.MULTILINE
    )
    return bool(pattern.search(source))


def defining_cell(nb: Notebook, name: str) -> int | None:
    """Return the number of the last code cell that defines ``name``."""
    found = None
    for idx, src in nb.cells:
        if defines(src, name):
            found = idx
    return found


def collect(paths: list[str | Path]) -> list[Path]:
    """Expand folders into the notebooks they contain, keep files.

    Folders list their notebooks sorted; READMEs, hidden folders such as
    ``.ipynb_checkpoints`` and the ``backups`` folder that ``rnncourse exercise reset`` writes
    are skipped.
    """
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(
                sorted(
                    q
                    for q in p.rglob("*")
                    if q.suffix in SUFFIXES
                    and q.is_file()
                    and not any(
                        part.startswith(".") or part == "backups"
                        for part in q.relative_to(p).parts[:-1]
                    )
                    and not q.name.startswith(".")
                    and not q.name.upper().startswith("README")
                )
            )
        else:
            out.append(p)
    return out
