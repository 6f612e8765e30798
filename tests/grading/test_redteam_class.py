"""Red team at class scale: one submission must not take the class's grading down.

A class folder of honest submissions and one hostile submission per hole of issue 24 ("One
submission can take the class's grading down", the symlink holes) is graded in **one run**
(``rnncourse grade FOLDER --jobs 2``); each hostile one gets its exact score and message, every
honest one its full marks, and every report keeps every part and its maximum.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from grading_helpers import SOLUTIONS
from test_hostile import NUMPY, RNN_FORWARD_OK, RNN_STEP_OK, notebook

from rnncourse.cli import main
from rnncourse.grading import wire
from rnncourse.grading.report import MAX_TEXT

pytestmark = pytest.mark.slow

HONEST = ("ex01_rnn_forward", "ex03_char_lm", "ex08_vanishing_gradients", "ex14_parallel_scan")


def solution(name: str, *extra: str) -> str:
    """The solution notebook of ``name`` with ``extra`` code cells appended."""
    text = (SOLUTIONS / f"{name}.md").read_text()
    return text + "".join(f"\n```{{code-cell}} ipython3\n{c.strip()}\n```\n" for c in extra)


BIG_INT = """
class Big(int):
    def __abs__(self):
        return 0

def decay_factor(norms):
    return Big(10**400)
"""
RAW_BIG_INT = """
import os, struct, sys

def decay_factor(norms):
    payload = b'{"__dict__": {"ok": true, "results": [' + b"9" * 400 + b'], "mutated": []}}'
    os.write(int(sys.argv[2]), struct.pack("<Q", len(payload)) + payload)
    os._exit(0)
"""
INF_LIST = """
def sample(params, start_ix, end_ix, max_len, rng):
    return [float("inf")]
"""
VIOLATIONS = """
import sys
sys.modules["rnncourse.grading.child.guard"].VIOLATIONS.append("x" * 48_000_000)
"""
RAW_VIOLATIONS = """
import os, struct, sys
_big = '"' + "v" * 100_000 + '"'
_payload = ('{"__dict__": {"ok": true, "violations": [' + ",".join([_big] * 480) + ']}}').encode()
os.write(int(sys.argv[2]), struct.pack("<Q", len(_payload)) + _payload)
"""
DEMO = "```{code-cell} ipython3\n:tags: [raises-exception]\nrnn_forward(1, 2, 3, 4, 5)\n```\n"
HOG = """
import os, time
for _ in range(8):
    if os.fork() == 0:
        os.setsid()
        while True:
            pass
time.sleep(25)  # the spinners run while the honest ex14 beside is graded
"""
ESCAPES = r"""
import ctypes, errno
libc = ctypes.CDLL(None, use_errno=True)
REACHED = []
for what, nr, args in [
    ("user namespace", None, None),
    ("bpf", 321, (0, 0, 0)),
    ("keyctl", 250, (0, 0, 0)),
    ("perf_event_open", 298, (0, 0, 0, 0, 0)),
    ("ptrace", 101, (16, 1, 0, 0)),
    ("mount", 165, (b"none", b"/tmp", b"tmpfs", 0, 0)),
]:
    r = libc.unshare(0x10000000) if nr is None else libc.syscall(nr, *args)
    if r == 0 or ctypes.get_errno() != errno.EPERM:
        REACHED.append(what)

def rnn_step_forward(x, h_prev, Wx, Wh, b):
    raise RuntimeError("reached: " + repr(REACHED))
