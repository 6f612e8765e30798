"""Spectral radius and singular values of recurrent matrices (book chapters 4 and 7).

The radius of ``Wh`` sets how fast a linear recurrence forgets; :func:`init_params` draws
parameters with a chosen radius.
"""

from __future__ import annotations

import numpy as np

from rnncourse.analysis._recurrence import Cell, _check_cell
from rnncourse.reference.cells import NUM_BLOCKS


def _square(W: np.ndarray, name: str) -> np.ndarray:
    W = np.asarray(W)
    if W.ndim != 2 or W.shape[0] != W.shape[1]:
        raise ValueError(f"{name} must be a square matrix (H, H), got shape {W.shape}")
    if not np.all(np.isfinite(W)):
        raise ValueError(f"{name} must be finite, got NaN or inf entries")
    return W


def spectral_radius(W: np.ndarray) -> float:
    r"""Largest absolute eigenvalue of a square matrix.

    Parameters
    ----------
    W : ndarray, shape (H, H)

    Returns
    -------
    float
        :math:`\rho(W) = \max_k |\lambda_k(W)|`. It sets the asymptotic growth rate of
        :math:`\|W^k\|^{1/k}` as :math:`k \to \infty`.
    """
    W = _square(W, "W")
    return float(np.max(np.abs(np.linalg.eigvals(W))))


def largest_singular_value(W: np.ndarray) -> float:
    r"""Largest singular value (operator 2-norm) of a matrix of any shape.

    It bounds how much one multiplication by ``W`` can stretch a vector:
    :math:`\|v W\| \le \sigma_{\max}(W) \|v\|`; it is always :math:`\ge \rho(W)` for
    square ``W``.
    """
    W = np.asarray(W)
    if W.ndim != 2:
        raise ValueError(f"W must be a matrix (rows, cols), got shape {W.shape}")
    return float(np.linalg.norm(W, ord=2))


def scale_to_spectral_radius(W: np.ndarray, radius: float) -> np.ndarray:
    """Return ``W`` rescaled so that its spectral radius equals ``radius``.

    Parameters
    ----------
    W : ndarray, shape (H, H)
        Square matrix with a non-zero spectral radius.
    radius : float
        Target spectral radius, ``>= 0``.

    Returns
    -------
    ndarray, shape (H, H)
        ``W * radius / spectral_radius(W)`` (a new array, same dtype as ``W``).
    """
    W = _square(W, "W")
    if not np.isfinite(radius) or radius < 0:
        raise ValueError(f"radius must be a finite number >= 0, got {radius}")
    current = spectral_radius(W)
    if current == 0.0:
        raise ValueError("W has spectral radius 0 (nilpotent or zero); it cannot be rescaled")
    return (W * (radius / current)).astype(W.dtype, copy=False)


# --------------------------------------------------------------------------------------------


def spectral_radius_of_blocks(Wh: np.ndarray, hidden_size: int) -> list[float]:
    """Spectral radius of each (H, H) gate block of a recurrent matrix ``Wh`` (H, G*H)."""
    Wh = np.asarray(Wh)
    H = hidden_size
    if Wh.ndim != 2 or Wh.shape[0] != H or Wh.shape[1] % H:
        raise ValueError(f"Wh must be (H, G*H) with H = {H}, got {Wh.shape}")
    return [spectral_radius(Wh[:, k * H : (k + 1) * H]) for k in range(Wh.shape[1] // H)]


def init_params(
    cell: Cell,
    input_size: int,
    hidden_size: int,
    *,
    spectral_radius: float | None = None,
    keep_bias: float = 1.0,
    rng: np.random.Generator | None = None,
    dtype: type = np.float64,
) -> dict[str, np.ndarray]:
    """Random parameters in the reference layout, optionally with a prescribed recurrent radius.

    ``Wx`` has i.i.d. N(0, 1/D) entries and ``Wh`` i.i.d. N(0, 1/H) entries (spectral radius
    close to 1 for large H). If ``spectral_radius`` is given, every (H, H) gate block of ``Wh``
    is rescaled to exactly that radius. Biases are zero except the block of the gate that
    *keeps* the old state, which is ``keep_bias``: the LSTM forget gate f and the GRU gate z
    (torch's convention, ``h_t = (1 - z) * n + z * h_{t-1}``). A positive value there is a common
    initialisation trick that holds the memory path open at the start of training.

    Parameters
    ----------
    cell : {"rnn", "lstm", "gru"}
    input_size, hidden_size : int
        D and H, both >= 1.
    spectral_radius : float or None
        Target radius of each recurrent block, or None to keep the random draw.
    keep_bias : float
        Bias of the LSTM forget-gate block / GRU z block (ignored by the vanilla RNN).
    rng : numpy.random.Generator or None
        Source of randomness (``np.random.default_rng(0)`` if None).
    dtype : numpy float type

    Returns
    -------
    dict
        ``{"Wx": (D, G*H), "Wh": (H, G*H), "b": (G*H,)}`` with G = 1, 4, 3 for rnn, lstm, gru;
        the GRU also gets ``"bh": (3H,)``.
    """
    _check_cell(cell)
    for name, value in (("input_size", input_size), ("hidden_size", hidden_size)):
        if not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    rng = np.random.default_rng(0) if rng is None else rng
    D, H, G = int(input_size), int(hidden_size), NUM_BLOCKS[cell]
    Wx = rng.standard_normal((D, G * H)) / np.sqrt(D)
    Wh = rng.standard_normal((H, G * H)) / np.sqrt(H)
    if spectral_radius is not None:
        for k in range(G):
            Wh[:, k * H : (k + 1) * H] = scale_to_spectral_radius(
                Wh[:, k * H : (k + 1) * H], spectral_radius
            )
    b = np.zeros(G * H)
    if cell in ("lstm", "gru"):
        b[H : 2 * H] = keep_bias  # forget block f (LSTM) or z block (GRU): both second
    params = {"Wx": Wx, "Wh": Wh, "b": b}
    if cell == "gru":
        params["bh"] = np.zeros(G * H)
    return {k: v.astype(dtype) for k, v in params.items()}
