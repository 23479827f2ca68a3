"""`foresight sweep GRID.yaml`: one notebook over a grid of parameters, in parallel, into one table and plot.

A grid file names a notebook and the values to try::

    notebook: forecast                 # a notebook in notebooks/ (name or path)
    parameters:                        # the same for every run (optional)
      question: td-signed-by-2019-07-01
      draws: 1000
    grid:                              # every combination of these (a product)...
      as_of: [2019-02-14, 2019-04-01]
      lr_width_scale: [0.5, 1.0, 2.0]
    rows:                              # ...and/or these combinations, as written
      - {as_of: 2019-06-01, lr_width_scale: 4.0}
    workers: 2                         # notebooks at a time (optional; default: the number of CPUs)

Every combination is one papermill run of the notebook. The sweep folder
``runs/<timestamp>-sweep-<hash>/`` holds the executed notebooks, ``sweep.csv``
(the swept parameters joined to each run's result rows), ``sweep.png``
(forecast against each swept parameter) and ``run.json`` like a run's.

The grid is checked before any kernel starts: unknown keys and parameters, empty
value lists, and every combination's values through
:func:`foresight.run.params.check_params`, each problem reported as
``FILE: field: message``.
"""

from __future__ import annotations

import ast
import datetime as dt
import itertools
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from foresight.base import paths
from foresight.base.run_files import RESULTS_DIR, SWEEP_FILE, SWEEP_PLOT
from foresight.pack.yamlio import YamlSyntaxError, read_yaml
from foresight.run.executor import Executor
from foresight.run.notebooks import Job, JobResult, NotebookInfo, find
from foresight.run.parameters import PARAMETERS
from foresight.run.params import ParameterError, check_params

if TYPE_CHECKING:  # pandas and the runner (with the report stack) load when a grid runs, not to check one
    import pandas as pd

    from foresight.run.runner import RunOutcome

KEYS = ("notebook", "parameters", "grid", "rows", "workers", "title")
MAX_COMBINATIONS = 500


class GridError(Exception):
    """A grid file that cannot be run; ``problems`` lists every ``FILE: field: message``."""

    def __init__(self, file: Path | str, problems: list[str]):
        self.file = str(file)
        self.problems = problems
        super().__init__("\n".join(f"{self.file}: {p}" for p in problems))


@dataclass
class Grid:
    """A checked grid: the notebook, fixed parameters, and the combinations to run."""

    file: Path
    notebook: NotebookInfo
    fixed: dict[str, Any]
    combinations: list[dict[str, Any]]
    swept: list[str]
    workers: int
    title: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)


def _plain(value: Any) -> Any:
    """YAML dates become ISO text (what the notebooks take); lists and mappings are converted inside."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _defaults(nb: NotebookInfo) -> dict[str, Any]:
    """The notebook's default values (literals only), to check combinations as the notebook will see them."""
    out = {}
    for name, info in nb.parameters.items():
        try:
            out[name] = ast.literal_eval(info["default"])
        except (ValueError, SyntaxError):
            pass
    return out


