import numpy as np


def count_ngrams(ids, V):
    c1 = np.bincount(ids, minlength=V).astype(float)
    c2 = np.bincount(ids[:-1] * V + ids[1:], minlength=V * V).reshape(V, V).astype(float)
    flat = (ids[:-2] * V + ids[1:-1]) * V + ids[2:]
    c3 = np.bincount(flat, minlength=V**3).reshape(V, V, V).astype(float)
    return c1, c2, c3


def interpolated_probs(c1, c2, c3, lambdas):
    V = c1.size
    p1 = lambdas[0] * c1 / c1.sum() + (1 - lambdas[0]) / V
    n2 = c2.sum(1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        p2 = np.where(n2 > 0, lambdas[1] * c2 / n2 + (1 - lambdas[1]) * p1, p1)
        n3 = c3.sum(2, keepdims=True)
        return np.where(n3 > 0, lambdas[2] * c3 / n3 + (1 - lambdas[2]) * p2, p2[None])


def heldout_perplexity(P, ids):
    probs = P[tuple(np.stack([ids[:-2], ids[1:-1], ids[2:]]))]
    return float(np.exp(-np.mean(np.log(probs))))
