"""Variational-dropout and layer-normalised LSTM references: gradient checks, planted facts."""

import numpy as np
import pytest

from rnncourse.reference import grad_check, lstm_forward
from rnncourse.reference.dropout import (
    dropout_mask,
    variational_lstm_backward,
    variational_lstm_forward,
)
from rnncourse.reference.layernorm_lstm import (
    layer_norm_backward,
    layer_norm_forward,
    ln_lstm_backward,
    ln_lstm_forward,
)

N, T, D, H = 3, 5, 4, 6


@pytest.fixture
def lstm_params():
    rng = np.random.default_rng(0)
    return {
        "x": rng.standard_normal((N, T, D)),
        "h0": rng.standard_normal((N, H)),
        "Wx": 0.4 * rng.standard_normal((D, 4 * H)),
        "Wh": 0.4 * rng.standard_normal((H, 4 * H)),
        "b": 0.1 * rng.standard_normal(4 * H),
    }


def test_dropout_mask_values_and_rate():
    m = dropout_mask((200, 500), 0.3, rng=0)
    assert set(np.unique(m)) == {0.0, 1 / 0.7}
    assert abs((m == 0).mean() - 0.3) < 0.01  # 100k draws: sd of the rate ~0.0015
    assert abs(m.mean() - 1.0) < 0.02  # inverted dropout keeps the expectation
    with pytest.raises(ValueError, match="p must be in"):
        dropout_mask((2, 2), 1.0)


def test_variational_lstm_gradcheck(lstm_params):
    p = lstm_params
    mx, mh = dropout_mask((N, D), 0.4, rng=1), dropout_mask((N, H), 0.4, rng=2)
    dout = np.random.default_rng(3).standard_normal((N, T, H))
    h, cache = variational_lstm_forward(p["x"], p["h0"], p["Wx"], p["Wh"], p["b"], mx, mh)
    dx, dh0, dWx, dWh, db = variational_lstm_backward(dout, cache)

    def f():
        return variational_lstm_forward(p["x"], p["h0"], p["Wx"], p["Wh"], p["b"], mx, mh)[0]

    errs = grad_check(f, p, {"x": dx, "h0": dh0, "Wx": dWx, "Wh": dWh, "b": db}, dout=dout)
    assert max(errs.values()) < 1e-6, errs


def test_variational_mask_is_the_same_at_every_step(lstm_params):
    """A dropped input unit has no effect at ANY step; ones-masks give the plain LSTM."""
    p = lstm_params
    ones_x, ones_h = np.ones((N, D)), np.ones((N, H))
    h, _ = variational_lstm_forward(p["x"], p["h0"], p["Wx"], p["Wh"], p["b"], ones_x, ones_h)
    ref, _ = lstm_forward(p["x"], p["h0"], p["Wx"], p["Wh"], p["b"])
    np.testing.assert_allclose(h, ref, rtol=1e-12)
    mx = ones_x.copy()
    mx[:, 1] = 0.0  # drop input unit 1 for the whole sequence
    x2 = p["x"].copy()
    x2[:, :, 1] = 1e3 * np.random.default_rng(4).standard_normal((N, T))
    a, _ = variational_lstm_forward(p["x"], p["h0"], p["Wx"], p["Wh"], p["b"], mx, ones_h)
    b, cache = variational_lstm_forward(x2, p["h0"], p["Wx"], p["Wh"], p["b"], mx, ones_h)
    np.testing.assert_allclose(a, b, rtol=1e-12)
    dx = variational_lstm_backward(np.ones((N, T, H)), cache)[0]
    assert np.all(dx[:, :, 1] == 0)
    assert np.all(dx[:, :, 0] != 0)


def test_variational_rejects_per_step_mask(lstm_params):
    p = lstm_params
    with pytest.raises(ValueError, match="mask_x"):
        variational_lstm_forward(
            p["x"], p["h0"], p["Wx"], p["Wh"], p["b"], np.ones((N, T, D)), np.ones((N, H))
        )


def test_layer_norm_gradcheck_and_statistics():
    rng = np.random.default_rng(0)
    a, g, b = rng.standard_normal((4, 7)) * 3 + 2, rng.standard_normal(7), rng.standard_normal(7)
    out, cache = layer_norm_forward(a, np.ones(7))
    np.testing.assert_allclose(out.mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(out.std(axis=1), 1, rtol=1e-5)
    dout = rng.standard_normal((4, 7))
    out, cache = layer_norm_forward(a, g, b)
    da, dg, db = layer_norm_backward(dout, cache)
    errs = grad_check(
        lambda: layer_norm_forward(a, g, b)[0],
        {"a": a, "g": g, "b": b},
        {"a": da, "g": dg, "b": db},
        dout=dout,
    )
    assert max(errs.values()) < 1e-6, errs


def _ln_params(rng):
    return {
        "Wx": 0.5 * rng.standard_normal((D, 4 * H)),
        "Wh": 0.5 * rng.standard_normal((H, 4 * H)),
        "b": 0.1 * rng.standard_normal(4 * H),
        "gx": 1 + 0.1 * rng.standard_normal(4 * H),
        "gh": 1 + 0.1 * rng.standard_normal(4 * H),
        "gc": 1 + 0.1 * rng.standard_normal(H),
        "bc": 0.1 * rng.standard_normal(H),
    }


def test_ln_lstm_gradcheck():
    rng = np.random.default_rng(5)
    p = _ln_params(rng)
    x, h0 = rng.standard_normal((N, T, D)), rng.standard_normal((N, H))
    dout = rng.standard_normal((N, T, H))
    _, cache = ln_lstm_forward(x, h0, p)
    dx, dh0, grads = ln_lstm_backward(dout, cache)
    errs = grad_check(
        lambda: ln_lstm_forward(x, h0, p)[0],
        {"x": x, "h0": h0, **p},
        {"x": dx, "h0": dh0, **grads},
        dout=dout,
    )
    assert max(errs.values()) < 1e-6, errs


def test_ln_lstm_is_invariant_to_weight_scale():
    """LN's defining property: rescaling W_x or W_h leaves the output unchanged."""
    rng = np.random.default_rng(6)
    p = _ln_params(rng)
    x, h0 = rng.standard_normal((N, T, D)), rng.standard_normal((N, H))
    h, _ = ln_lstm_forward(x, h0, p)
    h2, _ = ln_lstm_forward(x, h0, dict(p, Wx=7 * p["Wx"], Wh=3 * p["Wh"]))
    np.testing.assert_allclose(h, h2, rtol=0, atol=1e-4)  # equal up to eps
    plain, _ = lstm_forward(x, h0, 7 * p["Wx"], p["Wh"], p["b"])
    assert not np.allclose(plain, lstm_forward(x, h0, p["Wx"], p["Wh"], p["b"])[0])


def test_ln_lstm_bad_params_named():
    rng = np.random.default_rng(7)
    p = _ln_params(rng)
    p["gc"] = np.ones(H + 1)
    with pytest.raises(ValueError, match=r'p\["gc"\]'):
        ln_lstm_forward(rng.standard_normal((N, T, D)), np.zeros((N, H)), p)
