"""Processes that end with their parent, and whether a recorded process is still alive.

A run starts kernels, and a kernel's sampler forks one worker per chain. When
the runner is killed (``kill -9``, the out-of-memory killer, a closed
terminal) nothing in it gets to clean up, so each child must notice its
parent's death by itself. On Linux the kernel does that for us:
``prctl(PR_SET_PDEATHSIG, SIGKILL)`` makes the kernel deliver SIGKILL to a
process when the thread that created it exits (prctl(2)). The setting is not
inherited by ``fork()`` children, so :func:`guard_forked_children` re-applies it
in every child forked from the main thread (the sampler's chain workers).
Other systems lack the call; there these functions do nothing and a run
relies on its own shutdown on Ctrl-C and ``kill -TERM``.
"""

from __future__ import annotations

import os
import signal
import sys
import threading

PR_SET_PDEATHSIG = 1
_state = {"installed": False, "from_main": False, "parent": 0}


def set_parent_death_signal(signum: int = signal.SIGKILL, parent: int | None = None) -> bool:
    """Ask Linux to send ``signum`` to this process when its parent (thread) dies; False where unsupported.

    ``parent`` is the pid the caller expects as parent: if it is already gone
    (it died between the fork and this call, a race prctl cannot see), exit now.
    """
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, int(signum), 0, 0, 0) != 0:
            return False
    except (OSError, AttributeError):
        return False
    if parent is not None and os.getppid() != parent:
        os._exit(1)
    return True


def _before_fork() -> None:
    _state["from_main"] = threading.current_thread() is threading.main_thread()
    _state["parent"] = os.getpid()


def _after_fork_in_child() -> None:
    # Only children of the main thread: a death signal tied to a short-lived helper thread would
    # kill the child when that thread ends, long before the process does.
    if _state["from_main"]:
        set_parent_death_signal(signal.SIGKILL, parent=_state["parent"])


def guard_forked_children() -> None:
    """Every later ``fork()`` from this process's main thread gives a child that dies with this process.

    Idempotent. ``subprocess`` children are not affected (CPython runs no
    at-fork hooks for them), so compilers and other helpers behave as before.
    """
    if _state["installed"] or not hasattr(os, "register_at_fork"):
        return
    os.register_at_fork(before=_before_fork, after_in_child=_after_fork_in_child)
    _state["installed"] = True


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (state first); None when unreadable."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            text = fh.read()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()  # the name in (...) may hold spaces


def start_time(pid: int) -> int | None:
    """When process ``pid`` started (clock ticks since boot, from /proc), to tell it from a later process
    that reused the pid; None when unknown (no /proc, no such process)."""
    fields = _stat(pid)
    try:
        return int(fields[19]) if fields else None  # field 22 of stat
    except (ValueError, IndexError):
        return None


def is_alive(pid: int, started: int | None = None) -> bool:
    """Whether process ``pid`` runs (not a zombie) and, given ``started``, is the process that was recorded."""
    if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # exists, owned by someone else
    fields = _stat(pid)
    if fields is None:
        return not os.path.isdir("/proc/self")  # no /proc: trust kill(0)
    if fields[0] == "Z":
        return False
    return started is None or start_time(pid) == started
