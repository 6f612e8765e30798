import numpy as np
import pytest

from rnncourse.data.series import (
    fit_normaliser,
    load_sunspots,
    make_windows,
    split_by_time,
)
from rnncourse.reference.autoregressive import ar_fit, ar_predict, rollout


def test_sunspots_are_the_yearly_series_1700_to_2008():
    years, values = load_sunspots()
    assert years.shape == values.shape == (309,)
    assert years[0] == 1700
    assert years[-1] == 2008
    assert np.all(np.diff(years) == 1)
    assert values[0] == 5.0
    assert values[-1] == 2.9
    assert 0.0 <= values.min()
    assert 150.0 < values.max() < 200.0


def test_split_by_time_is_ordered_and_covers_the_series():
    years = np.arange(1700, 2009)
    s = split_by_time(years, 1920, 1960)
    assert years[s.train][-1] == 1919
    assert years[s.valid][0] == 1920
    assert years[s.valid][-1] == 1959
    assert years[s.test][0] == 1960
    assert years[s.test][-1] == 2008
    assert s.train.stop == s.valid_start
    assert s.valid.stop == s.test_start == 260


@pytest.mark.parametrize(("valid_from", "test_from"), [(1960, 1920), (1700, 1800), (1900, 2009)])
def test_split_by_time_rejects_bad_years(valid_from, test_from):
    with pytest.raises(ValueError, match="valid_from"):
        split_by_time(np.arange(1700, 2009), valid_from, test_from)


def test_split_by_time_rejects_unordered_years():
    with pytest.raises(ValueError, match="years must be a strictly increasing"):
        split_by_time(np.array([3, 2, 1, 4]), 2, 3)


def test_make_windows_shapes_and_values():
    z = np.arange(10.0)
    x, y, t = make_windows(z, 3, first_target=5, last_target=8)
    assert x.shape == (3, 3, 1)
    assert y.shape == (3,)
    assert t.tolist() == [5, 6, 7]
    assert x[0, :, 0].tolist() == [2.0, 3.0, 4.0]
    assert y.tolist() == [5.0, 6.0, 7.0]
    x, y, t = make_windows(z, 4)
    assert x.shape == (6, 4, 1)
    assert t[0] == 4


def test_make_windows_errors_name_the_argument():
    z = np.arange(10.0)
    with pytest.raises(ValueError, match="series must have 1 dimension"):
        make_windows(z[:, None], 3)
    with pytest.raises(ValueError, match="T must be"):
        make_windows(z, 0)
    with pytest.raises(ValueError, match="no window"):
        make_windows(z, 10)
    with pytest.raises(TypeError, match="series"):
        make_windows(np.arange(10), 3)


def _prepare(values, split):
    """The pipeline under test: the normalised series and its statistics."""
    norm = fit_normaliser(values, split)
    return norm.transform(values), norm


def _leaky_prepare(values, split):
    """Planted leak: statistics of the whole series, test years included."""
    z = (values - values.mean()) / values.std()
    return z, None


def assert_no_test_year_leak(prepare):
    years, values = load_sunspots()
    split = split_by_time(years, 1920, 1960)
    z, _ = prepare(values, split)
    changed = values.copy()
    changed[split.test] *= 10.0  # anything the test years hold
    z2, _ = prepare(changed, split)
    before_test = slice(0, split.test_start)
    np.testing.assert_array_equal(z[before_test], z2[before_test])


def test_normalisation_reads_the_training_years_only():
    assert_no_test_year_leak(_prepare)
    years, values = load_sunspots()
    split = split_by_time(years, 1920, 1960)
    _, norm = _prepare(values, split)
    assert norm.mean == pytest.approx(values[:220].mean(), rel=1e-12)
    assert norm.std == pytest.approx(values[:220].std(), rel=1e-12)
    np.testing.assert_allclose(norm.inverse(norm.transform(values)), values, rtol=1e-12)


def test_planted_leak_is_detected():
    with pytest.raises(AssertionError):
        assert_no_test_year_leak(_leaky_prepare)


def test_constant_training_years_are_refused():
    with pytest.raises(ValueError, match="must vary"):
        fit_normaliser(np.r_[np.ones(5), np.arange(5.0)], split_by_time(np.arange(10), 5, 8))


