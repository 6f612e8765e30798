import numpy as np


def rnn_step_forward(x, h_prev, Wx, Wh, b):
    pre = x.dot(Wx)
    pre += h_prev.dot(Wh)
    pre += b
    out = np.tanh(pre)
    return out, {"x": x, "h_prev": h_prev, "out": out}


def rnn_forward(x, h0, Wx, Wh, b):
    n_batch, n_steps = x.shape[0], x.shape[1]
    hidden = np.empty((n_batch, n_steps, Wh.shape[0]), dtype=x.dtype)
    memo = []
    current = h0
    t = 0
    while t < n_steps:
        current, c = rnn_step_forward(x[:, t, :], current, Wx, Wh, b)
        hidden[:, t, :] = current
        memo.append(c)
        t += 1
    return hidden, memo
