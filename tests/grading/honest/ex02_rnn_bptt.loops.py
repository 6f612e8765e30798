import numpy as np


def rnn_step_forward(x, h_prev, Wx, Wh, b):
    h = np.tanh(x @ Wx + h_prev @ Wh + b)
    return h, (x, h_prev, Wx, Wh, h)


def rnn_forward(x, h0, Wx, Wh, b):
    N, T, _ = x.shape
    h = np.zeros((N, T, h0.shape[1]), dtype=x.dtype)
    caches, state = [], h0
    for t in range(T):
        state, cache = rnn_step_forward(x[:, t], state, Wx, Wh, b)
        h[:, t] = state
        caches.append(cache)
    return h, caches


def numerical_gradient(f, x, h=1e-5):
    g = np.zeros(x.shape)
    flat, gflat = x.reshape(-1), g.reshape(-1)
    for i in range(flat.size):
        keep = flat[i]
        flat[i] = keep + h
        up = f(x)
        flat[i] = keep - h
        down = f(x)
        flat[i] = keep
        gflat[i] = (up - down) / (2 * h)
    return g


def rnn_step_backward(dh, cache):
    x, h_prev, Wx, Wh, h = cache
    dz = dh * (1.0 - h * h)
    return dz @ Wx.T, dz @ Wh.T, x.T @ dz, h_prev.T @ dz, dz.sum(0)


def rnn_backward(dh, cache):
    T = len(cache)
    carry = np.zeros_like(dh[:, 0])
    dx = [None] * T
    dWx = dWh = db = 0
    for t in reversed(range(T)):
        dx[t], carry, gx, gh, gb = rnn_step_backward(dh[:, t] + carry, cache[t])
        dWx = dWx + gx
        dWh = dWh + gh
        db = db + gb
    return np.stack(dx, axis=1), carry, dWx, dWh, db
