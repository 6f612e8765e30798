"""A class graded at once: 200 honest submissions, then 200 honest + 20 hostile ones.

Prints, measured in one run on this machine (a shared 2-core machine gives noisy absolute
numbers; compare the ratio):

1. ``--count`` honest submissions (the honest corpus of ``tests/grading/honest/``: three
   independently written styles of ex01, ex04, ex05, ex06 in turn; the solutions themselves would
   now be caught as copies of ``solutions/``) graded
   isolated (bubblewrap) with ``--jobs`` workers: wall time and submissions per second;
2. the same class plus ``--hostile`` hostile submissions, the red-team cases of
   ``tests/grading/test_redteam_class.py`` in turn (an int worth 10**400, ``[inf]``, 4 × 48 MB of
   violation text, a forged 48 MB reply, 2 000 "Try it" cells, namespace escapes, a setsid fork
   bomb, a link to ``/proc/kmsg``, a FIFO): whether every honest result is intact, the grader's
   peak resident memory, and the wall time against the honest-only batch.

Each batch runs in a fresh process (``--inner``), so that peak memory is its own.
Run: ``nice .venv/bin/python benchmarks/grading_class.py [--count 200] [--hostile 20]``.
Not a test: it only reports (targets from issue 24: >= 2 submissions/s, every honest result
intact, peak memory < 1 GB, wall time < 2x the honest-only batch).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MIX = tuple(
    (name, style)
    for name in ("ex01_rnn_forward", "ex04_gru", "ex05_lstm_step", "ex06_lstm_sequence_tbptt")
    for style in ("loops", "slicing", "helpers")
)
HONEST = ROOT / "tests" / "grading" / "honest"


def hostile_cases() -> list[tuple[str, str | None]]:
    """(file name, text) of each hostile class; text None: a link or FIFO made in place."""
    sys.path.insert(0, str(ROOT / "tests" / "grading"))
    import test_redteam_class as rt
    from test_hostile import NUMPY, RNN_FORWARD_OK, RNN_STEP_OK, notebook

    ex08, ex03 = "ex08_vanishing_gradients", "ex03_char_lm"
    return [
        (f"{ex08}.md", rt.solution(ex08, rt.BIG_INT)),
        (f"{ex08}.md", rt.solution(ex08, rt.RAW_BIG_INT)),
        (f"{ex03}.md", rt.solution(ex03, rt.INF_LIST)),
        ("ex01_rnn_forward.md", notebook(NUMPY, *[rt.VIOLATIONS] * 4, RNN_STEP_OK)),
        ("ex01_rnn_forward.md", notebook(NUMPY, rt.RAW_VIOLATIONS, RNN_STEP_OK)),
        ("ex01_rnn_forward.md", notebook(NUMPY, RNN_STEP_OK, RNN_FORWARD_OK) + rt.DEMO * 2000),
        ("ex01_rnn_forward.md", notebook(NUMPY, rt.ESCAPES, RNN_FORWARD_OK)),
        ("ex14_parallel_scan.md", notebook(NUMPY, rt.HOG)),
        ("ex01_rnn_forward.md", None),  # -> /proc/kmsg
        ("ex04_gru.md", None),  # a FIFO
    ]


def inner(count: int, hostile: int, jobs: int) -> dict:
    """Grade ``count`` honest and ``hostile`` hostile submissions in this process."""
    from rnncourse.grading.grader import Limits, grade_paths
    from rnncourse.grading.notebook import collect

    cases = hostile_cases() if hostile else []
    with tempfile.TemporaryDirectory() as tmp:
        honest = set()
        for i in range(count):
            name, style = MIX[i % len(MIX)]
            dst = Path(tmp) / f"{i:03d}" / f"{name}.py"
            dst.parent.mkdir()
            shutil.copy(HONEST / f"{name}.{style}.py", dst)
            honest.add(str(dst))
        for k in range(hostile):  # spread through the class
            name, text = cases[k % len(cases)]
            dst = Path(tmp) / f"{k * count // max(hostile, 1):03d}h{k}" / name
            dst.parent.mkdir()
            if text is not None:
                dst.write_text(text)
            elif k % len(cases) == len(cases) - 2:
                os.symlink("/proc/kmsg", dst)
            else:
                os.mkfifo(dst)
        paths = collect([tmp])
        t0 = time.perf_counter()
        reports = grade_paths(paths, Limits(), jobs=jobs, seed=0, sandbox="bwrap")
        wall = time.perf_counter() - t0
    ok = [r for r in reports if r.path in honest]
    return {
        "wall": wall,
        "per_s": len(reports) / wall,
        "honest": len(ok),
        "honest_intact": sum(r.score == r.max == 10 and not r.grader_error for r in ok),
        "grader_errors": sum(bool(r.grader_error) for r in reports),
        "grader_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    """Print the throughput of an honest class, and what hostile submissions change."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--count", type=int, default=200)
    p.add_argument("--hostile", type=int, default=20)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--inner", type=int, metavar="HOSTILE", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.inner is not None:
        print(json.dumps(inner(args.count, args.inner, args.jobs)))
        return
    runs = {}
    for hostile in (0, args.hostile):
        cmd = [sys.executable, __file__, "--count", str(args.count), "--jobs", str(args.jobs)]
        done = subprocess.run(
            [*cmd, "--inner", str(hostile)], capture_output=True, text=True, check=True
        )
        runs[hostile] = json.loads(done.stdout.strip().splitlines()[-1])
    base, mixed = runs[0], runs[args.hostile]
    print(f"{args.count} honest, --jobs {args.jobs}, isolated (bubblewrap):")
    print(
        f"  {base['wall']:.1f} s, {base['per_s']:.2f} submissions/s, "
        f"{base['honest_intact']}/{base['honest']} full marks, "
        f"grader peak {base['grader_mb']:.0f} MB"
    )
    print(f"{args.count} honest + {args.hostile} hostile:")
    print(
        f"  {mixed['wall']:.1f} s ({mixed['wall'] / base['wall']:.2f} x the honest-only batch), "
        f"{mixed['honest_intact']}/{mixed['honest']} honest results intact, "
        f"{mixed['grader_errors']} grader errors, grader peak {mixed['grader_mb']:.0f} MB"
    )


if __name__ == "__main__":
    main()
