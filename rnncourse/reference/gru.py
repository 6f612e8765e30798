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

from rnncourse._validation import Dims, check_cache, check_float_array
from rnncourse.reference._base import (
    Cache,
    blas_single_thread,
    cast_all,
    check_cell_args,
    check_sequence_grad,
    prev_states,
)
from rnncourse.reference.layers import _sigmoid_

__all__ = ["gru_step_forward", "gru_step_backward", "gru_forward", "gru_backward"]


class GRUStepCache(Cache):
    """Cache of :func:`gru_step_forward`; ``gates`` (N, 3H) holds ``[r, z, n]``."""

    __slots__ = ("x", "h_prev", "Wx", "Wh", "gates", "aux", "reset_after")
    producer = "gru_step_forward"

    def __init__(
        self, x: np.ndarray, h_prev: np.ndarray, Wx: np.ndarray, Wh: np.ndarray,
        gates: np.ndarray, aux: np.ndarray, reset_after: bool,
    ) -> None:
        self.x, self.h_prev, self.Wx, self.Wh = x, h_prev, Wx, Wh
        self.gates, self.aux, self.reset_after = gates, aux, reset_after


class GRUCache(Cache):
    """Cache of :func:`gru_forward`.

    Attributes ``r``, ``z``, ``n``, ``h`` are (N, T, H) arrays of every step (views, read only).
    ``aux`` holds ``h_{t-1} W_{h,n} + b^h_n`` (reset after) or ``r_t * h_{t-1}`` (reset before).
    """

    __slots__ = ("x", "h0", "Wx", "Wh", "gates", "aux", "h", "reset_after")
    producer = "gru_forward"

    def __init__(
        self, x: np.ndarray, h0: np.ndarray, Wx: np.ndarray, Wh: np.ndarray, gates: np.ndarray,
        aux: np.ndarray, h: np.ndarray, reset_after: bool,
    ) -> None:
        self.x, self.h0, self.Wx, self.Wh = x, h0, Wx, Wh
        self.gates, self.aux, self.h, self.reset_after = gates, aux, h, reset_after

    @property
    def r(self) -> np.ndarray:
        """Reset gate r_t (the notes' Gamma_r), (N, T, H)."""
        return self._block(0)

    @property
    def z(self) -> np.ndarray:
        """Torch's update gate z_t; the notes' Gamma_u is ``1 - z``. (N, T, H)."""
        return self._block(1)

    @property
    def n(self) -> np.ndarray:
        """Candidate state n_t (the notes' c~), (N, T, H)."""
        return self._block(2)


# ---------------------------------------------------------------------------------------------
# Cell kernels (no validation)
# ---------------------------------------------------------------------------------------------
def _gru_cell_forward(
    a: np.ndarray, h_prev: np.ndarray, Wh: np.ndarray, bh: np.ndarray | None, reset_after: bool,
    aux: np.ndarray, h: np.ndarray, tmp: np.ndarray, s: np.ndarray,
) -> None:
    """One GRU step in place.

    ``a`` (N, 3H) holds ``x W_x + b`` on entry and the gates ``[r, z, n]`` on exit; ``aux`` (N, H)
    receives what backward needs (see :class:`GRUCache`); ``h`` (N, H) the new state; ``tmp`` is
    (N, 3H) and ``s`` (N, H) scratch.
    """
    H = h.shape[1]
    rz, n = a[:, : 2 * H], a[:, 2 * H:]
    r, z = a[:, :H], a[:, H: 2 * H]
    if reset_after:
        np.matmul(h_prev, Wh, out=tmp)  # one product for all three gates
        if bh is not None:
            tmp += bh
        rz += tmp[:, : 2 * H]
        _sigmoid_(rz)
        np.copyto(aux, tmp[:, 2 * H:])
        np.multiply(r, aux, out=s)
        n += s
    else:
        t2 = tmp[:, : 2 * H]
        np.matmul(h_prev, Wh[:, : 2 * H], out=t2)
        if bh is not None:
            t2 += bh[: 2 * H]
        rz += t2
        _sigmoid_(rz)
        np.multiply(r, h_prev, out=aux)
        np.matmul(aux, Wh[:, 2 * H:], out=s)  # second product: needs r first
        n += s
        if bh is not None:
            n += bh[2 * H:]
    np.tanh(n, out=n)
    np.subtract(h_prev, n, out=h)  # h = n + z * (h_prev - n)
    h *= z
    h += n


