"""What each exercise may use: the grader's policy, decided in the grader, never in the child.

An exercise names the modules it forbids (``Exercise.forbidden_modules``) and the names it
forbids inside allowed modules (``Exercise.forbidden_calls``, ``"module:glob"``). From these the
grader derives

- the *profile* of the sandbox (:class:`Profile`): whether torch is mounted, whether the
  package's reference is mounted and which of its names are cut out of that copy. In the isolated
  mode a forbidden module is simply absent from the sandbox;
- the rules the in-process guard of ``--sandbox none`` applies (:func:`forbidden_module`,
  :func:`forbidden_match`), sent to the child as plain lists.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass

from rnncourse.grading.core import Exercise

#: Always usable by learners: the package roots, ``check`` and the support code of exercise 3.
ALLOWED_EXACT = (
    "rnncourse",
    "rnncourse.grading",
    "rnncourse.grading.check",
    "rnncourse.grading.CheckResult",
)
ALLOWED_PREFIXES = ("rnncourse.grading.lm",)
#: Never usable: the checker's own implementations would pass every check.
INTERNALS = "rnncourse.grading"
#: Findings that cost only the parts of the cell where they occur: an import the exercise does
#: not allow (in a combined notebook it may serve another exercise; it cannot have helped).
LOCAL_FINDINGS = ("which this exercise does not allow", "which is not allowed in this exercise")


def _under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def forbidden_module(name: str, prefixes: tuple[str, ...]) -> str | None:
    """Return the forbidden module that dotted ``name`` belongs to, if any."""
    if name in ALLOWED_EXACT or any(_under(name, p) for p in ALLOWED_PREFIXES):
        return None
    if _under(name, INTERNALS):
        return f"{INTERNALS} internals ({name})"
    return next((p for p in prefixes if _under(name, p)), None)


def forbidden_match(dotted: str, patterns: tuple[str, ...]) -> str | None:
    """Return the pattern (``"module:glob"``) that the dotted name ``a.b.c`` falls under, if any."""
    for pattern in patterns:
        prefix, glob = pattern.split(":", 1)
        if not _under(dotted, prefix):
            continue
        if any(fnmatch.fnmatchcase(part, glob) for part in dotted[len(prefix) :].split(".")):
            return pattern
    return None


@dataclass(frozen=True)
class Profile:
    """What one sandbox holds besides NumPy and the standard library.

    ``torch``: torch and its dependencies are mounted. ``reference``: the package's NumPy
    reference (and the support code of exercise 3) is mounted, with every top-level name that
    matches one of ``hidden`` (leading underscores ignored, so private helpers go too) removed.
    """

    torch: bool = False
    reference: bool = False
    hidden: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """Return a short file-name-safe name of the profile, e.g. ``numpy+torch``."""
        parts = ["numpy"] + (["torch"] if self.torch else [])
        if self.reference:
            parts.append("reference" + ("-" + "-".join(self.hidden) if self.hidden else ""))
        return "+".join(parts).replace("*", "x")

    def describe(self) -> str:
        """Return the profile in words, for reports."""
        what = ["NumPy"] + (["torch"] if self.torch else [])
        if self.reference:
            what.append(
                "rnncourse.reference"
                + (" without " + ", ".join(self.hidden) if self.hidden else "")
            )
        return ", ".join(what)


def profile(ex: Exercise) -> Profile:
    """Return the sandbox profile of exercise ``ex``."""
    hidden = tuple(
        sorted(
            glob
            for p in ex.forbidden_calls
            for mod, glob in [p.split(":", 1)]
            if mod == "rnncourse.reference"
        )
    )
    return Profile(
        torch=forbidden_module("torch", ex.forbidden_modules) is None,
        reference=forbidden_module("rnncourse.reference", ex.forbidden_modules) is None,
        hidden=hidden,
    )


def hidden_name(name: str, globs: tuple[str, ...]) -> bool:
    """Whether top-level ``name`` is cut out of the reference copy (``_x`` counts as ``x``)."""
    bare = name.lstrip("_")
    return any(fnmatch.fnmatchcase(bare, g) for g in globs)


def guard_rules(ex: Exercise) -> dict[str, list[str]]:
    """Return the rules the in-process guard of ``--sandbox none`` applies, as plain lists."""
    return {
        "forbidden_modules": list(ex.forbidden_modules),
        "forbidden_calls": list(ex.forbidden_calls),
        "allowed_exact": list(ALLOWED_EXACT),
        "allowed_prefixes": list(ALLOWED_PREFIXES),
        "internals": [INTERNALS],
    }
