"""Exercise 16 (corpus BLEU): full marks, planted mistakes lose exactly their points with their
hint, BLEU libraries refused, the expected values are the package's BLEU (checked against
sacrebleu in tests/data/test_bleu.py)."""

from __future__ import annotations

import numpy as np
import pytest
from grading_helpers import assert_loses_exactly, grade_in_process, replace_once, solution_text

from rnncourse.data import metrics_bleu as mb
from rnncourse.grading.catalog import EXERCISES as CATALOG
from rnncourse.grading.catalog import ex16_bleu

NAME = "ex16_bleu"
ALL = {"modified_precision", "brevity_penalty", "corpus_bleu"}
# (text in the solution, planted replacement, parts that lose their points, hint words)
PLANTED = [
    (
        "matches += sum(min(k, most[g]) for g, k in counts.items())",
        "matches += sum(k for g, k in counts.items() if most[g])",
        {"modified_precision", "corpus_bleu"},
        "clip each n-gram's count",
    ),
    (
        "for i in range(len(sentence) - n + 1))",
        "for i in range(len(sentence) - n))",
        {"modified_precision", "corpus_bleu"},
        "L - n + 1 n-grams",
    ),
    (
        "r += min(lengths, key=lambda length: abs(length - len(hyp)))",
        "r += min(lengths)",
        {"brevity_penalty", "corpus_bleu"},
        "not the shortest reference",
    ),
    (
        "lengths = sorted(len(ref) for ref in refs)",
        "lengths = sorted((len(ref) for ref in refs), reverse=True)",
        {"brevity_penalty", "corpus_bleu"},
        "take the shorter one",
    ),
    (
        "float(np.exp(1 - r / c))",
        "float(np.exp(1 - c / r))",
        {"brevity_penalty", "corpus_bleu"},
        "not exp(1 - c / r)",
    ),
    (
        "    for n in range(1, max_order + 1):\n",
        "    precisions = np.zeros(max_order - 1)\n    for n in range(1, max_order):\n",
        {"corpus_bleu"},
        "every order n = 1, ..., max_order",
    ),
    (
        "float(bp * np.exp(np.mean(np.log(precisions))))",
        "float(bp * np.mean(precisions))",
        {"corpus_bleu"},
        "geometric mean",
    ),
]

SENTENCE_AVERAGE = """
def corpus_bleu(hypotheses, references, max_order):
    scores, precs = [], []
    for h, r in zip(hypotheses, references):
        p = np.zeros(max_order)
        for n in range(1, max_order + 1):
            m, t = modified_precision([h], [r], n)
            p[n - 1] = m / t if t else 0.0
        bp, _, _ = brevity_penalty([h], [r])
        scores.append(0.0 if np.any(p == 0) else bp * np.exp(np.mean(np.log(p))))
        precs.append(p)
    return float(np.mean(scores)), np.mean(precs, axis=0)
"""


def _graded(text: str) -> dict:
    return grade_in_process(NAME, text)


def test_solution_scores_full_marks_and_parts_are_the_catalogs():
    got = _graded(solution_text(NAME))
    assert set(got) == ALL == {p.name for p in CATALOG[NAME].parts}
    assert all(score == most for score, most, _ in got.values()), got
    assert sum(most for _, most, _ in got.values()) == 10


@pytest.mark.parametrize(("old", "new", "lost", "hint"), PLANTED, ids=[p[3][:24] for p in PLANTED])
def test_planted_mistake_loses_exactly_its_points(old, new, lost, hint):
    got = _graded(replace_once(solution_text(NAME), old, new))
    assert_loses_exactly(got, NAME, lost, hint)


def test_sentence_level_averaging_loses_the_corpus_points_with_its_hint():
    text = solution_text(NAME)
    start = text.index("def corpus_bleu(")
    end = text.index("    ### END SOLUTION", start)
    got = _graded(text[:start] + SENTENCE_AVERAGE.lstrip() + text[end:])
    assert {p: v[0] for p, v in got.items()} == {
        "modified_precision": 4,
        "brevity_penalty": 2,
        "corpus_bleu": 0,
    }
    assert "not the mean of the sentences' BLEU scores" in got["corpus_bleu"][2]


