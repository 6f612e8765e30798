"""Mixed precision under ``torch.autocast``: the one place that decides the dtype of the products.

Like torch.nn's layers, ours accept float32 or low-precision (bfloat16/float16) input and state
inside ``torch.autocast`` and return the autocast dtype. Only the fused LSTM has a path that
computes in low precision (its per-step matrix products; gates and state stay float32), and only
where that pays: batches whose per-step work is arithmetic, ``N * H >`` :data:`FLOAT32_MAX_NH`.
Everything else computes in float32.
"""

from __future__ import annotations

import torch
from torch import Tensor

#: Largest ``N * H`` (numbers in one state) for which the LSTM stays in float32 under autocast.
#: At such batches a step costs per tensor operation, not per number, and the mixed path only adds
#: operations (a cast before each product).
FLOAT32_MAX_NH = 1024


def autocast_dtype(ref: Tensor) -> torch.dtype | None:
    """Return the lower-precision dtype of an active ``torch.autocast`` on ``ref``'s device.

    None if there is none (autocast off, or parameters that autocast does not touch: it only lowers
    float32).
    """
    if ref.dtype != torch.float32:
        return None
    dev = ref.device.type
    try:
        on, dtype = torch.is_autocast_enabled(dev), torch.get_autocast_dtype(dev)
    except (TypeError, AttributeError):  # torch < 2.4: per-device functions
        if dev == "cpu":
            on, dtype = torch.is_autocast_cpu_enabled(), torch.get_autocast_cpu_dtype()
        else:
            on, dtype = torch.is_autocast_enabled(), torch.get_autocast_gpu_dtype()
    return dtype if on and dtype != torch.float32 else None


def from_autocast(t: Tensor, lowp: torch.dtype | None, ref: Tensor) -> Tensor:
    """Return ``t`` in ``ref``'s dtype if it came in the autocast dtype ``lowp``.

    Under autocast, input and state may come in the autocast dtype (e.g. the previous
    window's carried state): the layer computes from their float32 value.
    """
    return t.to(ref.dtype) if lowp is not None and t.dtype == lowp else t


def product_dtype(module, lowp: torch.dtype | None, N: int, packed: bool) -> torch.dtype | None:
    """Return the dtype the recurrent products of ``module`` run in for a batch of ``N``.

    That is ``lowp`` (the autocast dtype, or None outside autocast) for the fused LSTM on large
    enough unpacked batches, otherwise None (the parameters' dtype).
    """
    if lowp is None or packed or module.kind != "lstm" or not (module.fused and module._fusable()):
        return None
    return lowp if N * module.hidden_size > FLOAT32_MAX_NH else None
