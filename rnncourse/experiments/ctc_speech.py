"""A small CTC speech recogniser on the shipped spoken digit strings, three seeds.

A 1-D convolution (stride 3: about 17 frames a second) and a bidirectional GRU read the log-mel
features of :mod:`rnncourse.data.speech`; a linear layer gives log probabilities over the blank
and the ten digits, trained with ``torch.nn.CTCLoss``. The test split's voices and speaking rates
are held out. Scored by the digit error rate (edit distance / number of digits) and the share of
strings exactly right, for best-path and prefix beam decoding (both from
:mod:`rnncourse.reference.ctc`). ``python -m rnncourse.experiments ctc_speech`` regenerates the
cache; on 2 cores each seed trains in about a minute.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import torch
from torch import nn

from rnncourse.data.speech import BLANK, NUM_CLASSES, SpokenDigits, load_spoken_digits
from rnncourse.experiments._cache import _config, _load_cached
from rnncourse.reference.ctc import ctc_forward, ctc_greedy_decode, ctc_prefix_beam_search

__all__ = ["CTC_DEFAULTS", "CTCRecogniser", "edit_distance", "train_recogniser", "ctc_speech"]

CTC_DEFAULTS: dict[str, Any] = {
    "hidden": 48,
    "channels": 48,
    "stride": 3,
    "epochs": 6,
    "batch": 32,
    "lr": 0.003,
    "beam_width": 8,
    "n_train": 1200,  # utterances used (the shipped splits have 1200 and 300)
    "n_test": 300,
    "seeds": [0, 1, 2],
}


class CTCRecogniser(nn.Module):
    """Conv1d (a stride) + ReLU, a bidirectional GRU, a linear layer: (N, T, 20) -> (T', N, C)."""

    def __init__(self, n_mels: int, channels: int, hidden: int, stride: int) -> None:
        super().__init__()
        self.stride = stride
        self.conv = nn.Conv1d(n_mels, channels, kernel_size=5, stride=stride, padding=2)
        self.gru = nn.GRU(channels, hidden, batch_first=True, bidirectional=True)
        self.head = nn.Linear(2 * hidden, NUM_CLASSES)

    def output_lengths(self, lengths: torch.Tensor) -> torch.Tensor:
        """Frames after the strided convolution (kernel 5, padding 2): floor((T - 1) / s) + 1."""
        return (lengths - 1) // self.stride + 1

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return log probabilities (T', N, C), CTCLoss's layout."""
        h = torch.relu(self.conv(x.transpose(1, 2))).transpose(1, 2)  # (N, T', channels)
        return self.head(self.gru(h)[0]).log_softmax(-1).transpose(0, 1)


def edit_distance(a: list[int], b: list[int]) -> int:
    """Levenshtein distance: fewest insertions, deletions and substitutions turning a into b."""
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (x != y))
    return row[-1]


def _pad(data: SpokenDigits, idx: np.ndarray, mean: np.ndarray, std: np.ndarray) -> tuple:
    feats = [(data.features[i] - mean) / std for i in idx]
    lengths = torch.tensor([len(f) for f in feats])
    x = torch.zeros(len(idx), int(lengths.max()), feats[0].shape[1])
    for n, f in enumerate(feats):
        x[n, : len(f)] = torch.from_numpy(f)
    labels = [data.labels[i] for i in idx]
    target_lengths = torch.tensor([len(s) for s in labels])
    targets = torch.zeros(len(idx), int(target_lengths.max()), dtype=torch.long)
    for n, s in enumerate(labels):
        targets[n, : len(s)] = torch.from_numpy(s)
    return x, lengths, targets, target_lengths


def train_recogniser(
    train: SpokenDigits,
    *,
    hidden: int,
    channels: int,
    stride: int,
    epochs: int,
    batch: int,
    lr: float,
    seed: int,
) -> tuple[CTCRecogniser, np.ndarray, np.ndarray, list[float]]:
    """Train by Adam on the mean CTC loss; return the model, the feature mean/std, epoch losses."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    stacked = np.concatenate(train.features)
    mean, std = stacked.mean(axis=0), stacked.std(axis=0) + 1e-3  # training statistics only
    model = CTCRecogniser(stacked.shape[1], channels, hidden, stride)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    ctc = nn.CTCLoss(blank=BLANK)
    losses = []
    for _ in range(epochs):
        order, total = rng.permutation(len(train.features)), 0.0
        for start in range(0, len(order), batch):
            x, lengths, targets, target_lengths = _pad(
                train, order[start : start + batch], mean, std
            )
            loss = ctc(model(x), targets, model.output_lengths(lengths), target_lengths)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            total += loss.item() * len(x)
        losses.append(total / len(order))
    return model.eval(), mean, std, losses


def _score(hyps: list[list[int]], refs: list[np.ndarray]) -> dict[str, float]:
    errors = sum(edit_distance(h, list(r)) for h, r in zip(hyps, refs, strict=True))
    exact = sum(h == list(r) for h, r in zip(hyps, refs, strict=True))
    return {"der": float(errors / sum(len(r) for r in refs)), "string_acc": exact / len(refs)}


def ctc_speech(cached: bool = True, **overrides: Any) -> dict[str, Any]:
    """Train one recogniser per seed and score it on the held-out voices and rates.

    Returns
    -------
    dict
        ``config``; per seed (lists in seed order): ``greedy`` and ``beam`` (``der``,
        ``string_acc``), ``train_loss`` (per epoch), ``seconds`` (training time);
        ``numpy_vs_torch`` (largest gap between our CTC loss and torch's on the test set, seed 0);
        ``example`` (seed 0's log probabilities (T', C) on the first test utterance, its digits).
    """
    config = _config(CTC_DEFAULTS, overrides, "ctc_speech")
    if cached and (hit := _load_cached("ctc_speech", config)) is not None:
        return hit
    c = config
    full = load_spoken_digits("train")
    train = SpokenDigits(*(field[: c["n_train"]] for field in full))
    test = SpokenDigits(*(field[: c["n_test"]] for field in load_spoken_digits("test")))
    out: dict[str, Any] = {"config": config, "greedy": [], "beam": [], "train_loss": []}
    out["seconds"] = []
    for seed in c["seeds"]:
        t0 = time.perf_counter()
        model, mean, std, losses = train_recogniser(
            train, hidden=c["hidden"], channels=c["channels"], stride=c["stride"],
            epochs=c["epochs"], batch=c["batch"], lr=c["lr"], seed=seed,
        )  # fmt: skip
        out["seconds"].append(time.perf_counter() - t0)
        out["train_loss"].append(losses)
        x, lengths, targets, target_lengths = _pad(test, np.arange(len(test.labels)), mean, std)
        with torch.no_grad():
            log_probs = model(x).double()
        lp, out_lengths = log_probs.numpy(), model.output_lengths(lengths).numpy()
        greedy = ctc_greedy_decode(lp, out_lengths, BLANK)
        beam = [
            list(ctc_prefix_beam_search(lp[: out_lengths[n], n], c["beam_width"], BLANK)[0][0])
            for n in range(lp.shape[1])
        ]
        out["greedy"].append(_score(greedy, test.labels))
        out["beam"].append(_score(beam, test.labels))
        if seed == c["seeds"][0]:
            ours = ctc_forward(
                lp, targets.numpy(), out_lengths, target_lengths.numpy(), BLANK, "none"
            )[0]
            ref = nn.functional.ctc_loss(
                log_probs, targets, torch.from_numpy(out_lengths), target_lengths, BLANK, "none"
            ).numpy()
            out["numpy_vs_torch"] = float(np.abs(ours - ref).max())
            out["example"] = {
                "digits": "".join(str(int(k) - 1) for k in test.labels[0]),
                "voice": test.voices[0],
                "speed": int(test.speeds[0]),
                "log_probs": lp[: out_lengths[0], 0].round(3).tolist(),
            }
    out["source"] = "live"
    return out
