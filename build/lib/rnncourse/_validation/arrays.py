"""Array arguments: an ndarray of the right kind whose shape matches the book's symbols.

A message names the argument, the expected shape in symbols *and* numbers, and what came
instead, e.g.::

    ValueError: Wh must be (H, 4H) = (32, 128), got (32, 64)

Shapes are strings of symbols, such as ``"(N, T, D)"`` or ``"(H, 4H)"``. A :class:`Dims` binds
each symbol to a number when first seen (and which argument fixed it): later arguments must agree.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Any

import numpy as np

__all__ = [
    "Dims",
    "check_array",
    "check_float_array",
    "check_int_array",
    "check_bool_array",
    "check_ids",
    "describe",
    "fmt_shape",
    "parse_shape",
]

_TOKEN = re.compile(r"^(\d*)([A-Za-z_][A-Za-z_0-9]*)$|^(\d+)$")


@functools.cache  # a handful of specs, parsed at every call of every public function
def parse_shape(spec: str) -> tuple[tuple[int, str | None], ...]:
    """Parse a shape string such as ``"(N, 4H)"`` into ``((1, "N"), (4, "H"))``.

    Literal sizes come back as ``(size, None)``.

    Parameters
    ----------
    spec : str
        Comma-separated symbols in parentheses; each entry is ``H``, ``4H`` or a literal ``3``.

    Returns
    -------
    tuple of (int, str or None)
        Coefficient and symbol of each axis.
    """
    body = spec.strip()
    if body.startswith("(") and body.endswith(")"):
        body = body[1:-1]
    parts = [p.strip() for p in body.split(",") if p.strip()]
    out: list[tuple[int, str | None]] = []
    for part in parts:
        m = _TOKEN.match(part)
        if m is None:
            raise ValueError(f"bad shape spec {spec!r}: cannot read {part!r}")
        if m.group(3) is not None:
            out.append((int(m.group(3)), None))
        else:
            out.append((int(m.group(1) or 1), m.group(2)))
    return tuple(out)


class Dims:
    """Symbol table for shape checks: ``N``, ``T``, ``D``, ``H`` ... bound to sizes.

    Parameters
    ----------
    **known : int
        Sizes already fixed (for example by a cache), recorded as coming from ``"cache"``.
    """

    def __init__(self, **known: int) -> None:
        self.values: dict[str, int] = {}
        self.sources: dict[str, str] = {}
        for key, val in known.items():
            self.bind(key, int(val), "cache")

    def bind(self, symbol: str, value: int, source: str) -> None:
        """Fix ``symbol`` to ``value`` (noting the argument that fixed it) if not yet bound."""
        if symbol not in self.values:
            self.values[symbol] = value
            self.sources[symbol] = source

    def __getitem__(self, symbol: str) -> int:
        return self.values[symbol]

    def __contains__(self, symbol: object) -> bool:
        return symbol in self.values


def fmt_shape(shape: Iterable[object]) -> str:
    """Write a shape as Python writes a tuple: ``(3, 4)``, ``(5,)``."""
    items = [str(s) for s in shape]
    return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"


def _fmt_spec(axes: tuple[tuple[int, str | None], ...]) -> str:
    return fmt_shape(str(c) if s is None else (s if c == 1 else f"{c}{s}") for c, s in axes)


def describe(value: Any) -> str:
    """Say what came instead of an array: its dtype and shape, or its type."""
    if isinstance(value, np.ndarray):
        return f"array of dtype {value.dtype} and shape {fmt_shape(value.shape)}"
    return f"{type(value).__name__}"


def check_array(name: str, value: Any, spec: str, dims: Dims | None = None) -> np.ndarray:
    """Check that ``value`` is an ndarray whose shape matches ``spec``.

    Unbound symbols are bound from this array (plain symbols first, then multiples such as ``4H``);
    bound ones must agree.

    Parameters
    ----------
    name : str
        Argument name used in messages.
    value : numpy.ndarray
        The argument.
    spec : str
        Expected shape in symbols, e.g. ``"(N, T, D)"``.
    dims : Dims, optional
        Shared symbol table; a fresh one if omitted.

    Returns
    -------
    numpy.ndarray
        ``value`` itself.

    Raises
    ------
    TypeError
        If ``value`` is not an ndarray.
    ValueError
        On a wrong rank or a size that disagrees with the symbols.
    """
    if not isinstance(value, np.ndarray):
        raise TypeError(f"{name} must be a NumPy array of shape {spec}, got {describe(value)}")
    axes = parse_shape(spec)
    dims = dims if dims is not None else Dims()
    if value.ndim != len(axes):
        expected = _expected_numbers(axes, dims)
        raise ValueError(
            f"{name} must have {len(axes)} dimension(s) {_fmt_spec(axes)}{expected}, "
            f"got {value.ndim} with shape {fmt_shape(value.shape)}"
        )
    if 0 in value.shape:
        raise ValueError(
            f"{name} must be {_fmt_spec(axes)} with every size >= 1, "
            f"got the empty shape {fmt_shape(value.shape)}"
        )
    # Bind plain symbols first so that "4H" can be checked against an H from the same array.
    for (coef, sym), size in zip(axes, value.shape, strict=True):
        if sym is not None and coef == 1:
            dims.bind(sym, size, name)
    for (coef, sym), size in zip(axes, value.shape, strict=True):
        if sym is not None and sym not in dims and size % coef == 0:
            dims.bind(sym, size // coef, name)
    expected_shape = tuple(c if s is None else (c * dims[s] if s in dims else -1) for c, s in axes)
    if expected_shape != value.shape:
        bad = {
            s
            for (c, s), want, got in zip(axes, expected_shape, value.shape, strict=True)
            if s is not None and want != got and s in dims
        }
        notes = [
            f"{s} = {dims[s]} from {dims.sources[s]}"
            for s in sorted(bad)
            if dims.sources[s] != name
        ]
        note = f" ({'; '.join(notes)})" if notes else ""
        raise ValueError(
            f"{name} must be {_fmt_spec(axes)} = {_fmt_numbers(expected_shape)}, "
            f"got {fmt_shape(value.shape)}{note}"
        )
    return value


def _fmt_numbers(shape: tuple[int, ...]) -> str:
    return fmt_shape("?" if s < 0 else s for s in shape)  # type: ignore[misc]


def _expected_numbers(axes: tuple[tuple[int, str | None], ...], dims: Dims) -> str:
    if all(s is None or s in dims for _, s in axes):
        return " = " + fmt_shape(c if s is None else c * dims[s] for c, s in axes)
    return ""


def _check_kind(
    name: str,
    value: Any,
    spec: str | None,
    dims: Dims | None,
    dtype_ok: bool,
    kind: str,
    note: str = "",
    hint: str = "",
) -> np.ndarray:
    """Check that ``value`` is an ndarray with ``dtype_ok``, then its shape against ``spec``.

    A TypeError names the ``kind`` of array wanted.
    """
    shape_txt = f" of shape {spec}" if spec else ""
    if not isinstance(value, np.ndarray):
        raise TypeError(f"{name} must be a NumPy {kind} array{shape_txt}, got {describe(value)}")
    if not dtype_ok:
        raise TypeError(
            f"{name} must be {'an' if kind[0] in 'aeiou' else 'a'} {kind} array{note}{shape_txt}, "
            f"got dtype {value.dtype}{hint}"
        )
    if spec is not None:
        check_array(name, value, spec, dims)
    return value


def check_float_array(
    name: str, value: Any, spec: str | None = None, dims: Dims | None = None
) -> np.ndarray:
    """Check that ``value`` is a floating-point ndarray (float16/32/64) and, if given, its shape.

    Parameters
    ----------
    name : str
        Argument name used in messages.
    value : numpy.ndarray
        The argument.
    spec : str, optional
        Expected shape in symbols.
    dims : Dims, optional
        Shared symbol table.

    Returns
    -------
    numpy.ndarray
        ``value`` itself.

    Raises
    ------
    TypeError
        If ``value`` is not an ndarray of a floating dtype.
    ValueError
        If the shape disagrees with ``spec``.
    """
    ok = isinstance(value, np.ndarray) and np.issubdtype(value.dtype, np.floating)
    hint = f"; convert with {name}.astype(np.float64)"
    return _check_kind(name, value, spec, dims, ok, "float", " (float32 or float64)", hint)


def check_int_array(
    name: str,
    value: Any,
    spec: str | None = None,
    dims: Dims | None = None,
    high: int | None = None,
) -> np.ndarray:
    """Check an integer ndarray (class indices), its shape and optionally ``0 <= value < high``.

    Parameters
    ----------
    name : str
        Argument name used in messages.
    value : numpy.ndarray
        The argument.
    spec : str, optional
        Expected shape in symbols.
    dims : Dims, optional
        Shared symbol table.
    high : int, optional
        Exclusive upper bound of the allowed values (the vocabulary size V).

    Returns
    -------
    numpy.ndarray
        ``value`` itself.
    """
    ok = isinstance(value, np.ndarray) and np.issubdtype(value.dtype, np.integer)
    _check_kind(name, value, spec, dims, ok, "integer")
    if high is not None and value.size:
        lo, hi = int(value.min()), int(value.max())
        if lo < 0 or hi >= high:
            raise ValueError(f"{name} must hold indices in [0, {high}), got values in [{lo}, {hi}]")
    return value


def check_bool_array(
    name: str, value: Any, spec: str | None = None, dims: Dims | None = None
) -> np.ndarray:
    """Check a boolean ndarray (a mask) and its shape; parameters as in :func:`check_int_array`."""
    ok = isinstance(value, np.ndarray) and value.dtype == np.bool_
    return _check_kind(name, value, spec, dims, ok, "boolean")


def check_ids(
    name: str,
    value: Any,
    spec: str | None = "(L,)",
    dims: Dims | None = None,
    high: int | None = None,
) -> np.ndarray:
    """Check token ids and return them as an int64 ndarray: :func:`check_int_array` for data.

    Unlike :func:`check_int_array`, ``value`` may be any array_like (a list of ints), and an empty
    sequence passes where its length is free: decoding no ids gives the empty string.

    Parameters
    ----------
    name : str
        Argument name used in messages.
    value : array_like of int
        The argument.
    spec : str or None, default "(L,)"
        Expected shape in symbols; None accepts any shape.
    dims : Dims, optional
        Shared symbol table.
    high : int, optional
        Exclusive upper bound of the ids (the vocabulary size V).

    Returns
    -------
    numpy.ndarray of int64
        The ids (``value`` itself when it already is such an array).
    """
    arr = np.asarray(value)
    if arr.size == 0:
        arr = arr.astype(np.int64)  # NumPy reads [] as float64: no dtype to blame
        if _length_is_free(arr, spec, dims):
            return arr
    return check_int_array(name, arr, spec, dims, high).astype(np.int64, copy=False)


def _length_is_free(arr: np.ndarray, spec: str | None, dims: Dims | None) -> bool:
    """Whether empty ids fit ``spec``: any shape, or one axis whose symbol is not yet bound."""
    if spec is None:
        return True
    axes = parse_shape(spec)
    if arr.ndim != 1 or len(axes) != 1:
        return False
    symbol = axes[0][1]
    return symbol is not None and (dims is None or symbol not in dims)
