"""Forward + backward timings of RNN / GRU / LSTM: NumPy reference, rnncourse.nn and torch.nn.

Run from the repository root (``make bench`` does this)::

    python benchmarks/run.py              # full run
    python benchmarks/run.py --quick      # one timed repeat per line (a sanity run)
    python benchmarks/run.py --repeats 7 --threads 1 --cells lstm

Everything is measured in this one run on this machine: the matrix-product peak (float32 and
float64 GEMM) and, per cell and shape, the median time of ``forward`` + ``backward`` (gradient of
``sum(h)``; parameters, input and initial state all get gradients). The GFLOP/s column counts the
matrix products only (forward 2·T·N·(D+H)·kH, backward twice that) and is compared with the
measured GEMM peak of the same dtype. Ratios are against torch.nn (oneDNN on CPU, cuDNN on GPU).
The NumPy reference's rows are for information only: it is written for reading, not speed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path


def _limit_blas_threads(argv: list[str]) -> None:
    """Give NumPy's BLAS the thread count asked of torch (``--threads N``).

    It must be set before NumPy is imported; otherwise NumPy may use every core while torch uses N
    (unfair and, on a shared machine, oversubscribed).
    """
    for k, arg in enumerate(argv):
        value = arg.split("=", 1)[1] if arg.startswith("--threads=") else None
        if arg == "--threads" and k + 1 < len(argv):
            value = argv[k + 1]
        if value and value.isdigit():
            for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
                os.environ[var] = value


_limit_blas_threads(sys.argv[1:])

import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without install

import rnncourse.nn as rnn  # noqa: E402
from rnncourse import reference as ref  # noqa: E402

SHAPES = {"large": (64, 100, 128, 256), "char-LM": (1, 1000, 65, 128)}  # (N, T, D, H)
BLOCKS = {"rnn": 1, "gru": 3, "lstm": 4}
PEAK_SIZE = 1024  # n of the n×n×n product that measures the GEMM peak


def median_times(
    fns: list[Callable[[], None]], repeats: int, warmup: int, sync: Callable[[], None]
) -> list[float]:
    """Return the median time of each workload.

    Repeats are interleaved (one round runs every workload) so a change in the machine's load during
    the run affects all implementations alike.
    """
    for fn in fns:
        for _ in range(warmup):
            fn()
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(repeats):
        for fn, ts in zip(fns, times, strict=True):
            sync()
            t0 = time.perf_counter()
            fn()
            sync()
            ts.append(time.perf_counter() - t0)
    return [statistics.median(ts) for ts in times]


def matmul_peak(dtype: torch.dtype, device: str, sync, repeats: int = 5) -> float:
    """GFLOP/s of an n×n×n matrix product (best of ``repeats``), n = PEAK_SIZE."""
    n = PEAK_SIZE
    a = torch.randn(n, n, dtype=dtype, device=device)
    b = torch.randn(n, n, dtype=dtype, device=device)
    best = float("inf")
    for _ in range(repeats + 1):
        sync()
        t0 = time.perf_counter()
        for _ in range(4):
            a @ b
        sync()
        best = min(best, (time.perf_counter() - t0) / 4)
    return 2 * n**3 / best / 1e9


def model_flops(cell: str, N: int, T: int, D: int, H: int) -> float:
    """Return the FLOPs of a forward and backward pass (3 x forward) of one layer of ``cell``."""
    fwd = 2 * T * N * (D + H) * BLOCKS[cell] * H
    return 3 * fwd


# ------------------------------------------------------------------------------ workloads
def numpy_workload(cell: str, shape, dtype) -> Callable[[], None]:
    """Return a closure running the NumPy reference's forward and backward of ``cell``."""
    N, T, D, H = shape
    rng = np.random.default_rng(0)
    k = BLOCKS[cell]
    x = rng.standard_normal((N, T, D)).astype(dtype)
    h0 = np.zeros((N, H), dtype)
    Wx = (rng.standard_normal((D, k * H)) / np.sqrt(D)).astype(dtype)
    Wh = (rng.standard_normal((H, k * H)) / np.sqrt(H)).astype(dtype)
    b = np.zeros(k * H, dtype)
    dh = np.ones((N, T, H), dtype)
    fwd = {"rnn": ref.rnn_forward, "gru": ref.gru_forward, "lstm": ref.lstm_forward}[cell]
    bwd = {"rnn": ref.rnn_backward, "gru": ref.gru_backward, "lstm": ref.lstm_backward}[cell]

    def run() -> None:
        _, cache = fwd(x, h0, Wx, Wh, b)
        bwd(dh, cache)

    return run


def torch_workload(module: torch.nn.Module, shape, dtype, device) -> Callable[[], None]:
    """Return a closure running ``module``'s forward and backward on ``shape`` (N, T, D, H)."""
    N, T, D, H = shape
    module = module.to(device=device, dtype=dtype)
    x = torch.randn(N, T, D, dtype=dtype, device=device, requires_grad=True)
    L = module.num_layers * (2 if module.bidirectional else 1)
    h0 = torch.zeros(L, N, H, dtype=dtype, device=device, requires_grad=True)
    hx = h0
    if isinstance(module, torch.nn.LSTM | rnn.LSTM):
        hx = (h0, torch.zeros_like(h0, requires_grad=True))

    def run() -> None:
        module.zero_grad(set_to_none=True)
        out, _ = module(x, hx)
        out.sum().backward()

    return run


