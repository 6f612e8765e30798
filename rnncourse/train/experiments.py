"""The training results shown in the book, as functions the chapters call.

Each function either runs live in a few seconds on one CPU core, or returns a small result cached
in ``rnncourse/train/results/`` that the same function regenerates with ``cached=False`` (or
``python -m rnncourse.train.experiments NAME``). Cached results record the configuration and
library versions that produced them; a different configuration always runs live.

Functions
---------
adding_problem_curves
    Adding problem at T = 100: LSTM and GRU reach an MSE far below the 1/6 baseline, a tanh RNN
    stays at it (chapter 7, 8, 9).
clipping_experiment
    A tanh-RNN language model with a large learning rate: unclipped it diverges, clipped by
    global norm it trains (chapter 7).
bidirectional_experiment
    Tagging each token with a later token: left-to-right stays at chance, bidirectional solves
    it (chapter 10).
charlm_progress
    A char-level LSTM on the stdlib corpus: samples at several points of training and held-out
    bits per character (chapter 6).
pretrained_charlm
    The model trained by ``charlm_progress`` (for the widgets and chapter 12).
charlm_benchmark, format_benchmark, benchmark_speedups
    The recorded runs of ``benchmarks/train_charlm.py``: training speed and held-out bits per
    character after a time budget, as a table and as the ratios chapter 6 discusses.
"""

from __future__ import annotations

import json
import math
import platform
import sys
from pathlib import Path
from typing import Any

import numpy as np

RESULTS_DIR = Path(__file__).with_name("results")


# ----------------------------------------------------------------------------- caching
def _versions() -> dict[str, str]:
    import torch

    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": np.__version__,
    }


def _load_cached(name: str, config: dict[str, Any]) -> dict[str, Any] | None:
    """The cached result for ``name`` if it was produced with exactly ``config``."""
    path = RESULTS_DIR / f"{name}.json"
    if not path.is_file():
        return None
    data = json.loads(path.read_text())
    if data.get("config") != json.loads(json.dumps(config)):
        return None
    data["source"] = f"cache ({path.name})"
    return data


def _round(obj: Any, keep: tuple[str, ...] = ("config", "baseline")) -> Any:
    """Curves to 5 significant digits (keeps the package small); ``keep`` keys untouched."""
    if isinstance(obj, float):
        return float(f"{obj:.5g}")
    if isinstance(obj, list):
        return [_round(v) for v in obj]
    if isinstance(obj, dict):
        return {k: (v if k in keep else _round(v)) for k, v in obj.items()}
    return obj


def _save_cached(name: str, result: dict[str, Any]) -> Path:
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    out = dict(_round(result), source="live", versions=_versions())
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(out, indent=1) + "\n")
    tmp.replace(path)
    return path


# ----------------------------------------------------------------------------- adding problem
ADDING_DEFAULTS: dict[str, Any] = dict(
    T=100, steps=1500, cells=["rnn", "gru", "lstm"], hidden_size=32, lr=1e-2, batch_size=64,
    clip=1.0, eval_every=50, eval_size=1000, seed=0, backend="rnncourse",
)  # fmt: skip


