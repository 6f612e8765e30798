"""Planted mistakes derived from the reference by small named edits of its source.

A *mutant* is a reference function with one mistake planted: its source (one line per equation,
see :mod:`rnncourse.reference`) is edited by exact text replacements, each of which must match
exactly once, and compiled in a copy of the reference module's namespace. The mistake is then
the very line a learner would get wrong, and a change of the reference that invalidates an edit
fails loudly (:class:`EditError`) instead of silently testing something else. Mistakes that need
a different algorithm (a loop, a whole sequence) stay in :mod:`rnncourse.grading.variants`.
"""

from __future__ import annotations

import ast
import functools
import inspect
import textwrap
from collections.abc import Callable
from typing import Any

#: reference function -> mistake -> [(text, replacement), ...]
EDITS: dict[str, dict[str, list[tuple[str, str]]]] = {
    "rnn_step_forward": {
        "no_bias": [("a = x @ Wx + h_prev @ Wh + b", "a = x @ Wx + h_prev @ Wh")],
        "no_hprev": [("a = x @ Wx + h_prev @ Wh + b", "a = x @ Wx + b")],
        "Wh_T": [("h_prev @ Wh + b", "h_prev @ Wh.T + b")],
        "sigmoid": [("np.tanh(a) if", "sigmoid(a) if")],
        "relu": [('np.tanh(a) if activation == "tanh"', 'np.tanh(a) if activation == "relu"')],
    },
    "lstm_step_forward": {
        "swap_if": [("a_i, a_f, a_g, a_o = np.split", "a_f, a_i, a_g, a_o = np.split")],
        "order_ifog": [("a_i, a_f, a_g, a_o = np.split", "a_i, a_f, a_o, a_g = np.split")],
        "g_sigmoid": [("np.tanh(a_g)", "sigmoid(a_g)")],
        "no_tanh_c": [("h = o * np.tanh(c)", "h = o * c")],
        "no_bias": [("a = x @ Wx + h_prev @ Wh + b", "a = x @ Wx + h_prev @ Wh")],
    },
    "lstm_step_backward": {
        "ignore_dc": [("dc = dc + dh * o", "dc = dh * o")],
        "ignore_dh": [
            ("do = dh * tanh_c", "do = 0 * tanh_c"),
            ("dc = dc + dh * o * (1 - tanh_c**2)", "dc = dc + 0 * o"),
        ],
        "no_tanh_deriv_c": [("dc = dc + dh * o * (1 - tanh_c**2)", "dc = dc + dh * o")],
        "dc_prev_no_f": [("dc * c_prev, dc * f,", "dc * c_prev, dc,")],
        "g_sigmoid_deriv": [("dg * (1 - g**2)", "dg * g * (1 - g)")],
        "swap_if_back": [("np.concatenate([da_i, da_f,", "np.concatenate([da_f, da_i,")],
    },
}


class EditError(RuntimeError):
    """An edit no longer matches the reference's source exactly once."""


def _without_docstring(source: str) -> str:
    """The function's source with its docstring lines removed (edits apply to the code only)."""
    node = ast.parse(source).body[0]
    first = node.body[0]
    if (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        lines = source.splitlines(keepends=True)
        indent = lines[first.lineno - 1][
            : len(lines[first.lineno - 1]) - len(lines[first.lineno - 1].lstrip())
        ]
        lines[first.lineno - 1 : first.end_lineno] = [indent + "pass\n"]
        source = "".join(lines)
    return source


@functools.cache
def mutant(name: str, bug: str) -> Callable[..., Any]:
    """``rnncourse.reference.<name>`` with mistake ``bug`` planted (see :data:`EDITS`)."""
    from rnncourse import reference

    fn = getattr(reference, name)
    source = _without_docstring(textwrap.dedent(inspect.getsource(fn)))
    for old, new in EDITS[name][bug]:
        count = source.count(old)
        if count != 1:
            raise EditError(f"{name}/{bug}: {old!r} occurs {count} times in the reference")
        source = source.replace(old, new)
    from rnncourse.reference.layers import sigmoid

    namespace = {**fn.__globals__, "sigmoid": sigmoid}
    exec(compile(source, f"<{name} with mistake {bug}>", "exec"), namespace)  # noqa: S102
    return namespace[name]
