import numpy as np


def additive_attention_forward(h, features, Wq, Wk, w):
    N, L, D = features.shape
    q = h @ Wq
    u = np.zeros((N, L, w.shape[0]))
    scores = np.zeros((N, L))
    for l in range(L):
        u[:, l] = np.tanh(q + features[:, l] @ Wk)
        scores[:, l] = u[:, l] @ w
    scores -= scores.max(axis=1, keepdims=True)
    weights = np.exp(scores)
    weights /= weights.sum(axis=1, keepdims=True)
    z = np.zeros((N, D))
    for l in range(L):
        z += weights[:, l : l + 1] * features[:, l]
    return z, weights, (h, features, Wq, Wk, w, u, weights)


def additive_attention_backward(dz, cache):
    h, features, Wq, Wk, w, u, a = cache
    N, L, D = features.shape
    da = np.zeros((N, L))
    dfeatures = np.zeros_like(features)
    for l in range(L):
        da[:, l] = np.sum(features[:, l] * dz, axis=1)
        dfeatures[:, l] += a[:, l : l + 1] * dz
    weighted = np.sum(a * da, axis=1, keepdims=True)
    de = a * (da - weighted)
    dw = np.zeros_like(w)
    dq = np.zeros((N, Wq.shape[1]))
    dWk = np.zeros_like(Wk)
    for l in range(L):
        dw += de[:, l] @ u[:, l]
        dpre = de[:, l : l + 1] * w * (1 - u[:, l] ** 2)
        dq += dpre
        dWk += features[:, l].T @ dpre
        dfeatures[:, l] += dpre @ Wk.T
    return dq @ Wq.T, dfeatures, h.T @ dq, dWk, dw
