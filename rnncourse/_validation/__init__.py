"""Input validation shared by the public functions of ``rnncourse``: the one set of validators.

Every public function checks its arguments once, at its boundary, with these helpers (as
scikit-learn does: the reference's sequence functions then call private, unchecked steps). A
wrong argument never surfaces later as a bare NumPy broadcasting error: the message names the
argument, what was expected (a shape in symbols and numbers, a range, a set of choices) and what
came instead. :func:`as_generator` is the one place that turns an ``rng`` argument into a
generator (and says what None means).

Two modules, by concept: :mod:`.arrays` (ndarrays and their shapes, :class:`Dims`) and
:mod:`.scalars` (choices, numbers, integers, dicts, caches, random generators). Import from the
package: ``from rnncourse._validation import check_float_array``.
"""

from __future__ import annotations

from rnncourse._validation.arrays import (
    Dims,
    check_array,
    check_bool_array,
    check_float_array,
    check_ids,
    check_int_array,
    describe,
    fmt_shape,
    parse_shape,
)
from rnncourse._validation.scalars import (
    as_generator,
    check_cache,
    check_choice,
    check_int,
    check_keys,
    check_positive,
)

__all__ = [
    "Dims",
    "as_generator",
    "check_array",
    "check_float_array",
    "check_int_array",
    "check_bool_array",
    "check_ids",
    "check_cache",
    "check_choice",
    "check_positive",
    "check_int",
    "check_keys",
    "describe",
    "fmt_shape",
    "parse_shape",
]
