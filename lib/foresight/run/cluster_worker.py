"""The worker side of :mod:`foresight.run.cluster`: what a task carries, and what a Dask worker does with it.

This module runs on the workers (and imports Dask); the client imports it only
when it submits work. See :mod:`foresight.run.cluster` for the whole design.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib
import itertools
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from distributed.diagnostics.plugin import WorkerPlugin

from foresight.base import paths
from foresight.base.atomic import atomic_path
from foresight.base.run_files import RESULTS_DIR
from foresight.run.cluster import STARTED, WARM_UP, WORKER_DIR_ENV
from foresight.run.notebooks import Job, JobResult, skip_unused_imports

# --- what travels ------------------------------------------------------------------------------------


@dataclass
class NotebookTask:
    """One job as sent to a worker: everything it needs, nothing read from the client's disk."""

    token: str
    """The connection's (:attr:`foresight.run.cluster.DaskExecutor.token`): each worker thread keeps one kernel
    per connection, for all of its runs."""
    name: str
    notebook_name: str
    notebook: bytes
    parameters: dict[str, Any]
    pack_key: str | None
    pack_files: dict[str, bytes] | None
    html: bool
    threads: int | None = None
    """The client's BLAS threads, for the kernel (:data:`THREAD_VARIABLES`)."""
    run: str = ""
    """The run's own token, in the task-start events (a connection can make several runs)."""


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
        write_cache(self.cache)


@dataclass
class PackStepsTask:
    """One pack's backtest as sent to a worker (:func:`run_pack_steps`): the pack's files, options and day."""

    pack_id: str
    pack_files: dict[str, bytes]
    options: Any  # a foresight.model.options.ModelOptions (or None: the defaults)
    today: Any  # a datetime.date
    threads: int | None = None
    """The client's BLAS threads, set in this process for the backtest (:data:`THREAD_VARIABLES`)."""


@dataclass
class PackStepsOutput:
    """What a worker sends back for a pack: its backtest rows and the posterior-cache entries it wrote."""

    steps: Any  # a pandas DataFrame
    cache: dict[str, bytes] = field(default_factory=dict)


def write_cache(files: dict[str, bytes]) -> None:
    """Posterior-cache entries a worker sampled, into this machine's cache (an entry already there is kept:
    same key, same draws)."""
    cache = paths.cache_dir()
    for name, data in files.items():
        if not (cache / name).exists():
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

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
"""The numerical libraries' thread counts, which Dask's nanny sets to 1 for its workers
(``distributed.nanny.pre-spawn-environ``). A task sets them back to the client's BLAS thread count
(:func:`foresight.run.cluster.blas_threads`): OpenBLAS splits some sums by thread, so 1 thread and 2 give
forecasts apart in the 7th digit (measured on the library's packs), and a cluster run must give the local
run's numbers."""


def thread_env(threads: int | None) -> dict[str, str] | None:
    """The environment for a task's kernels: this worker's, with :data:`THREAD_VARIABLES` at ``threads``."""
    if threads is None:
        return None
    return {**os.environ, **dict.fromkeys(THREAD_VARIABLES, str(threads))}


_lock = threading.Lock()
_blas_lock = threading.Lock()
"""Held by a backtest for its whole length (never taken by Dask's event loop, unlike :data:`_lock`)."""
_slot: dict[str, Any] = {}
_local = threading.local()
_sessions: dict[str, set[Any]] = {}
"""Live kernel sessions of this worker process by connection token (so :func:`release` can end them)."""
_stops: dict[str, threading.Event] = {}
_importing = threading.Lock()
"""Held by the warm-up (:class:`WarmUp`) while it imports. jupyter_client's modules import one another, and a
second thread importing one of them half-way gets a partially initialised module (ImportError: a kernel
warm-up that never started in about one local cluster in five), so a task and the kernel warm-up wait for
it (:func:`_after_warm_up`)."""


def _after_warm_up() -> None:
    """Wait until no warm-up is importing in this process (at once when none is)."""
    with _importing:
        pass


