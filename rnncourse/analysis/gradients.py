"""Gradient-flow measurements for recurrent cells (book chapter 7).

The question this module answers: when a loss is computed from the *last* hidden state
:math:`h_T`, how large is its gradient with respect to an *earlier* state :math:`h_t`? For a
vanilla tanh RNN the answer shrinks or grows geometrically in :math:`T - t`, at a rate set by
the recurrent matrix (its spectral radius) and by the saturation of tanh; for an LSTM the cell
path :math:`c_t` lets it travel far with little decay when the forget gate is open.

All gradients are exact: the recurrences are written out in PyTorch (float64 by default) and
differentiated with autograd. Conventions follow the rest of ``rnncourse`` (batch-major row
vectors, reference parameter layout, gate order of ``torch.nn``):

- ``"rnn"``:  ``h_t = phi(x_t Wx + h_{t-1} Wh + b)``, Wx (D, H), Wh (H, H), b (H,)
- ``"lstm"``: blocks [i, f, g, o]; Wx (D, 4H), Wh (H, 4H), b (4H,);
  ``c_t = f * c_{t-1} + i * g``, ``h_t = o * tanh(c_t)``
- ``"gru"``:  blocks [r, z, n]; Wx (D, 3H), Wh (H, 3H), b (3H,), bh (3H,);
  ``h_t = (1 - z) * n + z * h_{t-1}`` (torch's GRU, the reset gate applied after ``h_{t-1} Wh_n``)

Typical use (what :class:`rnncourse.widgets.GradientFlowExplorer` does)::

    from rnncourse.analysis import gradient_flow
    flow = gradient_flow("rnn", spectral_radius=0.9, T=60)
    flow.mean_norms        # (T+1,) average over the batch of ||dL/dh_t||, t = 0..T
    flow.decay_rate()      # fitted per-step factor: < 1 vanishing, > 1 exploding
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import torch

from rnncourse._validation import (
    Dims,
    check_choice,
    check_float_array,
    check_int,
    check_positive,
)
from rnncourse.analysis._recurrence import Cell, _grad_or_zeros, _prepare, _unroll
from rnncourse.analysis.spectral import init_params, spectral_radius_of_blocks


@dataclass(frozen=True)
class HiddenGradients:
    r"""Exact gradients of a last-step loss with respect to every hidden state.

    Attributes
    ----------
    cell : str
        ``"rnn"``, ``"lstm"`` or ``"gru"``.
    h : ndarray, shape (N, T+1, H)
        Hidden states :math:`h_0, \dots, h_T` of the forward pass.
    dh : ndarray, shape (N, T+1, H)
        :math:`\partial L / \partial h_t` for t = 0..T. For the LSTM the state is the pair
        :math:`(h_t, c_t)` and this is the partial derivative with :math:`c_t` held fixed.
    dc : ndarray of shape (N, T+1, H), or None
        LSTM only (None otherwise): :math:`\partial L / \partial c_t` with :math:`h_t` held
        fixed, i.e. the gradient that travels back along the cell path (the ``dc_prev`` of the
        reference backward pass). It is zero at t = T because the loss reads only :math:`h_T`.
    params : dict
        The parameters used (reference layout), handy for re-running or plotting.
    info : dict
        Free-form description of how the measurement was set up (radius, seed, ...).
    """

    cell: str
    h: np.ndarray
    dh: np.ndarray
    dc: np.ndarray | None
    params: dict = field(repr=False)
    info: dict = field(default_factory=dict)

    @property
    def steps(self) -> np.ndarray:
        """Time indices t = 0..T, shape (T+1,)."""
        return np.arange(self.dh.shape[1])

    @property
    def norms(self) -> np.ndarray:
        r"""Per-sequence :math:`\|\partial L/\partial h_t\|_2`, shape (N, T+1)."""
        # float64 so that a float32 run that overflowed shows inf/nan without new overflow here
        return np.linalg.norm(self.dh.astype(np.float64), axis=-1)

    @property
    def cell_norms(self) -> np.ndarray | None:
        r"""Per-sequence :math:`\|\partial L/\partial c_t\|_2` (LSTM), (N, T+1), else None."""
        return None if self.dc is None else np.linalg.norm(self.dc.astype(np.float64), axis=-1)

    @property
    def state_norms(self) -> np.ndarray:
        r"""Per-sequence norm of the gradient with respect to the whole state, shape (N, T+1).

        :math:`\sqrt{\|dh_t\|^2 + \|dc_t\|^2}` for the LSTM, :attr:`norms` otherwise; this is
        the quantity to compare across cells.
        """
        if self.dc is None:
            return self.norms
        return np.sqrt(self.norms**2 + self.cell_norms**2)

    @property
    def mean_state_norms(self) -> np.ndarray:
        """Batch average of :attr:`state_norms`, shape (T+1,)."""
        return self.state_norms.mean(axis=0)

    @property
    def mean_norms(self) -> np.ndarray:
        """Batch average of :attr:`norms`, shape (T+1,)."""
        return self.norms.mean(axis=0)

    @property
    def mean_cell_norms(self) -> np.ndarray | None:
        """Batch average of :attr:`cell_norms` (LSTM), shape (T+1,), else None."""
        norms = self.cell_norms
        return None if norms is None else norms.mean(axis=0)

    def decay_rate(self, which: Literal["h", "c", "state"] = "h") -> float:
        """Fitted per-step growth factor of the mean gradient norm going back in time.

        A least-squares line is fitted to ``log(mean_norms[t])`` against ``T - t`` (steps
        back from the loss); the result is ``exp(slope)``: below 1 the gradient vanishes, above
        1 it explodes. Zero or non-finite norms are left out of the fit. The fit is
        :func:`fitted_factor`, the one definition (exercise 8's grader uses it too). ``which`` picks
        :attr:`mean_norms` ("h"), :attr:`mean_cell_norms` ("c", LSTM) or
        :attr:`mean_state_norms` ("state").
        """
        check_choice("which", which, ("h", "c", "state"))
        norms = {"h": self.mean_norms, "c": self.mean_cell_norms, "state": self.mean_state_norms}[
            which
        ]
        if norms is None:
            raise ValueError(f"which='c' needs an LSTM, this is a {self.cell!r}")
        return fitted_factor(norms)


def fitted_factor(norms: np.ndarray, skip: int = 0) -> float:
    """Per-step factor of a gradient-norm curve, fitted on a log scale.

    Parameters
    ----------
    norms : ndarray, shape (T+1,)
        Norms at t = 0..T for a loss at step T.
    skip : int
        Leave out the last ``skip`` points (the steps nearest the loss, where the gradient has
        not yet settled on the dominant direction of the Jacobians).

    Returns
    -------
    float
        ``exp(slope)`` of the least-squares line through ``log(norms[t])`` against ``T - t``:
        below 1 the gradient shrinks going back, above 1 it grows. The slope is a weighted mean
        of the step-to-step log ratios, so it lies between the smallest and largest ratio.
    """
    norms = check_float_array("norms", np.asarray(norms, dtype=np.float64), "(T,)")
    check_int("skip", skip, 0, maximum=len(norms) - 2)
    norms = norms[: len(norms) - skip]
    back = np.arange(len(norms))[::-1]
    ok = np.isfinite(norms) & (norms > 0)
    if ok.sum() < 2:
        raise ValueError("norms needs at least two finite non-zero values to fit a factor")
    return float(np.exp(np.polyfit(back[ok], np.log(norms[ok]), 1)[0]))


def hidden_state_gradients(
    x: np.ndarray,
    h0: np.ndarray | None,
    params: dict[str, np.ndarray],
    cell: Cell = "rnn",
    *,
    dL_dhT: np.ndarray | None = None,
    activation: str = "tanh",
    c0: np.ndarray | None = None,
    dtype: torch.dtype | None = None,
) -> HiddenGradients:
    r"""Exact :math:`\partial L/\partial h_t` for every t, for a loss that reads only :math:`h_T`.

    The loss is linear in the last state, :math:`L = \sum_n \langle g_n, h_T^{(n)} \rangle`
    with ``g = dL_dhT``, so that
    :math:`\partial L/\partial h_t = g\,\partial h_T/\partial h_t`: the measured
    gradients are exactly the vector-Jacobian products that BPTT carries back in time, and any
    real loss on :math:`h_T` produces a gradient of this form.

    Parameters
    ----------
    x : ndarray, shape (N, T, D)
        Input sequences.
    h0 : ndarray, shape (N, H), or None
        Initial hidden state (zeros if None).
    params : dict
        Reference layout (see module docstring), e.g. from :func:`init_params`.
    cell : {"rnn", "lstm", "gru"}
    dL_dhT : ndarray, shape (N, H), or None
        Upstream gradient :math:`g`; None means a vector of ones divided by sqrt(H) for every
        sequence (unit norm).
    activation : {"tanh", "relu", "linear"}
        Non-linearity of the vanilla RNN (must stay "tanh" for gated cells).
    c0 : ndarray, shape (N, H), or None
        Initial LSTM cell state (zeros if None).
    dtype : torch.dtype or None
        Precision of the computation, torch.float64 by default.

    Returns
    -------
    HiddenGradients
        ``dh`` (N, T+1, H), and ``dc`` for the LSTM.
    """
    xt, h0_t, c0_t, P, (N, T, D, H) = _prepare(x, h0, params, cell, activation, c0, dtype)
    if dL_dhT is None:
        dL_dhT = np.full((N, H), 1.0 / np.sqrt(H))
    check_float_array("dL_dhT", dL_dhT, "(N, H)", Dims(N=N, H=H))
    hs, cs = _unroll(cell, xt, h0_t, c0_t, P, activation)
    g = torch.tensor(np.asarray(dL_dhT), dtype=xt.dtype)
    (hs[-1] * g).sum().backward()
    dh = np.stack([_grad_or_zeros(h) for h in hs], axis=1)
    dc = None
    if cell == "lstm":
        dc = np.stack([_grad_or_zeros(c) for c in cs], axis=1)
    h = np.stack([h.detach().numpy() for h in hs], axis=1)
    info = {"activation": activation}
    return HiddenGradients(cell=cell, h=h, dh=dh, dc=dc, params=dict(params), info=info)


def gradient_flow_problem(
    cell: Cell = "rnn",
    *,
    spectral_radius: float | None = 1.0,
    T: int = 50,
    hidden_size: int = 32,
    input_size: int = 8,
    batch_size: int = 16,
    forget_bias: float = 1.0,
    input_scale: float = 0.1,
    seed: int = 0,
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Draw the seeded problem that :func:`gradient_flow` measures: weights, inputs, upstream.

    Parameters come from ``np.random.default_rng(seed)`` (:func:`init_params`), the data from
    ``np.random.default_rng([seed, 1])``, so one seed gives the same inputs and upstream vectors
    for every cell and radius. Arguments as in :func:`gradient_flow`.

    Returns
    -------
    params : dict
        Reference layout, each recurrent block scaled to ``spectral_radius``.
    x : ndarray, shape (N, T, D)
        i.i.d. N(0, input_scale^2) inputs.
    g : ndarray, shape (N, H)
        Random unit vectors, the upstream gradient on the last state.
    """
    check_int("T", T)
    check_int("batch_size", batch_size)
    check_positive("input_scale", input_scale, allow_zero=True)
    params = init_params(
        cell,
        input_size,
        hidden_size,
        spectral_radius=spectral_radius,
        forget_bias=forget_bias,
        rng=np.random.default_rng(seed),
    )
    data_rng = np.random.default_rng([seed, 1])
    x = input_scale * data_rng.standard_normal((batch_size, T, input_size))
    g = data_rng.standard_normal((batch_size, hidden_size))
    g /= np.linalg.norm(g, axis=1, keepdims=True)
    return params, x, g


def gradient_flow(
    cell: Cell = "rnn",
    *,
    spectral_radius: float | None = 1.0,
    T: int = 50,
    hidden_size: int = 32,
    input_size: int = 8,
    batch_size: int = 16,
    activation: str = "tanh",
    forget_bias: float = 1.0,
    input_scale: float = 0.1,
    seed: int = 0,
) -> HiddenGradients:
    r"""Measure :math:`\|\partial L/\partial h_t\|` against t for a freshly initialised cell.

    Builds parameters with :func:`init_params` (recurrent blocks scaled to
    ``spectral_radius``), feeds ``batch_size`` sequences of i.i.d. N(0, input_scale^2) inputs
    from ``h0 = 0``, and back-propagates a random unit vector :math:`g_n` from each last state
    (:func:`hidden_state_gradients`). The same ``seed`` gives the same inputs and upstream
    gradients for every cell, so curves for different cells and radii are comparable.

    Parameters
    ----------
    cell : {"rnn", "lstm", "gru"}
    spectral_radius : float or None
        Spectral radius of each recurrent (H, H) block; None keeps the random N(0, 1/H) draw.
    T : int
        Sequence length (>= 1).
    hidden_size, input_size, batch_size : int
        H, D and N.
    activation : {"tanh", "relu", "linear"}
        Vanilla RNN non-linearity ("linear" isolates the pure matrix-power effect).
    forget_bias : float
        Bias of the LSTM forget gate / GRU z gate; large values (e.g. 3) keep
        :math:`f_t \approx 1` (:math:`z_t \approx 1`), so the old state is carried over.
    input_scale : float
        Standard deviation of the inputs. The default 0.1 keeps a tanh RNN near its linear
        range, where the spectral radius governs the gradient; larger inputs saturate tanh and
        make every gradient vanish faster (tanh' < 1).
    seed : int
        Seeds both the parameters and the data.

    Returns
    -------
    HiddenGradients
        With ``info`` holding the settings and the measured spectral radius of ``Wh``.
    """
    params, x, g = gradient_flow_problem(
        cell,
        spectral_radius=spectral_radius,
        T=T,
        hidden_size=hidden_size,
        input_size=input_size,
        batch_size=batch_size,
        forget_bias=forget_bias,
        input_scale=input_scale,
        seed=seed,
    )
    res = hidden_state_gradients(x, None, params, cell, dL_dhT=g, activation=activation)
    H = hidden_size
    info = dict(res.info)
    info.update(
        spectral_radius=spectral_radius,
        measured_radius=spectral_radius_of_blocks(params["Wh"], H),
        T=T,
        hidden_size=H,
        input_size=input_size,
        batch_size=batch_size,
        forget_bias=forget_bias if cell != "rnn" else None,
        input_scale=input_scale,
        seed=seed,
    )
    return HiddenGradients(cell=cell, h=res.h, dh=res.dh, dc=res.dc, params=params, info=info)
