import numpy as np
import pytest

from rnncourse.data import StreamBatcher, lm_batches


def test_exact_stream_layout():
    data = np.arange(23)
    b = StreamBatcher(data, batch_size=3, seq_len=4)
    # S = (23 - 1) // 3 = 7; stream n = data[7n : 7n + 7], targets shifted by one.
    assert b.stream_len == 7
    assert b.inputs.tolist() == [list(range(0, 7)), list(range(7, 14)), list(range(14, 21))]
    assert np.array_equal(b.targets, b.inputs + 1)
    wins = list(b)
    assert len(b) == len(wins) == 2
    assert wins[0][0].tolist() == [[0, 1, 2, 3], [7, 8, 9, 10], [14, 15, 16, 17]]
    assert wins[1][0].tolist() == [[4, 5, 6], [11, 12, 13], [18, 19, 20]]
    assert len(StreamBatcher(data, 3, 4, drop_last=True)) == 1


def test_windows_continue_each_stream():
    rng = np.random.default_rng(0)
    data = rng.integers(0, 50, size=1001)
    b = StreamBatcher(data, batch_size=5, seq_len=7)
    xs = np.concatenate([x for x, _ in lm_batches(data, 5, 7)], axis=1)
    ys = np.concatenate([y for _, y in b], axis=1)
    assert np.array_equal(xs.reshape(-1), data[: 5 * 200])
    assert np.array_equal(ys.reshape(-1), data[1 : 5 * 200 + 1])


def test_batcher_errors():
    with pytest.raises(ValueError, match=r"need L >= N \+ 1 = 11"):
        StreamBatcher(np.arange(5), batch_size=10, seq_len=2)
    with pytest.raises(ValueError, match="batch_size must be an integer >= 1, got 0"):
        StreamBatcher(np.arange(5), batch_size=0, seq_len=2)
    with pytest.raises(ValueError, match=r"data must have 1 dimension\(s\) \(L,\), got 2"):
        StreamBatcher(np.zeros((2, 3), dtype=int), 1, 1)
