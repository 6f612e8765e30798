"""Exercise 12 (13_attention): additive attention, forward and backward."""

from __future__ import annotations

from rnncourse.grading.catalog._common import (
    NUMPY_ONLY,
    backward_case,
    budget_backward_case,
    named,
    rand,
    reference,
    shapes,
    variants,
)
from rnncourse.grading.core import Call, Case, Exercise, Part
from rnncourse.grading.mutants import mutant

ARGS = ("h", "features", "Wq", "Wk", "w")
BACK = ("dh", "dfeatures", "dWq", "dWk", "dw")


def _inputs(rng):
    N, L = int(rng.integers(1, 4)), int(rng.integers(2, 6))
    D = int(rng.integers(2, 5))
    H = int(rng.choice([h for h in range(2, 6) if h != D]))
    A = int(rng.choice([a for a in range(2, 7) if a not in (D, H)]))
    a = (rand(rng, N, H), rand(rng, N, L, D), rand(rng, H, A), rand(rng, D, A), rand(rng, A))
    return (N, L, D, H, A), a


def additive_attention_forward_cases(rng):
    """Draw random cases of ``additive_attention_forward``: expected outputs and known mistakes."""
    bugs = {
        "no_tanh": "the score must pass h Wq + v_l Wk through tanh before the dot product with w",
        "softmax_batch": "the softmax must run over the L locations (axis 1), not over the batch",
        "no_normalise": "the weights must be normalised: a = exp(e) / sum_l exp(e_l)",
    }
    cases = []
    for _ in range(3):
        (N, L, D, H, A), a = _inputs(rng)
        z, w_att, _ = reference().additive_attention_forward(*a)
        var = variants(
            bugs,
            lambda bug, a=a: named(("z", "a"), mutant("additive_attention_forward", bug)(*a)[:2]),
        )
        call = Call("additive_attention_forward", a, ARGS, ("z", "a", "cache"))
        cases.append(
            Case(
                [call],
                {"z": (0, 0), "a": (0, 1)},
                {"z": z, "a": w_att},
                shapes(N=N, L=L, D=D, H=H, A=A),
                var,
            )
        )
    return cases


def additive_attention_backward_cases(rng):
    """Draw random cases of ``additive_attention_backward``: expected outputs and known mistakes."""
    bugs = {
        "values_only": "dfeatures misses the path through the scores: each v_l is also a key",
        "no_jacobian": "the softmax backward needs de = a * (da - sum_k a_k da_k)",
        "no_tanh_grad": "the gradient through tanh needs the factor (1 - u**2)",
    }
    cases = []
    for _ in range(3):
        (N, L, D, H, A), a = _inputs(rng)
        dz = rand(rng, N, D)
        ref = reference()
        want = ref.additive_attention_backward(dz, ref.additive_attention_forward(*a)[2])
        var = variants(
            bugs,
            lambda bug, a=a, dz=dz: named(
                BACK,
                mutant("additive_attention_backward", bug)(
                    dz, reference().additive_attention_forward(*a)[2]
                ),
            ),
        )
        forward = Call("additive_attention_forward", a, ARGS, ("z", "a", "cache"))
        describe = shapes(N=N, L=L, D=D, H=H, A=A)
        cases.append(
            backward_case(
                forward,
                "additive_attention_backward",
                {"dz": dz},
                BACK,
                named(BACK, want),
                describe,
                var,
            )
        )
    N, L, D, H, A = 32, 64, 96, 80, 72  # the budget case: about 15 ms analytic, hours numeric
    a = (
        rand(rng, N, H),
        rand(rng, N, L, D),
        rand(rng, H, A, scale=H**-0.5),
        rand(rng, D, A, scale=D**-0.5),
        rand(rng, A),
    )
    dz = rand(rng, N, D)
    ref = reference()
    want = named(BACK, ref.additive_attention_backward(dz, ref.additive_attention_forward(*a)[2]))
    forward = Call("additive_attention_forward", a, ARGS, ("z", "a", "cache"))
    cases.append(
        budget_backward_case(
            forward,
            "additive_attention_backward",
            {"dz": dz},
            BACK,
            want,
            shapes(N=N, L=L, D=D, H=H, A=A),
        )
    )
    return cases


EXERCISE = Exercise(
    "ex12_additive_attention",
    "Additive attention, forward and backward",
    "13_attention",
    [
        Part("additive_attention_forward", 5, additive_attention_forward_cases),
        Part("additive_attention_backward", 5, additive_attention_backward_cases),
    ],
    NUMPY_ONLY,
)
