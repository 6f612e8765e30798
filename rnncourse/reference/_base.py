"""Internal pieces shared by the reference modules: cache base class, dtype and parameter checks."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import Any

import numpy as np

from rnncourse._validation import Dims, check_cache, check_float_array


class Cache:
    """Opaque record a forward function keeps for its backward function.

    Subclasses list their fields in ``__slots__``; ``producer`` names the forward function, so a
    backward function handed the wrong cache can say where it came from.
    """

    __slots__ = ()
    producer = "?"

    def __repr__(self) -> str:
        return f"<{type(self).__name__} from {self.producer}>"

    def _block(self, k: int) -> np.ndarray:
        """Gate block ``k`` of a cache with ``gates`` (..., kH) and ``h`` (..., H): a view."""
        H = self.h.shape[-1]  # type: ignore[attr-defined]
        return self.gates[..., k * H : (k + 1) * H]  # type: ignore[attr-defined]


def result_dtype(*arrays: Any) -> np.dtype:
    """Floating dtype of a computation over ``arrays`` (None entries skipped)."""
    return np.result_type(*[a for a in arrays if a is not None])


def check_cell_params(
    Wx: Any, Wh: Any, b: Any, k: int, dims: Dims, bh: Any = None, owner: str | None = None
) -> None:
    """Check ``Wx (D, kH)``, ``Wh (H, kH)``, ``b (kH,)`` (and ``bh (kH,)``) against ``dims``.

    ``Wh`` is checked first when ``H`` is unknown so that ``H`` is read from its square-ish shape.
    With ``owner`` (a parameter dict's argument name) messages say ``params["Wh"]`` instead of
    ``Wh``.
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
    keyword (``h_prev=...``, ``c0=...``, in the order of the message checks) is (N, H). A
    sequence's initial state may be None (zeros) and is then skipped. Returns the bound
    :class:`Dims` for further checks.
    """
    dims = Dims()
    check_float_array("x", x, "(N, T, D)" if sequence else "(N, D)", dims)
    for name, value in states.items():
        if value is not None or not sequence:
            check_float_array(name, value, "(N, H)", dims)
    check_cell_params(Wx, Wh, b, k, dims, bh)
    return dims


def check_sequence_grad(dh: Any, cache: Any, cache_cls: type) -> None:
    """Check a sequence backward's arguments: ``cache`` from its forward, ``dh`` (N, T, H)."""
    check_cache(cache, cache_cls, cache_cls.producer)
    N, T, H = cache.h.shape
    check_float_array("dh", dh, "(N, T, H)", Dims(N=N, T=T, H=H))


def cast_all(*arrays: Any) -> list[Any]:
    """Cast the given arrays (None kept) to their common floating dtype, copying only if needed."""
    dtype = result_dtype(*arrays)
    return [None if a is None else a.astype(dtype, copy=False) for a in arrays]


def prev_states(h0: np.ndarray, h: np.ndarray) -> np.ndarray:
    """(N, T, H) array of h_{t-1} for t = 1..T: h0 then h[:, :-1], as one contiguous copy.

    Lets ``dWh`` be a single product over all N*T rows instead of one product per step.
    """
    prev = np.empty_like(h)
    prev[:, 0] = h0
    prev[:, 1:] = h[:, :-1]
    return prev


def sequence_param_grads(
    da: np.ndarray, x: np.ndarray, Wx: np.ndarray, h0: np.ndarray, h: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(dx, dWx, dWh, db)`` of ``a_t = x_t Wx + h_{t-1} Wh + b`` given ``da`` (N, T, kH).

    Once the recurrence has produced the pre-activation gradients of every step, the rest of
    the backward pass has no recurrence: one product over all N*T rows per gradient.
    """
    N, T, D = x.shape
    H = h.shape[2]
    da2 = da.reshape(N * T, da.shape[2])
    dx = (da2 @ Wx.T).reshape(N, T, D)
    dWx = x.reshape(N * T, D).T @ da2
    dWh = prev_states(h0, h).reshape(N * T, H).T @ da2
    return dx, dWx, dWh, da2.sum(axis=0)


_BLAS_CONTROLLER: Any = None


def blas_single_thread() -> AbstractContextManager[Any]:
    """Context in which NumPy's BLAS runs on one thread (a no-op without ``threadpoolctl``).

    The recurrent loops do one small matrix product per time step. On an idle 2-core machine two
    BLAS threads make the loops of an (N, T, D, H) = (64, 100, 128, 256) LSTM about 1.25x faster,
    but on a busy machine OpenBLAS's spinning worker threads make every step many times slower
    (measured 10-20x on 2 shared cores). The loops therefore run single-threaded, the robust
    choice; the large whole-sequence products outside the loops keep all threads.
    """
    global _BLAS_CONTROLLER
    try:
        if _BLAS_CONTROLLER is None:
            from threadpoolctl import ThreadpoolController

            _BLAS_CONTROLLER = ThreadpoolController()
        return _BLAS_CONTROLLER.limit(limits=1, user_api="blas")
    except ImportError:
        return nullcontext()
