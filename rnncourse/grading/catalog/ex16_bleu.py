"""Exercise 16 (13d_search_and_bleu): corpus BLEU from scratch, clipping and brevity penalty.

Expected outputs come from :mod:`rnncourse.data.metrics_bleu` (``smoothing="none"``), the BLEU the
book derives and checks against sacrebleu. Each planted mistake is that module's own code with
one named edit (:func:`rnncourse.grading.mutants.edited`), rebuilt up the chain of functions that
call the edited one; averaging sentence scores is a wrong use of correct pieces, composed here.
"""

from __future__ import annotations

import functools

import numpy as np

from rnncourse.grading.catalog._common import NUMPY_ONLY, variants
from rnncourse.grading.core import Call, Case, Exercise, Part
from rnncourse.grading.mutants import edited

#: Libraries that compute BLEU for you: refused, as are the package and the autodiff libraries.
BLEU_LIBRARIES = ("sacrebleu", "nltk", "torchmetrics", "torchtext", "evaluate", "jiwer")

WORDS = "the a cat dog sat on mat red blue is was here there big".split()

#: mistake -> (function of metrics_bleu it edits, edits)
PLANTS = {
    "no_clipping": (
        "clipped_matches",
        [("min(c, max(r[g] for r in refs))", "c * (max(r[g] for r in refs) > 0)")],
    ),  # fmt: skip
    "off_by_one": ("ngram_counts", [("range(len(tokens) - n + 1)", "range(len(tokens) - n)")]),
    "shortest_ref": (
        "_closest_ref_len",
        [("min(ref_lens, key=lambda r: (abs(r - hyp_len), r))", "min(ref_lens)")],
    ),
    "tie_longer": ("_closest_ref_len", [("(abs(r - hyp_len), r)", "(abs(r - hyp_len), -r)")]),
    "swapped": ("brevity_penalty", [("1.0 - ref_len / hyp_len", "1.0 - hyp_len / ref_len")]),
    "arithmetic": (
        "bleu_from_statistics",
        [
            (
                "math.exp(sum(math.log(p) for p in precisions[:used]) / used)",
                "sum(precisions[:used]) / used",
            )
        ],  # fmt: skip
    ),
}
#: who calls whom in metrics_bleu, up to corpus_bleu
CALLERS = {
    "ngram_counts": "bleu_statistics",
    "clipped_matches": "bleu_statistics",
    "_closest_ref_len": "bleu_statistics",
    "bleu_statistics": "corpus_bleu",
    "brevity_penalty": "bleu_from_statistics",
    "bleu_from_statistics": "corpus_bleu",
}

HINTS = {
    "no_clipping": "clip each n-gram's count: min(count in the hypothesis, its largest count in "
    "one reference); a word repeated more often than any reference has it must not score again",
    "off_by_one": "a sequence of L tokens has L - n + 1 n-grams: range(L - n + 1), the last one "
    "included",
    "shortest_ref": "r is the sum over sentences of the reference length closest to the "
    "hypothesis' length, not the shortest reference",
    "tie_longer": "when two references are equally close in length, take the shorter one",
    "swapped": "BP = exp(1 - r / c) when c < r (c: hypotheses' length, r: references'), not "
    "exp(1 - c / r)",
    "orders": "use every order n = 1, ..., max_order: range(1, max_order + 1)",
    "arithmetic": "BLEU takes the geometric mean of the precisions, exp(mean of log p_n), not "
    "their arithmetic mean",
    "sentence_average": "corpus BLEU sums the matches and totals over all sentences and computes "
    "one score; it is not the mean of the sentences' BLEU scores",
}


def _package():
    from rnncourse.data import metrics_bleu

    return metrics_bleu


@functools.cache
def planted(bug: str | None) -> dict:
    """Return metrics_bleu's functions with ``bug`` planted (``None``: the module itself)."""
    mb = _package()
    fns = {name: getattr(mb, name) for name in (*CALLERS, "corpus_bleu")}
    if bug is None:
        return fns
    piece, edits = PLANTS[bug]
    fns[piece] = edited(fns[piece], edits, bug)
    while piece in CALLERS:
        caller = CALLERS[piece]
        deps = {k: fns[k] for k, v in CALLERS.items() if v == caller}
        fns[caller] = edited(getattr(mb, caller), [], f"{bug} in {piece}", **deps)
        piece = caller
    return fns


def _corpus(rng: np.random.Generator, S: int) -> tuple[list, list]:
    """Hypotheses near their references: substitutions, a repeated word, a shortened one."""
    hyps, refs = [], []
    for s in range(S):
        base = [str(w) for w in rng.choice(WORDS, size=int(rng.integers(6, 11)))]
        rs = []
        for _ in range(int(rng.integers(1, 4))):
            r = list(base)
            r[int(rng.integers(len(r)))] = str(rng.choice(WORDS))
            if rng.random() < 0.5:
                del r[int(rng.integers(len(r)))]
            rs.append(r)
        h = list(base)
        h[int(rng.integers(len(h)))] = str(rng.choice(WORDS))
        if s % 3 == 0:  # a word repeated more often than any reference has it
            h[-3:] = [h[-3]] * 3
        if s % 2 == 1:  # short: the brevity penalty matters
            h = h[: len(h) - int(rng.integers(1, 4))]
        hyps.append(h)
        refs.append(rs)
    return hyps, refs


def _fixed() -> tuple[list, list]:
    """Return a hand-made corpus: clipping matters, and the closest reference length is a tie."""
    hyps = [
        "the cat the cat on the mat".split(),
        "the cat sat on the mat".split(),
        "a dog is here".split(),
    ]
    refs = [
        ["the cat is on the mat".split(), "there is a cat on the mat".split()],
        ["the cat sat on mat".split(), "a cat sat on the red mat".split()],  # 6: 5 and 7 tie
        ["a big dog is here".split(), "there is a dog here".split()],
    ]
    return hyps, refs


