"""Optimisers and gradient clipping: hand-computed numbers and torch.optim parity."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import needs_torch, torch
from rnncourse.reference import (
    adagrad,
    adam,
    clip_by_global_norm,
    clip_by_value,
    global_norm,
    sgd,
)


def test_sgd_plain_exact():
    p = {"w": np.array([1.0, 2.0])}
    state = sgd(p, {"w": np.array([0.5, -1.0])}, lr=0.1)
    np.testing.assert_allclose(p["w"], [0.95, 2.1], rtol=1e-15)
    assert state == {}


def test_sgd_momentum_exact():
    p = {"w": np.array([1.0])}
    g = {"w": np.array([1.0])}
    state = sgd(p, g, lr=0.1, momentum=0.9)
    np.testing.assert_allclose(p["w"], [0.9])  # v = g
    state = sgd(p, g, state, lr=0.1, momentum=0.9)
    np.testing.assert_allclose(p["w"], [0.9 - 0.19])  # v = 0.9 g + g = 1.9
    np.testing.assert_allclose(state["velocity"]["w"], [1.9])


def test_adagrad_exact():
    p = {"w": np.array([1.0])}
    g = {"w": np.array([2.0])}
    state = adagrad(p, g, lr=0.1, eps=0.0)
    np.testing.assert_allclose(p["w"], [0.9])  # G = 4: 1 - 0.1 * 2 / 2
    adagrad(p, g, state, lr=0.1, eps=0.0)
    np.testing.assert_allclose(p["w"], [0.9 - 0.2 / np.sqrt(8.0)])  # G = 8
    np.testing.assert_allclose(state["sum_sq"]["w"], [8.0])


def test_adam_first_step_is_lr_times_sign():
    p = {"a": np.array([1.0, 1.0]), "b": np.array([[0.0]])}
    state = adam(p, {"a": np.array([3.0, -0.01]), "b": np.array([[5.0]])}, lr=0.1, eps=0.0)
    np.testing.assert_allclose(p["a"], [0.9, 1.1], rtol=1e-14)  # bias-corrected m/sqrt(v) = sign
    np.testing.assert_allclose(p["b"], [[-0.1]], rtol=1e-14)
    assert state["t"] == 1


@pytest.mark.parametrize("name", ["sgd", "adagrad", "adam"])
@needs_torch
def test_parity_with_torch_optim(name):
    rng = np.random.default_rng(0)
    w0 = {"W": rng.standard_normal((3, 2)), "b": rng.standard_normal(2)}
    grads_seq = [{k: rng.standard_normal(v.shape) for k, v in w0.items()} for _ in range(5)]
    params = {k: v.copy() for k, v in w0.items()}
    tparams = {k: torch.tensor(v, requires_grad=True) for k, v in w0.items()}
    if name == "sgd":
        opt = torch.optim.SGD(tparams.values(), lr=0.05, momentum=0.8)
        ours = lambda g, s: sgd(params, g, s, lr=0.05, momentum=0.8)  # noqa: E731
    elif name == "adagrad":
        opt = torch.optim.Adagrad(tparams.values(), lr=0.05, eps=1e-8)
        ours = lambda g, s: adagrad(params, g, s, lr=0.05, eps=1e-8)  # noqa: E731
    else:
        opt = torch.optim.Adam(tparams.values(), lr=0.05, betas=(0.8, 0.99), eps=1e-8)
        ours = lambda g, s: adam(params, g, s, lr=0.05, beta1=0.8, beta2=0.99)  # noqa: E731
    state = None
    for g in grads_seq:
        state = ours(g, state)
        for k, t in tparams.items():
            t.grad = torch.from_numpy(g[k].copy())
        opt.step()
    for k in params:
        np.testing.assert_allclose(params[k], tparams[k].detach().numpy(), rtol=1e-12, atol=1e-14)


def test_optimisers_update_in_place_and_ignore_extra_grads():
    w = np.array([1.0])
    p = {"w": w}
    adam(p, {"w": np.array([1.0]), "unused": np.array([1.0])})
    assert p["w"] is w
    assert w[0] < 1.0


def test_clip_by_value_exact():
    g = {"a": np.array([-3.0, 0.5, 7.0])}
    out = clip_by_value(g, 1.0)
    assert out is g
    np.testing.assert_array_equal(g["a"], [-1.0, 0.5, 1.0])


def test_clip_by_global_norm_exact():
    g = {"a": np.array([3.0, 0.0]), "b": np.array([[4.0]])}
    assert global_norm(g) == 5.0
    assert clip_by_global_norm(g, 1.0) == 5.0
    np.testing.assert_allclose(g["a"], [0.6, 0.0], rtol=1e-15)
    np.testing.assert_allclose(g["b"], [[0.8]], rtol=1e-15)
    # under the limit nothing changes
    assert clip_by_global_norm(g, 2.0) == pytest.approx(1.0)
    np.testing.assert_allclose(g["a"], [0.6, 0.0], rtol=1e-15)


def test_optim_bad_input_messages():
    p = {"Wx": np.zeros((3, 4)), "b": np.zeros(4)}
    with pytest.raises(ValueError, match="grads is missing key\\(s\\) 'b'"):
        sgd(p, {"Wx": np.zeros((3, 4))})
    with pytest.raises(
        ValueError,
        match=r"grads\['Wx'\] must have the shape of params\['Wx'\] "
        r"\(3, 4\), got \(4, 3\)",
    ):
        adam(p, {"Wx": np.zeros((4, 3)), "b": np.zeros(4)})
    with pytest.raises(ValueError, match="lr must be a finite number > 0, got -0.1"):
        adagrad(p, {k: np.zeros_like(v) for k, v in p.items()}, lr=-0.1)
    with pytest.raises(ValueError, match=r"momentum must be in \[0, 1\), got 1.5"):
        sgd(p, {k: np.zeros_like(v) for k, v in p.items()}, momentum=1.5)
    with pytest.raises(ValueError, match="max_norm must be a finite number > 0, got 0"):
        clip_by_global_norm({"a": np.ones(2)}, 0)
    with pytest.raises(TypeError, match=r"grads\['a'\] must be a float array"):
        clip_by_value({"a": np.ones(2, dtype=int)}, 1.0)
