"""The `foresight` command: validate a pack, run the notebook suite, list runs, sweep a parameter grid."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from foresight.pack.loader import load_pack
from foresight.pack.problems import PackError

EXIT_INVALID = 2


def _validate(args: argparse.Namespace) -> int:
    try:
        pack = load_pack(args.pack)
    except PackError as exc:
        for problem in exc.problems:
            # Problems name files relative to the pack; the folder problem names the folder itself.
            where = problem.file if problem.field == "(folder)" else Path(args.pack) / problem.file
            print(f"{where}:{problem.line}: {problem.field}: {problem.message}", file=sys.stderr)
        print(f"{len(exc.problems)} problem(s); the pack is not valid.", file=sys.stderr)
        return EXIT_INVALID
    counts = pack.counts()
    if args.json:
        print(json.dumps(counts))
    else:
        print(f"{pack.meta.id}: valid ({pack.meta.title})")
        for kind, n in counts.items():
            print(f"  {kind:<18} {n}")
        for doc in pack.documents.values():
            if doc.path and not (pack.dir / doc.path).expanduser().exists():
                print(f"  note: text of document '{doc.id}' not found at {doc.path} (optional; not needed to forecast)")
        from foresight.model.outside import outside_view_warnings

        for warning in outside_view_warnings(pack):
            print(f"  warning: {warning}")
    _print_lint(pack, args.pack, header=True)
    return 0


def _print_lint(pack, pack_arg: str, header: bool = False) -> int:
    """Print the pack's open lint warnings to stderr (validate shows them, never failing on them); return how many."""
    from foresight.pack.lint import format_warnings, lint_pack

    report = lint_pack(pack)
    for line in format_warnings(report.warnings, pack_arg):
        print(("warning: " if header else "") + line, file=sys.stderr)
    if header and report.warnings:
        print(f"{len(report.warnings)} lint warning(s); see `foresight lint {pack_arg}`.", file=sys.stderr)
    return len(report.warnings)


def _lint(args: argparse.Namespace) -> int:
    """`foresight lint PACK`: 0 when clean, 1 when it warns, 2 when the pack is not valid."""
    try:
        pack = load_pack(args.pack)
    except PackError:
        return _validate(argparse.Namespace(pack=args.pack, json=False))
    if args.acknowledged:
        from foresight.pack.lint import lint_pack

        for w, answer in lint_pack(pack).acknowledged:
            print(f"acknowledged: {Path(args.pack) / w.file}:{w.line}: {w.field}: [{w.code}] answer: {answer}")
    n = _print_lint(pack, args.pack)
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
            pass  # load_pack reports the missing folder in the usual format
    try:
        return load_pack(pack_path)
    except PackError:
        _validate(argparse.Namespace(pack=str(pack_path), json=False))
        return None


def _parse_param(text: str) -> tuple[str, object]:
    """NAME=VALUE from --param, the value read as YAML (so 2.0 is a number, true a boolean)."""
    import yaml

    name, sep, value = text.partition("=")
    if not sep or not name.strip().isidentifier():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, e.g. lr_width_scale=2.0; got {text!r}")
    try:
        parsed = yaml.safe_load(value) if value.strip() else ""
    except yaml.YAMLError:
        parsed = value
    return name.strip(), parsed


