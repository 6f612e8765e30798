"""Safe serialisation between the grader and the sandboxed child process.

The child runs untrusted code, so the grader never unpickles anything it sends. Messages are JSON
with NumPy arrays embedded as ``.npy`` bytes loaded with ``allow_pickle=False``; anything else the
child returns (a cache object, a module) travels only as the name of its type.
"""

from __future__ import annotations

import base64
import io
import json
import os
import struct
from typing import Any

import numpy as np

#: Largest message either side accepts (bytes); a child that sends more is treated as broken.
MAX_MESSAGE = 64 * 1024 * 1024
#: Largest reply to ``exec`` (a cell's error and violations; no results): bytes.
MAX_EXEC_REPLY = 1024 * 1024
#: Strings the grader keeps of one reply's lists (``violations``, ``patched``), and their length.
MAX_LIST_ITEMS, MAX_ITEM_CHARS = 20, 500


class Opaque:
    """Stand-in for a value the child could not send (for example a cache object)."""

    def __init__(self, type_name: str) -> None:
        self.type_name = type_name

    def __repr__(self) -> str:
        return f"<{self.type_name}>"


class Ref:
    """Argument placeholder: element ``item`` of the result of call ``call`` (same request)."""

    def __init__(self, call: int, item: int | None = None) -> None:
        self.call = call
        self.item = item


class Make:
    """Argument the child builds itself, e.g. ``Make("rng", seed=3)`` or a test function."""

    def __init__(self, kind: str, **params: Any) -> None:
        self.kind = kind
        self.params = params


def _array_to_text(a: np.ndarray) -> str:
    buf = io.BytesIO()
    np.save(buf, np.asarray(a, order="C"), allow_pickle=False)  # keeps 0-d arrays 0-d
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _array_from_text(text: str) -> np.ndarray:
    return np.load(io.BytesIO(base64.b64decode(text)), allow_pickle=False)


def to_jsonable(obj: Any, depth: int = 0) -> Any:
    """Turn ``obj`` into JSON-compatible data; unknown objects become ``Opaque`` markers."""
    if depth > 20:
        return {"__opaque__": "too deeply nested"}
    # NumPy scalars first: np.float64 subclasses float, and its repr ("np.float64(0.5)" under
    # NumPy 2) is not a float literal the parent would accept.
    if isinstance(obj, np.generic):
        return {"__npscalar__": _array_to_text(np.asarray(obj))}
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, int):  # int.__index__: a subclass cannot disguise its value
        value = int.__index__(obj)
        return value if abs(value) <= MAX_INT else {"__opaque__": "integer out of range"}
    if isinstance(obj, float):
        return {"__float__": float.__repr__(obj)}
    if isinstance(obj, np.ndarray):
        if obj.dtype.hasobject:
            return {"__opaque__": "array of Python objects"}
        return {"__nd__": _array_to_text(obj)}
    if type(obj).__name__ == "Tensor" and type(obj).__module__.startswith("torch"):
        return {"__nd__": _array_to_text(obj.detach().cpu().numpy()), "torch": True}
    if isinstance(obj, (list, tuple)):
        items = [to_jsonable(v, depth + 1) for v in obj]
        return {"__tuple__": items} if isinstance(obj, tuple) else items
    if isinstance(obj, dict) and all(isinstance(k, str) for k in obj):
        return {"__dict__": {k: to_jsonable(v, depth + 1) for k, v in obj.items()}}
    if isinstance(obj, Ref):
        return {"__ref__": [obj.call, obj.item]}
    if isinstance(obj, Make):
        return {"__make__": obj.kind, "params": to_jsonable(obj.params, depth + 1)}
    return {"__opaque__": type(obj).__name__}


def from_jsonable(data: Any) -> Any:
    """Inverse of :func:`to_jsonable`; builds only plain data, arrays and the marker classes."""
    if isinstance(data, list):
        return [from_jsonable(v) for v in data]
    if not isinstance(data, dict):
        return data
    if "__float__" in data:
        return float(data["__float__"])
    if "__nd__" in data:
        return _array_from_text(data["__nd__"])
    if "__npscalar__" in data:
        return _array_from_text(data["__npscalar__"])[()]
    if "__tuple__" in data:
        return tuple(from_jsonable(v) for v in data["__tuple__"])
    if "__dict__" in data:
        return {str(k): from_jsonable(v) for k, v in data["__dict__"].items()}
    if "__ref__" in data:
        return Ref(int(data["__ref__"][0]), data["__ref__"][1])
    if "__make__" in data:
        return Make(str(data["__make__"]), **from_jsonable(data["params"]))
    if "__opaque__" in data:
        return Opaque(str(data["__opaque__"]))
    return {str(k): from_jsonable(v) for k, v in data.items()}


#: Limits on what a child may send (the grader rejects a reply that exceeds them).
MAX_STRING = 100_000
#: Largest integer either side accepts (beyond, float() would overflow in the grader).
MAX_INT = 2**63
MAX_NDIM = 8
#: Array kinds a child may send: booleans, integers, floats (no objects, records, strings).
ARRAY_KINDS = "biuf"


class BadReply(ValueError):
    """A reply from the child that does not follow the schema."""


