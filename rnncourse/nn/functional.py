"""One time step of each recurrent cell, written one line per equation in the book's notation.

The forward maths of the cells (:class:`~rnncourse.nn.LSTMCell`, ...) and of the sequence layers'
time loop (:mod:`rnncourse.nn._loop`, under autograd or inside the autograd Functions of
:mod:`rnncourse.nn._fused`) is here. It is not the only copy in ``rnncourse.nn``: the fused LSTM
runs :func:`lstm_sequence_into` (the same equations rewritten with ``tanh(a) = 2σ(2a) - 1``), the
fused backward in :mod:`rnncourse.nn._fused` is hand-written from the NumPy reference's maths, and
:mod:`rnncourse.nn.regularize`'s LayerNormLSTM normalises the two pre-activation halves before its
own gate lines. The gates a step returns are what :class:`~rnncourse.nn.GateRecorder` records, so
recordings come from the very same pass.

Conventions (row vectors, batch first inside a step; see the contract / chapter 2):

* ``a_x`` is the input side of the pre-activation for this step, ``x_t Wx + b`` of shape (N, kH),
  computed for all time steps at once by the caller (one big matrix product).
* ``W_hh_T`` is ``weight_hh.t()`` of shape (H, kH), so ``h_prev @ W_hh_T`` is ``h_{t-1} Wh``.
* Gate blocks follow torch.nn's order: LSTM [i, f, g, o], GRU [r, z, n], coupled LSTM [f, g, o].

Every step function returns ``(h, c, gates)`` where ``c`` is ``None`` for cells without a memory
cell and ``gates`` is a tuple in the order of :data:`rnncourse.reference.cells.RECORDED` (without
``"c"`` and ``"h"``).
"""

from __future__ import annotations

import torch
from torch import Tensor


def rnn_step(
    a_x: Tensor, h_prev: Tensor, W_hh_T: Tensor, nonlinearity: str = "tanh"
) -> tuple[Tensor, None, tuple[Tensor]]:
    """Vanilla RNN step: ``h_t = tanh(x_t Wx + h_{t-1} Wh + b)`` (or ReLU).

    Parameters
    ----------
    a_x : Tensor, (N, H)
        ``x_t Wx + b`` (both biases already added).
    h_prev : Tensor, (N, H)
        ``h_{t-1}`` (the notes' ``a<t-1>``).
    W_hh_T : Tensor, (H, H)
        ``Wh`` (the notes' ``W_aa``, transposed to the row-vector convention).
    nonlinearity : {"tanh", "relu"}

    Returns
    -------
    h : Tensor, (N, H)
    c : None
    gates : tuple
        ``(pre,)``, the pre-activation (N, H).
    """
    pre = torch.addmm(a_x, h_prev, W_hh_T)  # z_t = x_t Wx + h_{t-1} Wh + b
    h = torch.tanh(pre) if nonlinearity == "tanh" else torch.relu(pre)  # h_t = g(z_t)
    return h, None, (pre,)


def gru_step(
    a_x: Tensor, h_prev: Tensor, W_hh_T: Tensor, b_hh: Tensor | None
) -> tuple[Tensor, None, tuple[Tensor, Tensor, Tensor]]:
    """GRU step with torch.nn's semantics (reset gate applied after the hidden product).

    Parameters
    ----------
    a_x : Tensor, (N, 3H)
        ``x_t Wx + b`` with blocks [r, z, n] (input-side bias only).
    h_prev : Tensor, (N, H)
    W_hh_T : Tensor, (H, 3H)
    b_hh : Tensor, (3H,) or None
        Hidden-side bias ``bh``.

    Returns
    -------
    h : Tensor, (N, H)
    c : None
    gates : tuple
        ``(r, z, n)``, each (N, H). The notes' update gate is ``Γu = 1 - z``.
    """
    a_h = torch.mm(h_prev, W_hh_T) if b_hh is None else torch.addmm(b_hh, h_prev, W_hh_T)
    # Blocks [r, z, n] of both sides (chunk: one call for the three views, cheaper than slicing).
    ax_r, ax_z, ax_n = a_x.chunk(3, 1)
    ah_r, ah_z, ah_n = a_h.chunk(3, 1)
    r = torch.sigmoid(ax_r + ah_r)  # Γr = σ(x Wx_r + b_r + h Wh_r + bh_r)
    z = torch.sigmoid(ax_z + ah_z)  # z = 1 - Γu = σ(x Wx_z + b_z + h Wh_z + bh_z)
    n = torch.tanh(ax_n + r * ah_n)  # ñ = tanh(x Wx_n + b_n + Γr ⊙ (h Wh_n + bh_n))
    h = torch.lerp(n, h_prev, z)  # h_t = (1 - z) ⊙ ñ + z ⊙ h_{t-1}
    return h, None, (r, z, n)


