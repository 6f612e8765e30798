"""Grading of the solution and exercise notebooks and of planted-bug variants.

The solutions go through the sandbox end to end (each exercise's sandbox must hold what it needs);
the stubs and the planted bugs test the catalogue, in-process (the sandbox is tested separately).
"""

from __future__ import annotations

import pytest
from grading_helpers import (
    EXERCISES,
    LIMITS,
    SOLUTIONS,
    grade_in_process,
    replace_once,
    solution_text,
)

from rnncourse.grading.catalog import EXERCISES as CATALOG
from rnncourse.grading.grader import grade_file

NAMES = sorted(CATALOG)


@pytest.mark.parametrize("name", NAMES)
def test_solution_scores_full_marks(name):
    report = grade_file(SOLUTIONS / f"{name}.md", LIMITS)
    assert report.grader_error is None
    assert [p.part for p in report.parts] == [p.name for p in CATALOG[name].parts]
    assert report.score == report.max == CATALOG[name].max_points, report.parts


@pytest.mark.parametrize("name", NAMES)
def test_unmodified_exercise_scores_zero(name):
    got = grade_in_process(name, (EXERCISES / f"{name}.md").read_text(encoding="utf-8"))
    assert sum(most for _, most, _ in got.values()) == CATALOG[name].max_points
    for part, (score, _, message) in got.items():
        assert score == 0, (part, message)
        assert "NotImplementedError" in message, (part, message)