def from_untrusted(data: Any, depth: int = 0) -> Any:
    """Decode data sent by a child: a strict :func:`from_jsonable`.

    Exact marker shapes, arrays of plain numeric dtypes only, bounded strings and nesting; anything
    else raises :class:`BadReply`.
    """
    if depth > 40:
        raise BadReply("nested too deeply")
    if data is None or isinstance(data, bool):
        return data
    if isinstance(data, int):
        if abs(data) > MAX_INT:
            raise BadReply("an integer out of range")
        return data
    if isinstance(data, str):
        if len(data) > MAX_STRING:
            raise BadReply(f"a string of {len(data)} characters")
        return data
    if isinstance(data, list):
        return [from_untrusted(v, depth + 1) for v in data]
    if not isinstance(data, dict) or len(data) == 0:
        raise BadReply(f"unexpected {type(data).__name__}")
    keys = set(data)
    if keys == {"__float__"} and isinstance(data["__float__"], str) and len(data["__float__"]) < 40:
        return float(data["__float__"])
    if keys in ({"__nd__"}, {"__nd__", "torch"}, {"__npscalar__"}):
        text = data.get("__nd__", data.get("__npscalar__"))
        if not isinstance(text, str):
            raise BadReply("array data is not text")
        a = _array_from_text(text)
        if a.dtype.kind not in ARRAY_KINDS or a.dtype.names is not None or a.ndim > MAX_NDIM:
            raise BadReply(f"an array of dtype {a.dtype} and {a.ndim} dimensions")
        return a[()] if "__npscalar__" in keys else a
    if keys == {"__tuple__"} and isinstance(data["__tuple__"], list):
        return tuple(from_untrusted(v, depth + 1) for v in data["__tuple__"])
    if keys == {"__dict__"} and isinstance(data["__dict__"], dict):
        return {str(k)[:200]: from_untrusted(v, depth + 1) for k, v in data["__dict__"].items()}
    if keys == {"__opaque__"} and isinstance(data["__opaque__"], str):
        return Opaque(data["__opaque__"][:200])
    raise BadReply("unknown value marker " + ", ".join(sorted(k[:40] for k in keys)[:5]))


#: The reply schema: field -> type (lists hold strings, except ``results``).
REPLY_FIELDS: dict[str, type] = {
    "ok": bool,
    "error": str,
    "traceback": str,
    "timeout": bool,
    "results": list,
    "mutated": list,
    "violations": list,
    "patched": list,
    "stdout_overflow": bool,
    "defined": list,
}


def decode_reply(payload: bytes) -> dict[str, Any]:
    """Decode and validate one reply of a child; raises :class:`BadReply`."""
    try:
        data = json.loads(payload.decode("utf-8"))
    except (ValueError, RecursionError) as e:
        raise BadReply(f"not JSON ({type(e).__name__})") from e
    if not isinstance(data, dict) or "__dict__" not in data or len(data) != 1:
        raise BadReply("a reply must be a dict")
    try:
        reply = from_untrusted(data)
    except (ValueError, RecursionError, OSError) as e:
        raise BadReply(str(e) if isinstance(e, BadReply) else type(e).__name__) from e
    if not isinstance(reply.get("ok"), bool):
        raise BadReply("no 'ok' field")
    for key, value in reply.items():
        kind = REPLY_FIELDS.get(key)
        if kind is None:
            raise BadReply(f"unknown field {key[:40]!r}")
        if not isinstance(value, kind):
            raise BadReply(f"field {key!r} is a {type(value).__name__}")
        if kind is list and key != "results":
            if not all(isinstance(v, str) for v in value):
                raise BadReply(f"field {key!r} must hold strings")
            # bounded before anything else reads them (the child's own cut can be undone)
            reply[key] = [v[:MAX_ITEM_CHARS] for v in value[:MAX_LIST_ITEMS]]
        elif kind is str:
            reply[key] = value[:MAX_STRING]
    return reply


def encode(obj: Any) -> bytes:
    """Encode ``obj`` as one JSON message (arrays as ``.npy`` bytes)."""
    return json.dumps(to_jsonable(obj)).encode("utf-8")


def decode(payload: bytes) -> Any:
    """Decode a message of :func:`encode` (arrays are loaded without pickle)."""
    return from_jsonable(json.loads(payload.decode("utf-8")))


def send(fd: int, obj: Any, prepared: bool = False) -> None:
    """Write one length-prefixed message to ``fd`` (``prepared``: ``obj`` is already JSON data)."""
    payload = json.dumps(obj).encode("utf-8") if prepared else encode(obj)
    data = struct.pack("<Q", len(payload)) + payload
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def read_exact(fd: int, n: int) -> bytes:
    """Read exactly ``n`` bytes from ``fd``; EOFError if the peer closes first."""
    chunks = []
    while n > 0:
        chunk = os.read(fd, min(n, 1 << 20))
        if not chunk:
            raise EOFError("peer closed the channel")
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def receive(fd: int) -> Any:
    """Blocking read of one message (used by the child; the grader reads with a deadline)."""
    (size,) = struct.unpack("<Q", read_exact(fd, 8))
    if size > MAX_MESSAGE:
        raise ValueError(f"message of {size} bytes exceeds the limit of {MAX_MESSAGE}")
    return decode(read_exact(fd, size))