def gru_hidden_n(h_prev: Tensor, W_hh_T: Tensor, b_hh: Tensor | None) -> Tensor:
    """Hidden side of the GRU candidate, ``h_{t-1} Wh_n + bh_n`` (N, H); the backward needs it."""
    H = h_prev.shape[-1]
    W_n = W_hh_T[:, 2 * H :]
    return torch.mm(h_prev, W_n) if b_hh is None else torch.addmm(b_hh[2 * H :], h_prev, W_n)


def lstm_step(
    a_x: Tensor, h_prev: Tensor, c_prev: Tensor, W_hh_T: Tensor
) -> tuple[Tensor, Tensor, tuple[Tensor, Tensor, Tensor, Tensor]]:
    """LSTM step (Hochreiter & Schmidhuber 1997 with forget gate), gate blocks [i, f, g, o].

    Parameters
    ----------
    a_x : Tensor, (N, 4H)
        ``x_t Wx + b`` (both biases already added).
    h_prev, c_prev : Tensor, (N, H)
    W_hh_T : Tensor, (H, 4H)

    Returns
    -------
    h, c : Tensor, (N, H)
    gates : tuple
        ``(i, f, g, o)``, each (N, H): input gate Γi, forget gate Γf, candidate c̃, output gate Γo.
    """
    a = torch.addmm(a_x, h_prev, W_hh_T)  # a_t = x_t Wx + h_{t-1} Wh + b
    a_i, a_f, a_g, a_o = a.chunk(4, 1)  # the four gate blocks (views)
    i = torch.sigmoid(a_i)  # Γi = σ(a_i)
    f = torch.sigmoid(a_f)  # Γf = σ(a_f)
    g = torch.tanh(a_g)  # c̃_t = tanh(a_g)
    o = torch.sigmoid(a_o)  # Γo = σ(a_o)
    c = torch.addcmul(f * c_prev, i, g)  # c_t = Γf ⊙ c_{t-1} + Γi ⊙ c̃_t
    h = o * torch.tanh(c)  # h_t = Γo ⊙ tanh(c_t)
    return h, c, (i, f, g, o)


def lstm_sequence_into(
    S: Tensor,
    h0: Tensor,
    c0: Tensor,
    W_T: Tensor,
    C: Tensor,
    Hs: Tensor,
    order: range,
    lowp: torch.dtype | None = None,
) -> None:
    """Run the equations of :func:`lstm_step` over a whole sequence, into preallocated buffers.

    Why a second form: it runs outside autograd (in :class:`~rnncourse.nn._fused.LSTMFunction`),
    and at small batches the cost of a step is the number of tensor operations, not arithmetic.
    So every gate comes from ONE sigmoid call, through ``tanh(a) = 2σ(2a) - 1``: the caller doubles
    the g block of the pre-activations (of ``S`` and ``W_T``), the sigmoid then gives
    ``[Γi, Γf, σ(2 a_g), Γo]``, and ``c_t = Γf ⊙ c_{t-1} + Γi ⊙ (2σ(2 a_g) - 1)``. Gates and
    ``c_t`` go straight into their slots, ``h_t`` through one reused buffer (``Hs`` is filled
    after the loop, vectorised, with the same formula). Gate blocks stay in torch's order.

    Parameters
    ----------
    S : Tensor, (T, N, 4H)
        In: ``x_t Wx + b`` per step, blocks [i, f, g, o], the g block doubled. Out (in place):
        ``[Γi, Γf, σ(2 a_g), Γo]``.
    h0, c0 : Tensor, (N, H)
    W_T : Tensor, (H, 4H)
        ``Wh`` with its g columns doubled (in ``lowp`` for mixed precision).
    C, Hs : Tensor, (T, N, H)
        Out: ``c_t`` and ``h_t``.
    order : range
        ``range(T)``, or ``range(T - 1, -1, -1)`` for the backward direction.
    lowp : torch.dtype, optional
        Mixed precision: the recurrent product runs in this dtype, gates and states in ``S``'s.
    """
    T, N, H = Hs.shape
    step = 1 if order.step > 0 else -1  # per-step views in processing order (cheap tuple slices)
    S4 = S.view(T, N, 4, H)
    i, f, sg, o = (S4[:, :, k].unbind(0)[::step] for k in range(4))
    per_step = zip(S.unbind(0)[::step], i, f, sg, o, C.unbind(0)[::step], strict=True)
    h, c = h0.clone(), c0
    mul, tanh = torch.mul, torch.tanh  # local names: at N = 1 even a lookup shows
    for a_t, i_t, f_t, sg_t, o_t, c_t in per_step:
        if lowp is None:
            a_t.addmm_(h, W_T)  # a_t = x_t Wx + b + h_{t-1} Wh
        else:
            a_t.add_(torch.mm(h.to(lowp), W_T))
        a_t.sigmoid_()  # Γi, Γf, σ(2 a_g), Γo in one call
        # c_t = Γf ⊙ c_{t-1} + Γi ⊙ c̃_t with c̃_t = 2σ(2 a_g) - 1
        c = mul(f_t, c, out=c_t).addcmul_(i_t, sg_t, value=2).sub_(i_t)
        tanh(c, out=h).mul_(o_t)  # h_t = Γo ⊙ tanh(c_t)
    torch.mul(S4[:, :, 3], torch.tanh(C), out=Hs)  # every h_t again, for the output and backward


