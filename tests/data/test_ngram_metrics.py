"""n-gram baselines, loss units and Zipf's law."""

import math

import numpy as np
import pytest

from rnncourse.data.metrics import convert_loss, rank_frequency, zipf_fit
from rnncourse.data.ngram import SMOOTHINGS, NGramLM


def test_convert_loss_units():
    assert convert_loss(math.log(4)) == pytest.approx(2.0)
    assert convert_loss(math.log(4), "perplexity") == pytest.approx(4.0)
    assert convert_loss(3.0, "nats", frm="bits") == pytest.approx(3 * math.log(2))
    assert convert_loss(8.0, "bits", frm="perplexity") == pytest.approx(3.0)
    np.testing.assert_allclose(convert_loss([0.0, math.log(2)], "bits"), [0.0, 1.0])
    with pytest.raises(ValueError, match="to must be one of"):
        convert_loss(1.0, "bpc")
    with pytest.raises(ValueError, match="perplexity is >= 1"):
        convert_loss(0.5, frm="perplexity")


@pytest.fixture(scope="module")
def ids():
    rng = np.random.default_rng(0)
    # a Markov chain with structure an n-gram model can pick up
    V, L = 7, 4000
    seq = [0]
    for _ in range(L - 1):
        seq.append((seq[-1] * 3 + rng.integers(0, 2)) % V)
    return np.array(seq), V


@pytest.mark.parametrize("smoothing", SMOOTHINGS)
@pytest.mark.parametrize("order", [1, 2, 3])
def test_distributions_sum_to_one(ids, smoothing, order):
    seq, V = ids
    lm = NGramLM(order, V + 2, smoothing, k=0.5, lambdas=0.7).fit(seq[:3000])
    for ctx in ([], [3], [4, 5], [6, 6], [V + 1, V]):  # seen, unseen, and never-seen ids
        assert lm.distribution(ctx).sum() == pytest.approx(1.0, abs=1e-12)
        assert lm.distribution(ctx).min() > 0


def test_exact_values_by_hand():
    seq = np.array([0, 1, 0, 1, 0, 2])  # V = 3; bigrams 01 x2, 10 x2, 02 x1
    add1 = NGramLM(2, 3, "add-k", k=1.0).fit(seq)
    assert add1.prob([0], 1) == pytest.approx((2 + 1) / (3 + 3))
    jm = NGramLM(2, 3, "jelinek-mercer", lambdas=[0.5, 0.8]).fit(seq)
    p1 = 0.5 * 2 / 6 + 0.5 / 3  # unigram of 1: count 2 of 6
    assert jm.prob([0], 1) == pytest.approx(0.8 * 2 / 3 + 0.2 * p1)
    wb = NGramLM(2, 3, "witten-bell").fit(seq)
    u1 = (2 + 3 * (1 / 3)) / (6 + 3)  # 3 distinct unigrams
    assert wb.prob([0], 1) == pytest.approx((2 + 2 * u1) / (3 + 2))  # context 0: 2 distinct next
    kn = NGramLM(2, 3, "kneser-ney", discount=0.5).fit(seq)
    # continuation counts: 1 preceded by {0}, 0 by {1}, 2 by {0} -> 1, 1, 1 of 3
    c1 = (1 - 0.5) / 3 + 0.5 * 3 / 3 * (1 / 3)
    assert kn.prob([0], 1) == pytest.approx((2 - 0.5) / 3 + 0.5 * 2 / 3 * c1)


def test_higher_order_helps_on_markov_text(ids):
    seq, V = ids
    ce = [NGramLM(n, V, "kneser-ney").fit(seq[:3000]).cross_entropy(seq[3000:]) for n in (1, 2)]
    assert ce[1] < ce[0] - 0.3
    assert ce[1] == pytest.approx(math.log(2), abs=0.05)  # two equally likely successors


def test_ngram_errors(ids):
    seq, V = ids
    with pytest.raises(ValueError, match="smoothing must be one of"):
        NGramLM(2, V, "laplace")
    with pytest.raises(ValueError, match=r"ids must hold indices in \[0, 3\)"):
        NGramLM(2, 3).fit(seq)
    with pytest.raises(ValueError, match="lambdas"):
        NGramLM(2, V, "jelinek-mercer", lambdas=[0.5])
    with pytest.raises(RuntimeError, match="fit"):
        NGramLM(2, V).prob([1], 2)


def test_rank_frequency_and_zipf():
    words = [f"w{r}" for r in range(1, 201) for _ in range(int(round(10000 / r)))]
    types, counts = rank_frequency(words)
    assert types[:2] == ["w1", "w2"]
    assert counts[0] == 10000
    assert counts[1] == 5000
    s, C = zipf_fit(counts, ranks=(1, 200))
    assert s == pytest.approx(1.0, abs=0.01)
    assert C == pytest.approx(10000, rel=0.02)
    with pytest.raises(ValueError, match="ranks"):
        zipf_fit(counts, ranks=(5, 2))
