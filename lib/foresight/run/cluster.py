"""Running notebooks on a Dask cluster: ``--scheduler local`` or ``--scheduler ADDRESS`` (or $FORESIGHT_SCHEDULER).

Why Dask: papermill has no parallelism of its own, and the same code then runs
on an in-process ``LocalCluster`` and on any cluster a Dask deployment package
starts (dask-jobqueue, dask-kubernetes, ...), with retries, priorities and a
dashboard we do not have to write.

How a notebook runs on a worker, with no shared file system:

- the client sends a :class:`NotebookTask`: the notebook file, the pack's files
  (:func:`foresight.pack.snapshot.pack_files`) and the job's parameters;
- the worker (:func:`run_task`) rebuilds the pack in its own folder, executes the
  notebook with papermill in a kernel of its own (one live kernel per worker
  thread and run, started like a local run's so it dies with the worker), with
  its own PyTensor compile directory and posterior cache (a *slot* folder
  locked by one worker process at a time: concurrent processes sharing one
  compile directory wait on each other's locks, pymc #7819), and sends back a
  :class:`TaskOutput`: the executed notebook, its HTML, its result files and the
  posterior-cache entries the notebook wrote;
- the client writes them into the run folder and its own posterior cache, and
  the run lifecycle (:func:`foresight.run.runner.execute_run`) does the rest as
  for a local run.

Faults: a worker that dies mid-task makes the scheduler run the task elsewhere
(each start is logged as a Dask event; a job that needed more than one start
records ``attempts`` and ``workers`` in run.json); a task that raises is retried
:data:`RETRIES` times. A scheduler gone for :data:`LOST_AFTER` seconds raises
:class:`~foresight.run.executor.ExecutorError` (the run keeps what finished and
exits 2). Ctrl-C cancels the futures and kills this run's kernels on every
worker (:func:`release`), waiting until none is left.

Importing this module imports no Dask (tests/test_import_weight.py): Dask loads
only when a scheduler is asked for.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.util
import itertools
import logging
import os
import shutil
import signal
import tempfile
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
from foresight.base.atomic import atomic_path
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

    Make one with :func:`connect`; :meth:`close` when done (it stops a local cluster).
    """

    client: Any
    address: str
    cluster: Any = None
    html: bool = True
    progress: bool | None = None
    retries: int = RETRIES

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
        stop = stop if stop is not None else threading.Event()
        token = uuid.uuid4().hex
        order = list(order) if order is not None else list(range(len(jobs)))
        packs: dict[Path, tuple[str, dict[str, bytes]]] = {}
        futures = {}
        for rank, i in enumerate(order):  # earlier in the order: higher priority
            task = _task(jobs[i], token, self.html, packs)
            key = f"foresight-{jobs[i].name}-{token}"
            future = self.client.submit(
                run_task, task, key=key, retries=self.retries, pure=False, priority=len(order) - rank
            )
            futures[future] = i
        out: dict[int, JobResult] = {}
        bar = progress_bar(len(jobs), desc, self.progress)
        try:
            for i, future in as_done(self.client, futures, self.address):
                result = self._land(future, jobs[i], Path(folder), token)
                out[i] = result
                tick(bar, result)
                if on_done is not None:
                    on_done(i, result)
        except BaseException:
            stop.set()
            with suppress(Exception):
                self.client.cancel(list(futures))
            raise
        finally:
            bar.close()
            self._release(token)
        return out

    def _land(self, future: Any, job: Job, folder: Path, token: str) -> JobResult:
        """A finished future's result: its files written into the run folder and the posterior cache."""
        starts = self._starts(token, job.name)
        if future.status == "error":
            result = JobResult(job.name, job.notebook.path.name, dict(job.parameters), status="failed")
            result.error = describe_error(future.exception())
        else:
            output: TaskOutput = future.result()
            result = output.result
            output.write(folder, job)
        if len(starts) > 1:
            result.extra["attempts"] = len(starts)
            result.extra["workers"] = starts
        return result

    def _starts(self, token: str, name: str) -> list[str]:
        """The workers that started job ``name`` of run ``token``, in order (more than one: it was retried)."""
        with suppress(Exception):
            events = self.client.get_events(STARTED)
            return [m["worker"] for _, m in events if m.get("token") == token and m.get("job") == name]
        return []

    def _release(self, token: str) -> None:
        """Kill this run's kernels on every worker (idle or busy) and wait until none is left."""
        deadline = time.monotonic() + RELEASE_WAIT
        while time.monotonic() < deadline:
            try:
                alive = self.client.run(release, token, wait=True)
            except Exception:  # the scheduler is gone: its workers' kernels die with them or on their next task
                return
            if not any(alive.values()):
                return
            time.sleep(0.2)


