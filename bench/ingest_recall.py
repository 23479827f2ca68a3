"""How well `foresight ingest` finds the seed pack's hand-coded evidence in its three documents.

For each seed document that has a text file, the pack's own evidence items give the
(document, indicator) pairs an analyst coded by hand. The document is read and matched as
`foresight ingest` does (without the pack's evidence), and this prints, per document and overall:
recall (hand-coded pairs among the proposals), precision (proposals that are hand-coded pairs)
and recall within the top 10 proposals by score.

    .venv/bin/python bench/ingest_recall.py [PACK]
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def measure(pack_dir: Path, min_score: float | None = None) -> dict[str, dict[str, float]]:
    from foresight import load_pack
    from foresight.pack.document_text import read_document
    from foresight.pack.proposals import DEFAULT_MIN_SCORE, find_proposals

    pack = load_pack(pack_dir)
    out: dict[str, dict[str, float]] = {}
    total = {"coded": 0, "found": 0, "proposed": 0, "right": 0, "top10": 0}
    for doc in pack.documents.values():
        if not doc.path or not (pack.dir / doc.path).is_file():
            continue
        coded = {ev.indicator for ev in pack.evidence if ev.document == doc.id}
        if not coded:
            continue
        proposals = find_proposals(pack, read_document(pack.dir / doc.path), min_score or DEFAULT_MIN_SCORE)
        proposed = {p.indicator for p in proposals}
        top10 = {p.indicator for p in proposals[:10]}
        right = sum(1 for p in proposals if p.indicator in coded)
        row = {
            "coded": len(coded),
            "proposals": len(proposals),
            "recall": len(coded & proposed) / len(coded),
            "precision": right / len(proposals) if proposals else 0.0,
            "recall_top10": len(coded & top10) / len(coded),
        }
        out[doc.id] = row
        total["coded"] += len(coded)
        total["found"] += len(coded & proposed)
        total["proposed"] += len(proposals)
        total["right"] += right
        total["top10"] += len(coded & top10)
    if total["coded"]:
        out["all"] = {
            "coded": total["coded"],
            "proposals": total["proposed"],
            "recall": total["found"] / total["coded"],
            "precision": total["right"] / max(total["proposed"], 1),
            "recall_top10": total["top10"] / total["coded"],
        }
    return out


def main() -> None:
    pack_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "scenarios" / "us-china-korea-2017-2019"
    rows = measure(pack_dir)
    if not rows:
        print(f"no document of {pack_dir} has both a text file and hand-coded evidence")
        return
    print(f"{'document':<36} {'coded':>5} {'props':>5} {'recall':>7} {'precision':>9} {'recall@10':>9}")
    for name, r in rows.items():
        print(
            f"{name:<36} {r['coded']:>5} {r['proposals']:>5} {r['recall']:>7.2f} {r['precision']:>9.2f} "
            f"{r['recall_top10']:>9.2f}"
        )


if __name__ == "__main__":
    main()
