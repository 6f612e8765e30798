"""Synthetic long-range tasks.

The adding problem (chapters 7-9) and tagging with the future (chapter 10).
"""

from __future__ import annotations

from typing import Any

from rnncourse.train.experiments._cache import _load_cached

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
    seed=0,
    backend="rnncourse",
)


def adding_problem_curves(
    cached: bool = True, progress: bool = False, **overrides: Any
) -> dict[str, Any]:
    """Learning curves of tanh RNN, GRU and LSTM on the adding problem (uniform variant).

    Each model (H = 32, Adam lr 1e-2, batch 64, gradient clipping at norm 1) sees fresh random
    sequences of length T = 100 at every step and is evaluated on 1000 fixed held-out
    sequences. Live, the default configuration takes a few minutes on one core, so by default the
    result cached in the package is returned; any override of the configuration runs live.

    Parameters
    ----------
    cached : bool, default True
        Return the cached result when the configuration matches it.
    progress : bool, default False
        tqdm bars for a live run.
    **overrides
        Any of ``T, steps, cells, hidden_size, lr, batch_size, clip, eval_every, eval_size,
        seed, backend`` (defaults in ``ADDING_DEFAULTS``).

    Returns
    -------
    dict
        ``"config"``: the configuration (dict); ``"baseline"``: 1/6, the MSE of always
        predicting 1; ``"curves"``: dict cell name -> dict with ``"step"`` (list of int,
        updates done, starting at 0), ``"mse"`` (list of float, held-out MSE at those steps),
        ``"train_loss"`` (list of float, per-update training MSE), ``"final_mse"`` (float) and
        ``"seconds"`` (float, training time); ``"source"``: "live" or "cache (file)";
        cached results also carry ``"versions"``.

    Examples
    --------
    >>> r = adding_problem_curves()                                   # doctest: +SKIP
    >>> r["curves"]["lstm"]["final_mse"] < 0.01 < r["curves"]["rnn"]["final_mse"]  # doctest: +SKIP
    True
    """
    unknown = set(overrides) - set(ADDING_DEFAULTS)
    if unknown:
        raise TypeError(
            f"unknown adding_problem_curves options {sorted(unknown)}; "
            f"allowed: {sorted(ADDING_DEFAULTS)}"
        )
    config = dict(ADDING_DEFAULTS, **overrides)
    config["cells"] = list(config["cells"])
    if cached:
        hit = _load_cached("adding_problem", config)
        if hit is not None:
            return hit
    from rnncourse.train.tasks import train_sequence_task

    curves = {}
    for cell in config["cells"]:
        h = train_sequence_task(
            "adding",
            cell,
            config["hidden_size"],
            config["steps"],
            config["batch_size"],
            config["lr"],
            config["clip"],
            config["seed"],
            config["eval_every"],
            config["eval_size"],
            backend=config["backend"],
            progress=progress,
            T=config["T"],
        )
        curves[cell] = {
            "step": h["eval_step"],
            "mse": h["eval_metric"],
            "train_loss": h["loss"],
            "final_mse": h["eval_metric"][-1],
            "seconds": h["seconds"],
        }
    return {"config": config, "baseline": 1.0 / 6.0, "curves": curves, "source": "live"}


def bidirectional_experiment(
    T: int = 16,
    offset: int = 3,
    n_symbols: int = 4,
    steps: int = 100,
    hidden_size: int = 32,
    cell: str = "gru",
    seed: int = 0,
    backend: str = "rnncourse",
) -> dict[str, Any]:
    """Tag each token with the token ``offset`` steps *later*: only a bidirectional RNN can.

    Trains three small taggers on :func:`rnncourse.data.future_context_task`: a left-to-right
    RNN on the "future" labels (it has not read the answer yet: stays at chance, 1/K), a
    bidirectional RNN on the same labels (its backward half has read it: near 100 %), and the
    left-to-right RNN on the "past" labels as a control (it can remember: near 100 %). A few
    seconds on one core.

    Returns
    -------
    dict
        ``"runs"``: dict with keys ``"unidirectional/future"``, ``"bidirectional/future"``,
        ``"unidirectional/past"``, each a dict with ``"step"`` (list of int) and
        ``"accuracy"`` (list of float, held-out per-token accuracy at those steps) and
        ``"final_accuracy"`` (float); ``"chance"``: float, 1 / ``n_symbols``;
        ``"config"``: dict of the arguments.
    """
    from rnncourse.train.tasks import train_sequence_task

    config = dict(
        T=T,
        offset=offset,
        n_symbols=n_symbols,
        steps=steps,
        hidden_size=hidden_size,
        cell=cell,
        seed=seed,
        backend=backend,
    )
    runs = {}
    for bidir, direction in ((False, "future"), (True, "future"), (False, "past")):
        h = train_sequence_task(
            direction,
            cell,
            hidden_size,
            steps,
            32,
            1e-2,
            1.0,
            seed,
            eval_every=25,
            eval_size=300,
            bidirectional=bidir,
            backend=backend,
            T=T,
            offset=offset,
            n_symbols=n_symbols,
        )
        name = f"{'bidirectional' if bidir else 'unidirectional'}/{direction}"
        runs[name] = {
            "step": h["eval_step"],
            "accuracy": h["eval_metric"],
            "final_accuracy": h["eval_metric"][-1],
        }
    return {"runs": runs, "chance": 1.0 / n_symbols, "config": config}
