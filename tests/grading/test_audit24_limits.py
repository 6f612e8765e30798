"""Issue 24, points 1-2: the limits every sandbox is under, where the other tests do not look.

- The unprivileged-uid fallback (Gradescope's containers, no writable cgroup there) starts the
  child under rlimits (memory, CPU time, file size, processes, no core) and the seccomp filter,
  before any learner code runs; honest work in the same run is graded in full. The uid drop itself
  needs a Python other uids can run and is shown by ``test_gradescope.py``'s container
  simulation; here the fallback's launch runs as the grader's own user.
- A submission larger than the size cap is refused with a message, never read whole, and costs
  the honest submission beside it nothing.
- Every per-sandbox cgroup gets the same CPU weight and at most one CPU (``cpu.shares``,
  ``cpu.cfs_quota_us``): the CPU fairness between concurrent sandboxes.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from test_hostile import NUMPY, RNN_FORWARD_OK, RNN_STEP_OK, notebook

from rnncourse.cli import main
from rnncourse.grading import notebook as nbmod
from rnncourse.grading.sandbox import cgroups, unprivileged
from rnncourse.grading.sandbox.process import Limits

pytestmark = pytest.mark.slow  # one grade run that starts sandboxes

PROBE = r"""
import numpy as np
KEYS = ("Max address space", "Max core file size", "Max cpu time", "Max file size", "Max processes")
LIMITS = []
for line in open("/proc/self/limits").read().splitlines()[1:]:
    if line[:26].strip() in KEYS:
        LIMITS.append((line[:26].strip(), line[26:47].strip()))
UNSHARE = np.ctypeslib.ctypes.CDLL(None, use_errno=True).unshare(0x10000000)

def rnn_step_forward(x, h_prev, Wx, Wh, b):
    raise RuntimeError(f"limits {sorted(LIMITS)} unshare {UNSHARE}")
"""


class OwnUserFallback(unprivileged.Unprivileged):
    """The uid fallback as Gradescope gets it (no writable cgroup), run as the grader's user."""

    def __init__(self) -> None:
        super().__init__()
        self.cgroups = {}  # a container: no cgroup is writable, the rlimits must apply

    def check(self) -> None:  # the probe drops to another uid: shown by the container test
        return None

    def _drop(self, uid: int) -> list[str]:
        return []


def expected_limits(limits: Limits) -> str:
    want = [
        ("Max address space", limits.memory_bytes),
        ("Max core file size", 0),
        ("Max cpu time", int(limits.submission_timeout + 2 * limits.grace) + 1),
        ("Max file size", 4 * limits.output_chars + 65536),
        ("Max processes", unprivileged.Unprivileged.nproc_factor * limits.processes),
    ]
    limited = [(k, str(v)) for k, v in want]
    return f"rnn_step_forward raised RuntimeError: limits {limited} unshare -1 [case: "


def grade_folder(tmp: Path, monkeypatch, box=None, sandbox: str = "uid") -> dict[str, dict]:
    if box is not None:
        monkeypatch.setattr(unprivileged, "_default", box)
    report = tmp / "report.json"
    args = ["grade", str(tmp / "class"), "--jobs", "2", "--seed", "0", "--sandbox", sandbox]
    assert main([*args, "--timeout", "120", "--cell-timeout", "20", "--json", str(report)]) == 0
    subs = json.loads(report.read_text())["submissions"]
    return {Path(r["path"]).name: r for r in subs}


def part(report: dict, name: str) -> tuple[int, int, str]:
    p = report["exercises"]["ex01_rnn_forward"]["parts"][name]
    return p["score"], p["max"], p["message"]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    if os.geteuid() != 0:
        pytest.skip("the uid fallback is root's (it gives each child's scratch to its uid)")
    tmp = tmp_path_factory.mktemp("limits")
    folder = tmp / "class"
    folder.mkdir()
    (folder / "ex01_rnn_forward.md").write_text(notebook(NUMPY, RNN_STEP_OK, RNN_FORWARD_OK))
    (folder / "ex01_probe.md").write_text(notebook(NUMPY, PROBE, RNN_FORWARD_OK))
    big = notebook(NUMPY, RNN_STEP_OK, RNN_FORWARD_OK)
    (folder / "ex01_big.md").write_text(big + "\n" + "#" * (nbmod.MAX_BYTES + 1))
    with pytest.MonkeyPatch.context() as mp:
        return grade_folder(tmp, mp, OwnUserFallback())


