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

For small batches (``N * H <=`` :data:`FEW_OPS_MAX_NH`) the LSTM goes further, because there its
speed is the number of tensor operations and per-step tensor views (about 1 µs and 0.5 µs each
at N = 1), not arithmetic: its forward is
:func:`rnncourse.nn.functional.lstm_sequence_into` (gate blocks internally in the order
[o, i, f, g], 7 operations per step, results written into preallocated buffers), and its backward
loop does 4 operations per step through a reused scratch buffer, the pre-activation gradients
being rebuilt from the stored ``dh_t``, ``dc_t`` after each block.

For large batches the LSTM also has a mixed-precision mode (``lowp``, chosen by the layers under
``torch.autocast``): products in bfloat16/float16, gates and state in float32 (see
:class:`LSTMFunction`).

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


def _roll_blocks(X: Tensor, H: int, dim: int) -> Tensor:
    """Public LSTM gate order [i, f, g, o] -> internal [o, i, f, g] (one block rolled to the front).

    The internal order puts the three sigmoid gates side by side (forward) and the three blocks
    scaled by ``dc`` side by side (backward), so each is one operation per step."""
    return torch.roll(X, H, dim)


class _LSTMFewOps(torch.autograd.Function):
    """The LSTM Function for small batches (see :class:`LSTMFunction`): as few tensor operations
    and per-step views as possible. Internally the gate blocks are kept in the order [o, i, f, g]
    (see :func:`rnncourse.nn.functional.lstm_sequence_into`); parameters and gradients are in
    the public order.
    """

    @staticmethod
    def forward(ctx: FunctionCtx, xw, h0, c0, W_hh, reverse, sink):  # type: ignore[override]
        T, N, G = xw.shape
        H = G // 4
        A = _roll_blocks(xw, H, 2)  # a fresh copy: the gates are written into it
        C, Hs = xw.new_empty(T, N, H), xw.new_empty(T, N, H)
        W_T = _roll_blocks(W_hh, H, 0).t().contiguous()  # (H, 4H), columns [o, i, f, g]
        order = range(T - 1, -1, -1) if reverse else range(T)
        Fn.lstm_sequence_into(A, h0, c0, W_T, C, Hs, order)
        if sink is not None:
            o, i, f, g = A.view(T, N, 4, H).unbind(2)
            sink.append(dict(zip(RECORDED["lstm"], (i, f, g, o, C, Hs), strict=True)))
        ctx.reverse = reverse
        ctx.save_for_backward(h0, c0, W_hh, A, C, Hs)
        last = order[-1]
        return Hs, Hs[last].clone(), C[last].clone()

    @staticmethod
    @once_differentiable
    def backward(ctx: FunctionCtx, dHs, dh_n, dc_n):  # type: ignore[override]
        h0, c0, W_hh, A, C, Hs = ctx.saved_tensors
        reverse = ctx.reverse
        T, N, H = Hs.shape
        W = _roll_blocks(W_hh, H, 0).contiguous()  # (4H, H), rows [o, i, f, g]
        # Slot k of DH holds dh_t for t = k - off; the extra slot receives dh0 (the gradient
        # flowing out of the first step). DH starts as the output gradient and the loop adds
        # da_t Wh^T to the previous step's slot in place.
        off = 0 if reverse else 1
        DH = Hs.new_zeros(T + 1, N, 1, H)
        DH[off : off + T, :, 0] = dHs
        first = 0 if reverse else T - 1  # the first step the backward visits
        DH[first + off, :, 0] += dh_n
        DC = Hs.new_empty(T, N, 1, H)  # dc_t (totals)
        DH3, DH2, DC3 = DH.unbind(0), DH.squeeze(2).unbind(0), DC.unbind(0)
        # Each per-step view costs about one elementwise operation at N = 1, so the loop touches
        # as few as possible; the rest goes through the reused scratch
        # S = [dh ⊙ K, da_o, da_i, da_f, da_g, dc ⊙ Γf], and dA is rebuilt after each block.
        S = Hs.new_empty(N, 6, H)
        S2, S_ifgf, S_da = S[:, 0:2], S[:, 2:], S.view(N, 6 * H)[:, H : 5 * H]
        SK, S_dcf = S[:, 0:1], S[:, 5:6]
        S_dcf.copy_(dc_n.unsqueeze(1))  # dc arriving from after the last step
        dxw = Hs.new_empty(T, N, 4, H)  # [i, f, g, o], the public order
        step = 1 if reverse else -1
        mul, add = torch.mul, torch.add
        for s, e in _blocks(T, N * 6 * H, reverse):
            P = _local_derivatives(A, C, c0, s, e, reverse)
            per_step = zip(
                DH3[s + off : e + off][::step],  # dh_t
                P[:, :, 0:2].unbind(0)[::step],  # [K_t, P_o]
                DC3[s:e][::step],  # dc_t
                P[:, :, 2:].unbind(0)[::step],  # [P_i, P_f, P_g, Γf_t]
                DH2[s + 1 - off : e + 1 - off][::step],  # dh_{t-1} (dh_{t+1} if reverse)
                strict=True,
            )
            for dh_t, pk_t, dc_t, pifgf_t, dh_prev in per_step:
                mul(dh_t, pk_t, out=S2)  # [dh ⊙ K, da_o = dh ⊙ P_o]
                add(SK, S_dcf, out=dc_t)  # dc_t = dh_t ⊙ K_t + dc_{t+1} ⊙ Γf_{t+1}
                mul(dc_t, pifgf_t, out=S_ifgf)  # [da_i, da_f, da_g, dc_t ⊙ Γf_t]
                dh_prev.addmm_(S_da, W)  # dh_{t-1} += da_t Wh^T (one product per step)
            # The pre-activation gradients of the block, vectorised over its steps.
            mul(DH[s + off : e + off], P[:, :, 1:2], out=dxw[s:e, :, 3:4])
            mul(DC[s:e], P[:, :, 2:5], out=dxw[s:e, :, 0:3])
        dh0 = DH[T if reverse else 0, :, 0]
        dc0 = S_dcf[:, 0].clone()
        dxw = dxw.view(T, N, 4 * H)
        dW_hh = _recurrent_weight_grad(dxw, Hs, h0, reverse) if ctx.needs_input_grad[3] else None
        return dxw, dh0, dc0, dW_hh, None, None


