"""Hand-written autograd Functions for the recurrent part of one layer and one direction.

Why: under plain autograd every elementwise operation of every time step becomes a graph node, and
the weight gradient is accumulated step by step with T small matrix products. These Functions run
the same forward step functions (:mod:`rnncourse.nn.functional`) without building a graph, keep the
gates (which the backward needs anyway and :class:`~rnncourse.nn.GateRecorder` reads), and do the
backward with the maths of the NumPy reference (``rnncourse.reference``):

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

The input side (``x @ W_ih^T + b`` for all steps, one product) stays outside, under autograd, which
also gives ``dx``, ``dW_ih`` and ``db`` as single products. Inputs ``xw`` are time-major (T, N, kH).
Double backward is not supported (``once_differentiable``); use ``fused=False`` for that.
"""

from __future__ import annotations

import torch
from torch import Tensor
from torch.autograd.function import FunctionCtx, once_differentiable

from rnncourse.nn import functional as Fn
from rnncourse.nn._scan import make_step, scan

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
    """States entering steps ``s..e-1``: ``S[t-1]`` (``s0`` before the first step); mirrored if
    reverse (``S[t+1]``, ``s0`` after the last)."""
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
    """Steps ``s..e-1`` of a per-step list as one (e-s, N, H) tensor (a view for one step).

    The forward keeps its gates as per-step lists rather than stacking them into (T, N, H)
    tensors: the backward consumes them block by block, so nothing is copied twice."""
    return steps[s].unsqueeze(0) if e - s == 1 else torch.stack(steps[s:e])


def _prev_list(S: list[Tensor], s0: Tensor, s: int, e: int, reverse: bool) -> list[Tensor]:
    """Per-step states entering steps ``s..e-1`` (see :func:`_prev_block`)."""
    T = len(S)
    if reverse:
        return [S[t + 1] if t + 1 < T else s0 for t in range(s, e)]
    return [S[t - 1] if t > 0 else s0 for t in range(s, e)]


class LSTMFunction(torch.autograd.Function):
    """``(Hs, h_n, c_n) = LSTMFunction.apply(xw, h0, c0, W_hh, reverse, sink)``.

    ``xw`` (T, N, 4H) is ``x W_ih^T + b_ih + b_hh``; ``sink`` is None or a list that receives
    the time-major stacked gates ``{"i", "f", "g", "o", "c", "h"}`` (the GateRecorder hook).
    """

    @staticmethod
    def forward(ctx: FunctionCtx, xw, h0, c0, W_hh, reverse, sink):  # type: ignore[override]
        outs, h_n, c_n, gates = scan(
            make_step("lstm", W_hh), xw.unbind(0), h0, c0, reverse=reverse, keep_gates=True
        )
        Hs = torch.stack(outs)
        if sink is not None:
            stacked = (*_stack_gates(gates), Hs)
            sink.append(dict(zip(Fn.GATE_NAMES["lstm"], stacked, strict=True)))
        ctx.reverse = reverse
        # Intermediate per-step gates (i, f, g, o, c) are kept on ctx, unstacked (see _block).
        ctx.gates = [list(col) for col in zip(*gates, strict=True)]
        ctx.save_for_backward(h0, c0, W_hh, Hs)
        return Hs, h_n, c_n

    @staticmethod
    @once_differentiable
    def backward(ctx: FunctionCtx, dHs, dh_n, dc_n):  # type: ignore[override]
        h0, c0, W_hh, Hs = ctx.saved_tensors
        I, F, G, O, C = ctx.gates
        reverse = ctx.reverse
        T, N, H = Hs.shape
        dA = Hs.new_empty(T, N, 4 * H)
        dA_t, dHs_t = dA.unbind(0), dHs.unbind(0)
        back = 1 if reverse else -1
        dh = dHs_t[T - 1 if not reverse else 0] + dh_n
        dc = dc_n
        for s, e in _blocks(T, N * 4 * H, reverse):
            i, f, g, o, c = (_block(X, s, e) for X in (I, F, G, O, C))
            c_prev = _block(_prev_list(C, c0, s, e, reverse), 0, e - s)
            tc = torch.tanh(c)
            # Local derivatives (independent of the incoming gradient), for the whole block:
            K = (o * (1 - tc * tc)).unbind(0)  # dc_t += dh_t ⊙ Γo ⊙ (1 - tanh²c_t)
            # da_t = [dc_t, dc_t, dc_t, dh_t] ⊙ [c̃ σ'(a_i), c_{t-1} σ'(a_f), Γi tanh'(a_g),
            #                                     tanh(c_t) σ'(a_o)]
            P = torch.cat(
                [g * i * (1 - i), c_prev * f * (1 - f), i * (1 - g * g), tc * o * (1 - o)], dim=2
            ).unbind(0)
            Fs = f.unbind(0)
            for j in _steps(s, e, reverse):
                t = s + j
                dc = torch.addcmul(dc, dh, K[j])
                da = torch.cat([dc, dc, dc, dh], dim=1, out=dA_t[t]).mul_(P[j])
                dc = dc * Fs[j]  # dc_{t-1} = dc_t ⊙ Γf
                tp = t + back
                # dh_{t-1} = dh from the output at t-1 + da_t Wh^T (one product per step)
                dh = torch.addmm(dHs_t[tp], da, W_hh) if 0 <= tp < T else torch.mm(da, W_hh)
        dW_hh = _recurrent_weight_grad(dA, Hs, h0, reverse) if ctx.needs_input_grad[3] else None
        return dA, dh, dc, dW_hh, None, None