def _simulate_ar2(a1, a2, b, n, seed):
    rng = np.random.default_rng(seed)
    x = np.zeros(n + 100)
    for t in range(2, x.size):
        x[t] = b + a1 * x[t - 1] + a2 * x[t - 2] + rng.standard_normal()
    return x[100:]


def test_ar_fit_recovers_a_simulated_ar2():
    x = _simulate_ar2(1.3, -0.6, 0.5, 20000, seed=0)
    a, b = ar_fit(*make_windows(x, 2)[:2])
    assert a.shape == (2,)
    assert 1.28 < a[0] < 1.32
    assert -0.62 < a[1] < -0.58
    assert 0.45 < b < 0.55


@pytest.mark.slow  # importing statsmodels.tsa (pandas, scipy) takes seconds
def test_ar_fit_matches_statsmodels_ols():
    from statsmodels.tsa.ar_model import AutoReg

    x = _simulate_ar2(0.9, -0.3, 0.1, 500, seed=1)
    a, b = ar_fit(*make_windows(x, 3)[:2])
    params = AutoReg(x, lags=3, trend="c").fit().params  # [const, lag 1, lag 2, lag 3]
    np.testing.assert_allclose(np.r_[b, a], params, rtol=1e-9, atol=1e-12)
    no_intercept = AutoReg(x, lags=3, trend="n").fit().params  # planted: a model without b
    assert not np.allclose(a, no_intercept, rtol=1e-6)


def test_ar_fit_planted_wrong_lag_order_fails_recovery():
    x = _simulate_ar2(1.3, -0.6, 0.5, 20000, seed=0)
    xw, y, _ = make_windows(x, 2)
    a, _ = ar_fit(xw[:, ::-1], y)  # windows newest first: the lags come back swapped
    assert not (1.28 < a[0] < 1.32)


def test_ar_predict_and_errors():
    a, b = np.array([0.5, 0.25]), 1.0
    x = np.array([[[4.0], [8.0]]])  # x_{t-2} = 4, x_{t-1} = 8
    assert ar_predict(x, a, b).tolist() == [1.0 + 0.5 * 8 + 0.25 * 4]
    with pytest.raises(ValueError, match="T >= p"):
        ar_predict(x[:, 1:], a, b)
    with pytest.raises(ValueError, match="at least p"):
        ar_fit(np.zeros((2, 3)), np.zeros(2))
    with pytest.raises(ValueError, match="y must be"):
        ar_fit(np.zeros((5, 2)), np.zeros(4))


def test_rollout_equals_one_step_predictions_fed_back():
    rng = np.random.default_rng(0)
    a, b = np.array([0.7, -0.2, 0.1]), 0.3
    x = rng.standard_normal((5, 4, 1))
    out = rollout(lambda w: ar_predict(w, a, b), x, 6)
    for n in range(5):
        window = x[n : n + 1]
        for j in range(6):
            pred = ar_predict(window, a, b)  # one step, one window at a time
            assert out[n, j] == pred[0]  # exactly
            window = np.concatenate([window[:, 1:], pred[:, None, None]], axis=1)


def test_rollout_planted_stale_window_fails():
    a, b = np.array([0.7, -0.2, 0.1]), 0.3
    x = np.random.default_rng(0).standard_normal((5, 4, 1))
    out = rollout(lambda w: ar_predict(w, a, b), x, 3)
    stale = ar_predict(x, a, b)  # the one-step prediction, never fed back
    assert not np.allclose(out[:, 2], stale)


def test_rollout_first_step_is_the_one_step_prediction_and_k_is_checked():
    x = np.random.default_rng(1).standard_normal((3, 4, 1))
    out = rollout(lambda w: w[:, -1, 0] * 2.0, x, 3)
    np.testing.assert_array_equal(out[:, 0], 2.0 * x[:, -1, 0])
    np.testing.assert_array_equal(out[:, 2], 8.0 * x[:, -1, 0])
    with pytest.raises(ValueError, match="k must be"):
        rollout(lambda w: w[:, -1, 0], x, 0)
