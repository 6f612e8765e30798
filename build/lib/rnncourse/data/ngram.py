r"""Count-based n-gram language models: the baselines a recurrent language model must beat.

An n-gram model predicts token :math:`y_t` from the previous n − 1 tokens only,
:math:`P(y_t \mid y_{t-n+1}, \dots, y_{t-1})`, estimated from counts :math:`c(\cdot)` in the
training text. Raw relative frequencies give probability 0 to anything unseen (and an infinite
held-out loss), so every model here *smooths*:

``"add-k"``
    :math:`P(w \mid h) = (c(hw) + k) / (c(h) + kV)` (Laplace for k = 1).
``"jelinek-mercer"``
    Interpolate with the next shorter context, one fixed weight per order:
    :math:`P_m(w \mid h) = \lambda_m c(hw)/c(h) + (1 - \lambda_m) P_{m-1}(w \mid h')`, where
    :math:`h'` drops the oldest token of :math:`h` and :math:`P_0 = 1/V`.
``"witten-bell"``
    The same interpolation with a weight read off the counts,
    :math:`P_m(w \mid h) = \bigl(c(hw) + N_{1+}(h\,\bullet) P_{m-1}(w \mid h')\bigr) /
    \bigl(c(h) + N_{1+}(h\,\bullet)\bigr)`, where :math:`N_{1+}(h\,\bullet)` is the number of
    distinct tokens seen after h: a context followed by many different tokens trusts its own
    counts less.
``"kneser-ney"``
    Interpolated Kneser–Ney: subtract a discount D from every seen count and give the mass
    freed, :math:`D N_{1+}(h\,\bullet)/c(h)`, to the shorter context, whose counts are
    *continuation* counts (how many distinct tokens precede a pattern, not how often it occurs).

A context that was never seen (:math:`c(h) = 0`) hands the whole prediction to the shorter context
in the three interpolated models. All four give distributions that sum to 1 over the V ids.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from rnncourse._validation import check_choice, check_ids, check_int, check_positive

__all__ = ["SMOOTHINGS", "NGramLM"]

SMOOTHINGS = ("add-k", "jelinek-mercer", "witten-bell", "kneser-ney")


def _ngrams(ids: list[int], m: int) -> Counter:
    """Return the counts of every m-gram (as a tuple) in ``ids``."""
    return Counter(zip(*(ids[i:] for i in range(m)), strict=False))


def _context_stats(grams: Counter) -> dict[tuple, tuple[float, int]]:
    """For counts of m-grams ``h + (w,)``: context ``h`` -> (sum of counts, distinct w)."""
    stats: dict[tuple, list] = {}
    for g, c in grams.items():
        s = stats.setdefault(g[:-1], [0, 0])
        s[0] += c
        s[1] += 1
    return {h: (s[0], s[1]) for h, s in stats.items()}


class NGramLM:
    r"""A smoothed n-gram model over integer token ids.

    Parameters
    ----------
    order : int
        n >= 1 (1 = unigram: no context at all).
    vocab_size : int
        V; ids must lie in ``[0, V)``. Probabilities are spread over all V ids.
    smoothing : {"add-k", "jelinek-mercer", "witten-bell", "kneser-ney"}, default "kneser-ney"
    k : float, default 1.0
        Pseudo-count of ``"add-k"``.
    lambdas : float or sequence of n floats in [0, 1], default 0.8
        ``"jelinek-mercer"`` weights :math:`\lambda_1..\lambda_n` of the orders 1..n.
    discount : float in (0, 1], default 0.75
        ``"kneser-ney"`` discount D.

    Examples
    --------
    >>> lm = NGramLM(2, vocab_size=3, smoothing="witten-bell").fit([0, 1, 2, 0, 1, 2])
    >>> round(sum(lm.prob([0], w) for w in range(3)), 12)
    1.0
    """

    def __init__(
        self,
        order: int,
        vocab_size: int,
        smoothing: str = "kneser-ney",
        k: float = 1.0,
        lambdas: float | Sequence[float] = 0.8,
        discount: float = 0.75,
    ) -> None:
        self.order, self.V = check_int("order", order), check_int("vocab_size", vocab_size)
        self.smoothing = check_choice("smoothing", smoothing, SMOOTHINGS)
        self.k = check_positive("k", k)
        lam = [float(lambdas)] * self.order if np.isscalar(lambdas) else list(lambdas)
        if len(lam) != self.order or not all(0.0 <= x <= 1.0 for x in lam):
            raise ValueError(
                f"lambdas must be one float or {self.order} floats in [0, 1], got {lambdas!r}"
            )
        self.lambdas = lam
        self.discount = check_positive("discount", discount)
        if self.discount > 1:
            raise ValueError(f"discount must be in (0, 1], got {discount}")
        self.counts: list[Counter] = []
        self.stats: list[dict] = []

    # ------------------------------------------------------------------ fitting
    def fit(self, ids: Any) -> NGramLM:
        """Count the m-grams (m = 1..n) of a training id sequence (L,); returns ``self``."""
        arr = check_ids("ids", ids, high=self.V)
        if len(arr) < self.order:
            raise ValueError(f"ids too short: need L >= n = {self.order}, got L = {len(arr)}")
        seq = arr.tolist()
        raw = [Counter()] + [_ngrams(seq, m) for m in range(1, self.order + 1)]
        self.counts = raw
        if self.smoothing == "kneser-ney":
            # level m < n counts each m-gram once per distinct token seen before it
            for m in range(1, self.order):
                raw_m1 = raw[m + 1]
                self.counts[m] = Counter(g[1:] for g in raw_m1)
        self.stats = [{}] + [_context_stats(self.counts[m]) for m in range(1, self.order + 1)]
        return self

    # ------------------------------------------------------------------ prediction
    def prob(self, context: Sequence[int], token: int) -> float:
        """P(token | the last n - 1 ids of ``context``) (fewer at the start of a text)."""
        if not self.counts:
            raise RuntimeError("call fit(ids) before prob()")
        ctx = tuple(int(c) for c in context)[max(0, len(context) - self.order + 1) :]
        w = int(token)
        if self.smoothing == "add-k":
            m = len(ctx) + 1
            c_h = self.stats[m].get(ctx, (0, 0))[0]
            return (self.counts[m].get(ctx + (w,), 0) + self.k) / (c_h + self.k * self.V)
        p = 1.0 / self.V
        for m in range(1, len(ctx) + 2):
            h = ctx[len(ctx) - m + 1 :]
            total, distinct = self.stats[m].get(h, (0, 0))
            if total == 0:
                continue  # unseen context: the shorter one decides
            c = self.counts[m].get(h + (w,), 0)
            if self.smoothing == "jelinek-mercer":
                lam = self.lambdas[m - 1]
                p = lam * c / total + (1 - lam) * p
            elif self.smoothing == "witten-bell":
                p = (c + distinct * p) / (total + distinct)
            else:
                D = self.discount
                p = max(c - D, 0.0) / total + D * distinct / total * p
        return p

    def distribution(self, context: Sequence[int]) -> np.ndarray:
        """P(w | context) for every id w, shape (V,); sums to 1."""
        return np.array([self.prob(context, w) for w in range(self.V)])

    def log_probs(self, ids: Any) -> np.ndarray:
        """Return ln P(ids[t] | ids[:t]) for t = 1..L-1, shape (L - 1,) (the first id is given)."""
        arr = check_ids("ids", ids, high=self.V)
        if len(arr) < 2:
            raise ValueError(f"ids must hold L >= 2 tokens to score, got L = {len(arr)}")
        seq = arr.tolist()
        n1 = self.order - 1
        return np.array(
            [math.log(self.prob(seq[max(0, t - n1) : t], seq[t])) for t in range(1, len(seq))]
        )

    def cross_entropy(self, ids: Any) -> float:
        """Mean held-out loss in nats per predicted token (convert with ``convert_loss``)."""
        return float(-self.log_probs(ids).mean())
