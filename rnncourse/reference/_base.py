"""Pieces shared by the reference modules: the cache record and the argument checks.

Each cell writes its own time loops out (``rnn.py``, ``lstm.py`` ...); these checks run once, at
the public functions, never inside the loops.
"""

from __future__ import annotations

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


def split_blocks(a: np.ndarray, k: int) -> list[np.ndarray]:
    """Split the last axis of ``a`` into ``k`` equal blocks, as views (``np.split`` at less cost).

    ``split_blocks(a, 4)`` of an LSTM pre-activation (N, 4H) gives ``a_i, a_f, a_g, a_o`` (N, H).
    """
    H = a.shape[-1] // k
    return [a[..., j * H : (j + 1) * H] for j in range(k)]


def result_dtype(*arrays: Any) -> np.dtype:
    """Floating dtype of a computation over ``arrays`` (None entries skipped)."""
    return np.result_type(*[a for a in arrays if a is not None])
