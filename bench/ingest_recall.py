"""How well `foresight ingest` reads documents: on the tuning set and on an evaluation set it was not tuned on.

* **Tuning set** (`--tuning`): the seed pack's documents with text files; the pack's own evidence
  items give the (document, indicator) pairs an analyst coded by hand. Thresholds and context
  rules were chosen here.
* **Evaluation set, seen** (default, `bench/ingest_eval/<pack>/`): documents written for this
  purpose for other packs, with hand judgments committed before ingestion ran (see its README);
  its figures were seen while the matcher was changed, so they are partly tuned.
* **Untouched evaluation set** (`--untouched`, `bench/ingest_untouched/<pack>/`): eight documents
  for three more packs, judged and committed before anything ran on them, and run once at the
  end of the second matcher's change (see its README); the third change was developed with it
  in view, so it is now a seen set too.
* **Fresh set, now seen** (`--set bench/ingest_fresh`): fourteen documents for four more packs,
  run once each for the second and third matchers; the fourth change (negators, names, the rationale's
  words, window, three indicators per sentence, threshold 0.41) was tuned with it and the three sets above in view, so all four
  are seen sets now. ``bench/ingest_fresh2`` was run once for the third and fourth matchers; the fifth
  change's learned confidence (``tools/fit_ingest_confidence.py``) is fitted on all five sets, and that
  script prints each set's figures held out (the model fitted on the other four) beside these in-sample ones.
  ``bench/ingest_fresh3``, written blind while the fifth change was made, was run once for the fourth and
  once for the fifth matcher (its README has both runs); it is a seen set from now on: the sixth change
  (failed and planned contexts) was made with its errors in view, and its confidence is fitted on all six sets.
  ``bench/ingest_fresh4``, written blind while the sixth change was made, was run once for the fifth and once
  for the sixth matcher (its README has both runs); it is a seen set from now on. ``bench/ingest_fresh5``,
  written blind on 8 December, was run once for the sixth matcher (its README has the run); seen from then on.
* **Any other set** (`--set DIR`): a folder in the same format, one sub-folder per pack named as
  the pack under `scenarios/`, each holding its documents and a `judgments.yaml`. A fresh set is
  run this way, once, to report.

A proposal is right when its (indicator, state) is expected, ignored when it is only acceptable,
wrong otherwise; a **direction error** is a proposal whose indicator is expected with the other
state. Proposals are ranked as `foresight ingest` ranks them (expected impact).

Prints, per document and overall: proposals, precision, recall, direction errors among the
proposals accepted by default (`--all-above` at the README's suggested threshold), and precision
of the top 10.

    .venv/bin/python bench/ingest_recall.py               # the seen evaluation set, then the tuning set
    .venv/bin/python bench/ingest_recall.py --tuning      # the tuning set only
    .venv/bin/python bench/ingest_recall.py --untouched   # the untouched evaluation set only
    .venv/bin/python bench/ingest_recall.py --set bench/ingest_fresh   # any set in the same format
    .venv/bin/python bench/ingest_recall.py --set DIR --show           # and every proposal with its verdict

`--min-score X` reads candidates from another match score up (default: the confidence model's floor).
"""

from __future__ import annotations

import argparse
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


def _ranked(pack, doc, published: dt.date, min_score: float | None = None):
    """Proposals as `foresight ingest` orders them (the same functions, no pack written)."""
    from foresight.run.ingest import rank_proposals

    return rank_proposals(pack, doc, published, min_score=min_score)


def verdicts(proposals, expected: set[tuple[str, str]], acceptable: set[tuple[str, str]]) -> list[str]:
    """Each proposal's verdict: right, ignored (only acceptable), direction error, or wrong."""
    expected_indicators = {i for i, _ in expected}
    out = []
    for p in proposals:
        pair = (p.indicator, p.state)
        if pair in expected:
            out.append("right")
        elif pair in acceptable:
            out.append("ignored")
        else:
            out.append("direction" if p.indicator in expected_indicators else "wrong")
    return out


def judge(proposals, expected: set[tuple[str, str]], acceptable: set[tuple[str, str]], default_min: float) -> dict:
    """Counts for one document (see the module docstring)."""
    judged = verdicts(proposals, expected, acceptable)
    default = [v for p, v in zip(proposals, judged, strict=True) if p.accepted_by_default(default_min)]
    top = judged[:10]
    return {
        "expected": len(expected),
        "found": len(expected & {(p.indicator, p.state) for p in proposals}),
        "proposals": len(proposals),
        "right": judged.count("right"),
        "wrong": judged.count("wrong") + judged.count("direction"),
        "by_default": len(default),
        "direction_errors": default.count("direction"),
        "top10_right": top.count("right"),
        "top10_judged": sum(1 for v in top if v != "ignored"),
    }


