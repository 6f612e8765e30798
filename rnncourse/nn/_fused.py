"""Hand-written autograd Functions for the recurrent part of one layer and one direction.

Why: under plain autograd every elementwise operation of every time step becomes a graph node, and
the weight gradient is accumulated step by step with T small matrix products. These Functions run
the same forward step functions (:mod:`rnncourse.nn.functional`) without building a graph, keep the
gates (which the backward needs anyway and :class:`~rnncourse.nn.GateRecorder` reads), and do the
backward with the maths of the NumPy reference (``rnncourse.reference``):

* everything that does not depend on the incoming gradient (local gate derivatives) is computed for
  all time steps at once before the loop;
* the loop only carries ``dh`` (and ``dc``) back through time: a handful of elementwise operations
  and one ``(N, kH) @ (kH, H)`` product per step, writing the pre-activation gradients into one
  (T, N, kH) buffer;
* the recurrent weight gradient is then ONE product over all time steps,
  ``dW_hh = dA^T @ H_prev`` with (kH, T·N) @ (T·N, H).

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


def _prev_states(S: Tensor, s0: Tensor, reverse: bool) -> Tensor:
    """States entering each step: ``S_prev[t] = S[t-1]`` (``s0`` at t=0); mirrored if reverse."""
    if reverse:
        return torch.cat([S[1:], s0.unsqueeze(0)])
    return torch.cat([s0.unsqueeze(0), S[:-1]])


def _bptt_order(T: int, reverse: bool) -> tuple[range, int]:
    """Backward visits steps opposite to the forward; returns the order and the offset to the
    previous step in forward order."""
    return (range(T) if reverse else range(T - 1, -1, -1)), (1 if reverse else -1)


def _stack_gates(gates: list[tuple]) -> list[Tensor]:
    return [torch.stack(g) for g in zip(*gates, strict=True)]


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
        I, F, G, O, C = _stack_gates(gates)
        if sink is not None:
            sink.append(dict(zip(Fn.GATE_NAMES["lstm"], (I, F, G, O, C, Hs), strict=True)))
        ctx.reverse = reverse
        ctx.save_for_backward(h0, c0, W_hh, Hs, I, F, G, O, C)
        return Hs, h_n, c_n

    @staticmethod
    @once_differentiable
    def backward(ctx: FunctionCtx, dHs, dh_n, dc_n):  # type: ignore[override]
        h0, c0, W_hh, Hs, I, F, G, O, C = ctx.saved_tensors
        reverse = ctx.reverse
        T, N, H = Hs.shape
        C_prev = _prev_states(C, c0, reverse)
        # Local derivatives for all steps at once (they do not depend on the incoming gradient).
        TC = torch.tanh(C)
        K = O * (1 - TC * TC)  # dc_t += dh_t ⊙ Γo ⊙ (1 - tanh²c_t)
        P_o = TC * O * (1 - O)  # da_o = dh_t ⊙ tanh(c_t) ⊙ σ'(a_o)
        P_ifg = torch.stack(  # da_{i,f,g} = dc_t ⊙ [c̃ σ'(a_i), c_{t-1} σ'(a_f), Γi tanh'(a_g)]
            [G * I * (1 - I), C_prev * F * (1 - F), I * (1 - G * G)], dim=2
        )
        dA = Hs.new_empty(T, N, 4 * H)
        dA4 = dA.view(T, N, 4, H)
        order, back = _bptt_order(T, reverse)
        dh = dHs[order[0]] + dh_n
        dc = dc_n
        for t in order:
            dc = torch.addcmul(dc, dh, K[t])
            torch.mul(dc.unsqueeze(1), P_ifg[t], out=dA4[t, :, :3])
            torch.mul(dh, P_o[t], out=dA4[t, :, 3])
            dc = dc * F[t]  # dc_{t-1} = dc_t ⊙ Γf
            tp = t + back
            # dh_{t-1} = dh from the output at t-1 + da_t Wh^T (one product per step)
            dh = torch.addmm(dHs[tp], dA[t], W_hh) if 0 <= tp < T else torch.mm(dA[t], W_hh)
        dW_hh = None
        if ctx.needs_input_grad[3]:
            H_prev = _prev_states(Hs, h0, reverse)
            dW_hh = dA.reshape(T * N, 4 * H).t().mm(H_prev.reshape(T * N, H))
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
        R, Z, Nn = _stack_gates(gates)
        if sink is not None:
            sink.append(dict(zip(Fn.GATE_NAMES["gru"], (R, Z, Nn, Hs), strict=True)))
        ctx.reverse = reverse
        ctx.has_bias = b_hh is not None
        saved_b = b_hh if b_hh is not None else W_hh.new_empty(0)
        ctx.save_for_backward(h0, W_hh, saved_b, Hs, R, Z, Nn)
        return Hs, h_n

    @staticmethod
    @once_differentiable
    def backward(ctx: FunctionCtx, dHs, dh_n):  # type: ignore[override]
        h0, W_hh, b_hh, Hs, R, Z, Nn = ctx.saved_tensors
        reverse = ctx.reverse
        T, N, H = Hs.shape
        H_prev = _prev_states(Hs, h0, reverse)
        b = b_hh if ctx.has_bias else None
        # h Wh_n + bh_n for all steps in one product (the forward did not keep it).
        A_hn = Fn.gru_hidden_n(H_prev.reshape(T * N, H), W_hh.t(), b).view(T, N, H)
        P_n = (1 - Z) * (1 - Nn * Nn)  # da_n = dh ⊙ (1 - z) ⊙ tanh'
        P_z = (H_prev - Nn) * Z * (1 - Z)  # da_z = dh ⊙ (h_{t-1} - ñ) ⊙ σ'(a_z)
        P_r = A_hn * R * (1 - R)  # da_r = da_n ⊙ (h Wh_n + bh_n) ⊙ σ'(a_r)
        dAx = Hs.new_empty(T, N, 3 * H)  # gradient of the input-side pre-activations
        dAh = Hs.new_empty(T, N, 3 * H)  # ... of the hidden-side ones (n block scaled by r)
        order, back = _bptt_order(T, reverse)
        dh = dHs[order[0]] + dh_n
        for t in order:
            da_n = torch.mul(dh, P_n[t], out=dAx[t, :, 2 * H :])
            torch.mul(dh, P_z[t], out=dAx[t, :, H : 2 * H])
            torch.mul(da_n, P_r[t], out=dAx[t, :, :H])
            dAh[t, :, : 2 * H].copy_(dAx[t, :, : 2 * H])
            torch.mul(da_n, R[t], out=dAh[t, :, 2 * H :])
            tp = t + back
            # dh_{t-1} = dh_out[t-1] + dh ⊙ z + dA_h Wh^T
            dh_direct = torch.addcmul(dHs[tp], dh, Z[t]) if 0 <= tp < T else dh * Z[t]
            dh = torch.addmm(dh_direct, dAh[t], W_hh)
        flat = dAh.reshape(T * N, 3 * H)
        dW_hh = flat.t().mm(H_prev.reshape(T * N, H)) if ctx.needs_input_grad[2] else None
        db_hh = flat.sum(0) if ctx.has_bias and ctx.needs_input_grad[3] else None
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
        dphi = (Hs > 0).to(Hs.dtype) if ctx.relu else 1 - Hs * Hs  # g'(z_t) from h_t
        dA = Hs.new_empty(T, N, H)
        order, back = _bptt_order(T, reverse)
        dh = dHs[order[0]] + dh_n
        for t in order:
            torch.mul(dh, dphi[t], out=dA[t])
            tp = t + back
            dh = torch.addmm(dHs[tp], dA[t], W_hh) if 0 <= tp < T else torch.mm(dA[t], W_hh)
        dW_hh = None
        if ctx.needs_input_grad[2]:
            H_prev = _prev_states(Hs, h0, reverse)
            dW_hh = dA.reshape(T * N, H).t().mm(H_prev.reshape(T * N, H))
        return dA, dh, dW_hh, None, None, None
