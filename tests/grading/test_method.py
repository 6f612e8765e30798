"""The graded method is needed: shortcuts that give the right numbers fail, the real method passes.

Each test runs the catalogue's own cases on a namespace in this process (the grader runs the same
cases in a sandboxed child; ``test_redteam_method.py`` grades such submissions there), with the
exact message a learner sees, next to the solution that scores full marks on the same cases.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from grading_helpers import notebook_namespace, solution_text

from rnncourse.grading import InProcess
from rnncourse.grading.catalog import EXERCISES
from rnncourse.grading.catalog._common import BACKWARD_BUDGET
from rnncourse.grading.catalog.ex13_beam_search import EOS, _solve, beam_trap, exhaustive
from rnncourse.grading.core import run_part
from rnncourse.reference import eval_numerical_gradient


def verdict(exercise: str, part: str, ns: dict, seed: int = 0):
    p = next(p for p in EXERCISES[exercise].parts if p.name == part)
    return run_part(p, InProcess(ns), np.random.default_rng(seed))


@pytest.fixture(scope="module")
def solutions() -> dict[str, dict]:
    """The namespaces of the solutions that these tests need (run once)."""
    names = ("ex02_rnn_bptt", "ex03_char_lm", "ex08_vanishing_gradients", "ex12_additive_attention")
    names += ("ex13_beam_search", "ex14_parallel_scan")
    return {n: notebook_namespace(solution_text(n)) for n in names}


# ----------------------------------------------------------------------------- backward budget
def _numeric_backward(forward, n_up):
    """A backward pass by central differences of the learner's own forward (the shortcut)."""

    def backward(*args):
        ups, cache = args[:n_up], args[n_up]
        inputs = [a.copy() for a in cache["inputs"]]

        def loss(_):
            outs = forward(*inputs)
            return sum(float(np.sum(u * o)) for u, o in zip(ups, outs, strict=False))

        return tuple(eval_numerical_gradient(loss, a, h=1e-5) for a in inputs)

    def forward_with_inputs(*inputs):
        out = forward(*inputs)
        return (*out[:-1], {"inputs": [np.array(a) for a in inputs]})

    return forward_with_inputs, backward


def test_central_differences_backward_passes_small_cases_and_fails_the_budget(solutions):
    ns = dict(solutions["ex02_rnn_bptt"])
    fwd, bwd = _numeric_backward(ns["rnn_step_forward"], 1)
    ns.update(rnn_step_forward=fwd, rnn_step_backward=bwd)
    v = verdict("ex02_rnn_bptt", "rnn_step_backward", ns)
    assert not v.ok
    assert v.message == (
        f"`rnn_step_backward` used more than its budget of {BACKWARD_BUDGET:g} s of CPU time at "
        "N=64, D=256, H=192, which the analytic backward fits many times over (differentiating "
        "the forward pass entry by entry does not): write the backward pass"
    )
    assert verdict("ex02_rnn_bptt", "rnn_step_backward", solutions["ex02_rnn_bptt"]).ok


def test_complex_results_are_refused(solutions):
    ns = dict(solutions["ex12_additive_attention"])
    honest = ns["additive_attention_backward"]
    ns["additive_attention_backward"] = lambda dz, cache: tuple(
        g.astype(np.complex128) for g in honest(dz, cache)
    )
    v = verdict("ex12_additive_attention", "additive_attention_backward", ns)
    assert not v.ok
    assert "dtype complex128, expected float64" in v.message  # the small cases already refuse
    from rnncourse.grading.child import guard
    from rnncourse.grading.child.drivers import DRIVERS

    guard.VIOLATIONS.clear()
    DRIVERS["cpu_budget"]({"f": lambda: (np.zeros(2, complex),)}, "f", 1.0, "N=1")
    assert guard.VIOLATIONS == [
        "`f` returned complex values: the gradients are real arrays (complex-step "
        "differentiation is not the backward pass this exercise asks for)"
    ]
    guard.VIOLATIONS.clear()


