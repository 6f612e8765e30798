"""Bidirectional and deep wrappers, truncated BPTT."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import assert_grads, cell_params, needs_torch, randn, torch
from rnncourse.reference import (
    bidirectional_backward,
    bidirectional_forward,
    chunk_slices,
    deep_backward,
    deep_forward,
    gru_forward,
    lstm_forward,
    rnn_backward,
    rnn_forward,
    tbptt,
    tbptt_gradients,
    temporal_affine_backward,
    temporal_affine_forward,
    temporal_softmax_loss,
)

CELLS = ["rnn", "gru", "lstm"]
CELL_FWD = {"rnn": rnn_forward, "gru": gru_forward, "lstm": lstm_forward}


def _flat(prefix, d):
    return {f"{prefix}{k}": v for k, v in d.items()}


# ------------------------------------------------------------------------------ bidirectional
@pytest.mark.parametrize("shape", [(1, 1, 3, 2), (2, 4, 3, 4)])
@pytest.mark.parametrize("cell", CELLS)
def test_bidirectional_gradients(cell, shape, rng):
    N, T, D, H = shape
    x = randn(rng, N, T, D)
    h0 = (randn(rng, N, H), randn(rng, N, H))
    pf, pb = cell_params(rng, D, H, cell), cell_params(rng, D, H, cell)
    h, cache = bidirectional_forward(x, pf, pb, cell, h0)
    assert h.shape == (N, T, 2 * H)
    dout = randn(rng, *h.shape)
    dx, (dh0f, dh0b), gf, gb = bidirectional_backward(dout, cache)

    def f():
        return bidirectional_forward(x, pf, pb, cell, h0)[0]

    inputs = {"x": x, "h0f": h0[0], "h0b": h0[1], **_flat("f_", pf), **_flat("b_", pb)}
    grads = {"x": dx, "h0f": dh0f, "h0b": dh0b, **_flat("f_", gf), **_flat("b_", gb)}
    assert_grads(f, inputs, grads, dout)


@pytest.mark.parametrize("cell", CELLS)
def test_bidirectional_halves_are_forward_and_reversed_forward(cell, rng):
    N, T, D, H = 2, 5, 3, 4
    x = randn(rng, N, T, D)
    pf, pb = cell_params(rng, D, H, cell), cell_params(rng, D, H, cell)
    h, _ = bidirectional_forward(x, pf, pb, cell)
    fwd, _ = CELL_FWD[cell](x, None, **pf)
    rev, _ = CELL_FWD[cell](np.ascontiguousarray(x[:, ::-1]), None, **pb)
    np.testing.assert_allclose(h[..., :H], fwd, rtol=0, atol=1e-14)
    np.testing.assert_allclose(h[..., H:], rev[:, ::-1], rtol=0, atol=1e-14)
    # the backward direction's state at t = 0 has read the whole sequence: it changes if the
    # last input changes, while the forward direction's state at t = 0 does not
    x2 = x.copy()
    x2[:, -1] += 1.0
    h2, _ = bidirectional_forward(x2, pf, pb, cell)
    np.testing.assert_array_equal(h2[:, 0, :H], h[:, 0, :H])
    assert np.abs(h2[:, 0, H:] - h[:, 0, H:]).max() > 1e-6


@needs_torch
def test_bidirectional_lstm_torch_parity(rng):
    N, T, D, H = 2, 5, 3, 4
    x = randn(rng, N, T, D)
    pf, pb = cell_params(rng, D, H, "lstm"), cell_params(rng, D, H, "lstm")
    h, _ = bidirectional_forward(x, pf, pb, "lstm")
    m = torch.nn.LSTM(D, H, batch_first=True, bidirectional=True).double()
    with torch.no_grad():
        for suffix, p in (("", pf), ("_reverse", pb)):
            getattr(m, f"weight_ih_l0{suffix}").copy_(torch.from_numpy(p["Wx"].T.copy()))
            getattr(m, f"weight_hh_l0{suffix}").copy_(torch.from_numpy(p["Wh"].T.copy()))
            getattr(m, f"bias_ih_l0{suffix}").copy_(torch.from_numpy(p["b"]))
            getattr(m, f"bias_hh_l0{suffix}").zero_()
        out, _ = m(torch.from_numpy(x))
    assert np.abs(out.numpy() - h).max() < 1e-10


def test_bidirectional_bad_input_messages(rng):
    x = randn(rng, 2, 3, 4)
    pf = cell_params(rng, 4, 5, "gru")
    with pytest.raises(
        ValueError,
        match=r'params_bwd\["Wh"\] must be \(H, 3H\) = \(5, 15\), '
        r"got \(4, 12\) \(H = 5 from params_fwd",
    ):
        bidirectional_forward(x, pf, cell_params(rng, 4, 4, "gru"), "gru")
    with pytest.raises(ValueError, match="params_fwd is missing key\\(s\\) 'Wh'"):
        bidirectional_forward(x, {"Wx": pf["Wx"], "b": pf["b"]}, pf, "gru")
    with pytest.raises(ValueError, match="cell must be one of 'rnn', 'gru', 'lstm'; got 'GRU'"):
        bidirectional_forward(x, pf, pf, "GRU")
    with pytest.raises(TypeError, match="unexpected keyword 'activation' for cell 'gru'"):
        bidirectional_forward(x, pf, pf, "gru", activation="relu")
    h, cache = bidirectional_forward(x, pf, pf, "gru")
    msg = r"dh must be \(N, T, 2H\) = \(2, 3, 10\), got \(2, 3, 5\)"
    with pytest.raises(ValueError, match=msg):
        bidirectional_backward(h[..., :5], cache)


# ---------------------------------------------------------------------------------------- deep
@pytest.mark.parametrize("shape", [(1, 1, 3), (2, 3, 4)])
@pytest.mark.parametrize("cell", CELLS)
def test_deep_gradients(cell, shape, rng):
    N, T, D = shape
    sizes = [D, 4, 3]  # two layers with different hidden sizes
    x = randn(rng, N, T, D)
    params = [cell_params(rng, sizes[i], sizes[i + 1], cell) for i in range(2)]
    h0 = [randn(rng, N, 4), randn(rng, N, 3)]
    h, cache = deep_forward(x, params, cell, h0)
    assert h.shape == (N, T, 3)
    dout = randn(rng, *h.shape)
    dx, dh0, grads = deep_backward(dout, cache)

    def f():
        return deep_forward(x, params, cell, h0)[0]

    inputs = {
        "x": x,
        "h0_0": h0[0],
        "h0_1": h0[1],
        **_flat("l0_", params[0]),
        **_flat("l1_", params[1]),
    }
    got = {
        "x": dx,
        "h0_0": dh0[0],
        "h0_1": dh0[1],
        **_flat("l0_", grads[0]),
        **_flat("l1_", grads[1]),
    }
    assert_grads(f, inputs, got, dout)


@needs_torch
def test_deep_equals_chained_layers_and_torch(rng):
    N, T, D, H = 2, 4, 3, 5
    x = randn(rng, N, T, D)
    params = [cell_params(rng, D, H, "lstm"), cell_params(rng, H, H, "lstm")]
    h, cache = deep_forward(x, params, "lstm")
    h1, _ = lstm_forward(x, None, **params[0])
    h2, _ = lstm_forward(h1, None, **params[1])
    np.testing.assert_allclose(h, h2, rtol=0, atol=1e-14)
    np.testing.assert_allclose(cache.layer_outputs[0], h1, rtol=0, atol=1e-14)
    m = torch.nn.LSTM(D, H, num_layers=2, batch_first=True).double()
    with torch.no_grad():
        for layer, p in enumerate(params):
            getattr(m, f"weight_ih_l{layer}").copy_(torch.from_numpy(p["Wx"].T.copy()))
            getattr(m, f"weight_hh_l{layer}").copy_(torch.from_numpy(p["Wh"].T.copy()))
            getattr(m, f"bias_ih_l{layer}").copy_(torch.from_numpy(p["b"]))
            getattr(m, f"bias_hh_l{layer}").zero_()
        out, _ = m(torch.from_numpy(x))
    assert np.abs(out.numpy() - h).max() < 1e-10


def test_deep_relu_kwarg_reaches_every_layer(rng):
    x = randn(rng, 2, 3, 3)
    params = [cell_params(rng, 3, 4, "rnn"), cell_params(rng, 4, 4, "rnn")]
    h, cache = deep_forward(x, params, "rnn", activation="relu")
    assert all((out >= 0).all() for out in cache.layer_outputs)
    assert (cache.layer_outputs[0] == 0).any()


def test_deep_bad_input_messages(rng):
    x = randn(rng, 2, 3, 4)
    good = cell_params(rng, 4, 5, "rnn")
    with pytest.raises(
        ValueError,
        match=r'params\[1\]\["Wx"\] must be \(D, H\) = \(5, 6\), '
        r"got \(4, 6\) \(D = 5 from params\[0\]\)",
    ):
        deep_forward(x, [good, cell_params(rng, 4, 6, "rnn")])
    with pytest.raises(TypeError, match="params must be a non-empty list of parameter dicts"):
        deep_forward(x, good)
    with pytest.raises(ValueError, match="h0 must be None or a list of 1 initial states"):
        deep_forward(x, [good], h0=[None, None])
    with pytest.raises(ValueError, match=r"h0\[0\] must be \(N, H\) = \(2, 5\), got \(3, 5\)"):
        deep_forward(x, [good], h0=[randn(rng, 3, 5)])


# --------------------------------------------------------------------------------------- TBPTT
def _lm(rng, N, T, D, H, V, cell):
    x = randn(rng, N, T, D)
    y = rng.integers(0, V, size=(N, T))
    p = cell_params(rng, D, H, cell)
    head = {"Wy": randn(rng, H, V, scale=0.5), "by": randn(rng, V, scale=0.5)}

    def loss_fn(h, sl):
        scores, c = temporal_affine_forward(h, head["Wy"], head["by"])
        loss, ds = temporal_softmax_loss(scores, y[:, sl])
        dh, dWy, dby = temporal_affine_backward(ds, c)
        return loss, dh, {"Wy": dWy, "by": dby}

    return x, y, p, head, loss_fn


def test_chunk_slices():
    assert chunk_slices(7, 3) == [slice(0, 3), slice(3, 6), slice(6, 7)]
    assert chunk_slices(4, 10) == [slice(0, 4)]
    with pytest.raises(ValueError, match="chunk_len must be an integer >= 1, got 0"):
        chunk_slices(4, 0)


@pytest.mark.parametrize("cell", CELLS)
def test_tbptt_one_chunk_equals_full_bptt(cell, rng):
    N, T, D, H, V = 2, 6, 3, 4, 5
    x, y, p, head, loss_fn = _lm(rng, N, T, D, H, V, cell)
    h0 = randn(rng, N, H)
    loss, grads, (hT, _) = tbptt_gradients(x, p, loss_fn, chunk_len=T, cell=cell, h0=h0)
    # full BPTT by hand
    h, cache = CELL_FWD[cell](x, h0, **p)
    full_loss, dh, extra = loss_fn(h, slice(0, T))
    assert loss == pytest.approx(full_loss, rel=1e-14)
    np.testing.assert_allclose(hT, h[:, -1], rtol=0, atol=1e-14)
    if cell == "rnn":
        _, _, dWx, dWh, db = rnn_backward(dh, cache)
        np.testing.assert_allclose(grads["Wh"], dWh, rtol=0, atol=1e-13)
        np.testing.assert_allclose(grads["Wx"], dWx, rtol=0, atol=1e-13)
        np.testing.assert_allclose(grads["b"], db, rtol=0, atol=1e-13)
    np.testing.assert_allclose(grads["Wy"], extra["Wy"], rtol=0, atol=1e-13)
    # and it is the true gradient of the full loss (all parameters, all cells)
    inputs = {**p, **head}

    def f():
        return np.array(tbptt_gradients(x, p, loss_fn, T, cell, h0)[0])

    assert_grads(f, inputs, {k: grads[k] for k in inputs}, np.array(1.0))


@pytest.mark.parametrize("cell", CELLS)
def test_tbptt_chunks_carry_state_and_truncate_gradient(cell, rng):
    N, T, D, H, V, k = 2, 7, 3, 4, 5, 3
    x, y, p, head, loss_fn = _lm(rng, N, T, D, H, V, cell)
    chunks = list(tbptt(x, p, loss_fn, k, cell))
    assert [c.steps for c in chunks] == chunk_slices(T, k)
    # the state is carried: concatenated chunk states equal one forward pass over everything
    h_full, _ = CELL_FWD[cell](x, None, **p)
    np.testing.assert_allclose(np.concatenate([c.h for c in chunks], axis=1), h_full, atol=1e-14)
    # the summed gradient is the gradient of the chunk losses with each chunk's starting state
    # held fixed (computed once, from the unperturbed parameters)
    loss, grads, _ = tbptt_gradients(x, p, loss_fn, k, cell)
    starts = [c.state for c in chunks[:-1]]
    starts = [(None, None)] + starts

    def f():
        total = 0.0
        for sl, (hs, cs) in zip(chunk_slices(T, k), starts, strict=True):
            args = {"c0": cs} if cell == "lstm" else {}
            h, _ = CELL_FWD[cell](np.ascontiguousarray(x[:, sl]), hs, **p, **args)
            total += loss_fn(h, sl)[0]
        return np.array(total)

    inputs = {**p, **head}
    assert_grads(f, inputs, {key: grads[key] for key in inputs}, np.array(1.0))
    # ... which is not the full gradient: the cross-chunk terms are missing
    full_loss, full_grads, _ = tbptt_gradients(x, p, loss_fn, T, cell)
    assert loss == pytest.approx(full_loss, rel=1e-12)
    assert np.abs(full_grads["Wh"] - grads["Wh"]).max() > 1e-6


def test_tbptt_updates_between_chunks_take_effect(rng):
    x, y, p, head, loss_fn = _lm(rng, 1, 4, 2, 3, 4, "rnn")
    seen = []
    for chunk in tbptt(x, p, loss_fn, 2):
        seen.append(chunk.h.copy())
        p["b"] += 10.0  # in-place update, visible to the next chunk
    h_plain, _ = rnn_forward(x, None, **{**p, "b": p["b"] - 20.0})
    np.testing.assert_allclose(seen[0], h_plain[:, :2], atol=1e-14)
    assert np.abs(seen[1] - h_plain[:, 2:]).max() > 1e-3


def test_tbptt_bad_input_messages(rng):
    x, y, p, head, loss_fn = _lm(rng, 1, 4, 2, 3, 4, "rnn")
    with pytest.raises(ValueError, match="c0 is only used by the 'lstm' cell"):
        tbptt(x, p, loss_fn, 2, "rnn", c0=np.zeros((1, 3)))
    with pytest.raises(ValueError, match=r"loss_fn must return dh of the chunk's shape"):
        next(tbptt(x, p, lambda h, sl: (0.0, h[:, :1]), 2))
    with pytest.raises(ValueError, match=r"h0 must be \(N, H\) = \(1, 3\), got \(1, 4\)"):
        tbptt(x, p, loss_fn, 2, h0=np.zeros((1, 4)))
