"""The `foresight` command: validate packs now; run, runs and sweep join as they land."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .pack import load_pack
from .problems import PackError

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
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="foresight", description="Bayesian scenario forecasting from scenario packs.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("validate", help="check a scenario pack and print its counts")
    p.add_argument("pack", help="path of the scenario pack folder")
    p.add_argument("--json", action="store_true", help="print the counts as JSON")
    p.set_defaults(func=_validate)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
