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
    out = np.empty_like(x, dtype=float)
    it = np.nditer(x, flags=["multi_index"])
    while not it.finished:
        i = it.multi_index
        x0 = float(x[i])
        vals = []
        for s in (+1.0, -1.0):
            x[i] = x0 + s * h
            vals.append(f(x))
        x[i] = x0
        out[i] = (vals[0] - vals[1]) / (h + h)
        it.iternext()
    return out


def rnn_step_backward(dh, cache):
    x, h_prev, Wx, Wh, h = cache
    local = (1 - np.square(h)) * dh
    dWx = np.einsum("nd,nh->dh", x, local)
    dWh = np.einsum("nk,nh->kh", h_prev, local)
    return local @ Wx.T, local @ Wh.T, dWx, dWh, np.sum(local, axis=0)


def rnn_backward(dh, cache):
    xs = np.stack([c[0] for c in cache], axis=1)
    hprev = np.stack([c[1] for c in cache], axis=1)
    hs = np.stack([c[4] for c in cache], axis=1)
    Wx, Wh = cache[0][2], cache[0][3]
    dz = np.zeros_like(hs)
    g = np.zeros_like(hs[:, 0])
    for t in range(hs.shape[1] - 1, -1, -1):
        dz[:, t] = (dh[:, t] + g) * (1 - hs[:, t] ** 2)
        g = dz[:, t] @ Wh.T
    dWx = np.tensordot(xs, dz, axes=([0, 1], [0, 1]))
    dWh = np.tensordot(hprev, dz, axes=([0, 1], [0, 1]))
    return dz @ Wx.T, g, dWx, dWh, dz.sum(axis=(0, 1))
