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

Papermill passes unknown keyword arguments to its engine, and nbclient neither
starts nor stops a kernel it is handed (``km``) and opens no client when it has
one: the engine here hands it the session's kernel and client, whose channels
stay open from one notebook to the next (nbclient drops another request's
output by its parent message id).
"""

from __future__ import annotations

import queue
import threading
import time
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
START_ATTEMPTS = 2
"""Tries to start a kernel: a kernel's ports are picked free in one process and bound in another, so two
processes starting kernels at once (two Dask workers on one machine) can clash ("Address already in use",
papermill #511); a second start picks other ports."""
STARTUP_TIMEOUT = 60
"""Seconds a new kernel may take to answer (papermill's default start timeout)."""
SAVE_EVERY = 2.0
"""Seconds between papermill's writes of the notebook in progress (it writes before and after every cell:
about 0.5 s per forecast notebook of JSON in the runner); the complete notebook is always written at the end."""
FINISHED_ONLY = None
"""A session's ``save_every`` when nobody reads the notebook in progress (a Dask worker sends back only the
finished one): papermill writes it once, at the end (measured: 0.1 s of the worker's CPU per forecast notebook
saved, between the cells, where the kernel waits for it)."""


def _wait(coro: Any) -> Any:
    """Run ``coro`` on this thread's event loop (the one nbclient uses in this thread)."""
    return ensure_event_loop().run_until_complete(coro)


class KernelSession:
    """One worker thread's kernel, started on first use and replaced when it died; :meth:`close` at the end.

    Use it from one thread only: its kernel manager and clients live on that thread's event loop.
    """

    def __init__(
        self,
        kernel_name: str,
        extra_arguments: list[str] | None = None,
        env: dict[str, str] | None = None,
        save_every: float | None = SAVE_EVERY,
    ):
        self.kernel_name = kernel_name
        self.env = env
        self.save_every = save_every
        """Seconds between writes of a notebook in progress (:data:`FINISHED_ONLY`: only the finished one)."""
        """The kernels' whole environment (None: this process's)."""
        self.extra_arguments = list(extra_arguments or [])
        if not any(arg.startswith("--HistoryManager.hist_file") for arg in self.extra_arguments):
            self.extra_arguments.append(HISTORY)
        self.km: GuardedKernelManager | None = None
        self.kc: Any = None
        """The client every notebook of this kernel talks through (its channels stay open between notebooks:
        a new client would wait 0.2 s for the kernel's output to go quiet)."""
        self.started = 0
        """Kernels this session has started (1 when every notebook shared one)."""
        self.starting = False
        """True while :meth:`kernel` may start one (read from other threads: a kernel on its way counts as live)."""

    def kernel(self, cwd: Path, stop: threading.Event | None = None) -> tuple[GuardedKernelManager, Any]:
        """(manager, client) of a running kernel for the next notebook: the current one if it is alive,
        else a new one started in ``cwd``. Once ``stop`` is set no kernel starts (:class:`RunStopped`), and one
        that was starting meanwhile is shut down: a stopped run's kernels were being killed, and a second start
        attempt must not bring one back after the run counted them gone."""
        if self.km is not None and not _wait(self.km.is_alive()):
            self.discard()
        self.starting = True
        try:
            for attempt in range(START_ATTEMPTS):
                if self.km is not None:
                    break
                if stop is not None and stop.is_set():
                    raise RunStopped("the run was stopped before its kernel started")
                self.km = GuardedKernelManager(kernel_name=self.kernel_name, shutdown_wait_time=SHUTDOWN_WAIT)
                self.started += 1
                try:
                    _wait(self._start(cwd))
                except Exception:
                    self.discard()
                    if attempt + 1 == START_ATTEMPTS or (stop is not None and stop.is_set()):
                        raise
                except BaseException:
                    self.discard()
                    raise
            if stop is not None and stop.is_set():
                self.discard()
                raise RunStopped("the run was stopped while its kernel started")
        finally:
            self.starting = False
        return self.km, self.kc

    def run_quietly(self, code: str, stop: threading.Event | None = None, timeout: float = PREPARE_TIMEOUT) -> bool:
        """Execute ``code`` in the running kernel without output, history or a cell number, and wait for it;
        whether it ran without an error. Gives up at once when ``stop`` is set or the kernel died (it was
        killed: no reply will come). Its output on the iopub channel is left there: nbclient skips messages
        that answer another request."""
        assert self.km is not None and self.kc is not None
        msg_id = self.kc.execute(code, silent=True, store_history=False, allow_stdin=False)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not (stop is not None and stop.is_set()):
            try:
                reply = _wait(self.kc.get_shell_msg(timeout=1))
            except queue.Empty:
                if not _wait(self.km.is_alive()):
                    return False
                continue
            if reply.get("parent_header", {}).get("msg_id") == msg_id:
                return reply.get("content", {}).get("status") == "ok"
        return False

    async def _start(self, cwd: Path) -> None:
        assert self.km is not None
        env = {} if self.env is None else {"env": self.env}
        await self.km.start_kernel(extra_arguments=self.extra_arguments, cwd=str(cwd), **env)
        self.kc = self.km.client()
        self.kc.start_channels()
        await self.kc.wait_for_ready(timeout=STARTUP_TIMEOUT)
        self.kc.allow_stdin = False

    def discard(self) -> None:
        """Stop the kernel now (it died, hung or failed to prepare): the next notebook gets a new one."""
        self._end(now=True)

    def close(self) -> None:
        """Shut the kernel down (asked politely, killed after :data:`SHUTDOWN_WAIT` s); the session can start again."""
        self._end(now=False)

    def _end(self, *, now: bool) -> None:
        km, kc, self.km, self.kc = self.km, self.kc, None, None
        try:
            if kc is not None:
                kc.stop_channels()
        finally:
            if km is not None:
                _wait(self._stop(km, now=now))

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
    """Papermill's client for a kernel and channels it does not own: prepares the kernel first, writes the
    notebook in progress at most every ``save_every`` s (None: not at all, only the finished notebook), and
    leaves kernel and channels open."""

    def __init__(self, nb_man, km, kc, prepare: str = "", save_every: float | None = SAVE_EVERY, **kw):
        super().__init__(nb_man, km=km, **kw)
        self.kc = kc  # nbclient then opens no client of its own
        self.prepare = prepare
        self.save_every = save_every
        self._save = nb_man.save
        self._saved = 0.0
        nb_man.save = self._throttled_save

    def _throttled_save(self, **kwargs: Any) -> None:
        now = time.monotonic()
        if self.save_every is not None and now - self._saved >= self.save_every:
            self._saved = now
            self._save(**kwargs)

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
            self.kc = None  # the session's, not ours to close
            self.nb_man.save = self._save  # papermill's last write (also after a failure) is never skipped


class RunStopped(RuntimeError):
    """The run was stopped (its stop event set) before the kernel for its next notebook was up."""


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
        kc=None,
        prepare="",
        save_every=SAVE_EVERY,
        **kwargs,
    ):
        if km is None or kc is None:
            raise ValueError(f"the {ENGINE} engine needs a running kernel and its client (km=, kc=)")
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
        return SharedKernelClient(nb_man, km, kc, prepare, save_every, **final).execute()


def keeps_kernel(exc: BaseException | None) -> bool:
    """Whether the kernel can serve the next notebook after this one ended with ``exc`` (None: it succeeded).

    A cell that raised leaves the kernel idle and its state is cleared next time;
    a dead, hung (timed out) or unpreparable kernel, or anything unexpected, is replaced.
    """
    from papermill.exceptions import PapermillExecutionError

    return exc is None or isinstance(exc, (PapermillExecutionError, CellExecutionError))


papermill_engines.register(ENGINE, SharedKernelEngine)
