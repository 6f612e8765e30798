import numpy as np


def sigmoid(a):
    """Logistic function that does not overflow for large |a|."""
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1 / (1 + e), e / (1 + e))


def gru_step_forward(x, h_prev, Wx, Wh, b, bh):
    H = h_prev.shape[1]
    gates = []
    for k in range(2):
        cols = slice(k * H, (k + 1) * H)
        gates.append(sigmoid(x @ Wx[:, cols] + b[cols] + h_prev @ Wh[:, cols] + bh[cols]))
    r, z = gates
    cols = slice(2 * H, 3 * H)
    hn = h_prev @ Wh[:, cols] + bh[cols]
    n = np.tanh(x @ Wx[:, cols] + b[cols] + r * hn)
    h = (1 - z) * n + z * h_prev
    return h, {"x": x, "hp": h_prev, "Wx": Wx, "Wh": Wh, "r": r, "z": z, "n": n, "hn": hn}


def gru_step_backward(dh, cache):
    c = cache
    r, z, n, hn = c["r"], c["z"], c["n"], c["hn"]
    d_n = dh * (1 - z) * (1 - n * n)
    d_z = dh * (c["hp"] - n) * z * (1 - z)
    d_r = d_n * hn * r * (1 - r)
    d_in = np.hstack([d_r, d_z, d_n])
    d_hid = np.hstack([d_r, d_z, d_n * r])
    dx = d_in @ c["Wx"].T
    dh_prev = d_hid @ c["Wh"].T + dh * z
    return dx, dh_prev, c["x"].T @ d_in, c["hp"].T @ d_hid, d_in.sum(0), d_hid.sum(0)
