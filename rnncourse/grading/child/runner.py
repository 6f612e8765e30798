"""The sandboxed child process that runs one submission's cells and calls its functions.

Started by :mod:`rnncourse.grading.sandbox.process` (in a bubblewrap sandbox, as an unprivileged
uid, or as a plain process with ``--sandbox none``) with the two pipe descriptors as arguments. It
applies resource limits, then answers requests (JSON over the two pipes, see
:mod:`rnncourse.grading.wire`): ``init`` (limits and rules), ``exec`` (one cell, with a timeout),
``names`` and ``call`` (call learner functions on inputs the grader sends; outputs go back, and
the grader compares). Nothing this process says is trusted for scoring: the grader validates
every reply against a strict schema, and observations (input mutation; without isolation also
monkeypatching, forbidden imports/calls) can cost points, never earn them. The rules come from
the grader (:mod:`rnncourse.grading.policy`); the calls themselves are :mod:`.calls`.
"""

from __future__ import annotations

import importlib
import os
import signal
import sys
from typing import Any

from rnncourse.grading import wire
from rnncourse.grading.child import guard as guard_mod
from rnncourse.grading.child.calls import CellTimeout, _exc_text, _tb_tail, execute_calls
from rnncourse.grading.feedback import check


def _on_alarm(signum: int, frame: Any) -> None:
    raise CellTimeout()


class _CappedWriter:
    """A text stream that forwards at most ``limit`` characters, then drops the rest."""

    def __init__(self, stream: Any, limit: int) -> None:
        self.stream, self.limit, self.count, self.overflow = stream, limit, 0, False

    def write(self, s: str) -> int:
        s = str(s)
        room = self.limit - self.count
        if len(s) > room:
            self.overflow = True
            s = s[: max(room, 0)]
        self.count += len(s)
        if s:
            try:
                self.stream.write(s)
            except OSError:  # file-size limit reached
                self.overflow = True
        return len(s)

    def flush(self) -> None:
        try:
            self.stream.flush()
        except OSError:
            self.overflow = True

    def isatty(self) -> bool:
        return False


