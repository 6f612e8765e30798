"""minGRU, minLSTM and LRU in NumPy against step-by-step loops; minGRU gradients numerically."""

import numpy as np
import pytest

from rnncourse.reference.gradcheck import eval_numerical_gradient
from rnncourse.reference.linear_rnns import (
    lru_forward,
    lru_init,
    mingru_backward,
    mingru_forward,
    minlstm_forward,
)


def _sig(v):
    return 1 / (1 + np.exp(-v))


def _params(rng, N=2, T=9, D=3, H=4, k=2):
    return (
        rng.normal(size=(N, T, D)),
        rng.normal(size=(N, H)),
        rng.normal(size=(D, k * H)),
        rng.normal(size=k * H),
    )


@pytest.mark.parametrize("method", ["sequential", "hillis_steele", "blelloch", "log"])
def test_mingru_matches_its_equations_step_by_step(method):
    x, h0, Wx, b = _params(np.random.default_rng(0))
    H = h0.shape[1]
    h, out = h0, []
    for t in range(x.shape[1]):
        z = _sig(x[:, t] @ Wx[:, :H] + b[:H])
        h = (1 - z) * h + z * (x[:, t] @ Wx[:, H:] + b[H:])
        out.append(h)
    got, _ = mingru_forward(x, h0, Wx, b, method)
    np.testing.assert_allclose(got, np.stack(out, 1), rtol=1e-9, atol=1e-12)


def test_mingru_backward_matches_numerical_gradients():
    x, h0, Wx, b = _params(np.random.default_rng(1), T=5)
    h, cache = mingru_forward(x, h0, Wx, b)
    dh = np.random.default_rng(2).normal(size=h.shape)
    grads = mingru_backward(dh, cache)
    for arr, g in zip((x, h0, Wx, b), grads, strict=True):
        num = eval_numerical_gradient(
            lambda _: float((mingru_forward(x, h0, Wx, b)[0] * dh).sum()), arr
        )
        np.testing.assert_allclose(g, num, rtol=1e-6, atol=1e-8)


def test_minlstm_gates_sum_to_one_and_match_the_loop():
    x, h0, Wx, b = _params(np.random.default_rng(3), k=3)
    H = h0.shape[1]
    h, f_n, i_n = minlstm_forward(x, h0, Wx, b)
    np.testing.assert_allclose(f_n + i_n, 1.0)
    state, out = h0, []
    for t in range(x.shape[1]):
        pre = x[:, t] @ Wx + b
        f, i = _sig(pre[:, :H]), _sig(pre[:, H : 2 * H])
        state = f / (f + i) * state + i / (f + i) * pre[:, 2 * H :]
        out.append(state)
    np.testing.assert_allclose(h, np.stack(out, 1), rtol=1e-9, atol=1e-12)


def test_lru_ring_initialisation():
    p = lru_init(3, 4000, r_min=0.4, r_max=0.9, max_phase=np.pi / 2, rng=np.random.default_rng(4))
    lam = np.exp(-np.exp(p["nu_log"]) + 1j * np.exp(p["theta_log"]))
    r = np.abs(lam)
    assert r.min() >= 0.4 - 1e-12
    assert r.max() <= 0.9 + 1e-12
    # uniform on the ring: |lambda|^2 is uniform on [r_min^2, r_max^2]
    assert abs(np.mean(r**2) - (0.16 + 0.81) / 2) < 0.01
    assert np.angle(lam).min() >= 0
    assert np.angle(lam).max() <= np.pi / 2 + 1e-12
    np.testing.assert_allclose(np.exp(p["gamma_log"]), np.sqrt(1 - r**2))


def test_lru_forward_matches_the_loop_and_stays_stable():
    rng = np.random.default_rng(5)
    p = lru_init(3, 6, r_min=0.9, r_max=0.999, rng=rng)
    u = rng.normal(size=(2, 50, 3))
    lam = np.exp(-np.exp(p["nu_log"]) + 1j * np.exp(p["theta_log"]))
    B = (p["B_re"] + 1j * p["B_im"]) * np.exp(p["gamma_log"])
    C = p["C_re"] + 1j * p["C_im"]
    h, ys = np.zeros((2, 6), complex), []
    for t in range(50):
        h = lam * h + u[:, t] @ B
        ys.append((h @ C).real + u[:, t] * p["D"])
    y, _ = lru_forward(u, p)
    np.testing.assert_allclose(y, np.stack(ys, 1), rtol=1e-9, atol=1e-12)
    # |lambda| = exp(-exp(nu)) < 1 for any real nu: even a huge negative nu stays inside
    assert np.abs(np.exp(-np.exp(-30.0))) < 1


def test_errors_name_the_argument():
    x, h0, Wx, b = _params(np.random.default_rng(6))
    with pytest.raises(ValueError, match="Wx"):
        mingru_forward(x, h0, Wx[:, :-1], b)
    with pytest.raises(ValueError, match="r_min"):
        lru_init(2, 2, r_min=0.9, r_max=0.5)
    with pytest.raises(TypeError, match="cache"):
        mingru_backward(x, None)


def test_mingru_log_method_survives_a_saturated_update_gate():
    # In float32, 1 - sigmoid(20) rounds to 0: log(1 - z) must come from -softplus(20), not log 0.
    x, h0, Wx, b = (v.astype(np.float32) for v in _params(np.random.default_rng(4), T=6))
    H = h0.shape[1]
    b[:H] = 20.0  # z = sigmoid(~20): the new state is (almost) all candidate
    assert np.any(1 - _sig(x @ Wx[:, :H] + b[:H]).astype(np.float32) == 0)
    want, _ = mingru_forward(*(v.astype(np.float64) for v in (x, h0, Wx, b)), "sequential")
    got, cache = mingru_forward(x, h0, Wx, b, "log")
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    dx, dh0, dWx, db = mingru_backward(np.ones_like(got), cache)  # the backward runs on it too
    assert all(np.isfinite(g).all() for g in (dx, dh0, dWx, db))


def test_minlstm_normalised_gates_have_no_zero_over_zero():
    # Both gates underflow to 0 at pre-activations -800 and -801; their ratio is still sigma(1).
    x, h0, Wx, b = _params(np.random.default_rng(5), k=3)
    H = h0.shape[1]
    Wx[:, : 2 * H] = 0.0
    b[:H], b[H : 2 * H] = -800.0, -801.0
    assert np.exp(-800.0) == 0.0  # sigmoid(-800) underflows: the naive f / (f + i) is 0 / 0
    h, f_n, i_n = minlstm_forward(x, h0, Wx, b)
    np.testing.assert_allclose(f_n, 1 / (1 + np.exp(-1.0)), rtol=1e-12)
    np.testing.assert_allclose(f_n + i_n, 1.0, rtol=1e-12)
    assert np.isfinite(h).all()