def load_grid(path: str | Path) -> Grid:
    """Read and check a grid file; raise :class:`GridError` listing every problem."""
    file = Path(path)
    if not file.is_file():
        raise GridError(
            file,
            [
                f"(file): {'is a folder' if file.is_dir() else 'no such file'}; give the path of a "
                "YAML grid file (see scenarios/sweep-example.yaml)"
            ],
        )
    try:  # the pack's strict reader: UTF-8 only, no duplicate keys, no aliases or tags, impossible dates as text
        data = read_yaml(file).data
    except YamlSyntaxError as exc:
        raise GridError(file, [f"line {exc.line}: {exc.message}"]) from None
    if not isinstance(data, dict):
        raise GridError(file, [f"(file): must be a mapping with the keys {', '.join(KEYS)}; got {type(data).__name__}"])
    problems: list[str] = []
    for key in data:
        if key not in KEYS:
            problems.append(f"{key}: unknown key; allowed keys: {', '.join(KEYS)}")

    nb: NotebookInfo | None = None
    name = data.get("notebook")
    if not isinstance(name, str) or not name.strip():
        problems.append(f"notebook: required: the name of a notebook in notebooks/ (e.g. forecast); got {name!r}")
    else:
        try:
            nb = find(name.strip())
        except FileNotFoundError as exc:
            problems.append(f"notebook: {exc}")
    allowed = (
        f"parameters of {nb.path.name}: "
        f"{', '.join(p for p in nb.parameters if p not in PARAMETERS or PARAMETERS[p].sweepable)}"
        if nb is not None
        else ""
    )

    def check_names(where: str, names: Any) -> None:
        if nb is None:
            return
        for n in names:
            if n in PARAMETERS and not PARAMETERS[n].sweepable:
                problems.append(f"{where}.{n}: set by the sweep itself (each run writes into the sweep folder)")
            elif n not in nb.parameters:
                problems.append(f"{where}.{n}: not a parameter of {nb.path.name}; {allowed}")

    fixed = _plain(data.get("parameters") or {})
    if not isinstance(fixed, dict):
        problems.append(f"parameters: must be a mapping of parameter: value; got {type(fixed).__name__}")
        fixed = {}
    check_names("parameters", fixed)

    grid = _plain(data.get("grid") or {})
    if not isinstance(grid, dict):
        problems.append(f"grid: must be a mapping of parameter: [values, ...]; got {type(grid).__name__}")
        grid = {}
    check_names("grid", grid)
    for n, values in grid.items():
        if not isinstance(values, list) or not values:
            problems.append(f"grid.{n}: must be a non-empty list of values, e.g. [0.5, 1.0, 2.0]; got {values!r}")
        if n in fixed:
            problems.append(f"grid.{n}: also set under parameters; give it in one place")

    rows = _plain(data.get("rows") or [])
    if not isinstance(rows, list):
        problems.append(f"rows: must be a list of mappings, e.g. - {{as_of: 2019-03-01}}; got {type(rows).__name__}")
        rows = []
    for i, row in enumerate(rows):
        if not isinstance(row, dict) or not row:
            problems.append(f"rows[{i}]: must be a non-empty mapping of parameter: value; got {row!r}")
        else:
            check_names(f"rows[{i}]", row)

    workers = data.get("workers", os.cpu_count() or 1)
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        problems.append(f"workers: must be a whole number of at least 1; got {workers!r}")
        workers = 1
    if not grid and not rows and not problems:
        problems.append("grid: give a grid (parameter: [values]) or rows (a list of combinations) to sweep")
    if problems:
        raise GridError(file, problems)

    names = list(grid)
    combos = [dict(zip(names, values)) for values in itertools.product(*grid.values())] if grid else []
    combos += [dict(r) for r in rows]
    if len(combos) > MAX_COMBINATIONS:
        raise GridError(file, [f"grid: {len(combos)} combinations; at most {MAX_COMBINATIONS} per sweep"])
    swept = list(dict.fromkeys(n for c in combos for n in c))
    assert nb is not None
    problems += _check_values(nb, fixed, combos, grid, rows)
    if problems:
        raise GridError(file, problems)
    return Grid(file, nb, fixed, combos, swept, workers, data.get("title"), data)


def _check_values(
    nb: NotebookInfo, fixed: Mapping[str, Any], combos: list[dict[str, Any]], grid: Mapping[str, list], rows: list
) -> list[str]:
    """Run every combination's values through check_params, as the notebook will; one problem per bad value."""
    defaults = _defaults(nb)
    problems: list[str] = []
    seen: set[tuple[str, str]] = set()
    n_grid = len(combos) - len(rows)
    for i, combo in enumerate(combos):
        values = {**defaults, **fixed, **combo}
        known = {k: v for k, v in values.items() if k in PARAMETERS and k in nb.parameters}
        try:
            check_params(known, notebook=nb.name, ahead=True)
        except ParameterError as exc:
            if exc.name in combo:
                where = f"grid.{exc.name}" if i < n_grid else f"rows[{i - n_grid}].{exc.name}"
            else:
                where = f"parameters.{exc.name}"
            key = (where, str(exc))
            if key not in seen:
                seen.add(key)
                problems.append(f"{where}: {exc}")
    return problems


