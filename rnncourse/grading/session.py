"""One submission's notebook running in one sandboxed child, cell by cell.

A :class:`Session` executes the notebook's code cells once in a child of one sandbox kind (see
:mod:`.sandbox`, :mod:`.child.runner`), each with its own timeout; a cell that hangs
or kills the child is recorded and the child restarted from the next cell. :mod:`.grader` then
asks the session to call the learner's functions for every part of every exercise of that kind.
"""

from __future__ import annotations

import time
from typing import Any

from rnncourse.grading import wire
from rnncourse.grading.core import Call, Exercise
from rnncourse.grading.notebook import Notebook, defines
from rnncourse.grading.policy import guard_rules, profile
from rnncourse.grading.sandbox.process import Child, ChildFailed, Limits

MAX_RESTARTS = 3
#: Characters of violation text kept per submission (each item is already cut by the wire).
MAX_VIOLATION_CHARS = 8000


def demo_cells(nb: Notebook, exs: list[Exercise]) -> set[int]:
    """Return the "Try it" cells (tagged raises-exception) that define no graded name: never run."""
    graded = [p.name for ex in exs for p in ex.parts]
    source = dict(nb.cells)  # one pass: linear in the number of cells
    return {
        i
        for i, tags in nb.tags.items()
        if "raises-exception" in tags and not any(defines(source.get(i, ""), n) for n in graded)
    }


class Session:
    """Runs one notebook in one child of one sandbox kind; restarts it after a fatal cell."""

    def __init__(
        self,
        nb: Notebook,
        exs: list[Exercise],
        limits: Limits,
        deadline: float,
        flagged: dict[int, list[str]],
        box: Any,
    ) -> None:
        self.nb, self.exs, self.limits, self.deadline, self.box = nb, exs, limits, deadline, box
        # Cells the static scan flagged are never run: their parts score zero anyway, and
        # (without isolation) some of what is flagged could harm the grader.
        self.skip: dict[int, str] = {
            i: "was not run (" + "; ".join(m) + ")" for i, m in flagged.items()
        }
        # "Try it" demos (tagged raises-exception) are for learning, not grading: not run
        # unless they define a graded name.
        self.demos = demo_cells(nb, exs)
        self.errors: dict[int, str] = {}
        self.violations: dict[int, list[str]] = {}
        self.text_left = MAX_VIOLATION_CHARS
        self.child: Child | None = None
        self.restarts = 0
        self.dead: str | None = None

    def left(self) -> float:
        """Return the seconds left before the submission's deadline."""
        return self.deadline - time.monotonic()

    def _init_msg(self) -> dict[str, Any]:
        prof = profile(self.exs[0])
        preload = ["torch"] if prof.torch else []
        calls = sorted({c for ex in self.exs for c in ex.forbidden_calls})
        if self.box is not None and not self.box.in_process_guard:
            return {"preload": preload, "forbidden_calls": calls}
        if prof.reference:
            preload.append("rnncourse.reference")
        return {"preload": preload, "forbidden_calls": calls, "guard": guard_rules(self.exs[0])}

    def _note(self, idx: int, reply: dict[str, Any]) -> None:
        found = list(reply.get("violations", []))
        found += [f"monkeypatches {n}" for n in reply.get("patched", [])]  # the scan's wording
        for v in dict.fromkeys(found):
            if self.text_left <= 0:  # bounded per submission, whatever each reply held
                self.violations.setdefault(idx, []).append("(more violations not shown)")
                break
            self.text_left -= len(v)
            self.violations.setdefault(idx, []).append(v)
        if reply.get("stdout_overflow"):
            self.errors.setdefault(idx, "printed more output than allowed (output truncated)")

    def run_cells(self) -> None:
        """Execute every cell once (restarting past fatal ones)."""
        while True:
            try:
                self._start()
                self._exec_from(0, record=True)
                return
            except ChildFailed as e:
                if self.dead:
                    return
                if self.restarts >= MAX_RESTARTS or self.left() <= 0:
                    self.dead = e.reason if self.left() > 0 else "submission time limit reached"
                    return
                self.restarts += 1

    def _start(self) -> None:
        if self.child is not None:
            self.child.kill()
        self.child = None
        if self.left() <= 0:
            self.dead = "submission time limit reached"
            raise ChildFailed(self.dead)
        self.child = Child(self.limits, self._init_msg(), self.box, profile(self.exs[0]))

    def _exec_from(self, start: int, record: bool) -> None:
        assert self.child is not None
        for idx, source in self.nb.cells:
            if idx in self.skip or idx in self.demos:
                continue
            budget = min(self.limits.cell_timeout, self.left())
            if budget <= 0:
                self.skip[idx] = "not run: submission time limit reached"
                continue
            msg = {"op": "exec", "index": idx, "source": source, "timeout": budget}
            try:
                reply = self.child.request(msg, budget + self.limits.grace, wire.MAX_EXEC_REPLY)
            except ChildFailed as e:
                self.skip[idx] = e.reason
                raise
            if reply.get("timeout") and budget < self.limits.cell_timeout:
                reply["error"] = "stopped: submission time limit reached"
            if record:
                self._note(idx, reply)
                if not reply.get("ok"):
                    error = str(reply.get("error"))[: wire.MAX_ITEM_CHARS]
                    self.errors.setdefault(idx, self._explain(error))
                    if reply.get("timeout"):
                        self.skip[idx] = str(reply.get("error"))

    def _explain(self, error: str) -> str:
        """Add what the sandbox holds to an import error (a forbidden module is absent)."""
        if self.box is not None and error.startswith(("ModuleNotFoundError", "ImportError")):
            return f"{error} (this exercise may use: {profile(self.exs[0]).describe()})"
        return error

    def run(self, calls: list[Call]) -> dict[str, Any]:
        """Run ``calls`` in the notebook's process (the invoker interface of :func:`run_part`)."""
        if self.dead or self.child is None:
            return {"ok": False, "error": self.dead or "the notebook could not be run"}
        budget = min(self.limits.cell_timeout, self.left())
        if budget <= 0:
            return {"ok": False, "error": "submission time limit reached"}
        msg = {"op": "call", "calls": [c.payload() for c in calls], "timeout": budget}
        try:
            reply = self.child.request(msg, budget + self.limits.grace)
        except ChildFailed as e:
            self._restart_quietly()
            return {"ok": False, "error": f"{calls[-1].fn}: {e.reason}"}
        extra = [f"monkeypatched {n} while being called" for n in reply.get("patched", [])]
        if extra:
            reply.setdefault("violations", []).extend(extra)
        return reply

    def _restart_quietly(self) -> None:
        if self.restarts >= MAX_RESTARTS:
            self.dead = "the submission's process failed too many times"
            return
        self.restarts += 1
        try:
            self._start()
            self._exec_from(0, record=False)
        except ChildFailed as e:
            self.dead = e.reason

    def close(self) -> None:
        """End the child (and, through its sandbox, every process it started)."""
        if self.child is not None:
            self.child.close()
