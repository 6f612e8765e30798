"""The measured date-translation comparison of chapter 13, and the shipped models.

For each decoder (no attention, additive, multiplicative) and each of three seeds, train with
:func:`rnncourse.train.seq2seq.train_dates`, then decode the same held-out set (dates never seen in
training) greedily and with beam sizes 1, 3 and 5. Results go to
``rnncourse/experiments/results/dates/<decoder>_seed<k>.json``; the seed-0 weights of each
decoder to ``<decoder>.pt`` there. The book only loads them.

Every decoder gets about the same CPU time: the decoder without attention costs about a third
per step, so it gets three times the steps (:data:`STEPS`). Regenerate (about 12 CPU-minutes in
all; every run is its own process)::

    for d in none additive multiplicative; do for s in 0 1 2; do
        nice -n 10 python -m rnncourse.experiments dates --decoder $d --seed $s &
    done; done; wait
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import torch

from rnncourse._validation import check_choice
from rnncourse.data.dates import TARGET_VOCAB, date_pairs, split_dates
from rnncourse.experiments._cache import (
    load_seed_model,
    load_seed_runs,
    parse_seed_run,
    save_seed_run,
    seed_spread,
)
from rnncourse.nn.seq2seq import Seq2Seq
from rnncourse.train.seq2seq import (
    DateTrainConfig,
    accuracy,
    batch_tensors,
    beam_decode,
    date_model,
    greedy_decode,
    timed_training,
    train_dates,
)

__all__ = [
    "RESULTS",
    "DECODERS",
    "held_out_set",
    "evaluate",
    "run",
    "load_results",
    "load_model",
    "summary",
    "segment_mass",
]

RESULTS = Path(__file__).with_name("results") / "dates"
DECODERS = {"none": None, "additive": "additive", "multiplicative": "multiplicative"}
STEPS = {"none": 900, "additive": 300, "multiplicative": 300}
SEEDS = (0, 1, 2)
BEAMS = (1, 3, 5)
EVAL_SEED, SPLIT_SEED = 1234, 0


def held_out_set(per_length: int = 60) -> dict[int, list[tuple[str, str]]]:
    """Return the fixed evaluation pairs: ``per_length`` examples with 1, 2 and 3 held-out dates."""
    _, held_out = split_dates(seed=SPLIT_SEED)
    rng = np.random.default_rng(EVAL_SEED)
    return {k: date_pairs(held_out, per_length, rng, n_dates=k) for k in (1, 2, 3)}


def evaluate(model: Seq2Seq, pairs: list[tuple[str, str]], beam_size: int | None) -> dict:
    """Accuracy of greedy decoding (``beam_size=None``) or beam search on ``pairs``."""
    b = batch_tensors(pairs)
    if beam_size is None:
        ids, _ = greedy_decode(model, b["src"], b["src_len"])
    else:
        ids = beam_decode(model, b["src"], b["src_len"], beam_size)
    return accuracy([TARGET_VOCAB.decode(x) for x in ids], [t for _, t in pairs])


def run(name: str, seed: int, out: Path = RESULTS) -> dict:
    """Train and evaluate one decoder with one seed; write its JSON (and weights for seed 0)."""
    check_choice("name", name, DECODERS)
    torch.set_num_threads(1)
    train_days, _ = split_dates(seed=SPLIT_SEED)
    config = DateTrainConfig(attention=DECODERS[name], steps=STEPS[name], seed=seed)
    trained, row = timed_training(train_dates, config, train_days)
    t0 = time.process_time()
    for k, pairs in held_out_set().items():
        row[f"greedy_{k}"] = evaluate(trained.model, pairs, None)
        for beam in BEAMS:
            row[f"beam{beam}_{k}"] = evaluate(trained.model, pairs, beam)
    row["eval_cpu_s"] = time.process_time() - t0
    weights = trained.model.state_dict() if seed == SEEDS[0] else None
    save_seed_run(out, name, seed, row, weights)
    return row


def load_results(folder: Path = RESULTS) -> dict[str, dict[int, dict]]:
    """Return the shipped results (see :func:`run`): ``results[decoder][seed]``."""
    return load_seed_runs(folder, DECODERS, SEEDS)


def load_model(decoder: str = "additive") -> Seq2Seq:
    """Return the shipped seed-0 model of one decoder, in eval mode."""
    check_choice("decoder", decoder, DECODERS)
    return load_seed_model(RESULTS, decoder, SEEDS[0], lambda c: date_model(DateTrainConfig(**c)))


def summary(results: dict[str, dict], metric: str = "exact") -> dict[tuple[str, str, int], dict]:
    """Mean, minimum and maximum over seeds of one metric.

    Parameters
    ----------
    results : dict
        From :func:`load_results`.
    metric : {"exact", "per_char"}

    Returns
    -------
    dict
        ``(decoder, decoding, n_dates) -> {"mean", "min", "max", "values"}`` where decoding is
        ``"greedy"``, ``"beam1"``, ``"beam3"`` or ``"beam5"``.
    """
    if metric not in ("exact", "per_char"):
        raise ValueError(f"metric must be 'exact' or 'per_char', got {metric!r}")
    out = {}
    for decoder, res in results.items():
        for decoding in ("greedy", *(f"beam{b}" for b in BEAMS)):
            for k in (1, 2, 3):
                vals = [run[f"{decoding}_{k}"][metric] for run in res.values()]
                out[decoder, decoding, k] = seed_spread(vals)
    return out


def segment_mass(weights: np.ndarray, source: str, output: str) -> np.ndarray:
    """How much attention each output date puts on its own date in the source.

    Parameters
    ----------
    weights : ndarray, shape (T_out, L)
        Attention weights of each output character (the final ``<EOS>`` step may be included).
    source : str
        The source, dates joined by ``" and "`` (length L).
    output : str
        The decoded ISO dates joined by ``" "``.

    Returns
    -------
    ndarray, shape (n_dates,)
        For date ``i``, the mean over its 10 output characters of the weight on the characters of
        source date ``i``.
    """
    parts = source.split(" and ")
    if len(output.split(" ")) != len(parts) or weights.shape[1] != len(source):
        raise ValueError(
            f"output must have as many dates as source ({len(parts)}) and weights (T_out, L) "
            f"L = {len(source)}; got {output!r} and {weights.shape}"
        )
    starts = np.cumsum([0] + [len(p) + len(" and ") for p in parts[:-1]])
    mass = []
    for i, (start, part) in enumerate(zip(starts, parts, strict=True)):
        rows = weights[11 * i : 11 * i + 10]  # "yyyy-mm-dd" then a space
        mass.append(float(rows[:, start : start + len(part)].sum(axis=1).mean()))
    return np.array(mass)


def main(argv: list[str] | None = None) -> None:
    args = parse_seed_run(argv, __doc__.splitlines()[0], DECODERS, SEEDS)
    row = run(args.decoder, args.seed)
    print(args.decoder, args.seed, {k: v for k, v in row.items() if k.startswith("greedy")})
