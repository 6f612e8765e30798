"""The seccomp filter of every sandbox: a classic BPF program built here, no library needed.

It refuses (``EPERM``) the system calls a graded notebook never needs and an escape would:
new namespaces (``unshare``, ``setns``, and ``clone`` with any ``CLONE_NEW*`` flag, so no user
namespace with full capabilities can be made inside), ``mount`` and the new mount API, ``bpf``,
``keyctl`` and the key calls, ``perf_event_open``, ``ptrace`` and ``process_vm_*``, module and
kexec loading, ``userfaultfd``, ``io_uring``, ``swapon``, ``reboot``, ``syslog``, ``acct``,
``chroot``, ``pivot_root``. ``clone3`` gets ``ENOSYS`` (its flags are in memory, out of a
filter's reach), so the C library falls back to ``clone``, whose flags are checked: this is what
Docker's default profile does. A call of another architecture (the x32 ABI included) is refused.

bubblewrap installs it with ``--seccomp FD`` (:mod:`.isolation`); without bubblewrap the child
installs it itself before any learner code runs (:func:`install`, after ``no_new_privs``).
Only x86-64 is described; elsewhere :func:`program` returns ``None`` and the report says so.
"""

from __future__ import annotations

import errno
import platform
import struct

AUDIT_ARCH_X86_64 = 0xC000003E
X32_BIT = 0x40000000
#: ``CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID |
#: CLONE_NEWNET | CLONE_NEWTIME``
CLONE_NEW_ANY = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000
CLONE_NEW_ANY |= 0x40000000 | 0x00000080
#: x86-64 numbers of the refused calls (``arch/x86/entry/syscalls/syscall_64.tbl``).
REFUSED_X86_64 = {
    "ptrace": 101,
    "syslog": 103,
    "pivot_root": 155,
    "chroot": 161,
    "acct": 163,
    "mount": 165,
    "umount2": 166,
    "swapon": 167,
    "swapoff": 168,
    "reboot": 169,
    "init_module": 175,
    "delete_module": 176,
    "quotactl": 179,
    "kexec_load": 246,
    "add_key": 248,
    "request_key": 249,
    "keyctl": 250,
    "unshare": 272,
    "perf_event_open": 298,
    "open_by_handle_at": 304,
    "setns": 308,
    "process_vm_readv": 310,
    "process_vm_writev": 311,
    "finit_module": 313,
    "kexec_file_load": 320,
    "bpf": 321,
    "userfaultfd": 323,
    "io_uring_setup": 425,
    "io_uring_enter": 426,
    "io_uring_register": 427,
    "open_tree": 428,
    "move_mount": 429,
    "fsopen": 430,
    "fsconfig": 431,
    "fsmount": 432,
    "fspick": 433,
    "mount_setattr": 442,
}
NR_CLONE, NR_CLONE3 = 56, 435

# classic BPF opcodes and seccomp return values (linux/filter.h, linux/seccomp.h)
_LD_W_ABS, _JEQ_K, _JGE_K, _JSET_K, _RET_K = 0x20, 0x15, 0x35, 0x45, 0x06
RET_ALLOW, RET_KILL_PROCESS, RET_ERRNO = 0x7FFF0000, 0x80000000, 0x00050000
_NR, _ARCH, _ARG0 = 0, 4, 16  # offsets in struct seccomp_data (args[0]: low 32 bits first)


def _insn(code: int, k: int, jt: int = 0, jf: int = 0) -> bytes:
    return struct.pack("<HBBI", code, jt, jf, k)


def program(machine: str | None = None) -> bytes | None:
    """Return the filter as raw ``struct sock_filter`` entries, or ``None`` off x86-64."""
    if (machine or platform.machine()) not in ("x86_64", "AMD64"):
        return None
    eperm, enosys = RET_ERRNO | errno.EPERM, RET_ERRNO | errno.ENOSYS
    p = [
        _insn(_LD_W_ABS, _ARCH),
        _insn(_JEQ_K, AUDIT_ARCH_X86_64, 1, 0),
        _insn(_RET_K, RET_KILL_PROCESS),
        _insn(_LD_W_ABS, _NR),
        _insn(_JGE_K, X32_BIT, 0, 1),
        _insn(_RET_K, eperm),
    ]
    for nr in sorted(REFUSED_X86_64.values()):
        p += [_insn(_JEQ_K, nr, 0, 1), _insn(_RET_K, eperm)]
    p += [_insn(_JEQ_K, NR_CLONE3, 0, 1), _insn(_RET_K, enosys)]
    p += [
        _insn(_JEQ_K, NR_CLONE, 0, 3),
        _insn(_LD_W_ABS, _ARG0),
        _insn(_JSET_K, CLONE_NEW_ANY, 0, 1),
        _insn(_RET_K, eperm),
        _insn(_RET_K, RET_ALLOW),
    ]
    return b"".join(p)


def install(prog: bytes) -> None:
    """Install ``prog`` on this process (and all it will start): no_new_privs, then the filter.

    Raises ``OSError`` where the kernel refuses.
    """
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_no_new_privs, pr_set_seccomp, seccomp_mode_filter = 38, 22, 2

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_char_p)]

    buf = ctypes.create_string_buffer(prog, len(prog))
    fprog = SockFprog(len(prog) // 8, ctypes.cast(buf, ctypes.c_char_p))
    if libc.prctl(pr_set_no_new_privs, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) refused")
    if libc.prctl(pr_set_seccomp, seccomp_mode_filter, ctypes.byref(fprog), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_SECCOMP) refused")
