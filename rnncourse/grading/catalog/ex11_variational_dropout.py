"""Exercise 11 (06b_language_models_in_practice): an LSTM layer with variational dropout.

Expected outputs come from :mod:`rnncourse.reference.dropout`; the planted mistakes are named edits
of its lines (:mod:`rnncourse.grading.mutants`).
"""

from __future__ import annotations

from rnncourse.grading.catalog._common import (
    ON_REFERENCE,
    backward_case,
    budget_backward_case,
    dims,
    named,
    rand,
    scaled_params,
    shapes,
    variants,
)
from rnncourse.grading.core import Call, Case, Exercise, Part
from rnncourse.grading.mutants import mutant

BACK = ("dx", "dh0", "dWx", "dWh", "db")
ARGS = ("x", "h0", "Wx", "Wh", "b", "mask_x", "mask_h")


def _inputs(rng):
    from rnncourse.reference.dropout import dropout_mask

    N, T, D, H = dims(rng)
    T = max(T, 3)
    p = float(rng.uniform(0.3, 0.6))
    return (N, T, D, H), (
        rand(rng, N, T, D),
        rand(rng, N, H),
        rand(rng, D, 4 * H, scale=0.5),
        rand(rng, H, 4 * H, scale=0.5),
        rand(rng, 4 * H, scale=0.3),
        dropout_mask((N, D), p, rng),
        dropout_mask((N, H), p, rng),
    )


def variational_lstm_forward_cases(rng):
    """Draw random cases of ``variational_lstm_forward``: expected outputs and known mistakes."""
    from rnncourse.reference.dropout import variational_lstm_forward

    bugs = {
        "no_h_mask": "h_{t-1} must be multiplied by mask_h where it enters the next step",
        "no_x_mask": "every input x_t must be multiplied by mask_x",
        "mask_output": "return the unmasked h_t: the mask acts where the state is read",
    }
    cases = []
    for _ in range(3):
        (N, T, D, H), a = _inputs(rng)
        h, _ = variational_lstm_forward(*a)
        var = variants(bugs, lambda bug, a=a: {"h": mutant("variational_lstm_forward", bug)(*a)[0]})
        call = Call("variational_lstm_forward", a, ARGS, ("h", "cache"))
        cases.append(Case([call], {"h": (0, 0)}, {"h": h}, shapes(N=N, T=T, D=D, H=H), var))
    return cases


def variational_lstm_backward_cases(rng):
    """Draw random cases of ``variational_lstm_backward``: expected outputs and known mistakes."""
    from rnncourse.reference.dropout import variational_lstm_backward, variational_lstm_forward

    bugs = {
        "dh_unmasked": "the gradient reaching h_{t-1} passes through mask_h: multiply by it",
        "dx_unmasked": "the gradient of x_t passes through mask_x: multiply by it",
        "no_dc_carry": "carry the cell-state gradient dc from step t back to step t - 1",
    }
    cases = []
    for _ in range(3):
        (N, T, D, H), a = _inputs(rng)
        dh = rand(rng, N, T, H)
        want = variational_lstm_backward(dh, variational_lstm_forward(*a)[1])
        var = variants(
            bugs,
            lambda bug, a=a, dh=dh: named(
                BACK,
                mutant("variational_lstm_backward", bug)(dh, variational_lstm_forward(*a)[1]),
            ),
        )
        forward = Call("variational_lstm_forward", a, ARGS, ("h", "cache"))
        describe = shapes(N=N, T=T, D=D, H=H)
        cases.append(
            backward_case(
                forward,
                "variational_lstm_backward",
                {"dh": dh},
                BACK,
                named(BACK, want),
                describe,
                var,
            )
        )
    from rnncourse.reference.dropout import dropout_mask

    N, T, D, H = 8, 24, 64, 48  # the budget case: about 40 ms analytic, hours entry by entry
    a = (rand(rng, N, T, D), rand(rng, N, H), *scaled_params(rng, "lstm", D, H).values())
    a += (dropout_mask((N, D), 0.5, rng), dropout_mask((N, H), 0.5, rng))
    dh = rand(rng, N, T, H)
    want = named(BACK, variational_lstm_backward(dh, variational_lstm_forward(*a)[1]))
    forward = Call("variational_lstm_forward", a, ARGS, ("h", "cache"))
    cases.append(
        budget_backward_case(
            forward,
            "variational_lstm_backward",
            {"dh": dh},
            BACK,
            want,
            shapes(N=N, T=T, D=D, H=H),
        )
    )
    return cases


EXERCISE = Exercise(
    "ex11_variational_dropout",
    "An LSTM layer with variational dropout",
    "06b_language_models_in_practice",
    [
        Part("variational_lstm_forward", 4, variational_lstm_forward_cases),
        Part("variational_lstm_backward", 6, variational_lstm_backward_cases),
    ],
    ON_REFERENCE,
    ("rnncourse.reference:variational_lstm*",),
)
