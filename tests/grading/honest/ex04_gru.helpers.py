import numpy as np


def sigmoid(a):
    """Logistic function that does not overflow for large |a|."""
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1 / (1 + e), e / (1 + e))


def _blocks(v, H):
    return v[:, :H], v[:, H : 2 * H], v[:, 2 * H :]


def _dsig(s):
    return s * (1 - s)


def _dtanh(t):
    return 1 - t * t


def gru_step_forward(x, h_prev, Wx, Wh, b, bh):
    H = h_prev.shape[1]
    xr, xz, xn = _blocks(x @ Wx + b, H)
    hr, hz, hn = _blocks(h_prev @ Wh + bh, H)
    r = sigmoid(xr + hr)
    z = sigmoid(xz + hz)
    n = np.tanh(xn + r * hn)
    new = n + z * (h_prev - n)
    return new, dict(x=x, h_prev=h_prev, Wx=Wx, Wh=Wh, r=r, z=z, n=n, hn=hn)


def _weights_grads(x, h_prev, gx, gh):
    return x.T @ gx, h_prev.T @ gh, gx.sum(0), gh.sum(0)


def gru_step_backward(dh, cache):
    k = cache
    gn = dh * (1 - k["z"]) * _dtanh(k["n"])
    gz = dh * (k["h_prev"] - k["n"]) * _dsig(k["z"])
    gr = gn * k["hn"] * _dsig(k["r"])
    gx = np.concatenate([gr, gz, gn], 1)
    gh = np.concatenate([gr, gz, gn * k["r"]], 1)
    dWx, dWh, db, dbh = _weights_grads(k["x"], k["h_prev"], gx, gh)
    return gx @ k["Wx"].T, gh @ k["Wh"].T + dh * k["z"], dWx, dWh, db, dbh
