"""Chapter 13's reversal toy over three seeds: the encoder-decoder with and without attention.

Each run is :func:`rnncourse.attention_toy.train_reversal` (300 Adam steps on fresh random strings
of T = 8 digits, then greedy decoding of 1000 new strings); the seed sets both the data and the
initial weights. ``python -m rnncourse.experiments reversal`` regenerates the cached result
(about a minute on one core).
"""

from __future__ import annotations

from typing import Any

from rnncourse.experiments._cache import _config, _load_cached

__all__ = ["REVERSAL_DEFAULTS", "reversal_experiment"]

REVERSAL_DEFAULTS: dict[str, Any] = {
    "T": 8,
    "vocab_size": 10,
    "steps": 300,
    "batch_size": 64,
    "hidden_size": 32,
    "lr": 1e-2,
    "seeds": [0, 1, 2],
}


def reversal_experiment(cached: bool = True, **overrides: Any) -> dict[str, Any]:
    """Greedy-decoding accuracy of the reversal model with and without attention, per seed.

    Parameters
    ----------
    cached : bool
        Return the stored result when it was made with exactly this configuration.
    **overrides
        Keys of :data:`REVERSAL_DEFAULTS` (``T``, ``vocab_size``, ``steps``, ``batch_size``,
        ``hidden_size``, ``lr``, ``seeds``); any other name raises ``TypeError``.

    Returns
    -------
    dict
        ``"runs"``: ``{"none": ..., "attention": ...}``, each with ``"token_accuracy"`` and
        ``"sequence_accuracy"`` (lists of float, one per seed, in the order of ``seeds``; the
        fractions of output digits and of whole strings decoded correctly); ``"config"``;
        ``"source"``: ``"live"`` or the cache file's name.
    """
    config = _config(REVERSAL_DEFAULTS, overrides, "reversal_experiment")
    if cached:
        hit = _load_cached("reversal", config)
        if hit is not None:
            return hit
    from rnncourse.attention_toy import train_reversal

    settings = {k: v for k, v in config.items() if k != "seeds"}
    runs: dict[str, dict[str, list[float]]] = {}
    for name in ("none", "attention"):
        token, sequence = [], []
        for seed in config["seeds"]:
            result = train_reversal(attention=name == "attention", seed=seed, **settings)
            token.append(result.token_accuracy)
            sequence.append(result.sequence_accuracy)
        runs[name] = {"token_accuracy": token, "sequence_accuracy": sequence}
    return {"config": config, "runs": runs, "source": "live"}
