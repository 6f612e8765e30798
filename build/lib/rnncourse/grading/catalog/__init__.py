"""The graded exercises, one module per exercise: parts, points, random cases, known mistakes.

Each module ``exNN_name.py`` of this package defines ``EXERCISE``, an
:class:`~rnncourse.grading.core.Exercise` whose parts draw fresh random cases, compute the expected
outputs with :mod:`rnncourse.reference` (exercise 9: ``torch.nn.LSTM``) and the outputs of known
mistakes with :mod:`rnncourse.grading.mutants`, so a learner's output that matches a mistake gets
its hint. Modules are found by name (``ex`` + two digits): adding an exercise is adding a module
(see ``rnncourse/grading/README.md``, "How to add an exercise").
"""

from __future__ import annotations

import importlib
import pkgutil
import re

from rnncourse.grading.core import Exercise, Part

_MODULE = re.compile(r"ex\d\d_\w+$")


def _load() -> dict[str, Exercise]:
    found: dict[str, Exercise] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if not _MODULE.match(info.name):
            continue
        ex = importlib.import_module(f"{__name__}.{info.name}").EXERCISE
        if ex.id != info.name:
            raise RuntimeError(f"{info.name}.py defines exercise {ex.id!r}; name them alike")
        found[ex.id] = ex
    return found


#: Every exercise, by id, in the order of their numbers.
EXERCISES: dict[str, Exercise] = _load()


def find_part(name: str) -> tuple[Exercise, Part]:
    """Return the exercise and part whose graded function is called ``name``."""
    for ex in EXERCISES.values():
        for part in ex.parts:
            if part.name == name:
                return ex, part
    known = ", ".join(p.name for e in EXERCISES.values() for p in e.parts)
    raise ValueError(f"unknown check name {name!r}; known names: {known}")


__all__ = ["EXERCISES", "find_part"]
