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


def _unroll(x, h, c, Wx, Wh, b):
    hs, memo = [], []
    for xt in np.moveaxis(x, 1, 0):
        h, c, s = lstm_step_forward(xt, h, c, Wx, Wh, b)
        hs.append(h)
        memo.append(s)
    return np.stack(hs, axis=1).astype(x.dtype), h, c, memo


def _backprop(dh, memo):
    N, T, H = dh.shape
    gh = gc = np.zeros((N, H))
    dxs, gW = [], [0, 0, 0]
    for t in reversed(range(T)):
        dxt, gh, gc, a, bb, cc = lstm_step_backward(dh[:, t] + gh, gc, memo[t])
        dxs.append(dxt)
        gW = [gW[0] + a, gW[1] + bb, gW[2] + cc]
    return np.stack(dxs[::-1], axis=1), gh, gW


def lstm_forward(x, h0, Wx, Wh, b):
    h, _, _, memo = _unroll(x, h0, np.zeros_like(h0), Wx, Wh, b)
    return h, memo


def lstm_backward(dh, cache):
    dx, dh0, (dWx, dWh, db) = _backprop(dh, cache)
    return dx, dh0, dWx, dWh, db


def lstm_tbptt(x, h0, Wx, Wh, b, dh, k):
    h, c = h0, np.zeros_like(h0)
    pieces, acc = [], [0, 0, 0]
    for s in range(0, x.shape[1], k):
        hs, h, c, memo = _unroll(x[:, s : s + k], h, c, Wx, Wh, b)
        pieces.append(hs)
        _, _, g = _backprop(dh[:, s : s + k], memo)
        acc = [p + q for p, q in zip(acc, g, strict=False)]
    return (np.concatenate(pieces, axis=1), *acc)
