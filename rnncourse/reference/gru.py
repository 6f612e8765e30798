r"""Gated recurrent unit (GRU): forward and backward, one step and a whole sequence.

Gate blocks in torch.nn order ``[r, z, n]``. ``b`` is the input-side bias, ``bh`` the hidden-side
bias (zeros when omitted). The default, ``reset_after=True``, is exactly ``torch.nn.GRU``:

.. math::

    r_t &= \sigma(x_t W_{x,r} + b_r + h_{t-1} W_{h,r} + b^h_r) \\
    z_t &= \sigma(x_t W_{x,z} + b_z + h_{t-1} W_{h,z} + b^h_z) \\
    n_t &= \tanh\big(x_t W_{x,n} + b_n + r_t \odot (h_{t-1} W_{h,n} + b^h_n)\big) \\
    h_t &= (1 - z_t) \odot n_t + z_t \odot h_{t-1}

With ``reset_after=False`` the reset gate acts *before* the recurrent product, as in the original
GRU of Cho et al. (2014) and in the video-course notes:

.. math:: n_t = \tanh\big(x_t W_{x,n} + b_n + (r_t \odot h_{t-1}) W_{h,n} + b^h_n\big).

The two differ only in where :math:`r_t` enters. Torch (and cuDNN) use the "reset after" form
because then :math:`h_{t-1} W_h` for all three gates is one product per step, independent of
:math:`r_t`; the original form needs a second product that waits for :math:`r_t`. Both train
equally well in practice, but their weights are not interchangeable.

Mapping to the notes (video course, "full GRU", column vectors, memory cell
:math:`c^{\langle t\rangle} = a^{\langle t\rangle}`) and to ``torch.nn.GRU``:

- :math:`c^{\langle t\rangle}` is ``h[:, t]`` (torch ``output[:, t]``);
- the relevance (reset) gate :math:`\Gamma_r` is ``r``, block 0, rows ``[0:H]`` of torch's weights;
- the update gate :math:`\Gamma_u` is ``1 - z``; ``z`` is block 1, rows ``[H:2H]``;
- the candidate :math:`\tilde c^{\langle t\rangle}` is ``n``, block 2, rows ``[2H:3H]``;
- the weights :math:`W_r, W_u, W_c` (split into their x and h columns) are the blocks of ``Wx``
  (``weight_ih_l0.T``) and ``Wh`` (``weight_hh_l0.T``); the biases :math:`b_r, b_u, b_c` are
  ``b`` (``bias_ih_l0``) plus ``bh`` (``bias_hh_l0``).

Careful with the update gate: the notes write
:math:`c^{\langle t\rangle} = \Gamma_u \odot \tilde c^{\langle t\rangle} + (1 - \Gamma_u) \odot
c^{\langle t-1\rangle}`, so :math:`\Gamma_u = 1 - z` — torch's ``z`` says how much of the *old*
state to keep. Unlike the LSTM, the two GRU biases are not interchangeable in the default variant
(``bh_n`` is multiplied by ``r``), which is why ``bh`` is a separate argument.
"""

from __future__ import annotations

import numpy as np

from rnncourse.reference._base import (
    Cache,
    SequenceCache,
    check_cell_args,
    check_sequence_grad,
    check_step_grads,
    over_time,
    split_blocks,
)
from rnncourse.reference.layers import _sigmoid

__all__ = ["gru_step_forward", "gru_step_backward", "gru_forward", "gru_backward"]


class GRUStepCache(Cache):
    """Cache of :func:`gru_step_forward`: inputs, weights, gates r, z, n, ``hn`` and h (N, H).

    ``hn`` is the hidden side of the candidate: ``h_prev @ Wh_n + bh_n`` (reset after) or
    ``(r * h_prev) @ Wh_n + bh_n`` (reset before).
    """

    __slots__ = ("x", "h_prev", "Wx", "Wh", "r", "z", "n", "hn", "h", "reset_after")
    producer = "gru_step_forward"


class GRUCache(SequenceCache):
    """Cache of :func:`gru_forward`; gates and states of every step read back as (N, T, H)."""

    __slots__ = ()
    producer = "gru_forward"
    r = over_time("r", "Reset gate r_t (the notes' Gamma_r), (N, T, H).")
    z = over_time("z", "Torch's update gate z_t; the notes' Gamma_u is 1 - z. (N, T, H).")
    n = over_time("n", "Candidate n_t (the book's h~_t), (N, T, H).")
    h = over_time("h", "Hidden state h_t, (N, T, H).")


