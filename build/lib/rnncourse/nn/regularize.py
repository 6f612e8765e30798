"""Regularisers for recurrent language models: locked (variational) dropout and a layer-norm LSTM.

LockedDropout
    Dropout whose mask is drawn once per sequence and reused at every time step (Gal &
    Ghahramani, 2016); ``LockedDropout(p, locked=False)`` is ordinary per-step dropout, so the two
    can be compared with everything else equal.
LayerNormLSTM
    The layer-normalised LSTM of Ba et al. (2016), equations in
    :mod:`rnncourse.reference.layernorm_lstm`. Same constructor, forward signature and names for
    the shared parameters as ``torch.nn.LSTM`` (``weight_ih_l0``, ``weight_hh_l0``, ``bias_ih_l0``,
    ``bias_hh_l0``, gate blocks ``[i, f, g, o]``), plus the gains ``ln_ih_weight_l0``,
    ``ln_hh_weight_l0``, ``ln_cell_weight_l0`` and the shift ``ln_cell_bias_l0``: a
    ``torch.nn.LSTM`` state dict loads with ``strict=False`` (the gains then start at 1).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from rnncourse.nn import _checks
from rnncourse.nn._init import init_uniform_

__all__ = ["LockedDropout", "LayerNormLSTM"]


class LockedDropout(nn.Module):
    """Dropout with one mask per sequence, shared by all time steps.

    Parameters
    ----------
    p : float in [0, 1)
        Drop probability; kept units are scaled by 1 / (1 - p) (inverted dropout).
    batch_first : bool, default True
        Inputs are (N, T, D) if True, else (T, N, D).
    locked : bool, default True
        False draws a fresh mask at every step (plain ``nn.Dropout``), for comparison.
    """

    def __init__(self, p: float = 0.5, batch_first: bool = True, locked: bool = True) -> None:
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise ValueError(f"p must be in [0, 1), got {p}")
        self.p, self.batch_first, self.locked = float(p), batch_first, locked

    def extra_repr(self) -> str:
        """Return the settings shown by ``repr``."""
        return f"p={self.p}, batch_first={self.batch_first}, locked={self.locked}"

    def forward(self, x: Tensor) -> Tensor:
        """Map x (N, T, D) (or (T, N, D)) -> same shape; identity in eval mode or for p = 0."""
        if x.dim() != 3:
            raise ValueError(f"x must be a (N, T, D) sequence, got shape {tuple(x.shape)}")
        if not self.training or self.p == 0.0:
            return x
        if not self.locked:
            return F.dropout(x, self.p, training=True)
        shape = (x.shape[0], 1, x.shape[2]) if self.batch_first else (1, x.shape[1], x.shape[2])
        mask = x.new_empty(shape).bernoulli_(1.0 - self.p) / (1.0 - self.p)
        return x * mask  # the (N, 1, D) mask broadcasts over all T steps


class LayerNormLSTM(nn.Module):
    """A (stacked) LSTM with layer normalisation inside the cell (Ba et al., 2016).

    Parameters
    ----------
    input_size, hidden_size : int
        D and H.
    num_layers : int, default 1
    bias : bool, default True
    batch_first : bool, default False
    dropout : float, default 0.0
        Per-step dropout on the outputs of every layer but the last (as torch.nn.LSTM).
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        _checks.check_config(input_size, hidden_size, num_layers, bias, batch_first, dropout)
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        H = hidden_size
        for k in range(num_layers):
            d = input_size if k == 0 else H
            self.register_parameter(f"weight_ih_l{k}", nn.Parameter(torch.empty(4 * H, d)))
            self.register_parameter(f"weight_hh_l{k}", nn.Parameter(torch.empty(4 * H, H)))
            if bias:
                self.register_parameter(f"bias_ih_l{k}", nn.Parameter(torch.empty(4 * H)))
                self.register_parameter(f"bias_hh_l{k}", nn.Parameter(torch.empty(4 * H)))
            self.register_parameter(f"ln_ih_weight_l{k}", nn.Parameter(torch.ones(4 * H)))
            self.register_parameter(f"ln_hh_weight_l{k}", nn.Parameter(torch.ones(4 * H)))
            self.register_parameter(f"ln_cell_weight_l{k}", nn.Parameter(torch.ones(H)))
            self.register_parameter(f"ln_cell_bias_l{k}", nn.Parameter(torch.zeros(H)))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """torch.nn.LSTM's initialisation for the weights, U(-1/sqrt(H), 1/sqrt(H)); gains 1."""
        named = list(self.named_parameters())
        init_uniform_((p for n, p in named if n.startswith(("weight_", "bias_"))), self.hidden_size)
        for name, p in named:
            if name.startswith("ln_"):
                (nn.init.zeros_ if name.startswith("ln_cell_bias") else nn.init.ones_)(p)

    def _layer(self, x: Tensor, h: Tensor, c: Tensor, k: int) -> tuple[Tensor, Tensor, Tensor]:
        """One layer over a (N, T, D) sequence -> (out (N, T, H), h_T, c_T)."""
        H = self.hidden_size
        p = lambda name: getattr(self, f"{name}_l{k}")  # noqa: E731
        b = p("bias_ih") + p("bias_hh") if self.bias else 0.0
        # the input half of every step at once: LN(x_t W_x; gamma_x) for all t
        zx = F.layer_norm(x @ p("weight_ih").T, (4 * H,), p("ln_ih_weight")) + b
        outs = []
        for t in range(x.shape[1]):
            a = zx[:, t] + F.layer_norm(h @ p("weight_hh").T, (4 * H,), p("ln_hh_weight"))
            i, f, g, o = a.chunk(4, dim=1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            cn = F.layer_norm(c, (H,), p("ln_cell_weight"), p("ln_cell_bias"))
            h = torch.sigmoid(o) * torch.tanh(cn)
            outs.append(h)
        return torch.stack(outs, dim=1), h, c

    def forward(
        self, x: Tensor, hx: tuple[Tensor, Tensor] | None = None
    ) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        """As torch.nn.LSTM: x (N, T, D) if batch_first else (T, N, D); hx = (h0, c0), (L, N, H).

        Returns
        -------
        output : (N, T, H) or (T, N, H)
        (h_n, c_n) : each (L, N, H)
        """
        if x.dim() != 3 or x.shape[-1] != self.input_size:
            want = "(N, T, D)" if self.batch_first else "(T, N, D)"
            raise ValueError(
                f"x must be {want} with D = {self.input_size}, got shape {tuple(x.shape)}"
            )
        seq = x if self.batch_first else x.transpose(0, 1)
        L, N, H = self.num_layers, seq.shape[0], self.hidden_size
        if hx is None:
            zeros = seq.new_zeros(L, N, H)
            hx = (zeros, zeros)
        elif hx[0].shape != (L, N, H) or hx[1].shape != (L, N, H):
            raise ValueError(
                f"hx must be (h0, c0), each (L, N, H) = {(L, N, H)}, "
                f"got {tuple(hx[0].shape)} and {tuple(hx[1].shape)}"
            )
        hs, cs = [], []
        for k in range(L):
            seq, h, c = self._layer(seq, hx[0][k], hx[1][k], k)
            hs.append(h)
            cs.append(c)
            if self.dropout and self.training and k < L - 1:
                seq = F.dropout(seq, self.dropout, training=True)
        out = seq if self.batch_first else seq.transpose(0, 1)
        return out, (torch.stack(hs), torch.stack(cs))
