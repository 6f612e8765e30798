import numpy as np


def additive_attention_forward(h, features, Wq, Wk, w):
    pre = np.expand_dims(h.dot(Wq), 1) + np.tensordot(features, Wk, axes=1)
    u = np.tanh(pre)
    e = np.tensordot(u, w, axes=1)
    p = np.exp(e - np.max(e, axis=-1, keepdims=True))
    p = p / np.sum(p, axis=-1, keepdims=True)
    z = np.sum(p[..., None] * features, axis=1)
    return z, p, {"h": h, "v": features, "Wq": Wq, "Wk": Wk, "w": w, "u": u, "p": p}


def additive_attention_backward(dz, cache):
    v, u, p, w = cache["v"], cache["u"], cache["p"], cache["w"]
    dp = np.sum(v * dz[:, None, :], axis=-1)
    de = p * dp - p * np.sum(p * dp, axis=-1, keepdims=True)
    g = de[..., None] * w * (1.0 - u * u)  # gradient of the tanh's input, (N, L, A)
    gq = g.sum(axis=1)
    dv = p[..., None] * dz[:, None, :] + np.tensordot(g, cache["Wk"], axes=([2], [1]))
    dWk = np.tensordot(v, g, axes=([0, 1], [0, 1]))
    dw = np.tensordot(de, u, axes=([0, 1], [0, 1]))
    return gq.dot(cache["Wq"].T), dv, cache["h"].T.dot(gq), dWk, dw
