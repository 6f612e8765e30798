"""Per-sandbox cgroups (v1, where writable): memory, process count and CPU share of a whole tree.

The grader makes one parent folder per controller (``rnncourse-grade-PID``) and one cgroup per
sandbox under it, which its whole process tree joins before bubblewrap starts. ``memory`` and
``pids`` cap what the tree may hold; ``cpu`` gives every sandbox the same weight
(``cpu.shares``) and at most one CPU (``cpu.cfs_quota_us``), so a submission that forks many
busy processes (each in its own session) takes no more CPU than an honest one beside it. Where no
cgroup is writable (not root, or cgroup v2 without delegation) :func:`parents` is empty and the
per-process limits of the child apply instead (``RLIMIT_AS``, ``RLIMIT_NPROC``, ``RLIMIT_CPU``),
and the child runs at a lower priority than the grader (``nice``).
"""

from __future__ import annotations

import atexit
import itertools
import os
import signal
import time
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
CONTROLLERS = ("memory", "pids", "cpu")
CPU_PERIOD_US = 100_000
_counter = itertools.count()


def parents(root: Path = CGROUP_ROOT) -> dict[str, Path]:
    """Writable v1 hierarchies of :data:`CONTROLLERS` (a parent folder per grader)."""
    out = {}
    for ctl in CONTROLLERS:
        base = root / ctl
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


def new_cgroups(groups: dict[str, Path], memory_bytes: int, processes: int) -> list[Path]:
    """Fresh cgroups capping one sandbox's whole process tree; [] where none is writable."""
    made = []
    n = next(_counter)
    for ctl, parent in groups.items():
        d = parent / f"s{n}"
        try:
            d.mkdir()
            if ctl == "memory":
                (d / "memory.limit_in_bytes").write_text(str(memory_bytes))
                sw = d / "memory.memsw.limit_in_bytes"
                if sw.exists():
                    sw.write_text(str(memory_bytes))
            elif ctl == "pids":
                (d / "pids.max").write_text(str(processes))
            else:  # the same weight for every sandbox, and one CPU at most
                (d / "cpu.shares").write_text("1024")
                (d / "cpu.cfs_period_us").write_text(str(CPU_PERIOD_US))
                (d / "cpu.cfs_quota_us").write_text(str(CPU_PERIOD_US))
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
