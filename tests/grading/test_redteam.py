"""Red team: one submission per class of attack, graded in the isolated default.

Each case asserts the exact score, the message, and that the machine is left clean: no process of
the sandbox uid left, nothing written outside the sandbox's scratch (canary files, the package
folder, the submission itself), and the JSON report unchanged after the grader returned. These
attacks are closed by isolation (what is not mounted cannot be reached), not by a blocklist.
"""

from __future__ import annotations

import ast
import inspect
import json
import os
from pathlib import Path

import jupytext
import pytest
from grading_helpers import LOOPS, SHORT, parts
from test_hostile import NUMPY, RNN_FORWARD_OK, RNN_STEP_OK, notebook

import rnncourse
from rnncourse.cli import main
from rnncourse.grading.report import format_report, safe_text
from rnncourse.grading.sandbox import bwrap as isolation
from rnncourse.grading.sandbox import unprivileged

pytestmark = pytest.mark.slow  # every case starts sandboxes

PACKAGE = Path(rnncourse.__file__).resolve().parent
UID = isolation.UID


def sandbox_processes() -> set[int]:
    """Processes that run as the sandbox's uid (in this grader's cgroups, where it has some:
    other test workers may be grading at the same time)."""
    mine = f"rnncourse-grade-{os.getpid()}/"
    out = set()
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if d.stat().st_uid == UID and (
                    not isolation.default().cgroups or mine in (d / "cgroup").read_text()
                ):
                    out.add(int(d.name))
            except OSError:
                pass
    return out


def package_listing() -> dict[str, float]:
    return {str(p): p.stat().st_mtime for p in PACKAGE.rglob("*") if "__pycache__" not in p.parts}


@pytest.fixture
def clean_machine(tmp_path):
    """Snapshot before the case; after it: no sandbox process left, nothing written outside."""
    before_procs, before_pkg = sandbox_processes(), package_listing()
    canary = tmp_path / "canary"
    yield canary
    assert not (sandbox_processes() - before_procs), "a sandbox process outlived the grader"
    assert package_listing() == before_pkg, "the package folder changed"
    assert not canary.exists(), "the submission wrote outside its sandbox"


def grade(tmp_path, name: str, text: str, *options: str, suffix: str = ".md") -> dict:
    """Grade through the command line; check the report does not change after it returned."""
    path = tmp_path / f"{name}{suffix}"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    original = path.read_bytes()
    report_path = tmp_path / "report.json"
    args = [
        "grade",
        str(path),
        "--json",
        str(report_path),
        "--seed",
        "0",
        "--cell-timeout",
        str(SHORT.cell_timeout),
        "--timeout",
        "90",
        *options,
    ]
    before = sandbox_processes()
    assert main(args) == 0
    written = report_path.read_bytes()
    # nothing of the sandbox is alive, so nothing can change the report any more
    assert not (sandbox_processes() - before), "a sandbox process outlived the grader"
    assert report_path.read_bytes() == written, "the report changed after the grader exited"
    assert path.read_bytes() == original, "the submission file changed"
    report = json.loads(written)["submissions"][0]
    assert report["isolation"] == "bubblewrap"
    return report


def part(report: dict, exercise: str, name: str) -> tuple[int, str]:
    p = report["exercises"][exercise]["parts"][name]
    return p["score"], p["message"]


def attack(canary: Path, body: str) -> str:
    """A top-level cell that tries ``body``; the canary path is the grader's machine."""
    return f"CANARY = {str(canary)!r}\n" + body


