"""Copies of the package's code and of the solutions, and similar submissions in a class.

Every function and method of the installed package (all subpackages: the reference, the
modules, the data and training code, the grader's own expected-value functions) and of the
solution notebooks is fingerprinted (:mod:`.similarity`). Every definition of a submission
(nested, under ``if`` / ``with``, methods of classes; an alias is just another name for one of
them) is compared with them:

- a *near-verbatim copy* (similarity at least :data:`COPY`: the two share nearly all their
  fingerprints after names, formatting, docstrings and statements without effect are set aside)
  zeroes the parts its cell defines, with a message naming the original;
- a lower but high similarity (at least :data:`REVIEW`) is only a note for the instructor.

Definitions shorter than :data:`MIN_TOKENS` or with fewer than :data:`MIN_STATEMENTS` statements
of their own are not judged (there is one natural way to write ``sigmoid``), and neither are
definitions that the exercise notebooks themselves give to every
learner. :func:`class_pairs` compares the submissions of a class with each other.
"""

from __future__ import annotations

import ast
import functools
import os
import re
from dataclasses import dataclass
from pathlib import Path

import rnncourse
from rnncourse.grading.static.similarity import (
    BOUNDARY,
    Fingerprint,
    definitions,
    fingerprint,
    similarity,
)

#: Similarity from which a definition is a copy (scored 0), and from which it is reported.
#: Calibrated on the honest corpus (tests/grading/honest: its highest similarity to the package
#: or the solutions is 0.69) and on disguised copies (the lowest, statements reordered: 0.84);
#: tests/grading/test_similarity.py asserts both margins.
COPY, REVIEW = 0.80, 0.72
#: Definitions with fewer syntax-tree nodes than this (after normalisation) are not judged.
MIN_TOKENS = 50
#: Nor are definitions with fewer statements of their own than this (the signature and the
#: statements the exercise notebooks hand out do not count): a formula in one or two statements
#: (``sigmoid``, a step's backward ``da = ...; return ...``) is written the same way by everyone.
MIN_STATEMENTS = 3
#: Similarity of two submissions' own code from which ``rnncourse grade --similar`` lists them.
PAIRS = 0.8
#: Environment variable naming the solutions folder ("" switches the solutions' index off).
SOLUTIONS_ENV = "RNNCOURSE_SOLUTIONS"

