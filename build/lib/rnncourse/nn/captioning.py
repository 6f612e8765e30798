"""Image captioner with attention over a CNN feature grid (PyTorch), after Xu et al. (2015).

* **Encoder**: three 3 x 3 convolutions, each followed by ReLU and 2 x 2 max-pooling, turn a
  (3, 32, 32) image into a 4 x 4 grid of D-dimensional features: ``L = 16`` annotation vectors
  ``v_l`` (N, L, D), the keys (and values) of attention, row by row.
* **Start**: the decoder state is ``s_0 = tanh(flatten(v) W_init)`` from the whole grid (so the
  plain decoder, too, knows where everything is), its LSTM cell starts at zero.
* **Decoder**: exactly the step of :class:`rnncourse.nn.seq2seq.Seq2Seq` (shared, not copied): an
  LSTM cell reads the previous word and the previous context, attends over the L locations with
  :class:`~rnncourse.nn.seq2seq.AdditiveAttention`, and predicts the next word from ``[s_t; c_t]``.
  With ``attention=False`` the image enters only through ``s_0`` at step 0, the plain captioner of
  Vinyals et al. (2015).
"""

from __future__ import annotations

import torch
from torch import nn

from rnncourse.nn.cells import LSTMCell
from rnncourse.nn.seq2seq import AdditiveAttention, DecoderState, Seq2Seq

__all__ = ["GridEncoder", "Captioner"]


class GridEncoder(nn.Module):
    """Three conv-ReLU-pool blocks: (N, 3, 32, 32) images to (N, L = 16, D) location features.

    Parameters
    ----------
    channels : int
        D, the channels of the last block (the first two have D/2 and D).
    """

    def __init__(self, channels: int = 32) -> None:
        super().__init__()
        widths = (3, channels // 2, channels, channels)
        self.blocks = nn.Sequential(
            *(
                nn.Sequential(nn.Conv2d(a, b, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
                for a, b in zip(widths[:-1], widths[1:], strict=True)
            )
        )

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Features (N, L, D), location ``l = row * 4 + column``, for images (N, 3, 32, 32)."""
        if images.dim() != 4 or tuple(images.shape[1:]) != (3, 32, 32):
            raise ValueError(
                f"images must be (N, 3, 32, 32), got {tuple(getattr(images, 'shape', ()))}"
            )
        grid = self.blocks(images)  # (N, D, 4, 4)
        return grid.flatten(2).transpose(1, 2)


class Captioner(nn.Module):
    """CNN grid encoder and LSTM decoder, with or without attention.

    Parameters
    ----------
    vocab_size : int
        V (id 0 is ``<PAD>``; ``<EOS>`` = 2 ends a caption and starts decoding).
    embed_size : int
    hidden_size : int
        H, the decoder state (and the hidden layer of the attention score).
    channels : int
        D, the size of each location's feature.
    attention : bool
        True: additive attention over the 16 locations at every step; False: image at step 0 only.
    """

    L = 16  # 4 x 4 locations

    def __init__(
        self,
        vocab_size: int,
        embed_size: int = 16,
        hidden_size: int = 64,
        channels: int = 32,
        attention: bool = True,
    ) -> None:
        super().__init__()
        if int(vocab_size) != vocab_size or vocab_size < 3:
            raise ValueError(f"vocab_size must be an int >= 3, got {vocab_size!r}")
        H, D = hidden_size, channels
        # Attribute names are those Seq2Seq.step reads.
        self.cell, self.attention_kind = "lstm", "additive" if attention else None
        self.encoder = GridEncoder(D)
        self.init = nn.Linear(self.L * D, H)
        self.tgt_embed = nn.Embedding(vocab_size, embed_size, padding_idx=0)
        context = D if attention else 0
        self.decoder = LSTMCell(embed_size + context, H)
        self.attention = AdditiveAttention(H, D, H) if attention else None
        self.out = nn.Linear(H + context, vocab_size)

    def start(self, images: torch.Tensor) -> DecoderState:
        """Encode images (N, 3, 32, 32) into the first :class:`DecoderState` (all L keys real)."""
        keys = self.encoder(images)
        s = torch.tanh(self.init(keys.flatten(1)))
        mask = torch.ones(keys.shape[:2], dtype=torch.bool, device=keys.device)
        proj = self.attention.project_keys(keys) if self.attention else keys[:, :, :0]
        width = keys.shape[2] if self.attention else 0
        return DecoderState(s, torch.zeros_like(s), keys.new_zeros(len(s), width), keys, proj, mask)

    # One decoding step and the teacher-forced loop over it, shared with the date translator:
    # (token (N,), state) -> (logits (N, V), state, weights (N, L) or None).
    step = Seq2Seq.step
    teacher_forced = Seq2Seq.teacher_forced

    def forward(
        self, images: torch.Tensor, tgt_in: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Teacher-forced pass.

        Parameters
        ----------
        images : Tensor, shape (N, 3, 32, 32)
        tgt_in : LongTensor, shape (N, T)
            ``<EOS>`` then the caption shifted right by one.

        Returns
        -------
        logits : Tensor, shape (N, T, V)
        weights : Tensor, shape (N, T, L), or None without attention
        """
        return self.teacher_forced(self.start(images), tgt_in)