def _run(args: argparse.Namespace) -> int:
    from foresight.run import params as P
    from foresight.run.runner import RunOptions, run

    pack = _load_for_run(args.pack)
    if pack is None:
        return EXIT_INVALID
    try:
        for q in args.question or []:
            P.check_question(pack, q)
        as_of = P.check_date("as_of", args.as_of).isoformat() if args.as_of is not None else None
        draws = P.check_int("draws", args.draws, P.MIN_DRAWS, P.MAX_DRAWS, "posterior draws") if args.draws else None
        seed = P.check_int("seed", args.seed, 0, 2**32 - 1, "a random seed") if args.seed is not None else None
    except P.ParameterError as exc:
        print(f"foresight run: {exc}", file=sys.stderr)
        return EXIT_INVALID
    from foresight.run.notebooks import RUNNER_PARAMETERS, discover

    known = {name for nb in discover() for name in nb.parameters} - set(RUNNER_PARAMETERS)
    unknown = [name for name, _ in args.param or [] if name not in known]
    if unknown:
        name = unknown[0]
        why = (
            "is set by `foresight run` itself (False: a run's reports are static)"
            if name == "interactive"
            else "is set by `foresight run` itself (use --question, --as-of, --draws, --seed)"
            if name in RUNNER_PARAMETERS
            else "no notebook has this parameter"
        )
        print(
            f"foresight run: --param {name}: {why}; parameters to give with --param: {', '.join(sorted(known))}",
            file=sys.stderr,
        )
        return EXIT_INVALID
    options = RunOptions(
        pack=pack,
        questions=list(dict.fromkeys(args.question)) if args.question else None,
        as_of=as_of,
        draws=draws,
        seed=seed,
        params=dict(args.param or []),
        runs_dir=Path(args.runs_dir) if args.runs_dir else None,
        workers=args.jobs,
        progress=None if not args.no_progress else False,
    )
    outcome = run(options)
    rec = outcome.record
    print(f"{outcome.status}: {outcome.folder} ({rec['seconds']:.0f} s, {len(rec['notebooks'])} notebooks)")
    for nb in rec["notebooks"]:
        if nb["status"] == "failed":
            err = nb.get("error") or {}
            print(f"  FAILED {nb['name']}: {err.get('ename')}: {err.get('evalue')}", file=sys.stderr)
    not_run = [nb["name"] for nb in rec["notebooks"] if nb["status"] not in ("ok", "failed")]
    if not_run:
        print(f"  {len(not_run)} notebook(s) not run", file=sys.stderr)
    bad = (rec.get("convergence") or {}).get("not_converged") or []
    if bad:
        print(
            f"  warning: {len(bad)} forecast(s) did not converge (see forecasts.csv): {', '.join(bad)}", file=sys.stderr
        )
    print(f"  open {outcome.folder / 'index.html'}")
    return outcome.exit_code


def _runs(args: argparse.Namespace) -> int:
    from foresight.run.runner import list_runs

    frame = list_runs(Path(args.runs_dir) if args.runs_dir else None)
    if frame.empty:
        print("no runs yet (make one with `foresight run` or `make forecast`)")
    else:
        print(frame.to_string(index=False))
    return 0


def _sweep(args: argparse.Namespace) -> int:
    from foresight.run.sweep import GridError, load_grid, run_sweep

    try:
        grid = load_grid(args.grid)
    except GridError as exc:
        for problem in exc.problems:
            print(f"{exc.file}: {problem}", file=sys.stderr)
        print(f"{len(exc.problems)} problem(s); the grid was not run.", file=sys.stderr)
        return EXIT_INVALID
    folder, rec = run_sweep(
        grid,
        runs_dir=Path(args.runs_dir) if args.runs_dir else None,
        workers=args.jobs,
        html=args.html,
        progress=None if not args.no_progress else False,
    )
    print(
        f"{rec['status']}: {folder} ({rec['seconds']:.0f} s, {len(grid.combinations)} runs of "
        f"{grid.notebook.path.name})"
    )
    if rec.get("error"):
        err = rec["error"]
        print(f"  FAILED {err.get('notebook')}: {err.get('ename')}: {err.get('evalue')}", file=sys.stderr)
    print(f"  table: {folder / 'sweep.csv'}" + (f"  plot: {folder / rec['plot']}" if rec.get("plot") else ""))
    return {"complete": 0, "interrupted": 130}.get(rec["status"], 1)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="foresight", description="Bayesian scenario forecasting from scenario packs.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("validate", help="check a scenario pack and print its counts")
    p.add_argument("pack", help="path of the scenario pack folder")
    p.add_argument("--json", action="store_true", help="print the counts as JSON")
    p.set_defaults(func=_validate)

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
        metavar="NAME=VALUE",
        help="any other notebook parameter, e.g. -p lr_width_scale=2 (given to notebooks that have it)",
    )
    p.add_argument("--runs-dir", metavar="DIR", help="where run folders go (default: runs/ in the project)")
    p.add_argument(
        "--jobs",
        "-j",
        type=int,
        default=min(os.cpu_count() or 1, 4),
        metavar="N",
        help="notebooks at a time (default: the number of CPUs, at most 4)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=_run)

    p = sub.add_parser("runs", help="list past runs and sweeps")
    p.add_argument("--runs-dir", metavar="DIR", help="where run folders are (default: runs/ in the project)")
    p.set_defaults(func=_runs)

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
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=_sweep)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
