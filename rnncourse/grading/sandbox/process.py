"""Grader side of the sandbox: start the child runner, talk to it with deadlines, kill it.

The child runs :mod:`rnncourse.grading.child.runner` inside a bubblewrap sandbox
(:mod:`.bwrap`, the default), as an unprivileged uid (:mod:`.unprivileged`, where bubblewrap
cannot start) or, with ``--sandbox none``, as a plain process of the grader's user in its own
session ("not isolated"). Its output goes to a size-capped temporary file. Every request has a
deadline; a child that misses it (an infinite loop that ignores the in-child timer, a C call that
never returns) or dies (memory) is killed with everything it started (its pid namespace and
cgroup, or its uid's processes; its process group when not isolated), and :class:`ChildFailed`
says why.
"""

from __future__ import annotations

import os
import select
import signal
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from typing import Any

from rnncourse.grading import wire
from rnncourse.grading.policy import Profile
from rnncourse.grading.sandbox.cgroups import kill_cgroups

#: Started without isolation (``--sandbox none``): the package comes from the grader's path.
NONE_BOOT = (
    "import sys; sys.path[:] = [p for p in sys.path if p not in ('', '.')]; "
    "from rnncourse.grading.child.runner import main; sys.exit(main(sys.argv))"
)


@dataclass
class Limits:
    """Resource limits of one submission."""

    cell_timeout: float = 30.0  # seconds per cell and per graded call
    submission_timeout: float = 300.0  # seconds for everything one submission does
    memory_bytes: int = 2 * 1024**3  # RLIMIT_AS of the child
    output_chars: int = 100_000  # characters of stdout/stderr kept per child
    grace: float = 2.0  # extra seconds before the grader kills a child that ignores its timer
    processes: int = 64  # processes (threads included) of one sandbox


class ChildFailed(Exception):
    """The child missed a deadline, died, or sent something unreadable."""

    def __init__(self, reason: str, timed_out: bool = False) -> None:
        super().__init__(reason)
        self.reason, self.timed_out = reason, timed_out


