"""Copies of the package and of the solutions, similar classmates, and no false positive.

Static tests of :mod:`rnncourse.grading.static.copies` and
:mod:`rnncourse.grading.static.similarity`; the graded red-team runs are in
``test_redteam_method.py``. The honest corpus in ``honest/`` holds three independently written
solutions of every exercise (loops, slicing, helper functions): each scores full marks, none is
flagged, and no two of them are listed as similar.
"""

from __future__ import annotations

import ast
import inspect
import json
import textwrap
from pathlib import Path

import numpy as np
import pytest
from grading_helpers import SOLUTIONS, solution_text

from rnncourse.grading import GRADING_ENV, InProcess
from rnncourse.grading.catalog import EXERCISES
from rnncourse.grading.core import run_part
from rnncourse.grading.static import copies
from rnncourse.grading.static.similarity import fingerprint, similarity

HONEST = sorted((Path(__file__).parent / "honest").glob("ex*.py"))


@pytest.fixture(autouse=True)
def _solutions_fingerprinted(monkeypatch):
    monkeypatch.setenv(copies.SOLUTIONS_ENV, str(SOLUTIONS))


def _exercise(path: Path) -> str:
    return next(e for e in EXERCISES if e.startswith(path.name[:4]))


def test_the_corpus_has_three_styles_of_every_exercise():
    by_exercise: dict[str, set[str]] = {}
    for path in HONEST:
        by_exercise.setdefault(_exercise(path), set()).add(path.name.split(".")[1])
    assert by_exercise == {e: {"loops", "slicing", "helpers"} for e in EXERCISES}


@pytest.mark.parametrize("path", HONEST, ids=[p.name for p in HONEST])
def test_honest_work_scores_full_marks_and_is_not_flagged(path, monkeypatch):
    monkeypatch.setenv(GRADING_ENV, "1")
    source = path.read_text(encoding="utf-8")
    ns: dict = {"__name__": "__main__"}
    exec(compile(source, str(path), "exec"), ns)  # our own corpus
    for part in EXERCISES[_exercise(path)].parts:
        verdict = run_part(part, InProcess(ns), np.random.default_rng(0))
        assert verdict.ok, (part.name, verdict.message)
    assert copies.copied(source) == ((), ())


def test_no_two_honest_submissions_are_listed_as_similar():
    subs = [(p.name, [(1, p.read_text(encoding="utf-8"))]) for p in HONEST]
    assert copies.class_pairs(subs) == []
    # the listing itself works on the corpus: at a threshold of 0.3 some pairs appear
    assert copies.class_pairs(subs, 0.3)


# ----------------------------------------------------------------------------- the package
def _module_source(name: str) -> str:
    import importlib

    return inspect.getsource(importlib.import_module(name))


@pytest.mark.parametrize(
    ("source", "first"),
    [
        (
            lambda: _module_source("rnncourse.reference.dropout"),
            "rnncourse.reference.dropout.variational_lstm_backward",
        ),
        (lambda: _module_source("rnncourse.reference.scan"), "rnncourse.reference.scan."),
        (
            lambda: inspect.getsource(__import__("rnncourse.data", fromlist=["NGramLM"]).NGramLM),
            "rnncourse.data.ngram.NGramLM.",
        ),
        (
            lambda: inspect.getsource(
                __import__("rnncourse.train.seq2seq", fromlist=["beam_search"]).beam_search
            ),
            "rnncourse.train.seq2seq.beam_search",
        ),
    ],
    ids=["reference/dropout.py", "reference/scan.py", "data.NGramLM", "train beam search"],
)
def test_verbatim_pastes_of_the_package_are_copies(source, first):
    zero, review = copies.copied(source())
    assert zero, "nothing flagged"
    assert review == ()
    assert all(" is a copy of the package's own rnncourse." in m for m in zero), zero
    assert any(f"the package's own {first}" in m for m in zero), zero
    assert all(
        m.endswith("(the same code up to names and formatting): write your own, scored 0")
        for m in zero
    )


