r"""Mamba's selective state space recurrence and xLSTM's cells, in NumPy (forward only).

Selective SSM (Gu & Dao 2023), per channel d and state n, with input-dependent step
:math:`\Delta_t`, input and output vectors :math:`B_t, C_t` and a fixed negative diagonal A:

.. math::

    s_t = \exp(\Delta_t A) \odot s_{t-1} + (\Delta_t\, u_t)\, B_t, \qquad
    y_t = s_t C_t + D \odot u_t .

It is a linear recurrence in s, so :func:`rnncourse.reference.scan.linear_scan_forward` computes
it (with the simplified input discretisation :math:`\bar B = \Delta B` of Mamba's reference code).

xLSTM (Beck et al. 2024). mLSTM, with scalar gates per step, a matrix memory and a normaliser:

.. math::

    C_t = f_t C_{t-1} + i_t\, v_t^\top k_t, \quad n_t = f_t n_{t-1} + i_t k_t, \quad
    \tilde h_t = \frac{C_t q_t^\top}{\max(|n_t \cdot q_t|, 1)},

with :math:`i_t = \exp(\tilde i_t)`, :math:`f_t = \sigma(\tilde f_t)`. sLSTM, per unit, with
recurrent weights R:

.. math::

    c_t = f_t c_{t-1} + i_t z_t, \quad n_t = f_t n_{t-1} + i_t, \quad h_t = o_t \odot c_t / n_t .

Both use the stabiliser :math:`m_t = \max(\log f_t + m_{t-1}, \log i_t)`: the gates are replaced
by :math:`i'_t = \exp(\log i_t - m_t)`, :math:`f'_t = \exp(\log f_t + m_{t-1} - m_t)`, which
scales c and n (and C, n) by the same :math:`e^{-m_t}`, so the outputs are unchanged and no
exponential overflows.
"""

from __future__ import annotations

import numpy as np

from rnncourse._validation import Dims, check_float_array
from rnncourse.reference.layers import sigmoid
from rnncourse.reference.scan import linear_scan_forward

__all__ = ["selective_ssm_forward", "mlstm_forward", "slstm_forward"]


def _log_sigmoid(v: np.ndarray) -> np.ndarray:
    return -np.logaddexp(0.0, -v)


def selective_ssm_forward(
    u: np.ndarray, delta: np.ndarray, A: np.ndarray, B: np.ndarray, C: np.ndarray, D: np.ndarray
) -> np.ndarray:
    """Return the outputs of the selective state space recurrence, by a scan over T.

    Parameters
    ----------
    u, delta : numpy.ndarray, shape (N, T, Dm)
        Input and step sizes (> 0, e.g. softplus of a projection of the input).
    A : numpy.ndarray, shape (Dm, S)
        Negative decay rates.
    B, C : numpy.ndarray, shape (N, T, S)
        Input-dependent input and output vectors.
    D : numpy.ndarray, shape (Dm,)

    Returns
    -------
    y : numpy.ndarray, shape (N, T, Dm)
    """
    dims = Dims()
    for name, value, spec in (
        ("u", u, "(N, T, Dm)"),
        ("delta", delta, "(N, T, Dm)"),
        ("A", A, "(Dm, S)"),
        ("B", B, "(N, T, S)"),
        ("C", C, "(N, T, S)"),
        ("D", D, "(Dm,)"),
    ):
        check_float_array(name, value, spec, dims)
    N, T, Dm = u.shape
    S = A.shape[1]
    a = np.exp(delta[..., None] * A)  # (N, T, Dm, S), in (0, 1)
    b = (delta * u)[..., None] * B[:, :, None, :]
    s, _ = linear_scan_forward(a.reshape(N, T, Dm * S), b.reshape(N, T, Dm * S))
    return np.einsum("ntds,nts->ntd", s.reshape(N, T, Dm, S), C) + D * u


