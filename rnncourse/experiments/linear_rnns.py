"""LSTM vs GRU vs minGRU vs LRU at equal parameter count: adding problem and character LM.

Every model is ``input -> encoder -> recurrent core -> linear head``, the same encoder and head
for all (adding problem: ``Linear(2, E)`` + GELU, because a linear recurrence alone cannot
multiply a value by its marker; char LM: an embedding), and the core's width is chosen so that the
whole model has the parameter count of the LSTM with ``H = anchor_hidden`` (within 3 %). Each run
trains with Adam, constant learning rate, gradient clipping, on one CPU thread; it reports held-out
quality (adding: MSE; LM: bits per character) and the CPU seconds of its training (the thread's
CPU time, which other jobs on a shared machine disturb much less than wall-clock time).

Regenerate the shipped result (about 15 CPU-minutes; it is what chapter 14 loads)::

    nice -n 10 python -m rnncourse.experiments linear_rnns

(``--tasks adding200 --kinds lru`` runs a part, ``--merge a.json b.json`` joins partial results.)
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from rnncourse.data import adding_problem
from rnncourse.nn.linear_rnns import LRU, MinGRU
from rnncourse.train.fitting import fit_adam, seed_everything

__all__ = [
    "KINDS",
    "TASKS",
    "make_core",
    "SeqModel",
    "match_hidden",
    "run_adding",
    "run_charlm",
    "compare",
    "merge",
    "RESULT",
    "load_result",
    "summarize",
    "separated",
]

KINDS = ("lstm", "gru", "mingru", "lru")
RESULT = Path(__file__).with_name("results") / "linear_rnn_comparison.json"
#: LRU initialisation: eigenvalues on the ring 0.9 <= |lambda| <= 0.999, phases up to pi/10.
LRU_RING = dict(r_min=0.9, r_max=0.999, max_phase=math.pi / 10)


def make_core(kind: str, E: int, H: int) -> tuple[nn.Module, int]:
    """Return the recurrent core of ``kind`` (E features in, width H) and its output size."""
    if kind == "lstm":
        return nn.LSTM(E, H, batch_first=True), H
    if kind == "gru":
        return nn.GRU(E, H, batch_first=True), H
    if kind == "mingru":
        return MinGRU(E, H), H
    if kind == "lru":
        return LRU(E, H, seed=int(torch.randint(0, 2**31 - 1, ()).item()), **LRU_RING), E
    raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")


class SeqModel(nn.Module):
    """``encoder -> core -> head``; ``vocab > 0``: a char LM (embedding, logits at every step)."""

    def __init__(self, kind: str, in_size: int, E: int, H: int, out_size: int, vocab: int = 0):
        super().__init__()
        self.kind, self.vocab = kind, vocab
        self.encoder = (
            nn.Embedding(vocab, E) if vocab else nn.Sequential(nn.Linear(in_size, E), nn.GELU())
        )
        self.core, core_out = make_core(kind, E, H)
        self.head = nn.Linear(core_out, out_size)

    def forward(self, x: Tensor) -> Tensor:
        """Map x (N, T, D) floats or (N, T) ids -> (N, out) for regression, (N, T, V) for the LM."""
        out, _ = self.core(self.encoder(x))
        return self.head(out) if self.vocab else self.head(out[:, -1])


def n_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def match_hidden(kind: str, target: int, **model_kw: Any) -> int:
    """Return the width H whose model has the parameter count closest to ``target`` (bisection)."""

    def count(H: int) -> int:
        return n_params(SeqModel(kind, H=H, **model_kw))

    lo, hi = 1, 2
    while count(hi) < target:
        lo, hi = hi, 2 * hi
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if count(mid) < target else (lo, mid)
    return min((lo, hi), key=lambda H: abs(count(H) - target))


def _widths(anchor_hidden: int, **model_kw: Any) -> dict[str, int]:
    target = n_params(SeqModel("lstm", H=anchor_hidden, **model_kw))
    return {k: anchor_hidden if k == "lstm" else match_hidden(k, target, **model_kw) for k in KINDS}


def _train(model: nn.Module, batches, loss_fn, steps: int, lr: float, clip: float) -> float:
    """Train; return the CPU seconds of this thread (robust to other jobs on a shared machine)."""

    def next_loss() -> Tensor:
        x, y = next(batches)
        return loss_fn(model(x), y)

    start = time.thread_time()
    fit_adam(model, next_loss, steps, lr, clip)
    return time.thread_time() - start


def run_adding(
    kind: str,
    T: int,
    H: int,
    seed: int,
    steps: int,
    batch: int = 32,
    E: int = 16,
    lr: float = 3e-3,
    clip: float = 1.0,
) -> dict[str, float]:
    """Train one model on the adding problem (uniform variant); held-out MSE on 1000 sequences."""
    rng, eval_rng = seed_everything(seed)
    model = SeqModel(kind, 2, E, H, 1)

    def batches():
        while True:
            x, y = adding_problem(batch, T, rng=rng)
            yield torch.from_numpy(x), torch.from_numpy(y)

    seconds = _train(model, batches(), nn.functional.mse_loss, steps, lr, clip)
    ex, ey = adding_problem(1000, T, rng=eval_rng)
    with torch.no_grad():
        mse = float(nn.functional.mse_loss(model(torch.from_numpy(ex)), torch.from_numpy(ey)))
    return {"mse": mse, "seconds": seconds, "params": n_params(model)}


def _lm_data(max_chars: int) -> tuple[np.ndarray, np.ndarray, int]:
    from rnncourse.data import CharVocab, load_corpus

    train = load_corpus("stdlib", "train", max_chars=max_chars)
    valid = load_corpus("stdlib", "valid", max_chars=100_000)
    vocab = CharVocab.from_text(train)
    return vocab.encode(train), vocab.encode(valid), len(vocab)


def run_charlm(
    kind: str,
    H: int,
    seed: int,
    steps: int,
    data,
    batch: int = 32,
    seq_len: int = 128,
    E: int = 32,
    lr: float = 3e-3,
    clip: float = 1.0,
    eval_windows: int = 64,
) -> dict[str, float]:
    """Train one char LM on random windows of the stdlib corpus; held-out bits per character."""
    train, valid, V = data
    rng, _ = seed_everything(seed)
    model = SeqModel(kind, 0, E, H, V, vocab=V)

    def windows(ids: np.ndarray, starts: np.ndarray) -> tuple[Tensor, Tensor]:
        w = np.stack([ids[s : s + seq_len + 1] for s in starts]).astype(np.int64)
        return torch.from_numpy(w[:, :-1]), torch.from_numpy(w[:, 1:])

    def batches():
        while True:
            yield windows(train, rng.integers(0, len(train) - seq_len - 1, batch))

    def ce(logits: Tensor, y: Tensor) -> Tensor:
        return nn.functional.cross_entropy(logits.reshape(-1, V), y.reshape(-1))

    seconds = _train(model, batches(), ce, steps, lr, clip)
    starts = np.linspace(0, len(valid) - seq_len - 2, eval_windows).astype(int)
    with torch.no_grad():
        x, y = windows(valid, starts)
        bpc = float(ce(model(x), y)) / math.log(2)
    return {"bpc": bpc, "seconds": seconds, "params": n_params(model)}


CONFIG: dict[str, Any] = {
    "seeds": [0, 1, 2],
    "adding200": {"T": 200, "steps": 400, "batch": 64, "lr": 1e-2},
    "adding1000": {"T": 1000, "steps": 200, "batch": 32, "lr": 1e-2},
    "adding_model": {"anchor_hidden": 32, "E": 16},
    "charlm": {
        "steps": 200,
        "batch": 32,
        "lr": 3e-3,
        "anchor_hidden": 64,
        "E": 32,
        "max_chars": 1_000_000,
    },
}
TASKS = ("adding200", "adding1000", "charlm")


def compare(
    config: dict[str, Any] = CONFIG,
    tasks: tuple[str, ...] = TASKS,
    kinds: tuple[str, ...] = KINDS,
    progress: bool = True,
) -> dict[str, Any]:
    """Run every (task, kind, seed) on one thread; ``"seconds"`` are CPU seconds of training."""
    torch.set_num_threads(1)
    out: dict[str, Any] = {"config": config, "runs": {}, "widths": {}}
    m = config["adding_model"]
    widths = _widths(m["anchor_hidden"], in_size=2, E=m["E"], out_size=1)
    for task in tasks:
        if task == "charlm":
            c = config["charlm"]
            data = _lm_data(c["max_chars"])
            lm_w = _widths(c["anchor_hidden"], in_size=0, E=c["E"], out_size=data[2], vocab=data[2])
            out["widths"][task] = lm_w
            for kind in kinds:
                for seed in config["seeds"]:
                    r = run_charlm(
                        kind,
                        lm_w[kind],
                        seed,
                        c["steps"],
                        data,
                        batch=c["batch"],
                        E=c["E"],
                        lr=c["lr"],
                    )
                    out["runs"].setdefault(task, {}).setdefault(kind, []).append(r)
                    if progress:
                        print(f"{task} {kind} seed {seed}: {r}", flush=True)
            continue
        a = config[task]
        out["widths"][task] = widths
        for kind in kinds:
            for seed in config["seeds"]:
                r = run_adding(
                    kind,
                    a["T"],
                    widths[kind],
                    seed,
                    a["steps"],
                    batch=a["batch"],
                    E=m["E"],
                    lr=a["lr"],
                )
                out["runs"].setdefault(task, {}).setdefault(kind, []).append(r)
                if progress:
                    print(f"{task} {kind} seed {seed}: {r}", flush=True)
    out["torch"] = torch.__version__
    out["machine"] = "shared 2-core CPU box (about 9 concurrent sessions), torch.set_num_threads(1)"
    return out


def merge(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """One result from several :func:`compare` results over disjoint (task, kind) sets."""
    out = dict(parts[0], runs={}, widths={})
    for p in parts:
        for task, by_kind in p["runs"].items():
            out["runs"].setdefault(task, {}).update(by_kind)
        out["widths"].update(p["widths"])
    return out


def load_result(path: Path = RESULT) -> dict[str, Any]:
    """Return the shipped comparison.

    Regenerate it with ``python -m rnncourse.experiments linear_rnns``.
    """
    return json.loads(Path(path).read_text())


def summarize(result: dict[str, Any], task: str, metric: str) -> dict[str, dict[str, float]]:
    """Per kind: mean, min and max over seeds of ``metric`` (and of ``seconds``) for ``task``."""
    table = {}
    for kind, runs in result["runs"][task].items():
        v, s = np.array([r[metric] for r in runs]), np.array([r["seconds"] for r in runs])
        table[kind] = {
            "mean": float(v.mean()),
            "min": float(v.min()),
            "max": float(v.max()),
            "seconds": float(s.mean()),
            "params": runs[0]["params"],
            "n": len(runs),
        }
    return table


def main(argv: list[str] | None = None) -> None:
    """``python -m rnncourse.experiments linear_rnns [--tasks ...] [--out PATH]``."""
    import argparse

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--tasks", nargs="+", default=list(TASKS), choices=TASKS)
    p.add_argument("--kinds", nargs="+", default=list(KINDS), choices=KINDS)
    p.add_argument("--out", type=Path, default=RESULT)
    p.add_argument("--merge", nargs="+", type=Path, help="merge these partial results into --out")
    args = p.parse_args(argv)
    if args.merge:
        res = merge([json.loads(f.read_text()) for f in args.merge])
    else:
        res = compare(tasks=tuple(args.tasks), kinds=tuple(args.kinds))
    args.out.write_text(json.dumps(res, indent=1) + "\n")
    print(f"wrote {args.out}")


def separated(result: dict[str, Any], task: str, metric: str) -> list[tuple[str, str]]:
    """Pairs (A, B) where every seed of A scored lower (better) than every seed of B.

    Only such pairs may be called a difference in the book: with 3 seeds, ranges that overlap
    do not show which model is better.
    """
    table = summarize(result, task, metric)
    return [(a, b) for a in table for b in table if a != b and table[a]["max"] < table[b]["min"]]
