"""Sampling from a language model, and parameter initialisation."""

from __future__ import annotations

import numpy as np
import pytest

from rnncourse.reference import (
    affine_forward,
    init_output_params,
    init_rnn_params,
    lstm_step_forward,
    rnn_lm_step,
    sample,
    sample_next,
)

LOGITS = np.array([0.0, 5.0, 4.0, -1.0, 3.0])


def const_step(token, state):
    return LOGITS, state


def test_same_seed_same_sequence_different_seed_differs():
    a = sample(const_step, None, 0, 50, rng=3)
    b = sample(const_step, None, 0, 50, rng=np.random.default_rng(3))
    c = sample(const_step, None, 0, 50, rng=4)
    np.testing.assert_array_equal(a, b)
    assert a.dtype == np.int64
    assert a.shape == (50,)
    assert not np.array_equal(a, c)


def test_top_k_restricts_to_best_tokens():
    out = sample(const_step, None, 0, 300, top_k=2, rng=0)
    assert set(out.tolist()) == {1, 2}
    assert set(sample(const_step, None, 0, 20, top_k=1, rng=0).tolist()) == {1}


def test_temperature_zero_is_greedy_and_low_temperature_sharpens():
    assert set(sample(const_step, None, 0, 20, temperature=0, rng=0).tolist()) == {1}
    logits = np.array([1.0, 0.0])
    cold = sum(sample_next(logits, 0.1, rng=np.random.default_rng(s)) == 0 for s in range(400))
    hot = sum(sample_next(logits, 10.0, rng=np.random.default_rng(s)) == 0 for s in range(400))
    # p(0) = sigmoid(10) ~ 0.99995 when cold, sigmoid(0.1) ~ 0.525 when hot
    assert cold >= 398
    assert 150 < hot < 270


def test_end_token_stops_and_is_excluded():
    def counting_step(token, t):
        logits = np.full(4, -50.0)
        logits[3 if t == 3 else 1] = 50.0  # token 3 (the end) becomes certain at the 4th draw
        return logits, t + 1

    out = sample(counting_step, 0, 0, 10, end_token=3, rng=0)
    np.testing.assert_array_equal(out, [1, 1, 1])
    out = sample(counting_step, 0, 0, 10, rng=0)  # without end token: runs to max_len
    assert len(out) == 10
    assert out[3] == 3


def test_rnn_lm_step_matches_reference_cell():
    V, H = 6, 4
    core = init_rnn_params(V, H, "lstm", rng=1)
    head = init_output_params(H, V, rng=2)
    head["by"] += 0.1
    step = rnn_lm_step({**core, **head}, "lstm")
    logits, (h, c) = step(2, None)
    x = np.eye(V)[[2]]
    h_ref, c_ref, _ = lstm_step_forward(x, np.zeros((1, H)), np.zeros((1, H)), **core)
    np.testing.assert_allclose(h, h_ref, atol=1e-15)
    np.testing.assert_allclose(c, c_ref, atol=1e-15)
    np.testing.assert_allclose(
        logits, affine_forward(h_ref, head["Wy"], head["by"])[0][0], atol=1e-15
    )
    text = sample(step, None, 0, 12, rng=5, top_k=3)
    assert len(text) == 12
    assert text.min() >= 0
    assert text.max() < V
    np.testing.assert_array_equal(text, sample(step, None, 0, 12, rng=5, top_k=3))


def test_sampling_bad_input_messages():
    with pytest.raises(ValueError, match="temperature must be a finite number >= 0, got -1"):
        sample(const_step, None, 0, 5, temperature=-1)
    with pytest.raises(ValueError, match="top_k must be None or an integer >= 1, got 0"):
        sample_next(LOGITS, top_k=0)
    with pytest.raises(
        TypeError, match="rng must be a numpy.random.Generator, an int seed or None, got str"
    ):
        sample(const_step, None, 0, 5, rng="seed")
    with pytest.raises(ValueError, match=r"logits must have 1 dimension\(s\) \(V,\)"):
        sample_next(LOGITS[None])
    with pytest.raises(ValueError, match=r'params\["Wx"\] must have one row per token'):
        rnn_lm_step({**init_rnn_params(3, 4), **init_output_params(4, 6)})
    step = rnn_lm_step({**init_rnn_params(6, 4), **init_output_params(4, 6)})
    with pytest.raises(ValueError, match=r"token must be in \[0, 6\), got 9"):
        step(9, None)


