"""Support code of exercise 3 (char-level language model).

The embedded names corpus and the loss/gradient of a one-layer tanh RNN language model built from
:mod:`rnncourse.reference`.

The exercise asks for gradient clipping, sampling and the training step; this module provides
the parts the learner wrote in exercises 1 and 2, so exercise 3 can focus on the language model.
"""

from __future__ import annotations

from importlib import resources

import numpy as np

#: Index 0 is the newline character: the start token fed first and the end token of every name.
END = "\n"


def load_names() -> list[str]:
    """Return the embedded corpus: 1200 invented lowercase names (from a seeded syllable mixer)."""
    text = resources.files("rnncourse.grading").joinpath("data/names.txt").read_text("utf-8")
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]


def char_tables(words: list[str]) -> tuple[dict[str, int], list[str]]:
    """``(char_to_ix, ix_to_char)`` with the newline at index 0, then the sorted letters."""
    chars = [END] + sorted(set("".join(words)) - {END})
    return {ch: i for i, ch in enumerate(chars)}, chars


def encode_word(word: str, char_to_ix: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """Return inputs ``X`` and targets ``Y``, each (1, n+1).

    ``X`` = [newline, c1, .., cn] and ``Y`` = [c1, .., cn, newline].
    """
    ids = [char_to_ix[ch] for ch in word]
    return np.array([[0] + ids]), np.array([ids + [0]])


def init_lm_params(V: int, H: int, rng: np.random.Generator, scale: float = 0.1) -> dict:
    """Parameters {Wx (V, H), Wh (H, H), b (H,), Wy (H, V), by (V,)}, weights N(0, scale^2).

    :func:`rnncourse.reference.init_rnn_params` and :func:`~rnncourse.reference.init_output_params`
    with ``scheme="normal", std=scale``, drawn from ``rng`` in that order.
    """
    from rnncourse.reference import init_output_params, init_rnn_params

    params = init_rnn_params(V, H, "rnn", rng, scheme="normal", std=scale)
    return {**params, **init_output_params(H, V, rng, scheme="normal", std=scale)}


def lm_loss_and_grads(
    X: np.ndarray, Y: np.ndarray, h0: np.ndarray, params: dict
) -> tuple[float, dict, np.ndarray]:
    """Softmax cross-entropy of the RNN LM on one batch, its gradients and the last hidden state.

    Parameters
    ----------
    X, Y : ndarray of int, shape (N, T)
        Input and target character indices.
    h0 : ndarray, shape (N, H)
        Initial hidden state.
    params : dict
        ``Wx`` (V, H), ``Wh`` (H, H), ``b`` (H,), ``Wy`` (H, V), ``by`` (V,).

    Returns
    -------
    loss : float
        Summed over time, averaged over the batch.
    grads : dict
        Same keys and shapes as ``params``.
    h_last : ndarray, shape (N, H)
    """
    from rnncourse.reference import rnn_lm_loss

    X = np.asarray(X)
    Y = np.asarray(Y)
    if X.ndim != 2 or Y.shape != X.shape:
        raise ValueError(f"X and Y must both be (N, T), got {X.shape} and {Y.shape}")
    V = params["Wx"].shape[0]
    return rnn_lm_loss(np.eye(V)[X], Y, h0, params)  # one-hot (N, T, V)
