"""In-process checks: the mistake variants, the reference, and check()'s feedback."""

from __future__ import annotations

import numpy as np
import pytest
from grading_helpers import notebook_namespace, solution_text

from rnncourse import reference as ref
from rnncourse.grading import GRADING_ENV, catalog, check
from rnncourse.grading import variants as V
from rnncourse.grading.catalog import ex01_rnn_forward, ex07_bidirectional_deep
from rnncourse.grading.lm import lm_loss_and_grads
from rnncourse.reference.scan import combine

RNG = np.random.default_rng(7)


def _a(*shape):
    return RNG.standard_normal(shape)


def test_correct_variants_equal_the_reference():
    N, T, D, H = 3, 4, 2, 5
    x, h0, c0 = _a(N, T, D), _a(N, H), _a(N, H)
    Wx, Wh, b = _a(D, H), _a(H, H), _a(H)
    np.testing.assert_allclose(V.rnn_seq(x, h0, Wx, Wh, b), ref.rnn_forward(x, h0, Wx, Wh, b)[0])
    dh = _a(N, T, H)
    for mine, theirs in zip(
        V.rnn_seq_grads(dh, x, h0, Wx, Wh, b),
        ref.rnn_backward(dh, ref.rnn_forward(x, h0, Wx, Wh, b)[1]),
        strict=True,
    ):
        np.testing.assert_allclose(mine, theirs, rtol=1e-10, atol=1e-12)
    Wx4, Wh4, b4 = _a(D, 4 * H), _a(H, 4 * H), _a(4 * H)
    h, c, cache = ref.lstm_step_forward(x[:, 0], h0, c0, Wx4, Wh4, b4)
    mh, mc = V.lstm_step(x[:, 0], h0, c0, Wx4, Wh4, b4)
    np.testing.assert_allclose(mh, h)
    np.testing.assert_allclose(mc, c)
    dh1, dc1 = _a(N, H), _a(N, H)
    for mine, theirs in zip(
        V.lstm_step_grads(dh1, dc1, x[:, 0], h0, c0, Wx4, Wh4, b4),
        ref.lstm_step_backward(dh1, dc1, cache),
        strict=True,
    ):
        np.testing.assert_allclose(mine, theirs, rtol=1e-10, atol=1e-12)
    Wx3, Wh3, b3, bh3 = _a(D, 3 * H), _a(H, 3 * H), _a(3 * H), _a(3 * H)
    hg, gcache = ref.gru_step_forward(x[:, 0], h0, Wx3, Wh3, b3, bh=bh3)
    np.testing.assert_allclose(V.gru_step(x[:, 0], h0, Wx3, Wh3, b3, bh3), hg)
    for mine, theirs in zip(
        V.gru_step_grads(dh1, x[:, 0], h0, Wx3, Wh3, b3, bh3),
        ref.gru_step_backward(dh1, gcache),
        strict=True,
    ):
        np.testing.assert_allclose(mine, theirs, rtol=1e-10, atol=1e-12)
    full = V.lstm_tbptt(x, h0, Wx4, Wh4, b4, dh, k=T)
    np.testing.assert_allclose(full[1], V.lstm_seq_grads(dh, x, h0, Wx4, Wh4, b4)[3])


def test_every_mistake_differs_from_the_correct_output():
    """A variant equal to the correct output would turn a hint into a false accusation."""
    N, T, D, H = 2, 5, 3, 4
    x, h0, Wx, Wh, b = _a(N, T, D), _a(N, H), _a(D, H), _a(H, H), _a(H)
    good = V.rnn_seq(x, h0, Wx, Wh, b)
    for bug in ex01_rnn_forward.RNN_SEQ_BUGS:
        assert not np.allclose(V.rnn_seq(x, h0, Wx, Wh, b, bug=bug), good), bug


