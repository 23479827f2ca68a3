"""The notebook suite: which notebooks a run executes, with which parameters, and how one is executed.

The rule (documented in docs/how-to/add-notebook.md), so that a new
notebook joins every run without a code change:

- every ``notebooks/*.ipynb`` is run, except names starting with ``_`` or ``.``
  (drafts) and notebooks whose metadata says ``"foresight": {"run": false}``;
- a notebook whose ``parameters`` cell defines ``question`` runs once per
  question (output ``<name>-<question id>.ipynb``), any other runs once;
- the runner passes only the parameters a notebook defines, from those the
  parameter table says it sets itself (:data:`foresight.run.parameters.RUNNER_PARAMETERS`;
  ``interactive`` always False: a papermill run has no live kernel, so a notebook
  shows static tables instead of widgets) and any ``--param NAME=VALUE``;
- order: metadata ``"foresight": {"order": N}`` (default 50), then name.

Execution is papermill in the ``python3`` kernel (the interpreter running
papermill, i.e. the project's .venv), in a kernel of the notebook's own or in a
worker's live kernel cleared for it (:mod:`foresight.run.shared_kernel`), then an
HTML export with the code hidden for readers. A failure is caught and described, never raised: the run
records it and goes on to the next notebook.
"""

from __future__ import annotations

import re
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from foresight.base import paths

if TYPE_CHECKING:
    from foresight.run.shared_kernel import KernelSession

UNUSED_IMPORTS = ("rfc3987_syntax",)
"""Optional modules a process that runs notebooks never loads. nbformat (papermill, nbconvert) imports
jsonschema, whose format checker imports ``rfc3987_syntax`` when it is installed (JupyterLab's jupyter-events
brings it in); that module builds an Earley grammar as it is imported, 1.3-1.9 s of CPU before a run (or a
Dask worker) can start its first kernel. No notebook schema has a ``format``, and jsonschema treats the
module's absence as a normal install."""


def skip_unused_imports() -> None:
    """Make :data:`UNUSED_IMPORTS` fail to import in this process (None in ``sys.modules``)."""
    for name in UNUSED_IMPORTS:
        sys.modules.setdefault(name, None)


skip_unused_imports()  # before anything here imports nbformat

KERNEL = "python3"
DEFAULT_ORDER = 50
CELL_TIMEOUT = 3600
"""Seconds one cell may run before the notebook counts as failed (a hung kernel must not hang a run)."""
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=CRITICAL"]
"""Keep the kernels' own log lines (transport warnings, the interrupt at shutdown) off the run's terminal;
errors in cells still reach the notebook and run.json."""
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@dataclass(frozen=True)
class NotebookInfo:
    """A notebook of the suite: its path, the parameters its ``parameters`` cell defines, and run options."""

    path: Path
    parameters: dict[str, dict[str, Any]]
    options: dict[str, Any]

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def per_question(self) -> bool:
        return bool(self.options.get("per_question", "question" in self.parameters))

    @property
    def order(self) -> int:
        return int(self.options.get("order", DEFAULT_ORDER))

    @property
    def in_runs(self) -> bool:
        return bool(self.options.get("run", True))


def inspect(path: Path) -> NotebookInfo:
    """Read a notebook's parameters (via papermill, so exactly what it will inject into) and its options."""
    import nbformat
    import papermill

    nb = nbformat.read(str(path), as_version=4)
    options = dict(nb.metadata.get("foresight", {}))
    return NotebookInfo(Path(path).resolve(), dict(papermill.inspect_notebook(str(path))), options)


def discover(folder: Path | None = None, *, all_notebooks: bool = False) -> list[NotebookInfo]:
    """The notebooks a run executes, in run order (``all_notebooks`` includes those marked ``run: false``)."""
    folder = Path(folder) if folder is not None else paths.notebooks_dir()
    found = [inspect(p) for p in sorted(folder.glob("*.ipynb")) if not p.name.startswith(("_", "."))]
    return sorted((nb for nb in found if all_notebooks or nb.in_runs), key=lambda nb: (nb.order, nb.name))


def find(name: str, folder: Path | None = None) -> NotebookInfo:
    """A notebook of the suite by name (``forecast`` or ``forecast.ipynb``) or by path; FileNotFoundError otherwise."""
    folder = Path(folder) if folder is not None else paths.notebooks_dir()
    candidates = [folder / name, folder / f"{name}.ipynb"]
    try:
        candidates.insert(0, paths.resolve_existing(name))
    except FileNotFoundError:
        pass
    for candidate in candidates:
        if candidate.is_file() and candidate.suffix == ".ipynb":
            return inspect(candidate)
    names = ", ".join(p.name for p in sorted(folder.glob("*.ipynb")))
    raise FileNotFoundError(f"no notebook {name!r}; notebooks in {folder}: {names}")


@dataclass(frozen=True)
class Job:
    """One papermill execution: a notebook, the name of its outputs, and the values to inject."""

    notebook: NotebookInfo
    name: str
    parameters: dict[str, Any]


