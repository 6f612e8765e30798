"""Exercise 14 (14_after_the_lstm): the parallel scan of h_t = a_t * h_{t-1} + b_t, both passes.

Expected outputs come from :mod:`rnncourse.reference.scan` (the sequential method, so a scan is
checked against the loop); the planted mistakes are named edits of its lines
(:mod:`rnncourse.grading.mutants`), run with the Hillis-Steele method.

The method is checked too. Both passes run once more on numbers that count the rounds (the
``scan_depth`` driver): every element of the inputs starts at depth 0 and every operation's
result is one deeper than its deepest operand, so a loop over time ends in a chain of about 2T
operations while a scan of ceil(log2 T) rounds stays under 4 ceil(log2 T) + 4 (backward: + 8).
The backward pass also has a CPU-time budget at a size where differentiating entry by entry
cannot fit.
"""

from __future__ import annotations

import numpy as np

from rnncourse.grading.catalog._common import (
    FLOAT_TOL,
    NUMPY_ONLY,
    budget_backward_case,
    named,
    shapes,
    variants,
)
from rnncourse.grading.core import Call, Case, Exercise, Part
from rnncourse.grading.mutants import mutant
from rnncourse.grading.wire import Ref
from rnncourse.reference.scan import combine

COMBINE_BUGS = {
    "swapped": "the maps are composed in the wrong order: `first` acts first, so the result is "
    "(a2 * a1, a2 * b1 + b2)",
    "b1_unscaled": "b1 must be multiplied by a2: the second map scales everything the first "
    "one produced",
}
FORWARD_BUGS = {
    "h0_ignored": "h0 is ignored (the states start from zeros): h_t = A_t * h0 + B_t",
    "exclusive": "off-by-one in time: h[:, t] must be the state after step t (inclusive scan)",
    "swapped": "the pairs are combined in the wrong order: position t - d comes first",
    "one_round": "the scan stops too early: keep doubling d while d < T",
}
BACK = ("da", "db", "dh0")
#: The mistakes are planted in the Hillis-Steele scan (the expected values use the plain loop).
HS = "hillis_steele"
BACKWARD_BUGS = {
    "unshifted": "the coefficient of g_{t+1} is a_{t+1}, not a_t: shift a by one step",
    "h_not_prev": "da_t = g_t * h_{t-1}, the state before the step, not h_t",
    "no_carry": "g_t must collect the gradient flowing back from step t+1 too",
    "dh0_unscaled": "dh0 = a_1 * g_1: h0 reaches h_1 through a_1",
}


def _inputs(rng, dtype=np.float64, min_T=1):
    N, H = int(rng.integers(1, 4)), int(rng.integers(1, 5))
    T = int(rng.choice([min_T, 2, 5, 8, 13, 32, 37]))
    a = rng.uniform(-1.1, 1.1, (N, T, H)).astype(dtype)
    b, h0 = rng.standard_normal((N, T, H)).astype(dtype), rng.standard_normal((N, H)).astype(dtype)
    return (N, T, H), a, b, h0


def scan_combine_cases(rng):
    """Draw float64/float32 cases of ``scan_combine``: expected outputs and known mistakes."""
    cases = []
    for dtype in (np.float64, np.float64, np.float32):
        shape = tuple(int(s) for s in rng.integers(1, 5, size=2))
        a1, b1, a2, b2 = (rng.standard_normal(shape).astype(dtype) for _ in range(4))
        want = named(("a", "b"), combine((a1, b1), (a2, b2)))
        var = variants(
            COMBINE_BUGS,
            lambda bug, p=(a1, b1, a2, b2): named(("a", "b"), mutant("combine", bug)(p[:2], p[2:])),
        )
        call = Call("scan_combine", ((a1, b1), (a2, b2)), ("first", "second"), ("a", "b"))
        rtol, atol = FLOAT_TOL[dtype]
        cases.append(
            Case(
                [call],
                {"a": (0, 0), "b": (0, 1)},
                want,
                f"shape {shape}, {np.dtype(dtype).name}",
                var,
                rtol,
                atol,
            )
        )
    return cases


