"""Exercise 2 (04_bptt): Backprop through time for the RNN."""

from __future__ import annotations

import numpy as np

from rnncourse.grading.catalog._common import (
    NUMPY_ONLY,
    backward_case,
    budget_backward_case,
    named,
    rand,
    reference,
    scaled_params,
    sequence_grads,
    shapes,
    variants,
)
from rnncourse.grading.catalog.ex01_rnn_forward import _rnn_inputs
from rnncourse.grading.core import Call, Case, Exercise, Part
from rnncourse.grading.mutants import mutant
from rnncourse.grading.wire import Make

#: The step of the numerical_gradient cases: large enough that the central differences differ
#: measurably from the exact derivative (by about h**2 / 6 times the third derivative).
NUMGRAD_STEP = 0.05
NUMGRAD_RTOL, NUMGRAD_ATOL = 1e-7, 1e-10


def _tanh_dot(A, B):
    return lambda z: float(np.sum(A * np.tanh(z @ B)))


def numerical_gradient_cases(rng):
    """Draw random cases of ``numerical_gradient``: expected outputs and known mistakes.

    The expected values are the reference's central differences at the step ``h`` of the call,
    not the exact derivative: each case is drawn until the exact derivative is at least 100
    tolerances away from them, so a function that recovers ``A`` and ``B`` (from the closure of
    ``f``) and returns the exact derivative fails, and so does any other shortcut.
    """
    from rnncourse.reference import eval_numerical_gradient

    cases = []
    for _ in range(3):
        for _draw in range(20):
            m, n, k = (int(v) for v in rng.integers(1, 5, size=3))
            x, A, B = rand(rng, m, n), rand(rng, m, k), rand(rng, n, k)
            want = eval_numerical_gradient(_tanh_dot(A, B), x.copy(), h=NUMGRAD_STEP)
            exact = (A * (1 - np.tanh(x @ B) ** 2)) @ B.T
            room = np.abs(exact - want) / (NUMGRAD_ATOL + NUMGRAD_RTOL * np.abs(want))
            if room.max() > 100:
                break
        f = Make("tanh_dot", A=A, B=B)
        call = Call("numerical_gradient", (f, x), ("f", "x"), None, {"h": NUMGRAD_STEP})

        def fn(bug, x=x, A=A, B=B):
            if bug == "exact":
                return {"grad": (A * (1 - np.tanh(x @ B) ** 2)) @ B.T}
            return {
                "grad": mutant("eval_numerical_gradient", bug)(
                    _tanh_dot(A, B), x.copy(), h=NUMGRAD_STEP
                )
            }

        var = variants(
            {
                "forward_difference": "a one-sided difference (f(x+h) - f(x)) / h; use "
                "the central difference (f(x+h) - f(x-h)) / (2h)",
                "over_h": "the central difference must be divided by 2h, not h",
                "exact": "this is the exact derivative; return the central differences "
                "(f(x+h) - f(x-h)) / (2h) at the given step h, which differ from it",
            },
            fn,
        )
        cases.append(
            Case(
                [call],
                {"grad": (0, None)},
                {"grad": want},
                f"f(x) = sum(A * tanh(x @ B)), x {(m, n)}, h={NUMGRAD_STEP}",
                var,
                NUMGRAD_RTOL,
                NUMGRAD_ATOL,
            )
        )
    return cases


RNN_STEP_BACK = ("dx", "dh_prev", "dWx", "dWh", "db")
RNN_STEP_BACK_BUGS = {
    "one_minus_h": "the tanh derivative is 1 - h**2, not 1 - h",
    "no_tanh_deriv": "the upstream gradient was not multiplied by the tanh derivative",
    "sigmoid_deriv": "h * (1 - h) is the sigmoid derivative; tanh needs 1 - h**2",
}
RNN_BACK = ("dx", "dh0", "dWx", "dWh", "db")
SEQ_ARGS = ("x", "h0", "Wx", "Wh", "b")
RNN_BACK_BUGS = {
    "no_carry": "forgot dh from the next step: add the gradient flowing back from step t+1 "
    "to dh[:, t]",
    "no_accum": "gradient not accumulated over time: dWx, dWh, db must sum the contributions "
    "of every step",
    "skip_t0": "off-by-one in time: the backward loop skips t = 0",
}