def show(name: str, doc, proposals, expected: set[tuple[str, str]], acceptable: set[tuple[str, str]]) -> None:
    """Every proposal with its verdict, context and sentence, then the expected signs not found."""
    print(f"--- {name}")
    for p, verdict in zip(proposals, verdicts(proposals, expected, acceptable), strict=True):
        sentence = next(s for s in doc.sentences if (s.paragraph, s.number) == (p.paragraph, p.sentence))
        print(
            f"{verdict:<9} {p.indicator} {p.state}  score {p.score:.2f} confidence {p.confidence:.2f} "
            f"{p.context} ({p.direction}) [{p.cue}]\n          {' '.join(doc.sentence_text(sentence).split())}"
        )
    for indicator, state in sorted(expected - {(p.indicator, p.state) for p in proposals}):
        print(f"missed    {indicator} {state}")


def set_documents(eval_dir: Path = EVAL_DIR):
    """Each judged document of a set folder: (name, pack, text, published, expected, acceptable)."""
    from foresight import load_pack
    from foresight.pack.document_text import read_document

    for judgments in sorted(Path(eval_dir).glob("*/judgments.yaml")):
        if not (ROOT / "scenarios" / judgments.parent.name).is_dir():
            sys.exit(f"ingest_recall: {judgments.parent}: no pack scenarios/{judgments.parent.name} of that name")
        pack = load_pack(ROOT / "scenarios" / judgments.parent.name)
        for item in yaml.safe_load(judgments.read_text(encoding="utf-8"))["documents"]:
            published = dt.date.fromisoformat(str(item["published"]))
            doc = read_document(judgments.parent / item["file"])
            expected = {(e["indicator"], e["state"]) for e in item.get("expected", [])}
            acceptable = {(e["indicator"], e["state"]) for e in item.get("acceptable") or []}
            yield f"{judgments.parent.name[:12]}/{item['file']}", pack, doc, published, expected, acceptable


def tuning_documents(pack_dir: Path = SEED):
    """The seed pack's documents with their hand-coded evidence as judgments (indicator and state)."""
    from foresight import load_pack
    from foresight.pack.document_text import read_document

    pack = load_pack(pack_dir)
    for doc in pack.documents.values():
        if not doc.path or not (pack.dir / doc.path).is_file():
            continue
        coded = {(ev.indicator, _state(ev.state)) for ev in pack.evidence if ev.document == doc.id}
        if coded:
            yield doc.id, pack, read_document(pack.dir / doc.path), doc.published, coded, set()


def _tally(documents, min_score: float | None, verbose: bool) -> Tally:
    from foresight.pack.proposals import DEFAULT_ACCEPT_ABOVE

    tally = Tally()
    for name, pack, doc, published, expected, acceptable in documents:
        proposals = _ranked(pack, doc, published, min_score)
        if verbose:
            show(name, doc, proposals, expected, acceptable)
        tally.add(name, **judge(proposals, expected, acceptable, DEFAULT_ACCEPT_ABOVE))
    return tally


def evaluation_set(eval_dir: Path = EVAL_DIR, min_score: float | None = None, verbose: bool = False) -> Tally:
    return _tally(set_documents(eval_dir), min_score, verbose)


def tuning_set(pack_dir: Path = SEED, min_score: float | None = None, verbose: bool = False) -> Tally:
    return _tally(tuning_documents(pack_dir), min_score, verbose)


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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    chosen = parser.add_mutually_exclusive_group()
    chosen.add_argument("--set", type=Path, help="a folder of <pack>/judgments.yaml and documents")
    chosen.add_argument("--untouched", action="store_true", help=f"the same as --set {UNTOUCHED_DIR.relative_to(ROOT)}")
    chosen.add_argument("--tuning", action="store_true", help="the seed pack's documents only")
    parser.add_argument("--min-score", type=float, help="the score floor of candidates (default: the model's)")
    parser.add_argument("--show", action="store_true", help="print every proposal with its verdict")
    args = parser.parse_args(argv)
    chosen_dir = UNTOUCHED_DIR if args.untouched else args.set
    if chosen_dir is not None:
        if not any(Path(chosen_dir).glob("*/judgments.yaml")):
            parser.exit(2, f"ingest_recall: --set {chosen_dir}: no <pack>/judgments.yaml in it\n")
        tally = evaluation_set(chosen_dir, args.min_score, args.show)
        full = Path(chosen_dir).resolve()
        shown = full.relative_to(ROOT) if full.is_relative_to(ROOT) else full
        print_table(f"Evaluation set: {shown}", tally)
        return
    if not args.tuning:
        tally = evaluation_set(EVAL_DIR, args.min_score, args.show)
        print_table("Evaluation set, seen while tuning: bench/ingest_eval", tally)
    print_table(
        "Tuning set: the seed pack's documents and hand-coded evidence", tuning_set(SEED, args.min_score, args.show)
    )


if __name__ == "__main__":
    main(sys.argv[1:])