# ----------------------------------------------------------------------------- answer key
ANSWER_KEY = r"""
import importlib, importlib.util, runpy, sys, builtins
ROUTES = []
def _try(label, fn):
    try:
        fn()
        ROUTES.append(label)
    except BaseException:
        pass
name = "rnncourse." + "refer" + "ence"
_try("import", lambda: importlib.import_module(name))
_try("__import__", lambda: builtins.__import__(name))
_try("getattr", lambda: getattr(builtins, "__imp" + "ort__")(name))
_try("runpy", lambda: runpy.run_module(name))
_try("grading internals", lambda: importlib.import_module("rnncourse.grading.var" + "iants"))
_try("catalog", lambda: importlib.import_module("rnncourse.grading.catalog"))
_try("torch", lambda: importlib.import_module("torch"))
sys.meta_path.clear()
sys.path.insert(0, "PKGROOT")
sys.path.insert(0, "/work")
_try("meta_path removed", lambda: importlib.import_module(name))
_try("file", lambda: open("PKGROOT/rnncourse/reference/rnn.py").read())
spec = None
try:
    spec = importlib.util.spec_from_file_location("r", "PKGROOT/rnncourse/reference/rnn.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    ROUTES.append("spec_from_file_location")
except BaseException:
    pass

def rnn_step_forward(x, h_prev, Wx, Wh, b):
    raise RuntimeError("routes to the answer key: " + repr(ROUTES))
"""


def test_reach_the_answer_key(tmp_path, clean_machine):
    code = ANSWER_KEY.replace("PKGROOT", str(PACKAGE.parent))
    report = grade(tmp_path, "ex01_rnn_forward", notebook(NUMPY, code, RNN_FORWARD_OK))
    score, msg = part(report, "ex01_rnn_forward", "rnn_step_forward")
    assert score == 0
    assert msg.startswith("rnn_step_forward raised RuntimeError: routes to the answer key: [] ")
    assert part(report, "ex01_rnn_forward", "rnn_forward")[0] == 5


# ----------------------------------------------------------------------------- the checker
TRICK = r"""
import gc, sys
np.allclose = lambda *a, **k: True
np.array_equal = lambda *a, **k: True
np.max = lambda *a, **k: 0.0
np.testing.assert_allclose = lambda *a, **k: None
for obj in gc.get_objects():
    if isinstance(obj, dict) and "ok" in obj:
        obj["ok"] = True
def _fake(*a, **k):
    return True
_fake.__module__ = "numpy"
np.isfinite = _fake

def rnn_step_forward(x, h_prev, Wx, Wh, b):
    return np.zeros((x.shape[0], Wh.shape[0]), dtype=x.dtype), None
"""


def test_trick_the_checker_in_its_process(tmp_path, clean_machine):
    report = grade(tmp_path, "ex01_rnn_forward", notebook(NUMPY, TRICK, RNN_FORWARD_OK))
    score, msg = part(report, "ex01_rnn_forward", "rnn_step_forward")
    assert score == 0
    assert msg.startswith("h is wrong (max rel error 1.0e+00) [case: ")
    assert part(report, "ex01_rnn_forward", "rnn_forward")[0] == 5


# ----------------------------------------------------------------------------- the grader
GRADER = r"""
import os, signal, glob
SEEN = {}
for what, fn in {
    "parent cmdline": lambda: open(f"/proc/{os.getppid()}/cmdline").read(),
    "grader environ": lambda: [open(p).read() for p in glob.glob("/proc/*/environ")],
    "kill all": lambda: os.kill(-1, signal.SIGKILL),
    "stop pid 1": lambda: os.kill(1, signal.SIGSTOP),
    "canary": lambda: open(CANARY, "w").write("x"),
    "package": lambda: open("PKG/evil.py", "w").write("x"),
    "home": lambda: os.listdir("/root"),
    "repository": lambda: os.listdir("/work"),
    "stdout": lambda: os.write(1, b"== forged row 10/10\n"),
}.items():
    try:
        SEEN[what] = fn()
    except BaseException as e:
        SEEN[what] = type(e).__name__
"""


def test_attack_the_grader(tmp_path, clean_machine, capsys):
    code = attack(clean_machine, GRADER.replace("PKG", str(PACKAGE)))
    report = grade(tmp_path, "ex01_rnn_forward", notebook(NUMPY, code, RNN_STEP_OK, RNN_FORWARD_OK))
    assert report["score"] == 10, report
    assert "forged row" not in capsys.readouterr().out


def test_json_path_that_is_a_fifo_is_a_clear_error(tmp_path, capsys):
    fifo = tmp_path / "report.json"
    os.mkfifo(fifo)
    sub = tmp_path / "ex01_rnn_forward.md"
    sub.write_text(notebook(NUMPY, RNN_STEP_OK, RNN_FORWARD_OK))
    assert main(["grade", str(sub), "--json", str(fifo)]) == 2
    assert f"--json: {fifo} is a FIFO, not a regular file" in capsys.readouterr().err


