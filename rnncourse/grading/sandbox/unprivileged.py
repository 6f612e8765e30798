"""The fallback where bubblewrap cannot start (Gradescope's containers): an unprivileged uid.

Gradescope runs the autograder as root without ``CAP_SYS_ADMIN`` under Docker's seccomp profile,
which refuses new user namespaces: no namespace can be made, so bubblewrap cannot start. What
still holds there, and what this sandbox guarantees:

- the learner's code runs as a uid of its own (``UID_BASE + slot``, one per concurrent child, no
  groups, no capabilities, ``no_new_privs``), in a private scratch folder, under the child's
  rlimits (memory, CPU time, file size, processes of that uid) and the seccomp filter of
  :mod:`.seccomp` (installed by the child itself before any learner code runs);
- it reads only the staged file tree (:mod:`.staging`: the child's few files, the filtered
  reference) and the installed NumPy/torch. The grader's own package and the bundle's sources
  must not be readable by other users (``setup.sh`` of the bundle makes them so):
  :meth:`Unprivileged.check` tries, as that uid, to read them, and refuses this mode if it can;
- it cannot write the grader's files or ``/autograder/results`` (root's, not writable by others),
  nor signal or trace the grader (another uid; ``ptrace`` refused);
- when the child is done, every process of its uid is killed (``kill(-1)`` as that uid).

What it does not give: a private ``/proc`` and ``/tmp`` (other processes' command lines are
visible) and the absence of forbidden modules (torch is readable): the exercise's import rules are
then applied by the in-process guard of the child, which a determined learner can defeat. The
report says which isolation applied.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from rnncourse.grading.policy import Profile
from rnncourse.grading.sandbox import cgroups
from rnncourse.grading.sandbox.bwrap import IsolationUnavailable, Launch
from rnncourse.grading.sandbox.staging import distribution_dirs, package_root, stage

UID_BASE = 62000
SLOTS = 64
#: Files an unprivileged uid must not be able to read (relative to the package folder).
PROTECTED = ("grading/catalog/__init__.py", "reference/__init__.py")
_KILL = "import os, signal\ntry:\n    os.kill(-1, signal.SIGKILL)\nexcept OSError:\n    pass"


class Unprivileged:
    """Starts each child as an unprivileged uid of its own (no namespaces needed)."""

    name = "unprivileged uid (bubblewrap could not start: no namespaces)"
    in_process_guard = True  # forbidden modules are readable here: the child's guard applies
    nproc_factor = 1  # RLIMIT_NPROC counts this child's own uid
    init_extra = {"seccomp": True}

    def __init__(self, protect: tuple[str | Path, ...] = ()) -> None:
        self.setpriv = shutil.which("setpriv")
        self.root = os.geteuid() == 0
        self.cgroups = cgroups.parents() if self.root else {}
        self.protect = tuple(Path(p) for p in protect)
        self._free = list(range(SLOTS))
        self._lock = threading.RLock()
        self._stage_dir: Path | None = None
        self._staged: dict[str, Path] = {}
        self._checked: str | None = None

    def check(self) -> None:
        """Raise :class:`IsolationUnavailable` unless this mode protects what it promises here."""
        with self._lock:
            if self._checked is None:
                self._checked = self._probe() or "ok"
        if self._checked != "ok":
            raise IsolationUnavailable(self._checked)

    def _probe(self) -> str | None:
        if not self.root:
            return "only root can run the learner's code as another uid"
        if not self.setpriv:
            return "setpriv (util-linux) is missing: cannot drop to an unprivileged uid"
        paths = [package_root() / p for p in PROTECTED] + list(self.protect)
        probe = (
            "import sys\nfor p in sys.argv[1:]:\n    try:\n        open(p, 'rb').close()\n"
            "    except OSError:\n        continue\n    print(p)"
        )
        argv = [*self._drop(UID_BASE + SLOTS), sys.executable, "-I", "-S", "-c", probe]
        try:
            done = subprocess.run(
                [*argv, *map(str, paths)], capture_output=True, text=True, timeout=30, cwd="/"
            )
        except (OSError, subprocess.TimeoutExpired) as e:
            return f"cannot start a process as an unprivileged uid: {e}"
        if done.returncode != 0:
            return f"cannot start a process as an unprivileged uid ({done.stderr.strip()[-300:]})"
        readable = done.stdout.split()
        if readable:
            return (
                "the grader's files are readable by other users (" + readable[0] + "): make them "
                "unreadable first (chmod -R go-rwx on the package and the bundle's sources)"
            )
        return None

    def _drop(self, uid: int) -> list[str]:
        return [
            self.setpriv or "setpriv",
            f"--reuid={uid}",
            f"--regid={uid}",
            "--clear-groups",
            "--inh-caps=-all",
            "--bounding-set=-all",
            "--no-new-privs",
            "--",
        ]

    def staged(self, prof: Profile) -> Path:
        """Return the file tree of ``prof``, staged on first use.

        It holds the package files of :func:`.staging.stage` and ``site/``, links to the allowed
        distributions.
        """
        with self._lock:
            if prof.key not in self._staged:
                if self._stage_dir is None:
                    self._stage_dir = Path(tempfile.mkdtemp(prefix="rnncourse-stage-"))
                    os.chmod(self._stage_dir, 0o755)
                    atexit.register(shutil.rmtree, self._stage_dir, True)
                dest = self._stage_dir / prof.key
                stage(dest, prof)
                site = dest / "site"
                site.mkdir(mode=0o755)
                roots = ("numpy", "torch") if prof.torch else ("numpy",)
                for path in distribution_dirs(roots):
                    (site / path.name).symlink_to(path)
                self._staged[prof.key] = dest
            return self._staged[prof.key]

    def new_cgroup(self, memory_bytes: int, processes: int) -> list[Path]:
        """Fresh cgroups for one child where writable (rarely in a container); else []."""
        return cgroups.new_cgroups(self.cgroups, memory_bytes, processes)

    def launch(self, prof: Profile, fds: list[str]) -> Launch:
        """Return how to start the child of ``prof`` as a free uid, in its own scratch folder."""
        tree = self.staged(prof)
        with self._lock:
            if not self._free:
                raise IsolationUnavailable("no free uid for another child")
            slot = self._free.pop(0)
        uid = UID_BASE + slot
        scratch = tempfile.mkdtemp(prefix="rnncourse-scratch-")
        os.chown(scratch, uid, uid)
        os.chmod(scratch, 0o700)
        boot = (
            f"import sys; sys.path[:0] = [{str(tree)!r}, {str(tree / 'site')!r}]; "
            "from rnncourse.grading.child.runner import main; sys.exit(main(sys.argv))"
        )
        env = {
            "PATH": "/usr/bin:/bin",
            "HOME": scratch,
            "TMPDIR": scratch,
            "LANG": "C.UTF-8",
            "RNNCOURSE_GRADING": "1",
            "MPLBACKEND": "Agg",
            "OMP_NUM_THREADS": "1",
            "OPENBLAS_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        argv = [*self._drop(uid), sys.executable, "-I", "-S", "-c", boot, *fds]
        return Launch(argv, env, scratch, (), functools.partial(self._release, slot, scratch))

    def _release(self, slot: int, scratch: str) -> None:
        """Kill every process of the slot's uid, remove its scratch folder, free the slot."""
        uid = UID_BASE + slot
        for _ in range(50):
            if not processes_of(uid):
                break
            subprocess.run(
                [*self._drop(uid), sys.executable, "-I", "-S", "-c", _KILL],
                capture_output=True,
                timeout=30,
                cwd="/",
            )
            time.sleep(0.01)
        shutil.rmtree(scratch, ignore_errors=True)
        with self._lock:
            self._free.append(slot)


def processes_of(uid: int) -> list[int]:
    """Return the pids of the processes running as ``uid`` (real uid, from ``/proc``)."""
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                if os.stat(f"/proc/{d}").st_uid == uid:
                    out.append(int(d))
            except OSError:
                pass
    return out


_default: Unprivileged | None = None


def default() -> Unprivileged:
    """Return the process-wide :class:`Unprivileged` sandbox."""
    global _default
    if _default is None:
        protect = os.environ.get("RNNCOURSE_PROTECT", "")
        _default = Unprivileged(tuple(p for p in protect.split(os.pathsep) if p))
    return _default
