"""Exercise 6 (09_lstm): LSTM over a sequence with truncated BPTT."""

from __future__ import annotations

import numpy as np

from rnncourse.grading.catalog._common import (
    NUMPY_ONLY,
    backward_case,
    budget_backward_case,
    budget_case,
    cell_params,
    dims,
    named,
    rand,
    reference,
    scaled_params,
    sequence_grads,
    shapes,
    variants,
)
from rnncourse.grading.catalog.ex01_rnn_forward import RNN_SEQ_BUGS
from rnncourse.grading.catalog.ex02_rnn_bptt import RNN_BACK_BUGS, SEQ_ARGS
from rnncourse.grading.catalog.ex05_lstm_step import LSTM_STEP_BUGS, _lstm_inputs
from rnncourse.grading.core import Call, Case, Exercise, Part
from rnncourse.grading.mutants import mutant

LSTM_BACK = ("dx", "dh0", "dWx", "dWh", "db")


def _seq_inputs(rng):
    (N, T, D, H), x, h0, _, Wx, Wh, b = _lstm_inputs(rng, seq=True)
    return (N, T, D, H), (x, h0, Wx, Wh, b)


def lstm_forward_cases(rng):
    """Draw random cases of ``lstm_forward``: expected outputs and known mistakes."""
    bugs = {
        "off_by_one": RNN_SEQ_BUGS["off_by_one"],
        "c_reset": "the cell state is not carried from step to step",
        "h0_ignored": RNN_SEQ_BUGS["h0_ignored"],
        **LSTM_STEP_BUGS,
    }
    cases = []
    for _ in range(3):
        (N, T, D, H), a = _seq_inputs(rng)
        want = reference().lstm_forward(*a)[0]
        var = variants(bugs, lambda bug, a=a: {"h": mutant("lstm_forward", bug)(*a)[0]})
        call = Call("lstm_forward", a, SEQ_ARGS, ("h", "cache"))
        cases.append(Case([call], {"h": (0, 0)}, {"h": want}, shapes(N=N, T=T, D=D, H=H), var))
    return cases


def lstm_backward_cases(rng):
    """Draw random cases of ``lstm_backward``: expected outputs and known mistakes."""
    bugs = {
        "no_carry": RNN_BACK_BUGS["no_carry"],
        "no_accum": RNN_BACK_BUGS["no_accum"],
        "no_dc_carry": "the cell gradient dc from the next step was not carried back",
    }
    cases = []
    for k in range(3):
        (N, T, D, H), a = _seq_inputs(rng)
        dh = rand(rng, N, T, H)
        ref = reference()
        # the third case is a gradient check: expected values from central differences
        want, rtol, atol, how = sequence_grads(
            ref.lstm_forward, ref.lstm_backward, a, SEQ_ARGS, dh, numeric=k == 2
        )

        def fn(bug, a=a, dh=dh):
            cache = reference().lstm_forward(*a)[1]
            return named(LSTM_BACK, mutant("lstm_backward", bug)(dh, cache))

        forward = Call("lstm_forward", a, SEQ_ARGS, ("h", "cache"))
        describe = shapes(N=N, T=T, D=D, H=H) + how
        cases.append(
            backward_case(
                forward,
                "lstm_backward",
                {"dh": dh},
                LSTM_BACK,
                want,
                describe,
                variants(bugs, fn),
                rtol,
                atol,
            )
        )
    (N, T, D, H), a = _budget_inputs(rng)
    dh = rand(rng, N, T, H)
    ref = reference()
    want = named(LSTM_BACK, ref.lstm_backward(dh, ref.lstm_forward(*a)[1]))
    forward = Call("lstm_forward", a, SEQ_ARGS, ("h", "cache"))
    cases.append(
        budget_backward_case(
            forward, "lstm_backward", {"dh": dh}, LSTM_BACK, want, shapes(N=N, T=T, D=D, H=H)
        )
    )
    return cases


