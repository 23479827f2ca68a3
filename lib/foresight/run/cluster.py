"""Running notebooks, and a library's backtests, on a Dask cluster: ``--scheduler local`` or ``--scheduler ADDRESS``
(or $FORESIGHT_SCHEDULER).

Why Dask: papermill has no parallelism of its own, and the same code then runs
on an in-process ``LocalCluster`` and on any cluster a Dask deployment package
starts (dask-jobqueue, dask-kubernetes, ...), with retries, priorities and a
dashboard we do not have to write.

How a notebook runs on a worker, with no shared file system (the worker's part
is :mod:`foresight.run.cluster_worker`, which imports Dask at once):

- the client sends a :class:`~foresight.run.cluster_worker.NotebookTask`: the notebook file, the pack's files
  (:func:`foresight.pack.snapshot.pack_files`) and the job's parameters;
- the worker (:func:`~foresight.run.cluster_worker.run_task`) rebuilds the pack in its own folder, executes the
  notebook with papermill in a kernel of its own (one live kernel per worker
  thread and connection, kept from one notebook and run to the next, started
  like a local run's so it dies with the worker), with
  its own PyTensor compile directory and posterior cache (a *slot* folder
  locked by one worker process at a time: concurrent processes sharing one
  compile directory wait on each other's locks, pymc #7819), and sends back a
  :class:`~foresight.run.cluster_worker.TaskOutput`: the executed notebook, its HTML, its result files and the
  posterior-cache entries the notebook wrote;
- the client writes them into the run folder and its own posterior cache, and
  the run lifecycle (:func:`foresight.run.runner.execute_run`) does the rest as
  for a local run.

A library backtest (``foresight backtest``/``calibrate``) sends one task per pack
(:func:`backtest_on`): the pack's files, the options and the day; the worker
sends back the pack's rows and its new posterior-cache entries.

As a worker joins, the :class:`~foresight.run.cluster_worker.WarmUp` plugin
imports what the coming tasks need, while the client still prepares the run;
on a local cluster it also starts the worker's kernel and runs the notebooks'
imports in it, so the first notebook does not wait for them.

Faults: a worker that dies mid-task makes the scheduler run the task elsewhere
(each start is logged as a Dask event, which the client subscribes to; a job that needed more than one start
records ``attempts`` and ``workers`` in run.json); a task that raises is retried
:data:`RETRIES` times. A scheduler gone for :data:`LOST_AFTER` seconds raises
:class:`~foresight.run.executor.ExecutorError` (the run keeps what finished and
exits 2). Ctrl-C cancels the futures and kills this connection's kernels on every
worker (:func:`~foresight.run.cluster_worker.release`), waiting until none is left;
:meth:`DaskExecutor.close` does the same after the last run.

Importing this module imports no Dask (tests/test_import_weight.py): Dask loads
only when a scheduler is asked for.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from foresight.base import paths
from foresight.run.executor import ExecutorError, OnDone, progress_bar, tick
from foresight.run.notebooks import Job, JobResult, describe_error

SCHEDULER_ENV = "FORESIGHT_SCHEDULER"
"""Environment variable giving the default of ``--scheduler``."""
LOCAL = "local"
"""The ``--scheduler`` value that starts a ``LocalCluster`` of single-threaded worker processes here."""
CONNECT_TIMEOUT = 5
"""Seconds to reach a scheduler before the command gives up (exit 2)."""
LOST_AFTER = 10.0
"""Seconds without the scheduler before a run stops waiting for it."""
RETRIES = 2
"""Times Dask re-runs a task that raised (a worker's death is retried by the scheduler itself)."""
RELEASE_WAIT = 15.0
"""Seconds to wait, after a run, until no kernel of it is left on any worker."""
STARTED = "foresight-task-started"
"""Dask event topic: one event per task start (job, run token, worker), to record retries."""
WARM_UP = "foresight-warm-up"
"""Name of the worker plugin (:class:`~foresight.run.cluster_worker.WarmUp`) that imports a task's modules as a
worker joins."""
LOCAL_WORKER_CONFIG = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "2s",
}
"""Dask settings for ``--scheduler local`` (its scheduler, nannies and workers), which only cost CPU that the
kernels need on a small machine. Dask's statistical profiler samples every worker thread's stack every 10 ms
for the dashboard's profile page; a notebook task spends its time in a kernel, another process the profiler
cannot see, so it would only sample papermill waiting on the kernel (measured: about half of an idle
worker's CPU). Every Dask process also checks its event loop's delay every 20 ms and samples its CPU and
memory every 0.5 s, for diagnostics and the dashboard's charts: at 1 s and 2 s, an idle cluster of two
workers takes about 3% of a core instead of 7.6% (measured; the memory limits are still checked every 0.1 s).
Workers started by hand take the same from ``DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED`` and
``DASK_DISTRIBUTED__ADMIN__TICK__INTERVAL``."""
WORKER_DIR_ENV = "FORESIGHT_WORKER_DIR"
"""Where a worker keeps its slots (compile directory, posterior cache, packs); default: the temp folder."""


