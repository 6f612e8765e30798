"""Selective SSM and xLSTM cells in NumPy against direct loops of their equations."""

import numpy as np
import pytest

from rnncourse.reference.scan import linear_scan_forward
from rnncourse.reference.ssm import mlstm_forward, selective_ssm_forward, slstm_forward


def test_selective_ssm_matches_the_loop():
    rng = np.random.default_rng(0)
    N, T, Dm, S = 2, 12, 3, 4
    u, delta = rng.normal(size=(N, T, Dm)), np.log1p(np.exp(rng.normal(size=(N, T, Dm))))
    A = -np.tile(np.arange(1.0, S + 1), (Dm, 1))  # S4D-real style initialisation
    B, C, D = rng.normal(size=(N, T, S)), rng.normal(size=(N, T, S)), rng.normal(size=Dm)
    s, ys = np.zeros((N, Dm, S)), []
    for t in range(T):
        s = (
            np.exp(delta[:, t, :, None] * A) * s
            + (delta[:, t] * u[:, t])[..., None] * B[:, t, None]
        )
        ys.append(np.einsum("nds,ns->nd", s, C[:, t]) + D * u[:, t])
    np.testing.assert_allclose(
        selective_ssm_forward(u, delta, A, B, C, D), np.stack(ys, 1), rtol=1e-10, atol=1e-12
    )


def _sig(v):
    return 1 / (1 + np.exp(-v))


def test_mlstm_stabilised_equals_the_plain_recurrence_by_scan():
    rng = np.random.default_rng(1)
    N, T, d = 2, 15, 4
    q, k, v = rng.normal(size=(N, T, d)), rng.normal(size=(N, T, d)) / 2, rng.normal(size=(N, T, d))
    i_pre, f_pre = rng.normal(size=(N, T)), rng.normal(size=(N, T)) + 2
    i, f = np.exp(i_pre), _sig(f_pre)
    # unstabilised: C and n are linear recurrences with scalar coefficients, so a scan does them
    a = np.broadcast_to(f[..., None], (N, T, d * d)).copy()
    Cm, _ = linear_scan_forward(
        a, (i[..., None, None] * v[..., :, None] * k[..., None, :]).reshape(N, T, d * d)
    )
    n, _ = linear_scan_forward(a[..., :d].copy(), i[..., None] * k)
    num = np.einsum("ntij,ntj->nti", Cm.reshape(N, T, d, d), q)
    want = num / np.maximum(np.abs(np.sum(n * q, axis=-1)), 1.0)[..., None]
    np.testing.assert_allclose(mlstm_forward(q, k, v, i_pre, f_pre), want, rtol=1e-9, atol=1e-12)


def test_mlstm_survives_huge_input_gates():
    rng = np.random.default_rng(2)
    q, k, v = (rng.normal(size=(1, 5, 3)) for _ in range(3))
    h = mlstm_forward(q, k, v, np.full((1, 5), 800.0), np.zeros((1, 5)))  # exp(800) overflows
    assert np.all(np.isfinite(h))


def test_slstm_stabiliser_changes_nothing_but_overflow():
    rng = np.random.default_rng(3)
    N, T, D, H = 2, 10, 3, 4
    x = rng.normal(size=(N, T, D))
    Wx, R, b = (
        rng.normal(0, 0.5, (D, 4 * H)),
        rng.normal(0, 0.5, (H, 4 * H)),
        rng.normal(0, 0.5, 4 * H),
    )
    np.testing.assert_allclose(
        slstm_forward(x, Wx, R, b), slstm_forward(x, Wx, R, b, False), rtol=1e-9
    )
    big = b.copy()
    big[H : 2 * H] = 800.0  # input gate pre-activation: exp(800) = inf without the stabiliser
    assert np.all(np.isfinite(slstm_forward(x, Wx, R, big)))
    with np.errstate(over="ignore", invalid="ignore"):
        assert not np.all(np.isfinite(slstm_forward(x, Wx, R, big, False)))


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match="f_pre"):
        mlstm_forward(*(np.zeros((1, 3, 2)) for _ in range(3)), np.zeros((1, 3)), np.zeros((1, 4)))


def test_mlstm_zero_query_under_a_huge_stabiliser_gives_zero_not_nan():
    # m = 800: exp(-m) underflows, and a zero query makes n.q = C q = 0. The plain recurrence's
    # h = C q / max(|n.q|, 1) is exactly 0 there.
    rng = np.random.default_rng(3)
    q, k, v = (rng.normal(size=(2, 4, 3)) for _ in range(3))
    q[:, 2] = 0.0
    with np.errstate(divide="raise", invalid="raise"):  # 0 / 0 would raise
        h = mlstm_forward(q, k, v, np.full((2, 4), 800.0), np.zeros((2, 4)))
    assert np.isfinite(h).all()
    np.testing.assert_array_equal(h[:, 2], 0.0)
