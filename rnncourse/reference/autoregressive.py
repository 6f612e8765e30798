"""Autoregressive forecasting in NumPy: AR(p) by least squares and k-step-ahead rollouts.

AR(p) predicts the next value from the p before it,
``x_hat_t = b + a_1 x_{t-1} + ... + a_p x_{t-p}``, with ``(b, a)`` minimising the squared one-step
error on the training windows (an ordinary least-squares problem). A k-step-ahead forecast feeds
each prediction back as if it had been observed (:func:`rollout`), so its errors accumulate.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from rnncourse._validation import check_float_array, check_int

__all__ = ["ar_fit", "ar_predict", "rollout"]


def ar_fit(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Fit AR(p) by least squares on windows ``x`` and next values ``y``.

    Parameters
    ----------
    x : numpy.ndarray, shape (N, T, 1) or (N, T)
        Windows of the T = p past values, oldest first (as :func:`rnncourse.data.make_windows`).
    y : numpy.ndarray, shape (N,)
        The value that follows each window.

    Returns
    -------
    a : numpy.ndarray, shape (p,)
        ``a[i - 1]`` multiplies ``x_{t-i}``, the value i steps back (lag order, newest first).
    b : float
        The intercept.
    """
    x = _windows(x)
    check_float_array("y", y, f"({x.shape[0]},)")
    N, p = x.shape
    if N < p + 1:
        raise ValueError(f"AR({p}) needs at least p + 1 = {p + 1} windows, got N = {N}")
    design = np.concatenate([np.ones((N, 1)), x[:, ::-1]], axis=1)  # [1, x_{t-1}, ..., x_{t-p}]
    theta = np.linalg.lstsq(design, y, rcond=None)[0]
    return theta[1:], float(theta[0])


def ar_predict(x: np.ndarray, a: np.ndarray, b: float) -> np.ndarray:
    """One-step prediction ``b + sum_i a_i x_{t-i}`` for each window.

    Parameters
    ----------
    x : numpy.ndarray, shape (N, T, 1) or (N, T), T >= p
        Windows, oldest first; only the last p values are read.
    a : numpy.ndarray, shape (p,)
        Lag coefficients from :func:`ar_fit`.
    b : float
        Intercept.

    Returns
    -------
    numpy.ndarray, shape (N,)
    """
    x = _windows(x)
    a = check_float_array("a", a, "(p,)")
    if x.shape[1] < a.shape[0]:
        raise ValueError(
            f"x must hold T >= p = {a.shape[0]} values per window, got T = {x.shape[1]}"
        )
    return b + x[:, ::-1][:, : a.shape[0]] @ a


def rollout(predict: Callable[[np.ndarray], np.ndarray], x: np.ndarray, k: int) -> np.ndarray:
    """Predict k steps ahead by feeding each one-step prediction back into the window.

    Parameters
    ----------
    predict : callable
        One-step predictor: windows (N, T, 1) -> predictions (N,).
    x : numpy.ndarray, shape (N, T, 1)
        Observed windows; step j's prediction is made from the window shifted j - 1 times with
        predictions in place of the values not yet observed.
    k : int
        Number of steps (k >= 1).

    Returns
    -------
    numpy.ndarray, shape (N, k)
        Column j - 1 is the j-step-ahead prediction.
    """
    check_float_array("x", x, "(N, T, 1)")
    k = check_int("k", k, minimum=1)
    window = x.astype(np.float64, copy=True)
    out = np.empty((x.shape[0], k))
    for j in range(k):
        out[:, j] = predict(window)
        window = np.concatenate([window[:, 1:], out[:, j, None, None]], axis=1)
    return out


def _windows(x: np.ndarray) -> np.ndarray:
    if isinstance(x, np.ndarray) and x.ndim == 3:
        x = check_float_array("x", x, "(N, T, 1)")[:, :, 0]
    return check_float_array("x", x, "(N, T)").astype(np.float64)