def _quiet_dask() -> None:
    """Dask's own log lines (lost connections, workers leaving) stay off the command's terminal: the run
    says what happened in one line and in run.json. Dask's logging config sets some loggers' levels one by
    one (e.g. ``distributed.client``), so each is quietened."""
    import distributed  # noqa: F401 - configures its loggers on import

    for name in [n for n in logging.root.manager.loggerDict if n == "distributed" or n.startswith("distributed.")]:
        logging.getLogger(name).setLevel(logging.CRITICAL)


# --- the client side ---------------------------------------------------------------------------------


@dataclass
class DaskExecutor:
    """An :class:`~foresight.run.executor.Executor` submitting each job to a Dask cluster; see the module docstring.

    Make one with :func:`connect`; :meth:`close` when done (it ends the connection's kernels on the workers and
    stops a local cluster).
    """

    client: Any
    address: str
    cluster: Any = None
    html: bool = True
    progress: bool | None = None
    retries: int = RETRIES
    token: str = field(default_factory=lambda: uuid.uuid4().hex)
    """This connection's kernels on the workers: each worker thread keeps one for all the runs made through
    this executor (their imports done once), until :meth:`close` or a stopped run ends them."""

    @property
    def workers(self) -> int:
        """Worker threads in the cluster now (notebooks it runs at a time)."""
        with suppress(Exception):
            return sum(int(w.get("nthreads", 1)) for w in self.client.scheduler_info()["workers"].values())
        return 0

    @cached_property
    def dashboard(self) -> str | None:
        """The dashboard's address, when the scheduler serves one. Its HTTP port is open even without one (the
        dashboard needs bokeh, which the lock leaves out), so the page itself is asked for."""
        import urllib.request

        with suppress(Exception):
            if "dashboard" in self.client.scheduler_info().get("services", {}):
                link = self.client.dashboard_link
                with urllib.request.urlopen(link, timeout=1) as response:  # noqa: S310 - the scheduler's own page
                    if response.status == 200:
                        return link
        return None

    def describe(self) -> dict[str, Any]:
        return {"kind": "dask", "scheduler": self.address, "dashboard": self.dashboard}

    def close(self) -> None:
        self._release()
        with suppress(Exception):
            self.client.close()
        if self.cluster is not None:
            with suppress(Exception):
                self.cluster.close()

    def __enter__(self) -> DaskExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

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
        from foresight.run.cluster_worker import run_task

        stop = stop if stop is not None else threading.Event()
        run_token = uuid.uuid4().hex
        order = list(order) if order is not None else list(range(len(jobs)))
        packs: dict[Path, tuple[str, dict[str, bytes]]] = {}
        starts: dict[str, list[str]] = {}
        threads = blas_threads()

        def started(event: tuple[float, dict[str, Any]]) -> None:  # on the client's event-loop thread
            message = event[1]
            if message.get("run") == run_token:
                starts.setdefault(message.get("job"), []).append(message.get("worker"))

        # pushed by the scheduler as tasks start (asking for the topic's events after each task would
        # fetch every start the scheduler has logged since it began, once per task)
        self.client.subscribe_topic(STARTED, started)
        futures = {}
        for rank, i in enumerate(order):  # earlier in the order: higher priority
            task = _task(jobs[i], self.token, run_token, self.html, packs, threads)
            key = f"foresight-{jobs[i].name}-{run_token}"
            future = self.client.submit(
                run_task, task, key=key, retries=self.retries, pure=False, priority=len(order) - rank
            )
            futures[future] = i
        out: dict[int, JobResult] = {}
        bar = progress_bar(len(jobs), desc, self.progress)
        try:
            for i, future in as_done(self.client, futures, self.address):
                result = self._land(future, jobs[i], Path(folder), list(starts.get(jobs[i].name, ())))
                out[i] = result
                tick(bar, result)
                if on_done is not None:
                    on_done(i, result)
        except BaseException:  # Ctrl-C, a lost scheduler: no kernel of this connection goes on
            stop.set()
            with suppress(Exception):
                self.client.cancel(list(futures))
            self._release()
            raise
        finally:
            bar.close()
            with suppress(Exception):
                self.client.unsubscribe_topic(STARTED)
        return out

    def map(self, fn: Callable[[Any], Any], items: Iterable[Any], *, retries: int = RETRIES):
        """``fn(item)`` for every item on the cluster; yields ``(index, result)`` as each finishes, in any order.

        For work that is not a notebook (e.g. one backtest per pack): ``fn`` must be
        importable on the workers (a module-level function of foresight) and
        ``items`` and results picklable; read files here and pass their contents,
        as workers share no file system. A task that raises re-raises here (after
        ``retries``); ExecutorError when the scheduler is lost; leaving the loop
        early (or Ctrl-C) cancels what is left.
        """
        return _mapped(self, fn, list(items), retries)

    def _land(self, future: Any, job: Job, folder: Path, starts: list[str]) -> JobResult:
        """A finished future's result: its files written into the run folder and the posterior cache;
        ``starts``: the workers that started it, in order (more than one: it was retried)."""
        if future.status == "error":
            result = JobResult(job.name, job.notebook.path.name, dict(job.parameters), status="failed")
            result.error = describe_error(future.exception())
        else:
            output = future.result()  # a cluster_worker.TaskOutput
            result = output.result
            output.write(folder, job)
        if len(starts) > 1:
            result.extra["attempts"] = len(starts)
            result.extra["workers"] = starts
        return result

    def _release(self) -> None:
        """Kill this connection's kernels on every worker (idle or busy) and wait until none is left."""
        from foresight.run.cluster_worker import release

        deadline = time.monotonic() + RELEASE_WAIT
        while time.monotonic() < deadline:
            try:
                alive = self.client.run(release, self.token, wait=True)
            except Exception:  # the scheduler is gone: its workers' kernels die with them or on their next task
                return
            if not any(alive.values()):
                return
            time.sleep(0.2)


