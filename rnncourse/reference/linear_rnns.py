r"""Recurrences that are linear in the state: minGRU, minLSTM and the LRU, in NumPy.

Each one's state update has the form :math:`h_t = a_t \odot h_{t-1} + b_t` with :math:`a_t`,
:math:`b_t` computed from the input alone, so :mod:`rnncourse.reference.scan` computes all states
at once.

minGRU (Feng et al. 2024), the GRU without :math:`h_{t-1}` in its gates and without the tanh:

.. math::

    z_t = \sigma(x_t W_z + b_z), \quad \tilde h_t = x_t W_h + b_h, \quad
    h_t = (1 - z_t) \odot h_{t-1} + z_t \odot \tilde h_t.

minLSTM (Feng et al. 2024): forget and input gates from :math:`x_t` only, normalised to sum to 1:

.. math::

    f'_t = \frac{f_t}{f_t + i_t}, \quad i'_t = \frac{i_t}{f_t + i_t}, \quad
    h_t = f'_t \odot h_{t-1} + i'_t \odot \tilde h_t.

LRU (Orvieto et al. 2023): a complex diagonal recurrence with the stable exponential
parameterisation :math:`\lambda_j = \exp(-\exp(\nu_j) + i \exp(\theta_j))` (so
:math:`|\lambda_j| = e^{-e^{\nu_j}} < 1` for every real :math:`\nu_j`), the input normalised by
:math:`\gamma_j = \sqrt{1 - |\lambda_j|^2}`, and a real read-out:

.. math::

    h_t = \lambda \odot h_{t-1} + \gamma \odot (u_t B), \qquad
    y_t = \mathrm{Re}(h_t C) + u_t \odot D.

Layout: row vectors, ``x`` (N, T, D); minGRU weights ``Wx`` (D, 2H) with blocks ``[z, h~]``,
``b`` (2H,); minLSTM ``Wx`` (D, 3H) with blocks ``[f, i, h~]``, ``b`` (3H,). The PyTorch modules
of :mod:`rnncourse.nn.linear_rnns` hold the same numbers (``Wx = linear.weight.T``).
"""

from __future__ import annotations

import numpy as np

from rnncourse._validation import (
    Dims,
    as_generator,
    check_cache,
    check_choice,
    check_float_array,
    check_positive,
)
from rnncourse.reference._base import Cache
from rnncourse.reference.layers import sigmoid
from rnncourse.reference.scan import (
    SCAN_METHODS,
    LinearScanCache,
    cast_all,
    linear_scan_backward,
    linear_scan_forward,
    log_space_scan,
)

__all__ = [
    "mingru_forward",
    "mingru_backward",
    "minlstm_forward",
    "lru_init",
    "lru_forward",
]


def _check(x, h0, Wx, b, k: int) -> Dims:
    dims = Dims()
    check_float_array("x", x, "(N, T, D)", dims)
    check_float_array("Wx", Wx, f"(D, {k}H)", dims)
    check_float_array("b", b, f"({k}H,)", dims)
    if h0 is not None:
        check_float_array("h0", h0, "(N, H)", dims)
    return dims


class MinGRUCache(Cache):
    """Cache of :func:`mingru_forward`."""

    __slots__ = ("x", "Wx", "z", "h_tilde", "scan")
    producer = "mingru_forward"

    def __init__(self, x, Wx, z, h_tilde, scan) -> None:
        self.x, self.Wx, self.z, self.h_tilde, self.scan = x, Wx, z, h_tilde, scan


