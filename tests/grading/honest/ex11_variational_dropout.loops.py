import numpy as np

from rnncourse.reference import lstm_step_backward, lstm_step_forward


def variational_lstm_forward(x, h0, Wx, Wh, b, mask_x, mask_h):
    N, T, D = x.shape
    H = h0.shape[1]
    out = np.zeros((N, T, H))
    h, c = h0, np.zeros((N, H))
    caches = []
    for t in range(T):
        xin = x[:, t] * mask_x
        hin = h * mask_h
        h, c, cache = lstm_step_forward(xin, hin, c, Wx, Wh, b)
        out[:, t] = h
        caches.append(cache)
    return out, {"caches": caches, "mx": mask_x, "mh": mask_h}


def variational_lstm_backward(dh, cache):
    caches, mx, mh = cache["caches"], cache["mx"], cache["mh"]
    N, T, H = dh.shape
    dx = np.zeros((N, T, mx.shape[1]))
    dWx = dWh = db = None
    carry_h, carry_c = np.zeros((N, H)), np.zeros((N, H))
    for t in range(T - 1, -1, -1):
        gx, gh, carry_c, a, bb, cc = lstm_step_backward(dh[:, t] + carry_h, carry_c, caches[t])
        dx[:, t] = gx * mx
        carry_h = gh * mh
        if dWx is None:
            dWx, dWh, db = a, bb, cc
        else:
            dWx, dWh, db = dWx + a, dWh + bb, db + cc
    return dx, carry_h, dWx, dWh, db
