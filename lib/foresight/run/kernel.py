"""Kernels that cannot outlive their run, and a way to stop every live kernel at once.

Why this mechanism (issue: a killed run left sampler workers holding memory for hours):

- ``kill -9`` of the runner cannot be caught, so the children must react to
  their parent's death themselves. Each kernel starts through
  ``python -m foresight.run.kernel`` instead of ``ipykernel_launcher``; it asks
  Linux for SIGKILL when the runner dies (``PR_SET_PDEATHSIG``) and installs
  :func:`foresight.base.processes.guard_forked_children`, so the chain workers
  PyMC forks from the kernel die with the kernel in turn. A chain of
  parent-death signals needs no watchdog process and no polling.
- Ctrl-C, ``kill -TERM`` and a closed terminal (SIGHUP) are caught by the
  runner, which calls :func:`stop_all`: jupyter_client starts each kernel in a
  session of its own (so a terminal's Ctrl-C never reaches it), and everything
  the kernel forks stays in that session's process group, so one ``killpg``
  per kernel ends the kernel and its workers together, at once instead of after
  the running notebook's last cell.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

from jupyter_client import AsyncKernelManager

from foresight.base.processes import guard_forked_children, set_parent_death_signal

LAUNCHER = "foresight.run.kernel"
_live: set[GuardedKernelManager] = set()
_lock = threading.Lock()


class GuardedKernelManager(AsyncKernelManager):
    """The kernel manager papermill uses for a run: starts kernels through this module and keeps track of them."""

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        cmd = super().format_kernel_cmd(extra_arguments)
        for i in range(len(cmd) - 1):
            if cmd[i] == "-m" and cmd[i + 1] == "ipykernel_launcher":
                return [*cmd[: i + 1], LAUNCHER, *cmd[i + 2 :]]
        return cmd  # another kernelspec: started as it says (stop_all still reaches it)

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw) -> None:
        await super()._async_launch_kernel(kernel_cmd, **kw)
        with _lock:
            _live.add(self)

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        with _lock:
            _live.discard(self)
        await super()._async_cleanup_resources(restart=restart)

    cleanup_resources = _async_cleanup_resources  # nbclient calls this name

    def process_group(self) -> int | None:
        """The kernel's process group (its own session, holding everything it forked), if it still runs."""
        provisioner = self.provisioner
        process = getattr(provisioner, "process", None)
        if process is None or process.poll() is not None:
            return None
        return getattr(provisioner, "pgid", None) or process.pid


def stop_all(grace: float = 1.0) -> int:
    """Stop every live kernel of this process and all it forked: SIGTERM, then SIGKILL after ``grace`` s.

    Returns how many kernels were running. Safe to call from the main thread
    while other threads wait on those kernels (they see a dead kernel and return).
    """
    with _lock:
        groups = [g for g in (km.process_group() for km in list(_live)) if g]
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for group in groups:
            try:
                os.killpg(group, sig)
            except (ProcessLookupError, PermissionError):
                pass
        deadline = time.monotonic() + grace
        while sig == signal.SIGTERM and time.monotonic() < deadline and any(_group_alive(g) for g in groups):
            time.sleep(0.05)
    return len(groups)


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
        return True
    except (ProcessLookupError, PermissionError):
        return False


def prepare_for_notebook(cwd: str) -> None:
    """Run inside a reused kernel before each notebook (:mod:`foresight.run.shared_kernel`): what the next
    notebook can see is what a fresh kernel shows it, except that imports are already done.

    Closes every figure, restores matplotlib's settings from its rc file, empties
    the user namespace and IPython's history (a new history session, so the next
    cell is numbered 1), frees the memory that held, freezes what remains out of
    the garbage collector's walks, and moves to the notebook's working directory.
    """
    import gc

    from IPython import get_ipython

    shell = get_ipython()
    if shell is None:
        raise RuntimeError("prepare_for_notebook runs inside an IPython kernel")
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")
    matplotlib = sys.modules.get("matplotlib")
    if matplotlib is not None:
        matplotlib.rc_file_defaults()  # keeps the backend (inline), as a fresh import would have it
    shell.reset(new_session=True)  # a new history session: cells are numbered from 1 again without clashing
    gc.collect()
    # What survives now is what every notebook keeps (modules and their caches): freezing it spares
    # each later collection, here and inside the notebooks, from walking it again (0.2 s -> 0.03 s
    # per notebook measured; garbage it becomes later is still freed by reference counting).
    gc.freeze()
    os.chdir(cwd)


def prepare_code(cwd: str | os.PathLike) -> str:
    """The code a kernel runs before a notebook (binds no name in the namespace it clears)."""
    return f"__import__({LAUNCHER!r}, fromlist=['_']).prepare_for_notebook({str(cwd)!r})"


def warm_up(statements: list[str]) -> None:
    """Run inside a new kernel before its first notebook: the notebooks' import statements, each in a
    namespace of its own, so that their seconds of imports are spent while the kernel waits for work
    (:class:`foresight.run.cluster_worker.WarmUp`). A statement that fails is left for its notebook to report."""
    from contextlib import suppress

    for statement in statements:
        with suppress(Exception):  # the notebook runs the same line and shows its error
            exec(statement, {})  # noqa: S102 - the import lines of the notebooks this kernel is about to run


def warm_up_code(statements: list[str]) -> str:
    """The code a kernel runs to :func:`warm_up` (binds no name in its namespace)."""
    return f"__import__({LAUNCHER!r}, fromlist=['_']).warm_up({list(statements)!r})"


def main() -> None:
    """Start an IPython kernel that dies with the process that launched it (see the module docstring)."""
    parent = os.environ.get("JPY_PARENT_PID")
    set_parent_death_signal(signal.SIGKILL, parent=int(parent) if parent and parent.isdigit() else None)
    guard_forked_children()
    import multiprocessing

    # Python >= 3.14 forks workers from a forkserver, a fresh interpreter: guard its children too.
    multiprocessing.set_forkserver_preload(["foresight.run.kernel_guard"])
    if sys.path and sys.path[0] == "":
        del sys.path[0]  # as ipykernel_launcher does: the working directory must not shadow packages
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()


if __name__ == "__main__":
    main()
