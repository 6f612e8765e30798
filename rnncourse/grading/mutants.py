"""Planted mistakes derived from the reference by small named edits of its source.

A *mutant* is a reference function with one mistake planted: its source (one line per equation,
see :mod:`rnncourse.reference`) is edited by exact text replacements, each of which must match
exactly once, and compiled in a copy of the reference module's namespace. The mistake is then
the very line a learner would get wrong, and a change of the reference that invalidates an edit
fails loudly (:class:`EditError`) instead of silently testing something else.

A function gets the mistakes of the pieces it calls (:data:`PIECES`): a public step function
checks its arguments and calls its private step (``rnn_step_forward`` -> ``_rnn_step_forward``),
where the equations and so the edits live; ``mutant("rnn_forward", "no_bias")`` is the
reference's own ``rnn_forward`` loop running the private step with the bias missing. A sequence
backward's own mistakes (the carry ``delta = dh[:, t] + dh_next`` dropped, ``dWh += dWh_t`` not
summed, the loop stopping before t = 1) are edits of its loop's lines. The exercise modules
plant mistakes in their own expected-value functions with :func:`edited`, the same mechanism. A
mistake that is a wrong *use* of correct pieces (sampling at temperature 0, TBPTT with one
chunk, the global-norm clip where clipping by value is asked) is composed from the reference in
the exercise's module.
"""

from __future__ import annotations

import ast
import functools
import inspect
import textwrap
from collections.abc import Callable
from typing import Any

Edits = list[tuple[str, str]]

#: the off-by-one mistake's output: h[:, t] holds h_{t-1}, the state *before* step t
_STATES_BEFORE = "return np.stack([steps[0].h_prev, *hs[:-1]], axis=1), "
_H0 = "h_t = zeros if h0 is None else h0"


def _bptt(step_call: str, *grads: str) -> dict[str, Edits]:
    """Return the mistakes of a sequence backward's own loop (``rnn_backward`` ...)."""
    return {
        "no_carry": [("delta = dh[:, t] + dh_next", "delta = dh[:, t]")],
        "no_accum": [(f"{g} += {g}_t", f"{g} = {g}_t") for g in grads],
        "skip_t0": [
            ("for t in reversed(range(T)):", "for t in reversed(range(1, T)):"),
            ("dx = [None] * T", "dx = [0 * cache.steps[0].x] * T"),
        ],
        **(
            {"no_dc_carry": [(step_call, step_call.replace("dc_next,", "0 * dc_next,"))]}
            if "dc_next" in step_call
            else {}
        ),
    }


