import numpy as np


def sigmoid(a):
    """Logistic function that does not overflow for large |a|."""
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1 / (1 + e), e / (1 + e))


def _gates(pre):
    a_i, a_f, a_g, a_o = np.split(pre, 4, axis=1)
    return sigmoid(a_i), sigmoid(a_f), np.tanh(a_g), sigmoid(a_o)


def _cell(i, f, g, c_prev):
    return f * c_prev + i * g


def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
    i, f, g, o = _gates(x @ Wx + h_prev @ Wh + b)
    c = _cell(i, f, g, c_prev)
    return o * np.tanh(c), c, [x, h_prev, c_prev, Wx, Wh, i, f, g, o, c]


def _sig_back(s, up):
    return up * s * (1 - s)


def _tanh_back(t, up):
    return up * (1 - t**2)


def lstm_step_backward(dh, dc, cache):
    x, h_prev, c_prev, Wx, Wh, i, f, g, o, c = cache
    tc = np.tanh(c)
    dcell = dc + _tanh_back(tc, dh * o)
    da = np.hstack(
        [
            _sig_back(i, dcell * g),
            _sig_back(f, dcell * c_prev),
            _tanh_back(g, dcell * i),
            _sig_back(o, dh * tc),
        ]
    )
    return da @ Wx.T, da @ Wh.T, dcell * f, x.T @ da, h_prev.T @ da, da.sum(0)
