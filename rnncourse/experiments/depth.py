"""Shallow against stacked GRUs on a memory task, over several seeds (chapter 11).

The task: a stream of random symbols from an alphabet of K; at every step the network outputs the
symbol it saw ``offset`` steps earlier (``train_sequence_task("past", ...)``). Every setting
(layers, hidden size) is trained with each seed; a comparison in the book rests on the spread over
seeds, not on one run. Regenerate the cached result with
``python -m rnncourse.experiments depth`` (a few minutes on one core).
"""

from __future__ import annotations

from typing import Any

from rnncourse.experiments._cache import _config, _load_cached

DEPTH_DEFAULTS: dict[str, Any] = dict(
    settings=[[1, 32], [2, 32], [3, 32], [1, 80]],
    seeds=[0, 1, 2],
    cell="gru",
    n_symbols=8,
    offset=6,
    T=24,
    steps=120,
    batch_size=64,
    lr=1e-2,
    eval_size=1000,
)


def depth_experiment(
    cached: bool = True, progress: bool = False, **overrides: Any
) -> dict[str, Any]:
    """Held-out accuracy of recurrent stacks of several depths and widths, one run per seed.

    Parameters
    ----------
    cached : bool, default True
        Return the result cached in the package when the configuration matches it.
    progress : bool, default False
        Print one line per finished run (live runs only).
    **overrides
        Any of ``settings`` (list of [layers, hidden_size]), ``seeds``, ``cell``, ``n_symbols``,
        ``offset``, ``T``, ``steps``, ``batch_size``, ``lr``, ``eval_size`` (defaults in
        ``DEPTH_DEFAULTS``).

    Returns
    -------
    dict
        ``"config"``; ``"runs"``: list, one dict per setting with ``"layers"``, ``"hidden_size"``,
        ``"params"`` (recurrent parameters of the stack), ``"accuracy"`` (list of float, one
        per seed, in the order of ``config["seeds"]``); ``"chance"``: 1 / n_symbols;
        ``"source"``: "live" or "cache (file)".
    """
    config = _config(DEPTH_DEFAULTS, overrides, "depth_experiment")
    if not config["seeds"] or not config["settings"]:
        raise ValueError("seeds and settings must each hold at least one entry")
    for setting in config["settings"]:
        if len(setting) != 2 or min(setting) < 1:
            raise ValueError(f"settings: each must be [layers, hidden_size] >= 1, got {setting}")
    if cached:
        hit = _load_cached("depth", config)
        if hit is not None:
            return hit
    from rnncourse.train.models import make_rnn
    from rnncourse.train.tasks import train_sequence_task

    runs = []
    for layers, hidden in config["settings"]:
        accuracy = []
        for seed in config["seeds"]:
            run = train_sequence_task(
                "past",
                cell=config["cell"],
                hidden_size=hidden,
                num_layers=layers,
                steps=config["steps"],
                batch_size=config["batch_size"],
                lr=config["lr"],
                clip=None,
                seed=seed,
                eval_every=config["steps"],
                eval_size=config["eval_size"],
                T=config["T"],
                offset=config["offset"],
                n_symbols=config["n_symbols"],
            )
            accuracy.append(float(run["eval_metric"][-1]))
            if progress:
                print(f"{layers} x {hidden}, seed {seed}: accuracy {accuracy[-1]:.3f}")
        # the recurrent stack's parameter count (the tagger's embedding feeds it 16 features)
        stack = make_rnn(config["cell"], 16, hidden, num_layers=layers)
        params = sum(p.numel() for p in stack.parameters())
        runs.append(dict(layers=layers, hidden_size=hidden, params=params, accuracy=accuracy))
    return {"config": config, "runs": runs, "chance": 1 / config["n_symbols"], "source": "live"}
