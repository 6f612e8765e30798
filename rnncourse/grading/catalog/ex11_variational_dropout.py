"""Exercise 11 (06b_language_models_in_practice): an LSTM layer with variational dropout.

Expected outputs come from :mod:`rnncourse.reference.dropout`; the planted mistakes are computed
here with the reference LSTM step.
"""

from __future__ import annotations

import numpy as np

from rnncourse.grading.catalog._common import ON_REFERENCE, dims, named, rand, shapes, variants
from rnncourse.grading.core import Call, Case, Exercise, Part
from rnncourse.grading.wire import Ref

BACK = ("dx", "dh0", "dWx", "dWh", "db")
ARGS = ("x", "h0", "Wx", "Wh", "b", "mask_x", "mask_h")


def _inputs(rng):
    from rnncourse.reference.dropout import dropout_mask

    N, T, D, H = dims(rng)
    T = max(T, 3)
    p = float(rng.uniform(0.3, 0.6))
    return (N, T, D, H), (
        rand(rng, N, T, D), rand(rng, N, H), rand(rng, D, 4 * H, scale=0.5),
        rand(rng, H, 4 * H, scale=0.5), rand(rng, 4 * H, scale=0.3),
        dropout_mask((N, D), p, rng), dropout_mask((N, H), p, rng),
    )  # fmt: skip


def _variant(a, dh=None, bug="none"):
    """Forward (and backward with ``dh``) of the layer with one planted mistake."""
    from rnncourse.reference import lstm_step_backward, lstm_step_forward

    x, h0, Wx, Wh, b, mx, mh = a
    N, T, _ = x.shape
    hp, cp, hs, steps = h0, np.zeros_like(h0), [], []
    for t in range(T):
        xin = x[:, t] if bug == "no_x_mask" else x[:, t] * mx
        hin = hp if bug == "no_h_mask" else hp * mh
        hp, cp, st = lstm_step_forward(xin, hin, cp, Wx, Wh, b)
        hs.append(hp * mh if bug == "mask_output" else hp)
        steps.append(st)
    h = np.stack(hs, axis=1)
    if dh is None:
        return {"h": h}
    dx = np.zeros_like(x)
    grads = [0.0, 0.0, 0.0]
    dn, dc = np.zeros_like(h0), np.zeros_like(h0)
    for t in reversed(range(T)):
        dxm, dhm, dc, *g = lstm_step_backward(dh[:, t] + dn, dc, steps[t])
        if bug == "no_dc_carry":
            dc = np.zeros_like(dc)
        dx[:, t] = dxm if bug == "dx_unmasked" else dxm * mx
        dn = dhm if bug == "dh_unmasked" else dhm * mh
        grads = [acc + gi for acc, gi in zip(grads, g, strict=True)]
    return named(BACK, (dx, dn, *grads))


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
        var = variants(bugs, lambda bug, a=a: _variant(a, bug=bug))
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
        var = variants(bugs, lambda bug, a=a, dh=dh: _variant(a, dh, bug))
        calls = [
            Call("variational_lstm_forward", a, ARGS, ("h", "cache")),
            Call("variational_lstm_backward", (dh, Ref(0, 1)), ("dh", "cache"), BACK),
        ]
        cases.append(Case(calls, {k: (1, i) for i, k in enumerate(BACK)}, named(BACK, want),
                          shapes(N=N, T=T, D=D, H=H), var))  # fmt: skip
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
