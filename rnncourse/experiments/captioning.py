"""Training, decoding and the measured comparison of the shapes captioner (chapter 13b).

* :func:`train_captioner` - Adam on fresh batches of training scenes, teacher forcing and the
  masked loss of :mod:`rnncourse.train.seq2seq`.
* :func:`caption_images` - greedy decoding (:func:`~rnncourse.train.seq2seq.greedy_from_state`),
  words and attention maps (T_out, 4, 4).
* :func:`evaluate` - exact caption match and per-word accuracy on the fixed held-out images.
* :func:`run` - one decoder (``"attention"`` or ``"step0"``) and one seed: train, evaluate,
  write ``rnncourse/experiments/results/captions/<decoder>_seed<k>.json`` (and ``<decoder>.pt``
  for seed 0).

Regenerate the shipped results (about 5 CPU-minutes in all, 40 to 50 CPU-seconds a model; each
run is its own process)::

    for d in attention step0; do for s in 0 1 2; do
        nice -n 10 python -m rnncourse.experiments captions --decoder $d --seed $s
    done; done
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from rnncourse._validation import check_choice
from rnncourse.data.shapes import CAPTION_VOCAB, GRID, sample_batch, split_scenes
from rnncourse.experiments._cache import (
    load_seed_model,
    load_seed_runs,
    parse_seed_run,
    save_seed_run,
    seed_spread,
)
from rnncourse.nn.captioning import Captioner
from rnncourse.train.seq2seq import (
    TrainedDecoder,
    accuracy,
    greedy_from_state,
    timed_training,
    train_decoder,
)

__all__ = [
    "RESULTS",
    "DECODERS",
    "SEEDS",
    "CaptionTrainConfig",
    "train_captioner",
    "caption_images",
    "held_out_batch",
    "evaluate",
    "object_attention",
    "run",
    "load_results",
    "load_model",
    "summary",
]

RESULTS = Path(__file__).with_name("results") / "captions"
DECODERS = {"attention": True, "step0": False}
SEEDS = (0, 1, 2)
EVAL_SEED, SPLIT_SEED, N_EVAL = 1234, 0, 500


@dataclass
class CaptionTrainConfig:
    """Hyper-parameters of :func:`train_captioner` (defaults: the shipped models)."""

    attention: bool = True
    embed_size: int = 16
    hidden_size: int = 48
    channels: int = 32
    steps: int = 1200
    batch_size: int = 64
    lr: float = 3e-3
    clip: float = 1.0
    seed: int = 0


def captioner(config: CaptionTrainConfig) -> Captioner:
    """Return the (untrained) captioner that ``config`` describes."""
    return Captioner(
        len(CAPTION_VOCAB), config.embed_size, config.hidden_size, config.channels, config.attention
    )


def train_captioner(config: CaptionTrainConfig, train_scenes: list) -> TrainedDecoder:
    """Train a captioner with teacher forcing and the masked loss.

    Parameters
    ----------
    config : CaptionTrainConfig
    train_scenes : list of Scene
        The training side of :func:`rnncourse.data.shapes.split_scenes`.

    Returns
    -------
    TrainedDecoder
    """

    def sample(rng: np.random.Generator) -> tuple[tuple[torch.Tensor], torch.Tensor]:
        batch = sample_batch(train_scenes, config.batch_size, rng)
        return (torch.from_numpy(batch["images"]),), torch.from_numpy(batch["tgt"])

    return train_decoder(config, lambda: captioner(config), sample)


@torch.no_grad()
def caption_images(
    model: Captioner, images: np.ndarray | torch.Tensor, max_len: int = 12
) -> tuple[list[list[str]], list[np.ndarray | None]]:
    """Greedy captions of images (N, 3, 32, 32).

    Returns
    -------
    words : list of list of str
        Per image, the generated words (``<EOS>`` excluded).
    maps : list of ndarray (T_out, 4, 4) or None
        Per image, the attention weights of each step (the ``<EOS>`` step included), on the grid.
    """
    images = torch.as_tensor(images, dtype=torch.float32)
    ids, weights = greedy_from_state(model, model.start(images), max_len)
    words = [[CAPTION_VOCAB.itos[i] for i in row] for row in ids]
    maps = [None if w is None else w.reshape(len(w), GRID, GRID) for w in weights]
    return words, maps


def held_out_batch() -> dict:
    """Return the fixed evaluation set: :data:`N_EVAL` held-out scenes (80 % two objects)."""
    _, held_out = split_scenes(seed=SPLIT_SEED)
    return sample_batch(held_out, N_EVAL, np.random.default_rng(EVAL_SEED))


def evaluate(model: Captioner, batch: dict) -> dict[str, float]:
    """Exact caption match and per-word accuracy (word at the same position) on a batch."""
    words, _ = caption_images(model, batch["images"])
    scores = accuracy([tuple(w) for w in words], [tuple(c.split()) for c in batch["captions"]])
    return {"exact": scores["exact"], "per_word": scores["per_char"]}


def object_attention(model: Captioner, batch: dict) -> dict[str, float]:
    """Where the attention looks while the colour and shape words of an object are generated.

    Over the images of ``batch`` with two objects whose caption comes out exactly right: the mean
    attention weight, at the steps that generate an object's colour and shape words, on that
    object's own cell (location ``l`` of the 4 x 4 grid is cell ``l`` of the image) and on the other
    object's cell (uniform weights would give 1/16 to each), and how often the largest weight of
    such a step is on the object's own cell.

    Returns
    -------
    dict with ``own``, ``other`` (mean weights), ``argmax_own`` (a fraction) and ``n_images``
    """
    words, maps = caption_images(model, batch["images"])
    own, other, top, n = [], [], [], 0
    for said, w, text, scene in zip(words, maps, batch["captions"], batch["scenes"], strict=True):
        if w is None:
            raise ValueError("object_attention needs a model with attention")
        if len(scene.objects) != 2 or said != text.split():
            continue
        n += 1
        flat = w.reshape(len(w), -1)
        cells = [obj[2] for obj in scene.objects]
        for k, steps in enumerate(((1, 2), (len(said) - 2, len(said) - 1))):
            own.extend(flat[list(steps), cells[k]])
            other.extend(flat[list(steps), cells[1 - k]])
            top.extend(flat[list(steps)].argmax(axis=1) == cells[k])
    if n == 0:
        raise ValueError("no two-object image in batch was captioned exactly right")
    return {
        "own": float(np.mean(own)),
        "other": float(np.mean(other)),
        "argmax_own": float(np.mean(top)),
        "n_images": n,
    }


def run(name: str, seed: int, out: Path = RESULTS) -> dict:
    """Train and evaluate one decoder with one seed; write its JSON (and weights for seed 0)."""
    check_choice("name", name, DECODERS)
    torch.set_num_threads(1)
    train_scenes, _ = split_scenes(seed=SPLIT_SEED)
    config = CaptionTrainConfig(attention=DECODERS[name], seed=seed)
    trained, row = timed_training(train_captioner, config, train_scenes)
    row["held_out"] = evaluate(trained.model, held_out_batch())
    weights = trained.model.state_dict() if seed == SEEDS[0] else None
    save_seed_run(out, name, seed, row, weights)
    return row


def load_results(folder: Path = RESULTS) -> dict[str, dict[int, dict]]:
    """Load the shipped results (see :func:`run`): ``results[decoder][seed]``."""
    return load_seed_runs(folder, DECODERS, SEEDS)


def load_model(decoder: str = "attention", folder: Path = RESULTS) -> Captioner:
    """Load the shipped seed-0 model of one decoder, in eval mode."""
    check_choice("decoder", decoder, DECODERS)
    return load_seed_model(folder, decoder, SEEDS[0], lambda c: captioner(CaptionTrainConfig(**c)))


def summary(results: dict[str, dict]) -> dict[tuple[str, str], dict]:
    """Summarise the seeds: ``(decoder, metric) -> {"mean", "min", "max", "values"}``.

    ``metric`` is ``"exact"`` or ``"per_word"``.
    """
    out = {}
    for decoder, res in results.items():
        for metric in ("exact", "per_word"):
            vals = [r["held_out"][metric] for r in res.values()]
            out[decoder, metric] = seed_spread(vals)
    return out


def main(argv: list[str] | None = None) -> None:
    args = parse_seed_run(argv, __doc__.splitlines()[0], DECODERS, SEEDS)
    row = run(args.decoder, args.seed)
    print(args.decoder, args.seed, row["held_out"], f"train {row['train_cpu_s']:.0f} CPU-s")
