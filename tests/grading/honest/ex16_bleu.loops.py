import math

import numpy as np


def modified_precision(hypotheses, references, n):
    clipped = 0
    count = 0
    for k in range(len(hypotheses)):
        hyp = hypotheses[k]
        seen = {}
        for i in range(len(hyp) - n + 1):
            gram = tuple(hyp[i : i + n])
            seen[gram] = seen.get(gram, 0) + 1
        for gram in seen:
            best = 0
            for ref in references[k]:
                c = 0
                for j in range(len(ref) - n + 1):
                    if tuple(ref[j : j + n]) == gram:
                        c += 1
                best = max(best, c)
            clipped += min(seen[gram], best)
            count += seen[gram]
    return clipped, count


def brevity_penalty(hypotheses, references):
    c = 0
    r = 0
    for k in range(len(hypotheses)):
        length = len(hypotheses[k])
        c += length
        closest = None
        for ref in references[k]:
            d = abs(len(ref) - length)
            if closest is None or d < closest[0] or (d == closest[0] and len(ref) < closest[1]):
                closest = (d, len(ref))
        r += closest[1]
    if c == 0:
        return 0.0, c, r
    if c > r:
        return 1.0, c, r
    return math.exp(1 - r / c), c, r


def corpus_bleu(hypotheses, references, max_order):
    ps = []
    for n in range(1, max_order + 1):
        m, t = modified_precision(hypotheses, references, n)
        ps.append(m / t if t > 0 else 0.0)
    bp = brevity_penalty(hypotheses, references)[0]
    for p in ps:
        if p == 0:
            return 0.0, np.array(ps)
    log_mean = 0.0
    for p in ps:
        log_mean += math.log(p) / max_order
    return bp * math.exp(log_mean), np.array(ps)
