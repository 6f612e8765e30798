import numpy as np


def sigmoid(a):
    """Logistic function that does not overflow for large |a|."""
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1 / (1 + e), e / (1 + e))


def gru_step_forward(x, h_prev, Wx, Wh, b, bh):
    ax = x @ Wx + b
    ah = h_prev @ Wh + bh
    axr, axz, axn = np.split(ax, 3, axis=1)
    ahr, ahz, ahn = np.split(ah, 3, axis=1)
    r, z = sigmoid(axr + ahr), sigmoid(axz + ahz)
    n = np.tanh(axn + r * ahn)
    return z * h_prev + (1 - z) * n, (x, h_prev, Wx, Wh, r, z, n, ahn)


def gru_step_backward(dh, cache):
    x, h_prev, Wx, Wh, r, z, n, ahn = cache
    dpre_n = (1 - z) * dh * (1 - n**2)
    dpre_z = (h_prev - n) * dh * z * (1 - z)
    dpre_r = dpre_n * ahn * r * (1 - r)
    gx = np.concatenate((dpre_r, dpre_z, dpre_n), axis=1)
    gh = np.concatenate((dpre_r, dpre_z, r * dpre_n), axis=1)
    return (
        gx @ Wx.T,
        gh @ Wh.T + z * dh,
        np.einsum("nd,nk->dk", x, gx),
        np.einsum("nh,nk->hk", h_prev, gh),
        gx.sum(axis=0),
        gh.sum(axis=0),
    )