def adding_problem_curves(
    cached: bool = True, progress: bool = False, **overrides: Any
) -> dict[str, Any]:
    """Learning curves of tanh RNN, GRU and LSTM on the adding problem (uniform variant).

    Each model (H = 32, Adam lr 1e-2, batch 64, gradient clipping at norm 1) sees fresh random
    sequences of length T = 100 at every step and is evaluated on 1000 fixed held-out
    sequences. Live, the default configuration takes a few minutes on one core, so by default the
    result cached in the package is returned; any override of the configuration runs live.

    Parameters
    ----------
    cached : bool, default True
        Return the cached result when the configuration matches it.
    progress : bool, default False
        tqdm bars for a live run.
    **overrides
        Any of ``T, steps, cells, hidden_size, lr, batch_size, clip, eval_every, eval_size,
        seed, backend`` (defaults in ``ADDING_DEFAULTS``).

    Returns
    -------
    dict
        ``"config"``: the configuration (dict); ``"baseline"``: 1/6, the MSE of always
        predicting 1; ``"curves"``: dict cell name -> dict with ``"step"`` (list of int,
        updates done, starting at 0), ``"mse"`` (list of float, held-out MSE at those steps),
        ``"train_loss"`` (list of float, per-update training MSE), ``"final_mse"`` (float) and
        ``"seconds"`` (float, training time); ``"source"``: "live" or "cache (file)";
        cached results also carry ``"versions"``.

    Examples
    --------
    >>> r = adding_problem_curves()                                   # doctest: +SKIP
    >>> r["curves"]["lstm"]["final_mse"] < 0.01 < r["curves"]["rnn"]["final_mse"]  # doctest: +SKIP
    True
    """
    unknown = set(overrides) - set(ADDING_DEFAULTS)
    if unknown:
        raise TypeError(f"unknown adding_problem_curves options {sorted(unknown)}; "
                        f"allowed: {sorted(ADDING_DEFAULTS)}")  # fmt: skip
    config = dict(ADDING_DEFAULTS, **overrides)
    config["cells"] = list(config["cells"])
    if cached:
        hit = _load_cached("adding_problem", config)
        if hit is not None:
            return hit
    from rnncourse.train.tasks import train_sequence_task

    curves = {}
    for cell in config["cells"]:
        h = train_sequence_task(
            "adding", cell, config["hidden_size"], config["steps"], config["batch_size"],
            config["lr"], config["clip"], config["seed"], config["eval_every"],
            config["eval_size"], backend=config["backend"], progress=progress, T=config["T"],
        )  # fmt: skip
        curves[cell] = {
            "step": h["eval_step"],
            "mse": h["eval_metric"],
            "train_loss": h["loss"],
            "final_mse": h["eval_metric"][-1],
            "seconds": h["seconds"],
        }
    return {"config": config, "baseline": 1.0 / 6.0, "curves": curves, "source": "live"}


# ----------------------------------------------------------------------------- clipping
def clipping_experiment(
    threshold: float = 0.25,
    lr: float = 3.0,
    wh_scale: float = 1.5,
    steps: int = 200,
    hidden_size: int = 64,
    seq_len: int = 50,
    batch_size: int = 32,
    seed: int = 0,
    backend: str = "rnncourse",
) -> dict[str, Any]:
    """Train the same tanh-RNN char-LM twice, without and with gradient clipping.

    Plain SGD with a large learning rate on a 1-layer tanh RNN (H = 64) whose recurrent matrix
    starts as ``wh_scale`` times a random orthogonal matrix (all singular values 1.5, so
    gradients through time grow), trained on the first 200,000 characters of the stdlib corpus
    with windows of 50 and carried state. Without clipping, gradient norms spike by orders of
    magnitude and the loss jumps far above its untrained value ln V; clipping the global
    gradient norm at ``threshold`` keeps every update bounded and the loss falls steadily
    (with the defaults it never rises above ln V again). Both runs start from
    identical weights and see identical batches. About 5 s on one core.

    Returns
    -------
    dict
        ``"unclipped"`` and ``"clipped"``: each a dict with ``"loss"`` (list of float,
        training cross-entropy in nats per update, ``nan`` once it overflows) and
        ``"grad_norm"`` (list of float, global gradient norm *before* clipping);
        ``"initial_loss"``: float, ln V, the loss of a uniform guess; ``"threshold"``: float;
        ``"config"``: dict of the arguments.
    """
    import torch
    from torch import nn

    from rnncourse.data import CharVocab, StreamBatcher, load_corpus
    from rnncourse.train.models import CharLM

    text = load_corpus("stdlib", max_chars=200_000)
    vocab = CharVocab.from_text(text)
    batcher = StreamBatcher(vocab.encode(text), batch_size, seq_len, drop_last=True)
    windows = [tuple(torch.from_numpy(np.ascontiguousarray(a)) for a in batcher.window(k))
               for k in range(len(batcher))]  # fmt: skip

    def run(clip: float | None) -> dict[str, list[float]]:
        torch.manual_seed(seed)
        model = CharLM(len(vocab), hidden_size, 1, "rnn", 32, backend=backend)
        with torch.no_grad():
            q, _ = torch.linalg.qr(torch.randn(hidden_size, hidden_size))
            model.rnn.weight_hh_l0.copy_(wh_scale * q)
        opt = torch.optim.SGD(model.parameters(), lr=lr)
        losses, norms, state = [], [], None
        for step in range(steps):
            x, y = windows[step % len(windows)]
            if step % len(windows) == 0:
                state = None
            logits, state = model(x, state)
            state = state.detach()
            loss = nn.functional.cross_entropy(logits.reshape(-1, len(vocab)), y.reshape(-1))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            norm = nn.utils.clip_grad_norm_(model.parameters(), clip if clip else math.inf)
            losses.append(float(loss.detach()))
            norms.append(float(norm))
            if not math.isfinite(losses[-1]):
                # once the loss overflows every later value is nan too: record that and stop
                losses += [math.nan] * (steps - step - 1)
                norms += [math.nan] * (steps - step - 1)
                break
            opt.step()
        return {"loss": losses, "grad_norm": norms}

    config = dict(threshold=threshold, lr=lr, wh_scale=wh_scale, steps=steps,
                  hidden_size=hidden_size, seq_len=seq_len, batch_size=batch_size, seed=seed,
                  backend=backend)  # fmt: skip
    return {
        "unclipped": run(None),
        "clipped": run(threshold),
        "initial_loss": math.log(len(vocab)),
        "threshold": threshold,
        "config": config,
    }


