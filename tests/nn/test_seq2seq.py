import numpy as np
import pytest
import torch

from rnncourse.data.dates import SOURCE_VOCAB, TARGET_VOCAB
from rnncourse.nn.seq2seq import AdditiveAttention, MultiplicativeAttention, Seq2Seq
from rnncourse.reference import additive_attention_forward, attention_forward
from rnncourse.train.seq2seq import batch_tensors, shift_right

PAIRS = [("3 may 1979", "1979-05-03"), ("le 14 juillet 2001 and 19790503", "2001-07-14 1979-05-03")]


def _model(attention="additive", cell="gru"):
    torch.manual_seed(0)
    return Seq2Seq(len(SOURCE_VOCAB), len(TARGET_VOCAB), 8, 12, cell, attention).double()


def test_additive_attention_matches_the_numpy_reference():
    torch.manual_seed(0)
    att = AdditiveAttention(5, 6, 7).double()
    s, keys = torch.randn(3, 5, dtype=torch.float64), torch.randn(3, 4, 6, dtype=torch.float64)
    mask = torch.ones(3, 4, dtype=torch.bool)
    z, a = att(s, keys, mask, att.project_keys(keys))
    # The reference has no bias: b_k is added at every position, so it equals a query-side bias,
    # i.e. an extra constant-1 input to the query with b_k as its row of Wq.
    Wq = np.concatenate([att.W_s.weight.detach().numpy().T, att.W_k.bias.detach().numpy()[None]])
    h = np.concatenate([s.numpy(), np.ones((3, 1))], 1)
    Wk, w = att.W_k.weight.detach().numpy().T, att.w.weight.detach().numpy()[0]
    z_ref, a_ref, _ = additive_attention_forward(h, keys.numpy(), Wq, Wk, w)
    np.testing.assert_allclose(a.detach().numpy(), a_ref, atol=1e-12)
    np.testing.assert_allclose(z.detach().numpy(), z_ref, atol=1e-12)


def test_multiplicative_attention_matches_the_numpy_reference():
    torch.manual_seed(0)
    att = MultiplicativeAttention(5, 6).double()
    s, keys = torch.randn(3, 5, dtype=torch.float64), torch.randn(3, 4, 6, dtype=torch.float64)
    mask = torch.tensor([[1, 1, 1, 1], [1, 1, 0, 0], [1, 0, 0, 0]], dtype=torch.bool)
    z, a = att(s, keys, mask, att.project_keys(keys))
    z_ref, a_ref, _ = attention_forward(
        s.numpy(), keys.numpy(), att.W.weight.detach().numpy().T, mask=mask.numpy()
    )
    np.testing.assert_allclose(a.detach().numpy(), a_ref, atol=1e-12)
    np.testing.assert_allclose(z.detach().numpy(), z_ref, atol=1e-12)


@pytest.mark.parametrize("attention", ["additive", "multiplicative", None])
@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_padding_changes_nothing(attention, cell):
    # Packed encoder + masked attention: extra padding columns must not change any output.
    model = _model(attention, cell)
    b = batch_tensors(PAIRS)
    tgt_in = shift_right(b["tgt"])
    logits, weights = model(b["src"], b["src_len"], tgt_in)
    wide = torch.cat([b["src"], torch.zeros(2, 5, dtype=torch.long)], 1)
    logits2, weights2 = model(wide, b["src_len"], tgt_in)
    torch.testing.assert_close(logits, logits2, rtol=0, atol=1e-12)
    # The short example alone gives the same outputs as inside the padded batch.
    n = int(b["src_len"][0])
    alone, _ = model(b["src"][:1, :n], b["src_len"][:1], tgt_in[:1])
    torch.testing.assert_close(alone, logits[:1], rtol=0, atol=1e-12)
    if attention is None:
        assert weights is None
    else:
        assert weights.shape == (2, tgt_in.shape[1], b["src"].shape[1])
        torch.testing.assert_close(weights.sum(2), torch.ones(2, tgt_in.shape[1]).double())
        assert (weights[0, :, n:] == 0).all()
        assert (weights2[:, :, -5:] == 0).all()


def test_attention_reaches_the_source_and_no_attention_only_through_the_start_state():
    model = _model("additive")
    b = batch_tensors(PAIRS[:1])
    src = b["src"].clone()
    emb = model.src_embed
    out = model(src, b["src_len"], shift_right(b["tgt"]))[0]
    assert out.shape == (1, 11, len(TARGET_VOCAB))
    out.sum().backward()
    assert emb.weight.grad.abs().sum() > 0
    assert model.init.weight.grad.abs().sum() > 0


def test_bad_inputs_are_named():
    model = _model()
    b = batch_tensors(PAIRS)
    with pytest.raises(ValueError, match="src_len"):
        model(b["src"], b["src_len"][:1], shift_right(b["tgt"]))
    with pytest.raises(ValueError, match=r"src_len must be in \[1, L\]"):
        model(b["src"], b["src_len"] + 40, shift_right(b["tgt"]))
    with pytest.raises(ValueError, match="tgt_in"):
        model(b["src"], b["src_len"], b["tgt"][:1])
    with pytest.raises(ValueError, match="attention"):
        Seq2Seq(10, 10, attention="dot")
