"""`foresight freeze | backtest | calibrate`: the command-line side of learning from a library of packs.

``freeze`` records a pack's content before it is scored (:mod:`foresight.pack.freeze`);
``backtest`` scores many packs in one table, leave one pack out
(:mod:`foresight.evaluate.library`); ``calibrate`` refits the shipped
calibration (:mod:`foresight.evaluate.calibration`).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

EXIT_INVALID = 2


def _print_problems(exc) -> None:
    for line in exc.lines():
        print(line, file=sys.stderr)


def _not_frozen(exc) -> int:
    _print_problems(exc)
    print("foresight freeze: the pack is not valid; nothing was written", file=sys.stderr)
    return EXIT_INVALID


def _freeze(args: argparse.Namespace) -> int:
    from foresight.pack.problems import PackError, check_pack_folder

    try:
        check_pack_folder(args.pack)  # before the schema is loaded: a wrong path answers at once
    except PackError as exc:
        return _not_frozen(exc)
    from foresight.pack.freeze import FreezeError, freeze
    from foresight.pack.loader import load_pack

    try:
        pack = load_pack(args.pack)
        record = freeze(pack, args.reason)
    except PackError as exc:
        return _not_frozen(exc)
    except FreezeError as exc:
        print(f"foresight freeze: {exc}", file=sys.stderr)
        return EXIT_INVALID
    last = record.revisions[-1]
    changed = f"; changed since the previous freeze: {', '.join(last.changed)}" if last.changed else ""
    print(
        f"{pack.meta.id}: frozen on {record.frozen_on} ({len(record.files)} files, revision "
        f"{len(record.revisions)}: {last.reason}){changed}"
    )
    return 0


def pack_folders(values: list[str]) -> tuple[list[Path], list[str]]:
    """The folders among ``values`` that hold a pack.yaml, and one line for each other value (skipped)."""
    keep, skipped = [], []
    for value in values:
        path = Path(value)
        if path.is_dir() and (path / "pack.yaml").is_file():
            keep.append(path)
        else:
            why = "no pack.yaml in it" if path.is_dir() else ("a file" if path.exists() else "no such folder")
            skipped.append(f"skipped {value}: {why}")
    return list(dict.fromkeys(keep)), skipped


def _load_all(command: str, values: list[str]):
    """The packs among ``values`` (skipping folders without pack.yaml, one line each), or None after printing
    every problem of an invalid one."""
    from foresight.pack.problems import PackError

    folders, skipped = pack_folders(values)
    for line in skipped:
        print(f"foresight {command}: {line}", file=sys.stderr)
    if not folders:
        print(f"foresight {command}: no pack folder (one holding pack.yaml) among the arguments", file=sys.stderr)
        return None
    from foresight.pack.loader import load_pack

    packs = []
    for folder in folders:
        try:
            packs.append(load_pack(folder))
        except PackError as exc:
            _print_problems(exc)
            print(f"foresight {command}: {folder} is not a valid pack; nothing was scored", file=sys.stderr)
            return None
    return packs


def _options(command: str, args: argparse.Namespace):
    """(ModelOptions, today) from --draws, --seed and --today, or None after printing the bad one."""
    from foresight.model.options import ModelOptions
    from foresight.run import params as P
    from foresight.run.parameters import check_value

    try:
        draws = check_value("draws", args.draws) if args.draws else None
        seed = check_value("seed", args.seed)
        today = check_value("today", args.today) if args.today else None
    except P.ParameterError as exc:
        print(f"foresight {command}: {exc}", file=sys.stderr)
        return None
    return ModelOptions.of(None, draws=draws, seed=seed), today


@contextlib.contextmanager
def _steps_of(command: str, args: argparse.Namespace, packs: list):
    """How to backtest the packs: here one after another, or one per task on the Dask cluster --scheduler (or
    $FORESIGHT_SCHEDULER) names, connected before any work (SystemExit 2 after one line when it cannot be
    reached) and closed at the end."""
    from foresight.evaluate.library import each_pack_steps
    from foresight.run.cli import _connect
    from foresight.run.cluster import BACKTEST_MODULES, backtest_on

    executor = _connect(command, args, min(os.cpu_count() or 1, len(packs)), None, warm=BACKTEST_MODULES)
    if executor is None:
        yield each_pack_steps
        return

    with executor:
        yield backtest_on(executor)


def _lost_cluster(command: str, exc: Exception) -> int:
    print(f"foresight {command}: {exc}", file=sys.stderr)
    return EXIT_INVALID


def _backtest(args: argparse.Namespace) -> int:
    import datetime as dt

    from foresight.base import paths
    from foresight.base.atomic import write_json_atomic
    from foresight.base.run_files import RUN_FILE

    packs = _load_all("backtest", args.packs)
    if packs is None:
        return EXIT_INVALID
    checked = _options("backtest", args)
    if checked is None:
        return EXIT_INVALID
    options, today = checked
    from foresight.evaluate import library  # the model stack: only once the packs and options are good
    from foresight.run.executor import ExecutorError

    artefact = _fixed_calibration(args.calibration)
    if artefact is False:
        return EXIT_INVALID
    started = dt.datetime.now()
    try:
        with _steps_of("backtest", args, packs) as steps_of:
            lib = library.library_backtest(
                packs, options, today=today, seed=options.seed, steps_of=steps_of, artefact=artefact
            )
    except ExecutorError as exc:
        return _lost_cluster("backtest", exc)
    except ValueError as exc:
        print(f"foresight backtest: {exc}", file=sys.stderr)
        return EXIT_INVALID
    out = Path(args.out) if args.out else paths.runs_dir() / f"backtest-{started:%Y%m%d-%H%M%S}"
    written = library.write_outputs(lib, out)
    # a run.json like a run's, so `foresight runs` lists the folder and it records what was scored
    write_json_atomic(
        out / RUN_FILE,
        {
            "kind": "backtest",
            "status": "complete",
            "started": started.isoformat(timespec="seconds"),
            "seconds": round((dt.datetime.now() - started).total_seconds(), 1),
            "pack": {"id": f"library of {len(packs)} packs"},
            "packs": {
                p.meta.id: {
                    "path": paths.relative_to_root(Path(p.dir)),
                    "content_hash": p.content_hash,
                    "freeze": lib.freezes[p.meta.id].sentence(),
                }
                for p in packs
            },
            "parameters": {
                "today": None if today is None else today.isoformat(),
                "seed": options.seed,
                "draws": options.draws,
                "past_only": args.past_only,
                "calibration": None if artefact is None else artefact.source,
            },
            "tables": written,
        },
    )
    print(library.text_report(lib, past_only=args.past_only), end="")
    print(f"\ntables in {out}: {', '.join(written)}")
    return 0


def _fixed_calibration(choice: str | None):
    """The artefact `backtest --calibration` scores unchanged: the shipped one by default (None when there is
    none), none for 'none', else the file named; False after one line when that file cannot be read."""
    from foresight.model.calibration import load_calibration

    if choice == "none":
        return None
    try:
        found = load_calibration(choice)
    except (OSError, ValueError) as exc:  # unreadable JSON, or draws of the wrong shape
        print(f"foresight backtest: --calibration {choice}: {exc}", file=sys.stderr)
        return False
    if found is None and choice is not None:
        print(
            f"foresight backtest: --calibration {choice}: no such file (write one with `foresight calibrate`)",
            file=sys.stderr,
        )
        return False
    return found


def _saved_steps(path: str, packs: list) -> pd.DataFrame | None:
    """The rows of a library backtest's ``library_steps.csv`` for ``packs``, or None after one line saying
    what is wrong (missing file or column, a pack without rows)."""
    import pandas as pd

    from foresight.evaluate.calibration import FIT_COLUMNS

    target = Path(path)
    if not target.is_file():
        print(
            f"foresight calibrate: --steps {path}: no such file (write it with `foresight backtest`)", file=sys.stderr
        )
        return None
    try:
        table = pd.read_csv(target)
    except (ValueError, pd.errors.ParserError) as exc:
        print(f"foresight calibrate: --steps {path}: not a readable CSV ({exc})", file=sys.stderr)
        return None
    missing = [c for c in FIT_COLUMNS if c not in table.columns]
    if missing:
        print(f"foresight calibrate: --steps {path}: missing columns {', '.join(missing)}", file=sys.stderr)
        return None
    ids = [p.meta.id for p in packs]
    absent = [i for i in ids if not (table["pack"] == i).any()]
    if absent:
        print(
            f"foresight calibrate: --steps {path}: no rows of {', '.join(absent)} (rerun `foresight backtest` on "
            "every pack)",
            file=sys.stderr,
        )
        return None
    return table[table["pack"].isin(ids)].reset_index(drop=True)


def _calibrate(args: argparse.Namespace) -> int:
    from foresight.base import paths
    from foresight.evaluate import calibration
    from foresight.evaluate.crowd_check import crowd_check
    from foresight.evaluate.library import headline_pairs
    from foresight.model.calibration import artefact_path
    from foresight.pack.freeze import freeze_status, git_commit

    values = args.packs or [str(p) for p in sorted((paths.project_root() / "scenarios").iterdir()) if p.is_dir()]
    packs = _load_all("calibrate", values)
    if packs is None:
        return EXIT_INVALID
    if not args.packs:
        unfrozen = [p.meta.id for p in packs if not freeze_status(p).frozen]
        packs = [p for p in packs if freeze_status(p).frozen]
        for pack_id in unfrozen:
            print(f"foresight calibrate: skipped {pack_id}: not frozen (name it to use it anyway)", file=sys.stderr)
        if not packs:
            print("foresight calibrate: no frozen pack under scenarios/ to learn from", file=sys.stderr)
            return EXIT_INVALID
    for pack in packs:
        status = freeze_status(pack)
        if status.frozen and not status.intact:
            print(f"foresight calibrate: note: {pack.meta.id}: {status.sentence()}", file=sys.stderr)
    checked = _options("calibrate", args)
    if checked is None:
        return EXIT_INVALID
    options, today = checked
    try:
        structure = calibration.structure_named(args.structure or calibration.SHIPPED)
    except ValueError as exc:
        print(f"foresight calibrate: --structure: {exc}", file=sys.stderr)
        return EXIT_INVALID
    import pandas as pd

    if args.steps:
        table = _saved_steps(args.steps, packs)
        if table is None:
            return EXIT_INVALID
    else:
        from foresight.run.executor import ExecutorError

        try:
            with _steps_of("calibrate", args, packs) as steps_of:
                steps = steps_of(packs, options, today)
        except ExecutorError as exc:
            return _lost_cluster("calibrate", exc)
        steps = [s for s in steps if len(s)]
        table = pd.concat(steps, ignore_index=True) if steps else None
    if table is None or not len(table):
        print("foresight calibrate: no resolved question to learn from; no artefact written", file=sys.stderr)
        return EXIT_INVALID
    provenance = calibration.provenance_for(packs, git_commit(paths.project_root()))
    if args.steps:
        provenance["steps_from"] = paths.relative_to_root(Path(args.steps))
    check = crowd_check(headline_pairs({p.meta.id: p for p in packs}, table))
    if check is not None:  # what the reports say beside a calibrated forecast (docs/explanation/hindsight.md)
        provenance["crowd_check"] = check.record()
        print("The packs against the crowd of their time:", *check.lines(), sep="\n")
    fit = calibration.fit_nuts(table, seed=options.seed, provenance=provenance, structure=structure)
    target = calibration.write_artefact(fit, Path(args.out) if args.out else artefact_path())
    terms = ", ".join(f"{k} {m:.2f} (90% {lo:.2f} to {hi:.2f})" for k, (m, lo, hi) in fit.summary().items())
    print(
        f"calibration from {fit.provenance['n_questions']} questions ({fit.provenance['n_steps']} steps) of "
        f"{len(packs)} packs: {terms}"
    )
    print(f"written to {target}")
    return 0


def _add_backtest_options(p: argparse.ArgumentParser, *, today: str) -> None:
    """The options of every command that backtests the library (`backtest`, `calibrate`): one definition, so
    the two cannot drift apart in names, defaults or checks."""
    from foresight.run.cli import add_scheduler_option

    p.add_argument("--today", metavar="DATE", help=today)
    p.add_argument("--draws", type=int, metavar="N", help="posterior draws per forecast (default: the library's)")
    p.add_argument("--seed", type=int, default=1, metavar="N", help="random seed (default 1)")
    add_scheduler_option(p, "the backtests (one task per pack)")


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Add the library subcommands to the `foresight` parser."""
    p = sub.add_parser(
        "freeze",
        help="record a pack's content (hashes, date, commit) before its first scored backtest",
        description="Write freeze.yaml in the pack: the date, the git commit, the sha256 of each YAML file and a "
        "revision log. Backtests then say whether their scores come from the frozen content. A re-freeze "
        "appends to the log and needs --reason. Exit 2 when the pack is invalid or a reason is missing.",
    )
    p.add_argument("pack", help="scenario pack folder")
    p.add_argument("--reason", metavar="TEXT", help="why (required when the pack was frozen before)")
    p.set_defaults(func=_freeze)

    p = sub.add_parser(
        "backtest",
        help="backtest many packs in one table, leave one pack out (raw, naive, baselines, calibrated, pooled)",
        description="Score every resolved question of each pack (folders without pack.yaml are skipped with a "
        "line), then calibrate and pool with the crowd leave one pack out, the calibration's structure also "
        "chosen held out (nested). Prints per pack and pooled, per outcome, time-averaged Brier and log scores, "
        "whether the target is met and what the default should be, and writes library_*.csv to --out. Exit 2 "
        "on an invalid pack or option.",
    )
    p.add_argument("packs", nargs="+", metavar="PACK", help="pack folders (e.g. `scenarios/*/`)")
    p.add_argument("--out", metavar="DIR", help="folder for the tables (default: runs/backtest-<time>)")
    p.add_argument(
        "--past-only",
        action="store_true",
        help="headline the calibration learned only from questions resolved before each step (both are written)",
    )
    p.add_argument(
        "--calibration",
        metavar="FILE",
        help="a calibration artefact to score unchanged beside the held-out fits; on packs its fit never saw, "
        "a prospective test (default: the shipped calibration/calibration.json; 'none' to skip)",
    )
    _add_backtest_options(p, today="score only questions resolved by this day (default: today)")
    p.set_defaults(func=_backtest)

    p = sub.add_parser(
        "calibrate",
        help="refit the calibration on the library's resolved questions and write the shipped artefact",
        description="Backtest the packs (default: every frozen pack under scenarios/), fit the calibration "
        "with PyMC's NUTS and write calibration/calibration.json with its provenance and 1000 posterior draws.",
    )
    p.add_argument("packs", nargs="*", metavar="PACK", help="pack folders (default: frozen packs under scenarios/)")
    p.add_argument("--out", metavar="FILE", help="where to write it (default: calibration/calibration.json)")
    p.add_argument(
        "--steps",
        metavar="CSV",
        help="learn from a library backtest's library_steps.csv instead of backtesting the packs again",
    )
    p.add_argument(
        "--structure",
        metavar="NAME",
        help="the map's structure, as `foresight backtest` names it (default: 'base map'; e.g. "
        "'+ downward + weak_class'); the backtest's shipping line says when another one pays",
    )
    _add_backtest_options(p, today="learn only from questions resolved by this day")
    p.set_defaults(func=_calibrate)
