"""Arguments that are not arrays: choices, positive numbers, integers, dicts and caches."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from rnncourse._validation.arrays import describe

__all__ = [
    "as_generator",
    "check_cache",
    "check_choice",
    "check_positive",
    "check_int",
    "check_keys",
]


def check_cache(cache: Any, expected: type, producer: str) -> Any:
    """Check that ``cache`` is the object returned by ``producer`` (a forward function).

    Parameters
    ----------
    cache : object
        The cache passed to a backward function.
    expected : type
        The cache class the backward function needs.
    producer : str
        Name of the forward function that makes such caches, for the message.

    Returns
    -------
    object
        ``cache`` itself; a cache of another type raises TypeError saying where it came from.
    """
    if not isinstance(cache, expected):
        origin = getattr(cache, "producer", None)
        came = f"a cache from {origin}" if origin else describe(cache)
        raise TypeError(f"cache must be the cache returned by {producer}, got {came}")
    return cache


def check_choice(name: str, value: Any, choices: Iterable[Any]) -> Any:
    """Check that ``value`` is one of ``choices``.

    Parameters
    ----------
    name : str
        Argument name used in messages.
    value : object
        The argument.
    choices : iterable
        Allowed values.

    Returns
    -------
    object
        ``value`` itself; another value raises ValueError listing the choices.
    """
    options = list(choices)
    if value not in options:
        listed = ", ".join(repr(c) for c in options)
        raise ValueError(f"{name} must be one of {listed}; got {value!r}")
    return value


def check_positive(name: str, value: Any, allow_zero: bool = False) -> float:
    """Check a real scalar that must be > 0 (or >= 0 with ``allow_zero``).

    Parameters
    ----------
    name : str
        Argument name used in messages.
    value : float
        The argument.
    allow_zero : bool, default False
        Accept 0.

    Returns
    -------
    float
        ``value`` as a float.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    ok = value >= 0 if allow_zero else value > 0
    if not ok or not np.isfinite(value):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be a finite number {bound}, got {value!r}")
    return float(value)


def check_int(
    name: str,
    value: Any,
    minimum: int = 1,
    allow_none: bool = False,
    maximum: int | None = None,
) -> int | None:
    """Check an integer (a size, a count, a length) that must be ``>= minimum``.

    Parameters
    ----------
    name : str
        Argument name used in messages.
    value : int
        The argument; a bool or a float such as ``3.0`` is refused.
    minimum : int, default 1
        Smallest allowed value.
    allow_none : bool, default False
        Accept None (an option that is off), returned as is.
    maximum : int, optional
        Largest allowed value (a size that must fit a figure or a widget).

    Returns
    -------
    int or None
        ``value`` as a Python int; anything else raises ValueError naming the bound(s).
    """
    if value is None and allow_none:
        return None
    is_int = isinstance(value, (int, np.integer)) and not isinstance(value, bool)
    if not is_int or value < minimum or (maximum is not None and value > maximum):
        bound = f">= {minimum}" if maximum is None else f"in [{minimum}, {maximum}]"
        what = f"None or an integer {bound}" if allow_none else f"an integer {bound}"
        raise ValueError(f"{name} must be {what}, got {value!r}")
    return int(value)


def check_keys(name: str, mapping: Any, required: Iterable[str]) -> Mapping[str, Any]:
    """Check that ``mapping`` is a dict holding every key in ``required``.

    Parameters
    ----------
    name : str
        Argument name used in messages.
    mapping : dict
        The argument.
    required : iterable of str
        Keys that must be present.

    Returns
    -------
    Mapping
        ``mapping`` itself.
    """
    if not isinstance(mapping, Mapping):
        raise TypeError(f"{name} must be a dict, got {type(mapping).__name__}")
    missing = [k for k in required if k not in mapping]
    if missing:
        raise ValueError(
            f"{name} is missing key(s) {', '.join(repr(k) for k in missing)}; "
            f"it has {', '.join(repr(k) for k in mapping) or 'no keys'}"
        )
    return mapping


def as_generator(rng: Any, name: str = "rng") -> np.random.Generator:
    """Return a ``numpy.random.Generator`` from ``rng``: the one RNG policy of ``rnncourse``.

    Parameters
    ----------
    rng : numpy.random.Generator, int or None
        A generator is used as it is (its stream goes on); an integer is a seed, so the result
        is reproducible; None means fresh, unpredictable entropy from the operating system
        (``numpy.random.default_rng()``), a different stream at every call. Pass a seed
        wherever a result must be reproducible.
    name : str, default "rng"
        Argument name used in messages.

    Returns
    -------
    numpy.random.Generator
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or (isinstance(rng, (int, np.integer)) and not isinstance(rng, bool)):
        return np.random.default_rng(rng)
    raise TypeError(
        f"{name} must be a numpy.random.Generator, an int seed or None, got {type(rng).__name__}"
    )
