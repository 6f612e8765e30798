"""The measured date-translation comparison of chapter 13, and the shipped models.

For each decoder (no attention, additive, multiplicative) and each of three seeds, train with
:func:`rnncourse.train.seq2seq.train_dates`, then decode the same held-out set (dates never seen in
training) greedily and with beam sizes 1, 3 and 5. Results go to
``rnncourse/train/results/dates_seq2seq.json``; the seed-0 weights of each decoder to
``dates_<decoder>.pt``. The book only loads them.

Every decoder gets about the same CPU time: the decoder without attention costs about a third
per step, so it gets three times the steps (:data:`STEPS`). Regenerate (about 15 CPU-minutes; the
three decoders can run as three processes)::

    for d in none additive multiplicative; do
        nice -n 10 python -m rnncourse.train.seq2seq_experiment --decoder $d &
    done; wait
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from pathlib import Path

import numpy as np
import torch

from rnncourse.data.dates import SOURCE_VOCAB, TARGET_VOCAB, date_pairs, split_dates
from rnncourse.nn.seq2seq import Seq2Seq
from rnncourse.train.seq2seq import (
    DateTrainConfig,
    accuracy,
    batch_tensors,
    beam_decode,
    greedy_decode,
    train_dates,
)

__all__ = ["RESULTS", "DECODERS", "held_out_set", "evaluate", "run", "load_results", "load_model"]

RESULTS = Path(__file__).with_name("results")
DECODERS = {"none": None, "additive": "additive", "multiplicative": "multiplicative"}
STEPS = {"none": 1500, "additive": 500, "multiplicative": 500}
BEAMS = (1, 3, 5)
EVAL_SEED, SPLIT_SEED = 1234, 0


def held_out_set(per_length: int = 100) -> dict[int, list[tuple[str, str]]]:
    """The fixed evaluation pairs: ``per_length`` examples with 1, 2 and 3 held-out dates."""
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


def run(name: str, seeds: tuple[int, ...] = (0, 1, 2), out: Path = RESULTS) -> dict:
    """Train and evaluate one decoder for every seed; write its JSON and its seed-0 weights."""
    if name not in DECODERS:
        raise ValueError(f"name must be one of {sorted(DECODERS)}, got {name!r}")
    torch.set_num_threads(1)
    train_days, _ = split_dates(seed=SPLIT_SEED)
    evalset = held_out_set()
    results: dict = {"seeds": list(seeds), "runs": {}}
    kind = DECODERS[name]
    for seed in seeds:
        config = DateTrainConfig(attention=kind, steps=STEPS[name], seed=seed)
        t0 = time.process_time()
        trained = train_dates(config, train_days)
        row = {"train_cpu_s": time.process_time() - t0, "loss_every_10": trained.losses[::10]}
        for k, pairs in evalset.items():
            row[f"greedy_{k}"] = evaluate(trained.model, pairs, None)
            for beam in BEAMS:
                row[f"beam{beam}_{k}"] = evaluate(trained.model, pairs, beam)
        row["eval_cpu_s"] = time.process_time() - t0 - row["train_cpu_s"]
        results["runs"][str(seed)] = row
        results["config"] = {**dataclasses.asdict(config), "seed": None}
        print(name, seed, {k: v for k, v in row.items() if k.startswith("greedy")}, flush=True)
        if seed == seeds[0]:
            torch.save(trained.model.state_dict(), out / f"dates_{name}.pt")
    (out / f"dates_{name}.json").write_text(json.dumps(results, indent=1))
    return results


def load_results(folder: Path = RESULTS) -> dict[str, dict]:
    """The shipped results of every decoder (see :func:`run`), by decoder name."""
    return {name: json.loads((folder / f"dates_{name}.json").read_text()) for name in DECODERS}


def load_model(decoder: str = "additive") -> Seq2Seq:
    """The shipped seed-0 model of one decoder, in eval mode."""
    if decoder not in DECODERS:
        raise ValueError(f"decoder must be one of {sorted(DECODERS)}, got {decoder!r}")
    cfg = json.loads((RESULTS / f"dates_{decoder}.json").read_text())["config"]
    model = Seq2Seq(
        len(SOURCE_VOCAB),
        len(TARGET_VOCAB),
        cfg["embed_size"],
        cfg["hidden_size"],
        cfg["cell"],
        DECODERS[decoder],
    )
    state = torch.load(RESULTS / f"dates_{decoder}.pt", weights_only=True)
    model.load_state_dict(state)
    return model.eval()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decoder", choices=sorted(DECODERS), required=True)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = parser.parse_args(argv)
    run(args.decoder, tuple(args.seeds))


if __name__ == "__main__":
    main()
