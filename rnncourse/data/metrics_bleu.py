r"""BLEU (Papineni et al. 2002), as sacrebleu (Post 2018) computes it, on token sequences.

For a hypothesis :math:`\hat y` and references :math:`y^{(1)}, \dots, y^{(R)}`, the *clipped*
count of an n-gram g is :math:`\min(c_{\hat y}(g), \max_r c_{y^{(r)}}(g))`: a hypothesis cannot
score by repeating a correct word. Over a corpus, the modified n-gram precision is

.. math::

    p_n = \frac{\sum_{\text{sentences}} \sum_g \text{clipped}(g)}{\sum_{\text{sentences}} \sum_g
    c_{\hat y}(g)} ,

the brevity penalty, with c the hypotheses' total length and r the sum of each sentence's closest
reference length (the shorter on a tie), is :math:`\text{BP} = \min(1, e^{1 - r/c})`, and

.. math::

    \text{BLEU} = \text{BP} \cdot \exp\Big(\frac{1}{N} \sum_{n=1}^{N} \ln p_n\Big),
    \quad N = 4 .

A single order with no match makes :math:`\ln p_n = -\infty` and BLEU zero (``smoothing="none"``).
``"exp"`` (sacrebleu's default; NIST's mteval, method 3 of Chen & Cherry 2014) replaces the k-th
such :math:`p_n` by :math:`1 / (2^k \cdot \text{total}_n)`. An order the hypotheses are too short
to have (total 0) still gives zero, unless ``effective_order`` drops it (sacrebleu's
``sentence_bleu`` does). Scores are in [0, 1]; sacrebleu prints 100 times them.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from rnncourse._validation import check_choice, check_int

__all__ = [
    "BLEU_SMOOTHINGS",
    "BLEUScore",
    "bleu_from_statistics",
    "bleu_statistics",
    "brevity_penalty",
    "clipped_matches",
    "corpus_bleu",
    "ngram_counts",
    "sentence_bleu",
]

BLEU_SMOOTHINGS = ("exp", "none")
Tokens = Sequence[Hashable]


@dataclass(frozen=True)
class BLEUScore:
    """A BLEU score and its sufficient statistics (orders n = 1..N in the tuples)."""

    score: float
    precisions: tuple[float, ...]
    brevity_penalty: float
    matches: tuple[int, ...]
    totals: tuple[int, ...]
    hyp_len: int
    ref_len: int


def ngram_counts(tokens: Tokens, n: int) -> Counter:
    """Count the n-grams (tuples of n consecutive tokens) of ``tokens``."""
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def clipped_matches(hyp: Counter, refs: Sequence[Counter]) -> int:
    """Sum over the hypothesis' n-grams of min(its count, its largest count in one reference)."""
    return sum(min(c, max(r[g] for r in refs)) for g, c in hyp.items())


def brevity_penalty(hyp_len: int, ref_len: int) -> float:
    """``min(1, exp(1 - ref_len / hyp_len))``; 0 for an empty hypothesis."""
    if hyp_len >= ref_len:
        return 1.0
    return math.exp(1.0 - ref_len / hyp_len) if hyp_len > 0 else 0.0


def _closest_ref_len(hyp_len: int, ref_lens: Sequence[int]) -> int:
    return min(ref_lens, key=lambda r: (abs(r - hyp_len), r))


def bleu_statistics(
    hypothesis: Tokens, references: Sequence[Tokens], max_order: int = 4
) -> tuple[list[int], list[int], int, int]:
    """Clipped matches and totals by order, hypothesis length, closest reference length.

    Parameters
    ----------
    hypothesis : sequence of hashables
        One output's tokens (a ``str`` is a sequence of characters; pass ``s.split()`` for words).
    references : sequence of token sequences
        At least one reference for this hypothesis.
    max_order : int, default 4
        Largest n-gram order N.

    Returns
    -------
    (matches, totals, hyp_len, ref_len) : (list of int, list of int, int, int)
        ``matches[n - 1]`` and ``totals[n - 1]`` for n = 1..N.
    """
    matches, totals = [], []
    for n in range(1, max_order + 1):
        hyp = ngram_counts(hypothesis, n)
        matches.append(clipped_matches(hyp, [ngram_counts(r, n) for r in references]))
        totals.append(sum(hyp.values()))
    return (
        matches,
        totals,
        len(hypothesis),
        _closest_ref_len(len(hypothesis), [len(r) for r in references]),
    )