def _ns():
    """A namespace of correct functions built on the reference (what a good notebook defines)."""

    def clip_gradients(g, m):
        return {k: np.clip(v, -m, m) for k, v in g.items()}

    def train_step(X, Y, h0, params, lr, max_value):
        loss, grads, h_last = lm_loss_and_grads(X, Y, h0, params)
        grads = clip_gradients(grads, max_value)
        return loss, {k: params[k] - lr * grads[k] for k in params}, h_last

    return {
        "rnn_step_forward": ref.rnn_step_forward,
        "rnn_forward": ref.rnn_forward,
        "rnn_step_backward": ref.rnn_step_backward,
        "rnn_backward": ref.rnn_backward,
        "numerical_gradient": lambda f, x, h=1e-5: V.numerical_gradient(f, x, h),
        "clip_gradients": clip_gradients,
        "train_step": train_step,
        "sample": lambda *a: V.sample(*a),
        "gru_step_forward": lambda x, h, Wx, Wh, b, bh: ref.gru_step_forward(x, h, Wx, Wh, b, bh),
        "gru_step_backward": ref.gru_step_backward,
        "lstm_step_forward": ref.lstm_step_forward,
        "lstm_step_backward": ref.lstm_step_backward,
        "lstm_forward": ref.lstm_forward,
        "lstm_backward": ref.lstm_backward,
        "lstm_tbptt": lambda *a: V.lstm_tbptt(*a),
        **_wrappers(),
        "grad_norms": lambda *a: V.grad_norms(*a),
        "decay_factor": V.decay_factor,
        **_lm_practice(),
        "scan_combine": lambda p, q: combine(p, q),
        "scan_forward": lambda a, b, h0: ref.linear_scan_forward(a, b, h0),
        "scan_backward": ref.linear_scan_backward,
    }


def _lm_practice():
    """Correct functions of exercises 10 and 11 (the grader's own helpers and the reference)."""
    from rnncourse.grading.catalog import ex10_ngram_lm as ex10
    from rnncourse.reference import dropout

    return {
        "count_ngrams": ex10._counts,
        "interpolated_probs": ex10._probs,
        "heldout_perplexity": ex10._perplexity,
        "variational_lstm_forward": dropout.variational_lstm_forward,
        "variational_lstm_backward": dropout.variational_lstm_backward,
    }


def _wrappers():
    """Correct bidirectional/stacked wrappers whose caches are their inputs."""

    def bidirectional_forward(*a):
        return ex07_bidirectional_deep.bidi_expected(*a)["h"], a

    def bidirectional_backward(dh, a):
        g = ex07_bidirectional_deep.bidi_expected(*a, dh=dh)
        grads = [{k: g[f"{side}[{k!r}]"] for k in a[4]} for side in ("grads_f", "grads_b")]
        return g["dx"], g["dh0_f"], g["dh0_b"], *grads

    def deep_forward(*a):
        return ex07_bidirectional_deep.deep_expected(*a)["h"], a

    def deep_backward(dh, a):
        g = ex07_bidirectional_deep.deep_expected(*a, dh=dh)
        L = len(a[3])
        return (
            g["dx"],
            [g[f"dh0s[{i}]"] for i in range(L)],
            [{k: g[f"grads[{i}][{k!r}]"] for k in a[3][i]} for i in range(L)],
        )

    return {
        "bidirectional_forward": bidirectional_forward,
        "bidirectional_backward": bidirectional_backward,
        "deep_forward": deep_forward,
        "deep_backward": deep_backward,
    }


def _from_solutions(ns: dict) -> dict:
    """Correct functions of the parts ``ns`` lacks, from their solution notebooks."""
    out = {}
    for ex in catalog.EXERCISES.values():
        missing = [p.name for p in ex.parts if p.name not in ns and p.name != "LSTMFromScratch"]
        if missing:
            sol = notebook_namespace(solution_text(ex.id))
            out.update({n: sol[n] for n in missing})
    return out


