"""Every planted mistake of the catalogue gets its hint (in-process: no sandbox needed).

For each part, the outputs of each planted mistake are handed to the judge as if the learner's
code had returned them; the verdict must fail and name that mistake's hint in at least one of the
part's random cases. A mistake that can never be told apart is listed in ``NO_HINT`` with the
reason.
"""

from __future__ import annotations

import numpy as np
import pytest

from rnncourse.grading import check
from rnncourse.grading.catalog import EXERCISES
from rnncourse.grading.core import Case, run_case

#: Planted mistakes that no case can tell apart from another one, with the reason.
NO_HINT: dict[tuple[str, str], str] = {}


def _results(case: Case, outs: dict) -> list:
    """Results shaped like the learner's returns, holding ``outs`` (else the expected values)."""
    results: list = [None] * len(case.calls)
    for name, (ci, path) in case.outputs.items():
        value = outs.get(name, case.expected[name])
        steps = () if path is None else (path if isinstance(path, tuple) else (path,))
        if not steps:
            results[ci] = value
            continue
        if results[ci] is None:
            results[ci] = (
                [None] * len(case.calls[ci].returns or ()) if isinstance(steps[0], int) else {}
            )
        node = results[ci]
        for k, step in enumerate(steps[:-1]):
            nxt = steps[k + 1]
            if isinstance(node, list) and isinstance(step, int):
                while len(node) <= step:
                    node.append(None)
            if node[step] is None:
                node[step] = [] if isinstance(nxt, int) else {}
            node = node[step]
        last = steps[-1]
        if isinstance(node, list):
            while len(node) <= last:
                node.append(None)
        node[last] = value
    return [
        tuple(r) if isinstance(r, list) and case.calls[i].returns else r
        for i, r in enumerate(results)
    ]


class _Returns:
    def __init__(self, results):
        self.results = results

    def run(self, calls):
        return {"ok": True, "results": self.results, "mutated": []}


PARTS = [(ex.id, p) for ex in EXERCISES.values() for p in ex.parts]


@pytest.mark.parametrize("part", [p for _, p in PARTS], ids=[p.name for _, p in PARTS])
def test_every_planted_mistake_gets_its_hint(part):
    hinted: dict[str, bool] = {}
    for seed in range(1):
        for case in part.make_cases(np.random.default_rng(seed)):
            assert run_case(case, _Returns(_results(case, {})))[0].ok, "expected values fail"
            for hint, outs in case.variants.items():
                verdict, _ = run_case(case, _Returns(_results(case, outs)))
                hinted[hint] = hinted.get(hint, False) or (
                    not verdict.ok and verdict.message.endswith(f"Hint: {hint}")
                )
    missing = [h for h, ok in hinted.items() if not ok and (part.name, h) not in NO_HINT]
    assert not missing, missing


def test_issue_18_mistakes_have_hints(capsys):
    from rnncourse.grading.catalog import ex01_rnn_forward, ex05_lstm_step

    assert "Wh_T" in ex01_rnn_forward.RNN_STEP_BUGS
    hints = ex05_lstm_step.lstm_step_backward_cases(np.random.default_rng(0))[0].variants
    for words in ("dh was ignored", "1 - g**2", "i and f blocks are swapped"):
        assert any(words in h for h in hints), words

    def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):  # Wh transposed: shapes clash
        H = h_prev.shape[1]
        a = x @ Wx + h_prev @ Wh.T + b
        i, f, g, o = (a[:, k * H : (k + 1) * H] for k in range(4))
        c = f * c_prev + i * np.tanh(g)
        return o * np.tanh(c), c, None

    result = check("lstm_step_forward", lstm_step_forward, seed=0)
    assert not result
    assert "Hint: a matrix product with mismatched shapes" in result.message
    assert "is a weight transposed?" in capsys.readouterr().out


