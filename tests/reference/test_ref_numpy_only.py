"""``import rnncourse.reference`` needs NumPy alone: a learner without torch can run it."""

from __future__ import annotations

import json
import subprocess
import sys

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


def test_reference_needs_numpy_alone():
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    loaded = set(json.loads(out.stdout.strip().splitlines()[-1]))
    assert loaded == {"rnncourse"}, loaded  # beyond NumPy (imported first) and the stdlib
