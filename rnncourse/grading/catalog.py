"""The nine graded exercises: their parts, points, random cases and recognisable mistakes.

Every ``*_cases(rng)`` function draws fresh shapes and inputs, computes the expected outputs
with :mod:`rnncourse.reference` (exercise 9: ``torch.nn.LSTM``) and the outputs of known mistakes
with :mod:`rnncourse.grading.variants`, so a learner's output that matches a mistake gets its hint.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from rnncourse.grading import variants as V
from rnncourse.grading.core import Call, Case, Exercise, Part
from rnncourse.grading.wire import Make, Ref

FLOAT_TOL = {np.float64: (1e-6, 1e-9), np.float32: (2e-4, 1e-5)}
#: From scratch in NumPy: no other part of the package (besides check), no autodiff library.
NUMPY_ONLY = ("rnncourse", "torch", "jax", "tensorflow", "autograd")
#: Builds on the reference layers, but not on the package's trainers, modules or analyses.
ON_REFERENCE = ("rnncourse.nn", "rnncourse.train", "rnncourse.analysis", "rnncourse.widgets",
                "rnncourse.figures", "torch", "jax", "tensorflow", "autograd")


def _ref():
    from rnncourse import reference

    return reference


def _dims(rng: np.random.Generator) -> tuple[int, int, int, int]:
    """Random (N, T, D, H) with D != H so that transposed weights are caught."""
    N, T = int(rng.integers(1, 5)), int(rng.integers(2, 7))
    D = int(rng.integers(2, 6))
    H = int(rng.choice([h for h in range(2, 7) if h != D]))
    return N, T, D, H


def _a(rng: np.random.Generator, *shape: int, dtype=np.float64, scale: float = 1.0) -> np.ndarray:
    return (rng.standard_normal(shape) * scale).astype(dtype)


def _shapes(**dims: int) -> str:
    return ", ".join(f"{k}={v}" for k, v in dims.items())


def _variants(bugs: dict[str, str], fn: Callable[[str], dict]) -> dict[str, dict]:
    out = {}
    for bug, hint in bugs.items():
        try:
            out[hint] = fn(bug)
        except (ValueError, IndexError):  # the mistake is impossible for these shapes
            continue
    return out


def _named(names: tuple[str, ...], values) -> dict:
    return dict(zip(names, values, strict=True))


# ------------------------------------------------------------------------------ exercise 1
RNN_STEP_BUGS = {
    "no_bias": "the bias b seems to be missing",
    "sigmoid": "this is what a sigmoid gives; the hidden state uses tanh",
    "relu": "this is what ReLU gives; the hidden state uses tanh",
    "no_hprev": "the previous state is ignored (h_prev @ Wh missing)",
}
RNN_SEQ_BUGS = {
    **RNN_STEP_BUGS,
    "off_by_one": "off-by-one in time: h[:, t] holds the state before step t instead of after it",
    "h0_ignored": "h0 is ignored (the recurrence started from zeros)",
}


def _rnn_inputs(rng, dtype, seq: bool):
    N, T, D, H = _dims(rng)
    x = _a(rng, N, T, D, dtype=dtype) if seq else _a(rng, N, D, dtype=dtype)
    return (N, T, D, H), x, _a(rng, N, H, dtype=dtype), _a(rng, D, H, dtype=dtype, scale=0.5), \
        _a(rng, H, H, dtype=dtype, scale=0.5), _a(rng, H, dtype=dtype, scale=0.5)


def rnn_step_forward_cases(rng):
    cases = []
    for dtype in (np.float64, np.float64, np.float32):
        (N, _, D, H), x, h, Wx, Wh, b = _rnn_inputs(rng, dtype, seq=False)
        want = _ref().rnn_step_forward(x, h, Wx, Wh, b)[0]
        call = Call("rnn_step_forward", (x, h, Wx, Wh, b), ("x", "h_prev", "Wx", "Wh", "b"),
                    ("h", "cache"))
        var = _variants(RNN_STEP_BUGS, lambda bug, a=(x, h, Wx, Wh, b): {
            "h": V.rnn_step(*a, bug=bug).astype(a[0].dtype)})
        rtol, atol = FLOAT_TOL[dtype]
        cases.append(Case([call], {"h": (0, 0)}, {"h": want},
                          _shapes(N=N, D=D, H=H) + f", {np.dtype(dtype).name}", var, rtol, atol))
    return cases


def rnn_forward_cases(rng):
    cases = []
    for dtype in (np.float64, np.float64, np.float32):
        (N, T, D, H), x, h0, Wx, Wh, b = _rnn_inputs(rng, dtype, seq=True)
        want = _ref().rnn_forward(x, h0, Wx, Wh, b)[0]
        call = Call("rnn_forward", (x, h0, Wx, Wh, b), ("x", "h0", "Wx", "Wh", "b"),
                    ("h", "cache"))
        var = _variants(RNN_SEQ_BUGS, lambda bug, a=(x, h0, Wx, Wh, b): {
            "h": V.rnn_seq(*a, bug=bug).astype(a[0].dtype)})
        rtol, atol = FLOAT_TOL[dtype]
        cases.append(Case([call], {"h": (0, 0)}, {"h": want},
                          _shapes(N=N, T=T, D=D, H=H) + f", {np.dtype(dtype).name}", var,
                          rtol, atol))
    return cases


# ------------------------------------------------------------------------------ exercise 2
def numerical_gradient_cases(rng):
    cases = []
    for _ in range(3):
        m, n, k = (int(v) for v in rng.integers(1, 5, size=3))
        x, A, B = _a(rng, m, n), _a(rng, m, k), _a(rng, n, k)
        want = (A * (1 - np.tanh(x @ B) ** 2)) @ B.T
        f = Make("tanh_dot", A=A, B=B)
        call = Call("numerical_gradient", (f, x), ("f", "x"), None, {"h": 1e-4})

        def fn(bug, x=x, A=A, B=B):
            return {"grad": V.numerical_gradient(lambda z: float(np.sum(A * np.tanh(z @ B))),
                                                 x.copy(), 1e-4, bug)}

        var = _variants({"forward_difference": "a one-sided difference (f(x+h) - f(x)) / h; use "
                         "the central difference (f(x+h) - f(x-h)) / (2h)",
                         "over_h": "the central difference must be divided by 2h, not h"}, fn)
        cases.append(Case([call], {"grad": (0, None)}, {"grad": want},
                          f"f(x) = sum(A * tanh(x @ B)), x {(m, n)}", var, 1e-6, 1e-6))
    return cases


RNN_STEP_BACK = ("dx", "dh_prev", "dWx", "dWh", "db")
RNN_STEP_BACK_BUGS = {
    "one_minus_h": "the tanh derivative is 1 - h**2, not 1 - h",
    "no_tanh_deriv": "the upstream gradient was not multiplied by the tanh derivative",
    "sigmoid_deriv": "h * (1 - h) is the sigmoid derivative; tanh needs 1 - h**2",
}
RNN_BACK = ("dx", "dh0", "dWx", "dWh", "db")
RNN_BACK_BUGS = {
    "no_carry": "forgot dh from the next step: add the gradient flowing back from step t+1 "
                "to dh[:, t]",
    "no_accum": "gradient not accumulated over time: dWx, dWh, db must sum the contributions "
                "of every step",
    "skip_t0": "off-by-one in time: the backward loop skips t = 0",
}


def rnn_step_backward_cases(rng):
    cases = []
    for _ in range(3):
        (N, _, D, H), x, h, Wx, Wh, b = _rnn_inputs(rng, np.float64, seq=False)
        dh = _a(rng, N, H)
        ref = _ref()
        want = ref.rnn_step_backward(dh, ref.rnn_step_forward(x, h, Wx, Wh, b)[1])
        calls = [Call("rnn_step_forward", (x, h, Wx, Wh, b), ("x", "h_prev", "Wx", "Wh", "b"),
                      ("h", "cache")),
                 Call("rnn_step_backward", (dh, Ref(0, 1)), ("dh", "cache"), RNN_STEP_BACK)]
        var = _variants(RNN_STEP_BACK_BUGS, lambda bug, a=(dh, x, h, Wx, Wh, b): _named(
            RNN_STEP_BACK, V.rnn_step_grads(*a, bug=bug)))
        cases.append(Case(calls, {k: (1, i) for i, k in enumerate(RNN_STEP_BACK)},
                          _named(RNN_STEP_BACK, want), _shapes(N=N, D=D, H=H), var))
    return cases


def _numeric_seq_grads(forward, arrays: dict, dh: np.ndarray) -> dict:
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


def rnn_backward_cases(rng):
    cases = []
    for k in range(3):
        (N, T, D, H), x, h0, Wx, Wh, b = _rnn_inputs(rng, np.float64, seq=True)
        dh = _a(rng, N, T, H)
        ref = _ref()
        if k < 2:
            want = _named(RNN_BACK, ref.rnn_backward(dh, ref.rnn_forward(x, h0, Wx, Wh, b)[1]))
            rtol, atol, how = 1e-6, 1e-9, ""
        else:  # gradient check: expected values from central differences, not from a backward
            num = _numeric_seq_grads(lambda x, h0, Wx, Wh, b: _ref().rnn_forward(
                                         x, h0, Wx, Wh, b)[0],
                                     {"x": x.copy(), "h0": h0.copy(), "Wx": Wx.copy(),
                                      "Wh": Wh.copy(), "b": b.copy()}, dh)
            want = {"d" + k2: v for k2, v in num.items()}
            rtol, atol, how = 1e-5, 1e-7, ", numerical gradient check"
        calls = [Call("rnn_forward", (x, h0, Wx, Wh, b), ("x", "h0", "Wx", "Wh", "b"),
                      ("h", "cache")),
                 Call("rnn_backward", (dh, Ref(0, 1)), ("dh", "cache"), RNN_BACK)]
        var = _variants(RNN_BACK_BUGS, lambda bug, a=(dh, x, h0, Wx, Wh, b): _named(
            RNN_BACK, V.rnn_seq_grads(*a, bug=bug)))
        cases.append(Case(calls, {k2: (1, i) for i, k2 in enumerate(RNN_BACK)}, want,
                          _shapes(N=N, T=T, D=D, H=H) + how, var, rtol, atol))
    return cases


# ------------------------------------------------------------------------------ exercise 3
LM_KEYS = ("Wx", "Wh", "b", "Wy", "by")


def _lm_params(rng, V_, H, scale=1.0):
    return {"Wx": _a(rng, V_, H, scale=scale), "Wh": _a(rng, H, H, scale=scale * 0.5),
            "b": _a(rng, H, scale=scale * 0.3), "Wy": _a(rng, H, V_, scale=scale),
            "by": _a(rng, V_, scale=scale * 0.3)}


def clip_gradients_cases(rng):
    cases = []
    for _ in range(3):
        V_, H = int(rng.integers(3, 8)), int(rng.integers(2, 6))
        grads = _lm_params(rng, V_, H, scale=4.0)
        max_value = float(rng.uniform(0.5, 3.0))
        want = V.clip(grads, max_value)
        var = _variants({"upper_only": "only the upper bound was applied; clip into "
                         "[-max_value, max_value]",
                         "none": "the gradients came back unclipped",
                         "by_norm": "this rescales by the global norm; here clip each entry "
                         "by value"}, lambda bug, g=grads, m=max_value: V.clip(g, m, bug))
        cases.append(Case([Call("clip_gradients", (grads, max_value), ("grads", "max_value"))],
                          {k: (0, k) for k in LM_KEYS}, want, f"V={V_}, H={H}, "
                          f"max_value={max_value:.2f}", var))
    return cases


def sample_cases(rng):
    cases = []
    for _ in range(4):
        V_, H = int(rng.integers(4, 9)), int(rng.integers(3, 7))
        params = _lm_params(rng, V_, H, scale=1.5)
        start, seed = int(rng.integers(1, V_)), int(rng.integers(0, 2**31))
        max_len = int(rng.integers(8, 16))
        args = (params, start, 0, max_len)
        want = V.sample(*args, np.random.default_rng(seed))
        var = _variants({
            "argmax": "this is the argmax sequence; draw with rng.choice(V, p=probs)",
            "no_feedback": "the sampled character is not fed back as the next input",
            "no_hidden": "the hidden state is not carried from step to step",
            "with_start": "the start character must not be part of the returned list",
            "past_end": "sampling must stop right after the end index is drawn",
        }, lambda bug, a=args, s=seed: {"ixs": V.sample(*a, np.random.default_rng(s), bug)})
        call = Call("sample", (*args, Make("rng", seed=seed)),
                    ("params", "start_ix", "end_ix", "max_len", "rng"))
        cases.append(Case([call], {"ixs": (0, None)}, {"ixs": want},
                          f"V={V_}, H={H}, start_ix={start}, max_len={max_len}", var))
    return cases


def _train_step_expected(X, Y, h0, params, lr, max_value, bug=None):
    from rnncourse.grading.lm import lm_loss_and_grads

    loss, grads, h_last = lm_loss_and_grads(X, Y, h0, params)
    if bug != "no_clip":
        grads = V.clip(grads, max_value)
    sign = 1.0 if bug == "ascent" else -1.0
    new = {k: params[k] + sign * lr * grads[k] for k in LM_KEYS}
    out = {"loss": loss, "h_last": h_last}
    out.update({"new_" + k: v for k, v in new.items()})
    return out


def train_step_cases(rng):
    cases = []
    for _ in range(3):
        V_, H = int(rng.integers(4, 9)), int(rng.integers(3, 7))
        N, T = int(rng.integers(1, 4)), int(rng.integers(2, 7))
        X, Y = rng.integers(0, V_, size=(N, T)), rng.integers(0, V_, size=(N, T))
        h0, params = _a(rng, N, H), _lm_params(rng, V_, H)
        lr, max_value = float(rng.uniform(0.01, 0.5)), float(rng.uniform(0.05, 0.5))
        args = (X, Y, h0, params, lr, max_value)
        want = _train_step_expected(*args)
        var = _variants({"no_clip": "the gradients were not clipped before the update",
                         "ascent": "the update went uphill: subtract lr * gradient"},
                        lambda bug, a=args: _train_step_expected(*a, bug=bug))
        outputs = {"loss": (0, 0), "h_last": (0, 2)}
        outputs.update({"new_" + k: (0, (1, k)) for k in LM_KEYS})
        call = Call("train_step", args, ("X", "Y", "h0", "params", "lr", "max_value"),
                    ("loss", "new_params", "h_last"))
        cases.append(Case([call], outputs, want, _shapes(N=N, T=T, V=V_, H=H), var))
    return cases


# ------------------------------------------------------------------------------ exercise 4
GRU_BACK = ("dx", "dh_prev", "dWx", "dWh", "db", "dbh")


def _gru_inputs(rng):
    N, _, D, H = _dims(rng)
    return (N, D, H), (_a(rng, N, D), _a(rng, N, H), _a(rng, D, 3 * H, scale=0.5),
                       _a(rng, H, 3 * H, scale=0.5), _a(rng, 3 * H, scale=0.5),
                       _a(rng, 3 * H, scale=0.5))


def gru_step_forward_cases(rng):
    bugs = {"swap_rz": "the reset and update gates are swapped (blocks are [r, z, n])",
            "z_flipped": "z and 1 - z are swapped: h' = (1 - z) * n + z * h_prev",
            "reset_before": "this is the 2014 variant r * (h_prev @ Wh_n); torch applies r to "
                            "(h_prev @ Wh_n + bh_n)",
            "no_bh": "the hidden-side bias bh seems to be missing",
            "no_b": "the input-side bias b seems to be missing",
            "n_sigmoid": "the candidate n uses tanh, not sigmoid"}
    cases = []
    for _ in range(3):
        (N, D, H), a = _gru_inputs(rng)
        want = _ref().gru_step_forward(*a[:5], bh=a[5])[0]
        var = _variants(bugs, lambda bug, a=a: {"h": V.gru_step(*a, bug=bug)})
        call = Call("gru_step_forward", a, ("x", "h_prev", "Wx", "Wh", "b", "bh"),
                    ("h", "cache"))
        cases.append(Case([call], {"h": (0, 0)}, {"h": want}, _shapes(N=N, D=D, H=H), var))
    return cases


def gru_step_backward_cases(rng):
    bugs = {"no_direct": "dh_prev misses the direct path z * dh (h' depends on h_prev directly)",
            "no_r_in_dhn": "the hidden-side gradient of the n block must be multiplied by r"}
    cases = []
    for _ in range(3):
        (N, D, H), a = _gru_inputs(rng)
        dh = _a(rng, N, H)
        ref = _ref()
        want = ref.gru_step_backward(dh, ref.gru_step_forward(*a[:5], bh=a[5])[1])
        var = _variants(bugs, lambda bug, a=a, dh=dh: _named(
            GRU_BACK, V.gru_step_grads(dh, *a, bug=bug)))
        calls = [Call("gru_step_forward", a, ("x", "h_prev", "Wx", "Wh", "b", "bh"),
                      ("h", "cache")),
                 Call("gru_step_backward", (dh, Ref(0, 1)), ("dh", "cache"), GRU_BACK)]
        cases.append(Case(calls, {k: (1, i) for i, k in enumerate(GRU_BACK)},
                          _named(GRU_BACK, want), _shapes(N=N, D=D, H=H), var))
    return cases


# ------------------------------------------------------------------------------ exercise 5
LSTM_STEP_BUGS = {
    "swap_if": "the input and forget gates are swapped (blocks are [i, f, g, o])",
    "order_ifog": "gate blocks taken in the order [i, f, o, g]; torch order is [i, f, g, o]",
    "g_sigmoid": "the candidate g uses tanh, not sigmoid",
    "no_tanh_c": "h = o * tanh(c), not o * c",
    "no_bias": "the bias b seems to be missing",
}
LSTM_STEP_BACK = ("dx", "dh_prev", "dc_prev", "dWx", "dWh", "db")


def _lstm_inputs(rng, seq=False, dtype=np.float64):
    N, T, D, H = _dims(rng)
    x = _a(rng, N, T, D, dtype=dtype) if seq else _a(rng, N, D, dtype=dtype)
    return (N, T, D, H), x, _a(rng, N, H, dtype=dtype), _a(rng, N, H, dtype=dtype), \
        _a(rng, D, 4 * H, scale=0.5, dtype=dtype), _a(rng, H, 4 * H, scale=0.5, dtype=dtype), \
        _a(rng, 4 * H, scale=0.5, dtype=dtype)


def lstm_step_forward_cases(rng):
    cases = []
    for dtype in (np.float64, np.float64, np.float32):
        (N, _, D, H), *a = _lstm_inputs(rng, dtype=dtype)
        h, c, _ = _ref().lstm_step_forward(*a)
        var = _variants(LSTM_STEP_BUGS, lambda bug, a=a: _named(
            ("h", "c"), [v.astype(a[0].dtype) for v in V.lstm_step(*a, bug=bug)]))
        call = Call("lstm_step_forward", tuple(a), ("x", "h_prev", "c_prev", "Wx", "Wh", "b"),
                    ("h", "c", "cache"))
        rtol, atol = FLOAT_TOL[dtype]
        cases.append(Case([call], {"h": (0, 0), "c": (0, 1)}, {"h": h, "c": c},
                          _shapes(N=N, D=D, H=H) + f", {np.dtype(dtype).name}", var, rtol, atol))
    return cases


def lstm_step_backward_cases(rng):
    bugs = {"ignore_dc": "the incoming cell gradient dc (from the next step) was ignored",
            "no_tanh_deriv_c": "the path h = o * tanh(c) needs the factor (1 - tanh(c)**2)",
            "dc_prev_no_f": "dc_prev must be multiplied by the forget gate f"}
    cases = []
    for _ in range(3):
        (N, _, D, H), *a = _lstm_inputs(rng)
        dh, dc = _a(rng, N, H), _a(rng, N, H)
        ref = _ref()
        want = ref.lstm_step_backward(dh, dc, ref.lstm_step_forward(*a)[2])
        var = _variants(bugs, lambda bug, a=a, dh=dh, dc=dc: _named(
            LSTM_STEP_BACK, V.lstm_step_grads(dh, dc, *a, bug=bug)))
        calls = [Call("lstm_step_forward", tuple(a), ("x", "h_prev", "c_prev", "Wx", "Wh", "b"),
                      ("h", "c", "cache")),
                 Call("lstm_step_backward", (dh, dc, Ref(0, 2)), ("dh", "dc", "cache"),
                      LSTM_STEP_BACK)]
        cases.append(Case(calls, {k: (1, i) for i, k in enumerate(LSTM_STEP_BACK)},
                          _named(LSTM_STEP_BACK, want), _shapes(N=N, D=D, H=H), var))
    return cases


# ------------------------------------------------------------------------------ exercise 6
LSTM_BACK = ("dx", "dh0", "dWx", "dWh", "db")


def _seq_inputs(rng):
    (N, T, D, H), x, h0, _, Wx, Wh, b = _lstm_inputs(rng, seq=True)
    return (N, T, D, H), (x, h0, Wx, Wh, b)


def lstm_forward_cases(rng):
    bugs = {"off_by_one": RNN_SEQ_BUGS["off_by_one"],
            "c_reset": "the cell state is not carried from step to step",
            "h0_ignored": RNN_SEQ_BUGS["h0_ignored"], **LSTM_STEP_BUGS}
    cases = []
    for _ in range(3):
        (N, T, D, H), a = _seq_inputs(rng)
        want = _ref().lstm_forward(*a)[0]
        var = _variants(bugs, lambda bug, a=a: {"h": V.lstm_seq(*a, bug=bug)[0]})
        call = Call("lstm_forward", a, ("x", "h0", "Wx", "Wh", "b"), ("h", "cache"))
        cases.append(Case([call], {"h": (0, 0)}, {"h": want}, _shapes(N=N, T=T, D=D, H=H), var))
    return cases


def lstm_backward_cases(rng):
    bugs = {"no_carry": RNN_BACK_BUGS["no_carry"], "no_accum": RNN_BACK_BUGS["no_accum"],
            "no_dc_carry": "the cell gradient dc from the next step was not carried back"}
    cases = []
    for k in range(3):
        (N, T, D, H), a = _seq_inputs(rng)
        dh = _a(rng, N, T, H)
        ref = _ref()
        if k < 2:
            want = _named(LSTM_BACK, ref.lstm_backward(dh, ref.lstm_forward(*a)[1]))
            rtol, atol, how = 1e-6, 1e-9, ""
        else:
            num = _numeric_seq_grads(lambda x, h0, Wx, Wh, b: _ref().lstm_forward(
                                         x, h0, Wx, Wh, b)[0],
                                     dict(zip(("x", "h0", "Wx", "Wh", "b"),
                                              (v.copy() for v in a), strict=True)), dh)
            want = {"d" + k2: v for k2, v in num.items()}
            rtol, atol, how = 1e-5, 1e-7, ", numerical gradient check"

        def fn(bug, a=a, dh=dh):
            dx, dh0, _, dWx, dWh, db = V.lstm_seq_grads(dh, *a, bug=bug)
            return _named(LSTM_BACK, (dx, dh0, dWx, dWh, db))

        calls = [Call("lstm_forward", a, ("x", "h0", "Wx", "Wh", "b"), ("h", "cache")),
                 Call("lstm_backward", (dh, Ref(0, 1)), ("dh", "cache"), LSTM_BACK)]
        cases.append(Case(calls, {k2: (1, i) for i, k2 in enumerate(LSTM_BACK)}, want,
                          _shapes(N=N, T=T, D=D, H=H) + how, _variants(bugs, fn), rtol, atol))
    return cases


def _ref_tbptt(x, h0, Wx, Wh, b, dh, k):
    """Expected truncated BPTT from the reference step functions (state carried, grads cut)."""
    ref = _ref()
    N, T, _ = x.shape
    h, c = h0, np.zeros_like(h0)
    hs = np.zeros((N, T, h0.shape[1]))
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)
    for s in range(0, T, k):
        caches = []
        for t in range(s, min(s + k, T)):
            h, c, cache = ref.lstm_step_forward(x[:, t], h, c, Wx, Wh, b)
            hs[:, t] = h
            caches.append(cache)
        dnext, dcnext = np.zeros_like(h0), np.zeros_like(h0)
        for j in range(len(caches) - 1, -1, -1):
            _, dnext, dcnext, gWx, gWh, gb = ref.lstm_step_backward(
                dh[:, s + j] + dnext, dcnext, caches[j])
            dWx, dWh, db = dWx + gWx, dWh + gWh, db + gb
    return hs, dWx, dWh, db


def lstm_tbptt_cases(rng):
    bugs = {"full_bptt": "gradients flowed across chunk boundaries (that is full BPTT); cut "
                         "them at each chunk while carrying the state forward",
            "state_reset": "the state was reset at each chunk; carry h and c forward",
            "no_accum": "only the last chunk's gradients were kept; add them over all chunks"}
    names = ("h", "dWx", "dWh", "db")
    cases = []
    for _ in range(3):
        N, _, D, H = _dims(rng)
        T, k = int(rng.integers(5, 10)), int(rng.integers(2, 4))
        a = (_a(rng, N, T, D), _a(rng, N, H), _a(rng, D, 4 * H, scale=0.5),
             _a(rng, H, 4 * H, scale=0.5), _a(rng, 4 * H, scale=0.5))
        dh = _a(rng, N, T, H)
        want = _named(names, _ref_tbptt(*a, dh, k))
        var = _variants(bugs, lambda bug, a=a, dh=dh, k=k: _named(
            names, V.lstm_tbptt(*a, dh, k, bug=bug)))
        call = Call("lstm_tbptt", (*a, dh, k), ("x", "h0", "Wx", "Wh", "b", "dh", "k"), names)
        cases.append(Case([call], {n: (0, i) for i, n in enumerate(names)}, want,
                          _shapes(N=N, T=T, D=D, H=H, k=k), var))
    return cases


# ------------------------------------------------------------------------------ exercise 7
CELL_K = {"rnn": 1, "gru": 3, "lstm": 4}


def cell_forward(cell, x, h0, p):
    """One recurrent layer of any cell through the reference: (h (N, T, H), cache)."""
    ref = _ref()
    if cell == "rnn":
        return ref.rnn_forward(x, h0, p["Wx"], p["Wh"], p["b"])
    if cell == "gru":
        return ref.gru_forward(x, h0, p["Wx"], p["Wh"], p["b"], p.get("bh"))
    return ref.lstm_forward(x, h0, p["Wx"], p["Wh"], p["b"])


def cell_backward(cell, dh, cache):
    """(dx, dh0, grads dict) of :func:`cell_forward`."""
    ref = _ref()
    if cell == "gru":
        dx, dh0, dWx, dWh, db, dbh = ref.gru_backward(dh, cache)
        return dx, dh0, {"Wx": dWx, "Wh": dWh, "b": db, "bh": dbh}
    dx, dh0, dWx, dWh, db = (ref.rnn_backward if cell == "rnn" else ref.lstm_backward)(dh, cache)
    return dx, dh0, {"Wx": dWx, "Wh": dWh, "b": db}


def _cell_params(rng, cell, D, H):
    k = CELL_K[cell]
    p = {"Wx": _a(rng, D, k * H, scale=0.5), "Wh": _a(rng, H, k * H, scale=0.5),
         "b": _a(rng, k * H, scale=0.5)}
    if cell == "gru":
        p["bh"] = _a(rng, k * H, scale=0.5)
    return p


def _rev(a):
    return np.ascontiguousarray(a[:, ::-1])


def bidi_expected(cell, x, h0f, h0b, pf, pb, dh=None, bug=None):
    """Outputs (and gradients when ``dh`` is given) of the bidirectional wrapper, or a mistake.

    Forward bugs: not_reflipped, order_swapped, not_reversed_input.
    Backward bugs: dh_not_reversed, dx_not_reflipped, dx_forward_only.
    """
    H = h0f.shape[1]
    hf, cf = cell_forward(cell, x, h0f, pf)
    xin = x if bug == "not_reversed_input" else _rev(x)
    hb, cb = cell_forward(cell, xin, h0b, pb)
    if bug not in ("not_reflipped", "not_reversed_input"):
        hb = _rev(hb)
    out = {"h": np.concatenate([hb, hf] if bug == "order_swapped" else [hf, hb], axis=-1)}
    if dh is None:
        return out
    dxf, dh0f, gf = cell_backward(cell, np.ascontiguousarray(dh[..., :H]), cf)
    dhb = dh[..., H:] if bug == "dh_not_reversed" else _rev(dh[..., H:])
    dxb, dh0b, gb = cell_backward(cell, np.ascontiguousarray(dhb), cb)
    if bug == "dx_forward_only":
        dx = dxf
    else:
        dx = dxf + (dxb if bug == "dx_not_reflipped" else _rev(dxb))
    out = {"dx": dx, "dh0_f": dh0f, "dh0_b": dh0b}
    out.update({f"grads_f[{k!r}]": v for k, v in gf.items()})
    out.update({f"grads_b[{k!r}]": v for k, v in gb.items()})
    return out


def deep_expected(cell, x, h0s, params, dh=None, bug=None):
    """Top-layer states (and gradients) of a stack of layers, or a mistake.

    Forward bugs: returned_first_layer, same_h0. Backward bugs: top_dh_everywhere.
    """
    h, caches, first = x, [], None
    for layer, p in enumerate(params):
        h, c = cell_forward(cell, h, h0s[0] if bug == "same_h0" else h0s[layer], p)
        caches.append(c)
        first = h if first is None else first
    if dh is None:
        return {"h": first if bug == "returned_first_layer" else h}
    out, d = {}, dh
    for layer in range(len(params) - 1, -1, -1):
        upstream = dh if bug == "top_dh_everywhere" else d
        dx, dh0, g = cell_backward(cell, upstream, caches[layer])
        out[f"dh0s[{layer}]"] = dh0
        out.update({f"grads[{layer}][{k!r}]": v for k, v in g.items()})
        d = dx
    out["dx"] = d
    return out


BIDI_FWD_BUGS = {"not_reflipped": "the backward direction's outputs must be flipped back to the "
                                  "original time order before concatenating",
                 "order_swapped": "concatenate [forward, backward] on the last axis, in that order",
                 "not_reversed_input": "the backward direction must read the sequence reversed"}
BIDI_BACK_BUGS = {"dh_not_reversed": "the backward half of dh must be flipped in time before it "
                                     "goes through the backward direction",
                  "dx_not_reflipped": "the backward direction's dx must be flipped back in time",
                  "dx_forward_only": "dx must add the contributions of both directions"}


def _bidi_inputs(rng, k):
    cell = ("rnn", "gru", "lstm")[k % 3]
    N, T, D, H = _dims(rng)
    return cell, (N, T, D, H), (cell, _a(rng, N, T, D), _a(rng, N, H), _a(rng, N, H),
                                _cell_params(rng, cell, D, H), _cell_params(rng, cell, D, H))


BIDI_ARGS = ("cell", "x", "h0_f", "h0_b", "params_f", "params_b")


def bidirectional_forward_cases(rng):
    cases = []
    for k in range(3):
        cell, (N, T, D, H), a = _bidi_inputs(rng, k)
        var = _variants(BIDI_FWD_BUGS, lambda bug, a=a: bidi_expected(*a, bug=bug))
        call = Call("bidirectional_forward", a, BIDI_ARGS, ("h", "cache"))
        cases.append(Case([call], {"h": (0, 0)}, bidi_expected(*a),
                          f"cell={cell}, " + _shapes(N=N, T=T, D=D, H=H), var))
    return cases


def _grad_outputs(call: int, item: int, name: str, keys) -> dict:
    return {f"{name}[{k!r}]": (call, (item, k)) for k in keys}


def bidirectional_backward_cases(rng):
    cases = []
    for k in range(3):
        cell, (N, T, D, H), a = _bidi_inputs(rng, k)
        dh = _a(rng, N, T, 2 * H)
        want = bidi_expected(*a, dh=dh)
        var = _variants(BIDI_BACK_BUGS, lambda bug, a=a, dh=dh: bidi_expected(*a, dh=dh, bug=bug))
        calls = [Call("bidirectional_forward", a, BIDI_ARGS, ("h", "cache")),
                 Call("bidirectional_backward", (dh, Ref(0, 1)), ("dh", "cache"),
                      ("dx", "dh0_f", "dh0_b", "grads_f", "grads_b"))]
        keys = list(a[4])
        outputs = {"dx": (1, 0), "dh0_f": (1, 1), "dh0_b": (1, 2)}
        outputs.update(_grad_outputs(1, 3, "grads_f", keys))
        outputs.update(_grad_outputs(1, 4, "grads_b", keys))
        cases.append(Case(calls, outputs, want, f"cell={cell}, " + _shapes(N=N, T=T, D=D, H=H),
                          var))
    return cases


def _deep_inputs(rng, k):
    cell = ("lstm", "rnn", "gru")[k % 3]
    N, T, D, H = _dims(rng)
    L = int(rng.integers(2, 4))
    params = [_cell_params(rng, cell, D if layer == 0 else H, H) for layer in range(L)]
    return cell, (N, T, D, H, L), (cell, _a(rng, N, T, D), [_a(rng, N, H) for _ in range(L)],
                                   params)


def deep_forward_cases(rng):
    bugs = {"returned_first_layer": "these are the first layer's states; return the top layer's",
            "same_h0": "each layer starts from its own h0s[layer]"}
    cases = []
    for k in range(3):
        cell, (N, T, D, H, L), a = _deep_inputs(rng, k)
        var = _variants(bugs, lambda bug, a=a: deep_expected(*a, bug=bug))
        call = Call("deep_forward", a, ("cell", "x", "h0s", "params"), ("h", "cache"))
        cases.append(Case([call], {"h": (0, 0)}, deep_expected(*a),
                          f"cell={cell}, " + _shapes(N=N, T=T, D=D, H=H, L=L), var))
    return cases


def deep_backward_cases(rng):
    bugs = {"top_dh_everywhere": "each lower layer must receive the dx of the layer above as "
                                 "its dh, not the top layer's dh"}
    cases = []
    for k in range(3):
        cell, (N, T, D, H, L), a = _deep_inputs(rng, k)
        dh = _a(rng, N, T, H)
        if k < 2:
            want, how = deep_expected(*a, dh=dh), ""
        else:  # gradient check against central differences of the reference forward
            want, how = _deep_numeric(a, dh), ", numerical gradient check"
        var = _variants(bugs, lambda bug, a=a, dh=dh: deep_expected(*a, dh=dh, bug=bug))
        calls = [Call("deep_forward", a, ("cell", "x", "h0s", "params"), ("h", "cache")),
                 Call("deep_backward", (dh, Ref(0, 1)), ("dh", "cache"),
                      ("dx", "dh0s", "grads"))]
        outputs = {"dx": (1, 0)}
        outputs.update({f"dh0s[{layer}]": (1, (1, layer)) for layer in range(L)})
        outputs.update({f"grads[{layer}][{key!r}]": (1, (2, layer, key))
                        for layer in range(L) for key in a[3][layer]})
        cases.append(Case(calls, outputs, want, f"cell={cell}, "
                          + _shapes(N=N, T=T, D=D, H=H, L=L) + how, var,
                          1e-5 if how else 1e-6, 1e-7 if how else 1e-9))
    return cases


def _deep_numeric(a, dh):
    """Central-difference gradients of sum(dh * top states) for every input of a stack."""
    cell, x, h0s, params = a
    x, h0s, params = x.copy(), [h.copy() for h in h0s], [dict(p) for p in params]
    params = [{k: v.copy() for k, v in p.items()} for p in params]

    def loss():
        return float(np.sum(dh * deep_expected(cell, x, h0s, params)["h"]))

    targets = {"dx": x, **{f"dh0s[{i}]": h for i, h in enumerate(h0s)}}
    targets.update({f"grads[{i}][{k!r}]": v for i, p in enumerate(params) for k, v in p.items()})
    out = {}
    for name, arr in targets.items():
        g = np.zeros_like(arr)
        for idx in np.ndindex(*arr.shape):
            old = arr[idx]
            arr[idx] = old + 1e-6
            plus = loss()
            arr[idx] = old - 1e-6
            g[idx] = (plus - loss()) / 2e-6
            arr[idx] = old
        out[name] = g
    return out


# ------------------------------------------------------------------------------ exercise 8
def _ref_grad_norms(cell, x, h0, params, g):
    ref = _ref()
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


def grad_norms_cases(rng):
    bugs = {"reversed": "off-by-one/reversed in time: norms[t] must belong to h_t, t = 0..T-1",
            "ignore_dc": "for the LSTM, the gradient through the cell state c must be carried "
                         "back too"}
    cases = []
    for cell in ("rnn", "lstm", "rnn", "lstm"):
        N, T, D, H = _dims(rng)
        T = int(rng.integers(6, 12))
        k = 1 if cell == "rnn" else 4
        params = {"Wx": _a(rng, D, k * H, scale=0.5), "Wh": _a(rng, H, k * H, scale=0.5),
                  "b": _a(rng, k * H, scale=0.5)}
        x, h0, g = _a(rng, N, T, D), _a(rng, N, H), _a(rng, N, H)
        want = _ref_grad_norms(cell, x, h0, params, g)
        var = _variants(bugs, lambda bug, a=(cell, x, h0, params, g): {
            "norms": V.grad_norms(*a, bug=bug)})
        call = Call("grad_norms", (cell, x, h0, params, g), ("cell", "x", "h0", "params", "g"))
        cases.append(Case([call], {"norms": (0, None)}, {"norms": want},
                          f"cell={cell}, " + _shapes(N=N, T=T, D=D, H=H), var))
    return cases


def decay_factor_cases(rng):
    bugs = {"no_log": "fit the line to log(norms), not to the norms themselves",
            "slope": "return the factor exp(slope), not the slope of the log-norms"}
    cases = []
    for _ in range(3):
        T = int(rng.integers(5, 15))
        rate = float(rng.uniform(0.3, 1.2))
        norms = np.exp(np.log(rate) * np.arange(T) + rng.normal(0, 0.1, T)) * rng.uniform(1, 5)
        want = V.decay_factor(norms)
        var = _variants(bugs, lambda bug, n=norms: {"factor": V.decay_factor(n, bug)})
        cases.append(Case([Call("decay_factor", (norms,), ("norms",))],
                          {"factor": (0, None)}, {"factor": want}, f"T={T}", var))
    return cases


# ------------------------------------------------------------------------------ exercise 9
TORCH_OUT = ("out", "h_n", "c_n", "grad_x", "grad_weight_ih_l0", "grad_weight_hh_l0",
             "grad_bias_ih_l0", "grad_bias_hh_l0")


def _torch_expected(D, H, weights, x, state, G):
    import torch

    lstm = torch.nn.LSTM(D, H, batch_first=True).double()
    with torch.no_grad():
        for name, p in lstm.named_parameters():
            p.copy_(torch.from_numpy(weights[name]))
    xt = torch.from_numpy(x).requires_grad_(True)
    st = None if state is None else tuple(torch.from_numpy(s) for s in state)
    out, (h_n, c_n) = lstm(xt, st)
    loss = (out * torch.from_numpy(G[0])).sum() + (h_n * torch.from_numpy(G[1])).sum() \
        + (c_n * torch.from_numpy(G[2])).sum()
    loss.backward()
    res = {"out": out, "h_n": h_n, "c_n": c_n, "grad_x": xt.grad}
    res.update({"grad_" + n: p.grad for n, p in lstm.named_parameters()})
    return {k: v.detach().numpy().copy() for k, v in res.items()}


def torch_lstm_cases(rng):
    bugs = {"order_ifog": LSTM_STEP_BUGS["order_ifog"], "swap_if": LSTM_STEP_BUGS["swap_if"],
            "g_sigmoid": LSTM_STEP_BUGS["g_sigmoid"], "no_tanh_c": LSTM_STEP_BUGS["no_tanh_c"],
            "no_bias": "the biases seem to be missing", "c_reset": "the cell state is not "
            "carried from step to step", "no_bias_hh": "bias_hh_l0 seems to be ignored: "
            "the gates use x W_ih^T + b_ih + h W_hh^T + b_hh"}
    cases = []
    for k in range(3):
        N, T, D, H = _dims(rng)
        weights = {"weight_ih_l0": _a(rng, 4 * H, D, scale=0.5),
                   "weight_hh_l0": _a(rng, 4 * H, H, scale=0.5),
                   "bias_ih_l0": _a(rng, 4 * H, scale=0.5), "bias_hh_l0": _a(rng, 4 * H, scale=0.5)}
        x = _a(rng, N, T, D)
        state = None if k == 0 else (_a(rng, 1, N, H), _a(rng, 1, N, H))
        G = (_a(rng, N, T, H), _a(rng, 1, N, H), _a(rng, 1, N, H))
        want = _torch_expected(D, H, weights, x, state, G)

        def fn(bug, w=weights, x=x, state=state, H=H):
            b = w["bias_ih_l0"] + (0 if bug == "no_bias_hh" else w["bias_hh_l0"])
            h0 = np.zeros((x.shape[0], H)) if state is None else state[0][0]
            c0 = np.zeros((x.shape[0], H)) if state is None else state[1][0]
            step_bug = None if bug == "no_bias_hh" else bug
            hs = V.lstm_seq(x, h0, w["weight_ih_l0"].T, w["weight_hh_l0"].T, b, c0,
                            bug=step_bug)[0]
            return {"out": hs}

        call = Call("@torch_lstm", ("LSTMFromScratch", D, H, weights, x, state, G),
                    ("class", "input_size", "hidden_size", "weights", "x", "state", "G"),
                    TORCH_OUT)
        cases.append(Case([call], {n: (0, i) for i, n in enumerate(TORCH_OUT)}, want,
                          _shapes(N=N, T=T, D=D, H=H) + (", state given" if state else
                                                         ", state=None"),
                          _variants(bugs, fn), 1e-6, 1e-9))
    return cases


# ------------------------------------------------------------------------------ the catalog
EXERCISES: dict[str, Exercise] = {e.id: e for e in [
    Exercise("ex01_rnn_forward", "RNN step and sequence forward", "03_rnn_model", [
        Part("rnn_step_forward", 5, rnn_step_forward_cases),
        Part("rnn_forward", 5, rnn_forward_cases),
    ], NUMPY_ONLY),
    Exercise("ex02_rnn_bptt", "Backprop through time for the RNN", "04_bptt", [
        Part("numerical_gradient", 2, numerical_gradient_cases),
        Part("rnn_step_backward", 4, rnn_step_backward_cases),
        Part("rnn_backward", 4, rnn_backward_cases),
    ], NUMPY_ONLY),
    Exercise("ex03_char_lm", "Char-level language model", "06_language_models", [
        Part("clip_gradients", 3, clip_gradients_cases),
        Part("sample", 4, sample_cases),
        Part("train_step", 3, train_step_cases),
    ], ON_REFERENCE,
        ("rnncourse.reference:sample*", "rnncourse.reference:clip*", "rnncourse.reference:sgd*",
         "rnncourse.reference:adam*", "rnncourse.reference:adagrad*",
         "rnncourse.reference:optim*")),
    Exercise("ex04_gru", "GRU step forward and backward", "08_gru", [
        Part("gru_step_forward", 5, gru_step_forward_cases),
        Part("gru_step_backward", 5, gru_step_backward_cases),
    ], NUMPY_ONLY),
    Exercise("ex05_lstm_step", "LSTM step forward and backward", "09_lstm", [
        Part("lstm_step_forward", 5, lstm_step_forward_cases),
        Part("lstm_step_backward", 5, lstm_step_backward_cases),
    ], NUMPY_ONLY),
    Exercise("ex06_lstm_sequence_tbptt", "LSTM over a sequence with truncated BPTT", "09_lstm", [
        Part("lstm_forward", 3, lstm_forward_cases),
        Part("lstm_backward", 4, lstm_backward_cases),
        Part("lstm_tbptt", 3, lstm_tbptt_cases),
    ], NUMPY_ONLY),
    Exercise("ex07_bidirectional_deep", "Bidirectional and stacked RNNs", "10_bidirectional", [
        Part("bidirectional_forward", 3, bidirectional_forward_cases),
        Part("bidirectional_backward", 2, bidirectional_backward_cases),
        Part("deep_forward", 3, deep_forward_cases),
        Part("deep_backward", 2, deep_backward_cases),
    ], ON_REFERENCE,
        ("rnncourse.reference:bidirectional*", "rnncourse.reference:deep*",
         "rnncourse.reference:stacked*")),
    Exercise("ex08_vanishing_gradients", "Vanishing gradients: RNN vs LSTM",
             "07_vanishing_gradients", [
        Part("grad_norms", 6, grad_norms_cases),
        Part("decay_factor", 4, decay_factor_cases),
    ], ("rnncourse.nn", "rnncourse.train", "rnncourse.analysis", "rnncourse.widgets",
        "rnncourse.figures")),
    Exercise("ex09_torch_lstm", "An LSTM module in PyTorch from its equations", "09_lstm", [
        Part("LSTMFromScratch", 10, torch_lstm_cases),
    ], ("rnncourse",),
        ("torch:LSTM", "torch:LSTMCell", "torch:lstm", "torch:lstm_cell", "torch:_VF")),
]}


def find_part(name: str) -> tuple[Exercise, Part]:
    """The exercise and part whose graded function is called ``name``."""
    for ex in EXERCISES.values():
        for part in ex.parts:
            if part.name == name:
                return ex, part
    known = ", ".join(p.name for e in EXERCISES.values() for p in e.parts)
    raise ValueError(f"unknown check name {name!r}; known names: {known}")
