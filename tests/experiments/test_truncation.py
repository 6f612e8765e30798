"""The truncation experiment: the cache, a short retrained run against it, the windows."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from rnncourse.experiments.truncation import (
    SCHEMES,
    TRUNCATION_DEFAULTS,
    _windows,
    train_truncated,
    truncation_experiment,
)


def test_cached_result_has_every_run_and_the_claims_of_the_page():
    r = truncation_experiment()
    assert r["source"].startswith("cache")
    c = r["config"]
    assert set(r["runs"]) == {str(d) for d in c["delays"]}
    for runs in r["runs"].values():
        assert set(runs) == set(SCHEMES)
        for run in runs.values():
            acc = np.asarray(run["accuracy"])
            assert acc.shape == (len(c["seeds"]), c["updates"] // c["eval_every"])
    beyond = r["runs"]["10"]
    for scheme in ("chunks", "overlap"):  # d = 10 > k = 8: no credit reaches the symbol
        assert np.max(beyond[scheme]["accuracy"]) < 0.4
    assert np.min(np.max(beyond["random"]["accuracy"], axis=1)) > 0.85


def test_windows_of_each_scheme():
    rng = np.random.default_rng(0)
    chunks = list(itertools.islice(_windows("chunks", 8, 2, rng), 3))
    assert [(a, b, c) for a, b, c, _ in chunks] == [(0, 0, 8), (8, 8, 16), (16, 16, 24)]
    over = list(itertools.islice(_windows("overlap", 8, 2, rng), 5))
    assert [(a, b, c) for a, b, c, _ in over] == [
        (0, 0, 2),
        (0, 2, 4),
        (0, 4, 6),
        (0, 6, 8),
        (2, 8, 10),
    ]
    rand = list(itertools.islice(_windows("random", 8, 2, rng), 4000))
    lengths = np.array([c - a for a, _, c, _ in rand])
    assert all(b == a for a, b, _, _ in rand)
    assert lengths.min() >= 1
    assert 7.6 < lengths.mean() < 8.4  # geometric, mean 1/c = k
    np.testing.assert_allclose(rand[0][3], 8 / 7)  # the compensation 1/(1 - c)


def test_a_short_run_reproduces_the_cached_curve():
    """The first evaluation of seed 0 (random truncation, d = 10) retrained from scratch."""
    cached = truncation_experiment()["runs"]["10"]["random"]["accuracy"][0][0]
    every = TRUNCATION_DEFAULTS["eval_every"]
    run = train_truncated("random", 10, 0, updates=every)
    assert run["steps"] == [every]
    assert run["accuracy"][0] == pytest.approx(cached, rel=1e-4)


@pytest.mark.slow
@pytest.mark.parametrize("scheme", SCHEMES)
def test_every_scheme_reproduces_its_cached_start(scheme):
    r = truncation_experiment()
    for d in r["config"]["delays"]:
        run = train_truncated(scheme, d, 1, updates=2 * r["config"]["eval_every"])
        np.testing.assert_allclose(
            run["accuracy"], r["runs"][str(d)][scheme]["accuracy"][1][:2], rtol=1e-4
        )


def test_bad_scheme_and_option_raise():
    with pytest.raises(ValueError, match="scheme must be one of"):
        train_truncated("sometimes", 5, 0)
    with pytest.raises(TypeError, match="unknown train_truncated options"):
        train_truncated("chunks", 5, 0, window=3)
