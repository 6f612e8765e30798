"""Compiled single-path candidates for rnncourse.nn's LSTM (issue 30, item 2), for measuring only.

Each candidate runs the book's step, :func:`rnncourse.nn.functional.lstm_step`, under autograd (no
hand-written backward) and lets ``torch.compile`` (inductor, C++ on the CPU) fuse it:

* ``chunks``: the step unrolled ``K`` times in one compiled function (forward and the backward
  autograd derives for it), called ``T / K`` times per sequence;
* ``scan``: the whole time loop as ``torch._higher_order_ops.scan`` over the step, one compiled
  graph for the sequence (inductor turns it into a while loop; ``cpp_wrapper=True`` runs that loop
  in generated C++ instead of Python).

``nn_vs_plain.py --probe-compile`` times them beside torch.nn and today's default. Each candidate
reports its first call (tracing + compiling forward and backward, or loading them from inductor's
cache, ``TORCHINDUCTOR_CACHE_DIR``).
"""

from __future__ import annotations

import time
import types
from collections.abc import Callable

import torch

from rnncourse.nn import functional as Fn


def _chunk(ax, h, c, W_T):
    hs = []
    for k in range(ax.shape[0]):
        h, c, _ = Fn.lstm_step(ax[k], h, c, W_T)
        hs.append(h)
    return torch.stack(hs), h, c


def _sequence_scan(ax, h0, c0, W_T):
    from torch._higher_order_ops.scan import scan

    def step(carry, a_x):
        h, c, _ = Fn.lstm_step(a_x, *carry, W_T)
        # Clones: a carry that is also an output (or aliases one) fails scan's alias check.
        return (h.clone(), c.clone()), h.clone()

    (h, c), hs = scan(step, (h0, c0), ax)
    return hs, h, c


def candidate(kind: str, shape, plain_layer: torch.nn.LSTM, *, K: int = 10) -> Callable:
    """Return ``run()`` (forward + backward of ``sum(h)``) for ``kind`` in {"chunks", "scan"}.

    ``shape`` is (N, T, D, H); the input (time-major here), ``h0`` and ``c0`` need gradients, as in
    ``plain_torch_rnn.workload``. Uses a copy of ``plain_layer``'s weights.
    ``run.compile_s`` holds the seconds of the first call (compile or cache load).
    """
    # Dynamo caches compiled frames per code object, whatever inductor's settings (cpp_wrapper):
    # a fresh copy of the code for each candidate, so each is compiled with its own settings.
    body = _chunk if kind == "chunks" else _sequence_scan
    body = types.FunctionType(body.__code__.replace(), body.__globals__, body.__name__)
    fn = torch.compile(body, dynamic=False, fullgraph=True)
    N, T, D, H = shape
    p = torch.nn.LSTM(D, H)
    p.load_state_dict(plain_layer.state_dict())
    x = torch.randn(T, N, D, requires_grad=True)
    h0 = torch.zeros(N, H, requires_grad=True)
    c0 = torch.zeros(N, H, requires_grad=True)

    def forward():
        ax = torch.addmm(p.bias_ih_l0 + p.bias_hh_l0, x.reshape(-1, D), p.weight_ih_l0.t())
        ax = ax.view(T, N, -1)
        W_T = p.weight_hh_l0.t()
        if kind == "scan":
            return fn(ax, h0, c0, W_T)[0]
        h, c, outs = h0, c0, []
        # split, not ax[s:s+K]: each slice's backward would fill a zero (T, N, 4H) gradient.
        for a in ax.split(K):
            o, h, c = fn(a, h, c, W_T)
            outs.append(o)
        return torch.cat(outs)

    def run() -> None:
        p.zero_grad(set_to_none=True)
        forward().sum().backward()

    t0 = time.perf_counter()
    run()
    run.compile_s = time.perf_counter() - t0  # type: ignore[attr-defined]
    run.forward = forward  # type: ignore[attr-defined]
    return run