def test_uid_fallback_runs_learner_code_under_rlimits_and_seccomp(graded):
    honest = graded["ex01_rnn_forward.md"]
    assert (honest["score"], honest["max"], honest["grader_error"]) == (10, 10, None)
    assert honest["isolation"].startswith("unprivileged uid")
    probe = graded["ex01_probe.md"]
    assert (probe["score"], probe["max"]) == (5, 10)
    score, most, msg = part(probe, "rnn_step_forward")
    assert (score, most) == (0, 5)
    assert msg.startswith(expected_limits(Limits(cell_timeout=20.0, submission_timeout=120.0)))


def test_planted_no_rlimits_fails_the_check(tmp_path, monkeypatch):
    # planted failure: the same probe without a sandbox runs under none of the limits
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "ex01_probe.md").write_text(notebook(NUMPY, PROBE, RNN_FORWARD_OK))
    report = grade_folder(tmp_path, monkeypatch, sandbox="none")["ex01_probe.md"]
    msg = part(report, "rnn_step_forward")[2]
    assert msg.startswith("rnn_step_forward raised RuntimeError: limits [('Max ")  # it ran
    assert not msg.startswith(expected_limits(Limits(cell_timeout=20.0, submission_timeout=120.0)))


def test_a_file_over_the_size_cap_is_refused_and_costs_others_nothing(graded):
    r = graded["ex01_big.md"]
    why = f"refused: the file is larger than {nbmod.MAX_BYTES // 1024**2} MB"
    assert (r["score"], r["max"], r["notes"]) == (0, 10, [f"cannot grade: {why}"])
    assert part(r, "rnn_forward")[2] == why
    assert graded["ex01_rnn_forward.md"]["score"] == 10


def test_the_size_cap_holds_for_a_file_that_grows_while_read(tmp_path):
    path = tmp_path / "ex01.md"
    path.write_bytes(b"x" * 100)
    assert nbmod.read_bytes(path, max_bytes=100) == b"x" * 100
    path.write_bytes(b"x" * 101)  # planted failure: one byte over the cap
    with pytest.raises(nbmod.NotebookError, match="larger than"):
        nbmod.read_bytes(path, max_bytes=100)


def _fake_hierarchy(root: Path) -> dict[str, Path]:
    for ctl in cgroups.CONTROLLERS:
        (root / ctl).mkdir(parents=True)
        (root / ctl / "cgroup.procs").write_text("")
    return cgroups.parents(root)


def cpu_share(d: Path) -> tuple[str, str, str]:
    return tuple(
        (d / f).read_text() for f in ("cpu.shares", "cpu.cfs_period_us", "cpu.cfs_quota_us")
    )


def test_every_sandbox_gets_the_same_cpu_weight_and_one_cpu_at_most(tmp_path):
    groups = _fake_hierarchy(tmp_path)
    assert set(groups) == {"memory", "pids", "cpu"}
    made = [cgroups.new_cgroups(groups, 2 * 1024**3, 64) for _ in range(3)]
    cpu = [next(d for d in dirs if d.parent == groups["cpu"]) for dirs in made]
    assert len(set(cpu)) == 3  # one cgroup per sandbox
    assert {cpu_share(d) for d in cpu} == {("1024", "100000", "100000")}
    pids = [next(d for d in dirs if d.parent == groups["pids"]) for dirs in made]
    assert {(d / "pids.max").read_text() for d in pids} == {"64"}
    # planted failure: a sandbox whose cgroup was given twice the weight is caught
    (cpu[0] / "cpu.shares").write_text("2048")
    assert len({cpu_share(d) for d in cpu}) == 2
