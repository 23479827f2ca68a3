"""The `foresight` command: validate a pack, run the notebook suite, list runs, sweep a parameter grid,
show or clear the posterior cache, compare runs, start a pack, ingest documents.

One function per subcommand (``_validate``, ``_run``, ...) and one ``add_parser`` block each in
:func:`build_parser`. Exit codes: 0 done, 1 a notebook failed, 2 invalid pack or option (nothing
started), 128 + N stopped by signal N (130 for Ctrl-C, 141 when the reader of the output went away).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from pathlib import Path

from foresight.base.run_files import INDEX_FILE, SWEEP_FILE
from foresight.base.terminal import safe_terminal
from foresight.pack.problems import PackError, check_pack_folder

EXIT_INVALID = 2

# Heavy modules (the pack schema, pandas, the model, papermill) are imported inside the commands, after
# the options and paths they are given have been checked: a command that stops at a wrong path or value
# answers at once (tests/test_import_weight.py holds it to that; bench/cli_error_speed.py times it).


def _pack_problems(exc: PackError, pack_arg: str | Path) -> int:
    """Print a pack's problems as ``FILE:LINE: field: message`` and the count; the exit code for them."""
    for line in exc.lines(pack_arg):
        print(line, file=sys.stderr)
    print(f"{len(exc.problems)} problem(s); the pack is not valid.", file=sys.stderr)
    return EXIT_INVALID


def _loaded(pack_arg: str | Path):
    """The pack at ``pack_arg``, or None after printing its problems; the schema is imported only for a folder."""
    try:
        check_pack_folder(pack_arg)
        from foresight.pack.loader import load_pack

        return load_pack(pack_arg)
    except PackError as exc:
        _pack_problems(exc, pack_arg)
        return None


def _validate(args: argparse.Namespace) -> int:
    pack = _loaded(args.pack)
    if pack is None:
        return EXIT_INVALID
    counts = pack.counts()
    warnings = _report(pack).warnings
    strict = getattr(args, "strict", False)
    if args.json:
        print(json.dumps({**counts, "warnings": _formatted(warnings, args.pack)} if warnings else counts))
    else:
        print(f"{pack.meta.id}: valid ({pack.meta.title})")
        for kind, n in counts.items():
            print(f"  {kind:<18} {n}")
        for doc in pack.documents.values():
            if doc.path and not (pack.dir / doc.path).expanduser().exists():
                print(f"  note: text of document '{doc.id}' not found at {doc.path} (optional; not needed to forecast)")
    if warnings and (strict or not args.json):  # --json alone carries them in its JSON
        print(f"{len(warnings)} warning(s){' (errors under --strict)' if strict else ''}:", file=sys.stderr)
        for line in _formatted(warnings, args.pack):
            print(line, file=sys.stderr)
        print(
            f"Answer each in pack.yaml lint_acknowledged (code, where, answer); see `foresight lint {args.pack}`.",
            file=sys.stderr,
        )
    if warnings and strict:
        return EXIT_INVALID
    return 0


def _report(pack):
    """Every warning of a valid pack, validate's checks and lint's rules in one list (one format, each with its
    code), split into the open ones and those the pack acknowledges."""
    from foresight.model.outside import extreme_base_rates, outside_view_warnings
    from foresight.pack.lint import lint_pack

    return lint_pack(pack, extra=[extreme_base_rates, outside_view_warnings])


def _formatted(warnings: list, pack_arg: str) -> list[str]:
    from foresight.pack.lint import format_warnings

    return format_warnings(warnings, pack_arg)


def _new(args: argparse.Namespace) -> int:
    """Write a new example pack that validates at once; refuse a folder that holds anything."""
    from foresight.pack.scaffold import ScaffoldError, new_pack

    try:
        folder = new_pack(args.pack, title=args.title)
    except (ScaffoldError, OSError) as exc:
        print(f"foresight new: {exc}", file=sys.stderr)
        return EXIT_INVALID
    print(f"created {folder}: one worked example of each record (made up: replace them)")
    print(f"  next: edit the files, then  foresight validate {folder}  and  foresight run {folder}")
    return 0


