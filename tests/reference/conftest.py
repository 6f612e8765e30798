"""Shared helpers of the reference tests: random shapes, parameters, a strict gradient check."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rnncourse.reference.gradcheck import rel_error

try:  # only the parity tests need torch; the rest of tests/reference runs with NumPy alone
    import torch
except ImportError:
    torch = None

#: Mark for a test that compares with torch: skipped where torch is not importable.
needs_torch = pytest.mark.skipif(torch is None, reason="a parity test against torch")

# (N, T, D, H): includes N = 1, T = 1 and D != H.
SHAPES = [(1, 1, 3, 2), (2, 3, 4, 4), (3, 4, 2, 5)]
K = {"rnn": 1, "gru": 3, "lstm": 4}


def randn(rng: np.random.Generator, *shape: int, scale: float = 1.0) -> np.ndarray:
    return rng.standard_normal(shape) * scale


def cell_params(rng: np.random.Generator, D: int, H: int, cell: str, scale: float = 0.5) -> dict:
    k = K[cell]
    p = {
        "Wx": randn(rng, D, k * H, scale=scale),
        "Wh": randn(rng, H, k * H, scale=scale),
        "b": randn(rng, k * H, scale=scale),
    }
    if cell == "gru":
        p["bh"] = randn(rng, k * H, scale=scale)
    return p


def numerical_gradient(f, x: np.ndarray, dout: np.ndarray, h: float = 1e-3) -> np.ndarray:
    """Fourth-order central differences of ``sum(f() * dout)`` with respect to ``x`` (in place).

    Truncation error O(h^4) and rounding error O(eps / h) are both about 1e-12 at h = 1e-3, so
    even tiny gradient entries are resolved well enough for an elementwise relative error < 1e-6
    (plain central differences, error O(h^2) + O(eps / h), cannot promise that for entries near
    1e-5). The package's own ``eval_numerical_gradient`` is tested separately.
    """
    grad = np.zeros_like(x)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    for k in range(x.size):
        old = flat[k]
        vals = []
        for step in (2 * h, h, -h, -2 * h):
            flat[k] = old + step
            vals.append(float(np.sum(f() * dout)))
        flat[k] = old
        gflat[k] = (-vals[0] + 8 * vals[1] - 8 * vals[2] + vals[3]) / (12 * h)
    return grad


def assert_grads(
    f, inputs: dict, grads: dict, dout: np.ndarray | None, tol: float = 1e-6, h: float = 1e-3
):
    """Every analytic gradient in ``grads`` matches finite differences of ``f`` (no arguments).

    Use a small ``h`` for piecewise-linear functions (ReLU), whose kinks a large step may cross.
    """
    assert set(inputs) == set(grads), (set(inputs), set(grads))
    for name, x in inputs.items():
        num = numerical_gradient(f, x, dout, h)
        assert grads[name].shape == x.shape, name
        # Elementwise relative error where the gradient is not tiny; entries of size < 1e-6
        # (e.g. exactly 0 behind a dead ReLU, where the numerical value is rounding noise of
        # ~1e-12) are held to an absolute error instead, which a wrong formula would not meet.
        a, n = grads[name], num
        big = np.abs(a) + np.abs(n) > 1e-6
        err = rel_error(a[big], n[big]) if big.any() else 0.0
        assert err < tol, f"{name}: relative error {err:.2e}"
        small_err = np.abs(a - n)[~big].max(initial=0.0)
        assert small_err < 1e-10, f"{name}: absolute error {small_err:.2e} on tiny entries"
        # A gradient check is worthless if the gradient is identically zero by accident.
        assert np.abs(num).max() > 0, f"{name}: numerical gradient is 0"


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


#: The test that runs this folder's tests in a process where torch cannot be imported
#: (``test_ref_numpy_only.py``).
WITHOUT_TORCH = "test_ref_numpy_only.py::test_reference_tests_run_without_torch"


@pytest.hookimpl(trylast=True)  # after ``-m``/``-k`` deselection: only if it really runs
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run each torch-free reference test once: in the torch-free process, where that runs.

    Where ``WITHOUT_TORCH`` is among the selected tests, it runs every test of this folder with
    torch blocked (and fails if any of them fails), so the main run deselects the ones it would
    only repeat: every test here that is not a torch parity test (``needs_torch``), this file's
    other tests excepted. The inner run (torch absent: ``torch is None``) deselects nothing.
    """
    if torch is None:
        return
    here = Path(__file__).parent
    carrier = [i for i in items if i.nodeid.endswith(WITHOUT_TORCH) and i.path.parent == here]
    if not carrier:
        return
    reason = needs_torch.mark.kwargs["reason"]
    keep, repeated = [], []
    for item in items:
        in_here = item.path.parent == here and item.path.name != carrier[0].path.name
        parity = any(m.kwargs.get("reason") == reason for m in item.iter_markers("skipif"))
        (repeated if in_here and not parity else keep).append(item)
    if repeated:
        config.hook.pytest_deselected(items=repeated)
    # It runs for a while in one process: first, so that the other tests fill the other workers
    # meanwhile instead of waiting for it at the end.
    keep.remove(carrier[0])
    items[:] = [carrier[0], *keep]
