"""Single-step cells ``RNNCell``, ``GRUCell``, ``LSTMCell``: drop-in for their torch.nn namesakes.

Parameters ``weight_ih`` (kH, D), ``weight_hh`` (kH, H), ``bias_ih``, ``bias_hh`` (kH,) as in
torch.nn. The step maths is :mod:`rnncourse.nn.functional`, run under autograd.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from rnncourse.nn import _checks
from rnncourse.nn import functional as Fn
from rnncourse.nn._init import init_uniform_
from rnncourse.reference.cells import RECORDED


class RNNCellBase(nn.Module):
    """Parameters, initialisation and input checks shared by the cells (not used directly)."""

    def __init__(
        self,
        kind: str,
        input_size: int,
        hidden_size: int,
        bias: bool,
        blocks: int,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        _checks.check_sizes(input_size=input_size, hidden_size=hidden_size)
        self.kind = kind
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self._gate_recorders: list = []
        factory = {"device": device, "dtype": dtype}
        G = blocks * hidden_size
        self.weight_ih = nn.Parameter(torch.empty((G, input_size), **factory))
        self.weight_hh = nn.Parameter(torch.empty((G, hidden_size), **factory))
        if bias:
            self.bias_ih = nn.Parameter(torch.empty(G, **factory))
            self.bias_hh = nn.Parameter(torch.empty(G, **factory))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)

    def reset_parameters(self) -> None:
        """Uniform(-1/√H, 1/√H) for every parameter, as torch.nn does."""
        init_uniform_(self.parameters(), self.hidden_size)

    def extra_repr(self) -> str:
        """Return the constructor arguments shown by ``repr`` (as torch.nn prints them)."""
        s = f"{self.input_size}, {self.hidden_size}"
        return s + (f", bias={self.bias}" if self.bias is not True else "")

    def forward(self, input: Tensor, hx=None):
        """Run one step.

        Parameters
        ----------
        input : Tensor, (N, D) or (D,)
        hx : Tensor (N, H) or (H,), for LSTMCell a tuple ``(h, c)`` of those; or None (zeros)

        Returns
        -------
        Tensor ``h'`` of ``hx``'s shape; for LSTMCell the tuple ``(h', c')``.
        """
        lstm = self.kind == "lstm"
        x, states, unbatched = self._prepare(input, hx, 2 if lstm else 1)
        # RNN and LSTM fold bias_hh into the input side; the GRU's bh_n sits inside r ⊙ (...)
        a_x = self._input_side(x, fold_hidden_bias=self.kind != "gru")
        h, c, gates = self._step(a_x, *states)
        self._record(gates, h, c)
        if unbatched:
            h, c = h.squeeze(0), (None if c is None else c.squeeze(0))
        return (h, c) if lstm else h

    def _step(self, a_x: Tensor, h: Tensor, c: Tensor | None = None) -> tuple:
        """Return ``(h', c' or None, gates)`` from ``a_x = x Wx + b`` (:mod:`.functional`)."""
        raise NotImplementedError

    # ------------------------------------------------------------------------------ helpers
    def _prepare(self, input: Tensor, hx, n_states: int):
        """Check the input and states; returns (x (N, D), [states (N, H)], unbatched)."""
        x = _checks.check_tensor("input", input)
        _checks.check_input("input", x, self.input_size, (1, 2), "(N, D) or (D,)")
        _checks.check_like("input", x, self.weight_ih, "the cell's parameters")
        unbatched = x.dim() == 1
        x = x.unsqueeze(0) if unbatched else x
        N, H = x.shape[0], self.hidden_size
        if hx is None:
            return x, [x.new_zeros(N, H) for _ in range(n_states)], unbatched
        states = []
        for name, s in _checks.named_states(hx, n_states == 2, ("h", "c"), "LSTMCell"):
            s = _checks.check_tensor(name, s)
            if unbatched:
                _checks.check_shape(name, s, (H,), "(H,)", " for unbatched input")
            else:
                _checks.check_shape(name, s, (N, H), "(N, H)")
            _checks.check_like(name, s, self.weight_ih, "the cell's parameters")
            states.append(s.unsqueeze(0) if unbatched else s)
        return x, states, unbatched

    def _input_side(self, x: Tensor, fold_hidden_bias: bool) -> Tensor:
        """``x Wx + b`` (N, kH); RNN and LSTM fold ``bias_hh`` in as well."""
        if self.bias_ih is None:
            return x.mm(self.weight_ih.t())
        b = self.bias_ih + self.bias_hh if fold_hidden_bias else self.bias_ih
        return torch.addmm(b, x, self.weight_ih.t())

    def _record(self, gates: tuple, h: Tensor, c: Tensor | None) -> None:
        if not self._gate_recorders:
            return
        values = (*gates, *(() if c is None else (c,)), h)
        out = {
            k: v.detach().unsqueeze(1).clone()
            for k, v in zip(RECORDED[self.kind], values, strict=True)
        }
        for rec in self._gate_recorders:
            rec._begin_call(self)
            rec._add(self, 0, 0, out)


class RNNCell(RNNCellBase):
    """Elman RNN cell, ``h' = tanh(x Wx + h Wh + b)`` (or ReLU); drop-in for ``torch.nn.RNNCell``.

    Parameters
    ----------
    input_size : int
        D.
    hidden_size : int
        H.
    bias : bool
    nonlinearity : {"tanh", "relu"}
    device, dtype
        Factory arguments.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        super().__init__("rnn", input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity
        self.reset_parameters()

    def _step(self, a_x, h, c=None):
        return Fn.rnn_step(a_x, h, self.weight_hh.t(), self.nonlinearity)


class GRUCell(RNNCellBase):
    """GRU cell with torch.nn's equations (gates [r, z, n]); drop-in for ``torch.nn.GRUCell``.

    Parameters
    ----------
    input_size, hidden_size, bias, device, dtype
        As in ``torch.nn.GRUCell``.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__("gru", input_size, hidden_size, bias, 3, device, dtype)
        self.reset_parameters()

    def _step(self, a_x, h, c=None):
        return Fn.gru_step(a_x, h, self.weight_hh.t(), self.bias_hh)


class LSTMCell(RNNCellBase):
    """LSTM cell, gate blocks [i, f, g, o]; drop-in for ``torch.nn.LSTMCell``.

    Parameters
    ----------
    input_size, hidden_size, bias, device, dtype
        As in ``torch.nn.LSTMCell``.
    peephole : bool
        Diagonal peepholes ``weight_peephole`` (3H,) = [p_i, p_f, p_o]. Not in torch.nn.
    coupled : bool
        ``Γi = 1 - Γf`` (the notes' form), gate blocks [f, g, o] (weights (3H, ·)). Not in
        torch.nn.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
        *,
        peephole: bool = False,
        coupled: bool = False,
    ) -> None:
        if peephole and coupled:
            raise ValueError("peephole and coupled cannot both be True (choose one variant)")
        super().__init__("lstm", input_size, hidden_size, bias, 3 if coupled else 4, device, dtype)
        self.peephole, self.coupled = bool(peephole), bool(coupled)
        if peephole:
            self.weight_peephole = nn.Parameter(
                torch.empty(3 * hidden_size, device=device, dtype=dtype)
            )
        self.reset_parameters()

    def _step(self, a_x, h, c=None):
        W_hh_T = self.weight_hh.t()
        if self.peephole:
            return Fn.peephole_lstm_step(a_x, h, c, W_hh_T, self.weight_peephole)
        if self.coupled:
            return Fn.coupled_lstm_step(a_x, h, c, W_hh_T)
        return Fn.lstm_step(a_x, h, c, W_hh_T)
