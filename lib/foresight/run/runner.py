"""`foresight run`: execute the notebook suite for a pack into a new, self-describing run folder.

A run folder ``runs/<timestamp>-<hash of the parameters>/`` holds the executed
notebooks, their HTML (code hidden), one CSV per result table
(``forecasts.csv`` always), an ``index.html`` for readers, and ``run.json``:
parameters, pack hash, package versions, timings, the owner process and the
status of the run and of every notebook.

One lifecycle, :func:`execute_run`, serves ``foresight run`` and ``foresight
sweep`` alike: create the hidden ``.<id>.incomplete`` folder
(:mod:`foresight.run.folders`), record the parameters and the owner, execute the
notebooks (run.json is rewritten as each one finishes), record each notebook's
true status (``ok``, ``failed``, ``interrupted`` or ``not run``), write the
tables from notebooks recorded ``ok`` only, write the index, then rename the
folder into place atomically (and correct ``run_id`` if the name had to change).

A failed notebook does not stop the others; it marks the run ``failed`` with
the failing cell's error in ``run.json`` and the command exits 1. Ctrl-C,
``kill -TERM`` and a closed terminal (SIGHUP) stop the kernels at once
(:func:`foresight.run.kernel.stop_all`) and the run is recorded ``interrupted``
(exit 128 + the signal's number, e.g. 130 for Ctrl-C). ``kill -9`` cannot be
caught: the kernels and their workers die with the runner (parent-death
signals, see :mod:`foresight.run.kernel`) and the hidden folder stays behind,
shown by ``foresight runs`` as ``abandoned``. Earlier runs are never touched.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import inspect
import json
import os
import platform
import queue
import shutil
import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from foresight.base import paths
from foresight.base.atomic import write_json_atomic, write_problem
from foresight.pack.loader import Pack
from foresight.pack.snapshot import write_snapshot
from foresight.report import results, rundiff, style
from foresight.report.run_index import forecasts_html
from foresight.run.folders import (
    INCOMPLETE,
    RUN_FILE,
    RunWriteError,
    finish_run_folder,
    new_run_folder,
    owner,
    read_record,
)
from foresight.run.notebooks import Job, JobResult, describe_error, discover, execute, jobs_for

__all__ = ["INCOMPLETE", "RUN_FILE", "RunOptions", "RunOutcome", "RunPlan", "check_values", "execute_run", "run"]

RESULTS_DIR = "results"
VERSIONED = (
    "foresight",
    "pymc",
    "pytensor",
    "arviz",
    "numpy",
    "scipy",
    "pandas",
    "matplotlib",
    "papermill",
    "nbconvert",
    "nbformat",
    "ipykernel",
)
EXIT_OK, EXIT_FAILED, EXIT_INTERRUPTED = 0, 1, 130
KERNEL_MEMORY = 0.4e9
"""Bytes one notebook's kernel takes while sampling (measured: about 0.4 GB), to cap --jobs by free memory."""
STOP_SIGNALS = ("SIGTERM", "SIGHUP")
"""Signals that stop a run like Ctrl-C does (SIGINT already raises KeyboardInterrupt)."""


