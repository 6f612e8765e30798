"""Truncation schemes as weights on the carried gradient: exact cases and unbiasedness."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from rnncourse.reference import rnn_backward, rnn_forward, tbptt_gradients
from rnncourse.reference.truncation import (
    chunk_weights,
    overlapping_windows,
    random_truncation_weights,
    rnn_backward_weighted,
    truncated_rnn_gradients,
)


def _problem(seed=0, N=2, T=8, D=3, H=4):
    rng = np.random.default_rng(seed)
    p = {
        "Wx": rng.standard_normal((D, H)) * 0.6,
        "Wh": rng.standard_normal((H, H)) * 0.6,
        "b": rng.standard_normal(H) * 0.1,
    }
    x = rng.standard_normal((N, T, D))
    h, cache = rnn_forward(x, None, p["Wx"], p["Wh"], p["b"])
    return x, p, cache, rng.standard_normal(h.shape)


def test_weights_one_is_rnn_backward():
    _, _, cache, dh = _problem()
    got = rnn_backward_weighted(dh, cache, np.ones(dh.shape[1]))
    for a, b in zip(got, rnn_backward(dh, cache), strict=True):
        np.testing.assert_array_equal(a, b)


def test_chunks_equal_the_reference_tbptt():
    x, p, cache, dh = _problem(1, T=10)
    for k in (1, 2, 3, 4, 5, 10):
        _, want, _ = tbptt_gradients(x, p, lambda h, sl: (0.0, dh[:, sl]), k)
        got = truncated_rnn_gradients(dh, cache, "chunks", k=k)
        for name in ("Wx", "Wh", "b"):
            np.testing.assert_allclose(got[name], want[name], rtol=1e-12, atol=1e-13)
        if 10 % k == 0:  # k1 = k2 = k is the same (a shorter last block looks back k2 steps)
            over = truncated_rnn_gradients(dh, cache, "overlap", k1=k, k2=k)
            np.testing.assert_allclose(over["Wh"], want["Wh"], rtol=1e-12, atol=1e-13)


def test_overlap_with_a_full_window_is_full_bptt():
    _, _, cache, dh = _problem(2, T=7)
    full = truncated_rnn_gradients(dh, cache, "full")
    got = truncated_rnn_gradients(dh, cache, "overlap", k1=2, k2=7)
    np.testing.assert_allclose(got["Wh"], full["Wh"], rtol=1e-12, atol=1e-13)
    short = truncated_rnn_gradients(dh, cache, "overlap", k1=2, k2=4)
    assert not np.allclose(short["Wh"], full["Wh"], rtol=1e-3)


def test_windows_and_weights():
    np.testing.assert_array_equal(chunk_weights(7, 3), [1, 1, 0, 1, 1, 0, 1])
    assert overlapping_windows(6, 2, 4) == [
        (slice(0, 2), slice(0, 2)),
        (slice(0, 4), slice(2, 4)),
        (slice(2, 6), slice(4, 6)),
    ]
    w = random_truncation_weights(20_000, 0.25, 0)
    assert set(np.unique(w)) == {0.0, 4 / 3}
    assert abs((w == 0).mean() - 0.25) < 0.01
    assert abs(w.mean() - 1) < 0.015
    with pytest.raises(ValueError, match="k2 must be >= k1"):
        overlapping_windows(6, 3, 2)
    with pytest.raises(ValueError, match=r"c must be a truncation probability in \(0, 1\)"):
        random_truncation_weights(5, 1.0, 0)


@pytest.mark.parametrize("c", [0.2, 0.5])
def test_random_truncation_is_exactly_unbiased(c):
    """The expectation over all 2^(T-1) truncation patterns is the full BPTT gradient."""
    _, _, cache, dh = _problem(3, T=9)
    T = dh.shape[1]
    full = rnn_backward(dh, cache)[2:]
    expected = [0.0, 0.0, 0.0]
    plain = [0.0, 0.0, 0.0]  # the same truncations without the compensation factors
    for cuts in itertools.product([False, True], repeat=T - 1):
        cut = np.array([*cuts, True])
        prob = np.prod(np.where(cut[:-1], c, 1 - c))
        grads = rnn_backward_weighted(dh, cache, np.where(cut, 0.0, 1 / (1 - c)))[2:]
        biased = rnn_backward_weighted(dh, cache, np.where(cut, 0.0, 1.0))[2:]
        expected = [e + prob * g for e, g in zip(expected, grads, strict=True)]
        plain = [e + prob * g for e, g in zip(plain, biased, strict=True)]
    for e, f in zip(expected, full, strict=True):
        np.testing.assert_allclose(e, f, rtol=1e-11, atol=1e-12)
    # planted failure: dropping the compensation leaves a biased estimator
    assert np.abs(plain[1] - full[1]).max() > 1e-2 * np.abs(full[1]).max()


def test_random_truncation_average_converges():
    _, _, cache, dh = _problem(4, T=12)
    full = truncated_rnn_gradients(dh, cache, "full")["Wh"]
    rng = np.random.default_rng(0)
    draws = [
        truncated_rnn_gradients(dh, cache, "random", c=0.25, rng=rng)["Wh"] for _ in range(400)
    ]
    mean = np.mean(draws, axis=0)
    chunk = truncated_rnn_gradients(dh, cache, "chunks", k=4)["Wh"]
    scale = np.linalg.norm(full)
    assert np.linalg.norm(mean - full) / scale < 0.1
    assert np.linalg.norm(chunk - full) / scale > 2 * np.linalg.norm(mean - full) / scale
    assert np.linalg.norm(draws[0] - full) / scale > 0.1  # one draw alone is noisy


def test_weighted_backward_checks_its_arguments():
    _, _, cache, dh = _problem()
    with pytest.raises(ValueError, match="w must"):
        rnn_backward_weighted(dh, cache, np.ones(3))
    with pytest.raises(ValueError, match="scheme must be one of"):
        truncated_rnn_gradients(dh, cache, "sometimes")
