import numpy as np


def count_ngrams(ids, V):
    c1, c2, c3 = np.zeros(V), np.zeros((V, V)), np.zeros((V, V, V))
    for pos, w in enumerate(ids):
        c1[w] += 1
        if pos >= 1:
            c2[ids[pos - 1], w] += 1
        if pos >= 2:
            c3[ids[pos - 2], ids[pos - 1], w] += 1
    return c1, c2, c3


def interpolated_probs(c1, c2, c3, lambdas):
    l1, l2, l3 = lambdas
    V = len(c1)
    p1 = l1 * c1 / c1.sum() + (1 - l1) / V
    p2 = np.zeros((V, V))
    for v in range(V):
        row = c2[v].sum()
        p2[v] = l2 * c2[v] / row + (1 - l2) * p1 if row > 0 else p1
    P = np.zeros((V, V, V))
    for u in range(V):
        for v in range(V):
            row = c3[u, v].sum()
            P[u, v] = l3 * c3[u, v] / row + (1 - l3) * p2[v] if row > 0 else p2[v]
    return P


def heldout_perplexity(P, ids):
    total, count = 0.0, 0
    for t in range(2, len(ids)):
        total += np.log(P[ids[t - 2], ids[t - 1], ids[t]])
        count += 1
    return float(np.exp(-total / count))
