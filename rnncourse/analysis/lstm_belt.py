r"""Why an LSTM's gradient survives: the cell path (the "belt") against the whole recurrence.

Book chapters 7 and 9. The LSTM's cell update :math:`c_t = f_t \odot c_{t-1} + i_t \odot g_t`
gives the gradient a path with an element-wise factor :math:`f_t` per step and no weight matrix.
That path alone shrinks a gradient by about the mean forget gate per step; what a freshly
initialised LSTM's gradient actually does is set by the whole per-step Jacobian, which also
contains the loop :math:`h_{t-1} \to` gates :math:`\to c_t \to h_t` through :math:`W_h`.
Three measurements on the same networks as :func:`rnncourse.analysis.gradient_flow` (same seed,
same inputs, same upstream vectors):

1. **belt only**: :math:`\partial L/\partial c_t` for :math:`L = \langle g, c_T\rangle` with
   every gate held fixed, i.e. :math:`g \odot \prod_{s>t} f_s` (the ``dc_prev = dc * f`` line
   of the reference backward pass, nothing else);
2. **whole state**: :math:`\partial L/\partial (h_t, c_t)` for :math:`L = \langle g, h_T\rangle`
   through every path (:func:`rnncourse.analysis.gradient_flow`);
3. **per-step Jacobian** :math:`J_t = \partial (h_t, c_t)/\partial (h_{t-1}, c_{t-1})`, a
   (2H, 2H) matrix per sequence and step, and its spectral radius :math:`\rho(J_t)`.

Theory the measurements are checked against:

- each step multiplies every belt component by an :math:`f` in :math:`[\min f, \max f]`, so the
  fitted belt factor lies in that interval, and close to the mean forget gate when the gates vary
  little;
- a product of slowly varying matrices grows like the spectral radius of one factor, so the
  whole-state factor (fitted after the first few steps, while the gradient turns towards the
  dominant direction) is close to the mean :math:`\rho(J_t)`;
- with :math:`W_h = 0` no gate depends on :math:`h_{t-1}`: :math:`J_t` is block triangular with
  eigenvalues :math:`0` and :math:`f_t`, and the whole-state factor is the belt factor.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from rnncourse._validation import Dims, check_float_array, check_int
from rnncourse.analysis._recurrence import _step
from rnncourse.analysis.gradients import fitted_factor, gradient_flow, gradient_flow_problem
from rnncourse.reference import lstm_forward

__all__ = [
    "BeltAnalysis",
    "belt_gradients",
    "fitted_factor",
    "lstm_belt_analysis",
    "forget_bias_sweep",
    "step_jacobians",
]


def belt_gradients(forget: np.ndarray, dL_dcT: np.ndarray) -> np.ndarray:
    r"""Gradient along the cell path alone, every gate held fixed.

    Parameters
    ----------
    forget : ndarray, shape (N, T, H)
        Forget gates :math:`f_1..f_T` of a forward pass (``lstm_forward``'s ``cache.f``).
    dL_dcT : ndarray, shape (N, H)
        Upstream gradient at the last cell state.

    Returns
    -------
    ndarray, shape (N, T+1, H)
        ``out[:, t]`` = :math:`\partial L/\partial c_t = g \odot \prod_{s=t+1}^{T} f_s` for
        t = 0..T (``out[:, T]`` is ``dL_dcT``).
    """
    dims = Dims()
    forget = check_float_array("forget", forget, "(N, T, H)", dims)
    g = check_float_array("dL_dcT", dL_dcT, "(N, H)", dims)
    # reversed cumulative product: tail[:, t] = f_{t+1} * ... * f_T (f_s stored at index s-1)
    tail = np.cumprod(forget[:, ::-1], axis=1)[:, ::-1]
    return np.concatenate([g[:, None] * tail, g[:, None]], axis=1)


def step_jacobians(
    x: np.ndarray, params: dict[str, np.ndarray], h: np.ndarray, c: np.ndarray
) -> np.ndarray:
    r"""Per-step Jacobians :math:`J_t = \partial (h_t, c_t)/\partial (h_{t-1}, c_{t-1})`.

    Exact (float64 autograd of one LSTM step); each state is replicated 2H times so that one
    backward pass per step yields every row.

    Parameters
    ----------
    x : ndarray, shape (N, T, D)
    params : dict
        LSTM parameters in the reference layout: ``Wx`` (D, 4H), ``Wh`` (H, 4H), ``b`` (4H,).
    h, c : ndarray, shape (N, T+1, H)
        Hidden and cell states :math:`h_0..h_T`, :math:`c_0..c_T` of the forward pass.

    Returns
    -------
    ndarray, shape (N, T, 2H, 2H)
        ``J[n, t-1]`` for t = 1..T; rows index :math:`(h_t, c_t)`, columns
        :math:`(h_{t-1}, c_{t-1})`, so a gradient row vector :math:`\delta_t` goes back as
        :math:`\delta_{t-1} = \delta_t J_t`.
    """
    dims = Dims()
    x = check_float_array("x", x, "(N, T, D)", dims)
    h = check_float_array("h", h, "(N, S, H)", dims)
    c = check_float_array("c", c, "(N, S, H)", dims)
    N, T, _ = x.shape
    H = h.shape[-1]
    if h.shape[1] != T + 1:
        raise ValueError(f"h and c must hold T+1 = {T + 1} states (N, T+1, H), got {h.shape}")
    P = {k: torch.tensor(np.asarray(params[k], dtype=np.float64)) for k in ("Wx", "Wh", "b")}
    rows = torch.eye(2 * H, dtype=torch.float64).repeat(N, 1)  # replica k of sequence n: e_k

    def rep(a):  # (N, H) -> (N * 2H, H), replica k of sequence n at row n * 2H + k
        return torch.tensor(np.repeat(a, 2 * H, axis=0))

    J = np.empty((N, T, 2 * H, 2 * H))
    for t in range(T):
        hp, cp = rep(h[:, t]).requires_grad_(True), rep(c[:, t]).requires_grad_(True)
        hn, cn = _step("lstm", rep(x[:, t]), hp, cp, P, "tanh")
        (torch.cat([hn, cn], dim=1) * rows).sum().backward()
        J[:, t] = torch.cat([hp.grad, cp.grad], dim=1).numpy().reshape(N, 2 * H, 2 * H)
    return J


@dataclass(frozen=True)
class BeltAnalysis:
    r"""Belt-only and whole-state gradients of one freshly initialised LSTM.

    Attributes
    ----------
    forget : ndarray, shape (N, T, H)
        Forget gates of the forward pass.
    belt_norms : ndarray, shape (T+1,)
        Batch mean of :math:`\|\partial L/\partial c_t\|` along the belt alone.
    state_norms : ndarray, shape (T+1,)
        Batch mean of :math:`\|\partial L/\partial (h_t, c_t)\|` through every path.
    radii : ndarray, shape (N, T)
        Spectral radius of every per-step Jacobian :math:`J_t`.
    skip : int
        Steps nearest the loss left out of the whole-state fit.
    info : dict
        The settings (forget_bias, spectral_radius, T, sizes, seed).
    """

    forget: np.ndarray = field(repr=False)
    belt_norms: np.ndarray = field(repr=False)
    state_norms: np.ndarray = field(repr=False)
    radii: np.ndarray = field(repr=False)
    skip: int
    info: dict

    @property
    def mean_forget(self) -> float:
        """Mean forget gate over sequences, steps and units."""
        return float(self.forget.mean())

    @property
    def forget_spread(self) -> float:
        """Standard deviation of the forget gates over sequences, steps and units."""
        return float(self.forget.std())

    @property
    def belt_factor(self) -> float:
        """Fitted per-step factor of :attr:`belt_norms`."""
        return fitted_factor(self.belt_norms)

    @property
    def state_factor(self) -> float:
        """Fitted per-step factor of :attr:`state_norms`, last :attr:`skip` steps left out."""
        return fitted_factor(self.state_norms, self.skip)

    @property
    def mean_radius(self) -> float:
        """Mean spectral radius of the per-step Jacobians."""
        return float(self.radii.mean())

    @property
    def radius_spread(self) -> float:
        """Standard deviation of the per-step spectral radii."""
        return float(self.radii.std())


def lstm_belt_analysis(
    forget_bias: float = 2.0,
    *,
    spectral_radius: float = 1.0,
    T: int = 60,
    hidden_size: int = 32,
    input_size: int = 8,
    batch_size: int = 16,
    input_scale: float = 0.1,
    seed: int = 0,
    skip: int = 10,
) -> BeltAnalysis:
    """Measure the belt, the whole state and the per-step Jacobians of one LSTM.

    The network, inputs and upstream vectors are those of
    ``gradient_flow("lstm", forget_bias=..., spectral_radius=..., seed=...)`` with the same
    sizes, so the whole-state curve is that function's ``mean_state_norms``.

    Parameters
    ----------
    forget_bias : float
        Forget-gate bias (the other biases are 0).
    spectral_radius : float
        Spectral radius of each recurrent (H, H) block of ``Wh`` (0 cuts the loop through it).
    T, hidden_size, input_size, batch_size : int
        Sequence length, H, D, N.
    input_scale : float
        Standard deviation of the N(0, input_scale^2) inputs.
    seed : int
    skip : int
        Steps nearest the loss left out of the whole-state fit (< T).

    Returns
    -------
    BeltAnalysis
    """
    settings = dict(
        spectral_radius=spectral_radius,
        T=T,
        hidden_size=hidden_size,
        input_size=input_size,
        batch_size=batch_size,
        forget_bias=forget_bias,
        input_scale=input_scale,
        seed=seed,
    )
    flow = gradient_flow("lstm", **settings)
    check_int("skip", skip, 0, maximum=T - 1)
    params, x, g = gradient_flow_problem("lstm", **settings)  # the same draws as flow's

    h, cache = lstm_forward(x, None, params["Wx"], params["Wh"], params["b"])
    zeros = np.zeros((batch_size, 1, hidden_size))
    h_all = np.concatenate([zeros, h], axis=1)
    c_all = np.concatenate([zeros, cache.c], axis=1)
    belt = belt_gradients(cache.f, g)
    J = step_jacobians(x, params, h_all, c_all)
    return BeltAnalysis(
        forget=np.array(cache.f),
        belt_norms=np.linalg.norm(belt, axis=-1).mean(axis=0),
        state_norms=flow.mean_state_norms,
        radii=np.abs(np.linalg.eigvals(J)).max(axis=-1),
        skip=int(skip),
        info=dict(flow.info, skip=int(skip)),
    )


def forget_bias_sweep(
    biases: Sequence[float] = (0.0, 1.0, 2.0, 3.0, 5.0), **kwargs
) -> dict[float, BeltAnalysis]:
    """:func:`lstm_belt_analysis` for each forget-gate bias (same seed, so same weights).

    Parameters
    ----------
    biases : sequence of float
    **kwargs
        Passed to :func:`lstm_belt_analysis`.

    Returns
    -------
    dict
        ``{bias: BeltAnalysis}``.
    """
    return {float(b): lstm_belt_analysis(float(b), **kwargs) for b in biases}
