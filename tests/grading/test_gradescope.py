"""The Gradescope bundle, as Gradescope runs it.

- ``run_autograder`` in a simulated ``/autograder`` tree grades one assignment: each exercise
  once (its best file, the others listed as ignored), the score capped at the assignment's
  points, a results.json with a message when nothing was uploaded;
- the bundle's environment built *from the bundle* (its ``setup.sh`` into a fresh venv) grades
  ``.md``, ``.py`` and ``.ipynb`` there;
- in a simulated Gradescope container (root without ``CAP_SYS_ADMIN``, new namespaces refused by
  a seccomp filter) bubblewrap cannot start, and the learner's code runs as an unprivileged uid
  that reads neither the answer key nor the bundle's sources and cannot write the results.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import jupytext
import pytest
from grading_helpers import SOLUTIONS
from test_hostile import NUMPY, RNN_FORWARD_OK, RNN_STEP_OK, notebook

from rnncourse.cli import main
from rnncourse.grading.gradescope.results import VISIBILITIES

pytestmark = pytest.mark.slow  # every test starts sandboxes or builds a venv


def check_schema(results: dict) -> None:
    """Gradescope's documented results.json format (the fields this grader writes)."""
    assert set(results) <= {
        "score",
        "execution_time",
        "output",
        "visibility",
        "stdout_visibility",
        "tests",
    }
    assert isinstance(results["score"], (int, float))
    assert isinstance(results["execution_time"], (int, float))
    assert results["visibility"] in VISIBILITIES
    assert results["stdout_visibility"] in VISIBILITIES
    for test in results["tests"]:
        assert set(test) == {"name", "score", "max_score", "status", "output", "visibility"}
        assert isinstance(test["name"], str)
        assert isinstance(test["output"], str)
        assert 0 <= test["score"] <= test["max_score"]
        assert test["status"] == ("passed" if test["score"] == test["max_score"] else "failed")
        assert test["visibility"] in VISIBILITIES


def unpack(tmp: Path, *options: str) -> Path:
    """Write the bundle with ``options``, unpack it as Gradescope does; return the root."""
    zpath = tmp / "autograder.zip"
    assert main(["autograder-bundle", str(zpath), *options]) == 0
    root = tmp / "autograder"
    with zipfile.ZipFile(zpath) as z:
        z.extractall(root / "source")
    for name in ("setup.sh", "run_autograder"):
        os.chmod(root / "source" / name, 0o755)
    (root / "submission").mkdir()
    return root


def run_autograder(root: Path, python: str = sys.executable, wrap: tuple = (), **env) -> dict:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PYTEST")},
        "AUTOGRADER_ROOT": str(root),
        "RNNCOURSE_PYTHON": python,
        "RNNCOURSE_GRADE_OPTIONS": "--seed 1 --cell-timeout 20",
        **env,
    }
    cmd = [*wrap, str(root / "source" / "run_autograder")]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=400)
    assert done.returncode == 0, done.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    check_schema(results)
    return results


def named_tests(results: dict) -> dict[str, dict]:
    return {t["name"]: t for t in results["tests"]}


def test_bundle_holds_what_an_instructor_needs(tmp_path):
    root = unpack(tmp_path, "--exercise", "ex05", "--part-visibility", "lstm_step_backward=hidden")
    src = root / "source"
    assignment = json.loads((src / "assignment.json").read_text())
    assert assignment == {
        "exercises": ["ex05_lstm_step"],
        "points": 10,
        "visibility": "visible",
        "part_visibility": {"lstm_step_backward": "hidden"},
    }
    readme = (src / "README.md").read_text()
    assert "worth **10 points**" in readme
    assert "`ex05_lstm_step.ipynb`" in readme
    assert "Ubuntu 22.04" in readme
    deps = (src / "package" / "pyproject.toml").read_text()
    assert '"jupytext>=1.15"' in deps
    assert '"nbformat>=5.9"' in deps
    assert "matplotlib" not in deps
    assert "jupyter-book" not in deps
    assert main(["autograder-bundle", str(tmp_path / "x.zip"), "--exercise", "ex99"]) == 2