# ----------------------------------------------------------------------------- bidirectional
def bidirectional_experiment(
    T: int = 16,
    offset: int = 3,
    n_symbols: int = 4,
    steps: int = 100,
    hidden_size: int = 32,
    cell: str = "gru",
    seed: int = 0,
    backend: str = "rnncourse",
) -> dict[str, Any]:
    """Tag each token with the token ``offset`` steps *later*: only a bidirectional RNN can.

    Trains three small taggers on :func:`rnncourse.data.future_context_task`: a left-to-right
    RNN on the "future" labels (it has not read the answer yet: stays at chance, 1/K), a
    bidirectional RNN on the same labels (its backward half has read it: near 100 %), and the
    left-to-right RNN on the "past" labels as a control (it can remember: near 100 %). A few
    seconds on one core.

    Returns
    -------
    dict
        ``"runs"``: dict with keys ``"unidirectional/future"``, ``"bidirectional/future"``,
        ``"unidirectional/past"``, each a dict with ``"step"`` (list of int) and
        ``"accuracy"`` (list of float, held-out per-token accuracy at those steps) and
        ``"final_accuracy"`` (float); ``"chance"``: float, 1 / ``n_symbols``;
        ``"config"``: dict of the arguments.
    """
    from rnncourse.train.tasks import train_sequence_task

    config = dict(T=T, offset=offset, n_symbols=n_symbols, steps=steps, hidden_size=hidden_size,
                  cell=cell, seed=seed, backend=backend)  # fmt: skip
    runs = {}
    for bidir, direction in ((False, "future"), (True, "future"), (False, "past")):
        h = train_sequence_task(
            direction, cell, hidden_size, steps, 32, 1e-2, 1.0, seed, eval_every=25,
            eval_size=300, bidirectional=bidir, backend=backend, T=T, offset=offset,
            n_symbols=n_symbols,
        )  # fmt: skip
        name = f"{'bidirectional' if bidir else 'unidirectional'}/{direction}"
        runs[name] = {"step": h["eval_step"], "accuracy": h["eval_metric"],
                      "final_accuracy": h["eval_metric"][-1]}  # fmt: skip
    return {"runs": runs, "chance": 1.0 / n_symbols, "config": config}


