import numpy as np


def sigmoid(a):
    """Logistic function that does not overflow for large |a|."""
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1 / (1 + e), e / (1 + e))


def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
    pre = x @ Wx + h_prev @ Wh + b
    H = pre.shape[1] // 4
    ifo = sigmoid(pre[:, np.r_[0 : 2 * H, 3 * H : 4 * H]])
    g = np.tanh(pre[:, 2 * H : 3 * H])
    i, f, o = ifo[:, :H], ifo[:, H : 2 * H], ifo[:, 2 * H :]
    c = c_prev * f + g * i
    t = np.tanh(c)
    return t * o, c, {"in": (x, h_prev, c_prev), "W": (Wx, Wh), "gates": (i, f, g, o), "t": t}


def lstm_step_backward(dh, dc, cache):
    x, h_prev, c_prev = cache["in"]
    Wx, Wh = cache["W"]
    i, f, g, o = cache["gates"]
    t = cache["t"]
    s = dc + dh * o * (1.0 - t * t)
    grad_pre = np.empty((x.shape[0], 4 * i.shape[1]))
    H = i.shape[1]
    grad_pre[:, :H] = s * g * i * (1 - i)
    grad_pre[:, H : 2 * H] = s * c_prev * f * (1 - f)
    grad_pre[:, 2 * H : 3 * H] = s * i * (1 - g * g)
    grad_pre[:, 3 * H :] = dh * t * o * (1 - o)
    dWx = np.einsum("nd,nk->dk", x, grad_pre)
    dWh = np.einsum("nh,nk->hk", h_prev, grad_pre)
    return grad_pre @ Wx.T, grad_pre @ Wh.T, s * f, dWx, dWh, grad_pre.sum(0)
