"""What `ingest.ipynb` shows: a document's proposals beside their sentences, their impact, and the
forecasts before and after accepting the strong ones.

The sentences are read from the document file at display time (the pack keeps only their place).
Every table is rendered with HTML escaping, so document and pack text never becomes markup.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from foresight.evaluate.impact import accepted_effect
from foresight.model.options import ModelOptions
from foresight.pack.document_text import DocumentReadError, DocumentText, read_document
from foresight.pack.inside import OutsidePack, pack_file
from foresight.pack.loader import Pack
from foresight.pack.proposals import PROPOSALS_DIR, IngestError, Proposal, read_proposals
from foresight.report import style


@dataclass(frozen=True)
class Review:
    """One document's proposals, with its text when the file can still be read."""

    pack: Pack
    document_id: str
    published: dt.date
    proposals: list[Proposal]
    text: DocumentText | None
    note: str | None


def load_review(pack: Pack, document_id: str | None = None) -> Review:
    """The proposals of ``document_id`` (default: the most recently written proposals file)."""
    folder = pack.dir / PROPOSALS_DIR
    if document_id is None:
        files = sorted(folder.glob("*.yaml"), key=lambda p: (p.stat().st_mtime, p.name)) if folder.is_dir() else []
        if not files:
            raise IngestError(f"{folder}: no proposals yet; run `foresight ingest {pack.dir} FILE --published DATE`")
        document_id = files[-1].stem
    data, proposals = read_proposals(pack.dir, document_id)
    text, note = None, None
    try:  # only a regular file inside the pack: a shared pack must not show a local file
        text = read_document(pack_file(pack.dir, data.file, f"proposals/{document_id}.yaml: file"))
    except (DocumentReadError, OutsidePack, FileNotFoundError) as exc:
        note = f"the document's text is not available here ({exc}); sentences are not shown"
    return Review(pack, document_id, data.published, proposals, text, note)


def _signed(value: float) -> str:
    return f"{value * 100:+.1f} pts"


def sentence_of(review: Review, p: Proposal) -> str:
    if review.text is None:
        return ""
    return review.text.text[p.start : p.end].strip()


def _largest(p: Proposal) -> str:
    if not p.shifts:
        return "no question moves"
    qid, value = max(p.shifts.items(), key=lambda kv: abs(kv[1]))
    return f"{_signed(value)} ({qid}, from {p.counts_from.get(qid, '?')})"


def proposals_frame(review: Review) -> pd.DataFrame:
    """One row per proposal, by expected impact: confidence, largest signed shift, context and the sentence."""
    rows = []
    for p in review.proposals:
        rows.append(
            {
                "id": p.id,
                "status": p.status,
                "indicator": p.indicator,
                "state": p.state,
                "direction": p.direction,
                "context": p.context,
                "confidence": round(p.confidence, 2),
                "largest shift": _largest(p),
                "expected impact": f"{p.expected_impact * 100:.1f} pts",
                "where": f"paragraph {p.paragraph}, sentence {p.sentence}",
                "sentence": sentence_of(review, p),
                "matched terms": p.cue,
            }
        )
    return pd.DataFrame(rows).fillna("")


def impact_frame(review: Review) -> pd.DataFrame:
    """Proposal x question: the shift of each question's probability if that proposal alone were accepted,
    on the first day it would count for that question (questions opening later included)."""
    rows = [
        {
            "proposal": p.id,
            "indicator": p.indicator,
            "question_id": q,
            "counts from": p.counts_from.get(q, ""),
            "shift": _signed(v),
        }
        for p in review.proposals
        for q, v in p.shifts.items()
    ]
    return pd.DataFrame(rows, columns=["proposal", "indicator", "question_id", "counts from", "shift"])


def effect_of_accepting(review: Review, min_score: float, options: ModelOptions | None = None) -> pd.DataFrame:
    """Forecasts before and after accepting what ``--all-above min_score`` would accept."""
    chosen = [p for p in review.proposals if p.accepted_by_default(min_score)]
    document = review.pack.documents[review.document_id]
    return accepted_effect(review.pack, chosen, document, review.pack.meta.default_credibility, options)


def effect_figure(effect: pd.DataFrame, title: str):
    """Before -> after per question, as arrows on a 0-100% axis."""
    fig, ax = plt.subplots(figsize=(8, 0.5 + 0.45 * max(len(effect), 1)), layout="constrained")
    for i, row in enumerate(effect.itertuples()):
        ax.annotate(
            "",
            xy=(row.after, i),
            xytext=(row.before, i),
            arrowprops={"arrowstyle": "->", "color": style.YES if row.after >= row.before else style.NO, "lw": 2},
        )
        ax.plot([row.before], [i], "o", color=style.NEUTRAL)
    ax.set_yticks(range(len(effect)), [str(q) for q in effect["question_id"]])
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.invert_yaxis()
    ax.set_xlabel("forecast probability (grey dot: before; arrow: after accepting)")
    ax.set_title(title, loc="left", fontsize=10)
    return fig


def escaped_html(frame: pd.DataFrame) -> str:
    """The frame as an HTML table with every cell escaped."""
    return frame.to_html(index=False, escape=True, border=0)


def proposals_folder(pack_dir: Path) -> Path:
    return Path(pack_dir) / PROPOSALS_DIR