# ----------------------------------------------------------------------------- char-LM
CHARLM_DEFAULTS: dict[str, Any] = dict(
    cell="lstm", hidden_size=256, num_layers=1, embed_dim=32, batch_size=64, seq_len=100,
    lr=3e-3, warmup_steps=20, steps=1600, clip=1.0, max_chars=8_000_000, eval_chars=100_000,
    sample_at=[0, 100, 300, 800, 1600], sample_len=300, temperature=0.8, seed=0,
    backend="rnncourse",
)  # fmt: skip
CHARLM_MODEL = "charlm_lstm.pt"


def charlm_progress(
    cached: bool = True, progress: bool = False, **overrides: Any
) -> dict[str, Any]:
    """A character-level LSTM language model trained on the stdlib corpus, sampled as it learns.

    The default configuration (``CHARLM_DEFAULTS``: a 1-layer LSTM on millions of characters
    of standard-library source) takes many minutes on a CPU, so the cached result is
    returned; its trained weights ship with the package and are loaded by
    :func:`pretrained_charlm`. Validation is on held-out stdlib *files*. Any override runs
    live (e.g. ``charlm_progress(steps=100, sample_at=[0, 50, 100], max_chars=200_000,
    hidden_size=64)`` takes a few seconds).

    Parameters
    ----------
    cached : bool, default True
    progress : bool, default False
    **overrides
        Any key of ``CHARLM_DEFAULTS``. ``backend`` only changes which implementation trains;
        the weights load into either.

    Returns
    -------
    dict
        ``"config"``: dict; ``"vocab_size"``: int V; ``"uniform_bpc"``: float, log2(V), the
        bits per character of a uniform guess; ``"snapshots"``: list of dicts, one per step in
        ``sample_at``, each with ``"step"`` (int), ``"val_bpc"`` (float, held-out bits per
        character) and ``"sample"`` (str, ``sample_len`` characters sampled at
        ``temperature`` after the prime ``"def "``, prime excluded); ``"train_bpc"``: list of
        float, training bits per character per update; ``"final_val_bpc"``: float;
        ``"chars_seen"``: int; ``"seconds"``: float; ``"source"``: "live" or "cache (file)".
    """
    config = _config(CHARLM_DEFAULTS, overrides, "charlm_progress")
    if cached:
        hit = _load_cached("charlm_progress", config)
        if hit is not None:
            return hit
    trainer, result = _train_charlm(config, progress)
    result["trainer"] = trainer
    return result


def _config(defaults: dict[str, Any], overrides: dict[str, Any], fn: str) -> dict[str, Any]:
    unknown = set(overrides) - set(defaults)
    if unknown:
        raise TypeError(f"unknown {fn} options {sorted(unknown)}; allowed: {sorted(defaults)}")
    config = dict(defaults, **overrides)
    return json.loads(json.dumps(config))  # lists, not tuples: comparable with the cache


def _train_charlm(config: dict[str, Any], progress: bool) -> tuple[Any, dict[str, Any]]:
    import time

    from rnncourse.data import load_corpus
    from rnncourse.train.lm import LMTrainer, TrainConfig

    train_text = load_corpus("stdlib", "train", max_chars=config["max_chars"])
    valid_text = load_corpus("stdlib", "valid")
    tc = TrainConfig(
        cell=config["cell"], hidden_size=config["hidden_size"], num_layers=config["num_layers"],
        embed_dim=config["embed_dim"], batch_size=config["batch_size"],
        seq_len=config["seq_len"], lr=config["lr"], warmup_steps=config["warmup_steps"],
        max_steps=config["steps"], clip=config["clip"], eval_every=0, sample_every=0,
        eval_chars=config["eval_chars"], seed=config["seed"], device="cpu",
        backend=config["backend"],
    )  # fmt: skip
    trainer = LMTrainer(train_text, valid_text, tc)
    snapshots: list[dict[str, Any]] = []
    wanted = sorted(set(config["sample_at"]))

    def snap(tr: LMTrainer) -> None:
        if tr.step in wanted:
            snapshots.append({
                "step": tr.step,
                "val_bpc": tr.evaluate(),
                "sample": tr.sample(config["sample_len"], prime="def ",
                                    temperature=config["temperature"], seed=config["seed"]),
            })  # fmt: skip

    start = time.perf_counter()
    snap(trainer)
    trainer.fit(progress=progress, callback=snap)
    result = {
        "config": config,
        "vocab_size": len(trainer.vocab),
        "uniform_bpc": math.log2(len(trainer.vocab)),
        "snapshots": snapshots,
        "train_bpc": trainer.history["bpc"],
        "final_val_bpc": trainer.history["val_bpc"][-1],
        "chars_seen": trainer.step * trainer.chars_per_step,
        "seconds": time.perf_counter() - start,
        "source": "live",
    }
    return trainer, result


