"""Where a run's notebooks execute: the executor seam, and the default executor (local kernels).

The run lifecycle (:func:`foresight.run.runner.execute_run`) hands an
:class:`Executor` the jobs, the work folder, the order to start them in, a
callback for each finished job and a stop event; the executor runs them and
calls back. It owns nothing of the lifecycle: run.json, statuses, interrupts and
the folder's rename stay with the runner, so every executor gets them alike.

- :class:`LocalExecutor` (the default): worker threads on this machine, each
  keeping one live kernel (:mod:`foresight.run.shared_kernel`).
- :class:`foresight.run.cluster.DaskExecutor`: a Dask cluster, local or reached by
  a scheduler address; imported only when asked for (Dask costs a second to import).

An executor that loses its means of execution (the cluster's scheduler went away)
raises :class:`ExecutorError`; the lifecycle records the run ``failed`` with that
reason, keeps every finished notebook, and the command exits 2.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from foresight.run.notebooks import Job, JobResult, describe_error, execute

KERNEL_MEMORY = 0.4e9
"""Bytes one notebook's kernel takes while sampling (measured: about 0.4 GB), to cap --jobs by free memory."""


def free_memory() -> int | None:
    """Bytes of memory available to new processes (Linux's MemAvailable), None when unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def worker_cap(requested: int) -> tuple[int, str | None]:
    """``requested`` notebooks at a time, capped by the CPUs and by free memory; the note says why when capped.

    More kernels than CPUs only slow each other down; more than memory allows
    end in the out-of-memory killer.
    """
    cpus = os.cpu_count() or 1
    memory = free_memory()
    by_memory = max(1, int(memory // KERNEL_MEMORY)) if memory is not None else requested
    n = max(1, min(requested, cpus, by_memory))
    if n == requested:
        return n, None
    why = [f"{cpus} CPU(s)"]
    if memory is not None:
        why.append(f"{memory / 1e9:.1f} GB free memory at about {KERNEL_MEMORY / 1e9:.1f} GB per notebook")
    return n, f"{requested} notebooks at a time capped to {n} ({', '.join(why)})"


class ExecutorError(RuntimeError):
    """The executor can no longer run notebooks (e.g. the Dask scheduler is gone); the message is one line."""


OnDone = Callable[[int, JobResult], None]


class Executor(Protocol):
    """Runs a run's jobs; see the module docstring."""

    workers: int
    """Notebooks it runs at a time (recorded in run.json)."""

    def describe(self) -> dict[str, Any]:
        """What run.json records about where the notebooks ran."""
        ...

    def run(
        self,
        jobs: Sequence[Job],
        folder: Path,
        *,
        order: Sequence[int] | None,
        on_done: OnDone | None,
        stop: threading.Event,
        desc: str = "notebooks",
    ) -> dict[int, JobResult]:
        """Execute ``jobs`` into ``folder`` (their results under each job's ``out_dir``), starting them in
        ``order``; call ``on_done(index, result)`` as each ends. On KeyboardInterrupt set ``stop``, stop
        everything started, report what finished, and re-raise."""
        ...


@dataclass
class LocalExecutor:
    """Today's executor: ``workers`` threads on this machine, each with one live kernel (:func:`execute_jobs`)."""

    workers: int = 1
    html: bool = True
    cwd: Path | None = None
    progress: bool | None = None

    def describe(self) -> dict[str, Any]:
        return {"kind": "local"}

    def run(
        self,
        jobs: Sequence[Job],
        folder: Path,
        *,
        order: Sequence[int] | None = None,
        on_done: OnDone | None = None,
        stop: threading.Event | None = None,
        desc: str = "notebooks",
    ) -> dict[int, JobResult]:
        return execute_jobs(
            jobs,
            folder,
            workers=self.workers,
            html=self.html,
            cwd=self.cwd,
            progress=self.progress,
            desc=desc,
            on_done=on_done,
            order=order,
            stop=stop,
        )


def progress_bar(total: int, desc: str, progress: bool | None):
    """The run's progress bar (one notebook per step; ``progress`` None: shown on a terminal only)."""
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit="nb", disable=None if progress is None else not progress)


