"""The one pretrained model of the package: a small character-level LSTM trained on Python source.

Chapters 9 and 12 and the widgets look inside it: a chapter must execute in seconds, training a
model that has learned something about code takes CPU minutes, so the weights ship with the
package (float16 in ``rnncourse/experiments/results/pretrained_lstm.pt``, the checkpoint format of
:func:`rnncourse.train.load_model`). :func:`train_pretrained_charlm` is the run that produced them
(``python -m rnncourse.experiments pretrained`` repeats it and overwrites the file).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from rnncourse.experiments._cache import RESULTS_DIR

__all__ = [
    "PRETRAINED_CONFIG",
    "PRETRAINED_MODEL",
    "pretrained_charlm",
    "pretrained_charlm_info",
    "train_pretrained_charlm",
]

PRETRAINED_MODEL = "pretrained_lstm.pt"
#: Training setup of the shipped model (rnncourse.train.TrainConfig fields).
PRETRAINED_CONFIG: dict[str, Any] = dict(
    cell="lstm",
    hidden_size=128,
    num_layers=1,
    embed_dim=32,
    batch_size=32,
    seq_len=100,
    lr=5e-3,
    warmup_steps=50,
    max_steps=3000,
    clip=1.0,
    eval_every=0,
    device="cpu",
    seed=0,
)
#: Characters of the stdlib corpus it is trained on (from the training files).
CORPUS_CHARS = 2_000_000
#: Held-out characters its ``valid_bpc`` is measured on (the first of the validation files).
EVAL_CHARS = 100_000


def train_pretrained_charlm(time_budget: float | None = 600.0, progress: bool = True) -> Any:
    """Train the model that ships as :func:`pretrained_charlm` (a few CPU minutes).

    Parameters
    ----------
    time_budget : float or None
        Seconds of training at most (None: all ``max_steps`` updates).
    progress : bool
        Show a tqdm bar.

    Returns
    -------
    rnncourse.train.LMTrainer
        With ``.model`` (CharLM), ``.vocab`` and ``.history``.
    """
    from rnncourse.data import load_corpus
    from rnncourse.train.lm import LMTrainer, TrainConfig

    text = load_corpus("stdlib", max_chars=CORPUS_CHARS)
    trainer = LMTrainer(text, None, TrainConfig(**PRETRAINED_CONFIG))
    trainer.fit(time_budget=time_budget, progress=progress)
    return trainer


def held_out_bpc(model: Any, vocab: Any) -> float:
    """Bits per character of ``model`` on the first ``EVAL_CHARS`` held-out stdlib characters.

    Characters outside ``vocab`` are dropped from the text first.
    """
    from rnncourse.data import load_corpus
    from rnncourse.train.lm import LMTrainer, TrainConfig

    text = load_corpus("stdlib", "valid", max_chars=EVAL_CHARS + 1)
    text = "".join(ch for ch in text if ch in vocab.stoi)
    fields = ("cell", "hidden_size", "num_layers", "embed_dim")
    config = TrainConfig(**{k: PRETRAINED_CONFIG[k] for k in fields}, device="cpu")
    scorer = LMTrainer(text, text, config, vocab=vocab)
    scorer.model.load_state_dict(model.state_dict())
    return scorer.evaluate()


def save_pretrained(trainer: Any) -> Path:
    """Write ``trainer``'s weights (float16), vocabulary, config and scores as the shipped model.

    Returns
    -------
    pathlib.Path
        The file written; :func:`pretrained_charlm_info` reads back what it stores.
    """
    import numpy as np

    from rnncourse.train.checkpoint import FORMAT, save_checkpoint

    model = trainer.model.eval()
    info = {
        "steps": int(trainer.step),
        "train_bpc": float(np.mean(trainer.history["bpc"][-50:])),
        "corpus_chars": CORPUS_CHARS,
    }
    # float16 halves the file; load_model casts back to float32 (scores move by ~1e-5)
    state = {k: v.detach().cpu().half() for k, v in model.state_dict().items()}
    half = type(model)(len(trainer.vocab), **_sizes()).eval()
    half.load_state_dict(state)
    info["valid_bpc"] = held_out_bpc(half, trainer.vocab)
    return save_checkpoint(
        {
            "format": FORMAT,
            "config": dataclasses.asdict(trainer.config),
            "vocab": trainer.vocab.to_dict(),
            "model": state,
            "info": info,
        },
        RESULTS_DIR / PRETRAINED_MODEL,
    )


def _sizes() -> dict[str, Any]:
    c = PRETRAINED_CONFIG
    return dict(
        hidden_size=c["hidden_size"],
        num_layers=c["num_layers"],
        cell=c["cell"],
        embed_dim=c["embed_dim"],
    )


def _path():
    path = RESULTS_DIR / PRETRAINED_MODEL
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} is missing; run `python -m rnncourse.experiments pretrained`"
        )
    return path


def pretrained_charlm(backend: str = "rnncourse") -> tuple[Any, Any]:
    """Load the pretrained character-level LSTM shipped with the package.

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

    model, vocab, _ = load_model(_path(), backend=backend)
    return model, vocab


def pretrained_charlm_info() -> dict[str, Any]:
    """How the pretrained model was trained and what it scores.

    Returns
    -------
    dict
        ``config`` (its TrainConfig as a dict), ``steps`` (updates trained), ``train_bpc``
        (training bits per character, mean of the last 50 updates), ``valid_bpc`` (held-out bits
        per character on the first ``EVAL_CHARS`` characters of the validation files) and
        ``corpus_chars`` (training characters).
    """
    from rnncourse.train.checkpoint import load_checkpoint

    ck = load_checkpoint(_path())
    return dict(ck["info"], config=ck["config"])
