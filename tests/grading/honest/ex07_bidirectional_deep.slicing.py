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


def bidirectional_forward(cell, x, h0_f, h0_b, params_f, params_b):
    runs = [
        cell_forward(cell, x, h0_f, params_f),
        cell_forward(cell, np.flip(x, axis=1).copy(), h0_b, params_b),
    ]
    (hf, cache_f), (hb, cache_b) = runs
    return np.dstack([hf, np.flip(hb, axis=1)]), (cell, hf.shape[-1], (cache_f, cache_b))


def bidirectional_backward(dh, cache):
    cell, H, (cache_f, cache_b) = cache
    fwd = cell_backward(cell, dh[..., :H].copy(), cache_f)
    bwd = cell_backward(cell, np.flip(dh[..., H:], axis=1).copy(), cache_b)
    return fwd[0] + np.flip(bwd[0], axis=1), fwd[1], bwd[1], fwd[2], bwd[2]


def deep_forward(cell, x, h0s, params):
    stack = []
    for h0, p in zip(h0s, params, strict=False):
        x, c = cell_forward(cell, x, h0, p)
        stack.append(c)
    return x, (cell, stack)


def deep_backward(dh, cache):
    cell, stack = cache
    results = []
    for c in stack[::-1]:
        dh, dh0, g = cell_backward(cell, dh, c)
        results.append((dh0, g))
    results.reverse()
    return dh, [r[0] for r in results], [r[1] for r in results]
