r"""Truncated BPTT as a weight on the carried gradient: chunks, BPTT(k1, k2), randomised truncation.

Chapter 4's backward sweep carries :math:`\delta_t = g_t + da_{t+1} W_h^\top`. Every truncation
scheme changes one thing only, the weight :math:`w_t` on the part that arrives from step t + 1:

.. math:: \delta_t = g_t + w_t\, da_{t+1} W_h^\top .

* full BPTT: :math:`w_t = 1` everywhere;
* non-overlapping chunks of k steps (:func:`rnncourse.reference.tbptt`): :math:`w_t = 0` at the
  last step of each chunk, 1 elsewhere, so the loss at position p of a chunk (p = 0..k-1) gets
  credit p steps back and no further;
* randomised truncation (Tallec and Ollivier's ARTBP): at every step, independently, truncate
  with probability c (:math:`w_t = 0`) and otherwise multiply by the compensation factor
  :math:`w_t = 1/(1-c)`. The path from a loss at step t back to step s crosses t - s weights,
  survives with probability :math:`(1-c)^{t-s}` and is then scaled by :math:`(1-c)^{-(t-s)}`:
  each term of the full gradient keeps its expected value, so the estimate is unbiased (the
  weights are independent and each has mean 1);
* BPTT(k1, k2) (Williams and Peng): every k1 steps, the losses of those k1 steps are
  back-propagated over the last k2 steps, a window that overlaps the previous one by k2 - k1;
  each loss gets credit at least k2 - k1 steps back. One window is one call of
  :func:`rnn_backward_weighted` with the losses outside the window's last k1 steps masked.

Only the vanilla RNN (:mod:`rnncourse.reference.rnn`) is covered: its step backward is reused
as it is.
"""

from __future__ import annotations

import numpy as np

from rnncourse._validation import Dims, as_generator, check_cache, check_float_array, check_int
from rnncourse.reference.rnn import RNNCache, _rnn_step_backward

__all__ = [
    "chunk_weights",
    "random_truncation_weights",
    "overlapping_windows",
    "rnn_backward_weighted",
    "truncated_rnn_gradients",
]


def chunk_weights(T: int, chunk_len: int) -> np.ndarray:
    """Carried-gradient weights of non-overlapping chunks: 0 at each chunk's last step, else 1.

    Parameters
    ----------
    T : int
        Sequence length.
    chunk_len : int
        k, steps per chunk (>= 1).

    Returns
    -------
    numpy.ndarray, shape (T,)
        ``w[t]`` weighs what reaches step t from step t + 1 (``w[T-1]`` is never used).
    """
    T, k = check_int("T", T), check_int("chunk_len", chunk_len)
    w = np.ones(T)
    w[k - 1 :: k] = 0.0
    return w


def random_truncation_weights(
    T: int, c: float, rng: np.random.Generator | int | None
) -> np.ndarray:
    """Weights of randomised truncation: 0 with probability c, else the compensation 1/(1 - c).

    Parameters
    ----------
    T : int
        Sequence length.
    c : float
        Truncation probability per step, in (0, 1); the chunks between truncations then have
        geometric lengths with mean 1/c.
    rng : numpy.random.Generator or int or None

    Returns
    -------
    numpy.ndarray, shape (T,)
        Each entry has mean 1, so products of distinct entries have mean 1 as well.
    """
    T = check_int("T", T)
    if not 0 < c < 1:
        raise ValueError(f"c must be a truncation probability in (0, 1), got {c!r}")
    cut = as_generator(rng).random(T) < c
    return np.where(cut, 0.0, 1.0 / (1.0 - c))


def overlapping_windows(T: int, k1: int, k2: int) -> list[tuple[slice, slice]]:
    """Return the windows of BPTT(k1, k2): ``(backprop steps, loss steps)`` per block of k1.

    Parameters
    ----------
    T : int
        Sequence length.
    k1 : int
        Steps between two backward passes (the losses each one injects).
    k2 : int
        Steps each backward pass runs over, ``k2 >= k1`` (``k1 == k2``: non-overlapping chunks).

    Returns
    -------
    list of (slice, slice)
        For each block ``[s, e)`` of k1 steps (the last may be shorter): the window
        ``[max(0, e - k2), e)`` and its loss steps ``[s, e)``.
    """
    T, k1, k2 = check_int("T", T), check_int("k1", k1), check_int("k2", k2)
    if k2 < k1:
        raise ValueError(f"k2 must be >= k1 (the window holds the block), got k1={k1}, k2={k2}")
    blocks = [(s, min(s + k1, T)) for s in range(0, T, k1)]
    return [(slice(max(0, e - k2), e), slice(s, e)) for s, e in blocks]


