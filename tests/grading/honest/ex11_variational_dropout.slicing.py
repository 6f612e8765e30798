import numpy as np

from rnncourse.reference import lstm_step_backward, lstm_step_forward


def variational_lstm_forward(x, h0, Wx, Wh, b, mask_x, mask_h):
    xs = x * mask_x[:, None, :]  # the same input mask at every step
    state, cell, hs, steps = h0, np.zeros_like(h0), [], []
    for xt in xs.transpose(1, 0, 2):
        state, cell, s = lstm_step_forward(xt, state * mask_h, cell, Wx, Wh, b)
        hs.append(state)
        steps.append(s)
    return np.stack(hs, 1), (steps, mask_x, mask_h)


def variational_lstm_backward(dh, cache):
    steps, mask_x, mask_h = cache
    T = dh.shape[1]
    dxs = [None] * T
    g_h = np.zeros_like(dh[:, 0])
    g_c = np.zeros_like(g_h)
    sums = [0.0, 0.0, 0.0]
    for t in range(T)[::-1]:
        res = lstm_step_backward(dh[:, t] + g_h, g_c, steps[t])
        dxs[t], g_h, g_c = res[0], res[1] * mask_h, res[2]
        sums = [s + r for s, r in zip(sums, res[3:], strict=False)]
    dx = np.stack(dxs, 1) * mask_x[:, None, :]
    return (dx, g_h, *sums)