def test_the_budget_holds_with_a_wide_margin(solutions):
    """The solutions' backward passes at the budget sizes, in CPU seconds (printed, measured)."""
    import time

    rng = np.random.default_rng(1)
    for exercise, part in [
        ("ex02_rnn_bptt", "rnn_step_backward"),
        ("ex02_rnn_bptt", "rnn_backward"),
        ("ex12_additive_attention", "additive_attention_backward"),
        ("ex14_parallel_scan", "scan_backward"),
    ]:
        p = next(p for p in EXERCISES[exercise].parts if p.name == part)
        case = p.make_cases(rng)[-1]
        assert case.calls[-1].fn == "@cpu_budget"
        start = time.process_time()
        reply = InProcess(solutions[exercise]).run(case.calls)
        used = time.process_time() - start
        assert reply["ok"], reply
        assert not reply.get("violations"), reply
        print(f"{part}: forward + backward {used * 1e3:.0f} ms of CPU (budget {BACKWARD_BUDGET} s)")
        assert used < BACKWARD_BUDGET


# ----------------------------------------------------------------------------- the scan's rounds
LOOP_SCAN = """
def scan_forward(a, b, h0):
    h, state = np.zeros_like(b), h0
    for t in range(a.shape[1]):
        state = a[:, t] * state + b[:, t]
        h[:, t] = state
    return h, (a, h0, h)
"""


def test_a_loop_over_time_fails_the_scan_exercise(solutions):
    ns = dict(solutions["ex14_parallel_scan"])
    exec(LOOP_SCAN, ns)  # right values, sequential depth
    v = verdict("ex14_parallel_scan", "scan_forward", ns)
    assert not v.ok
    T = 64
    assert v.message == (
        f"`scan_forward` is not a parallel scan: at T = {T} its outputs end a chain of "
        f"{2 * T} operations, where ceil(log2 T) = 6 rounds need at most 28 (a loop over time "
        f"needs about {2 * T})"
    )
    assert verdict("ex14_parallel_scan", "scan_forward", solutions["ex14_parallel_scan"]).ok
    assert verdict("ex14_parallel_scan", "scan_backward", solutions["ex14_parallel_scan"]).ok


def test_the_rounds_of_the_reference_scans_are_within_the_bound():
    """Hillis-Steele and Blelloch, written out on depth-counting numbers: both under the bound."""
    from rnncourse.grading.child.drivers import _Depth, _tracked, _untracked

    rng = np.random.default_rng(0)
    for T in (2, 5, 64, 100):
        a, b = _tracked(rng.normal(size=(1, T, 1))), _tracked(rng.normal(size=(1, T, 1)))
        A, B, d = a.copy(), b.copy(), 1
        while d < T:  # Hillis-Steele
            A[:, d:], B[:, d:] = A[:, d:] * A[:, :-d], A[:, d:] * B[:, :-d] + B[:, d:]
            d *= 2
        _, depth = _untracked("h", "scan", A * _Depth(1.0) + B)
        assert depth <= 4 * math.ceil(math.log2(T)) + 4, (T, depth)
    seven = 1 + _Depth(2.0) * 3  # arithmetic with plain numbers on either side
    assert (float(seven), seven.d) == (7.0, 2)


# ----------------------------------------------------------------------------- beam search
def test_planted_table_tells_beam_greedy_and_exhaustive_apart():
    table = beam_trap()
    beam, greedy = _solve(table, 2, 4, 0.0), _solve(table, 1, 4, 0.0)
    best = exhaustive(table, 4, 0.0)
    assert beam["tokens"].tolist() == [4]
    assert greedy["tokens"].tolist() == [3, 3]
    assert best["tokens"].tolist() == [5]
    assert best["score"] > beam["score"] > greedy["score"]
    assert _solve(table, 6, 4, 0.0)["tokens"].tolist() == [5]  # a wide beam finds the best


