"""Exercise 8 (07_vanishing_gradients): Vanishing gradients: RNN vs LSTM."""

from __future__ import annotations

import numpy as np

from rnncourse.analysis import fitted_factor
from rnncourse.grading.catalog._common import (
    cell_params,
    dims,
    rand,
    reference,
    shapes,
    variants,
)
from rnncourse.grading.core import Call, Case, Exercise, Part
from rnncourse.grading.mutants import edited


def _ref_grad_norms(cell, x, h0, params, g):
    ref = reference()
    Wx, Wh, b = params["Wx"], params["Wh"], params["b"]
    T = x.shape[1]
    h, c, caches = h0, np.zeros_like(h0), []
    for t in range(T):
        if cell == "rnn":
            h, cache = ref.rnn_step_forward(x[:, t], h, Wx, Wh, b)
        else:
            h, c, cache = ref.lstm_step_forward(x[:, t], h, c, Wx, Wh, b)
        caches.append(cache)
    norms = np.zeros(T)
    dh, dc = g, np.zeros_like(h0)
    norms[T - 1] = np.linalg.norm(dh)
    for t in range(T - 1, 0, -1):
        if cell == "rnn":
            dh = ref.rnn_step_backward(dh, caches[t])[1]
        else:
            _, dh, dc, _, _, _ = ref.lstm_step_backward(dh, dc, caches[t])
        norms[t - 1] = np.linalg.norm(dh)
    return norms


def _decay_factor(norms):
    """Return the package's per-step factor, :func:`rnncourse.analysis.fitted_factor`.

    ``exp(slope)`` of the line fitted to ``log(norms[t])`` against the steps back from the last
    state, ``T - 1 - t``: below 1 the gradient vanishes going back, the convention of
    :meth:`~rnncourse.analysis.HiddenGradients.decay_rate` too.
    """
    return fitted_factor(norms)


#: Mistakes planted in the expected-value functions above, as named edits of their lines.
GRAD_NORMS_EDITS = {
    "reversed": [("return norms", "return norms[::-1].copy()")],
    "ignore_dc": [
        ("lstm_step_backward(dh, dc, caches[t])", "lstm_step_backward(dh, 0 * dc, caches[t])")
    ],
}
#: Mistakes planted in :func:`rnncourse.analysis.fitted_factor`, as named edits of its lines.
DECAY_EDITS = {
    "no_log": [("np.log(norms[ok])", "norms[ok]")],
    "slope": [
        (
            "float(np.exp(np.polyfit(back[ok], np.log(norms[ok]), 1)[0]))",
            "float(np.polyfit(back[ok], np.log(norms[ok]), 1)[0])",
        )
    ],
    "forward": [("back = np.arange(len(norms))[::-1]", "back = np.arange(len(norms))")],
}


def grad_norms_cases(rng):
    """Draw random cases of ``grad_norms``: expected outputs and known mistakes."""
    bugs = {
        "reversed": "off-by-one/reversed in time: norms[t] must belong to h_t, t = 0..T-1",
        "ignore_dc": "for the LSTM, the gradient through the cell state c must be carried back too",
    }
    cases = []
    for cell in ("rnn", "lstm", "rnn", "lstm"):
        N, T, D, H = dims(rng)
        T = int(rng.integers(6, 12))
        params = cell_params(rng, cell, D, H)
        x, h0, g = rand(rng, N, T, D), rand(rng, N, H), rand(rng, N, H)
        want = _ref_grad_norms(cell, x, h0, params, g)
        var = variants(
            bugs,
            lambda bug, a=(cell, x, h0, params, g): {
                "norms": edited(_ref_grad_norms, GRAD_NORMS_EDITS[bug], bug)(*a)
            },
        )
        call = Call("grad_norms", (cell, x, h0, params, g), ("cell", "x", "h0", "params", "g"))
        cases.append(
            Case(
                [call],
                {"norms": (0, None)},
                {"norms": want},
                f"cell={cell}, " + shapes(N=N, T=T, D=D, H=H),
                var,
            )
        )
    return cases


def decay_factor_cases(rng):
    """Draw random cases of ``decay_factor``: expected outputs and known mistakes."""
    bugs = {
        "no_log": "fit the line to log(norms), not to the norms themselves",
        "slope": "return the factor exp(slope), not the slope of the log-norms",
        "forward": "this is 1 / factor: fit against the steps back from the last state, "
        "T - 1 - t (a factor below 1 means the gradient vanishes going back)",
    }
    cases = []
    for _ in range(3):
        T = int(rng.integers(5, 15))
        rate = float(rng.uniform(0.3, 1.2))  # per step back: norms[t] ~ rate**(T - 1 - t)
        back = np.arange(T)[::-1]
        norms = np.exp(np.log(rate) * back + rng.normal(0, 0.1, T)) * rng.uniform(1, 5)
        want = _decay_factor(norms)
        var = variants(
            bugs, lambda bug, n=norms: {"factor": edited(fitted_factor, DECAY_EDITS[bug], bug)(n)}
        )
        cases.append(
            Case(
                [Call("decay_factor", (norms,), ("norms",))],
                {"factor": (0, None)},
                {"factor": want},
                f"T={T}",
                var,
            )
        )
    return cases


EXERCISE = Exercise(
    "ex08_vanishing_gradients",
    "Vanishing gradients: RNN vs LSTM",
    "07_vanishing_gradients",
    [
        Part("grad_norms", 6, grad_norms_cases),
        Part("decay_factor", 4, decay_factor_cases),
    ],
    (
        "rnncourse.nn",
        "rnncourse.train",
        "rnncourse.analysis",
        "rnncourse.widgets",
        "rnncourse.figures",
    ),
)
