"""Synthetic long-range tasks generated on the fly from a seeded ``np.random.Generator``.

- :func:`adding_problem` — the adding problem: remember two marked numbers across T steps.
- :func:`copy_task` — reproduce a short symbol string after a long blank delay.
- :func:`future_context_task` — label position t by the token k steps later (or earlier):
  only a model that reads the sequence backwards too (bidirectional) can do the "future" version.
- :func:`reversal_task` — a random digit string and the same string backwards: the toy
  encoder-decoder task of chapters 5 and 13.

``rng`` is read by :func:`rnncourse._validation.as_generator`, the package's one RNG policy: a
generator goes on with its stream, an int seeds one, None draws fresh entropy.
"""

from __future__ import annotations

import numpy as np

from rnncourse._validation import as_generator, check_int

# MSE of always predicting the mean target: Var(X1 + X2) = 2/12 for "uniform"; for
# "hochreiter1997" Var((X1 + X2)/4), X1 zeroed when marked at step 0 (prob 1/10): (0.9/3 + 1/3)/16.
ADDING_BASELINE_MSE = {"uniform": 1.0 / 6.0, "hochreiter1997": 19.0 / 480.0}


def adding_problem(
    n: int,
    T: int,
    variant: str = "uniform",
    rng: np.random.Generator | None = None,
    dtype=np.float32,
) -> tuple[np.ndarray, np.ndarray]:
    """Generate the adding problem.

    Each sequence step is a pair (value, marker). Exactly two steps carry marker 1; the target,
    given only at the end, is a function of their two values.

    ``variant="uniform"`` (the common modern form): values ~ U[0, 1]; one marker uniformly in the
    first half ``[0, T//2)``, the other in the second half ``[T//2, T)``; target = sum of the two
    marked values. Always predicting 1 (the mean) gives MSE = Var(X1 + X2) = 2/12 = 1/6.

    ``variant="hochreiter1997"`` (Hochreiter & Schmidhuber 1997, experiment 4, at fixed length T
    rather than their random T..1.1T): values ~ U[-1, 1]; X1 is marked among the first 10 steps,
    X2 among the first T/2 - 1 steps (distinct from X1); the first and last steps carry marker -1
    unless marked; X1 is set to 0 if it sits at step 0; target = 0.5 + (X1 + X2) / 4 in [0, 1].
    Predicting 0.5 gives MSE = 19/480 ~ 0.040 (see ``ADDING_BASELINE_MSE``).

    Parameters
    ----------
    n : int
        Number of sequences.
    T : int
        Sequence length (>= 2 for "uniform", >= 24 for "hochreiter1997").
    variant : {"uniform", "hochreiter1997"}
    rng : np.random.Generator
        Source of randomness (required, so results are reproducible).
    dtype : float dtype, default float32

    Returns
    -------
    x : np.ndarray, shape (n, T, 2)
        ``x[..., 0]`` values, ``x[..., 1]`` markers.
    y : np.ndarray, shape (n, 1)
        Targets.
    """
    n = check_int("n", n)
    rng = as_generator(rng)
    if variant == "uniform":
        T = check_int("T", T, 2)
        values = rng.random((n, T))
        half = T // 2
        first = rng.integers(0, half, size=n)
        second = rng.integers(half, T, size=n)
        markers = np.zeros((n, T))
        rows = np.arange(n)
        markers[rows, first] = 1.0
        markers[rows, second] = 1.0
        y = values[rows, first] + values[rows, second]
    elif variant == "hochreiter1997":
        T = check_int("T", T, 24)
        values = rng.uniform(-1.0, 1.0, size=(n, T))
        rows = np.arange(n)
        first = rng.integers(0, 10, size=n)
        # Second marker: uniform over the first T/2 - 1 positions other than `first`.
        second = rng.integers(0, T // 2 - 2, size=n)
        second = second + (second >= first)
        markers = np.zeros((n, T))
        markers[:, 0] = -1.0
        markers[:, -1] = -1.0
        markers[rows, first] = 1.0
        markers[rows, second] = 1.0
        values[rows[first == 0], 0] = 0.0
        y = 0.5 + (values[rows, first] + values[rows, second]) / 4.0
    else:
        raise ValueError(f"variant must be 'uniform' or 'hochreiter1997', got {variant!r}")
    x = np.stack([values, markers], axis=-1).astype(dtype)
    return x, y[:, None].astype(dtype)


def copy_task(
    n: int, delay: int, length: int = 10, n_symbols: int = 8, rng: np.random.Generator | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Generate the copy (memory) task.

    Token ids: 0 = blank, 1..K = data symbols (K = ``n_symbols``), K + 1 = "go" marker. The input
    is ``length`` random symbols, then ``delay - 1`` blanks, then the go marker, then ``length``
    blanks; the target is blanks everywhere except the last ``length`` steps, which must repeat
    the symbols. A model that outputs blanks and then guesses uniformly has cross-entropy
    ``length * log(K) / (delay + 2 * length)`` per step.

    Parameters
    ----------
    n : int
        Number of sequences.
    delay : int
        Steps from the end of the symbols to the first step where they must be written (>= 1).
    length : int, default 10
        Number of symbols to remember.
    n_symbols : int, default 8
        K, the alphabet size.
    rng : np.random.Generator

    Returns
    -------
    x : np.ndarray of int64, shape (n, delay + 2 * length)
        Inputs in ``[0, K + 1]`` (vocabulary size K + 2).
    y : np.ndarray of int64, shape (n, delay + 2 * length)
        Targets in ``[0, K]``.
    """
    n = check_int("n", n)
    delay = check_int("delay", delay)
    length = check_int("length", length)
    n_symbols = check_int("n_symbols", n_symbols)
    rng = as_generator(rng)
    total = delay + 2 * length
    symbols = rng.integers(1, n_symbols + 1, size=(n, length))
    x = np.zeros((n, total), dtype=np.int64)
    y = np.zeros((n, total), dtype=np.int64)
    x[:, :length] = symbols
    x[:, length + delay - 1] = n_symbols + 1
    y[:, -length:] = symbols
    return x, y


def future_context_task(
    n: int,
    T: int,
    offset: int = 3,
    n_symbols: int = 4,
    direction: str = "future",
    rng: np.random.Generator | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Tag every position with the token ``offset`` steps later (or earlier).

    Tokens are uniform over ``{0, ..., K - 1}`` (K = ``n_symbols``). With ``direction="future"``
    the label at t is ``x[t + offset]``: a left-to-right RNN has not seen it yet and cannot beat
    chance (accuracy 1/K), while a bidirectional RNN's backward half has. ``direction="past"``
    (label ``x[t - offset]``) is the control any causal RNN can solve. Positions whose label would
    fall outside the sequence are masked out.

    Parameters
    ----------
    n, T : int
        Number of sequences and their length (T > offset).
    offset : int, default 3
    n_symbols : int, default 4
    direction : {"future", "past"}
    rng : np.random.Generator

    Returns
    -------
    x : np.ndarray of int64, shape (n, T)
        Tokens.
    y : np.ndarray of int64, shape (n, T)
        Labels (0 where masked).
    mask : np.ndarray of bool, shape (n, T)
        True where the label is defined (T - offset positions per row).
    """
    n = check_int("n", n)
    offset = check_int("offset", offset)
    T = check_int("T", T, offset + 1)
    n_symbols = check_int("n_symbols", n_symbols, 2)
    rng = as_generator(rng)
    x = rng.integers(0, n_symbols, size=(n, T))
    y = np.zeros_like(x)
    mask = np.zeros((n, T), dtype=bool)
    if direction == "future":
        y[:, : T - offset] = x[:, offset:]
        mask[:, : T - offset] = True
    elif direction == "past":
        y[:, offset:] = x[:, : T - offset]
        mask[:, offset:] = True
    else:
        raise ValueError(f"direction must be 'future' or 'past', got {direction!r}")
    return x, y, mask


def reversal_task(
    n: int, T: int, n_symbols: int = 9, rng: np.random.Generator | int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Random strings of ``T`` digits and the same strings reversed.

    Parameters
    ----------
    n : int
        Number of strings N.
    T : int
        Length of each string (>= 2).
    n_symbols : int, default 9
        K: the digits are uniform over ``{0, ..., K - 1}`` (K >= 2); guessing is right 1/K of the
        time.
    rng : numpy.random.Generator, int or None

    Returns
    -------
    src : np.ndarray of int64, shape (n, T)
        The strings.
    tgt : np.ndarray of int64, shape (n, T)
        ``tgt[:, t] == src[:, T - 1 - t]``.
    """
    n = check_int("n", n)
    T = check_int("T", T, 2)
    n_symbols = check_int("n_symbols", n_symbols, 2)
    src = as_generator(rng).integers(0, n_symbols, size=(n, T))
    return src, src[:, ::-1].copy()