"""


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Grade the class folder once; return the reports by file name, and the folder."""
    tmp = tmp_path_factory.mktemp("class")
    folder = tmp / "class"
    folder.mkdir()
    for name in HONEST:
        (folder / f"{name}.md").write_text(solution(name))
    (folder / "ex08_vanishing_gradients_bigint.md").write_text(
        solution("ex08_vanishing_gradients", BIG_INT)
    )
    (folder / "ex08_vanishing_gradients_rawint.md").write_text(
        solution("ex08_vanishing_gradients", RAW_BIG_INT)
    )
    (folder / "ex03_char_lm_inf.md").write_text(solution("ex03_char_lm", INF_LIST))
    (folder / "ex01_violations.md").write_text(
        notebook(NUMPY, VIOLATIONS, VIOLATIONS, VIOLATIONS, VIOLATIONS, RNN_STEP_OK, RNN_FORWARD_OK)
    )
    (folder / "ex01_raw_violations.md").write_text(
        notebook(NUMPY, RAW_VIOLATIONS, RNN_STEP_OK, RNN_FORWARD_OK)
    )
    (folder / "ex01_demos.md").write_text(
        notebook(NUMPY, RNN_STEP_OK, RNN_FORWARD_OK) + DEMO * 2000
    )
    (folder / "ex01_escapes.md").write_text(notebook(NUMPY, ESCAPES, RNN_FORWARD_OK))
    (folder / "ex14_a_hog.md").write_text(notebook(NUMPY, HOG))
    os.symlink("/proc/kmsg", folder / "ex01_kmsg.md")
    os.symlink(folder / "ex01_rnn_forward.md", folder / "ex01_peer.md")
    os.symlink(SOLUTIONS / "ex01_rnn_forward.md", folder / "ex01_solution.md")
    os.mkfifo(folder / "ex01_fifo.md")
    try:
        os.mknod(folder / "ex01_device.md", stat.S_IFCHR | 0o644, os.makedev(1, 5))
    except OSError:
        pass  # not root: no device here
    report = tmp / "report.json"
    args = ["grade", str(folder), "--jobs", "2", "--seed", "0", "--json", str(report)]
    assert main([*args, "--cell-timeout", "30", "--timeout", "200"]) == 0
    reports = json.loads(report.read_text())["submissions"]
    return {Path(r["path"]).name: r for r in reports}, folder


def part(report: dict, name: str) -> tuple[int, int, str]:
    for ex in report["exercises"].values():
        if name in ex["parts"]:
            p = ex["parts"][name]
            return p["score"], p["max"], p["message"]
    raise KeyError(name)


def test_honest_work_is_graded_in_full(graded):
    reports, _ = graded
    for name in HONEST:
        r = reports[f"{name}.md"]
        assert (r["score"], r["grader_error"]) == (r["max"], None), r
        assert r["max"] == 10
        assert r["isolation"] == "bubblewrap"


def test_an_int_worth_10_to_the_400_zeroes_its_part_only(graded):
    reports, _ = graded
    r = reports["ex08_vanishing_gradients_bigint.md"]
    assert (r["score"], r["max"], r["grader_error"]) == (6, 10, None)
    score, most, msg = part(r, "decay_factor")
    assert (score, most) == (0, 4)
    assert msg.startswith("factor should be a number, got an integer out of range [case: ")
    r = reports["ex08_vanishing_gradients_rawint.md"]
    assert (r["score"], r["max"], r["grader_error"]) == (6, 10, None)
    assert part(r, "decay_factor")[2].startswith(
        "decay_factor: the submission's process sent a malformed reply (an integer out of "
        "range) [case: "
    )


def test_inf_in_a_list_of_ints_zeroes_its_part_only(graded):
    reports, _ = graded
    r = reports["ex03_char_lm_inf.md"]
    assert (r["score"], r["max"], r["grader_error"]) == (6, 10, None)
    score, most, msg = part(r, "sample")
    assert (score, most) == (0, 4)
    assert msg.startswith("ixs should be a list of ints, got a list of length 1 [case: ")


