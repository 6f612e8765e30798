"""The isolated sandbox of one submission: bubblewrap, a staged file tree, seccomp, cgroups.

Every child runs in fresh pid, mount, network, IPC and UTS namespaces (``bwrap``), as uid/gid
65534 (dropped with ``setpriv`` when the grader is root; a user namespace otherwise), with an
empty environment except what Python needs, under the seccomp filter of :mod:`.seccomp` (no new
namespaces, no ``bpf``, ``keyctl``, ``perf_event_open``, ``ptrace``, ``mount``, ...). It sees,
read-only: ``/usr``, the interpreter's own install (its ``site-packages`` hidden), and ``/site``,
which holds only what the exercise's :class:`~rnncourse.grading.policy.Profile` allows: NumPy,
torch and its dependencies for a torch exercise, and a *staged* copy of the few package files the
child needs (:mod:`.staging`). It writes only to a private ``/scratch`` and ``/tmp`` (tmpfs).
Nothing else of the machine is there: not the repository, not the grader's modules, not other
submissions, not the home folder.

When the grader kills ``bwrap``, the pid namespace dies with every process in it. Where a cgroup
hierarchy is writable (v1 ``memory``, ``pids``, ``cpu``, as root), each sandbox gets its own
cgroups that cap the memory, the number of processes and the CPU share of the whole tree
(:mod:`.cgroups`); otherwise the documented fallback is per-process: ``RLIMIT_AS``,
``RLIMIT_NPROC`` and ``RLIMIT_CPU`` set by the child before learner code runs.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rnncourse.grading.policy import Profile
from rnncourse.grading.sandbox import cgroups, seccomp
from rnncourse.grading.sandbox.staging import distribution_dirs, stage

UID = 65534  # nobody
#: Started inside the sandbox (``python -I -S -c``): only ``/site`` is added to the path.
BOOT = (
    "import sys; sys.path.insert(0, '/site'); from rnncourse.grading.child.runner import main; "
    "sys.exit(main(sys.argv))"
)


@dataclass
class Launch:
    """How one sandboxed child is started: its command, environment, folder, inherited fds."""

    argv: list[str]
    env: dict[str, str]
    cwd: str
    pass_fds: tuple[int, ...] = ()  # closed by the grader once the child started
    release: Callable[[], None] | None = None  # called after the child is killed


class IsolationUnavailable(RuntimeError):
    """bubblewrap is missing or the kernel refuses its namespaces here."""


class Bubblewrap:
    """Builds the ``bwrap`` command of each sandbox and owns the staged trees and cgroups."""

    #: how reports name this isolation; whether the child needs the in-process guard too
    name = "bubblewrap"
    in_process_guard = False
    nproc_factor = 4  # RLIMIT_NPROC counts every sandbox of the shared uid 65534
    init_extra: dict = {}

    def __init__(self) -> None:
        self.bwrap = shutil.which("bwrap")
        self.filter = seccomp.program()
        self.setpriv = shutil.which("setpriv")
        self.root = os.geteuid() == 0
        self._stage_dir: Path | None = None
        self._staged: dict[str, Path] = {}
        self._lock = threading.RLock()
        self._checked: str | None = None
        self.cgroups = cgroups.parents()
        if self.filter is None:
            self.name = "bubblewrap (no seccomp filter on this architecture)"

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
        fd = self.seccomp_fd()
        argv = self.argv(Profile(), [sys.executable, "-I", "-S", "-c", "pass"], fd)
        try:
            fds = () if fd is None else (fd,)
            done = subprocess.run(argv, capture_output=True, timeout=30, check=False, pass_fds=fds)
        except (OSError, subprocess.TimeoutExpired) as e:
            return f"bubblewrap could not start: {e}"
        finally:
            if fd is not None:
                os.close(fd)
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
                stage(dest, prof)
                self._staged[prof.key] = dest
            return self._staged[prof.key]

    def seccomp_fd(self) -> int | None:
        """Return a fresh descriptor holding the seccomp program (bwrap reads it), or ``None``."""
        if self.filter is None:
            return None
        fd = os.memfd_create("rnncourse-seccomp", 0)
        os.write(fd, self.filter)
        os.lseek(fd, 0, os.SEEK_SET)
        return fd

    def launch(self, prof: Profile, fds: list[str]) -> Launch:
        """Return how to start the child of profile ``prof`` talking on pipe descriptors ``fds``."""
        fd = self.seccomp_fd()
        argv = self.argv(prof, [sys.executable, "-I", "-S", "-c", BOOT, *fds], fd)
        return Launch(argv, {"PATH": "/usr/bin:/bin"}, "/", () if fd is None else (fd,))

    def new_cgroup(self, memory_bytes: int, processes: int) -> list[Path]:
        """Fresh cgroups capping one sandbox's whole process tree; [] where none is writable."""
        return cgroups.new_cgroups(self.cgroups, memory_bytes, processes)

    def argv(self, prof: Profile, command: list[str], seccomp_fd: int | None = None) -> list[str]:
        """Return the ``bwrap`` command line running ``command`` (whose argv[0] is this Python).

        ``seccomp_fd``: a descriptor of :meth:`seccomp_fd`, inherited by ``bwrap``.
        """
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
        if seccomp_fd is not None:
            args += ["--seccomp", str(seccomp_fd)]
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
        for path in distribution_dirs(roots):
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


_default: Bubblewrap | None = None


def default() -> Bubblewrap:
    """Return the process-wide :class:`Bubblewrap` (staged trees are built once per grader)."""
    global _default
    if _default is None:
        _default = Bubblewrap()
    return _default
