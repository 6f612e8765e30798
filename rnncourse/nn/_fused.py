"""Hand-written autograd Functions for the recurrent part of one layer and one direction.

Why: under plain autograd every elementwise operation of every time step becomes a graph node, and
the weight gradient is accumulated step by step with T small matrix products. These Functions run
the equations of the step functions (:mod:`rnncourse.nn.functional`) without building a graph,
keep the gates (which the backward needs anyway and :class:`~rnncourse.nn.GateRecorder` reads),
and do the backward with the maths of the NumPy reference (``rnncourse.reference``):

* everything that does not depend on the incoming gradient (local gate derivatives) is computed
  for a block of time steps at once, outside the step loop. The block holds about
  :data:`BLOCK_ELEMENTS` numbers: at batch size 1 it spans hundreds of steps (the fixed cost of
  each tensor operation, not arithmetic, sets the speed there), at large batches a single step
  (temporaries then stay small and in cache instead of page-faulting fresh (T, N, kH) buffers);
* the loop only carries ``dh`` (and ``dc``) back through time: a few elementwise operations and
  one ``(N, kH) @ (kH, H)`` product per step, writing the pre-activation gradients into one
  (T, N, kH) buffer;
* the recurrent weight gradient is then ONE product over all time steps,
  ``dW_hh = dA^T @ H_prev`` with (kH, T·N) @ (T·N, H) (plus the ``h0`` term).

The LSTM's forward is :func:`rnncourse.nn.functional.lstm_sequence_into` (7 operations per step,
gate blocks in torch's order [i, f, g, o], results written into preallocated buffers) and its
backward one loop, :func:`_lstm_backward`, for every batch size: at batch size 1 a step's cost is
its number of tensor operations and per-step views (about 1 µs and 0.5 µs each), so the loop
keeps those few; at large batches the one product per step dominates whatever surrounds it. Under
``torch.autocast`` the LSTM has a mixed-precision mode (products in bfloat16/float16, gates and
state in float32), chosen in one place, :func:`rnncourse.nn._precision.product_dtype`.

The input side (``x @ W_ih^T + b`` for all steps, one product) stays outside, under autograd, which
also gives ``dx``, ``dW_ih`` and ``db`` as single products. Inputs ``xw`` are time-major (T, N, kH).
Double backward is not supported (``once_differentiable``); use ``fused=False`` for that.
"""

from __future__ import annotations

import torch
from torch import Tensor
from torch.autograd.function import FunctionCtx, once_differentiable

from rnncourse.nn import functional as Fn
from rnncourse.nn._loop import make_step, time_loop
from rnncourse.reference.cells import RECORDED

#: Target size (in numbers) of the per-block temporaries of the backward passes.
BLOCK_ELEMENTS = 1 << 16


