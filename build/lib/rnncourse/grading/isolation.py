"""The isolated sandbox of one submission: bubblewrap, a staged file tree, cgroup limits.

Every child runs in fresh pid, mount, network, IPC and UTS namespaces (``bwrap``), as uid/gid
65534 (dropped with ``setpriv`` when the grader is root; a user namespace otherwise), with an
empty environment except what Python needs. It sees, read-only: ``/usr``, the interpreter's own
install (its ``site-packages`` hidden), and ``/site``, which holds only what the exercise's
:class:`~rnncourse.grading.policy.Profile` allows: NumPy, torch and its dependencies for a torch
exercise, and a *staged* copy of the few package files the child needs (:data:`CHILD_FILES`; for
exercises that build on it, the reference with the graded names cut out). It writes only to a
private ``/scratch`` and ``/tmp`` (tmpfs). Nothing else of the machine is there: not the
repository, not the grader's modules, not other submissions, not the home folder.

When the grader kills ``bwrap``, the pid namespace dies with every process in it. Where a cgroup
hierarchy is writable (v1 ``memory`` and ``pids``, as root), each sandbox gets its own cgroup that
caps the memory and the number of processes of the whole tree; otherwise the documented fallback
is per-process: ``RLIMIT_AS`` and ``RLIMIT_NPROC`` set by the child before learner code runs.
"""

from __future__ import annotations

import ast
import atexit
import functools
import itertools
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from importlib import metadata
from pathlib import Path

from rnncourse.grading.policy import Profile, hidden_name

UID = 65534  # nobody
CGROUP_ROOT = Path("/sys/fs/cgroup")
#: Package files every child needs (relative to the ``rnncourse`` folder); none computes a result.
CHILD_FILES = (
    "__init__.py",
    "grading/__init__.py",
    "grading/runner.py",
    "grading/drivers.py",
    "grading/wire.py",
    "grading/guard.py",
)
#: Extra files of the reference profile (the reference itself is filtered, see :func:`_stage`).
REFERENCE_FILES = ("grading/lm.py", "grading/data/names.txt")  # beside _validation/, reference/
_counter = itertools.count()


class IsolationUnavailable(RuntimeError):
    """bubblewrap is missing or the kernel refuses its namespaces here."""


def _package_root() -> Path:
    import rnncourse

    return Path(rnncourse.__file__).resolve().parent


def _site_packages() -> Path:
    import numpy

    return Path(numpy.__file__).resolve().parent.parent


@functools.cache
def _distribution_dirs(roots: tuple[str, ...]) -> list[Path]:
    """Top-level files and folders (in site-packages) of ``roots`` and what they require."""
    site = _site_packages()
    seen: set[str] = set()
    todo, out = list(roots), set()
    while todo:
        name = todo.pop()
        key = name.lower().replace("_", "-")
        if key in seen:
            continue
        seen.add(key)
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        for f in dist.files or ():
            top = str(f).split("/")[0]
            if top not in ("..", "__pycache__") and (site / top).exists():
                out.add(site / top)
        for req in dist.requires or ():
            if "extra ==" in req:
                continue
            todo.append(
                req.split(";")[0]
                .split("[")[0]
                .split("<")[0]
                .split(">")[0]
                .split("=")[0]
                .split("!")[0]
                .split("~")[0]
                .strip()
            )
    return sorted(out)


def _filtered_source(source: str, hidden: tuple[str, ...]) -> str:
    """Remove from ``source`` the top-level definitions of hidden names.

    Definitions, imports and ``__all__`` entries of the names that
    :func:`~rnncourse.grading.policy.hidden_name` hides are dropped.
    """
    tree = ast.parse(source)
    body = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and hidden_name(
            node.name, hidden
        ):
            continue
        if isinstance(node, ast.ImportFrom):
            mod = (node.module or "").rsplit(".", 1)[-1]
            node.names = [
                a
                for a in node.names
                if not hidden_name(a.name, hidden) and not hidden_name(mod, hidden)
            ]
            if not node.names:
                continue
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets)
            and isinstance(node.value, (ast.List, ast.Tuple))
        ):
            node.value.elts = [
                e
                for e in node.value.elts
                if not (isinstance(e, ast.Constant) and hidden_name(str(e.value), hidden))
            ]
        body.append(node)
    tree.body = body
    return ast.unparse(tree) + "\n"


