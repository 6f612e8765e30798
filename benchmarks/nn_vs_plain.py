"""rnncourse.nn against the independent plain torch.nn script, interleaved, in ONE run.

    python benchmarks/nn_vs_plain.py --cells lstm gru rnn --repeats 7

For each cell and shape (N, T, D, H) = (64, 100, 128, 256) and (1, 1000, 65, 128): the median of
forward + backward of ``benchmarks/plain_torch_rnn.py``'s workload and of the same with
``rnncourse.nn`` (the default path and ``fused=False``, the plain autograd path), same weights,
one torch thread, each round timing every implementation once (order alternated per round).
Prints each median time and, per implementation, the median and range (min-max) of the per-round
ratios to the plain script, with the load average (``/proc/loadavg``) before and after: on a shared
machine read the ratios, never the times. No timing is asserted anywhere.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from plain_torch_rnn import workload

import rnncourse.nn as ours

SHAPES = {"large": (64, 100, 128, 256), "char-LM": (1, 1000, 65, 128)}


def ours_workload(cell: str, shape, plain_layer, **kwargs):
    """Return the plain workload's inputs and weights run through ``rnncourse.nn``."""
    N, T, D, H = shape
    layer = getattr(ours, cell.upper())(D, H, batch_first=True, **kwargs)
    layer.load_state_dict(plain_layer.state_dict())
    x = torch.randn(N, T, D, requires_grad=True)
    h0 = torch.zeros(1, N, H, requires_grad=True)
    hx = (h0, torch.zeros(1, N, H, requires_grad=True)) if cell == "lstm" else h0

    def run() -> None:
        layer.zero_grad(set_to_none=True)
        out, _ = layer(x, hx)
        out.sum().backward()

    return run


def _load() -> str:
    return (
        " ".join(Path("/proc/loadavg").read_text().split()[:3])
        if os.path.exists("/proc/loadavg")
        else "?"
    )


def _probes(kinds, shape, plain_layer, K) -> dict:
    """Build (and compile) the requested candidates; print each first call's seconds."""
    if not kinds:  # importing inductor alone costs seconds
        return {}
    import torch._inductor.config as inductor_config
    from nn_compiled_probe import candidate

    out = {}
    for kind in kinds:
        inductor_config.cpp_wrapper = kind.endswith("-cpp")
        run = candidate(kind.removesuffix("-cpp"), shape, plain_layer, K=K)
        name = f"compiled {kind}" + (f" K={K}" if kind == "chunks" else "")
        print(f"  {name}: first call (compile or cache load) {run.compile_s:.1f} s", flush=True)
        out[name] = run
    inductor_config.cpp_wrapper = False
    return out


def main(argv: list[str] | None = None) -> None:
    """Run every cell and shape; print medians and ratios."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cells", nargs="+", default=["lstm", "gru", "rnn"])
    p.add_argument("--shapes", nargs="+", default=list(SHAPES), choices=list(SHAPES))
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument(
        "--probe-compile",
        nargs="*",
        default=[],
        choices=["chunks", "chunks-cpp", "scan", "scan-cpp"],
        help="LSTM only: also time torch.compile'd candidates of nn_compiled_probe.py",
    )
    p.add_argument("--chunk", type=int, default=10, help="steps per compiled chunk (K)")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    print(
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {platform.machine()}, "
        f"{os.cpu_count()} cores, torch {torch.__version__}, {args.threads} thread(s), "
        f"{args.repeats} interleaved rounds, load average {_load()}"
    )
    for cell in args.cells:
        for name in args.shapes:
            shape = SHAPES[name]
            plain = workload(cell, shape)
            impls = {
                "plain torch.nn script": plain,
                "rnncourse.nn (default)": ours_workload(cell, shape, plain.layer),
                "rnncourse.nn fused=False": ours_workload(cell, shape, plain.layer, fused=False),
            }
            if cell == "lstm":
                impls.update(_probes(args.probe_compile, shape, plain.layer, args.chunk))
            times = {k: [] for k in impls}
            for fn in impls.values():
                fn()  # warm-up
            for r in range(args.repeats):
                order = list(impls) if r % 2 == 0 else list(impls)[::-1]
                for k in order:
                    t0 = time.perf_counter()
                    impls[k]()
                    times[k].append(time.perf_counter() - t0)
            base = times["plain torch.nn script"]
            print(f"\n{cell.upper()} {name} (N, T, D, H) = {shape}, load {_load()}")
            for k, v in times.items():
                r = [a / b for a, b in zip(v, base, strict=True)]
                med = statistics.median(r)
                print(
                    f"  {k:26s} {statistics.median(v) * 1e3:9.1f} ms  ratio x{med:5.2f}"
                    f" ({min(r):.2f}-{max(r):.2f})",
                    flush=True,
                )


if __name__ == "__main__":
    main()