def as_done(
    client: Any, futures: dict[Any, int], address: str, kept: str = "finished notebooks are kept"
) -> Iterator[tuple[int, Any]]:
    """(index, future) for each future as it finishes (ok, error or cancelled by the cluster).

    Polls rather than blocks, so Ctrl-C is seen at once, and raises
    :class:`ExecutorError` when the scheduler has been unreachable for :data:`LOST_AFTER` s (its one line
    ends with ``kept``: what becomes of the work done so far).
    """
    pending = dict(futures)
    gone_since: float | None = None
    while pending:
        finished = [f for f in pending if f.done()]
        for future in finished:
            if future.status == "cancelled":  # nobody here cancelled it: the scheduler dropped us
                raise ExecutorError(f"lost the Dask scheduler at {address}; {kept}")
            yield pending.pop(future), future
        if finished:
            continue
        if client.status != "running":
            gone_since = gone_since if gone_since is not None else time.monotonic()
            if time.monotonic() - gone_since > LOST_AFTER:
                raise ExecutorError(f"lost the Dask scheduler at {address}; {kept}")
        else:
            gone_since = None
        time.sleep(0.05)


def connect(
    scheduler: str,
    workers: int | None = None,
    *,
    html: bool = True,
    progress: bool | None = None,
    warm: Sequence[str] | None = None,
    notebooks: Sequence[Path] = (),
) -> DaskExecutor:
    """A :class:`DaskExecutor` on the scheduler at ``scheduler``, or on a new ``LocalCluster`` of ``workers``
    single-threaded processes (default: the CPUs) for ``local``. ExecutorError (one line) when it cannot.

    ``warm``: the modules the workers import as they join (default: what a notebook task needs,
    :func:`notebook_modules`). ``notebooks``: the notebooks the connection will run; a local cluster's
    workers start their kernels as they join and run these notebooks' imports in them
    (:class:`~foresight.run.cluster_worker.WarmUp`). A cluster reached by address does not: its workers
    outlive the command, and a worker joining later would keep a kernel nobody ends."""
    _quiet_dask()
    warm = notebook_modules(html) if warm is None else warm
    from distributed import Client

    token = uuid.uuid4().hex
    if scheduler == LOCAL:
        from distributed import LocalCluster

        from foresight.run.cluster_worker import IgnoreInterrupts, KernelWarmUp, WarmUp

        n = workers or os.cpu_count() or 1
        dashboard = ":0" if importlib.util.find_spec("bokeh") is not None else None
        import dask

        kernel = KernelWarmUp(token, blas_threads(), kernel_imports(notebooks)) if notebooks else None
        try:
            with dask.config.set(LOCAL_WORKER_CONFIG):  # each worker's nanny hands the config to its process
                cluster = LocalCluster(
                    n_workers=n,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=dashboard,
                    silence_logs=logging.CRITICAL,
                    # set up by each worker as it starts, before it joins (and again in a restarted one)
                    plugins=(IgnoreInterrupts(), WarmUp(warm, kernel)),
                )
            client = Client(cluster, timeout=CONNECT_TIMEOUT * 6)
        except Exception as exc:
            raise ExecutorError(f"could not start a local Dask cluster of {n} workers: {exc}") from None
        return DaskExecutor(client, LOCAL, cluster, html=html, progress=progress, token=token)
    try:
        _reachable(scheduler)
        client = Client(scheduler, timeout=CONNECT_TIMEOUT)
    except Exception as exc:
        why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ExecutorError(
            f"cannot reach a Dask scheduler at {scheduler!r} within {CONNECT_TIMEOUT} s ({why}); start one with "
            "`dask scheduler` and workers with `dask worker ADDRESS`, or use --scheduler local"
        ) from None
    from foresight.run.cluster_worker import WarmUp

    with suppress(Exception):  # an optimisation; workers without it import on their first task
        client.register_plugin(WarmUp(warm), name=WARM_UP)
    return DaskExecutor(client, scheduler, html=html, progress=progress, token=token)


