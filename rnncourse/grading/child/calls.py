"""The learner's functions called on the grader's inputs: shared by the child and ``check()``.

:func:`execute_calls` runs the payloads of :class:`rnncourse.grading.core.Call` against a
namespace (the sandboxed child's, or a notebook's for :func:`rnncourse.grading.check`), resolves
references to earlier results and arguments the child builds itself (:class:`.wire.Make`), and
notes which inputs the learner's code modified in place. Nothing here decides a score.
"""

from __future__ import annotations

import traceback
from typing import Any

import numpy as np

from rnncourse.grading import wire
from rnncourse.grading.child.drivers import DRIVERS

_array_equal = np.array_equal
_copy = np.copy
_ndarray = np.ndarray


class CellTimeout(BaseException):
    """Raised by the interval timer inside learner code (BaseException: not an ``Exception``)."""


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
