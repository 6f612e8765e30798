"""Reading a user's text file for training or scoring, refusing what is not text.

A language model trained on a binary file, or on a Latin-1 file decoded as UTF-8 with replacement
characters, is garbage that looks like a result. :func:`read_text` therefore refuses a file with a
NUL byte (binary) and decodes strictly, naming the byte offset of the first invalid sequence; a
user whose file is in another encoding says so with ``encoding``.
"""

from __future__ import annotations

import codecs
import os
from pathlib import Path


def read_text(path: str | os.PathLike, encoding: str = "utf-8") -> str:
    """Return the text of a file, decoded strictly.

    Parameters
    ----------
    path : path
        A regular, non-empty text file.
    encoding : str, default "utf-8"
        Any codec Python knows (``latin-1``, ``cp1252``, ``utf-16``, ...).

    Returns
    -------
    str

    Raises
    ------
    ValueError
        Missing or not a regular file, unknown encoding, a NUL byte (a binary file), bytes
        that are not valid in ``encoding`` (with the offset, line and column of the first), or
        no non-whitespace character.
    """
    path = Path(path)
    try:
        codec = codecs.lookup(encoding).name
    except LookupError:
        raise ValueError(f"unknown encoding {encoding!r} (e.g. utf-8, latin-1, cp1252)") from None
    if not path.exists():
        raise ValueError(f"corpus file {str(path)!r} does not exist")
    if not path.is_file():
        raise ValueError(f"corpus {str(path)!r} is not a regular file")
    data = path.read_bytes()
    nul = data.find(b"\x00")
    if nul >= 0 and not codec.startswith(("utf-16", "utf-32")):
        raise ValueError(
            f"corpus {str(path)!r} is a binary file (a NUL byte at offset {nul}), not text"
        )
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        column = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        hint = "; if it is text in another encoding, pass --encoding (e.g. --encoding latin-1)"
        raise ValueError(
            f"corpus {str(path)!r} is not valid {codec}: byte 0x{data[e.start]:02x} at offset "
            f"{e.start} (line {line}, column {column}){hint if codec == 'utf-8' else ''}"
        ) from None
    if not text.strip():
        raise ValueError(f"corpus file {str(path)!r} is empty (no non-whitespace characters)")
    return text