# ------------------------------------------------------------------------------ the server
class Server:
    """The child's side of the channel: one handler per request of the grader."""

    def __init__(self) -> None:
        self.ns: dict[str, Any] = {"__name__": "__main__", "display": lambda *a, **k: None}
        self.baseline: dict[str, tuple[int, Any]] = {}
        self.stdout: _CappedWriter | None = None
        self.check = None
        self.watch = False

    def init(self, msg: dict[str, Any]) -> dict[str, Any]:
        """Set the limits, output caps, preloads and guards of ``msg``, before learner code runs."""
        import resource

        mem = int(msg.get("memory_bytes", 0))
        if mem:
            resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
        fsize = int(msg.get("file_bytes", 0))
        if fsize:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if msg.get("nice"):
            os.nice(int(msg["nice"]))
        if msg.get("seccomp"):  # without bubblewrap: the child installs the filter itself
            from rnncourse.grading.sandbox import seccomp

            prog = seccomp.program()
            if prog is not None:
                seccomp.install(prog)
        for key, res in (
            ("cpu_seconds", resource.RLIMIT_CPU),
            ("processes", resource.RLIMIT_NPROC),
        ):
            value = int(msg.get(key, 0))
            if value:  # lowered before any learner code runs; an unprivileged uid cannot raise it
                resource.setrlimit(res, (value, value))
        limit = int(msg.get("output_chars", 100_000))
        self.stdout = _CappedWriter(sys.stdout, limit)
        sys.stdout = self.stdout  # type: ignore[assignment]
        sys.stderr = _CappedWriter(sys.stderr, limit)  # type: ignore[assignment]
        signal.signal(signal.SIGALRM, _on_alarm)
        for name in msg.get("preload", []):
            importlib.import_module(name)
        guard_mod.install_call_tripwires(tuple(msg.get("forbidden_calls", ())))
        guard = msg.get("guard")  # --sandbox none: the in-process guard of the old grader
        if guard:
            sys.meta_path.insert(0, guard_mod.Blocker(guard))
        self.watch = bool(guard)
        self.check = check
        self.baseline = guard_mod.fingerprint() if self.watch else {}
        guard_mod.VIOLATIONS.clear()
        return {"ok": True}

    def _observe(self, reply: dict[str, Any]) -> dict[str, Any]:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # learner code may have replaced the stream
                pass
        patched = guard_mod.patched_since(self.baseline) if self.watch else []
        if patched:
            reply["patched"] = patched
            self.baseline = guard_mod.fingerprint()
        if self.watch and "check" in self.ns and self.ns["check"] is not self.check:
            reply.setdefault("violations", []).append(
                "redefines check() (tampering with the checker)"
            )
            self.ns["check"] = self.check
        if guard_mod.VIOLATIONS:
            found = reply.setdefault("violations", [])
            found.extend(dict.fromkeys(guard_mod.VIOLATIONS))
            guard_mod.VIOLATIONS.clear()
            reply["violations"] = [str(v)[: wire.MAX_ITEM_CHARS] for v in found][
                : wire.MAX_LIST_ITEMS
            ]
        if self.stdout is not None and self.stdout.overflow:
            reply["stdout_overflow"] = True
            self.stdout.overflow = False
        return reply

    def _timed(self, seconds: float, fn, *args):
        signal.setitimer(signal.ITIMER_REAL, max(float(seconds), 0.01))
        try:
            return fn(*args)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)

    def exec_cell(self, msg: dict[str, Any]) -> dict[str, Any]:
        """Run one code cell of the submission; return whether it ran and its error."""
        source = _strip_magics(msg["source"])
        reply: dict[str, Any] = {"ok": True}
        try:
            code = compile(source, f"<cell {msg['index']}>", "exec")
        except SyntaxError as e:
            return {"ok": False, "error": f"SyntaxError: {e.msg} (line {e.lineno})"}
        try:
            self._timed(msg["timeout"], exec, code, self.ns)
        except CellTimeout:
            reply = {
                "ok": False,
                "error": "did not finish in time (infinite loop?)",
                "timeout": True,
            }
        except MemoryError:
            reply = {"ok": False, "error": "ran out of memory (MemoryError)"}
        except BaseException as e:  # learner errors are results
            reply = {"ok": False, "error": _exc_text(e), "traceback": _tb_tail(e)}
        return self._observe(reply)

    def names(self, msg: dict[str, Any]) -> dict[str, Any]:
        """Return which of the requested names the submission defines as callables."""
        return {"ok": True, "defined": [n for n in msg["names"] if callable(self.ns.get(n))]}

    def call(self, msg: dict[str, Any]) -> dict[str, Any]:
        """Run the graded calls of ``msg`` under the time limit; return the results as wire data."""

        def run() -> dict[str, Any]:
            reply = execute_calls(self.ns, msg["calls"])
            if reply.get("ok"):
                reply["results"] = [wire.to_jsonable(r) for r in reply["results"]]
            return reply

        try:
            reply = self._timed(msg["timeout"], run)
        except CellTimeout:
            reply = {"ok": False, "error": "did not finish in time (infinite loop?)"}
        return self._observe(reply)


def _strip_magics(source: str) -> str:
    lines = []
    for line in source.splitlines():
        stripped = line.lstrip()
        lines.append(
            line[: len(line) - len(stripped)] + "pass"
            if stripped[:1] in "%!" and stripped
            else line
        )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    """Serve the grader's requests on the file descriptors ``argv[1:3]`` until it says bye."""
    fd_in, fd_out = int(argv[1]), int(argv[2])
    server = Server()
    handlers = {
        "init": server.init,
        "exec": server.exec_cell,
        "names": server.names,
        "call": server.call,
    }
    while True:
        try:
            msg = wire.receive(fd_in)
        except EOFError:
            return 0
        op = msg.get("op")
        if op == "bye":
            return 0
        try:
            reply = handlers[op](msg)
        except CellTimeout:
            reply = {"ok": False, "error": "did not finish in time"}
        except BaseException as e:  # report, never die silently
            reply = {"ok": False, "error": f"runner error: {_exc_text(e)}"}
        try:
            data = wire.to_jsonable({k: v for k, v in reply.items() if k != "results"})
            if "results" in reply:
                data["__dict__"]["results"] = reply["results"]
        except BaseException as e:
            data = wire.to_jsonable({"ok": False, "error": f"runner error: {_exc_text(e)}"})
        wire.send(fd_out, data, prepared=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
