"""In-process checks: the mistake variants, the reference, and check()'s feedback."""

from __future__ import annotations

import numpy as np
import pytest
from grading_helpers import notebook_namespace, solution_text

from rnncourse import reference as ref
from rnncourse.grading import GRADING_ENV, catalog, check
from rnncourse.grading.catalog import ex01_rnn_forward, ex07_bidirectional_deep
from rnncourse.grading.catalog import ex03_char_lm as ex03
from rnncourse.grading.catalog import ex06_lstm_sequence_tbptt as ex06
from rnncourse.grading.catalog import ex08_vanishing_gradients as ex08
from rnncourse.grading.lm import lm_loss_and_grads
from rnncourse.grading.mutants import mutant
from rnncourse.reference.scan import combine

RNG = np.random.default_rng(7)


@pytest.fixture(autouse=True)
def _fresh_rng(monkeypatch):
    # Every test draws the same data whichever tests ran before it on this worker.
    monkeypatch.setattr(f"{__name__}.RNG", np.random.default_rng(7))


def _a(*shape):
    return RNG.standard_normal(shape)


def _tbptt_by_steps(x, h0, Wx, Wh, b, dh, k):
    """Truncated BPTT written out with the reference's LSTM steps: the state carried, grads cut."""
    N, T, _ = x.shape
    h, c = h0, np.zeros_like(h0)
    hs = np.zeros((N, T, h0.shape[1]))
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)
    for s in range(0, T, k):
        caches = []
        for t in range(s, min(s + k, T)):
            h, c, cache = ref.lstm_step_forward(x[:, t], h, c, Wx, Wh, b)
            hs[:, t] = h
            caches.append(cache)
        dnext, dcnext = np.zeros_like(h0), np.zeros_like(h0)
        for j in range(len(caches) - 1, -1, -1):
            step = ref.lstm_step_backward(dh[:, s + j] + dnext, dcnext, caches[j])
            _, dnext, dcnext, gWx, gWh, gb = step
            dWx, dWh, db = dWx + gWx, dWh + gWh, db + gb
    return hs, dWx, dWh, db


def _sample_by_hand(params, start_ix, end_ix, max_len, rng):
    """The exercise's sampling loop written out: one-hot input, tanh state, end index kept."""
    Wx, Wh, b, Wy, by = (params[k] for k in ("Wx", "Wh", "b", "Wy", "by"))
    h, ix, out = np.zeros((1, Wh.shape[0])), start_ix, []
    while len(out) < max_len:
        h = np.tanh(Wx[ix][None] + h @ Wh + b)
        s = (h @ Wy + by).ravel()
        p = np.exp(s - s.max()) / np.exp(s - s.max()).sum()
        ix = int(rng.choice(len(p), p=p))
        out.append(ix)
        if ix == end_ix:
            break
    return out


def test_expected_values_built_on_the_reference_match_the_exercises_written_out():
    N, T, D, H = 3, 7, 2, 5
    x, h0, dh = _a(N, T, D), _a(N, H), _a(N, T, H)
    Wx4, Wh4, b4 = _a(D, 4 * H), _a(H, 4 * H), _a(4 * H)
    for k in (2, 3, T):
        for mine, theirs in zip(
            ex06.tbptt_expected(x, h0, Wx4, Wh4, b4, dh, k),
            _tbptt_by_steps(x, h0, Wx4, Wh4, b4, dh, k),
            strict=True,
        ):
            np.testing.assert_allclose(mine, theirs, rtol=1e-10, atol=1e-12)
    full = ref.lstm_backward(dh, ref.lstm_forward(x, h0, Wx4, Wh4, b4)[1])[2:]
    one_chunk = ex06.tbptt_expected(x, h0, Wx4, Wh4, b4, dh, 2, "full_bptt")[1:]
    for mine, theirs in zip(one_chunk, full, strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=1e-10, atol=1e-12)
    V_ = 6
    params = {"Wx": _a(V_, H), "Wh": _a(H, H), "b": _a(H), "Wy": 2 * _a(H, V_), "by": _a(V_)}
    lengths = set()
    for seed in range(20):
        got = ex03.sample_expected(params, 2, 0, 9, np.random.default_rng(seed))
        assert got == _sample_by_hand(params, 2, 0, 9, np.random.default_rng(seed)), seed
        lengths.add(len(got))
    assert len(lengths) > 1  # some runs stopped at the end index, some ran to max_len


def test_every_mistake_differs_from_the_correct_output():
    """A variant equal to the correct output would turn a hint into a false accusation."""
    N, T, D, H = 2, 5, 3, 4
    x, h0, Wx, Wh, b = _a(N, T, D), _a(N, H), _a(D, H), _a(H, H), _a(H)
    good = ref.rnn_forward(x, h0, Wx, Wh, b)[0]
    for bug in ex01_rnn_forward.RNN_SEQ_BUGS:
        assert not np.allclose(mutant("rnn_forward", bug)(x, h0, Wx, Wh, b)[0], good), bug


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
        "numerical_gradient": lambda f, x, h=1e-5: ref.eval_numerical_gradient(f, x, h=h),
        "clip_gradients": clip_gradients,
        "train_step": train_step,
        "sample": ex03.sample_expected,
        "gru_step_forward": lambda x, h, Wx, Wh, b, bh: ref.gru_step_forward(x, h, Wx, Wh, b, bh),
        "gru_step_backward": ref.gru_step_backward,
        "lstm_step_forward": ref.lstm_step_forward,
        "lstm_step_backward": ref.lstm_step_backward,
        "lstm_forward": ref.lstm_forward,
        "lstm_backward": ref.lstm_backward,
        "lstm_tbptt": ex06.tbptt_expected,
        **_wrappers(),
        "grad_norms": ex08._ref_grad_norms,
        "decay_factor": ex08._decay_factor,
        **_lm_practice(),
        "scan_combine": lambda p, q: combine(p, q),
        # scan_forward / scan_backward come from the solution: the reference checks that its
        # inputs are float arrays, and the grader also runs the scan on depth-counting numbers
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
    ("rnn_step_forward", mutant("rnn_step_forward", "no_bias"), "bias"),
    ("rnn_step_forward", mutant("rnn_step_forward", "sigmoid"), "sigmoid"),
    ("rnn_forward", mutant("rnn_forward", "off_by_one"), "off-by-one"),
    ("rnn_backward", mutant("rnn_backward", "no_accum"), "not accumulated over time"),
    ("rnn_backward", mutant("rnn_backward", "no_carry"), "forgot dh from the next step"),
    ("gru_step_forward", mutant("gru_step_forward", "swap_rz"), "swapped"),
    (
        "lstm_step_forward",
        mutant("lstm_step_forward", "swap_if"),
        "input and forget gates are swapped",
    ),
    ("lstm_step_forward", mutant("lstm_step_forward", "g_sigmoid"), "not sigmoid"),
]


@pytest.mark.parametrize(("name", "wrong", "hint"), MISTAKES)
def test_check_names_the_mistake(name, wrong, hint, capsys):
    ns = _ns()
    result = check(name, wrong, namespace=ns)
    out = capsys.readouterr().out
    assert not result
    assert out.startswith(f"[FAIL] {name}:"), out
    assert "Hint:" in out, out
    assert hint in out, out
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
