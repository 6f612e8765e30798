"""GateRecorder: recordings come from the same forward pass and reproduce the outputs."""

from __future__ import annotations

import pytest
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

import rnncourse.nn as rnn

F64 = torch.float64


def _check_lstm_equations(g: dict, out: torch.Tensor) -> None:
    assert sorted(g) == ["c", "f", "g", "h", "i", "o"]
    torch.testing.assert_close(g["h"], g["o"] * torch.tanh(g["c"]), rtol=0, atol=1e-12)
    torch.testing.assert_close(g["h"], out, rtol=0, atol=0)
    c_prev = torch.cat([torch.zeros_like(g["c"][:, :1]), g["c"][:, :-1]], dim=1)
    torch.testing.assert_close(g["c"], g["f"] * c_prev + g["i"] * g["g"], rtol=0, atol=1e-12)
    for k in "ifo":
        assert ((g[k] > 0) & (g[k] < 1)).all()


@pytest.mark.parametrize("fused", [True, False])
@pytest.mark.parametrize("grad", [True, False])
def test_lstm_recording_reproduces_outputs(fused, grad):
    torch.manual_seed(0)
    m = rnn.LSTM(3, 4, num_layers=2, bidirectional=True, batch_first=True, dtype=F64, fused=fused)
    x = torch.randn(2, 5, 3, dtype=F64)
    with torch.set_grad_enabled(grad), rnn.GateRecorder(m) as rec:
        out, (h_n, c_n) = m(x)
    out = out.detach()
    for layer in range(2):
        for d in range(2):
            g = rec.gates(layer=layer, direction=d)
            assert all(v.shape == (2, 5, 4) and not v.requires_grad for v in g.values())
            if layer == 1:
                _check_lstm_equations_dir(g, out[..., 4 * d : 4 * d + 4], d)
    # the last layer's final states are the recorded ones at the right ends
    g0, g1 = rec.gates(1, 0), rec.gates(1, 1)
    torch.testing.assert_close(h_n[2].detach(), g0["h"][:, -1], rtol=0, atol=0)
    torch.testing.assert_close(h_n[3].detach(), g1["h"][:, 0], rtol=0, atol=0)
    torch.testing.assert_close(c_n[3].detach(), g1["c"][:, 0], rtol=0, atol=0)


def _check_lstm_equations_dir(g, out, d):
    if d == 1:  # the backward direction runs from the last step to the first
        g = {k: v.flip(1) for k, v in g.items()}
        out = out.flip(1)
    _check_lstm_equations(g, out)


@pytest.mark.parametrize("fused", [True, False])
def test_gru_and_rnn_recordings(fused):
    torch.manual_seed(1)
    gru = rnn.GRU(3, 4, dtype=F64, fused=fused)
    x = torch.randn(6, 2, 3, dtype=F64)
    with rnn.GateRecorder(gru) as rec:
        out, _ = gru(x)
    g = rec.gates()
    assert sorted(g) == ["h", "n", "r", "z"]
    h_prev = torch.cat([torch.zeros_like(g["h"][:, :1]), g["h"][:, :-1]], dim=1)
    torch.testing.assert_close(g["h"], (1 - g["z"]) * g["n"] + g["z"] * h_prev, rtol=0, atol=1e-12)
    torch.testing.assert_close(g["h"], out.detach().transpose(0, 1), rtol=0, atol=0)

    r = rnn.RNN(3, 4, nonlinearity="relu", dtype=F64, fused=fused)
    with rnn.GateRecorder(r) as rec:
        out, _ = r(x)
    g = rec.gates()
    assert sorted(g) == ["h", "pre"]
    torch.testing.assert_close(g["h"], torch.relu(g["pre"]), rtol=0, atol=0)
    assert (g["pre"] < 0).any()  # the pre-activation is really recorded, not h


def test_recording_does_not_change_results_or_gradients():
    torch.manual_seed(2)
    m = rnn.LSTM(3, 4, dtype=F64)
    x = torch.randn(5, 2, 3, dtype=F64)
    out1, _ = m(x)
    out1.sum().backward()
    g1 = [p.grad.clone() for p in m.parameters()]
    m.zero_grad()
    with rnn.GateRecorder(m) as rec:
        out2, _ = m(x)
    out2.sum().backward()
    torch.testing.assert_close(out1, out2, rtol=0, atol=0)
    for a, p in zip(g1, m.parameters(), strict=True):
        torch.testing.assert_close(a, p.grad, rtol=0, atol=0)
    rec.gates()["i"].fill_(7.0)  # a recording is a copy: the model's saved tensors are untouched
    assert not m._gate_recorders  # detached on exit


def test_packed_recording_in_caller_order_with_zero_padding():
    torch.manual_seed(3)
    m = rnn.LSTM(2, 3, batch_first=True, dtype=F64)
    x = torch.randn(3, 4, 2, dtype=F64)
    lengths = torch.tensor([2, 4, 1])
    packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
    with rnn.GateRecorder(m) as rec:
        out, _ = m(packed)
    padded, _ = pad_packed_sequence(out, batch_first=True)
    g = rec.gates()
    torch.testing.assert_close(g["h"], padded.detach(), rtol=0, atol=0)
    assert (g["i"][0, 2:] == 0).all()
    assert (g["i"][2, 1:] == 0).all()
    torch.testing.assert_close(g["h"][:, :1], m(x[:, :1])[0].detach(), rtol=0, atol=1e-12)


def test_cell_calls_and_multiple_modules():
    torch.manual_seed(4)

    class Model(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.enc = rnn.GRU(2, 3, batch_first=True)
            self.cell = rnn.LSTMCell(3, 3)

    model = Model()
    x = torch.randn(2, 4, 2)
    with rnn.GateRecorder(model) as rec:
        out, _ = model.enc(x)
        state = None
        for t in range(4):
            state = model.cell(out[:, t], state)
    assert rec.module_names == ["enc", "cell"]
    with pytest.raises(ValueError, match="choose one with module="):
        rec.gates()
    g = rec.gates(module="cell")
    assert g["h"].shape == (2, 4, 3)
    assert rec.num_calls("cell") == 4
    torch.testing.assert_close(g["h"][:, -1], state[0].detach())
    torch.testing.assert_close(rec.gates(module=model.cell, call=-1)["c"][:, 0], state[1].detach())
    assert rec.gates(module="enc")["r"].shape == (2, 4, 3)


def test_step_by_step_calls_concatenate_over_time():
    torch.manual_seed(5)
    m = rnn.LSTM(2, 3, batch_first=True)
    x = torch.randn(1, 6, 2)
    full, _ = m(x)
    with rnn.GateRecorder(m) as rec:
        state = None
        for t in range(6):
            _, state = m(x[:, t : t + 1], state)
    assert rec.num_calls() == 6
    torch.testing.assert_close(rec.gates()["h"], full.detach())


def test_recorder_errors():
    with pytest.raises(ValueError, match="contains no rnncourse.nn"):
        rnn.GateRecorder(torch.nn.LSTM(2, 3))
    with pytest.raises(TypeError, match="model must be a torch.nn.Module"):
        rnn.GateRecorder("lstm")
    m = rnn.LSTM(2, 3)
    rec = rnn.GateRecorder(m)
    with pytest.raises(ValueError, match="no forward pass was recorded"):
        rec.gates()
    with rec:
        m(torch.randn(3, 1, 2))
    with pytest.raises(ValueError, match=r"\(layer, direction\) must be one of \[\(0, 0\)\]"):
        rec.gates(layer=1)
    with pytest.raises(ValueError, match="call must be in"):
        rec.gates(call=3)