def _gru_cell_backward(
    dh: np.ndarray, gates: np.ndarray, h_prev: np.ndarray, aux: np.ndarray, Wh: np.ndarray,
    reset_after: bool, da: np.ndarray, dah: np.ndarray, dh_prev: np.ndarray, s: np.ndarray,
    s2: np.ndarray,
) -> None:
    """Back through one GRU step.

    ``dh`` is the total dL/dh_t. Writes ``da`` (N, 3H), the gradient of the input-side
    pre-activations, ``dah`` (N, 3H) that of the hidden-side ones (reset after; for reset before
    only its ``[r, z]`` half is used, the n half receives the gradient of ``r * h_prev``'s product
    output, equal to ``da_n``), and ``dh_prev``.
    """
    H = dh.shape[1]
    r, z, n = gates[:, :H], gates[:, H: 2 * H], gates[:, 2 * H:]
    dar, daz, dan = da[:, :H], da[:, H: 2 * H], da[:, 2 * H:]
    np.subtract(h_prev, n, out=daz)  # dL/dz = dh * (h_prev - n)
    daz *= dh
    np.subtract(1.0, z, out=s)
    s *= z
    daz *= s
    np.subtract(1.0, z, out=dan)  # dL/dn = dh * (1 - z), then through tanh
    dan *= dh
    np.multiply(n, n, out=s)
    np.subtract(1.0, s, out=s)
    dan *= s
    if reset_after:
        np.multiply(dan, aux, out=dar)  # dL/dr = dan * (h_prev W_hn + bh_n)
        np.subtract(1.0, r, out=s)
        s *= r
        dar *= s
        dah[:, : 2 * H] = da[:, : 2 * H]
        np.multiply(dan, r, out=dah[:, 2 * H:])
        np.matmul(dah, Wh.T, out=dh_prev)
    else:
        np.matmul(dan, Wh[:, 2 * H:].T, out=s2)  # dL/d(r * h_prev)
        np.multiply(s2, h_prev, out=dar)
        np.subtract(1.0, r, out=s)
        s *= r
        dar *= s
        np.matmul(da[:, : 2 * H], Wh[:, : 2 * H].T, out=dh_prev)
        s2 *= r
        dh_prev += s2
    np.multiply(dh, z, out=s)  # the direct path h_prev -> h
    dh_prev += s


