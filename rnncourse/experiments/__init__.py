"""The measured and cached experiments of the book, as functions the chapters call.

This package sits above :mod:`rnncourse.train` (the trainers, models, checkpoints) and below
:mod:`rnncourse.analysis`. Each function either runs live in a few seconds on one CPU core, or
returns a small result cached in ``rnncourse/experiments/results/`` that the same function
regenerates with ``cached=False``. Cached results record the configuration and library versions
that produced them; a different configuration always runs live. One command regenerates any of
them::

    python -m rnncourse.experiments NAME [NAME ...]      # a name of REGENERATE
    python -m rnncourse.experiments dates --decoder additive --seed 0
    python -m rnncourse.experiments captions --decoder attention --seed 0
    python -m rnncourse.experiments linear_rnns [--tasks ...] [--kinds ...] [--merge ...]

Functions
---------
adding_problem_curves, adding_summary
    Adding problem at T = 100, three seeds per cell: LSTM and GRU reach an MSE far below the 1/6
    baseline, a tanh RNN stays at it (chapters 7 and 9); the summary over seeds. Chapter 8's
    shorter run (T = 50, GRU against the tanh RNN) is ``ADDING_T50``.
clipping_experiment
    A tanh-RNN language model with a large learning rate: unclipped it diverges, clipped by
    global norm it trains (chapter 7).
bidirectional_experiment
    Tagging each token with a later token, three seeds: left-to-right stays at chance,
    bidirectional solves it (chapter 10).
depth_experiment
    Shallow against stacked GRUs on a memory task, three seeds per setting (chapter 11).
charlm_progress
    A char-level LSTM on the stdlib corpus: samples at several points of training and held-out
    bits per character (chapter 6).
pretrained_charlm, pretrained_charlm_info, train_pretrained_charlm
    The one pretrained model of the package, a small character LSTM trained on Python source
    (chapters 9 and 12, the widgets), and the run that produced it.
charlm_benchmark, format_benchmark, benchmark_speedups
    The recorded runs of ``benchmarks/train_charlm.py``: training speed and held-out bits per
    character after a time budget, as a table and as the ratios chapter 6 discusses.

Modules: ``synthetic`` (adding problem, bidirectional tagging), ``clipping``, ``charlm``,
``pretrained``, ``benchmark`` (every public name imports from here); and, imported by name,
``language_models`` (the page under chapter 6), ``dates`` (chapter 13's seq2seq comparison),
``reversal`` (chapter 13's reversal toy, three seeds), ``captioning`` (chapter 13b),
``linear_rnns`` (chapter 14), ``scan_timing`` (chapter 14's measured scans;
``benchmarks/scan.py`` measures them), ``digits`` (many-to-one on handwritten digits, page 05c).
"""

from __future__ import annotations

import os
import sys
import time
from functools import partial
from pathlib import Path

from rnncourse._validation import check_choice
from rnncourse.experiments._cache import RESULTS_DIR, _save_cached
from rnncourse.experiments.benchmark import (
    BENCHMARK_RECORD,
    benchmark_speedups,
    charlm_benchmark,
    format_benchmark,
)
from rnncourse.experiments.charlm import CHARLM_DEFAULTS, _regenerate_charlm, charlm_progress
from rnncourse.experiments.clipping import clipping_experiment
from rnncourse.experiments.depth import DEPTH_DEFAULTS, depth_experiment
from rnncourse.experiments.pretrained import (
    PRETRAINED_CONFIG,
    PRETRAINED_MODEL,
    pretrained_charlm,
    pretrained_charlm_info,
    save_pretrained,
    train_pretrained_charlm,
)
from rnncourse.experiments.synthetic import (
    ADDING_DEFAULTS,
    ADDING_T50,
    BIDIRECTIONAL_DEFAULTS,
    adding_problem_curves,
    adding_summary,
    bidirectional_experiment,
)

__all__ = [
    "RESULTS_DIR",
    "ADDING_DEFAULTS",
    "ADDING_T50",
    "BIDIRECTIONAL_DEFAULTS",
    "CHARLM_DEFAULTS",
    "PRETRAINED_CONFIG",
    "PRETRAINED_MODEL",
    "BENCHMARK_RECORD",
    "adding_problem_curves",
    "adding_summary",
    "bidirectional_experiment",
    "clipping_experiment",
    "DEPTH_DEFAULTS",
    "depth_experiment",
    "charlm_progress",
    "pretrained_charlm",
    "pretrained_charlm_info",
    "train_pretrained_charlm",
    "charlm_benchmark",
    "format_benchmark",
    "benchmark_speedups",
    "REGENERATE",
    "COMMANDS",
    "regenerate",
    "main",
]