class GRUFunction(torch.autograd.Function):
    """``(Hs, h_n) = GRUFunction.apply(xw, h0, W_hh, b_hh, reverse, sink)``.

    ``xw`` = x W_ih^T + b_ih (the hidden-side bias stays separate).
    """

    @staticmethod
    def forward(ctx: FunctionCtx, xw, h0, W_hh, b_hh, reverse, sink):  # type: ignore[override]
        outs, h_n, _, gates = scan(
            make_step("gru", W_hh, b_hh), xw.unbind(0), h0, None, reverse=reverse, keep_gates=True
        )
        Hs = torch.stack(outs)
        if sink is not None:
            sink.append(dict(zip(Fn.GATE_NAMES["gru"], (*_stack_gates(gates), Hs), strict=True)))
        ctx.gates = [list(col) for col in zip(*gates, strict=True)]  # r, z, n per step
        ctx.reverse = reverse
        ctx.has_bias = b_hh is not None
        saved_b = b_hh if b_hh is not None else W_hh.new_empty(0)
        ctx.save_for_backward(h0, W_hh, saved_b, Hs)
        return Hs, h_n

    @staticmethod
    @once_differentiable
    def backward(ctx: FunctionCtx, dHs, dh_n):  # type: ignore[override]
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
    """``(Hs, h_n) = RNNFunction.apply(xw, h0, W_hh, nonlinearity, reverse, sink)``."""

    @staticmethod
    def forward(ctx: FunctionCtx, xw, h0, W_hh, nonlinearity, reverse, sink):  # type: ignore[override]
        step = make_step("rnn", W_hh, nonlinearity=nonlinearity)
        keep = sink is not None
        outs, h_n, _, gates = scan(step, xw.unbind(0), h0, None, reverse=reverse, keep_gates=keep)
        Hs = torch.stack(outs)
        if sink is not None:
            sink.append({"pre": _stack_gates(gates)[0], "h": Hs})
        ctx.reverse, ctx.relu = reverse, nonlinearity == "relu"
        ctx.save_for_backward(h0, W_hh, Hs)
        return Hs, h_n

    @staticmethod
    @once_differentiable
    def backward(ctx: FunctionCtx, dHs, dh_n):  # type: ignore[override]
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
