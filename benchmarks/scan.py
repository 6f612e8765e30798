r"""Sequential loop vs parallel scan for h_t = a_t * h_{t-1} + b_t, T = 2^8 ... 2^16, in one run.

Run from the repository root::

    python benchmarks/scan.py                       # CPU, prints the table
    python benchmarks/scan.py --device cuda         # GPU
    nice -n 10 python benchmarks/scan.py --threads 1 \
        --out rnncourse/experiments/results/scan_benchmark_cpu.json   # the result chapter 14 loads

Each line: median forward + backward time of rnncourse.nn.linear_scan (float32, N x H entries per
step) for the autograd loop and the Hillis-Steele and Blelloch scans, and the ratio loop / scan
measured in the same run, then each time divided by the work (combines) of its method.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch

from rnncourse.experiments.scan_timing import per_combine, time_linear_scans


def main(argv: list[str] | None = None) -> dict:
    """Time the parallel scans against the step loop for T = 2^min .. 2^max; print the table."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    p.add_argument("--min-log2", type=int, default=8)
    p.add_argument("--max-log2", type=int, default=16)
    p.add_argument("--batch", type=int, default=1, help="N (default 1)")
    p.add_argument("--hidden", type=int, default=64, help="H (default 64)")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--threads", type=int, default=None, help="torch.set_num_threads")
    p.add_argument("--machine", default="", help="a note stored with --out (e.g. 'shared 2-core')")
    p.add_argument("--out", type=Path, default=None, help="write the result as JSON")
    args = p.parse_args(argv)
    if args.device == "cuda" and not torch.cuda.is_available():
        p.error("--device cuda: no CUDA device is available")
    if args.threads:
        torch.set_num_threads(args.threads)
    lengths = [2**k for k in range(args.min_log2, args.max_log2 + 1)]
    res = time_linear_scans(
        lengths, batch=args.batch, hidden=args.hidden, repeats=args.repeats, device=args.device
    )
    res["machine"] = args.machine
    res["per_combine"] = per_combine(res)
    print(
        f"device {res['device']}, N={args.batch}, H={args.hidden}, float32, fwd+bwd, "
        f"median of {args.repeats}"
    )
    print(f"{'T':>7} {'loop ms':>10} {'HS ms':>9} {'Blel ms':>9} {'loop/HS':>8} {'loop/Blel':>9}")
    s, r = res["seconds"], res["ratio_loop_over"]
    for k, T in enumerate(lengths):
        print(
            f"{T:>7} {1e3 * s['loop'][k]:>10.2f} {1e3 * s['hillis_steele'][k]:>9.2f} "
            f"{1e3 * s['blelloch'][k]:>9.2f} {r['hillis_steele'][k]:>8.1f} "
            f"{r['blelloch'][k]:>9.1f}"
        )
    print("ns per combine (time / work):")
    for m, v in res["per_combine"].items():
        print(f"{m:>14}: " + " ".join(f"{1e9 * x:8.0f}" for x in v))
    if args.out:
        args.out.write_text(json.dumps(res, indent=1) + "\n")
    return res


if __name__ == "__main__":
    main()
