"""Sequential loop vs parallel scan: timings over T, and the work/depth model that explains them.

:func:`time_linear_scans` times forward + backward of :func:`rnncourse.nn.linear_scan.linear_scan`
for every method and every T in one run (repeats interleaved, median kept), so the ratios are
comparable even on a loaded machine. :func:`per_combine` divides each time by the work of
:func:`rnncourse.reference.scan.scan_cost`: where it is flat, time follows work; where it falls
with T, a fixed cost per call or per parallel step (dispatch, autograd) still dominates.
``benchmarks/scan.py`` is the command line; the book loads the shipped CPU result
``rnncourse/experiments/results/scan_benchmark_cpu.json``.
"""

from __future__ import annotations

import json
import platform
import statistics
import time
from pathlib import Path
from typing import Any

import torch

from rnncourse.nn.linear_scan import linear_scan
from rnncourse.reference.scan import scan_cost

__all__ = ["SCAN_RESULT", "time_linear_scans", "per_combine", "load_scan_result"]

SCAN_RESULT = Path(__file__).with_name("results") / "scan_benchmark_cpu.json"
#: The cost-model name of each torch method (the log form is one prefix sum: work T, depth log T).
_COST = {"loop": "sequential", "hillis_steele": "hillis_steele", "blelloch": "blelloch"}


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _fwd_bwd(a: torch.Tensor, b: torch.Tensor, method: str) -> None:
    h = linear_scan(a, b, method=method)
    h.sum().backward()


def time_linear_scans(
    lengths: list[int],
    methods: tuple[str, ...] = ("loop", "hillis_steele", "blelloch"),
    batch: int = 1,
    hidden: int = 64,
    repeats: int = 3,
    device: str = "cpu",
    seed: int = 0,
) -> dict[str, Any]:
    """Median forward + backward time of each method at each T, measured in one run.

    Parameters
    ----------
    lengths : list of int
        Sequence lengths T.
    methods : tuple of str
        Methods of :func:`~rnncourse.nn.linear_scan.linear_scan`.
    batch, hidden : int
        N and H of ``a``, ``b`` (N, T, H), float32.
    repeats : int
        Timed repeats per (method, T) after one warm-up; rounds are interleaved.
    device : str
        ``"cpu"`` or ``"cuda"``.

    Returns
    -------
    dict
        ``{"T": [...], "seconds": {method: [...]}, "ratio_loop_over": {method: [...]}, ...}``.
    """
    dev = torch.device(device)
    g = torch.Generator().manual_seed(seed)
    data = {}
    for T in lengths:
        a = (0.5 + 0.5 * torch.rand(batch, T, hidden, generator=g)).to(dev).requires_grad_()
        b = torch.randn(batch, T, hidden, generator=g).to(dev).requires_grad_()
        data[T] = (a, b)
    times: dict[str, dict[int, list[float]]] = {m: {T: [] for T in lengths} for m in methods}
    for r in range(repeats + 1):  # round 0 is the warm-up
        for T in lengths:
            for m in methods:
                a, b = data[T]
                a.grad = b.grad = None
                _sync(dev)
                start = time.perf_counter()
                _fwd_bwd(a, b, m)
                _sync(dev)
                if r:
                    times[m][T].append(time.perf_counter() - start)
    seconds = {m: [statistics.median(times[m][T]) for T in lengths] for m in methods}
    ratios = {
        m: [lo / t for lo, t in zip(seconds["loop"], seconds[m], strict=True)]
        for m in methods
        if m != "loop" and "loop" in methods
    }
    return {
        "T": list(lengths),
        "batch": batch,
        "hidden": hidden,
        "repeats": repeats,
        "device": torch.cuda.get_device_name(dev)
        if dev.type == "cuda"
        else platform.processor() or platform.machine(),
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "seconds": seconds,
        "ratio_loop_over": ratios,
    }


def per_combine(result: dict[str, Any]) -> dict[str, list[float]]:
    """Seconds per unit of work (one combine of an (N, H) slice) of each method at each T.

    Parameters
    ----------
    result : dict
        From :func:`time_linear_scans`.

    Returns
    -------
    dict
        ``{method: [seconds / work(T) for T in result["T"]]}``.
    """
    return {
        m: [t / max(scan_cost(T, _COST[m])[0], 1) for T, t in zip(result["T"], secs, strict=True)]
        for m, secs in result["seconds"].items()
        if m in _COST
    }


def load_scan_result(path: Path = SCAN_RESULT) -> dict[str, Any]:
    """Return the shipped CPU measurement (``benchmarks/scan.py --out`` regenerates it)."""
    return json.loads(Path(path).read_text())