def _blocks(T: int, row: int, reverse: bool) -> list[tuple[int, int]]:
    """Time blocks ``[s, e)`` in the order the backward visits them (opposite to the forward)."""
    size = max(1, min(T, BLOCK_ELEMENTS // max(row, 1)))
    blocks = [(s, min(s + size, T)) for s in range(0, T, size)]
    return blocks if reverse else blocks[::-1]


def _steps(s: int, e: int, reverse: bool) -> range:
    """Local indices of a block in backward order."""
    return range(e - s) if reverse else range(e - s - 1, -1, -1)


def _prev_block(S: Tensor, s0: Tensor, s: int, e: int, reverse: bool) -> Tensor:
    """Return the states entering steps ``s..e-1``.

    That is ``S[t-1]`` (``s0`` before the first step); mirrored if reverse (``S[t+1]``, ``s0`` after
    the last).
    """
    T = S.shape[0]
    if reverse:
        return S[s + 1 : e + 1] if e < T else torch.cat([S[s + 1 :], s0.unsqueeze(0)])
    return S[s - 1 : e - 1] if s > 0 else torch.cat([s0.unsqueeze(0), S[: e - 1]])


def _recurrent_weight_grad(dA: Tensor, Hs: Tensor, h0: Tensor, reverse: bool) -> Tensor:
    """``dW_hh = Σ_t dA_t^T h_{t-1}``: one product over all steps plus the ``h0`` term."""
    T, N, G = dA.shape
    H = Hs.shape[-1]
    first, rest_dA, rest_H = (T - 1, dA[:-1], Hs[1:]) if reverse else (0, dA[1:], Hs[:-1])
    dW = dA[first].t().mm(h0)
    return dW.addmm_(rest_dA.reshape(-1, G).t(), rest_H.reshape(-1, H))


def _stack_gates(gates: list[tuple]) -> list[Tensor]:
    return [torch.stack(g) for g in zip(*gates, strict=True)]


def _block(steps: list[Tensor], s: int, e: int) -> Tensor:
    """Return steps ``s..e-1`` of a per-step list as one (e-s, N, H) tensor (a view for one step).

    The forward keeps its gates as per-step lists rather than stacking them into (T, N, H)
    tensors: the backward consumes them block by block, so nothing is copied twice.
    """
    return steps[s].unsqueeze(0) if e - s == 1 else torch.stack(steps[s:e])


def _local_derivatives(S: Tensor, C: Tensor, c0: Tensor, s: int, e: int, reverse: bool) -> Tensor:
    """Per-step factors of the LSTM backward for steps ``s..e-1`` (independent of the gradient).

    From ``S = [Γi, Γf, σ(2 a_g), Γo]`` (so ``c̃ = 2σ(2 a_g) - 1``) and the cell states: with
    ``dc_t = dh_t ⊙ K_t + dc_{t+1} ⊙ Γf_{t+1}``, ``K = Γo ⊙ (1 - tanh²c_t)``, the pre-activation
    gradients in torch's block order are
    ``[da_i, da_f, da_g, da_o] = [dc ⊙ P_i, dc ⊙ P_f, dc ⊙ P_g, dh ⊙ P_o]`` with
    ``P_i = c̃ σ'(a_i)``, ``P_f = c_{t-1} σ'(a_f)``, ``P_g = Γi (1 - c̃²)`` and
    ``P_o = tanh(c_t) σ'(a_o)``.

    Returns
    -------
    P : Tensor, (e - s, N, 6, H)
        ``[Γf, P_i, P_f, P_g, P_o, K]`` per step, in this order so that the backward loop reads
        the factors it multiplies together as one slice.
    """
    T, N, _ = S.shape
    H = C.shape[-1]
    i, f, sg, o = S.view(T, N, 4, H)[s:e].unbind(2)
    g = 2 * sg - 1  # c̃_t = tanh(a_g) = 2σ(2 a_g) - 1
    tc, c_prev = torch.tanh(C[s:e]), _prev_block(C, c0, s, e, reverse)
    P = S.new_empty(e - s, N, 6, H)
    P[:, :, 0] = f
    torch.mul(g, i * (1 - i), out=P[:, :, 1])
    torch.mul(c_prev, f * (1 - f), out=P[:, :, 2])
    torch.mul(i, 1 - g * g, out=P[:, :, 3])
    torch.mul(tc, o * (1 - o), out=P[:, :, 4])
    torch.mul(o, 1 - tc * tc, out=P[:, :, 5])
    return P


class LSTMFunction(torch.autograd.Function):
    """``(Hs, h_n, c_n, gates) = LSTMFunction.apply(xw, h0, c0, W_hh, reverse, record, lowp)``.

    ``xw`` (T, N, 4H) is ``x W_ih^T + b_ih + b_hh``, blocks in torch's order [i, f, g, o];
    ``gates`` is None, or with ``record`` the time-major stacked gates
    ``{"i", "f", "g", "o", "c", "h"}`` for :class:`~rnncourse.nn.GateRecorder` (an output that
    autograd passes through, as it is not a tensor).

    The forward is :func:`rnncourse.nn.functional.lstm_sequence_into`, the backward
    :func:`_lstm_backward` (the factors of :func:`_local_derivatives`, then one loop with one
    recurrent product per step), the same for every batch size, direction and precision.

    ``lowp`` (bfloat16 or float16, from ``torch.autocast``, see
    :func:`rnncourse.nn._precision.product_dtype`) selects mixed precision: ``xw`` is in that
    dtype, the per-step products and ``dW_hh`` run in it, while gates, ``c_t``, ``h_t`` and
    ``dh``, ``dc`` stay float32; ``dxw`` comes back in ``lowp``.
    """

    @staticmethod
    def forward(ctx: FunctionCtx, xw, h0, c0, W_hh, reverse, record, lowp=None):  # type: ignore[override]
        T, N, G = xw.shape
        H = G // 4
        # Doubling the g columns lets ONE sigmoid give every gate (tanh(a) = 2σ(2a) - 1).
        S = xw.to(h0.dtype, copy=True)
        S.view(T, N, 4, H)[:, :, 2].mul_(2)
        W_T = W_hh.t().clone(memory_format=torch.contiguous_format)  # a copy even for H = 1
        W_T[:, 2 * H : 3 * H].mul_(2)
        C, Hs = h0.new_empty(T, N, H), h0.new_empty(T, N, H)
        order = range(T - 1, -1, -1) if reverse else range(T)
        Fn.lstm_sequence_into(S, h0, c0, W_T if lowp is None else W_T.to(lowp), C, Hs, order, lowp)
        gates = None
        if record:
            i, f, sg, o = S.view(T, N, 4, H).unbind(2)
            gates = dict(zip(RECORDED["lstm"], (i, f, 2 * sg - 1, o, C, Hs), strict=True))
        ctx.reverse, ctx.lowp = reverse, lowp
        ctx.save_for_backward(h0, c0, W_hh, S, C, Hs)
        last = order[-1]
        return Hs, Hs[last].clone(), C[last].clone(), gates

    @staticmethod
    @once_differentiable
    def backward(ctx: FunctionCtx, dHs, dh_n, dc_n, _gates):  # type: ignore[override]
        h0, c0, W_hh, S, C, Hs = ctx.saved_tensors
        W_hh = W_hh.detach()  # ops on a tensor that requires grad cost more, even in backward
        dxw, dh0, dc0 = _lstm_backward(dHs, dh_n, dc_n, c0, W_hh, S, C, ctx.reverse, ctx.lowp)
        dW_hh = None
        if ctx.needs_input_grad[3]:
            Hl, h0l = (Hs, h0) if ctx.lowp is None else (Hs.to(ctx.lowp), h0.to(ctx.lowp))
            dW_hh = _recurrent_weight_grad(dxw, Hl, h0l, ctx.reverse).to(W_hh.dtype)
        return dxw, dh0, dc0, dW_hh, None, None, None


def _lstm_backward(dHs, dh_n, dc_n, c0, W_hh, S, C, reverse: bool, lowp=None):
    """Carry ``dh`` and ``dc`` back through time; return ``dxw``, ``dh0`` and ``dc0``.

    One loop for every batch size, direction and precision. A step is 4 tensor operations (a 5th
    where a block is one step or with ``lowp``, see below), because at batch size 1 a step costs
    per operation (about 1 µs each; the arithmetic is nothing), while at large batches the step's
    one product dominates whatever surrounds it. So the loop computes only what the next step
    needs (``dc_t``, ``dc_t ⊙ Γf_t``, and ``da_t`` in a scratch as the product's operand), leaving
    ``dh_t`` and ``dc_t`` in (T, ...) buffers from which ``dxw`` is recomputed after each block,
    one pass for the whole block. Measured against a loop that writes ``da_t`` straight into
    ``dxw`` (5 operations per step; CPU, 1 thread, backward alone): 0.82-0.84 of its time at
    (N, T, H) = (1, 1000, 128) and 1.00-1.02 at (64, 100, 256).

    With ``lowp`` (mixed precision) the per-step product and ``dxw`` are in ``lowp``: ``da_t`` is
    computed in float32 and rounded once; ``dh``, ``dc`` and the factors stay float32.

    Returns
    -------
    dxw : Tensor, (T, N, 4H)
    dh0, dc0 : Tensor, (N, H)
    """
    T, N, H = C.shape
    W = W_hh if lowp is None else W_hh.to(lowp)
    # DH holds dh of the T + 1 hidden states along time, the initial state in the extra slot at
    # the end where it enters (first forward, last reverse): step t reads dh_t from slot t + off
    # and adds da_t Wh^T to slot t + 1 - off (its predecessor's), the last of which is dh0, so
    # no step needs a boundary test. Every dh_t starts as the gradient from the output (and from
    # h_n at the step processed last).
    off = 0 if reverse else 1
    DH = C.new_empty(T + 1, N, 1, H)
    DH[off : off + T, :, 0] = dHs
    DH[T if reverse else 0].zero_()  # dh0's slot (a zero fill of all of DH costs a pass)
    DH[(0 if reverse else T - 1) + off, :, 0] += dh_n
    DC = C.new_empty(T, N, 1, H)  # dc_t, total: from h_t and from step t + 1
    # (DH and DC have a gate axis of 1 so a step's dh_t or dc_t multiplies several factors at once.)
    # One scratch R = [dc ⊙ Γf, da_i, da_f, da_g, da_o, dh ⊙ K] per step, laid out so that each of
    # the loop's multiplications writes one slice, and R[1:5] is da_t in torch's order (the
    # product's operand). Every per-step view costs about half an operation at N = 1, so the loop
    # takes 5 per step and makes them before it starts.
    R = C.new_empty(N, 6, H)
    R_dcf, R_fifg, R_ok, R_k = R[:, 0:1], R[:, 0:4], R[:, 4:6], R[:, 5:6]
    R_da = R.view(N, 6 * H)[:, H : 5 * H]
    R_dcf.copy_(dc_n.unsqueeze(1))  # dc arriving from after the step processed last
    dxw = C.new_empty(T, N, 4, H, dtype=lowp or C.dtype)
    DH3, DH2, DC3 = DH.unbind(0), DH.squeeze(2).unbind(0), DC.unbind(0)
    blocks = _blocks(T, N * 6 * H, reverse)
    # How dxw's rows get da_t: where a block spans many steps (small batches), by the pass after
    # the block, which adds no operation per step. Where a block is one step (large batches), or
    # with lowp, the loop copies da_t from R into its row and uses the row as the product's
    # operand: a contiguous copy costs less than the pass's broadcast writes, and with lowp the
    # copy is the cast the product needs anyway. (None where there are no rows: free per step.)
    rows = lowp is not None or len(blocks) == T
    DA = dxw.view(T, N, 4 * H).unbind(0) if rows else (None,) * T
    back = 1 if reverse else -1  # the loop walks time opposite to the forward
    mul, add = torch.mul, torch.add  # local names: at N = 1 even a lookup shows
    for s, e in blocks:
        P = _local_derivatives(S, C, c0, s, e, reverse)
        per_step = zip(
            DH3[s + off : e + off][::back],  # dh_t
            P[:, :, 4:6].unbind(0)[::back],  # [P_o, K_t]
            DC3[s:e][::back],  # dc_t
            P[:, :, 0:4].unbind(0)[::back],  # [Γf_t, P_i, P_f, P_g]
            DH2[s + 1 - off : e + 1 - off][::back],  # dh of h_{t-1} (h_{t+1} if reverse)
            DA[s:e][::back],  # dxw's row t, or None
            strict=True,
        )
        for dh_t, pok_t, dc_t, fifg_t, dh_prev, da_t in per_step:
            mul(dh_t, pok_t, out=R_ok)  # [da_o = dh_t ⊙ P_o, dh_t ⊙ K_t]
            add(R_k, R_dcf, out=dc_t)  # dc_t = dh_t ⊙ K_t + dc_{t+1} ⊙ Γf_{t+1}
            mul(dc_t, fifg_t, out=R_fifg)  # [dc_t ⊙ Γf_t, da_i, da_f, da_g]
            a = R_da if da_t is None else da_t.copy_(R_da)  # (with lowp: rounded once here)
            if lowp is None:
                dh_prev.addmm_(a, W)  # dh_{t-1} += da_t Wh^T
            else:
                dh_prev.add_(torch.mm(a, W))
        if not rows:  # the block's da (the loop's R_da, step by step) in one pass
            torch.mul(DC[s:e], P[:, :, 1:4], out=dxw[s:e, :, 0:3])
            torch.mul(DH[s + off : e + off], P[:, :, 4:5], out=dxw[s:e, :, 3:4])
    dh0 = DH[T if reverse else 0, :, 0]
    return dxw.view(T, N, 4 * H), dh0, R_dcf[:, 0].clone()


class GRUFunction(torch.autograd.Function):
    """``(Hs, h_n, gates) = GRUFunction.apply(xw, h0, W_hh, b_hh, reverse, record)``.

    ``xw`` = x W_ih^T + b_ih (the hidden-side bias stays separate).
    """

    @staticmethod
    def forward(ctx: FunctionCtx, xw, h0, W_hh, b_hh, reverse, record):  # type: ignore[override]
        outs, h_n, _, gates = time_loop(
            make_step("gru", W_hh, b_hh), xw.unbind(0), h0, None, reverse=reverse, keep_gates=True
        )
        Hs = torch.stack(outs)
        recorded = None
        if record:
            recorded = dict(zip(RECORDED["gru"], (*_stack_gates(gates), Hs), strict=True))
        ctx.gates = [list(col) for col in zip(*gates, strict=True)]  # r, z, n per step
        ctx.reverse = reverse
        ctx.has_bias = b_hh is not None
        saved_b = b_hh if b_hh is not None else W_hh.new_empty(0)
        ctx.save_for_backward(h0, W_hh, saved_b, Hs)
        return Hs, h_n, recorded

    @staticmethod
    @once_differentiable
    def backward(ctx: FunctionCtx, dHs, dh_n, _gates):  # type: ignore[override]
        h0, W_hh, b_hh, Hs = ctx.saved_tensors
        R, Z, Nn = ctx.gates
        reverse = ctx.reverse
        T, N, H = Hs.shape
        b = b_hh if ctx.has_bias else None
        dAx = Hs.new_empty(T, N, 3 * H)  # gradient of the input-side pre-activations
        dAh = Hs.new_empty(T, N, 3 * H)  # ... of the hidden-side ones (n block scaled by r)
        dAx_t, dAh_t, dHs_t = dAx.unbind(0), dAh.unbind(0), dHs.unbind(0)
        back = 1 if reverse else -1
        dh = dHs_t[T - 1 if not reverse else 0] + dh_n
        for s, e in _blocks(T, N * 3 * H, reverse):
            r, z, n = (_block(X, s, e) for X in (R, Z, Nn))
            h_prev = _prev_block(Hs, h0, s, e, reverse)
            # h Wh_n + bh_n (the forward did not keep it), one product for the block.
            a_hn = Fn.gru_hidden_n(h_prev.reshape(-1, H), W_hh.t(), b).view_as(r)
            P_n = (1 - z) * (1 - n * n)  # da_n = dh ⊙ (1 - z) ⊙ tanh'
            P_z = (h_prev - n) * z * (1 - z)  # da_z = dh ⊙ (h_{t-1} - ñ) ⊙ σ'(a_z)
            P_r = a_hn * r * (1 - r)  # da_r = da_n ⊙ (h Wh_n + bh_n) ⊙ σ'(a_r)
            # dAx_t = [dh, dh, dh] ⊙ [P_n P_r, P_z, P_n]; the hidden side has its n block scaled
            # by r (it enters as Γr ⊙ (h Wh_n + bh_n)).
            P = torch.cat([P_n * P_r, P_z, P_n], dim=2).unbind(0)
            r_mask = torch.cat([torch.ones_like(r), torch.ones_like(r), r], dim=2).unbind(0)
            Zs = z.unbind(0)
            for j in _steps(s, e, reverse):
                t = s + j
                dax = torch.cat([dh, dh, dh], dim=1, out=dAx_t[t]).mul_(P[j])
                dah = torch.mul(dax, r_mask[j], out=dAh_t[t])
                tp = t + back
                # dh_{t-1} = dh_out[t-1] + dh ⊙ z + dA_h Wh^T
                dh_direct = torch.addcmul(dHs_t[tp], dh, Zs[j]) if 0 <= tp < T else dh * Zs[j]
                dh = torch.addmm(dh_direct, dah, W_hh)
        dW_hh = _recurrent_weight_grad(dAh, Hs, h0, reverse) if ctx.needs_input_grad[2] else None
        db_hh = dAh.sum((0, 1)) if ctx.has_bias and ctx.needs_input_grad[3] else None
        return dAx, dh, dW_hh, db_hh, None, None


class RNNFunction(torch.autograd.Function):
    """``(Hs, h_n, gates) = RNNFunction.apply(xw, h0, W_hh, nonlinearity, reverse, record)``."""

    @staticmethod
    def forward(ctx: FunctionCtx, xw, h0, W_hh, nonlinearity, reverse, record):  # type: ignore[override]
        step = make_step("rnn", W_hh, nonlinearity=nonlinearity)
        outs, h_n, _, gates = time_loop(
            step, xw.unbind(0), h0, None, reverse=reverse, keep_gates=record
        )
        Hs = torch.stack(outs)
        recorded = {"pre": _stack_gates(gates)[0], "h": Hs} if record else None
        ctx.reverse, ctx.relu = reverse, nonlinearity == "relu"
        ctx.save_for_backward(h0, W_hh, Hs)
        return Hs, h_n, recorded

    @staticmethod
    @once_differentiable
    def backward(ctx: FunctionCtx, dHs, dh_n, _gates):  # type: ignore[override]
        h0, W_hh, Hs = ctx.saved_tensors
        reverse = ctx.reverse
        T, N, H = Hs.shape
        dA = Hs.new_empty(T, N, H)
        dA_t, dHs_t = dA.unbind(0), dHs.unbind(0)
        back = 1 if reverse else -1
        dh = dHs_t[T - 1 if not reverse else 0] + dh_n
        for s, e in _blocks(T, N * H, reverse):
            h = Hs[s:e]
            dphi = ((h > 0).to(h.dtype) if ctx.relu else 1 - h * h).unbind(0)  # g'(z_t) from h_t
            for j in _steps(s, e, reverse):
                t = s + j
                da = torch.mul(dh, dphi[j], out=dA_t[t])
                tp = t + back
                dh = torch.addmm(dHs_t[tp], da, W_hh) if 0 <= tp < T else torch.mm(da, W_hh)
        dW_hh = _recurrent_weight_grad(dA, Hs, h0, reverse) if ctx.needs_input_grad[2] else None
        return dA, dh, dW_hh, None, None, None