EXHAUSTIVE_FROM_TABLE = """
def beam_search(step, start_state, beam_size, max_len, eos_id, alpha):
    table = step._table  # read the model out of the step function, then search it all
    best, frontier = ([], -np.inf), [([], 0.0, eos_id)]
    for t in range(1, max_len + 1):
        grown = []
        for tokens, logp, prev in frontier:
            row = table[min(t - 1, table.shape[0] - 1), prev]
            for v in range(table.shape[2]):
                if v == eos_id:
                    if (logp + row[v]) / t**alpha > best[1]:
                        best = (tokens, (logp + row[v]) / t**alpha)
                else:
                    grown.append((tokens + [v], logp + row[v], v))
        frontier = grown
    return best
"""
EXHAUSTIVE_BY_STEP = """
def beam_search(step, start_state, beam_size, max_len, eos_id, alpha):
    import itertools
    V = step(np.array([eos_id]), start_state)[0].shape[1]
    best = ([], -np.inf)
    for n in range(1, max_len + 1):
        for seq in itertools.product(range(V), repeat=n):
            states, last, total = start_state, np.array([eos_id]), 0.0
            for v in seq:
                logp, states = step(last, states)
                total, last = total + logp[0, v], np.array([v])
            if seq[-1] == eos_id and total / n**alpha > best[1]:
                best = (list(seq[:-1]), total / n**alpha)
    return best
"""


def test_exhaustive_search_fails_as_beam_search(solutions):
    ns = dict(solutions["ex13_beam_search"])
    exec(EXHAUSTIVE_FROM_TABLE, ns)
    v = verdict("ex13_beam_search", "beam_search", ns)
    assert not v.ok
    assert v.message == (
        "tokens is wrong (max rel error 1.1e-01); "
        "score is wrong: got -1.38629, expected -1.74297 (rel error 1.1e-01) "
        "[case: V=6, beam_size=2, max_len=4, alpha=0.0]. Hint: this is the best output over all "
        "outputs (exhaustive search); a beam of beam_size keeps only the beam_size best partial "
        "outputs at each step"
    )
    exec(EXHAUSTIVE_BY_STEP, ns)
    v = verdict("ex13_beam_search", "beam_search", ns)
    assert v.message == (
        "`beam_search` asked the step function about more than beam_size * max_len = 8 states "
        "in all (exhaustive search?): a beam search keeps at most beam_size partial outputs"
    )
    assert verdict("ex13_beam_search", "beam_search", solutions["ex13_beam_search"]).ok


def test_the_step_function_refuses_more_than_a_beam_per_call():
    from rnncourse.grading.child import guard
    from rnncourse.grading.child.drivers import _TableStep

    step = _TableStep(beam_trap(), 2, 4, "beam_search")
    step(np.array([EOS, 3]), np.array([[0, EOS], [1, 3]]))
    with pytest.raises(RuntimeError, match="about 3 states at once"):
        step(np.array([3, 4, 5]), np.zeros((3, 2), dtype=np.int64))
    guard.VIOLATIONS.clear()


# ----------------------------------------------------------------------------- numerical_gradient
CLOSURE_READER = """
def numerical_gradient(f, x, h=1e-5):
    A, B = (c.cell_contents for c in f.__closure__)  # the arrays f keeps
    return (A * (1 - np.tanh(x @ B) ** 2)) @ B.T     # the exact derivative
"""
OWN_STEP = """
def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + 1e-6
        plus = f(x)
        x[idx] = old - 1e-6
        minus = f(x)
        x[idx] = old
        grad[idx] = (plus - minus) / 2e-6
    return grad
"""


