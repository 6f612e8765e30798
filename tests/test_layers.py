"""The package's layers point one way (data -> reference -> nn -> train -> analysis -> figures ->
widgets -> grading / cli), checked by import-linter with the contracts in ``pyproject.toml``.

The contracts are checked on this tree, and on a copy with a planted upward import, which must
break them: a contract that cannot fail would check nothing.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("importlinter")

ROOT = Path(__file__).resolve().parents[1]


def _lint(cwd: Path) -> subprocess.CompletedProcess:
    """Run ``lint-imports`` on the tree at ``cwd`` (its pyproject.toml, its rnncourse)."""
    code = (
        "import sys; from importlinter.cli import lint_imports; "
        "sys.exit(lint_imports(no_cache=True))"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=cwd,
        env={"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_contracts_kept():
    res = _lint(ROOT)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "3 kept, 0 broken" in res.stdout


@pytest.mark.slow
@pytest.mark.parametrize(
    ("module", "planted", "contract"),
    [
        ("train/models.py", "from rnncourse.widgets import CellExplorer", "Layers point one way"),
        ("figures/_draw.py", "import rnncourse.grading", "Layers point one way"),
        ("reference/rnn.py", "import torch", "import NumPy alone"),
        ("analysis/bptt.py", "import matplotlib", "no display or notebook packages"),
    ],
)
def test_planted_violation_breaks_a_contract(tmp_path, module, planted, contract):
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    shutil.copytree(
        ROOT / "rnncourse",
        tmp_path / "rnncourse",
        ignore=shutil.ignore_patterns("*.pt", "*.json", "__pycache__", "assets"),
    )
    path = tmp_path / "rnncourse" / module
    path.write_text(path.read_text() + f"\n\ndef _planted():\n    {planted}\n")
    res = _lint(tmp_path)
    assert res.returncode != 0, res.stdout
    broken = res.stdout.split("Broken contracts")[-1]
    assert contract in broken
    assert "rnncourse." + module[:-3].replace("/", ".") in broken


def test_reference_imports_numpy_alone():
    """At run time too (lazy imports included): ``import rnncourse.reference`` loads no torch."""
    code = (
        "import sys, rnncourse.reference as r; r.rnn_forward; "
        "heavy = {'torch', 'matplotlib', 'ipywidgets', 'tqdm', 'jupytext', 'threadpoolctl'}; "
        "print(sorted(heavy & {m.split('.')[0] for m in sys.modules}))"
    )
    res = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT)},
        timeout=60,
        check=True,
    )
    assert res.stdout.strip() == "[]"
