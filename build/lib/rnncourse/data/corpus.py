"""Corpora that need no download: the running Python's standard library sources, or a user's file.

The ``"stdlib"`` corpus concatenates the standard library's own ``.py`` files (the "train it on
source code" example of the notes). It is deterministic for a given Python version: files are taken
in sorted order of their path relative to the stdlib root, and each file is assigned to the training
or validation split by a CRC-32 hash of that path, so validation measures held-out *files*, never a
slice of a training file. Left out: tests, ``site-packages``, generated tables (``encodings``,
``pydoc_data``), demos, and the few files containing non-ASCII characters (so the vocabulary stays
small). Size caps keep loading fast.
"""

from __future__ import annotations

import functools
import os
import sysconfig
import zlib
from pathlib import Path

from rnncourse._validation import check_choice, check_int

# Top-level stdlib entries that are data tables, demos or bundled wheels rather than ordinary code.
_EXCLUDED_TOP = frozenset(
    {
        "site-packages",
        "dist-packages",
        "encodings",
        "pydoc_data",
        "ensurepip",
        "__phello__",
        "turtledemo",
    }
)
_EXCLUDED_PARTS = frozenset({"test", "tests", "idle_test", "__pycache__"})
FILE_SEPARATOR = "\n\n"
DEFAULT_MAX_CHARS = {"train": 8_000_000, "valid": 400_000}
VALID_PERCENT = 5  # share of files held out for validation
SPLITS = ("train", "valid", "all")


def stdlib_root() -> Path:
    """Directory of the running interpreter's pure-Python standard library."""
    return Path(sysconfig.get_paths()["stdlib"])


def _split_of(rel: str) -> str:
    return "valid" if zlib.crc32(rel.encode()) % 100 < VALID_PERCENT else "train"


@functools.lru_cache(maxsize=4)
def stdlib_files(split: str = "train", max_file_chars: int = 150_000) -> tuple[str, ...]:
    """Relative paths (POSIX form, sorted) of the stdlib files in one split.

    Parameters
    ----------
    split : {"train", "valid", "all"}
    max_file_chars : int, default 150000
        Skip single files larger than this (a couple of huge modules would dominate otherwise).

    Returns
    -------
    tuple of str
        Paths relative to :func:`stdlib_root`, e.g. ``"json/decoder.py"``.
    """
    check_choice("split", split, SPLITS)
    root = stdlib_root()
    out = []
    for path in sorted(root.rglob("*.py"), key=lambda p: p.relative_to(root).as_posix()):
        rel = path.relative_to(root)
        if rel.parts[0] in _EXCLUDED_TOP or _EXCLUDED_PARTS.intersection(rel.parts):
            continue
        if split != "all" and _split_of(rel.as_posix()) != split:
            continue
        try:
            if path.stat().st_size > max_file_chars:
                continue
            path.read_bytes().decode("ascii")
        except (OSError, UnicodeDecodeError):
            continue
        out.append(rel.as_posix())
    return tuple(out)


@functools.lru_cache(maxsize=4)
def _stdlib_text(split: str, max_chars: int) -> str:
    root = stdlib_root()
    files = stdlib_files(split)
    if not files:
        raise FileNotFoundError(
            f"no standard-library .py sources found under {root} (split {split!r}); "
            "this Python ships without them: pass the path of a text file instead"
        )
    parts: list[str] = []
    total = 0
    for rel in files:
        text = (root / rel).read_text(encoding="ascii")
        if total + len(text) > max_chars and parts:
            break  # files are whole units: stop before the cap rather than cut one in half
        parts.append(text)
        total += len(text) + len(FILE_SEPARATOR)
    return FILE_SEPARATOR.join(parts)


def load_corpus(
    source: str | os.PathLike = "stdlib", split: str = "train", max_chars: int | None = None
) -> str:
    """Load a text corpus.

    Parameters
    ----------
    source : "stdlib" or path-like
        ``"stdlib"`` for the embedded standard-library corpus, otherwise a UTF-8 text file.
    split : {"train", "valid", "all"}, default "train"
        For ``"stdlib"``: which held-out-file split (see the module docstring). For a file:
        ``"all"`` gives the whole text, ``"train"`` / ``"valid"`` the first 90 % / last 10 %
        (cut at a line boundary, see :func:`split_text`).
    max_chars : int or None
        For ``"stdlib"``: cap on the characters returned (whole files only); default 8,000,000
        for train / all and 400,000 for valid. Ignored for a file (read entirely).

    Returns
    -------
    str
        The text. Stdlib files are joined by a blank line, in sorted path order.

    Raises
    ------
    FileNotFoundError
        The file does not exist.
    ValueError
        The file is empty, or ``split`` / ``max_chars`` is invalid.
    """
    check_choice("split", split, SPLITS)
    check_int("max_chars", max_chars, allow_none=True)
    if isinstance(source, str) and source == "stdlib":
        cap = (
            max_chars
            if max_chars is not None
            else DEFAULT_MAX_CHARS.get(split, DEFAULT_MAX_CHARS["train"])
        )
        return _stdlib_text(split, int(cap))
    path = Path(source)
    if not path.exists():
        raise FileNotFoundError(f"corpus file {str(path)!r} does not exist")
    if not path.is_file():
        raise ValueError(f"corpus {str(path)!r} is not a regular file")
    text = path.read_text(encoding="utf-8", errors="replace")
    if not text.strip():
        raise ValueError(f"corpus file {str(path)!r} is empty (no non-whitespace characters)")
    if split == "all":
        return text
    train, valid = split_text(text)
    return train if split == "train" else valid


def split_text(text: str, valid_fraction: float = 0.1) -> tuple[str, str]:
    """Split one text into a training head and a validation tail.

    The cut is moved forward to the next newline (when there is one) so no line is split.

    Parameters
    ----------
    text : str
    valid_fraction : float in (0, 1), default 0.1

    Returns
    -------
    (train, valid) : tuple of str
        ``train + valid == text``.
    """
    if not 0.0 < valid_fraction < 1.0:
        raise ValueError(f"valid_fraction must be in (0, 1), got {valid_fraction}")
    if len(text) < 2:
        raise ValueError(f"text must have at least 2 characters to split, got {len(text)}")
    cut = int(round(len(text) * (1.0 - valid_fraction)))
    cut = min(max(cut, 1), len(text) - 1)
    nl = text.find("\n", cut)
    if nl != -1 and nl + 1 < len(text):
        cut = nl + 1
    return text[:cut], text[cut:]


def fold_lines(text: str, width: int = 80, marker: str = "↩") -> str:
    r"""Break every line longer than ``width`` characters, for printing samples in a narrow column.

    A line is cut into pieces of ``width - len(marker)`` characters; each piece but the last ends
    with ``marker``, so a reader sees where the original line went on. Shorter lines, indentation
    and spaces are left exactly as they are.

    Parameters
    ----------
    text : str
    width : int, default 80
        Longest printed line, marker included (at least ``len(marker) + 1``).
    marker : str, default "↩"

    Returns
    -------
    str
        ``text`` with extra newlines; removing every ``marker + "\n"`` gives ``text`` back.
    """
    room = width - len(marker)
    if room < 1:
        raise ValueError(f"width must exceed len(marker) = {len(marker)}, got {width}")
    out = []
    for line in text.split("\n"):
        while len(line) > width:
            out.append(line[:room] + marker)
            line = line[room:]
        out.append(line)
    return "\n".join(out)
