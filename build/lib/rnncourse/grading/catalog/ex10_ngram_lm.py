"""Exercise 10 (06b_language_models_in_practice): an interpolated trigram model.

Expected outputs come from :class:`rnncourse.data.NGramLM` (``"jelinek-mercer"``), so the exercise
and the package's baseline are the same model; the planted mistakes are computed here.
"""

from __future__ import annotations

import numpy as np

from rnncourse.grading.catalog._common import NUMPY_ONLY, shapes, variants
from rnncourse.grading.core import Call, Case, Exercise, Part


def _ids(rng, V, L):
    return rng.integers(0, V, size=L).astype(np.int64)


def _counts(ids, V, bug="none"):
    c1, c2, c3 = np.zeros(V), np.zeros((V, V)), np.zeros((V, V, V))
    end = len(ids) - (1 if bug == "drop_last" else 0)
    ids = ids[:end]
    np.add.at(c1, ids, 1)
    np.add.at(c2, (ids[:-1], ids[1:]), 1)
    np.add.at(c3, (ids[:-2], ids[1:-1], ids[2:]), 1)
    if bug == "transposed":
        c2 = c2.T.copy()
    return c1, c2, c3


def _probs(c1, c2, c3, lambdas, bug="none"):
    l1, l2, l3 = lambdas[::-1] if bug == "lambda_order" else lambdas
    V = c1.shape[0]
    p1 = c1 / c1.sum() if bug == "no_uniform" else l1 * c1 / c1.sum() + (1 - l1) / V

    def mix(counts, lam, shorter, denom):
        ml = np.divide(counts, denom, out=np.zeros_like(counts), where=denom > 0)
        mixed = lam * ml + (1 - lam) * shorter
        return mixed if bug == "no_fallback" else np.where(denom > 0, mixed, shorter)

    d2 = c1[:, None] if bug == "unigram_denominator" else c2.sum(axis=1, keepdims=True)
    p2 = mix(c2, l2, p1[None, :], d2)
    return mix(c3, l3, p2[None], c3.sum(axis=2, keepdims=True))


def _perplexity(P, ids, bug="none"):
    p = P[ids[:-2], ids[1:-1], ids[2:]]
    if bug == "cross_entropy":
        return float(-np.log(p).mean())
    if bug == "arithmetic":
        return float(np.mean(1 / p))
    if bug == "mixed_bases":
        return float(np.exp(-np.log2(p).mean()))
    return float(np.exp(-np.log(p).mean()))


def _package_table(train, V, lambdas):
    """P[u, v, w] from the package's NGramLM: the reference for the whole exercise."""
    from rnncourse.data import NGramLM

    lm = NGramLM(3, V, "jelinek-mercer", lambdas=list(lambdas)).fit(train)
    return np.array([[lm.distribution([u, v]) for v in range(V)] for u in range(V)])


def count_ngrams_cases(rng):
    """Draw random cases of ``count_ngrams``: expected outputs and known mistakes."""
    bugs = {
        "drop_last": "the last n-grams of the text are missing: count every position",
        "transposed": "c2[v, w] counts v followed by w; the bigram table is transposed",
    }
    cases = []
    for _ in range(3):
        V, L = int(rng.integers(3, 7)), int(rng.integers(8, 40))
        ids = _ids(rng, V, L)
        want = dict(zip(("c1", "c2", "c3"), _counts(ids, V), strict=True))
        var = variants(
            bugs,
            lambda bug, ids=ids, V=V: dict(
                zip(("c1", "c2", "c3"), _counts(ids, V, bug), strict=True)
            ),
        )
        call = Call("count_ngrams", (ids, V), ("ids", "V"), ("c1", "c2", "c3"))
        cases.append(
            Case([call], {k: (0, i) for i, k in enumerate(want)}, want, shapes(V=V, L=L), var)
        )
    return cases


def interpolated_probs_cases(rng):
    """Draw random cases of ``interpolated_probs``: expected outputs and known mistakes."""
    bugs = {
        "no_fallback": "a context never seen in training has no estimate of its own: give the "
        "whole weight to the shorter context (rows must sum to 1)",
        "no_uniform": "P1 must be mixed with the uniform distribution 1/V",
        "lambda_order": "lambdas are (λ1, λ2, λ3) for the unigram, bigram and trigram estimates",
        "unigram_denominator": "divide c2 by its row sums, not by the unigram counts c1",
    }
    cases = []
    for _ in range(3):
        V, L = int(rng.integers(3, 7)), int(rng.integers(10, 30))
        train = _ids(rng, V, L)
        train[-1] = train[-2]  # the last token's unigram count then differs from its row sum
        lambdas = tuple(float(x) for x in rng.uniform(0.3, 0.95, size=3))
        c1, c2, c3 = _counts(train, V)
        want = _package_table(train, V, lambdas)
        var = variants(bugs, lambda bug, c=(c1, c2, c3), lam=lambdas: {"P": _probs(*c, lam, bug)})
        call = Call("interpolated_probs", (c1, c2, c3, lambdas), ("c1", "c2", "c3", "lambdas"))
        cases.append(Case([call], {"P": (0, None)}, {"P": want}, shapes(V=V, L=L), var))
    return cases


def heldout_perplexity_cases(rng):
    """Draw random cases of ``heldout_perplexity``: expected outputs and known mistakes."""
    bugs = {
        "cross_entropy": "that is the cross-entropy ℓ; the perplexity is exp(ℓ)",
        "arithmetic": "average the log-probabilities, then exponentiate (not the mean of 1/p)",
        "mixed_bases": "use one base: exp of the mean natural log (or 2 to the mean log2)",
    }
    cases = []
    for _ in range(3):
        V = int(rng.integers(3, 7))
        train, valid = _ids(rng, V, 30), _ids(rng, V, int(rng.integers(6, 25)))
        lambdas = tuple(float(x) for x in rng.uniform(0.3, 0.95, size=3))
        P = _package_table(train, V, lambdas)
        from rnncourse.data import NGramLM, convert_loss

        lm = NGramLM(3, V, "jelinek-mercer", lambdas=list(lambdas)).fit(train)
        want = convert_loss(-lm.log_probs(valid)[1:].mean(), "perplexity")
        var = variants(
            bugs, lambda bug, P=P, valid=valid: {"perplexity": _perplexity(P, valid, bug)}
        )
        call = Call("heldout_perplexity", (P, valid), ("P", "ids"))
        cases.append(
            Case(
                [call],
                {"perplexity": (0, None)},
                {"perplexity": want},
                shapes(V=V, L=len(valid)),
                var,
            )
        )
    return cases


EXERCISE = Exercise(
    "ex10_ngram_lm",
    "An interpolated trigram model and its held-out perplexity",
    "06b_language_models_in_practice",
    [
        Part("count_ngrams", 3, count_ngrams_cases),
        Part("interpolated_probs", 4, interpolated_probs_cases),
        Part("heldout_perplexity", 3, heldout_perplexity_cases),
    ],
    NUMPY_ONLY,
)
