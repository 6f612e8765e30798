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


def test_mutants_are_small_edits_of_the_reference_that_change_it():
    from rnncourse import reference as R
    from rnncourse.grading.mutants import EDITS, mutant

    rng = np.random.default_rng(1)
    N, D, H = 3, 4, 5
    x, h, c = rng.standard_normal((N, D)), rng.standard_normal((N, H)), rng.standard_normal((N, H))
    args = {
        "rnn_step_forward": (
            x,
            h,
            rng.standard_normal((D, H)),
            rng.standard_normal((H, H)),
            rng.standard_normal(H),
        )
    }
    lstm = (
        x,
        h,
        c,
        rng.standard_normal((D, 4 * H)),
        rng.standard_normal((H, 4 * H)),
        rng.standard_normal(4 * H),
    )
    args["lstm_step_forward"] = lstm
    args["lstm_step_backward"] = (
        rng.standard_normal((N, H)),
        rng.standard_normal((N, H)),
        R.lstm_step_forward(*lstm)[2],
    )
    for name, bugs in EDITS.items():
        want = getattr(R, name)(*args[name])
        for bug in bugs:
            got = mutant(name, bug)(*args[name])
            same = all(
                np.allclose(a, b)
                for a, b in zip(got, want, strict=True)
                if isinstance(a, np.ndarray)
            )
            assert not same, (name, bug)
