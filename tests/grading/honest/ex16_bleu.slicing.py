from collections import Counter

import numpy as np


def modified_precision(hypotheses, references, n):
    def ngrams(s):
        return Counter(zip(*(s[i:] for i in range(n)), strict=False))

    hits, grams = 0, 0
    for hyp, refs in zip(hypotheses, references, strict=True):
        h = ngrams(hyp)
        cap = Counter()
        for counts in map(ngrams, refs):
            cap = cap | counts
        hits += sum((h & cap).values())
        grams += sum(h.values())
    return hits, grams


def brevity_penalty(hypotheses, references):
    hyp_lens = np.array([len(h) for h in hypotheses])
    ref_lens = [np.array(sorted(len(r) for r in refs)) for refs in references]
    best = [lens[np.argmin(np.abs(lens - n))] for lens, n in zip(ref_lens, hyp_lens, strict=True)]
    c, r = int(hyp_lens.sum()), int(np.sum(best))
    if c == 0:
        return 0.0, c, r
    return float(min(1.0, np.exp(1 - r / c))), c, r


def corpus_bleu(hypotheses, references, max_order):
    stats = np.array(
        [modified_precision(hypotheses, references, n) for n in range(1, max_order + 1)], float
    )
    p = np.divide(stats[:, 0], stats[:, 1], out=np.zeros(max_order), where=stats[:, 1] > 0)
    if (p == 0).any():
        return 0.0, p
    return float(brevity_penalty(hypotheses, references)[0] * np.exp(np.log(p).mean())), p
