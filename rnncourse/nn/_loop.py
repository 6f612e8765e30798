"""The time loop of the sequence layers under autograd (plain, packed, recording).

A *step* is a callable ``step(a_x_t, h_prev, c_prev) -> (h, c, gates)`` built by :func:`make_step`
from one of the functions in :mod:`rnncourse.nn.functional`. :func:`time_loop` runs it over time.
(Not to be confused with the parallel prefix scan of :mod:`rnncourse.nn.linear_scan`.)

Variable lengths (``PackedSequence``) use torch's packed layout: the sequences are sorted by
decreasing length, so at time ``t`` only the first ``batch_sizes[t]`` rows are still running. The
step is applied to those rows; the other rows keep their state (in the forward direction they have
finished; in the reverse direction they have not started yet and still hold ``h0``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

import torch
from torch import Tensor

from rnncourse.nn import functional as Fn

Step = Callable[[Tensor, Tensor, "Tensor | None"], tuple]


def make_step(
    kind: str,
    W_hh: Tensor,
    b_hh: Tensor | None = None,
    *,
    nonlinearity: str = "tanh",
    peephole: Tensor | None = None,
    coupled: bool = False,
) -> Step:
    """Bind the recurrent weights of one layer/direction to the step function of ``kind``.

    For RNN and LSTM both biases must already be folded into ``a_x``; the GRU keeps ``b_hh``
    separate because its reset gate multiplies ``h Wh_n + bh_n``.
    """
    # A contiguous (H, kH) copy: the per-step product is a little faster than on a transposed view.
    W_hh_T = W_hh.t().contiguous()
    if kind == "rnn":
        return lambda a_x, h, c: Fn.rnn_step(a_x, h, W_hh_T, nonlinearity)
    if kind == "gru":
        return lambda a_x, h, c: Fn.gru_step(a_x, h, W_hh_T, b_hh)
    if peephole is not None:
        return partial(Fn.peephole_lstm_step, W_hh_T=W_hh_T, P=peephole)
    if coupled:
        return partial(Fn.coupled_lstm_step, W_hh_T=W_hh_T)
    return partial(Fn.lstm_step, W_hh_T=W_hh_T)


def time_loop(
    step: Step,
    a_x: Sequence[Tensor],
    h0: Tensor,
    c0: Tensor | None,
    *,
    reverse: bool = False,
    keep_gates: bool = False,
) -> tuple[list[Tensor], Tensor, Tensor | None, list[tuple] | None]:
    """Run ``step`` over time.

    Parameters
    ----------
    step : callable
        From :func:`make_step`.
    a_x : sequence of T tensors, each (B_t, kH)
        Input side of the pre-activations, in time order; ``B_t`` non-increasing (packed layout),
        ``B_0 = N``.
    h0 : Tensor, (N, H)
    c0 : Tensor, (N, H) or None
    reverse : bool
        Process time steps from last to first (the backward direction of a bidirectional layer).
    keep_gates : bool
        Also return each step's gates, followed by ``c_t`` for the LSTM.

    Returns
    -------
    outs : list of T tensors (B_t, H)
        ``h_t`` in time order.
    h_n, c_n : Tensor, (N, H)
        State of every row after its last step (``c_n`` is None without a memory cell).
    gates : list of T tuples or None
    """
    T, N = len(a_x), h0.shape[0]
    h, c = h0, c0
    outs: list[Tensor] = [h0] * T
    gates: list[tuple] | None = [()] * T if keep_gates else None
    for t in range(T - 1, -1, -1) if reverse else range(T):
        B = a_x[t].shape[0]
        if B == N:
            h_t, c_t, g = step(a_x[t], h, c)
            h, c = h_t, c_t
        else:
            # Only the first B sequences are running at this time step (packed layout).
            h_t, c_t, g = step(a_x[t], h[:B], None if c is None else c[:B])
            h = torch.cat([h_t, h[B:]])
            c = None if c is None else torch.cat([c_t, c[B:]])
        outs[t] = h_t
        if gates is not None:
            gates[t] = g if c_t is None else (*g, c_t)
    return outs, h, c, gates
