r"""Numerical gradients by central differences, and the relative error used to compare them.

For a scalar function :math:`f` and one entry :math:`x_k` of its input,

.. math:: \frac{\partial f}{\partial x_k} \approx \frac{f(x + h e_k) - f(x - h e_k)}{2h},

with an error of order :math:`h^2`. A function with an array output :math:`y = f(x)` is checked
through the scalar :math:`\sum y \odot d_{out}` for a random upstream gradient :math:`d_{out}`,
whose gradient is exactly what a backward function returns.

Use float64: with float32 the rounding error of :math:`f` (about 1e-7 relative) divided by
:math:`2h` swamps the result. Typical outcome in float64: relative error below 1e-7 for a correct
backward pass, above 1e-3 for a wrong one.

Example (a learner checking an RNN backward pass)::

    x, h0, Wx, Wh, b = ...                      # float64 arrays
    h, cache = rnn_forward(x, h0, Wx, Wh, b)
    dout = np.random.default_rng(0).standard_normal(h.shape)
    dx, dh0, dWx, dWh, db = rnn_backward(dout, cache)
    errors = grad_check(lambda: rnn_forward(x, h0, Wx, Wh, b)[0],
                        {"x": x, "h0": h0, "Wx": Wx, "Wh": Wh, "b": b},
                        {"x": dx, "h0": dh0, "Wx": dWx, "Wh": dWh, "b": db}, dout=dout)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from rnncourse._validation import as_generator, check_float_array, check_positive

__all__ = ["eval_numerical_gradient", "rel_error", "grad_check", "GradCheckError"]


class GradCheckError(AssertionError):
    """Raised by :func:`grad_check` with ``strict=True`` when an error exceeds the tolerance."""


def _require_float64(name: str, x: Any) -> None:
    check_float_array(name, x)
    if x.dtype != np.float64:
        raise TypeError(
            f"{name} must be float64 for a numerical gradient check, got {x.dtype}; "
            f"float32 rounding is too coarse for central differences"
        )


def _scalar(out: Any, dout: np.ndarray | None) -> float:
    if dout is None:
        arr = np.asarray(out)
        if arr.size != 1:
            raise ValueError(
                f"f returned an array of shape {arr.shape}; pass dout (same shape) to check "
                f"sum(f(x) * dout), or make f return a scalar"
            )
        return float(arr.reshape(()))
    out = np.asarray(out)
    if out.shape != dout.shape:
        raise ValueError(f"dout must have the shape of f's output {out.shape}, got {dout.shape}")
    return float(np.sum(out * dout))


def eval_numerical_gradient(
    f: Callable[[np.ndarray], Any],
    x: np.ndarray,
    dout: np.ndarray | None = None,
    h: float = 1e-5,
    indices: np.ndarray | None = None,
) -> np.ndarray:
    """Gradient of ``f`` with respect to ``x`` by central differences.

    ``x`` is perturbed *in place*, one entry at a time, and restored afterwards, so ``f`` may
    either take ``x`` as its argument or read the same array from an enclosing scope.

    Parameters
    ----------
    f : callable
        ``f(x)`` returning a scalar, or an array when ``dout`` is given.
    x : numpy.ndarray
        Point at which to differentiate, float64, any shape.
    dout : numpy.ndarray, optional
        Upstream gradient with the shape of ``f(x)``; the function differentiated is then
        ``sum(f(x) * dout)``.
    h : float, default 1e-5
        Step size.
    indices : numpy.ndarray of int, optional
        Flat indices of the entries to evaluate (others stay 0); all entries if None.

    Returns
    -------
    numpy.ndarray
        Same shape as ``x``.
    """
    _require_float64("x", x)
    if dout is not None:
        check_float_array("dout", dout)
    check_positive("h", h)
    grad = np.zeros_like(x)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    if not np.shares_memory(flat, x):
        raise ValueError("x must be a contiguous array (it is perturbed in place)")
    todo = range(x.size) if indices is None else np.asarray(indices).reshape(-1)
    for k in todo:
        old = flat[k]
        flat[k] = old + h
        plus = _scalar(f(x), dout)
        flat[k] = old - h
        minus = _scalar(f(x), dout)
        flat[k] = old
        gflat[k] = (plus - minus) / (2 * h)
    return grad


def rel_error(x: np.ndarray | float, y: np.ndarray | float) -> float:
    """Largest elementwise relative error ``|x - y| / max(1e-8, |x| + |y|)``.

    Parameters
    ----------
    x, y : numpy.ndarray or float
        Arrays of the same shape (e.g. an analytic and a numerical gradient).

    Returns
    -------
    float
        0 for identical inputs; about 1e-7 or less for a correct float64 gradient.
    """
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same shape, got {x.shape} and {y.shape}")
    if x.size == 0:
        return 0.0
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))


def grad_check(
    f: Callable[[], Any],
    inputs: Mapping[str, np.ndarray],
    analytic: Mapping[str, np.ndarray],
    dout: np.ndarray | None = None,
    h: float = 1e-5,
    tol: float = 1e-6,
    num_checks: int | None = None,
    rng: np.random.Generator | int | None = None,
    strict: bool = False,
    verbose: bool = False,
) -> dict[str, float]:
    """Compare analytic gradients with central differences, input by input.

    Parameters
    ----------
    f : callable
        Called with no arguments; recomputes the forward pass reading the arrays in ``inputs``
        (they are perturbed in place). Returns a scalar loss, or an array when ``dout`` is given.
    inputs : dict of str to numpy.ndarray
        The float64 arrays to differentiate with respect to.
    analytic : dict of str to numpy.ndarray
        Your gradients, same keys and shapes as ``inputs``.
    dout : numpy.ndarray, optional
        Upstream gradient for an array-valued ``f``.
    h : float, default 1e-5
        Finite-difference step.
    tol : float, default 1e-6
        Largest acceptable relative error.
    num_checks : int, optional
        Check only this many random entries per input (for large arrays); all if None.
    rng : numpy.random.Generator or int, optional
        Chooses the entries when ``num_checks`` is set.
    strict : bool, default False
        Raise :class:`GradCheckError` if any error exceeds ``tol``.
    verbose : bool, default False
        Print one line per input.

    Returns
    -------
    dict of str to float
        Relative error (see :func:`rel_error`) of each input.
    """
    missing = [k for k in inputs if k not in analytic]
    if missing:
        raise ValueError(f"analytic is missing gradient(s) for {', '.join(missing)}")
    gen = as_generator(rng)
    errors: dict[str, float] = {}
    for name, x in inputs.items():
        _require_float64(f"inputs[{name!r}]", x)
        grad = analytic[name]
        check_float_array(f"analytic[{name!r}]", grad)
        if grad.shape != x.shape:
            raise ValueError(
                f"analytic[{name!r}] must have the shape of inputs[{name!r}] {x.shape}, "
                f"got {grad.shape}"
            )
        idx = None
        if num_checks is not None and num_checks < x.size:
            idx = gen.choice(x.size, size=num_checks, replace=False)
        num = eval_numerical_gradient(lambda _x: f(), x, dout=dout, h=h, indices=idx)
        if idx is None:
            errors[name] = rel_error(grad, num)
        else:
            errors[name] = rel_error(grad.reshape(-1)[idx], num.reshape(-1)[idx])
        if verbose:
            flag = "ok" if errors[name] < tol else "FAIL"
            print(f"{name:>10s}: relative error {errors[name]:.2e}  {flag}")
    bad = {k: v for k, v in errors.items() if not v < tol}
    if strict and bad:
        listed = ", ".join(f"{k} ({v:.2e})" for k, v in bad.items())
        raise GradCheckError(f"gradient check failed (tol {tol:.0e}): {listed}")
    return errors
