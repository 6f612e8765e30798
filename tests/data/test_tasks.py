import numpy as np
import pytest

from rnncourse.data import ADDING_BASELINE_MSE, adding_problem, copy_task, future_context_task


def test_adding_uniform_structure_and_baseline():
    x, y = adding_problem(100_000, 50, rng=np.random.default_rng(1))
    assert x.shape == (100_000, 50, 2)
    assert y.shape == (100_000, 1)
    assert x.dtype == np.float32
    m = x[..., 1]
    assert np.all(m.sum(1) == 2)
    assert np.all(m[:, :25].sum(1) == 1)
    assert np.all(m[:, 25:].sum(1) == 1)
    np.testing.assert_allclose(y[:, 0], (x[..., 0] * m).sum(1), rtol=1e-6)
    mse = np.mean((y - 1.0) ** 2)
    assert abs(mse - 1 / 6) < 0.003  # std of the estimate ~ 0.0005


def test_adding_hochreiter1997():
    x, y = adding_problem(100_000, 100, variant="hochreiter1997", rng=np.random.default_rng(2))
    m = x[..., 1]
    assert np.all((m == 1).sum(1) == 2)
    marked = np.argwhere(m == 1)[:, 1].reshape(-1, 2)
    assert marked.max() < 49
    assert np.all(marked.min(1) < 10)
    assert np.all(x[..., 0] >= -1)
    assert np.all(x[..., 0] <= 1)
    assert np.all((y >= 0) & (y <= 1))
    np.testing.assert_allclose(y[:, 0], 0.5 + (x[..., 0] * (m == 1)).sum(1) / 4, rtol=1e-5)
    assert abs(np.mean((y - 0.5) ** 2) - ADDING_BASELINE_MSE["hochreiter1997"]) < 0.001


def test_seeded_reproducible_under_the_one_rng_policy():
    a = adding_problem(10, 20, rng=np.random.default_rng(7))
    b = adding_problem(10, 20, rng=7)  # an int seeds, as everywhere in the package
    assert all(np.array_equal(p, q) for p, q in zip(a, b, strict=True))
    assert not np.array_equal(adding_problem(10, 20)[0], adding_problem(10, 20)[0])  # None: fresh
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator, an int seed"):
        adding_problem(10, 20, rng="7")
    with pytest.raises(ValueError, match="variant must be"):
        adding_problem(10, 20, variant="x", rng=np.random.default_rng(0))


def test_copy_task_layout():
    x, y = copy_task(4, delay=5, length=3, n_symbols=6, rng=np.random.default_rng(0))
    assert x.shape == y.shape == (4, 11)
    assert np.array_equal(y[:, -3:], x[:, :3])
    assert np.all(y[:, :-3] == 0)
    assert np.all(x[:, 3 + 5 - 1] == 7)
    assert np.all((x[:, :3] >= 1) & (x[:, :3] <= 6))
    assert np.count_nonzero(x[:, 3:]) == 4


def test_future_context():
    x, y, mask = future_context_task(3, 10, offset=2, rng=np.random.default_rng(0))
    assert np.array_equal(y[:, :8], x[:, 2:])
    assert mask[:, :8].all()
    assert not mask[:, 8:].any()
    rng = np.random.default_rng(0)
    x, y, mask = future_context_task(3, 10, offset=2, direction="past", rng=rng)
    assert np.array_equal(y[:, 2:], x[:, :8])
    assert mask.sum() == 24
