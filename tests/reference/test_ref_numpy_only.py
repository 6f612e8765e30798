"""The reference needs NumPy alone: a learner without torch can import it and run its tests.

The import-linter contract in ``pyproject.toml`` checks the imports statically; the two tests
here check at run time, in a process where torch cannot be imported.

``test_reference_tests_run_without_torch`` runs every test of ``tests/reference`` in that
process; where it is collected with them (``make test``), the main run leaves out the ones that
need no torch (``conftest.py``), so each runs once, torch-free, and only the torch parity tests
run in the main process.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

CODE = """
import json, sys
for name in ("torch", "matplotlib", "ipywidgets", "scipy", "threadpoolctl"):
    sys.modules[name] = None  # any import of these now raises ImportError
import numpy as np
before = set(sys.modules)
import rnncourse.reference as ref
h, cache = ref.lstm_forward(np.ones((1, 2, 3)), None, np.ones((3, 8)), np.ones((2, 8)), np.ones(8))
assert ref.lstm_backward(np.ones_like(h), cache)[0].shape == (1, 2, 3)
new = {m.split(".")[0] for m in set(sys.modules) - before if sys.modules[m] is not None}
print(json.dumps(sorted(new - set(sys.stdlib_module_names))))
"""


def test_importing_the_reference_loads_numpy_alone():
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    loaded = set(json.loads(out.stdout.strip().splitlines()[-1]))
    assert loaded == {"rnncourse"}, loaded  # beyond NumPy (imported first) and the stdlib


RUN_WITHOUT_TORCH = """
import sys
sys.modules["torch"] = None  # any import of torch now raises ImportError
import pytest
raise SystemExit(pytest.main(sys.argv[1:]))
"""


@pytest.mark.slow
def test_reference_tests_run_without_torch():
    # tests/reference runs where torch is not importable: the torch parity tests are skipped
    # (needs_torch), every other test passes. This file is left out (it would call itself).
    here = Path(__file__).parent
    args = [str(here), f"--ignore={Path(__file__)}", "-q", "-n", "0", "-p", "no:cacheprovider"]
    out = subprocess.run(
        [sys.executable, "-c", RUN_WITHOUT_TORCH, *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=here.parent.parent,
    )
    summary = out.stdout.strip().splitlines()[-1]
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    marked = sum((p.read_text().count("@needs_torch\n") for p in here.glob("test_*.py")), start=0)
    skipped = int(re.search(r"(\d+) skipped", summary).group(1))
    assert skipped >= marked > 0, summary  # parametrized ones count once per case
    assert int(re.search(r"(\d+) passed", summary).group(1)) > 200, summary