#: the cached results of :mod:`rnncourse.experiments.language_models`.
_LANGUAGE_MODELS = ("ngram_baselines", "word_vs_char", "lm_comparison", "speed_repeats")


def _language_models(name: str) -> Path:
    import torch

    from rnncourse.experiments import language_models

    torch.set_num_threads(1)  # reproducible sums; the machine that made them had 2 shared cores
    return _save_cached(name, language_models.REGENERATE[name]())


#: name -> function that recomputes a shipped result, writes it and returns the file written.
REGENERATE = {
    "adding_problem": lambda: _save_cached(
        "adding_problem",
        adding_problem_curves(cached=False, progress=True, workers=os.cpu_count() or 1),
    ),
    "adding_problem_t50": lambda: _save_cached(
        "adding_problem.t50", adding_problem_curves(cached=False, **ADDING_T50)
    ),
    "bidirectional": lambda: _save_cached("bidirectional", bidirectional_experiment(cached=False)),
    "charlm_progress": lambda: _save_cached("charlm_progress", _regenerate_charlm()),
    "pretrained": lambda: save_pretrained(train_pretrained_charlm()),
    "depth": lambda: _save_cached("depth", depth_experiment(cached=False, progress=True)),
    "forecast_sunspots": lambda: _save_cached("forecast_sunspots", _sunspot_forecast()),
    "truncation": lambda: _save_cached("truncation", _truncation()),
    "reversal": lambda: _save_cached("reversal", _reversal()),
    "ctc_speech": lambda: _save_cached("ctc_speech", _ctc_speech()),
    "digits": lambda: _save_cached("digits", _digits()),
    **{name: partial(_language_models, name) for name in _LANGUAGE_MODELS},
}


def _sunspot_forecast() -> dict:
    from rnncourse.experiments.forecast import sunspot_forecast

    return sunspot_forecast(cached=False)


def _truncation() -> dict:
    from rnncourse.experiments.truncation import truncation_experiment

    return truncation_experiment(cached=False)


def _reversal() -> dict:
    import torch

    from rnncourse.experiments.reversal import reversal_experiment

    torch.set_num_threads(1)
    return reversal_experiment(cached=False)


def _ctc_speech() -> dict:
    import torch

    from rnncourse.experiments.ctc_speech import ctc_speech

    torch.set_num_threads(1)  # reproducible sums
    return ctc_speech(cached=False)


def _digits() -> dict:
    import torch

    from rnncourse.experiments.digits import digits_experiment

    torch.set_num_threads(1)  # reproducible sums
    return digits_experiment(cached=False)


def _seed_run(module: str, argv: list[str]) -> int:
    """``dates`` / ``captions``: one (decoder, seed) run of a multi-seed experiment."""
    from rnncourse.experiments import captioning, dates

    ({"dates": dates, "captions": captioning}[module]).main(argv)
    return 0


def _linear_rnns(argv: list[str]) -> int:
    from rnncourse.experiments import linear_rnns

    linear_rnns.main(argv)
    return 0


#: commands with options of their own: ``python -m rnncourse.experiments COMMAND [OPTIONS]``.
COMMANDS = {
    "dates": partial(_seed_run, "dates"),
    "captions": partial(_seed_run, "captions"),
    "linear_rnns": _linear_rnns,
}


def regenerate(name: str) -> Path:
    """Recompute the shipped result ``name`` (one of ``REGENERATE``) and write it to the package."""
    check_choice("name", name, sorted(REGENERATE))
    return REGENERATE[name]()


def main(argv: list[str] | None = None) -> int:
    """``python -m rnncourse.experiments NAME [NAME ...]`` regenerates shipped results.

    ``NAME`` is a key of :data:`REGENERATE`, or one :data:`COMMANDS` entry followed by its own
    options. Without arguments, lists the names and returns 2.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv:
        print(
            "usage: python -m rnncourse.experiments NAME [NAME ...] | COMMAND [OPTIONS]\n"
            f"  NAME: {', '.join(sorted(REGENERATE))}\n  COMMAND: {', '.join(COMMANDS)}",
            file=sys.stderr,
        )
        return 2
    if argv[0] in COMMANDS:
        return COMMANDS[argv[0]](argv[1:])
    for name in argv:
        check_choice("name", name, sorted(REGENERATE))
    for name in argv:
        t0 = time.perf_counter()
        path = regenerate(name)
        print(f"regenerated {path} in {time.perf_counter() - t0:.0f} s", flush=True)
    return 0
