"""Exercise 7 (10_bidirectional): Bidirectional and stacked RNNs."""

from __future__ import annotations

import numpy as np

from rnncourse.grading.catalog._common import (
    ON_REFERENCE,
    cell_params,
    central_differences,
    dims,
    rand,
    reference,
    shapes,
    variants,
)
from rnncourse.grading.core import Call, Case, Exercise, Part
from rnncourse.grading.mutants import mutant
from rnncourse.grading.wire import Ref
from rnncourse.reference.cells import CELLS


def _reference_or_mutant(name, bug, bugs):
    return mutant(name, bug) if bug in bugs else getattr(reference(), name)


def bidi_expected(cell, x, h0f, h0b, pf, pb, dh=None, bug=None):
    """Return the reference wrapper's outputs (and gradients if ``dh`` is given), or a mistake's.

    Forward bugs: not_reflipped, order_swapped, not_reversed_input.
    Backward bugs: dh_not_reversed, dx_not_reflipped, dx_forward_only.
    """
    forward = _reference_or_mutant("bidirectional_forward", bug, BIDI_FWD_BUGS)
    h, cache = forward(x, pf, pb, cell, (h0f, h0b))
    if dh is None:
        return {"h": h}
    backward = _reference_or_mutant("bidirectional_backward", bug, BIDI_BACK_BUGS)
    dx, (dh0f, dh0b), gf, gb = backward(dh, cache)
    out = {"dx": dx, "dh0_f": dh0f, "dh0_b": dh0b}
    out.update({f"grads_f[{k!r}]": v for k, v in gf.items()})
    out.update({f"grads_b[{k!r}]": v for k, v in gb.items()})
    return out


def deep_expected(cell, x, h0s, params, dh=None, bug=None):
    """Return the reference stack's top-layer states (and gradients), or a mistake's.

    Forward bugs: returned_first_layer, same_h0. Backward bugs: top_dh_everywhere.
    """
    forward = _reference_or_mutant("deep_forward", bug, DEEP_FWD_BUGS)
    h, cache = forward(x, params, cell, h0s)
    if dh is None:
        return {"h": h}
    backward = _reference_or_mutant("deep_backward", bug, DEEP_BACK_BUGS)
    dx, dh0s, grads = backward(dh, cache)
    out = {f"dh0s[{layer}]": dh0 for layer, dh0 in enumerate(dh0s)}
    out.update({f"grads[{i}][{k!r}]": v for i, g in enumerate(grads) for k, v in g.items()})
    out["dx"] = dx
    return out


BIDI_FWD_BUGS = {
    "not_reflipped": "the backward direction's outputs must be flipped back to the "
    "original time order before concatenating",
    "order_swapped": "concatenate [forward, backward] on the last axis, in that order",
    "not_reversed_input": "the backward direction must read the sequence reversed",
}
BIDI_BACK_BUGS = {
    "dh_not_reversed": "the backward half of dh must be flipped in time before it "
    "goes through the backward direction",
    "dx_not_reflipped": "the backward direction's dx must be flipped back in time",
    "dx_forward_only": "dx must add the contributions of both directions",
}


DEEP_FWD_BUGS = {
    "returned_first_layer": "these are the first layer's states; return the top layer's",
    "same_h0": "each layer starts from its own h0s[layer]",
}
DEEP_BACK_BUGS = {
    "top_dh_everywhere": "each lower layer must receive the dx of the layer above as "
    "its dh, not the top layer's dh"
}


def _bidi_inputs(rng, k):
    cell = CELLS[k % 3]
    N, T, D, H = dims(rng)
    return (
        cell,
        (N, T, D, H),
        (
            cell,
            rand(rng, N, T, D),
            rand(rng, N, H),
            rand(rng, N, H),
            cell_params(rng, cell, D, H),
            cell_params(rng, cell, D, H),
        ),
    )


BIDI_ARGS = ("cell", "x", "h0_f", "h0_b", "params_f", "params_b")


def bidirectional_forward_cases(rng):
    """Draw random cases of ``bidirectional_forward``: expected outputs and known mistakes."""
    cases = []
    for k in range(3):
        cell, (N, T, D, H), a = _bidi_inputs(rng, k)
        var = variants(BIDI_FWD_BUGS, lambda bug, a=a: bidi_expected(*a, bug=bug))
        call = Call("bidirectional_forward", a, BIDI_ARGS, ("h", "cache"))
        cases.append(
            Case(
                [call],
                {"h": (0, 0)},
                bidi_expected(*a),
                f"cell={cell}, " + shapes(N=N, T=T, D=D, H=H),
                var,
            )
        )
    return cases


def _grad_outputs(call: int, item: int, name: str, keys) -> dict:
    return {f"{name}[{k!r}]": (call, (item, k)) for k in keys}