def implementations(cell: str, shape, device: str):
    """(label, workload, dtype name) in print order; torch.nn first (the ratio's denominator)."""
    N, T, D, H = shape
    name = cell.upper()
    torch.manual_seed(0)
    theirs = getattr(torch.nn, name)(D, H, batch_first=True)
    ours = getattr(rnn, name)(D, H, batch_first=True)
    plain = getattr(rnn, name)(D, H, batch_first=True, fused=False)
    ours.load_state_dict(theirs.state_dict())
    plain.load_state_dict(theirs.state_dict())
    torch_label = "torch.nn (cuDNN)" if device == "cuda" else "torch.nn (oneDNN)"
    f32 = torch.float32
    items = [
        (torch_label, torch_workload(theirs, shape, f32, device), "float32"),
        ("rnncourse.nn", torch_workload(ours, shape, f32, device), "float32"),
        ("rnncourse.nn fused=False", torch_workload(plain, shape, f32, device), "float32"),
    ]
    if device == "cpu":
        items += [
            ("NumPy reference (info)", numpy_workload(cell, shape, np.float32), "float32"),
            ("NumPy reference (info)", numpy_workload(cell, shape, np.float64), "float64"),
        ]
    return items


def run_device(device: str, args) -> None:
    """Time every workload on ``device``; print medians, ratios and fractions of matmul peak."""

    def sync() -> None:
        if device == "cuda":
            torch.cuda.synchronize()

    peak = {
        "float32": matmul_peak(torch.float32, device, sync),
        "float64": matmul_peak(torch.float64, device, sync),
    }
    print(
        f"\n=== device: {device}"
        + (
            f" ({torch.cuda.get_device_name()})"
            if device == "cuda"
            else f" ({torch.get_num_threads()} torch threads)"
        )
    )
    print(
        f"measured GEMM peak ({PEAK_SIZE}^3): float32 {peak['float32']:.1f} GFLOP/s, "
        f"float64 {peak['float64']:.1f} GFLOP/s"
    )
    for cell in args.cells:
        for shape_name in args.shapes:
            shape = SHAPES[shape_name]
            N, T, D, H = shape
            flops = model_flops(cell, *shape)
            print(
                f"\n{cell.upper()} fwd+bwd, {shape_name} (N={N}, T={T}, D={D}, H={H}), "
                f"{flops / 1e9:.2f} GFLOP of matrix products"
            )
            print(
                f"  {'implementation':28s} {'dtype':8s} {'ms':>9s} {'x torch':>8s} "
                f"{'GFLOP/s':>8s} {'% peak':>7s}"
            )
            impls = implementations(cell, shape, device)
            times = median_times([w for _, w, _ in impls], args.repeats, args.warmup, sync)
            base = times[0]
            for (label, _, dtype), t in zip(impls, times, strict=True):
                gflops = flops / t / 1e9
                print(
                    f"  {label:28s} {dtype:8s} {t * 1e3:9.1f} {t / base:8.2f} {gflops:8.1f} "
                    f"{100 * gflops / peak[dtype]:6.1f}%",
                    flush=True,
                )


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the benchmark on every requested device."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1 warm-up and 1 timed repeat")
    parser.add_argument("--repeats", type=int, default=5, help="timed repeats (median reported)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed warm-up runs")
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads")
    parser.add_argument("--cells", nargs="+", default=["lstm", "gru", "rnn"], choices=list(BLOCKS))
    parser.add_argument("--shapes", nargs="+", default=list(SHAPES), choices=list(SHAPES))
    parser.add_argument(
        "--device",
        choices=["auto", "cpu", "cuda"],
        default="auto",
        help="auto: CPU, then CUDA too when available",
    )
    parser.add_argument(
        "--malloc",
        choices=("keep", "default"),
        default="keep",
        help="keep: glibc reuses freed buffers (rnncourse.train.keep_freed_memory)"
        ", as the trainer does; default: glibc's own thresholds",
    )
    args = parser.parse_args(argv)
    if args.malloc == "keep":
        from rnncourse.train import keep_freed_memory

        keep_freed_memory()
    if args.quick:
        args.repeats, args.warmup = 1, 1
    if args.threads:
        torch.set_num_threads(args.threads)
    print(
        f"torch {torch.__version__}, numpy {np.__version__}, {args.repeats} timed "
        f"repeat(s) after {args.warmup} warm-up(s), median shown, "
        f"malloc {args.malloc}"
    )
    devices = ["cpu"] if args.device in ("auto", "cpu") else []
    if args.device == "cuda" or (args.device == "auto" and torch.cuda.is_available()):
        devices.append("cuda")
    for device in devices:
        run_device(device, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
