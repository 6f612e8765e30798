"""Helpers shared by the exercise modules: random shapes and arrays, tolerances, variants.

Each exercise module (``exNN_name.py``) draws fresh cases with these helpers, computes the expected
outputs with :mod:`rnncourse.reference` and the outputs of known mistakes with
:mod:`rnncourse.grading.mutants`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

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


def numeric_seq_grads(forward, arrays: dict, dh: np.ndarray) -> dict:
    """Central-difference gradients of sum(dh * forward(**arrays)) for every array."""
    out = {}
    for name, arr in arrays.items():
        g = np.zeros_like(arr)
        for idx in np.ndindex(*arr.shape):
            old = arr[idx]
            arr[idx] = old + 1e-6
            plus = float(np.sum(dh * forward(**arrays)))
            arr[idx] = old - 1e-6
            minus = float(np.sum(dh * forward(**arrays)))
            arr[idx] = old
            g[idx] = (plus - minus) / 2e-6
        out[name] = g
    return out