def as_done(client: Any, futures: dict[Any, int], address: str) -> Iterator[tuple[int, Any]]:
    """(index, future) for each future as it finishes (ok, error or cancelled by the cluster).

    Polls rather than blocks, so Ctrl-C is seen at once, and raises
    :class:`ExecutorError` when the scheduler has been unreachable for :data:`LOST_AFTER` s.
    """
    pending = dict(futures)
    gone_since: float | None = None
    while pending:
        finished = [f for f in pending if f.done()]
        for future in finished:
            if future.status == "cancelled":  # nobody here cancelled it: the scheduler dropped us
                raise ExecutorError(f"lost the Dask scheduler at {address}; finished notebooks are kept")
            yield pending.pop(future), future
        if finished:
            continue
        if client.status != "running":
            gone_since = gone_since if gone_since is not None else time.monotonic()
            if time.monotonic() - gone_since > LOST_AFTER:
                raise ExecutorError(f"lost the Dask scheduler at {address}; finished notebooks are kept")
        else:
            gone_since = None
        time.sleep(0.05)


def connect(
    scheduler: str, workers: int | None = None, *, html: bool = True, progress: bool | None = None
) -> DaskExecutor:
    """A :class:`DaskExecutor` on the scheduler at ``scheduler``, or on a new ``LocalCluster`` of ``workers``
    single-threaded processes (default: the CPUs) for ``local``. ExecutorError (one line) when it cannot."""
    _quiet_dask()
    from distributed import Client

    if scheduler == LOCAL:
        from distributed import LocalCluster

        n = workers or os.cpu_count() or 1
        dashboard = ":0" if importlib.util.find_spec("bokeh") is not None else None
        try:
            cluster = LocalCluster(
                n_workers=n,
                threads_per_worker=1,
                processes=True,
                dashboard_address=dashboard,
                silence_logs=logging.CRITICAL,
            )
            client = Client(cluster, timeout=CONNECT_TIMEOUT * 6)
        except Exception as exc:
            raise ExecutorError(f"could not start a local Dask cluster of {n} workers: {exc}") from None
        return DaskExecutor(client, LOCAL, cluster, html=html, progress=progress)
    try:
        client = Client(scheduler, timeout=CONNECT_TIMEOUT)
    except Exception as exc:
        why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ExecutorError(
            f"cannot reach a Dask scheduler at {scheduler!r} within {CONNECT_TIMEOUT} s ({why}); start one with "
            "`dask scheduler` and workers with `dask worker ADDRESS`, or use --scheduler local"
        ) from None
    return DaskExecutor(client, scheduler, html=html, progress=progress)


def map_tasks(
    fn: Callable[[Any], Any],
    items: Iterable[Any],
    *,
    scheduler: str,
    workers: int | None = None,
    retries: int = RETRIES,
) -> Iterator[tuple[int, Any]]:
    """``fn(item)`` for every item on the cluster at ``scheduler`` (or ``local``); yields ``(index, result)`` as
    each finishes, in any order.

    For work that is not a notebook (e.g. one backtest per pack): ``fn`` must be
    importable on the workers (a module-level function of foresight) and
    ``items`` and results picklable; read files on the client and pass their
    contents, as workers share no file system. A task that raises re-raises
    here (after ``retries``); ExecutorError when the cluster cannot be reached
    or is lost; leaving the loop early (or Ctrl-C) cancels what is left.
    """
    executor = connect(scheduler, workers)
    try:
        futures = {
            executor.client.submit(fn, item, retries=retries, pure=False, priority=-i): i
            for i, item in enumerate(items)
        }
        try:
            for i, future in as_done(executor.client, futures, executor.address):
                yield i, future.result()
        finally:
            with suppress(Exception):
                executor.client.cancel(list(futures))
    finally:
        executor.close()


