"""Cached experiment results.

Stored with the configuration and library versions that produced them, returned only for
exactly that configuration.
"""

from __future__ import annotations

import json
import platform
from pathlib import Path
from typing import Any

import numpy as np

RESULTS_DIR = Path(__file__).with_name("results")


def _versions() -> dict[str, str]:
    import torch

    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": np.__version__,
    }


def _load_cached(name: str, config: dict[str, Any]) -> dict[str, Any] | None:
    """Return the cached result for ``name`` if it was produced with exactly ``config``.

    An experiment may store several configurations: ``<name>.json`` (its defaults) and variants
    ``<name>.<tag>.json`` (a chapter's smaller run); the one whose configuration matches is used.
    """
    wanted = json.loads(json.dumps(config))
    for path in [RESULTS_DIR / f"{name}.json", *sorted(RESULTS_DIR.glob(f"{name}.*.json"))]:
        if not path.is_file():
            continue
        data = json.loads(path.read_text())
        if data.get("config") == wanted:
            data["source"] = f"cache ({path.name})"
            return data
    return None


def _round(obj: Any, keep: tuple[str, ...] = ("config", "baseline")) -> Any:
    """Curves to 5 significant digits (keeps the package small); ``keep`` keys untouched."""
    if isinstance(obj, float):
        return float(f"{obj:.5g}")
    if isinstance(obj, list):
        return [_round(v) for v in obj]
    if isinstance(obj, dict):
        return {k: (v if k in keep else _round(v)) for k, v in obj.items()}
    return obj


def _save_cached(name: str, result: dict[str, Any]) -> Path:
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    out = dict(_round(result), source="live", versions=_versions())
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(out, indent=1) + "\n")
    tmp.replace(path)
    return path


def _config(defaults: dict[str, Any], overrides: dict[str, Any], fn: str) -> dict[str, Any]:
    unknown = set(overrides) - set(defaults)
    if unknown:
        raise TypeError(f"unknown {fn} options {sorted(unknown)}; allowed: {sorted(defaults)}")
    config = dict(defaults, **overrides)
    return json.loads(json.dumps(config))  # lists, not tuples: comparable with the cache


def save_seed_run(
    folder: Path, name: str, seed: int, row: dict[str, Any], state_dict: Any | None = None
) -> None:
    """Write one seed's result as ``<name>_seed<seed>.json`` (and, if given, ``<name>.pt``).

    The multi-seed experiments (dates, captions) ship every seed's numbers but the weights of one
    seed only, which the chapters load to draw their attention maps. Both files are written
    atomically: the weights by :func:`rnncourse.train.checkpoint.save_checkpoint`, the JSON
    through a temporary file renamed over the old one.
    """
    folder.mkdir(parents=True, exist_ok=True)
    if state_dict is not None:
        from rnncourse.train.checkpoint import save_checkpoint

        save_checkpoint(state_dict, folder / f"{name}.pt")
    path = folder / f"{name}_seed{seed}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(row, indent=1))
    tmp.replace(path)


def load_seed_runs(
    folder: Path, names: Any, seeds: tuple[int, ...]
) -> dict[str, dict[int, dict[str, Any]]]:
    """Read what :func:`save_seed_run` wrote: ``results[name][seed]``."""
    return {
        name: {s: json.loads((folder / f"{name}_seed{s}.json").read_text()) for s in seeds}
        for name in names
    }


def load_seed_model(folder: Path, name: str, seed: int, build: Any) -> Any:
    """Return the model :func:`save_seed_run` stored for ``name``, in eval mode.

    ``build(config)`` makes the untrained model from the config dict saved with seed ``seed``
    (the seed whose weights were written).
    """
    from rnncourse.train.checkpoint import load_checkpoint

    config = json.loads((folder / f"{name}_seed{seed}.json").read_text())["config"]
    model = build(config)
    model.load_state_dict(load_checkpoint(folder / f"{name}.pt", expect_format=None))
    return model.eval()


def seed_spread(values: list[float]) -> dict[str, Any]:
    """``{"mean", "min", "max", "values"}`` of one metric over seeds (the book shows the spread)."""
    return {
        "mean": float(np.mean(values)),
        "min": float(np.min(values)),
        "max": float(np.max(values)),
        "values": values,
    }


def parse_seed_run(argv: list[str] | None, description: str, names: Any, seeds: Any) -> Any:
    """Parse ``--decoder NAME --seed K``, the command line of one run of a multi-seed experiment."""
    import argparse

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--decoder", choices=sorted(names), required=True)
    parser.add_argument("--seed", type=int, choices=seeds, required=True)
    return parser.parse_args(argv)