def bidirectional_backward_cases(rng):
    """Draw random cases of ``bidirectional_backward``: expected outputs and known mistakes."""
    cases = []
    for k in range(3):
        cell, (N, T, D, H), a = _bidi_inputs(rng, k)
        dh = rand(rng, N, T, 2 * H)
        want = bidi_expected(*a, dh=dh)
        var = variants(BIDI_BACK_BUGS, lambda bug, a=a, dh=dh: bidi_expected(*a, dh=dh, bug=bug))
        calls = [
            Call("bidirectional_forward", a, BIDI_ARGS, ("h", "cache")),
            Call(
                "bidirectional_backward",
                (dh, Ref(0, 1)),
                ("dh", "cache"),
                ("dx", "dh0_f", "dh0_b", "grads_f", "grads_b"),
            ),
        ]
        keys = list(a[4])
        outputs = {"dx": (1, 0), "dh0_f": (1, 1), "dh0_b": (1, 2)}
        outputs.update(_grad_outputs(1, 3, "grads_f", keys))
        outputs.update(_grad_outputs(1, 4, "grads_b", keys))
        cases.append(Case(calls, outputs, want, f"cell={cell}, " + shapes(N=N, T=T, D=D, H=H), var))
    return cases


def _deep_inputs(rng, k):
    cell = ("lstm", "rnn", "gru")[k % 3]
    N, T, D, H = dims(rng)
    L = int(rng.integers(2, 4))
    params = [cell_params(rng, cell, D if layer == 0 else H, H) for layer in range(L)]
    return (
        cell,
        (N, T, D, H, L),
        (cell, rand(rng, N, T, D), [rand(rng, N, H) for _ in range(L)], params),
    )


def deep_forward_cases(rng):
    """Draw random cases of ``deep_forward``: expected outputs and known mistakes."""
    bugs = DEEP_FWD_BUGS
    cases = []
    for k in range(3):
        cell, (N, T, D, H, L), a = _deep_inputs(rng, k)
        var = variants(bugs, lambda bug, a=a: deep_expected(*a, bug=bug))
        call = Call("deep_forward", a, ("cell", "x", "h0s", "params"), ("h", "cache"))
        cases.append(
            Case(
                [call],
                {"h": (0, 0)},
                deep_expected(*a),
                f"cell={cell}, " + shapes(N=N, T=T, D=D, H=H, L=L),
                var,
            )
        )
    return cases


def deep_backward_cases(rng):
    """Draw random cases of ``deep_backward``: expected outputs and known mistakes."""
    bugs = DEEP_BACK_BUGS
    cases = []
    for k in range(3):
        cell, (N, T, D, H, L), a = _deep_inputs(rng, k)
        dh = rand(rng, N, T, H)
        if k < 2:
            want, how = deep_expected(*a, dh=dh), ""
        else:  # gradient check against central differences of the reference forward
            want, how = _deep_numeric(a, dh), ", numerical gradient check"
        var = variants(bugs, lambda bug, a=a, dh=dh: deep_expected(*a, dh=dh, bug=bug))
        calls = [
            Call("deep_forward", a, ("cell", "x", "h0s", "params"), ("h", "cache")),
            Call("deep_backward", (dh, Ref(0, 1)), ("dh", "cache"), ("dx", "dh0s", "grads")),
        ]
        outputs = {"dx": (1, 0)}
        outputs.update({f"dh0s[{layer}]": (1, (1, layer)) for layer in range(L)})
        outputs.update(
            {
                f"grads[{layer}][{key!r}]": (1, (2, layer, key))
                for layer in range(L)
                for key in a[3][layer]
            }
        )
        cases.append(
            Case(
                calls,
                outputs,
                want,
                f"cell={cell}, " + shapes(N=N, T=T, D=D, H=H, L=L) + how,
                var,
                1e-5 if how else 1e-6,
                1e-7 if how else 1e-9,
            )
        )
    return cases


def _deep_numeric(a, dh):
    """Central-difference gradients of sum(dh * top states) for every input of a stack."""
    cell, x, h0s, params = a
    x, h0s = x.copy(), [h.copy() for h in h0s]
    params = [{k: v.copy() for k, v in p.items()} for p in params]

    def loss():
        return float(np.sum(dh * deep_expected(cell, x, h0s, params)["h"]))

    targets = {"dx": x, **{f"dh0s[{i}]": h for i, h in enumerate(h0s)}}
    targets.update({f"grads[{i}][{k!r}]": v for i, p in enumerate(params) for k, v in p.items()})
    return central_differences(loss, targets)


EXERCISE = Exercise(
    "ex07_bidirectional_deep",
    "Bidirectional and stacked RNNs",
    "10_bidirectional",
    [
        Part("bidirectional_forward", 3, bidirectional_forward_cases),
        Part("bidirectional_backward", 2, bidirectional_backward_cases),
        Part("deep_forward", 3, deep_forward_cases),
        Part("deep_backward", 2, deep_backward_cases),
    ],
    ON_REFERENCE,
    (
        "rnncourse.reference:bidirectional*",
        "rnncourse.reference:deep*",
        "rnncourse.reference:stacked_*",
    ),
)