def _local_derivatives(A: Tensor, C: Tensor, c0: Tensor, s: int, e: int, reverse: bool) -> Tensor:
    """Per-step factors of the LSTM backward for steps ``s..e-1`` (independent of the gradient).

    With ``dc_t = dh_t ⊙ K_t + dc_{t+1} ⊙ Γf_{t+1}``, ``K = Γo ⊙ (1 - tanh²c_t)``, the
    pre-activation gradients are ``da_o = dh ⊙ tanh(c_t) σ'(a_o)`` and
    ``[da_i, da_f, da_g] = dc ⊙ [c̃ σ'(a_i), c_{t-1} σ'(a_f), Γi tanh'(a_g)]``.

    Returns
    -------
    P : Tensor, (e - s, N, 6, H)
        ``[K, P_o, P_i, P_f, P_g, Γf]`` per step (``Γf_t`` carries ``dc_t`` to ``dc_{t-1}``).
    """
    T, N, _ = A.shape
    H = C.shape[-1]
    gates = A.view(T, N, 4, H)[s:e]
    o, i, f, g = gates.unbind(2)
    tc, c_prev = torch.tanh(C[s:e]), _prev_block(C, c0, s, e, reverse)
    dsig = gates[:, :, :3] * (1 - gates[:, :, :3])  # σ' of o, i, f from the gates themselves
    P = A.new_empty(e - s, N, 6, H)
    torch.mul(o, 1 - tc * tc, out=P[:, :, 0])
    torch.mul(tc, dsig[:, :, 0], out=P[:, :, 1])
    torch.mul(g, dsig[:, :, 1], out=P[:, :, 2])
    torch.mul(c_prev, dsig[:, :, 2], out=P[:, :, 3])
    torch.mul(i, 1 - g * g, out=P[:, :, 4])
    P[:, :, 5] = f
    return P


