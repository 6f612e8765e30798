"""BLEU against sacrebleu (Post 2018) on a fixed corpus, with planted bugs that must fail it."""

import math

import pytest

from rnncourse.data import metrics_bleu as mb

sacrebleu = pytest.importorskip("sacrebleu")

# Fixed corpus: repeated words (clipping matters), short outputs (brevity penalty and missing
# 3-/4-grams), a perfect match, one with no 4-gram match (smoothing), two references each.
HYPS = [
    "the the the the the the the",
    "the cat sat on the mat",
    "a cat is on the mat",
    "there is a cat on the mat today",
    "the cat",
    "on the mat sat the cat",
    "it is raining",
    "the quick brown fox jumps over the lazy dog",
]
REFS = [
    ["the cat is on the mat", "there is a cat on the mat"],
    ["the cat sat on the mat", "a cat sat on the mat"],
    ["the cat is on the mat", "there is a cat on the mat"],
    ["there is a cat on the mat", "a cat is on the mat"],
    ["the cat is on the mat", "the cat sat on the mat here"],
    ["the cat sat on the mat", "a cat was sitting on the mat"],
    ["it rains", "it is raining heavily today"],
    ["the quick brown fox jumped over the lazy dog", "a fast brown fox leaps over a lazy dog"],
]


def ours(hyps=HYPS, refs=REFS, **kw):
    return mb.corpus_bleu([h.split() for h in hyps], [[r.split() for r in rs] for rs in refs], **kw)


def theirs(hyps=HYPS, refs=REFS, smoothing="exp", effective_order=False):
    bleu = sacrebleu.BLEU(tokenize="none", smooth_method=smoothing, effective_order=effective_order)
    return bleu.corpus_score(list(hyps), [list(s) for s in zip(*refs, strict=True)])


@pytest.mark.parametrize("smoothing", mb.BLEU_SMOOTHINGS)
@pytest.mark.parametrize(
    "subset", [slice(None), slice(0, 1), slice(4, 5), slice(6, 7), slice(1, 5), slice(5, 8)]
)
def test_corpus_bleu_equals_sacrebleu(smoothing, subset):
    h, r = HYPS[subset], REFS[subset]
    a, b = ours(h, r, smoothing=smoothing), theirs(h, r, smoothing)
    assert 100 * a.score == pytest.approx(b.score, abs=1e-6)
    assert [100 * p for p in a.precisions] == pytest.approx(b.precisions, abs=1e-6)
    assert a.brevity_penalty == pytest.approx(b.bp, abs=1e-12)
    assert (a.hyp_len, a.ref_len) == (b.sys_len, b.ref_len)
    assert list(a.matches) == list(b.counts)
    assert list(a.totals) == list(b.totals)


def test_the_fixed_corpus_exercises_every_branch():
    full = ours()
    assert 0.2 < full.score < 0.9
    assert full.brevity_penalty < 1
    assert ours(HYPS[:1], REFS[:1], smoothing="none").score == 0.0  # no bigram matches at all
    assert ours(HYPS[:1], REFS[:1]).score > 0  # exp smoothing rescues it
    assert ours(HYPS[4:5], REFS[4:5]).totals[2] == 0  # "the cat" has no trigram: BLEU 0
    assert ours(HYPS[4:5], REFS[4:5]).score == 0.0


@pytest.mark.parametrize("smoothing", mb.BLEU_SMOOTHINGS)
@pytest.mark.parametrize("i", range(len(HYPS)))
def test_sentence_bleu_equals_sacrebleu(smoothing, i):
    a = mb.sentence_bleu(HYPS[i].split(), [r.split() for r in REFS[i]], smoothing=smoothing)
    b = sacrebleu.sentence_bleu(HYPS[i], REFS[i], smooth_method=smoothing, tokenize="none")
    assert 100 * a.score == pytest.approx(b.score, abs=1e-6)


def test_characters_as_tokens():
    # the date model's outputs are strings: a str is a sequence of characters
    a = mb.corpus_bleu(["2026-12-07", "1999-01-31"], [["2026-12-07"], ["1999-01-13"]])
    b = theirs(["2 0 2 6 - 1 2 - 0 7", "1 9 9 9 - 0 1 - 3 1"],
               [["2 0 2 6 - 1 2 - 0 7"], ["1 9 9 9 - 0 1 - 1 3"]])  # fmt: skip
    assert 100 * a.score == pytest.approx(b.score, abs=1e-6)


def test_by_hand():
    # Papineni et al.'s example: "the" x7 against "the cat is on the mat": unigram p = 2/7
    s = mb.corpus_bleu([["the"] * 7], [[["the", "cat", "is", "on", "the", "mat"]]], max_order=1)
    assert s.precisions == (pytest.approx(2 / 7),)
    assert s.score == pytest.approx(2 / 7)
    assert mb.brevity_penalty(4, 6) == pytest.approx(math.exp(1 - 6 / 4))
    assert mb.brevity_penalty(6, 4) == 1.0
    assert mb.brevity_penalty(0, 3) == 0.0
    # closest reference length, the shorter one on a tie
    assert mb.bleu_statistics(list("abcd"), [list("ab"), list("abcdef")])[3] == 2


def _unclipped(hyp, refs):
    return sum(c for g, c in hyp.items() if any(r[g] for r in refs))


@pytest.mark.parametrize(
    ("name", "bug"),
    [("clipped_matches", _unclipped), ("brevity_penalty", lambda c, r: 1.0)],
)
def test_planted_bugs_fail_the_comparison(monkeypatch, name, bug):
    monkeypatch.setattr(mb, name, bug)
    assert 100 * ours().score != pytest.approx(theirs().score, abs=1e-6)


def test_bad_input():
    with pytest.raises(ValueError, match="one list of references per hypothesis"):
        mb.corpus_bleu([["a"]], [])
    with pytest.raises(ValueError, match=r"references\[0\] must be a non-empty list"):
        mb.corpus_bleu([["a"]], [[]])
    with pytest.raises(ValueError, match=r"references\[0\] must be a non-empty list"):
        mb.corpus_bleu([["a"]], ["a b"])
    with pytest.raises(ValueError, match="smoothing must be one of"):
        mb.corpus_bleu([["a"]], [[["a"]]], smoothing="floor")
    with pytest.raises(ValueError, match="max_order"):
        mb.corpus_bleu([["a"]], [[["a"]]], max_order=0)
    with pytest.raises(ValueError, match="hypotheses must not be empty"):
        mb.corpus_bleu([], [])