def mingru_forward(
    x: np.ndarray, h0: np.ndarray | None, Wx: np.ndarray, b: np.ndarray, method: str = "blelloch"
) -> tuple[np.ndarray, MinGRUCache]:
    r"""Run the minGRU over a whole sequence, by a parallel scan.

    Parameters
    ----------
    x : numpy.ndarray, shape (N, T, D)
    h0 : numpy.ndarray, shape (N, H), or None (zeros)
    Wx : numpy.ndarray, shape (D, 2H)
        Blocks ``[W_z, W_h]``.
    b : numpy.ndarray, shape (2H,)
        Blocks ``[b_z, b_h]``.
    method : str
        Scan method of :func:`~rnncourse.reference.linear_scan_forward`. With ``"log"`` the
        decay's logarithm is computed directly, :math:`\log(1 - z_t) = -\operatorname{softplus}
        (x_t W_z + b_z)`, so a saturated gate (``1 - z`` rounding to 0) is no error.

    Returns
    -------
    h : numpy.ndarray, shape (N, T, H)
    cache : MinGRUCache
    """
    _check(x, h0, Wx, b, 2)
    check_choice("method", method, SCAN_METHODS)
    x, h0, Wx, b = cast_all(x, h0, Wx, b)
    N, T, _ = x.shape
    H = b.shape[0] // 2
    pre = x @ Wx + b
    z = sigmoid(pre[..., :H])
    h_tilde = pre[..., H:]
    if method == "log":
        log_a = -np.logaddexp(0.0, pre[..., :H])  # log(1 - z), finite where 1 - z rounds to 0
        h0 = np.zeros((N, H), log_a.dtype) if h0 is None else h0
        h = log_space_scan(log_a, z * h_tilde, h0)
        scan = LinearScanCache(np.exp(log_a), h0, h, method)
    else:
        h, scan = linear_scan_forward(1.0 - z, z * h_tilde, h0, method)
    return h, MinGRUCache(x, Wx, z, h_tilde, scan)


