"""Data model of the checks: calls sent to the learner's code, cases, parts and exercises.

A *part* is one graded function (``rnn_step_forward``) worth some points; an *exercise* is one
notebook (``ex01_rnn_forward``) made of parts. Each time a part is checked its ``make_cases``
draws fresh random shapes and inputs, computes the expected outputs with :mod:`rnncourse.reference`
and the outputs of known mistakes with :mod:`rnncourse.grading.mutants`. The learner's code is
reached only through an *invoker* (in-process for ``check()``, a sandboxed child for the grader).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from rnncourse.grading.wire import Opaque
from rnncourse.reference.gradcheck import rel_error


@dataclass
class Call:
    """Call ``fn(*args, **kwargs)`` in the learner's namespace (``fn`` starting "@" is a driver)."""

    fn: str
    args: Sequence[Any]
    arg_names: Sequence[str]
    returns: Sequence[str] | None = None  # names of the tuple elements; None: one value
    kwargs: dict[str, Any] = field(default_factory=dict)

    def payload(self) -> dict[str, Any]:
        """Return the call as plain data for the child: function name, arguments and their names."""
        return {
            "fn": self.fn,
            "args": list(self.args),
            "names": list(self.arg_names),
            "kwargs": dict(self.kwargs),
        }


@dataclass
class Case:
    """One randomized test: the calls to make, which results to compare and what to expect."""

    calls: list[Call]
    outputs: dict[str, tuple[int, Any]]  # name -> (call index, item / key / tuple path)
    expected: dict[str, Any]
    describe: str
    variants: dict[str, dict[str, Any]] = field(default_factory=dict)  # hint -> outputs
    rtol: float = 1e-6
    atol: float = 1e-9


@dataclass
class Part:
    """One graded function of an exercise: its points and the maker of its random cases."""

    name: str
    points: int
    make_cases: Callable[[np.random.Generator], list[Case]]


@dataclass
class Exercise:
    """A graded exercise: its parts and the modules a learner may not import in it."""

    id: str
    title: str
    chapter: str
    parts: list[Part]
    #: modules the learner may not import in this exercise (it is done from scratch)
    forbidden_modules: tuple[str, ...] = ()
    #: "module:name-glob": names the learner may not use from that module or its submodules,
    #: e.g. "rnncourse.reference:sample*" or "torch:LSTM"
    forbidden_calls: tuple[str, ...] = ()

    @property
    def max_points(self) -> int:
        """Return the points of all parts together."""
        return sum(p.points for p in self.parts)


class Invoker(Protocol):
    """What runs graded calls in the learner's process (the sandboxed child, or a test stand-in)."""

    def run(self, calls: list[Call]) -> dict[str, Any]:
        """Return {"ok", "results", "mutated", "violations", "error", "stdout_overflow"}."""


@dataclass
class Verdict:
    """The judgement of one output: whether it passed, the message shown and the largest error."""

    ok: bool
    message: str
    max_err: float = 0.0


