"""Hostile submissions: each problem zeroes only the part it affects, with a clear message.

Every notebook below mixes one or more problems with correct parts, which must still get their
points. The limits are short (see ``grading_helpers.SHORT``) so that infinite loops end quickly.
Cases in ``GUARD_CASES`` test the in-process guard of ``--sandbox none`` (monkeypatching,
tampering with ``check``, importing the checker): they are graded without isolation. In the
isolated default the same notebooks are harmless or fail to import (``test_redteam.py``).
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from grading_helpers import LOOPS, SHORT, parts

pytestmark = pytest.mark.slow  # every case starts sandboxes

HEADER = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
    format_version: 0.13
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---
"""


def notebook(*cells: str) -> str:
    return HEADER + "".join(f"\n```{{code-cell}} ipython3\n{c.strip()}\n```\n" for c in cells)


NUMPY = "import numpy as np\nfrom rnncourse.grading import check"
REF_STEPS = (
    "from rnncourse.reference import (lstm_step_backward, lstm_step_forward,\n"
    "    rnn_step_backward, rnn_step_forward)"
)

DECAY_OK = """
def decay_factor(norms):
    back = np.arange(len(norms))[::-1]  # steps back from the last state
    return float(np.exp(np.polyfit(back, np.log(norms), 1)[0]))
"""
GRAD_NORMS_OK = """
def grad_norms(cell, x, h0, params, g):
    Wx, Wh, b = params["Wx"], params["Wh"], params["b"]
    T = x.shape[1]
    h, c, caches = h0, np.zeros_like(h0), []
    for t in range(T):
        if cell == "rnn":
            h, cache = rnn_step_forward(x[:, t], h, Wx, Wh, b)
        else:
            h, c, cache = lstm_step_forward(x[:, t], h, c, Wx, Wh, b)
        caches.append(cache)
    norms = np.zeros(T)
    dh, dc = g, np.zeros_like(h0)
    norms[T - 1] = np.linalg.norm(dh)
    for t in range(T - 1, 0, -1):
        if cell == "rnn":
            dh = rnn_step_backward(dh, caches[t])[1]
        else:
            _, dh, dc, _, _, _ = lstm_step_backward(dh, dc, caches[t])
        norms[t - 1] = np.linalg.norm(dh)
    return norms
"""
RNN_STEP_OK = """
def rnn_step_forward(x, h_prev, Wx, Wh, b):
    h = np.tanh(x @ Wx + h_prev @ Wh + b)
    return h, (x, h_prev, Wx, Wh, h)
"""
RNN_FORWARD_OK = """
def rnn_forward(x, h0, Wx, Wh, b):
    h = np.zeros((x.shape[0], x.shape[1], h0.shape[1]), dtype=x.dtype)
    state = h0
    for t in range(x.shape[1]):
        state = np.tanh(x[:, t] @ Wx + state @ Wh + b)
        h[:, t] = state
    return h, None
"""
SIGMOID = """
def sigmoid(a):
    return 1 / (1 + np.exp(-a))
"""
GRU_FORWARD = """
def gru_step_forward(x, h_prev, Wx, Wh, b, bh):
    H = h_prev.shape[1]
    a, hh = x @ Wx + b, h_prev @ Wh + bh
    r = sigmoid(a[:, :H] + hh[:, :H])
    z = sigmoid(a[:, H:2 * H] + hh[:, H:2 * H])
    n = np.tanh(a[:, 2 * H:] + r * hh[:, 2 * H:])
    return {result}, (x, h_prev, Wx, Wh, r, z, n, hh)
"""
GRU_BACKWARD = """
def gru_step_backward(dh, cache):
    x, h_prev, Wx, Wh, r, z, n, hh = cache
    H = h_prev.shape[1]
    dn = dh * (1 - z) * (1 - n**2)
    dz = dh * (h_prev - n) * z * (1 - z)
    dr = dn * hh[:, 2 * H:] * r * (1 - r)
    da = np.concatenate([dr, dz, dn], axis=1)
    dhh = np.concatenate([dr, dz, dn * r], axis=1)
    return (da @ Wx.T, dhh @ Wh.T + dh * z, x.T @ da, h_prev.T @ dhh,
            da.sum(axis=0{keep}), dhh.sum(axis=0))
"""
LSTM_STEP = """
def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
    H = h_prev.shape[1]
    a = x @ Wx + h_prev @ Wh + b
    i, f = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H])
    g, o = np.tanh(a[:, 2 * H:3 * H]), sigmoid(a[:, 3 * H:])
    c = f * c_prev + i * g
    tc = np.tanh(c)
    return {h}, c, (x, h_prev, c_prev, Wx, Wh, i, f, g, o, tc)
"""
LSTM_BACK = """
def lstm_step_backward(dh, dc, cache):
    {extra}
    x, h_prev, c_prev, Wx, Wh, i, f, g, o, tc = cache
    dct = dc + dh * o * (1 - tc**2)
    da = np.concatenate([dct * g * i * (1 - i), dct * c_prev * f * (1 - f),
                         dct * i * (1 - g**2), dh * tc * o * (1 - o)], axis=1)
    return da @ Wx.T, da @ Wh.T, dct * f, x.T @ da, h_prev.T @ da, da.sum(axis=0)
"""
CLIP_MUTATING = """
def clip_gradients(grads, max_value):
    for g in grads.values():
        np.clip(g, -max_value, max_value, out=g)
    return grads
"""
TRAIN_STEP_OK = """
def train_step(X, Y, h0, params, lr, max_value):
    loss, grads, h_last = lm_loss_and_grads(X, Y, h0, params)
    return loss, {k: params[k] - lr * np.clip(grads[k], -max_value, max_value)
                  for k in params}, h_last
"""
BIDI_OK = """
def bidirectional_forward(cell, x, h0_f, h0_b, params_f, params_b):
    assert cell == "rnn"
    hf, _ = rnn_forward(x, h0_f, params_f["Wx"], params_f["Wh"], params_f["b"])
    hb, _ = rnn_forward(np.ascontiguousarray(x[:, ::-1]), h0_b, params_b["Wx"],
                        params_b["Wh"], params_b["b"])
    return np.concatenate([hf, hb[:, ::-1]], axis=-1), None
"""
TORCH_WRAPPER = """
import torch
from torch import nn

class LSTMFromScratch(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.inner = nn.LSTM(input_size, hidden_size, batch_first=True)

    def forward(self, x, state=None):
        return self.inner(x, state)
"""

