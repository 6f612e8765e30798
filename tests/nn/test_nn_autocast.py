"""rnncourse.nn under ``torch.autocast`` (mixed precision), as torch.nn behaves there.

* The LSTM (at N * H > FLOAT32_MAX_NH) runs its matrix products in bfloat16 and keeps gates and
  state in float32: its output and every gradient stay within bfloat16 rounding of the float32
  run (and are NOT the float32 numbers: the low-precision path really ran), like torch.nn.LSTM's.
* What has no mixed-precision path (RNN, GRU, small LSTM batches, LSTM variants) computes in
  float32: its output is exactly the float32 output rounded to bfloat16.
* Like torch.nn, outputs and final states come back in bfloat16, and bfloat16 states (a carried
  state from the previous window) are accepted inside autocast.
"""

from __future__ import annotations

import pytest
import torch

import rnncourse.nn as rnn
from rnncourse.nn import _fused, _precision

BF16 = torch.bfloat16


def _run(model, x, amp, hx=None):
    model.zero_grad()
    x = x.clone().requires_grad_()
    with torch.autocast("cpu", BF16, enabled=amp):
        out, hidden = model(x, hx)
    hidden = hidden if isinstance(hidden, tuple) else (hidden,)
    loss = out.float().pow(2).sum() + sum(s.float().sum() for s in hidden)
    loss.backward()
    grads = [x.grad] + [p.grad.clone() for p in model.parameters()]
    return out, hidden, grads


def _rel(a, b):
    a, b = a.detach().float(), b.detach().float()
    return float((a - b).norm() / b.norm())


@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
def test_lstm_mixed_precision_is_bf16_close_and_really_low_precision(
    bidirectional, monkeypatch, torch_bf16_lstm
):
    used = []
    original = _fused._lstm_backward

    def spy(*args):
        used.append(args[-1])  # lowp
        return original(*args)

    monkeypatch.setattr(_fused, "_lstm_backward", spy)
    torch.manual_seed(0)
    N, T, D, H = 16, 30, 12, 80  # N * H > FLOAT32_MAX_NH: the mixed-precision path
    assert N * H > _precision.FLOAT32_MAX_NH
    ours = rnn.LSTM(D, H, 2, batch_first=True, bidirectional=bidirectional)
    theirs = torch.nn.LSTM(D, H, 2, batch_first=True, bidirectional=bidirectional)
    theirs.load_state_dict(ours.state_dict())
    x = torch.randn(N, T, D)
    out32, hid32, g32 = _run(ours, x, amp=False)
    assert used
    assert all(u is None for u in used)
    used.clear()
    out, hid, g = _run(ours, x, amp=True)
    assert used
    assert all(u is BF16 for u in used)
    assert out.dtype == BF16
    assert all(s.dtype == BF16 for s in hid)
    # torch.nn's own bfloat16 LSTM, where this CPU can run it (oneDNN needs AVX-512); else the
    # bfloat16 rounding bound alone.
    t_out, _, t_g = _run(theirs, x, amp=True) if torch_bf16_lstm else (out32, None, g32)
    for name, a, b, ref in [
        ("output", out, out32, t_out),
        *zip(["x", *(n for n, _ in ours.named_parameters())], g, g32, t_g, strict=True),
    ]:
        err, torch_err = _rel(a, b), _rel(ref, b)
        # within bfloat16 rounding (8 bits of mantissa) and no worse than torch.nn's own ...
        assert err < max(2e-2, 2 * torch_err), (name, err, torch_err)
        # ... but not float32 arithmetic: the products did run in bfloat16
        assert err > 1e-4, (name, err)
    for a, b in zip(hid, hid32, strict=True):
        assert _rel(a, b) < 2e-2


@pytest.mark.parametrize(
    "make",
    [
        lambda: rnn.RNN(6, 8, 2, batch_first=True),
        lambda: rnn.GRU(6, 8, 2, batch_first=True, bidirectional=True),
        lambda: rnn.LSTM(6, 8, 2, batch_first=True),  # N * H = 32: float32
        lambda: rnn.LSTM(6, 40, batch_first=True, peephole=True),
        lambda: rnn.LSTM(6, 40, batch_first=True, fused=False),
    ],
    ids=["rnn", "gru-bi", "lstm-small", "lstm-peephole", "lstm-unfused"],
)
def test_layers_without_a_mixed_path_compute_in_float32(make):
    torch.manual_seed(1)
    model = make()
    x = torch.randn(4, 7, 6)
    out32, hid32, g32 = _run(model, x, amp=False)
    out, hid, g = _run(model, x, amp=True)
    assert out.dtype == BF16
    assert torch.equal(out, out32.to(BF16))
    for a, b in zip(hid, hid32, strict=True):
        assert torch.equal(a, b.to(BF16))
    # gradients flow back through the cast to bfloat16 of the outputs: close, float32 maths
    for a, b in zip(g, g32, strict=True):
        assert a.dtype == torch.float32
        assert _rel(a, b) < 2e-2


def test_bf16_carried_state_is_accepted_inside_autocast_only():
    torch.manual_seed(2)
    model = rnn.LSTM(5, 80, batch_first=True)  # 16 x 80: the mixed-precision path
    x = torch.randn(16, 6, 5)
    with torch.autocast("cpu", BF16):
        _, (h, c) = model(x)
        out, (h2, c2) = model(x, (h, c))  # what a trainer carries to the next window
    assert h.dtype == c.dtype == out.dtype == h2.dtype == BF16
    with pytest.raises(TypeError, match=r"hx\[0\] \(h0\) has dtype torch.bfloat16"):
        model(x, (h, c))


def test_float64_modules_ignore_autocast():
    torch.manual_seed(3)
    model = rnn.LSTM(3, 40, batch_first=True, dtype=torch.float64)
    x = torch.randn(16, 5, 3, dtype=torch.float64)
    ref, _ = model(x)
    with torch.autocast("cpu", BF16):
        out, _ = model(x)
    assert out.dtype == torch.float64
    assert torch.equal(out, ref)


def test_packed_input_under_autocast_computes_in_float32():
    from torch.nn.utils.rnn import pack_padded_sequence

    torch.manual_seed(4)
    model = rnn.LSTM(3, 40, batch_first=True)
    x = torch.randn(16, 5, 3)
    packed = pack_padded_sequence(x, torch.arange(16, 0, -1).clamp(max=5), batch_first=True)
    ref, (h_ref, _) = model(packed)
    with torch.autocast("cpu", BF16):
        out, (h, _) = model(packed)
    assert out.data.dtype == h.dtype == BF16
    assert torch.equal(out.data, ref.data.to(BF16))
    assert torch.equal(h, h_ref.to(BF16))
