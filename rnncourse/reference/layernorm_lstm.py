r"""Layer normalisation and the layer-normalised LSTM of Ba, Kiros & Hinton (2016).

Layer normalisation rescales one example's vector :math:`a \in \mathbb{R}^K` to zero mean and unit
variance across its K entries, then applies a learned gain γ (and shift β):

.. math::

    \mu = \tfrac{1}{K} \textstyle\sum_k a_k, \quad \sigma^2 = \tfrac{1}{K} \sum_k (a_k - \mu)^2,
    \quad \operatorname{LN}(a; \gamma, \beta)
    = \gamma \odot \frac{a - \mu}{\sqrt{\sigma^2 + \epsilon}} + \beta .

Unlike batch normalisation it needs no statistics over the batch or over time, so it applies at
every step of a recurrence unchanged. The layer-normalised LSTM normalises the input and the
recurrent contributions separately, and the cell before its output squashing (row vectors, gate
blocks ``[i, f, g, o]``; the shifts of the two gate normalisations are absorbed in b):

.. math::

    a_t &= \operatorname{LN}(x_t W_x; \gamma_x) + \operatorname{LN}(h_{t-1} W_h; \gamma_h) + b \\
    c_t &= \sigma(a_f) \odot c_{t-1} + \sigma(a_i) \odot \tanh(a_g) \\
    h_t &= \sigma(a_o) \odot \tanh(\operatorname{LN}(c_t; \gamma_c, \beta_c))

Parameters travel in a dict ``p`` with keys ``Wx`` (D, 4H), ``Wh`` (H, 4H), ``b`` (4H,), ``gx``
(4H,), ``gh`` (4H,), ``gc`` (H,), ``bc`` (H,); gradients come back in a dict with the same keys.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rnncourse._validation import Dims, check_cache, check_float_array, check_keys
from rnncourse.reference._base import Cache
from rnncourse.reference.layers import _sigmoid

__all__ = [
    "LN_EPS",
    "layer_norm_forward",
    "layer_norm_backward",
    "ln_lstm_step_forward",
    "ln_lstm_step_backward",
    "ln_lstm_forward",
    "ln_lstm_backward",
]

LN_EPS = 1e-5
PARAMS = ("Wx", "Wh", "b", "gx", "gh", "gc", "bc")


def layer_norm_forward(
    a: np.ndarray, gamma: np.ndarray, beta: np.ndarray | None = None, eps: float = LN_EPS
) -> tuple[np.ndarray, tuple]:
    """LN over the last axis: a (N, K), gamma (K,), beta (K,) or None -> out (N, K), cache."""
    mu = a.mean(axis=-1, keepdims=True)
    inv = 1.0 / np.sqrt(a.var(axis=-1, keepdims=True) + eps)
    a_hat = (a - mu) * inv
    out = a_hat * gamma if beta is None else a_hat * gamma + beta
    return out, (a_hat, inv, gamma)


def layer_norm_backward(
    dout: np.ndarray, cache: tuple
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients (da (N, K), dgamma (K,), dbeta (K,)) of :func:`layer_norm_forward`."""
    a_hat, inv, gamma = cache
    d_hat = dout * gamma
    # the mean and the variance depend on every entry: remove their two directions
    da = inv * (
        d_hat
        - d_hat.mean(axis=-1, keepdims=True)
        - a_hat * (d_hat * a_hat).mean(axis=-1, keepdims=True)
    )
    return da, (dout * a_hat).sum(axis=0), dout.sum(axis=0)


class LNLSTMStepCache(Cache):
    """Cache of :func:`ln_lstm_step_forward`."""

    __slots__ = ("x", "h_prev", "c_prev", "p", "ln_x", "ln_h", "ln_c", "gates", "tcn")
    producer = "ln_lstm_step_forward"

    def __init__(self, **kw: Any) -> None:
        for k, v in kw.items():
            setattr(self, k, v)


def _check_params(p: Any, dims: Dims) -> None:
    check_keys("p", p, PARAMS)
    check_float_array('p["Wh"]', p["Wh"], "(H, 4H)", dims)
    check_float_array('p["Wx"]', p["Wx"], "(D, 4H)", dims)
    for k in ("b", "gx", "gh"):
        check_float_array(f'p["{k}"]', p[k], "(4H,)", dims)
    for k in ("gc", "bc"):
        check_float_array(f'p["{k}"]', p[k], "(H,)", dims)


