"""A small character-level LSTM trained on Python source, shipped with the package for the book.

Chapter 12 ("Looking inside") needs a model that has learned something about code, but a chapter
must execute in seconds. :func:`train_demo_lm` trains it (a few CPU minutes; run
``python -m rnncourse.widgets.demo_model`` to regenerate); :func:`load_demo_lm` loads the stored
weights (float16 in a JSON file next to this module, package data) into a
:class:`rnncourse.train.models.CharLM` of ``rnncourse.nn`` layers, so its gates can be recorded.
"""

from __future__ import annotations

import base64
import json
import time
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["DEMO_CONFIG", "train_demo_lm", "load_demo_lm", "save_demo_lm"]

FILE = "demo_lstm.json"
#: Training setup of the stored model (rnncourse.train.lm.TrainConfig fields).
DEMO_CONFIG: dict[str, Any] = dict(
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
CORPUS_CHARS = 2_000_000


def train_demo_lm(time_budget: float | None = None, progress: bool = True):
    """Train the demo model on the standard-library corpus (training files).

    Returns
    -------
    rnncourse.train.lm.LMTrainer
        With ``.model`` (CharLM), ``.vocab`` and ``.history``.
    """
    from rnncourse.data import load_corpus
    from rnncourse.train.lm import LMTrainer, TrainConfig

    text = load_corpus("stdlib", max_chars=CORPUS_CHARS)
    trainer = LMTrainer(text, None, TrainConfig(**DEMO_CONFIG))
    trainer.fit(time_budget=time_budget, progress=progress)
    return trainer


def save_demo_lm(trainer, path: str | Path | None = None) -> Path:
    """Write the model weights (float16, base64) and vocabulary as JSON (write, then rename)."""
    path = Path(path) if path is not None else Path(__file__).with_name(FILE)
    state = {k: v.detach().cpu().numpy() for k, v in trainer.model.state_dict().items()}
    out = {
        "config": dict(DEMO_CONFIG),
        "steps": int(trainer.step),
        "train_bpc": float(np.mean(trainer.history["bpc"][-50:])),
        "vocab": trainer.vocab.itos,
        "state": {
            k: {
                "shape": list(v.shape),
                "b64": base64.b64encode(v.astype("<f2").tobytes()).decode("ascii"),
            }
            for k, v in state.items()
        },
    }
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(out))
    tmp.replace(path)
    return path


def load_demo_lm() -> tuple[Any, Any, dict[str, Any]]:
    """Load the stored demo model.

    Returns
    -------
    model : rnncourse.train.models.CharLM
        float32, eval mode.
    vocab : rnncourse.data.CharVocab
    info : dict
        ``config``, ``steps`` (updates trained) and ``train_bpc`` (training bits per character,
        mean of the last 50 updates).
    """
    import torch

    from rnncourse.data import CharVocab
    from rnncourse.train.models import CharLM

    raw = json.loads(resources.files("rnncourse.widgets").joinpath(FILE).read_text("utf-8"))
    vocab = CharVocab(raw["vocab"])
    cfg = raw["config"]
    model = CharLM(len(vocab), cfg["hidden_size"], cfg["num_layers"], cfg["cell"], cfg["embed_dim"])
    state = {
        k: torch.from_numpy(
            np.frombuffer(base64.b64decode(v["b64"]), dtype="<f2")
            .astype(np.float32)
            .reshape(v["shape"])
        )
        for k, v in raw["state"].items()
    }
    model.load_state_dict(state)
    model.eval()
    info = {k: raw[k] for k in ("config", "steps", "train_bpc")}
    return model, vocab, info


if __name__ == "__main__":
    import torch

    torch.set_num_threads(1)
    start = time.time()
    tr = train_demo_lm(time_budget=600.0, progress=False)
    print(f"trained {tr.step} steps in {time.time() - start:.0f} s; wrote {save_demo_lm(tr)}")
