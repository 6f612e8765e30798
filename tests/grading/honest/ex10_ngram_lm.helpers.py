import numpy as np


def _grams(ids, n):
    return [tuple(ids[i : i + n]) for i in range(len(ids) - n + 1)]


def count_ngrams(ids, V):
    tables = [np.zeros((V,) * n) for n in (1, 2, 3)]
    for n, table in enumerate(tables, start=1):
        for gram in _grams(list(ids), n):
            table[gram] += 1
    return tuple(tables)


def _smooth(counts, lam, fallback):
    totals = counts.sum(axis=-1, keepdims=True)
    safe = np.maximum(totals, 1)
    return np.where(totals > 0, lam * counts / safe + (1 - lam) * fallback, fallback)


def interpolated_probs(c1, c2, c3, lambdas):
    uniform = np.full(c1.shape, 1.0 / c1.shape[0])
    p1 = lambdas[0] * c1 / c1.sum() + (1 - lambdas[0]) * uniform
    p2 = _smooth(c2, lambdas[1], p1[np.newaxis])
    return _smooth(c3, lambdas[2], p2[np.newaxis])


def _log_likelihoods(P, ids):
    return [np.log(P[u, v, w]) for u, v, w in _grams(list(ids), 3)]


def heldout_perplexity(P, ids):
    return float(np.exp(-np.mean(_log_likelihoods(P, ids))))
