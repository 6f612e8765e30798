"""Search and BLEU on the models of chapters 13 and 13b (the page ``13d_search_and_bleu``).

* :func:`counted_step` - the date model's decoding step for :func:`~rnncourse.train.seq2seq.
  beam_search`, counting score evaluations (one per hypothesis and vocabulary entry).
* :func:`exhaustive_prefix` - the most likely first ``T'`` output tokens by enumerating all
  ``|Y|^T'`` of them; :func:`beam_prefix` - the package's beam search on the same problem.
* :func:`output_log_prob` - ``log P(y | x)`` of given outputs (``<EOS>`` included), teacher-forced.
* :func:`error_analysis` - for each wrong output of a decoding, blame the model
  (``P(y*|x) <= P(y_hat|x)``) or the search (``P(y*|x) > P(y_hat|x)``).
* :func:`run` - one model and one seed: the shipped weights for seed 0, retrained with the
  chapter's own trainer and configuration otherwise (checked against the chapter's shipped
  accuracies), then BLEU and the error analysis; writes ``results/search/<model>_seed<k>.json``.

Regenerate (about 8 CPU-minutes in all on an idle machine; every run is its own process)::

    for m in dates_multiplicative captions_attention captions_step0; do
        for s in 0 1 2; do nice -n 10 python -m rnncourse.experiments.search --model $m --seed $s
    done; done
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import torch

from rnncourse._validation import check_choice, check_int
from rnncourse.data.dates import TARGET_VOCAB, split_dates
from rnncourse.data.metrics_bleu import corpus_bleu
from rnncourse.data.shapes import split_scenes
from rnncourse.data.vocab import EOS_ID
from rnncourse.experiments import captioning, dates
from rnncourse.experiments._cache import RESULTS_DIR, load_seed_runs, seed_spread
from rnncourse.nn.seq2seq import Seq2Seq
from rnncourse.train.seq2seq import (
    DateTrainConfig,
    batch_tensors,
    beam_search,
    greedy_decode,
    shift_right,
    train_dates,
)

__all__ = [
    "RESULTS",
    "MODELS",
    "RUNNABLE",
    "SEEDS",
    "BEAMS",
    "ALPHA",
    "counted_step",
    "exhaustive_prefix",
    "beam_prefix",
    "output_log_prob",
    "date_outputs",
    "error_analysis",
    "date_bleu",
    "caption_bleu",
    "run",
    "load_results",
    "spread",
]

RESULTS = RESULTS_DIR / "search"
#: the shipped comparison: the date decoder with the most mistakes (chapter 13's multiplicative
#: one) and both captioners; ``run`` takes any of :data:`RUNNABLE`.
MODELS = ("dates_multiplicative", "captions_attention", "captions_step0")
RUNNABLE = ("dates_additive", "dates_multiplicative", "dates_none", *MODELS[1:])
SEEDS = (0, 1, 2)
BEAMS = (3, 5)  # beam widths of the error analysis, besides greedy decoding
ALPHA = 0.7  # length normalisation of :func:`beam_search` (chapter 13's default)
PER_LENGTH = 100  # held-out sources with 1, 2 and 3 dates each (chapter 13 scores 60)
PREFIX_LENGTH, PREFIX_SOURCES, PREFIX_BEAMS = 4, 5, (1, 2, 3, 4, 5)  # exhaustive search


class _Counter:
    def __init__(self) -> None:
        self.evaluations = 0


def counted_step(model: Seq2Seq) -> tuple[Any, _Counter]:
    """Return ``step(tokens (K,), state) -> (log_probs (K, V), state)`` and its counter.

    Every call adds ``K * V`` to ``counter.evaluations``: the scores of K hypotheses extended by
    each of the V tokens.
    """
    counter = _Counter()

    def step(tokens: torch.Tensor, state: Any) -> tuple[torch.Tensor, Any]:
        logits, state, _ = model.step(tokens, state)
        counter.evaluations += logits.numel()
        return torch.log_softmax(logits, dim=1), state

    return step, counter


def _start(model: Seq2Seq, source: str) -> Any:
    b = batch_tensors([(source, "")])
    return model.start(b["src"], b["src_len"])


@torch.no_grad()
def exhaustive_prefix(model: Seq2Seq, source: str, length: int) -> dict[str, Any]:
    """Return the most likely first ``length`` output tokens, by scoring every one of ``V**length``.

    ``<EOS>`` is one of the V tokens like any other (this is the probability that the output
    starts with these tokens). All prefixes of one length are extended together, so the
    evaluations are ``V + V**2 + ... + V**length``.

    Returns
    -------
    dict
        ``tokens`` (the best prefix), ``log_prob`` (its log-probability), ``evaluations``.
    """
    check_int("length", length, minimum=1)
    step, counter = counted_step(model)
    state = _start(model, source)
    seqs = torch.zeros(1, 0, dtype=torch.long)
    scores = torch.zeros(1, dtype=torch.float64)
    tokens = torch.tensor([EOS_ID])
    for _ in range(length):
        log_probs, state = step(tokens, state)
        V = log_probs.shape[1]
        scores = (scores[:, None] + log_probs.double()).flatten()
        rows = torch.arange(len(seqs)).repeat_interleave(V)
        tokens = torch.arange(V).repeat(len(seqs))
        seqs = torch.cat([seqs[rows], tokens[:, None]], dim=1)
        state = state.select(rows)
    best = int(torch.argmax(scores))
    return {
        "tokens": seqs[best].tolist(),
        "log_prob": float(scores[best]),
        "evaluations": counter.evaluations,
    }


@torch.no_grad()
def beam_prefix(model: Seq2Seq, source: str, length: int, beam_size: int) -> dict[str, Any]:
    """:func:`beam_search` on the problem of :func:`exhaustive_prefix` (no token ends a search).

    With no end token every hypothesis runs ``length`` steps, so ranking by ``log p`` or by
    ``log p / length**alpha`` is the same. Returns what :func:`exhaustive_prefix` returns.
    """
    step, counter = counted_step(model)
    tokens, score = beam_search(step, _start(model, source), beam_size, length, eos_id=-1, alpha=0)
    return {"tokens": tokens, "log_prob": score, "evaluations": counter.evaluations}


@torch.no_grad()
def output_log_prob(model: Seq2Seq, sources: list[str], outputs: list[str]) -> list[float]:
    """``log P(y | x)`` of each output string, its ``<EOS>`` included (teacher forcing)."""
    b = batch_tensors(list(zip(sources, outputs, strict=True)))
    logits, _ = model(b["src"], b["src_len"], shift_right(b["tgt"]))
    logp = torch.log_softmax(logits.double(), dim=2)
    picked = logp.gather(2, b["tgt"][:, :, None])[:, :, 0] * (b["tgt"] != 0)
    return picked.sum(dim=1).tolist()


@torch.no_grad()
def date_outputs(model: Seq2Seq, sources: list[str], beam_size: int | None) -> list[str]:
    """Greedy (``beam_size=None``) or beam-search outputs, with :data:`ALPHA`, as strings."""
    if beam_size is None:
        b = batch_tensors([(s, "") for s in sources])
        ids, _ = greedy_decode(model, b["src"], b["src_len"])
    else:
        step, _ = counted_step(model)
        ids = [beam_search(step, _start(model, s), beam_size, 40, alpha=ALPHA)[0] for s in sources]
    return [TARGET_VOCAB.decode(x) for x in ids]


def error_analysis(
    model: Seq2Seq, pairs: list[tuple[str, str]], outputs: list[str]
) -> dict[str, Any]:
    """Blame each wrong output on the model or on the search.

    The search ranks finished outputs by ``log P(y|x) / (|y| + 1)**alpha`` (:data:`ALPHA`; the
    ``+ 1`` is ``<EOS>``). If the right output ``y*`` scores higher than the found ``y_hat`` on
    that objective, the search missed a better answer that the model preferred: a search error.
    Otherwise the model prefers a wrong answer, and no search would fix it: a model error.

    Returns
    -------
    dict
        ``n``, ``wrong``, ``search``, ``model`` (counts), ``search_raw`` (the same count with
        the raw log-probabilities), ``examples`` (up to 5 wrong outputs with both scores).
    """
    sources = [s for s, _ in pairs]
    targets = [t for _, t in pairs]
    wrong = [i for i, (o, t) in enumerate(zip(outputs, targets, strict=True)) if o != t]
    out: dict[str, Any] = {"n": len(pairs), "wrong": len(wrong), "search": 0, "search_raw": 0}
    out["examples"] = []
    if wrong:
        src = [sources[i] for i in wrong]
        lp_true = output_log_prob(model, src, [targets[i] for i in wrong])
        lp_found = output_log_prob(model, src, [outputs[i] for i in wrong])
        for j, i in enumerate(wrong):
            norm_true = lp_true[j] / (len(targets[i]) + 1) ** ALPHA
            norm_found = lp_found[j] / (len(outputs[i]) + 1) ** ALPHA
            out["search"] += norm_true > norm_found
            out["search_raw"] += lp_true[j] > lp_found[j]
            if len(out["examples"]) < 5:
                out["examples"].append(
                    {
                        "source": sources[i],
                        "target": targets[i],
                        "output": outputs[i],
                        "log_p_target": lp_true[j],
                        "log_p_output": lp_found[j],
                    }
                )
    out["model"] = out["wrong"] - out["search"]
    return out


def prefix_comparison(
    model: Seq2Seq, sources: list[str], length: int = PREFIX_LENGTH
) -> dict[str, Any]:
    """Exhaustive search against beam widths :data:`PREFIX_BEAMS` on the first ``length`` tokens.

    Returns
    -------
    dict
        ``length``, ``n``; ``exhaustive_evaluations`` (per source); for each width ``k`` (a str)
        ``found`` (how many sources' exhaustive optimum the beam found), ``evaluations`` (mean)
        and ``worst_gap`` (the largest log-probability the beam lost).
    """
    out: dict[str, Any] = {"length": length, "n": len(sources), "beams": {}}
    best = [exhaustive_prefix(model, s, length) for s in sources]
    out["exhaustive_evaluations"] = best[0]["evaluations"]
    for k in PREFIX_BEAMS:
        found = [beam_prefix(model, s, length, k) for s in sources]
        out["beams"][str(k)] = {
            "found": sum(f["tokens"] == b["tokens"] for f, b in zip(found, best, strict=True)),
            "evaluations": sum(f["evaluations"] for f in found) / len(found),
            "worst_gap": max(
                b["log_prob"] - f["log_prob"] for f, b in zip(found, best, strict=True)
            ),
        }
    return out


def _bleu(hyps: list, refs: list) -> dict[str, Any]:
    score = corpus_bleu(hyps, [[r] for r in refs])
    return {
        "bleu": score.score,
        "precisions": list(score.precisions),
        "brevity_penalty": score.brevity_penalty,
        "exact": sum(h == r for h, r in zip(hyps, refs, strict=True)) / len(refs),
    }


def date_bleu(outputs: list[str], targets: list[str]) -> dict[str, Any]:
    """Corpus BLEU with characters as tokens (the outputs' own units), and exact match."""
    return _bleu([list(o) for o in outputs], [list(t) for t in targets])


def caption_bleu(model: Any, batch: dict) -> dict[str, Any]:
    """Corpus BLEU (words as tokens) of greedy captions against the one reference, exact match."""
    words, _ = captioning.caption_images(model, batch["images"])
    return _bleu([list(w) for w in words], [c.split() for c in batch["captions"]])


def _date_model(decoder: str, seed: int) -> tuple[Seq2Seq, bool]:
    shipped = dates.load_results()[decoder][seed]
    if seed == 0:
        model = dates.load_model(decoder)
    else:
        train_days, _ = split_dates(seed=dates.SPLIT_SEED)
        attention, steps = dates.DECODERS[decoder], dates.STEPS[decoder]
        config = DateTrainConfig(attention=attention, steps=steps, seed=seed)
        model = train_dates(config, train_days).model
    same = all(
        dates.evaluate(model, pairs, None)["exact"] == shipped[f"greedy_{k}"]["exact"]
        for k, pairs in dates.held_out_set().items()
    )
    return model, same


def _caption_model(decoder: str, seed: int) -> tuple[Any, bool, dict]:
    shipped = captioning.load_results()[decoder][seed]
    if seed == 0:
        model = captioning.load_model(decoder)
    else:
        train_scenes, _ = split_scenes(seed=captioning.SPLIT_SEED)
        config = captioning.CaptionTrainConfig(attention=captioning.DECODERS[decoder], seed=seed)
        model = captioning.train_captioner(config, train_scenes).model
    batch = captioning.held_out_batch()
    same = captioning.evaluate(model, batch) == shipped["held_out"]
    return model, same, batch


def run(name: str, seed: int, out: Path = RESULTS, per_length: int = PER_LENGTH) -> dict:
    """One model of chapter 13 or 13b and one seed: BLEU, and for a date model the error analysis.

    ``matches_shipped`` records that the model reproduces the chapter's shipped accuracies.
    """
    check_choice("name", name, RUNNABLE)
    torch.set_num_threads(1)
    t0 = time.process_time()
    kind, decoder = name.split("_", 1)
    row: dict[str, Any] = {"model": name, "seed": seed}
    if kind == "captions":
        model, row["matches_shipped"], batch = _caption_model(decoder, seed)
        row["bleu"] = caption_bleu(model, batch)
    else:
        model, row["matches_shipped"] = _date_model(decoder, seed)
        held_out = dates.held_out_set(per_length)
        sources = [s for pairs in held_out.values() for s, _ in pairs[:PREFIX_SOURCES]]
        row["prefix"] = prefix_comparison(model, sources, PREFIX_LENGTH)
        for decoding in ("greedy", *(f"beam{k}" for k in BEAMS)):
            beam = None if decoding == "greedy" else int(decoding[4:])
            for k, pairs in held_out.items():
                outputs = date_outputs(model, [s for s, _ in pairs], beam)
                targets = [t for _, t in pairs]
                row[f"{decoding}_{k}"] = {
                    "bleu": date_bleu(outputs, targets),
                    "errors": error_analysis(model, pairs, outputs),
                }
    row["cpu_s"] = time.process_time() - t0
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}_seed{seed}.json").write_text(json.dumps(row, indent=1) + "\n")
    return row


def load_results(folder: Path = RESULTS) -> dict[str, dict[int, dict]]:
    """Return the shipped results of :func:`run`: ``results[model][seed]``."""
    return load_seed_runs(folder, MODELS, SEEDS)


def spread(results: dict[str, dict[int, dict]], model: str, *keys: str) -> dict[str, Any]:
    """Mean, minimum, maximum and values over the seeds of ``results[model][seed][keys...]``."""
    values = []
    for row in results[model].values():
        for key in keys:
            row = row[key]
        values.append(row)
    return seed_spread(values)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=RUNNABLE, required=True)
    parser.add_argument("--seed", type=int, choices=SEEDS, required=True)
    args = parser.parse_args(argv)
    row = run(args.model, args.seed)
    print(
        args.model, args.seed, "matches shipped:", row["matches_shipped"], f"{row['cpu_s']:.0f} s"
    )


if __name__ == "__main__":
    main()
