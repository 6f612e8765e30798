"""Bad input gives a clear error naming the argument, the expected shape and what came."""

from __future__ import annotations

import pytest
import torch

import rnncourse.nn as rnn


@pytest.mark.parametrize("kind", ["RNN", "GRU", "LSTM"])
def test_wrong_feature_size(kind):
    m = getattr(rnn, kind)(5, 3)
    msg = r"input must have D = input_size = 5 .* got shape \(4, 2, 7\)"
    with pytest.raises(ValueError, match=msg):
        m(torch.randn(4, 2, 7))


def test_wrong_rank_and_type():
    m = rnn.GRU(5, 3, batch_first=True)
    with pytest.raises(ValueError, match=r"input must be \(N, T, D\) or \(T, D\), got a 4-D"):
        m(torch.randn(1, 2, 3, 5))
    with pytest.raises(TypeError, match="input must be a torch.Tensor, got ndarray"):
        m(torch.randn(2, 3, 5).numpy())
    with pytest.raises(TypeError, match="input must be a floating-point tensor"):
        m(torch.ones(2, 3, 5, dtype=torch.long))
    with pytest.raises(ValueError, match="at least one time step"):
        m(torch.randn(2, 0, 5))


def test_wrong_initial_state_shape():
    m = rnn.GRU(5, 3, num_layers=2, bidirectional=True)
    x = torch.randn(4, 6, 5)
    msg = r"hx must be \(L\*dirs, N, H\) = \(4, 6, 3\), got \(2, 6, 3\)"
    with pytest.raises(ValueError, match=msg):
        m(x, torch.zeros(2, 6, 3))
    lstm = rnn.LSTM(5, 3)
    with pytest.raises(TypeError, match=r"hx must be a tuple \(h0, c0\) for LSTM, got Tensor"):
        lstm(x, torch.zeros(1, 6, 3))
    with pytest.raises(ValueError, match=r"hx\[1\] \(c0\) must be \(L\*dirs, N, H\) = \(1, 6, 3\)"):
        lstm(x, (torch.zeros(1, 6, 3), torch.zeros(1, 6, 4)))
    msg = r"hx must be \(L\*dirs, H\) = \(1, 3\) for unbatched input, got \(1, 1, 3\)"
    with pytest.raises(ValueError, match=msg):
        rnn.RNN(5, 3)(torch.randn(4, 5), torch.zeros(1, 1, 3))


def test_dtype_mismatch():
    m = rnn.LSTM(5, 3)
    msg = r"input has dtype torch.float64 but the module's parameters"
    with pytest.raises(TypeError, match=msg):
        m(torch.randn(4, 2, 5, dtype=torch.float64))
    with pytest.raises(TypeError, match=r"hx\[0\] \(h0\) has dtype torch.float64"):
        m(torch.randn(4, 2, 5), (torch.zeros(1, 2, 3, dtype=torch.float64), torch.zeros(1, 2, 3)))


def test_device_mismatch():
    # The meta device stands in for a second device: same check as cpu vs cuda.
    m = rnn.GRU(5, 3)
    with pytest.raises(ValueError, match=r"input is on device meta but the module's parameters"):
        m(torch.randn(4, 2, 5, device="meta"))
    with pytest.raises(ValueError, match=r"hx is on device meta"):
        m(torch.randn(4, 2, 5), torch.zeros(1, 2, 3, device="meta"))


def test_cell_errors():
    c = rnn.LSTMCell(4, 3)
    with pytest.raises(ValueError, match=r"input must have D = input_size = 4"):
        c(torch.randn(2, 5))
    msg = r"hx\[0\] \(h\) must be \(N, H\) = \(2, 3\), got \(2, 4\)"
    with pytest.raises(ValueError, match=msg):
        c(torch.randn(2, 4), (torch.zeros(2, 4), torch.zeros(2, 3)))
    msg = r"hx must be \(H,\) = \(3,\) for unbatched input, got \(1, 3\)"
    with pytest.raises(ValueError, match=msg):
        rnn.GRUCell(4, 3)(torch.randn(4), torch.zeros(1, 3))
    with pytest.raises(ValueError, match="nonlinearity must be 'tanh' or 'relu', got 'sigmoid'"):
        rnn.RNNCell(4, 3, nonlinearity="sigmoid")


def test_constructor_errors():
    with pytest.raises(ValueError, match="proj_size must be 0"):
        rnn.LSTM(4, 8, proj_size=2)
    with pytest.raises(ValueError, match="dropout must be a number in \\[0, 1\\], got 1.5"):
        rnn.GRU(4, 3, num_layers=2, dropout=1.5)
    with pytest.raises(ValueError, match="hidden_size must be greater than zero, got 0"):
        rnn.RNN(4, 0)
    with pytest.raises(TypeError, match="batch_first must be a bool, got int"):
        rnn.RNN(4, 3, batch_first=1)
    with pytest.raises(ValueError, match="nonlinearity must be 'tanh' or 'relu'"):
        rnn.RNN(4, 3, nonlinearity="gelu")
    with pytest.warns(UserWarning, match="no effect with num_layers=1"):
        rnn.LSTM(4, 3, dropout=0.2)
