"""Read submissions: ``.ipynb`` and Jupytext text notebooks (``.md`` MyST, ``.py`` percent).

A submission must be a regular file: it is opened without following a symbolic link
(``O_NOFOLLOW``) and without blocking (a FIFO or a device is refused, never read), its size is
checked on the open descriptor, and at most :data:`MAX_BYTES` are read. Folders are walked
without following links; what they hold that is not a regular file is listed, so that the grader
reports it as refused instead of skipping it silently. Reading is linear in the file's size, and
a notebook may hold at most :data:`MAX_CELLS` cells, counted before it is parsed (Jupytext
validates every cell: about 5 ms each).
"""

from __future__ import annotations

import json
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

# The folder `rnncourse exercise reset` keeps a learner's earlier versions in: never a submission.
BACKUPS = "backups"

SUFFIXES = (".ipynb", ".md", ".py")
#: Largest submission read (bytes) and most code cells graded.
MAX_BYTES = 8 * 1024 * 1024
MAX_CELLS = 3000


class NotebookError(Exception):
    """The file could not be read as a notebook."""


@dataclass
class Notebook:
    """A submission's code cells (numbered from 1), its metadata and each cell's tags."""

    path: Path
    cells: list[tuple[int, str]]  # (code-cell number starting at 1, source)
    metadata: dict = field(default_factory=dict)
    tags: dict[int, list[str]] = field(default_factory=dict)  # cell number -> its tags


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_bytes(path: str | Path, max_bytes: int = MAX_BYTES) -> bytes:
    """Return the bytes of regular file ``path``; :class:`NotebookError` for anything else.

    Links are not followed (``O_NOFOLLOW``), a FIFO or device is never read (``O_NONBLOCK``, then
    the descriptor's own type checked), and more than ``max_bytes`` is refused.
    """
    try:
        st = os.lstat(path)
    except OSError as e:
        raise NotebookError(f"cannot read the file: {e.strerror}") from e
    if not stat.S_ISREG(st.st_mode):
        raise NotebookError(
            f"refused: the submission is {_kind(st.st_mode)}, not a regular file "
            "(upload the notebook itself)"
        )
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as e:  # replaced by a link since lstat: ELOOP
        why = f"refused: cannot open the file without following links ({e.strerror})"
        raise NotebookError(why) from e
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotebookError(f"refused: the submission is {_kind(st.st_mode)}")
        if st.st_size > max_bytes:
            raise NotebookError(f"refused: the file is larger than {max_bytes // 1024**2} MB")
        chunks, size = [], 0
        while size <= max_bytes:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > max_bytes:
            raise NotebookError(f"refused: the file is larger than {max_bytes // 1024**2} MB")
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_notebook(path: str | Path, max_bytes: int = MAX_BYTES) -> Notebook:
    """Return the code cells of ``path``; raises :class:`NotebookError` with a readable reason."""
    path = Path(path)
    try:
        text = read_bytes(path, max_bytes).decode("utf-8")
    except UnicodeDecodeError as e:
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

        marker = r"^(?:```\{|\+\+\+)" if path.suffix == ".md" else r"^# %%"
        count = len(re.findall(marker, text, re.MULTILINE))
        if count > MAX_CELLS:  # refused before the (slow) parse
            raise NotebookError(f"refused: {count} cells (at most {MAX_CELLS})")

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
    if len(sources) > MAX_CELLS:
        raise NotebookError(f"refused: {len(sources)} code cells (at most {MAX_CELLS})")
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
        rf"^[ \t]*(?:def|class)[ \t]+{re.escape(name)}\b|^{re.escape(name)}[ \t]*=", re.MULTILINE
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

    Folders are walked without following links and list their entries sorted: every entry with a
    notebook suffix, whatever it is (a link, a FIFO or a device is then refused with a message by
    :func:`read_bytes`, never read); READMEs, hidden folders such as ``.ipynb_checkpoints`` and
    the ``backups`` folder that ``rnncourse exercise reset`` writes are skipped.
    """
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir() and not p.is_symlink():
            found = []
            for top, dirs, files in os.walk(p, followlinks=False):
                dirs[:] = [d for d in dirs if not d.startswith(".") and d != BACKUPS]
                for name in files + [d for d in os.listdir(top) if _linked_dir(top, d)]:
                    q = Path(top) / name
                    if (
                        q.suffix in SUFFIXES
                        and not name.startswith(".")
                        and not name.upper().startswith("README")
                    ):
                        found.append(q)
            out.extend(sorted(set(found)))
        else:
            out.append(p)
    return out


def _linked_dir(top: str, name: str) -> bool:
    """Whether ``top/name`` links to a folder (``os.walk`` lists it as one, never enters it)."""
    q = os.path.join(top, name)
    return os.path.islink(q) and os.path.isdir(q)