PACKAGE = Path(rnncourse.__file__).resolve().parent
_CELL = re.compile(r"^```\{code-cell\}[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)


def _qualified(tree: ast.AST, prefix: str) -> list[tuple[str, ast.AST]]:
    """Return (qualified name, node) of every function in ``tree``, e.g. ``mod.Class.method``."""
    out: list[tuple[str, ast.AST]] = []

    def visit(node: ast.AST, path: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                out.append((f"{path}.{child.name}", child))
                visit(child, f"{path}.{child.name}")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{path}.{child.name}")
            else:
                visit(child, path)

    visit(tree, prefix)
    return out


def _parse(source: str) -> ast.AST | None:
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _cells(path: Path) -> list[str]:
    """Return the code cells of one of the course's own MyST notebooks."""
    return _CELL.findall(path.read_text(encoding="utf-8"))


def solutions_dir() -> Path | None:
    """Return the solutions folder to fingerprint: ``$RNNCOURSE_SOLUTIONS``, else the checkout's."""
    named = os.environ.get(SOLUTIONS_ENV)
    if named is not None:
        return Path(named) if named else None
    here = PACKAGE.parent / "solutions"
    return here if here.is_dir() else None


@dataclass
class Index:
    """The fingerprints to compare with, and an inverted index from hash to fingerprints."""

    known: list[Fingerprint]
    by_hash: dict[int, list[int]]
    given: frozenset[str]  # token streams of definitions every learner receives

    def candidates(self, fp: Fingerprint) -> list[Fingerprint]:
        """Return the known fingerprints that share at least one hash with ``fp``."""
        hits = {i for h in fp.hashes for i in self.by_hash.get(h, ())}
        return [self.known[i] for i in sorted(hits)]

    def best(self, fp: Fingerprint) -> tuple[float, Fingerprint | None]:
        """Return the highest similarity of ``fp`` to a known fingerprint, and that one."""
        best, score = None, 0.0
        for other in self.candidates(fp):
            s = similarity(fp, other)
            if s > score:
                best, score = other, s
        return score, best


@functools.cache
def given_texts(exercises: Path | None = None) -> frozenset[str]:
    """Return the token streams of the definitions the exercise notebooks hand out."""
    folder = exercises or PACKAGE.parent / "exercises"
    out = set()
    for nb in sorted(folder.glob("ex[0-9][0-9]_*.md")) if folder.is_dir() else []:
        for cell in _cells(nb):
            tree = _parse(cell)
            for node in definitions(tree) if tree else []:
                out.add(fingerprint(node, "").text)
    return frozenset(out)


def _statements(text: str) -> list[str]:
    return [s.strip() for s in text.split(BOUNDARY) if s.strip()]


@functools.cache
def given_statements() -> frozenset[str]:
    """Return the token streams of the statements the exercise notebooks' definitions hand out."""
    return frozenset(s for text in given_texts() for s in _statements(text))


def own_statements(fp: Fingerprint) -> int:
    """Return how many statements of ``fp`` are its own: not its signature, not handed out."""
    given = given_statements()
    return sum(1 for s in _statements(fp.text)[1:] if s not in given)


def judged(fp: Fingerprint) -> bool:
    """Whether ``fp`` is big enough to be judged: :data:`MIN_TOKENS`, :data:`MIN_STATEMENTS`."""
    return fp.size >= MIN_TOKENS and own_statements(fp) >= MIN_STATEMENTS


@functools.cache
def _package_known() -> tuple[Fingerprint, ...]:
    """Return the fingerprints of every function and method of the installed package."""
    known = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = _parse(path.read_text(encoding="utf-8"))
        module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        for where, node in _qualified(tree, module) if tree else []:
            known.append(fingerprint(node, where))
    return tuple(known)


@functools.cache
def _index(solutions: Path | None) -> Index:
    known: list[Fingerprint] = list(_package_known())
    given = given_texts()
    for nb in sorted(solutions.glob("ex[0-9][0-9]_*.md")) if solutions else []:
        for cell in _cells(nb):
            tree = _parse(cell)
            for where, node in _qualified(tree, f"the solution {nb.stem}") if tree else []:
                fp = fingerprint(node, where.replace(f"{nb.stem}.", f"{nb.stem}: ", 1))
                if fp.text not in given:
                    known.append(fp)
    known = [k for k in known if judged(k)]
    by_hash: dict[int, list[int]] = {}
    for i, k in enumerate(known):
        for h in k.hashes:
            by_hash.setdefault(h, []).append(i)
    return Index(known, by_hash, given)


def index() -> Index:
    """Return the (cached) index of the package's and the solutions' definitions."""
    return _index(solutions_dir())


def own_definitions(source: str) -> list[Fingerprint]:
    """Return the fingerprints of the definitions of ``source`` worth judging.

    Definitions the exercise notebooks hand out and those too small to judge (:func:`judged`)
    are left out.
    """
    tree = _parse(source)
    if tree is None:
        return []
    given = given_texts()
    out = []
    for where, node in _qualified(tree, ""):
        try:
            fp = fingerprint(node, where.lstrip("."))
        except RecursionError:
            continue
        if fp.text not in given and judged(fp):
            out.append(fp)
    return out


def _what(fp: Fingerprint) -> str:
    if fp.where.startswith("the solution "):
        return fp.where
    return f"the package's own {fp.where}"


def copied(source: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Judge every definition of one cell: (messages that score it 0, notes for the instructor)."""
    return _copied(source, solutions_dir())


@functools.lru_cache(maxsize=4096)
def _copied(source: str, solutions: Path | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    zero: list[str] = []
    review: list[str] = []
    idx = _index(solutions)
    for fp in own_definitions(source):
        score, other = idx.best(fp)
        if other is None or score < REVIEW:
            continue
        name = fp.where
        if fp.text == other.text:
            zero.append(
                f"`{name}` is a copy of {_what(other)} (the same code up to names and "
                "formatting): write your own, scored 0"
            )
        elif score >= COPY:
            zero.append(
                f"`{name}` is a near-verbatim copy of {_what(other)} (similarity {score:.2f} "
                "up to names, formatting and statements without effect): write your own, scored 0"
            )
        else:
            review.append(
                f"for the instructor: `{name}` is similar to {_what(other)} "
                f"(similarity {score:.2f}; not scored down)"
            )
    return tuple(zero), tuple(review)


def copied_parts(source: str, names: list[str] | None = None) -> list[str]:
    """Messages for the definitions of ``source`` that copy the package or the solutions."""
    return list(copied(source)[0])


def review_notes(cells: list[tuple[int, str]]) -> list[str]:
    """Return notes for the instructor on definitions similar to (not copies of) known code."""
    return [f"cell {i}: {note}" for i, src in cells for note in copied(src)[1]]


# ------------------------------------------------------------------------------ a class
@dataclass
class Pair:
    """Two submissions whose own code is similar: the score and the most similar definitions."""

    a: str
    b: str
    similarity: float
    definitions: list[tuple[str, str, float]]

    def to_dict(self) -> dict:
        """Return the pair as plain data (paths, similarity, matching definitions)."""
        return {
            "a": self.a,
            "b": self.b,
            "similarity": round(self.similarity, 3),
            "definitions": [
                {"a": x, "b": y, "similarity": round(s, 3)} for x, y, s in self.definitions
            ],
        }


def _whole(fps: list[Fingerprint], where: str) -> Fingerprint:
    hashes = frozenset().union(*(f.hashes for f in fps)) if fps else frozenset()
    return Fingerprint(where, where, hashes, sum(f.size for f in fps), "")


def class_pairs(
    submissions: list[tuple[str, list[tuple[int, str]]]], threshold: float = PAIRS
) -> list[Pair]:
    """Return the pairs of submissions whose own code is at least ``threshold`` similar.

    ``submissions`` are (label, code cells). A submission's own code is its definitions that
    are worth judging (:func:`own_definitions`); two submissions are compared by the
    similarity of all their fingerprints together, and each pair lists its definitions that are
    at least :data:`REVIEW` similar. Highest similarity first.
    """
    own = [
        (label, [fp for _, src in cells for fp in own_definitions(src)])
        for label, cells in submissions
    ]
    wholes = [_whole(fps, label) for label, fps in own]
    by_hash: dict[int, set[int]] = {}
    for i, w in enumerate(wholes):
        for h in w.hashes:
            by_hash.setdefault(h, set()).add(i)
    pairs = []
    for i, w in enumerate(wholes):
        others = {j for h in w.hashes for j in by_hash[h] if j > i}
        for j in sorted(others):
            score = similarity(w, wholes[j])
            if score < threshold:
                continue
            defs = [
                (x.where, y.where, s)
                for x in own[i][1]
                for y in own[j][1]
                if (s := similarity(x, y)) >= REVIEW
            ]
            pairs.append(Pair(own[i][0], own[j][0], score, sorted(defs, key=lambda d: -d[2])))
    return sorted(pairs, key=lambda p: -p.similarity)


def format_pairs(pairs: list[Pair], threshold: float) -> str:
    """Return the pairs as a table for the instructor."""
    lines = [f"similar submissions (own code, similarity >= {threshold:.2f}): {len(pairs)} pair(s)"]
    for p in pairs:
        lines.append(f"  {p.similarity:.2f}  {p.a}  ~  {p.b}")
        lines += [f"        {x} ~ {y}: {s:.2f}" for x, y, s in p.definitions[:5]]
    return "\n".join(lines)


def add_similarity_options(parser) -> None:
    """Add ``--similar`` and ``--similar-json`` to the ``rnncourse grade`` parser."""
    parser.add_argument(
        "--similar",
        type=float,
        nargs="?",
        const=PAIRS,
        metavar="THRESHOLD",
        help=f"also list pairs of submissions whose own code is similar (0-1; {PAIRS})",
    )
    parser.add_argument(
        "--similar-json", metavar="FILE", help="write those pairs as JSON to FILE ('-': stdout)"
    )


def report_similar(args, paths: list[Path]) -> None:
    """Print (and with ``--similar-json`` write) the similar pairs among ``paths``."""
    if args.similar is None and not args.similar_json:
        return
    import json

    from rnncourse.grading.notebook import NotebookError, read_notebook

    threshold = PAIRS if args.similar is None else args.similar
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"--similar must be between 0 and 1, got {threshold}")
    subs = []
    for path in paths:
        try:
            subs.append((str(path), read_notebook(path).cells))
        except NotebookError:
            continue
    pairs = class_pairs(subs, threshold)
    print(format_pairs(pairs, threshold))
    if args.similar_json:
        from rnncourse.grading.report import write_atomic

        text = json.dumps({"threshold": threshold, "pairs": [p.to_dict() for p in pairs]}, indent=2)
        if args.similar_json == "-":
            print(text)
        else:
            write_atomic(args.similar_json, text + "\n")
