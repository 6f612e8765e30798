"""The shapes captioner: shapes, the shared decoding step, what the plain decoder cannot see."""

import numpy as np
import pytest
import torch

from rnncourse.data.shapes import CAPTION_VOCAB, all_scenes, sample_batch
from rnncourse.nn.captioning import Captioner, GridEncoder
from rnncourse.nn.seq2seq import Seq2Seq
from rnncourse.train.seq2seq import greedy_from_state, masked_loss, shift_right

V = len(CAPTION_VOCAB)


def _batch(n=6, seed=0):
    b = sample_batch(all_scenes(), n, np.random.default_rng(seed))
    return torch.from_numpy(b["images"]), torch.from_numpy(b["tgt"])


@pytest.mark.parametrize("attention", [True, False])
def test_shapes(attention):
    torch.manual_seed(0)
    model = Captioner(V, embed_size=8, hidden_size=12, channels=10, attention=attention)
    images, tgt = _batch()
    keys = model.encoder(images)
    assert keys.shape == (6, 16, 10)
    logits, weights = model(images, shift_right(tgt))
    assert logits.shape == (*tgt.shape, V)
    if attention:
        assert weights.shape == (*tgt.shape, 16)
        assert torch.allclose(weights.sum(-1), torch.ones(tgt.shape))
    else:
        assert weights is None
    assert Captioner.step is Seq2Seq.step  # one decoding step for dates and images


def test_feature_grid_is_row_major():
    # Location l = row * 4 + column: a feature map that only depends on a pixel region shows up at
    # the matching location.
    enc = GridEncoder(4)
    images = torch.zeros(1, 3, 32, 32)
    images[0, :, 8:16, 24:32] = 1.0  # row 1, column 3
    with torch.no_grad():
        feats = enc(images) - enc(torch.zeros(1, 3, 32, 32))
    changed = feats.abs().sum(-1)[0] > 0
    assert changed[1 * 4 + 3]
    assert not changed[[0 * 4 + 0, 3 * 4 + 0, 3 * 4 + 1]].any()


def test_attention_reads_the_grid_and_the_plain_decoder_only_its_start():
    torch.manual_seed(0)
    images, tgt = _batch()
    tgt_in = shift_right(tgt)
    for attention in (True, False):
        model = Captioner(V, 8, 12, 10, attention)
        state = model.start(images)
        assert state.mask.all()
        assert state.keys.shape == (6, 16, 10)
        # Replace the keys but keep s_0: only the attentive decoder's outputs change.
        other = model.start(images.flip(0))
        mixed = state._replace(keys=other.keys, proj=other.proj)
        token = tgt_in[:, 0]
        a, _, _ = model.step(token, state)
        out, _, _ = model.step(token, mixed)
        assert torch.allclose(a, out) != attention


def test_greedy_stops_at_eos_and_returns_grid_maps():
    torch.manual_seed(0)
    model = Captioner(V, 8, 12, 10, True).eval()
    images, _ = _batch()
    ids, maps = greedy_from_state(model, model.start(images), max_len=5)
    assert len(ids) == 6
    assert all(len(r) <= 5 for r in ids)
    for row, w in zip(ids, maps, strict=True):
        assert w.shape[1] == 16
        assert len(w) in (len(row), len(row) + 1)
        assert np.allclose(w.sum(1), 1, atol=1e-5)
        assert CAPTION_VOCAB.eos_id not in row


def test_padding_does_not_enter_the_loss():
    torch.manual_seed(0)
    model = Captioner(V, 8, 12, 10, True)
    images, tgt = _batch()
    logits, _ = model(images, shift_right(tgt))
    noisy = logits.detach().clone()
    noisy[tgt == 0] += 100 * torch.randn_like(noisy[tgt == 0])
    assert torch.allclose(masked_loss(logits, tgt), masked_loss(noisy, tgt))


def test_bad_input_is_named():
    model = Captioner(V, 8, 12, 10)
    with pytest.raises(ValueError, match=r"images must be \(N, 3, 32, 32\)"):
        model(torch.zeros(2, 3, 16, 16), torch.zeros(2, 3, dtype=torch.long))
    with pytest.raises(ValueError, match="tgt_in must be"):
        model(torch.zeros(2, 3, 32, 32), torch.zeros(3, 3, dtype=torch.long))
    with pytest.raises(ValueError, match="vocab_size"):
        Captioner(2)


def test_the_plain_decoder_gets_the_image_through_its_start_state():
    # The step-0 baseline is not blind: s_0 depends on the image and the loss reaches the encoder.
    torch.manual_seed(0)
    model = Captioner(V, 8, 12, 10, attention=False)
    images, tgt = _batch()
    state = model.start(images)
    assert not torch.allclose(state.s[0], state.s[1])
    masked_loss(model(images, shift_right(tgt))[0], tgt).backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in model.encoder.parameters())
