"""Small NumPy implementations of the exercise functions with switchable, deliberate mistakes.

The checker computes the output of each known mistake on the same inputs as the learner; when the
learner's output matches one of them, the feedback names the mistake. ``bug=None`` is the correct
computation (tests compare it with :mod:`rnncourse.reference`). The expected values used for
scoring come from :mod:`rnncourse.reference`, never from this module.
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray


def sigmoid(x: Array) -> Array:
    """Numerically stable logistic function (no overflow for large ``|x|``)."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(x.dtype, copy=False)


def softmax_rows(s: Array) -> Array:
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


# ----------------------------------------------------------------------------------------- RNN
def rnn_step(x: Array, h: Array, Wx: Array, Wh: Array, b: Array, bug: str | None = None) -> Array:
    """One tanh RNN step; bugs: no_bias, sigmoid, relu, no_hprev, Wh_T (h_prev @ Wh.T)."""
    Wh = Wh.T if bug == "Wh_T" else Wh
    a = x @ Wx + (0 if bug == "no_hprev" else h @ Wh) + (0 if bug == "no_bias" else b)
    if bug == "sigmoid":
        return sigmoid(a)
    if bug == "relu":
        return np.maximum(a, 0)
    return np.tanh(a)


def rnn_seq(x: Array, h0: Array, Wx: Array, Wh: Array, b: Array, bug: str | None = None) -> Array:
    """All hidden states (N, T, H); bugs: off_by_one, h0_ignored, and the step bugs."""
    N, T, _ = x.shape
    h = np.zeros_like(h0) if bug == "h0_ignored" else h0
    out = np.zeros((N, T, h0.shape[1]), dtype=x.dtype)
    for t in range(T):
        new = rnn_step(x[:, t], h, Wx, Wh, b, bug)
        out[:, t] = h if bug == "off_by_one" else new
        h = new
    return out


def rnn_step_grads(dh, x, h_prev, Wx, Wh, b, bug=None):
    """(dx, dh_prev, dWx, dWh, db) of one step; bugs: one_minus_h, no_tanh_deriv, sigmoid_deriv."""
    h = rnn_step(x, h_prev, Wx, Wh, b)
    if bug == "one_minus_h":
        da = dh * (1 - h)
    elif bug == "no_tanh_deriv":
        da = dh
    elif bug == "sigmoid_deriv":
        da = dh * h * (1 - h)
    else:
        da = dh * (1 - h**2)
    return da @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da, da.sum(axis=0)


def rnn_seq_grads(dh, x, h0, Wx, Wh, b, bug=None):
    """(dx, dh0, dWx, dWh, db) of a sequence; bugs: no_carry, no_accum, skip_t0."""
    N, T, _ = x.shape
    hs = rnn_seq(x, h0, Wx, Wh, b)
    prev = np.concatenate([h0[:, None], hs[:, :-1]], axis=1)
    dx = np.zeros_like(x)
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)
    carry = np.zeros_like(h0)
    stop = 0 if bug == "skip_t0" else -1
    for t in range(T - 1, stop, -1):
        upstream = dh[:, t] if bug == "no_carry" else dh[:, t] + carry
        dx[:, t], carry, gWx, gWh, gb = rnn_step_grads(upstream, x[:, t], prev[:, t], Wx, Wh, b)
        if bug == "no_accum":
            dWx, dWh, db = gWx, gWh, gb
        else:
            dWx, dWh, db = dWx + gWx, dWh + gWh, db + gb
    return dx, carry, dWx, dWh, db


# ----------------------------------------------------------------------------------------- GRU
def gru_step(x, h, Wx, Wh, b, bh, bug=None):
    """Torch-semantics GRU step; bugs: swap_rz, z_flipped, reset_before, no_bh, no_b, n_sigmoid."""
    H = h.shape[1]
    bh = np.zeros_like(b) if bug == "no_bh" else bh
    a = x @ Wx + (0 if bug == "no_b" else b)
    hh = h @ Wh + bh
    r = sigmoid(a[:, :H] + hh[:, :H])
    z = sigmoid(a[:, H : 2 * H] + hh[:, H : 2 * H])
    if bug == "swap_rz":
        r, z = z, r
    if bug == "reset_before":
        inner = (r * h) @ Wh[:, 2 * H :] + bh[2 * H :]
    else:
        inner = r * hh[:, 2 * H :]
    n = (sigmoid if bug == "n_sigmoid" else np.tanh)(a[:, 2 * H :] + inner)
    if bug == "z_flipped":
        return z * n + (1 - z) * h
    return (1 - z) * n + z * h


