import math

import torch
from torch import nn


class LSTMFromScratch(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.input_size, self.hidden_size = input_size, hidden_size
        std = 1 / math.sqrt(hidden_size)
        self.weight_ih_l0 = nn.Parameter(torch.rand(4 * hidden_size, input_size) * 2 * std - std)
        self.weight_hh_l0 = nn.Parameter(torch.rand(4 * hidden_size, hidden_size) * 2 * std - std)
        self.bias_ih_l0 = nn.Parameter(torch.rand(4 * hidden_size) * 2 * std - std)
        self.bias_hh_l0 = nn.Parameter(torch.rand(4 * hidden_size) * 2 * std - std)

    def forward(self, x, state=None):
        if state is None:
            zeros = x.new_zeros(1, x.shape[0], self.hidden_size)
            state = (zeros, zeros)
        h, c = state[0].squeeze(0), state[1].squeeze(0)
        inputs = (
            torch.einsum("ntd,kd->ntk", x, self.weight_ih_l0) + self.bias_ih_l0 + self.bias_hh_l0
        )
        outs, gates = [], []
        for a_x in inputs.unbind(1):
            a = a_x + torch.einsum("nh,kh->nk", h, self.weight_hh_l0)
            act = torch.cat(
                [
                    a[:, : 2 * self.hidden_size].sigmoid(),
                    a[:, 2 * self.hidden_size : 3 * self.hidden_size].tanh(),
                    a[:, 3 * self.hidden_size :].sigmoid(),
                ],
                dim=1,
            )
            i, f, g, o = act.split(self.hidden_size, dim=1)
            c = torch.addcmul(f * c, i, g)
            h = o * c.tanh()
            outs.append(h)
            gates.append(act)
        self.gates = torch.stack(gates, dim=1)
        return torch.stack(outs, dim=1), (h.unsqueeze(0), c.unsqueeze(0))