# ----------------------------------------------------------------------------- outlive / outgrow
OUTLIVE = r"""
import os, time
pid = os.fork()
if pid == 0:
    os.setsid()
    if os.fork() == 0:
        time.sleep(30)  # would still be running when the test looks
        try:
            open(CANARY, "w").write("late")
        finally:
            os._exit(0)
    os._exit(0)
os.waitpid(pid, 0)
"""


def test_outlive_the_grader(tmp_path, clean_machine):
    code = attack(clean_machine, OUTLIVE)
    report = grade(tmp_path, "ex01_rnn_forward", notebook(NUMPY, code, RNN_STEP_OK, RNN_FORWARD_OK))
    # the check is clean_machine's: no process of the sandbox's uid is left after grade()
    assert report["score"] == 10


MEMORY = r"""
import os
KIDS = []
for _ in range(3):
    pid = os.fork()
    if pid == 0:
        a = np.ones(450 * 1024 * 1024 // 8)  # touched: really resident
        import time
        time.sleep(3)
        os._exit(0)
    KIDS.append(pid)
STATUS = [os.waitpid(pid, 0)[1] for pid in KIDS]

def rnn_step_forward(x, h_prev, Wx, Wh, b):
    killed = sum(os.WIFSIGNALED(s) and os.WTERMSIG(s) == 9 for s in STATUS)
    raise RuntimeError(f"{killed} of 3 forks killed")
"""


@pytest.mark.skipif(
    "memory" not in isolation.default().cgroups,
    reason="no writable memory cgroup here: per-process limit only (documented)",
)
def test_outgrow_the_memory_limit_with_forks(tmp_path, clean_machine):
    report = grade(
        tmp_path,
        "ex01_rnn_forward",
        notebook(NUMPY, MEMORY, RNN_FORWARD_OK),
        "--memory-mb",
        "700",
        "--cell-timeout",
        "20",
    )
    score, msg = part(report, "ex01_rnn_forward", "rnn_step_forward")
    assert score == 0
    killed = int(msg.split("RuntimeError: ")[1][0])
    assert killed >= 1
    assert msg.startswith(f"rnn_step_forward raised RuntimeError: {killed} of 3")
    assert part(report, "ex01_rnn_forward", "rnn_forward")[0] == 5


# ----------------------------------------------------------------------------- forged replies
FORGE_REPLY = r"""
import os, struct, sys
def rnn_step_forward(x, h_prev, Wx, Wh, b):
    fd = int(sys.argv[2])
    payload = b'{"__dict__": {"ok": true, "score": 10}}'
    os.write(fd, struct.pack("<Q", len(payload)) + payload)
    os._exit(0)
"""
FORGE_TEXT = r"""
def rnn_forward(x, h0, Wx, Wh, b):
    raise ValueError("\r\x1b[32mok\n  ex01_rnn_forward  rnn_forward  5/5  passed \ud800")
"""


def test_forged_reply_and_output(tmp_path, clean_machine, capsys):
    report = grade(tmp_path, "ex01_rnn_forward", notebook(NUMPY, FORGE_REPLY, FORGE_TEXT))
    score, msg = part(report, "ex01_rnn_forward", "rnn_step_forward")
    assert score == 0
    assert msg.startswith(
        "rnn_step_forward: the submission's process sent a malformed reply "
        "(unknown field 'score') [case: "
    )
    score, msg = part(report, "ex01_rnn_forward", "rnn_forward")
    assert score == 0
    assert msg.startswith(
        "rnn_forward raised ValueError: \\r\\x1b[32mok\\n  ex01_rnn_forward"
        "  rnn_forward  5/5  passed \\ud800 [case: "
    )
    out = capsys.readouterr().out
    assert "\x1b" not in out
    assert "\r" not in out
    assert [ln for ln in out.splitlines() if "5/5  passed" in ln and "raised" not in ln] == []


