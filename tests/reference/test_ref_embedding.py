"""The word-embedding layer: gradient check, repeated ids, parity with torch.nn.Embedding."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import assert_grads, needs_torch, torch
from rnncourse.reference import word_embedding_backward, word_embedding_forward


def _case(seed=0, N=3, T=5, V=6, D=4, dtype=np.float64):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, V, size=(N, T))
    x[0, :3] = 2  # a token repeated inside one row
    x[1, 0] = 2  # and in another row
    return x, rng.standard_normal((V, D)).astype(dtype), rng.standard_normal((N, T, D))


def test_forward_is_the_one_hot_product():
    x, W, _ = _case()
    out, _ = word_embedding_forward(x, W)
    assert out.shape == (*x.shape, W.shape[1])
    np.testing.assert_array_equal(out, W[x])
    np.testing.assert_allclose(out, np.eye(W.shape[0])[x] @ W, rtol=0, atol=1e-15)


def test_gradient_check():
    x, W, dout = _case(1)
    _, cache = word_embedding_forward(x, W)
    dW = word_embedding_backward(dout, cache)
    assert_grads(lambda: word_embedding_forward(x, W)[0], {"W": W}, {"W": dW}, dout)


def test_repeated_ids_accumulate():
    x, W, dout = _case(2)
    _, cache = word_embedding_forward(x, W)
    dW = word_embedding_backward(dout, cache)
    np.testing.assert_allclose(dW[2], dout[x == 2].sum(axis=0), rtol=1e-14)
    assert (x == 2).sum() >= 4
    # the buffered fancy-index assignment keeps one contribution per id: it must differ here
    wrong = np.zeros_like(W)
    wrong[x] += dout
    assert not np.allclose(wrong[2], dW[2])
    unused = sorted(set(range(W.shape[0])) - set(x.ravel().tolist()))
    for v in unused:
        np.testing.assert_array_equal(dW[v], 0.0)
    # dW is the one-hot matmul's weight gradient, sum_nt onehot(x_nt)^T dout_nt
    one_hot = np.eye(W.shape[0])[x]
    np.testing.assert_allclose(dW, np.einsum("ntv,ntd->vd", one_hot, dout), atol=1e-13)


def test_dtype_follows_the_table():
    x, W, dout = _case(3, dtype=np.float32)
    out, cache = word_embedding_forward(x, W)
    assert out.dtype == np.float32
    assert word_embedding_backward(dout.astype(np.float32), cache).dtype == np.float32


@needs_torch
def test_parity_with_torch_embedding():
    x, W, dout = _case(4, N=4, T=7, V=9, D=5)
    emb = torch.nn.Embedding(W.shape[0], W.shape[1]).double()
    with torch.no_grad():
        emb.weight.copy_(torch.from_numpy(W))
    out_t = emb(torch.from_numpy(x))
    (out_t * torch.from_numpy(dout)).sum().backward()
    out, cache = word_embedding_forward(x, W)
    np.testing.assert_allclose(out, out_t.detach().numpy(), rtol=0, atol=1e-15)
    dW = word_embedding_backward(dout, cache)
    np.testing.assert_allclose(dW, emb.weight.grad.numpy(), rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize(
    ("x", "words"),
    [
        (np.array([[0.0, 1.0]]), ["x must be an integer array", "(N, T)", "float64"]),
        (np.array([[0, 6]]), ["x must hold token ids in [0, V) = [0, 6)", "[0, 6]"]),
        (np.array([[-1, 2]]), ["x must hold token ids", "[-1, 2]"]),
        (np.array([1, 2]), ["x must have 2 dimension(s) (N, T)", "(2,)"]),
        ([[1, 2]], ["x must be an integer array", "list"]),
    ],
)
def test_bad_x_raises_naming_it(x, words):
    W = np.zeros((6, 3))
    with pytest.raises(ValueError, match="^x must") as err:
        word_embedding_forward(x, W)
    for w in words:
        assert w in str(err.value)


def test_bad_W_and_dout_raise():
    x = np.array([[0, 1]])
    with pytest.raises(ValueError, match=r"W must have 2 dimension"):
        word_embedding_forward(x, np.zeros(3))
    _, cache = word_embedding_forward(x, np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"dout must be \(N, T, D\)"):
        word_embedding_backward(np.zeros((1, 3, 2)), cache)
    with pytest.raises(TypeError, match="word_embedding_forward"):
        word_embedding_backward(np.zeros((1, 2, 2)), object())