def rnn_backward_weighted(
    dh: np.ndarray, cache: RNNCache, w: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""BPTT for :func:`rnncourse.reference.rnn_forward` with a weight on the carried gradient.

    The sweep of :func:`rnncourse.reference.rnn_backward` with
    :math:`\delta_t = g_t + w_t\, da_{t+1} W_h^\top`; ``w = np.ones(T)`` gives it back exactly.

    Parameters
    ----------
    dh : numpy.ndarray, shape (N, T, H)
        Upstream gradient on every hidden state.
    cache : RNNCache
        From :func:`rnncourse.reference.rnn_forward`.
    w : numpy.ndarray, shape (T,)
        ``w[t]`` weighs what reaches step t from step t + 1 (:func:`chunk_weights`,
        :func:`random_truncation_weights`).

    Returns
    -------
    dx, dh0, dWx, dWh, db
        As :func:`rnncourse.reference.rnn_backward` (``dh0`` is what reaches the initial state).
    """
    check_cache(cache, RNNCache, "rnn_forward")
    T = len(cache.steps)
    dims = Dims(T=T, H=cache.steps[0].Wh.shape[0])
    check_float_array("dh", dh, "(N, T, H)", dims)
    check_float_array("w", w, "(T,)", dims)
    N, _, H = dh.shape
    dx = [None] * T
    dWx, dWh, db = 0, 0, 0
    dh_next = np.zeros((N, H), dh.dtype)
    for t in reversed(range(T)):
        delta = dh[:, t] + (w[t] * dh_next if t < T - 1 else dh_next)  # δ_t = g_t + w_t da W_hᵀ
        dx[t], dh_next, dWx_t, dWh_t, db_t = _rnn_step_backward(delta, cache.steps[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return np.stack(dx, axis=1), dh_next, dWx, dWh, db


def truncated_rnn_gradients(
    dh: np.ndarray,
    cache: RNNCache,
    scheme: str,
    *,
    k: int | None = None,
    k1: int | None = None,
    k2: int | None = None,
    c: float | None = None,
    rng: np.random.Generator | int | None = None,
) -> dict[str, np.ndarray]:
    """Return the weight gradient one truncation scheme estimates, the forward pass held fixed.

    Parameters
    ----------
    dh : numpy.ndarray, shape (N, T, H)
        Upstream gradient on every hidden state (from the outputs only).
    cache : RNNCache
        From :func:`rnncourse.reference.rnn_forward` over the whole sequence.
    scheme : {"full", "chunks", "overlap", "random"}
        Full BPTT; non-overlapping chunks of ``k``; BPTT(``k1``, ``k2``); randomised truncation
        with probability ``c`` (one draw of ``rng``).
    k, k1, k2, c, rng
        The scheme's parameters.

    Returns
    -------
    dict
        ``{"Wx": (D, H), "Wh": (H, H), "b": (H,)}``.
    """
    T = len(check_cache(cache, RNNCache, "rnn_forward").steps)
    if scheme == "overlap":
        total = None
        for window, losses in overlapping_windows(T, k1, k2):
            g = np.zeros_like(dh[:, window])
            g[:, losses.start - window.start :] = dh[:, losses]
            part = rnn_backward_weighted(
                g, RNNCache(steps=cache.steps[window]), np.ones(g.shape[1])
            )
            total = (
                part[2:]
                if total is None
                else tuple(a + b for a, b in zip(total, part[2:], strict=True))
            )
        return dict(zip(("Wx", "Wh", "b"), total, strict=True))
    if scheme == "full":
        w = np.ones(T)
    elif scheme == "chunks":
        w = chunk_weights(T, k)
    elif scheme == "random":
        w = random_truncation_weights(T, c, rng)
    else:
        raise ValueError(
            f"scheme must be one of 'full', 'chunks', 'overlap', 'random', got {scheme!r}"
        )
    _, _, dWx, dWh, db = rnn_backward_weighted(dh, cache, w)
    return {"Wx": dWx, "Wh": dWh, "b": db}