# -------------------------------------------------------------------------------------- init
@pytest.mark.parametrize("scheme", ["torch", "xavier", "orthogonal", "normal"])
@pytest.mark.parametrize(("cell", "k"), [("rnn", 1), ("gru", 3), ("lstm", 4)])
def test_init_shapes_and_dtype(cell, k, scheme):
    p = init_rnn_params(3, 5, cell, rng=0, dtype=np.float32, scheme=scheme)
    assert p["Wx"].shape == (3, 5 * k)
    assert p["Wh"].shape == (5, 5 * k)
    assert p["b"].shape == (5 * k,)
    assert ("bh" in p) == (cell == "gru")
    assert all(v.dtype == np.float32 for v in p.values())


def test_init_torch_bounds_seed_and_orthogonal_blocks():
    p = init_rnn_params(3, 16, "gru", rng=0)
    assert np.abs(p["Wh"]).max() <= 0.25
    assert np.abs(p["Wh"]).max() > 0.2
    q = init_rnn_params(3, 16, "gru", rng=0)
    assert all(np.array_equal(p[k], q[k]) for k in p)
    o = init_rnn_params(3, 6, "lstm", rng=0, scheme="orthogonal", forget_bias=1.0)
    for blk in range(4):
        W = o["Wh"][:, 6 * blk : 6 * (blk + 1)]
        np.testing.assert_allclose(W.T @ W, np.eye(6), atol=1e-12)
    np.testing.assert_array_equal(o["b"], np.r_[np.zeros(6), np.ones(6), np.zeros(12)])


def test_init_output():
    out = init_output_params(4, 7, rng=0)
    assert out["Wy"].shape == (4, 7)
    assert not out["by"].any()


def test_init_bad_input_messages():
    with pytest.raises(ValueError, match="H must be an integer >= 1, got 0"):
        init_rnn_params(3, 0)
    with pytest.raises(
        ValueError,
        match="scheme must be one of 'torch', 'xavier', 'orthogonal', 'normal'; got 'he'",
    ):
        init_rnn_params(3, 4, scheme="he")
    with pytest.raises(ValueError, match="forget_bias only applies to the 'lstm' and 'gru' cells"):
        init_rnn_params(3, 4, "rnn", forget_bias=1.0)
    with pytest.raises(TypeError, match="dtype must be a floating dtype, got int64"):
        init_rnn_params(3, 4, dtype=np.int64)


def test_rnn_lm_loss_gradients_and_agreement_with_the_step_function():
    from rnncourse.reference import grad_check, rnn_lm_loss

    rng = np.random.default_rng(5)
    N, T, V, H = 3, 4, 6, 5
    params = {
        "Wx": rng.normal(size=(V, H)) * 0.5,
        "Wh": rng.normal(size=(H, H)) * 0.5,
        "b": rng.normal(size=H) * 0.1,
        "Wy": rng.normal(size=(H, V)) * 0.5,
        "by": rng.normal(size=V) * 0.1,
    }
    ids = rng.integers(0, V, size=(N, T + 1))
    x, y = np.eye(V)[ids[:, :-1]], ids[:, 1:]
    h0 = rng.normal(size=(N, H)) * 0.3
    loss, grads, h_last = rnn_lm_loss(x, y, h0, params)
    errors = grad_check(lambda: rnn_lm_loss(x, y, h0, params)[0], params, grads, strict=True)
    assert max(errors.values()) < 1e-7
    # the same model as rnn_lm_step: summed -log p of the targets, averaged over the batch
    step = rnn_lm_step(params, "rnn")
    total = 0.0
    for n in range(N):
        state = h0[n : n + 1]
        for t in range(T):
            logits, state = step(int(ids[n, t]), state)
            total -= logits[y[n, t]] - np.log(np.exp(logits).sum())
    assert loss == pytest.approx(total / N, rel=1e-10)
    np.testing.assert_allclose(h_last[-1:], state, rtol=1e-12)
    with pytest.raises(ValueError, match=r"Wx must be \(D, H\) = \(5, 5\), got \(6, 5\)"):
        rnn_lm_loss(x[..., :-1], y, h0, params)  # x has V - 1 columns