# ---------------------------------------------------------------------------------------------
# One step
# ---------------------------------------------------------------------------------------------
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
        Input at this step.
    h_prev : numpy.ndarray, shape (N, H)
        Previous hidden state.
    Wx : numpy.ndarray, shape (D, 3H)
        Input weights, blocks ``[r, z, n]`` (torch ``weight_ih_l0.T``).
    Wh : numpy.ndarray, shape (H, 3H)
        Recurrent weights, same blocks (torch ``weight_hh_l0.T``).
    b : numpy.ndarray, shape (3H,)
        Input-side bias (torch ``bias_ih_l0``).
    bh : numpy.ndarray, shape (3H,), optional
        Hidden-side bias (torch ``bias_hh_l0``); zeros if None.
    reset_after : bool, default True
        True: torch's form, reset applied to ``h_prev @ Wh_n + bh_n``; False: Cho et al. 2014,
        reset applied to ``h_prev`` before the product.

    Returns
    -------
    h : numpy.ndarray, shape (N, H)
        New hidden state.
    cache : GRUStepCache
        For :func:`gru_step_backward`.
    """
    check_cell_args(x, Wx, Wh, b, 3, bh, sequence=False, h_prev=h_prev)
    x, h_prev, Wx, Wh, b, bh = cast_all(x, h_prev, Wx, Wh, b, bh)
    N, H = h_prev.shape
    a = x @ Wx
    a += b
    dtype = a.dtype
    aux, h, s = (np.empty((N, H), dtype=dtype) for _ in range(3))
    _gru_cell_forward(a, h_prev, Wh, bh, bool(reset_after), aux, h,
                      np.empty((N, 3 * H), dtype=dtype), s)
    return h, GRUStepCache(x, h_prev, Wx, Wh, a, aux, bool(reset_after))


def gru_step_backward(
    dh: np.ndarray, cache: GRUStepCache
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of :func:`gru_step_forward`.

    Parameters
    ----------
    dh : numpy.ndarray, shape (N, H)
        Gradient with respect to the new hidden state.
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
    check_cache(cache, GRUStepCache, "gru_step_forward")
    N, H = cache.h_prev.shape
    check_float_array("dh", dh, "(N, H)", Dims(N=N, H=H))
    dtype = cache.gates.dtype
    da, dah = np.empty_like(cache.gates), np.empty_like(cache.gates)
    dh_prev, s, s2 = (np.empty((N, H), dtype=dtype) for _ in range(3))
    _gru_cell_backward(dh.astype(dtype, copy=False), cache.gates, cache.h_prev, cache.aux,
                       cache.Wh, cache.reset_after, da, dah, dh_prev, s, s2)
    dWh, dbh = _hidden_side_grads(cache.h_prev, cache.aux, da, dah, cache.reset_after)
    return da @ cache.Wx.T, dh_prev, cache.x.T @ da, dWh, da.sum(axis=0), dbh


def _hidden_side_grads(
    hprev: np.ndarray, aux: np.ndarray, da: np.ndarray, dah: np.ndarray, reset_after: bool
) -> tuple[np.ndarray, np.ndarray]:
    """dWh and dbh from 2-D (rows, ·) arrays of previous states and pre-activation gradients."""
    if reset_after:
        return hprev.T @ dah, dah.sum(axis=0)
    H = hprev.shape[1]
    dWh = np.empty((H, 3 * H), dtype=da.dtype)
    np.matmul(hprev.T, da[:, : 2 * H], out=dWh[:, : 2 * H])
    np.matmul(aux.T, da[:, 2 * H:], out=dWh[:, 2 * H:])  # n's product input was r * h_prev
    return dWh, da.sum(axis=0)


# ---------------------------------------------------------------------------------------------
# Whole sequence
# ---------------------------------------------------------------------------------------------
def gru_forward(
    x: np.ndarray,
    h0: np.ndarray | None,
    Wx: np.ndarray,
    Wh: np.ndarray,
    b: np.ndarray,
    bh: np.ndarray | None = None,
    reset_after: bool = True,
) -> tuple[np.ndarray, GRUCache]:
    """Run a GRU over a whole sequence.

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
        Keeps the gates r, z, n of every step; for :func:`gru_backward`.
    """
    check_cell_args(x, Wx, Wh, b, 3, bh, sequence=True, h0=h0)
    x, h0, Wx, Wh, b, bh = cast_all(x, h0, Wx, Wh, b, bh)
    return _gru_forward(x, h0, Wx, Wh, b, bh, bool(reset_after))


def _gru_forward(
    x: np.ndarray, h0: np.ndarray | None, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray,
    bh: np.ndarray | None = None, reset_after: bool = True,
) -> tuple[np.ndarray, GRUCache]:
    N, T, D = x.shape
    H = Wh.shape[0]
    if h0 is None:
        h0 = np.zeros((N, H), dtype=Wh.dtype)
    gates = (x.reshape(N * T, D) @ Wx).reshape(N, T, 3 * H)
    gates += b
    dtype = gates.dtype
    aux, h = np.empty((N, T, H), dtype=dtype), np.empty((N, T, H), dtype=dtype)
    tmp, s = np.empty((N, 3 * H), dtype=dtype), np.empty((N, H), dtype=dtype)
    h_prev = h0
    with blas_single_thread():
        for t in range(T):
            _gru_cell_forward(gates[:, t], h_prev, Wh, bh, reset_after, aux[:, t], h[:, t], tmp, s)
            h_prev = h[:, t]
    return h, GRUCache(x, h0, Wx, Wh, gates, aux, h, reset_after)


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
    return _gru_backward(dh, cache)


def _gru_backward(
    dh: np.ndarray, cache: GRUCache
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    x, Wx, aux, h = cache.x, cache.Wx, cache.aux, cache.h
    N, T, H = h.shape
    D = x.shape[2]
    hprev = prev_states(cache.h0, h)
    if cache.reset_after:
        da, dah, dh0 = _gru_loop_reset_after(dh, cache, hprev)
    else:
        da, dah, dh0 = _gru_loop_reset_before(dh, cache)
    da2 = da.reshape(N * T, 3 * H)
    dx = (da2 @ Wx.T).reshape(N, T, D)
    dWx = x.reshape(N * T, D).T @ da2
    dah2 = dah.reshape(N * T, 3 * H) if cache.reset_after else da2
    dWh, dbh = _hidden_side_grads(hprev.reshape(N * T, H), aux.reshape(N * T, H), da2, dah2,
                                  cache.reset_after)
    return dx, dh0, dWx, dWh, da2.sum(axis=0), dbh


def _gru_loop_reset_after(
    dh: np.ndarray, cache: GRUCache, hprev: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Backward recurrence of torch's GRU.

    Here every pre-activation gradient is the total gradient on h_t times a factor that does
    not depend on the recurrence: with :math:`\delta = \partial L / \partial h_t`,
    ``da_z = δ ⊙ (h_{t-1} - n) ⊙ z(1-z)``, ``da_n = δ ⊙ (1-z)(1-n²)``,
    ``da_r = da_n ⊙ (h_{t-1} W_{h,n} + b^h_n) ⊙ r(1-r)`` and, on the hidden side, the n block is
    ``da_n ⊙ r``. The factors are computed for all steps at once; the loop scales them and does
    one product per step.
    """
    gates, hpn, Wh = cache.gates, cache.aux, cache.Wh
    N, T, H = cache.h.shape
    r, z, n = (gates[..., k * H:(k + 1) * H] for k in range(3))
    da = np.empty_like(gates)
    Fr, Fz, Fn = (da[..., k * H:(k + 1) * H] for k in range(3))
    np.subtract(hprev, n, out=Fz)
    Fz *= z
    Fz *= 1.0 - z
    np.multiply(n, n, out=Fn)
    np.subtract(1.0, Fn, out=Fn)
    Fn *= 1.0 - z
    np.multiply(Fn, hpn, out=Fr)
    Fr *= r
    Fr *= 1.0 - r
    dah = da.copy()
    dah[..., 2 * H:] *= r
    dh_next = np.zeros((N, H), dtype=gates.dtype)
    dht = np.empty_like(dh_next)
    s = np.empty_like(dh_next)
    WhT = Wh.T
    with blas_single_thread():
        for t in range(T - 1, -1, -1):
            np.add(dh[:, t], dh_next, out=dht)
            da[:, t].reshape(N, 3, H)[...] *= dht[:, None, :]
            dah_t = dah[:, t]
            dah_t.reshape(N, 3, H)[...] *= dht[:, None, :]
            np.matmul(dah_t, WhT, out=dh_next)
            np.multiply(dht, z[:, t], out=s)  # the direct path h_{t-1} -> h_t
            dh_next += s
    return da, dah, dh_next


def _gru_loop_reset_before(
    dh: np.ndarray, cache: GRUCache
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward recurrence of the 2014 GRU: two products per step (r acts before W_{h,n})."""
    gates, aux, h, Wh = cache.gates, cache.aux, cache.h, cache.Wh
    N, T, H = h.shape
    dtype = gates.dtype
    da = np.empty_like(gates)
    dah = np.empty((N, 3 * H), dtype=dtype)
    dh_next = np.zeros((N, H), dtype=dtype)
    dht, s, s2 = (np.empty((N, H), dtype=dtype) for _ in range(3))
    with blas_single_thread():
        for t in range(T - 1, -1, -1):
            np.add(dh[:, t], dh_next, out=dht)
            h_prev = h[:, t - 1] if t > 0 else cache.h0
            _gru_cell_backward(dht, gates[:, t], h_prev, aux[:, t], Wh, False, da[:, t], dah,
                               dh_next, s, s2)
    return da, dah, dh_next
