"""Internal pieces shared by the reference modules: cache base class, dtype and parameter checks."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import Any

import numpy as np

from rnncourse._validation import Dims, check_float_array


class Cache:
    """Opaque record a forward function keeps for its backward function.

    Subclasses list their fields in ``__slots__``; ``producer`` names the forward function, so a
    backward function handed the wrong cache can say where it came from.
    """

    __slots__ = ()
    producer = "?"

    def __repr__(self) -> str:
        return f"<{type(self).__name__} from {self.producer}>"


def result_dtype(*arrays: Any) -> np.dtype:
    """Floating dtype of a computation over ``arrays`` (None entries skipped)."""
    return np.result_type(*[a for a in arrays if a is not None])


def check_cell_params(
    Wx: Any, Wh: Any, b: Any, k: int, dims: Dims, bh: Any = None
) -> None:
    """Check ``Wx (D, kH)``, ``Wh (H, kH)``, ``b (kH,)`` (and ``bh (kH,)``) against ``dims``.

    ``Wh`` is checked first when ``H`` is unknown so that ``H`` is read from its square-ish shape.
    """
    kH = "H" if k == 1 else f"{k}H"
    check_float_array("Wh", Wh, f"(H, {kH})", dims)
    check_float_array("Wx", Wx, f"(D, {kH})", dims)
    check_float_array("b", b, f"({kH},)", dims)
    if bh is not None:
        check_float_array("bh", bh, f"({kH},)", dims)


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
