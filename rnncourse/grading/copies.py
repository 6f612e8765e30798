"""Copies of the package's own code: a graded function that is the reference's, renamed.

A learner who pastes :mod:`rnncourse.reference`'s implementation of a graded function (or of its
private twin ``_name``) has not done the exercise, even if the sandbox cannot import it. Both
functions are compared as *normalised* syntax trees: docstrings, comments, formatting, type
annotations, constants and every local name (arguments, variables) are ignored, so renaming
variables does not hide a copy, while any change of the computation does.
"""

from __future__ import annotations

import ast
import functools
import importlib
import inspect
import textwrap

#: Where the package's own implementations of graded functions live (name lookup).
SOURCES = ("rnncourse.reference", "rnncourse.data.metrics_bleu")


class _Normalise(ast.NodeTransformer):
    """Rename local names in order of appearance, blank constants, drop docstrings/annotations."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}

    def _name(self, name: str) -> str:
        return self.names.setdefault(name, f"v{len(self.names)}")

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        node.name = "f"
        node.returns = None
        node.decorator_list = []
        if (
            node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
            and isinstance(node.body[0].value.value, str)
        ):
            node.body = node.body[1:] or [ast.Pass()]
        self.generic_visit(node)
        return node

    def visit_arg(self, node: ast.arg) -> ast.AST:
        node.arg = self._name(node.arg)
        node.annotation = None
        return node

    def visit_Name(self, node: ast.Name) -> ast.AST:
        node.id = self._name(node.id)
        return node

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        return ast.copy_location(ast.Constant(value=None), node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> ast.AST:
        new = ast.Assign(targets=[node.target], value=node.value or ast.Constant(None))
        return self.generic_visit(ast.copy_location(new, node))


def fingerprint(func: ast.FunctionDef) -> str:
    """Return the normalised form of one function definition."""
    tree = _Normalise().visit(ast.parse(ast.unparse(func)).body[0])
    return ast.dump(tree, annotate_fields=False, include_attributes=False)


@functools.cache
def package_fingerprints(name: str) -> tuple[tuple[str, str], ...]:
    """``(where, fingerprint)`` of the package's implementations of ``name`` (and ``_name``)."""
    out = []
    for mod_name in SOURCES:
        mod = importlib.import_module(mod_name)
        for attr in (name, "_" + name):
            fn = getattr(mod, attr, None)
            if fn is None:
                continue
            home = inspect.getmodule(fn)
            try:
                tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
            except (OSError, TypeError, SyntaxError):
                continue
            node = tree.body[0]
            if isinstance(node, ast.FunctionDef):
                where = f"{home.__name__ if home else mod_name}.{attr}"
                out.append((where, fingerprint(node)))
    return tuple(out)


def copied_parts(source: str, names: list[str]) -> list[str]:
    """Messages for the graded functions of ``source`` that copy the package's own code."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    msgs = []
    for node in tree.body:
        if not (isinstance(node, ast.FunctionDef) and node.name in names):
            continue
        try:
            mine = fingerprint(node)
        except RecursionError:
            continue
        for where, theirs in package_fingerprints(node.name):
            if mine == theirs:
                msgs.append(
                    f"`{node.name}` is a copy of the package's own {where} (the same "
                    "code up to names and formatting): write your own, scored 0"
                )
    return msgs
