"""Sequence layers ``RNN``, ``GRU``, ``LSTM``: drop-in replacements for their torch.nn namesakes.

Same constructor arguments, forward signature, return values and parameter names/shapes as
torch.nn (``weight_ih_l{k}[_reverse]`` (kH, D_k), ``weight_hh_l{k}`` (kH, H), ``bias_ih_l{k}``,
``bias_hh_l{k}`` (kH,)), so state_dicts load both ways. How a layer runs is in
:mod:`rnncourse.nn._base`; the maths of one step in :mod:`rnncourse.nn.functional`.
"""

from __future__ import annotations

import torch

from rnncourse.nn._base import RNNBase
from rnncourse.nn._fused import GRUFunction, LSTMFunction, RNNFunction
from rnncourse.nn._loop import make_step

__all__ = ["RNN", "GRU", "LSTM"]


class RNN(RNNBase):
    """Elman RNN, ``h_t = tanh(x_t Wx + h_{t-1} Wh + b)`` (or ReLU); drop-in for ``torch.nn.RNN``.

    Parameters
    ----------
    input_size : int
        D.
    hidden_size : int
        H.
    num_layers : int
    nonlinearity : {"tanh", "relu"}
    bias, batch_first, dropout, bidirectional, device, dtype
        As in ``torch.nn.RNN``.
    fused : bool
        Hand-written backward (default) or plain autograd.

    Examples
    --------
    >>> rnn = RNN(10, 20, num_layers=2)
    >>> out, h_n = rnn(torch.randn(5, 3, 10))
    >>> out.shape, h_n.shape
    (torch.Size([5, 3, 20]), torch.Size([2, 3, 20]))
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
        *,
        fused: bool = True,
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        self.nonlinearity = nonlinearity
        super().__init__(
            "rnn",
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            0,
            device,
            dtype,
            fused=fused,
        )

    @property
    def mode(self) -> str:
        """Return torch.nn's mode string, ``"RNN_TANH"`` or ``"RNN_RELU"``."""
        return "RNN_TANH" if self.nonlinearity == "tanh" else "RNN_RELU"

    def extra_repr(self) -> str:
        """Return the constructor arguments ``repr`` shows, with a non-default ``nonlinearity``."""
        s = super().extra_repr()
        return s + (f", nonlinearity={self.nonlinearity!r}" if self.nonlinearity != "tanh" else "")

    def _make_step(self, p):
        return make_step("rnn", p["weight_hh"], nonlinearity=self.nonlinearity)

    def _apply_fused(self, a_x, h0, c0, p, reverse, record, lowp=None):
        out, h, gates = RNNFunction.apply(
            a_x, h0, p["weight_hh"], self.nonlinearity, reverse, record
        )
        return out, h, None, gates


class GRU(RNNBase):
    """Gated recurrent unit, torch.nn's equations (gates [r, z, n]); drop-in for ``torch.nn.GRU``.

    ``r = σ(x Wx_r + b_r + h Wh_r + bh_r)``, ``z = σ(...)``,
    ``n = tanh(x Wx_n + b_n + r ⊙ (h Wh_n + bh_n))``, ``h' = (1 - z) ⊙ n + z ⊙ h``
    (the notes' update gate is ``Γu = 1 - z``).

    Parameters
    ----------
    input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, device, dtype
        As in ``torch.nn.GRU``.
    fused : bool
        Hand-written backward (default) or plain autograd.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
        *,
        fused: bool = True,
    ) -> None:
        super().__init__(
            "gru",
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            0,
            device,
            dtype,
            fused=fused,
        )

    mode = "GRU"

    def _make_step(self, p):
        return make_step("gru", p["weight_hh"], p["bias_hh"])

    def _apply_fused(self, a_x, h0, c0, p, reverse, record, lowp=None):
        out, h, gates = GRUFunction.apply(a_x, h0, p["weight_hh"], p["bias_hh"], reverse, record)
        return out, h, None, gates


class LSTM(RNNBase):
    """Long short-term memory, gate blocks [i, f, g, o]; drop-in for ``torch.nn.LSTM``.

    Parameters
    ----------
    input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, device, dtype
        As in ``torch.nn.LSTM``.
    proj_size : int
        Must be 0 (projections are not implemented).
    peephole : bool
        Add diagonal peephole weights ``weight_peephole_l{k}`` (3H,) = [p_i, p_f, p_o]
        (Gers & Schmidhuber 2000). Not in torch.nn.
    coupled : bool
        Couple the input and forget gates, ``Γi = 1 - Γf``; gate blocks become [f, g, o], so
        ``weight_ih_l{k}`` is (3H, D). Not in torch.nn.
    fused : bool
        Hand-written backward (default) or plain autograd. The variants always use autograd.

    Notes
    -----
    With ``peephole=True`` the state_dict has the extra ``weight_peephole_l{k}`` entries, so load a
    torch.nn state_dict into it with ``strict=False``.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
        *,
        peephole: bool = False,
        coupled: bool = False,
        fused: bool = True,
    ) -> None:
        if proj_size:
            raise ValueError(
                f"proj_size must be 0: LSTM projections are not implemented in rnncourse.nn, "
                f"got proj_size={proj_size} (use torch.nn.LSTM for them)"
            )
        if peephole and coupled:
            raise ValueError("peephole and coupled cannot both be True (choose one variant)")
        self.peephole = bool(peephole)
        self.coupled = bool(coupled)
        super().__init__(
            "lstm",
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            0,
            device,
            dtype,
            fused=fused,
            blocks=3 if coupled else 4,
        )

    mode = "LSTM"

    def extra_repr(self) -> str:
        """Return the constructor arguments ``repr`` shows, with the peephole and coupled flags."""
        s = super().extra_repr()
        s += ", peephole=True" if self.peephole else ""
        return s + (", coupled=True" if self.coupled else "")

    def _extra_param_shapes(self) -> dict[str, tuple[int, ...]]:
        return {"weight_peephole": (3 * self.hidden_size,)} if self.peephole else {}

    def _fusable(self) -> bool:
        return not (self.peephole or self.coupled)

    def _make_step(self, p):
        return make_step(
            "lstm", p["weight_hh"], peephole=p.get("weight_peephole"), coupled=self.coupled
        )

    def _apply_fused(self, a_x, h0, c0, p, reverse, record, lowp=None):
        return LSTMFunction.apply(a_x, h0, c0, p["weight_hh"], reverse, record, lowp)