def bleu_from_statistics(
    matches: Sequence[int],
    totals: Sequence[int],
    hyp_len: int,
    ref_len: int,
    smoothing: str = "exp",
    effective_order: bool = False,
) -> BLEUScore:
    """BLEU from summed statistics: BP times the geometric mean of the (smoothed) precisions.

    Parameters
    ----------
    matches, totals : sequence of int, length N
        Clipped matched and total n-grams of each order, summed over the corpus.
    hyp_len, ref_len : int
        Total hypothesis length c and total closest-reference length r.
    smoothing : {"exp", "none"}
        What a zero precision becomes (module docstring).
    effective_order : bool, default False
        Average only over the orders the hypotheses have n-grams of.

    Returns
    -------
    BLEUScore
    """
    check_choice("smoothing", smoothing, BLEU_SMOOTHINGS)
    order = len(matches)
    bp = brevity_penalty(hyp_len, ref_len)
    precisions = [0.0] * order
    if not any(matches):
        return BLEUScore(
            0.0, tuple(precisions), bp, tuple(matches), tuple(totals), hyp_len, ref_len
        )
    halvings, used = 1.0, order
    for n in range(order):
        if totals[n] == 0:  # no n-grams of this order: hypotheses shorter than n
            break
        if effective_order:
            used = n + 1
        if matches[n] > 0:
            precisions[n] = matches[n] / totals[n]
        elif smoothing == "exp":
            halvings *= 2.0
            precisions[n] = 1.0 / (halvings * totals[n])
    if any(p == 0.0 for p in precisions[:used]):
        score = 0.0
    else:
        score = bp * math.exp(sum(math.log(p) for p in precisions[:used]) / used)
    return BLEUScore(score, tuple(precisions), bp, tuple(matches), tuple(totals), hyp_len, ref_len)


def _check_corpus(hypotheses: Sequence[Tokens], references: Sequence[Sequence[Tokens]]) -> None:
    if len(hypotheses) != len(references):
        raise ValueError(
            f"references must hold one list of references per hypothesis: {len(hypotheses)} "
            f"hypotheses, got {len(references)} reference lists"
        )
    for i, refs in enumerate(references):
        if isinstance(refs, str) or len(refs) == 0:
            raise ValueError(
                f"references[{i}] must be a non-empty list of reference token sequences, "
                f"got {refs!r}"
            )


def corpus_bleu(
    hypotheses: Sequence[Tokens],
    references: Sequence[Sequence[Tokens]],
    max_order: int = 4,
    smoothing: str = "exp",
    effective_order: bool = False,
) -> BLEUScore:
    """Corpus BLEU: statistics summed over sentences, then one score (not a mean of scores).

    Parameters
    ----------
    hypotheses : sequence of token sequences, length S
        The outputs.
    references : sequence, length S, of non-empty sequences of token sequences
        ``references[i]`` lists the references of ``hypotheses[i]``.
    max_order : int, default 4
        Largest n-gram order N.
    smoothing : {"exp", "none"}, default "exp"
        sacrebleu's default is "exp".
    effective_order : bool, default False
        As in ``bleu_from_statistics``.

    Returns
    -------
    BLEUScore
        ``score`` in [0, 1] (sacrebleu's ``BLEU().corpus_score`` with ``tokenize="none"`` / 100).

    Examples
    --------
    >>> round(corpus_bleu([["a", "b", "c", "d"]], [[["a", "b", "c", "d"]]]).score, 6)
    1.0
    """
    check_int("max_order", max_order)
    check_choice("smoothing", smoothing, BLEU_SMOOTHINGS)
    _check_corpus(hypotheses, references)
    if not hypotheses:
        raise ValueError("hypotheses must not be empty")
    stats = [bleu_statistics(h, r, max_order) for h, r in zip(hypotheses, references, strict=True)]
    matches = [sum(m[n] for m, _, _, _ in stats) for n in range(max_order)]
    totals = [sum(t[n] for _, t, _, _ in stats) for n in range(max_order)]
    hyp_len, ref_len = sum(s[2] for s in stats), sum(s[3] for s in stats)
    return bleu_from_statistics(matches, totals, hyp_len, ref_len, smoothing, effective_order)


def sentence_bleu(
    hypothesis: Tokens,
    references: Sequence[Tokens],
    max_order: int = 4,
    smoothing: str = "exp",
    effective_order: bool = True,
) -> BLEUScore:
    """BLEU of one hypothesis against its references (sacrebleu's ``sentence_bleu`` defaults).

    Parameters
    ----------
    hypothesis : sequence of hashables
        One output's tokens.
    references : non-empty sequence of token sequences
        Its references.
    max_order, smoothing : as in :func:`corpus_bleu`
    effective_order : bool, default True
        A short sentence is not scored zero for lacking 4-grams.

    Returns
    -------
    BLEUScore
    """
    return corpus_bleu([hypothesis], [references], max_order, smoothing, effective_order)
