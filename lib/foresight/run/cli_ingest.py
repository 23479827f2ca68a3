"""`foresight ingest | accept | reject`: the command-line side of the ingestion loop (see run.ingest)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_INVALID = 2


def _date(text: str):
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD; got {text!r}") from None


def _score(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a score from 0 to 1; got {text!r}")
    return value


def _int_option(name: str, what: str):
    """An argparse type for a whole number in the range the notebooks allow for ``name`` (run.params, imported
    only when the option is given: `validate` must not pay for the model stack)."""

    def parse(text: str) -> int:
        from foresight.run import params

        lo, hi = {"draws": (params.MIN_DRAWS, params.MAX_DRAWS), "seed": (0, 2**32 - 1)}[name]
        try:
            return params.check_int(name, int(text), lo, hi, what)
        except ValueError:  # int() or ParameterError: say what is allowed
            raise argparse.ArgumentTypeError(
                f"expected {what}, a whole number from {lo} to {hi}; got {text!r}"
            ) from None

    return parse


def _refuse(command: str, exc: Exception, pack: str = ".") -> int:
    from foresight.pack.problems import PackError

    if isinstance(exc, OSError):  # a write that failed (a full disk): atomic writes left the old files whole
        from foresight.base.atomic import write_problem

        print(f"foresight {command}: {write_problem(exc, Path(pack))}", file=sys.stderr)
    elif isinstance(exc, PackError):
        for line in exc.lines():
            print(line, file=sys.stderr)
        print(f"foresight {command}: the pack would not be valid; nothing was written", file=sys.stderr)
    else:
        print(f"foresight {command}: {exc}; nothing was written", file=sys.stderr)
    return EXIT_INVALID


def _ingest(args: argparse.Namespace) -> int:
    from foresight.model.options import ModelOptions
    from foresight.pack.problems import PackError
    from foresight.pack.proposals import IngestError
    from foresight.run.ingest import ingest

    try:
        done = ingest(
            args.pack,
            args.file,
            args.published,
            title=args.title,
            author=args.author,
            outlet=args.outlet,
            document_id=args.id,
            options=ModelOptions.of(draws=args.draws, seed=args.seed),
            min_score=args.min_score,
            min_confidence=args.min_confidence,
            update=args.update,
            offer_rejected=args.offer_rejected,
        )
    except (IngestError, PackError, OSError) as exc:
        return _refuse("ingest", exc, args.pack)
    what = "read document" if done.updated else "added document"
    print(f"{what} {done.document_id}; {len(done.proposals)} new proposal(s) in {done.proposals_file}")
    print("  by expected impact (confidence x largest shift, in points, from the day the sign would count):")
    for p in done.proposals[:10]:
        top = sorted(p.shifts.items(), key=lambda kv: -abs(kv[1]))[:3]
        shifts = ", ".join(f"{q} {v * 100:+.1f} from {p.counts_from.get(q, '?')}" for q, v in top)
        flag = "  DIRECTION UNCERTAIN" if p.direction != "certain" else ""
        print(
            f"  {p.id}  {p.indicator:<30} {p.state:<7} confidence {p.confidence:.2f}  "
            f"paragraph {p.paragraph} sentence {p.sentence}  {shifts or 'moves no question'}{flag}"
        )
    print(f"  review: notebooks/ingest.ipynb (-p document {done.document_id}); accept: foresight accept ...")
    return 0


def _accept(args: argparse.Namespace) -> int:
    from foresight.pack.problems import PackError, check_pack_folder

    try:
        check_pack_folder(args.pack)  # before the model is loaded: a wrong path answers at once
    except PackError as exc:
        return _refuse("accept", exc, args.pack)
    from foresight.pack.proposals import IngestError
    from foresight.run.ingest import accept

    try:
        records = accept(
            args.pack, args.document, args.ids, args.all_above, event_date=args.event_date, valid_until=args.valid_until
        )
    except (IngestError, PackError, OSError) as exc:
        return _refuse("accept", exc, args.pack)
    print(f"added {len(records)} evidence item(s) to evidence.yaml; edit each note into your own paraphrase:")
    for r in records:
        until = f", counts until {r['valid_until']}" if "valid_until" in r else ""
        print(f"  {r['id']}: {r['indicator']} {r['state']} (credibility {r['credibility']}{until})")
    from foresight.pack.loader import load_pack
    from foresight.run.ingest import later_questions

    for line in later_questions(load_pack(args.pack), records):
        print(f"warning: {line}", file=sys.stderr)
    return 0


def _reject(args: argparse.Namespace) -> int:
    from foresight.pack.proposals import IngestError
    from foresight.run.ingest import reject

    try:
        ids = reject(args.pack, args.document, args.ids)
    except (IngestError, OSError) as exc:
        return _refuse("reject", exc, args.pack)
    print(f"rejected {', '.join(ids)}")
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Add the three ingestion subcommands to the `foresight` parser."""
    p = sub.add_parser(
        "ingest",
        help="read a new document and propose evidence for the pack's indicators, ranked by impact",
        description="Add the document's record to the pack and write proposals/<document-id>.yaml: candidate "
        "evidence with its place in the document and how far it would move each open question. "
        "Exit 2, writing nothing, on a bad file, date or id.",
    )
    p.add_argument("pack", help="scenario pack folder")
    p.add_argument("file", help="the document: .txt, .md, .html or .pdf")
    p.add_argument("--published", required=True, type=_date, metavar="YYYY-MM-DD", help="publication date")
    p.add_argument("--title", help="title (default: the document's first line)")
    p.add_argument("--author", help="author")
    p.add_argument("--outlet", help="outlet")
    p.add_argument("--id", help="document id (default: from author, year and title)")
    p.add_argument(
        "--min-score",
        type=_score,
        metavar="S",
        help="smallest match score read as a candidate (0-1; default: the confidence model's floor)",
    )
    p.add_argument(
        "--min-confidence",
        type=_score,
        metavar="C",
        help="smallest confidence proposed (0-1; default: the confidence model's threshold; 0 shows every candidate)",
    )
    p.add_argument("--update", action="store_true", help="read an ingested document again (same id)")
    p.add_argument("--offer-rejected", action="store_true", help="with --update: offer rejected proposals again")
    p.add_argument(
        "--draws",
        type=_int_option("draws", "posterior draws"),
        metavar="N",
        help="posterior draws for the impact (default: the library's)",
    )
    p.add_argument("--seed", type=_int_option("seed", "a random seed"), metavar="N", help="random seed")
    p.set_defaults(func=_ingest)

    p = sub.add_parser("accept", help="turn proposals of a document into evidence items")
    p.add_argument("pack", help="scenario pack folder")
    p.add_argument("document", help="document id")
    p.add_argument("ids", nargs="*", help="proposal ids (p01 ...)")
    p.add_argument(
        "--all-above",
        type=_score,
        metavar="C",
        help="also every pending proposal of certain direction with confidence at least C",
    )
    p.add_argument(
        "--event-date",
        type=_date,
        metavar="YYYY-MM-DD",
        help="when the reported event happened, if before publication (its shelf life then runs from it)",
    )
    p.add_argument("--valid-until", type=_date, metavar="YYYY-MM-DD", help="the last day the evidence counts")
    p.set_defaults(func=_accept)

    p = sub.add_parser("reject", help="mark proposals of a document as rejected (not offered again)")
    p.add_argument("pack", help="scenario pack folder")
    p.add_argument("document", help="document id")
    p.add_argument("ids", nargs="+", help="proposal ids (p01 ...)")
    p.set_defaults(func=_reject)