def test_expected_values_are_the_package_bleu():
    """The grader's expected outputs are rnncourse.data.metrics_bleu's (not re-derived maths)."""
    case = ex16_bleu.corpus_bleu_cases(np.random.default_rng(3))[1]
    hyps, refs, N = case.calls[0].args
    ref = mb.corpus_bleu(hyps, refs, N, "none")
    assert case.expected["bleu"] == ref.score
    assert 0 < ref.score < 1
    assert np.array_equal(case.expected["precisions"], ref.precisions)


def test_every_planted_mistake_changes_some_case():
    """Each mistake is visible on the drawn cases (else its hint could never be given)."""
    rng = np.random.default_rng(0)
    seen = {h for part in CATALOG[NAME].parts for c in part.make_cases(rng) for h in c.variants}
    assert seen == set(ex16_bleu.HINTS.values())


def test_bleu_libraries_are_forbidden():
    forbidden = CATALOG[NAME].forbidden_modules
    assert {"sacrebleu", "nltk", "torch", "rnncourse"} <= set(forbidden)


SACREBLEU = """
def corpus_bleu(hypotheses, references, max_order):
    import sacrebleu

    bleu = sacrebleu.BLEU(tokenize="none", smooth_method="none", max_ngram_order=max_order)
    score = bleu.corpus_score([" ".join(h) for h in hypotheses],
                              [[" ".join(r[0]) for r in references]])
    return score.score / 100, np.array(score.precisions) / 100
"""


@pytest.mark.parametrize(
    "line",
    [
        "import sacrebleu",
        "from nltk.translate.bleu_score import corpus_bleu as nltk_bleu",
        "from rnncourse.data.metrics_bleu import corpus_bleu as package_bleu",
    ],
)
def test_a_bleu_library_is_refused_by_the_scan(line):
    """The grader's static scan refuses the import (in the sandbox the module is absent too)."""
    from rnncourse.grading.static.scan import scan_cells

    found = scan_cells(
        [(1, SACREBLEU.replace("    import sacrebleu", "    " + line))], CATALOG[NAME]
    )
    assert list(found) == [1], found
    module = line.split()[1]
    assert any(module.split(".")[0] in m for m in found[1]), found
    text = solution_text(NAME)
    own = text[
        text.index("def corpus_bleu(") : text.index(
            "    ### END SOLUTION", text.index("def corpus_bleu(")
        )
    ]
    assert scan_cells([(1, own)], CATALOG[NAME]) == {}  # the solution's own code passes


def test_a_paste_of_the_package_bleu_is_a_copy():
    """The package's own corpus_bleu, renamed variables and all, is a copy; its brevity_penalty
    (one comparison and one formula) is too small to judge: an honest one is the same code."""
    import ast
    import inspect
    import re

    from rnncourse.grading.static import copies
    from rnncourse.grading.static.copies import copied_parts
    from rnncourse.grading.static.similarity import fingerprint

    source = inspect.getsource(mb.corpus_bleu)
    renamed = re.sub(r"\bhyp_len\b", "c", re.sub(r"\bhypotheses\b", "outs", source))
    assert renamed != source
    msgs = copied_parts(renamed, [p.name for p in CATALOG[NAME].parts])
    assert msgs == [
        "`corpus_bleu` is a copy of the package's own rnncourse.data.metrics_bleu.corpus_bleu "
        "(the same code up to names and formatting): write your own, scored 0"
    ]
    small = inspect.getsource(mb.brevity_penalty)
    assert not copies.judged(fingerprint(ast.parse(small).body[0], "bp"))
    assert copied_parts(small, ["brevity_penalty"]) == []
    assert copied_parts(solution_text(NAME), sorted(ALL)) == []  # the solution is its own
