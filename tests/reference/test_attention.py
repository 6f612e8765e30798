"""Tests for rnncourse.reference.attention: gradients, the softmax weights, masking, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import assert_grads
from rnncourse.reference.attention import (
    AttentionCache,
    attention_backward,
    attention_forward,
)


def _inputs(rng: np.random.Generator, N: int = 3, L: int = 5, D: int = 4, H: int = 6):
    return rng.normal(size=(N, H)), rng.normal(size=(N, L, D)), rng.normal(size=(H, D)) * 0.5


@pytest.mark.parametrize("use_mask", [False, True])
@pytest.mark.parametrize("use_da", [False, True])
def test_gradients_match_central_differences(use_mask: bool, use_da: bool) -> None:
    rng = np.random.default_rng(1)
    h, feats, Wa = _inputs(rng)
    mask = rng.random((3, 5)) > 0.4 if use_mask else None
    if mask is not None:
        mask[:, 0] = True
    wz = rng.normal(size=(3, 4))
    wa = rng.normal(size=(3, 5)) if use_da else np.zeros((3, 5))

    def loss() -> float:
        z, a, _ = attention_forward(h, feats, Wa, mask)
        return float(np.sum(z * wz) + np.sum(a * wa))

    _, _, cache = attention_forward(h, feats, Wa, mask)
    dh, dfeats, dWa = attention_backward(wz, cache, wa if use_da else None)
    inputs = {"h": h, "features": feats, "Wa": Wa}
    assert_grads(lambda: np.array(loss()), inputs, {"h": dh, "features": dfeats, "Wa": dWa}, 1.0)


def test_weights_are_a_distribution_and_context_is_their_average() -> None:
    rng = np.random.default_rng(2)
    h, feats, Wa = _inputs(rng, N=4, L=7, D=3, H=5)
    z, a, _ = attention_forward(h, feats, Wa)
    assert a.shape == (4, 7)
    assert z.shape == (4, 3)
    assert np.all(a > 0)
    np.testing.assert_allclose(a.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    e = np.einsum("nld,nd->nl", feats, h @ Wa)  # the bilinear score e_l = v_l . (h Wa)
    np.testing.assert_allclose(a, np.exp(e) / np.exp(e).sum(axis=1, keepdims=True), atol=1e-12)
    for n in range(4):
        np.testing.assert_allclose(z[n], sum(a[n, l] * feats[n, l] for l in range(7)), atol=1e-12)


def test_masked_locations_get_exactly_zero_weight_and_no_gradient() -> None:
    rng = np.random.default_rng(3)
    h, feats, Wa = _inputs(rng)
    mask = np.ones((3, 5), dtype=bool)
    mask[:, 3:] = False
    z, a, cache = attention_forward(h, feats, Wa, mask)
    assert np.all(a[:, 3:] == 0.0)
    z_short, a_short, _ = attention_forward(h, feats[:, :3], Wa)
    np.testing.assert_allclose(a[:, :3], a_short, atol=1e-12)
    np.testing.assert_allclose(z, z_short, atol=1e-12)
    _, dfeats, _ = attention_backward(np.ones_like(z), cache)
    assert np.all(dfeats[:, 3:] == 0.0)


def test_sharp_scores_pick_one_location_without_overflow() -> None:
    h = np.array([[1.0]])
    feats = np.array([[[1000.0, 1.0], [-1000.0, 2.0], [0.0, 3.0]]])
    Wa = np.array([[1.0, 0.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        z, a, _ = attention_forward(h, feats, Wa)
    np.testing.assert_allclose(a, [[1.0, 0.0, 0.0]])
    np.testing.assert_allclose(z, [[1000.0, 1.0]])


def test_float32_in_float32_out() -> None:
    rng = np.random.default_rng(4)
    h, feats, Wa = (x.astype(np.float32) for x in _inputs(rng))
    z, a, cache = attention_forward(h, feats, Wa)
    dh, dfeats, dWa = attention_backward(np.ones_like(z), cache)
    assert {x.dtype for x in (z, a, dh, dfeats, dWa)} == {np.dtype(np.float32)}


def test_matches_torch_autograd() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    h, feats, Wa = _inputs(rng)
    dz = rng.normal(size=(3, 4))
    th, tf, tw = (torch.tensor(x, requires_grad=True) for x in (h, feats, Wa))
    scores = torch.einsum("nld,nd->nl", tf, th @ tw)
    ta = torch.softmax(scores, dim=1)
    tz = torch.einsum("nl,nld->nd", ta, tf)
    (tz * torch.tensor(dz)).sum().backward()
    z, a, cache = attention_forward(h, feats, Wa)
    dh, dfeats, dWa = attention_backward(dz, cache)
    np.testing.assert_allclose(z, tz.detach().numpy(), atol=1e-12)
    for ours, theirs in ((dh, th), (dfeats, tf), (dWa, tw)):
        np.testing.assert_allclose(ours, theirs.grad.numpy(), atol=1e-12)


@pytest.mark.parametrize(
    ("args", "exc", "needle"),
    [
        (lambda h, f, w: (h[0], f, w), ValueError, "h must have 2 dimension(s) (N, H), got 1"),
        (
            lambda h, f, w: (h, f[0], w),
            ValueError,
            "features must have 3 dimension(s) (N, L, D), got 2",
        ),
        (lambda h, f, w: (h, f, w.T), ValueError, "Wa must be (H, D) = (6, 4), got (4, 6)"),
        (lambda h, f, w: (h[:2], f, w), ValueError, "N = 2"),
        (
            lambda h, f, w: (h.astype(int), f, w),
            TypeError,
            "h must be a float array (float32 or float64) of shape (N, H), got dtype int64",
        ),
        (
            lambda h, f, w: (h.tolist(), f, w),
            TypeError,
            "h must be a NumPy float array of shape (N, H), got list",
        ),
    ],
)
def test_bad_input_names_the_argument(args, exc, needle) -> None:
    h, feats, Wa = _inputs(np.random.default_rng(6))
    with pytest.raises(exc) as info:
        attention_forward(*args(h, feats, Wa))
    assert needle in str(info.value)


def test_bad_mask_and_cache_and_dz() -> None:
    h, feats, Wa = _inputs(np.random.default_rng(7))
    with pytest.raises(ValueError, match=r"mask must be \(N, L\) = \(3, 5\)"):
        attention_forward(h, feats, Wa, np.ones((3, 4), dtype=bool))
    with pytest.raises(TypeError, match="mask must be a boolean"):
        attention_forward(h, feats, Wa, np.ones((3, 5)))
    with pytest.raises(ValueError, match="at least one location"):
        attention_forward(h, feats, Wa, np.zeros((3, 5), dtype=bool))
    z, _, cache = attention_forward(h, feats, Wa)
    with pytest.raises(TypeError, match="cache must be the cache returned by attention_forward"):
        attention_backward(z, {"a": 1})
    with pytest.raises(ValueError, match=r"dz must be \(N, D\) = \(3, 4\)"):
        attention_backward(z[:, :2], cache)
    with pytest.raises(ValueError, match=r"da must be \(N, L\) = \(3, 5\)"):
        attention_backward(z, cache, np.zeros((3, 4)))
    assert isinstance(cache, AttentionCache)