def gru_step_grads(dh, x, h, Wx, Wh, b, bh, bug=None):
    """(dx, dh_prev, dWx, dWh, db, dbh); bugs: no_direct, no_r_in_dhn."""
    H = h.shape[1]
    a = x @ Wx + b
    hh = h @ Wh + bh
    r = sigmoid(a[:, :H] + hh[:, :H])
    z = sigmoid(a[:, H : 2 * H] + hh[:, H : 2 * H])
    n = np.tanh(a[:, 2 * H :] + r * hh[:, 2 * H :])
    dn = dh * (1 - z) * (1 - n**2)
    dz = dh * (h - n) * z * (1 - z)
    dr = dn * hh[:, 2 * H :] * r * (1 - r)
    dA = np.concatenate([dr, dz, dn], axis=1)
    dHH = np.concatenate([dr, dz, dn if bug == "no_r_in_dhn" else dn * r], axis=1)
    dh_prev = dHH @ Wh.T + (0 if bug == "no_direct" else dh * z)
    return dA @ Wx.T, dh_prev, x.T @ dA, h.T @ dHH, dA.sum(0), dHH.sum(0)


# ---------------------------------------------------------------------------------------- LSTM
def _lstm_gates(x, h, Wx, Wh, b, bug=None):
    H = h.shape[1]
    a = x @ Wx + h @ Wh + (0 if bug == "no_bias" else b)
    blocks = [a[:, k * H : (k + 1) * H] for k in range(4)]
    if bug == "swap_if":
        blocks = [blocks[1], blocks[0], blocks[2], blocks[3]]
    if bug == "order_ifog":
        blocks = [blocks[0], blocks[1], blocks[3], blocks[2]]
    ai, af, ag, ao = blocks
    g = sigmoid(ag) if bug == "g_sigmoid" else np.tanh(ag)
    return sigmoid(ai), sigmoid(af), g, sigmoid(ao)


def lstm_step(x, h, c, Wx, Wh, b, bug=None):
    """(h, c); bugs: swap_if, order_ifog, g_sigmoid, no_tanh_c, no_bias."""
    i, f, g, o = _lstm_gates(x, h, Wx, Wh, b, bug)
    c_new = f * c + i * g
    return (o * c_new if bug == "no_tanh_c" else o * np.tanh(c_new)), c_new


def lstm_step_grads(dh, dc, x, h, c, Wx, Wh, b, bug=None):
    """(dx, dh_prev, dc_prev, dWx, dWh, db).

    Bugs: ignore_dc, ignore_dh (only dc flows back), no_tanh_deriv_c, dc_prev_no_f,
    g_sigmoid_deriv (g * (1 - g) instead of 1 - g**2), swap_if_back (the i and f blocks of da
    exchanged).
    """
    i, f, g, o = _lstm_gates(x, h, Wx, Wh, b)
    c_new = f * c + i * g
    tc = np.tanh(c_new)
    dh = np.zeros_like(dh) if bug == "ignore_dh" else dh
    do = dh * tc
    through_h = dh * o if bug == "no_tanh_deriv_c" else dh * o * (1 - tc**2)
    dct = through_h if bug == "ignore_dc" else dc + through_h
    dg = g * (1 - g) if bug == "g_sigmoid_deriv" else 1 - g**2
    di, df = dct * g * i * (1 - i), dct * c * f * (1 - f)
    if bug == "swap_if_back":
        di, df = df, di
    da = np.concatenate([di, df, dct * i * dg, do * o * (1 - o)], axis=1)
    dc_prev = dct if bug == "dc_prev_no_f" else dct * f
    return da @ Wx.T, da @ Wh.T, dc_prev, x.T @ da, h.T @ da, da.sum(0)


