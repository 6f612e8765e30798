"""Per-character features of source text, and a search for hidden units that track them.

Each feature maps a string of length T to a float array (T,): one number per character, the
quantity a unit might be counting. :func:`rank_units` correlates every unit's activation with a
feature (Pearson r over time) — the automatic search of the interpretable-cell viewer.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = [
    "inside_string",
    "inside_short_string",
    "indentation",
    "line_position",
    "FEATURES",
    "rank_units",
    "gate_saturation",
]


def inside_string(text: str, triple: bool = True) -> np.ndarray:
    """1.0 for characters inside a Python string literal (quotes included), else 0.0.

    A small scanner: single, double and triple quotes, backslash escapes, and ``#`` comments
    (quotes in comments do not open strings). A literal left open at the end of a line stays
    open only if it is triple-quoted.

    Parameters
    ----------
    text : str, length T
    triple : bool
        Count triple-quoted literals (docstrings, mostly) as strings too; with False only
        one-line literals (``'...'``, ``"..."``) are marked.

    Returns
    -------
    ndarray, shape (T,)
    """
    out = np.zeros(len(text))
    quote, i, comment, start = "", 0, False, 0
    while i < len(text):
        ch = text[i]
        if comment:
            comment = ch != "\n"
        elif quote:
            out[i] = 1.0
            if ch == "\\":
                out[i + 1 : i + 2] = 1.0
                i += 2
                continue
            if text.startswith(quote, i):
                out[i : i + len(quote)] = 1.0
                i += len(quote)
                if len(quote) == 3 and not triple:
                    out[start:i] = 0.0
                quote = ""
                continue
            if ch == "\n" and len(quote) == 1:
                quote = ""  # an unterminated one-line literal ends with its line
        elif ch == "#":
            comment = True
        elif ch in "'\"":
            quote = ch * 3 if text.startswith(ch * 3, i) else ch
            start = i
            out[i : i + len(quote)] = 1.0
            i += len(quote)
            continue
        i += 1
    if quote and len(quote) == 3 and not triple:
        out[start:] = 0.0
    return out


def inside_short_string(text: str) -> np.ndarray:
    """Like :func:`inside_string` but only one-line literals (docstrings excluded)."""
    return inside_string(text, triple=False)


def indentation(text: str) -> np.ndarray:
    """Indentation of each character's line: the number of leading spaces divided by 4.

    Returns
    -------
    ndarray, shape (T,)
        Constant along a line; a tab counts as 4 spaces.
    """
    out = np.zeros(len(text))
    start = 0
    for line in text.split("\n"):
        stripped = line.lstrip(" \t")
        lead = line[: len(line) - len(stripped)]
        depth = (lead.count(" ") + 4 * lead.count("\t")) / 4.0
        out[start : start + len(line) + 1] = depth  # the newline belongs to its line
        start += len(line) + 1
    return out


def line_position(text: str) -> np.ndarray:
    """Column of each character in its line (0 for the first character after a newline).

    Returns
    -------
    ndarray, shape (T,)
    """
    out = np.zeros(len(text))
    col = 0
    for i, ch in enumerate(text):
        out[i] = col
        col = 0 if ch == "\n" else col + 1
    return out


#: name -> (label, function)
FEATURES: dict[str, tuple[str, Callable[[str], np.ndarray]]] = {
    "inside_string": ("inside a string literal", inside_string),
    "inside_short_string": ("inside a one-line string", inside_short_string),
    "indentation": ("indentation depth", indentation),
    "line_position": ("position in the line", line_position),
}


def rank_units(acts: np.ndarray, feature: np.ndarray, top_k: int = 5) -> list[tuple[int, float]]:
    """Units whose activation correlates best (in absolute value) with a feature.

    Parameters
    ----------
    acts : ndarray, shape (T, H)
        Activation of every unit at every step.
    feature : ndarray, shape (T,)
    top_k : int
        How many units to return (at most H).

    Returns
    -------
    list of (unit, r)
        Sorted by decreasing ``|r|``, where r is the Pearson correlation over time; a constant
        unit or feature gets r = 0.
    """
    acts = np.asarray(acts, dtype=np.float64)
    feature = np.asarray(feature, dtype=np.float64)
    if acts.ndim != 2 or feature.shape != (acts.shape[0],):
        raise ValueError(
            f"acts must be (T, H) and feature (T,), got {acts.shape} and {feature.shape}"
        )
    a = acts - acts.mean(axis=0)
    f = feature - feature.mean()
    denom = np.sqrt((a**2).sum(axis=0) * (f**2).sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.where(denom > 1e-12, (a * f[:, None]).sum(axis=0) / denom, 0.0)
    order = np.argsort(-np.abs(r), kind="stable")[: max(1, min(top_k, acts.shape[1]))]
    return [(int(u), float(r[u])) for u in order]


def gate_saturation(
    gate: np.ndarray, low: float = 0.1, high: float = 0.9
) -> tuple[np.ndarray, np.ndarray]:
    """How often each unit's sigmoid gate is nearly shut or nearly open.

    Parameters
    ----------
    gate : ndarray, shape (T, H)
        Recorded gate values in (0, 1) (e.g. an LSTM's ``i``, ``f`` or ``o``).
    low, high : float
        A value below ``low`` counts as left-saturated (shut), above ``high`` as right-saturated
        (open), as in Karpathy et al. (2016).

    Returns
    -------
    left, right : ndarray, shape (H,)
        Fraction of time steps each unit spends below ``low`` and above ``high``.
    """
    gate = np.asarray(gate, dtype=np.float64)
    if gate.ndim != 2 or gate.shape[0] == 0:
        raise ValueError(f"gate must be (T, H) with T >= 1, got shape {gate.shape}")
    if not 0.0 < low < high < 1.0:
        raise ValueError(f"need 0 < low < high < 1, got low={low}, high={high}")
    return (gate < low).mean(axis=0), (gate > high).mean(axis=0)
