"""LockedDropout and LayerNormLSTM: masks constant over time, parity with the NumPy reference."""

import numpy as np
import pytest
import torch

from rnncourse.nn.regularize import LayerNormLSTM, LockedDropout
from rnncourse.reference.layernorm_lstm import ln_lstm_forward


def test_locked_mask_is_constant_over_time():
    torch.manual_seed(0)
    x = torch.ones(4, 50, 8)
    y = LockedDropout(0.5)(x)
    assert torch.equal(y, y[:, :1].expand_as(y))  # every step has the mask of step 0
    assert set(y.unique().tolist()) == {0.0, 2.0}
    per_step = LockedDropout(0.5, locked=False)(x)
    assert not torch.equal(per_step, per_step[:, :1].expand_as(per_step))
    time_major = LockedDropout(0.5, batch_first=False)(x)  # (T=4, N=50, D=8)
    assert torch.equal(time_major, time_major[:1].expand_as(time_major))


def test_locked_dropout_eval_and_errors():
    d = LockedDropout(0.3).eval()
    x = torch.randn(2, 3, 4)
    assert d(x) is x
    with pytest.raises(ValueError, match="p must be"):
        LockedDropout(1.0)
    with pytest.raises(ValueError, match=r"\(N, T, D\)"):
        LockedDropout(0.3)(torch.randn(2, 3))


def test_layernorm_lstm_matches_reference():
    torch.manual_seed(0)
    m = LayerNormLSTM(5, 7, batch_first=True).double()
    with torch.no_grad():  # non-trivial gains so that a swapped gain would show
        for name, p in m.named_parameters():
            if name.startswith("ln_"):
                p.add_(0.3 * torch.randn_like(p))
    x, h0 = torch.randn(3, 6, 5, dtype=torch.double), torch.randn(1, 3, 7, dtype=torch.double)
    out, (hn, cn) = m(x, (h0, torch.zeros_like(h0)))
    sd = {k: v.detach().numpy() for k, v in m.state_dict().items()}
    p = {
        "Wx": sd["weight_ih_l0"].T,
        "Wh": sd["weight_hh_l0"].T,
        "b": sd["bias_ih_l0"] + sd["bias_hh_l0"],
        "gx": sd["ln_ih_weight_l0"],
        "gh": sd["ln_hh_weight_l0"],
        "gc": sd["ln_cell_weight_l0"],
        "bc": sd["ln_cell_bias_l0"],
    }
    ref, _ = ln_lstm_forward(x.numpy(), h0[0].numpy(), p)
    np.testing.assert_allclose(out.detach().numpy(), ref, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(hn[0].detach().numpy(), ref[:, -1], rtol=1e-10)


def test_layernorm_lstm_loads_torch_lstm_weights_and_shapes():
    lstm = torch.nn.LSTM(4, 6, num_layers=2)
    m = LayerNormLSTM(4, 6, num_layers=2, dropout=0.2)
    missing, unexpected = m.load_state_dict(lstm.state_dict(), strict=False)
    assert unexpected == []
    assert all(k.startswith("ln_") for k in missing)
    assert torch.equal(m.weight_hh_l1, lstm.weight_hh_l1)
    out, (h, c) = m(torch.randn(9, 2, 4))  # time-major, as torch.nn.LSTM
    assert out.shape == (9, 2, 6)
    assert h.shape == c.shape == (2, 2, 6)
    assert torch.equal(out[-1], h[-1])
    with pytest.raises(ValueError, match="D = 4"):
        m(torch.randn(9, 2, 5))
    with pytest.raises(ValueError, match=r"\(L, N, H\)"):
        m(torch.randn(9, 2, 4), (torch.zeros(1, 2, 6), torch.zeros(1, 2, 6)))
