import numpy as np

from rnncourse.reference import (
    lstm_step_backward,
    lstm_step_forward,
    rnn_step_backward,
    rnn_step_forward,
)


def grad_norms(cell, x, h0, params, g):
    p = (params["Wx"], params["Wh"], params["b"])
    T = x.shape[1]
    if cell == "rnn":
        states, memo = [h0], []
        for xt in np.moveaxis(x, 1, 0):
            nxt, cache = rnn_step_forward(xt, states[-1], *p)
            states.append(nxt)
            memo.append(cache)
        back = [g]
        for cache in memo[:0:-1]:
            back.append(rnn_step_backward(back[-1], cache)[1])
    else:
        h, c, memo = h0, np.zeros_like(h0), []
        for xt in np.moveaxis(x, 1, 0):
            h, c, cache = lstm_step_forward(xt, h, c, *p)
            memo.append(cache)
        back, dc = [g], np.zeros_like(g)
        for cache in memo[:0:-1]:
            _, dh, dc, *_ = lstm_step_backward(back[-1], dc, cache)
            back.append(dh)
    assert len(back) == T
    return np.linalg.norm(np.stack(back[::-1]).reshape(T, -1), axis=1)


def decay_factor(norms):
    A = np.vstack([np.arange(len(norms))[::-1], np.ones(len(norms))]).T
    (slope, _), *_ = np.linalg.lstsq(A, np.log(norms), rcond=None)
    return float(np.exp(slope))
