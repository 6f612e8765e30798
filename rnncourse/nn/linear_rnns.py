"""minGRU, minLSTM and the LRU as PyTorch layers, trained with the parallel scan.

The equations are those of :mod:`rnncourse.reference.linear_rnns` (one place); here the gates come
from one ``nn.Linear`` over the whole sequence and the recurrence from
:func:`rnncourse.nn.linear_scan.linear_scan`. Layers are batch-first and return
``(output, h_n)`` like ``torch.nn.GRU`` (``h_n`` is (1, N, H)).
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import Tensor, nn

from rnncourse.nn.linear_scan import linear_scan, linear_scan_log
from rnncourse.reference.linear_rnns import lru_init

__all__ = ["MinGRU", "MinLSTM", "LRU"]


def _check_input(x: Tensor, size: int) -> None:
    if x.dim() != 3 or x.shape[2] != size:
        raise ValueError(f"input must be (N, T, D) with D = {size}, got {tuple(x.shape)}")


def _h0(h0: Tensor | None, N: int, H: int) -> Tensor | None:
    if h0 is None:
        return None
    if h0.shape != (1, N, H):
        raise ValueError(f"h0 must be (1, N, H) = (1, {N}, {H}), got {tuple(h0.shape)}")
    return h0[0]


class MinGRU(nn.Module):
    """minGRU (Feng et al. 2024): ``z, h~`` from ``x_t`` only; ``h_t = (1-z) h_{t-1} + z h~``.

    Parameters
    ----------
    input_size, hidden_size : int
    bias : bool
    method : str
        Scan method of :func:`~rnncourse.nn.linear_scan`.

    Attributes
    ----------
    linear : nn.Linear (D -> 2H), blocks ``[z, h~]`` (``Wx = linear.weight.T`` in the reference)
    """

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, method: str = "blelloch"
    ) -> None:
        super().__init__()
        self.input_size, self.hidden_size, self.method = input_size, hidden_size, method
        self.linear = nn.Linear(input_size, 2 * hidden_size, bias=bias)

    def forward(self, x: Tensor, h0: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """Map x (N, T, D), h0 (1, N, H) or None -> (h (N, T, H), h_n (1, N, H))."""
        _check_input(x, self.input_size)
        z_pre, h_tilde = self.linear(x).chunk(2, dim=-1)
        z = torch.sigmoid(z_pre)
        h0 = _h0(h0, x.shape[0], self.hidden_size)
        if self.method == "log":  # log(1 - z) = -softplus(z_pre): finite where z rounds to 1
            h = linear_scan_log(-nn.functional.softplus(z_pre), z * h_tilde, h0)
        else:
            h = linear_scan(1 - z, z * h_tilde, h0, self.method)
        return h, h[:, -1:].transpose(0, 1)


class MinLSTM(nn.Module):
    """minLSTM (Feng et al. 2024): normalised gates ``f' = f/(f+i)``, ``i' = i/(f+i)`` from ``x_t``.

    Attributes
    ----------
    linear : nn.Linear (D -> 3H), blocks ``[f, i, h~]``
    """

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, method: str = "blelloch"
    ) -> None:
        super().__init__()
        self.input_size, self.hidden_size, self.method = input_size, hidden_size, method
        self.linear = nn.Linear(input_size, 3 * hidden_size, bias=bias)

    def forward(self, x: Tensor, h0: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """Map x (N, T, D), h0 (1, N, H) or None -> (h (N, T, H), h_n (1, N, H))."""
        _check_input(x, self.input_size)
        f_pre, i_pre, h_tilde = self.linear(x).chunk(3, dim=-1)
        h0 = _h0(h0, x.shape[0], self.hidden_size)
        if self.method == "log":
            # log f = -softplus(-f_pre), log i likewise, log(f + i) by logaddexp: finite where a
            # gate rounds to 0 (f_pre below about -88 in float32).
            softplus = nn.functional.softplus
            log_f, log_i = -softplus(-f_pre), -softplus(-i_pre)
            log_fi = torch.logaddexp(log_f, log_i)
            h = linear_scan_log(log_f - log_fi, torch.exp(log_i - log_fi) * h_tilde, h0)
        else:
            f, i = torch.sigmoid(f_pre), torch.sigmoid(i_pre)
            a, w = f / (f + i), i / (f + i)  # f' = f / (f + i), i' = i / (f + i)
            h = linear_scan(a, w * h_tilde, h0, self.method)
        return h, h[:, -1:].transpose(0, 1)


class LRU(nn.Module):
    """Linear Recurrent Unit (Orvieto et al. 2023): complex diagonal recurrence, real read-out.

    ``h_t = lambda * h_{t-1} + gamma * (u_t B)``, ``y_t = Re(h_t C) + D * u_t`` with
    ``lambda = exp(-exp(nu_log) + i exp(theta_log))``, initialised on the ring
    ``r_min <= |lambda| <= r_max`` (:func:`rnncourse.reference.lru_init`).

    Parameters
    ----------
    input_size : int
        D, also the output size.
    hidden_size : int
        H complex states.
    r_min, r_max, max_phase : float
        Ring initialisation.
    seed : int or None
        Seed of the initialisation (NumPy); None draws one from torch's generator.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        r_min: float = 0.0,
        r_max: float = 1.0,
        max_phase: float = 2 * math.pi,
        seed: int | None = None,
        method: str = "blelloch",
    ) -> None:
        super().__init__()
        self.input_size, self.hidden_size, self.method = input_size, hidden_size, method
        if seed is None:
            seed = int(torch.randint(0, 2**31 - 1, ()).item())
        p = lru_init(input_size, hidden_size, r_min, r_max, max_phase, np.random.default_rng(seed))
        for name, value in p.items():
            self.register_parameter(name, nn.Parameter(torch.tensor(value, dtype=torch.float32)))

    def lam(self) -> Tensor:
        """Return the diagonal of the recurrence, (H,) complex, ``|lambda| < 1`` by construction."""
        return torch.exp(torch.complex(-torch.exp(self.nu_log), torch.exp(self.theta_log)))

    def forward(self, u: Tensor, h0: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """Map u (N, T, D), h0 (1, N, H) complex or None -> (y (N, T, D), h_n (1, N, H) complex)."""
        _check_input(u, self.input_size)
        B = torch.complex(self.B_re, self.B_im) * torch.exp(self.gamma_log)
        C = torch.complex(self.C_re, self.C_im)
        b = u.to(B.dtype) @ B
        a = self.lam().expand_as(b)
        h = linear_scan(a, b, _h0(h0, u.shape[0], self.hidden_size), self.method)
        y = (h @ C).real + u * self.D
        return y, h[:, -1:].transpose(0, 1)
