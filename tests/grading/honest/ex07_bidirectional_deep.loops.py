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


def _reverse_time(a):
    out = np.empty_like(a)
    T = a.shape[1]
    for t in range(T):
        out[:, t] = a[:, T - 1 - t]
    return out


def bidirectional_forward(cell, x, h0_f, h0_b, params_f, params_b):
    fwd, cf = cell_forward(cell, x, h0_f, params_f)
    bwd, cb = cell_forward(cell, _reverse_time(x), h0_b, params_b)
    bwd = _reverse_time(bwd)
    H = fwd.shape[2]
    out = np.zeros(fwd.shape[:2] + (2 * H,), dtype=fwd.dtype)
    out[:, :, :H] = fwd
    out[:, :, H:] = bwd
    return out, {"cell": cell, "H": H, "f": cf, "b": cb}


def bidirectional_backward(dh, cache):
    H, cell = cache["H"], cache["cell"]
    dxf, dh0f, gf = cell_backward(cell, dh[:, :, :H].copy(), cache["f"])
    dxb, dh0b, gb = cell_backward(cell, _reverse_time(dh[:, :, H:]), cache["b"])
    return dxf + _reverse_time(dxb), dh0f, dh0b, gf, gb


def deep_forward(cell, x, h0s, params):
    layer_input = x
    caches = []
    for layer in range(len(params)):
        layer_input, cache = cell_forward(cell, layer_input, h0s[layer], params[layer])
        caches.append(cache)
    return layer_input, (cell, caches)


def deep_backward(dh, cache):
    cell, caches = cache
    L = len(caches)
    dh0s = [None for _ in range(L)]
    grads = [None for _ in range(L)]
    upstream = dh
    layer = L - 1
    while layer >= 0:
        upstream, dh0s[layer], grads[layer] = cell_backward(cell, upstream, caches[layer])
        layer -= 1
    return upstream, dh0s, grads