def _lint(args: argparse.Namespace) -> int:
    """`foresight lint PACK`: 0 when clean, 1 when it warns, 2 when the pack is not valid."""
    pack = _loaded(args.pack)
    if pack is None:
        return EXIT_INVALID
    report = _report(pack)
    if args.acknowledged:
        for w, answer in report.acknowledged:
            print(f"acknowledged: {Path(args.pack) / w.file}:{w.line}: {w.field}: [{w.code}] answer: {answer}")
    warnings = report.warnings
    for line in _formatted(warnings, args.pack):
        print(line, file=sys.stderr)
    n = len(warnings)
    print(f"{pack.meta.id}: {n} lint warning(s)" if n else f"{pack.meta.id}: lint clean", file=sys.stderr)
    return 1 if n else 0


def _load_for_run(pack_arg: str | None):
    """The pack to run (default: the seed pack), or None after printing its problems as `validate` does."""
    from foresight.base import paths

    pack_path = Path(pack_arg) if pack_arg else paths.default_pack()
    if not pack_path.exists():
        try:
            pack_path = paths.resolve_existing(pack_path)
        except FileNotFoundError:
            pass  # the missing folder is reported in the usual format
    return _loaded(pack_path)


def _parse_param(text: str) -> tuple[str | None, str, object]:
    """[NOTEBOOK.]NAME=VALUE from --param: (notebook or None for all, name, value read as YAML).

    YAML makes 2.0 a number and true a boolean; a YAML date becomes ISO text, as the notebooks take dates.
    """
    import datetime as dt

    import yaml

    target, sep, value = text.partition("=")
    notebook, dot, name = target.strip().rpartition(".")
    if not sep or not name.isidentifier() or (dot and not notebook.replace("-", "_").isidentifier()):
        raise argparse.ArgumentTypeError(
            f"expected NAME=VALUE or NOTEBOOK.NAME=VALUE, e.g. lr_width_scale=2.0 or scenarios.as_of=2019-03-01; "
            f"got {text!r}"
        )
    try:
        parsed = yaml.safe_load(value) if value.strip() else ""
    except (yaml.YAMLError, ValueError):  # ValueError: a date-like text that is no date (2020-02-30)
        parsed = value
    if isinstance(parsed, (dt.date, dt.datetime)):
        parsed = parsed.isoformat()
    return (notebook or None), name, parsed


def _split_params(given: list[tuple[str | None, str, object]], notebooks: list) -> tuple[dict, dict, str | None]:
    """--param values for all notebooks and per notebook, or a one-line problem naming the option."""
    from foresight.run.parameters import NOT_PER_NOTEBOOK, RUNNER_PARAMETERS

    by_name = {nb.name: nb for nb in notebooks}
    known = {name for nb in notebooks for name in nb.parameters} - set(RUNNER_PARAMETERS)
    common: dict[str, object] = {}
    own: dict[str, dict[str, object]] = {}
    for target, name, value in given:
        if target is None:
            if name not in known:
                why = (
                    "is set by `foresight run` itself (False: a run's reports are static)"
                    if name == "interactive"
                    else "is set by `foresight run` itself (use --question, --as-of, --draws, --seed, or "
                    "NOTEBOOK.NAME for one notebook)"
                    if name in RUNNER_PARAMETERS
                    else "no notebook has this parameter"
                )
                return {}, {}, f"--param {name}: {why}; parameters to give with --param: {', '.join(sorted(known))}"
            common[name] = value
            continue
        nb = by_name.get(target)
        if nb is None:
            return {}, {}, f"--param {target}.{name}: no notebook '{target}' in a run; notebooks: {', '.join(by_name)}"
        allowed = [p for p in nb.parameters if p not in NOT_PER_NOTEBOOK]
        if name not in allowed:
            why = "is set by `foresight run` itself" if name in NOT_PER_NOTEBOOK else f"not a parameter of {target}"
            return {}, {}, f"--param {target}.{name}: {why}; parameters of {target}: {', '.join(allowed)}"
        own.setdefault(target, {})[name] = value
    return common, own, None


