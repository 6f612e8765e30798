"""Tests of rnncourse.analysis: gradients checked against independent computations.

Independent references used here: a NumPy product of per-step Jacobians (vanilla RNN), powers of
Wh^T (linear RNN), central differences through torch.nn.LSTMCell / GRUCell (which also checks
that the gate conventions match torch), and a small NumPy GRU step for the Cho et al. variant.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rnncourse import analysis as an

N, T, D, H = 3, 7, 4, 5


def _data(cell, seed=0, radius=None, forget_bias=1.0):
    rng = np.random.default_rng(seed)
    params = an.init_params(cell, D, H, spectral_radius=radius, forget_bias=forget_bias, rng=rng)
    if cell == "gru":
        params["bh"] = 0.3 * rng.standard_normal(3 * H)
    params["b"] = params["b"] + 0.2 * rng.standard_normal(params["b"].shape)
    x = rng.standard_normal((N, T, D))
    h0 = 0.5 * rng.standard_normal((N, H))
    g = rng.standard_normal((N, H))
    return params, x, h0, g


# ------------------------------------------------------------------ spectral helpers
def test_scale_to_spectral_radius_hits_target_and_keeps_direction():
    W = np.random.default_rng(1).standard_normal((6, 6))
    for radius in (0.5, 1.0, 2.5):
        S = an.scale_to_spectral_radius(W, radius)
        assert np.isclose(an.spectral_radius(S), radius, rtol=1e-12)
        ratio = S / W
        assert np.allclose(ratio, ratio.flat[0])  # a pure rescaling


def test_spectral_helpers_validate():
    with pytest.raises(ValueError, match=r"W must be \(H, H\) = \(2, 2\), got \(2, 3\)"):
        an.spectral_radius(np.ones((2, 3)))
    with pytest.raises(ValueError, match="radius"):
        an.scale_to_spectral_radius(np.eye(2), -1.0)
    with pytest.raises(ValueError, match="spectral radius 0"):
        an.scale_to_spectral_radius(np.array([[0.0, 1.0], [0.0, 0.0]]), 1.0)


def test_init_params_layout_and_radius():
    p = an.init_params("lstm", D, H, spectral_radius=0.7, forget_bias=2.0)
    assert p["Wx"].shape == (D, 4 * H)
    assert p["Wh"].shape == (H, 4 * H)
    assert p["b"].shape == (4 * H,)
    assert np.allclose(an.spectral_radius_of_blocks(p["Wh"], H), 0.7)
    assert np.all(p["b"][H : 2 * H] == 2.0)
    assert np.all(p["b"][:H] == 0)
    g = an.init_params("gru", D, H, dtype=np.float32)
    assert g["bh"].shape == (3 * H,)
    assert g["Wx"].dtype == np.float32


# ------------------------------------------------------------------ vanilla RNN
def _numpy_rnn_grads(x, h0, params, g, activation):
    """Forward pass, then dh_t = (dh_{t+1} * phi'(a_{t+1})) Wh^T, written out in NumPy."""
    Wx, Wh, b = params["Wx"], params["Wh"], params["b"]
    hs, acts = [h0], []
    for t in range(x.shape[1]):
        a = x[:, t] @ Wx + hs[-1] @ Wh + b
        acts.append(a)
        hs.append(
            {"tanh": np.tanh, "relu": lambda v: np.maximum(v, 0), "linear": lambda v: v}[
                activation
            ](a)
        )
    deriv = {
        "tanh": lambda a: 1 - np.tanh(a) ** 2,
        "relu": lambda a: (a > 0).astype(float),
        "linear": np.ones_like,
    }[activation]
    dh = [g]
    for t in range(x.shape[1] - 1, -1, -1):
        dh.append((dh[-1] * deriv(acts[t])) @ Wh.T)
    return np.stack(hs, 1), np.stack(dh[::-1], 1)


@pytest.mark.parametrize("activation", ["tanh", "relu", "linear"])
def test_rnn_gradients_match_product_of_jacobians(activation):
    params, x, h0, g = _data("rnn")
    res = an.hidden_state_gradients(x, h0, params, "rnn", dL_dhT=g, activation=activation)
    h_ref, dh_ref = _numpy_rnn_grads(x, h0, params, g, activation)
    assert res.dh.shape == (N, T + 1, H)
    assert res.dc is None
    np.testing.assert_allclose(res.h, h_ref, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(res.dh, dh_ref, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(res.norms, np.linalg.norm(dh_ref, axis=-1), rtol=1e-10)


def test_linear_rnn_gradient_is_power_of_wh_transpose():
    params, x, h0, g = _data("rnn", radius=1.3)
    res = an.hidden_state_gradients(x, h0, params, "rnn", dL_dhT=g, activation="linear")
    for t in range(T + 1):
        expected = g @ np.linalg.matrix_power(params["Wh"].T, T - t)
        np.testing.assert_allclose(res.dh[:, t], expected, rtol=1e-10)


# ------------------------------------------------------------------ gated cells vs torch.nn
def _torch_cell(cell, params):
    P = {k: torch.tensor(v, dtype=torch.float64) for k, v in params.items()}
    if cell == "lstm":
        mod = torch.nn.LSTMCell(D, H).double()
        bias_hh = torch.zeros(4 * H, dtype=torch.float64)
    else:
        mod = torch.nn.GRUCell(D, H).double()
        bias_hh = P["bh"]
    with torch.no_grad():
        mod.weight_ih.copy_(P["Wx"].T)
        mod.weight_hh.copy_(P["Wh"].T)
        mod.bias_ih.copy_(P["b"])
        mod.bias_hh.copy_(bias_hh)
    return mod


def _rollout_loss(mod, cell, x, g, t0, h, c):
    """L = sum_n <g_n, h_T> when the state at time t0 is (h, c)."""
    with torch.no_grad():
        X = torch.tensor(x)
        h, c = torch.tensor(h), None if c is None else torch.tensor(c)
        for t in range(t0, x.shape[1]):
            if cell == "lstm":
                h, c = mod(X[:, t], (h, c))
            else:
                h = mod(X[:, t], h)
        return float((h.numpy() * g).sum())


def _fd(fun, s, eps=1e-6):
    grad = np.zeros_like(s)
    for idx in np.ndindex(s.shape):
        sp, sm = s.copy(), s.copy()
        sp[idx] += eps
        sm[idx] -= eps
        grad[idx] = (fun(sp) - fun(sm)) / (2 * eps)
    return grad


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_gated_gradients_match_finite_differences_through_torch_cells(cell):
    params, x, h0, g = _data(cell)
    c0 = 0.5 * np.random.default_rng(5).standard_normal((N, H)) if cell == "lstm" else None
    res = an.hidden_state_gradients(x, h0, params, cell, dL_dhT=g, c0=c0)
    mod = _torch_cell(cell, params)
    # States along the way, from the torch module.
    hs, cs = [h0], [c0]
    with torch.no_grad():
        h, c = torch.tensor(h0), None if c0 is None else torch.tensor(c0)
        for t in range(T):
            if cell == "lstm":
                h, c = mod(torch.tensor(x[:, t]), (h, c))
                cs.append(c.numpy())
            else:
                h = mod(torch.tensor(x[:, t]), h)
            hs.append(h.numpy())
    np.testing.assert_allclose(res.h, np.stack(hs, 1), rtol=1e-12, atol=1e-14)
    for t0 in (0, 3, T):
        c_t = cs[t0] if cell == "lstm" else None
        dh_fd = _fd(lambda s, c_t=c_t, t0=t0: _rollout_loss(mod, cell, x, g, t0, s, c_t), hs[t0])
        np.testing.assert_allclose(res.dh[:, t0], dh_fd, rtol=1e-6, atol=1e-9)
        if cell == "lstm":
            dc_fd = _fd(lambda s, t0=t0: _rollout_loss(mod, cell, x, g, t0, hs[t0], s), cs[t0])
            np.testing.assert_allclose(res.dc[:, t0], dc_fd, rtol=1e-6, atol=1e-9)


# ------------------------------------------------------------------ behaviour
def test_gradient_flow_problem_is_what_gradient_flow_measures():
    params, x, g = an.gradient_flow_problem("gru", T=7, spectral_radius=0.8, seed=3)
    flow = an.gradient_flow("gru", T=7, spectral_radius=0.8, seed=3)
    assert all(np.array_equal(params[k], flow.params[k]) for k in params)
    res = an.hidden_state_gradients(x, None, params, "gru", dL_dhT=g)
    np.testing.assert_array_equal(res.dh, flow.dh)
    assert x.shape == (16, 7, 8)
    np.testing.assert_allclose(np.linalg.norm(g, axis=1), 1.0, rtol=1e-12)
    same_data = an.gradient_flow_problem("lstm", T=7, spectral_radius=2.0, seed=3)
    np.testing.assert_array_equal(same_data[1], x)  # one seed, the same inputs for every cell


def test_gradient_flow_vanishes_below_one_and_explodes_above_one_for_linear_rnn():
    low = an.gradient_flow("rnn", spectral_radius=0.5, T=40, activation="linear", seed=1)
    high = an.gradient_flow("rnn", spectral_radius=1.5, T=40, activation="linear", seed=1)
    assert low.decay_rate() < 0.6
    assert high.decay_rate() > 1.3
    assert low.mean_norms[0] < 1e-9 < 1e5 < high.mean_norms[0]
    assert np.allclose(low.mean_norms[-1], 1.0)  # unit upstream gradients
    assert low.info["measured_radius"] == pytest.approx([0.5])


def test_open_forget_gate_keeps_lstm_gradient_alive():
    rnn = an.gradient_flow("rnn", spectral_radius=0.9, T=50)
    lstm = an.gradient_flow("lstm", spectral_radius=0.9, T=50, forget_bias=4.0)
    assert lstm.mean_cell_norms[0] > 1e4 * rnn.mean_norms[0]
    assert lstm.decay_rate("c") > rnn.decay_rate()
    with pytest.raises(ValueError, match="needs an LSTM"):
        rnn.decay_rate("c")
    assert np.all(lstm.dc[:, -1] == 0)  # the loss reads h_T only
    expected = np.sqrt(lstm.norms**2 + lstm.cell_norms**2)
    np.testing.assert_allclose(lstm.state_norms, expected)
    np.testing.assert_allclose(rnn.state_norms, rnn.norms)


def test_float32_dtype_follows_request():
    params, x, h0, g = _data("rnn")
    res = an.hidden_state_gradients(x, h0, params, "rnn", dL_dhT=g, dtype=torch.float32)
    ref = an.hidden_state_gradients(x, h0, params, "rnn", dL_dhT=g)
    assert res.dh.dtype == np.float32
    np.testing.assert_allclose(res.dh, ref.dh, rtol=1e-4, atol=1e-6)


def test_validation_messages_name_the_argument():
    params, x, h0, g = _data("rnn")
    with pytest.raises(ValueError, match=r"x must have 3 dimension\(s\) \(N, T, D\), got 2"):
        an.hidden_state_gradients(x[0], h0, params)
    with pytest.raises(ValueError, match="h0 must be"):
        an.hidden_state_gradients(x, h0[:, :2], params)
    with pytest.raises(ValueError, match="dL_dhT must be"):
        an.hidden_state_gradients(x, h0, params, dL_dhT=g[:1])
    with pytest.raises(
        ValueError, match=r'params\["Wh"\] must be \(H, 4H\) = \(5, 20\), got \(5, 5\)'
    ):
        an.hidden_state_gradients(x, h0, params, "lstm")
    with pytest.raises(ValueError, match="cell must be"):
        an.gradient_flow("transformer")
    with pytest.raises(ValueError, match="activation"):
        an.gradient_flow("lstm", activation="relu")
    with pytest.raises(ValueError, match="T must be"):
        an.gradient_flow("rnn", T=0)


# ------------------------------------------------------------------ BPTT contributions
def _rnn_problem(seed=0, T_=9):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, T_, D))
    h0 = 0.5 * rng.standard_normal((N, H))
    Wx = rng.standard_normal((D, H)) / 2
    Wh = an.scale_to_spectral_radius(rng.standard_normal((H, H)), 1.1)
    b = 0.1 * rng.standard_normal(H)
    dh = rng.standard_normal((N, T_, H))
    return x, h0, Wx, Wh, b, dh


def _autograd_rnn(x, h0, Wx, Wh, b, dh, activation, chunk):
    """Loss sum_t <dh_t, h_t>, with the carried state detached at every chunk boundary."""
    P = [torch.tensor(a, requires_grad=True) for a in (Wx, Wh, b)]
    X, h = torch.tensor(x), torch.tensor(h0, requires_grad=True)
    h_start, loss = h, 0.0
    for t in range(x.shape[1]):
        if t > 0 and t % chunk == 0:
            h = h.detach()
        a = X[:, t] @ P[0] + h @ P[1] + P[2]
        h = torch.tanh(a) if activation == "tanh" else torch.relu(a)
        loss = loss + (h * torch.tensor(dh[:, t])).sum()
    loss.backward()
    return [p.grad.numpy() for p in P], h_start.grad.numpy()


@pytest.mark.parametrize("activation", ["tanh", "relu"])
@pytest.mark.parametrize("truncate", [None, 1, 2, 4, 9])
def test_bptt_contributions_sum_to_autograd_gradient(activation, truncate):
    x, h0, Wx, Wh, b, dh = _rnn_problem()
    res = an.bptt_contributions(x, h0, Wx, Wh, b, dh, activation=activation, truncate=truncate)
    (gWx, gWh, gb), gh0 = _autograd_rnn(x, h0, Wx, Wh, b, dh, activation, truncate or 9)
    tot = res.totals()
    np.testing.assert_allclose(tot["Wx"], gWx, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(tot["Wh"], gWh, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(tot["b"], gb, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(res.dh0, gh0, rtol=1e-10, atol=1e-12)
    assert res.dWh.shape == (9, H, H)
    assert res.dWx.shape == (9, D, H)
    assert res.db.shape == (9, H)


def test_bptt_contributions_match_reference_backward():
    from rnncourse.reference.rnn import rnn_backward, rnn_forward

    x, h0, Wx, Wh, b, dh = _rnn_problem(seed=1)
    h, cache = rnn_forward(x, h0, Wx, Wh, b)
    _, dh0, dWx, dWh, db = rnn_backward(dh, cache)
    res = an.bptt_contributions(x, h0, Wx, Wh, b, dh)
    np.testing.assert_allclose(res.h, h, rtol=1e-12)
    np.testing.assert_allclose(res.totals()["Wh"], dWh, rtol=1e-10)
    np.testing.assert_allclose(res.totals()["Wx"], dWx, rtol=1e-10)
    np.testing.assert_allclose(res.totals()["b"], db, rtol=1e-10)
    np.testing.assert_allclose(res.dh0, dh0, rtol=1e-10)


def test_bptt_contributions_validate():
    x, h0, Wx, Wh, b, dh = _rnn_problem()
    with pytest.raises(ValueError, match="dh must be"):
        an.bptt_contributions(x, h0, Wx, Wh, b, dh[:, :3])
    with pytest.raises(ValueError, match="truncate"):
        an.bptt_contributions(x, h0, Wx, Wh, b, dh, truncate=0)
    with pytest.raises(ValueError, match="Wh must be"):
        an.bptt_contributions(x, h0, Wx, np.ones((H, H + 1)), b, dh)
