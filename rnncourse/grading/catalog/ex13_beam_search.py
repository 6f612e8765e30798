"""Exercise 13 (13_attention): beam search with length normalisation, given a step function."""

from __future__ import annotations

import numpy as np

from rnncourse.grading.catalog._common import NUMPY_ONLY, variants
from rnncourse.grading.core import Call, Case, Exercise, Part

EOS = 2
ARGS = ("beam_search", "table", "beam_size", "max_len", "eos_id", "alpha")


def greedy_trap(V: int = 5) -> np.ndarray:
    """Return a hand-made model on which greedy decoding is wrong (tokens 3 = 'a', 4 = 'b').

    Greedy takes 'a' (0.6) then 'a' (0.36): p('aa') = 0.216; 'b' then <EOS> has 0.4 * 0.9 = 0.36.
    """
    p = np.full((4, V, V), 1e-9)
    p[0, EOS, [3, 4]] = 0.6, 0.4
    p[1, 3, [3, 4, EOS]] = 0.36, 0.34, 0.30
    p[1, 4, [EOS, 3, 4]] = 0.9, 0.05, 0.05
    p[2:, :, EOS] = 1.0
    return np.log(p / p.sum(axis=2, keepdims=True))


def beam_trap(V: int = 6) -> np.ndarray:
    """Return a hand-made model on which a beam of 2 differs from greedy and exhaustive search.

    Tokens 3 = 'a', 4 = 'b', 5 = 'c'. The best output is 'c' <EOS> (0.25), but 'c' is only third
    at the first step, so a beam of 2 never sees it and ends with 'b' <EOS> (0.35 * 0.5 = 0.175);
    greedy decoding takes 'a' twice ('a' 'a' <EOS>: 0.4 * 0.36 = 0.144). Reading the table out of
    the step function and searching it exhaustively finds 'c' <EOS>, which is wrong here.
    """
    p = np.full((4, V, V), 1e-9)
    p[0, EOS, [3, 4, 5]] = 0.4, 0.35, 0.25
    p[1, 3, [3, 4, EOS]] = 0.36, 0.34, 0.30
    p[1, 4, [EOS, 3, 4]] = 0.5, 0.25, 0.25
    p[1, 5, EOS] = 1.0
    p[2:, :, EOS] = 1.0
    return np.log(p / p.sum(axis=2, keepdims=True))


def exhaustive(table, max_len, alpha):
    """Return the best output of ``table`` over every output of at most ``max_len`` tokens.

    Scored as the beam search scores them: log p / len**alpha, len counting <EOS>; an output
    without <EOS> after ``max_len`` tokens is scored with len = max_len.
    """
    best = ([], -np.inf)
    frontier = [([], 0.0, EOS)]
    for t in range(1, max_len + 1):
        grown = []
        for tokens, logp, prev in frontier:
            row = table[min(t - 1, table.shape[0] - 1), prev]
            for v in range(table.shape[2]):
                total = logp + row[v]
                if v == EOS:
                    if total / t**alpha > best[1]:
                        best = (tokens, total / t**alpha)
                else:
                    grown.append((tokens + [v], total, v))
        frontier = grown
    for tokens, logp, _ in frontier:
        if logp / max_len**alpha > best[1]:
            best = (tokens, logp / max_len**alpha)
    return {"tokens": np.array(best[0], dtype=np.int64), "score": np.float64(best[1])}


def _random_table(rng, T, V):
    logits = rng.normal(size=(T, V, V)) * 2.0
    logits[:, :, EOS] += rng.normal() + 0.5  # ends are likely but not certain
    logits[:, :, :EOS] = -30.0  # <PAD> and <UNK> never come out
    return logits - np.log(np.exp(logits).sum(axis=2, keepdims=True))


def _solve(table, beam_size, max_len, alpha, bug=None):
    import torch

    from rnncourse.train.seq2seq import beam_search

    if bug == "exhaustive":
        return exhaustive(table, max_len, alpha)
    if bug == "raw_probs":  # multiplies probabilities but forgets to normalise by length
        alpha = 0.0
    if bug == "greedy":
        beam_size = 1

    def step(tokens, states):
        depth = torch.clamp(states[:, 0], max=table.shape[0] - 1)
        logp = torch.from_numpy(table)[depth, tokens]
        return logp, torch.stack([states[:, 0] + 1, tokens], dim=1)

    start = torch.tensor([[0, EOS]])
    tokens, score = beam_search(
        step, start, beam_size, max_len, EOS, EOS, alpha, select=lambda s, i: s.index_select(0, i)
    )
    return {"tokens": np.array(tokens, dtype=np.int64), "score": np.float64(score)}


def beam_search_cases(rng):
    """Draw random cases of ``beam_search``: expected outputs and known mistakes."""
    bugs = {
        "greedy": "this is greedy decoding: keep the beam_size best partial outputs, not one",
        "raw_probs": "finished outputs must be ranked by log p / len**alpha (length normalisation)",
        "exhaustive": "this is the best output over all outputs (exhaustive search); a beam of "
        "beam_size keeps only the beam_size best partial outputs at each step",
    }
    setups = [(greedy_trap(), 2, 4, 0.0), (greedy_trap(), 3, 4, 0.7)]
    setups.append((beam_trap(), 2, 4, 0.0))  # beam != greedy != exhaustive (a test checks)
    for _ in range(3):
        T, V = int(rng.integers(3, 6)), int(rng.integers(4, 7))
        setups.append((_random_table(rng, T, V), int(rng.integers(2, 5)), T, 1.0))
    cases = []
    for table, B, max_len, alpha in setups:
        want = _solve(table, B, max_len, alpha)
        var = variants(bugs, lambda bug, t=table, B=B, m=max_len, a=alpha: _solve(t, B, m, a, bug))
        var = {k: v for k, v in var.items() if not _same(v, want)}
        call = Call(
            "@beam_table", ("beam_search", table, B, max_len, EOS, alpha), ARGS, ("tokens", "score")
        )
        cases.append(
            Case(
                [call],
                {"tokens": (0, 0), "score": (0, 1)},
                want,
                f"V={table.shape[2]}, beam_size={B}, max_len={max_len}, alpha={alpha}",
                var,
            )
        )
    return cases


def _same(a, b):
    return (
        a["tokens"].shape == b["tokens"].shape
        and np.array_equal(a["tokens"], b["tokens"])
        and np.isclose(a["score"], b["score"])
    )


EXERCISE = Exercise(
    "ex13_beam_search",
    "Beam search with length normalisation",
    "13_attention",
    [Part("beam_search", 10, beam_search_cases)],
    NUMPY_ONLY,
)