def mlstm_forward(
    q: np.ndarray, k: np.ndarray, v: np.ndarray, i_pre: np.ndarray, f_pre: np.ndarray
) -> np.ndarray:
    r"""Run the mLSTM cell over a sequence, stabilised recurrent form (one head, no output gate).

    Parameters
    ----------
    q, k, v : numpy.ndarray, shape (N, T, d)
        Queries, keys (already scaled by 1/sqrt(d)) and values.
    i_pre, f_pre : numpy.ndarray, shape (N, T)
        Gate pre-activations: ``i = exp(i_pre)``, ``f = sigmoid(f_pre)``.

    Returns
    -------
    h : numpy.ndarray, shape (N, T, d)
        :math:`\tilde h_t` (multiply by an output gate outside).
    """
    dims = Dims()
    for name, value in (("q", q), ("k", k), ("v", v)):
        check_float_array(name, value, "(N, T, d)", dims)
    check_float_array("i_pre", i_pre, "(N, T)", dims)
    check_float_array("f_pre", f_pre, "(N, T)", dims)
    N, T, d = q.shape
    Cm, n, m = np.zeros((N, d, d)), np.zeros((N, d)), np.zeros(N)
    h = np.empty((N, T, d))
    for t in range(T):
        log_f = _log_sigmoid(f_pre[:, t])
        m_new = np.maximum(log_f + m, i_pre[:, t])
        i_s, f_s = np.exp(i_pre[:, t] - m_new), np.exp(log_f + m - m_new)  # stabilised gates
        Cm = f_s[:, None, None] * Cm + i_s[:, None, None] * v[:, t, :, None] * k[:, t, None, :]
        n = f_s[:, None] * n + i_s[:, None] * k[:, t]
        m = m_new
        # C q / max(|n.q|, 1), with C and n scaled by exp(-m): the 1 becomes exp(-m). Where
        # exp(-m) underflows (m > 708) and n.q = 0, the smallest normal float keeps 0 / 0 out:
        # C q is then 0 as well, and so is the true h.
        num = np.einsum("nij,nj->ni", Cm, q[:, t])
        den = np.maximum(np.abs(np.sum(n * q[:, t], axis=1)), np.exp(-m))
        den = np.maximum(den, np.finfo(den.dtype).tiny)
        h[:, t] = num / den[:, None]
    return h


def slstm_forward(
    x: np.ndarray, Wx: np.ndarray, R: np.ndarray, b: np.ndarray, stabilise: bool = True
) -> np.ndarray:
    """Run the sLSTM over a sequence (one head, dense R): exponential input gate, normaliser.

    Parameters
    ----------
    x : numpy.ndarray, shape (N, T, D)
    Wx : numpy.ndarray, shape (D, 4H)
        Input weights, blocks ``[z, i, f, o]``.
    R : numpy.ndarray, shape (H, 4H)
        Recurrent weights (what keeps the sLSTM sequential).
    b : numpy.ndarray, shape (4H,)
    stabilise : bool
        Use the stabiliser m (False: the plain exponentials, which overflow for large inputs).

    Returns
    -------
    h : numpy.ndarray, shape (N, T, H)
    """
    dims = Dims()
    check_float_array("x", x, "(N, T, D)", dims)
    check_float_array("R", R, "(H, 4H)", dims)
    check_float_array("Wx", Wx, "(D, 4H)", dims)
    check_float_array("b", b, "(4H,)", dims)
    N, T, _ = x.shape
    H = R.shape[0]
    h, c, n, m = (np.zeros((N, H)) for _ in range(4))
    out = np.empty((N, T, H))
    for t in range(T):
        pre = x[:, t] @ Wx + h @ R + b
        z, i_pre, f_pre, o = (
            np.tanh(pre[:, :H]),
            pre[:, H : 2 * H],
            pre[:, 2 * H : 3 * H],
            sigmoid(pre[:, 3 * H :]),
        )
        log_f = _log_sigmoid(f_pre)
        if stabilise:
            m_new = np.maximum(log_f + m, i_pre)
            i_g, f_g, m = np.exp(i_pre - m_new), np.exp(log_f + m - m_new), m_new
        else:
            i_g, f_g = np.exp(i_pre), np.exp(log_f)
        c = f_g * c + i_g * z
        n = f_g * n + i_g
        h = o * c / n
        out[:, t] = h
    return out
