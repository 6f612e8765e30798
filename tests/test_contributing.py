"""CONTRIBUTING.md is true to the tree: its concept table names files and names that exist, its
layer line is the import-linter contract's order and names every part of the package."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PATHLIKE = re.compile(r"^[\w./<>-]+(/|\.(py|md|bib|js|json))$")
IDENTIFIER = re.compile(r"^[A-Za-z_]\w*(\(\))?$")


def _table_cells() -> list[str]:
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    table = text.split("## Where each concept lives")[1].split("\n\n")[1]
    rows = [line for line in table.splitlines() if line.startswith("|")][2:]  # header, rule
    return [cell for row in rows for cell in row.strip("|").split("|")]


def _tree_paths() -> list[str]:
    """Every file and folder under ROOT, relative, but .venv's (not walked: ~100k files)."""
    out = []
    for folder, dirs, names in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d != ".venv"]
        out += [(Path(folder) / n).relative_to(ROOT).as_posix() for n in dirs + names]
    return out


def _code(cells: list[str]) -> list[str]:
    return [token for cell in cells for token in re.findall(r"`([^`]+)`", cell)]


def test_every_path_in_the_concept_table_exists():
    files = _tree_paths()
    paths = [t for t in _code(_table_cells()) if PATHLIKE.match(t) and "<" not in t]
    assert len(paths) >= 25, paths
    # a short path ("lm.py", "catalog/_common.py") is relative to a folder the row named before
    missing = [
        t
        for t in paths
        if not any(f == t.rstrip("/") or f.endswith("/" + t.rstrip("/")) for f in files)
    ]
    assert not missing, f"CONTRIBUTING.md names paths that do not exist: {missing}"


def test_every_name_in_the_concept_table_is_defined():
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "rnncourse").rglob("*.py"))
    names = {t.removesuffix("()") for t in _code(_table_cells()) if IDENTIFIER.match(t)}
    names -= {"reference", "analysis", "widgets", "rnncourse"}  # package names, not definitions
    assert len(names) >= 20, names
    undefined = [
        n for n in sorted(names) if not re.search(rf"(def |class |^|\s){n}\b\s*[(:=]", source, re.M)
    ]
    assert not undefined, f"CONTRIBUTING.md names what the package does not define: {undefined}"


def _experiment_modules_missing(cells: list[str], folder: Path) -> list[str]:
    named = {t.rsplit("/", 1)[-1] for t in _code(cells)}  # "experiments/pretrained.py" too
    modules = sorted(p.name for p in folder.glob("*.py") if not p.name.startswith("_"))
    return [m for m in modules if m not in named]


def test_every_experiment_module_is_in_the_concept_table(tmp_path):
    cells = _table_cells()
    assert _experiment_modules_missing(cells, ROOT / "rnncourse" / "experiments") == []
    (tmp_path / "planted.py").write_text("")  # a new experiment the table does not name
    assert _experiment_modules_missing(cells, tmp_path) == ["planted.py"]


def _layer_line(text: str) -> list[list[str]]:
    block = text.split("## The layers")[1].split("```")[1]
    (line,) = [ln for ln in block.splitlines() if ln.strip()]
    return [[name.strip() for name in layer.split("/")] for layer in line.split("→")]


def _contract_layers() -> list[list[str]]:
    tomllib = pytest.importorskip("tomllib")
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (layers,) = [c["layers"] for c in config["contracts"] if c["id"] == "layers"]
    return [sorted(n.strip() for n in layer.split("|")) for layer in reversed(layers)]


def test_the_layer_line_is_the_contracts_order():
    line = _layer_line((ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8"))
    assert [sorted(layer) for layer in line] == _contract_layers()
    # and it names every subpackage and top-level module of rnncourse
    named = {n for layer in line for n in layer}
    on_disk = {p.stem for p in (ROOT / "rnncourse").iterdir() if p.suffix == ".py" or p.is_dir()}
    assert on_disk - {"__init__", "__pycache__"} == named


def test_a_wrong_layer_line_fails():
    swapped = "## The layers\n\n```\ndata → _validation → reference\n```\n"
    assert [sorted(x) for x in _layer_line(swapped)] != _contract_layers()[:3]
    assert _layer_line(swapped)[:2] == [["data"], ["_validation"]]
