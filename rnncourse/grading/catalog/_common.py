"""Helpers shared by the exercise modules: random shapes and arrays, tolerances, variants.

Each exercise module (``exNN_name.py``) draws fresh cases with these helpers, computes the expected
outputs with :mod:`rnncourse.reference` and the outputs of known mistakes with
:mod:`rnncourse.grading.mutants`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from rnncourse.grading.core import Call, Case
from rnncourse.grading.wire import Ref

FLOAT_TOL = {np.float64: (1e-6, 1e-9), np.float32: (2e-4, 1e-5)}
#: From scratch in NumPy: no other part of the package (besides check), no autodiff library.
NUMPY_ONLY = ("rnncourse", "torch", "jax", "tensorflow", "autograd")
#: Builds on the reference layers, but not on the package's trainers, modules or analyses.
ON_REFERENCE = (
    "rnncourse.nn",
    "rnncourse.train",
    "rnncourse.analysis",
    "rnncourse.widgets",
    "rnncourse.figures",
    "torch",
    "jax",
    "tensorflow",
    "autograd",
)


def reference():
    from rnncourse import reference

    return reference


def dims(rng: np.random.Generator) -> tuple[int, int, int, int]:
    """Random (N, T, D, H) with D != H so that transposed weights are caught."""
    N, T = int(rng.integers(1, 5)), int(rng.integers(2, 7))
    D = int(rng.integers(2, 6))
    H = int(rng.choice([h for h in range(2, 7) if h != D]))
    return N, T, D, H


def rand(rng: np.random.Generator, *shape: int, dtype=np.float64, scale: float = 1.0) -> np.ndarray:
    return (rng.standard_normal(shape) * scale).astype(dtype)


def shapes(**dims: int) -> str:
    return ", ".join(f"{k}={v}" for k, v in dims.items())


def variants(bugs: dict[str, str], fn: Callable[[str], dict]) -> dict[str, dict]:
    out = {}
    for bug, hint in bugs.items():
        try:
            out[hint] = fn(bug)
        except (ValueError, IndexError):  # the mistake is impossible for these shapes
            continue
    return out


def named(names: tuple[str, ...], values) -> dict:
    return dict(zip(names, values, strict=True))


def cell_params(
    rng: np.random.Generator, cell: str, D: int, H: int, dtype=np.float64
) -> dict[str, np.ndarray]:
    """Return random parameters of ``cell``: ``Wx`` (D, kH), ``Wh`` (H, kH), ``b`` (GRU: ``bh``).

    The weights are :func:`rnncourse.reference.init_rnn_params`'s ``"normal"`` scheme with
    ``std=0.5``. That scheme's biases are zero, which would hide a forgotten bias, so ``b`` (and
    ``bh``) are drawn from the same N(0, 0.5^2) after the weights.
    """
    from rnncourse.reference.cells import NUM_BLOCKS
    from rnncourse.reference.init import init_rnn_params

    p = init_rnn_params(D, H, cell, rng, dtype, scheme="normal", std=0.5)
    for name in ("b", "bh") if cell == "gru" else ("b",):
        p[name] = rand(rng, NUM_BLOCKS[cell] * H, dtype=dtype, scale=0.5)
    return p


def backward_case(
    forward: Call,
    backward: str,
    upstream: dict[str, Any],
    grads: tuple[str, ...],
    expected: dict[str, Any],
    describe: str,
    hints: dict[str, dict],
    rtol: float = 1e-6,
    atol: float = 1e-9,
) -> Case:
    """Return a case that checks ``backward`` on the cache that ``forward`` made.

    The case calls ``forward``, then ``backward(*upstream, cache)`` with the forward's cache (its
    last return value), and compares the returned gradients, named ``grads``.
    """
    cache = Ref(0, len(forward.returns) - 1)
    calls = [forward, Call(backward, (*upstream.values(), cache), (*upstream, "cache"), grads)]
    outputs = {name: (1, i) for i, name in enumerate(grads)}
    return Case(calls, outputs, expected, describe, hints, rtol, atol)


def central_differences(loss: Callable[[], float], arrays: dict[str, np.ndarray]) -> dict:
    """Return the gradient of ``loss()``, which reads ``arrays``, for every array.

    Central differences with step 1e-6, by :func:`rnncourse.reference.eval_numerical_gradient`.
    """
    from rnncourse.reference import eval_numerical_gradient

    return {
        name: eval_numerical_gradient(lambda _: loss(), arr, h=1e-6) for name, arr in arrays.items()
    }


def sequence_grads(
    forward: Callable,
    backward: Callable,
    args: tuple,
    arg_names: tuple,
    dh: np.ndarray,
    numeric: bool,
) -> tuple[dict[str, np.ndarray], float, float, str]:
    """Return the expected gradients of a sequence backward, tolerances and a note for the case.

    The gradients, named ``"d" + argument``, come from the reference's ``backward``, or, with
    ``numeric``, from central differences of ``sum(dh * forward(*args)[0])`` (a gradient check).
    """
    if not numeric:
        grads = backward(dh, forward(*args)[1])
        return dict(zip(("d" + n for n in arg_names), grads, strict=True)), 1e-6, 1e-9, ""
    arrays = {name: a.copy() for name, a in zip(arg_names, args, strict=True)}
    num = central_differences(lambda: float(np.sum(dh * forward(*arrays.values())[0])), arrays)
    return {"d" + k: v for k, v in num.items()}, 1e-5, 1e-7, ", numerical gradient check"


#: CPU seconds a backward pass may take in its budget case. At the budget cases' sizes the
#: reference's analytic backward takes 15-60 ms of CPU time on the course's 2-core machine, and
#: differentiating the forward pass entry by entry (two forward passes per input and parameter
#: entry: central differences or the complex step) would take more than an hour.
BACKWARD_BUDGET = 2.0


def budget_case(
    calls: list[Call],
    graded: Call,
    grads: tuple[str, ...],
    expected: dict[str, Any],
    describe: str,
    seconds: float = BACKWARD_BUDGET,
) -> Case:
    """Return a case that runs ``calls``, then ``graded`` within ``seconds`` of CPU time.

    ``graded`` (a backward pass, or a function that computes gradients) is called through the
    ``cpu_budget`` driver, which measures the CPU time of that call alone in the learner's process
    and refuses complex results; ``grads`` name the values it returns.
    """
    budgeted = Call(
        "@cpu_budget",
        (graded.fn, seconds, describe, *graded.args),
        ("function", "seconds", "sizes", *graded.arg_names),
        grads,
    )
    k = len(calls)
    outputs = {name: (k, i) for i, name in enumerate(grads)}
    return Case([*calls, budgeted], outputs, expected, describe + f", within {seconds:g} s of CPU")


def budget_backward_case(
    forward: Call,
    backward: str,
    upstream: dict[str, Any],
    grads: tuple[str, ...],
    expected: dict[str, Any],
    describe: str,
) -> Case:
    """Return a :func:`budget_case` for ``backward(*upstream, cache)`` on ``forward``'s cache."""
    cache = Ref(0, len(forward.returns) - 1)
    graded = Call(backward, (*upstream.values(), cache), (*upstream, "cache"), grads)
    return budget_case([forward], graded, grads, expected, describe)


def scaled_params(rng: np.random.Generator, cell: str, D: int, H: int) -> dict[str, np.ndarray]:
    """Return parameters of ``cell`` for a budget case: weights N(0, 1/(D + H)), biases N(0, 0.1).

    The large sizes of a budget case would saturate every gate with :func:`cell_params`'s
    scale; this one keeps the pre-activations of order one.
    """
    from rnncourse.reference.cells import NUM_BLOCKS

    k, s = NUM_BLOCKS[cell], 1.0 / np.sqrt(D + H)
    p = {"Wx": rand(rng, D, k * H, scale=s), "Wh": rand(rng, H, k * H, scale=s)}
    p["b"] = rand(rng, k * H, scale=0.1)
    if cell == "gru":
        p["bh"] = rand(rng, k * H, scale=0.1)
    return p
