import numpy as np

from rnncourse.reference import (
    lstm_step_backward,
    lstm_step_forward,
    rnn_step_backward,
    rnn_step_forward,
)


def grad_norms(cell, x, h0, params, g):
    T = x.shape[1]
    Wx, Wh, b = params["Wx"], params["Wh"], params["b"]
    caches = []
    h = h0
    c = np.zeros_like(h0)
    for t in range(T):
        if cell == "lstm":
            h, c, cache = lstm_step_forward(x[:, t], h, c, Wx, Wh, b)
        else:
            h, cache = rnn_step_forward(x[:, t], h, Wx, Wh, b)
        caches.append(cache)
    result = []
    grad_h, grad_c = g, np.zeros_like(g)
    for t in range(T - 1, -1, -1):
        result.append(np.sqrt(np.sum(grad_h**2)))
        if t == 0:
            break
        if cell == "lstm":
            grad_h, grad_c = lstm_step_backward(grad_h, grad_c, caches[t])[1:3]
        else:
            grad_h = rnn_step_backward(grad_h, caches[t])[1]
    return np.array(result[::-1])


def decay_factor(norms):
    n = len(norms)
    steps_back = np.array([n - 1 - t for t in range(n)], dtype=float)
    logs = np.log(norms)
    sx, sy = steps_back.mean(), logs.mean()
    slope = np.sum((steps_back - sx) * (logs - sy)) / np.sum((steps_back - sx) ** 2)
    return float(np.exp(slope))