def _budget_inputs(rng):
    """Sizes and inputs of a budget case: about 40 ms analytic, hours entry by entry."""
    N, T, D, H = 8, 24, 64, 48
    return (N, T, D, H), (
        rand(rng, N, T, D),
        rand(rng, N, H),
        *scaled_params(rng, "lstm", D, H).values(),  # Wx, Wh, b
    )


def tbptt_expected(x, h0, Wx, Wh, b, dh, k, bug=None):
    """Return (h, dWx, dWh, db) of :func:`rnncourse.reference.tbptt` over chunks of ``k`` steps.

    ``bug`` swaps in one wrong piece: ``full_bptt`` one chunk of all T steps, ``state_reset``
    every chunk run on its own from (h0, 0), ``no_accum`` the last chunk's gradients only.
    """
    ref, params, T = reference(), {"Wx": Wx, "Wh": Wh, "b": b}, x.shape[1]

    def run(sl, chunk_len):
        def loss(h, steps):  # the loss is sum(dh * h): its gradient on h is dh
            return 0.0, dh[:, sl][:, steps]

        return list(ref.tbptt(x[:, sl], params, loss, chunk_len, "lstm", h0))

    if bug == "state_reset":
        chunks = [c for sl in ref.chunk_slices(T, k) for c in run(sl, k)]
    else:
        chunks = run(slice(0, T), T if bug == "full_bptt" else k)
    kept = chunks[-1:] if bug == "no_accum" else chunks
    grads = [sum(c.grads[key] for c in kept) for key in params]
    return np.concatenate([c.h for c in chunks], axis=1), *grads


def lstm_tbptt_cases(rng):
    """Draw random cases of ``lstm_tbptt``: expected outputs and known mistakes."""
    bugs = {
        "full_bptt": "gradients flowed across chunk boundaries (that is full BPTT); cut "
        "them at each chunk while carrying the state forward",
        "state_reset": "the state was reset at each chunk; carry h and c forward",
        "no_accum": "only the last chunk's gradients were kept; add them over all chunks",
    }
    names = ("h", "dWx", "dWh", "db")
    cases = []
    for _ in range(3):
        N, _, D, H = dims(rng)
        T, k = int(rng.integers(5, 10)), int(rng.integers(2, 4))
        a = (
            rand(rng, N, T, D),
            rand(rng, N, H),
            *cell_params(rng, "lstm", D, H).values(),  # Wx, Wh, b
        )
        dh = rand(rng, N, T, H)
        want = named(names, tbptt_expected(*a, dh, k))
        var = variants(
            bugs, lambda bug, a=a, dh=dh, k=k: named(names, tbptt_expected(*a, dh, k, bug))
        )
        call = Call("lstm_tbptt", (*a, dh, k), ("x", "h0", "Wx", "Wh", "b", "dh", "k"), names)
        cases.append(
            Case(
                [call],
                {n: (0, i) for i, n in enumerate(names)},
                want,
                shapes(N=N, T=T, D=D, H=H, k=k),
                var,
            )
        )
    (N, T, D, H), a = _budget_inputs(rng)
    dh, k = rand(rng, N, T, H), 6
    want = named(names, tbptt_expected(*a, dh, k))
    call = Call("lstm_tbptt", (*a, dh, k), ("x", "h0", "Wx", "Wh", "b", "dh", "k"), names)
    cases.append(budget_case([], call, names, want, shapes(N=N, T=T, D=D, H=H, k=k)))
    return cases


EXERCISE = Exercise(
    "ex06_lstm_sequence_tbptt",
    "LSTM over a sequence with truncated BPTT",
    "09_lstm",
    [
        Part("lstm_forward", 3, lstm_forward_cases),
        Part("lstm_backward", 4, lstm_backward_cases),
        Part("lstm_tbptt", 3, lstm_tbptt_cases),
    ],
    NUMPY_ONLY,
)
