"""The fused LSTM's one backward loop against torch.nn.LSTM, in each way it splits time into blocks.

The backward computes its per-step factors for a block of steps at a time (about
``_fused.BLOCK_ELEMENTS`` numbers): the whole sequence at small batches, one step at large ones.
The parity suite's batches are all small; here each regime, and the seams between blocks, are
checked against torch.nn in both directions (on CUDA too, where there is one).
"""

from __future__ import annotations

import pytest
import torch
from _nn_helpers import DEVICES, close, forward_backward, make_inputs

import rnncourse.nn as rnn
from rnncourse.nn import _fused

T = 7
# (N, H) -> the block sizes _blocks gives for T = 7 steps
REGIMES = {
    "one-block": ((5, 3), [7]),
    "blocks-of-3": ((4, 700), [3, 3, 1]),
    "one-step-each": ((16, 700), [1] * 7),
}


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("regime", list(REGIMES))
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
def test_lstm_backward_matches_torch_in_every_block_regime(regime, dtype, bidirectional, device):
    if device == "cuda" and dtype == torch.float32:
        pytest.skip("cuDNN's float32 LSTM may use TF32; float64 checks the same loop on CUDA")
    (N, H), sizes = REGIMES[regime]
    blocks = _fused._blocks(T, N * 6 * H, reverse=False)
    assert sorted(e - s for s, e in blocks) == sorted(sizes), blocks  # the regime is the one named
    cfg = dict(
        kind="LSTM",
        batch_first=True,
        packed=False,
        init=True,
        bidirectional=bidirectional,
        num_layers=1,
        T=T,
        N=N,
        D=4,
        H=H,
    )
    torch.manual_seed(7)
    ours = rnn.LSTM(4, H, batch_first=True, bidirectional=bidirectional, dtype=dtype)
    theirs = torch.nn.LSTM(4, H, batch_first=True, bidirectional=bidirectional, dtype=dtype)
    theirs.load_state_dict(ours.state_dict())
    ours, theirs = ours.to(device), theirs.to(device)
    x, hx, _ = make_inputs(cfg, torch.Generator().manual_seed(3), dtype, device)
    got = forward_backward(ours, x, hx, None, cfg)
    want = forward_backward(theirs, x, hx, None, cfg)
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
