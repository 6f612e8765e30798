"""The book's build configuration keeps the promises its comments make."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _keys(node: object) -> set[str]:
    if isinstance(node, dict):
        return set(node) | {k for v in node.values() for k in _keys(v)}
    if isinstance(node, list):
        return {k for v in node for k in _keys(v)}
    return set()


def test_toc_numbers_nothing_so_multitoc_is_parallel_safe():
    # book/_ext/rnncourse_parallel.py declares sphinx-multitoc-numbering safe for parallel reading
    # because it only acts on `numbered:` tables of contents; a numbered toc would break that.
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    assert "numbered" not in _keys(toc)


def test_the_book_build_executes_in_parallel_and_strictly():
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert config["execute"]["execute_notebooks"] == "force"
    assert "rnncourse_parallel" in config["sphinx"]["config"]["extensions"]
    assert config["latex"]["use_jupyterbook_latex"] is False  # not parallel-safe, and no PDF
    # What `make book` runs (make -n prints the commands without running them): Sphinx with the
    # JOBS it was given, warnings as errors, nitpicky references, every error reported.
    argv = _sphinx_argv("book", "JOBS=3")
    assert argv[argv.index("-j") + 1] == "3"
    assert {"-W", "-n", "--keep-going"} <= set(argv)
    assert argv[argv.index("-b") + 1] == "html"


def _sphinx_argv(*make_args: str) -> list[str]:
    """The sphinx-build command line ``make -n`` prints for ``make_args``."""
    out = subprocess.run(
        ["make", "-n", "-s", *make_args], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.replace("\\\n", " ")  # one line per command, continuations joined
    lines = [ln for ln in out.splitlines() if "sphinx-build " in ln]
    assert len(lines) == 1, out
    tail = lines[0].split("sphinx-build ", 1)[1]
    return shlex.split(tail.split("&&")[0])


def _book_docnames() -> list[str]:
    return sorted(p.relative_to(ROOT).with_suffix("").as_posix() for p in ROOT.glob("book/**/*.md"))


def test_parallel_chunks_share_the_executed_chapters():
    # Sphinx cuts the sorted page list into consecutive runs, one process each; sorted, the first
    # run would hold chapters 01-10. The extension deals the executed pages to the runs that start
    # together, so each process executes about half of the code.
    sys.path.insert(0, str(ROOT / "book" / "_ext"))
    try:
        from rnncourse_parallel import deal, executes_code
    finally:
        sys.path.pop(0)
    from sphinx.util.parallel import make_chunks

    docnames = _book_docnames()
    executed = {d for d in docnames if executes_code(ROOT / f"{d}.md")}
    assert len(executed) >= 16
    assert "book/api/nn" not in executed
    assert sum(d in executed for d in make_chunks(docnames, 2)[0]) >= 10  # the imbalance, sorted

    order = deal(docnames, executed, nproc=2)
    assert sorted(order) == docnames
    first, second, *rest = make_chunks(order, 2)
    n_first, n_second = (sum(d in executed for d in chunk) for chunk in (first, second))
    assert abs(n_first - n_second) <= 1
    assert n_first + n_second == len(executed)
    assert not executed & {d for chunk in rest for d in chunk}
    # dealt in reading order: each process gets early and late chapters
    assert [d for d in first if d in executed][:2] == sorted(executed)[0:3:2]


def test_the_balancing_runs_before_sphinx_reads():
    sys.path.insert(0, str(ROOT / "book" / "_ext"))
    try:
        import rnncourse_parallel
    finally:
        sys.path.pop(0)

    class App:  # what setup() touches of sphinx.application.Sphinx
        def __init__(self) -> None:
            self.extensions = {rnncourse_parallel.UNDECLARED: type("Ext", (), {})()}
            self.connected: list = []

        def setup_extension(self, name: str) -> None:
            assert name == rnncourse_parallel.UNDECLARED

        def connect(self, event: str, handler: object) -> None:
            self.connected.append((event, handler))

    app = App()
    assert rnncourse_parallel.setup(app)["parallel_read_safe"] is True
    assert ("env-before-read-docs", rnncourse_parallel._balance) in app.connected
    assert app.extensions[rnncourse_parallel.UNDECLARED].parallel_read_safe is True
