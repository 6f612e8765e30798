"""The one initialiser of the recurrent weights: torch.nn's, so that seeds give torch.nn's draws."""

from __future__ import annotations

import math
from collections.abc import Iterable

from torch import nn


def init_uniform_(params: Iterable[nn.Parameter], hidden_size: int) -> None:
    """Fill each parameter, in order, from U(-1/√H, 1/√H), as torch.nn's recurrent modules do.

    The order matters: with the same seed, the same parameters in the same order get the same
    numbers as in torch.nn.
    """
    bound = 1.0 / math.sqrt(hidden_size)
    for p in params:
        nn.init.uniform_(p, -bound, bound)