def _task(job: Job, token: str, html: bool, packs: dict[Path, tuple[str, dict[str, bytes]]]) -> NotebookTask:
    """The job as a task a worker can run on its own: notebook and pack travel with it."""
    from foresight.pack.snapshot import pack_files

    pack_key, files = None, None
    folder = _pack_folder(job)
    if folder is not None:
        if folder not in packs:
            found = pack_files(folder)
            digest = hashlib.sha256()
            for name, data in sorted(found.items()):
                digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
            packs[folder] = (digest.hexdigest()[:16], found)
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


# --- what travels ------------------------------------------------------------------------------------


@dataclass
class NotebookTask:
    """One job as sent to a worker: everything it needs, nothing read from the client's disk."""

    token: str
    name: str
    notebook_name: str
    notebook: bytes
    parameters: dict[str, Any]
    pack_key: str | None
    pack_files: dict[str, bytes] | None
    html: bool


@dataclass
class TaskOutput:
    """What a worker sends back: the job's result and the files it made (relative path -> bytes)."""

    result: JobResult
    notebook: bytes | None = None
    html: bytes | None = None
    results: dict[str, bytes] = field(default_factory=dict)
    cache: dict[str, bytes] = field(default_factory=dict)

    def write(self, folder: Path, job: Job) -> None:
        """Into the run folder as a local run would have written them; new cache entries into this machine's
        posterior cache (an entry already there is kept: same key, same draws)."""
        if self.notebook is not None and self.result.output:
            (folder / self.result.output).write_bytes(self.notebook)
        if self.html is not None and self.result.html:
            (folder / self.result.html).write_bytes(self.html)
        out_dir = job.parameters.get("out_dir")
        if out_dir is not None:
            _write_files(Path(out_dir), self.results)
        cache = paths.cache_dir()
        for name, data in self.cache.items():
            target = cache / name
            if not target.exists():
                with suppress(OSError):  # the cache is an optimisation: a full disk must not fail the run
                    _write_files(cache, {name: data})


def _write_files(root: Path, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        target = (root / name).resolve()
        if not target.is_relative_to(root.resolve()):
            raise ValueError(f"a worker sent {name!r}, which would land outside {root}")
        target.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(target) as tmp:
            tmp.write_bytes(data)


def _read_files(root: Path, names: Iterable[Path] | None = None) -> dict[str, bytes]:
    if names is None:
        names = (p for p in root.rglob("*") if p.is_file()) if root.is_dir() else ()
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in names}


# --- the worker side ---------------------------------------------------------------------------------

_lock = threading.Lock()
_slot: dict[str, Any] = {}
_local = threading.local()
_sessions: dict[str, set[Any]] = {}
"""Live kernel sessions of this worker process by run token (so :func:`release` can end a run's kernels)."""
_stops: dict[str, threading.Event] = {}


def worker_slot() -> Path:
    """This worker process's own folder, locked for its lifetime: ``pytensor/`` (the compile directory, set in
    PYTENSOR_FLAGS for the kernels) and ``posterior/`` (the posterior cache, $FORESIGHT_CACHE_DIR). A slot
    outlives its process, so a restarted worker finds the compiled code and draws of the last one."""
    with _lock:
        if "dir" in _slot:
            return _slot["dir"]
        base = Path(os.environ.get(WORKER_DIR_ENV) or Path(tempfile.gettempdir()) / f"foresight-worker-{os.getuid()}")
        for n in itertools.count():
            folder = base / f"slot-{n}"
            folder.mkdir(parents=True, exist_ok=True)
            handle = open(folder / "lock", "w")  # noqa: SIM115 - held open (and locked) until the process ends
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                handle.close()
                continue
            break
        flags = os.environ.get("PYTENSOR_FLAGS", "")
        os.environ["PYTENSOR_FLAGS"] = ",".join(filter(None, [flags, f"compiledir={folder / 'pytensor'}"]))
        os.environ[paths.CACHE_ENV] = str(folder / "posterior")
        _slot.update(dir=folder, lock=handle)
        return folder