def test_one_assignment_each_exercise_once_and_capped(tmp_path):
    root = unpack(tmp_path, "--exercise", "ex01", "--exercise", "ex04", "--points", "15")
    sub = root / "submission"
    solved = (SOLUTIONS / "ex01_rnn_forward.md").read_text()
    for name in ("ex01_rnn_forward.md", "ex01_rnn_forward_again.md", "ex01_copy.md"):
        (sub / name).write_text(solved)
    (sub / "ex03_char_lm.md").write_text((SOLUTIONS / "ex03_char_lm.md").read_text())
    (sub / "ex04_gru.md").write_text((SOLUTIONS / "ex04_gru.md").read_text())
    results = run_autograder(root)
    assert results["score"] == 15  # 10 + 10, capped at the assignment's 15 points
    tests = named_tests(results)
    assert [t for t in tests if not t.startswith("grading")] == [
        "ex01_rnn_forward: rnn_step_forward",
        "ex01_rnn_forward: rnn_forward",
        "ex04_gru: gru_step_forward",
        "ex04_gru: gru_step_backward",
    ]
    assert all(tests[t]["score"] == tests[t]["max_score"] for t in list(tests)[:4])
    out = results["output"].splitlines()
    assert out[:2] == [
        "graded ex01_copy.md for ex01_rnn_forward",
        "graded ex04_gru.md for ex04_gru",
    ]
    assert sorted(out[2:5]) == [
        "ignored ex01_rnn_forward.md: a lower or equal score for ex01_rnn_forward",
        "ignored ex01_rnn_forward_again.md: a lower or equal score for ex01_rnn_forward",
        "ignored ex03_char_lm.md: ex03 is not part of this assignment",
    ]
    hidden = tests["grading (instructor only)"]
    assert hidden["visibility"] == "hidden"
    assert hidden["output"].startswith("isolation: bubblewrap. graded ex01_copy.md")


def test_best_file_counts_and_visibility_per_part(tmp_path):
    root = unpack(tmp_path, "--exercise", "ex01", "--part-visibility", "rnn_forward=after_due_date")
    sub = root / "submission"
    (sub / "ex01_rnn_forward.md").write_text(notebook(NUMPY, RNN_STEP_OK))  # 5 points
    (sub / "my_work.md").write_text(notebook(NUMPY, RNN_STEP_OK, RNN_FORWARD_OK))  # 10 points
    results = run_autograder(root)
    assert results["score"] == 10
    tests = named_tests(results)
    assert tests["ex01_rnn_forward: rnn_step_forward"]["visibility"] == "visible"
    assert tests["ex01_rnn_forward: rnn_forward"]["visibility"] == "after_due_date"
    assert results["output"].splitlines()[:2] == [
        "graded my_work.md for ex01_rnn_forward",
        "ignored ex01_rnn_forward.md: a lower or equal score for ex01_rnn_forward",
    ]


def test_no_notebook_gives_zero_and_says_what_to_upload(tmp_path):
    root = unpack(tmp_path, "--exercise", "ex04_gru")
    (root / "submission" / "answers.txt").write_text("my answers")
    results = run_autograder(root)
    assert results["score"] == 0
    upload = (
        "no notebook for ex04_gru was found in the submission: upload your ex04_gru.ipynb "
        "(or ex04_gru.md / ex04_gru.py, the notebook of exercises/)"
    )
    tests = named_tests(results)
    assert tests["ex04_gru: gru_step_forward"]["output"] == upload
    assert tests["ex04_gru: gru_step_backward"]["score"] == 0
    assert results["output"] == f"ex04_gru: {upload}"


