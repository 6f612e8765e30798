"""In-process guards of the child.

Tripwires on forbidden functions and, with ``--sandbox none``, an import blocker and monkeypatch
detection.

In the isolated mode a forbidden module is absent from the sandbox, so only the tripwires remain
(names an exercise forbids inside a module it allows, e.g. ``torch.nn.LSTM`` in exercise 9).
Everything here runs beside the learner's code and can be undone by it: it reports, the grader
decides, and none of it can earn points.
"""

from __future__ import annotations

import fnmatch
import importlib.abc
import sys
from typing import Any

#: Messages of violations seen since the last report (forbidden import or call).
VIOLATIONS: list[str] = []
#: Modules whose attributes must not be replaced by learner code.
WATCHED = (
    "numpy",
    "numpy.linalg",
    "numpy.random",
    "builtins",
    "math",
    "torch",
    "torch.nn",
    "torch.nn.functional",
    "torch.autograd",
)


def _under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


class Blocker(importlib.abc.MetaPathFinder):
    """Refuses imports the grader's rules name (``--sandbox none`` only) and records them."""

    def __init__(self, rules: dict[str, list[str]]) -> None:
        self.rules = rules

    def _blocked(self, name: str) -> str | None:
        r = self.rules
        if name in r["allowed_exact"] or any(_under(name, p) for p in r["allowed_prefixes"]):
            return None
        inner = next((p for p in r["internals"] if _under(name, p)), None)
        if inner:
            return f"{inner} internals ({name})"
        return next((p for p in r["forbidden_modules"] if _under(name, p)), None)

    def find_spec(self, fullname, path=None, target=None):
        """Raise ImportError for a blocked module (import hook); None lets other finders look."""
        what = self._blocked(fullname)
        if what:
            msg = f"imports {what}, which is not allowed in this exercise"
            VIOLATIONS.append(msg)
            raise ImportError(msg)
        return None


def install_call_tripwires(patterns: tuple[str, ...]) -> None:
    """Wrap forbidden functions/classes so that using them is recorded and refused."""
    for pattern in patterns:
        prefix, glob = pattern.split(":", 1)
        if prefix.split(".")[0] not in sys.modules:
            continue  # not loaded: the import blocker or the static scan handles it
        for name, module in list(sys.modules.items()):
            if module is None or not (name == prefix or name.startswith(prefix + ".")):
                continue
            for attr in list(vars(module)):
                if fnmatch.fnmatchcase(attr, glob):
                    _wrap(module, attr, pattern)


def _wrap(module: Any, attr: str, pattern: str) -> None:
    target = getattr(module, attr)
    label = f"{module.__name__}.{attr}"
    if isinstance(target, type):

        def init(self, *a, __label=label, **k):
            VIOLATIONS.append(f"uses {__label}, which this from-scratch exercise forbids")
            raise RuntimeError(f"{__label} is not allowed in this exercise")

        try:
            target.__init__ = init
        except TypeError:
            pass
        return
    if not callable(target):
        return

    def tripwire(*a, __label=label, **k):
        VIOLATIONS.append(f"uses {__label}, which this exercise forbids")
        raise RuntimeError(f"{__label} is not allowed in this exercise")

    try:
        setattr(module, attr, tripwire)
    except (AttributeError, TypeError):
        pass


def fingerprint() -> dict[str, tuple[int, Any]]:
    """Identity of every public attribute of the watched modules and rnncourse modules."""
    fp: dict[str, tuple[int, Any]] = {}
    names = [n for n in WATCHED if n in sys.modules]
    names += [n for n in sys.modules if n.startswith("rnncourse") and n != __name__]
    for n in names:
        mod = sys.modules.get(n)
        if mod is None:
            continue
        for attr, value in list(vars(mod).items()):
            # functions, classes and modules only: libraries may update their own data lazily
            if not attr.startswith("_") and (callable(value) or isinstance(value, type(sys))):
                fp[f"{n}.{attr}"] = (id(value), value)
    for owner in ("torch.Tensor", "torch.nn.Module"):
        mod_name, cls_name = owner.rsplit(".", 1)
        mod = sys.modules.get(mod_name)
        cls = getattr(mod, cls_name, None) if mod is not None else None
        if isinstance(cls, type):
            for attr, value in list(vars(cls).items()):
                if not attr.startswith("_") or attr in ("__call__", "__matmul__", "__mul__"):
                    fp[f"{owner}.{attr}"] = (id(value), value)
    return fp


def _library_own(key: str, value: Any) -> bool:
    """Return True if a changed attribute's new value comes from the library itself (lazy setup)."""
    root = key.split(".")[0]
    module = getattr(value, "__module__", None)
    if not isinstance(module, str):
        return False
    return (
        module == root
        or module.startswith(root + ".")
        or (root == "builtins" and module == "builtins")
    )


def patched_since(before: dict[str, tuple[int, Any]]) -> list[str]:
    """Return the attributes changed since the ``before`` fingerprint, except the library's own."""
    after = fingerprint()
    changed = []
    for k, (ident, _) in before.items():
        if k not in after:
            changed.append(k)
        elif after[k][0] != ident and not _library_own(k, after[k][1]):
            changed.append(k)
    return sorted(changed)