def _checked_runs_dir(command: str, args: argparse.Namespace) -> Path | None:
    """The runs folder for `run`/`sweep` after the checks both share (--jobs at least 1, a usable
    --runs-dir); None after printing the one-line reason (the caller exits 2)."""
    from foresight.base import paths
    from foresight.run.folders import runs_dir_problem

    if args.jobs is not None and args.jobs < 1:
        print(f"foresight {command}: --jobs: got {args.jobs}; expected at least 1 notebook at a time", file=sys.stderr)
        return None
    runs_dir = Path(args.runs_dir).expanduser() if args.runs_dir else paths.runs_dir()
    problem = runs_dir_problem(runs_dir)
    if problem:
        print(f"foresight {command}: --runs-dir: {problem}", file=sys.stderr)
        return None
    return runs_dir


def add_scheduler_option(p: argparse.ArgumentParser, what: str | None = None) -> None:
    """``--scheduler`` for a command whose work can go to a Dask cluster (read it with :func:`scheduler_of`);
    ``what`` says what goes there when it is not the notebooks."""
    local = "of --jobs single-threaded worker processes" if what is None else "of one worker process per CPU"
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help=f"run {what or 'the notebooks'} on a Dask cluster: a scheduler address (tcp://HOST:8786), or 'local' "
        f"for a local cluster {local} (default: $FORESIGHT_SCHEDULER, else on this machine)",
    )


def scheduler_of(args: argparse.Namespace) -> str | None:
    """The scheduler --scheduler or $FORESIGHT_SCHEDULER names; None: run on this machine, as before."""
    from foresight.run.cluster import SCHEDULER_ENV

    value = args.scheduler if args.scheduler is not None else os.environ.get(SCHEDULER_ENV, "")
    return value.strip() or None


def _connect(
    command: str,
    args: argparse.Namespace,
    workers: int,
    progress: bool | None,
    html: bool = True,
    warm=None,
    notebooks=(),
):
    """The Dask executor --scheduler (or $FORESIGHT_SCHEDULER) asks for, None for local kernels; raises SystemExit
    after the one-line reason when the scheduler cannot be reached (or a local cluster cannot start). ``warm``:
    what the workers import as they join; ``notebooks``: the notebooks' paths, whose imports a local
    cluster's kernels run before the first task (:func:`foresight.run.cluster.connect`)."""
    scheduler = scheduler_of(args)
    if scheduler is None:
        return None
    from foresight.run.cluster import connect
    from foresight.run.executor import ExecutorError

    try:
        executor = connect(scheduler, workers, html=html, progress=progress, warm=warm, notebooks=notebooks)
    except ExecutorError as exc:
        print(f"foresight {command}: --scheduler: {exc}", file=sys.stderr)
        raise SystemExit(EXIT_INVALID) from None
    where = "a local Dask cluster" if scheduler == "local" else f"the Dask scheduler at {scheduler}"
    dashboard = executor.dashboard
    print(
        f"foresight {command}: running on {where} ({executor.workers} worker thread(s))"
        + (f"; dashboard: {dashboard}" if dashboard else ""),
        file=sys.stderr,
    )
    return executor


def _lost(command: str, outcome) -> bool:
    """Whether the run lost its cluster, after the one line saying so (it exits 2)."""
    from foresight.run.runner import LOST

    error = outcome.record.get("error") or {}
    if error.get("ename") != LOST:
        return False
    print(f"foresight {command}: {error.get('evalue')} in {outcome.folder}", file=sys.stderr)
    return True


