"""The recorded training-speed runs of ``benchmarks/train_charlm.py`` (chapter 6)."""

from __future__ import annotations

import json
from typing import Any

from rnncourse.experiments._cache import RESULTS_DIR

BENCHMARK_RECORD = "charlm_benchmark.json"


def charlm_benchmark() -> dict[str, dict[str, Any]]:
    """Return the training-speed runs recorded by ``benchmarks/train_charlm.py --record LABEL``.

    Measured, not recomputed: each entry is the script's result on the machine it names
    (``chars_per_s``: training characters per second of wall time through
    :class:`~rnncourse.train.LMTrainer`; ``valid_bpc``: bits per character on the held-out
    stdlib files after the time budget ``settings["minutes"]``; ``settings``: the command-line
    options; ``sample``: 300 characters from the final model).

    Returns
    -------
    dict
        ``{label: result}`` in the order the runs were recorded.
    """
    path = RESULTS_DIR / BENCHMARK_RECORD
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} is missing; run `python benchmarks/train_charlm.py --record LABEL`"
        )
    return json.loads(path.read_text())


def format_benchmark(runs: dict[str, dict[str, Any]]) -> str:
    """Format the runs of :func:`charlm_benchmark` as a fixed-width table, one row per run.

    Held-out bits per character are shown only for runs of at least 10 minutes: shorter ones
    measure speed.
    """
    head = ("layer", "H", "N", "T", "precision", "malloc", "minutes", "chars/s", "held-out bpc")
    rows = [head]
    for r in runs.values():
        s = r["settings"]
        rows.append(
            (
                s["backend"],
                str(s["hidden_size"]),
                str(s["batch_size"]),
                str(s["seq_len"]),
                "bfloat16" if s["amp"] == "bf16" else "float32",
                s["malloc"],
                f"{s['minutes']:g}",
                f"{r['chars_per_s']:,}",
                f"{r['valid_bpc']:.3f}" if s["minutes"] >= 10 else "-",
            )
        )
    widths = [max(len(row[k]) for row in rows) for k in range(len(head))]

    def line(row: tuple[str, ...]) -> str:
        cells = zip(row, widths, strict=True)
        return "  ".join(v.ljust(w) if k == 0 else v.rjust(w) for k, (v, w) in enumerate(cells))

    return "\n".join(line(row) for row in rows)


def benchmark_speedups(runs: dict[str, dict[str, Any]]) -> dict[str, float]:
    """Throughput ratios between recorded runs that differ in one setting (chapter 6).

    Returns
    -------
    dict
        ``keep_freed_memory``: torch.nn float32 with / without
        :func:`~rnncourse.train.keep_freed_memory`; ``bfloat16``: rnncourse.nn with bf16
        autocast / float32; ``streams_256``: rnncourse.nn bf16, 256 streams of 64 / 64 of 128
        (H = 256 throughout).

    Raises
    ------
    KeyError
        A run needed for a ratio is not in the record.
    """
    by = {}
    for r in runs.values():
        s = r["settings"]
        if s["hidden_size"] == 256 and s["layers"] == 2:
            by[s["backend"], s["amp"], s["malloc"], s["batch_size"]] = r["chars_per_s"]

    def ratio(a: tuple, b: tuple) -> float:
        for key in (a, b):
            if key not in by:
                raise KeyError(f"no recorded run with (backend, amp, malloc, N) = {key}")
        return by[a] / by[b]

    return {
        "keep_freed_memory": ratio(("torch", "none", "keep", 64), ("torch", "none", "default", 64)),
        "bfloat16": ratio(("rnncourse", "bf16", "keep", 64), ("rnncourse", "none", "keep", 64)),
        "streams_256": ratio(("rnncourse", "bf16", "keep", 256), ("rnncourse", "bf16", "keep", 64)),
    }