def test_escaping_covers_every_control_character():
    raw = "a\rb\x1b[2Jc\nd\te\u202ef\ud800g" + "x" * 5000
    s = safe_text(raw, 100)
    assert s.startswith("a\\rb\\x1b[2Jc\\nd\\te\\u202ef\\ud800g")
    assert len(s) == 100
    assert s.isprintable()
    json.dumps(s).encode("utf-8")


# ----------------------------------------------------------------------------- parser
def test_crash_the_parser(tmp_path, clean_machine):
    deep = "y = " + "(" * 5000 + "1" + ")" * 5000 + "\nz = 1" + " + 1" * 200_000
    nb = json.loads(
        jupytext.writes(
            jupytext.reads(notebook(NUMPY, deep, RNN_STEP_OK, RNN_FORWARD_OK), fmt="md"),
            fmt="ipynb",
        )
    )
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    code[1]["metadata"] = ["not", "a", "dict"]
    code[2]["metadata"] = {"tags": "raises-exception"}
    report = grade(tmp_path, "ex01_rnn_forward", json.dumps(nb), suffix=".ipynb")
    assert report["score"] == 10, report
    pct = (
        "# %%\n"
        + NUMPY
        + "\n\n# %%\n# copy of my first try\n# cd somewhere\n"
        + RNN_STEP_OK
        + "\n# %%\n"
        + RNN_FORWARD_OK
    )
    report = grade(tmp_path, "ex01_rnn_forward", pct, suffix=".py")
    assert report["score"] == 10


def test_odd_file_names_and_bytes_get_a_report(tmp_path, clean_machine):
    text = notebook(NUMPY, RNN_STEP_OK, RNN_FORWARD_OK)
    report = grade(tmp_path, "ex01_rnn_forward_\u202e\n", text)
    assert report["score"] == 10
    assert report["path"].endswith("ex01_rnn_forward_\\u202e\\n.md")
    bad = text.replace("import numpy", "# \ud800\nimport numpy")  # not valid UTF-8 once written
    report = grade(tmp_path, "ex01_rnn_forward", bad)
    assert (report["score"], report["max"]) == (0, 10)
    assert part(report, "ex01_rnn_forward", "rnn_forward")[1].startswith("cannot read the file")


# ----------------------------------------------------------------------------- honest work
TORCH_OK = r"""
import torch
from torch import nn

class LSTMFromScratch(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        H = hidden_size
        self.hidden_size = H
        self.weight_ih_l0 = nn.Parameter(torch.randn(4 * H, input_size))
        self.weight_hh_l0 = nn.Parameter(torch.randn(4 * H, H))
        self.bias_ih_l0 = nn.Parameter(torch.zeros(4 * H))
        self.bias_hh_l0 = nn.Parameter(torch.zeros(4 * H))

    def forward(self, x, state=None):
        N, T, _ = x.shape
        H = self.hidden_size
        if state is None:
            h = x.new_zeros(N, H)
            c = x.new_zeros(N, H)
        else:
            h, c = state[0][0], state[1][0]
        outs, gates = [], []
        for t in range(T):
            a = x[:, t] @ self.weight_ih_l0.T + self.bias_ih_l0 + h @ self.weight_hh_l0.T \
                + self.bias_hh_l0
            i, f = torch.sigmoid(a[:, :H]), torch.sigmoid(a[:, H:2 * H])
            g, o = torch.tanh(a[:, 2 * H:3 * H]), torch.sigmoid(a[:, 3 * H:])
            c = f * c + i * g
            h = o * torch.tanh(c)
            outs.append(h)
            gates.append(torch.cat([i, f, g, o], dim=1))
        self.gates = torch.stack(gates, 1)  # the gates of every step, (N, T, 4H)
        return torch.stack(outs, 1), (h[None], c[None])
"""


def test_torch_in_one_exercise_costs_the_numpy_one_nothing(tmp_path, clean_machine):
    report = grade(
        tmp_path,
        "combined",
        notebook(NUMPY, TORCH_OK, RNN_STEP_OK, RNN_FORWARD_OK, "while True:\n    pass"),
    )
    assert report["exercises"]["ex01_rnn_forward"]["score"] == 10, report
    assert report["exercises"]["ex09_torch_lstm"]["score"] == 10, report
    # the looping cell ran once per sandbox kind (NumPy-only, torch), not once per exercise
    loops = [n for n in report["notes"] if "cell 5 did not finish in time" in n]
    assert loops == [
        "ex01_rnn_forward: cell 5 did not finish in time (infinite loop?)",
        "ex09_torch_lstm: cell 5 did not finish in time (infinite loop?)",
    ]


