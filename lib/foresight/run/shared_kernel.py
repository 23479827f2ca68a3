"""One live kernel per runner thread, executing that thread's notebooks one after another.

Why: a fresh kernel per notebook pays a kernel start and seconds of imports
(foresight, pandas, matplotlib, arviz, scipy...) each time, which dominated a
warm run. A :class:`KernelSession` keeps one kernel (started by
:class:`~foresight.run.kernel.GuardedKernelManager`, so it still dies with the
runner and :func:`~foresight.run.kernel.stop_all` still reaches it) and hands it
to papermill for each notebook; before every notebook the kernel is put back in
a fresh kernel's state as far as a notebook can tell
(:func:`foresight.run.kernel.prepare_for_notebook`: empty namespace, no open
figures, matplotlib's default settings, the notebook's working directory, cells
numbered from 1). Imported modules and their caches stay: that is the saving.

A kernel that died, timed out or could not be prepared is shut down and the
next notebook gets a new one; a notebook whose cell raised keeps the kernel
(the next notebook's preparation clears what it left).

Papermill passes unknown keyword arguments to its engine and nbclient does not
start or stop a kernel it is handed (``km``) but still opens a client per
notebook; the engine here closes that client's channels after each notebook
(nbclient leaves them open when it does not own the kernel) and never the kernel.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from jupyter_core.utils import ensure_event_loop
from nbclient.exceptions import CellExecutionError
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.log import logger
from papermill.utils import merge_kwargs, remove_args

from foresight.run.kernel import GuardedKernelManager

ENGINE = "foresight-shared-kernel"
"""The papermill engine name for a notebook executed in a :class:`KernelSession`'s kernel."""
PREPARE_TIMEOUT = 60
"""Seconds the preparation of a kernel for the next notebook may take (it clears a namespace: well under one)."""
HISTORY = "--HistoryManager.hist_file=:memory:"
"""As nbclient starts the kernels it owns: executed code goes to no history file on disk."""
SHUTDOWN_WAIT = 5.0
"""Seconds a kernel may take to stop after a shutdown request before it is killed."""


def _wait(coro: Any) -> Any:
    """Run ``coro`` on this thread's event loop (the one nbclient uses in this thread)."""
    return ensure_event_loop().run_until_complete(coro)


class KernelSession:
    """One worker thread's kernel, started on first use and replaced when it died; :meth:`close` at the end.

    Use it from one thread only: its kernel manager and clients live on that thread's event loop.
    """

    def __init__(self, kernel_name: str, extra_arguments: list[str] | None = None):
        self.kernel_name = kernel_name
        self.extra_arguments = list(extra_arguments or [])
        if not any(arg.startswith("--HistoryManager.hist_file") for arg in self.extra_arguments):
            self.extra_arguments.append(HISTORY)
        self.km: GuardedKernelManager | None = None
        self.started = 0
        """Kernels this session has started (1 when every notebook shared one)."""

    def manager(self, cwd: Path) -> GuardedKernelManager:
        """A running kernel for the next notebook: the current one if it is alive, else a new one in ``cwd``."""
        if self.km is not None and not _wait(self.km.is_alive()):
            self.discard()
        if self.km is None:
            km = GuardedKernelManager(kernel_name=self.kernel_name, shutdown_wait_time=SHUTDOWN_WAIT)
            try:
                _wait(km.start_kernel(extra_arguments=self.extra_arguments, cwd=str(cwd)))
            except BaseException:
                _wait(self._stop(km, now=True))
                raise
            self.km = km
            self.started += 1
        return self.km

    def discard(self) -> None:
        """Stop the kernel now (it died, hung or failed to prepare): the next notebook gets a new one."""
        km, self.km = self.km, None
        if km is not None:
            _wait(self._stop(km, now=True))

    def close(self) -> None:
        """Shut the kernel down (asked politely, killed after :data:`SHUTDOWN_WAIT` s); the session can start again."""
        km, self.km = self.km, None
        if km is not None:
            _wait(self._stop(km, now=False))

    @staticmethod
    async def _stop(km: GuardedKernelManager, *, now: bool) -> None:
        """As nbclient stops a kernel it owns: shut it down if it runs, and always release its resources."""
        try:
            if await km.is_alive():
                await km.shutdown_kernel(now=now)
        except RuntimeError as exc:  # already gone
            if "No kernel is running" not in str(exc):
                raise
        finally:
            await km.cleanup_resources()


class SharedKernelClient(PapermillNotebookClient):
    """Papermill's client for a kernel it does not own: prepares the kernel first, closes only its own channels."""

    def __init__(self, nb_man, km, prepare: str = "", **kw):
        super().__init__(nb_man, km=km, **kw)
        self.prepare = prepare

    def papermill_execute_cells(self) -> None:
        if self.prepare:
            self._run_prepare()
        super().papermill_execute_cells()

    def _run_prepare(self) -> None:
        assert self.kc is not None
        msg_id = self.kc.execute(self.prepare, silent=True, store_history=False, allow_stdin=False)
        saved, self.timeout = self.timeout, PREPARE_TIMEOUT
        try:
            reply = self.wait_for_reply(msg_id)
        finally:
            self.timeout = saved
        content = (reply or {}).get("content", {})
        if content.get("status") != "ok":
            raise PrepareError(f"{content.get('ename', 'no reply')}: {content.get('evalue', '')}")

    def execute(self, **kwargs: Any):
        try:
            return super().execute(**kwargs)
        finally:
            if self.kc is not None:
                stopped = self.kc.stop_channels()
                if asyncio.iscoroutine(stopped):
                    _wait(stopped)
                self.kc = None


class PrepareError(RuntimeError):
    """The kernel could not be cleared for the next notebook (the notebook counts as failed, the kernel is replaced)."""


class SharedKernelEngine(NBClientEngine):
    """Papermill's nbclient engine, executing in the kernel given as ``km`` after running ``prepare`` in it."""

    @classmethod
    def execute_managed_notebook(
        cls,
        nb_man,
        kernel_name,
        log_output=False,
        stdout_file=None,
        stderr_file=None,
        start_timeout=60,
        execution_timeout=None,
        km=None,
        prepare="",
        **kwargs,
    ):
        if km is None:
            raise ValueError(f"the {ENGINE} engine needs a running kernel (km=)")
        kwargs = remove_args(["input_path", "timeout", "startup_timeout"], **kwargs)
        final = merge_kwargs(
            kwargs,
            timeout=execution_timeout,
            startup_timeout=start_timeout,
            kernel_name=kernel_name,
            log=logger,
            log_output=log_output,
            stdout_file=stdout_file,
            stderr_file=stderr_file,
        )
        return SharedKernelClient(nb_man, km, prepare, **final).execute()


def keeps_kernel(exc: BaseException | None) -> bool:
    """Whether the kernel can serve the next notebook after this one ended with ``exc`` (None: it succeeded).

    A cell that raised leaves the kernel idle and its state is cleared next time;
    a dead, hung (timed out) or unpreparable kernel, or anything unexpected, is replaced.
    """
    from papermill.exceptions import PapermillExecutionError

    return exc is None or isinstance(exc, (PapermillExecutionError, CellExecutionError))


papermill_engines.register(ENGINE, SharedKernelEngine)
