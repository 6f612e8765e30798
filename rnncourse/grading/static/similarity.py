"""Similarity of code by winnowing normalised token streams (the method of MOSS).

A definition is first *normalised* as a syntax tree: docstrings, annotations, decorators, ``pass``
and other statements without effect are dropped, and an ``if`` on a constant is replaced by the
branch it takes, so inserted no-ops and ``if True:`` indentation change nothing. Its token stream
is the tree in pre-order, one token per node type (``Name``, ``Call``, ``Mult`` ...): renaming a
variable or changing a constant changes nothing, the structure of every expression is kept. The
k-grams of the stream are hashed and a *winnowing* window keeps the smallest hash of every
``WINDOW`` consecutive ones (Schleimer, Wilkerson and Aiken, SIGMOD 2003): two definitions that
share a run of at least ``K + WINDOW - 1`` tokens share a fingerprint. Each statement is also
winnowed on its own, so reordering the statements keeps half of the fingerprints whole.

`copydetect <https://pypi.org/project/copydetect/>`_ implements winnowing for whole files; it
was evaluated and is not used: importing it imports ``matplotlib.pyplot`` (11 s on the course's
2-core machine, at every ``rnncourse grade``), it works on characters of pygments-filtered text
rather than on syntax, and it has no notion of definitions (nested, methods) to compare.
"""

from __future__ import annotations

import ast
import zlib
from dataclasses import dataclass

#: Tokens per k-gram, and k-grams per winnowing window.
K, WINDOW = 8, 4


class _Normalise(ast.NodeTransformer):
    """Drop what cannot change the computation: docstrings, annotations, no-op statements."""

    def _function(self, node):
        node.returns, node.decorator_list = None, []
        return self.generic_visit(node)

    visit_FunctionDef = visit_AsyncFunctionDef = _function

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.AST:
        node.decorator_list = []
        return self.generic_visit(node)

    def visit_arg(self, node: ast.arg) -> ast.AST:
        node.annotation = None
        return node

    def visit_Pass(self, node: ast.Pass) -> None:
        return None

    def visit_Expr(self, node: ast.Expr) -> ast.AST | None:
        if isinstance(node.value, (ast.Constant, ast.Name)):  # docstrings, `...`, `0`, `x`
            return None
        return self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> ast.AST | None:
        if node.value is None:
            return None
        return self.generic_visit(ast.copy_location(ast.Assign([node.target], node.value), node))

    def visit_If(self, node: ast.If) -> ast.AST | list[ast.stmt] | None:
        if isinstance(node.test, ast.Constant):  # `if True:` is its body, `if 0:` its else
            return [self.visit(s) for s in (node.body if node.test.value else node.orelse)]
        return self.generic_visit(node)


def _fill(tree: ast.AST) -> ast.AST:
    """Give every statement list that lost all its statements a ``pass`` (so it can be written)."""
    for node in ast.walk(tree):
        for field in ("body", "orelse", "finalbody"):
            value = getattr(node, field, None)
            if isinstance(value, list):
                flat = []
                for v in value:  # an `if True:` inside an `if True:` leaves nested lists
                    stack = [v]
                    while stack:
                        x = stack.pop(0)
                        if isinstance(x, list):
                            stack[:0] = x
                        elif x is not None:
                            flat.append(x)
                keep = field == "body" and isinstance(
                    node, (ast.stmt, ast.Module, ast.excepthandler)
                )
                setattr(node, field, flat or ([ast.Pass()] if keep else []))
    return tree


def normalised(node: ast.AST) -> ast.AST:
    """Normalise ``node`` (a definition) in place: no docstrings, annotations or no-ops."""
    return _fill(_Normalise().visit(node))


#: The token that separates statements in a stream (k-grams never span it).
BOUNDARY = "|"


def tokens(node: ast.AST) -> list[str]:
    """Return the token stream of ``node``: its syntax tree in pre-order, one token per node.

    A token is the node's type (``Name``, ``BinOp``, ``Mult``, ``Call`` ...): identifiers,
    numbers and strings are all alike, so renaming a variable or changing a constant changes
    nothing, while the structure of every expression is kept. Every statement starts with
    :data:`BOUNDARY`, so that the fingerprints do not depend on the order of the statements.
    """
    out: list[str] = []
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, ast.expr_context):
            continue
        if isinstance(n, ast.stmt):
            out.append(BOUNDARY)
        out.append(type(n).__name__)
        stack.extend(reversed(list(ast.iter_child_nodes(n))))
    return out


def _hash(gram: list[str]) -> int:
    """Return a 64-bit hash of a k-gram, the same in every process.

    ``hash`` of a string is not: it is salted per process, so which hash a window keeps, and
    every similarity, would vary from run to run.
    """
    data = " ".join(gram).encode()
    return zlib.crc32(data) << 32 | zlib.adler32(data)


def _segment_hashes(seg: list[str], k: int, window: int) -> set[int]:
    if len(seg) < k:
        return {_hash(seg)}
    hashes = [_hash(seg[i : i + k]) for i in range(len(seg) - k + 1)]
    if len(hashes) <= window:
        return {min(hashes)}
    return {min(hashes[i : i + window]) for i in range(len(hashes) - window + 1)}


def winnow(stream: list[str], k: int = K, window: int = WINDOW) -> frozenset[int]:
    """Return the fingerprints of ``stream``: of the whole stream and of each statement.

    The stream without its boundaries is cut into k-grams, hashed, and the minimum hash of every
    ``window`` consecutive ones is kept (winnowing); each statement's tokens (up to the next
    :data:`BOUNDARY`) are winnowed the same way on their own, a statement shorter than ``k``
    tokens being one fingerprint. The first half follows the order of the code, the second does
    not depend on the order of the statements, so reordering lowers the similarity only by part.
    The hashes are CRC-32 and Adler-32 of the k-gram's text side by side: the same in every run.
    """
    flat = [t for t in stream if t != BOUNDARY]
    picked = {-h for h in _segment_hashes(flat, k, window)} if flat else set()
    seg: list[str] = []
    for tok in [*stream, BOUNDARY]:
        if tok == BOUNDARY:
            if seg:
                picked |= _segment_hashes(seg, k, window)
            seg = []
        else:
            seg.append(tok)
    return frozenset(picked)


@dataclass(frozen=True)
class Fingerprint:
    """The fingerprints of one definition and the length of its token stream."""

    where: str  # e.g. "rnncourse.reference.rnn.rnn_step_forward" or "cell 3: my_forward"
    name: str
    hashes: frozenset[int]
    size: int  # tokens after normalisation
    text: str  # the token stream (exact copies up to names and constants have the same)


def fingerprint(node: ast.AST, where: str) -> Fingerprint:
    """Return the :class:`Fingerprint` of a definition node."""
    norm = normalised(node)
    stream = tokens(norm)
    return Fingerprint(
        where, getattr(node, "name", "?"), winnow(stream), len(stream), " ".join(stream)
    )


def containment(a: Fingerprint, b: Fingerprint) -> float:
    """Return the share of ``a``'s fingerprints that are also ``b``'s (0 to 1)."""
    return len(a.hashes & b.hashes) / len(a.hashes) if a.hashes else 0.0


def similarity(a: Fingerprint, b: Fingerprint) -> float:
    """Return the smaller of the two containments: high only when each is mostly the other."""
    return min(containment(a, b), containment(b, a))


def definitions(tree: ast.AST) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    """Return every function and method in ``tree``: nested, under ``if`` / ``with``, in classes."""
    return [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
