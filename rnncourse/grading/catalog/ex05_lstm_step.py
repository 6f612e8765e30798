"""Exercise 5 (09_lstm): LSTM step forward and backward."""

from __future__ import annotations

import numpy as np

from rnncourse.grading.catalog._common import (
    FLOAT_TOL,
    NUMPY_ONLY,
    backward_case,
    budget_backward_case,
    cell_params,
    dims,
    named,
    rand,
    reference,
    scaled_params,
    shapes,
    variants,
)
from rnncourse.grading.core import Call, Case, Exercise, Part
from rnncourse.grading.mutants import mutant

LSTM_STEP_BUGS = {
    "swap_if": "the input and forget gates are swapped (blocks are [i, f, g, o])",
    "order_ifog": "gate blocks taken in the order [i, f, o, g]; torch order is [i, f, g, o]",
    "g_sigmoid": "the candidate g uses tanh, not sigmoid",
    "no_tanh_c": "h = o * tanh(c), not o * c",
    "no_bias": "the bias b seems to be missing",
}
LSTM_STEP_ARGS = ("x", "h_prev", "c_prev", "Wx", "Wh", "b")
LSTM_STEP_BACK = ("dx", "dh_prev", "dc_prev", "dWx", "dWh", "db")


def _lstm_inputs(rng, seq=False, dtype=np.float64):
    N, T, D, H = dims(rng)
    x = rand(rng, N, T, D, dtype=dtype) if seq else rand(rng, N, D, dtype=dtype)
    return (
        (N, T, D, H),
        x,
        rand(rng, N, H, dtype=dtype),
        rand(rng, N, H, dtype=dtype),
        *cell_params(rng, "lstm", D, H, dtype).values(),  # Wx, Wh, b
    )


def lstm_step_forward_cases(rng):
    """Draw float64/float32 cases of ``lstm_step_forward``: expected outputs and known mistakes."""
    cases = []
    for dtype in (np.float64, np.float64, np.float32):
        (N, _, D, H), *a = _lstm_inputs(rng, dtype=dtype)
        h, c, _ = reference().lstm_step_forward(*a)
        var = variants(
            LSTM_STEP_BUGS,
            lambda bug, a=a: named(
                ("h", "c"),
                [v.astype(a[0].dtype) for v in mutant("lstm_step_forward", bug)(*a)[:2]],
            ),
        )
        call = Call("lstm_step_forward", tuple(a), LSTM_STEP_ARGS, ("h", "c", "cache"))
        rtol, atol = FLOAT_TOL[dtype]
        cases.append(
            Case(
                [call],
                {"h": (0, 0), "c": (0, 1)},
                {"h": h, "c": c},
                shapes(N=N, D=D, H=H) + f", {np.dtype(dtype).name}",
                var,
                rtol,
                atol,
            )
        )
    return cases


def lstm_step_backward_cases(rng):
    """Draw random cases of ``lstm_step_backward``: expected outputs and known mistakes."""
    bugs = {
        "ignore_dc": "the incoming cell gradient dc (from the next step) was ignored",
        "no_tanh_deriv_c": "the path h = o * tanh(c) needs the factor (1 - tanh(c)**2)",
        "dc_prev_no_f": "dc_prev must be multiplied by the forget gate f",
        "ignore_dh": "the incoming hidden-state gradient dh was ignored: it reaches o "
        "through h = o * tanh(c) and c through tanh(c)",
        "g_sigmoid_deriv": "g = tanh(a_g) has the derivative 1 - g**2; g * (1 - g) is the "
        "sigmoid's",
        "swap_if_back": "the gradients of the i and f blocks are swapped in da (blocks are "
        "[i, f, g, o])",
    }
    cases = []
    for _ in range(3):
        (N, _, D, H), *a = _lstm_inputs(rng)
        dh, dc = rand(rng, N, H), rand(rng, N, H)
        ref = reference()
        want = ref.lstm_step_backward(dh, dc, ref.lstm_step_forward(*a)[2])
        var = variants(
            bugs,
            lambda bug, a=a, dh=dh, dc=dc: named(
                LSTM_STEP_BACK,
                mutant("lstm_step_backward", bug)(dh, dc, reference().lstm_step_forward(*a)[2]),
            ),
        )
        forward = Call("lstm_step_forward", tuple(a), LSTM_STEP_ARGS, ("h", "c", "cache"))
        want = named(LSTM_STEP_BACK, want)
        cases.append(
            backward_case(
                forward,
                "lstm_step_backward",
                {"dh": dh, "dc": dc},
                LSTM_STEP_BACK,
                want,
                shapes(N=N, D=D, H=H),
                var,
            )
        )
    N, D, H = 64, 192, 160  # the budget case: about 20 ms analytic, hours entry by entry
    a = (rand(rng, N, D), rand(rng, N, H), rand(rng, N, H))
    a += tuple(scaled_params(rng, "lstm", D, H).values())
    dh, dc = rand(rng, N, H), rand(rng, N, H)
    ref = reference()
    want = named(LSTM_STEP_BACK, ref.lstm_step_backward(dh, dc, ref.lstm_step_forward(*a)[2]))
    forward = Call("lstm_step_forward", a, LSTM_STEP_ARGS, ("h", "c", "cache"))
    cases.append(
        budget_backward_case(
            forward,
            "lstm_step_backward",
            {"dh": dh, "dc": dc},
            LSTM_STEP_BACK,
            want,
            shapes(N=N, D=D, H=H),
        )
    )
    return cases


EXERCISE = Exercise(
    "ex05_lstm_step",
    "LSTM step forward and backward",
    "09_lstm",
    [
        Part("lstm_step_forward", 5, lstm_step_forward_cases),
        Part("lstm_step_backward", 5, lstm_step_backward_cases),
    ],
    NUMPY_ONLY,
)