def _run(args: argparse.Namespace) -> int:
    from foresight.run import params as P
    from foresight.run.parameters import check_value

    runs_dir = _checked_runs_dir("run", args)
    if runs_dir is None:
        return EXIT_INVALID
    try:  # the options that need no pack first: a bad one answers before the pack is read
        draws = check_value("draws", args.draws) if args.draws is not None else None
        seed = check_value("seed", args.seed) if args.seed is not None else None
        pack = _load_for_run(args.pack)
        if pack is None:
            return EXIT_INVALID
        for q in args.question or []:
            P.check_question(pack, q)
        as_of = P.check_as_of_in_pack(pack, args.question, args.as_of).isoformat() if args.as_of is not None else None
    except P.ParameterError as exc:  # named by the option that gave it, as argparse would
        print(f"foresight run: --{exc.name.replace('_', '-')}: {exc}", file=sys.stderr)
        return EXIT_INVALID
    from foresight.run.notebooks import discover  # papermill: seconds to import, so after the cheap checks

    notebooks = discover()
    common, own, problem = _split_params(args.param or [], notebooks)
    if problem:
        print(f"foresight run: {problem}", file=sys.stderr)
        return EXIT_INVALID
    from foresight.run.executor import worker_cap
    from foresight.run.folders import RunsDirError
    from foresight.run.runner import RunOptions, check_values, run

    workers, note = worker_cap(args.jobs if args.jobs is not None else min(os.cpu_count() or 1, 4))
    options = RunOptions(
        pack=pack,
        questions=list(dict.fromkeys(args.question)) if args.question else None,
        as_of=as_of,
        draws=draws,
        seed=seed,
        params=common,
        notebook_params=own,
        runs_dir=runs_dir,
        workers=workers,
        progress=None if not args.no_progress else False,
    )
    problem = check_values(options, notebooks)
    if problem:
        print(f"foresight run: {problem}", file=sys.stderr)
        return EXIT_INVALID
    if note:
        print(f"foresight run: note: {note}", file=sys.stderr)
    options.executor = _connect("run", args, workers, options.progress, notebooks=[nb.path for nb in notebooks])
    try:
        outcome = run(options)
    except RunsDirError as exc:
        print(f"foresight run: --runs-dir: {exc}", file=sys.stderr)
        return EXIT_INVALID
    finally:
        if options.executor is not None:
            options.executor.close()
    _lost("run", outcome)
    rec = outcome.record
    print(f"{outcome.status}: {outcome.folder} ({rec['seconds']:.0f} s, {len(rec['notebooks'])} notebooks)")
    for nb in rec["notebooks"]:
        if nb["status"] == "failed":
            err = nb.get("error") or {}
            print(f"  FAILED {nb['name']}: {err.get('ename')}: {err.get('evalue')}", file=sys.stderr)
    cut = [nb["name"] for nb in rec["notebooks"] if nb["status"] == "interrupted"]
    if cut:
        print(f"  interrupted: {', '.join(cut)}", file=sys.stderr)
    not_run = [nb["name"] for nb in rec["notebooks"] if nb["status"] == "not run"]
    if not_run:
        print(f"  {len(not_run)} notebook(s) not run", file=sys.stderr)
    bad = (rec.get("convergence") or {}).get("not_converged") or []
    if bad:
        print(
            f"  warning: {len(bad)} forecast(s) did not converge (see forecasts.csv): {', '.join(bad)}", file=sys.stderr
        )
    print(f"  open {outcome.folder / INDEX_FILE}")
    return outcome.exit_code


