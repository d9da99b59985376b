"""Worker processes that go when the process that started them goes, even by `kill -9`.

A parse worker of `build` or a query or page worker of `serve` left running after its parent
was killed keeps memory, a store and (for build) the build lock. Linux is asked to send SIGKILL
when the parent dies; a watchdog thread that sees the worker re-parented does the same where
that is not available.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time

WATCHDOG_SECONDS = 1.0
PR_SET_PDEATHSIG = 1
USE_PDEATHSIG = sys.platform.startswith("linux")


def die_with_parent(parent: int, *, signal_from_kernel: bool = True) -> None:
    """In a worker: end when process `parent` ends (called first thing in the worker).

    The kernel's signal comes when the *thread* that started the worker ends: only for workers
    started by a thread that lives as long as its process (a build's main thread); a server
    starts workers from request threads that come and go, and relies on the watchdog alone."""
    if USE_PDEATHSIG and signal_from_kernel:
        with contextlib.suppress(OSError, AttributeError):
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the request above took effect
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(WATCHDOG_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="flowgraph-parent-watchdog", daemon=True).start()