def _reference_args(rng):
    """Fresh random arguments for every function that :mod:`rnncourse.grading.mutants` edits."""
    from rnncourse import reference as R
    from rnncourse.reference.dropout import variational_lstm_forward

    N, T, D, H = 3, 4, 4, 5
    a = rng.standard_normal
    x, xs, h, c, dh, dhs = a((N, D)), a((N, T, D)), a((N, H)), a((N, H)), a((N, H)), a((N, T, H))
    rnn, lstm, gru = ((a((D, k * H)), a((H, k * H)), a(k * H)) for k in (1, 4, 3))
    bh = a(3 * H)
    A, B = a((2, 3)), a((D, 3))
    masks = (rng.random((N, D)) < 0.5) * 2.0, (rng.random((N, H)) < 0.5) * 2.0
    dropout = (xs, h, *lstm, *masks)
    att = (h, a((N, T, D)), a((H, 3)), a((D, 3)), a(3))
    scan = (rng.uniform(-1, 1, (N, 6, H)), a((N, 6, H)), h, "hillis_steele")
    bidi = [
        dict(zip(("Wx", "Wh", "b"), w, strict=True)) for w in (rnn, (a((D, H)), a((H, H)), a(H)))
    ]
    layer0, layer1 = bidi[0], {"Wx": a((H, H)), "Wh": a((H, H)), "b": a(H)}
    return {
        "bidirectional_forward": (xs, *bidi, "rnn", (h, a((N, H)))),
        "bidirectional_backward": (a((N, T, 2 * H)), R.bidirectional_forward(xs, *bidi)[1]),
        "deep_forward": (xs, [layer0, layer1], "rnn", [h, a((N, H))]),
        "deep_backward": (dhs, R.deep_forward(xs, [layer0, layer1], "rnn")[1]),
        "combine": ((a((N, H)), a((N, H))), (a((N, H)), a((N, H)))),
        "linear_scan_forward": scan,
        "linear_scan_backward": (a((N, 6, H)), R.linear_scan_forward(*scan)[1]),
        "variational_lstm_forward": dropout,
        "variational_lstm_backward": (dhs, variational_lstm_forward(*dropout)[1]),
        "additive_attention_forward": att,
        "additive_attention_backward": (a((N, D)), R.additive_attention_forward(*att)[2]),
        "rnn_step_forward": (x, h, *rnn),
        "rnn_step_backward": (dh, R.rnn_step_forward(x, h, *rnn)[1]),
        "rnn_forward": (xs, h, *rnn),
        "rnn_backward": (dhs, R.rnn_forward(xs, h, *rnn)[1]),
        "lstm_step_forward": (x, h, c, *lstm),
        "lstm_step_backward": (dh, a((N, H)), R.lstm_step_forward(x, h, c, *lstm)[2]),
        "lstm_forward": (xs, h, *lstm),
        "lstm_backward": (dhs, R.lstm_forward(xs, h, *lstm)[1]),
        "gru_step_forward": (x, h, *gru, bh),
        "gru_step_backward": (dh, R.gru_step_forward(x, h, *gru, bh)[1]),
        "gru_forward": (xs, h, *gru, bh),
        "gru_backward": (dhs, R.gru_forward(xs, h, *gru, bh)[1]),
        "eval_numerical_gradient": (
            lambda z: float(np.sum(A * np.tanh(z @ B))),
            a((2, D)),
            None,
            0.1,
        ),
        "clip_by_value": ({"W": 3 * a((D, H)), "b": 3 * a(H)}, 1.0),
    }


def _differs(got, want) -> bool:
    if isinstance(want, dict):
        return any(_differs(got[k], want[k]) for k in want)
    if isinstance(want, tuple):
        return any(_differs(g, w) for g, w in zip(got, want, strict=True))
    return isinstance(want, np.ndarray) and not np.allclose(got, want)


def test_mutants_are_small_edits_of_the_reference_that_change_it():
    import copy

    from rnncourse.grading import mutants

    args = _reference_args(np.random.default_rng(1))
    planted = set()
    for name, arguments in args.items():
        fn = mutants._reference(name)
        bugs = {b for edits in mutants.EDITS.values() for b in edits}
        for bug in sorted(b for b in bugs if mutants.has_mistake(name, b)):
            if bug == "no_dc_carry" and name.startswith(("rnn", "gru")):
                continue  # a cell-state mistake; the RNN and the GRU have no cell state
            want = fn(*copy.deepcopy(arguments))
            got = mutants.mutant(name, bug)(*copy.deepcopy(arguments))
            assert _differs(got, want), (name, bug)
            pieces = [name]
            for piece in pieces:  # the function and, transitively, the pieces it calls
                pieces += [p for p in mutants.PIECES.get(piece, ()) if p not in pieces]
            planted.update((p, bug) for p in pieces)
    every = {(name, bug) for name, edits in mutants.EDITS.items() for bug in edits}
    assert every <= planted, every - planted  # every edit is exercised above


def test_an_edit_that_no_longer_matches_fails_loudly():
    from rnncourse.grading import mutants
    from rnncourse.reference import rnn_step_forward

    with pytest.raises(mutants.EditError, match="occurs 0 times"):
        mutants.edited(rnn_step_forward, [("a = x @ Wx + h_prev @ Wh.T", "a = 0")], "test")