def rnn_step_backward_cases(rng):
    """Draw random cases of ``rnn_step_backward``: expected outputs and known mistakes."""
    cases = []
    for _ in range(3):
        (N, _, D, H), *a = _rnn_inputs(rng, np.float64, seq=False)
        a = tuple(a)
        dh = rand(rng, N, H)
        ref = reference()
        want = ref.rnn_step_backward(dh, ref.rnn_step_forward(*a)[1])
        var = variants(
            RNN_STEP_BACK_BUGS,
            lambda bug, a=a, dh=dh: named(
                RNN_STEP_BACK,
                mutant("rnn_step_backward", bug)(dh, reference().rnn_step_forward(*a)[1]),
            ),
        )
        forward = Call("rnn_step_forward", a, ("x", "h_prev", "Wx", "Wh", "b"), ("h", "cache"))
        cases.append(
            backward_case(
                forward,
                "rnn_step_backward",
                {"dh": dh},
                RNN_STEP_BACK,
                named(RNN_STEP_BACK, want),
                shapes(N=N, D=D, H=H),
                var,
            )
        )
    N, D, H = 64, 256, 192  # the budget case: about 15 ms analytic, hours entry by entry
    a = (rand(rng, N, D), rand(rng, N, H), *scaled_params(rng, "rnn", D, H).values())
    dh = rand(rng, N, H)
    ref = reference()
    want = named(RNN_STEP_BACK, ref.rnn_step_backward(dh, ref.rnn_step_forward(*a)[1]))
    forward = Call("rnn_step_forward", a, ("x", "h_prev", "Wx", "Wh", "b"), ("h", "cache"))
    cases.append(
        budget_backward_case(
            forward, "rnn_step_backward", {"dh": dh}, RNN_STEP_BACK, want, shapes(N=N, D=D, H=H)
        )
    )
    return cases


def rnn_backward_cases(rng):
    """Draw random cases of ``rnn_backward``: expected outputs and known mistakes."""
    cases = []
    for k in range(3):
        (N, T, D, H), *a = _rnn_inputs(rng, np.float64, seq=True)
        a = tuple(a)
        dh = rand(rng, N, T, H)
        ref = reference()
        # the third case is a gradient check: expected values from central differences
        want, rtol, atol, how = sequence_grads(
            ref.rnn_forward, ref.rnn_backward, a, SEQ_ARGS, dh, numeric=k == 2
        )
        var = variants(
            RNN_BACK_BUGS,
            lambda bug, a=a, dh=dh: named(
                RNN_BACK, mutant("rnn_backward", bug)(dh, reference().rnn_forward(*a)[1])
            ),
        )
        forward = Call("rnn_forward", a, SEQ_ARGS, ("h", "cache"))
        describe = shapes(N=N, T=T, D=D, H=H) + how
        cases.append(
            backward_case(
                forward, "rnn_backward", {"dh": dh}, RNN_BACK, want, describe, var, rtol, atol
            )
        )
    N, T, D, H = 16, 64, 128, 96  # the budget case
    a = (rand(rng, N, T, D), rand(rng, N, H), *scaled_params(rng, "rnn", D, H).values())
    dh = rand(rng, N, T, H)
    ref = reference()
    want = named(RNN_BACK, ref.rnn_backward(dh, ref.rnn_forward(*a)[1]))
    forward = Call("rnn_forward", a, SEQ_ARGS, ("h", "cache"))
    cases.append(
        budget_backward_case(
            forward, "rnn_backward", {"dh": dh}, RNN_BACK, want, shapes(N=N, T=T, D=D, H=H)
        )
    )
    return cases


EXERCISE = Exercise(
    "ex02_rnn_bptt",
    "Backprop through time for the RNN",
    "04_bptt",
    [
        Part("numerical_gradient", 2, numerical_gradient_cases),
        Part("rnn_step_backward", 4, rnn_step_backward_cases),
        Part("rnn_backward", 4, rnn_backward_cases),
    ],
    NUMPY_ONLY,
)
