"""Package metadata: dependencies by use, and no cap on torch.

Every third-party module a subpackage imports (at any depth, lazy imports included) must be
installed by the core dependencies or by the extra that subpackage documents; the exact torch
build is pinned by the Makefile's constraints file, never by the metadata.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement

tomllib = pytest.importorskip("tomllib")  # Python >= 3.11

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]

# import name -> distribution name, where they differ
DIST = {"yaml": "pyyaml"}
# subpackage -> the extras it may need beyond the core dependencies
EXTRAS = {
    "figures": ["widgets"],
    "widgets": ["widgets"],
    "grading": ["grading"],
    "lab": ["lab"],
}


def _dists(requirements: list[str]) -> set[str]:
    """Distribution names in ``requirements``, with self-references (``rnncourse[x]``) expanded."""
    out: set[str] = set()
    for line in requirements:
        req = Requirement(line)
        if req.name == "rnncourse":
            for extra in req.extras:
                out |= _dists(PYPROJECT["optional-dependencies"][extra])
        else:
            out.add(req.name.lower())
    return out


def _third_party_imports(path: Path) -> set[str]:
    """Top-level names of every module imported in ``path`` that is not stdlib or rnncourse."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names and n != "rnncourse"}


def test_torch_is_not_capped():
    (torch,) = [Requirement(r) for r in PYPROJECT["dependencies"] if r.startswith("torch")]
    assert all(s.operator in (">=", ">") for s in torch.specifier), str(torch.specifier)
    assert torch.specifier.contains("99.0")


@pytest.mark.parametrize(
    "sub", sorted(p.name for p in (ROOT / "rnncourse").iterdir() if (p / "__init__.py").exists())
)
def test_subpackage_imports_are_declared(sub):
    allowed = _dists(PYPROJECT["dependencies"])
    for extra in EXTRAS.get(sub, []):
        allowed |= _dists(PYPROJECT["optional-dependencies"][extra])
    missing = {}
    for path in (ROOT / "rnncourse" / sub).rglob("*.py"):
        for name in _third_party_imports(path):
            if DIST.get(name, name).lower().replace("_", "-") not in allowed:
                missing.setdefault(name, []).append(path.relative_to(ROOT).as_posix())
    assert not missing, f"rnncourse.{sub} imports packages its extras do not install: {missing}"


def test_this_environment_has_the_test_and_book_extras():
    """What ``make setup`` promises, checked on what it installed (not on the Makefile's text).

    (That ``rnncourse.reference`` needs NumPy alone is the import-linter contract plus the
    run-time check in ``tests/test_layers.py``.)
    """
    from importlib import metadata

    missing = []
    for extra in ("book", "test"):
        for name in sorted(_dists(PYPROJECT["optional-dependencies"][extra])):
            try:
                metadata.distribution(name)
            except metadata.PackageNotFoundError:
                missing.append(f"{name} ({extra})")
    assert not missing, f"make setup should have installed: {missing}"


def _notebook_runs(*make_args: str) -> tuple[list[set[str]], int]:
    """What ``make test`` would run (``make -n``, nothing executed): the folders each nbval
    pytest command is given, and how many sphinx builds (which execute the chapters)."""
    import shlex
    import subprocess

    out = subprocess.run(
        ["make", "-n", "test", *make_args], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    nbval, builds = [], 0
    for line in out.splitlines():
        words = shlex.split(line.replace(";", " ").replace("\\", " "), comments=False)
        if "pytest" in words and any(w.startswith("--nbval") for w in words):
            args = words[words.index("pytest") + 1 :]
            valued = {"-n", "--dist", "-p"}  # options that take the next word as their value
            nbval.append(
                {
                    w
                    for i, w in enumerate(args)
                    if w[0] != "-" and (i == 0 or args[i - 1] not in valued)
                }
            )
        builds += any(w.endswith("sphinx-build") for w in words)
    return nbval, builds


@pytest.mark.slow  # two `make -n` subprocesses
def test_every_notebook_is_executed_once_by_make_test():
    """Chapters run in the book build (a failing cell fails it), exercises under nbval."""
    import yaml

    nbval, builds = _notebook_runs()
    assert nbval == [{"solutions", "exercises"}]
    assert builds == 1
    planted, _ = _notebook_runs("NOTEBOOKS=solutions")  # exercises left out: the check sees it
    assert planted == [{"solutions"}]
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert config["execute"]["execute_notebooks"] == "force"
    assert config["sphinx"]["config"]["nb_execution_raise_on_error"] is True
    # With only_build_toc_files, a chapter missing from the toc would be executed by nobody.
    toc = (ROOT / "_toc.yml").read_text()
    chapters = {p.stem for p in (ROOT / "book").glob("*.md") if "kernelspec:" in p.read_text()}
    assert chapters, "no chapter notebooks found"
    assert {c for c in chapters if f"book/{c}" not in toc} == set()


def test_api_reference_covers_the_public_modules():
    toc = (ROOT / "_toc.yml").read_text()
    for name in ("reference", "nn", "data", "train", "analysis", "widgets", "grading"):
        page = ROOT / "book" / "api" / f"{name}.md"
        assert f".. automodule:: rnncourse.{name}\n" in page.read_text(), page
        assert f"file: book/api/{name}\n" in toc, name


def test_no_module_over_400_lines():
    # Split by concept, like the chapters: a module a reader can hold in mind.
    root = ROOT / "rnncourse"
    sizes = {
        p.relative_to(root).as_posix(): len(p.read_text().splitlines()) for p in root.rglob("*.py")
    }
    assert {name: n for name, n in sizes.items() if n > 400} == {}
