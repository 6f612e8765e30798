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


def lstm_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    out = np.zeros((N, T, h0.shape[1]), dtype=x.dtype)
    h, c = h0, np.zeros_like(h0)
    steps = []
    for t in range(T):
        h, c, s = lstm_step_forward(x[:, t], h, c, Wx, Wh, b)
        out[:, t] = h
        steps.append(s)
    return out, {"steps": steps, "D": D}


def lstm_backward(dh, cache):
    steps = cache["steps"]
    N, T, H = dh.shape
    dx = np.zeros((N, T, cache["D"]))
    grads = None
    g_h, g_c = np.zeros((N, H)), np.zeros((N, H))
    for t in range(T - 1, -1, -1):
        dx_t, g_h, g_c, *g = lstm_step_backward(dh[:, t] + g_h, g_c, steps[t])
        dx[:, t] = dx_t
        grads = g if grads is None else [a + b for a, b in zip(grads, g, strict=False)]
    return (dx, g_h, *grads)


def lstm_tbptt(x, h0, Wx, Wh, b, dh, k):
    N, T, _ = x.shape
    H = h0.shape[1]
    outs = np.zeros((N, T, H), dtype=x.dtype)
    totals = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
    h, c = h0, np.zeros((N, H))
    start = 0
    while start < T:
        stop = min(start + k, T)
        memo = []
        for t in range(start, stop):
            h, c, s = lstm_step_forward(x[:, t], h, c, Wx, Wh, b)
            outs[:, t] = h
            memo.append(s)
        gh, gc = np.zeros((N, H)), np.zeros((N, H))
        for t in range(stop - 1, start - 1, -1):
            _, gh, gc, gWx, gWh, gb = lstm_step_backward(dh[:, t] + gh, gc, memo[t - start])
            totals[0] += gWx
            totals[1] += gWh
            totals[2] += gb
        start = stop
    return (outs, *totals)