def kernel_imports(notebooks: Iterable[Path]) -> tuple[str, ...]:
    """The import statements in the code cells of ``notebooks`` (each once, in order; cells that are not
    plain Python, e.g. with magics, are skipped): what a kernel can import before it runs them."""
    import ast
    import json

    found: dict[str, None] = {}
    for notebook in notebooks:
        with suppress(OSError, ValueError):
            for cell in json.loads(Path(notebook).read_text(encoding="utf-8")).get("cells", []):
                if cell.get("cell_type") != "code":
                    continue
                source = cell.get("source", "")
                try:
                    tree = ast.parse(source if isinstance(source, str) else "".join(source))
                except SyntaxError:
                    continue
                for node in tree.body:
                    if isinstance(node, (ast.Import, ast.ImportFrom)):
                        found[ast.unparse(node)] = None
    return tuple(found)


def notebook_modules(html: bool) -> tuple[str, ...]:
    """The modules a worker needs to run a notebook task (and export it as HTML)."""
    modules = ("foresight.pack.snapshot", "foresight.run.notebooks", "foresight.run.shared_kernel")
    return (*modules, "nbconvert") if html else modules


BACKTEST_MODULES = ("foresight.pack.snapshot", "foresight.evaluate.library")
"""The modules a worker needs for a pack's backtest (:func:`backtest_on`): the model stack, seconds to import."""


def blas_threads() -> int | None:
    """The BLAS threads a notebook or backtest would use on this machine (the client's), which the tasks carry
    so that the workers compute the same numbers (:data:`foresight.run.cluster_worker.THREAD_VARIABLES`);
    None when no BLAS library can be found."""
    import numpy  # noqa: F401 - loads its BLAS library, as any notebook does
    from threadpoolctl import threadpool_info

    counts = [int(lib["num_threads"]) for lib in threadpool_info() if lib.get("user_api") == "blas"]
    return max(counts) if counts else None


def _reachable(scheduler: str) -> None:
    """OSError at once when nothing listens at a TCP scheduler address. Dask's client retries a refused
    connection until its timeout and then takes seconds more to give up; a typo'd port needs no wait."""
    import socket

    from distributed.comm.addressing import parse_address, parse_host_port

    scheme, location = parse_address(scheduler)
    if scheme == "tcp":
        with socket.create_connection(parse_host_port(location, 8786), timeout=CONNECT_TIMEOUT):
            pass