def worker_slot() -> Path:
    """This worker process's own folder, locked for its lifetime: ``pytensor/`` (the compile directory, set in
    PYTENSOR_FLAGS for the kernels) and ``posterior/`` (the posterior cache, $FORESIGHT_CACHE_DIR). A slot
    outlives its process, so a restarted worker finds the compiled code and draws of the last one."""
    with _lock:
        if "dir" in _slot:
            return _slot["dir"]
        skip_unused_imports()  # the first thing a task or the warm-up does in this process
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


def _session(token: str, threads: int | None = None) -> Any:
    """This thread's live kernel session for connection ``token`` (one of another connection is closed first),
    its kernels running ``threads`` BLAS threads."""
    from foresight.run.notebooks import KERNEL, KERNEL_ARGUMENTS
    from foresight.run.shared_kernel import FINISHED_ONLY, KernelSession

    held = getattr(_local, "held", None)
    if held is not None and held[0] != token:
        _local.held = None
        _forget(*held)
        with suppress(Exception):
            held[1].close()
        held = None
    if held is None:
        held = (token, KernelSession(KERNEL, KERNEL_ARGUMENTS, env=thread_env(threads), save_every=FINISHED_ONLY))
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


def _unpack(key: str | None, files: dict[str, bytes] | None, work: Path) -> Path | None:
    """The pack with these files, written once per slot under its content key."""
    from foresight.pack.snapshot import write_pack_files

    if files is None or key is None:
        return None
    folder = work / "packs" / key
    with _lock:  # threads of one worker share the slot
        if not folder.is_dir():
            work.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=".pack-", dir=work))
            write_pack_files(files, tmp)
            folder.parent.mkdir(parents=True, exist_ok=True)
            tmp.rename(folder)
    return folder


def _cache_listing() -> tuple[Path, set[Path]]:
    cache = paths.cache_dir()
    return cache, set(cache.rglob("*")) if cache.is_dir() else set()


def _new_cache_files(cache: Path, before: set[Path]) -> dict[str, bytes]:
    new = sorted(p for p in cache.rglob("*") if p.is_file() and p not in before) if cache.is_dir() else []
    return _read_files(cache, new)


def run_pack_steps(task: PackStepsTask) -> PackStepsOutput:
    """One pack's backtest rows (:func:`foresight.evaluate.library.pack_steps`) on this worker.

    The pack is rebuilt from its files in the slot (content-addressed, so a
    pack is written once per worker); the slot's compile directory and
    posterior cache are set before PyTensor loads in this process. The chains
    run one after another (``cores=1``: a worker is one thread, and a daemonic
    worker process may not start processes); ``cores`` changes only the speed,
    never the draws (:meth:`foresight.model.sampling.SamplerSettings.key`).
    """
    import dataclasses

    _after_warm_up()
    from foresight.evaluate.library import pack_steps
    from foresight.model.options import ModelOptions
    from foresight.pack.loader import load_pack
    from foresight.pack.snapshot import files_key

    slot = worker_slot()
    folder = _unpack(files_key(task.pack_files), task.pack_files, slot / "work")
    options = dataclasses.replace(task.options or ModelOptions(), cores=1)
    cache, before = _cache_listing()
    with _blas_threads(task.threads):  # after the model's imports, so every BLAS library loaded is reached
        steps = pack_steps(load_pack(folder), options, task.today)
    return PackStepsOutput(steps, _new_cache_files(cache, before))


@contextmanager
def _blas_threads(threads: int | None) -> Iterator[None]:
    if threads is None:
        yield
        return
    from threadpoolctl import threadpool_limits

    with _blas_lock, threadpool_limits(limits=threads, user_api="blas"):  # the limit is process-wide
        yield


