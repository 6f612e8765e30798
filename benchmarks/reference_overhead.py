"""The cost of the reference's structure: ``lstm_forward`` against a bare NumPy loop.

The bare loop below is written independently of :mod:`rnncourse.reference`: the same equations
(chapter 9), the same numerically stable sigmoid, no argument checks, no caches beyond the lists
a backward pass would need. The ratio ``reference / bare`` is the price of the checks, the step
function calls and the typed caches; issue 25 asks for at most 1.3 at (N, T, D, H) = (1, 500, 16,
32), where the per-step overhead dominates. Both run in interleaved pairs, ``--repeats`` of
them; printed are the best times, their ratio and the median of the pairs' ratios (steadier on a
loaded machine)::

    .venv/bin/python benchmarks/reference_overhead.py [--repeats 20] [--N 1 --T 500 --D 16 --H 32]

Prints the two times and the ratio; asserts nothing (speed is measured, never asserted).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from rnncourse.reference import lstm_backward, lstm_forward


def _sigmoid(x: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def bare_lstm_forward(x, h0, Wx, Wh, b):
    """Run the LSTM over a sequence, keeping what a backward pass needs; return (h, kept)."""
    N, T, _ = x.shape
    H = Wh.shape[0]
    h_t, c_t = h0, np.zeros((N, H))
    hs, kept = [], []
    for t in range(T):
        a = x[:, t] @ Wx + h_t @ Wh + b
        i, f = _sigmoid(a[:, :H]), _sigmoid(a[:, H : 2 * H])
        g, o = np.tanh(a[:, 2 * H : 3 * H]), _sigmoid(a[:, 3 * H :])
        c_prev, c_t = c_t, f * c_t + i * g
        kept.append((h_t, c_prev, i, f, g, o, c_t))
        h_t = o * np.tanh(c_t)
        hs.append(h_t)
    return np.stack(hs, axis=1), kept


def bare_lstm_backward(dh, x, Wx, Wh, kept):
    """BPTT through :func:`bare_lstm_forward`; returns (dx, dh0, dWx, dWh, db)."""
    N, T, H = dh.shape
    dx = np.empty_like(x)
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(Wx.shape[1])
    dh_next, dc_next = np.zeros((N, H)), np.zeros((N, H))
    for t in reversed(range(T)):
        h_prev, c_prev, i, f, g, o, c = kept[t]
        d = dh[:, t] + dh_next
        tc = np.tanh(c)
        dc = dc_next + d * o * (1 - tc**2)
        da = np.concatenate(
            [dc * g * i * (1 - i), dc * c_prev * f * (1 - f), dc * i * (1 - g**2),
             d * tc * o * (1 - o)],
            axis=1,
        )  # fmt: skip
        dx[:, t] = da @ Wx.T
        dh_next, dc_next = da @ Wh.T, dc * f
        dWx += x[:, t].T @ da
        dWh += h_prev.T @ da
        db += da.sum(axis=0)
    return dx, dh_next, dWx, dWh, db


def _best(fn, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    """Time both loops, forward and backward, and print the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    for name, default in (("N", 1), ("T", 500), ("D", 16), ("H", 32)):
        parser.add_argument(f"--{name}", type=int, default=default)
    args = parser.parse_args()
    N, T, D, H = args.N, args.T, args.D, args.H
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, T, D))
    h0 = np.zeros((N, H))
    Wx, Wh = 0.3 * rng.standard_normal((D, 4 * H)), 0.3 * rng.standard_normal((H, 4 * H))
    b = 0.1 * rng.standard_normal(4 * H)
    dh = rng.standard_normal((N, T, H))

    h_ref, cache = lstm_forward(x, h0, Wx, Wh, b)
    h_bare, kept = bare_lstm_forward(x, h0, Wx, Wh, b)
    assert np.allclose(h_ref, h_bare, atol=1e-12), "the two loops disagree"
    for g_ref, g_bare in zip(
        lstm_backward(dh, cache), bare_lstm_backward(dh, x, Wx, Wh, kept), strict=True
    ):
        assert np.allclose(g_ref, g_bare, atol=1e-10), "the two backward loops disagree"

    rows = {
        "forward": (
            lambda: lstm_forward(x, h0, Wx, Wh, b),
            lambda: bare_lstm_forward(x, h0, Wx, Wh, b),
        ),
        "backward": (
            lambda: lstm_backward(dh, cache),
            lambda: bare_lstm_backward(dh, x, Wx, Wh, kept),
        ),
    }
    print(f"lstm at (N, T, D, H) = ({N}, {T}, {D}, {H}), float64, best of {args.repeats}")
    for label, (ref, bare) in rows.items():
        pairs = []
        for _ in range(args.repeats):  # interleaved pairs, so a change of load hits both alike
            pairs.append((_best(ref, 1), _best(bare, 1)))
        t_ref, t_bare = min(p[0] for p in pairs), min(p[1] for p in pairs)
        paired = float(np.median([r / b for r, b in pairs]))
        print(
            f"  {label:8s} reference {1e3 * t_ref:7.2f} ms   bare loop {1e3 * t_bare:7.2f} ms   "
            f"ratio of the bests {t_ref / t_bare:.2f}   median ratio of the pairs {paired:.2f}"
        )


if __name__ == "__main__":
    main()
