"""Synthetic long-range tasks.

The adding problem (chapters 7-9) and tagging with the future (chapter 10).
"""

from __future__ import annotations

from typing import Any

from rnncourse._validation import check_choice
from rnncourse.experiments._cache import _config, _load_cached

ADDING_DEFAULTS: dict[str, Any] = dict(
    T=100,
    steps=1500,
    cells=["rnn", "gru", "lstm"],
    hidden_size=32,
    lr=1e-2,
    batch_size=64,
    clip=1.0,
    eval_every=50,
    eval_size=1000,
    seeds=[0, 1, 2],
    backend="rnncourse",
)
#: Chapter 8's shorter run (T = 50, 200 updates, GRU against a tanh RNN), stored beside the default
#: one as ``adding_problem.t50.json``: ``adding_problem_curves(**ADDING_T50)``.
ADDING_T50: dict[str, Any] = dict(
    T=50, steps=200, cells=["rnn", "gru"], eval_every=25, eval_size=500
)


def _adding_run(job: tuple[str, int, dict[str, Any], bool]) -> dict[str, Any]:
    """Train one (cell, seed) of the adding problem (top level: worker processes call it)."""
    import torch

    from rnncourse.train.tasks import train_sequence_task

    cell, seed, config, progress = job
    torch.set_num_threads(1)  # one process per core; also keeps a run deterministic
    h = train_sequence_task(
        "adding",
        cell,
        config["hidden_size"],
        config["steps"],
        config["batch_size"],
        config["lr"],
        config["clip"],
        seed,
        config["eval_every"],
        config["eval_size"],
        backend=config["backend"],
        progress=progress,
        T=config["T"],
    )
    return h


def adding_problem_curves(
    cached: bool = True, progress: bool = False, workers: int = 1, **overrides: Any
) -> dict[str, Any]:
    """Learning curves of tanh RNN, GRU and LSTM on the adding problem, one run per seed.

    Each model (H = 32, Adam lr 1e-2, batch 64, gradient clipping at norm 1) sees fresh random
    sequences of length T = 100 at every step and is evaluated on 1000 fixed held-out
    sequences; every cell is trained once per seed (weights and data both follow the seed), so
    a comparison rests on the spread over seeds. Live, the default configuration takes several
    minutes of CPU, so by default the result cached in the package is returned; any override of
    the configuration runs live. Regenerate the cache with
    ``python -m rnncourse.experiments adding_problem``.

    Parameters
    ----------
    cached : bool, default True
        Return the cached result when the configuration matches it.
    progress : bool, default False
        tqdm bars (one process) or one line per finished run (several).
    workers : int, default 1
        Processes to train the (cell, seed) runs in; results do not depend on it.
    **overrides
        Any of ``T, steps, cells, hidden_size, lr, batch_size, clip, eval_every, eval_size,
        seeds, backend`` (defaults in ``ADDING_DEFAULTS``).

    Returns
    -------
    dict
        ``"config"``: the configuration (dict); ``"baseline"``: 1/6, the MSE of always
        predicting 1; ``"curves"``: dict cell name -> dict with ``"step"`` (list of int,
        updates done, starting at 0), ``"mse"`` (list over seeds of lists of float, held-out
        MSE at those steps), ``"train_loss"`` (list over seeds of per-update training MSE),
        ``"final_mse"`` (list of float, one per seed, in the order of ``config["seeds"]``) and
        ``"seconds"`` (list of float, training time per seed); ``"source"``: "live" or
        "cache (file)"; cached results also carry ``"versions"``.

    Examples
    --------
    >>> r = adding_problem_curves()                                   # doctest: +SKIP
    >>> max(r["curves"]["lstm"]["final_mse"]) < 0.01 < min(r["curves"]["rnn"]["final_mse"])
    True
    """
    config = _config(ADDING_DEFAULTS, overrides, "adding_problem_curves")
    if not config["seeds"] or not config["cells"]:
        raise ValueError(
            f"seeds and cells must each hold at least one entry, got seeds={config['seeds']} "
            f"and cells={config['cells']}"
        )
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    if cached:
        hit = _load_cached("adding_problem", config)
        if hit is not None:
            return hit
    jobs = [
        (c, s, config, progress and workers == 1) for c in config["cells"] for s in config["seeds"]
    ]
    if workers == 1:
        runs = [_adding_run(job) for job in jobs]
    else:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(workers) as pool:
            runs = list(pool.map(_adding_run, jobs))
    if progress and workers > 1:
        for (cell, seed, _, _), h in zip(jobs, runs, strict=True):
            print(
                f"{cell} seed {seed}: final MSE {h['eval_metric'][-1]:.5f} ({h['seconds']:.0f} s)"
            )
    curves = {}
    for cell in config["cells"]:
        mine = [h for (c, _, _, _), h in zip(jobs, runs, strict=True) if c == cell]
        curves[cell] = {
            "step": mine[0]["eval_step"],
            "mse": [h["eval_metric"] for h in mine],
            "train_loss": [h["loss"] for h in mine],
            "final_mse": [h["eval_metric"][-1] for h in mine],
            "seconds": [h["seconds"] for h in mine],
        }
    return {"config": config, "baseline": 1.0 / 6.0, "curves": curves, "source": "live"}