def scan_forward_cases(rng):
    """Draw float64/float32 cases of ``scan_forward``: expected outputs and known mistakes."""
    from rnncourse.reference.scan import linear_scan_forward

    cases = []
    for dtype in (np.float64, np.float64, np.float64, np.float32):
        (N, T, H), a, b, h0 = _inputs(rng, dtype, min_T=int(rng.integers(2, 5)))
        want = {"h": linear_scan_forward(a, b, h0, "sequential")[0]}
        var = variants(
            FORWARD_BUGS,
            lambda bug, p=(a, b, h0): {"h": mutant("linear_scan_forward", bug)(*p, HS)[0]},
        )
        call = Call("scan_forward", (a, b, h0), ("a", "b", "h0"), ("h", "cache"))
        rtol, atol = FLOAT_TOL[dtype]
        cases.append(
            Case(
                [call],
                {"h": (0, 0)},
                want,
                shapes(N=N, T=T, H=H) + f", {np.dtype(dtype).name}",
                var,
                rtol,
                atol,
            )
        )
    cases.append(depth_case(rng, "scan_forward"))
    return cases


#: Length of the sequence whose rounds are counted, and the allowance above 4 ceil(log2 T).
DEPTH_T, DEPTH_EXTRA = 64, {"scan_forward": 4, "scan_backward": 8}


def depth_case(rng, fn):
    """Return a case that runs ``fn`` on numbers that count its rounds (``scan_depth`` driver)."""
    from rnncourse.reference.scan import linear_scan_backward, linear_scan_forward

    N, T, H = 2, DEPTH_T, 3
    a = rng.uniform(-1.1, 1.1, (N, T, H))
    b, h0, dh = (
        rng.standard_normal((N, T, H)),
        rng.standard_normal((N, H)),
        rng.standard_normal((N, T, H)),
    )
    h, cache = linear_scan_forward(a, b, h0, "sequential")
    names = ("h",) if fn == "scan_forward" else BACK
    want = {"h": h} if fn == "scan_forward" else named(BACK, linear_scan_backward(dh, cache))
    call = Call(
        "@scan_depth",
        (fn, a, b, h0, dh, DEPTH_EXTRA[fn]),
        ("function", "a", "b", "h0", "dh", "extra"),
        names,
    )
    return Case(
        [call],
        {k: (0, i) for i, k in enumerate(names)},
        want,
        shapes(N=N, T=T, H=H) + ", on numbers that count the rounds (dtype object)",
    )


def scan_backward_cases(rng):
    """Draw random cases of ``scan_backward``: expected outputs and known mistakes."""
    from rnncourse.reference.scan import linear_scan_backward, linear_scan_forward

    cases = []
    for _ in range(3):
        (N, T, H), a, b, h0 = _inputs(rng, min_T=int(rng.integers(2, 5)))
        dh = rng.standard_normal((N, T, H))
        want = named(BACK, linear_scan_backward(dh, linear_scan_forward(a, b, h0, "sequential")[1]))
        var = variants(
            BACKWARD_BUGS,
            lambda bug, dh=dh, p=(a, b, h0): named(
                BACK, mutant("linear_scan_backward", bug)(dh, linear_scan_forward(*p, HS)[1])
            ),
        )
        calls = [
            Call("scan_forward", (a, b, h0), ("a", "b", "h0"), ("h", "cache")),
            Call("scan_backward", (dh, Ref(0, 1)), ("dh", "cache"), BACK),
        ]
        cases.append(
            Case(calls, {k: (1, i) for i, k in enumerate(BACK)}, want, shapes(N=N, T=T, H=H), var)
        )
    cases.append(depth_case(rng, "scan_backward"))
    N, T, H = 8, 1024, 32  # the budget case: about 50 ms analytic, hours entry by entry
    a = rng.uniform(-1.1, 1.1, (N, T, H))
    b, h0, dh = (
        rng.standard_normal((N, T, H)),
        rng.standard_normal((N, H)),
        rng.standard_normal((N, T, H)),
    )
    want = named(BACK, linear_scan_backward(dh, linear_scan_forward(a, b, h0, "sequential")[1]))
    forward = Call("scan_forward", (a, b, h0), ("a", "b", "h0"), ("h", "cache"))
    cases.append(
        budget_backward_case(
            forward, "scan_backward", {"dh": dh}, BACK, want, shapes(N=N, T=T, H=H)
        )
    )
    return cases


EXERCISE = Exercise(
    "ex14_parallel_scan",
    "The parallel scan, forward and backward",
    "14_after_the_lstm",
    [
        Part("scan_combine", 2, scan_combine_cases),
        Part("scan_forward", 4, scan_forward_cases),
        Part("scan_backward", 4, scan_backward_cases),
    ],
    NUMPY_ONLY,
)