def _stop_event(token: str) -> threading.Event:
    with _lock:
        return _stops.setdefault(token, threading.Event())


def _session(token: str) -> Any:
    """This thread's live kernel session for run ``token`` (one of another run is closed first)."""
    from foresight.run.notebooks import KERNEL, KERNEL_ARGUMENTS
    from foresight.run.shared_kernel import KernelSession

    held = getattr(_local, "held", None)
    if held is not None and held[0] != token:
        _local.held = None
        _forget(*held)
        with suppress(Exception):
            held[1].close()
        held = None
    if held is None:
        held = (token, KernelSession(KERNEL, KERNEL_ARGUMENTS))
        _local.held = held
        with _lock:
            _sessions.setdefault(token, set()).add(held[1])
    return held[1]


def _forget(token: str, session: Any) -> None:
    with _lock:
        live = _sessions.get(token)
        if live is not None:
            live.discard(session)
            if not live:
                del _sessions[token]


def _unpack(task: NotebookTask, work: Path) -> Path | None:
    from foresight.pack.snapshot import write_pack_files

    if task.pack_files is None or task.pack_key is None:
        return None
    folder = work / "packs" / task.pack_key
    with _lock:  # threads of one worker share the slot
        if not folder.is_dir():
            tmp = Path(tempfile.mkdtemp(prefix=".pack-", dir=work))
            write_pack_files(task.pack_files, tmp)
            folder.parent.mkdir(parents=True, exist_ok=True)
            tmp.rename(folder)
    return folder


def run_task(task: NotebookTask) -> TaskOutput:
    """Execute one notebook on this worker (see the module docstring); never raises on notebook errors."""
    from distributed import get_worker

    from foresight.run.notebooks import NotebookInfo, execute

    slot = worker_slot()
    worker = get_worker()
    worker.log_event(STARTED, {"token": task.token, "job": task.name, "worker": worker.address})
    stop = _stop_event(task.token)
    work = slot / "work"
    notebook = work / "notebooks" / hashlib.sha256(task.notebook).hexdigest()[:16] / task.notebook_name
    if not notebook.is_file():
        _write_files(notebook.parent, {notebook.name: task.notebook})
    parameters = dict(task.parameters)
    pack = _unpack(task, work)
    if pack is not None:
        parameters["pack"] = str(pack)
    (work / "jobs").mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=f"{task.name}-", dir=work / "jobs"))
    try:
        if "out_dir" in parameters:
            parameters["out_dir"] = str(folder / "results")
        cache = paths.cache_dir()
        before = set(cache.rglob("*")) if cache.is_dir() else set()
        session = _session(task.token)
        job = Job(NotebookInfo(notebook, {}, {}), task.name, parameters)
        result = execute(job, folder, html=task.html, cwd=notebook.parent, stop=stop, session=session)
        if stop.is_set():
            session.discard()
        result.parameters = dict(task.parameters)  # as the client gave them (its pack and out_dir)
        result.extra["worker"] = worker.address
        output = TaskOutput(result)
        if result.output:
            output.notebook = (folder / result.output).read_bytes()
        if result.html:
            output.html = (folder / result.html).read_bytes()
        output.results = _read_files(folder / "results")
        new = sorted(p for p in cache.rglob("*") if p.is_file() and p not in before) if cache.is_dir() else []
        output.cache = _read_files(cache, new)
        return output
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def release(token: str) -> int:
    """Run on every worker after a run (and on Ctrl-C): no new task of run ``token`` starts here, and its kernels
    (idle or busy, with everything they forked) are killed. Returns how many were still alive."""
    with _lock:
        _stops.setdefault(token, threading.Event()).set()
        sessions = list(_sessions.get(token, ()))
    alive = 0
    for session in sessions:
        km = session.km
        group = km.process_group() if km is not None else None
        if group:
            with suppress(ProcessLookupError, PermissionError):
                os.killpg(group, signal.SIGKILL)
                alive += 1
    return alive