def mingru_backward(
    dh: np.ndarray, cache: MinGRUCache
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of :func:`mingru_forward`.

    Parameters
    ----------
    dh : numpy.ndarray, shape (N, T, H)
    cache : MinGRUCache

    Returns
    -------
    dx : numpy.ndarray, shape (N, T, D)
    dh0 : numpy.ndarray, shape (N, H)
    dWx : numpy.ndarray, shape (D, 2H)
    db : numpy.ndarray, shape (2H,)
    """
    check_cache(cache, MinGRUCache, "mingru_forward")
    da, db_scan, dh0 = linear_scan_backward(dh, cache.scan)
    z, h_tilde = cache.z, cache.h_tilde
    dz = db_scan * h_tilde - da  # a = 1 - z, b = z * h~
    dpre = np.concatenate([dz * z * (1.0 - z), db_scan * z], axis=-1)
    N, T, D = cache.x.shape
    dpre2 = dpre.reshape(N * T, -1)
    dx = (dpre2 @ cache.Wx.T).reshape(N, T, D)
    return dx, dh0, cache.x.reshape(N * T, D).T @ dpre2, dpre2.sum(axis=0)


def minlstm_forward(
    x: np.ndarray, h0: np.ndarray | None, Wx: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Run the minLSTM over a sequence (forward only): the states and the two normalised gates.

    Parameters
    ----------
    x : numpy.ndarray, shape (N, T, D)
    h0 : numpy.ndarray, shape (N, H), or None (zeros)
    Wx : numpy.ndarray, shape (D, 3H)
        Blocks ``[W_f, W_i, W_h]``.
    b : numpy.ndarray, shape (3H,)

    Returns
    -------
    h : numpy.ndarray, shape (N, T, H)
    f_norm, i_norm : numpy.ndarray, shape (N, T, H)
        :math:`f'_t` and :math:`i'_t` (they sum to 1). Computed as
        :math:`f'_t = \sigma(\log f_t - \log i_t)` with :math:`\log \sigma(v) =
        -\operatorname{softplus}(-v)`, which is :math:`f_t / (f_t + i_t)` without its 0/0 when
        both gates underflow.
    """
    _check(x, h0, Wx, b, 3)
    x, h0, Wx, b = cast_all(x, h0, Wx, b)
    H = b.shape[0] // 3
    pre = x @ Wx + b
    log_f = -np.logaddexp(0.0, -pre[..., :H])  # log sigma(a_f)
    log_i = -np.logaddexp(0.0, -pre[..., H : 2 * H])
    h_tilde = pre[..., 2 * H :]
    f_norm, i_norm = sigmoid(log_f - log_i), sigmoid(log_i - log_f)
    h, _ = linear_scan_forward(f_norm, i_norm * h_tilde, h0)
    return h, f_norm, i_norm


def lru_init(
    D: int,
    H: int,
    r_min: float = 0.0,
    r_max: float = 1.0,
    max_phase: float = 2 * np.pi,
    rng: np.random.Generator | None = None,
) -> dict[str, np.ndarray]:
    r"""LRU parameters with the ring initialisation of Orvieto et al. (2023).

    :math:`|\lambda|` is drawn so that the eigenvalues are uniform on the ring
    :math:`r_{min} \le |\lambda| \le r_{max}` of the complex plane (density of
    :math:`|\lambda|^2` uniform), the phase uniform in [0, max_phase]; then
    :math:`\nu = \log(-\log|\lambda|)`, :math:`\theta = \log(\text{phase})` and
    :math:`\gamma = \sqrt{1 - |\lambda|^2}` (stored as logs). B and C are Glorot-like complex
    Gaussians.

    Parameters
    ----------
    D, H : int
        Input (and output) size, number of complex states.
    r_min, r_max : float
        Ring radii, ``0 <= r_min < r_max <= 1``.
    max_phase : float
        Largest phase.
    rng : numpy.random.Generator, optional

    Returns
    -------
    dict
        ``nu_log``, ``theta_log``, ``gamma_log`` (H,); ``B_re``, ``B_im`` (D, H); ``C_re``,
        ``C_im`` (H, D); ``D`` (D,).
    """
    if not 0.0 <= r_min < r_max <= 1.0:
        raise ValueError(f"need 0 <= r_min < r_max <= 1, got r_min={r_min}, r_max={r_max}")
    check_positive("max_phase", max_phase)
    rng = as_generator(rng)
    u1, u2 = rng.uniform(size=H), rng.uniform(size=H)
    radius = np.sqrt(u1 * (r_max**2 - r_min**2) + r_min**2)
    nu_log = np.log(-np.log(radius))
    theta_log = np.log(max_phase * u2)
    return {
        "nu_log": nu_log,
        "theta_log": theta_log,
        "gamma_log": 0.5 * np.log(1.0 - radius**2),
        "B_re": rng.normal(0.0, 1.0 / np.sqrt(2 * D), (D, H)),
        "B_im": rng.normal(0.0, 1.0 / np.sqrt(2 * D), (D, H)),
        "C_re": rng.normal(0.0, 1.0 / np.sqrt(H), (H, D)),
        "C_im": rng.normal(0.0, 1.0 / np.sqrt(H), (H, D)),
        "D": rng.normal(0.0, 1.0, D),
    }


def lru_forward(u: np.ndarray, params: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """LRU over a sequence (forward only), from zero state.

    Parameters
    ----------
    u : numpy.ndarray, shape (N, T, D)
    params : dict
        As returned by :func:`lru_init`.

    Returns
    -------
    y : numpy.ndarray, shape (N, T, D)
        Real outputs.
    h : numpy.ndarray, shape (N, T, H), complex
        The states.
    """
    check_float_array("u", u, "(N, T, D)")
    lam = np.exp(-np.exp(params["nu_log"]) + 1j * np.exp(params["theta_log"]))  # (H,)
    B = (params["B_re"] + 1j * params["B_im"]) * np.exp(params["gamma_log"])  # (D, H)
    C = params["C_re"] + 1j * params["C_im"]  # (H, D)
    N, T, _ = u.shape
    b = u @ B
    h, _ = linear_scan_forward(np.broadcast_to(lam, b.shape).copy(), b)
    return (h @ C).real + u * params["D"], h