CASES = {
    # name: (file stem, cells, {part: words in the message or None for full marks})
    "infinite loop inside a function (in-process timer), others graded": (
        "ex08_vanishing_gradients",
        [
            NUMPY,
            REF_STEPS,
            "def grad_norms(cell, x, h0, params, g):\n    while True:\n        pass",
            DECAY_OK,
        ],
        {"grad_norms": "did not finish in time", "decay_factor": None},
    ),
    "loop that swallows the timer is killed; a hanging top-level cell is skipped": (
        "ex08_vanishing_gradients",
        [
            NUMPY,
            REF_STEPS,
            "def grad_norms(cell, x, h0, params, g):\n    while True:\n"
            "        try:\n            while True:\n                pass\n"
            "        except BaseException:\n            pass",
            "while True:\n    pass",
            DECAY_OK,
        ],
        {"grad_norms": "did not finish in time", "decay_factor": None},
    ),
    "syntax error in one cell": (
        "ex01_rnn_forward",
        [
            NUMPY,
            "def rnn_step_forward(x, h_prev, Wx, Wh, b):\n    return np.tanh(x @ Wx +",
            RNN_FORWARD_OK,
        ],
        {"rnn_step_forward": "SyntaxError", "rnn_forward": None},
    ),
    "renamed function (deleted/renamed cell) and huge top-level output": (
        "ex01_rnn_forward",
        [
            NUMPY,
            RNN_STEP_OK,
            RNN_FORWARD_OK.replace("def rnn_forward", "def rnn_forward_v2"),
            "print('x' * 10_000_000)",
        ],
        {"rnn_step_forward": None, "rnn_forward": "not defined"},
    ),
    "mutated input and hard-coded output": (
        "ex03_char_lm",
        [
            NUMPY + "\nfrom rnncourse.grading.lm import lm_loss_and_grads",
            CLIP_MUTATING,
            "def sample(params, start_ix, end_ix, max_len, rng):\n    return [1, 2, 3, 0]",
            TRAIN_STEP_OK,
        ],
        {
            "clip_gradients": "in place",
            "sample": "differs from the expected sequence",
            "train_step": None,
        },
    ),
    "NaN output and wrong shape": (
        "ex04_gru",
        [
            NUMPY,
            SIGMOID,
            GRU_FORWARD.format(result="((1 - z) * n + z * h_prev) * np.nan"),
            GRU_BACKWARD.format(keep=", keepdims=True"),
        ],
        {"gru_step_forward": "NaN", "gru_step_backward": "has shape (1, "},
    ),
    "wrong dtype and printing megabytes while being checked": (
        "ex05_lstm_step",
        [
            NUMPY,
            SIGMOID,
            LSTM_STEP.format(h="(o * tc).astype(np.float32)"),
            LSTM_BACK.format(extra="print('y' * 10_000_000)"),
        ],
        {"lstm_step_forward": "dtype float32", "lstm_step_backward": "more output"},
    ),
    "monkeypatching numpy (seen in the source; the cell is not run)": (
        "ex01_rnn_forward",
        [NUMPY, "np.allclose = lambda *a, **k: True\n" + RNN_STEP_OK, RNN_FORWARD_OK],
        {"rnn_step_forward": "monkeypatches numpy.allclose", "rnn_forward": None},
    ),
    "an exception, and runaway memory": (
        "ex06_lstm_sequence_tbptt",
        [
            NUMPY,
            "def lstm_forward(x, h0, Wx, Wh, b):\n    raise ValueError('oops')",
            "def lstm_backward(dh, cache):\n    return None",
            "def lstm_tbptt(x, h0, Wx, Wh, b, dh, k):\n    hog = []\n    while True:\n"
            "        hog.append(np.empty(100_000_000))",
        ],
        {
            "lstm_forward": "ValueError: oops",
            "lstm_backward": "ValueError: oops",
            "lstm_tbptt": "memory",
        },
    ),
    "monkeypatching numpy found at run time": (
        "ex08_vanishing_gradients",
        [
            NUMPY,
            REF_STEPS,
            GRAD_NORMS_OK,
            DECAY_OK + "\nvars(np)['allclose'] = lambda *a, **k: True",
        ],
        {"grad_norms": None, "decay_factor": "monkeypatches numpy.allclose"},
    ),
    "tampering with check, using the reference's deep RNN": (
        "ex07_bidirectional_deep",
        [
            NUMPY + "\nfrom rnncourse.reference import rnn_forward",
            BIDI_OK + "\ncheck = lambda *a, **k: print('[PASS]')",
            "from rnncourse.reference import deep_forward as ref_deep\n\n"
            "def deep_forward(cell, x, h0s, params):\n    return ref_deep(cell, x, h0s, params)",
            "def deep_backward(dh, cache):\n    return None",
        ],
        {
            "bidirectional_forward": "tampering",
            "bidirectional_backward": "not defined",
            "deep_forward": "forbids",
            "deep_backward": "not defined",
        },
    ),
    "rnncourse.reference in a from-scratch exercise": (
        "ex02_rnn_bptt",
        [
            NUMPY,
            RNN_STEP_OK,
            "from rnncourse.reference import rnn_step_backward as ref_backward\n\n"
            "def rnn_step_backward(dh, cache):\n    return ref_backward(dh, cache)",
            "def numerical_gradient(f, x, h=1e-5):\n    g = np.zeros_like(x)\n"
            "    for i in np.ndindex(*x.shape):\n        old = x[i]\n        x[i] = old + h\n"
            "        p = f(x)\n        x[i] = old - h\n        m = f(x)\n        x[i] = old\n"
            "        g[i] = (p - m) / (2 * h)\n    return g",
        ],
        {
            "rnn_step_backward": "rnncourse.reference",
            "numerical_gradient": None,
            "rnn_backward": "not defined",
        },
    ),
    "the checker's own implementations": (
        "ex04_gru",
        [
            NUMPY,
            "from rnncourse.grading import mutants\n\n"
            "def gru_step_forward(x, h_prev, Wx, Wh, b, bh):\n"
            "    return mutants.mutant('gru_step_forward', 'no_b')(x, h_prev, Wx, Wh, b, bh)",
            GRU_BACKWARD.format(keep=""),
        ],
        {"gru_step_forward": "rnncourse.grading internals", "gru_step_backward": "not defined"},
    ),
    "torch.nn.LSTM inside the from-scratch module": (
        "ex09_torch_lstm",
        [NUMPY, TORCH_WRAPPER],
        {"LSTMFromScratch": "torch"},
    ),
}


