"""The read-only file tree of a sandbox: the few package files a child needs, nothing else.

:func:`stage` writes, for one :class:`~rnncourse.grading.policy.Profile`, the package files the
child runs (:data:`CHILD_FILES`: none computes a result) and, for the exercises that build on the
reference, the reference with the graded names cut out (:func:`filtered_source`).
:func:`distribution_dirs` finds the installed folders of NumPy (and torch) and what they require.
"""

from __future__ import annotations

import ast
import functools
import os
from importlib import metadata
from pathlib import Path

from rnncourse.grading.policy import Profile, hidden_name

#: Package files every child needs (relative to the ``rnncourse`` folder); none computes a result.
CHILD_FILES = (
    "__init__.py",
    "grading/__init__.py",
    "grading/feedback.py",
    "grading/wire.py",
    "grading/child/__init__.py",
    "grading/child/runner.py",
    "grading/child/calls.py",
    "grading/child/drivers.py",
    "grading/child/guard.py",
    "grading/sandbox/__init__.py",
    "grading/sandbox/seccomp.py",
)
#: Extra files of the reference profile (the reference itself is filtered, see :func:`stage`).
REFERENCE_FILES = ("grading/lm.py", "grading/data/names.txt")  # beside _validation/, reference/


def package_root() -> Path:
    """Return the folder of the installed ``rnncourse`` package."""
    import rnncourse

    return Path(rnncourse.__file__).resolve().parent


def site_packages() -> Path:
    """Return the ``site-packages`` folder NumPy is installed in."""
    import numpy

    return Path(numpy.__file__).resolve().parent.parent


@functools.cache
def distribution_dirs(roots: tuple[str, ...]) -> list[Path]:
    """Top-level files and folders (in site-packages) of ``roots`` and what they require."""
    site = site_packages()
    seen: set[str] = set()
    todo, out = list(roots), set()
    while todo:
        name = todo.pop()
        key = name.lower().replace("_", "-")
        if key in seen:
            continue
        seen.add(key)
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        for f in dist.files or ():
            top = str(f).split("/")[0]
            if top not in ("..", "__pycache__") and (site / top).exists():
                out.add(site / top)
        for req in dist.requires or ():
            if "extra ==" in req:
                continue
            todo.append(
                req.split(";")[0]
                .split("[")[0]
                .split("<")[0]
                .split(">")[0]
                .split("=")[0]
                .split("!")[0]
                .split("~")[0]
                .strip()
            )
    return sorted(out)


def filtered_source(source: str, hidden: tuple[str, ...]) -> str:
    """Remove from ``source`` the top-level definitions of hidden names.

    Definitions, imports and ``__all__`` entries of the names that
    :func:`~rnncourse.grading.policy.hidden_name` hides are dropped.
    """
    tree = ast.parse(source)
    body = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and hidden_name(
            node.name, hidden
        ):
            continue
        if isinstance(node, ast.ImportFrom):
            mod = (node.module or "").rsplit(".", 1)[-1]
            node.names = [
                a
                for a in node.names
                if not hidden_name(a.name, hidden) and not hidden_name(mod, hidden)
            ]
            if not node.names:
                continue
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets)
            and isinstance(node.value, (ast.List, ast.Tuple))
        ):
            node.value.elts = [
                e
                for e in node.value.elts
                if not (isinstance(e, ast.Constant) and hidden_name(str(e.value), hidden))
            ]
        body.append(node)
    tree.body = body
    return ast.unparse(tree) + "\n"


def stage(dest: Path, prof: Profile) -> None:
    """Write the package files that profile ``prof`` exposes under ``dest/rnncourse``."""
    src = package_root()
    files = list(CHILD_FILES)
    if prof.reference:
        files += list(REFERENCE_FILES)
        for package in ("_validation", "reference"):
            files += [str(p.relative_to(src)) for p in sorted((src / package).glob("*.py"))]
    for rel in files:
        target = dest / "rnncourse" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        text = (src / rel).read_text(encoding="utf-8")
        if rel.startswith("reference/") and prof.hidden:
            if hidden_name(Path(rel).stem, prof.hidden):
                continue  # a module named after a graded function: not there at all
            text = filtered_source(text, prof.hidden)
        target.write_text(text, encoding="utf-8")
    for d in [dest, *dest.rglob("*")]:
        os.chmod(d, 0o755 if d.is_dir() else 0o644)
