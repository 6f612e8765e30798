r"""Real-time recurrent learning (Williams & Zipser 1989): gradients computed forward in time.

BPTT stores every state and runs backwards once the sequence is over. RTRL instead carries, for
every unit j and every parameter :math:`\theta`, the sensitivity :math:`P_t = \partial h_t /
\partial \theta` and updates it with each step, so the gradient is ready at every t without
storing the past. For the tanh RNN :math:`h_t = \tanh(a_t)`,
:math:`a_t = x_t W_x + h_{t-1} W_h + b` (row vectors):

.. math::

    P_t = (1 - h_t^2) \odot \big( \partial a_t / \partial \theta \,|_{\text{direct}}
          + W_h^\top P_{t-1} \big), \qquad
    \frac{\partial L}{\partial \theta} = \sum_t \bar h_t \, P_t,

where :math:`\bar h_t` is the upstream gradient ``dh[:, t]``. P has H rows and one column per
parameter, :math:`DH + H^2 + H`: the memory grows as :math:`H^3` and each step costs
:math:`H^2 (DH + H^2 + H) \approx H^4` multiply-adds, against :math:`TH` floats and
:math:`\approx T H^2` per step for BPTT. That is why BPTT won.

For a diagonal recurrence :math:`h_t = \lambda \odot h_{t-1} + x_t B` each state depends only on
its own :math:`\lambda_j` and column :math:`B_{:, j}`, so the sensitivities have exactly as many
entries as the parameters and cost as much to update as the forward step itself:
:func:`diagonal_rtrl_gradients`.
"""

from __future__ import annotations

import numpy as np

from rnncourse._validation import Dims, check_float_array, check_positive
from rnncourse.reference._base import check_cell_args
from rnncourse.reference.rnn import _rnn_step_forward
from rnncourse.reference.scan import cast_all

__all__ = ["rnn_rtrl_gradients", "diagonal_rtrl_gradients", "gradient_costs"]