class Child:
    """One sandboxed runner process."""

    def __init__(
        self,
        limits: Limits,
        init: dict[str, Any],
        box: Any = None,
        profile: Profile | None = None,
    ) -> None:
        self.limits = limits
        self.cgroups: list = []
        self._cwd: tempfile.TemporaryDirectory | None = None
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()
        self._log = tempfile.TemporaryFile()
        fds = [str(to_child_r), str(from_child_w)]
        extra: tuple[int, ...] = ()
        self._release: Any = None
        if box is None:  # --sandbox none: a plain process with the grader's environment
            env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
            env.update(
                {
                    "RNNCOURSE_GRADING": "1",
                    "MPLBACKEND": "Agg",
                    "OMP_NUM_THREADS": "1",
                    "OPENBLAS_NUM_THREADS": "1",
                    "MKL_NUM_THREADS": "1",
                    "PYTHONDONTWRITEBYTECODE": "1",
                }
            )
            # -c with the current folder dropped from the path, in a fresh empty folder: files
            # left in a shared folder (a planted numpy.py) are never imported
            self._cwd = tempfile.TemporaryDirectory(prefix="rnncourse-child-")
            argv = [sys.executable, "-c", NONE_BOOT, *fds]
            cwd = self._cwd.name
        else:
            launch = box.launch(profile or Profile(), fds)
            argv, env, cwd = launch.argv, launch.env, launch.cwd
            extra, self._release = launch.pass_fds, launch.release
            self.cgroups = box.new_cgroup(limits.memory_bytes + 256 * 1024**2, limits.processes)
            if self.cgroups:  # join the cgroups before the sandbox starts: the whole tree is inside
                procs = [str(d / "cgroup.procs") for d in self.cgroups]
                argv = [
                    "/bin/sh",
                    "-c",
                    'n=$1; shift; while [ "$n" -gt 0 ]; do '
                    'echo $$ > "$1" || exit 97; shift; n=$((n-1)); done; exec "$@"',
                    "sh",
                    str(len(procs)),
                    *procs,
                    *argv,
                ]
        try:
            self.proc = subprocess.Popen(
                argv,
                pass_fds=(to_child_r, from_child_w, *extra),
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
                cwd=cwd,
            )
        finally:
            for fd in extra:
                os.close(fd)
        os.close(to_child_r)
        os.close(from_child_w)
        os.set_blocking(self._to_child, False)
        msg = {
            "op": "init",
            "memory_bytes": limits.memory_bytes,
            "file_bytes": 4 * limits.output_chars + 65536,
            "output_chars": limits.output_chars,
            "cpu_seconds": int(limits.submission_timeout + 2 * limits.grace) + 1,
            "processes": 0 if box is None or self.cgroups else box.nproc_factor * limits.processes,
            "nice": 5,  # below the grader (the fallback where no cpu cgroup is writable)
            **({} if box is None else box.init_extra),
            **init,
        }
        reply = self.request(msg, 60.0)
        if not reply.get("ok"):
            self.kill()
            raise ChildFailed("the sandbox failed to start: " + str(reply.get("error")))

    def request(
        self, msg: dict[str, Any], timeout: float, max_bytes: int = wire.MAX_MESSAGE
    ) -> dict[str, Any]:
        """Send ``msg``; wait at most ``timeout`` seconds for a reply of at most ``max_bytes``."""
        deadline = time.monotonic() + timeout
        try:
            self._write(wire.encode(msg), deadline)
            (size,) = struct.unpack("<Q", self._read(8, deadline))
            if size > max_bytes:
                raise ChildFailed(f"the submission sent a reply of {size} bytes (too large)")
            reply = wire.decode_reply(self._read(size, deadline))
        except ChildFailed:
            self.kill()
            raise
        except wire.BadReply as e:
            self.kill()
            raise ChildFailed(f"the submission's process sent a malformed reply ({e})") from e
        except Exception as e:  # malformed data from the child (JSON, .npy)
            self.kill()
            raise ChildFailed(f"broken channel to the submission ({type(e).__name__})") from e
        return reply

    def _write(self, payload: bytes, deadline: float) -> None:
        view = memoryview(struct.pack("<Q", len(payload)) + payload)
        while view:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ChildFailed("the submission stopped reading its input", timed_out=True)
            _, ready, _ = select.select([], [self._to_child], [], left)
            if ready:
                try:
                    view = view[os.write(self._to_child, view) :]
                except BlockingIOError:
                    continue
                except BrokenPipeError as e:
                    raise ChildFailed(self._death_reason()) from e

    def _read(self, n: int, deadline: float) -> bytes:
        chunks = []
        while n > 0:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ChildFailed("did not finish in time (infinite loop?)", timed_out=True)
            ready, _, _ = select.select([self._from_child], [], [], left)
            if not ready:
                continue
            chunk = os.read(self._from_child, min(n, 1 << 20))
            if not chunk:
                raise ChildFailed(self._death_reason())
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)

    def _death_reason(self) -> str:
        try:
            code = self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return "the submission's process stopped answering"
        if code < 0:
            name = (
                signal.Signals(-code).name
                if -code in signal.Signals._value2member_map_
                else str(-code)
            )
            return f"the submission's process was killed by {name} (memory limit?)"
        return f"the submission's process exited with status {code} (sys.exit or os._exit?)"

    def output_tail(self, n: int = 2000) -> str:
        """Return the last ``n`` bytes the child wrote to its log, decoded."""
        self._log.seek(0, os.SEEK_END)
        size = self._log.tell()
        self._log.seek(max(0, size - n))
        return self._log.read().decode("utf-8", "replace")

    def kill(self) -> None:
        """Kill the child's whole process group and reap it."""
        try:  # even after the leader exited: what it started may live on in its group
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        if self.cgroups:  # whatever is left of the tree (there should be nothing)
            kill_cgroups(self.cgroups)
            self.cgroups = []
        if self._release is not None:  # the sandbox's own clean-up (its uid's processes, files)
            self._release()
            self._release = None
        for fd in (self._to_child, self._from_child):
            try:
                os.close(fd)
            except OSError:
                pass
        self._to_child = self._from_child = -1
        self._log.close()
        if self._cwd is not None:
            self._cwd.cleanup()
            self._cwd = None

    def close(self) -> None:
        """Ask the child to exit, then kill whatever is left of its process group."""
        if self.proc.poll() is None and self._to_child >= 0:
            try:
                self._write(wire.encode({"op": "bye"}), time.monotonic() + 1)
                self.proc.wait(timeout=2)
            except (ChildFailed, OSError, subprocess.TimeoutExpired):
                pass
        self.kill()
