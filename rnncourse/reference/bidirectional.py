r"""Bidirectional recurrent layer for any of the three cells.

Two independent recurrent layers read the sequence, one from left to right and one from right to
left; their states at each step are concatenated:

.. math::

    \overrightarrow{h}_t = \text{cell}(x_t, \overrightarrow{h}_{t-1}), \qquad
    \overleftarrow{h}_t = \text{cell}'(x_t, \overleftarrow{h}_{t+1}), \qquad
    h_t = [\overrightarrow{h}_t ; \overleftarrow{h}_t] \in \mathbb{R}^{2H}.

So the output at step t sees the whole input, past *and* future — the fix for the limitation of a
one-directional RNN that step t only sees the past. The backward direction is literally the
forward function run on the time-reversed sequence, with its outputs reversed back.

Layout matches ``torch.nn.RNN/GRU/LSTM(bidirectional=True, batch_first=True)``: ``h[..., :H]`` is
the forward direction (parameters ``*_l0``), ``h[..., H:]`` the backward one (``*_l0_reverse``).
Torch's final state ``h_n[1]`` of the backward direction is ``h[:, 0, H:]`` (it ends at t = 0).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from rnncourse._validation import Dims, check_cache, check_float_array
from rnncourse.reference import dispatch
from rnncourse.reference._base import Cache, result_dtype

__all__ = ["bidirectional_forward", "bidirectional_backward"]


class BidirectionalCache(Cache):
    """Cache of :func:`bidirectional_forward`: the two directions' caches."""

    __slots__ = ("cell", "fwd", "bwd", "H")
    producer = "bidirectional_forward"

    def __init__(self, cell: str, fwd: Any, bwd: Any, H: int) -> None:
        self.cell, self.fwd, self.bwd, self.H = cell, fwd, bwd, H


def bidirectional_forward(
    x: np.ndarray,
    params_fwd: Mapping[str, np.ndarray],
    params_bwd: Mapping[str, np.ndarray],
    cell: str = "rnn",
    h0: tuple[np.ndarray, np.ndarray] | None = None,
    **cell_kwargs: Any,
) -> tuple[np.ndarray, BidirectionalCache]:
    """Run a bidirectional layer over a sequence.

    Parameters
    ----------
    x : numpy.ndarray, shape (N, T, D)
        Input sequence.
    params_fwd, params_bwd : dict
        Parameters of the left-to-right and right-to-left cells: ``{"Wx": (D, kH), "Wh": (H, kH),
        "b": (kH,)}`` plus optional ``"bh": (3H,)`` for the GRU.
    cell : {"rnn", "gru", "lstm"}, default "rnn"
        Cell type of both directions.
    h0 : tuple of two numpy.ndarray (N, H), optional
        Initial states ``(h0_fwd, h0_bwd)``; zeros if None. (LSTM cells start from c0 = 0.)
    **cell_kwargs
        ``activation=`` for "rnn", ``reset_after=`` for "gru".

    Returns
    -------
    h : numpy.ndarray, shape (N, T, 2H)
        ``[forward states ; backward states]`` at every step.
    cache : BidirectionalCache
        For :func:`bidirectional_backward`.
    """
    dispatch.check_cell(cell, cell_kwargs)
    dims = Dims()
    check_float_array("x", x, "(N, T, D)", dims)
    dispatch.check_params("params_fwd", params_fwd, cell, dims)
    dispatch.check_params("params_bwd", params_bwd, cell, dims)
    h0f = h0b = None
    if h0 is not None:
        if not isinstance(h0, (tuple, list)) or len(h0) != 2:
            raise TypeError(
                "h0 must be a tuple (h0_fwd, h0_bwd) of two (N, H) arrays or None, "
                f"got {type(h0).__name__}"
            )
        h0f = check_float_array("h0[0]", h0[0], "(N, H)", dims)
        h0b = check_float_array("h0[1]", h0[1], "(N, H)", dims)
    dtype = result_dtype(x, h0f, h0b, *params_fwd.values(), *params_bwd.values())
    x = x.astype(dtype, copy=False)
    pf, pb = dispatch.cast_params(params_fwd, dtype), dispatch.cast_params(params_bwd, dtype)
    h0f = None if h0f is None else h0f.astype(dtype, copy=False)
    h0b = None if h0b is None else h0b.astype(dtype, copy=False)
    hf, cache_f = dispatch.forward(cell, x, h0f, pf, **cell_kwargs)
    hb_rev, cache_b = dispatch.forward(cell, x[:, ::-1], h0b, pb, **cell_kwargs)
    H = hf.shape[2]
    h = np.empty(hf.shape[:2] + (2 * H,), dtype=hf.dtype)
    h[..., :H] = hf
    h[..., H:] = hb_rev[:, ::-1]
    return h, BidirectionalCache(cell, cache_f, cache_b, H)


def bidirectional_backward(
    dh: np.ndarray, cache: BidirectionalCache
) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray], dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Backward pass of :func:`bidirectional_forward`.

    Parameters
    ----------
    dh : numpy.ndarray, shape (N, T, 2H)
        Upstream gradient with respect to the concatenated states.
    cache : BidirectionalCache
        From :func:`bidirectional_forward`.

    Returns
    -------
    dx : numpy.ndarray, shape (N, T, D)
        Sum of both directions' input gradients.
    dh0 : tuple of two numpy.ndarray (N, H)
        Gradients of ``(h0_fwd, h0_bwd)``.
    grads_fwd, grads_bwd : dict
        Gradients with the parameter keys (``"bh"`` always present for the GRU).
    """
    check_cache(cache, BidirectionalCache, "bidirectional_forward")
    N, T, H = cache.fwd.h.shape
    check_float_array("dh", dh, "(N, T, 2H)", Dims(N=N, T=T, H=H))
    H = cache.H
    dxf, dh0f, gf = dispatch.backward(dh[..., :H], cache.fwd)
    dxb_rev, dh0b, gb = dispatch.backward(dh[:, ::-1, H:], cache.bwd)
    dx = dxf
    dx += dxb_rev[:, ::-1]
    return dx, (dh0f, dh0b), gf, gb
