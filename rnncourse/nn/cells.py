"""Single-step cells ``RNNCell``, ``GRUCell``, ``LSTMCell``: drop-in for their torch.nn namesakes.

Parameters ``weight_ih`` (kH, D), ``weight_hh`` (kH, H), ``bias_ih``, ``bias_hh`` (kH,) as in
torch.nn. The step maths is :mod:`rnncourse.nn.functional`, run under autograd.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from rnncourse.nn import _checks
from rnncourse.nn import functional as Fn
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
        for name, v in (("input_size", input_size), ("hidden_size", hidden_size)):
            if not isinstance(v, int) or isinstance(v, bool) or v <= 0:
                raise ValueError(f"{name} must be a positive int, got {v!r}")
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
        stdv = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -stdv, stdv)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        return s + (f", bias={self.bias}" if self.bias is not True else "")

    # ------------------------------------------------------------------------------ helpers
    def _prepare(self, input: Tensor, hx, n_states: int):  # noqa: A002
        """Check the input and states; returns (x (N, D), [states (N, H)], unbatched)."""
        x = _checks.check_tensor("input", input)
        _checks.check_input("input", x, self.input_size, (1, 2), "(N, D) or (D,)")
        _checks.check_like("input", x, self.weight_ih, "the cell's parameters")
        unbatched = x.dim() == 1
        x = x.unsqueeze(0) if unbatched else x
        N, H = x.shape[0], self.hidden_size
        if hx is None:
            return x, [x.new_zeros(N, H) for _ in range(n_states)], unbatched
        if n_states == 2:
            if not (isinstance(hx, tuple | list) and len(hx) == 2):
                raise TypeError(f"hx must be a tuple (h, c) for LSTMCell, got {type(hx).__name__}")
            named = [("hx[0] (h)", hx[0]), ("hx[1] (c)", hx[1])]
        else:
            named = [("hx", hx)]
        states = []
        for name, s in named:
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

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:  # noqa: A002
        """``input`` (N, D) or (D,), ``hx`` (N, H) or (H,) or None -> ``h'`` of hx's shape."""
        x, (h,), unbatched = self._prepare(input, hx, 1)
        a_x = self._input_side(x, fold_hidden_bias=True)
        h, _, gates = Fn.rnn_step(a_x, h, self.weight_hh.t(), self.nonlinearity)
        self._record(gates, h, None)
        return h.squeeze(0) if unbatched else h


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

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:  # noqa: A002
        """``input`` (N, D) or (D,), ``hx`` (N, H) or (H,) or None -> ``h'``."""
        x, (h,), unbatched = self._prepare(input, hx, 1)
        a_x = self._input_side(x, fold_hidden_bias=False)
        h, _, gates = Fn.gru_step(a_x, h, self.weight_hh.t(), self.bias_hh)
        self._record(gates, h, None)
        return h.squeeze(0) if unbatched else h


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

    def forward(self, input: Tensor, hx=None) -> tuple[Tensor, Tensor]:  # noqa: A002
        """``input`` (N, D) or (D,), ``hx`` = (h, c), each (N, H) or (H,), or None.

        Returns ``(h', c')``.
        """
        x, (h, c), unbatched = self._prepare(input, hx, 2)
        a_x = self._input_side(x, fold_hidden_bias=True)
        W_hh_T = self.weight_hh.t()
        if self.peephole:
            h, c, gates = Fn.peephole_lstm_step(a_x, h, c, W_hh_T, self.weight_peephole)
        elif self.coupled:
            h, c, gates = Fn.coupled_lstm_step(a_x, h, c, W_hh_T)
        else:
            h, c, gates = Fn.lstm_step(a_x, h, c, W_hh_T)
        self._record(gates, h, c)
        return (h.squeeze(0), c.squeeze(0)) if unbatched else (h, c)
