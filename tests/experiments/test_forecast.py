import numpy as np
import pytest
import torch

from rnncourse.data.series import fit_normaliser, load_sunspots, make_windows, split_by_time
from rnncourse.experiments.forecast import (
    FORECAST_DEFAULTS,
    GRUForecaster,
    horizon_rmse,
    sunspot_forecast,
    train_gru_forecaster,
)
from rnncourse.reference.autoregressive import rollout


def test_gru_forecaster_shapes():
    model = GRUForecaster(4)
    assert model(torch.zeros(3, 7, 1)).shape == (3,)


def test_horizon_rmse_scores_the_same_targets_at_every_k():
    z = np.arange(30.0)
    norm = fit_normaliser(z, split_by_time(np.arange(30), 10, 20))
    linear = lambda w: 2 * w[:, -1, 0] - w[:, -2, 0]  # exact on a straight line  # noqa: E731
    for k in (1, 3, 5):
        assert horizon_rmse(linear, z, 3, 20, 30, k, norm) == pytest.approx(0.0, abs=1e-12)
    persistence = lambda w: w[:, -1, 0]  # noqa: E731
    for k in (1, 3, 5):  # off by k steps on every target, in the series' units
        expected = k * norm.std
        assert horizon_rmse(persistence, z, 3, 20, 30, k, norm) == pytest.approx(expected)


def test_gru_k_step_equals_one_step_fed_back_exactly():
    years, values = load_sunspots()
    split = split_by_time(years, 1920, 1960)
    z = fit_normaliser(values, split).transform(values)
    x, y, _ = make_windows(z, 6, 0, 60)
    xv, yv, _ = make_windows(z, 6, 60, 80)
    predict = train_gru_forecaster(x, y, (xv, yv), hidden=4, steps=5, lr=0.01, seed=0)
    out = rollout(predict, xv, 4)
    window = xv  # the same batch, one step at a time, each prediction appended: exactly equal
    for j in range(4):
        pred = predict(window)
        np.testing.assert_array_equal(out[:, j], pred)
        window = np.concatenate([window[:, 1:], pred[:, None, None]], axis=1)
    for n in range(3):  # window by window: equal to rounding (a batch of 1 sums in another order)
        window = xv[n : n + 1]
        for j in range(4):
            pred = predict(window)
            assert out[n, j] == pytest.approx(pred[0], rel=1e-12)
            window = np.concatenate([window[:, 1:], pred[:, None, None]], axis=1)
    assert not np.allclose(out[:, 3], predict(xv))  # planted: no feedback differs


def test_cached_result_shape_and_claims():
    r = sunspot_forecast()
    K, seeds = FORECAST_DEFAULTS["horizons"], FORECAST_DEFAULTS["seeds"]
    assert r["source"].startswith("cache")
    assert len(r["ar"]) == len(r["persistence"]) == K
    assert np.asarray(r["gru"]).shape == (len(seeds), K)
    assert 1 <= r["p"] <= FORECAST_DEFAULTS["max_p"]
    assert len(r["ar_coef"]) == r["p"]
    ar, gru = np.asarray(r["ar"]), np.asarray(r["gru"])
    assert ar[-1] > ar[0]
    assert np.all(gru[:, -1] > gru[:, 0])
    assert np.all(gru[:, 0] < r["persistence"][0])  # every seed beats persistence at k = 1


@pytest.mark.slow
def test_one_seed_retrained_matches_the_cache():
    cached = sunspot_forecast()
    live = sunspot_forecast(cached=False, seeds=[FORECAST_DEFAULTS["seeds"][0]])
    assert live["p"] == cached["p"]
    np.testing.assert_allclose(live["ar"], cached["ar"], rtol=1e-4)
    np.testing.assert_allclose(live["persistence"], cached["persistence"], rtol=1e-4)
    np.testing.assert_allclose(live["gru"][0], cached["gru"][0], rtol=1e-3)