def lstm_seq(x, h0, Wx, Wh, b, c0=None, bug=None):
    """(hs (N,T,H), cs (N,T,H)); bugs: off_by_one, c_reset, h0_ignored, step bugs."""
    N, T, _ = x.shape
    h = np.zeros_like(h0) if bug == "h0_ignored" else h0
    c = np.zeros_like(h0) if c0 is None else c0
    hs = np.zeros((N, T, h0.shape[1]), dtype=x.dtype)
    cs = np.zeros_like(hs)
    for t in range(T):
        if bug == "c_reset":
            c = np.zeros_like(h0)
        h_new, c = lstm_step(x[:, t], h, c, Wx, Wh, b, bug)
        hs[:, t] = h if bug == "off_by_one" else h_new
        cs[:, t] = c
        h = h_new
    return hs, cs


def lstm_seq_grads(dh, x, h0, Wx, Wh, b, c0=None, bug=None, chunk=None, dcT=None):
    """(dx, dh0, dc0, dWx, dWh, db) of ``sum(dh * hs)`` (+ ``sum(dcT * c_T)``).

    ``chunk`` truncates back-propagation: carried gradients are zeroed at chunk boundaries.
    Bugs: no_carry (dh from the next step forgotten), no_accum, no_dc_carry.
    """
    N, T, _ = x.shape
    c0 = np.zeros_like(h0) if c0 is None else c0
    hs, cs = lstm_seq(x, h0, Wx, Wh, b, c0)
    hprev = np.concatenate([h0[:, None], hs[:, :-1]], axis=1)
    cprev = np.concatenate([c0[:, None], cs[:, :-1]], axis=1)
    dx = np.zeros_like(x)
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)
    dh_next = np.zeros_like(h0)
    dc_next = np.zeros_like(h0) if dcT is None else dcT
    for t in range(T - 1, -1, -1):
        if chunk is not None and (t + 1) % chunk == 0 and t != T - 1:
            dh_next, dc_next = np.zeros_like(h0), np.zeros_like(h0)
        up = dh[:, t] if bug == "no_carry" else dh[:, t] + dh_next
        dcin = np.zeros_like(h0) if bug == "no_dc_carry" else dc_next
        dx[:, t], dh_next, dc_next, gWx, gWh, gb = lstm_step_grads(
            up, dcin, x[:, t], hprev[:, t], cprev[:, t], Wx, Wh, b
        )
        if bug == "no_accum":
            dWx, dWh, db = gWx, gWh, gb
        else:
            dWx, dWh, db = dWx + gWx, dWh + gWh, db + gb
    return dx, dh_next, dc_next, dWx, dWh, db


def lstm_tbptt(x, h0, Wx, Wh, b, dh, k, bug=None):
    """Truncated BPTT in chunks of ``k``: (hs, dWx, dWh, db).

    Bugs: full_bptt, state_reset, no_accum.
    """
    if bug == "full_bptt":
        hs, _ = lstm_seq(x, h0, Wx, Wh, b)
        _, _, _, dWx, dWh, db = lstm_seq_grads(dh, x, h0, Wx, Wh, b)
        return hs, dWx, dWh, db
    T = x.shape[1]
    h, c = h0, np.zeros_like(h0)
    outs, total = [], None
    for s in range(0, T, k):
        if bug == "state_reset":
            h, c = h0, np.zeros_like(h0)
        xs = x[:, s : s + k]
        hs, cs = lstm_seq(xs, h, Wx, Wh, b, c)
        grads = lstm_seq_grads(dh[:, s : s + k], xs, h, Wx, Wh, b, c)[3:]
        if total is None or bug == "no_accum":
            total = grads
        else:
            total = tuple(a + g for a, g in zip(total, grads, strict=True))
        outs.append(hs)
        h, c = hs[:, -1], cs[:, -1]
    return (np.concatenate(outs, axis=1), *total)


