"""The training results shown in the book, as functions the chapters call.

Each function either runs live in a few seconds on one CPU core, or returns a small result cached
in ``rnncourse/train/results/`` that the same function regenerates with ``cached=False`` (or
``python -m rnncourse.train.experiments NAME``). Cached results record the configuration and
library versions that produced them; a different configuration always runs live.

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
``pretrained``, ``benchmark``; every public name imports from here.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from rnncourse._validation import check_choice
from rnncourse.train.experiments._cache import RESULTS_DIR, _save_cached
from rnncourse.train.experiments.benchmark import (
    BENCHMARK_RECORD,
    benchmark_speedups,
    charlm_benchmark,
    format_benchmark,
)
from rnncourse.train.experiments.charlm import CHARLM_DEFAULTS, _regenerate_charlm, charlm_progress
from rnncourse.train.experiments.clipping import clipping_experiment
from rnncourse.train.experiments.depth import DEPTH_DEFAULTS, depth_experiment
from rnncourse.train.experiments.pretrained import (
    PRETRAINED_CONFIG,
    PRETRAINED_MODEL,
    pretrained_charlm,
    pretrained_charlm_info,
    save_pretrained,
    train_pretrained_charlm,
)
from rnncourse.train.experiments.synthetic import (
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
    "regenerate",
    "main",
]


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
}


def regenerate(name: str) -> Path:
    """Recompute the shipped result ``name`` (one of ``REGENERATE``) and write it to the package."""
    check_choice("name", name, sorted(REGENERATE))
    return REGENERATE[name]()


def main(argv: list[str] | None = None) -> int:
    """``python -m rnncourse.train.experiments NAME [NAME ...]`` regenerates shipped results."""
    names = (argv if argv is not None else sys.argv[1:]) or sorted(REGENERATE)
    for name in names:
        print(f"regenerated {regenerate(name)}")
    return 0
