"""Exercise 9 (09_lstm): An LSTM module in PyTorch from its equations.

Besides ``torch.nn.LSTM``'s outputs, the module keeps the gates of every step (``self.gates``,
(N, T, 4H)), and the checked loss involves them: no built-in kernel produces them, so reaching
``torch.nn.LSTM`` or ``torch._VF`` gains nothing. The expected values come from
:func:`rnncourse.nn.functional.lstm_step` (the package's one definition of the step in torch),
which a test compares with ``torch.nn.LSTM``.
"""

from __future__ import annotations

import numpy as np

from rnncourse.grading.catalog._common import (
    dims,
    rand,
    reference,
    shapes,
    variants,
)
from rnncourse.grading.catalog.ex05_lstm_step import LSTM_STEP_BUGS
from rnncourse.grading.core import Call, Case, Exercise, Part
from rnncourse.grading.mutants import mutant

TORCH_OUT = (
    "out",
    "h_n",
    "c_n",
    "gates",
    "grad_x",
    "grad_weight_ih_l0",
    "grad_weight_hh_l0",
    "grad_bias_ih_l0",
    "grad_bias_hh_l0",
)


WEIGHTS = ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")


def lstm_with_gates(weights, x, state):
    """Return (out, h_n, c_n, gates) of a one-layer batch-first LSTM, in torch with autograd.

    ``weights`` are torch tensors named as ``torch.nn.LSTM``'s; the steps are
    :func:`rnncourse.nn.functional.lstm_step`; ``gates`` (N, T, 4H) are [i, f, g, o] per step.
    """
    import torch

    from rnncourse.nn.functional import lstm_step

    W_ih, W_hh, b_ih, b_hh = (weights[n] for n in WEIGHTS)
    N, T, _ = x.shape
    H = W_hh.shape[1]
    h, c = (x.new_zeros(N, H), x.new_zeros(N, H)) if state is None else (state[0][0], state[1][0])
    a_x = x @ W_ih.T + b_ih + b_hh
    outs, gates = [], []
    for t in range(T):
        h, c, g = lstm_step(a_x[:, t], h, c, W_hh.T)
        outs.append(h)
        gates.append(torch.cat(g, dim=1))
    return torch.stack(outs, 1), h.unsqueeze(0), c.unsqueeze(0), torch.stack(gates, 1)


def _torch_expected(D, H, weights, x, state, G):
    import torch

    w = {n: torch.from_numpy(weights[n]).requires_grad_(True) for n in WEIGHTS}
    xt = torch.from_numpy(x).requires_grad_(True)
    st = None if state is None else tuple(torch.from_numpy(s) for s in state)
    out, h_n, c_n, gates = lstm_with_gates(w, xt, st)
    outs = (out, h_n, c_n, gates)
    loss = sum((v * torch.from_numpy(g)).sum() for v, g in zip(outs, G, strict=True))
    loss.backward()
    res = {"out": out, "h_n": h_n, "c_n": c_n, "gates": gates, "grad_x": xt.grad}
    res.update({"grad_" + n: w[n].grad for n in WEIGHTS})
    return {k: v.detach().numpy().copy() for k, v in res.items()}


def torch_lstm_cases(rng):
    """Draw random cases of ``torch_lstm``: expected outputs and known mistakes."""
    bugs = {
        "order_ifog": LSTM_STEP_BUGS["order_ifog"],
        "swap_if": LSTM_STEP_BUGS["swap_if"],
        "g_sigmoid": LSTM_STEP_BUGS["g_sigmoid"],
        "no_tanh_c": LSTM_STEP_BUGS["no_tanh_c"],
        "no_bias": "the biases seem to be missing",
        "c_reset": "the cell state is not carried from step to step",
        "no_bias_hh": "bias_hh_l0 seems to be ignored: "
        "the gates use x W_ih^T + b_ih + h W_hh^T + b_hh",
    }
    cases = []
    for k in range(3):
        N, T, D, H = dims(rng)
        weights = {
            "weight_ih_l0": rand(rng, 4 * H, D, scale=0.5),
            "weight_hh_l0": rand(rng, 4 * H, H, scale=0.5),
            "bias_ih_l0": rand(rng, 4 * H, scale=0.5),
            "bias_hh_l0": rand(rng, 4 * H, scale=0.5),
        }
        x = rand(rng, N, T, D)
        state = None if k == 0 else (rand(rng, 1, N, H), rand(rng, 1, N, H))
        G = (rand(rng, N, T, H), rand(rng, 1, N, H), rand(rng, 1, N, H), rand(rng, N, T, 4 * H))
        want = _torch_expected(D, H, weights, x, state, G)

        def fn(bug, w=weights, x=x, state=state, H=H):
            b = w["bias_ih_l0"] + (0 if bug == "no_bias_hh" else w["bias_hh_l0"])
            h0 = np.zeros((x.shape[0], H)) if state is None else state[0][0]
            c0 = np.zeros((x.shape[0], H)) if state is None else state[1][0]
            lstm = reference().lstm_forward if bug == "no_bias_hh" else mutant("lstm_forward", bug)
            return {"out": lstm(x, h0, w["weight_ih_l0"].T, w["weight_hh_l0"].T, b, c0)[0]}

        call = Call(
            "@torch_lstm",
            ("LSTMFromScratch", D, H, weights, x, state, G),
            ("class", "input_size", "hidden_size", "weights", "x", "state", "G"),
            TORCH_OUT,
        )
        cases.append(
            Case(
                [call],
                {n: (0, i) for i, n in enumerate(TORCH_OUT)},
                want,
                shapes(N=N, T=T, D=D, H=H) + (", state given" if state else ", state=None"),
                variants(bugs, fn),
                1e-6,
                1e-9,
            )
        )
    return cases


EXERCISE = Exercise(
    "ex09_torch_lstm",
    "An LSTM module in PyTorch from its equations",
    "09_lstm",
    [
        Part("LSTMFromScratch", 10, torch_lstm_cases),
    ],
    ("rnncourse",),
    ("torch:LSTM", "torch:LSTMCell", "torch:lstm", "torch:lstm_cell", "torch:_VF"),
)