def jobs_for(
    notebooks: list[NotebookInfo],
    question_ids: list[str],
    values: Mapping[str, Any],
    out_root: Path,
    by_notebook: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[Job]:
    """Expand notebooks into jobs: once each, or once per question; inject only the parameters each defines.

    ``by_notebook`` holds values for one notebook only (by name), over ``values``.
    Each job gets its own ``out_dir`` (``out_root/<job name>``) so its result
    files can be traced back to it.
    """
    jobs = []
    for nb in notebooks:
        own = dict((by_notebook or {}).get(nb.name, {}))
        variants = [(f"{nb.name}-{q}", {"question": q}) for q in question_ids] if nb.per_question else [(nb.name, {})]
        for name, extra in variants:
            offered = {**values, **own, **extra, "out_dir": str(out_root / name)}
            jobs.append(Job(nb, name, {k: v for k, v in offered.items() if k in nb.parameters}))
    return jobs


@dataclass
class JobResult:
    """What happened to one job: status, timing, output files, and the failing cell's error if any."""

    name: str
    notebook: str
    parameters: dict[str, Any]
    status: str = "pending"
    seconds: float = 0.0
    output: str | None = None
    html: str | None = None
    error: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        out = {
            "name": self.name,
            "notebook": self.notebook,
            "parameters": self.parameters,
            "status": self.status,
            "seconds": round(self.seconds, 2),
            "output": self.output,
            "html": self.html,
            "error": self.error,
        }
        out.update(self.extra)
        return out


def describe_error(exc: BaseException) -> dict[str, Any]:
    """The failing cell's error as run.json records it (papermill's details when it has them)."""
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        return {
            "cell_index": exc.cell_index,
            "execution_count": exc.exec_count,
            "ename": exc.ename,
            "evalue": _ANSI.sub("", str(exc.evalue)),
            "source": exc.source,
            "traceback": _ANSI.sub("", "\n".join(exc.traceback or [])),
        }
    return {"ename": type(exc).__name__, "evalue": _ANSI.sub("", str(exc)), "traceback": None}


def execute(
    job: Job,
    folder: Path,
    *,
    html: bool = True,
    cwd: Path | None = None,
    stop: threading.Event | None = None,
    session: KernelSession | None = None,
) -> JobResult:
    """Run ``job`` with papermill into ``folder/<name>.ipynb`` (and ``.html``); never raises on notebook errors.

    The kernel starts through :mod:`foresight.run.kernel`, so it and its workers
    die with this process. With a ``session`` the notebook runs in the session's
    live kernel (cleared first, see :mod:`foresight.run.shared_kernel`), else in
    a kernel of its own. ``stop`` set (the run is being stopped) means: do not
    start (status ``not run``), and a notebook cut short is ``interrupted``, not ``failed``.
    """
    import papermill

    from foresight.run.kernel import GuardedKernelManager

    result = JobResult(job.name, job.notebook.path.name, dict(job.parameters))
    if stop is not None and stop.is_set():
        result.status = "not run"
        return result
    output = Path(folder) / f"{job.name}.ipynb"
    workdir = Path(cwd or job.notebook.path.parent)
    start = time.perf_counter()
    failure: BaseException | None = None
    try:
        if session is not None:
            from foresight.run.kernel import prepare_code
            from foresight.run.shared_kernel import ENGINE

            km, kc = session.kernel(workdir, stop)
            prepare = prepare_code(workdir)
            kernel = {"engine_name": ENGINE, "km": km, "kc": kc, "prepare": prepare, "save_every": session.save_every}
        else:
            kernel = {"cwd": str(workdir), "kernel_manager_class": GuardedKernelManager}
        papermill.execute_notebook(
            str(job.notebook.path),
            str(output),
            parameters=dict(job.parameters),
            kernel_name=KERNEL,
            progress_bar=False,
            log_output=False,
            execution_timeout=CELL_TIMEOUT,
            extra_arguments=KERNEL_ARGUMENTS,
            **kernel,
        )
        result.status = "ok"
    except Exception as exc:  # a failed cell, a dead kernel, a missing kernel: all are a failed notebook
        failure = exc
        result.status = "interrupted" if stop is not None and stop.is_set() else "failed"
        result.error = describe_error(exc)
    if session is not None:
        from foresight.run.shared_kernel import keeps_kernel

        if not keeps_kernel(failure):
            session.discard()
    result.seconds = time.perf_counter() - start
    if output.is_file():
        result.output = output.name
        if html and result.status != "interrupted":
            try:
                result.html = export_html(output).name
            except Exception as exc:  # the notebook ran; a broken export is recorded, not fatal
                result.extra["html_error"] = f"{type(exc).__name__}: {exc}"
    return result


_exporters = threading.local()


def _html_exporter():
    """This thread's HTML exporter: building one loads and compiles its templates (0.2 s), so each worker
    thread of a run builds it once; exporters are not shared between threads. It validates the notebook once,
    after its preprocessors, instead of after each of its dozen (the same HTML, 30 ms less per notebook)."""
    exporter = getattr(_exporters, "html", None)
    if exporter is None:
        from nbconvert import HTMLExporter

        exporter = HTMLExporter(
            exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True, optimistic_validation=True
        )
        _exporters.html = exporter
    return exporter


def export_html(notebook: Path) -> Path:
    """``notebook`` as HTML next to it, code hidden: readers see text, tables and embedded figures."""
    import nbformat

    nb = nbformat.read(str(notebook), as_version=4)
    body, _ = _html_exporter().from_notebook_node(nb, resources={"metadata": {"name": notebook.stem}})
    target = notebook.with_suffix(".html")
    target.write_text(body, encoding="utf-8")
    return target
