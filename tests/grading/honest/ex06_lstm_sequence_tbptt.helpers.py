import numpy as np


def sigmoid(a):
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1 / (1 + e), e / (1 + e))


# Given: the step functions of exercise 5.
def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
    H = h_prev.shape[1]
    a = x @ Wx + h_prev @ Wh + b
    i, f = sigmoid(a[:, :H]), sigmoid(a[:, H : 2 * H])
    g, o = np.tanh(a[:, 2 * H : 3 * H]), sigmoid(a[:, 3 * H :])
    c = f * c_prev + i * g
    tc = np.tanh(c)
    return o * tc, c, (x, h_prev, c_prev, Wx, Wh, i, f, g, o, tc)


def lstm_step_backward(dh, dc, cache):
    x, h_prev, c_prev, Wx, Wh, i, f, g, o, tc = cache
    dct = dc + dh * o * (1 - tc**2)
    da = np.concatenate(
        [
            dct * g * i * (1 - i),
            dct * c_prev * f * (1 - f),
            dct * i * (1 - g**2),
            dh * tc * o * (1 - o),
        ],
        axis=1,
    )
    return da @ Wx.T, da @ Wh.T, dct * f, x.T @ da, h_prev.T @ da, da.sum(axis=0)


class _Grads:
    def __init__(self, Wx, Wh, b):
        self.values = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]

    def add(self, *g):
        for acc, new in zip(self.values, g, strict=False):
            acc += new


def _forward_chunk(xs, state, params, out, offset):
    h, c = state
    kept = []
    for j in range(xs.shape[1]):
        h, c, cache = lstm_step_forward(xs[:, j], h, c, *params)
        out[:, offset + j] = h
        kept.append(cache)
    return (h, c), kept


def _backward_chunk(dhs, kept, grads, dx=None, offset=0):
    gh = np.zeros_like(dhs[:, 0])
    gc = np.zeros_like(gh)
    for j in range(len(kept) - 1, -1, -1):
        dxj, gh, gc, *g = lstm_step_backward(dhs[:, j] + gh, gc, kept[j])
        grads.add(*g)
        if dx is not None:
            dx[:, offset + j] = dxj
    return gh


def lstm_forward(x, h0, Wx, Wh, b):
    out = np.zeros(x.shape[:2] + (h0.shape[1],), dtype=x.dtype)
    _, kept = _forward_chunk(x, (h0, np.zeros_like(h0)), (Wx, Wh, b), out, 0)
    return out, (kept, x.shape[2], (Wx, Wh, b))


def lstm_backward(dh, cache):
    kept, D, params = cache
    dx = np.zeros(dh.shape[:2] + (D,))
    grads = _Grads(*params)
    dh0 = _backward_chunk(dh, kept, grads, dx)
    return (dx, dh0, *grads.values)


def lstm_tbptt(x, h0, Wx, Wh, b, dh, k):
    out = np.zeros(x.shape[:2] + (h0.shape[1],), dtype=x.dtype)
    state, grads = (h0, np.zeros_like(h0)), _Grads(Wx, Wh, b)
    for s in range(0, x.shape[1], k):
        state, kept = _forward_chunk(x[:, s : s + k], state, (Wx, Wh, b), out, s)
        _backward_chunk(dh[:, s : s + k], kept, grads)
    return (out, *grads.values)