def map_tasks(
    fn: Callable[[Any], Any],
    items: Iterable[Any],
    *,
    scheduler: str,
    workers: int | None = None,
    retries: int = RETRIES,
) -> Iterator[tuple[int, Any]]:
    """``fn(item)`` for every item on the cluster at ``scheduler`` (or ``local``: ``workers`` processes here);
    yields ``(index, result)`` as each finishes, in any order (:meth:`DaskExecutor.map` on a connection of its
    own, closed at the end). Connects at once: ExecutorError (one line) when it cannot."""
    executor = connect(scheduler, workers, warm=())
    return _closing(executor, executor.map(fn, items, retries=retries))


def _closing(executor: DaskExecutor, results: Iterator[tuple[int, Any]]) -> Iterator[tuple[int, Any]]:
    with executor:
        yield from results


def _mapped(executor: DaskExecutor, fn: Callable[[Any], Any], items: list[Any], retries: int):
    client = executor.client
    futures = {client.submit(fn, item, retries=retries, pure=False, priority=-i): i for i, item in enumerate(items)}
    try:
        for i, future in as_done(client, futures, executor.address, "what finished is not written"):
            yield i, future.result()
    finally:
        with suppress(Exception):
            client.cancel(list(futures))


def backtest_on(executor: DaskExecutor, progress: bool | None = None):
    """A :data:`foresight.evaluate.library.StepsOf` that backtests each pack on a worker of ``executor``.

    Each task carries the pack's files (workers share no file system), the
    options and the day (``today`` fixed here, so a worker in another time zone
    scores the same questions); the worker sends back the rows and the
    posterior draws it sampled, which go into this machine's posterior cache.
    The rows are the ones a local backtest gives for the same seed.
    """

    def steps_of(packs, options, today):
        import datetime as dt

        from foresight.pack.snapshot import pack_files
        from foresight.run.cluster_worker import PackStepsTask, run_pack_steps, write_cache

        day = today if today is not None else dt.date.today()
        threads = blas_threads()
        tasks = [PackStepsTask(p.meta.id, pack_files(Path(p.dir)), options, day, threads) for p in packs]
        out: list[Any] = [None] * len(tasks)
        bar = progress_bar(len(tasks), "packs", progress)
        try:
            for i, output in executor.map(run_pack_steps, tasks):
                write_cache(output.cache)
                out[i] = output.steps
                bar.set_postfix_str(f"{tasks[i].pack_id}: {len(output.steps)} steps", refresh=False)
                bar.update()
        finally:
            bar.close()
        return out

    return steps_of


def _task(
    job: Job,
    token: str,
    run_token: str,
    html: bool,
    packs: dict[Path, tuple[str, dict[str, bytes]]],
    threads: int | None,
) -> Any:
    """The job as a task a worker can run on its own (a :class:`~foresight.run.cluster_worker.NotebookTask`):
    notebook and pack travel with it."""
    from foresight.pack.snapshot import files_key, pack_files
    from foresight.run.cluster_worker import NotebookTask

    pack_key, files = None, None
    folder = _pack_folder(job)
    if folder is not None:
        if folder not in packs:
            found = pack_files(folder)
            packs[folder] = (files_key(found), found)
        pack_key, files = packs[folder]
    return NotebookTask(
        token=token,
        name=job.name,
        notebook_name=job.notebook.path.name,
        notebook=job.notebook.path.read_bytes(),
        parameters=dict(job.parameters),
        pack_key=pack_key,
        pack_files=files,
        html=html,
        threads=threads,
        run=run_token,
    )


def _pack_folder(job: Job) -> Path | None:
    """The pack folder a job's notebook reads (its ``pack`` value, else the notebook's default), if any."""
    import ast

    if "pack" not in job.notebook.parameters:
        return None
    value = job.parameters.get("pack")
    if value is None:
        with suppress(ValueError, SyntaxError, KeyError, TypeError):
            value = ast.literal_eval(job.notebook.parameters["pack"]["default"])
    if not isinstance(value, str):
        return None
    try:
        found = paths.resolve_existing(value)
    except FileNotFoundError:
        return None  # the notebook reports the missing pack itself
    return found if found.is_dir() else None