def _shape_text(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def compare(name: str, got: Any, want: Any, rtol: float, atol: float) -> Verdict:
    """Compare one output; the message says what differs (type, shape, dtype, values)."""
    if isinstance(want, list):  # a sequence of integers (sampled indices)
        try:
            g = [int(v) for v in got] if isinstance(got, (list, tuple, np.ndarray)) else None
        except (TypeError, ValueError, OverflowError):  # [inf], [nan]: not integers
            g = None
        if g is None or (isinstance(got, np.ndarray) and got.dtype.kind not in "iu"):
            return Verdict(False, f"{name} should be a list of ints, got {_describe(got)}")
        if g == want:
            return Verdict(True, "")
        k = next(
            (i for i, (a, b) in enumerate(zip(g, want, strict=False)) if a != b),
            min(len(g), len(want)),
        )
        return Verdict(
            False,
            f"{name} differs from the expected sequence at position {k} "
            f"(got {len(g)} items, expected {len(want)})",
            1.0,
        )
    if isinstance(want, float):
        if isinstance(got, np.ndarray) and got.shape == ():
            got = got[()]
        if not isinstance(got, (float, int, np.floating, np.integer)) or isinstance(got, bool):
            return Verdict(False, f"{name} should be a number, got {_describe(got)}")
        got = float(got)
        if not np.isfinite(got):
            return Verdict(False, f"{name} is {got} (not finite)", np.inf)
        err = rel_error(np.array(got), np.array(want))
        ok = abs(got - want) <= atol + rtol * abs(want)
        return Verdict(
            ok,
            ""
            if ok
            else f"{name} is wrong: got {got:.6g}, expected {want:.6g} (rel error {err:.1e})",
            err,
        )
    want = np.asarray(want)
    if not isinstance(got, np.ndarray):
        return Verdict(
            False,
            f"{name} should be a NumPy array of shape {_shape_text(want.shape)}"
            f", got {_describe(got)}",
        )
    if got.shape != want.shape:
        return Verdict(
            False, f"{name} has shape {_shape_text(got.shape)}, expected {_shape_text(want.shape)}"
        )
    if got.dtype != want.dtype:
        return Verdict(
            False,
            f"{name} has dtype {got.dtype}, expected {want.dtype} "
            "(outputs follow the dtype of the inputs)",
        )
    if not np.all(np.isfinite(got)):
        bad = int(np.sum(~np.isfinite(got)))
        return Verdict(False, f"{name} contains {bad} NaN/inf value(s)", np.inf)
    err = rel_error(got, want)
    ok = bool(np.all(np.abs(got - want) <= atol + rtol * np.abs(want)))
    return Verdict(ok, "" if ok else f"{name} is wrong (max rel error {err:.1e})", err)


def _describe(v: Any) -> str:
    if isinstance(v, Opaque):  # "array of Python objects", "integer out of range", "Cache"
        name = v.type_name
        article = "an" if name[:1].lower() in "aeiou" else "a"
        return f"{article} {name}" if " " in name else f"{article} {name} object"
    if isinstance(v, np.ndarray):
        return f"an array of shape {_shape_text(v.shape)} and dtype {v.dtype}"
    if isinstance(v, (tuple, list)):
        return f"a {type(v).__name__} of length {len(v)}"
    return f"a {type(v).__name__}"


def _pick(case: Case, results: list[Any], name: str) -> tuple[Any, str | None]:
    """Follow ``case.outputs[name]`` = (call, path) into the results; path items: int or key."""
    ci, path = case.outputs[name]
    call = case.calls[ci]
    value = results[ci]
    steps = () if path is None else (path if isinstance(path, tuple) else (path,))
    for k, step in enumerate(steps):
        if isinstance(step, int):
            n = len(call.returns or ()) if k == 0 else None
            if not isinstance(value, (tuple, list)) or (n is not None and len(value) != n):
                form = "(" + ", ".join(call.returns or ()) + ")"
                return None, f"{call.fn} must return a tuple {form}, got {_describe(value)}"
            if step >= len(value):
                return None, f"{call.fn} returned too few values"
            value = value[step]
        else:
            if not isinstance(value, dict) or step not in value:
                return None, (
                    f"{call.fn} must return a dict with key {step!r}, got {_describe(value)}"
                )
            value = value[step]
    return value, None


def _matches(case: Case, got: dict[str, Any], outs: dict[str, Any]) -> bool:
    rtol, atol = max(10 * case.rtol, 1e-5), max(10 * case.atol, 1e-8)
    for name, want in outs.items():
        if name not in got or not compare(name, got[name], want, rtol, atol).ok:
            return False
    return True


#: Hints for errors whose cause is usually the same mistake (the outputs cannot be compared).
_MATMUL = (
    "a matrix product with mismatched shapes. With row vectors the products are x @ Wx and "
    "h_prev @ Wh (Wx is (D, k*H), Wh is (H, k*H)): is a weight transposed?"
)
_BROADCAST = (
    "two arrays whose shapes do not broadcast: compare the shapes of the terms you add (the "
    "gate blocks are (N, H), the bias is (k*H,))"
)
ERROR_HINTS = {
    "matmul: Input operand 1 has a mismatch in its core dimension": _MATMUL,
    "could not be broadcast together": _BROADCAST,
}


def error_hint(error: str) -> str | None:
    """Return the hint for a learner's exception text, if it is a known kind."""
    return next((h for k, h in ERROR_HINTS.items() if k in error), None)


def run_case(case: Case, invoker: Invoker) -> tuple[Verdict, dict[str, Any]]:
    """Run one case through ``invoker`` and judge it. Returns the verdict and the picked outputs."""
    reply = invoker.run(case.calls)
    where = f" [case: {case.describe}]"
    if reply.get("violations"):
        return Verdict(False, "; ".join(reply["violations"])), {}
    if not reply.get("ok"):
        error = str(reply.get("error", "failed"))
        hint = error_hint(error)
        return Verdict(False, error + where + (f". Hint: {hint}" if hint else "")), {}
    if reply.get("stdout_overflow"):
        return Verdict(False, "printed more output than allowed while being checked" + where), {}
    if reply.get("mutated"):
        return Verdict(
            False,
            "modified its input(s) in place: "
            + ", ".join(reply["mutated"])
            + " (work on copies)"
            + where,
        ), {}
    got: dict[str, Any] = {}
    for name in case.outputs:
        value, problem = _pick(case, reply["results"], name)
        if problem:
            return Verdict(False, problem + where), got
        got[name] = value
    worst = Verdict(True, "", 0.0)
    wrong = []
    for name, want in case.expected.items():
        v = compare(name, got[name], want, case.rtol, case.atol)
        worst.max_err = max(worst.max_err, v.max_err)
        if not v.ok:
            wrong.append(v.message)
    if not wrong:
        return worst, got
    hint = next((h for h, outs in case.variants.items() if _matches(case, got, outs)), None)
    msg = "; ".join(wrong) + where
    if hint:
        msg += f". Hint: {hint}"
    return Verdict(False, msg, worst.max_err), got


def run_part(part: Part, invoker: Invoker, rng: np.random.Generator) -> Verdict:
    """All cases of ``part``; stops at the first failure."""
    seen: list[dict[str, Any]] = []
    worst = 0.0
    cases = part.make_cases(rng)
    for case in cases:
        verdict, got = run_case(case, invoker)
        if not verdict.ok:
            if any(_same_outputs(got, old) for old in seen):
                verdict.message += (
                    ". The output is identical to the previous case although "
                    "the inputs differ (hard-coded result?)"
                )
            return verdict
        worst = max(worst, verdict.max_err)
        seen.append(got)
    return Verdict(True, f"passed {len(cases)} random cases (max rel error {worst:.1e})", worst)


def _same_outputs(a: dict[str, Any], b: dict[str, Any]) -> bool:
    if not a or a.keys() != b.keys():
        return False
    for k in a:
        x, y = a[k], b[k]
        if not (isinstance(x, np.ndarray) and isinstance(y, np.ndarray)):
            return False
        if x.shape != y.shape or not np.array_equal(x, y):
            return False
    return True
