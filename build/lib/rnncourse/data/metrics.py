r"""Language-model losses in the three units people quote, and Zipf's rank–frequency law.

A language model's loss on a text of T tokens is the mean cross-entropy

.. math::

    \ell = -\frac{1}{T} \sum_{t=1}^{T} \ln P(y_t \mid y_{<t})  \quad\text{(nats per token)}.

The same number in bits per token (bits per character, *bpc*, for a character model) is
:math:`\ell / \ln 2`, and the perplexity is :math:`e^{\ell} = 2^{\text{bits}}`: the size of a
uniform vocabulary that would be exactly as hard to predict. :func:`convert_loss` is the one place
the package converts between them.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from typing import Any

import numpy as np

from rnncourse._validation import check_choice

__all__ = ["LOSS_UNITS", "convert_loss", "rank_frequency", "zipf_fit"]

LOSS_UNITS = ("nats", "bits", "perplexity")


def convert_loss(value: Any, to: str = "bits", frm: str = "nats") -> Any:
    """Convert a mean cross-entropy between nats, bits and perplexity.

    Parameters
    ----------
    value : float or array_like
        Loss per token in unit ``frm`` (the mean over tokens, not the sum).
    to, frm : {"nats", "bits", "perplexity"}
        Target and source units.

    Returns
    -------
    float or np.ndarray
        Same shape as ``value``; a float for a scalar input.

    Examples
    --------
    >>> round(convert_loss(math.log(4), "bits"), 6)
    2.0
    >>> round(convert_loss(2.0, "perplexity", frm="bits"), 6)
    4.0
    """
    check_choice("to", to, LOSS_UNITS)
    check_choice("frm", frm, LOSS_UNITS)
    arr = np.asarray(value, dtype=np.float64)
    if frm == "perplexity" and np.any(arr < 1):
        raise ValueError(f"a perplexity is >= 1, got {value!r}")
    nats = arr * math.log(2.0) if frm == "bits" else np.log(arr) if frm == "perplexity" else arr
    out = nats / math.log(2.0) if to == "bits" else np.exp(nats) if to == "perplexity" else nats
    return float(out) if out.ndim == 0 else out


def rank_frequency(tokens: Iterable[Any]) -> tuple[list[Any], np.ndarray]:
    """Tokens sorted by decreasing count, and their counts.

    Parameters
    ----------
    tokens : iterable of hashables
        A character string, a list of words, or an id array.

    Returns
    -------
    types : list
        Distinct tokens, most frequent first (ties in first-seen order).
    counts : np.ndarray of int64, shape (K,)
        ``counts[r - 1]`` is the count of the token of rank r.
    """
    pairs = Counter(tokens).most_common()
    if not pairs:
        raise ValueError("tokens must not be empty")
    return [p[0] for p in pairs], np.array([p[1] for p in pairs], dtype=np.int64)


def zipf_fit(counts: Any, ranks: tuple[int, int] = (1, 1000)) -> tuple[float, float]:
    """Fit ``log f = log C - s log r`` by least squares over ranks ``ranks[0]..ranks[1]``.

    Parameters
    ----------
    counts : array_like of int, shape (K,)
        Counts by rank, as returned by :func:`rank_frequency`.
    ranks : (int, int)
        First and last rank used (1-based, clipped to K); Zipf's law holds best in the middle.

    Returns
    -------
    (s, C) : (float, float)
        The Zipf exponent s (about 1 for words of natural language) and the constant C.
    """
    f = np.asarray(counts, dtype=np.float64)
    lo, hi = int(ranks[0]), min(int(ranks[1]), len(f))
    if not 1 <= lo < hi:
        raise ValueError(f"ranks must satisfy 1 <= first < last <= K = {len(f)}, got {ranks}")
    r = np.arange(lo, hi + 1, dtype=np.float64)
    slope, intercept = np.polyfit(np.log(r), np.log(f[lo - 1 : hi]), 1)
    return float(-slope), float(math.exp(intercept))
