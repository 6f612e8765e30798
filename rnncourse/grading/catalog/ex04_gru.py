"""Exercise 4 (08_gru): GRU step forward and backward."""

from __future__ import annotations

from rnncourse.grading.catalog._common import (
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

GRU_ARGS = ("x", "h_prev", "Wx", "Wh", "b", "bh")
GRU_BACK = ("dx", "dh_prev", "dWx", "dWh", "db", "dbh")


def _gru_inputs(rng):
    N, _, D, H = dims(rng)
    return (N, D, H), (
        rand(rng, N, D),
        rand(rng, N, H),
        *cell_params(rng, "gru", D, H).values(),  # Wx, Wh, b, bh
    )


def gru_step_forward_cases(rng):
    """Draw random cases of ``gru_step_forward``: expected outputs and known mistakes."""
    bugs = {
        "swap_rz": "the reset and update gates are swapped (blocks are [r, z, n])",
        "z_flipped": "z and 1 - z are swapped: h' = (1 - z) * n + z * h_prev",
        "reset_before": "this is the 2014 variant r * (h_prev @ Wh_n); torch applies r to "
        "(h_prev @ Wh_n + bh_n)",
        "no_bh": "the hidden-side bias bh seems to be missing",
        "no_b": "the input-side bias b seems to be missing",
        "n_sigmoid": "the candidate n uses tanh, not sigmoid",
    }
    cases = []
    for _ in range(3):
        (N, D, H), a = _gru_inputs(rng)
        want = reference().gru_step_forward(*a[:5], bh=a[5])[0]
        var = variants(bugs, lambda bug, a=a: {"h": mutant("gru_step_forward", bug)(*a)[0]})
        call = Call("gru_step_forward", a, GRU_ARGS, ("h", "cache"))
        cases.append(Case([call], {"h": (0, 0)}, {"h": want}, shapes(N=N, D=D, H=H), var))
    return cases


def gru_step_backward_cases(rng):
    """Draw random cases of ``gru_step_backward``: expected outputs and known mistakes."""
    bugs = {
        "no_direct": "dh_prev misses the direct path z * dh (h' depends on h_prev directly)",
        "no_r_in_dhn": "the hidden-side gradient of the n block must be multiplied by r",
    }
    cases = []
    for _ in range(3):
        (N, D, H), a = _gru_inputs(rng)
        dh = rand(rng, N, H)
        ref = reference()
        want = ref.gru_step_backward(dh, ref.gru_step_forward(*a[:5], bh=a[5])[1])
        var = variants(
            bugs,
            lambda bug, a=a, dh=dh: named(
                GRU_BACK, mutant("gru_step_backward", bug)(dh, reference().gru_step_forward(*a)[1])
            ),
        )
        forward = Call("gru_step_forward", a, GRU_ARGS, ("h", "cache"))
        describe = shapes(N=N, D=D, H=H)
        cases.append(
            backward_case(
                forward,
                "gru_step_backward",
                {"dh": dh},
                GRU_BACK,
                named(GRU_BACK, want),
                describe,
                var,
            )
        )
    N, D, H = 64, 192, 160  # the budget case: about 30 ms analytic, hours entry by entry
    a = (rand(rng, N, D), rand(rng, N, H), *scaled_params(rng, "gru", D, H).values())
    dh = rand(rng, N, H)
    ref = reference()
    want = named(GRU_BACK, ref.gru_step_backward(dh, ref.gru_step_forward(*a[:5], bh=a[5])[1]))
    forward = Call("gru_step_forward", a, GRU_ARGS, ("h", "cache"))
    cases.append(
        budget_backward_case(
            forward, "gru_step_backward", {"dh": dh}, GRU_BACK, want, shapes(N=N, D=D, H=H)
        )
    )
    return cases


EXERCISE = Exercise(
    "ex04_gru",
    "GRU step forward and backward",
    "08_gru",
    [
        Part("gru_step_forward", 5, gru_step_forward_cases),
        Part("gru_step_backward", 5, gru_step_backward_cases),
    ],
    NUMPY_ONLY,
)
