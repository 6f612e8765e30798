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
  ``h_t = (1 - z) * n + z * h_{t-1}`` (``reset_after=True`` is torch's GRU; ``False`` is Cho et al.)

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

__all__ = [
    "CELLS",
    "ACTIVATIONS",
    "HiddenGradients",
    "spectral_radius",
    "largest_singular_value",
    "scale_to_spectral_radius",
    "spectral_radius_of_blocks",
    "init_params",
    "hidden_state_gradients",
    "jacobian_norms",
    "gradient_flow",
    "BPTTContributions",
    "bptt_contributions",
]

CELLS = ("rnn", "lstm", "gru")
ACTIVATIONS = ("tanh", "relu", "linear")
_GATES = {"rnn": 1, "lstm": 4, "gru": 3}

Cell = Literal["rnn", "lstm", "gru"]


# --------------------------------------------------------------------------------------------
# Spectral helpers
# --------------------------------------------------------------------------------------------
def _square(W: np.ndarray, name: str) -> np.ndarray:
    W = np.asarray(W)
    if W.ndim != 2 or W.shape[0] != W.shape[1]:
        raise ValueError(f"{name} must be a square matrix (H, H), got shape {W.shape}")
    if not np.all(np.isfinite(W)):
        raise ValueError(f"{name} must be finite, got NaN or inf entries")
    return W


def spectral_radius(W: np.ndarray) -> float:
    """Largest absolute eigenvalue of a square matrix.

    Parameters
    ----------
    W : ndarray, shape (H, H)

    Returns
    -------
    float
        :math:`\\rho(W) = \\max_k |\\lambda_k(W)|`. It sets the asymptotic growth rate of
        :math:`\\|W^k\\|^{1/k}` as :math:`k \\to \\infty`.
    """
    W = _square(W, "W")
    return float(np.max(np.abs(np.linalg.eigvals(W))))


def largest_singular_value(W: np.ndarray) -> float:
    """Largest singular value (operator 2-norm) of a matrix of any shape.

    It bounds how much one multiplication by ``W`` can stretch a vector:
    :math:`\\|v W\\| \\le \\sigma_{\\max}(W) \\|v\\|`; it is always :math:`\\ge \\rho(W)` for
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
# Parameters
# --------------------------------------------------------------------------------------------
def _check_cell(cell: str) -> None:
    if cell not in CELLS:
        raise ValueError(f"cell must be one of {CELLS}, got {cell!r}")


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
    D, H, G = int(input_size), int(hidden_size), _GATES[cell]
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


def _check_params(params: dict, cell: str, D: int) -> int:
    """Validate the reference layout and return H."""
    for key in ("Wx", "Wh", "b"):
        if key not in params:
            raise ValueError(f"params must contain {key!r} for cell {cell!r}, got {sorted(params)}")
    G = _GATES[cell]
    Wh = np.asarray(params["Wh"])
    if Wh.ndim != 2 or Wh.shape[1] != G * Wh.shape[0]:
        raise ValueError(f"params['Wh'] must be (H, {G}H) for cell {cell!r}, got {Wh.shape}")
    H = Wh.shape[0]
    shapes = {"Wx": (D, G * H), "b": (G * H,)}
    if cell == "gru" and params.get("bh") is not None:
        shapes["bh"] = (G * H,)
    for key, shape in shapes.items():
        got = np.shape(params[key])
        if got != shape:
            raise ValueError(
                f"params[{key!r}] must be {shape} = (D={D}, {G}H={G * H}) style for cell "
                f"{cell!r} with H={H}, got {got}"
            )
    return H


# --------------------------------------------------------------------------------------------
# Forward recurrences in torch (differentiable)
# --------------------------------------------------------------------------------------------
def _phi(a: torch.Tensor, activation: str) -> torch.Tensor:
    if activation == "tanh":
        return torch.tanh(a)
    if activation == "relu":
        return torch.relu(a)
    return a


def _step(cell, x, h, c, P, activation, reset_after):
    """One step of the chosen cell; returns (h_next, c_next) (c_next is None unless LSTM)."""
    H = h.shape[1]
    if cell == "rnn":
        return _phi(x @ P["Wx"] + h @ P["Wh"] + P["b"], activation), None
    if cell == "lstm":
        a = x @ P["Wx"] + h @ P["Wh"] + P["b"]
        i, f = torch.sigmoid(a[:, :H]), torch.sigmoid(a[:, H : 2 * H])
        g, o = torch.tanh(a[:, 2 * H : 3 * H]), torch.sigmoid(a[:, 3 * H :])
        c_next = f * c + i * g
        return o * torch.tanh(c_next), c_next
    ax = x @ P["Wx"] + P["b"]
    Wh, bh = P["Wh"], P["bh"]
    hr = h @ Wh[:, : 2 * H] + bh[: 2 * H]
    r = torch.sigmoid(ax[:, :H] + hr[:, :H])
    z = torch.sigmoid(ax[:, H : 2 * H] + hr[:, H:])
    if reset_after:
        n = torch.tanh(ax[:, 2 * H :] + r * (h @ Wh[:, 2 * H :] + bh[2 * H :]))
    else:
        n = torch.tanh(ax[:, 2 * H :] + (r * h) @ Wh[:, 2 * H :] + bh[2 * H :])
    return (1 - z) * n + z * h, None


def _unroll(cell, x, h0, c0, P, activation, reset_after):
    """Run the recurrence keeping every state as a separate graph node with retained grad."""
    hs, cs = [h0], [c0]
    for t in range(x.shape[1]):
        h, c = _step(cell, x[:, t], hs[-1], cs[-1], P, activation, reset_after)
        h.retain_grad()
        if c is not None:
            # h_t is computed from c_t. A copy that only the *next* step reads makes c.grad the
            # partial derivative with h_t held fixed: the gradient carried along the cell path,
            # as in the reference LSTM backward (dc_prev), so that (dh_t, dc_t) is the gradient
            # with respect to the state pair.
            c = c.clone()
            c.retain_grad()
        hs.append(h)
        cs.append(c)
    return hs, cs


def _prepare(x, h0, params, cell, activation, c0, dtype):
    """Validate inputs and convert them to torch tensors (float64 unless ``dtype`` is given)."""
    _check_cell(cell)
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")
    if cell != "rnn" and activation != "tanh":
        raise ValueError(f"activation applies to cell='rnn' only, got {activation!r} for {cell!r}")
    x = np.asarray(x)
    if x.ndim != 3:
        raise ValueError(f"x must be (N, T, D), got shape {x.shape}")
    N, T, D = x.shape
    if T < 1:
        raise ValueError(f"x must have at least one time step, got T = {T}")
    H = _check_params(params, cell, D)
    states = {"h0": h0, "c0": c0}
    for name, value in states.items():
        if value is not None and np.shape(value) != (N, H):
            raise ValueError(f"{name} must be (N, H) = ({N}, {H}), got {np.shape(value)}")
    dtype = torch.float64 if dtype is None else dtype

    def tt(a, grad=False):
        return torch.tensor(np.asarray(a), dtype=dtype, requires_grad=grad)

    P = {k: tt(v) for k, v in params.items() if v is not None}
    if cell == "gru" and "bh" not in P:
        P["bh"] = torch.zeros(3 * H, dtype=dtype)
    h0_t = tt(np.zeros((N, H)) if h0 is None else h0, grad=True)
    c0_t = None
    if cell == "lstm":
        c0_t = tt(np.zeros((N, H)) if c0 is None else c0, grad=True)
    return tt(x), h0_t, c0_t, P, (N, T, D, H)


def _grad_or_zeros(s: torch.Tensor) -> np.ndarray:
    """Gradient of a retained node; zeros where no path leads to the loss (c_T of an LSTM)."""
    return np.zeros(tuple(s.shape)) if s.grad is None else s.grad.numpy()


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class HiddenGradients:
    """Exact gradients of a last-step loss with respect to every hidden state.

    Attributes
    ----------
    cell : str
        ``"rnn"``, ``"lstm"`` or ``"gru"``.
    h : ndarray, shape (N, T+1, H)
        Hidden states :math:`h_0, \\dots, h_T` of the forward pass.
    dh : ndarray, shape (N, T+1, H)
        :math:`\\partial L / \\partial h_t` for t = 0..T. For the LSTM the state is the pair
        :math:`(h_t, c_t)` and this is the partial derivative with :math:`c_t` held fixed.
    dc : ndarray of shape (N, T+1, H), or None
        LSTM only (None otherwise): :math:`\\partial L / \\partial c_t` with :math:`h_t` held
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
        """Per-sequence :math:`\\|\\partial L/\\partial h_t\\|_2`, shape (N, T+1)."""
        # float64 so that a float32 run that overflowed shows inf/nan without new overflow here
        return np.linalg.norm(self.dh.astype(np.float64), axis=-1)

    @property
    def cell_norms(self) -> np.ndarray | None:
        """Per-sequence :math:`\\|\\partial L/\\partial c_t\\|_2` (LSTM), (N, T+1), else None."""
        return None if self.dc is None else np.linalg.norm(self.dc.astype(np.float64), axis=-1)

    @property
    def state_norms(self) -> np.ndarray:
        """Per-sequence norm of the gradient with respect to the whole state, shape (N, T+1).

        :math:`\\sqrt{\\|dh_t\\|^2 + \\|dc_t\\|^2}` for the LSTM, :attr:`norms` otherwise; this is
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
        1 it explodes. Zero or non-finite norms are left out of the fit. ``which`` picks
        :attr:`mean_norms` ("h"), :attr:`mean_cell_norms` ("c", LSTM) or
        :attr:`mean_state_norms` ("state").
        """
        if which not in ("h", "c", "state"):
            raise ValueError(f"which must be 'h', 'c' or 'state', got {which!r}")
        norms = {"h": self.mean_norms, "c": self.mean_cell_norms, "state": self.mean_state_norms}[
            which
        ]
        if norms is None:
            raise ValueError(f"which='c' needs an LSTM, this is a {self.cell!r}")
        back = self.steps[-1] - self.steps
        ok = np.isfinite(norms) & (norms > 0)
        if ok.sum() < 2:
            raise ValueError("fewer than two finite non-zero norms; cannot fit a rate")
        slope = np.polyfit(back[ok], np.log(norms[ok]), 1)[0]
        return float(np.exp(slope))


# --------------------------------------------------------------------------------------------
# Measurements
# --------------------------------------------------------------------------------------------
def hidden_state_gradients(
    x: np.ndarray,
    h0: np.ndarray | None,
    params: dict[str, np.ndarray],
    cell: Cell = "rnn",
    *,
    dL_dhT: np.ndarray | None = None,
    activation: str = "tanh",
    c0: np.ndarray | None = None,
    reset_after: bool = True,
    dtype: torch.dtype | None = None,
) -> HiddenGradients:
    """Exact :math:`\\partial L/\\partial h_t` for every t, for a loss that reads only :math:`h_T`.

    The loss is linear in the last state, :math:`L = \\sum_n \\langle g_n, h_T^{(n)} \\rangle`
    with ``g = dL_dhT``, so that
    :math:`\\partial L/\\partial h_t = g\\,\\partial h_T/\\partial h_t`: the measured
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
    reset_after : bool
        GRU variant: True is torch's GRU, False is the original Cho et al. form.
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
    if np.shape(dL_dhT) != (N, H):
        raise ValueError(f"dL_dhT must be (N, H) = ({N}, {H}), got {np.shape(dL_dhT)}")
    hs, cs = _unroll(cell, xt, h0_t, c0_t, P, activation, reset_after)
    g = torch.tensor(np.asarray(dL_dhT), dtype=xt.dtype)
    (hs[-1] * g).sum().backward()
    dh = np.stack([_grad_or_zeros(h) for h in hs], axis=1)
    dc = None
    if cell == "lstm":
        dc = np.stack([_grad_or_zeros(c) for c in cs], axis=1)
    h = np.stack([h.detach().numpy() for h in hs], axis=1)
    info = {"activation": activation, "reset_after": reset_after}
    return HiddenGradients(cell=cell, h=h, dh=dh, dc=dc, params=dict(params), info=info)


def jacobian_norms(
    x: np.ndarray,
    h0: np.ndarray | None,
    params: dict[str, np.ndarray],
    cell: Cell = "rnn",
    *,
    ord: Literal["fro", 2] = 2,
    wrt: Literal["h", "c"] = "h",
    activation: str = "tanh",
    c0: np.ndarray | None = None,
    reset_after: bool = True,
) -> np.ndarray:
    """Norms of the full Jacobians :math:`\\partial h_T / \\partial h_t` for t = 0..T.

    Each sequence is replicated H times and replica k back-propagates the k-th unit vector,
    so one backward pass yields every row of every Jacobian (exact, float64).

    Parameters
    ----------
    x, h0, params, cell, activation, c0, reset_after
        As in :func:`hidden_state_gradients`.
    ord : {"fro", 2}
        Frobenius norm or spectral norm (largest singular value) of each (H, H) Jacobian.
    wrt : {"h", "c"}
        Differentiate with respect to :math:`h_t` or (LSTM only) the cell state :math:`c_t`; for
        the LSTM each is a partial derivative with the other half of the state held fixed (so
        the cell Jacobian is zero at t = T).

    Returns
    -------
    ndarray, shape (N, T+1)
        ``out[n, t] = || d h_T^(n) / d state_t^(n) ||``.
    """
    if ord not in ("fro", 2):
        raise ValueError(f"ord must be 'fro' or 2, got {ord!r}")
    if wrt not in ("h", "c") or (wrt == "c" and cell != "lstm"):
        raise ValueError(f"wrt must be 'h' (any cell) or 'c' (lstm only), got {wrt!r} for {cell!r}")
    x = np.asarray(x)
    xt, h0_t, c0_t, P, (N, T, D, H) = _prepare(x, h0, params, cell, activation, c0, None)

    def rep(a):  # (N, ...) -> (N*H, ...), replica k of sequence n at row n*H + k
        return None if a is None else torch.repeat_interleave(a.detach(), H, dim=0)

    h0_r = rep(h0_t).requires_grad_(True)
    c0_r = None if c0_t is None else rep(c0_t).requires_grad_(True)
    hs, cs = _unroll(cell, rep(xt), h0_r, c0_r, P, activation, reset_after)
    selector = torch.eye(H, dtype=xt.dtype).repeat(N, 1)  # row n*H + k is e_k
    (hs[-1] * selector).sum().backward()
    states = hs if wrt == "h" else cs
    out = np.empty((N, T + 1))
    for t, s in enumerate(states):
        J = _grad_or_zeros(s).reshape(N, H, H)  # J[n, k, :] = d h_T[k] / d s_t
        out[:, t] = np.linalg.norm(J, ord=ord, axis=(1, 2))
    return out


def gradient_flow(
    cell: Cell = "rnn",
    *,
    spectral_radius: float | None = 1.0,
    T: int = 50,
    hidden_size: int = 32,
    input_size: int = 8,
    batch_size: int = 16,
    activation: str = "tanh",
    keep_bias: float = 1.0,
    input_scale: float = 0.1,
    seed: int = 0,
    reset_after: bool = True,
) -> HiddenGradients:
    """Measure :math:`\\|\\partial L/\\partial h_t\\|` against t for a freshly initialised cell.

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
    keep_bias : float
        Bias of the LSTM forget gate / GRU z gate; large values (e.g. 3) keep
        :math:`f_t \\approx 1` (:math:`z_t \\approx 1`), so the old state is carried over.
    input_scale : float
        Standard deviation of the inputs. The default 0.1 keeps a tanh RNN near its linear
        range, where the spectral radius governs the gradient; larger inputs saturate tanh and
        make every gradient vanish faster (tanh' < 1).
    seed : int
        Seeds both the parameters and the data.
    reset_after : bool
        GRU variant (see :func:`hidden_state_gradients`).

    Returns
    -------
    HiddenGradients
        With ``info`` holding the settings and the measured spectral radius of ``Wh``.
    """
    if not isinstance(T, (int, np.integer)) or T < 1:
        raise ValueError(f"T must be an integer >= 1, got {T!r}")
    if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be an integer >= 1, got {batch_size!r}")
    if not np.isfinite(input_scale) or input_scale < 0:
        raise ValueError(f"input_scale must be a finite number >= 0, got {input_scale}")
    rng = np.random.default_rng(seed)
    params = init_params(
        cell,
        input_size,
        hidden_size,
        spectral_radius=spectral_radius,
        keep_bias=keep_bias,
        rng=rng,
    )
    data_rng = np.random.default_rng([seed, 1])
    x = input_scale * data_rng.standard_normal((batch_size, T, input_size))
    g = data_rng.standard_normal((batch_size, hidden_size))
    g /= np.linalg.norm(g, axis=1, keepdims=True)
    res = hidden_state_gradients(
        x, None, params, cell, dL_dhT=g, activation=activation, reset_after=reset_after
    )
    H = hidden_size
    info = dict(res.info)
    info.update(
        spectral_radius=spectral_radius,
        measured_radius=spectral_radius_of_blocks(params["Wh"], H),
        T=T,
        hidden_size=H,
        input_size=input_size,
        batch_size=batch_size,
        keep_bias=keep_bias if cell != "rnn" else None,
        input_scale=input_scale,
        seed=seed,
    )
    return HiddenGradients(cell=cell, h=res.h, dh=res.dh, dc=res.dc, params=params, info=info)


def spectral_radius_of_blocks(Wh: np.ndarray, hidden_size: int) -> list[float]:
    """Spectral radius of each (H, H) gate block of a recurrent matrix ``Wh`` (H, G*H)."""
    Wh = np.asarray(Wh)
    H = hidden_size
    if Wh.ndim != 2 or Wh.shape[0] != H or Wh.shape[1] % H:
        raise ValueError(f"Wh must be (H, G*H) with H = {H}, got {Wh.shape}")
    return [spectral_radius(Wh[:, k * H : (k + 1) * H]) for k in range(Wh.shape[1] // H)]


# --------------------------------------------------------------------------------------------
# Backpropagation through time, step by step (book chapter 4)
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BPTTContributions:
    """The pieces of a vanilla-RNN backward pass, kept per time step.

    Attributes
    ----------
    h : ndarray, shape (N, T, H)
        Hidden states :math:`h_1..h_T` of the forward pass.
    carried : ndarray, shape (N, T, H)
        Total gradient :math:`\\delta_t = \\partial L/\\partial h_t`: the upstream part plus
        what arrives from step t+1 (zero from the future at a truncation boundary).
    da : ndarray, shape (N, T, H)
        Gradient with respect to the pre-activation, :math:`\\delta_t \\odot g'(a_t)`.
    dWx, dWh, db : ndarrays, shapes (T, D, H), (T, H, H), (T, H)
        Contribution of step t to each parameter gradient: :math:`x_t^\\top da_t`,
        :math:`h_{t-1}^\\top da_t` and the batch sum of :math:`da_t`.
    dh0 : ndarray, shape (N, H)
        Gradient reaching the initial state back through the first chunk (truncated BPTT
        computes it but throws it away: h0 is a carried value, not a parameter).
    """

    h: np.ndarray
    carried: np.ndarray
    da: np.ndarray
    dWx: np.ndarray
    dWh: np.ndarray
    db: np.ndarray
    dh0: np.ndarray

    def totals(self) -> dict[str, np.ndarray]:
        """Sum of the per-step contributions: ``{"Wx": (D, H), "Wh": (H, H), "b": (H,)}``."""
        return {"Wx": self.dWx.sum(0), "Wh": self.dWh.sum(0), "b": self.db.sum(0)}


def bptt_contributions(
    x: np.ndarray,
    h0: np.ndarray,
    Wx: np.ndarray,
    Wh: np.ndarray,
    b: np.ndarray,
    dh: np.ndarray,
    *,
    activation: Literal["tanh", "relu"] = "tanh",
    truncate: int | None = None,
) -> BPTTContributions:
    """Hand-written BPTT for a vanilla RNN that keeps every step's share of the weight gradient.

    Forward: :math:`a_t = x_t W_x + h_{t-1} W_h + b`, :math:`h_t = g(a_t)`. Backward, for
    t = T..1:

    .. math::

        \\delta_t = \\mathrm{dh}_t + da_{t+1} W_h^\\top, \\qquad
        da_t = \\delta_t \\odot g'(a_t), \\qquad
        \\Delta W_h^{(t)} = h_{t-1}^\\top da_t,

    and :math:`\\partial L/\\partial W_h = \\sum_t \\Delta W_h^{(t)}` because the same
    :math:`W_h` is used at every step (likewise for :math:`W_x` and :math:`b`).

    With ``truncate=k`` the sequence is cut into chunks of k steps (the last may be shorter)
    and nothing flows back across a chunk boundary: :math:`\\delta_t` gets no term from step
    t+1 when t is the last step of a chunk. With the weights held fixed, the sum of the
    per-step contributions is then exactly the gradient that truncated BPTT accumulates.

    Parameters
    ----------
    x : ndarray, shape (N, T, D)
    h0 : ndarray, shape (N, H)
    Wx : ndarray, shape (D, H)
    Wh : ndarray, shape (H, H)
    b : ndarray, shape (H,)
    dh : ndarray, shape (N, T, H)
        Upstream gradients :math:`\\partial L/\\partial h_t` from the outputs only (as for
        ``rnncourse.reference.rnn_backward``).
    activation : {"tanh", "relu"}
    truncate : int or None
        Chunk length k >= 1, or None for full BPTT.

    Returns
    -------
    BPTTContributions
    """
    x, h0, dh = np.asarray(x), np.asarray(h0), np.asarray(dh)
    if x.ndim != 3:
        raise ValueError(f"x must be (N, T, D), got shape {x.shape}")
    N, T, D = x.shape
    if h0.ndim != 2 or h0.shape[0] != N:
        raise ValueError(f"h0 must be (N, H) with N = {N}, got {h0.shape}")
    H = h0.shape[1]
    for name, value, shape, sym in (
        ("Wx", Wx, (D, H), "(D, H)"),
        ("Wh", Wh, (H, H), "(H, H)"),
        ("b", b, (H,), "(H,)"),
    ):
        if np.shape(value) != shape:
            raise ValueError(f"{name} must be {sym} = {shape}, got {np.shape(value)}")
    if dh.shape != (N, T, H):
        raise ValueError(f"dh must be (N, T, H) = ({N}, {T}, {H}), got {dh.shape}")
    if activation not in ("tanh", "relu"):
        raise ValueError(f"activation must be 'tanh' or 'relu', got {activation!r}")
    if truncate is not None and (not isinstance(truncate, (int, np.integer)) or truncate < 1):
        raise ValueError(f"truncate must be None or an integer >= 1, got {truncate!r}")
    k = T if truncate is None else int(truncate)

    # Forward pass, keeping every state (this storage is the memory cost of BPTT).
    h = np.empty((N, T, H), dtype=np.result_type(x, h0, Wx, Wh, b))
    prev = h0
    for t in range(T):
        a = x[:, t] @ Wx + prev @ Wh + b
        prev = h[:, t] = np.tanh(a) if activation == "tanh" else np.maximum(a, 0)
    h_prev = np.concatenate([h0[:, None], h[:, :-1]], axis=1)
    deriv = 1 - h**2 if activation == "tanh" else (h > 0).astype(h.dtype)

    carried, da = np.empty_like(h), np.empty_like(h)
    from_future = np.zeros((N, H), dtype=h.dtype)
    for t in range(T - 1, -1, -1):
        if (t + 1) % k == 0:  # t is the last step of a chunk: nothing arrives from t + 1
            from_future = np.zeros_like(from_future)
        carried[:, t] = dh[:, t] + from_future
        da[:, t] = carried[:, t] * deriv[:, t]
        from_future = da[:, t] @ np.asarray(Wh).T
    return BPTTContributions(
        h=h,
        carried=carried,
        da=da,
        dWx=np.einsum("ntd,nth->tdh", x, da),
        dWh=np.einsum("ntg,nth->tgh", h_prev, da),
        db=da.sum(axis=0),
        dh0=from_future,
    )
