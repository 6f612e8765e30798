"""``check(name, fn)``: instant feedback in an exercise notebook (re-exported by the package).

The checks are the grader's own (:func:`rnncourse.grading.core.run_part`), run in this process
through :class:`InProcess`; in the grader's child (``RNNCOURSE_GRADING=1``) ``check`` does nothing.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable
from typing import Any

from rnncourse.grading.child.calls import execute_calls
from rnncourse.grading.wire import from_jsonable, to_jsonable

#: Set in the grader's child process, where ``check`` does nothing (the grader runs the checks).
GRADING_ENV = "RNNCOURSE_GRADING"


class CheckResult:
    """Outcome of :func:`check`; true when the function passed. Displays nothing by itself."""

    def __init__(self, name: str, passed: bool | None, message: str) -> None:
        self.name, self.passed, self.message = name, passed, message

    def __bool__(self) -> bool:
        return bool(self.passed)

    def __repr__(self) -> str:
        return f"CheckResult({self.name!r}, passed={self.passed})"

    def _ipython_display_(self) -> None:  # the report was already printed
        return None


class InProcess:
    """Invoker that calls the learner's functions in namespace ``ns`` of this process.

    Used by :func:`check` in a notebook and by the catalogue's tests (the grader uses a sandboxed
    child instead). Results go through the same conversion as the grader's (tensors -> arrays).
    """

    def __init__(self, ns: dict[str, Any]) -> None:
        self.ns = ns

    def run(self, calls: list[Any]) -> dict[str, Any]:
        """Run ``calls`` in ``ns``; results converted as the grader's are (tensors -> arrays)."""
        from rnncourse.grading.child.guard import VIOLATIONS

        VIOLATIONS.clear()
        reply = execute_calls(self.ns, [c.payload() for c in calls])
        if VIOLATIONS:  # what the drivers observed (a CPU budget, the rounds of a scan ...)
            reply["violations"] = list(dict.fromkeys(VIOLATIONS))
            VIOLATIONS.clear()
        if reply.get("ok"):
            reply["results"] = [from_jsonable(to_jsonable(r)) for r in reply["results"]]
        return reply


def check(
    name: str,
    fn: Callable[..., Any] | None = None,
    *,
    seed: int | None = None,
    namespace: dict[str, Any] | None = None,
) -> CheckResult:
    """Test the learner's function ``fn`` for exercise part ``name`` and print the verdict.

    Parameters
    ----------
    name : str
        Part name, e.g. ``"rnn_forward"`` (see :data:`rnncourse.grading.catalog.EXERCISES`).
    fn : callable, optional
        The function (or class, for ``"LSTMFromScratch"``) to test; default: ``name`` looked up
        in the caller's globals.
    seed : int, optional
        Seed for the random cases (default: fresh every call).
    namespace : dict, optional
        Where helper functions the part needs (e.g. the forward pass of a backward part) are
        looked up; default: the caller's globals.

    Returns
    -------
    CheckResult
        Truthy when every case passed.
    """
    if os.environ.get(GRADING_ENV) == "1":
        return CheckResult(name, None, "skipped while grading")
    import numpy as np

    from rnncourse.grading.catalog import find_part
    from rnncourse.grading.core import run_part

    _, part = find_part(name)
    if namespace is None:
        frame = inspect.currentframe()
        caller = frame.f_back if frame is not None else None
        namespace = dict(caller.f_globals) if caller is not None else {}
    ns = dict(namespace)
    if fn is not None:
        ns[name] = fn

    try:
        verdict = run_part(part, InProcess(ns), np.random.default_rng(seed))
        passed, message = verdict.ok, verdict.message
    except Exception as e:  # the checker must not break the notebook
        passed, message = False, f"could not be checked: {type(e).__name__}: {e}"
    mark = "PASS" if passed else "FAIL"
    print(f"[{mark}] {name}: {message}")
    return CheckResult(name, passed, message)
