"""How long after "Run All" each chapter's first widget appears (a measurement, not a test).

For every chapter with a widget (``...Explorer(`` / ``...Inspector(`` in a code cell), a fresh
kernel runs the cells in order up to and including the first widget cell, as Run All in
JupyterLab does; the time printed is from asking for the kernel to that cell's output, kernel
start and imports included. ``tests/test_book_first_widget.py`` checks the cause of a slow first
widget (training before it) without timing anything.

    python benchmarks/first_widget.py [book/09_lstm.md ...]
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import jupytext
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
WIDGET = re.compile(r"\b\w*(?:Explorer|Inspector)\(")


def seconds_to_first_widget(path: Path) -> float | None:
    """Return the seconds from kernel start to the first widget cell's output, or None."""
    nb = jupytext.read(path)
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    first = next((i for i in code if WIDGET.search(nb.cells[i].source)), None)
    if first is None:
        return None
    nb.cells = nb.cells[: first + 1]
    start = time.perf_counter()
    NotebookClient(nb, timeout=600, resources={"metadata": {"path": str(path.parent)}}).execute()
    return time.perf_counter() - start


def main(argv: list[str]) -> int:
    """Print the time to the first widget of each chapter named (default: all with a widget)."""
    paths = [Path(a) for a in argv] or sorted((ROOT / "book").glob("*.md"))
    for path in paths:
        t = seconds_to_first_widget(path)
        if t is not None:
            print(f"{path.name:40s} first widget after {t:5.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