def _runs(args: argparse.Namespace) -> int:
    from foresight.base import paths
    from foresight.run import folders

    runs_dir = Path(args.runs_dir).expanduser() if args.runs_dir else paths.runs_dir()
    if args.runs_dir and not runs_dir.is_dir():
        what = "is a file, not a folder" if runs_dir.exists() else "no such folder"
        print(f"foresight runs: --runs-dir {runs_dir}: {what}", file=sys.stderr)
        return EXIT_INVALID
    if args.yes and not args.prune:
        print("foresight runs: --yes only goes with --prune (it answers the question --prune asks)", file=sys.stderr)
        return EXIT_INVALID
    if args.prune:
        return _prune(runs_dir, args.yes)
    frame = folders.list_runs(runs_dir)
    if frame.empty:
        print(f"no runs yet in {runs_dir} (make one with `foresight run` or `make forecast`)")
    else:
        print(frame.to_string(index=False))
    return 0


def _threshold(text: str) -> float:
    """A change of a probability: a number from 0 to 1 (nan, inf and negatives are refused)."""
    import math

    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a change of probability from 0 to 1, e.g. 0.01; got {text!r}")
    return value


def _diff(args: argparse.Namespace) -> int:
    """Compare two runs: forecasts that moved and the changes that explain them."""
    from foresight.base import paths
    from foresight.base.run_files import find_run

    runs_dir = Path(args.runs_dir) if args.runs_dir else paths.runs_dir()
    try:
        a, b = (find_run(value, runs_dir) for value in (args.run_a, args.run_b))
        from foresight.report import rundiff  # pandas: only once both runs are found

        d = rundiff.diff_runs(a, b, threshold=args.threshold)
    except (FileNotFoundError, ValueError, KeyError) as exc:
        print(f"foresight diff: {exc}", file=sys.stderr)
        return EXIT_INVALID
    print(rundiff.diff_text(d))


def _prune(runs_dir: Path, yes: bool) -> int:
    """Remove abandoned run folders (their owner died on this host) after confirmation."""
    from foresight.run import folders

    found = folders.abandoned(runs_dir) if runs_dir.is_dir() else []
    if not found:
        print(f"no abandoned run folders in {runs_dir}")
        return 0
    for folder in found:
        print(f"  abandoned: {folder}")
    if not yes:
        try:
            answer = input(f"Remove these {len(found)} folder(s)? [y/N] ")
        except EOFError:
            answer = ""
        if answer.strip().lower() not in ("y", "yes"):
            print("nothing removed (give --yes to remove without asking)")
            return 0
    folders.remove(found)
    print(f"removed {len(found)} abandoned run folder(s)")
    return 0


def _sweep(args: argparse.Namespace) -> int:
    runs_dir = _checked_runs_dir("sweep", args)
    if runs_dir is None:
        return EXIT_INVALID
    from foresight.run.executor import worker_cap
    from foresight.run.folders import RunsDirError
    from foresight.run.sweep import GridError, load_grid, run_sweep

    try:
        grid = load_grid(args.grid)
    except GridError as exc:
        for problem in exc.problems:
            print(f"{exc.file}: {problem}", file=sys.stderr)
        print(f"{len(exc.problems)} problem(s); the grid was not run.", file=sys.stderr)
        return EXIT_INVALID
    workers, note = worker_cap(args.jobs if args.jobs is not None else grid.workers)
    if note:
        print(f"foresight sweep: note: {note}", file=sys.stderr)
    progress = None if not args.no_progress else False
    executor = _connect("sweep", args, workers, progress, html=args.html, notebooks=[grid.notebook.path])
    try:
        outcome = run_sweep(
            grid, runs_dir=runs_dir, workers=workers, html=args.html, progress=progress, executor=executor
        )
    except RunsDirError as exc:
        print(f"foresight sweep: --runs-dir: {exc}", file=sys.stderr)
        return EXIT_INVALID
    finally:
        if executor is not None:
            executor.close()
    lost = _lost("sweep", outcome)
    folder, rec = outcome.folder, outcome.record
    print(
        f"{rec['status']}: {folder} ({rec['seconds']:.0f} s, {len(grid.combinations)} runs of "
        f"{grid.notebook.path.name})"
    )
    if rec.get("error") and not lost:
        err = rec["error"]
        where = f"{err['notebook']}: " if err.get("notebook") else ""
        print(f"  FAILED {where}{err.get('ename')}: {err.get('evalue')}", file=sys.stderr)
    print(f"  table: {folder / SWEEP_FILE}" + (f"  plot: {folder / rec['plot']}" if rec.get("plot") else ""))
    return outcome.exit_code