NUMPY_PARTS = [
    p.name for e in catalog.EXERCISES.values() for p in e.parts if p.name != "LSTMFromScratch"
]


@pytest.mark.parametrize("name", NUMPY_PARTS)
def test_check_passes_correct_functions(name, capsys):
    ns = _ns()
    ns.update(_from_solutions(ns))
    result = check(name, ns[name], namespace=ns)
    out = capsys.readouterr().out
    assert result, out
    assert out.startswith(f"[PASS] {name}: passed")


# (part, wrong function, words the hint must contain)
MISTAKES = [
    (
        "rnn_step_forward",
        lambda x, h, Wx, Wh, b: (V.rnn_step(x, h, Wx, Wh, b, "no_bias"), None),
        "bias",
    ),
    (
        "rnn_step_forward",
        lambda x, h, Wx, Wh, b: (V.rnn_step(x, h, Wx, Wh, b, "sigmoid"), None),
        "sigmoid",
    ),
    (
        "rnn_forward",
        lambda x, h0, Wx, Wh, b: (V.rnn_seq(x, h0, Wx, Wh, b, "off_by_one"), None),
        "off-by-one",
    ),
    ("rnn_backward", "no_accum", "not accumulated over time"),
    ("rnn_backward", "no_carry", "forgot dh from the next step"),
    ("gru_step_forward", lambda *a: (V.gru_step(*a, bug="swap_rz"), None), "swapped"),
    (
        "lstm_step_forward",
        lambda *a: (*V.lstm_step(*a, bug="swap_if"), None),
        "input and forget gates are swapped",
    ),
    ("lstm_step_forward", lambda *a: (*V.lstm_step(*a, bug="g_sigmoid"), None), "not sigmoid"),
]


@pytest.mark.parametrize("name, wrong, hint", MISTAKES)
def test_check_names_the_mistake(name, wrong, hint, capsys):
    ns = _ns()
    if isinstance(wrong, str):  # a backward mistake: compute from the forward's inputs
        bug = wrong

        def wrong(dh, cache, bug=bug):
            x, h0, Wx, Wh, b = cache
            return V.rnn_seq_grads(dh, x, h0, Wx, Wh, b, bug=bug)

        ns["rnn_forward"] = lambda x, h0, Wx, Wh, b: (
            V.rnn_seq(x, h0, Wx, Wh, b),
            (x, h0, Wx, Wh, b),
        )
    result = check(name, wrong, namespace=ns)
    out = capsys.readouterr().out
    assert not result
    assert out.startswith(f"[FAIL] {name}:") and "Hint:" in out and hint in out, out
    assert "case:" in out  # the shapes involved are reported


def test_check_reports_exceptions_and_shapes_without_raising(capsys):
    def stub(*args):
        raise NotImplementedError("write me")

    assert not check("rnn_forward", stub)
    assert "raised NotImplementedError: write me" in capsys.readouterr().out
    assert not check("rnn_forward", lambda x, h0, Wx, Wh, b: (np.zeros((1, 1)), None))
    assert "has shape (1, 1), expected" in capsys.readouterr().out
    assert not check("rnn_step_forward", lambda x, h, Wx, Wh, b: np.tanh(x @ Wx))
    assert "must return a tuple (h, cache)" in capsys.readouterr().out


def test_check_detects_input_mutation(capsys):
    def mutating(x, h, Wx, Wh, b):
        x *= 0
        return ref.rnn_step_forward(x, h, Wx, Wh, b)

    assert not check("rnn_step_forward", mutating)
    assert "modified its input(s) in place: x" in capsys.readouterr().out


def test_unknown_name_is_reported(capsys):
    with pytest.raises(ValueError, match="unknown check name 'nope'"):
        check("nope", print)


def test_check_is_silent_while_grading(monkeypatch):
    monkeypatch.setenv(GRADING_ENV, "1")
    result = check("rnn_forward", lambda *a: 1 / 0)
    assert result.passed is None
