"""Gradescope's autograder bundle: ``rnncourse autograder-bundle OUT.zip --exercise ex05``.

Gradescope unpacks the zip into ``/autograder/source``, runs ``setup.sh`` once when it builds the
image, then ``run_autograder`` for every submission (files in ``/autograder/submission``), and
reads ``/autograder/results/results.json`` (:mod:`.results`). The bundle carries this package's
own sources, so the grader that runs is the one that wrote the bundle, and ``assignment.json``
(the exercises, points and visibility), and ``README.md`` for the instructor. ``setup.sh``
installs exactly what grading needs (the package's requirements and its ``grading`` extra:
jupytext and nbformat) and makes the grader's files unreadable to other users, which the
unprivileged fallback of :mod:`rnncourse.grading.sandbox.unprivileged` requires.
``AUTOGRADER_ROOT`` (default ``/autograder``) and the ``RNNCOURSE_*`` variables documented in the
scripts let a test build and run the bundle in a simulated tree.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

from rnncourse import __version__
from rnncourse.grading.catalog import EXERCISES

TORCH_PIN = "torch==2.13.0"

SETUP = f"""#!/usr/bin/env bash
# Gradescope image set-up (run once, as root): bubblewrap, a venv, the pinned CPU torch, the
# grader with what it needs to read notebooks (jupytext, nbformat). Variables for a local test:
# AUTOGRADER_ROOT (/autograder), RNNCOURSE_NO_APT=1 (bubblewrap already there),
# RNNCOURSE_INSTALL (the installer command; default: the venv's pip), RNNCOURSE_TORCH_FROM
# (where torch comes from; default: PyTorch's CPU index).
set -euo pipefail
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
SRC="$ROOT/source"
VENV="$ROOT/venv"
if [ -z "${{RNNCOURSE_NO_APT:-}}" ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap util-linux python3 \\
    python3-venv >/dev/null
fi
"${{RNNCOURSE_BASE_PYTHON:-python3}}" -m venv "$VENV"
INSTALL="${{RNNCOURSE_INSTALL:-$VENV/bin/python -m pip install -q}}"
TORCH_FROM="${{RNNCOURSE_TORCH_FROM---index-url https://download.pytorch.org/whl/cpu}}"
$INSTALL $TORCH_FROM "{TORCH_PIN}"
echo "{TORCH_PIN}" > "$VENV/constraints.txt"
$INSTALL -c "$VENV/constraints.txt" "$SRC/package"
"$VENV/bin/python" -I -c "import jupytext, nbformat, torch, rnncourse.grading.grader"
# Learner code may run as an unprivileged uid (where bubblewrap cannot start): it must read
# neither the answer key (the installed package) nor these sources.
PKG="$("$VENV/bin/python" -I -c 'import os, rnncourse; print(os.path.dirname(rnncourse.__file__))')"
chmod -R go-rwx "$PKG" "$SRC"
"""

RUN = """#!/usr/bin/env bash
# Grade the submission for the assignment of assignment.json into results/results.json
# (rnncourse {version}). Isolation: bubblewrap where it starts, else (Gradescope's containers
# refuse namespaces) each submission runs as an unprivileged uid; if neither can, the grading is
# refused and results.json says so. RNNCOURSE_SANDBOX=none grades without isolation (only for
# trusted work: the results then say NOT ISOLATED).
set -uo pipefail
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
PY="${{RNNCOURSE_PYTHON:-$ROOT/venv/bin/python}}"
mkdir -p "$ROOT/results"
chmod 755 "$ROOT/results"  # root's: learner code (another uid) cannot write there
export RNNCOURSE_PROTECT="$ROOT/source/assignment.json"  # must be unreadable to learner code
cd "$ROOT"
"$PY" -I -m rnncourse grade "$ROOT/submission" --format gradescope \\
    --assignment "$ROOT/source/assignment.json" --json "$ROOT/results/results.json" \\
    --sandbox "${{RNNCOURSE_SANDBOX:-bwrap,uid}}" --jobs 1 ${{RNNCOURSE_GRADE_OPTIONS:-}}
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

README = """# rnncourse autograder: {title}

Made by `rnncourse autograder-bundle` (rnncourse {version}) for exercises {exercises}
({points} points).

## Setting up the assignment on Gradescope

1. Create a *Programming Assignment* worth **{points} points**.
2. Configure Autograder: upload this zip. Base image: **Ubuntu 22.04** (or newer), any size
   with at least 2 GB of memory (torch is installed); `setup.sh` takes a few minutes once.
3. Learners upload their exercise notebook(s), unchanged in name:
{uploads}
   Jupytext text notebooks (`.md`, `.py`) are accepted as well as `.ipynb`.

## How files are matched and scored

- A file named `exNN...` counts for exercise NN only; any other notebook counts for the
  exercises whose graded functions it defines. Files of other exercises are ignored.
- Each exercise counts **once**, with its best file; every other file is listed as ignored in
  the result, with the reason. The score is capped at the assignment's {points} points.
- A submission without a notebook for an exercise gets 0 on its parts and a message saying
  which file to upload.
- Each part is one test of Gradescope's results: {visibility}.

## Isolation

Each submission runs in a bubblewrap sandbox where it starts. Gradescope's containers usually
refuse the namespaces it needs; the submission then runs as an unprivileged uid that cannot read
the grader's files or these sources, cannot write the results, under memory, CPU-time, file and
process limits and a seccomp filter. The hidden test "grading (instructor only)" says which
isolation applied. See the package's `rnncourse/grading/README.md` for the threat model.

## Trying it locally

    mkdir -p /tmp/ag/source && unzip autograder.zip -d /tmp/ag/source
    AUTOGRADER_ROOT=/tmp/ag bash /tmp/ag/source/setup.sh      # as root
    mkdir /tmp/ag/submission && cp exNN_name.ipynb /tmp/ag/submission/
    AUTOGRADER_ROOT=/tmp/ag bash /tmp/ag/source/run_autograder && cat /tmp/ag/results/results.json
"""


def _dependencies() -> list[str]:
    """Return what grading needs: the package's own requirements and its ``grading`` extra."""
    from importlib import metadata

    reqs = metadata.requires("rnncourse") or []
    out = []
    for r in reqs:
        spec, _, marker = r.partition(";")
        if not marker.strip() or marker.replace(" ", "") in (
            "extra=='grading'",
            'extra=="grading"',
        ):
            out.append(spec.strip())
    return out


def _readme(assignment: dict[str, Any]) -> str:
    ids = assignment["exercises"]
    uploads = "".join(f"   - `{e}.ipynb` ({EXERCISES[e].title})\n" for e in ids)
    vis = assignment["visibility"] + "".join(
        f", {k}: {v}" for k, v in sorted(assignment["part_visibility"].items())
    )
    return README.format(
        title=", ".join(EXERCISES[e].title for e in ids),
        version=__version__,
        exercises=", ".join(ids),
        points=assignment["points"],
        uploads=uploads.rstrip("\n"),
        visibility=vis,
    )


def write_bundle(out: str | Path, assignment: dict[str, Any]) -> list[str]:
    """Write the autograder zip of ``assignment`` to ``out``; returns the names inside it."""
    import rnncourse

    root = Path(rnncourse.__file__).resolve().parent
    files = {
        "setup.sh": SETUP,
        "run_autograder": RUN.format(version=__version__),
        "assignment.json": json.dumps(assignment, indent=2) + "\n",
        "README.md": _readme(assignment),
        "package/pyproject.toml": PYPROJECT.format(
            version=__version__, dependencies=json.dumps(_dependencies())
        ),
    }
    names = []
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in files.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            executable = name in ("setup.sh", "run_autograder")
            info.external_attr = (0o755 if executable else 0o644) << 16
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
