"""Forward + backward of a plain torch.nn recurrent layer, written from scratch (no rnncourse).

The yardstick of ``benchmarks/nn_vs_plain.py``: what a learner's own script would time.

    python benchmarks/plain_torch_rnn.py --cell lstm --shape 64 100 128 256
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import torch


def workload(cell: str, shape: tuple[int, int, int, int], seed: int = 0) -> Callable[[], None]:
    """Return a closure: forward of ``torch.nn.<CELL>`` on (N, T, D) input, backward of sum(out)."""
    N, T, D, H = shape
    torch.manual_seed(seed)
    layer = getattr(torch.nn, cell.upper())(D, H, batch_first=True)
    x = torch.randn(N, T, D, requires_grad=True)
    h0 = torch.zeros(1, N, H, requires_grad=True)
    hx = (h0, torch.zeros(1, N, H, requires_grad=True)) if cell == "lstm" else h0

    def run() -> None:
        layer.zero_grad(set_to_none=True)
        out, _ = layer(x, hx)
        out.sum().backward()

    run.layer = layer  # type: ignore[attr-defined]
    return run


def main() -> None:
    """Time the workload alone (median of ``--repeats``)."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cell", default="lstm", choices=["rnn", "gru", "lstm"])
    p.add_argument("--shape", type=int, nargs=4, default=[64, 100, 128, 256])
    p.add_argument("--repeats", type=int, default=5)
    args = p.parse_args()
    torch.set_num_threads(1)
    run = workload(args.cell, tuple(args.shape))
    run()
    times = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        run()
        times.append(time.perf_counter() - t0)
    print(f"{args.cell} {tuple(args.shape)}: {sorted(times)[len(times) // 2] * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