def adding_summary(result: dict[str, Any], fraction: float = 0.5) -> dict[str, dict[str, Any]]:
    """Per cell: the final MSE over seeds (mean, min, max) and when each seed left the plateau.

    Parameters
    ----------
    result : dict
        What :func:`adding_problem_curves` returns.
    fraction : float, default 0.5
        A run has left the plateau at the first evaluated step whose held-out MSE is below
        ``fraction`` times the baseline (1/6).

    Returns
    -------
    dict
        cell -> ``{"final": list of float (one per seed), "mean", "min", "max": float,
        "exit_step": list of int or None (one per seed; None: never left)}``.
    """
    if not 0 < fraction < 1:
        raise ValueError(f"fraction must lie in (0, 1), got {fraction}")
    out = {}
    for cell, curve in result["curves"].items():
        final = [float(v) for v in curve["final_mse"]]
        exits = []
        for mse in curve["mse"]:
            below = [
                s
                for s, v in zip(curve["step"], mse, strict=True)
                if v < fraction * result["baseline"]
            ]
            exits.append(below[0] if below else None)
        out[cell] = dict(
            final=final,
            mean=sum(final) / len(final),
            min=min(final),
            max=max(final),
            exit_step=exits,
        )
    return out


BIDIRECTIONAL_DEFAULTS: dict[str, Any] = dict(
    settings=["unidirectional/future", "bidirectional/future", "unidirectional/past"],
    cell="gru",
    T=20,
    offset=3,
    n_symbols=4,
    hidden_size=32,
    steps=100,
    batch_size=64,
    lr=1e-2,
    eval_every=25,
    eval_size=500,
    seeds=[0, 1, 2],
    backend="rnncourse",
)


def bidirectional_experiment(cached: bool = True, **overrides: Any) -> dict[str, Any]:
    """Tag each token with the token ``offset`` steps *later*: only a bidirectional RNN can.

    Trains small taggers on :func:`rnncourse.data.future_context_task`, once per seed: a
    left-to-right RNN on the "future" labels (it has not read the answer yet: stays at chance,
    1/K), a bidirectional RNN on the same labels (its backward half has read it: near 100 %), and
    the left-to-right RNN on the "past" labels as a control (it can remember: near 100 %). Each
    run takes about half a second on one core; the default configuration (chapter 10's nine runs)
    is returned from the cache in the package, any override trains live. Regenerate the cache
    with ``python -m rnncourse.experiments bidirectional``.

    Parameters
    ----------
    cached : bool, default True
        Return the cached result when the configuration matches it.
    **overrides
        Any of ``settings, cell, T, offset, n_symbols, hidden_size, steps, batch_size, lr,
        eval_every, eval_size, seeds, backend`` (defaults in ``BIDIRECTIONAL_DEFAULTS``);
        ``settings`` lists which of the three runs to train.

    Returns
    -------
    dict
        ``"runs"``: dict setting -> ``{"step": list of int (updates done, from 0), "accuracy":
        list over seeds of lists of float (held-out per-token accuracy at those steps),
        "final_accuracy": list of float (one per seed)}``, seeds in the order of
        ``config["seeds"]``; ``"chance"``: float, 1 / ``n_symbols``; ``"config"``: dict;
        ``"source"``: "live" or "cache (file)".
    """
    from rnncourse.train.tasks import train_sequence_task

    config = _config(BIDIRECTIONAL_DEFAULTS, overrides, "bidirectional_experiment")
    for name in config["settings"]:
        check_choice("settings", name, BIDIRECTIONAL_DEFAULTS["settings"])
    if not config["seeds"] or not config["settings"]:
        raise ValueError(
            f"seeds and settings must each hold at least one entry, got seeds={config['seeds']} "
            f"and settings={config['settings']}"
        )
    if cached:
        hit = _load_cached("bidirectional", config)
        if hit is not None:
            return hit
    train = {k: config[k] for k in ("hidden_size", "steps", "batch_size", "lr", "eval_every")}
    task = {k: config[k] for k in ("T", "offset", "n_symbols")}
    runs = {}
    for name in config["settings"]:
        direction_of_model, labels = name.split("/")
        hists = [
            train_sequence_task(
                labels,
                config["cell"],
                seed=seed,
                eval_size=config["eval_size"],
                bidirectional=direction_of_model == "bidirectional",
                backend=config["backend"],
                **train,
                **task,
            )
            for seed in config["seeds"]
        ]
        runs[name] = {
            "step": hists[0]["eval_step"],
            "accuracy": [h["eval_metric"] for h in hists],
            "final_accuracy": [h["eval_metric"][-1] for h in hists],
        }
    return {"runs": runs, "chance": 1.0 / config["n_symbols"], "config": config, "source": "live"}
