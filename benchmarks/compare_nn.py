"""rnncourse.nn now against rnncourse.nn at an earlier commit, both against torch.nn, in ONE run.

A speed change of the fused path is only measurable in one run: the machine's load changes between
runs (and the course's machines are shared). This script copies ``rnncourse/nn`` as it was at
``--base`` into a temporary package, then times forward + backward of torch.nn, the base copy and
the working tree's ``rnncourse.nn`` with interleaved repeats (see ``benchmarks/run.py``)::

    python benchmarks/compare_nn.py --base 6b95301 --cells lstm --repeats 7

Where the tree has no git history (a copy on a GPU machine), write the base package here first
with ``--export-base REV DIR`` and pass ``--base-dir DIR`` there (``--device cuda``: on the GPU).
It prints each time and its ratio to torch.nn; no timing is asserted anywhere.
"""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import torch  # noqa: E402
from run import SHAPES, median_times  # noqa: E402

import rnncourse.nn as rnn  # noqa: E402


def base_copy(rev: str, where: Path) -> object:
    """``rnncourse/nn`` at ``rev`` as the importable package ``_nn_base`` under ``where``."""
    export_base(rev, where)
    return import_base(where)


def export_base(rev: str, where: Path) -> None:
    """Write ``rnncourse/nn`` at ``rev`` as the package ``_nn_base`` under ``where``."""
    files = subprocess.run(
        ["git", "ls-tree", "--name-only", f"{rev}:rnncourse/nn"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    pkg = where / "_nn_base"
    pkg.mkdir(parents=True)
    for name in files:
        if name.endswith(".py"):
            src = subprocess.run(
                ["git", "show", f"{rev}:rnncourse/nn/{name}"],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            (pkg / name).write_text(src.replace("rnncourse.nn", "_nn_base"))


def import_base(where: Path) -> object:
    """Import the ``_nn_base`` package written under ``where`` by :func:`export_base`."""
    sys.path.insert(0, str(where))
    return importlib.import_module("_nn_base")


def workload(module: torch.nn.Module, shape: tuple[int, ...], lstm: bool, device: str = "cpu"):
    """Forward + backward of ``sum(output)``, input and initial state with gradients."""
    N, T, D, H = shape
    x = torch.randn(N, T, D, requires_grad=True, device=device)
    h0 = torch.zeros(1, N, H, requires_grad=True, device=device)
    hx = (h0, torch.zeros_like(h0, requires_grad=True)) if lstm else h0

    def run() -> None:
        module.zero_grad(set_to_none=True)
        out, _ = module(x, hx)
        out.sum().backward()

    return run


def main(argv: list[str] | None = None) -> int:
    """Time torch.nn, the ``--base`` copy and this tree's nn package, interleaved; print ratios."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", help="git revision of the 'before' nn package")
    parser.add_argument("--base-dir", type=Path, help="a folder written by --export-base instead")
    parser.add_argument("--export-base", nargs=2, metavar=("REV", "DIR"), help="write, then exit")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--cells", nargs="+", default=["lstm", "gru", "rnn"])
    parser.add_argument("--shapes", nargs="+", default=list(SHAPES), choices=list(SHAPES))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument(
        "--now-first", action="store_true", help="time 'now' before 'base' in a round"
    )
    args = parser.parse_args(argv)
    if args.export_base:
        export_base(args.export_base[0], Path(args.export_base[1]))
        return 0
    if (args.base is None) == (args.base_dir is None):
        parser.error("give one of --base REV and --base-dir DIR")
    from rnncourse.train import keep_freed_memory

    keep_freed_memory()  # as benchmarks/run.py and the trainer: freed buffers are reused
    if args.threads:
        torch.set_num_threads(args.threads)
    sync = torch.cuda.synchronize if args.device.startswith("cuda") else lambda: None
    with tempfile.TemporaryDirectory() as tmp:
        base = import_base(args.base_dir) if args.base_dir else base_copy(args.base, Path(tmp))
        print(
            f"torch {torch.__version__} on {args.device}, {torch.get_num_threads()} threads, "
            f"{args.repeats} interleaved repeats, median; "
            f"base = rnncourse.nn at {args.base or args.base_dir}"
        )
        for cell in args.cells:
            for shape_name in args.shapes:
                N, T, D, H = shape = SHAPES[shape_name]
                torch.manual_seed(0)
                theirs = getattr(torch.nn, cell.upper())(D, H, batch_first=True)
                mods = [theirs]
                for pkg in (base, rnn):
                    m = getattr(pkg, cell.upper())(D, H, batch_first=True)
                    m.load_state_dict(theirs.state_dict())
                    mods.append(m)
                mods = [m.to(args.device) for m in mods]
                work = [workload(m, shape, cell == "lstm", args.device) for m in mods]
                if args.now_first:  # the order within a round, to see whether it biases
                    work[1], work[2] = work[2], work[1]
                times = median_times(work, args.repeats, args.warmup, sync)
                if args.now_first:
                    times[1], times[2] = times[2], times[1]
                print(f"\n{cell.upper()} fwd+bwd {shape_name} (N={N}, T={T}, D={D}, H={H})")
                for label, t in zip(("torch.nn", "nn at base", "nn now"), times, strict=True):
                    print(f"  {label:12s} {t * 1e3:9.1f} ms  {t / times[0]:6.2f} x torch.nn")
                print(f"  now / base: {times[2] / times[1]:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