#: reference function -> mistake -> [(text, replacement), ...]
EDITS: dict[str, dict[str, Edits]] = {
    "_rnn_step_forward": {
        "no_bias": [("a = x @ Wx + h_prev @ Wh + b", "a = x @ Wx + h_prev @ Wh")],
        "no_hprev": [("a = x @ Wx + h_prev @ Wh + b", "a = x @ Wx + b")],
        "Wh_T": [("h_prev @ Wh + b", "h_prev @ Wh.T + b")],
        "sigmoid": [("np.tanh(a) if", "sigmoid(a) if")],
        "relu": [('np.tanh(a) if activation == "tanh"', 'np.tanh(a) if activation == "relu"')],
    },
    "_rnn_step_backward": {
        "one_minus_h": [("da = dh * (1 - h**2) if", "da = dh * (1 - h) if")],
        "no_tanh_deriv": [("da = dh * (1 - h**2) if", "da = dh if")],
        "sigmoid_deriv": [("da = dh * (1 - h**2) if", "da = dh * h * (1 - h) if")],
    },
    "rnn_forward": {
        "h0_ignored": [("if h0 is None else h0", "if True else h0")],
        "off_by_one": [("return np.stack(hs, axis=1), ", _STATES_BEFORE)],
    },
    "rnn_backward": _bptt("_rnn_step_backward(delta, cache.steps[t])", "dWx", "dWh", "db"),
    "_lstm_step_forward": {
        "swap_if": [("a_i, a_f, a_g, a_o = split_blocks", "a_f, a_i, a_g, a_o = split_blocks")],
        "order_ifog": [("a_i, a_f, a_g, a_o = split_blocks", "a_i, a_f, a_o, a_g = split_blocks")],
        "g_sigmoid": [("np.tanh(a_g)", "sigmoid(a_g)")],
        "no_tanh_c": [("h = o * np.tanh(c)", "h = o * c")],
        "no_bias": [("a = x @ Wx + h_prev @ Wh + b", "a = x @ Wx + h_prev @ Wh")],
        "c_reset": [("c = f * c_prev + i * g", "c = i * g")],
    },
    "_lstm_step_backward": {
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
    "lstm_forward": {
        "h0_ignored": [(_H0, _H0.replace("if h0 is None", "if True"))],
        "off_by_one": [("return np.stack(hs, axis=1), ", _STATES_BEFORE)],
    },
    "lstm_backward": _bptt(
        "_lstm_step_backward(delta, dc_next, cache.steps[t])", "dWx", "dWh", "db"
    ),
    "_gru_step_forward": {
        "swap_rz": [
            ("ax_r, ax_z, ax_n = split_blocks", "ax_z, ax_r, ax_n = split_blocks"),
            ("Wh_r, Wh_z, Wh_n = split_blocks", "Wh_z, Wh_r, Wh_n = split_blocks"),
            ("bh_r, bh_z, bh_n = split_blocks", "bh_z, bh_r, bh_n = split_blocks"),
        ],
        "z_flipped": [("h = (1 - z) * n + z * h_prev", "h = z * n + (1 - z) * h_prev")],
        "reset_before": [("if reset_after:", "if not reset_after:")],
        "no_bh": [("bh = np.zeros_like(b) if bh is None else bh", "bh = np.zeros_like(b)")],
        "no_b": [("split_blocks(x @ Wx + b, 3", "split_blocks(x @ Wx, 3")],
        "n_sigmoid": [("n = np.tanh(ax_n + r * hn)", "n = sigmoid(ax_n + r * hn)")],
    },
    "_gru_step_backward": {
        "no_direct": [("dh_prev = dh * z", "dh_prev = 0 * z")],
        "no_r_in_dhn": [("dr, dhn = da_n * hn, da_n * r", "dr, dhn = da_n * hn, da_n")],
    },
    "gru_backward": _bptt("_gru_step_backward(delta, cache.steps[t])", "dWx", "dWh", "db", "dbh"),
    "variational_lstm_forward": {
        "no_h_mask": [("h_prev * mask_h, c_prev,", "h_prev, c_prev,")],
        "no_x_mask": [("x[:, t] * mask_x, h_prev", "x[:, t], h_prev")],
        "mask_output": [("h[:, t] = h_prev", "h[:, t] = h_prev * mask_h")],
    },
    "variational_lstm_backward": {
        "dh_unmasked": [("dh_next = dhm * cache.mask_h", "dh_next = dhm")],
        "dx_unmasked": [("dx[:, t] = dxm * cache.mask_x", "dx[:, t] = dxm")],
        "no_dc_carry": [
            ("dh_next, dc_next, cache.steps[t]", "dh_next, 0 * dc_next, cache.steps[t]")
        ],
    },
    "additive_attention_forward": {
        "no_tanh": [
            (
                "u = np.tanh((h @ Wq)[:, None, :] + features @ Wk)",
                "u = (h @ Wq)[:, None, :] + features @ Wk",
            )
        ],
        "softmax_batch": [
            ("np.exp(e - e.max(axis=1,", "np.exp(e - e.max(axis=0,"),
            ("a /= a.sum(axis=1,", "a /= a.sum(axis=0,"),
        ],
        "no_normalise": [
            (
                "a = np.exp(e - e.max(axis=1, keepdims=True))\n"
                "    a /= a.sum(axis=1, keepdims=True)",
                "a = np.exp(e)",
            ),
        ],
    },
    "additive_attention_backward": {
        "values_only": [(" + dpre @ cache.Wk.T", "")],
        "no_jacobian": [("de = a * (da - np.sum(a * da, axis=1, keepdims=True))", "de = a * da")],
        "no_tanh_grad": [
            ("dpre = de[:, :, None] * cache.w * (1 - u**2)", "dpre = de[:, :, None] * cache.w")
        ],
    },
    "combine": {
        "swapped": [("return a2 * a1, a2 * b1 + b2", "return a1 * a2, a1 * b2 + b1")],
        "b1_unscaled": [("return a2 * a1, a2 * b1 + b2", "return a2 * a1, b1 + b2")],
    },
    "hillis_steele_": {
        "swapped": [
            (
                "combine((A[:, :-d], B[:, :-d]), (A[:, d:], B[:, d:]))",
                "combine((A[:, d:], B[:, d:]), (A[:, :-d], B[:, :-d]))",
            )
        ],
        "one_round": [("d, rounds = 2 * d, rounds + 1", "d, rounds = T, rounds + 1")],
    },
    "linear_scan_forward": {
        "h0_ignored": [("h = A * h0[:, None] + B", "h = A * 0 + B")],
        "exclusive": [
            (
                "return h, LinearScanCache(a, h0, h, method)",
                "return np.concatenate([h0[:, None], h[:, :-1]], axis=1), None",
            )
        ],
    },
    "linear_scan_backward": {
        "unshifted": [
            ("a_next = np.concatenate([a[:, 1:], np.zeros_like(a[:, :1])], axis=1)", "a_next = a")
        ],
        "h_not_prev": [
            ("h_prev = np.concatenate([cache.h0[:, None], h[:, :-1]], axis=1)", "h_prev = h")
        ],
        "no_carry": [("_prefixes(a_next[:, ::-1]", "_prefixes(0 * a_next[:, ::-1]")],
        "dh0_unscaled": [("a[:, 0] * g[:, 0]", "1 * g[:, 0]")],
    },
    "bidirectional_forward": {
        "not_reflipped": [("h[..., H:] = hb_rev[:, ::-1]", "h[..., H:] = hb_rev")],
        "order_swapped": [
            ("h[..., :H] = hf", "h[..., :H] = hb_rev[:, ::-1]"),
            ("h[..., H:] = hb_rev[:, ::-1]", "h[..., H:] = hf"),
        ],
        "not_reversed_input": [
            ("dispatch.forward(cell, x[:, ::-1], h0b", "dispatch.forward(cell, x, h0b"),
            ("h[..., H:] = hb_rev[:, ::-1]", "h[..., H:] = hb_rev"),
        ],
    },
    "bidirectional_backward": {
        "dh_not_reversed": [
            ("dispatch.backward(dh[:, ::-1, H:]", "dispatch.backward(dh[:, :, H:]")
        ],
        "dx_not_reflipped": [("dx += dxb_rev[:, ::-1]", "dx += dxb_rev")],
        "dx_forward_only": [("    dx += dxb_rev[:, ::-1]\n", "")],
    },
    "deep_forward": {
        "returned_first_layer": [("return h, DeepCache(", "return caches[0].h, DeepCache(")],
        "same_h0": [("zip(ps, hs, strict=True)", "zip(ps, [hs[0]] * L, strict=True)")],
    },
    "deep_backward": {
        "top_dh_everywhere": [
            (
                "dh, dh0[layer], grads[layer] = dispatch.backward(",
                "dx, dh0[layer], grads[layer] = dispatch.backward(",
            ),
            ("return dh, dh0, grads", "return dx, dh0, grads"),
        ],
    },
    "eval_numerical_gradient": {
        "forward_difference": [("(plus - minus) / (2 * h)", "(plus - _scalar(f(x), dout)) / h")],
        "over_h": [("(plus - minus) / (2 * h)", "(plus - minus) / h")],
    },
    "clip_by_value": {
        "upper_only": [("np.clip(g, -clip, clip, out=g)", "np.minimum(g, clip, out=g)")],
    },
}

#: function -> the reference functions it calls whose mistakes it can carry
PIECES: dict[str, tuple[str, ...]] = {
    "rnn_step_forward": ("_rnn_step_forward",),
    "rnn_step_backward": ("_rnn_step_backward",),
    "rnn_forward": ("_rnn_step_forward",),
    "lstm_step_forward": ("_lstm_step_forward",),
    "lstm_step_backward": ("_lstm_step_backward",),
    "lstm_forward": ("_lstm_step_forward",),
    "gru_step_forward": ("_gru_step_forward",),
    "gru_step_backward": ("_gru_step_backward",),
    "gru_forward": ("_gru_step_forward",),
    "linear_scan_forward": ("_prefixes",),
    "_prefixes": ("hillis_steele_",),
}


class EditError(RuntimeError):
    """An edit no longer matches the reference's source exactly once."""


def _without_docstring(source: str) -> str:
    """Return the function's source without its docstring lines (edits apply to the code only)."""
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


def edited(fn: Callable[..., Any], edits: Edits, label: str, **pieces: Any) -> Callable[..., Any]:
    """Return ``fn`` recompiled with ``edits`` applied and the global names in ``pieces`` replaced.

    Each ``(text, replacement)`` must occur exactly once in ``fn``'s code (docstring excluded),
    else :class:`EditError`. The copy runs in a copy of ``fn``'s module namespace plus the
    reference's ``sigmoid`` (for the edits that use it), so ``fn`` itself is untouched.
    """
    source = _without_docstring(textwrap.dedent(inspect.getsource(fn)))
    for old, new in edits:
        count = source.count(old)
        if count != 1:
            raise EditError(f"{label}: {old!r} occurs {count} times in {fn.__name__}")
        source = source.replace(old, new)
    from rnncourse.reference.layers import sigmoid

    namespace = {**fn.__globals__, "sigmoid": sigmoid, **pieces}
    exec(compile(source, f"<{fn.__name__} with {label}>", "exec"), namespace)
    return namespace[fn.__name__]


def _reference(name: str) -> Callable[..., Any]:
    from rnncourse import reference
    from rnncourse.reference import dropout, gradcheck, gru, lstm, rnn, scan

    for module in (reference, rnn, lstm, gru, gradcheck, dropout, scan):
        if hasattr(module, name):
            return getattr(module, name)
    raise KeyError(f"no reference function {name!r}")


def has_mistake(name: str, bug: str) -> bool:
    """Whether ``mutant(name, bug)`` exists: ``bug`` is an edit of ``name`` or of a piece of it."""
    return bug in EDITS.get(name, {}) or any(has_mistake(p, bug) for p in PIECES.get(name, ()))


@functools.cache
def mutant(name: str, bug: str) -> Callable[..., Any]:
    """``rnncourse.reference.<name>`` with mistake ``bug`` planted (see :data:`EDITS`).

    If ``bug`` is not an edit of ``name`` itself it is planted in the piece of :data:`PIECES`
    that has it, and ``name`` runs unchanged around the mutated piece.
    """
    fn = _reference(name)
    if bug in EDITS.get(name, {}):
        return edited(fn, EDITS[name][bug], f"mistake {bug}")
    piece = next((p for p in PIECES.get(name, ()) if has_mistake(p, bug)), None)
    if piece is None:
        raise KeyError(f"no mistake {bug!r} in {name} or the functions it calls")
    return edited(fn, [], f"mistake {bug} in {piece}", **{piece: mutant(piece, bug)})
