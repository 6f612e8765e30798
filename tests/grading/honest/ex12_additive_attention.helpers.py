import numpy as np


def _softmax_rows(e):
    e = e - e.max(axis=1, keepdims=True)
    x = np.exp(e)
    return x / x.sum(axis=1, keepdims=True)


def _softmax_rows_back(a, da):
    return a * (da - (a * da).sum(axis=1, keepdims=True))


def _scores(h, features, Wq, Wk, w):
    u = np.tanh((h @ Wq)[:, np.newaxis] + features @ Wk)
    return u @ w, u


def additive_attention_forward(h, features, Wq, Wk, w):
    e, u = _scores(h, features, Wq, Wk, w)
    a = _softmax_rows(e)
    z = np.einsum("nl,nld->nd", a, features)
    return z, a, (h, features, Wq, Wk, w, u, a)


def _scores_back(de, h, features, Wq, Wk, w, u):
    dpre = np.einsum("nl,a,nla->nla", de, w, 1 - u**2)
    dq = dpre.sum(axis=1)
    return dq @ Wq.T, dpre @ Wk.T, h.T @ dq, np.einsum("nld,nla->da", features, dpre)


def additive_attention_backward(dz, cache):
    h, features, Wq, Wk, w, u, a = cache
    de = _softmax_rows_back(a, (features @ dz[:, :, None])[..., 0])
    dh, dfeat_keys, dWq, dWk = _scores_back(de, h, features, Wq, Wk, w, u)
    dw = np.einsum("nl,nla->a", de, u)
    return dh, dfeat_keys + np.einsum("nl,nd->nld", a, dz), dWq, dWk, dw