# ------------------------------------------------------------------------- vanishing gradients
def grad_norms(cell, x, h0, params, g, bug=None):
    """‖∂L/∂h_t‖ for L = sum(g * h_{T-1}); bugs: reversed, ignore_dc (LSTM), no_chain."""
    Wx, Wh, b = params["Wx"], params["Wh"], params["b"]
    T = x.shape[1]
    norms = np.zeros(T)
    dh = g
    norms[T - 1] = np.linalg.norm(dh)
    if cell == "rnn":
        hs = rnn_seq(x, h0, Wx, Wh, b)
        prev = np.concatenate([h0[:, None], hs[:, :-1]], axis=1)
        for t in range(T - 1, 0, -1):
            dh = rnn_step_grads(dh, x[:, t], prev[:, t], Wx, Wh, b)[1]
            norms[t - 1] = np.linalg.norm(dh)
    else:
        hs, cs = lstm_seq(x, h0, Wx, Wh, b)
        hprev = np.concatenate([h0[:, None], hs[:, :-1]], axis=1)
        cprev = np.concatenate([np.zeros_like(h0)[:, None], cs[:, :-1]], axis=1)
        dc = np.zeros_like(h0)
        for t in range(T - 1, 0, -1):
            dcin = np.zeros_like(h0) if bug == "ignore_dc" else dc
            _, dh, dc, _, _, _ = lstm_step_grads(
                dh, dcin, x[:, t], hprev[:, t], cprev[:, t], Wx, Wh, b
            )
            norms[t - 1] = np.linalg.norm(dh)
    return norms[::-1].copy() if bug == "reversed" else norms


def decay_factor(norms, bug=None):
    """Per-step factor exp(slope) of a line fitted to log(norms); bugs: no_log, slope."""
    t = np.arange(len(norms), dtype=float)
    if bug == "no_log":
        return float(np.exp(np.polyfit(t, norms, 1)[0]))
    slope = float(np.polyfit(t, np.log(norms), 1)[0])
    return slope if bug == "slope" else float(np.exp(slope))


# ------------------------------------------------------------------------------ char-level LM
def numerical_gradient(f, x, h=1e-5, bug=None):
    """Central differences of scalar ``f`` at ``x``; bugs: forward_difference, over_h."""
    grad = np.zeros_like(x)
    base = f(x) if bug == "forward_difference" else None
    for idx in np.ndindex(*x.shape):
        old = x[idx]
        x[idx] = old + h
        plus = f(x)
        x[idx] = old - h
        minus = f(x)
        x[idx] = old
        if bug == "forward_difference":
            grad[idx] = (plus - base) / h
        elif bug == "over_h":
            grad[idx] = (plus - minus) / h
        else:
            grad[idx] = (plus - minus) / (2 * h)
    return grad


def clip(grads, max_value, bug=None):
    """Element-wise clipping into [-max_value, max_value]; bugs: upper_only, none, by_norm."""
    if bug == "none":
        return {k: v.copy() for k, v in grads.items()}
    if bug == "upper_only":
        return {k: np.minimum(v, max_value) for k, v in grads.items()}
    if bug == "by_norm":
        norm = np.sqrt(sum(float(np.sum(v**2)) for v in grads.values()))
        scale = min(1.0, max_value / max(norm, 1e-12))
        return {k: v * scale for k, v in grads.items()}
    return {k: np.clip(v, -max_value, max_value) for k, v in grads.items()}


def sample(params, start_ix, end_ix, max_len, rng, bug=None):
    """Indices sampled from a one-layer tanh RNN LM; bugs: argmax, no_feedback, no_hidden,
    with_start, past_end."""
    Wx, Wh, b, Wy, by = (params[k] for k in ("Wx", "Wh", "b", "Wy", "by"))
    V, H = Wx.shape
    h = np.zeros((1, H))
    ix = start_ix
    out = [start_ix] if bug == "with_start" else []
    while len(out) < max_len + (bug == "with_start"):
        x = np.zeros((1, V))
        x[0, start_ix if bug == "no_feedback" else ix] = 1
        h_new = np.tanh(x @ Wx + h @ Wh + b)
        h = np.zeros_like(h) if bug == "no_hidden" else h_new
        p = softmax_rows(h_new @ Wy + by).ravel()
        ix = int(np.argmax(p)) if bug == "argmax" else int(rng.choice(V, p=p))
        out.append(ix)
        if ix == end_ix and bug != "past_end":
            break
    return out