def gru_step_forward(
    x: np.ndarray,
    h_prev: np.ndarray,
    Wx: np.ndarray,
    Wh: np.ndarray,
    b: np.ndarray,
    bh: np.ndarray | None = None,
    reset_after: bool = True,
) -> tuple[np.ndarray, GRUStepCache]:
    """One GRU time step.

    Parameters
    ----------
    x : numpy.ndarray, shape (N, D)
        Input at this step, x_t.
    h_prev : numpy.ndarray, shape (N, H)
        Previous hidden state h_{t-1}.
    Wx : numpy.ndarray, shape (D, 3H)
        Input weights, blocks ``[r, z, n]`` (torch ``weight_ih_l0.T``).
    Wh : numpy.ndarray, shape (H, 3H)
        Recurrent weights, same blocks (torch ``weight_hh_l0.T``).
    b : numpy.ndarray, shape (3H,)
        Input-side bias (torch ``bias_ih_l0``).
    bh : numpy.ndarray, shape (3H,), optional
        Hidden-side bias (torch ``bias_hh_l0``); zeros if None.
    reset_after : bool, default True
        True: torch's form, r scales ``h_prev @ Wh_n + bh_n``; False: Cho et al. 2014, r scales
        ``h_prev`` before the product.

    Returns
    -------
    h : numpy.ndarray, shape (N, H)
        New hidden state h_t.
    cache : GRUStepCache
        For :func:`gru_step_backward`.
    """
    check_cell_args(x, Wx, Wh, b, 3, bh, sequence=False, h_prev=h_prev)
    return _gru_step_forward(x, h_prev, Wx, Wh, b, bh, reset_after)


def _gru_step_forward(x, h_prev, Wx, Wh, b, bh, reset_after):
    """:func:`gru_step_forward` without the argument checks (what the sequence loop calls)."""
    bh = np.zeros_like(b) if bh is None else bh
    ax_r, ax_z, ax_n = split_blocks(x @ Wx + b, 3)  # the input side of the three blocks
    Wh_r, Wh_z, Wh_n = split_blocks(Wh, 3)
    bh_r, bh_z, bh_n = split_blocks(bh, 3)
    r = _sigmoid(ax_r + h_prev @ Wh_r + bh_r)
    z = _sigmoid(ax_z + h_prev @ Wh_z + bh_z)
    if reset_after:
        hn = h_prev @ Wh_n + bh_n
        n = np.tanh(ax_n + r * hn)
    else:
        hn = (r * h_prev) @ Wh_n + bh_n
        n = np.tanh(ax_n + hn)
    h = (1 - z) * n + z * h_prev
    return h, GRUStepCache(
        x=x, h_prev=h_prev, Wx=Wx, Wh=Wh, r=r, z=z, n=n, hn=hn, h=h, reset_after=bool(reset_after)
    )


