"""How well `foresight ingest` reads documents: on the tuning set and on an evaluation set it was not tuned on.

* **Tuning set** (`--tuning`): the seed pack's documents with text files; the pack's own evidence
  items give the (document, indicator) pairs an analyst coded by hand. Thresholds and context
  rules were chosen here.
* **Evaluation set, seen** (default, `bench/ingest_eval/<pack>/`): documents written for this
  purpose for other packs, with hand judgments committed before ingestion ran (see its README);
  its figures were seen while the matcher was changed, so they are partly tuned.
* **Untouched evaluation set** (`--untouched`, `bench/ingest_untouched/<pack>/`): eight documents
  for three more packs, judged and committed before anything ran on them, and run once at the
  end of the matcher's change (see its README). Run it again only to report, never to tune.

A proposal is right when its (indicator, state) is expected, ignored when it is only acceptable,
wrong otherwise; a **direction error** is a proposal whose indicator is expected with the other
state. Proposals are ranked as `foresight ingest` ranks them (expected impact).

Prints, per document and overall: proposals, precision, recall, direction errors among the
proposals accepted by default (`--all-above` at the README's suggested threshold), and precision
of the top 10.

    .venv/bin/python bench/ingest_recall.py               # the seen evaluation set, then the tuning set
    .venv/bin/python bench/ingest_recall.py --tuning      # the tuning set only
    .venv/bin/python bench/ingest_recall.py --untouched   # the untouched evaluation set only
"""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
EVAL_DIR = ROOT / "bench" / "ingest_eval"
UNTOUCHED_DIR = ROOT / "bench" / "ingest_untouched"
SEED = ROOT / "scenarios" / "us-china-korea-2017-2019"


@dataclass
class Tally:
    """Counts over documents; the ratios are computed once at the end."""

    expected: int = 0
    found: int = 0
    proposals: int = 0
    right: int = 0
    wrong: int = 0
    by_default: int = 0
    direction_errors: int = 0
    top10_right: int = 0
    top10_judged: int = 0
    rows: list[dict] = field(default_factory=list)

    def add(self, name: str, **counts: int) -> None:
        for key, value in counts.items():
            setattr(self, key, getattr(self, key) + value)
        self.rows.append({"document": name, **counts})

    @staticmethod
    def ratios(c: dict) -> dict[str, float]:
        judged = c["right"] + c["wrong"]
        return {
            "precision": c["right"] / judged if judged else float("nan"),
            "recall": c["found"] / c["expected"] if c["expected"] else float("nan"),
            "direction_error_rate": c["direction_errors"] / c["by_default"] if c["by_default"] else 0.0,
            "top10_precision": c["top10_right"] / c["top10_judged"] if c["top10_judged"] else float("nan"),
        }

    def total(self) -> dict:
        c = {k: getattr(self, k) for k in ("expected", "found", "proposals", "right", "wrong", "by_default")}
        c |= {k: getattr(self, k) for k in ("direction_errors", "top10_right", "top10_judged")}
        return c | self.ratios(c)


def _ranked(pack, doc, published: dt.date):
    """Proposals as `foresight ingest` orders them (the same functions, no pack written)."""
    from foresight.run.ingest import rank_proposals

    return rank_proposals(pack, doc, published)


def judge(proposals, expected: set[tuple[str, str]], acceptable: set[tuple[str, str]], default_min: float) -> dict:
    """Counts for one document (see the module docstring)."""
    expected_indicators = {i for i, _ in expected}
    pairs = [(p.indicator, p.state) for p in proposals]
    verdicts = ["right" if pair in expected else "ignored" if pair in acceptable else "wrong" for pair in pairs]
    default = [p for p in proposals if p.accepted_by_default(default_min)]
    flips = sum(1 for p in default if p.indicator in expected_indicators and (p.indicator, p.state) not in expected)
    top = verdicts[:10]
    return {
        "expected": len(expected),
        "found": len(expected & set(pairs)),
        "proposals": len(proposals),
        "right": verdicts.count("right"),
        "wrong": verdicts.count("wrong"),
        "by_default": len(default),
        "direction_errors": flips,
        "top10_right": top.count("right"),
        "top10_judged": sum(1 for v in top if v != "ignored"),
    }


def evaluation_set(eval_dir: Path = EVAL_DIR) -> Tally:
    from foresight import load_pack
    from foresight.pack.document_text import read_document
    from foresight.pack.proposals import DEFAULT_ACCEPT_ABOVE

    tally = Tally()
    for judgments in sorted(eval_dir.glob("*/judgments.yaml")):
        pack = load_pack(ROOT / "scenarios" / judgments.parent.name)
        for item in yaml.safe_load(judgments.read_text(encoding="utf-8"))["documents"]:
            published = dt.date.fromisoformat(str(item["published"]))
            doc = read_document(judgments.parent / item["file"])
            expected = {(e["indicator"], e["state"]) for e in item.get("expected", [])}
            acceptable = {(e["indicator"], e["state"]) for e in item.get("acceptable", [])}
            counts = judge(_ranked(pack, doc, published), expected, acceptable, DEFAULT_ACCEPT_ABOVE)
            tally.add(f"{judgments.parent.name[:12]}/{item['file']}", **counts)
    return tally


def tuning_set(pack_dir: Path = SEED) -> Tally:
    """The seed pack's hand-coded evidence as judgments (indicator and state per document)."""
    from foresight import load_pack
    from foresight.pack.document_text import read_document
    from foresight.pack.proposals import DEFAULT_ACCEPT_ABOVE

    pack = load_pack(pack_dir)
    tally = Tally()
    for doc in pack.documents.values():
        if not doc.path or not (pack.dir / doc.path).is_file():
            continue
        coded = {(ev.indicator, _state(ev.state)) for ev in pack.evidence if ev.document == doc.id}
        if not coded:
            continue
        text = read_document(pack.dir / doc.path)
        counts = judge(_ranked(pack, text, doc.published), coded, set(), DEFAULT_ACCEPT_ABOVE)
        tally.add(doc.id, **counts)
    return tally


def _state(state) -> str:
    if isinstance(state, str):
        return state
    return "present" if float(state) >= 0.5 else "absent"


def print_table(title: str, tally: Tally) -> None:
    print(title)
    head = f"{'document':<52} {'exp':>4} {'props':>5} {'prec':>6} {'recall':>6} {'dir.err':>7} {'top10':>6}"
    print(head)
    for row in tally.rows + [{"document": "all", **tally.total()}]:
        r = row | Tally.ratios(row)
        print(
            f"{row['document'][:52]:<52} {row['expected']:>4} {row['proposals']:>5} {r['precision']:>6.2f} "
            f"{r['recall']:>6.2f} {row['direction_errors']:>3}/{row['by_default']:<3} {r['top10_precision']:>6.2f}"
        )
    print()


def main(argv: list[str]) -> None:
    if "--untouched" in argv:
        print_table("Untouched evaluation set: bench/ingest_untouched", evaluation_set(UNTOUCHED_DIR))
        return
    if "--tuning" not in argv:
        print_table("Evaluation set, seen while tuning: bench/ingest_eval", evaluation_set())
    print_table("Tuning set: the seed pack's documents and hand-coded evidence", tuning_set())


if __name__ == "__main__":
    main(sys.argv[1:])
