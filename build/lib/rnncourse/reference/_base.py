"""Pieces shared by the reference modules: the cache record, the argument checks, the BPTT loop."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from rnncourse._validation import Dims, check_cache, check_float_array


class Cache:
    """What a forward function keeps for its backward function.

    Subclasses name their fields in ``__slots__`` and set ``producer``, the forward function that
    makes them, so a backward function handed the wrong cache can say where it came from.
    """

    __slots__ = ()
    producer = "?"

    def __init__(self, **fields: Any) -> None:
        for name, value in fields.items():
            setattr(self, name, value)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} from {self.producer}>"


class SequenceCache(Cache):
    """Cache of a sequence forward function: the step caches of t = 1..T.

    The per-step quantities (gates, states) read back stacked on the time axis, (N, T, H), through
    the properties that :func:`over_time` makes.
    """

    __slots__ = ("steps",)


def over_time(name: str, doc: str) -> property:
    """Return a read-only property: field ``name`` of every step cache, stacked as (N, T, ...)."""
    return property(lambda self: np.stack([getattr(s, name) for s in self.steps], axis=1), doc=doc)


def check_cell_params(
    Wx: Any, Wh: Any, b: Any, k: int, dims: Dims, bh: Any = None, owner: str | None = None
) -> None:
    """Check ``Wx (D, kH)``, ``Wh (H, kH)``, ``b (kH,)`` (and ``bh (kH,)``) against ``dims``.

    ``Wh`` comes first so that H is read from it when unknown. With ``owner`` (a parameter dict's
    argument name) messages say ``params["Wh"]`` instead of ``Wh``.
    """

    def name(key: str) -> str:
        return key if owner is None else f'{owner}["{key}"]'

    kH = "H" if k == 1 else f"{k}H"
    check_float_array(name("Wh"), Wh, f"(H, {kH})", dims)
    check_float_array(name("Wx"), Wx, f"(D, {kH})", dims)
    check_float_array(name("b"), b, f"({kH},)", dims)
    if bh is not None:
        check_float_array(name("bh"), bh, f"({kH},)", dims)


def check_cell_args(
    x: Any, Wx: Any, Wh: Any, b: Any, k: int, bh: Any = None, *, sequence: bool, **states: Any
) -> Dims:
    """Check a cell function's arguments: ``x``, the states, then the parameters (``k`` blocks).

    ``x`` is (N, T, D) for a ``sequence`` function and (N, D) for a step; every state given by
    keyword (``h_prev=...``, ``c0=...``) is (N, H). A sequence's initial state may be None (zeros).
    Returns the bound :class:`Dims` for further checks.
    """
    dims = Dims()
    check_float_array("x", x, "(N, T, D)" if sequence else "(N, D)", dims)
    for name, value in states.items():
        if value is not None or not sequence:
            check_float_array(name, value, "(N, H)", dims)
    check_cell_params(Wx, Wh, b, k, dims, bh)
    return dims


def check_step_grads(cache: Any, cache_cls: type, **grads: Any) -> None:
    """Check a step backward's arguments: ``cache`` from its forward, every gradient (N, H)."""
    check_cache(cache, cache_cls, cache_cls.producer)
    N, H = cache.h.shape
    for name, value in grads.items():
        check_float_array(name, value, "(N, H)", Dims(N=N, H=H))


def check_sequence_grad(dh: Any, cache: Any, cache_cls: type) -> None:
    """Check a sequence backward's arguments: ``cache`` from its forward, ``dh`` (N, T, H)."""
    check_cache(cache, cache_cls, cache_cls.producer)
    N, H = cache.steps[0].h.shape
    check_float_array("dh", dh, "(N, T, H)", Dims(N=N, T=len(cache.steps), H=H))


def zeros_if_none(state: np.ndarray | None, x: np.ndarray, Wh: np.ndarray) -> np.ndarray:
    """Return the initial state, or zeros (N, H) in the dtype of ``x @ Wh`` when it is None."""
    if state is not None:
        return state
    return np.zeros((x.shape[0], Wh.shape[0]), dtype=np.result_type(x, Wh))


def forward_through_time(
    step_forward: Callable[..., tuple[Any, ...]], x: np.ndarray, states: tuple, *weights: Any
) -> list[Any]:
    """Apply ``step_forward`` at t = 1..T, each step's new states feeding the next one.

    ``step_forward(x_t, *states, *weights)`` returns ``(*new_states, cache)``; ``x`` is
    (N, T, D) and ``states`` holds (N, H) arrays (``(h0,)``, or ``(h0, c0)`` with a cell state).
    Returns the step caches of t = 1..T.
    """
    steps = []
    for t in range(x.shape[1]):
        *states, cache = step_forward(x[:, t], *states, *weights)
        steps.append(cache)
    return steps


def backprop_through_time(
    step_backward: Callable[..., tuple[np.ndarray, ...]],
    dh: np.ndarray,
    steps: list[Any],
    with_cell: bool = False,
) -> tuple[np.ndarray, ...]:
    """Run ``step_backward`` from the last step to the first and add up the weight gradients.

    The gradient reaching h_t is the upstream ``dh[:, t]`` plus what flows back from step t + 1
    (and, with a cell state, ``dc`` from step t + 1). The weights are shared by all steps, so
    their gradients are the sum over steps.

    Parameters
    ----------
    step_backward : callable
        ``(dh, cache) -> (dx, dh_prev, *dweights)``, or with ``with_cell``
        ``(dh, dc, cache) -> (dx, dh_prev, dc_prev, *dweights)``.
    dh : numpy.ndarray, shape (N, T, H)
        Upstream gradient on every hidden state.
    steps : list
        The step caches of t = 1..T.
    with_cell : bool
        Whether the cell has a memory cell c (the LSTMs).

    Returns
    -------
    tuple
        ``(dx (N, T, D), dh0 (N, H), *dweights)``.
    """
    N, T, H = dh.shape
    dh_next = np.zeros((N, H), dtype=dh.dtype)
    dc_next = np.zeros((N, H), dtype=dh.dtype)
    dxs, dweights = [None] * T, None
    for t in reversed(range(T)):
        if with_cell:
            dx, dh_next, dc_next, *dw = step_backward(dh[:, t] + dh_next, dc_next, steps[t])
        else:
            dx, dh_next, *dw = step_backward(dh[:, t] + dh_next, steps[t])
        dxs[t] = dx
        dweights = dw if dweights is None else [a + g for a, g in zip(dweights, dw, strict=True)]
    return (np.stack(dxs, axis=1), dh_next, *dweights)


def result_dtype(*arrays: Any) -> np.dtype:
    """Floating dtype of a computation over ``arrays`` (None entries skipped)."""
    return np.result_type(*[a for a in arrays if a is not None])