def _stage(dest: Path, prof: Profile) -> None:
    """Write the package files that profile ``prof`` exposes under ``dest/rnncourse``."""
    src = _package_root()
    files = list(CHILD_FILES)
    if prof.reference:
        files += list(REFERENCE_FILES)
        for package in ("_validation", "reference"):
            files += [str(p.relative_to(src)) for p in sorted((src / package).glob("*.py"))]
    for rel in files:
        target = dest / "rnncourse" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        text = (src / rel).read_text(encoding="utf-8")
        if rel.startswith("reference/") and prof.hidden:
            if hidden_name(Path(rel).stem, prof.hidden):
                continue  # a module named after a graded function: not there at all
            text = _filtered_source(text, prof.hidden)
        target.write_text(text, encoding="utf-8")
    for d in [dest, *dest.rglob("*")]:
        os.chmod(d, 0o755 if d.is_dir() else 0o644)


class Bubblewrap:
    """Builds the ``bwrap`` command of each sandbox and owns the staged trees and cgroups."""

    def __init__(self) -> None:
        self.bwrap = shutil.which("bwrap")
        self.setpriv = shutil.which("setpriv")
        self.root = os.geteuid() == 0
        self._stage_dir: Path | None = None
        self._staged: dict[str, Path] = {}
        self._lock = threading.RLock()
        self._checked: str | None = None
        self.cgroups = self._cgroup_parents()

    def check(self) -> None:
        """Raise :class:`IsolationUnavailable` (with the reason) unless a sandbox starts here."""
        with self._lock:
            if self._checked == "ok":
                return
            if self._checked is not None:
                raise IsolationUnavailable(self._checked)
            reason = self._probe()
            self._checked = reason or "ok"
        if reason:
            raise IsolationUnavailable(reason)

    def _probe(self) -> str | None:
        if not self.bwrap:
            return "bubblewrap (bwrap) is not installed (Debian: apt-get install bubblewrap)"
        if self.root and not self.setpriv:
            return "setpriv (util-linux) is missing: cannot drop to an unprivileged uid"
        argv = self.argv(Profile(), [sys.executable, "-I", "-S", "-c", "pass"])
        try:
            done = subprocess.run(argv, capture_output=True, timeout=30, check=False)
        except (OSError, subprocess.TimeoutExpired) as e:
            return f"bubblewrap could not start: {e}"
        if done.returncode != 0:
            err = done.stderr.decode("utf-8", "replace").strip().splitlines()
            return (
                "bubblewrap cannot create namespaces here ("
                + (err[-1] if err else f"exit {done.returncode}")
                + ")"
            )
        return None

    def staged(self, prof: Profile) -> Path:
        """Return the read-only file tree of profile ``prof``, staged on first use."""
        with self._lock:
            if prof.key not in self._staged:
                if self._stage_dir is None:
                    self._stage_dir = Path(tempfile.mkdtemp(prefix="rnncourse-stage-"))
                    os.chmod(self._stage_dir, 0o755)
                    atexit.register(shutil.rmtree, self._stage_dir, True)
                dest = self._stage_dir / prof.key
                _stage(dest, prof)
                self._staged[prof.key] = dest
            return self._staged[prof.key]

    def argv(self, prof: Profile, command: list[str]) -> list[str]:
        """Return the ``bwrap`` command line running ``command`` (whose argv[0] is this Python)."""
        prefix = Path(sys.base_prefix).resolve()
        args = [
            self.bwrap or "bwrap",
            "--unshare-pid",
            "--unshare-net",
            "--unshare-ipc",
            "--unshare-uts",
            "--unshare-cgroup-try",
            "--die-with-parent",
            "--new-session",
        ]
        if not self.root:
            args += ["--unshare-user", "--uid", str(UID), "--gid", str(UID)]
        args += [
            "--ro-bind",
            "/usr",
            "/usr",
            "--symlink",
            "usr/lib",
            "/lib",
            "--symlink",
            "usr/lib64",
            "/lib64",
            "--symlink",
            "usr/bin",
            "/bin",
            "--proc",
            "/proc",
            "--dev",
            "/dev",
        ]
        for parent in reversed(prefix.parents[:-1]):  # readable path down to the interpreter
            args += ["--perms", "0755", "--dir", str(parent)]
        args += ["--ro-bind", str(prefix), str(prefix)]
        for site in (
            sorted(prefix.glob("lib/python3*/site-packages"))
            + sorted(Path("/usr/lib").glob("python3*/dist-packages"))
            + sorted(Path("/usr/local/lib").glob("python3*/*-packages"))
        ):
            if site.is_dir() and (str(site).startswith(str(prefix)) or site.parts[1] == "usr"):
                args += ["--tmpfs", str(site)]  # other installed packages: not there
        args += ["--perms", "0755", "--dir", "/site"]
        roots = ("numpy", "torch") if prof.torch else ("numpy",)
        for path in _distribution_dirs(roots):
            args += ["--ro-bind", str(path), f"/site/{path.name}"]
        args += ["--ro-bind", str(self.staged(prof) / "rnncourse"), "/site/rnncourse"]
        args += [
            "--perms",
            "0777",
            "--size",
            str(256 * 1024 * 1024),
            "--tmpfs",
            "/scratch",
            "--perms",
            "1777",
            "--size",
            str(64 * 1024 * 1024),
            "--tmpfs",
            "/tmp",
            "--chdir",
            "/scratch",
            "--clearenv",
        ]
        env = {
            "PATH": "/usr/bin:/bin",
            "HOME": "/scratch",
            "LANG": "C.UTF-8",
            "RNNCOURSE_GRADING": "1",
            "MPLBACKEND": "Agg",
            "OMP_NUM_THREADS": "1",
            "OPENBLAS_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
        }
        for k, v in env.items():
            args += ["--setenv", k, v]
        args.append("--")
        if self.root:
            args += [
                self.setpriv or "setpriv",
                f"--reuid={UID}",
                f"--regid={UID}",
                "--clear-groups",
                "--inh-caps=-all",
                "--bounding-set=-all",
                "--no-new-privs",
            ]
        py = (
            str(prefix / "bin" / Path(sys.executable).name)
            if (prefix / "bin" / Path(sys.executable).name).exists()
            else str(prefix / "bin" / "python3")
        )
        return args + [py, *command[1:]]

    def _cgroup_parents(self) -> dict[str, Path]:
        """Writable v1 ``memory`` and ``pids`` hierarchies (a parent folder per grader)."""
        out = {}
        for ctl in ("memory", "pids"):
            base = CGROUP_ROOT / ctl
            if not (base / "cgroup.procs").exists():
                continue
            parent = base / f"rnncourse-grade-{os.getpid()}"
            try:
                parent.mkdir(exist_ok=True)
            except OSError:
                continue
            out[ctl] = parent
            atexit.register(_rmdir_quietly, parent)
        return out

    def new_cgroup(self, memory_bytes: int, processes: int) -> list[Path]:
        """Fresh cgroups capping one sandbox's whole process tree; [] where none is writable."""
        made = []
        n = next(_counter)
        for ctl, parent in self.cgroups.items():
            d = parent / f"s{n}"
            try:
                d.mkdir()
                if ctl == "memory":
                    (d / "memory.limit_in_bytes").write_text(str(memory_bytes))
                    sw = d / "memory.memsw.limit_in_bytes"
                    if sw.exists():
                        sw.write_text(str(memory_bytes))
                else:
                    (d / "pids.max").write_text(str(processes))
            except OSError:
                _rmdir_quietly(d)
                continue
            made.append(d)
        return made


def kill_cgroups(groups: list[Path], timeout: float = 5.0) -> bool:
    """Kill every process left in ``groups``, wait until they are gone, remove the groups."""
    deadline = time.monotonic() + timeout
    empty = True
    for d in groups:
        while True:
            try:
                pids = [int(p) for p in (d / "cgroup.procs").read_text().split()]
            except OSError:
                pids = []
            if not pids:
                break
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            if time.monotonic() > deadline:
                empty = False
                break
            time.sleep(0.01)
        _rmdir_quietly(d)
    return empty


def _rmdir_quietly(d: Path) -> None:
    for _ in range(50):
        try:
            d.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.02)


_default: Bubblewrap | None = None


def default() -> Bubblewrap:
    """Return the process-wide :class:`Bubblewrap` (staged trees are built once per grader)."""
    global _default
    if _default is None:
        _default = Bubblewrap()
    return _default
