"""Parity with the NumPy reference (forward and gradients), conversion both ways, LSTM variants."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import rnncourse.nn as rnn
from rnncourse import reference as ref

F64 = torch.float64


def _ours_with_reference_grads(m, x_np, h0_np, c0_np, dh_np):
    """Run ``m`` (batch_first) on NumPy data; backprop ``dh`` (N, T, H); return out and grads."""
    x = torch.tensor(x_np, requires_grad=True)
    h0 = torch.tensor(h0_np[None], requires_grad=True)
    hx = h0
    if c0_np is not None:
        c0 = torch.tensor(c0_np[None], requires_grad=True)
        hx = (h0, c0)
    out, _ = m(x, hx)
    out.backward(torch.tensor(dh_np))
    return out.detach().numpy(), x.grad.numpy(), h0.grad[0].numpy()


def _grads_in_reference_layout(m) -> dict[str, np.ndarray]:
    """Parameter gradients of ``m`` mapped like to_reference_params maps parameters."""
    saved = {n: p.detach().clone() for n, p in m.named_parameters()}
    with torch.no_grad():
        for p in m.parameters():
            p.copy_(p.grad)
    grads = rnn.to_reference_params(m)
    if m.kind != "gru" and m.bias:
        grads["b"] = m.bias_ih_l0.grad.numpy().copy()  # d(b_ih + b_hh)/db = identity: same grad
    with torch.no_grad():
        for n, p in m.named_parameters():
            p.copy_(saved[n])
    return grads


@pytest.mark.parametrize("kind", ["rnn", "gru", "lstm"])
@pytest.mark.parametrize("fused", [True, False])
def test_forward_and_gradients_match_reference(kind, fused):
    rng = np.random.default_rng(11)
    N, T, D, H = 3, 5, 4, 6
    k = {"rnn": 1, "gru": 3, "lstm": 4}[kind]
    params = {
        "Wx": rng.standard_normal((D, k * H)) * 0.5,
        "Wh": rng.standard_normal((H, k * H)) * 0.5,
        "b": rng.standard_normal(k * H) * 0.5,
    }
    if kind == "gru":
        params["bh"] = rng.standard_normal(k * H) * 0.5
    x = rng.standard_normal((N, T, D))
    h0 = rng.standard_normal((N, H))
    c0 = rng.standard_normal((N, H)) if kind == "lstm" else None
    dh = rng.standard_normal((N, T, H))

    m = getattr(rnn, kind.upper())(D, H, batch_first=True, dtype=F64, fused=fused)
    rnn.load_reference_params(m, params)
    for name, value in rnn.to_reference_params(m).items():
        np.testing.assert_allclose(value, params[name], rtol=0, atol=1e-15)
    out, dx, dh0 = _ours_with_reference_grads(m, x, h0, c0, dh)
    grads = _grads_in_reference_layout(m)

    if kind == "rnn":
        h, cache = ref.rnn_forward(x, h0, params["Wx"], params["Wh"], params["b"])
        rdx, rdh0, rdWx, rdWh, rdb = ref.rnn_backward(dh, cache)
        want = {"Wx": rdWx, "Wh": rdWh, "b": rdb}
    elif kind == "gru":
        h, cache = ref.gru_forward(x, h0, params["Wx"], params["Wh"], params["b"], params["bh"])
        rdx, rdh0, rdWx, rdWh, rdb, rdbh = ref.gru_backward(dh, cache)
        want = {"Wx": rdWx, "Wh": rdWh, "b": rdb, "bh": rdbh}
    else:
        h, cache = ref.lstm_forward(x, h0, params["Wx"], params["Wh"], params["b"], c0)
        rdx, rdh0, rdWx, rdWh, rdb = ref.lstm_backward(dh, cache)
        want = {"Wx": rdWx, "Wh": rdWh, "b": rdb}
    np.testing.assert_allclose(out, h, rtol=0, atol=1e-10)
    np.testing.assert_allclose(dx, rdx, rtol=0, atol=1e-10)
    np.testing.assert_allclose(dh0, rdh0, rtol=0, atol=1e-10)
    for name, value in want.items():
        np.testing.assert_allclose(grads[name], value, rtol=0, atol=1e-10, err_msg=name)


def test_reference_float32_parity():
    rng = np.random.default_rng(12)
    params = {
        "Wx": rng.standard_normal((3, 16)).astype(np.float32) * 0.5,
        "Wh": rng.standard_normal((4, 16)).astype(np.float32) * 0.5,
        "b": rng.standard_normal(16).astype(np.float32),
    }
    x = rng.standard_normal((2, 7, 3)).astype(np.float32)
    h0 = np.zeros((2, 4), np.float32)
    m = rnn.LSTM(3, 4, batch_first=True)
    rnn.load_reference_params(m, params)
    got = m(torch.tensor(x))[0].detach().numpy()
    want, _ = ref.lstm_forward(x, h0, params["Wx"], params["Wh"], params["b"])
    assert got.dtype == want.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-5)


@pytest.mark.parametrize("variant", ["peephole", "coupled"])
@pytest.mark.parametrize("as_cell", [False, True])
def test_lstm_variants_match_reference(variant, as_cell):
    rng = np.random.default_rng(13)
    N, T, D, H = 2, 4, 3, 5
    k = 3 if variant == "coupled" else 4
    params = {
        "Wx": rng.standard_normal((D, k * H)) * 0.5,
        "Wh": rng.standard_normal((H, k * H)) * 0.5,
        "b": rng.standard_normal(k * H) * 0.5,
    }
    if variant == "peephole":
        params["P"] = rng.standard_normal(3 * H)
    x, h0, c0 = (rng.standard_normal(s) for s in ((N, T, D), (N, H), (N, H)))
    dh = rng.standard_normal((N, T, H))
    opts = {variant: True}
    if as_cell:
        m = rnn.LSTMCell(D, H, dtype=F64, **opts)
    else:
        m = rnn.LSTM(D, H, batch_first=True, dtype=F64, **opts)
    rnn.load_reference_params(m, params)
    xt = torch.tensor(x, requires_grad=True)
    h0t, c0t = torch.tensor(h0, requires_grad=True), torch.tensor(c0, requires_grad=True)
    if as_cell:
        state, outs = (h0t, c0t), []
        for t in range(T):
            state = m(xt[:, t], state)
            outs.append(state[0])
        out = torch.stack(outs, dim=1)
    else:
        out, _ = m(xt, (h0t[None], c0t[None]))
    out.backward(torch.tensor(dh))

    if variant == "peephole":
        h, cache = ref.peephole_lstm_forward(
            x, h0, params["Wx"], params["Wh"], params["b"], params["P"], c0
        )
        rdx, rdh0, rdWx, rdWh, rdb, rdP = ref.peephole_lstm_backward(dh, cache)
    else:
        h, cache = ref.coupled_lstm_forward(x, h0, params["Wx"], params["Wh"], params["b"], c0)
        rdx, rdh0, rdWx, rdWh, rdb = ref.coupled_lstm_backward(dh, cache)
    np.testing.assert_allclose(out.detach().numpy(), h, rtol=0, atol=1e-10)
    np.testing.assert_allclose(xt.grad.numpy(), rdx, rtol=0, atol=1e-10)
    np.testing.assert_allclose(h0t.grad.numpy(), rdh0, rtol=0, atol=1e-10)
    sfx = "" if as_cell else "_l0"
    W_ih, W_hh = getattr(m, "weight_ih" + sfx), getattr(m, "weight_hh" + sfx)
    np.testing.assert_allclose(W_ih.grad.numpy().T, rdWx, rtol=0, atol=1e-10)
    np.testing.assert_allclose(W_hh.grad.numpy().T, rdWh, rtol=0, atol=1e-10)
    np.testing.assert_allclose(getattr(m, "bias_ih" + sfx).grad.numpy(), rdb, rtol=0, atol=1e-10)
    if variant == "peephole":
        dP = getattr(m, "weight_peephole" + sfx).grad.numpy()
        np.testing.assert_allclose(dP, rdP, rtol=0, atol=1e-10)


def test_variant_layers_shapes_names_and_recording():
    m = rnn.LSTM(3, 4, num_layers=2, bidirectional=True, peephole=True)
    assert m.weight_peephole_l1_reverse.shape == (12,)
    assert "weight_peephole_l0" in m.state_dict()
    c = rnn.LSTM(3, 4, coupled=True)
    assert c.weight_ih_l0.shape == (12, 3)
    assert c.weight_hh_l0.shape == (12, 4)
    with rnn.GateRecorder(c) as rec:
        c(torch.randn(5, 2, 3))
    g = rec.gates()
    torch.testing.assert_close(g["i"], 1 - g["f"], rtol=0, atol=0)
    with pytest.raises(ValueError, match="peephole and coupled cannot both be True"):
        rnn.LSTM(3, 4, peephole=True, coupled=True)


def test_bidirectional_deep_layers_by_reference_params():
    """Every (layer, direction) converts and a 2-layer bidirectional GRU equals the reference
    run layer by layer (backward direction = forward pass over the reversed sequence)."""
    torch.manual_seed(14)
    m = rnn.GRU(3, 4, num_layers=2, bidirectional=True, batch_first=True, dtype=F64)
    x = np.random.default_rng(14).standard_normal((2, 5, 3))
    out = m(torch.tensor(x))[0].detach().numpy()
    layer_in = x
    for layer in range(2):
        parts = []
        for d in range(2):
            p = rnn.to_reference_params(m, layer, d)
            xin = layer_in[:, ::-1] if d else layer_in
            h, _ = ref.gru_forward(
                np.ascontiguousarray(xin), np.zeros((2, 4)), p["Wx"], p["Wh"], p["b"], p["bh"]
            )
            parts.append(h[:, ::-1] if d else h)
        layer_in = np.concatenate(parts, axis=-1)
    np.testing.assert_allclose(out, layer_in, rtol=0, atol=1e-12)


def test_conversion_errors():
    m = rnn.LSTM(3, 4)
    good = rnn.to_reference_params(m)
    msg = r"params\['Wh'\] must be \(H, 4H\) = \(4, 16\), got \(4, 12\)"
    with pytest.raises(ValueError, match=msg):
        rnn.load_reference_params(m, {**good, "Wh": np.zeros((4, 12))})
    with pytest.raises(ValueError, match="params is missing 'b'"):
        rnn.load_reference_params(m, {"Wx": good["Wx"], "Wh": good["Wh"]})
    with pytest.raises(ValueError, match="layer must be in"):
        rnn.to_reference_params(m, layer=1)
    with pytest.raises(ValueError, match="bias=False"):
        rnn.load_reference_params(rnn.LSTM(3, 4, bias=False), good)
    with pytest.raises(TypeError, match="module must be an rnncourse.nn"):
        rnn.to_reference_params(torch.nn.LSTM(3, 4))
    cell = rnn.GRUCell(3, 4)
    p = rnn.to_reference_params(cell)
    assert p["Wx"].shape == (3, 12)
    assert p["bh"].shape == (12,)
    assert p["Wx"].dtype == np.float32
