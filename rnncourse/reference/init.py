r"""Parameter initialisation for the reference cells: the one place the course draws them.

Schemes (``scheme=``):

- ``"torch"`` (default): every entry uniform in :math:`[-1/\sqrt{H}, 1/\sqrt{H}]`, as
  ``torch.nn.RNN/GRU/LSTM`` do (torch draws two biases; here ``b`` is drawn once, and ``bh`` for the
  GRU separately).
- ``"xavier"``: each gate block of ``Wx`` and ``Wh`` Glorot-uniform,
  :math:`U(\pm\sqrt{6 / (\text{fan\_in} + \text{fan\_out})})`; biases zero.
- ``"orthogonal"``: ``Wx`` blocks as in ``"xavier"``, each (H, H) block of ``Wh`` a random
  orthogonal matrix, so repeated multiplication by it neither grows nor shrinks a vector — a
  common remedy for vanishing / exploding gradients at the start of training.
- ``"normal"``: i.i.d. Gaussian entries, ``Wx`` :math:`\mathcal{N}(0, 1/D)` and ``Wh``
  :math:`\mathcal{N}(0, 1/H)` (variance 1/fan_in, so ``Wh`` has spectral radius close to 1 for
  large H), or :math:`\mathcal{N}(0, \text{std}^2)` for both if ``std`` is given; biases zero.

Two options work with every scheme. ``spectral_radius`` rescales each (H, H) gate block of ``Wh``
to exactly that radius :math:`\rho` (chapters 4 and 7: :math:`\rho` sets how fast a linear
recurrence forgets). ``forget_bias`` (e.g. 1.0) is added to the bias block of the gate that keeps
the old state — the LSTM forget gate ``f``, the GRU update gate ``z`` (torch's convention
:math:`h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}`) — so that the cell starts out remembering
(Gers et al., 2000; Jozefowicz et al., 2015).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rnncourse._validation import (
    as_generator,
    check_array,
    check_choice,
    check_int,
    check_positive,
)
from rnncourse.reference.cells import BLOCKS, CELLS, KEEP, NUM_BLOCKS, block

__all__ = [
    "init_rnn_params",
    "init_output_params",
    "spectral_radius",
    "scale_to_spectral_radius",
    "SCHEMES",
]

SCHEMES = ("torch", "xavier", "orthogonal", "normal")


def _square(W: Any, name: str) -> np.ndarray:
    """Return ``W`` as an array after checking it is a finite square matrix (array-likes pass)."""
    W = check_array(name, np.asarray(W), "(H, H)")
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
    check_positive("radius", radius, allow_zero=True)
    current = spectral_radius(W)
    if current == 0.0:
        raise ValueError("W has spectral radius 0 (nilpotent or zero); it cannot be rescaled")
    return (W * (radius / current)).astype(W.dtype, copy=False)


def _orthogonal(rng: np.random.Generator, n: int) -> np.ndarray:
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))  # sign fix makes the distribution uniform (Haar)


def _normal(rng: np.random.Generator, shape: tuple[int, int], std: float | None) -> np.ndarray:
    """N(0, 1/fan_in) entries (fan_in = rows), or N(0, std^2) if ``std`` is given."""
    z = rng.standard_normal(shape)
    return z / np.sqrt(shape[0]) if std is None else z * std


def _check_std(std: float | None, scheme: str) -> float | None:
    if std is None:
        return None
    if scheme != "normal":
        raise ValueError(f"std applies to scheme='normal' only, got scheme={scheme!r}")
    return check_positive("std", std)


def _draw_weights(
    rng: np.random.Generator, scheme: str, D: int, H: int, cell: str, std: float | None
) -> dict[str, np.ndarray]:
    """Draw ``Wx``, ``Wh``, ``b`` (and the GRU's ``bh``) in float64, in this order."""
    k = NUM_BLOCKS[cell]
    if scheme == "torch":
        bound = 1.0 / np.sqrt(H)
        p = {
            "Wx": rng.uniform(-bound, bound, (D, k * H)),
            "Wh": rng.uniform(-bound, bound, (H, k * H)),
            "b": rng.uniform(-bound, bound, k * H),
        }
        if cell == "gru":
            p["bh"] = rng.uniform(-bound, bound, k * H)
        return p
    if scheme == "normal":
        Wx, Wh = _normal(rng, (D, k * H), std), _normal(rng, (H, k * H), std)
    else:
        bx, bh_ = np.sqrt(6.0 / (D + H)), np.sqrt(6.0 / (2 * H))
        Wx = np.concatenate([rng.uniform(-bx, bx, (D, H)) for _ in range(k)], axis=1)
        if scheme == "xavier":
            Wh = np.concatenate([rng.uniform(-bh_, bh_, (H, H)) for _ in range(k)], axis=1)
        else:
            Wh = np.concatenate([_orthogonal(rng, H) for _ in range(k)], axis=1)
    p = {"Wx": Wx, "Wh": Wh, "b": np.zeros(k * H)}
    if cell == "gru":
        p["bh"] = np.zeros(k * H)
    return p


def init_rnn_params(
    D: int,
    H: int,
    cell: str = "rnn",
    rng: np.random.Generator | int | None = None,
    dtype: Any = np.float64,
    scheme: str = "torch",
    forget_bias: float = 0.0,
    *,
    std: float | None = None,
    spectral_radius: float | None = None,
) -> dict[str, np.ndarray]:
    """Random parameters of one recurrent layer in the reference layout.

    Parameters
    ----------
    D : int
        Input size.
    H : int
        Hidden size.
    cell : {"rnn", "gru", "lstm"}, default "rnn"
        Cell type (k = 1, 3, 4 gate blocks).
    rng : numpy.random.Generator or int, optional
        Source of randomness (an int is a seed).
    dtype : numpy dtype, default float64
        Floating dtype of the arrays (drawn in float64, then cast).
    scheme : {"torch", "xavier", "orthogonal", "normal"}, default "torch"
        ``"torch"``: every entry uniform in [-1/sqrt(H), 1/sqrt(H)], as torch.nn's cells;
        ``"xavier"``: Glorot-uniform gate blocks, zero biases; ``"orthogonal"``: ``Wx`` as in
        ``"xavier"``, each (H, H) block of ``Wh`` a random orthogonal matrix; ``"normal"``:
        ``Wx`` N(0, 1/D) and ``Wh`` N(0, 1/H) entries (or N(0, std^2)), zero biases.
    forget_bias : float, default 0.0
        Added to the bias block of the gate that keeps the old state: ``f`` of the LSTM, ``z``
        of the GRU (not for the vanilla RNN).
    std : float, optional
        Standard deviation of every weight entry (``scheme="normal"`` only); by default
        ``Wx`` is N(0, 1/D) and ``Wh`` N(0, 1/H).
    spectral_radius : float, optional
        If given (``>= 0``), every (H, H) gate block of ``Wh`` is rescaled to exactly this
        spectral radius after the draw.

    Returns
    -------
    dict
        ``{"Wx": (D, kH), "Wh": (H, kH), "b": (kH,)}`` plus ``"bh": (3H,)`` for the GRU.
    """
    D, H = check_int("D", D), check_int("H", H)
    check_choice("cell", cell, CELLS)
    check_choice("scheme", scheme, SCHEMES)
    if not np.issubdtype(np.dtype(dtype), np.floating):
        raise TypeError(f"dtype must be a floating dtype, got {np.dtype(dtype)}")
    if forget_bias != 0.0 and cell not in KEEP:
        raise ValueError(
            f"forget_bias only applies to the 'lstm' and 'gru' cells (a gate keeps the old "
            f"state), got cell={cell!r}"
        )
    std = _check_std(std, scheme)
    if spectral_radius is not None:
        check_positive("spectral_radius", spectral_radius, allow_zero=True)
    p = _draw_weights(as_generator(rng), scheme, D, H, cell, std)
    if spectral_radius is not None:
        for gate in BLOCKS[cell]:
            Wh_gate = block(p["Wh"], cell, gate)  # a view: rescaled in place
            Wh_gate[...] = scale_to_spectral_radius(Wh_gate, spectral_radius)
    if forget_bias:
        block(p["b"], cell, KEEP[cell])[...] += forget_bias
    return {name: v.astype(dtype) for name, v in p.items()}


def init_output_params(
    H: int,
    V: int,
    rng: np.random.Generator | int | None = None,
    dtype: Any = np.float64,
    scheme: str = "torch",
    *,
    std: float | None = None,
) -> dict[str, np.ndarray]:
    """Output layer ``{"Wy": (H, V), "by": (V,)}``; ``by`` is zero.

    Parameters
    ----------
    H : int
        Hidden size.
    V : int
        Output size (vocabulary size).
    rng : numpy.random.Generator or int, optional
        Source of randomness.
    dtype : numpy dtype, default float64
        Floating dtype.
    scheme : {"torch", "normal"}, default "torch"
        ``Wy`` uniform in ``[-1/sqrt(H), 1/sqrt(H)]``, or N(0, 1/H) (N(0, std^2) with ``std``).
    std : float, optional
        As in :func:`init_rnn_params`.

    Returns
    -------
    dict
    """
    H, V = check_int("H", H), check_int("V", V)
    check_choice("scheme", scheme, ("torch", "normal"))
    std = _check_std(std, scheme)
    gen = as_generator(rng)
    if scheme == "torch":
        bound = 1.0 / np.sqrt(H)
        Wy = gen.uniform(-bound, bound, (H, V))
    else:
        Wy = _normal(gen, (H, V), std)
    return {"Wy": Wy.astype(dtype), "by": np.zeros(V, dtype=dtype)}
