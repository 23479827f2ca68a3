"""`foresight run`: execute the notebook suite for a pack into a new, self-describing run folder.

A run folder ``runs/<timestamp>-<hash of the parameters>/`` holds the executed
notebooks, their HTML (code hidden), one CSV per result table
(``forecasts.csv`` always), an ``index.html`` for readers, and ``run.json``:
parameters, pack hash, package versions, timings and status.

Runs never overwrite each other and a reader never sees half a run: the run
is built in a hidden ``.<id>.incomplete`` folder and renamed into place at the
end, after ``run.json`` has been written atomically. A failed notebook does not
stop the others; it marks the run ``failed`` with the failing cell's error in
``run.json``, and the command exits non-zero. Earlier runs are never touched.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import os
import platform
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from foresight.base import paths
from foresight.pack.loader import Pack
from foresight.pack.snapshot import write_snapshot
from foresight.report import results, rundiff
from foresight.run.notebooks import Job, JobResult, discover, execute, jobs_for

RUN_FILE = "run.json"
RESULTS_DIR = "results"
INCOMPLETE = ".incomplete"
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


# --- run folders (shared with sweeps) ------------------------------------------------------


def parameter_hash(parameters: Mapping[str, Any]) -> str:
    """A short, stable hash of a run's parameters (its folder name's suffix)."""
    text = json.dumps(parameters, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def _free_name(runs_dir: Path, stem: str) -> str:
    """``stem``, or ``stem-2``, ``stem-3``... whichever is not taken yet (by a run or a run in progress)."""
    name, n = stem, 1
    while (runs_dir / name).exists() or (runs_dir / f".{name}{INCOMPLETE}").exists():
        n += 1
        name = f"{stem}-{n}"
    return name


def new_run_folder(runs_dir: Path, label: str) -> tuple[str, Path]:
    """A fresh hidden work folder for run ``<now>-<label>``; returns (run id, work folder)."""
    runs_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    while True:
        run_id = _free_name(runs_dir, f"{stamp}-{label}")
        work = runs_dir / f".{run_id}{INCOMPLETE}"
        try:
            work.mkdir()
            return run_id, work
        except FileExistsError:  # another process took the name between the check and the mkdir
            continue


def finish_run_folder(work: Path, runs_dir: Path, run_id: str) -> Path:
    """Rename the work folder to its final name (a new suffix if, against the odds, that name was taken)."""
    target = runs_dir / run_id
    while True:
        try:
            os.rename(work, target)  # atomic; fails if target exists and is not empty
            return target
        except OSError:
            if not target.exists():
                raise
            target = runs_dir / _free_name(runs_dir, run_id)


def package_versions() -> dict[str, str]:
    """Versions of Python and the packages that shape the numbers and the reports."""
    out = {"python": platform.python_version()}
    for name in VERSIONED:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def execute_jobs(
    jobs: Sequence[Job],
    folder: Path,
    *,
    workers: int = 1,
    html: bool = True,
    cwd: Path | None = None,
    progress: bool | None = None,
    desc: str = "notebooks",
    on_done: Callable[[JobResult], None] | None = None,
) -> list[JobResult]:
    """Run ``jobs`` into ``folder`` (``workers`` at a time), with a tqdm progress bar; results in job order.

    Each job is its own papermill kernel process, so threads are enough to run
    them in parallel. ``progress=None`` shows the bar only on a terminal.
    """
    from tqdm.auto import tqdm

    out: dict[int, JobResult] = {}
    bar = tqdm(total=len(jobs), desc=desc, unit="nb", disable=None if progress is None else not progress)
    pool = ThreadPoolExecutor(max_workers=max(1, workers))
    try:
        futures = {pool.submit(execute, job, folder, html=html, cwd=cwd): i for i, job in enumerate(jobs)}
        for future in as_completed(futures):
            result = future.result()
            out[futures[future]] = result
            bar.set_postfix_str(f"{result.name}: {result.status} ({result.seconds:.0f} s)", refresh=False)
            bar.update()
            if on_done is not None:
                on_done(result)
    except BaseException:  # Ctrl-C: start nothing new; the running kernels get the same SIGINT and stop
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    finally:
        pool.shutdown(wait=True)
        bar.close()
    return [out[i] for i in sorted(out)]


def first_error(job_results: Sequence[JobResult]) -> dict[str, Any] | None:
    """The first failed notebook's error, naming the notebook (what run.json shows as the run's error)."""
    for r in job_results:
        if r.status != "ok":
            return {"notebook": r.name, **(r.error or {"ename": "Unknown", "evalue": "the notebook did not finish"})}
    return None


# --- the run --------------------------------------------------------------------------------


@dataclass
class RunOptions:
    """What `foresight run` was asked to do (already checked by the command)."""

    pack: Pack
    questions: list[str] | None = None
    as_of: str | None = None
    draws: int | None = None
    seed: int | None = None
    params: dict[str, Any] = field(default_factory=dict)
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

    def record(self) -> dict[str, Any]:
        """The parameters as run.json keeps them (and as the folder's hash covers them)."""
        return {
            "pack": paths.relative_to_root(Path(self.pack.dir)),
            "pack_hash": self.pack.content_hash,
            "questions": self.questions or list(self.pack.questions),
            "as_of": self.as_of,
            "draws": self.draws,
            "seed": self.seed,
            "params": self.params,
        }


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
        return {"complete": EXIT_OK, "interrupted": EXIT_INTERRUPTED}.get(self.status, EXIT_FAILED)


def run(options: RunOptions) -> RunOutcome:
    """Execute the suite for ``options.pack`` into a new run folder; see the module docstring."""
    runs_dir = Path(options.runs_dir) if options.runs_dir is not None else paths.runs_dir()
    notebooks = discover(options.notebooks_dir)
    parameters = options.record()
    run_id, work = new_run_folder(runs_dir, parameter_hash(parameters))
    jobs = jobs_for(notebooks, parameters["questions"], options.notebook_values(), work / RESULTS_DIR)
    started = time.perf_counter()
    record: dict[str, Any] = {
        "run_id": run_id,
        "kind": "run",
        "status": "running",
        "started": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "finished": None,
        "seconds": None,
        "parameters": parameters,
        "pack": {
            "id": options.pack.meta.id,
            "title": options.pack.meta.title,
            "path": str(Path(options.pack.dir).resolve()),
            "content_hash": options.pack.content_hash,
        },
        "versions": package_versions(),
        "cache_dir": os.environ.get("FORESIGHT_CACHE_DIR") or "default (.cache/foresight in the project)",
        "notebooks": [
            {"name": j.name, "notebook": j.notebook.path.name, "parameters": j.parameters, "status": "pending"}
            for j in jobs
        ],
        "error": None,
    }
    record["pack"]["files"] = write_snapshot(options.pack, work)  # lets `foresight diff` name changed records
    results.write_json_atomic(work / RUN_FILE, record)
    done: dict[str, JobResult] = {}
    try:
        execute_jobs(
            jobs,
            work,
            workers=options.workers,
            html=options.html,
            cwd=options.notebooks_dir or paths.notebooks_dir(),
            progress=options.progress,
            desc=f"foresight run {run_id}",
            on_done=lambda r: done.__setitem__(r.name, r),
        )
        record["status"] = "complete" if all(r.status == "ok" for r in done.values()) else "failed"
    except KeyboardInterrupt:
        record["status"] = "interrupted"
    job_results = [done[j.name] for j in jobs if j.name in done]
    record["notebooks"] = [
        done[j.name].as_dict() if j.name in done else {**entry, "status": "not run"}
        for j, entry in zip(jobs, record["notebooks"])
    ]
    record["error"] = (
        first_error(job_results)
        if record["status"] == "failed"
        else (
            {"ename": "KeyboardInterrupt", "evalue": "the run was interrupted"}
            if record["status"] == "interrupted"
            else None
        )
    )
    record["tables"] = write_tables(work, options.pack)
    record["convergence"] = convergence(work)
    record["finished"] = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    record["seconds"] = round(time.perf_counter() - started, 2)
    write_index(work, record, comparison=comparison_section(runs_dir, work))
    results.write_json_atomic(work / RUN_FILE, record)
    folder = finish_run_folder(work, runs_dir, run_id)
    if folder.name != run_id:
        record["run_id"] = folder.name
        results.write_json_atomic(folder / RUN_FILE, record)
    return RunOutcome(folder, record)


def write_tables(folder: Path, pack: Pack | None = None) -> dict[str, int]:
    """One ``<table>.csv`` per table name found in the result files; ``forecasts.csv`` always (maybe empty)."""
    found = results.tables(folder / RESULTS_DIR) if (folder / RESULTS_DIR).is_dir() else {}
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
    colour = "#2e8b57" if status == "complete" else "#c0392b"
    items = []
    for nb in record["notebooks"]:
        link = nb.get("html") or nb.get("output")
        name = html.escape(nb["name"])
        label = f'<a href="{html.escape(link)}">{name}</a>' if link else name
        items.append(f"<li>{label} — {html.escape(str(nb.get('status')))} ({nb.get('seconds', 0)} s)</li>")
    table = ""
    path = folder / "forecasts.csv"
    if path.is_file():
        frame = pd.read_csv(path)
        if not frame.empty:
            cols = [
                c
                for c in ("question_id", "as_of", "mean", "p05", "p95", "base_rate_mean", "resolution", "converged")
                if c in frame
            ]
            table = frame[cols].round(3).to_html(index=False, border=0)
    error = ""
    if record.get("error"):
        err = record["error"]
        error = (
            f"<pre style='background:#fdecea;padding:8px'>{html.escape(str(err.get('notebook', '')))}: "
            f"{html.escape(str(err.get('ename')))}: {html.escape(str(err.get('evalue')))}</pre>"
        )
    body = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{html.escape(record["run_id"])}</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:2em auto}} td,th{{padding:2px 8px;text-align:right}}</style>