def _regenerate_charlm() -> dict[str, Any]:
    from rnncourse.train.checkpoint import FORMAT, save_checkpoint

    config = _config(CHARLM_DEFAULTS, {}, "charlm_progress")
    trainer, result = _train_charlm(config, progress=True)
    import dataclasses

    # Weights (as float16: half the size, validation bpc changes by ~1e-5), vocabulary and
    # config only, no optimiser state; load_model casts back to float32.
    save_checkpoint({
        "format": FORMAT,
        "config": dataclasses.asdict(trainer.config),
        "vocab": trainer.vocab.to_dict(),
        "model": {k: v.detach().cpu().half() for k, v in trainer.model.state_dict().items()},
    }, RESULTS_DIR / CHARLM_MODEL)  # fmt: skip
    return result


def pretrained_charlm(backend: str = "rnncourse") -> tuple[Any, Any]:
    """The char-LM trained by :func:`charlm_progress` (shipped with the package).

    Parameters
    ----------
    backend : {"rnncourse", "torch"}
        Implementation of the LSTM layer to load the weights into (default ``rnncourse.nn``, so
        :class:`rnncourse.nn.GateRecorder` and the widgets can look inside).

    Returns
    -------
    (model, vocab) : (rnncourse.train.CharLM in eval mode on CPU, rnncourse.data.CharVocab)
    """
    from rnncourse.train.lm import load_model

    path = RESULTS_DIR / CHARLM_MODEL
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} is missing; run `python -m rnncourse.train.experiments charlm_progress`"
        )
    model, vocab, _ = load_model(path, backend=backend)
    return model, vocab


BENCHMARK_RECORD = "charlm_benchmark.json"


def charlm_benchmark() -> dict[str, dict[str, Any]]:
    """The training-speed runs recorded by ``benchmarks/train_charlm.py --record LABEL``.

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
    """The runs of :func:`charlm_benchmark` as a fixed-width table, one row per run (held-out
    bits per character only for runs of at least 10 minutes: shorter ones measure speed)."""
    head = ("layer", "H", "N", "T", "precision", "malloc", "minutes", "chars/s", "held-out bpc")
    rows = [head]
    for r in runs.values():
        s = r["settings"]
        rows.append((
            s["backend"], str(s["hidden_size"]), str(s["batch_size"]), str(s["seq_len"]),
            "bfloat16" if s["amp"] == "bf16" else "float32", s["malloc"], f"{s['minutes']:g}",
            f"{r['chars_per_s']:,}", f"{r['valid_bpc']:.3f}" if s["minutes"] >= 10 else "-",
        ))  # fmt: skip
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


# ----------------------------------------------------------------------------- regeneration
REGENERATE = {
    "adding_problem": lambda: adding_problem_curves(cached=False, progress=True),
    "charlm_progress": _regenerate_charlm,
}


def regenerate(name: str) -> Path:
    """Recompute the cached result ``name`` (one of ``REGENERATE``) and write it to the package."""
    if name not in REGENERATE:
        raise ValueError(f"name must be one of {sorted(REGENERATE)}, got {name!r}")
    return _save_cached(name, REGENERATE[name]())


def main(argv: list[str] | None = None) -> int:
    """``python -m rnncourse.train.experiments NAME [NAME ...]`` regenerates cached results."""
    names = (argv if argv is not None else sys.argv[1:]) or sorted(REGENERATE)
    for name in names:
        print(f"regenerated {regenerate(name)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