def test_one_run_of_the_cells_for_exercises_of_one_kind(tmp_path, clean_machine):
    loop = "while True:\n    pass"
    step_back = "def rnn_step_backward(dh, cache):\n    raise NotImplementedError"
    report = grade(
        tmp_path,
        "combined",
        notebook(NUMPY, RNN_STEP_OK, RNN_FORWARD_OK, loop, step_back),
        "--cell-timeout",  # NumPy only: the shorter limit for loops (the last one given wins)
        str(LOOPS.cell_timeout),
    )
    loops = [n for n in report["notes"] if "did not finish in time" in n]
    assert loops == [
        "ex01_rnn_forward/ex02_rnn_bptt: cell 4 did not finish in time (infinite loop?)"
    ]
    assert report["exercises"]["ex01_rnn_forward"]["score"] == 10


# ----------------------------------------------------------------------------- copies
class _Rename(ast.NodeTransformer):
    def visit_Name(self, node):
        node.id = node.id + "_mine" if node.id not in ("np", "range", "len") else node.id
        return node

    def visit_arg(self, node):
        node.arg += "_mine"
        return node


def test_renamed_copy_of_the_reference_scores_zero(tmp_path, clean_machine):
    """A renamed paste of the reference's rnn_forward scores 0; its step function (two
    statements of a formula, written the same way by everyone) is not judged, so the honest
    step beside it keeps its points."""
    from rnncourse.reference import rnn as ref_rnn

    tree = ast.parse(inspect.getsource(ref_rnn.rnn_forward))
    copy = ast.unparse(_Rename().visit(tree))
    report = grade(tmp_path, "ex01_rnn_forward", notebook(NUMPY, RNN_STEP_OK, copy))
    score, msg = part(report, "ex01_rnn_forward", "rnn_forward")
    assert score == 0
    assert msg == (
        "cell 3: `rnn_forward` is a copy of the package's own "
        "rnncourse.reference.rnn.rnn_forward (the same code up to names and "
        "formatting): write your own, scored 0"
    )
    assert part(report, "ex01_rnn_forward", "rnn_step_forward")[0] == 5


# ----------------------------------------------------------------------------- modes
def test_sandbox_none_is_marked_not_isolated(tmp_path, capsys):
    sub = tmp_path / "ex01_rnn_forward.md"
    sub.write_text(notebook(NUMPY, RNN_STEP_OK, RNN_FORWARD_OK))
    assert main(["grade", str(sub), "--sandbox", "none", "--json", str(tmp_path / "r.json")]) == 0
    assert "10/10 points" in capsys.readouterr().out.splitlines()[0]
    report = json.loads((tmp_path / "r.json").read_text())["submissions"][0]
    assert report["isolation"] == "none (not isolated)"
    assert report["score"] == 10


def _no_bubblewrap(tmp_path, monkeypatch):
    box = isolation.Bubblewrap()
    box.bwrap = str(tmp_path / "no-such-bwrap")
    monkeypatch.setattr(isolation, "_default", box)
    sub = tmp_path / "ex01_rnn_forward.md"
    sub.write_text(notebook(NUMPY, RNN_STEP_OK, RNN_FORWARD_OK))
    return sub