# ------------------------------------------------------------------------------ bundle's own venv
def _world_readable_dir() -> Path:
    """A folder other uids can traverse (pytest's tmp_path sits under a 0700 folder)."""
    d = Path(tempfile.mkdtemp(prefix="rnncourse-ag-", dir="/tmp"))
    os.chmod(d, 0o755)
    return d


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The bundle unpacked and its environment built by its own setup.sh, in a fresh venv."""
    base = shutil.which("python3", path="/usr/bin")
    if base is None or os.geteuid() != 0:
        pytest.skip("needs root and /usr/bin/python3 (a Python other uids can run)")
    tmp = _world_readable_dir()
    root = unpack(tmp, "--exercise", "ex01")
    venv_py = root / "venv" / "bin" / "python"
    install = f"{sys.executable} -m uv pip install -q --python {venv_py}"
    links = os.environ.get("RNNCOURSE_FIND_LINKS", "/opt/wheels")
    if Path(links).is_dir():
        install += f" --find-links {links}"
    env = {
        **os.environ,
        "AUTOGRADER_ROOT": str(root),
        "RNNCOURSE_NO_APT": "1",
        "RNNCOURSE_BASE_PYTHON": base,
        "RNNCOURSE_INSTALL": install,
        "RNNCOURSE_TORCH_FROM": "",
    }
    env.pop("PYTHONPATH", None)
    done = subprocess.run(
        ["bash", str(root / "source" / "setup.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    yield root
    shutil.rmtree(tmp, ignore_errors=True)


def _clear(root: Path) -> Path:
    sub = root / "submission"
    shutil.rmtree(sub, ignore_errors=True)
    shutil.rmtree(root / "results", ignore_errors=True)
    sub.mkdir()
    return sub


def test_bundle_environment_grades_md_py_and_ipynb(built):
    nb = jupytext.read(SOLUTIONS / "ex01_rnn_forward.md")
    for suffix, fmt in ((".md", "md:myst"), (".py", "py:percent"), (".ipynb", "ipynb")):
        sub = _clear(built)
        jupytext.write(nb, sub / f"ex01_rnn_forward{suffix}", fmt=fmt)
        results = run_autograder(built, str(built / "venv" / "bin" / "python"))
        assert results["score"] == 10, (suffix, results)
        assert results["output"] == "graded ex01_rnn_forward" + suffix + " for ex01_rnn_forward"
    # the installed package and the sources are root's alone
    pkg = next((built / "venv" / "lib").glob("python3*/site-packages/rnncourse"))
    assert pkg.stat().st_mode & 0o077 == 0
    assert (built / "source").stat().st_mode & 0o077 == 0


ATTACK = r"""
import os
import numpy as np
# what the static scan cannot see (it is a blocklist): ctypes through NumPy, os.kill by getattr
libc = np.ctypeslib.ctypes.CDLL(None, use_errno=True)
kill = getattr([os][0], "kill")
SEEN = []
for what, fn in {
    "answer key": lambda: open("PKG/reference/rnn.py").read(),
    "catalog": lambda: os.listdir("PKG/grading/catalog"),
    "bundle sources": lambda: open("ROOT/source/package/rnncourse/reference/rnn.py").read(),
    "assignment": lambda: open("ROOT/source/assignment.json").read(),
    "results": lambda: open("ROOT/results/results.json", "w").write("{}"),
    "results folder": lambda: open("ROOT/results/forged.json", "w").write("{}"),
    "submission": lambda: open("ROOT/submission/ex01_rnn_forward.md", "a").write("x"),
    "user namespace": lambda: libc.unshare(0x10000000) == 0 or 1 / 0,
    "signal the grader": lambda: kill(os.getppid(), 9),
}.items():
    try:
        fn()
        SEEN.append(what)
    except BaseException:
        pass

def rnn_step_forward(x, h_prev, Wx, Wh, b):
    raise RuntimeError("reached: " + repr(SEEN))
"""


@pytest.mark.skipif(shutil.which("capsh") is None, reason="capsh (libcap2-bin) is missing")
def test_gradescope_container_without_namespaces(built):
    """Root without CAP_SYS_ADMIN, new namespaces refused: bubblewrap cannot start, the uid
    fallback protects the answer key, the sources and the results; honest parts score."""
    sub = _clear(built)
    pkg = next((built / "venv" / "lib").glob("python3*/site-packages/rnncourse"))
    code = ATTACK.replace("ROOT", str(built)).replace("PKG", str(pkg))
    (sub / "ex01_rnn_forward.md").write_text(notebook(NUMPY, code, RNN_FORWARD_OK))
    container = [
        sys.executable,
        "-c",
        "import os, sys; from rnncourse.grading.sandbox import seccomp; "
        "seccomp.install(seccomp.program()); os.execvp('capsh', ['capsh', '--drop=cap_sys_admin',"
        " '--', '-c', 'exec \"$0\"', sys.argv[1]])",
    ]
    results = run_autograder(built, str(built / "venv" / "bin" / "python"), container)
    tests = named_tests(results)
    step = tests["ex01_rnn_forward: rnn_step_forward"]
    assert step["score"] == 0
    assert step["output"].startswith("rnn_step_forward raised RuntimeError: reached: [] [case: ")
    assert tests["ex01_rnn_forward: rnn_forward"]["score"] == 5
    assert results["score"] == 5
    hidden = tests["grading (instructor only)"]["output"]
    assert hidden.startswith("isolation: unprivileged uid (bubblewrap could not start")
    assert not (built / "results" / "forged.json").exists()
