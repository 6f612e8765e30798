r"""Sampling from a language model, one token at a time.

A language model gives, at each step, scores (logits) :math:`s` over the V tokens of the
vocabulary. Sampling draws the next token from

.. math:: p_k = \frac{\exp(s_k / \tau)}{\sum_j \exp(s_j / \tau)},

then feeds it back in as the next input. The temperature :math:`\tau` sharpens (:math:`\tau < 1`)
or flattens (:math:`\tau > 1`) the distribution; :math:`\tau = 0` is taken to mean greedy
decoding (always the most likely token). Top-k sampling first keeps only the k highest-scoring
tokens, so rare junk tokens are never drawn. Generation stops after ``max_len`` tokens or when the
end token (e.g. ``<EOS>``) is drawn.

Randomness comes only from the ``np.random.Generator`` passed in (or built from an integer seed),
so a fixed seed gives the same text every time.

The model is any function ``step(token, state) -> (logits (V,), new_state)``;
:func:`rnn_lm_step` builds one from reference parameters (a one-hot input, i.e. ``Wx`` rows act
as the token embeddings, and an output layer ``Wy``, ``by``). :func:`rnn_lm_loss` trains that
same one-layer tanh-RNN model: its loss and gradients on a batch of windows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from rnncourse._validation import Dims, as_generator, check_float_array, check_int, check_positive
from rnncourse.reference import dispatch
from rnncourse.reference.layers import (
    softmax,
    temporal_affine_backward,
    temporal_affine_forward,
    temporal_softmax_loss,
)
from rnncourse.reference.rnn import rnn_backward, rnn_forward

__all__ = ["sample_next", "sample", "rnn_lm_step", "rnn_lm_loss"]

StepFn = Callable[[int, Any], tuple[np.ndarray, Any]]


def _check_sampling_args(temperature: Any, top_k: Any) -> None:
    check_positive("temperature", temperature, allow_zero=True)
    check_int("top_k", top_k, allow_none=True)


def _probabilities(logits: np.ndarray, temperature: float, top_k: int | None) -> np.ndarray:
    s = logits.astype(np.float64)
    if top_k is not None and top_k < s.size:
        keep = np.argpartition(s, -top_k)[-top_k:]
        masked = np.full_like(s, -np.inf)
        masked[keep] = s[keep]
        s = masked
    if temperature == 0:
        p = np.zeros_like(s)
        p[int(np.argmax(s))] = 1.0
        return p
    return softmax(s / temperature)


def sample_next(
    logits: np.ndarray,
    temperature: float = 1.0,
    top_k: int | None = None,
    rng: np.random.Generator | int | None = None,
) -> int:
    """Draw one token index from logits.

    Parameters
    ----------
    logits : numpy.ndarray, shape (V,)
        Unnormalised scores.
    temperature : float, default 1.0
        Softmax temperature; 0 means greedy (argmax).
    top_k : int, optional
        Sample only among the ``top_k`` highest-scoring tokens.
    rng : numpy.random.Generator or int, optional
        Source of randomness (an int is a seed).

    Returns
    -------
    int
        The drawn index in ``[0, V)``.
    """
    check_float_array("logits", logits, "(V,)")
    _check_sampling_args(temperature, top_k)
    p = _probabilities(logits, float(temperature), top_k)
    return int(as_generator(rng).choice(p.size, p=p))


def sample(
    step: StepFn,
    state: Any,
    start: int,
    max_len: int,
    temperature: float = 1.0,
    top_k: int | None = None,
    rng: np.random.Generator | int | None = None,
    end_token: int | None = None,
) -> np.ndarray:
    """Generate a sequence by feeding each drawn token back into the model.

    Parameters
    ----------
    step : callable
        ``step(token, state) -> (logits (V,), new_state)``.
    state : object
        Initial model state (e.g. ``np.zeros((1, H))``; see :func:`rnn_lm_step`).
    start : int
        First input token (e.g. a start or ``<EOS>`` token, or the last token of a prompt).
    max_len : int
        Largest number of tokens to generate.
    temperature : float, default 1.0
        Softmax temperature; 0 means greedy.
    top_k : int, optional
        Restrict each draw to the ``top_k`` most likely tokens.
    rng : numpy.random.Generator or int, optional
        Source of randomness; a fixed seed gives a fixed sequence.
    end_token : int, optional
        Stop as soon as this token is drawn; it is *not* included in the result.

    Returns
    -------
    numpy.ndarray of int64, shape (L,)
        The generated tokens, ``L <= max_len``.
    """
    if not callable(step):
        raise TypeError(f"step must be callable, got {type(step).__name__}")
    check_int("max_len", max_len, minimum=0)
    _check_sampling_args(temperature, top_k)
    gen = as_generator(rng)
    out: list[int] = []
    token = int(start)
    for _ in range(int(max_len)):
        logits, state = step(token, state)
        p = _probabilities(np.asarray(logits).reshape(-1), float(temperature), top_k)
        token = int(gen.choice(p.size, p=p))
        if end_token is not None and token == end_token:
            break
        out.append(token)
    return np.asarray(out, dtype=np.int64)


def rnn_lm_step(params: Mapping[str, np.ndarray], cell: str = "rnn", **cell_kwargs: Any) -> StepFn:
    """Build a ``step`` function for :func:`sample` from a one-layer reference language model.

    The input at each step is the one-hot vector of the previous token, so row ``k`` of ``Wx``
    plays the role of token ``k``'s embedding; the scores are ``h @ Wy + by``.

    Parameters
    ----------
    params : dict
        ``{"Wx": (V, kH), "Wh": (H, kH), "b": (kH,), "Wy": (H, V), "by": (V,)}`` plus optional
        ``"bh"`` for the GRU.
    cell : {"rnn", "gru", "lstm"}, default "rnn"
        Cell type.
    **cell_kwargs
        ``activation=`` for "rnn", ``reset_after=`` for "gru".

    Returns
    -------
    callable
        ``step(token, state) -> (logits (V,), new_state)``; the state is ``h`` (1, H) for
        "rnn"/"gru" and ``(h, c)`` for "lstm"; pass ``None`` to start from zeros.
    """
    dispatch.check_cell(cell, cell_kwargs)
    core = {k: v for k, v in params.items() if k not in ("Wy", "by")}
    dims = Dims()
    dispatch.check_params("params", core, cell, dims)
    check_float_array('params["Wy"]', params.get("Wy"), "(H, V)", dims)
    check_float_array('params["by"]', params.get("by"), "(V,)", dims)
    if dims["D"] != dims["V"]:
        raise ValueError(
            f'params["Wx"] must have one row per token: (V, kH) with V = {dims["V"]} '
            f'from params["Wy"], got {dims["D"]} rows'
        )
    V, H = dims["V"], dims["H"]
    Wy, by = params["Wy"], params["by"]
    dtype = Wy.dtype

    def step(token: int, state: Any) -> tuple[np.ndarray, Any]:
        if not 0 <= int(token) < V:
            raise ValueError(f"token must be in [0, {V}), got {token}")
        x = np.zeros((1, 1, V), dtype=dtype)
        x[0, 0, int(token)] = 1.0
        if cell == "lstm":
            h0, c0 = (None, None) if state is None else state
        else:
            h0, c0 = state, None
        h, cache = dispatch.forward(cell, x, h0, core, c0, **cell_kwargs)
        hT, cT = dispatch.final_state(cache)
        logits = (hT @ Wy + by)[0]
        return logits, ((hT, cT) if cell == "lstm" else hT)

    step.hidden_size = H  # type: ignore[attr-defined]
    return step


def rnn_lm_loss(
    x: np.ndarray, y: np.ndarray, h0: np.ndarray | None, params: Mapping[str, np.ndarray]
) -> tuple[float, dict[str, np.ndarray], np.ndarray]:
    """Loss and gradients of the one-layer tanh-RNN language model of :func:`rnn_lm_step`.

    Chains :func:`~rnncourse.reference.rnn_forward`, the temporal affine read-out and the
    softmax loss, then their backward functions (which validate every argument).

    Parameters
    ----------
    x : numpy.ndarray, shape (N, T, V)
        One-hot inputs.
    y : numpy.ndarray of int, shape (N, T)
        Next-token targets.
    h0 : numpy.ndarray, shape (N, H), or None
        Initial (carried) hidden state; zeros if None.
    params : dict
        ``Wx`` (V, H), ``Wh`` (H, H), ``b`` (H,), ``Wy`` (H, V), ``by`` (V,).

    Returns
    -------
    loss : float
        Softmax cross-entropy summed over time, averaged over the batch.
    grads : dict
        Same keys and shapes as ``params``.
    h_last : numpy.ndarray, shape (N, H)
        The hidden state after the last step (to carry into the next window).
    """
    p = params
    h, cache = rnn_forward(x, h0, p["Wx"], p["Wh"], p["b"])
    scores, acache = temporal_affine_forward(h, p["Wy"], p["by"])
    loss, dscores = temporal_softmax_loss(scores, y)
    dh, dWy, dby = temporal_affine_backward(dscores, acache)
    _, _, dWx, dWh, db = rnn_backward(dh, cache)
    grads = {"Wx": dWx, "Wh": dWh, "b": db, "Wy": dWy, "by": dby}
    return float(loss), grads, h[:, -1].copy()
