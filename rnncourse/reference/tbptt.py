r"""Truncated backpropagation through time (TBPTT).

Full BPTT over a sequence of length T stores every state and runs backwards over all T steps
before a single update. Truncated BPTT cuts the sequence into chunks of ``chunk_len`` steps:

1. run forward over a chunk, starting from the state the previous chunk ended in;
2. back-propagate the chunk's loss *only inside the chunk* (the starting state is treated as a
   constant, so no gradient flows into earlier chunks);
3. update the parameters (optional, between chunks), carry the final state to the next chunk.

The hidden state still carries information forward over the whole sequence; only the gradient
is truncated. Memory is O(chunk_len) instead of O(T), and updates come T / chunk_len times more
often. The price is bias: dependencies longer than a chunk are not learned from the gradient.
With ``chunk_len >= T`` it is exactly full BPTT.

Usage with a language-model head (``Wy``, ``by``; the loss function returns its own gradients)::

    def loss_fn(h, sl):
        scores, c = temporal_affine_forward(h, Wy, by)
        loss, dscores = temporal_softmax_loss(scores, y[:, sl])
        dh, dWy, dby = temporal_affine_backward(dscores, c)
        return loss, dh, {"Wy": dWy, "by": dby}

    for chunk in tbptt(x, params, loss_fn, chunk_len=25, cell="lstm"):
        adam(all_params, chunk.grads, state)    # update between chunks
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rnncourse._validation import Dims, check_float_array, check_int
from rnncourse.reference import dispatch
from rnncourse.reference._base import result_dtype

__all__ = ["TBPTTChunk", "chunk_slices", "tbptt", "tbptt_gradients"]

LossFn = Callable[[np.ndarray, slice], tuple[Any, ...]]


@dataclass
class TBPTTChunk:
    """Result of one chunk of :func:`tbptt`.

    Attributes
    ----------
    index : int
        Chunk number, from 0.
    steps : slice
        Time steps of the chunk in the full sequence.
    loss : float
        The chunk's loss as returned by ``loss_fn``.
    grads : dict of str to numpy.ndarray
        Gradients of the cell parameters inside this chunk, plus any extra gradients returned by
        ``loss_fn`` (e.g. of an output layer).
    h : numpy.ndarray, shape (N, T_chunk, H)
        The chunk's hidden states.
    state : tuple
        Final ``(h, c)`` carried into the next chunk (``c`` is None except for the LSTM).
    """

    index: int
    steps: slice
    loss: float
    grads: dict[str, np.ndarray]
    h: np.ndarray
    state: tuple[np.ndarray, np.ndarray | None] = field(repr=False)


def chunk_slices(T: int, chunk_len: int) -> list[slice]:
    """Split ``range(T)`` into consecutive slices of ``chunk_len`` steps (the last may be shorter).

    Parameters
    ----------
    T : int
        Sequence length.
    chunk_len : int
        Steps per chunk, >= 1.

    Returns
    -------
    list of slice
    """
    chunk_len = check_int("chunk_len", chunk_len)
    return [slice(s, min(s + chunk_len, T)) for s in range(0, T, chunk_len)]


def _check_tbptt(
    x: Any, params: Any, cell: str, h0: Any, c0: Any, cell_kwargs: Mapping[str, Any]
) -> None:
    dispatch.check_cell(cell, cell_kwargs)
    dims = Dims()
    check_float_array("x", x, "(N, T, D)", dims)
    dispatch.check_params("params", params, cell, dims)
    if h0 is not None:
        check_float_array("h0", h0, "(N, H)", dims)
    if c0 is not None:
        if cell != "lstm":
            raise ValueError(f"c0 is only used by the 'lstm' cell, got cell={cell!r}")
        check_float_array("c0", c0, "(N, H)", dims)


def tbptt(
    x: np.ndarray,
    params: Mapping[str, np.ndarray],
    loss_fn: LossFn,
    chunk_len: int,
    cell: str = "rnn",
    h0: np.ndarray | None = None,
    c0: np.ndarray | None = None,
    **cell_kwargs: Any,
) -> Iterator[TBPTTChunk]:
    """Iterate over the chunks of a sequence with truncated BPTT, carrying the state.

    ``params`` is read afresh for every chunk, so updating its arrays in place between chunks
    (with :func:`rnncourse.reference.adam` etc.) takes effect on the next chunk.

    Parameters
    ----------
    x : numpy.ndarray, shape (N, T, D)
        The long input sequence.
    params : dict
        Cell parameters ``{"Wx", "Wh", "b"}`` (+ optional ``"bh"`` for the GRU).
    loss_fn : callable
        ``loss_fn(h_chunk, steps) -> (loss, dh_chunk)`` or ``(loss, dh_chunk, extra_grads)``,
        where ``h_chunk`` is (N, T_chunk, H), ``steps`` the chunk's slice of the time axis (to
        pick targets), and ``dh_chunk`` the loss gradient with respect to ``h_chunk``.
    chunk_len : int
        Steps per chunk.
    cell : {"rnn", "gru", "lstm"}, default "rnn"
        Cell type.
    h0, c0 : numpy.ndarray, shape (N, H), optional
        Initial state (``c0`` only for the LSTM); zeros if None.
    **cell_kwargs
        ``activation=`` for "rnn", ``reset_after=`` for "gru".

    Yields
    ------
    TBPTTChunk
        Loss, gradients and final state of each chunk in order.
    """
    _check_tbptt(x, params, cell, h0, c0, cell_kwargs)
    slices = chunk_slices(x.shape[1], chunk_len)
    return _tbptt(x, params, loss_fn, slices, cell, h0, c0, cell_kwargs)


def _tbptt(
    x: np.ndarray,
    params: Mapping[str, np.ndarray],
    loss_fn: LossFn,
    slices: list[slice],
    cell: str,
    h0: np.ndarray | None,
    c0: np.ndarray | None,
    cell_kwargs: Mapping[str, Any],
) -> Iterator[TBPTTChunk]:
    """Run the chunk loop of :func:`tbptt` (a separate generator, so bad arguments raise early)."""
    h_state, c_state = h0, c0
    for index, sl in enumerate(slices):
        dtype = result_dtype(x, h_state, c_state, *params.values())
        p = dispatch.cast_params(params, dtype)
        hs = None if h_state is None else h_state.astype(dtype, copy=False)
        cs = None if c_state is None else c_state.astype(dtype, copy=False)
        h, cache = dispatch.forward(
            cell, x[:, sl].astype(dtype, copy=False), hs, p, cs, **cell_kwargs
        )
        out = loss_fn(h, sl)
        if not isinstance(out, tuple) or len(out) not in (2, 3):
            raise TypeError("loss_fn must return (loss, dh) or (loss, dh, extra_grads)")
        loss, dh = out[0], out[1]
        if not isinstance(dh, np.ndarray) or dh.shape != h.shape:
            got = dh.shape if isinstance(dh, np.ndarray) else type(dh).__name__
            raise ValueError(
                f"loss_fn must return dh of the chunk's shape (N, T_chunk, H) = "
                f"{h.shape}, got {got}"
            )
        _, _, grads = dispatch.backward(dh, cache)
        if len(out) == 3:
            grads.update(out[2])
        h_state, c_state = dispatch.final_state(cache)
        yield TBPTTChunk(index, sl, float(loss), grads, h, (h_state, c_state))


def tbptt_gradients(
    x: np.ndarray,
    params: Mapping[str, np.ndarray],
    loss_fn: LossFn,
    chunk_len: int,
    cell: str = "rnn",
    h0: np.ndarray | None = None,
    c0: np.ndarray | None = None,
    **cell_kwargs: Any,
) -> tuple[float, dict[str, np.ndarray], tuple[np.ndarray, np.ndarray | None]]:
    """Run every chunk without updates and sum the losses and gradients.

    With ``chunk_len >= T`` the result equals full BPTT; with shorter chunks it is the truncated
    gradient (the cross-chunk terms are missing).

    Parameters
    ----------
    x, params, loss_fn, chunk_len, cell, h0, c0, **cell_kwargs
        As in :func:`tbptt`.

    Returns
    -------
    loss : float
        Sum of the chunk losses.
    grads : dict of str to numpy.ndarray
        Sum of the chunk gradients.
    state : tuple
        Final ``(h, c)`` (``c`` None except for the LSTM).
    """
    total, grads, state = 0.0, {}, (h0, c0)
    for chunk in tbptt(x, params, loss_fn, chunk_len, cell, h0, c0, **cell_kwargs):
        total += chunk.loss
        for k, g in chunk.grads.items():
            grads[k] = grads[k] + g if k in grads else g.copy()
        state = chunk.state
    return total, grads, state
