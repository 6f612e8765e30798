import math

import pytest
import torch

from rnncourse.data.dates import SOURCE_VOCAB, TARGET_VOCAB
from rnncourse.nn.seq2seq import Seq2Seq
from rnncourse.train.seq2seq import (
    accuracy,
    batch_tensors,
    beam_decode,
    beam_search,
    greedy_decode,
    masked_loss,
)

EOS, A, B = 2, 3, 4


def table_model(table):
    """A step function from a table: prefix (tuple of ids) -> {next id: probability}."""

    def step(tokens, state):
        prefixes = [
            p + ((int(t),) if t != EOS or p else ()) for p, t in zip(state, tokens, strict=True)
        ]
        logp = torch.full((len(prefixes), 5), -math.inf)
        for k, p in enumerate(prefixes):
            for v, prob in table[p].items():
                logp[k, v] = math.log(prob)
        return logp, prefixes

    return step, [()], lambda state, index: [state[i] for i in index.tolist()]


def test_beam_finds_the_sequence_greedy_misses():
    # Greedy takes "a" (0.6), then "a" (0.36): p("aa") = 0.216. "b" then <EOS> has 0.4 * 0.9 = 0.36.
    table = {
        (): {A: 0.6, B: 0.4},
        (A,): {A: 0.36, B: 0.34, EOS: 0.30},
        (B,): {EOS: 0.9, A: 0.05, B: 0.05},
        (A, A): {EOS: 1.0},
        (A, B): {EOS: 1.0},
        (B, A): {EOS: 1.0},
        (B, B): {EOS: 1.0},
    }
    step, state, select = table_model(table)
    greedy, _ = beam_search(step, state, 1, 5, select=select)
    best, score = beam_search(step, state, 2, 5, select=select, alpha=0.0)
    assert greedy == [A, A]
    assert best == [B]
    assert score == pytest.approx(math.log(0.36))


def test_length_normalisation_decides_between_short_and_long():
    table = {
        (): {EOS: 0.5, A: 0.5},
        (A,): {B: 0.9, EOS: 0.1},
        (A, B): {EOS: 0.9, A: 0.1},
        (A, B, A): {EOS: 1.0},
        (A, A): {EOS: 1.0},
    }
    step, state, select = table_model(table)
    short, s0 = beam_search(step, state, 3, 6, select=select, alpha=0.0)
    long, s1 = beam_search(step, state, 3, 6, select=select, alpha=1.0)
    assert short == []
    assert s0 == pytest.approx(math.log(0.5))
    assert long == [A, B]
    assert s1 == pytest.approx(math.log(0.5 * 0.9 * 0.9) / 3)


def test_beam_of_one_is_greedy_on_a_model():
    torch.manual_seed(3)
    model = Seq2Seq(len(SOURCE_VOCAB), len(TARGET_VOCAB), 8, 12).eval()
    b = batch_tensors([("3 may 1979", ""), ("le 14 juillet 2001 and 19790503", "")])
    greedy, maps = greedy_decode(model, b["src"], b["src_len"], max_len=12)
    assert beam_decode(model, b["src"], b["src_len"], 1, max_len=12) == greedy
    assert maps[0].shape[1] == 10
    assert maps[1].shape[1] == int(b["src_len"][1])


def test_masked_loss_ignores_padding():
    torch.manual_seed(0)
    logits = torch.randn(2, 4, 6)
    tgt = torch.tensor([[3, 4, 2, 0], [5, 2, 0, 0]])
    keep = tgt != 0
    expected = torch.nn.functional.cross_entropy(logits[keep], tgt[keep])
    assert masked_loss(logits, tgt).item() == pytest.approx(expected.item(), abs=1e-7)
    logits2 = logits.clone()
    logits2[~keep] += 100 * torch.randn(int((~keep).sum()), 6)
    assert masked_loss(logits2, tgt).item() == pytest.approx(expected.item(), abs=1e-7)


def test_accuracy_counts_exact_and_per_character():
    got = accuracy(["1979-05-03", "1979-05-04", "1979"], ["1979-05-03", "1979-05-03", "1979-05-03"])
    assert got["exact"] == pytest.approx(1 / 3)
    assert got["per_char"] == pytest.approx((10 + 9 + 4) / 30)
    with pytest.raises(ValueError, match="equal length"):
        accuracy(["a"], ["a", "b"])


def test_beam_search_checks_its_arguments():
    step, state, select = table_model({(): {EOS: 1.0}})
    with pytest.raises(ValueError, match="beam_size"):
        beam_search(step, state, 0, 5, select=select)
    with pytest.raises(ValueError, match="max_len"):
        beam_search(step, state, 2, 0, select=select)


def test_additive_attention_computes_its_documented_score():
    """e_l = w . tanh(s W_s + k_l W_k + b), written out by hand; b = 0 gives the paper's form."""
    from rnncourse.nn.seq2seq import AdditiveAttention

    torch.manual_seed(0)
    att = AdditiveAttention(query_size=5, key_size=6, attn_size=4)
    s, keys = torch.randn(3, 5), torch.randn(3, 7, 6)
    mask = torch.ones(3, 7, dtype=torch.bool)
    mask[0, 5:] = False
    Ws, Wk, b, w = att.W_s.weight.T, att.W_k.weight.T, att.W_k.bias, att.w.weight[0]
    scores = torch.tanh(s[:, None] @ Ws + keys @ Wk + b) @ w
    expected = torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=1)
    context, a = att(s, keys, mask, att.project_keys(keys))
    torch.testing.assert_close(a, expected)
    torch.testing.assert_close(context, (expected[:, :, None] * keys).sum(1))
    with torch.no_grad():
        att.W_k.bias.zero_()
    paper = torch.softmax(
        (torch.tanh(s[:, None] @ Ws + keys @ Wk) @ w).masked_fill(~mask, -1e30), 1
    )
    torch.testing.assert_close(att(s, keys, mask, att.project_keys(keys))[1], paper)
    assert not torch.allclose(paper, expected)  # the bias mattered: the check can tell
