import math

import torch
from torch import nn


class LSTMFromScratch(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        H = hidden_size
        shapes = {
            "weight_ih_l0": (4 * H, input_size),
            "weight_hh_l0": (4 * H, H),
            "bias_ih_l0": (4 * H,),
            "bias_hh_l0": (4 * H,),
        }
        for name, shape in shapes.items():
            setattr(self, name, nn.Parameter(torch.empty(*shape)))
        k = 1.0 / math.sqrt(H)
        with torch.no_grad():
            for p in self.parameters():
                p.uniform_(-k, k)

    def forward(self, x, state=None):
        N, T, _ = x.shape
        H = self.hidden_size
        h = torch.zeros(N, H, dtype=x.dtype) if state is None else state[0][0]
        c = torch.zeros(N, H, dtype=x.dtype) if state is None else state[1][0]
        hs, gs = [], []
        for t in range(T):
            a = (
                x[:, t] @ self.weight_ih_l0.t()
                + self.bias_ih_l0
                + h @ self.weight_hh_l0.t()
                + self.bias_hh_l0
            )
            i = torch.sigmoid(a[:, :H])
            f = torch.sigmoid(a[:, H : 2 * H])
            g = torch.tanh(a[:, 2 * H : 3 * H])
            o = torch.sigmoid(a[:, 3 * H :])
            c = f * c + i * g
            h = o * torch.tanh(c)
            hs.append(h)
            gs.append(torch.cat((i, f, g, o), 1))
        self.gates = torch.stack(gs, 1)
        return torch.stack(hs, 1), (h[None], c[None])
