import numpy as np
import pytest

from rnncourse.reference import (
    additive_attention_backward,
    additive_attention_forward,
    attention_forward,
    grad_check,
)


def _inputs(seed=0, N=3, L=5, D=4, H=6, A=7):
    rng = np.random.default_rng(seed)
    return (
        rng.normal(size=(N, H)),
        rng.normal(size=(N, L, D)),
        rng.normal(size=(H, A)),
        rng.normal(size=(D, A)),
        rng.normal(size=A),
    )


def test_gradients_match_central_differences():
    h, F, Wq, Wk, w = _inputs()
    dz = np.random.default_rng(1).normal(size=(3, 4))
    _, _, cache = additive_attention_forward(h, F, Wq, Wk, w)
    grads = additive_attention_backward(dz, cache)
    errors = grad_check(
        lambda: additive_attention_forward(h, F, Wq, Wk, w)[0],
        {"h": h, "features": F, "Wq": Wq, "Wk": Wk, "w": w},
        dict(zip(("h", "features", "Wq", "Wk", "w"), grads, strict=True)),
        dout=dz,
    )
    assert max(errors.values()) < 1e-7, errors


def test_forward_is_a_softmax_read_written_out():
    h, F, Wq, Wk, w = _inputs(2)
    z, a, _ = additive_attention_forward(h, F, Wq, Wk, w)
    for n in range(3):
        e = np.array([np.tanh(h[n] @ Wq + F[n, l] @ Wk) @ w for l in range(5)])
        want = np.exp(e) / np.exp(e).sum()
        np.testing.assert_allclose(a[n], want, rtol=1e-12)
        np.testing.assert_allclose(z[n], want @ F[n], rtol=1e-12)


def test_equal_scores_give_the_plain_average_like_the_bilinear_read():
    h, F, Wq, Wk, w = _inputs(3)
    z, a, _ = additive_attention_forward(h, F, Wq, Wk, np.zeros_like(w))
    np.testing.assert_allclose(a, 0.2)
    z_bil, _, _ = attention_forward(h, F, np.zeros((6, 4)))
    np.testing.assert_allclose(z, z_bil)


def test_shapes_are_checked_by_name():
    h, F, Wq, Wk, w = _inputs()
    with pytest.raises(ValueError, match="Wk"):
        additive_attention_forward(h, F, Wq, Wk[:3], w)
    with pytest.raises(ValueError, match="w"):
        additive_attention_forward(h, F, Wq, Wk, w[:3])
    _, _, cache = additive_attention_forward(h, F, Wq, Wk, w)
    with pytest.raises(ValueError, match="dz"):
        additive_attention_backward(np.zeros((3, 5)), cache)