def _cache(args: argparse.Namespace) -> int:
    """`foresight cache info` (where, how many entries, their size) and `foresight cache clear` (asks, or --yes)."""
    from foresight.model import cache

    found = cache.info()
    if found.problem:
        print(f"foresight cache: {found.problem}", file=sys.stderr)
        return EXIT_INVALID
    if args.action == "info":
        print("\n".join(found.lines()))
        return 0
    if not found.files:
        print(f"the posterior cache is empty ({found.folder})")
        return 0
    what = f"{found.entries} entries ({found.bytes / 1e6:.1f} MB) from {found.folder}"
    if not args.yes:
        try:
            answer = input(f"remove {what}? [y/N] ")
        except EOFError:
            answer = ""
            print("\nno answer (not a terminal?): pass --yes to clear without asking")
        if answer.strip().lower() not in ("y", "yes"):
            print("nothing removed")
            return 1
    removed = cache.clear(found.folder)
    print(f"removed {removed} entries from {found.folder}; forecasts will sample again")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="foresight", description="Bayesian scenario forecasting from scenario packs.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("validate", help="check a scenario pack and print its counts")
    p.add_argument("pack", help="path of the scenario pack folder")
    p.add_argument("--json", action="store_true", help="print the counts as JSON")
    p.add_argument("--strict", action="store_true", help="treat warnings as errors (exit 2)")
    p.set_defaults(func=_validate)

    p = sub.add_parser("new", help="start a new scenario pack with one worked example of each record")
    p.add_argument("pack", help="folder to create (must be missing or empty)")
    p.add_argument("--title", help="the pack's title (default: its folder name)")
    p.set_defaults(func=_new)

    p = sub.add_parser(
        "lint",
        help="warn where a valid pack may lean on hindsight or be hard to check",
        description="Warnings (FILE:LINE: field: message [code; where: ...]) for late dates in rationales, classes "
        "judged by another criterion, censored or one-sided classes, criteria without a source or a day. "
        "Answer one in pack.yaml (lint_acknowledged: [{code, where, answer}]) to silence it. "
        "Exit 0 when clean, 1 when it warns, 2 when the pack is not valid.",
    )
    p.add_argument("pack", help="path of the scenario pack folder")
    p.add_argument("--acknowledged", action="store_true", help="also list the acknowledged warnings and answers")
    p.set_defaults(func=_lint)

    p = sub.add_parser(
        "run",
        help="run every notebook for a pack into a new runs/<id>/ folder",
        description="Validate the pack, execute every notebook in notebooks/ with papermill "
        "(forecast.ipynb once per question) into runs/<timestamp>-<hash>/, with HTML reports, "
        "forecasts.csv and run.json. Exit 0 when complete, 1 when a notebook failed, 2 when the "
        "pack or an option is invalid.",
    )
    p.add_argument("pack", nargs="?", help="scenario pack folder (default: scenarios/us-china-korea-2017-2019)")
    p.add_argument("--question", action="append", metavar="ID", help="only this question (repeat for more)")
    p.add_argument("--as-of", metavar="DATE", help="forecast date YYYY-MM-DD, moved into each question's window")
    p.add_argument("--draws", type=int, metavar="N", help="posterior draws per forecast (at least 100)")
    p.add_argument("--seed", type=int, metavar="N", help="random seed")
    p.add_argument(
        "--param",
        "-p",
        action="append",
        type=_parse_param,
        metavar="[NOTEBOOK.]NAME=VALUE",
        help="any other notebook parameter, e.g. -p lr_width_scale=2 (given to notebooks that have it), or "
        "for one notebook only, e.g. -p scenarios.as_of=2019-03-01",
    )
    p.add_argument("--runs-dir", metavar="DIR", help="where run folders go (default: runs/ in the project)")
    p.add_argument(
        "--jobs",
        "-j",
        type=int,
        metavar="N",
        help="notebooks at a time (default: the number of CPUs, at most 4; capped by CPUs and free memory)",
    )
    add_scheduler_option(p)
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=_run)

    p = sub.add_parser("runs", help="list past runs and sweeps")
    p.add_argument("--runs-dir", metavar="DIR", help="where run folders are (default: runs/ in the project)")
    p.add_argument("--prune", action="store_true", help="remove abandoned run folders (their process is gone)")
    p.add_argument("--yes", "-y", action="store_true", help="with --prune: remove without asking")
    p.set_defaults(func=_runs)

    p = sub.add_parser("diff", help="compare two runs: which forecasts moved and what explains it")
    p.add_argument("run_a", help="the earlier run: a folder, or a run id under the runs folder")
    p.add_argument("run_b", help="the later run")
    p.add_argument("--runs-dir", metavar="DIR", help="where run ids are looked up (default: runs/ in the project)")
    p.add_argument(
        "--threshold", type=_threshold, default=0.005, metavar="P", help="smallest change of a mean that counts (0.005)"
    )
    p.set_defaults(func=_diff)

    p = sub.add_parser("sweep", help="run one notebook over a grid of parameters (see scenarios/sweep-example.yaml)")
    p.add_argument("grid", help="YAML grid file")
    p.add_argument("--runs-dir", metavar="DIR", help="where the sweep folder goes (default: runs/ in the project)")
    p.add_argument(
        "--jobs",
        "-j",
        type=int,
        metavar="N",
        help="notebooks at a time (default: the grid's workers, else the number of CPUs)",
    )
    p.add_argument("--html", action="store_true", help="also export each run's notebook as HTML")
    add_scheduler_option(p)
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=_sweep)

    p = sub.add_parser(
        "cache",
        help="show or clear the posterior cache",
        description="The posterior cache holds posterior draws (NUTS or importance-resampled) so the same model never samples twice. It lives in "
        ".cache/foresight under the project root ($FORESIGHT_ROOT moves it with the runs), or in "
        "$FORESIGHT_CACHE_DIR. Clearing it is always safe: forecasts sample again.",
    )
    p.add_argument("action", choices=["info", "clear"], help="info: where, how many entries, size; clear: remove them")
    p.add_argument("--yes", "-y", action="store_true", help="clear without asking")
    p.set_defaults(func=_cache)

    from foresight.run.cli_ingest import add_parsers as add_ingest_parsers

    add_ingest_parsers(sub)
    from foresight.run.cli_library import add_parsers as add_library_parsers

    add_library_parsers(sub)
    return parser


EXIT_PIPE = 128 + 13
"""The reader of stdout went away (SIGPIPE is 13): what a shell reports for a command it cut off."""


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` and run the subcommand; everything printed passes the terminal rule
    (:func:`foresight.base.terminal.terminal_text`), so pack text cannot drive the reader's terminal."""
    with safe_terminal():
        args = build_parser().parse_args(argv)
        try:
            code = args.func(args)
            sys.stdout.flush()
            return code
        except BrokenPipeError:
            # The reader went away (`foresight validate PACK | head -1`): stop quietly. Point stdout at
            # /dev/null so the interpreter's last flush cannot complain either (Python docs, "Note on SIGPIPE").
            with contextlib.suppress(OSError, ValueError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return EXIT_PIPE
        except KeyboardInterrupt:  # Ctrl-C before a run started (a started run records itself and returns)
            print(f"foresight {args.command}: interrupted", file=sys.stderr)
            return 130


if __name__ == "__main__":
    sys.exit(main())