def tick(bar: Any, result: JobResult) -> None:
    """One notebook done: the bar names it, its status and seconds."""
    bar.set_postfix_str(f"{result.name}: {result.status} ({result.seconds:.0f} s)", refresh=False)
    bar.update()


def execute_jobs(
    jobs: Sequence[Job],
    folder: Path,
    *,
    workers: int = 1,
    html: bool = True,
    cwd: Path | None = None,
    progress: bool | None = None,
    desc: str = "notebooks",
    on_done: Callable[[int, JobResult], None] | None = None,
    order: Sequence[int] | None = None,
    stop: threading.Event | None = None,
) -> dict[int, JobResult]:
    """Run ``jobs`` into ``folder`` (``workers`` at a time) with a progress bar; results by job index.

    Each worker thread keeps one live kernel and executes its next job in it
    (:class:`~foresight.run.shared_kernel.KernelSession`: cleared before every
    notebook, replaced when it died); jobs are taken in ``order`` (indices; default
    as given) by whichever worker is free. Kernels are processes, so threads are
    enough to run them in parallel; every kernel is shut down when its worker ends.
    On KeyboardInterrupt (Ctrl-C, or a stop signal turned into one) nothing new
    starts, the running kernels and everything they forked are stopped at once,
    ``on_done`` still gets the result of every job that finished (``ok``,
    ``failed`` or ``interrupted``), and the exception goes on.
    """
    from foresight.run.kernel import stop_all
    from foresight.run.notebooks import KERNEL, KERNEL_ARGUMENTS
    from foresight.run.shared_kernel import KernelSession

    out: dict[int, JobResult] = {}
    stop = stop if stop is not None else threading.Event()
    todo: queue.SimpleQueue[int] = queue.SimpleQueue()
    for i in order if order is not None else range(len(jobs)):
        todo.put(i)
    finished: queue.SimpleQueue[tuple[int, JobResult] | None] = queue.SimpleQueue()

    def worker() -> None:
        session = KernelSession(KERNEL, KERNEL_ARGUMENTS)
        try:
            while not stop.is_set():
                try:
                    i = todo.get_nowait()
                except queue.Empty:
                    break
                try:
                    result = execute(jobs[i], folder, html=html, cwd=cwd, stop=stop, session=session)
                except Exception as exc:  # the kernel's bookkeeping failed: the notebook failed, the kernel goes
                    result = JobResult(jobs[i].name, jobs[i].notebook.path.name, dict(jobs[i].parameters))
                    result.status, result.error = "failed", describe_error(exc)
                    with suppress(Exception):
                        session.discard()
                finished.put((i, result))
        finally:
            try:
                session.close()
            finally:
                finished.put(None)  # this worker is done

    bar = progress_bar(len(jobs), desc, progress)
    threads = [
        threading.Thread(target=worker, name=f"foresight-kernel-{n}", daemon=True)
        for n in range(max(1, min(workers, len(jobs))))
    ]
    running = len(threads)

    def collect(item: tuple[int, JobResult] | None) -> None:
        nonlocal running
        if item is None:
            running -= 1
            return
        i, result = item
        if result.status == "not run":
            return
        out[i] = result
        tick(bar, result)
        if on_done is not None:
            on_done(i, result)

    try:
        for thread in threads:
            thread.start()
        if html:  # nbconvert takes 1.5 s to import: while the kernels start, not when the first notebook is done
            threading.Thread(target=_import_exporter, name="foresight-import-nbconvert", daemon=True).start()
        while running:
            with suppress(queue.Empty):  # a timeout keeps the main thread responsive to signals
                collect(finished.get(timeout=1.0))
    except BaseException:
        stop.set()
        while running:  # a kernel may start between the flag and the stop: stop again until all workers are back
            stop_all()
            with suppress(queue.Empty):
                collect(finished.get(timeout=0.5))
        raise
    finally:
        bar.close()
    return out


def _import_exporter() -> None:
    with suppress(Exception):  # an export that cannot import says so itself, per notebook
        import nbconvert  # noqa: F401