def parameter_hash(parameters: Mapping[str, Any]) -> str:
    """A short, stable hash of a run's parameters (its folder name's suffix)."""
    text = json.dumps(parameters, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def package_versions() -> dict[str, str]:
    """Versions of Python and the packages that shape the numbers and the reports."""
    out = {"python": platform.python_version()}
    for name in VERSIONED:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


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


# --- executing jobs ------------------------------------------------------------------------


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
    from tqdm.auto import tqdm

    from foresight.run.kernel import stop_all
    from foresight.run.notebooks import KERNEL, KERNEL_ARGUMENTS
    from foresight.run.shared_kernel import KernelSession

    out: dict[int, JobResult] = {}
    stop = threading.Event()
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

    bar = tqdm(total=len(jobs), desc=desc, unit="nb", disable=None if progress is None else not progress)
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
        bar.set_postfix_str(f"{result.name}: {result.status} ({result.seconds:.0f} s)", refresh=False)
        bar.update()
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


def run_order(jobs: Sequence[Job], seconds: Mapping[str, float]) -> list[int]:
    """Job indices, longest expected first (so the workers finish together), from ``seconds`` by job name.

    A job missing from ``seconds`` is expected to take what its notebook's jobs
    took on average, else the median of all; with nothing known the order stays as given.
    """
    if not seconds:
        return list(range(len(jobs)))
    known = sorted(seconds.values())
    median = known[len(known) // 2]
    by_notebook: dict[str, list[float]] = {}
    for job in jobs:
        if job.name in seconds:
            by_notebook.setdefault(job.notebook.name, []).append(seconds[job.name])

    def expected(i: int) -> float:
        job = jobs[i]
        if job.name in seconds:
            return seconds[job.name]
        same = by_notebook.get(job.notebook.name)
        return sum(same) / len(same) if same else median

    return sorted(range(len(jobs)), key=lambda i: (-expected(i), i))


def previous_seconds(runs_dir: Path, kind: str) -> dict[str, float]:
    """Seconds per notebook (by job name) of the newest finished ``kind`` run in ``runs_dir`` that has any;
    empty when there is none (or none readable)."""
    try:
        candidates = sorted((p for p in runs_dir.iterdir() if not p.name.startswith(".")), reverse=True)
    except OSError:
        return {}
    for folder in candidates:
        try:
            record = read_record(folder)
        except (OSError, ValueError):
            continue
        if record.get("kind") != kind:
            continue
        seconds = {}
        for entry in record.get("notebooks") or []:
            if isinstance(entry, Mapping) and entry.get("status") in ("ok", "failed"):
                value = entry.get("seconds")
                if isinstance(value, (int, float)) and value > 0:
                    seconds[str(entry.get("name"))] = float(value)
        if seconds:
            return seconds
    return {}


def first_error(job_results: Sequence[JobResult]) -> dict[str, Any] | None:
    """The first failed notebook's error, naming the notebook (what run.json shows as the run's error)."""
    for r in job_results:
        if r.status == "failed":
            return {"notebook": r.name, **(r.error or {"ename": "Unknown", "evalue": "the notebook did not finish"})}
    return None


# --- the run lifecycle (run and sweep) -------------------------------------------------------


class RunStopped(KeyboardInterrupt):
    """A stop signal other than Ctrl-C (SIGTERM, SIGHUP), handled like Ctrl-C."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@contextmanager
def _stop_signals() -> Iterator[None]:
    """While executing, SIGTERM and SIGHUP raise :class:`RunStopped` in the main thread (as SIGINT raises
    KeyboardInterrupt), so the run stops its kernels and records itself instead of vanishing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise RunStopped(signum)

    previous = {}
    for name in STOP_SIGNALS:
        if hasattr(signal, name):
            sig = getattr(signal, name)
            previous[sig] = signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


@contextmanager
def _signals_deferred() -> Iterator[list[int]]:
    """While the record is written and the folder renamed, a stop signal is noted, not obeyed (a few seconds)."""
    if threading.current_thread() is not threading.main_thread():
        yield []
        return
    seen: list[int] = []
    names = ("SIGINT", *STOP_SIGNALS)
    previous = {}
    for name in names:
        if hasattr(signal, name):
            sig = getattr(signal, name)
            previous[sig] = signal.signal(sig, lambda signum, frame: seen.append(signum))
    try:
        yield seen
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


@dataclass
class RunPlan:
    """What one run or sweep executes, and what it adds to the folder at the end.

    ``jobs`` builds the jobs once the work folder exists (each writes its
    results under it); ``finish(work, jobs, results, record)`` writes the
    kind's own tables from the notebooks recorded ``ok`` and adds to the record.
    """

    kind: str
    label: str
    record: dict[str, Any]
    jobs: Callable[[Path], list[Job]]
    finish: Callable[[Path, list[Job], list[JobResult], dict[str, Any]], None]
    workers: int = 1
    html: bool = True
    cwd: Path | None = None
    progress: bool | None = None
    index_section: Callable[[Path, Path], str] | None = None


@dataclass
class RunOutcome:
    """Where a run went and how it ended."""

    folder: Path
    record: dict[str, Any]

    @property
    def status(self) -> str:
        return self.record["status"]

    @property
    def exit_code(self) -> int:
        if self.status == "interrupted":
            return 128 + int((self.record.get("error") or {}).get("signal_number") or signal.SIGINT)
        return EXIT_OK if self.status == "complete" else EXIT_FAILED


def _pending(job: Job) -> dict[str, Any]:
    return {"name": job.name, "notebook": job.notebook.path.name, "parameters": job.parameters, "status": "pending"}


def execute_run(plan: RunPlan, runs_dir: Path) -> RunOutcome:
    """The one lifecycle of a run or sweep; see the module docstring. RunsDirError when ``runs_dir`` is unusable;
    its subclass RunWriteError when a write fails on the way (a full disk), after closing the folder."""
    run_id, work = new_run_folder(runs_dir, plan.label)
    state: dict[str, Any] = {}
    try:
        return _execute_in(plan, runs_dir, run_id, work, state)
    except OSError as exc:
        raise close_after_write_failure(exc, work, runs_dir, run_id, state) from None


def close_after_write_failure(
    exc: OSError, work: Path, runs_dir: Path, run_id: str, state: Mapping[str, Any]
) -> RunWriteError:
    """Give the half-written run folder a true status: ``failed`` (with the reason) when a notebook in it
    finished ``ok``, else remove it, as nothing in it is worth keeping (or the record cannot be written)."""
    problem = write_problem(exc, work)
    record, done = state.get("record"), state.get("done") or {}
    if record is not None and any(r.status == "ok" for r in done.values()):
        try:
            for i, entry in enumerate(record["notebooks"]):
                if i not in done:
                    entry["status"] = "not run"
            record.update(status="failed", finished=_now(), error={"ename": type(exc).__name__, "evalue": problem})
            write_json_atomic(work / RUN_FILE, record)
            folder = finish_run_folder(work, runs_dir, run_id)
            return RunWriteError(f"{problem}; the run is recorded as failed in {folder}")
        except OSError:
            pass
    shutil.rmtree(work, ignore_errors=True)
    return RunWriteError(f"{problem}; the unfinished run folder was removed")


def _execute_in(plan: RunPlan, runs_dir: Path, run_id: str, work: Path, state: dict[str, Any]) -> RunOutcome:
    jobs = plan.jobs(work)
    started = time.perf_counter()
    record: dict[str, Any] = {
        "run_id": run_id,
        "kind": plan.kind,
        "status": "running",
        "started": _now(),
        "finished": None,
        "seconds": None,
        "owner": owner(),
        **plan.record,
        "versions": package_versions(),
        "workers": plan.workers,
        "notebooks": [_pending(j) for j in jobs],
        "error": None,
    }
    done: dict[int, JobResult] = {}
    state.update(record=record, done=done)
    write_json_atomic(work / RUN_FILE, record)
    write_failed: list[OSError] = []

    def on_done(i: int, result: JobResult) -> None:
        done[i] = result
        record["notebooks"][i] = result.as_dict()
        if not write_failed:  # after a failed write the run stops; the others' results are only kept
            try:
                write_json_atomic(work / RUN_FILE, record)
            except OSError as exc:
                write_failed.append(exc)
                raise

    order = run_order(jobs, previous_seconds(runs_dir, plan.kind))
    stopped: KeyboardInterrupt | None = None
    try:
        with _stop_signals():
            execute_jobs(
                jobs,
                work,
                workers=plan.workers,
                html=plan.html,
                cwd=plan.cwd,
                progress=plan.progress,
                desc=f"foresight {plan.kind} {run_id}",
                on_done=on_done,
                order=order,
            )
    except KeyboardInterrupt as exc:
        stopped = exc
    with _signals_deferred():
        for i, entry in enumerate(record["notebooks"]):
            if i not in done:
                entry["status"] = "not run"
        job_results = [done[i] for i in sorted(done)]
        if stopped is not None:
            signum = getattr(stopped, "signum", signal.SIGINT)
            record["status"] = "interrupted"
            record["error"] = {
                "ename": "KeyboardInterrupt" if signum == signal.SIGINT else "Stopped",
                "evalue": f"the run was stopped by {signal.Signals(signum).name}",
                "signal_number": int(signum),
            }
        elif all(r.status == "ok" for r in job_results) and len(job_results) == len(jobs):
            record["status"] = "complete"
        else:
            record["status"] = "failed"
            record["error"] = first_error(job_results)
        ok = [r for r in job_results if r.status == "ok"]
        plan.finish(work, jobs, ok, record)
        record["finished"] = _now()
        record["seconds"] = round(time.perf_counter() - started, 2)
        extra = plan.index_section(runs_dir, work) if plan.index_section is not None else ""
        write_index(work, record, extra)
        write_json_atomic(work / RUN_FILE, record)
        folder = finish_run_folder(work, runs_dir, run_id)
        if folder.name != run_id:  # the name was taken meanwhile: the record and index follow the folder
            record["run_id"] = folder.name
            write_index(folder, record, extra)
            write_json_atomic(folder / RUN_FILE, record)
    return RunOutcome(folder, record)


# --- the run --------------------------------------------------------------------------------


@dataclass
class RunOptions:
    """What `foresight run` was asked to do (already checked by the command).

    ``params`` go to every notebook that has them; ``notebook_params`` maps a
    notebook's name to values for that notebook only (they win over ``params``
    and the run's own ``as_of``/``draws``/``seed``).
    """

    pack: Pack
    questions: list[str] | None = None
    as_of: str | None = None
    draws: int | None = None
    seed: int | None = None
    params: dict[str, Any] = field(default_factory=dict)
    notebook_params: dict[str, dict[str, Any]] = field(default_factory=dict)
    runs_dir: Path | None = None
    notebooks_dir: Path | None = None
    workers: int = 1
    html: bool = True
    progress: bool | None = None

    def notebook_values(self) -> dict[str, Any]:
        """Values offered to every notebook (each takes those its parameters cell defines)."""
        values: dict[str, Any] = {"pack": str(Path(self.pack.dir).resolve()), **self.params}
        values["interactive"] = False  # no live kernel behind the HTML: static tables, not widgets
        if self.as_of is not None:
            values["as_of"] = self.as_of
            values["clip_to_window"] = True  # one date for questions open at different times
        if self.draws is not None:
            values["draws"] = self.draws
        if self.seed is not None:
            values["seed"] = self.seed
        return values

    def values_by_notebook(self) -> dict[str, dict[str, Any]]:
        """Values for named notebooks only; a notebook's own ``as_of`` is moved into each question's window too."""
        out = {}
        for name, values in self.notebook_params.items():
            out[name] = {**values, **({"clip_to_window": True} if "as_of" in values else {})}
        return out

    def record(self) -> dict[str, Any]:
        """The parameters as run.json keeps them (and as the folder's hash covers them)."""
        out = {
            "pack": paths.relative_to_root(Path(self.pack.dir)),
            "pack_hash": self.pack.content_hash,
            "questions": self.questions or list(self.pack.questions),
            "as_of": self.as_of,
            "draws": self.draws,
            "seed": self.seed,
            "params": self.params,
        }
        if self.notebook_params:
            out["notebook_params"] = self.notebook_params
        return out


def check_values(options: RunOptions, notebooks: Sequence[Any]) -> str | None:
    """Every job's values through :func:`~foresight.run.params.check_params`, as each notebook's first cell
    will check them, before any kernel starts; the first problem names the option that gave the value."""
    from foresight.run.params import ParameterError, check_params

    accepted = set(inspect.signature(check_params).parameters) - {"pack", "out_dir"}
    questions = options.questions or list(options.pack.questions)
    own = options.values_by_notebook()
    for job in jobs_for(list(notebooks), questions, options.notebook_values(), Path(RESULTS_DIR), own):
        values = {k: v for k, v in job.parameters.items() if k in accepted}
        try:
            check_params(pack=options.pack, **values)
        except ParameterError as exc:
            nb = job.notebook.name
            if exc.name in options.notebook_params.get(nb, {}):
                option = f"--param {nb}.{exc.name}"
            elif exc.name in options.params:
                option = f"--param {exc.name}"
            else:
                option = f"--{exc.name.replace('_', '-')}"
            return f"{option}: {exc} (checked for notebook {job.name})"
    return None


def run(options: RunOptions) -> RunOutcome:
    """Execute the suite for ``options.pack`` into a new run folder; see the module docstring."""
    runs_dir = Path(options.runs_dir) if options.runs_dir is not None else paths.runs_dir()
    notebooks = discover(options.notebooks_dir)
    parameters = options.record()
    pack = options.pack

    def make_jobs(work: Path) -> list[Job]:
        return jobs_for(
            notebooks,
            parameters["questions"],
            options.notebook_values(),
            work / RESULTS_DIR,
            options.values_by_notebook(),
        )

    def finish(work: Path, jobs: list[Job], ok: list[JobResult], record: dict[str, Any]) -> None:
        record["tables"] = write_tables(work, [r.name for r in ok], pack)
        record["convergence"] = convergence(work)
        record["pack"]["files"] = write_snapshot(pack, work)  # lets `foresight diff` name changed records

    plan = RunPlan(
        kind="run",
        label=parameter_hash(parameters),
        record={
            "parameters": parameters,
            "pack": {
                "id": pack.meta.id,
                "title": pack.meta.title,
                "path": str(Path(pack.dir).resolve()),
                "content_hash": pack.content_hash,
            },
            "cache_dir": str(paths.cache_dir()),
        },
        jobs=make_jobs,
        finish=finish,
        index_section=comparison_section,
        workers=options.workers,
        html=options.html,
        cwd=options.notebooks_dir or paths.notebooks_dir(),
        progress=options.progress,
    )
    return execute_run(plan, runs_dir)


def write_tables(folder: Path, names: Sequence[str] | None = None, pack: Pack | None = None) -> dict[str, int]:
    """One ``<table>.csv`` per table name in the result files of notebooks ``names`` (default: all);
    ``forecasts.csv`` always (maybe empty). A notebook not recorded ``ok`` contributes no rows."""
    root = folder / RESULTS_DIR
    found: dict[str, pd.DataFrame] = {}
    sources = [root / n for n in names] if names is not None else [root]
    for source in sources:
        if not source.is_dir():
            continue
        for table, frame in results.tables(source).items():
            found[table] = frame if table not in found else pd.concat([found[table], frame], ignore_index=True)
    forecasts = found.get("forecasts", pd.DataFrame(columns=results.FORECAST_COLUMNS))
    if pack is not None and not forecasts.empty:
        order = {q: i for i, q in enumerate(pack.questions)}
        forecasts = forecasts.sort_values("question_id", key=lambda s: s.map(order), kind="stable")
    found["forecasts"] = forecasts.reset_index(drop=True)
    for table, frame in found.items():
        frame.to_csv(folder / f"{table}.csv", index=False)
    return {table: len(frame) for table, frame in found.items()}


def convergence(folder: Path) -> dict[str, Any]:
    """Which forecasts in ``forecasts.csv`` did not meet the sampler's bar."""
    path = folder / "forecasts.csv"
    frame = pd.read_csv(path) if path.is_file() else pd.DataFrame()
    if frame.empty or "converged" not in frame:
        return {"all_converged": None, "not_converged": []}
    bad = frame.loc[~frame["converged"].astype(bool), "question_id"].tolist()
    return {"all_converged": not bad, "not_converged": bad}


def comparison_section(runs_dir: Path, work: Path) -> str:
    """The index's "changes since the previous run of this pack" section; never fails a run (a note instead)."""
    try:
        return rundiff.index_section(runs_dir, work)
    except Exception as exc:  # an unreadable older run must not cost the new one
        return f"<p>Could not compare with the previous run: {html.escape(type(exc).__name__)}: {html.escape(str(exc))}</p>"


def write_index(folder: Path, record: Mapping[str, Any], comparison: str = "") -> None:
    """``index.html``: the run at a glance for readers, linking every notebook's HTML report;
    ``comparison`` is an HTML section comparing it with an earlier run (see :mod:`foresight.report.rundiff`)."""
    status = record["status"]
    colour = style.YES if status == "complete" else style.NO
    items = []
    for nb in record["notebooks"]:
        link = nb.get("html") or nb.get("output")
        name = html.escape(nb["name"])
        label = f'<a href="{html.escape(link)}">{name}</a>' if link else name
        items.append(f"<li>{label} — {html.escape(str(nb.get('status')))} ({nb.get('seconds', 0)} s)</li>")
    table = forecasts_html(folder)
    error = ""
    if record.get("error"):
        err = record["error"]
        where = f"{err['notebook']}: " if err.get("notebook") else ""
        error = (
            f"<pre style='background:#fdecea;padding:8px'>{html.escape(where)}"
            f"{html.escape(str(err.get('ename')))}: {html.escape(str(err.get('evalue')))}</pre>"
        )
    pack = record.get("pack") or {}
    about = (
        f"Pack <b>{html.escape(str(pack.get('id')))}</b> (hash {html.escape(str(pack.get('content_hash')))}), "
        if pack
        else ""
    )
    kind = "Sweep" if record.get("kind") == "sweep" else "Run"
    body = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{html.escape(record["run_id"])}</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:2em auto}} td,th{{padding:2px 8px;text-align:right}}</style>
</head><body><h1>{kind} {html.escape(record["run_id"])}</h1>
<p>{about}started {html.escape(str(record["started"]))}, status <b style="color:{colour}">{html.escape(status)}</b>.</p>
{error}<h2>Reports</h2><ul>{"".join(items)}</ul><h2>Forecasts</h2>{table or "<p>none</p>"}
{comparison}
<p>Parameters, versions and timings: <a href="{RUN_FILE}">{RUN_FILE}</a>.</p></body></html>"""
    (folder / "index.html").write_text(body, encoding="utf-8")
