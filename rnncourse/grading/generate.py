"""Generate the exercise notebooks from the solution notebooks (the single source).

``python -m rnncourse.grading.generate solutions exercises`` (``make exercises``) rewrites every
``solutions/*.md`` into ``exercises/*.md``:

* in code cells, the lines between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` become a stub
  ``raise NotImplementedError(...)`` at the same indentation; comment lines inside the region that
  start with ``# Hint`` are kept;
* in Markdown, ``<!-- BEGIN SOLUTION -->`` ... ``<!-- END SOLUTION -->`` becomes a placeholder.

Everything else (prose, hints, check cells, tags) is copied unchanged, so the two stay in step.
``--check`` only reports whether ``exercises/`` is up to date (exit status 1 if not).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
MD_BEGIN, MD_END = "<!-- BEGIN SOLUTION -->", "<!-- END SOLUTION -->"
STUB = 'raise NotImplementedError("{name}: replace this line with your code")'
MD_STUB = "*Write your answer here.*"


class MarkerError(ValueError):
    """Unbalanced or nested solution markers."""


def _enclosing_name(lines: list[str], upto: int) -> str:
    for line in reversed(lines[:upto]):
        m = re.match(r"\s*(?:def|class)\s+(\w+)", line)
        if m:
            return m.group(1)
    return "solution"


def strip_solutions(text: str, source: str = "<text>") -> str:
    """Return ``text`` with every solution region replaced by its stub."""
    lines = text.splitlines()
    out: list[str] = []
    inside: tuple[str, int] | None = None
    for n, line in enumerate(lines, start=1):
        stripped = line.strip()
        if stripped in (BEGIN, MD_BEGIN):
            if inside:
                raise MarkerError(f"{source}:{n}: nested solution marker")
            inside = (stripped, n)
            indent = line[: len(line) - len(line.lstrip())]
            if stripped == BEGIN:
                out.append(f"{indent}# YOUR CODE HERE")
                out.append(indent + STUB.format(name=_enclosing_name(lines, n - 1)))
            else:
                out.append(MD_STUB)
            continue
        if stripped in (END, MD_END):
            if not inside or (inside[0] == BEGIN) != (stripped == END):
                raise MarkerError(f"{source}:{n}: {stripped} without a matching begin")
            inside = None
            continue
        if inside is None:
            out.append(line)
        elif inside[0] == BEGIN and stripped.lower().startswith("# hint"):
            out.insert(len(out) - 2, line)  # keep hints above the stub
    if inside:
        raise MarkerError(f"{source}:{inside[1]}: {inside[0]} is never closed")
    return "\n".join(out) + ("\n" if text.endswith("\n") else "")


class WouldOverwrite(RuntimeError):
    """An exercise differs from its stub (it may hold a learner's work): not overwritten."""


def generate(src: Path, dst: Path, check_only: bool = False, force: bool = False) -> list[Path]:
    """Write (or compare) every exercise; return the files that were out of date.

    An existing exercise that differs from its new stub is not overwritten unless ``force``:
    :class:`WouldOverwrite` names them (``rnncourse exercise reset exNN`` resets one, with a
    backup).
    """
    stale = []
    if not check_only and not force:
        kept = [
            dst / p.name
            for p in sorted(src.glob("ex*.md"))
            if (dst / p.name).exists()
            and (dst / p.name).read_text(encoding="utf-8")
            != strip_solutions(p.read_text(encoding="utf-8"), str(p))
        ]
        if kept:
            raise WouldOverwrite(
                "refusing to overwrite " + ", ".join(map(str, kept)) + ": they differ from "
                "their stubs (your work?). Reset one with `rnncourse exercise reset exNN` "
                "(keeps a backup), or overwrite all with `make exercises FORCE=1`."
            )
    sources = sorted(src.glob("ex*.md"))
    if not sources:
        raise FileNotFoundError(f"no solution notebooks (ex*.md) in {src}")
    for path in sources:
        target = dst / path.name
        text = strip_solutions(path.read_text(encoding="utf-8"), str(path))
        current = target.read_text(encoding="utf-8") if target.exists() else None
        if current != text:
            stale.append(target)
            if not check_only:
                dst.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
    expected = {p.name for p in sources}
    stale += [p for p in sorted(dst.glob("ex*.md")) if p.name not in expected]
    return stale


def _solution_of(exercise: str, src: Path) -> Path:
    """Return the solution notebook in ``src`` of ``exercise`` (``ex05``, ``ex05_lstm_step``)."""
    import re

    m = re.fullmatch(r"(ex\d\d)(_\w+)?", exercise.removesuffix(".md"))
    if not m:
        raise ValueError(f"exercise must look like ex05 or ex05_lstm_step, got {exercise!r}")
    hits = sorted(src.glob(f"{m.group(1)}_*.md"))
    if m.group(2):
        hits = [h for h in hits if h.stem == exercise.removesuffix(".md")]
    if len(hits) != 1:
        raise FileNotFoundError(f"no solution notebook {exercise}* in {src}")
    return hits[0]


def stub_path(exercise: str, src: Path, dst: Path) -> Path:
    """Return the learner's notebook of ``exercise`` in ``dst`` (it need not exist yet)."""
    return dst / _solution_of(exercise, src).name


def reset_exercise(exercise: str, src: Path, dst: Path) -> tuple[Path, Path | None]:
    """Back up ``dst/exNN_*.md`` into ``dst/backups/`` and write its stub from ``src``.

    The backup is named with the time (``ex05_lstm_step.2026-12-07T153000.md``) in a folder that
    JupyterLab lists, so a learner can open it and copy their work back; the grader skips it.

    Returns the exercise file and its backup (None when there was no file to keep).
    """
    import shutil
    import time

    from rnncourse.grading.notebook import BACKUPS

    solution = _solution_of(exercise, src)
    target = dst / solution.name
    backup = None
    if target.exists():
        stamp = time.strftime("%Y-%m-%dT%H%M%S")
        backup = dst / BACKUPS / f"{target.stem}.{stamp}.md"
        backup.parent.mkdir(parents=True, exist_ok=True)
        n = 1
        while backup.exists():
            backup = backup.with_name(f"{target.stem}.{stamp}-{n}.md")
            n += 1
        shutil.copy2(target, backup)
    dst.mkdir(parents=True, exist_ok=True)
    target.write_text(strip_solutions(solution.read_text(encoding="utf-8"), str(solution)), "utf-8")
    return target, backup


def main(argv: list[str] | None = None) -> int:
    """Regenerate (``--check``: only list) stale exercise notebooks; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("solutions", type=Path)
    parser.add_argument("exercises", type=Path)
    parser.add_argument("--check", action="store_true", help="only report stale exercises")
    parser.add_argument(
        "--force", action="store_true", help="overwrite exercises that differ from their stubs"
    )
    args = parser.parse_args(argv)
    try:
        stale = generate(args.solutions, args.exercises, check_only=args.check, force=args.force)
    except WouldOverwrite as e:
        print(e, file=sys.stderr)
        return 1
    for p in stale:
        print(("out of date: " if args.check else "wrote ") + str(p))
    if not stale:
        print(f"{args.exercises} is up to date")
    return 1 if (args.check and stale) else 0


if __name__ == "__main__":
    sys.exit(main())