def test_violation_text_is_bounded(graded):
    reports, _ = graded
    r = reports["ex01_violations.md"]
    assert (r["score"], r["max"]) == (0, 10)
    msg = part(r, "rnn_forward")[2]
    cut = "x" * wire.MAX_ITEM_CHARS
    assert msg.startswith(f"cell 2: {cut}; cell 3: {cut}; cell 4: {cut}; ")
    assert len(msg) == MAX_TEXT
    assert msg.endswith("...")
    r = reports["ex01_raw_violations.md"]  # a forged reply of 48 MB: refused, the cell skipped
    assert (r["score"], r["max"]) == (10, 10)
    size = len('{"__dict__": {"ok": true, "violations": []}}') + 480 * 100_002 + 479
    assert r["notes"] == [
        f"ex01_rnn_forward: cell 2 the submission sent a reply of {size} bytes (too large)"
    ]


def test_two_thousand_demo_cells_are_read_and_skipped(graded):
    reports, _ = graded
    r = reports["ex01_demos.md"]
    assert (r["score"], r["max"], r["notes"]) == (10, 10, [])


def test_links_fifos_and_devices_are_refused_with_a_message(graded):
    reports, folder = graded
    kinds = {
        "ex01_kmsg.md": "a symbolic link",
        "ex01_peer.md": "a symbolic link",
        "ex01_solution.md": "a symbolic link",
        "ex01_fifo.md": "a FIFO",
    }
    if (folder / "ex01_device.md").exists():
        kinds["ex01_device.md"] = "a device"
    for name, kind in kinds.items():
        r = reports[name]
        why = f"refused: the submission is {kind}, not a regular file (upload the notebook itself)"
        assert (r["score"], r["max"], r["notes"]) == (0, 10, [f"cannot grade: {why}"]), name
        assert part(r, "rnn_forward")[2] == why


def test_no_user_namespace_and_no_dangerous_calls_in_the_sandbox(graded):
    reports, _ = graded
    r = reports["ex01_escapes.md"]
    assert (r["score"], r["max"]) == (5, 10)
    assert part(r, "rnn_step_forward")[2].startswith(
        "rnn_step_forward raised RuntimeError: reached: [] [case: "
    )


def test_a_setsid_fork_bomb_beside_costs_honest_work_nothing(graded):
    reports, _ = graded
    hog = reports["ex14_a_hog.md"]
    assert (hog["score"], hog["max"], hog["grader_error"]) == (0, 10, None)
    for ex in hog["exercises"].values():  # it defines nothing: every part says so, nothing else
        for name, p in ex["parts"].items():
            assert p["score"] == 0
            assert p["message"].startswith(f"`{name}` is not defined"), p["message"]
    honest = reports["ex14_parallel_scan.md"]
    assert honest["score"] == 10, honest


def test_a_file_named_like_an_option_is_never_an_option(tmp_path, monkeypatch, capsys):
    (tmp_path / "ex01_rnn_forward.md").write_text(notebook(NUMPY, RNN_STEP_OK, RNN_FORWARD_OK))
    (tmp_path / "--sandbox=none").write_text("")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as stop:
        main(["grade", *sorted(os.listdir("."))])  # what `rnncourse grade *` passes
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "'--sandbox=none' is the name of a file here, not an option" in err


def test_each_part_is_scored_under_its_own_guard(grade_text, monkeypatch):
    from rnncourse.grading import grader

    real = grader.run_part

    def breaks(part, invoker, rng):  # what a value that breaks the grader's arithmetic does
        if part.name == "rnn_step_forward":
            raise OverflowError("int too large to convert to float")
        return real(part, invoker, rng)

    monkeypatch.setattr(grader, "run_part", breaks)
    report = grade_text("ex01_rnn_forward", notebook(NUMPY, RNN_STEP_OK, RNN_FORWARD_OK))
    assert [(p.part, p.score, p.max) for p in report.parts] == [
        ("rnn_step_forward", 0, 5),
        ("rnn_forward", 5, 5),
    ]
    assert report.parts[0].message == (
        "could not be scored (OverflowError: int too large to convert to float)"
    )
