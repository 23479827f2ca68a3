"""`foresight run`: execute the notebook suite for a pack into a new, self-describing run folder.

A run folder ``runs/<timestamp>-<hash of the parameters>/`` holds the executed
notebooks, their HTML (code hidden), one CSV per result table
(``forecasts.csv`` always), an ``index.html`` for readers, and ``run.json``:
parameters, pack hash, package versions, timings, the owner process and the
status of the run and of every notebook.

One lifecycle, :func:`execute_run`, serves ``foresight run`` and ``foresight
sweep`` alike: create the hidden ``.<id>.incomplete`` folder
(:mod:`foresight.run.folders`), record the parameters and the owner, execute the
notebooks through the plan's executor (:mod:`foresight.run.executor`: local
kernels by default, a Dask cluster with ``--scheduler``; run.json is rewritten as
each one finishes), record each notebook's
true status (``ok``, ``failed``, ``interrupted`` or ``not run``), write the
tables from notebooks recorded ``ok`` only, write the index, then rename the
folder into place atomically (and correct ``run_id`` if the name had to change).
The index page itself is :func:`foresight.report.run_index.write_index`, handed the record.

A failed notebook does not stop the others; it marks the run ``failed`` with
the failing cell's error in ``run.json`` and the command exits 1. Ctrl-C,
``kill -TERM`` and a closed terminal (SIGHUP) stop the kernels at once
(:func:`foresight.run.kernel.stop_all`) and the run is recorded ``interrupted``
(exit 128 + the signal's number, e.g. 130 for Ctrl-C). ``kill -9`` cannot be
caught: the kernels and their workers die with the runner (parent-death
signals, see :mod:`foresight.run.kernel`) and the hidden folder stays behind,
shown by ``foresight runs`` as ``abandoned``. Earlier runs are never touched.
An executor that loses its cluster (:class:`~foresight.run.executor.ExecutorError`)
leaves the run ``failed`` with that reason, the finished notebooks kept, and exit 2.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import platform
import shutil
import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from foresight.base import paths
from foresight.base.atomic import write_json_atomic, write_problem
from foresight.pack.loader import Pack
from foresight.pack.snapshot import write_snapshot
from foresight.report import brief, results, rundiff
from foresight.report.run_index import comparison_section, write_index
from foresight.run.executor import Executor, ExecutorError, LocalExecutor
from foresight.run.folders import (
    INCOMPLETE,
    RUN_FILE,
    RunWriteError,
    finish_run_folder,
    new_run_folder,
    owner,
    read_record,
)
from foresight.run.notebooks import Job, JobResult, discover, jobs_for

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
EXIT_OK, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_LOST = 0, 1, 130, 2
LOST = "ExecutorError"
"""The ``ename`` of a run whose executor was lost (e.g. the Dask scheduler went away): exit 2, not 1."""
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
    executor: Executor | None = None
    """Where the notebooks run; None: local kernels (:class:`LocalExecutor` with ``workers``, ``html``, ``cwd``,
    ``progress``)."""

    def executor_or_local(self) -> Executor:
        """The plan's executor, local kernels when it names none."""
        if self.executor is not None:
            return self.executor
        return LocalExecutor(self.workers, self.html, self.cwd, self.progress)


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
        if (self.record.get("error") or {}).get("ename") == LOST:
            return EXIT_LOST
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
    executor = plan.executor_or_local()
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
        "workers": executor.workers,
        "executor": executor.describe(),
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
    lost: ExecutorError | None = None
    executing = time.perf_counter()
    try:
        with _stop_signals():
            executor.run(
                jobs, work, order=order, on_done=on_done, stop=threading.Event(), desc=f"foresight {plan.kind} {run_id}"
            )
    except KeyboardInterrupt as exc:
        stopped = exc
    except ExecutorError as exc:  # finished notebooks stay; the rest were not run
        lost = exc
    record["execute_seconds"] = round(time.perf_counter() - executing, 2)  # the notebooks' part of ``seconds``
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
        elif lost is not None:
            record["status"] = "failed"
            record["error"] = {"ename": LOST, "evalue": str(lost)}
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
    executor: Executor | None = None
    """Where the notebooks run (e.g. a :class:`foresight.run.cluster.DaskExecutor`); None: local kernels."""

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
    from foresight.run.parameters import PARAMETERS
    from foresight.run.params import ParameterError, check_params

    questions = options.questions or list(options.pack.questions)
    own = options.values_by_notebook()
    for job in jobs_for(list(notebooks), questions, options.notebook_values(), Path(RESULTS_DIR), own):
        values = {k: v for k, v in job.parameters.items() if k in PARAMETERS}
        try:
            check_params({**values, "pack": options.pack}, ahead=True)
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
        brief.write_brief(
            work,
            rundiff.previous_run(runs_dir, work),
            title=f"Forecast brief: {pack.meta.title}",
            pack=pack,
            run_id=record["run_id"],
        )

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
            "calibration": calibration_record(options),
        },
        jobs=make_jobs,
        finish=finish,
        index_section=comparison_section,
        workers=options.workers,
        html=options.html,
        cwd=options.notebooks_dir or paths.notebooks_dir(),
        progress=options.progress,
        executor=options.executor,
    )
    return execute_run(plan, runs_dir)


def calibration_record(options: RunOptions) -> dict[str, Any]:
    """Which calibration the run's forecasts use (run.json): the ``calibration`` parameter (all notebooks, or
    the forecast notebook's own), the pack's switch and the shipped artefact, with its hash and provenance."""
    from foresight.model import calibration
    from foresight.run.params import check_bool

    value = options.notebook_params.get("forecast", {}).get("calibration", options.params.get("calibration", True))
    return calibration.record(check_bool("calibration", value), options.pack)


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