def rnn_rtrl_gradients(
    x: np.ndarray,
    h0: np.ndarray,
    Wx: np.ndarray,
    Wh: np.ndarray,
    b: np.ndarray,
    dh: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""Gradients of :math:`\sum_t \bar h_t \cdot h_t` for the tanh RNN by RTRL (forward only).

    Parameters
    ----------
    x : numpy.ndarray, shape (N, T, D)
    h0 : numpy.ndarray, shape (N, H)
    Wx : numpy.ndarray, shape (D, H)
    Wh : numpy.ndarray, shape (H, H)
    b : numpy.ndarray, shape (H,)
    dh : numpy.ndarray, shape (N, T, H)
        Upstream gradient of every state; at step t only ``dh[:, t]`` is used (online).

    Returns
    -------
    dh0 : numpy.ndarray, shape (N, H)
    dWx : numpy.ndarray, shape (D, H)
    dWh : numpy.ndarray, shape (H, H)
    db : numpy.ndarray, shape (H,)
        The same numbers as :func:`rnncourse.reference.rnn_backward` returns.
    """
    dims = check_cell_args(x, Wx, Wh, b, 1, sequence=True, h0=h0)
    check_float_array("dh", dh, "(N, T, H)", dims)
    x, h0, Wx, Wh, b, dh = cast_all(x, h0, Wx, Wh, b, dh)
    N, T, D = x.shape
    H = Wh.shape[0]
    eye = np.eye(H, dtype=x.dtype)
    # Sensitivities of h_t (N, H) with respect to each parameter block, unit j on axis 1:
    P_x = np.zeros((N, H, D, H), x.dtype)  # dh_t[j] / dWx[d, m]
    P_h = np.zeros((N, H, H, H), x.dtype)  # dh_t[j] / dWh[k, m]
    P_b = np.zeros((N, H, H), x.dtype)  # dh_t[j] / db[m]
    S = np.broadcast_to(eye, (N, H, H)).copy()  # dh_t[j] / dh0[k], starts as the identity
    grads = [np.zeros_like(h0), np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
    h = h0
    for t in range(T):
        h_prev, (h, _) = h, _rnn_step_forward(x[:, t], h, Wx, Wh, b, "tanh")  # the RNN step
        d = 1.0 - h * h  # tanh' at a_t, (N, H)
        # carried part: da_t[j] += sum_k Wh[k, j] * P_{t-1}[k, ...]
        P_x = np.einsum("kj,nkdm->njdm", Wh, P_x)
        P_h = np.einsum("kj,nkim->njim", Wh, P_h)
        P_b = np.einsum("kj,nkm->njm", Wh, P_b)
        S = np.einsum("kj,nki->nji", Wh, S)
        # direct part: da_t[j] / dWx[d, m] = x_d [j == m], and alike for Wh (h_{t-1}) and b
        P_x += np.einsum("nd,jm->njdm", x[:, t], eye)
        P_h += np.einsum("nk,jm->njkm", h_prev, eye)
        P_b += eye
        for P in (P_x, P_h, P_b, S):
            P *= d.reshape(N, H, *([1] * (P.ndim - 2)))
        g = dh[:, t]  # the loss at step t only needs the current sensitivities
        grads[0] += np.einsum("nj,nji->ni", g, S)
        grads[1] += np.einsum("nj,njdm->dm", g, P_x)
        grads[2] += np.einsum("nj,njkm->km", g, P_h)
        grads[3] += np.einsum("nj,njm->m", g, P_b)
    return grads[0], grads[1], grads[2], grads[3]


def diagonal_rtrl_gradients(
    x: np.ndarray, h0: np.ndarray, lam: np.ndarray, B: np.ndarray, dh: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""RTRL for the diagonal linear recurrence :math:`h_t = \lambda \odot h_{t-1} + x_t B`.

    Unit j depends only on :math:`\lambda_j` and :math:`B_{:, j}`, so its sensitivities are
    :math:`e^\lambda_t = h_{t-1} + \lambda \odot e^\lambda_{t-1}` (N, H) and
    :math:`e^B_t = x_t^\top \mathbf{1} + \lambda \odot e^B_{t-1}` (N, D, H): as many numbers as
    parameters, updated at the cost of a forward step.

    Parameters
    ----------
    x : numpy.ndarray, shape (N, T, D)
    h0 : numpy.ndarray, shape (N, H)
    lam : numpy.ndarray, shape (H,)
    B : numpy.ndarray, shape (D, H)
    dh : numpy.ndarray, shape (N, T, H)

    Returns
    -------
    dh0 : numpy.ndarray, shape (N, H)
    dlam : numpy.ndarray, shape (H,)
    dB : numpy.ndarray, shape (D, H)
    """
    dims = Dims()
    check_float_array("x", x, "(N, T, D)", dims)
    check_float_array("h0", h0, "(N, H)", dims)
    check_float_array("lam", lam, "(H,)", dims)
    check_float_array("B", B, "(D, H)", dims)
    check_float_array("dh", dh, "(N, T, H)", dims)
    x, h0, lam, B, dh = cast_all(x, h0, lam, B, dh)
    N, T, D = x.shape
    e_lam, e_B, e_h0 = np.zeros_like(h0), np.zeros((N, D, lam.shape[0]), x.dtype), np.ones_like(h0)
    dh0, dlam, dB = np.zeros_like(h0), np.zeros_like(lam), np.zeros_like(B)
    h = h0
    for t in range(T):
        e_lam = h + lam * e_lam  # uses h_{t-1}
        e_B = x[:, t, :, None] + lam * e_B
        e_h0 = lam * e_h0
        h = lam * h + x[:, t] @ B
        dlam += np.sum(dh[:, t] * e_lam, axis=0)
        dB += np.sum(dh[:, t, None, :] * e_B, axis=0)
        dh0 += dh[:, t] * e_h0
    return dh0, dlam, dB


def gradient_costs(T: int, D: int, H: int) -> dict[str, dict[str, float]]:
    """Memory (floats kept) and multiply-adds per sequence of one gradient, three ways.

    Counts for one sequence (N = 1) of the tanh RNN (BPTT and RTRL) and of the diagonal linear
    recurrence with RTRL, leading terms as in the module docstring; the memory of
    :func:`rnn_rtrl_gradients` and :func:`diagonal_rtrl_gradients` is exactly the size of their
    sensitivity arrays.

    Parameters
    ----------
    T, D, H : int

    Returns
    -------
    dict
        ``{"bptt": {...}, "rtrl": {...}, "diagonal_rtrl": {...}}``, each with ``"memory"`` and
        ``"madds"``.
    """
    for name, v in (("T", T), ("D", D), ("H", H)):
        check_positive(name, v)
    P = D * H + H * H + H  # parameters of the tanh RNN
    return {
        # states h_1..h_T kept; forward and backward each ~ (D + H) H per step
        "bptt": {"memory": float(T * H), "madds": float(2 * T * (D + H) * H)},
        # P (H x P) plus h0's sensitivity (H x H); the carried product W_h^T P costs H * H * P
        "rtrl": {"memory": float(H * P + H * H), "madds": float(T * (H * H * P + H * H * H))},
        # e^lambda (H), e^B (D H), e^h0 (H): one multiply-add each per step, plus the forward
        "diagonal_rtrl": {"memory": float(D * H + 2 * H), "madds": float(T * 2 * (D * H + 2 * H))},
    }