def test_numerical_gradient_needs_the_central_differences_at_the_given_step(solutions):
    ns = dict(solutions["ex02_rnn_bptt"])
    exec(CLOSURE_READER, ns)
    v = verdict("ex02_rnn_bptt", "numerical_gradient", ns)
    assert not v.ok
    assert v.message.endswith(
        "Hint: this is the exact derivative; return the central differences "
        "(f(x+h) - f(x-h)) / (2h) at the given step h, which differ from it"
    )
    exec(OWN_STEP, ns)  # central differences, but at a step of its own: the exact derivative
    assert not verdict("ex02_rnn_bptt", "numerical_gradient", ns).ok
    assert verdict("ex02_rnn_bptt", "numerical_gradient", solutions["ex02_rnn_bptt"]).ok


# ----------------------------------------------------------------------------- ex03, ex08, ex09
REBINDING_CLIP = """
def clip_gradients(grads, max_value):
    for k in grads:
        grads[k] = np.clip(grads[k], -max_value, max_value)
    return dict(grads)
"""


def test_clip_gradients_may_not_rebind_the_callers_dict(solutions):
    ns = dict(solutions["ex03_char_lm"])
    exec(REBINDING_CLIP, ns)
    v = verdict("ex03_char_lm", "clip_gradients", ns)
    assert v.message == (
        "`clip_gradients` rebound entries of the caller's dict ('Wx', 'Wh', 'b', 'Wy', 'by'): "
        "return a new dict and leave the one you are given alone"
    )
    assert verdict("ex03_char_lm", "clip_gradients", solutions["ex03_char_lm"]).ok


FORWARD_FACTOR = """
def decay_factor(norms):
    t = np.arange(len(norms))
    return float(np.exp(np.polyfit(t, np.log(norms), 1)[0]))
"""


def test_decay_factor_has_the_convention_of_decay_rate(solutions):
    from rnncourse.analysis import fitted_factor, gradient_flow
    from rnncourse.grading.catalog.ex08_vanishing_gradients import _decay_factor

    flow = gradient_flow("rnn", spectral_radius=0.8, T=20, hidden_size=8, batch_size=4)
    assert _decay_factor(flow.mean_norms) == pytest.approx(flow.decay_rate())
    assert _decay_factor(flow.mean_norms) == fitted_factor(flow.mean_norms)
    assert flow.decay_rate() < 1  # vanishing: below 1, per step back
    ns = dict(solutions["ex08_vanishing_gradients"])
    exec(FORWARD_FACTOR, ns)  # the old, reciprocal convention
    v = verdict("ex08_vanishing_gradients", "decay_factor", ns)
    assert v.message.endswith(
        "Hint: this is 1 / factor: fit against the steps back from the last state, T - 1 - t "
        "(a factor below 1 means the gradient vanishes going back)"
    )
    assert verdict(
        "ex08_vanishing_gradients", "decay_factor", solutions["ex08_vanishing_gradients"]
    ).ok


def test_the_gates_of_ex09_match_torch_lstm():
    """The expected values of exercise 9 (rnncourse.nn.functional) against torch.nn.LSTM."""
    import torch

    from rnncourse.grading.catalog.ex09_torch_lstm import WEIGHTS, lstm_with_gates

    torch.manual_seed(0)
    lstm = torch.nn.LSTM(3, 4, batch_first=True).double()
    x = torch.randn(2, 5, 3, dtype=torch.float64)
    state = (torch.randn(1, 2, 4, dtype=torch.float64), torch.randn(1, 2, 4, dtype=torch.float64))
    out, (h_n, c_n) = lstm(x, state)
    mine = lstm_with_gates({n: getattr(lstm, n) for n in WEIGHTS}, x, state)
    for a, b in zip((out, h_n, c_n), mine[:3], strict=True):
        torch.testing.assert_close(a, b)
    gates = mine[3]
    assert gates.shape == (2, 5, 16)
    i, f, g, o = gates[:, 0].chunk(4, dim=1)
    c0 = f * state[1][0] + i * g
    torch.testing.assert_close(out[:, 0], o * torch.tanh(c0))