</head><body><h1>Run {html.escape(record["run_id"])}</h1>
<p>Pack <b>{html.escape(record["pack"]["id"])}</b> (hash {html.escape(record["pack"]["content_hash"])}),
started {html.escape(str(record["started"]))}, status <b style="color:{colour}">{html.escape(status)}</b>.</p>
{error}<h2>Reports</h2><ul>{"".join(items)}</ul><h2>Forecasts</h2>{table or "<p>none</p>"}
{comparison}
<p>Parameters, versions and timings: <a href="{RUN_FILE}">{RUN_FILE}</a>.</p></body></html>"""
    (folder / "index.html").write_text(body, encoding="utf-8")


# --- past runs ------------------------------------------------------------------------------


def list_runs(runs_dir: Path | None = None) -> pd.DataFrame:
    """Past runs (and sweeps) under ``runs_dir``, oldest first; unfinished work folders show as ``incomplete``."""
    runs_dir = Path(runs_dir) if runs_dir is not None else paths.runs_dir()
    rows = []
    if runs_dir.is_dir():
        for folder in sorted(runs_dir.iterdir()):
            if not folder.is_dir():
                continue
            if folder.name.startswith("."):
                if folder.name.endswith(INCOMPLETE):
                    rows.append({"run": folder.name[1 : -len(INCOMPLETE)], "kind": "?", "status": "incomplete"})
                continue
            try:
                rec = json.loads((folder / RUN_FILE).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                rows.append({"run": folder.name, "kind": "?", "status": "no run.json"})
                continue
            conv = rec.get("convergence") or {}
            rows.append(
                {
                    "run": folder.name,
                    "kind": rec.get("kind", "run"),
                    "status": rec.get("status"),
                    "started": (rec.get("started") or "")[:19].replace("T", " "),
                    "seconds": rec.get("seconds"),
                    "pack": (rec.get("pack") or {}).get("id", ""),
                    "notebooks": len(rec.get("notebooks") or []),
                    "forecasts": (rec.get("tables") or {}).get("forecasts", (rec.get("tables") or {}).get("sweep", "")),
                    "not converged": len(conv.get("not_converged") or []),
                }
            )
    columns = ["run", "kind", "status", "started", "seconds", "pack", "notebooks", "forecasts", "not converged"]
    frame = pd.DataFrame(rows, columns=columns).astype(object)
    return frame.where(frame.notna(), "")
