"""Gradescope's autograder bundle: ``rnncourse autograder-bundle OUT.zip``.

Gradescope unpacks the zip into ``/autograder/source``, runs ``setup.sh`` once when it builds the
image, then ``run_autograder`` for every submission (files in ``/autograder/submission``), and
reads ``/autograder/results/results.json`` (written by ``rnncourse grade --format gradescope``,
see :func:`rnncourse.grading.report.gradescope_results`). The bundle carries this package's own
sources, so the grader that runs is the one that wrote the bundle. ``AUTOGRADER_ROOT`` (default
``/autograder``) and ``RNNCOURSE_PYTHON`` let a test run ``run_autograder`` in a simulated tree.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from rnncourse import __version__

TORCH_PIN = "torch==2.13.0"

SETUP = f"""#!/usr/bin/env bash
# Gradescope image set-up (run once, as root): bubblewrap, a venv, the pinned CPU torch, the grader.
set -euo pipefail
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap python3 python3-venv >/dev/null
python3 -m venv /autograder/venv
/autograder/venv/bin/pip install -q "{TORCH_PIN}" --index-url https://download.pytorch.org/whl/cpu
echo "{TORCH_PIN}" > /autograder/venv/constraints.txt
/autograder/venv/bin/pip install -q -c /autograder/venv/constraints.txt /autograder/source/package
"""

RUN = """#!/usr/bin/env bash
# Grade every notebook of the submission into results/results.json (rnncourse {version}).
# RNNCOURSE_SANDBOX=none grades without isolation where the image refuses namespaces (reports are
# then marked NOT ISOLATED); the default refuses and says so in results.json.
set -uo pipefail
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
PY="${{RNNCOURSE_PYTHON:-$ROOT/venv/bin/python}}"
mkdir -p "$ROOT/results"
"$PY" -m rnncourse grade "$ROOT/submission" --format gradescope \\
    --json "$ROOT/results/results.json" --sandbox "${{RNNCOURSE_SANDBOX:-bwrap}}" \\
    --jobs 1 ${{RNNCOURSE_GRADE_OPTIONS:-}}
status=$?
# Gradescope shows results.json; a non-zero status only when the grader itself failed.
exit $(( status == 1 ? 1 : 0 ))
"""

PYPROJECT = """[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "rnncourse"
version = "{version}"
requires-python = ">=3.10"
dependencies = {dependencies}

[project.scripts]
rnncourse = "rnncourse.cli:main"

[tool.setuptools.packages.find]
include = ["rnncourse*"]

[tool.setuptools.package-data]
"rnncourse" = ["**/*.txt", "**/*.json"]
"""


def _dependencies() -> list[str]:
    """Return the package's own requirements (installed metadata), without extras."""
    from importlib import metadata

    try:
        reqs = metadata.requires("rnncourse") or []
    except metadata.PackageNotFoundError:
        reqs = []
    deps = [r for r in reqs if "extra ==" not in r]
    return deps or ["numpy>=1.24", "torch>=2.1", "jupytext>=1.15", "nbformat>=5.9"]


def write_bundle(out: str | Path) -> list[str]:
    """Write the autograder zip to ``out``; returns the names inside it."""
    import rnncourse

    root = Path(rnncourse.__file__).resolve().parent
    files = {
        "setup.sh": SETUP,
        "run_autograder": RUN.format(version=__version__),
        "package/pyproject.toml": PYPROJECT.format(
            version=__version__, dependencies=json.dumps(_dependencies())
        ),
    }
    names = []
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in files.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.external_attr = (
                0o755 if "." not in name.split("/")[-1] or name.endswith(".sh") else 0o644
            ) << 16
            z.writestr(info, text)
            names.append(name)
        for path in sorted(root.rglob("*")):
            if path.is_dir() or "__pycache__" in path.parts or path.suffix == ".pyc":
                continue
            if path.suffix not in (".py", ".txt", ".json"):
                continue
            name = "package/rnncourse/" + str(path.relative_to(root))
            z.write(path, name)
            names.append(name)
    return names