def ln_lstm_step_forward(
    x: np.ndarray, h_prev: np.ndarray, c_prev: np.ndarray, p: dict[str, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, LNLSTMStepCache]:
    """One step: x (N, D), h_prev (N, H), c_prev (N, H) -> h (N, H), c (N, H), cache."""
    dims = Dims()
    check_float_array("x", x, "(N, D)", dims)
    check_float_array("h_prev", h_prev, "(N, H)", dims)
    check_float_array("c_prev", c_prev, "(N, H)", dims)
    _check_params(p, dims)
    return _ln_lstm_step_forward(x, h_prev, c_prev, p)


def _ln_lstm_step_forward(x, h_prev, c_prev, p):
    """:func:`ln_lstm_step_forward` without the argument checks (what the sequence loop calls)."""
    H = h_prev.shape[1]
    zx, ln_x = layer_norm_forward(x @ p["Wx"], p["gx"])
    zh, ln_h = layer_norm_forward(h_prev @ p["Wh"], p["gh"])
    a = zx + zh + p["b"]
    gates = np.concatenate(
        [_sigmoid(a[:, : 2 * H]), np.tanh(a[:, 2 * H : 3 * H]), _sigmoid(a[:, 3 * H :])], axis=1
    )
    i, f, g, o = (gates[:, k * H : (k + 1) * H] for k in range(4))
    c = f * c_prev + i * g
    cn, ln_c = layer_norm_forward(c, p["gc"], p["bc"])
    tcn = np.tanh(cn)
    h = o * tcn
    cache = LNLSTMStepCache(
        x=x,
        h_prev=h_prev,
        c_prev=c_prev,
        p=p,
        ln_x=ln_x,
        ln_h=ln_h,
        ln_c=ln_c,
        gates=gates,
        tcn=tcn,
    )
    return h, c, cache


def ln_lstm_step_backward(
    dh: np.ndarray, dc: np.ndarray, cache: LNLSTMStepCache
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Backward of one step: dh, dc (N, H) -> dx (N, D), dh_prev, dc_prev (N, H), grads dict."""
    check_cache(cache, LNLSTMStepCache, LNLSTMStepCache.producer)
    return _ln_lstm_step_backward(dh, dc, cache)


def _ln_lstm_step_backward(dh, dc, cache):
    """:func:`ln_lstm_step_backward` without the argument checks."""
    H = cache.h_prev.shape[1]
    i, f, g, o = (cache.gates[:, k * H : (k + 1) * H] for k in range(4))
    do = dh * cache.tcn
    dcn = dh * o * (1 - cache.tcn**2)
    dc_ln, dgc, dbc = layer_norm_backward(dcn, cache.ln_c)
    dc = dc + dc_ln  # total dL/dc_t
    da = np.concatenate(
        [
            dc * g * i * (1 - i),
            dc * cache.c_prev * f * (1 - f),
            dc * i * (1 - g**2),
            do * o * (1 - o),
        ],
        axis=1,
    )
    dzx, dgx, _ = layer_norm_backward(da, cache.ln_x)
    dzh, dgh, _ = layer_norm_backward(da, cache.ln_h)
    p = cache.p
    grads = {
        "Wx": cache.x.T @ dzx,
        "Wh": cache.h_prev.T @ dzh,
        "b": da.sum(axis=0),
        "gx": dgx,
        "gh": dgh,
        "gc": dgc,
        "bc": dbc,
    }
    return dzx @ p["Wx"].T, dzh @ p["Wh"].T, dc * f, grads


class LNLSTMCache(Cache):
    """Cache of :func:`ln_lstm_forward`: one step cache per time step."""

    __slots__ = ("steps", "h")
    producer = "ln_lstm_forward"

    def __init__(self, steps: list, h: np.ndarray) -> None:
        self.steps, self.h = steps, h


def ln_lstm_forward(
    x: np.ndarray, h0: np.ndarray, p: dict[str, np.ndarray]
) -> tuple[np.ndarray, LNLSTMCache]:
    """Whole sequence: x (N, T, D), h0 (N, H) -> h (N, T, H), cache (the initial cell is 0)."""
    dims = Dims()
    check_float_array("x", x, "(N, T, D)", dims)
    check_float_array("h0", h0, "(N, H)", dims)
    _check_params(p, dims)  # once: the steps are not checked
    N, T, _ = x.shape
    h_prev, c_prev = h0, np.zeros_like(h0)
    h = np.empty((N, T, h0.shape[1]), dtype=np.result_type(x, h0))
    steps = []
    for t in range(T):
        h_prev, c_prev, step = _ln_lstm_step_forward(x[:, t], h_prev, c_prev, p)
        h[:, t] = h_prev
        steps.append(step)
    return h, LNLSTMCache(steps, h)


def ln_lstm_backward(
    dh: np.ndarray, cache: LNLSTMCache
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Backward of the sequence: dh (N, T, H) -> dx (N, T, D), dh0 (N, H), grads dict."""
    check_cache(cache, LNLSTMCache, LNLSTMCache.producer)
    N, T, H = cache.h.shape
    check_float_array("dh", dh, "(N, T, H)", Dims(N=N, T=T, H=H))
    grads = {k: np.zeros_like(v) for k, v in cache.steps[0].p.items() if k in PARAMS}
    dx = np.empty((N, T, cache.steps[0].x.shape[1]), np.result_type(dh, cache.h))
    dh_next, dc_next = np.zeros((N, H), dh.dtype), np.zeros((N, H), dh.dtype)
    for t in reversed(range(T)):
        dx[:, t], dh_next, dc_next, g = _ln_lstm_step_backward(
            dh[:, t] + dh_next, dc_next, cache.steps[t]
        )
        for k in grads:
            grads[k] += g[k]
    return dx, dh_next, grads
