import math
from collections import Counter

import numpy as np


def count_grams(tokens, n):
    return Counter(tuple(tokens[i : i + n]) for i in range(max(len(tokens) - n + 1, 0)))


def max_reference_counts(refs, n):
    out = Counter()
    for ref in refs:
        for gram, k in count_grams(ref, n).items():
            out[gram] = max(out[gram], k)
    return out


def clipped(hyp, refs, n):
    mine = count_grams(hyp, n)
    cap = max_reference_counts(refs, n)
    return sum(min(k, cap[g]) for g, k in mine.items()), sum(mine.values())


def modified_precision(hypotheses, references, n):
    pairs = [clipped(h, refs, n) for h, refs in zip(hypotheses, references, strict=True)]
    return sum(m for m, _ in pairs), sum(t for _, t in pairs)


def closest_length(hyp, refs):
    return min((abs(len(r) - len(hyp)), len(r)) for r in refs)[1]


def brevity_penalty(hypotheses, references):
    c = sum(map(len, hypotheses))
    r = sum(closest_length(h, refs) for h, refs in zip(hypotheses, references, strict=True))
    if c >= r:
        return 1.0, c, r
    return (math.exp(1 - r / c) if c else 0.0), c, r


def geometric_mean(values):
    return math.exp(sum(math.log(v) for v in values) / len(values))


def corpus_bleu(hypotheses, references, max_order):
    precisions = []
    for n in range(1, max_order + 1):
        m, t = modified_precision(hypotheses, references, n)
        precisions.append(m / t if t else 0.0)
    if min(precisions) == 0:
        return 0.0, np.array(precisions)
    bp = brevity_penalty(hypotheses, references)[0]
    return bp * geometric_mean(precisions), np.array(precisions)
