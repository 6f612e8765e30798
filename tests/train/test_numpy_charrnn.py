import math

import numpy as np
import pytest

from rnncourse.train import NumpyCharRNN

TEXT = "def add(a, b):\n    return a + b\n\n" * 40


def test_minimal_char_rnn_learns_and_is_reproducible():
    m = NumpyCharRNN(TEXT, hidden_size=32, seq_len=16, batch_size=2, seed=1, valid_text=TEXT[:200])
    assert m.params["Wx"].shape == (len(m.vocab), 32)
    assert m.params["Wy"].shape == (32, len(m.vocab))
    h = m.fit(150, sample_every=75, eval_every=150, sample_len=30, progress=False)
    assert h["loss"][0] == pytest.approx(math.log(len(m.vocab)), rel=0.15)
    assert np.mean(h["loss"][-10:]) < 0.5 * h["loss"][0]
    assert h["val_step"] == [150]
    assert h["val_bpc"][0] < 0.5 * math.log2(len(m.vocab))
    assert len(h["samples"]) == 2
    assert all(len(s) == 30 for s in h["samples"])
    again = NumpyCharRNN(TEXT, hidden_size=32, seq_len=16, batch_size=2, seed=1)
    again.fit(150, sample_every=75, sample_len=30, progress=False)
    assert again.history["loss"] == h["loss"]
    assert again.history["samples"] == h["samples"]
    assert m.sample(20, prime="def", seed=0) == m.sample(20, prime="def", seed=0)


def test_clipping_is_applied_and_state_is_carried(monkeypatch):
    from rnncourse import reference as ref

    seen = []
    real = ref.clip_by_value

    def spy(grads, clip):
        out = real(grads, clip)
        seen.append(max(float(np.abs(g).max()) for g in out.values()))
        return out

    monkeypatch.setattr(ref, "clip_by_value", spy)
    m = NumpyCharRNN(TEXT, hidden_size=16, seq_len=8, clip=1e-3, seed=0)
    m.train_step()
    assert seen
    assert seen[0] <= 1e-3
    assert np.any(m.h != 0)  # the final hidden state is kept for the next window
    NumpyCharRNN(TEXT, hidden_size=16, seq_len=8, clip=None).train_step()
    assert len(seen) == 1  # clip=None skips clipping
    with pytest.raises(ValueError, match="not in text"):
        NumpyCharRNN(TEXT, valid_text="XYZ")
