"""A query worker that cannot reach the network: the second wall behind the SERVICE guard.

Oxigraph (and rdflib) answer a SERVICE clause by opening an HTTP connection themselves, in
native code Python cannot hook. A seccomp filter, installed through libseccomp before the worker
starts any thread, makes the kernel refuse every new IPv4 and IPv6 socket in that process, so a
query the guard failed to refuse still fetches nothing. The worker keeps the Unix pipe it was
started with. Where libseccomp is missing the worker moves into a network namespace of its own
(loopback down, no routes) instead; if neither is possible the worker says so on stderr.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import socket
import sys

_SCMP_ACT_ALLOW = 0x7FFF0000
_SCMP_CMP_EQ = 4
_CLONE_NEWNET = 0x40000000


def _scmp_act_errno(code: int) -> int:
    return 0x00050000 | (code & 0x0000FFFF)


class _ArgCmp(ctypes.Structure):
    _fields_ = [
        ("arg", ctypes.c_uint),
        ("op", ctypes.c_int),
        ("datum_a", ctypes.c_uint64),
        ("datum_b", ctypes.c_uint64),
    ]


def _seccomp_no_inet() -> None:
    name = ctypes.util.find_library("seccomp") or "libseccomp.so.2"
    lib = ctypes.CDLL(name, use_errno=True)
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_rule_add_array.argtypes = [
        ctypes.c_void_p,
        ctypes.c_uint32,
        ctypes.c_int,
        ctypes.c_uint,
        ctypes.POINTER(_ArgCmp),
    ]
    lib.seccomp_load.argtypes = [ctypes.c_void_p]
    lib.seccomp_release.argtypes = [ctypes.c_void_p]
    ctx = lib.seccomp_init(_SCMP_ACT_ALLOW)
    if not ctx:
        raise OSError("seccomp_init failed")
    try:
        refuse = _scmp_act_errno(errno.EACCES)
        for syscall in (b"socket", b"socketpair"):
            number = lib.seccomp_syscall_resolve_name(syscall)
            for family in (socket.AF_INET, socket.AF_INET6):
                cmp = _ArgCmp(0, _SCMP_CMP_EQ, family, 0)
                rc = lib.seccomp_rule_add_array(ctx, refuse, number, 1, ctypes.byref(cmp))
                if rc < 0:
                    raise OSError(-rc, f"seccomp_rule_add for {syscall.decode()} failed")
        rc = lib.seccomp_load(ctx)
        if rc < 0:
            raise OSError(-rc, "seccomp_load failed")
    finally:
        lib.seccomp_release(ctx)


def _own_network_namespace() -> None:
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    if libc.unshare(_CLONE_NEWNET) != 0:
        code = ctypes.get_errno()
        raise OSError(code, "unshare(CLONE_NEWNET) failed")


def forbid_network() -> str:
    """Cut this process off the network; returns how ("seccomp", "netns" or "none")."""
    try:
        _seccomp_no_inet()
        return "seccomp"
    except OSError as first:
        try:
            _own_network_namespace()
            return "netns"
        except OSError as second:
            print(
                f"flowgraph: warning: query worker not cut off the network "
                f"(seccomp: {first}; network namespace: {second}); the SERVICE guard is the only wall",
                file=sys.stderr,
            )
            return "none"


def network_is_forbidden() -> bool:
    """True when this process can no longer create an Internet socket."""
    try:
        socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()
    except OSError:
        return True
    return False