def run_sweep(
    grid: Grid,
    *,
    runs_dir: Path | None = None,
    workers: int | None = None,
    html: bool = False,
    progress: bool | None = None,
    executor: Executor | None = None,
) -> RunOutcome:
    """Run every combination into a new sweep folder through the run lifecycle (:func:`execute_run`), on
    ``executor`` (default: local kernels)."""
    from foresight.run.runner import RunPlan, execute_run, parameter_hash

    runs_dir = Path(runs_dir) if runs_dir is not None else paths.runs_dir()
    parameters = {
        "grid_file": str(grid.file.resolve()),
        "notebook": grid.notebook.path.name,
        "fixed": grid.fixed,
        "combinations": grid.combinations,
    }

    def make_jobs(work: Path) -> list[Job]:
        jobs = []
        for i, combo in enumerate(grid.combinations, start=1):
            name = f"{grid.notebook.name}-{i:03d}"
            values = {**grid.fixed, **combo, "out_dir": str(work / RESULTS_DIR / name)}
            if "interactive" in grid.notebook.parameters:
                values.setdefault("interactive", False)  # papermill runs have no live kernel: static tables
            jobs.append(Job(grid.notebook, name, values))
        return jobs

    def finish(work: Path, jobs: list[Job], ok: list[JobResult], record: dict[str, Any]) -> None:
        statuses = {nb["name"]: nb for nb in record["notebooks"]}
        frame = sweep_table(work, jobs, statuses, {r.name for r in ok}, grid.swept)
        frame.to_csv(work / SWEEP_FILE, index=False)
        record["tables"] = {"sweep": len(frame)}
        if frame["mean"].notna().any():
            from foresight.report.plots import sweep_plot

            sweep_plot(frame, grid.swept, grid.title).savefig(work / SWEEP_PLOT, dpi=100)
            record["plot"] = SWEEP_PLOT

    plan = RunPlan(
        kind="sweep",
        label=f"sweep-{parameter_hash(parameters)}",
        record={
            "parameters": parameters,
            "swept": grid.swept,
            "title": grid.title,
            "pack": _pack_record(grid.fixed.get("pack", _defaults(grid.notebook).get("pack"))),
        },
        jobs=make_jobs,
        finish=finish,
        workers=workers or grid.workers,
        html=html,
        cwd=paths.notebooks_dir(),
        progress=progress,
        executor=executor,
    )
    return execute_run(plan, runs_dir)


def _pack_record(value: Any) -> dict[str, Any] | None:
    try:
        from foresight.pack.loader import load_pack

        pack = load_pack(paths.resolve_existing(value))
        return {"id": pack.meta.id, "path": str(Path(pack.dir).resolve()), "content_hash": pack.content_hash}
    except Exception:  # the notebooks report a bad pack themselves; the record just lacks the hash
        return None


def sweep_table(
    folder: Path, jobs: list[Job], entries: Mapping[str, Mapping[str, Any]], ok: set[str], swept: list[str]
) -> pd.DataFrame:
    """One row per result row of each run: run name, status, swept values, then the forecast columns.

    ``entries`` are the notebooks as run.json records them; only runs in ``ok``
    contribute result rows (those of their ``forecasts`` table when they write one), the
    others one row with their status and error.
    """
    import pandas as pd

    from foresight.model.forecasting import SUMMARY_COLUMNS
    from foresight.report import results

    # the forecast columns a sweep table keeps from each result row (the texts stay in the runs' own tables)
    result_columns = [c for c in SUMMARY_COLUMNS if c not in ("title", "family", "diagnostics")]

    rows = []
    for job in jobs:
        entry = entries.get(job.name) or {}
        base = {"run": job.name, "status": entry.get("status", "not run")}
        base.update({name: job.parameters.get(name) for name in swept})
        source = folder / RESULTS_DIR / job.name
        found = results.read_results(source) if job.name in ok and source.is_dir() else []
        # a notebook's headline is its `forecasts` table when it writes one (others, e.g. last_step, are extras)
        found = [res for res in found if res["table"] == "forecasts"] or found
        items = [row for res in found for row in res["rows"]]
        if not items:
            error = entry.get("error") or {}
            rows.append({**base, "error": f"{error.get('ename', '')}: {error.get('evalue', '')}".strip(": ")})
            continue
        for item in items:
            out = dict(base)
            for col in result_columns:
                out[f"forecast_{col}" if col in swept else col] = item.get(col)
            rows.append(out)
    frame = pd.DataFrame(rows)
    for col in ("mean", "p05", "p95", "error"):
        if col not in frame:
            frame[col] = None
    return frame
