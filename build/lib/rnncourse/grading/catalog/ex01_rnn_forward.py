"""Exercise 1 (03_rnn_model): RNN step and sequence forward."""

from __future__ import annotations

import numpy as np

from rnncourse.grading.catalog._common import (
    FLOAT_TOL,
    NUMPY_ONLY,
    cell_params,
    dims,
    rand,
    reference,
    shapes,
    variants,
)
from rnncourse.grading.core import Call, Case, Exercise, Part
from rnncourse.grading.mutants import mutant

RNN_STEP_BUGS = {
    "no_bias": "the bias b seems to be missing",
    "sigmoid": "this is what a sigmoid gives; the hidden state uses tanh",
    "relu": "this is what ReLU gives; the hidden state uses tanh",
    "no_hprev": "the previous state is ignored (h_prev @ Wh missing)",
    "Wh_T": "h_prev @ Wh.T: with row vectors the recurrent term is h_prev @ Wh (Wh is (H, H), "
    "so the transposed product has the right shape and the wrong values)",
}
RNN_SEQ_BUGS = {
    **RNN_STEP_BUGS,
    "off_by_one": "off-by-one in time: h[:, t] holds the state before step t instead of after it",
    "h0_ignored": "h0 is ignored (the recurrence started from zeros)",
}


def _rnn_inputs(rng, dtype, seq: bool):
    N, T, D, H = dims(rng)
    x = rand(rng, N, T, D, dtype=dtype) if seq else rand(rng, N, D, dtype=dtype)
    return (
        (N, T, D, H),
        x,
        rand(rng, N, H, dtype=dtype),
        *cell_params(rng, "rnn", D, H, dtype).values(),  # Wx, Wh, b
    )


def _forward_cases(rng, seq: bool):
    """Float64/float32 cases of ``rnn_forward`` (``seq``) or ``rnn_step_forward``."""
    name, bugs = ("rnn_forward", RNN_SEQ_BUGS) if seq else ("rnn_step_forward", RNN_STEP_BUGS)
    cases = []
    for dtype in (np.float64, np.float64, np.float32):
        (N, T, D, H), *a = _rnn_inputs(rng, dtype, seq=seq)
        a = tuple(a)
        want = getattr(reference(), name)(*a)[0]
        var = variants(bugs, lambda bug, a=a: {"h": mutant(name, bug)(*a)[0].astype(a[0].dtype)})
        arg_names = ("x", "h0" if seq else "h_prev", "Wx", "Wh", "b")
        sizes = shapes(N=N, T=T, D=D, H=H) if seq else shapes(N=N, D=D, H=H)
        rtol, atol = FLOAT_TOL[dtype]
        cases.append(
            Case(
                [Call(name, a, arg_names, ("h", "cache"))],
                {"h": (0, 0)},
                {"h": want},
                sizes + f", {np.dtype(dtype).name}",
                var,
                rtol,
                atol,
            )
        )
    return cases


def rnn_step_forward_cases(rng):
    """Draw float64/float32 cases of ``rnn_step_forward``: expected outputs and known mistakes."""
    return _forward_cases(rng, seq=False)


def rnn_forward_cases(rng):
    """Draw float64/float32 cases of ``rnn_forward``: expected outputs and known mistakes."""
    return _forward_cases(rng, seq=True)


EXERCISE = Exercise(
    "ex01_rnn_forward",
    "RNN step and sequence forward",
    "03_rnn_model",
    [
        Part("rnn_step_forward", 5, rnn_step_forward_cases),
        Part("rnn_forward", 5, rnn_forward_cases),
    ],
    NUMPY_ONLY,
)
