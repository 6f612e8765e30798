"""Forecasting the yearly sunspot numbers: AR(p) against a small GRU, one step and k steps ahead.

Everything follows one protocol (d2l 9.1): fit on the training years, pick AR's order p on the
validation years, score on the test years, in the series' own units (root mean squared error).
The k-step forecast of year t starts from the values observed up to year t - k and feeds its own
predictions back (:func:`rnncourse.reference.autoregressive.rollout`), so every horizon k is scored
on the same target years. ``python -m rnncourse.train.forecast`` regenerates the cached result.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import nn

from rnncourse.data.series import (
    Normaliser,
    SeriesSplit,
    fit_normaliser,
    load_sunspots,
    make_windows,
    split_by_time,
)
from rnncourse.experiments._cache import _config, _load_cached
from rnncourse.reference.autoregressive import ar_fit, ar_predict, rollout

__all__ = [
    "FORECAST_DEFAULTS",
    "GRUForecaster",
    "horizon_rmse",
    "train_gru_forecaster",
    "sunspot_forecast",
]

FORECAST_DEFAULTS: dict[str, Any] = {
    "valid_from": 1920,
    "test_from": 1960,
    "max_p": 12,  # AR orders tried on the validation years
    "window": 12,  # T: the GRU reads the last 12 years
    "hidden": 8,
    "steps": 300,  # full-batch Adam steps (the best on the validation years is kept)
    "lr": 0.02,
    "horizons": 8,  # k = 1 .. 8
    "seeds": [0, 1, 2],
}


class GRUForecaster(nn.Module):
    """A one-layer GRU that reads a window (N, T, 1) and predicts the next value (N,)."""

    def __init__(self, hidden: int) -> None:
        super().__init__()
        self.gru = nn.GRU(1, hidden, batch_first=True)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return the prediction for the step after each window, shape (N,)."""
        _, h = self.gru(x)
        return self.head(h[-1])[:, 0]


def train_gru_forecaster(
    x: np.ndarray,
    y: np.ndarray,
    valid: tuple[np.ndarray, np.ndarray],
    *,
    hidden: int,
    steps: int,
    lr: float,
    seed: int,
) -> Callable[[np.ndarray], np.ndarray]:
    """Fit a :class:`GRUForecaster` by full-batch Adam on the squared one-step error.

    The weights kept are those of the step with the lowest one-step error on ``valid``
    (checked every 10 steps): early stopping on the validation years.

    Parameters
    ----------
    x : numpy.ndarray, shape (N, T, 1)
        Training windows (normalised).
    y : numpy.ndarray, shape (N,)
        The value after each window.
    valid : tuple of numpy.ndarray
        Validation windows (M, T, 1) and their next values (M,).
    hidden, steps, lr, seed
        Hidden size H, optimiser steps, Adam's learning rate, the seed of the initial weights.

    Returns
    -------
    callable
        One-step predictor: windows (M, T, 1) as NumPy -> predictions (M,) as float64.
    """
    torch.manual_seed(seed)
    model = GRUForecaster(hidden).double()
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    xt, yt = torch.from_numpy(x).double(), torch.from_numpy(y).double()
    xv, yv = (torch.from_numpy(v).double() for v in valid)
    best, best_state = float("inf"), None
    for step in range(steps + 1):
        if step % 10 == 0:
            with torch.no_grad():
                err = float(torch.mean((model(xv) - yv) ** 2))
            if err < best:
                best, best_state = err, {k: v.clone() for k, v in model.state_dict().items()}
        if step == steps:
            break
        opt.zero_grad()
        loss = torch.mean((model(xt) - yt) ** 2)
        loss.backward()
        opt.step()
    model.load_state_dict(best_state)
    model.eval()

    def predict(windows: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return model(torch.from_numpy(np.ascontiguousarray(windows)).double()).numpy()

    return predict


def horizon_rmse(
    predict: Callable[[np.ndarray], np.ndarray],
    z: np.ndarray,
    T: int,
    first_target: int,
    last_target: int,
    k: int,
    norm: Normaliser,
) -> float:
    """RMSE (series units) of the k-step forecasts of the targets ``first_target .. last_target-1``.

    The forecast of ``z[t]`` starts from the observed window ``z[t-k-T+1 : t-k+1]`` and rolls
    k steps; only its last step is scored.
    """
    x, _, t = make_windows(z, T, first_target - k + 1, last_target - k + 1)
    pred = norm.inverse(rollout(predict, x, k)[:, -1])
    return float(np.sqrt(np.mean((pred - norm.inverse(z[t + k - 1])) ** 2)))


def _persistence(x: np.ndarray) -> np.ndarray:
    return x[:, -1, 0]


def _curve(predict, z, T, split: SeriesSplit, horizons: int, norm: Normaliser) -> list[float]:
    end = split.test.stop
    return [
        horizon_rmse(predict, z, T, split.test_start, end, k, norm) for k in range(1, horizons + 1)
    ]


def sunspot_forecast(cached: bool = True, **overrides: Any) -> dict[str, Any]:
    """AR(p), a GRU (one run per seed) and persistence on the sunspot test years, k = 1 .. K.

    Parameters
    ----------
    cached : bool, default True
        Return the stored result for exactly this configuration if there is one.
    **overrides
        Any key of ``FORECAST_DEFAULTS``.

    Returns
    -------
    dict
        ``config``; ``p`` (the AR order chosen on the validation years) and ``ar_valid_rmse``
        (one-step validation RMSE for p = 1 .. max_p); test-year RMSE curves over k = 1 .. K:
        ``ar``, ``persistence`` and ``gru`` (one curve per seed); ``mean``/``std`` of the
        training years.
    """
    config = _config(FORECAST_DEFAULTS, overrides, "sunspot_forecast")
    if cached and (hit := _load_cached("forecast_sunspots", config)) is not None:
        return hit
    c = config
    years, values = load_sunspots()
    split = split_by_time(years, c["valid_from"], c["test_from"])
    norm = fit_normaliser(values, split)
    z = norm.transform(values)
    v0, t0 = split.valid_start, split.test_start

    valid = []
    for p in range(1, c["max_p"] + 1):
        a, b = ar_fit(*make_windows(z, p, 0, v0)[:2])
        valid.append(horizon_rmse(lambda w, a=a, b=b: ar_predict(w, a, b), z, p, v0, t0, 1, norm))
    p = int(np.argmin(valid)) + 1
    a, b = ar_fit(*make_windows(z, p, 0, v0)[:2])

    T, K = c["window"], c["horizons"]
    gru = []
    xg, yg, _ = make_windows(z, T, 0, v0)
    xv, yv, _ = make_windows(z, T, v0, t0)
    for seed in c["seeds"]:
        net = train_gru_forecaster(
            xg, yg, (xv, yv), hidden=c["hidden"], steps=c["steps"], lr=c["lr"], seed=seed
        )
        gru.append(_curve(net, z, T, split, K, norm))
    return {
        "config": config,
        "p": p,
        "ar_coef": a.tolist(),
        "ar_valid_rmse": valid,
        "ar": _curve(lambda w: ar_predict(w, a, b), z, T, split, K, norm),
        "persistence": _curve(_persistence, z, T, split, K, norm),
        "gru": gru,
        "mean": norm.mean,
        "std": norm.std,
        "source": "live",
    }
