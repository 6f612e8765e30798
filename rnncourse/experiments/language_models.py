"""Measured experiments of "Training recurrent language models well" (the page under chapter 6).

Every function returns a cached result from ``rnncourse/experiments/results/`` when called with its
defaults, and runs live otherwise (any keyword override, or ``cached=False``). Regenerate all four
cached results (under ten CPU-minutes on one thread; about half an hour of wall-clock on a busy
two-core machine) with::

    nice -n 10 python -m rnncourse.experiments ngram_baselines word_vs_char \
        lm_comparison speed_repeats

Experiments
-----------
ngram_baselines
    Held-out bits per character of n-gram models, n = 1..5, with four smoothings.
lm_comparison
    RNN and LSTM language models, with and without each regulariser and with two ways of cutting
    the text into minibatches: held-out bits per character from 3 seeds each, at equal steps.
word_vs_char
    The same text as characters and as words: vocabulary, ``<UNK>`` rate, sequence lengths and
    the measured cost of one training step.
speed_repeats
    Training throughput of the ten-minute model (chapter 6) in float32 and bfloat16 and with
    more streams, measured three times so that the speed-ups come with a spread.
summarize
    Mean, sample standard deviation, min and max of a list of per-seed values.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from rnncourse.data import CharVocab, NGramLM, WordVocab, convert_loss, load_corpus
from rnncourse.experiments._cache import _config, _load_cached

DATA_DEFAULTS: dict[str, Any] = dict(train_chars=60_000, valid_chars=30_000)

NGRAM_DEFAULTS: dict[str, Any] = dict(
    DATA_DEFAULTS,
    orders=[1, 2, 3, 4, 5],
    smoothings={
        "add-k": {"k": 0.1},
        "jelinek-mercer": {"lambdas": 0.8},
        "witten-bell": {},
        "kneser-ney": {"discount": 0.75},
    },
)

# the model every variant starts from; each variant changes only what its name says. The shipped
# results were made with rnncourse.nn's layers (then the trainer's default), named here so that
# regenerating them reproduces them now that the default is torch.nn.
LM_BASE: dict[str, Any] = dict(
    cell="lstm",
    hidden_size=128,
    embed_dim=128,
    batch_size=32,
    seq_len=64,
    lr=3e-3,
    warmup_steps=20,
    max_steps=300,
    clip=1.0,
    clip_mode="norm",
    backend="rnncourse",
)
LM_VARIANTS: dict[str, dict[str, Any]] = {
    "RNN (tanh)": {"cell": "rnn"},
    "LSTM": {},
    "LSTM + dropout 0.25, new mask every step": {"dropout": 0.25},
    "LSTM + dropout 0.25, locked mask": {"dropout": 0.25, "locked_dropout": True},
    "LSTM + tied embedding/read-out": {"tie_weights": True},
    "LSTM + layer norm": {"layer_norm": True},
    "LSTM, clipped by value at 0.01": {"clip_mode": "value", "clip": 0.01},
    "LSTM, random windows, zero state": {"partition": "random"},
}
LM_DEFAULTS: dict[str, Any] = dict(
    DATA_DEFAULTS,
    base=LM_BASE,
    variants=LM_VARIANTS,
    seeds=[0, 1, 2],
    eval_streams=8,
    eval_seq_len=256,
)

WORD_CHAR_DEFAULTS: dict[str, Any] = dict(
    train_chars=300_000,
    valid_chars=30_000,
    min_count=2,
    hidden_size=128,
    batch_size=32,
    seq_len=64,
    repeats=5,
)


def summarize(values: list[float]) -> dict[str, float]:
    """``{"mean", "std" (sample, ddof=1), "min", "max", "n"}`` of per-seed values."""
    v = np.asarray(values, dtype=np.float64)
    if v.size < 2:
        raise ValueError(f"need at least 2 values for a spread, got {v.size}")
    return {
        "mean": float(v.mean()),
        "std": float(v.std(ddof=1)),
        "min": float(v.min()),
        "max": float(v.max()),
        "n": int(v.size),
    }


def _texts(config: dict[str, Any]) -> tuple[str, str]:
    train = load_corpus("stdlib", "train", max_chars=config["train_chars"])
    valid = load_corpus("stdlib", "valid", max_chars=config["valid_chars"])
    return train, valid


def _char_vocab(config: dict[str, Any]) -> CharVocab:
    # the same vocabulary for every model of the chapter: the characters of both texts
    train, valid = _texts(config)
    return CharVocab.from_text(train + valid)


# ----------------------------------------------------------------------------- n-grams
def ngram_baselines(cached: bool = True, **overrides: Any) -> dict[str, Any]:
    """Held-out bits per character of smoothed n-gram models on the stdlib corpus.

    Returns
    -------
    dict
        ``"config"``; ``"vocab_size"``; ``"bits"``: {smoothing: [bits for n in orders]};
        ``"seconds"``: {smoothing: [fit + score seconds]}.
    """
    config = _config(NGRAM_DEFAULTS, overrides, "ngram_baselines")
    if cached and (hit := _load_cached("ngram_baselines", config)) is not None:
        return hit
    train, valid = _texts(config)
    vocab = _char_vocab(config)
    a, b = vocab.encode(train), vocab.encode(valid)
    bits: dict[str, list[float]] = {}
    secs: dict[str, list[float]] = {}
    for name, kw in config["smoothings"].items():
        bits[name], secs[name] = [], []
        for n in config["orders"]:
            t0 = time.perf_counter()
            lm = NGramLM(n, len(vocab), name, **kw).fit(a)
            bits[name].append(convert_loss(lm.cross_entropy(b), "bits"))
            secs[name].append(time.perf_counter() - t0)
    return {
        "config": config,
        "vocab_size": len(vocab),
        "bits": bits,
        "seconds": secs,
        "source": "live",
    }


# ----------------------------------------------------------------------------- RNN / LSTM
def _train_variant(
    config: dict[str, Any], overrides: dict[str, Any], seed: int, texts: tuple[str, str]
) -> dict[str, float]:
    import torch

    from rnncourse.train.lm import LMTrainer, TrainConfig

    train, valid = texts
    settings = dict(config["base"], **overrides)
    tc = TrainConfig(**settings, seed=seed, eval_every=0, device="cpu", eval_chars=len(valid))
    torch.manual_seed(seed)
    trainer = LMTrainer(train, valid, tc, vocab=_char_vocab(config))
    t0 = time.process_time()
    history = trainer.fit(progress=False)
    seconds = time.process_time() - t0  # CPU seconds: the machine was shared
    N, T = config["eval_streams"], config["eval_seq_len"]
    # N long streams, state carried through each: every character but the first of a stream
    # is predicted from all the stream before it, as the n-gram models are scored
    carried = trainer.evaluate(batch_size=N, seq_len=T)
    reset = trainer.evaluate(batch_size=N, seq_len=config["base"]["seq_len"], carry_state=False)
    on_train = trainer.evaluate(text=train[: len(valid)], batch_size=N, seq_len=T)
    last = history["bpc"][-20:]
    return {
        "valid_bpc": carried,
        "valid_bpc_reset": reset,
        "train_text_bpc": on_train,
        "final_train_loss_bpc": float(np.mean(last)),
        "seconds": seconds,
        "params": sum(p.numel() for p in trainer.model.parameters()),
    }


def lm_comparison(cached: bool = True, progress: bool = False, **overrides: Any) -> dict[str, Any]:
    """Every variant of ``LM_VARIANTS`` trained with every seed, at equal steps.

    Returns
    -------
    dict
        ``"config"``; ``"runs"``: {variant: [per-seed dict with ``valid_bpc`` (held out, state
        carried), ``valid_bpc_reset`` (held out, zero state at the start of every training-length
        window), ``train_text_bpc`` (the same amount of training text, scored the same way),
        ``final_train_loss_bpc``, ``seconds`` (CPU seconds of training), ``params``]};
        ``"summary"``: {variant: {metric: :func:`summarize`}}.
    """
    config = _config(LM_DEFAULTS, overrides, "lm_comparison")
    if cached and (hit := _load_cached("lm_comparison", config)) is not None:
        return hit
    texts = _texts(config)
    runs: dict[str, list[dict[str, float]]] = {}
    for name, variant in config["variants"].items():
        runs[name] = []
        for seed in config["seeds"]:
            runs[name].append(_train_variant(config, variant, seed, texts))
            if progress:
                r = runs[name][-1]
                print(f"{name:45s} seed {seed}: {r['valid_bpc']:.3f} bpc ({r['seconds']:.0f} s)")
    summary = {
        name: {m: summarize([r[m] for r in rs]) for m in rs[0] if m != "params"}
        for name, rs in runs.items()
    }
    return {"config": config, "runs": runs, "summary": summary, "source": "live"}


# ----------------------------------------------------------------------------- words vs chars
def _step_seconds(vocab_size: int, config: dict[str, Any], repeats: int) -> list[float]:
    """Seconds of one forward+backward+Adam update of a 1-layer LSTM LM over V outputs."""
    import torch

    from rnncourse.train.models import CharLM

    torch.manual_seed(0)
    H, N, T = config["hidden_size"], config["batch_size"], config["seq_len"]
    model = CharLM(vocab_size, H, embed_dim=H)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.randint(0, vocab_size, (N, T))
    y = torch.randint(0, vocab_size, (N, T))
    times = []
    for k in range(repeats + 1):
        t0 = time.perf_counter()
        logits, _ = model(x)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, vocab_size), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        if k:  # the first update warms up the allocator
            times.append(time.perf_counter() - t0)
    return times


def word_vs_char(cached: bool = True, **overrides: Any) -> dict[str, Any]:
    """Character and word tokenisation of the same text, measured.

    Returns
    -------
    dict
        ``"config"``; for ``"char"`` and ``"word"``: ``vocab_size``, ``unk_rate`` (fraction of
        held-out tokens that are ``<UNK>``), ``valid_tokens`` (tokens in the held-out text),
        ``step_seconds`` (list, one per repeat, of an (N, T) training update);
        ``"chars_per_word"``: held-out characters per word token.
    """
    config = _config(WORD_CHAR_DEFAULTS, overrides, "word_vs_char")
    if cached and (hit := _load_cached("word_vs_char", config)) is not None:
        return hit
    import torch

    train, valid = _texts(config)
    chars = CharVocab.from_text(train)
    words = WordVocab.from_text(train, min_count=config["min_count"])
    out: dict[str, Any] = {"config": config, "source": "live"}
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        for name, vocab in (("char", chars), ("word", words)):
            ids = vocab.encode(valid) if name == "word" else _encode_unk(chars, valid)
            out[name] = {
                "vocab_size": len(vocab),
                "unk_rate": float(np.mean(ids == vocab.unk_id)),
                "valid_tokens": int(len(ids)),
                "step_seconds": _step_seconds(len(vocab), config, config["repeats"]),
            }
    finally:
        torch.set_num_threads(threads)
    out["chars_per_word"] = len(valid) / out["word"]["valid_tokens"]
    return out


def _encode_unk(vocab: CharVocab, text: str) -> np.ndarray:
    """Character ids with ``<UNK>`` for characters the training text never had."""
    return np.array([vocab.stoi.get(c, vocab.unk_id) for c in text], dtype=np.int64)


# ----------------------------------------------------------------------------- speed, repeated
SPEED_DEFAULTS: dict[str, Any] = dict(
    hidden_size=256,
    num_layers=2,
    embed_dim=64,
    updates=6,
    repeats=3,
    backend="rnncourse",
    settings={
        "float32, 64 streams of 128": {"batch_size": 64, "seq_len": 128, "amp": "none"},
        "bfloat16, 64 streams of 128": {"batch_size": 64, "seq_len": 128, "amp": "bf16"},
        "bfloat16, 256 streams of 64": {"batch_size": 256, "seq_len": 64, "amp": "bf16"},
    },
)


def speed_repeats(cached: bool = True, **overrides: Any) -> dict[str, Any]:
    """Training throughput of the ten-minute model's settings, measured ``repeats`` times.

    Each repeat times ``updates`` updates of every setting one after the other (after one
    warm-up update), so every ratio compares runs made under the same machine load.

    Returns
    -------
    dict
        ``"config"``; ``"chars_per_cpu_s"``: {setting: [one value per repeat]} (training
        characters per CPU-second of the process, one thread).
    """
    config = _config(SPEED_DEFAULTS, overrides, "speed_repeats")
    if cached and (hit := _load_cached("speed_repeats", config)) is not None:
        return hit
    import torch

    from rnncourse.train.allocator import keep_freed_memory
    from rnncourse.train.lm import LMTrainer, TrainConfig

    keep_freed_memory()
    text = load_corpus("stdlib", "train", max_chars=600_000)
    trainers = {
        name: LMTrainer(
            text,
            None,
            TrainConfig(
                hidden_size=config["hidden_size"],
                num_layers=config["num_layers"],
                embed_dim=config["embed_dim"],
                backend=config["backend"],
                device="cpu",
                eval_every=0,
                **s,
            ),
        )
        for name, s in config["settings"].items()
    }
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    speeds: dict[str, list[float]] = {name: [] for name in trainers}
    try:
        for tr in trainers.values():
            tr.train_step()  # warm-up
        for _ in range(config["repeats"]):
            for name, tr in trainers.items():
                t0 = time.process_time()
                for _ in range(config["updates"]):
                    tr.train_step()
                cpu = time.process_time() - t0
                speeds[name].append(config["updates"] * tr.chars_per_step / cpu)
    finally:
        torch.set_num_threads(threads)
    return {"config": config, "chars_per_cpu_s": speeds, "source": "live"}


REGENERATE = {
    "ngram_baselines": lambda: ngram_baselines(cached=False),
    "word_vs_char": lambda: word_vs_char(cached=False),
    "lm_comparison": lambda: lm_comparison(cached=False, progress=True),
    "speed_repeats": lambda: speed_repeats(cached=False),
}


__all__ = ["lm_comparison", "ngram_baselines", "speed_repeats", "summarize", "word_vs_char"]
