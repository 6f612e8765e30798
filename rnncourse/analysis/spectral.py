"""Spectral radius and singular values of recurrent matrices (book chapters 4 and 7).

The radius of ``Wh`` sets how fast a linear recurrence forgets. :func:`spectral_radius` and
:func:`scale_to_spectral_radius` are defined in :mod:`rnncourse.reference.init`, the one place
that draws parameters; :func:`init_params` is its ``"normal"`` scheme with the analysis tools'
argument names.
"""

from __future__ import annotations

import numpy as np

from rnncourse._validation import as_generator, check_int
from rnncourse.analysis._recurrence import Cell
from rnncourse.reference.init import init_rnn_params, scale_to_spectral_radius, spectral_radius

__all__ = [
    "spectral_radius",
    "scale_to_spectral_radius",
    "spectral_radius_of_blocks",
    "init_params",
]


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
    forget_bias: float = 1.0,
    rng: np.random.Generator | int | None = None,
    dtype: type = np.float64,
) -> dict[str, np.ndarray]:
    """Random parameters in the reference layout, optionally with a prescribed recurrent radius.

    ``Wx`` has i.i.d. N(0, 1/D) entries and ``Wh`` i.i.d. N(0, 1/H) entries (spectral radius
    close to 1 for large H). If ``spectral_radius`` is given, every (H, H) gate block of ``Wh``
    is rescaled to exactly that radius. Biases are zero except the block of the gate that
    *keeps* the old state, which is ``forget_bias``: the LSTM forget gate f and the GRU gate z
    (torch's convention, ``h_t = (1 - z) * n + z * h_{t-1}``). A positive value there is a common
    initialisation trick that holds the memory path open at the start of training.

    Parameters
    ----------
    cell : {"rnn", "lstm", "gru"}
    input_size, hidden_size : int
        D and H, both >= 1.
    spectral_radius : float or None
        Target radius of each recurrent block, or None to keep the random draw.
    forget_bias : float
        Bias of the LSTM forget-gate block / GRU z block (ignored by the vanilla RNN).
    rng : numpy.random.Generator, int or None
        Source of randomness, read by ``rnncourse._validation.as_generator`` (None: fresh
        entropy, not reproducible).
    dtype : numpy float type

    Returns
    -------
    dict
        ``{"Wx": (D, G*H), "Wh": (H, G*H), "b": (G*H,)}`` with G = 1, 4, 3 for rnn, lstm, gru;
        the GRU also gets ``"bh": (3H,)``.
    """
    for name, value in (("input_size", input_size), ("hidden_size", hidden_size)):
        check_int(name, value)
    return init_rnn_params(
        input_size,
        hidden_size,
        cell,
        as_generator(rng),
        dtype,
        scheme="normal",
        forget_bias=0.0 if cell == "rnn" else forget_bias,
        spectral_radius=spectral_radius,
    )
