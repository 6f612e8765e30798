"""Reports of the grader: the table, the JSON report, Gradescope's ``results.json``.

Every string that may come from a submission (messages quoting its errors, notes, even file
names) goes through :func:`safe_text` before it reaches the table or the JSON: control
characters, ANSI escapes, carriage returns, newlines, bidirectional overrides and lone surrogates
are shown as escapes, and the text is cut to a length, so a submission cannot forge rows or break
the output. Files are written by :func:`write_atomic`: to a temporary file beside the target, then
renamed over it, and only where the target is absent or a regular file.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
import textwrap
from pathlib import Path
from typing import Any

#: Longest learner-derived string kept in a report (characters, after escaping).
MAX_TEXT = 2000
_BIDI = set(range(0x202A, 0x202F)) | set(range(0x2066, 0x206A)) | {0x200E, 0x200F, 0x061C}


def safe_text(text: Any, limit: int = MAX_TEXT) -> str:
    """``text`` as one printable line: escapes for control/bidi characters and lone surrogates.

    The text is cut before it is escaped (the cost stays bounded whatever its length), and again
    after, so that the result never exceeds ``limit`` characters and never ends inside an escape.
    """
    out = []
    for ch in str(text)[: limit + 1]:
        o = ord(ch)
        if ch == "\\" or (ch.isprintable() and o not in _BIDI) or ch == " ":
            out.append(ch)
        elif 0xD800 <= o <= 0xDFFF or o > 0xFFFF and not ch.isprintable():
            out.append(f"\\U{o:08x}" if o > 0xFFFF else f"\\u{o:04x}")
        elif o < 0x100:
            out.append({"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(ch, f"\\x{o:02x}"))
        else:
            out.append(f"\\u{o:04x}")
    if sum(map(len, out)) <= limit:
        return "".join(out)
    kept, size = [], 0
    for piece in out:  # whole escapes only
        if size + len(piece) > limit - 3:
            break
        kept.append(piece)
        size += len(piece)
    return "".join(kept) + "..."


def format_report(report: Any, width: int = 100) -> str:
    """Return the table of one :class:`~rnncourse.grading.grader.Report`, long messages wrapped."""
    head = (
        f"== {safe_text(report.path, 300)}: {report.score}/{report.max} points "
        f"({report.seconds:.1f} s)"
    )
    if report.isolation == "none (not isolated)":
        head += " [NOT ISOLATED]"
    elif report.isolation != "bubblewrap":
        head += " [isolated by uid only]"
    lines = [head]
    rows = [("exercise", "part", "points", "message")]
    rows += [(p.exercise, p.part, f"{p.score}/{p.max}", safe_text(p.message)) for p in report.parts]
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(r[1]) for r in rows)
    indent = " " * (2 + w0 + 2 + w1 + 2 + 6 + 2)
    room = max(width, 40)
    for r in rows:
        msg = textwrap.wrap(r[3], room, break_on_hyphens=False, break_long_words=False) or [""]
        lines.append(f"  {r[0]:<{w0}}  {r[1]:<{w1}}  {r[2]:>6}  {msg[0]}")
        lines += [indent + m for m in msg[1:]]
    for n in report.notes:
        note = textwrap.wrap(safe_text(n), room + len(indent) - 8, break_long_words=False) or [""]
        lines.append(f"  note: {note[0]}")
        lines += ["        " + m for m in note[1:]]
    if report.grader_error:
        lines.append(f"  GRADER ERROR: {safe_text(report.grader_error.splitlines()[0])}")
    return "\n".join(lines)


def reports_json(reports: list[Any]) -> str:
    """Return the JSON report of ``rnncourse grade --json`` (every string already escaped)."""
    return json.dumps({"submissions": [r.to_dict() for r in reports]}, indent=2, ensure_ascii=True)


def gradescope_results(reports: list[Any], seconds: float) -> dict[str, Any]:
    """Gradescope's ``results.json``: one test per part, the overall score, execution time."""
    tests = []
    for r in reports:
        for p in r.parts:
            tests.append(
                {
                    "name": f"{p.exercise}: {p.part}",
                    "score": p.score,
                    "max_score": p.max,
                    "status": "passed" if p.score == p.max else "failed",
                    "output": safe_text(p.message),
                    "visibility": "visible",
                }
            )
    notes = [safe_text(n) for r in reports for n in r.notes]
    if any(r.isolation == "none (not isolated)" for r in reports):
        notes.insert(0, "graded WITHOUT isolation (--sandbox none)")
    out: dict[str, Any] = {
        "score": sum(r.score for r in reports),
        "execution_time": round(seconds, 2),
        "tests": tests,
        "visibility": "visible",
        "stdout_visibility": "hidden",
    }
    errors = [safe_text(r.grader_error.splitlines()[0]) for r in reports if r.grader_error]
    if notes or errors:
        out["output"] = "\n".join(notes + [f"grader error: {e}" for e in errors])
    return out


def check_target(path: str | Path) -> None:
    """Raise ``ValueError`` unless ``path`` is absent or a regular file in an existing folder."""
    p = Path(path)
    try:
        st = os.lstat(p)
    except FileNotFoundError:
        if not p.parent.is_dir():
            raise ValueError(f"--json: folder {p.parent} does not exist") from None
        return
    if not stat.S_ISREG(st.st_mode):
        kind = (
            "a FIFO"
            if stat.S_ISFIFO(st.st_mode)
            else "a symbolic link"
            if stat.S_ISLNK(st.st_mode)
            else "a folder"
            if stat.S_ISDIR(st.st_mode)
            else "a device or socket"
        )
        raise ValueError(f"--json: {p} is {kind}, not a regular file; refusing to write there")


def write_atomic(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (temporary file + rename), regular files only."""
    check_target(path)
    p = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", dir=p.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        check_target(path)  # nothing may have appeared there meanwhile
        os.replace(tmp, p)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