def test_every_definition_of_the_paste_is_judged():
    src = _module_source("rnncourse.reference.dropout")
    zero, _ = copies.copied(src)
    names = {n.name for n in ast.walk(ast.parse(src)) if isinstance(n, ast.FunctionDef)}
    judged = {m.split("`")[1] for m in zero}
    big = {fp.where for fp in copies.own_definitions(src)}
    assert judged == big
    assert judged <= names
    # the two layer functions; dropout_mask (a check and one line) is too small to judge
    assert judged == {"variational_lstm_forward", "variational_lstm_backward"}


# ----------------------------------------------------------------------------- disguises
def _solution_function(exercise: str, name: str) -> str:
    cell = next(c for c in copies._cells(SOLUTIONS / f"{exercise}.md") if f"def {name}(" in c)
    tree = ast.parse(cell)
    node = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name)
    return ast.get_source_segment(cell, node)


BACKWARD = "additive_attention_backward"


def _disguised(kind: str) -> str:
    src = _solution_function("ex12_additive_attention", BACKWARD).replace(BACKWARD, "_mine")
    lines = src.split("\n")
    if kind == "alias":
        return src + f"\n\n{BACKWARD} = _mine\n"
    if kind == "if True":
        return "if True:\n" + textwrap.indent(src, "    ") + f"\n    {BACKWARD} = _mine\n"
    if kind == "pass":
        body = [lines[0], "    pass"] + [
            ln + ("\n    pass" if ln.startswith("    d") else "") for ln in lines[1:]
        ]
        return "\n".join(body) + f"\n\n{BACKWARD} = _mine\n"
    if kind == "reordered":  # dw and dh do not depend on each other: swap their lines
        i = next(k for k, ln in enumerate(lines) if ln.lstrip().startswith("dw ="))
        j = next(k for k, ln in enumerate(lines) if ln.lstrip().startswith("dWq ="))
        lines[i], lines[j] = lines[j], lines[i]
        return "\n".join(lines)
    if kind == "with":
        return "import contextlib\nwith contextlib.nullcontext():\n" + textwrap.indent(src, "    ")
    if kind == "method":
        return "class Attention:\n" + textwrap.indent(src.replace("(dz,", "(self, dz,"), "    ")
    raise ValueError(kind)


@pytest.mark.parametrize("kind", ["alias", "if True", "pass", "reordered", "with", "method"])
def test_a_disguised_copy_of_the_solution_scores_zero(kind):
    zero, review = copies.copied(_disguised(kind))
    assert len(zero) == 1, (zero, review)
    where = "Attention._mine" if kind == "method" else "_mine"
    assert zero[0].startswith(
        f"`{where}` is a copy of the solution ex12_additive_attention: {BACKWARD} ("
    ) or zero[0].startswith(
        f"`{where}` is a near-verbatim copy of the solution ex12_additive_attention: {BACKWARD} "
        "(similarity "
    ), zero[0]
    assert zero[0].endswith("write your own, scored 0")


def test_reordering_keeps_a_high_similarity_not_an_exact_match():
    zero, _ = copies.copied(_disguised("reordered"))
    score = float(zero[0].split("similarity ")[1].split(" ")[0])
    assert copies.COPY <= score < 1.0


def test_the_thresholds_keep_a_margin_from_honest_work_and_from_copies():
    """Honest max (every definition of the corpus against the package and the solutions) stays
    at least 0.03 below REVIEW; the weakest disguised copy at least 0.04 above COPY."""
    idx = copies.index()
    honest = max(
        idx.best(fp)[0]
        for path in HONEST
        for fp in copies.own_definitions(path.read_text(encoding="utf-8"))
    )
    disguised = min(
        idx.best(fp)[0]
        for kind in ("alias", "if True", "pass", "reordered", "with", "method")
        for fp in copies.own_definitions(_disguised(kind))
    )
    assert (copies.REVIEW, copies.COPY) == (0.72, 0.80)
    assert 0.6 < honest <= copies.REVIEW - 0.03, honest
    assert copies.COPY + 0.04 <= disguised < 0.9, disguised


def test_without_the_solutions_index_the_solution_copy_is_not_flagged(monkeypatch):
    """The planted failure of the test above: the solutions' fingerprints are what catch it."""
    monkeypatch.setenv(copies.SOLUTIONS_ENV, "")
    assert copies.copied(_disguised("alias")) == ((), ())


