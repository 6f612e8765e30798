"""Scoring a character model: bits per character on any text."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from rnncourse.data import StreamBatcher, convert_loss


@torch.no_grad()
def score_bits_per_char(
    model: nn.Module,
    ids: np.ndarray,
    device: torch.device,
    batch_size: int = 64,
    seq_len: int = 256,
    carry_state: bool = True,
) -> float:
    """Mean cross-entropy of ``model`` on the ids (L,) in bits per predicted character.

    The ids are read as at most ``batch_size`` streams in windows of ``seq_len``, the state
    carried across windows; the model is left in the mode it was in.
    """
    batch_size = max(1, min(batch_size, (len(ids) - 1) // 2))
    batcher = StreamBatcher(ids, batch_size, seq_len)
    was_training = model.training
    model.eval()
    total, count, state = 0.0, 0, None
    for x, y in batcher:
        xt = torch.from_numpy(np.ascontiguousarray(x)).to(device)
        yt = torch.from_numpy(np.ascontiguousarray(y)).to(device)
        logits, state = model(xt, state if carry_state else None)
        total += float(
            nn.functional.cross_entropy(
                logits.reshape(-1, logits.shape[-1]).float(), yt.reshape(-1), reduction="sum"
            )
        )
        count += yt.numel()
    model.train(was_training)
    return convert_loss(total / count, "bits")