def gru_step_backward(
    dh: np.ndarray, cache: GRUStepCache
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of :func:`gru_step_forward`: the forward's lines, read bottom up.

    Parameters
    ----------
    dh : numpy.ndarray, shape (N, H)
        Gradient with respect to the new hidden state h_t.
    cache : GRUStepCache
        From :func:`gru_step_forward`.

    Returns
    -------
    dx : numpy.ndarray, shape (N, D)
    dh_prev : numpy.ndarray, shape (N, H)
    dWx : numpy.ndarray, shape (D, 3H)
    dWh : numpy.ndarray, shape (H, 3H)
    db : numpy.ndarray, shape (3H,)
    dbh : numpy.ndarray, shape (3H,)
        Gradient of the hidden-side bias (returned even if ``bh`` was None).
    """
    check_step_grads(cache, GRUStepCache, dh=dh)
    return _gru_step_backward(dh, cache)


def _gru_step_backward(dh, cache):
    """:func:`gru_step_backward` without the checks: the forward's lines read bottom up."""
    x, h_prev, Wx, Wh = cache.x, cache.h_prev, cache.Wx, cache.Wh
    r, z, n, hn = cache.r, cache.z, cache.n, cache.hn
    Wh_rz, Wh_n = np.split(Wh, [2 * r.shape[1]], axis=1)
    # h = (1 - z) * n + z * h_prev
    dn = dh * (1 - z)
    dz = dh * (h_prev - n)
    dh_prev = dh * z  # the direct path from h_{t-1} to h_t
    da_n = dn * (1 - n**2)  # through the tanh of n
    if cache.reset_after:  # n = tanh(ax_n + r * hn), hn = h_prev @ Wh_n + bh_n
        dr, dhn = da_n * hn, da_n * r
        dh_prev = dh_prev + dhn @ Wh_n.T
        dWh_n = h_prev.T @ dhn
    else:  # n = tanh(ax_n + hn), hn = (r * h_prev) @ Wh_n + bh_n
        dhn = da_n
        drh = dhn @ Wh_n.T
        dr, dh_prev = drh * h_prev, dh_prev + drh * r
        dWh_n = (r * h_prev).T @ dhn
    da_r, da_z = dr * r * (1 - r), dz * z * (1 - z)  # through the sigmoids of r and z
    # The input side of the three blocks (x @ Wx + b) and the hidden side (h_prev @ Wh + bh),
    # which for n is hn: r and z have one pre-activation on both sides, n two.
    da_x = np.concatenate([da_r, da_z, da_n], axis=1)
    da_h = np.concatenate([da_r, da_z, dhn], axis=1)
    dx = da_x @ Wx.T
    dh_prev = dh_prev + np.concatenate([da_r, da_z], axis=1) @ Wh_rz.T
    dWx = x.T @ da_x
    dWh = np.concatenate([h_prev.T @ da_r, h_prev.T @ da_z, dWh_n], axis=1)
    db = da_x.sum(axis=0)
    dbh = da_h.sum(axis=0)
    return dx, dh_prev, dWx, dWh, db, dbh


def gru_forward(
    x: np.ndarray,
    h0: np.ndarray | None,
    Wx: np.ndarray,
    Wh: np.ndarray,
    b: np.ndarray,
    bh: np.ndarray | None = None,
    reset_after: bool = True,
) -> tuple[np.ndarray, GRUCache]:
    """Run a GRU over a whole sequence: the step applied at t = 1..T.

    Parameters
    ----------
    x : numpy.ndarray, shape (N, T, D)
        Input sequence.
    h0 : numpy.ndarray, shape (N, H), or None
        Initial hidden state; zeros if None.
    Wx : numpy.ndarray, shape (D, 3H)
        Input weights, blocks ``[r, z, n]``.
    Wh : numpy.ndarray, shape (H, 3H)
        Recurrent weights.
    b : numpy.ndarray, shape (3H,)
        Input-side bias.
    bh : numpy.ndarray, shape (3H,), optional
        Hidden-side bias; zeros if None.
    reset_after : bool, default True
        Torch's variant (True) or the original Cho et al. 2014 variant (False).

    Returns
    -------
    h : numpy.ndarray, shape (N, T, H)
        Hidden state at every step.
    cache : GRUCache
        Gates r, z, n of every step as attributes; for :func:`gru_backward`.
    """
    check_cell_args(x, Wx, Wh, b, 3, bh, sequence=True, h0=h0)  # once: steps are unchecked
    N, T, _ = x.shape
    h_t = np.zeros((N, Wh.shape[0]), np.result_type(x, Wh)) if h0 is None else h0
    hs, steps = [], []
    for t in range(T):
        h_t, step = _gru_step_forward(x[:, t], h_t, Wx, Wh, b, bh, reset_after)
        hs.append(h_t)
        steps.append(step)
    return np.stack(hs, axis=1), GRUCache(steps=steps)


def gru_backward(
    dh: np.ndarray, cache: GRUCache
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Backpropagation through time for :func:`gru_forward`.

    Parameters
    ----------
    dh : numpy.ndarray, shape (N, T, H)
        Upstream gradient with respect to every hidden state.
    cache : GRUCache
        From :func:`gru_forward`.

    Returns
    -------
    dx : numpy.ndarray, shape (N, T, D)
    dh0 : numpy.ndarray, shape (N, H)
    dWx : numpy.ndarray, shape (D, 3H)
    dWh : numpy.ndarray, shape (H, 3H)
    db : numpy.ndarray, shape (3H,)
    dbh : numpy.ndarray, shape (3H,)
    """
    check_sequence_grad(dh, cache, GRUCache)
    N, T, H = dh.shape
    dx = [None] * T
    dWx, dWh, db, dbh = 0, 0, 0, 0  # sums over the steps; the first += makes them arrays
    dh_next = np.zeros((N, H), dh.dtype)  # to h_t from step t + 1 (nothing after step T)
    for t in reversed(range(T)):
        delta = dh[:, t] + dh_next  # the total gradient of h_t
        dx[t], dh_next, dWx_t, dWh_t, db_t, dbh_t = _gru_step_backward(delta, cache.steps[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
        dbh += dbh_t
    dh0 = dh_next
    return np.stack(dx, axis=1), dh0, dWx, dWh, db, dbh
