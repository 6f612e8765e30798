import numpy as np


def sigmoid(a):
    """Logistic function that does not overflow for large |a|."""
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1 / (1 + e), e / (1 + e))


def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
    H = h_prev.shape[1]
    acts = []
    for k, squash in enumerate((sigmoid, sigmoid, np.tanh, sigmoid)):
        cols = slice(k * H, (k + 1) * H)
        acts.append(squash(x @ Wx[:, cols] + h_prev @ Wh[:, cols] + b[cols]))
    i, f, g, o = acts
    c = f * c_prev + i * g
    h = o * np.tanh(c)
    return h, c, (x, h_prev, c_prev, Wx, Wh, acts, c)


def lstm_step_backward(dh, dc, cache):
    x, h_prev, c_prev, Wx, Wh, (i, f, g, o), c = cache
    tanh_c = np.tanh(c)
    dc_total = dc + dh * o * (1 - tanh_c**2)
    pieces = [
        dc_total * g * i * (1 - i),
        dc_total * c_prev * f * (1 - f),
        dc_total * i * (1 - g**2),
        dh * tanh_c * o * (1 - o),
    ]
    da = np.concatenate(pieces, axis=1)
    return da @ Wx.T, da @ Wh.T, dc_total * f, x.T @ da, h_prev.T @ da, da.sum(axis=0)
