"""`foresight freeze | backtest | calibrate`: the command-line side of learning from a library of packs.

``freeze`` records a pack's content before it is scored (:mod:`foresight.pack.freeze`);
``backtest`` scores many packs in one table, leave one pack out
(:mod:`foresight.evaluate.library`); ``calibrate`` refits the shipped
calibration (:mod:`foresight.evaluate.calibration`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_INVALID = 2


def _print_problems(exc) -> None:
    for problem in exc.problems:
        where = problem.file if problem.field == "(folder)" else Path(exc.pack_dir) / problem.file
        print(f"{where}:{problem.line}: {problem.field}: {problem.message}", file=sys.stderr)


def _freeze(args: argparse.Namespace) -> int:
    from foresight.pack.freeze import FreezeError, freeze
    from foresight.pack.loader import load_pack
    from foresight.pack.problems import PackError

    try:
        pack = load_pack(args.pack)
        record = freeze(pack, args.reason)
    except PackError as exc:
        _print_problems(exc)
        print("foresight freeze: the pack is not valid; nothing was written", file=sys.stderr)
        return EXIT_INVALID
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