def peephole_lstm_step(
    a_x: Tensor, h_prev: Tensor, c_prev: Tensor, W_hh_T: Tensor, P: Tensor
) -> tuple[Tensor, Tensor, tuple[Tensor, Tensor, Tensor, Tensor]]:
    """LSTM step with diagonal peephole connections (Gers & Schmidhuber 2000).

    Parameters
    ----------
    a_x : Tensor, (N, 4H)
    h_prev, c_prev : Tensor, (N, H)
    W_hh_T : Tensor, (H, 4H)
    P : Tensor, (3H,)
        Peephole weights ``[p_i, p_f, p_o]``; the input and forget gates look at ``c_{t-1}``, the
        output gate at the new ``c_t``.

    Returns
    -------
    h, c : Tensor, (N, H)
    gates : tuple
        ``(i, f, g, o)``.
    """
    a = torch.addmm(a_x, h_prev, W_hh_T)  # a_t = x_t Wx + h_{t-1} Wh + b
    a_i, a_f, a_g, a_o = a.chunk(4, 1)
    p_i, p_f, p_o = P.chunk(3)
    i = torch.sigmoid(a_i + p_i * c_prev)  # Γi = σ(a_i + p_i ⊙ c_{t-1})
    f = torch.sigmoid(a_f + p_f * c_prev)  # Γf = σ(a_f + p_f ⊙ c_{t-1})
    g = torch.tanh(a_g)  # c̃_t = tanh(a_g)
    c = f * c_prev + i * g  # c_t = Γf ⊙ c_{t-1} + Γi ⊙ c̃_t
    o = torch.sigmoid(a_o + p_o * c)  # Γo = σ(a_o + p_o ⊙ c_t)
    h = o * torch.tanh(c)  # h_t = Γo ⊙ tanh(c_t)
    return h, c, (i, f, g, o)


def coupled_lstm_step(
    a_x: Tensor, h_prev: Tensor, c_prev: Tensor, W_hh_T: Tensor
) -> tuple[Tensor, Tensor, tuple[Tensor, Tensor, Tensor, Tensor]]:
    """LSTM step with coupled gates in the notes' form, ``Γi = 1 - Γf``; gate blocks [f, g, o].

    Parameters
    ----------
    a_x : Tensor, (N, 3H)
    h_prev, c_prev : Tensor, (N, H)
    W_hh_T : Tensor, (H, 3H)

    Returns
    -------
    h, c : Tensor, (N, H)
    gates : tuple
        ``(i, f, g, o)`` with ``i = 1 - f`` (recorded like the full LSTM).
    """
    a = torch.addmm(a_x, h_prev, W_hh_T)  # a_t = x_t Wx + h_{t-1} Wh + b
    a_f, a_g, a_o = a.chunk(3, 1)
    f = torch.sigmoid(a_f)  # Γf = σ(a_f)
    g = torch.tanh(a_g)  # c̃_t = tanh(a_g)
    o = torch.sigmoid(a_o)  # Γo = σ(a_o)
    i = 1.0 - f  # Γi = 1 - Γf (coupled)
    c = f * c_prev + i * g  # c_t = Γf ⊙ c_{t-1} + Γi ⊙ c̃_t
    h = o * torch.tanh(c)  # h_t = Γo ⊙ tanh(c_t)
    return h, c, (i, f, g, o)
