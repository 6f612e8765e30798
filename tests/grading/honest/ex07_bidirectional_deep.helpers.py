import numpy as np

from rnncourse.reference import (
    gru_backward,
    gru_forward,
    lstm_backward,
    lstm_forward,
    rnn_backward,
    rnn_forward,
)


# Given: one recurrent layer of any cell, forward and backward.
def cell_forward(cell, x, h0, p):
    if cell == "rnn":
        return rnn_forward(x, h0, p["Wx"], p["Wh"], p["b"])
    if cell == "gru":
        return gru_forward(x, h0, p["Wx"], p["Wh"], p["b"], p.get("bh"))
    return lstm_forward(x, h0, p["Wx"], p["Wh"], p["b"])


def cell_backward(cell, dh, cache):
    if cell == "gru":
        dx, dh0, dWx, dWh, db, dbh = gru_backward(dh, cache)
        return dx, dh0, {"Wx": dWx, "Wh": dWh, "b": db, "bh": dbh}
    dx, dh0, dWx, dWh, db = (rnn_backward if cell == "rnn" else lstm_backward)(dh, cache)
    return dx, dh0, {"Wx": dWx, "Wh": dWh, "b": db}


def _flip(a):
    return np.ascontiguousarray(a[:, ::-1])


def _split_halves(a):
    H = a.shape[-1] // 2
    return np.ascontiguousarray(a[..., :H]), np.ascontiguousarray(a[..., H:])


def _direction(cell, x, h0, p, reverse):
    h, c = cell_forward(cell, _flip(x) if reverse else x, h0, p)
    return (_flip(h) if reverse else h), c


def bidirectional_forward(cell, x, h0_f, h0_b, params_f, params_b):
    hf, cf = _direction(cell, x, h0_f, params_f, False)
    hb, cb = _direction(cell, x, h0_b, params_b, True)
    return np.concatenate((hf, hb), axis=2), [cell, cf, cb]


def _direction_back(cell, dh, c, reverse):
    dx, dh0, g = cell_backward(cell, _flip(dh) if reverse else dh, c)
    return (_flip(dx) if reverse else dx), dh0, g


def bidirectional_backward(dh, cache):
    cell, cf, cb = cache
    d_f, d_b = _split_halves(dh)
    dxf, dh0f, gf = _direction_back(cell, d_f, cf, False)
    dxb, dh0b, gb = _direction_back(cell, d_b, cb, True)
    return dxf + dxb, dh0f, dh0b, gf, gb


def deep_forward(cell, x, h0s, params):
    caches = []

    def layer(inp, h0, p):
        out, c = cell_forward(cell, inp, h0, p)
        caches.append(c)
        return out

    h = x
    for h0, p in zip(h0s, params, strict=False):
        h = layer(h, h0, p)
    return h, {"cell": cell, "caches": caches}


def deep_backward(dh, cache):
    dh0s, grads = {}, {}
    for i in sorted(range(len(cache["caches"])), reverse=True):
        dh, dh0s[i], grads[i] = cell_backward(cache["cell"], dh, cache["caches"][i])
    order = sorted(dh0s)
    return dh, [dh0s[i] for i in order], [grads[i] for i in order]