class _LSTMPerStep(torch.autograd.Function):
    """The LSTM Function for large batches (see :class:`LSTMFunction`): per step one product and
    :func:`rnncourse.nn.functional.lstm_step_into` writing into time-major buffers (contiguous
    per step), the backward block by block. ``lowp`` selects mixed precision."""

    @staticmethod
    def forward(ctx: FunctionCtx, xw, h0, c0, W_hh, reverse, sink, lowp=None):  # type: ignore[override]
        T, N, G = xw.shape
        H = G // 4
        W_T = W_hh.t().to(lowp or W_hh.dtype).contiguous()  # (H, 4H): faster than a t() view
        S = h0.new_empty(T, N, 4 * H)  # [Γi, Γf, σ(2 a_g), Γo] per step
        Gc, C, TC, Hs = (h0.new_empty(T, N, H) for _ in range(4))  # c̃, c, tanh(c), h
        order = range(T - 1, -1, -1) if reverse else range(T)
        h, c = h0, c0
        for t in order:
            a = torch.addmm(xw[t], h if lowp is None else h.to(lowp), W_T)
            Fn.lstm_step_into(a if lowp is None else a.float(), c, S[t], Gc[t], C[t], TC[t], Hs[t])
            h, c = Hs[t], C[t]
        if sink is not None:
            i, f, _, o = S.chunk(4, 2)
            gates = (i, f, Gc, o, C, Hs)
            sink.append(dict(zip(RECORDED["lstm"], gates, strict=True)))
        ctx.reverse, ctx.lowp = reverse, lowp
        ctx.save_for_backward(h0, c0, W_hh, Hs, S, Gc, C, TC)
        return Hs, h.clone(), c.clone()

    @staticmethod
    @once_differentiable
    def backward(ctx: FunctionCtx, dHs, dh_n, dc_n):  # type: ignore[override]
        h0, c0, W_hh, Hs, S, Gc, C, TC = ctx.saved_tensors
        reverse, lowp = ctx.reverse, ctx.lowp
        T, N, H = Hs.shape
        # Mixed precision: dA and the recurrent products in ``lowp``; dh, dc and the local
        # derivatives stay float32 (as the forward's state does).
        W = W_hh if lowp is None else W_hh.to(lowp)
        dA = Hs.new_empty(T, N, 4 * H, dtype=lowp or Hs.dtype)
        dA_t, dHs_t = dA.unbind(0), dHs.unbind(0)
        back = 1 if reverse else -1
        dh = dHs_t[T - 1 if not reverse else 0] + dh_n
        dc = dc_n
        for s, e in _blocks(T, N * 4 * H, reverse):
            K, P = _lstm_local(S, Gc, C, TC, Hs, c0, s, e, reverse)
            K, P, Fs = K.unbind(0), P.unbind(0), S[s:e, :, H : 2 * H].unbind(0)
            for j in _steps(s, e, reverse):
                t = s + j
                dc = torch.addcmul(dc, dh, K[j])  # dc_t = dh_t ⊙ K_t + dc from step t+1
                # da_t = [dc_t, dc_t, dc_t, dh_t] ⊙ P_t
                if lowp is None:
                    da = torch.cat([dc, dc, dc, dh], dim=1, out=dA_t[t]).mul_(P[j])
                else:  # computed in float32, rounded once when written
                    da = torch.mul(torch.cat([dc, dc, dc, dh], dim=1), P[j], out=dA_t[t])
                dc = dc * Fs[j]  # dc_{t-1} = dc_t ⊙ Γf
                tp = t + back
                # dh_{t-1} = dh from the output at t-1 + da_t Wh^T (one product per step)
                if lowp is not None:
                    dh = torch.mm(da, W).float()
                    dh = dh.add_(dHs_t[tp]) if 0 <= tp < T else dh
                else:
                    dh = torch.addmm(dHs_t[tp], da, W) if 0 <= tp < T else torch.mm(da, W)
        dW_hh = None
        if ctx.needs_input_grad[3]:
            Hl, h0l = (Hs, h0) if lowp is None else (Hs.to(lowp), h0.to(lowp))
            dW_hh = _recurrent_weight_grad(dA, Hl, h0l, reverse).to(W_hh.dtype)
        return dA, dh, dc, dW_hh, None, None, None