def test_a_partly_rewritten_copy_is_only_reported():
    src = _solution_function("ex13_beam_search", "beam_search")
    # rewrite the bookkeeping of finished outputs: similar, but no longer near-verbatim
    src = src.replace(
        "    tokens, score = max(finished, key=lambda f: f[1])\n    return tokens, score",
        "    best = None\n    for tokens, score in finished:\n"
        "        if best is None or score > best[1]:\n            best = (tokens, score)\n"
        "    return best",
    ).replace("        if len(finished) >= beam_size or not next_alive:\n            break\n", "")
    src = src.replace(
        "        last = np.array([tokens[-1] for tokens, _ in alive])",
        "        last = np.zeros(len(alive), dtype=int)\n        for j, (tokens, _) in "
        "enumerate(alive):\n            last[j] = tokens[-1]",
    )
    zero, review = copies.copied(src)
    assert zero == ()
    assert len(review) == 1
    assert review[0].startswith(
        "for the instructor: `beam_search` is similar to the solution ex13_beam_search: "
        "beam_search (similarity 0."
    ), review
    assert review[0].endswith("; not scored down)")


def test_short_and_given_definitions_are_not_judged():
    from rnncourse.reference.layers import sigmoid

    small = inspect.getsource(sigmoid)
    assert fingerprint(ast.parse(small).body[0], "s").size < copies.MIN_TOKENS
    assert copies.copied(small) == ((), ())
    given = next(
        c
        for c in copies._cells(SOLUTIONS.parent / "exercises" / "ex07_bidirectional_deep.md")
        if "def cell_forward" in c
    )
    assert copies.own_definitions(given) == []


def test_similarity_of_a_definition_with_itself_and_with_another():
    a = ast.parse(_solution_function("ex12_additive_attention", BACKWARD)).body[0]
    b = ast.parse(_solution_function("ex13_beam_search", "beam_search")).body[0]
    fa, fb = fingerprint(a, "a"), fingerprint(b, "b")
    assert similarity(fa, fa) == 1.0
    assert similarity(fa, fb) < 0.3


# ----------------------------------------------------------------------------- a class
def test_class_pairs_list_a_copied_classmate(tmp_path, capsys):
    from rnncourse.cli import main

    honest = [p for p in HONEST if p.name.startswith("ex12")]
    mine = honest[0].read_text(encoding="utf-8")
    copied = mine.replace("def additive_attention_forward", "def additive_attention_forward")
    copied = copied.replace("    return ", "    pass\n    return ")  # a copy with no-ops
    folder = tmp_path / "class"
    folder.mkdir()
    files = []
    for i, text in enumerate([mine, copied, honest[1].read_text(), honest[2].read_text()]):
        f = folder / f"ex12_additive_attention_{i}.py"
        f.write_text(text, encoding="utf-8")
        files.append(f)
    pairs = copies.class_pairs([(str(f), [(1, f.read_text())]) for f in files])
    assert [(Path(p.a).name, Path(p.b).name) for p in pairs] == [
        ("ex12_additive_attention_0.py", "ex12_additive_attention_1.py")
    ]
    assert pairs[0].similarity == 1.0
    out = tmp_path / "pairs.json"
    # a class folder, as an instructor runs it
    args = ["grade", str(folder), "--sandbox", "none", "--similar", "--similar-json", str(out)]
    code = main(args)
    assert code == 0
    text = capsys.readouterr().out
    assert "similar submissions (own code, similarity >= 0.80): 1 pair(s)" in text
    assert f"  1.00  {files[0]}  ~  {files[1]}" in text
    data = json.loads(out.read_text())
    assert data["threshold"] == copies.PAIRS
    assert [(p["a"], p["b"], p["similarity"]) for p in data["pairs"]] == [
        (str(files[0]), str(files[1]), 1.0)
    ]
    assert "additive_attention_backward" in {d["a"] for d in data["pairs"][0]["definitions"]}


def test_the_solution_notebooks_score_full_marks_with_their_own_index_off():
    """A solution is, of course, a copy of itself: graded with the index on, it scores 0."""
    text = solution_text("ex12_additive_attention")
    cell = next(
        c
        for c in copies._cells(SOLUTIONS / "ex12_additive_attention.md")
        if f"def {BACKWARD}(" in c
    )
    assert cell in text
    assert copies.copied(cell)[0]
