"""``dropout=`` as in torch.nn: on the outputs of every layer but the last, in training only.

torch.nn's CPU kernel and rnncourse.nn draw their masks from the same generator in the same order,
so with the same seed the two must agree exactly, masks included; the other tests pin down the
semantics without relying on that.
"""

from __future__ import annotations

import pytest
import torch

import rnncourse.nn as rnn

F64 = torch.float64


def _pair(kind: str, **kw) -> tuple[torch.nn.Module, torch.nn.Module]:
    torch.manual_seed(0)
    ours = getattr(rnn, kind)(3, 4, batch_first=True, dtype=F64, **kw)
    theirs = getattr(torch.nn, kind)(3, 4, batch_first=True, dtype=F64, **kw)
    theirs.load_state_dict(ours.state_dict())
    return ours, theirs


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("kind", ["RNN", "GRU", "LSTM"])
def test_training_matches_torch_with_the_same_seed(kind, bidirectional):
    ours, theirs = _pair(kind, num_layers=3, dropout=0.5, bidirectional=bidirectional)
    x = torch.randn(2, 6, 3, dtype=F64)
    outs, grads = [], []
    for m in (ours, theirs):
        xi = x.clone().requires_grad_(True)
        torch.manual_seed(7)
        out, _ = m(xi)
        out.square().sum().backward()
        outs.append(out.detach())
        grads.append([xi.grad] + [p.grad for p in m.parameters()])
    torch.testing.assert_close(outs[0], outs[1], rtol=0, atol=1e-12)
    for a, b in zip(*grads, strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-12)


@pytest.mark.parametrize("kind", ["RNN", "GRU", "LSTM"])
def test_dropout_acts_between_layers_in_training_only(kind):
    x = torch.randn(2, 6, 3, dtype=F64)
    ours, _ = _pair(kind, num_layers=2, dropout=0.5)
    plain = getattr(rnn, kind)(3, 4, num_layers=2, batch_first=True, dtype=F64)
    plain.load_state_dict(ours.state_dict())
    want = plain(x)[0]
    torch.testing.assert_close(ours.eval()(x)[0], want, rtol=0, atol=0)  # eval: no dropout
    assert (ours.train()(x)[0] - want).abs().max() > 1e-3  # training: the masks change layer 2
    # dropout = 1 zeroes everything layer 1 hands up: layer 2 then sees only zeros.
    full, _ = _pair(kind, num_layers=2, dropout=1.0)
    zero_in = getattr(rnn, kind)(4, 4, batch_first=True, dtype=F64)
    zero_in.load_state_dict({k[:-1] + "0": v for k, v in full.state_dict().items() if "l1" in k})
    torch.testing.assert_close(full(x)[0], zero_in(torch.zeros(2, 6, 4, dtype=F64))[0])


def test_single_layer_dropout_warns_and_does_nothing():
    with pytest.warns(UserWarning, match="no effect with num_layers=1"):
        m = rnn.LSTM(3, 4, dropout=0.5, dtype=F64)
    x = torch.randn(5, 2, 3, dtype=F64)
    torch.testing.assert_close(m.train()(x)[0], m.eval()(x)[0], rtol=0, atol=0)
    with pytest.raises(ValueError, match=r"dropout must be a number in \[0, 1\], got 1.5"):
        rnn.GRU(3, 4, num_layers=2, dropout=1.5)
