"""Both fused LSTM backward loops (chosen by N * H) against torch.nn.LSTM, forward and gradients.

The parity suite uses small batches, which all take the few-ops loop; here each loop is forced
in turn (and the dispatch is spied on, so a test cannot silently run the other one).
"""

from __future__ import annotations

import pytest
import torch
from _nn_helpers import close, forward_backward, make_inputs

import rnncourse.nn as rnn
from rnncourse.nn import _fused


@pytest.mark.parametrize("path", ["_backward_few_ops", "_backward_per_step"])
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
def test_each_lstm_path_matches_torch(path, dtype, bidirectional, monkeypatch):
    cfg = dict(kind="LSTM", batch_first=True, packed=False, init=True,
               bidirectional=bidirectional, num_layers=2, T=6, N=5, D=4, H=3)  # fmt: skip
    # 0 forces the per-step path for every batch, a huge bound forces the few-ops path.
    monkeypatch.setattr(_fused, "FEW_OPS_MAX_NH", 10**9 if path == "_backward_few_ops" else 0)
    used: list[str] = []
    for name in ("_backward_few_ops", "_backward_per_step"):
        original = getattr(_fused, name)

        def spy(*args, _name=name, _original=original):
            used.append(_name)
            return _original(*args)

        monkeypatch.setattr(_fused, name, spy)

    torch.manual_seed(7)
    ours = rnn.LSTM(4, 3, num_layers=2, batch_first=True, bidirectional=bidirectional, dtype=dtype)
    theirs = torch.nn.LSTM(4, 3, num_layers=2, batch_first=True, bidirectional=bidirectional,
                           dtype=dtype)  # fmt: skip
    theirs.load_state_dict(ours.state_dict())
    x, hx, _ = make_inputs(cfg, torch.Generator().manual_seed(3), dtype, "cpu")
    got = forward_backward(ours, x, hx, None, cfg)
    want = forward_backward(theirs, x, hx, None, cfg)
    assert used and set(used) == {path}, f"expected only {path}, dispatch used {set(used)}"
    for name in want:
        close(got[name], want[name], dtype, name)


@pytest.mark.parametrize("H", [1, 3])
def test_fused_forward_leaves_the_weights_alone(H):
    # The fused forward doubles the g columns of a COPY of W_hh; for H = 1 a transposed view is
    # already "contiguous", so a careless .contiguous() would double the parameter itself.
    m = rnn.LSTM(2, H)
    before = {k: v.clone() for k, v in m.state_dict().items()}
    m(torch.randn(3, 2, 2))[0].sum().backward()
    for k, v in m.state_dict().items():
        torch.testing.assert_close(v, before[k], rtol=0, atol=0)
