"""Graded exercises: instant feedback with :func:`check` and the ``rnncourse grade`` command.

In an exercise notebook, after writing a function, run ``check("lstm_step_forward",
lstm_step_forward)``: it tests the function on fresh random inputs and shapes against
:mod:`rnncourse.reference`, and prints pass/fail, which output is wrong, the maximum relative
error, the shapes involved, and a hint when the output matches a known mistake (gates swapped,
bias missing, sigmoid instead of tanh, gradient not accumulated over time, ...). ``check`` never
raises: a failing or unfinished function is reported, so the notebook keeps running.

The grader (:mod:`rnncourse.grading.grader`) runs whole notebooks in a sandboxed process and
scores them with the same checks; see ``rnncourse grade --help``.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable
from typing import Any

__all__ = ["check", "CheckResult", "GRADING_ENV"]

#: Set in the grader's child process: ``check`` then does nothing (the grader runs the checks).
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


def check(name: str, fn: Callable[..., Any] | None = None, *, seed: int | None = None,
          namespace: dict[str, Any] | None = None) -> CheckResult:
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
    from rnncourse.grading.runner import execute_calls
    from rnncourse.grading.wire import from_jsonable, to_jsonable

    _, part = find_part(name)
    if namespace is None:
        frame = inspect.currentframe()
        caller = frame.f_back if frame is not None else None
        namespace = dict(caller.f_globals) if caller is not None else {}
    ns = dict(namespace)
    if fn is not None:
        ns[name] = fn

    class _Local:
        def run(self, calls):
            reply = execute_calls(ns, [c.payload() for c in calls])
            if reply.get("ok"):  # the same conversion as in the grader (tensors -> arrays)
                reply["results"] = [from_jsonable(to_jsonable(r)) for r in reply["results"]]
            return reply

    try:
        verdict = run_part(part, _Local(), np.random.default_rng(seed))
        passed, message = verdict.ok, verdict.message
    except Exception as e:  # noqa: BLE001 - the checker must not break the notebook
        passed, message = False, f"could not be checked: {type(e).__name__}: {e}"
    mark = "PASS" if passed else "FAIL"
    print(f"[{mark}] {name}: {message}")
    return CheckResult(name, passed, message)
