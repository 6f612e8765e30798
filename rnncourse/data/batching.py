"""Language-model batching the classic char-RNN way: N contiguous streams read in windows of T.

The id sequence ``d`` of length L is cut into N streams of equal length S = (L - 1) // N (the last
``(L - 1) % N`` ids are dropped). Stream n holds ``d[n S : (n + 1) S]`` as inputs and the same
shifted by one as targets. Window k is columns ``[k T, (k + 1) T)`` of every stream, so row n of
window k + 1 continues row n of window k exactly: the hidden state can be carried from one window
to the next (truncated BPTT).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from rnncourse._validation import check_ids, check_int


class StreamBatcher:
    """Iterate ``(x, y)`` windows of shape (N, T) over N contiguous streams.

    Parameters
    ----------
    data : array_like of int, shape (L,)
        Token ids, e.g. ``vocab.encode(text)``.
    batch_size : int
        N, the number of parallel streams.
    seq_len : int
        T, the window length (truncated-BPTT length).
    drop_last : bool, default False
        Drop a final window shorter than T (otherwise it is yielded with its true length).

    Attributes
    ----------
    inputs, targets : np.ndarray, shape (N, S)
        The streams; ``targets[n, s] == data[n * S + s + 1]``.

    Examples
    --------
    >>> b = StreamBatcher(np.arange(13), batch_size=2, seq_len=3)
    >>> b.inputs.tolist()
    [[0, 1, 2, 3, 4, 5], [6, 7, 8, 9, 10, 11]]
    >>> [x.tolist() for x, _ in b]
    [[[0, 1, 2], [6, 7, 8]], [[3, 4, 5], [9, 10, 11]]]
    """

    def __init__(self, data: Any, batch_size: int, seq_len: int, drop_last: bool = False) -> None:
        ids = check_ids("data", data)
        batch_size, seq_len = check_int("batch_size", batch_size), check_int("seq_len", seq_len)
        stream_len = (len(ids) - 1) // batch_size
        if stream_len < 1:
            raise ValueError(
                f"data too short: need L >= N + 1 = {batch_size + 1} ids for N = {batch_size} "
                f"streams, got L = {len(ids)}"
            )
        if drop_last and stream_len < seq_len:
            raise ValueError(
                f"data too short for one full window: stream length S = (L - 1) // N = "
                f"{stream_len} < T = {seq_len}"
            )
        used = stream_len * batch_size
        self.batch_size, self.seq_len, self.drop_last = int(batch_size), int(seq_len), drop_last
        self.inputs = ids[:used].reshape(batch_size, stream_len)
        self.targets = ids[1 : used + 1].reshape(batch_size, stream_len)

    @property
    def stream_len(self) -> int:
        """S, the length of each stream."""
        return self.inputs.shape[1]

    def __len__(self) -> int:
        full, rest = divmod(self.stream_len, self.seq_len)
        return full + (1 if rest and not self.drop_last else 0)

    def window(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Window ``k`` as ``(x, y)``, each (N, T) (the last one may be shorter)."""
        if not 0 <= k < len(self):
            raise IndexError(f"window index must be in [0, {len(self)}), got {k}")
        cols = slice(k * self.seq_len, (k + 1) * self.seq_len)
        return self.inputs[:, cols], self.targets[:, cols]

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        for k in range(len(self)):
            yield self.window(k)


def lm_batches(
    data: Any, batch_size: int, seq_len: int, drop_last: bool = False
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield ``(x, y)`` windows of shape (N, T) over N contiguous streams (one pass).

    Shorthand for ``iter(StreamBatcher(data, batch_size, seq_len, drop_last))``; see
    :class:`StreamBatcher` for the exact layout.
    """
    return iter(StreamBatcher(data, batch_size, seq_len, drop_last))
