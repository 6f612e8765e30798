import numpy as np

from rnncourse.reference import (
    lstm_step_backward,
    lstm_step_forward,
    rnn_step_backward,
    rnn_step_forward,
)


def _steps(cell, params):
    W = (params["Wx"], params["Wh"], params["b"])
    if cell == "rnn":

        def fwd(xt, state):
            h, cache = rnn_step_forward(xt, state[0], *W)
            return (h, None), cache

        def bwd(grad, cache):
            return (rnn_step_backward(grad[0], cache)[1], None)

    else:

        def fwd(xt, state):
            h, c, cache = lstm_step_forward(xt, state[0], state[1], *W)
            return (h, c), cache

        def bwd(grad, cache):
            out = lstm_step_backward(grad[0], grad[1], cache)
            return (out[1], out[2])

    return fwd, bwd


def grad_norms(cell, x, h0, params, g):
    fwd, bwd = _steps(cell, params)
    state, caches = (h0, np.zeros_like(h0)), []
    for t in range(x.shape[1]):
        state, cache = fwd(x[:, t], state)
        caches.append(cache)
    grad = (g, np.zeros_like(g))
    norms = [np.linalg.norm(g)]
    for cache in reversed(caches[1:]):
        grad = bwd(grad, cache)
        norms.insert(0, np.linalg.norm(grad[0]))
    return np.asarray(norms)


def _line_slope(s, y):
    return np.cov(s, y, bias=True)[0, 1] / np.var(s)


def decay_factor(norms):
    back = len(norms) - 1 - np.arange(len(norms))
    return float(np.exp(_line_slope(back, np.log(norms))))