def _lstm_local(S, Gc, C, TC, Hs, c0, s: int, e: int, reverse: bool) -> tuple[Tensor, Tensor]:
    """The gradient-independent factors of the LSTM backward for steps ``s..e-1``, from the
    buffers of :class:`_LSTMPerStep` (``S = [Γi, Γf, σ(2 a_g), Γo]``).

    Returns
    -------
    K : Tensor, (e - s, N, H)
        ``Γo ⊙ (1 - tanh² c_t) = Γo - h_t ⊙ tanh(c_t)``: ``dc_t`` gains ``dh_t ⊙ K_t``.
    P : Tensor, (e - s, N, 4H)
        ``[c̃ σ'(a_i), c_{t-1} σ'(a_f), Γi tanh'(a_g), tanh(c_t) σ'(a_o)]``, so that
        ``da_t = [dc_t, dc_t, dc_t, dh_t] ⊙ P_t``; with ``σ' = S(1 - S)`` for every block and
        ``tanh'(a_g) = 1 - c̃² = 4 σ'(2 a_g)``.
    """
    H = C.shape[-1]
    Sb = S[s:e]
    K = torch.addcmul(Sb[:, :, 3 * H :], Hs[s:e], TC[s:e], value=-1)
    D = torch.addcmul(Sb, Sb, Sb, value=-1)  # S(1 - S)
    c_prev = _prev_block(C, c0, s, e, reverse)
    P = torch.cat([Gc[s:e], c_prev, Sb[:, :, :H], TC[s:e]], dim=2).mul_(D)
    P[:, :, 2 * H : 3 * H].mul_(4)
    return K, P


#: Largest ``N * H`` (numbers in one state) for which the LSTM uses :class:`_LSTMFewOps`.
#: Measured fwd+bwd (float32, CPU, 1 thread, T=200), time of _LSTMFewOps / _LSTMPerStep:
#: N×H = 1×128: 0.60, 4×128: 0.78, 2×256: 0.86, 8×128: 0.93, 4×256: 0.90, 16×128: 1.11,
#: 32×128: 1.27, 64×256: 1.23. Once arithmetic dominates, the in-place writes into strided
#: (T, N, 4H) buffers and the extra passes over them cost more than the saved calls.
FEW_OPS_MAX_NH = 1024


class LSTMFunction:
    """``(Hs, h_n, c_n) = LSTMFunction.apply(xw, h0, c0, W_hh, reverse, sink)``.

    ``xw`` (T, N, 4H) is ``x W_ih^T + b_ih + b_hh``; ``sink`` is None or a list that receives
    the time-major stacked gates ``{"i", "f", "g", "o", "c", "h"}`` (the GateRecorder hook).
    Both implementations run the same equations with the same backward maths; which one is
    faster depends on the batch, so this picks by ``N * H`` (:data:`FEW_OPS_MAX_NH`).

    ``lowp`` (bfloat16 or float16, from ``torch.autocast``) selects mixed precision: ``xw`` is
    in that dtype, the per-step products and ``dW_hh`` run in it, while gates, ``c_t``, ``h_t``
    and ``dh``, ``dc`` stay float32; ``dxw`` comes back in ``lowp``. Only the per-step
    implementation has this mode (where arithmetic dominates, which is where it pays).
    """

    @staticmethod
    def apply(xw, h0, c0, W_hh, reverse, sink, lowp=None):
        if lowp is not None:
            return _LSTMPerStep.apply(xw, h0, c0, W_hh, reverse, sink, lowp)
        small = xw.shape[1] * h0.shape[-1] <= FEW_OPS_MAX_NH
        fn = _LSTMFewOps if small else _LSTMPerStep
        return fn.apply(xw, h0, c0, W_hh, reverse, sink)


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
            sink.append(dict(zip(RECORDED["gru"], (*_stack_gates(gates), Hs), strict=True)))
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
