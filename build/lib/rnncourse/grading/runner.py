"""The sandboxed child process that runs one submission's cells and calls its functions.

Started by :mod:`rnncourse.grading.sandbox` (inside the bubblewrap sandbox of
:mod:`rnncourse.grading.isolation`, or as a plain process with ``--sandbox none``) with the two
pipe descriptors as arguments. It applies resource limits, then answers requests (JSON over the
two pipes, see :mod:`.wire`): ``init`` (limits and rules), ``exec`` (one cell, with a timeout),
``names`` and ``call`` (call learner functions on inputs the grader sends; outputs go back, and
the grader compares). Nothing this process says is trusted for scoring: the grader validates
every reply against a strict schema, and observations (input mutation; without isolation also
monkeypatching, forbidden imports/calls) can cost points, never earn them. The rules come from
the grader (:mod:`.policy`). :func:`execute_calls` is shared with the in-notebook ``check()``.
"""

from __future__ import annotations

import importlib.abc
import signal
import sys
import traceback
from typing import Any

import numpy as np

from rnncourse.grading import guard as guard_mod
from rnncourse.grading import wire
from rnncourse.grading.drivers import DRIVERS

_array_equal = np.array_equal
_copy = np.copy
_ndarray = np.ndarray


class CellTimeout(BaseException):
    """Raised by the interval timer inside learner code (BaseException: not an ``Exception``)."""


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


# ------------------------------------------------------------------------------ arguments
def _make(kind: str, params: dict[str, Any]) -> Any:
    if kind == "rng":
        return np.random.default_rng(int(params["seed"]))
    if kind == "tanh_dot":
        A, B = params["A"], params["B"]
        return lambda z: float(np.sum(A * np.tanh(z @ B)))
    raise ValueError(f"unknown argument kind {kind!r}")


def _resolve(obj: Any, results: list[Any]) -> Any:
    if isinstance(obj, wire.Ref):
        value = results[obj.call]
        return value if obj.item is None else value[obj.item]
    if isinstance(obj, wire.Make):
        return _make(obj.kind, obj.params)
    if isinstance(obj, list):
        return [_resolve(v, results) for v in obj]
    if isinstance(obj, tuple):
        return tuple(_resolve(v, results) for v in obj)
    if isinstance(obj, dict):
        return {k: _resolve(v, results) for k, v in obj.items()}
    if isinstance(obj, _ndarray):
        return _copy(obj)  # the learner gets its own copy; mutation is checked on it
    return obj


def _arrays(obj: Any, name: str) -> list[tuple[str, np.ndarray]]:
    if isinstance(obj, _ndarray):
        return [(name, obj)]
    if isinstance(obj, (list, tuple)):
        return [a for i, v in enumerate(obj) for a in _arrays(v, f"{name}[{i}]")]
    if isinstance(obj, dict):
        return [a for k, v in obj.items() for a in _arrays(v, f"{name}[{k!r}]")]
    return []


def _ref_reachable(results: list[Any]) -> set[int]:
    """Return the ids of arrays inside earlier results (caches may legitimately alias them)."""
    return {id(a) for r in results for _, a in _arrays(r, "")}


# ------------------------------------------------------------------------------ calls
def execute_calls(ns: dict[str, Any], calls: list[dict[str, Any]]) -> dict[str, Any]:
    """Run ``calls`` (payloads of :class:`rnncourse.grading.core.Call`) against namespace ``ns``."""
    results: list[Any] = []
    mutated: list[str] = []
    for c in calls:
        fn_name = c["fn"]
        if fn_name.startswith("@"):
            fn = DRIVERS[fn_name[1:]]
            args = [ns, *_resolve(list(c["args"]), results)]
            fn_name = str(args[1])  # drivers take the learner's name first: report that
        else:
            fn = ns.get(fn_name)
            if fn is None:
                return {
                    "ok": False,
                    "error": f"`{fn_name}` is not defined (was its cell deleted, "
                    "renamed or did it fail?)",
                }
            if not callable(fn):
                return {
                    "ok": False,
                    "error": f"`{fn_name}` is a {type(fn).__name__}, not a function",
                }
            args = _resolve(list(c["args"]), results)
        kwargs = _resolve(dict(c.get("kwargs", {})), results)
        own = set() if fn_name.startswith("@") else {id(a) for _, a in _arrays(args, "")}
        shared = _ref_reachable(results)
        before = [
            (n, a, _copy(a))
            for n, a in _name_args(args, c["names"], fn_name)
            if id(a) in own and id(a) not in shared
        ]
        try:
            out = fn(*args, **kwargs)
        except CellTimeout:
            return {"ok": False, "error": f"{fn_name} did not finish in time (infinite loop?)"}
        except MemoryError:
            return {"ok": False, "error": f"{fn_name} ran out of memory (MemoryError)"}
        except RecursionError:
            return {"ok": False, "error": f"{fn_name} raised RecursionError"}
        except BaseException as e:  # any learner exception is a result
            return {
                "ok": False,
                "error": f"{fn_name} raised {_exc_text(e)}",
                "traceback": _tb_tail(e),
            }
        for n, a, copy in before:
            if a.shape != copy.shape or not _array_equal(a, copy, equal_nan=True):
                mutated.append(n)
        results.append(out)
    return {"ok": True, "results": results, "mutated": mutated}


def _name_args(args: list[Any], names: list[str], fn_name: str):
    for i, a in enumerate(args):
        label = names[i] if i < len(names) else f"argument {i}"
        yield from _arrays(a, label)


def _exc_text(e: BaseException) -> str:
    text = str(e)
    if len(text) > 300:
        text = text[:300] + "..."
    return f"{type(e).__name__}: {text}" if text else type(e).__name__


def _tb_tail(e: BaseException) -> str:
    lines = traceback.format_exception(type(e), e, e.__traceback__)
    return "".join(lines)[-1500:]


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
        import rnncourse.grading as grading

        self.check = grading.check
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
            reply.setdefault("violations", []).extend(dict.fromkeys(guard_mod.VIOLATIONS))
            guard_mod.VIOLATIONS.clear()
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
