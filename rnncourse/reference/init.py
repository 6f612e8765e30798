r"""Parameter initialisation for the reference cells.

Schemes (``scheme=``):

- ``"torch"`` (default): every entry uniform in :math:`[-1/\sqrt{H}, 1/\sqrt{H}]`, as
  ``torch.nn.RNN/GRU/LSTM`` do (torch draws two biases; here ``b`` is drawn once, and ``bh`` for the
  GRU separately).
- ``"xavier"``: each gate block of ``Wx`` and ``Wh`` Glorot-uniform,
  :math:`U(\pm\sqrt{6 / (\text{fan\_in} + \text{fan\_out})})`; biases zero.
- ``"orthogonal"``: ``Wx`` blocks as in ``"xavier"``, each (H, H) block of ``Wh`` a random
  orthogonal matrix, so repeated multiplication by it neither grows nor shrinks a vector — a
  common remedy for vanishing / exploding gradients at the start of training.

For LSTMs, ``forget_bias`` (e.g. 1.0) is added to the forget-gate block of ``b`` so that the cell
starts out remembering (Gers et al., 2000; Jozefowicz et al., 2015).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from rnncourse._validation import check_choice
from rnncourse.reference.cells import CELLS, NUM_BLOCKS
from rnncourse.reference.sampling import make_rng

__all__ = ["init_rnn_params", "init_output_params", "init_deep_params", "SCHEMES"]

SCHEMES = ("torch", "xavier", "orthogonal")


def _check_size(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    return int(value)


def _orthogonal(rng: np.random.Generator, n: int) -> np.ndarray:
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))  # sign fix makes the distribution uniform (Haar)


def init_rnn_params(
    D: int,
    H: int,
    cell: str = "rnn",
    rng: np.random.Generator | int | None = None,
    dtype: Any = np.float64,
    scheme: str = "torch",
    forget_bias: float = 0.0,
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
        Floating dtype of the arrays.
    scheme : {"torch", "xavier", "orthogonal"}, default "torch"
        See the module docstring.
    forget_bias : float, default 0.0
        Added to the forget-gate block of ``b`` (LSTM only).

    Returns
    -------
    dict
        ``{"Wx": (D, kH), "Wh": (H, kH), "b": (kH,)}`` plus ``"bh": (3H,)`` for the GRU.
    """
    D, H = _check_size("D", D), _check_size("H", H)
    check_choice("cell", cell, CELLS)
    check_choice("scheme", scheme, SCHEMES)
    if not np.issubdtype(np.dtype(dtype), np.floating):
        raise TypeError(f"dtype must be a floating dtype, got {np.dtype(dtype)}")
    if forget_bias != 0.0 and cell != "lstm":
        raise ValueError(f"forget_bias only applies to the 'lstm' cell, got cell={cell!r}")
    gen = make_rng(rng)
    k = NUM_BLOCKS[cell]
    if scheme == "torch":
        bound = 1.0 / np.sqrt(H)
        p = {
            "Wx": gen.uniform(-bound, bound, (D, k * H)),
            "Wh": gen.uniform(-bound, bound, (H, k * H)),
            "b": gen.uniform(-bound, bound, k * H),
        }
        if cell == "gru":
            p["bh"] = gen.uniform(-bound, bound, k * H)
    else:
        bx, bh_ = np.sqrt(6.0 / (D + H)), np.sqrt(6.0 / (2 * H))
        Wx = np.concatenate([gen.uniform(-bx, bx, (D, H)) for _ in range(k)], axis=1)
        if scheme == "xavier":
            Wh = np.concatenate([gen.uniform(-bh_, bh_, (H, H)) for _ in range(k)], axis=1)
        else:
            Wh = np.concatenate([_orthogonal(gen, H) for _ in range(k)], axis=1)
        p = {"Wx": Wx, "Wh": Wh, "b": np.zeros(k * H)}
        if cell == "gru":
            p["bh"] = np.zeros(k * H)
    if cell == "lstm":
        p["b"][H : 2 * H] += forget_bias
    return {name: v.astype(dtype) for name, v in p.items()}


def init_output_params(
    H: int, V: int, rng: np.random.Generator | int | None = None, dtype: Any = np.float64
) -> dict[str, np.ndarray]:
    """Output layer ``{"Wy": (H, V), "by": (V,)}``, uniform in ``[-1/sqrt(H), 1/sqrt(H)]``.

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

    Returns
    -------
    dict
    """
    H, V = _check_size("H", H), _check_size("V", V)
    gen = make_rng(rng)
    bound = 1.0 / np.sqrt(H)
    return {"Wy": gen.uniform(-bound, bound, (H, V)).astype(dtype), "by": np.zeros(V, dtype=dtype)}


def init_deep_params(
    D: int,
    hidden_sizes: Sequence[int],
    cell: str = "rnn",
    rng: np.random.Generator | int | None = None,
    dtype: Any = np.float64,
    scheme: str = "torch",
    forget_bias: float = 0.0,
) -> list[dict[str, np.ndarray]]:
    """Parameters for :func:`rnncourse.reference.deep_forward`, bottom layer first.

    Parameters
    ----------
    D : int
        Input size.
    hidden_sizes : sequence of int
        Hidden size of each layer.
    cell, rng, dtype, scheme, forget_bias
        As in :func:`init_rnn_params`.

    Returns
    -------
    list of dict
    """
    if not isinstance(hidden_sizes, Sequence) or not hidden_sizes:
        raise ValueError(f"hidden_sizes must be a non-empty list of ints, got {hidden_sizes!r}")
    gen = make_rng(rng)
    sizes = [D, *hidden_sizes]
    return [
        init_rnn_params(sizes[i], sizes[i + 1], cell, gen, dtype, scheme, forget_bias)
        for i in range(len(hidden_sizes))
    ]