def _cases(rng: np.random.Generator) -> list[tuple[list, list, int]]:
    out = [(*_fixed(), 2)]
    while len(out) < 4:
        hyps, refs = _corpus(rng, int(rng.integers(3, 7)))
        N = int(rng.integers(2, 5))
        stats = [_package().bleu_statistics(h, r, N) for h, r in zip(hyps, refs, strict=True)]
        if all(sum(m[n] for m, *_ in stats) > 0 for n in range(N)):  # no order with no match
            out.append((hyps, refs, N))
    return out


def _precision(fns: dict, hyps, refs, n: int) -> dict:
    rows = [fns["bleu_statistics"](h, r, n) for h, r in zip(hyps, refs, strict=True)]
    return {
        "matches": float(sum(m[n - 1] for m, *_ in rows)),
        "total": float(sum(t[n - 1] for _, t, *_ in rows)),
    }


def _bp(fns: dict, hyps, refs) -> dict:
    score = fns["corpus_bleu"](hyps, refs, 1, "none")
    return {"bp": score.brevity_penalty, "c": float(score.hyp_len), "r": float(score.ref_len)}


def _bleu(fns: dict, hyps, refs, N: int) -> dict:
    score = fns["corpus_bleu"](hyps, refs, N, "none")
    return {"bleu": score.score, "precisions": np.array(score.precisions, dtype=np.float64)}


def _composed(bug: str, hyps, refs, N: int) -> dict:
    """Return the mistakes that are wrong uses of the right pieces (only the score is compared)."""
    mb = _package()
    if bug == "orders":  # orders 1 .. N-1: the geometric mean of N - 1 precisions
        return {"bleu": mb.corpus_bleu(hyps, refs, N - 1, "none").score}
    pairs = zip(hyps, refs, strict=True)
    return {"bleu": float(np.mean([mb.corpus_bleu([h], [r], N, "none").score for h, r in pairs]))}


def _different(a: dict, b: dict) -> bool:
    return any(not np.allclose(a[k], b[k], rtol=1e-9, atol=1e-12) for k in a if k in b)


def _describe(hyps, refs, extra: str) -> str:
    return f"{len(hyps)} sentences, {sum(len(r) for r in refs)} references, {extra}"


def modified_precision_cases(rng):
    """Draw cases of ``modified_precision``: clipped matches and total n-grams of one order."""
    bugs = {k: HINTS[k] for k in ("no_clipping", "off_by_one")}
    cases = []
    for i, (hyps, refs, N) in enumerate(_cases(rng)):
        n = N if i == 0 else int(rng.integers(1, N + 1))
        want = _precision(planted(None), hyps, refs, n)
        var = variants(bugs, lambda bug, h=hyps, r=refs, n=n: _precision(planted(bug), h, r, n))
        var = {k: v for k, v in var.items() if _different(v, want)}
        call = Call(
            "modified_precision",
            (hyps, refs, n),
            ("hypotheses", "references", "n"),
            ("matches", "total"),
        )
        outputs = {"matches": (0, 0), "total": (0, 1)}
        cases.append(Case([call], outputs, want, _describe(hyps, refs, f"n={n}"), var))
    return cases


def brevity_penalty_cases(rng):
    """Draw cases of ``brevity_penalty``: BP, the hypotheses' length c and the references' r."""
    bugs = {k: HINTS[k] for k in ("shortest_ref", "tie_longer", "swapped")}
    cases = []
    for hyps, refs, _ in _cases(rng):
        want = _bp(planted(None), hyps, refs)
        var = variants(bugs, lambda bug, h=hyps, r=refs: _bp(planted(bug), h, r))
        var = {k: v for k, v in var.items() if _different(v, want)}
        call = Call("brevity_penalty", (hyps, refs), ("hypotheses", "references"), ("bp", "c", "r"))
        outputs = {"bp": (0, 0), "c": (0, 1), "r": (0, 2)}
        cases.append(Case([call], outputs, want, _describe(hyps, refs, "lengths vary"), var))
    return cases


def corpus_bleu_cases(rng):
    """Draw cases of ``corpus_bleu``: the score and the modified precisions p_1..p_N."""
    bugs = {k: HINTS[k] for k in PLANTS}
    cases = []
    for hyps, refs, N in _cases(rng):
        want = _bleu(planted(None), hyps, refs, N)
        var = variants(bugs, lambda bug, h=hyps, r=refs, N=N: _bleu(planted(bug), h, r, N))
        var[HINTS["orders"]] = _composed("orders", hyps, refs, N)
        var[HINTS["sentence_average"]] = _composed("sentence_average", hyps, refs, N)
        var = {k: v for k, v in var.items() if _different(v, want)}
        call = Call(
            "corpus_bleu",
            (hyps, refs, N),
            ("hypotheses", "references", "max_order"),
            ("bleu", "precisions"),
        )
        outputs = {"bleu": (0, 0), "precisions": (0, 1)}
        cases.append(Case([call], outputs, want, _describe(hyps, refs, f"max_order={N}"), var))
    return cases


EXERCISE = Exercise(
    "ex16_bleu",
    "Corpus BLEU: clipped n-gram precision and the brevity penalty",
    "13d_search_and_bleu",
    [
        Part("modified_precision", 4, modified_precision_cases),
        Part("brevity_penalty", 2, brevity_penalty_cases),
        Part("corpus_bleu", 4, corpus_bleu_cases),
    ],
    NUMPY_ONLY + BLEU_LIBRARIES,
)
