import torch
from torch import nn


def _uniform(shape, bound):
    return nn.Parameter(torch.empty(shape).uniform_(-bound, bound))


def _cell(a, c, H):
    i, f, g, o = a.chunk(4, 1)
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c_new = f * c + i * g
    return o * torch.tanh(c_new), c_new, torch.cat([i, f, g, o], 1)


class LSTMFromScratch(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        r = hidden_size**-0.5
        self.weight_ih_l0 = _uniform((4 * hidden_size, input_size), r)
        self.weight_hh_l0 = _uniform((4 * hidden_size, hidden_size), r)
        self.bias_ih_l0 = _uniform((4 * hidden_size,), r)
        self.bias_hh_l0 = _uniform((4 * hidden_size,), r)

    def _initial(self, x, state):
        if state is not None:
            return state[0][0], state[1][0]
        z = torch.zeros(x.shape[0], self.hidden_size, dtype=x.dtype)
        return z, z.clone()

    def forward(self, x, state=None):
        h, c = self._initial(x, state)
        out, record = [], []
        for t in range(x.shape[1]):
            a = torch.addmm(self.bias_ih_l0 + self.bias_hh_l0, x[:, t], self.weight_ih_l0.T)
            a = a + h.mm(self.weight_hh_l0.T)
            h, c, gates = _cell(a, c, self.hidden_size)
            out.append(h)
            record.append(gates)
        self.gates = torch.stack(record, dim=1)
        return torch.stack(out, dim=1), (h.unsqueeze(0), c.unsqueeze(0))