# NumPy-only submissions whose slow cells are infinite loops: graded with the shorter LOOPS limits.
LOOP_CASES = {
    "infinite loop inside a function (in-process timer), others graded",
    "loop that swallows the timer is killed; a hanging top-level cell is skipped",
}
GUARD_CASES = {
    "monkeypatching numpy (seen in the source; the cell is not run)",
    "monkeypatching numpy found at run time",
    "tampering with check, using the reference's deep RNN",
    "the checker's own implementations",
}


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_submission(grade_text, case):
    stem, cells, expected = CASES[case]
    sandbox = "none" if case in GUARD_CASES else "bwrap"
    limits = LOOPS if case in LOOP_CASES else SHORT
    report = grade_text(stem + "_hostile", notebook(*cells), limits, sandbox=sandbox)
    assert report.isolation == ("bubblewrap" if sandbox == "bwrap" else "none (not isolated)")
    got = parts(report)
    assert set(got) == set(expected), got
    for part, words in expected.items():
        score, most, message = got[part]
        if words is None:
            assert score == most, (part, message)
        else:
            assert score == 0, (part, message)
            assert words in message, (part, message)
    # the loops were stopped cell by cell: the submission's own time limit was never reached,
    # so no later cell was skipped for it (every other part above was graded on its merits)
    assert not [n for n in report.notes if "submission time limit" in n], report.notes


def test_submission_time_limit_stops_grading(grade_text):
    """Cells that each fit the per-cell limit but together exceed the per-submission limit."""
    limits = replace(SHORT, submission_timeout=5.0)
    slow = "import time\ntime.sleep(2.2)"
    report = grade_text(
        "ex08_vanishing_gradients_slow",
        notebook(NUMPY, REF_STEPS, slow, slow, slow, GRAD_NORMS_OK, DECAY_OK),
        limits,
    )
    got = parts(report)
    assert got["grad_norms"][0] == 0
    assert got["decay_factor"][0] == 0
    assert "submission time limit" in got["grad_norms"][2] + got["decay_factor"][2]
    # the cells after the limit are not run, and the report says so for each of them
    skipped = [n for n in report.notes if n.endswith("not run: submission time limit reached")]
    assert skipped, report.notes
    assert all(n.split(": ", 1)[1].startswith("cell ") for n in skipped), report.notes