def test_an_instructor_asking_for_isolation_gets_a_refusal(tmp_path, capsys, monkeypatch):
    sub = _no_bubblewrap(tmp_path, monkeypatch)
    assert main(["grade", str(sub), "--sandbox", "bwrap"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("cannot isolate submissions here: bwrap: bubblewrap could not start")
    assert "--sandbox none" in err


def test_a_learner_without_bubblewrap_grades_unisolated_saying_so(tmp_path, capsys, monkeypatch):
    sub = _no_bubblewrap(tmp_path, monkeypatch)
    nobody = unprivileged.Unprivileged()
    nobody.root = False  # a learner's laptop: no root, so no uid to drop to
    monkeypatch.setattr(unprivileged, "_default", nobody)
    assert main(["grade", str(sub)]) == 0
    out, err = capsys.readouterr()
    assert err.splitlines() == [
        "NOT ISOLATED: no sandbox can start here (bwrap: bubblewrap could not start: [Errno 2] "
        f"No such file or directory: '{tmp_path / 'no-such-bwrap'}'; uid: only root can run the "
        "learner's code as another uid), so the code runs as a plain process - fine for grading "
        "your own notebooks. Instructors grading others' work: install bubblewrap and use "
        "--sandbox bwrap (see rnncourse/grading/README.md)"
    ]
    head = out.splitlines()[0]
    assert head.startswith(f"== {sub}: 10/10 points (")
    assert head.endswith(" s) [NOT ISOLATED]")


def test_the_seccomp_filter_is_what_refuses(tmp_path):
    # planted failure: the same sandbox without the filter lets a user namespace be made
    import subprocess
    import sys

    box = isolation.Bubblewrap()
    probe = (
        "import ctypes, sys; r = ctypes.CDLL(None, use_errno=True).unshare(0x10000000); "
        "sys.exit(0 if r == 0 else 3)"
    )
    codes = {}
    for label, fd in (("filtered", box.seccomp_fd()), ("unfiltered", None)):
        argv = box.argv(isolation.Profile(), [sys.executable, "-I", "-S", "-c", probe], fd)
        codes[label] = subprocess.run(argv, pass_fds=() if fd is None else (fd,)).returncode
        if fd is not None:
            os.close(fd)
    assert codes == {"filtered": 3, "unfiltered": 0}


def test_default_is_isolated_here(tmp_path):
    isolation.default().check()  # this machine has bubblewrap and namespaces: no exception
    report_text = format_report(
        type(
            "R",
            (),
            {
                "path": "p",
                "score": 0,
                "max": 0,
                "seconds": 0.0,
                "isolation": "none (not isolated)",
                "parts": [],
                "notes": [],
                "grader_error": None,
            },
        )()
    )
    assert report_text.startswith("== p: 0/0 points (0.0 s) [NOT ISOLATED]")


def test_what_the_sandbox_holds():
    box = isolation.default()
    prof = isolation.Profile(reference=True, hidden=("bidirectional*", "deep*"))
    staged = box.staged(prof) / "rnncourse"
    names = sorted(str(p.relative_to(staged)) for p in staged.rglob("*.py"))
    assert "reference/bidirectional.py" not in names
    assert "reference/deep.py" not in names
    assert "grading/catalog/__init__.py" not in names
    assert "grading/mutants.py" not in names
    init = (staged / "reference" / "__init__.py").read_text()
    assert "deep_forward" not in init
    assert "rnn_forward" in init
    plain = sorted(
        str(p.relative_to(box.staged(isolation.Profile()) / "rnncourse"))
        for p in (box.staged(isolation.Profile()) / "rnncourse").rglob("*.py")
    )
    assert plain == [
        "__init__.py",
        "grading/__init__.py",
        "grading/child/__init__.py",
        "grading/child/calls.py",
        "grading/child/drivers.py",
        "grading/child/guard.py",
        "grading/child/runner.py",
        "grading/feedback.py",
        "grading/sandbox/__init__.py",
        "grading/sandbox/seccomp.py",
        "grading/wire.py",
    ]
    argv = " ".join(box.argv(isolation.Profile(), ["python"]))
    assert "/site/torch" not in argv
    assert str(PACKAGE) not in argv
    assert "/site/torch" in " ".join(box.argv(isolation.Profile(torch=True), ["python"]))


def test_results_of_a_hostile_run_fit_the_report_shape(tmp_path, clean_machine):
    text = notebook(NUMPY, RNN_STEP_OK, RNN_FORWARD_OK)
    report = grade(tmp_path, "ex01_rnn_forward", text)
    assert set(report) == {
        "path",
        "score",
        "max",
        "exercises",
        "notes",
        "seconds",
        "isolation",
        "grader_error",
    }
    assert parts  # the helper of the other suites stays importable