# (exercise, text in the solution, planted replacement, parts that must lose their points,
#  words of the hint the grader must give)
PLANTED = [
    (
        "ex01_rnn_forward",
        "h = np.tanh(x @ Wx + h_prev @ Wh + b)",
        "h = np.tanh(x @ Wx + h_prev @ Wh)",
        {"rnn_step_forward", "rnn_forward"},
        "bias",
    ),
    (
        "ex01_rnn_forward",
        "h = np.tanh(x @ Wx + h_prev @ Wh + b)",
        "h = 1 / (1 + np.exp(-(x @ Wx + h_prev @ Wh + b)))",
        {"rnn_step_forward", "rnn_forward"},
        "sigmoid",
    ),
    (
        "ex01_rnn_forward",
        "        state, cache = rnn_step_forward(x[:, t], state, Wx, Wh, b)\n"
        "        h[:, t] = state",
        "        h[:, t] = state\n"
        "        state, cache = rnn_step_forward(x[:, t], state, Wx, Wh, b)",
        {"rnn_forward"},
        "off-by-one in time",
    ),
    (
        "ex02_rnn_bptt",
        "dWx, dWh, db = dWx + gWx, dWh + gWh, db + gb",
        "dWx, dWh, db = gWx, gWh, gb",
        {"rnn_backward"},
        "not accumulated over time",
    ),
    (
        "ex02_rnn_bptt",
        "rnn_step_backward(dh[:, t] + dh_next, cache[t])",
        "rnn_step_backward(dh[:, t], cache[t])",
        {"rnn_backward"},
        "forgot dh from the next step",
    ),
    (
        "ex02_rnn_bptt",
        "da = dh * (1 - h**2)",
        "da = dh * (1 - h)",
        {"rnn_step_backward", "rnn_backward"},
        "1 - h**2",
    ),
    (
        "ex02_rnn_bptt",
        "grad[idx] = (plus - minus) / (2 * h)",
        "grad[idx] = (plus - minus) / h",
        {"numerical_gradient"},
        "2h",
    ),
    (
        "ex03_char_lm",
        "np.clip(g, -max_value, max_value)",
        "np.minimum(g, max_value)",
        {"clip_gradients", "train_step"},
        "upper bound",
    ),
    (
        "ex03_char_lm",
        "ix = int(rng.choice(V, p=p))",
        "ix = int(np.argmax(p))",
        {"sample"},
        "argmax",
    ),
    (
        "ex04_gru",
        "    r = sigmoid(a[:, :H] + hh[:, :H])\n    z = sigmoid(a[:, H:2 * H] + hh[:, H:2 * H])",
        "    z = sigmoid(a[:, :H] + hh[:, :H])\n    r = sigmoid(a[:, H:2 * H] + hh[:, H:2 * H])",
        {"gru_step_forward", "gru_step_backward"},
        "gates are swapped",
    ),
    (
        "ex04_gru",
        "    hh = h_prev @ Wh + bh\n",
        "    hh = h_prev @ Wh\n",
        {"gru_step_forward", "gru_step_backward"},
        "bias bh",
    ),
    (
        "ex04_gru",
        "dh_prev = dhh @ Wh.T + dh * z",
        "dh_prev = dhh @ Wh.T",
        {"gru_step_backward"},
        "direct path",
    ),
    (
        "ex05_lstm_step",
        "    i = sigmoid(a[:, :H])\n    f = sigmoid(a[:, H:2 * H])",
        "    f = sigmoid(a[:, :H])\n    i = sigmoid(a[:, H:2 * H])",
        {"lstm_step_forward", "lstm_step_backward"},
        "input and forget gates are swapped",
    ),
    (
        "ex05_lstm_step",
        "g = np.tanh(a[:, 2 * H:3 * H])",
        "g = sigmoid(a[:, 2 * H:3 * H])",
        {"lstm_step_forward", "lstm_step_backward"},
        "tanh, not sigmoid",
    ),
    (
        "ex05_lstm_step",
        "dc_total = dc + dh * o * (1 - tc**2)",
        "dc_total = dh * o * (1 - tc**2)",
        {"lstm_step_backward"},
        "incoming cell gradient",
    ),
    (
        "ex06_lstm_sequence_tbptt",
        "dh[:, t] + dh_next, dc_next, cache[t])",
        "dh[:, t], dc_next, cache[t])",
        {"lstm_backward"},
        "forgot dh from the next step",
    ),
    (
        "ex06_lstm_sequence_tbptt",
        "        caches = []\n        for t in range(s,",
        "        caches = []\n        state, c = h0, np.zeros_like(h0)\n        for t in range(s,",
        {"lstm_tbptt"},
        "state was reset",
    ),
    (
        "ex07_bidirectional_deep",
        "hb[:, ::-1]], axis=-1)",
        "hb], axis=-1)",
        {"bidirectional_forward"},
        "flipped back to the original time order",
    ),
    (
        "ex07_bidirectional_deep",
        "return dx_f + dx_b[:, ::-1],",
        "return dx_f + dx_b,",
        {"bidirectional_backward"},
        "dx must be flipped back in time",
    ),
    (
        "ex08_vanishing_gradients",
        "lstm_step_backward(dh, dc, caches[t])",
        "lstm_step_backward(dh, 0 * dc, caches[t])",
        {"grad_norms"},
        "cell state c",
    ),
    (
        "ex09_torch_lstm",
        "a_i, a_f, a_g, a_o = a.chunk(4, dim=1)",
        "a_i, a_f, a_o, a_g = a.chunk(4, dim=1)",
        {"LSTMFromScratch"},
        "[i, f, o, g]",
    ),
    (
        "ex12_additive_attention",
        "    u = np.tanh((h @ Wq)[:, None, :] + features @ Wk)  # (N, L, A)",
        "    u = (h @ Wq)[:, None, :] + features @ Wk",
        {"additive_attention_forward", "additive_attention_backward"},
        "through tanh",
    ),
    (
        "ex12_additive_attention",
        "    dfeatures = a[:, :, None] * dz[:, None, :] + dpre @ Wk.T",
        "    dfeatures = a[:, :, None] * dz[:, None, :]",
        {"additive_attention_backward"},
        "also a key",
    ),
    (
        "ex12_additive_attention",
        "    de = a * (da - np.sum(a * da, axis=1, keepdims=True))  # softmax",
        "    de = a * da",
        {"additive_attention_backward"},
        "softmax backward",
    ),
    (
        "ex13_beam_search",
        "            if len(next_alive) + len(finished) >= beam_size:",
        "            if len(next_alive) + len(finished) >= 1:",
        {"beam_search"},
        "greedy decoding",
    ),
    (
        "ex13_beam_search",
        "finished.append((alive[k][0], total[k, v] / t**alpha))",
        "finished.append((alive[k][0], total[k, v]))",
        {"beam_search"},
        "length normalisation",
    ),
    (
        "ex10_ngram_lm",
        "np.add.at(c2, (ids[:-1], ids[1:]), 1)",
        "np.add.at(c2, (ids[1:], ids[:-1]), 1)",
        {"count_ngrams"},
        "transposed",
    ),
    (
        "ex10_ngram_lm",
        "return np.where(total > 0, lam * ml + (1 - lam) * shorter, shorter)",
        "return lam * ml + (1 - lam) * shorter",
        {"interpolated_probs"},
        "never seen",
    ),
    (
        "ex10_ngram_lm",
        "return float(np.exp(-logp.mean()))",
        "return float(-logp.mean())",
        {"heldout_perplexity"},
        "cross-entropy",
    ),
    (
        "ex11_variational_dropout",
        "h_prev * mask_h, c_prev,",
        "h_prev, c_prev,",
        {"variational_lstm_forward", "variational_lstm_backward"},
        "mask_h",
    ),
    (
        "ex11_variational_dropout",
        "dh_next = dhm * mask_h",
        "dh_next = dhm",
        {"variational_lstm_backward"},
        "passes through mask_h",
    ),
]


@pytest.mark.parametrize(
    ("name", "old", "new", "lost", "hint"),
    PLANTED,
    ids=[f"{p[0][:4]}-{p[4][:20]}" for p in PLANTED],
)
def test_planted_bug_loses_exactly_its_points(name, old, new, lost, hint):
    got = grade_in_process(name, replace_once(solution_text(name), old, new))
    assert set(got) == {p.name for p in CATALOG[name].parts}
    for part, (score, most, message) in got.items():
        if part in lost:
            assert score == 0, (part, message)
        else:
            assert score == most, (part, message)
    messages = " ".join(got[p][2] for p in lost)
    assert "Hint:" in messages, messages
    assert hint in messages, messages
