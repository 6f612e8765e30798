r"""Deep (stacked) recurrent networks for any of the three cells.

Layer :math:`\ell` reads the hidden states of layer :math:`\ell - 1` as its input sequence:

.. math:: h^{(\ell)}_t = \text{cell}_\ell\big(h^{(\ell-1)}_t, h^{(\ell)}_{t-1}\big), \qquad
          h^{(0)}_t = x_t.

So ``params[0]["Wx"]`` is (D, kH_1) and ``params[l]["Wx"]`` is (H_l, kH_{l+1}) for the layers above;
each layer may have its own hidden size. In the notes' superscript notation
:math:`a^{[\ell]\langle t\rangle}` is ``cache.layer_outputs[l - 1][:, t]``. The torch equivalent
(equal hidden sizes) is ``torch.nn.LSTM(..., num_layers=L, batch_first=True)`` with parameters
``weight_ih_l{l}``, ``weight_hh_l{l}``, ``bias_ih_l{l}``, ``bias_hh_l{l}`` mapped layer by layer
as in :mod:`.rnn`, :mod:`.gru` and :mod:`.lstm` (no dropout here).

The backward pass goes down the stack: the input gradient of layer :math:`\ell` is the upstream
hidden-state gradient of layer :math:`\ell - 1`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from rnncourse._validation import Dims, check_cache, check_float_array
from rnncourse.reference import dispatch
from rnncourse.reference._base import Cache, result_dtype

__all__ = ["deep_forward", "deep_backward"]


class DeepCache(Cache):
    """Cache of :func:`deep_forward`: one cell cache per layer, bottom first."""

    __slots__ = ("cell", "caches")
    producer = "deep_forward"

    def __init__(self, cell: str, caches: list[Any]) -> None:
        self.cell, self.caches = cell, caches

    @property
    def layer_outputs(self) -> list[np.ndarray]:
        """Hidden states (N, T, H_l) of every layer, bottom first (read only)."""
        return [c.h for c in self.caches]


def deep_forward(
    x: np.ndarray,
    params: Sequence[Mapping[str, np.ndarray]],
    cell: str = "rnn",
    h0: Sequence[np.ndarray | None] | None = None,
    **cell_kwargs: Any,
) -> tuple[np.ndarray, DeepCache]:
    """Run a stack of recurrent layers over a sequence.

    Parameters
    ----------
    x : numpy.ndarray, shape (N, T, D)
        Input sequence.
    params : list of dict
        One parameter dict per layer, bottom first: ``{"Wx", "Wh", "b"}`` (+ optional ``"bh"``
        for the GRU). Layer 0 has ``Wx`` (D, kH_1), layer l has ``Wx`` (H_l, kH_{l+1}).
    cell : {"rnn", "gru", "lstm"}, default "rnn"
        Cell type of every layer.
    h0 : list of numpy.ndarray (N, H_l) or None, optional
        Initial state of each layer; zeros where None. (LSTM layers start from c0 = 0.)
    **cell_kwargs
        ``activation=`` for "rnn", ``reset_after=`` for "gru".

    Returns
    -------
    h : numpy.ndarray, shape (N, T, H_L)
        Hidden states of the top layer.
    cache : DeepCache
        For :func:`deep_backward`; ``cache.layer_outputs`` holds every layer's states.
    """
    dispatch.check_cell(cell, cell_kwargs)
    if not isinstance(params, Sequence) or isinstance(params, Mapping) or not params:
        raise TypeError(
            "params must be a non-empty list of parameter dicts (one per layer), "
            f"got {type(params).__name__}"
        )
    L = len(params)
    if h0 is not None and (not isinstance(h0, Sequence) or len(h0) != L):
        came = f"list of length {len(h0)}" if isinstance(h0, Sequence) else type(h0).__name__
        raise ValueError(
            f"h0 must be None or a list of {L} initial states (one per layer), got {came}"
        )
    dims = Dims()
    check_float_array("x", x, "(N, T, D)", dims)
    N, D = dims["N"], dims["D"]
    in_size = D
    for layer, p in enumerate(params):
        ldims = Dims(N=N)
        ldims.bind("D", in_size, "x" if layer == 0 else f"params[{layer - 1}]")
        dispatch.check_params(f"params[{layer}]", p, cell, ldims)
        if h0 is not None and h0[layer] is not None:
            check_float_array(f"h0[{layer}]", h0[layer], "(N, H)", ldims)
        in_size = ldims["H"]
    arrays = [x, *(v for p in params for v in p.values())]
    arrays += [] if h0 is None else [s for s in h0 if s is not None]
    dtype = result_dtype(*arrays)
    x = x.astype(dtype, copy=False)
    ps = [dispatch.cast_params(p, dtype) for p in params]
    hs = (
        [None] * L
        if h0 is None
        else [None if s is None else s.astype(dtype, copy=False) for s in h0]
    )
    caches = []
    h = x
    for p, s in zip(ps, hs, strict=True):
        h, cache = dispatch.forward(cell, h, s, p, **cell_kwargs)
        caches.append(cache)
    return h, DeepCache(cell, caches)


def deep_backward(
    dh: np.ndarray, cache: DeepCache
) -> tuple[np.ndarray, list[np.ndarray], list[dict[str, np.ndarray]]]:
    """Backward pass of :func:`deep_forward`.

    Parameters
    ----------
    dh : numpy.ndarray, shape (N, T, H_L)
        Upstream gradient with respect to the top layer's states.
    cache : DeepCache
        From :func:`deep_forward`.

    Returns
    -------
    dx : numpy.ndarray, shape (N, T, D)
    dh0 : list of numpy.ndarray (N, H_l)
        Gradient of each layer's initial state, bottom first.
    grads : list of dict
        Parameter gradients of each layer, bottom first (``"bh"`` always present for the GRU).
    """
    check_cache(cache, DeepCache, "deep_forward")
    N, T, H = cache.caches[-1].h.shape
    check_float_array("dh", dh, "(N, T, H)", Dims(N=N, T=T, H=H))
    L = len(cache.caches)
    dh0: list[Any] = [None] * L
    grads: list[Any] = [None] * L
    for layer in range(L - 1, -1, -1):
        dh, dh0[layer], grads[layer] = dispatch.backward(dh, cache.caches[layer])
    return dh, dh0, grads
