"""rnncourse.train.keep_freed_memory: argument checks, and the effect on glibc's malloc.

The effect is observed with ``mallinfo2``: a 40 MB block is served by ``mmap`` (counted in
``hblkhd``) under glibc's defaults, and from the reusable heap (``arena``) after the call. Each
case runs in a fresh interpreter so the test process keeps its own allocator settings.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from rnncourse.train import allocator

PROBE = r"""
import ctypes, json, sys
from rnncourse.train.allocator import keep_freed_memory

class MallInfo2(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
                 "uordblks", "fordblks", "keepcost")]

libc = ctypes.CDLL("libc.so.6")
libc.mallinfo2.restype = MallInfo2
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = (ctypes.c_size_t,)
ok = keep_freed_memory() if sys.argv[1] == "keep" else None
before = libc.mallinfo2()
block = libc.malloc(40 << 20)
after = libc.mallinfo2()
print(json.dumps({"ok": ok, "mmapped": after.hblkhd - before.hblkhd,
                  "heap": after.arena - before.arena}))
"""

glibc = pytest.mark.skipif(
    not sys.platform.startswith("linux") or allocator._libc() is None, reason="needs glibc"
)


def _probe(mode: str) -> dict:
    import json

    out = subprocess.run(
        [sys.executable, "-c", PROBE, mode], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


@glibc
def test_default_glibc_maps_a_large_block_and_keep_moves_it_to_the_heap():
    default = _probe("default")
    assert default["mmapped"] >= 40 << 20 and default["heap"] < 1 << 20
    keep = _probe("keep")
    assert keep["ok"] is True
    # the heap grows by the block less whatever free space its top already had (a page or so)
    assert keep["mmapped"] == 0 and keep["heap"] >= 39 << 20


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"mmap_threshold": 0}, "mmap_threshold"),
        ({"mmap_threshold": 2**31}, "mmap_threshold"),
        ({"trim_threshold": -5}, "trim_threshold"),
        ({"trim_threshold": 1.5}, "trim_threshold"),
        ({"mmap_threshold": True}, "mmap_threshold"),
    ],
)
def test_bad_thresholds_name_the_argument(kwargs, name):
    with pytest.raises(ValueError, match=name):
        allocator.keep_freed_memory(**kwargs)