def run_task(task: NotebookTask) -> TaskOutput:
    """Execute one notebook on this worker (see the module docstring); never raises on notebook errors."""
    _after_warm_up()
    from distributed import get_worker

    from foresight.run.notebooks import NotebookInfo, execute

    slot = worker_slot()
    worker = get_worker()
    worker.log_event(STARTED, {"run": task.run, "job": task.name, "worker": worker.address})
    stop = _stop_event(task.token)
    work = slot / "work"
    notebook = work / "notebooks" / hashlib.sha256(task.notebook).hexdigest()[:16] / task.notebook_name
    if not notebook.is_file():
        _write_files(notebook.parent, {notebook.name: task.notebook})
    parameters = dict(task.parameters)
    pack = _unpack(task.pack_key, task.pack_files, work)
    if pack is not None:
        parameters["pack"] = str(pack)
    (work / "jobs").mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=f"{task.name}-", dir=work / "jobs"))
    try:
        if "out_dir" in parameters:
            parameters["out_dir"] = str(folder / RESULTS_DIR)
        cache, before = _cache_listing()
        session = _session(task.token, task.threads)
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
        output.results = _read_files(folder / RESULTS_DIR)
        output.cache = _new_cache_files(cache, before)
        return output
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@dataclass(frozen=True)
class KernelWarmUp:
    """What :class:`WarmUp` needs to start a worker's kernel before its first task: the connection's token and
    BLAS threads (as its tasks carry them) and the import statements of the notebooks it will run."""

    token: str
    threads: int | None
    imports: tuple[str, ...] = ()


class WarmUp(WorkerPlugin):
    """A Dask worker plugin: as a worker joins, it takes its slot and imports ``modules`` (what the coming tasks
    need: papermill, nbclient and jupyter_client for notebooks, about 2 s of CPU) in a background thread while
    the client prepares the run, instead of on the run's first task. A task that arrives first waits for the
    imports to end (:data:`_importing`), not only for the module being imported: two threads importing
    jupyter_client at once can fail.

    With ``kernel`` (``--scheduler local``, whose workers live as long as the command), it also starts the
    worker's kernel for that connection and runs the notebooks' import statements in it (:func:`_warm_kernel`:
    about 1 s of kernel start and 2-3 s of imports per worker, measured), on the worker's task thread, where
    the first task finds it (a task that arrives first waits for it there). On the worker's close the
    kernel is killed (:meth:`teardown`)."""

    name = WARM_UP

    def __init__(self, modules: Sequence[str], kernel: KernelWarmUp | None = None):
        self.modules = tuple(modules)
        self.kernel = kernel

    def setup(self, worker: Any) -> None:
        if _importing.acquire(blocking=False):  # released by the thread; none started while one still imports
            threading.Thread(target=_warm_up, args=(self.modules,), name="foresight-warm-up", daemon=True).start()
        if self.kernel is not None:
            # the worker's task thread: a kernel session lives on the thread (and event loop) that started it
            worker.executor.submit(_warm_kernel, self.kernel)

    def teardown(self, worker: Any) -> None:
        if self.kernel is not None:
            release(self.kernel.token)


def _warm_kernel(kernel: KernelWarmUp) -> None:
    """Start this thread's kernel for ``kernel.token`` and run the notebooks' imports in it."""
    _after_warm_up()
    with suppress(Exception):  # an optimisation: the first task starts its kernel itself and reports any error
        from foresight.run.kernel import warm_up_code

        work = worker_slot() / "work"
        work.mkdir(parents=True, exist_ok=True)
        session, stop = _session(kernel.token, kernel.threads), _stop_event(kernel.token)
        session.kernel(work, stop)
        if kernel.imports:
            session.run_quietly(warm_up_code(list(kernel.imports)), stop)


def _warm_up(modules: Sequence[str]) -> None:
    """Import ``modules`` holding :data:`_importing` (taken by :meth:`WarmUp.setup`), then release it."""
    try:
        with suppress(Exception):  # an optimisation: a task imports whatever this missed, and reports its errors
            worker_slot()  # first: it sets the compile directory before PyTensor may load
            for name in modules:
                importlib.import_module(name)
    finally:
        _importing.release()


class IgnoreInterrupts(WorkerPlugin):
    """A Dask worker plugin for a local cluster's workers: Ctrl-C in the terminal reaches every process of the
    command, and the command stops the run itself (cancels, kills the kernels, closes the cluster); the
    workers ignoring it spares a traceback from each."""

    name = "foresight-ignore-interrupts"

    def setup(self, worker: Any) -> None:
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, signal.SIG_IGN)


def release(token: str) -> int:
    """Run on every worker when a connection closes, or its run is stopped (Ctrl-C, a lost scheduler): no new
    task of connection ``token`` starts here, and its kernels (idle or busy, with everything they forked) are
    killed. Returns how many were still alive."""
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
        elif session.starting:  # a kernel on its way: its session sees the stop and shuts it down
            alive += 1
    return alive
