"""How far each proposed piece of evidence would move the forecasts: what accepting it would do.

The analyst's first question about a new document is which sentence matters most. Accepting a
proposal adds an evidence item; its effect is computed with the pack's own rules, so the number
shown is the number accepting gives: the item is added to a copy of the pack, and for every
question that uses its indicator and whose window meets the item's validity (questions that
open later included), the forecast on the first day the item counts is recomputed from that
question's stored posterior (no re-sampling) with and without it. A firmer sign already in the
pack that the replacement rule keeps standing therefore shows as no change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace

import pandas as pd

from foresight.model.evidence import evidence_span
from foresight.model.forecasting import forecast
from foresight.model.options import ModelOptions
from foresight.pack.loader import Pack
from foresight.pack.proposals import Proposal
from foresight.pack.schema import Document, Evidence, Question


def open_questions(pack: Pack, when: dt.date) -> list[Question]:
    """Questions whose window holds ``when`` (a document can only inform those)."""
    return [q for q in pack.questions.values() if q.opens <= when <= q.closes]


@dataclass(frozen=True)
class Shift:
    """One question's forecast before and after an evidence item, on the first day the item counts."""

    question_id: str
    counts_from: dt.date
    before: float
    after: float

    @property
    def shift(self) -> float:
        return self.after - self.before


def with_evidence(pack: Pack, items: Sequence[Evidence], document: Document | None = None) -> Pack:
    """A copy of ``pack`` holding ``items`` (and ``document`` when it is new), as accepting would write it."""
    documents = pack.documents if document is None else {**pack.documents, document.id: document}
    return replace(pack, evidence=(*pack.evidence, *items), documents=documents)


def evidence_effect(
    pack: Pack, items: Sequence[Evidence], document: Document | None = None, options: ModelOptions | None = None
) -> list[Shift]:
    """What adding ``items`` does to every question it can reach (see the module docstring)."""
    after_pack = with_evidence(pack, items, document)
    out = []
    spans = [evidence_span(after_pack, ev) for ev in items]
    for q in pack.questions.values():
        used = {i.id for i in pack.indicators_for(q)}
        starts = [
            max(span.starts, q.opens)
            for span in spans
            if span.indicator in used and (span.ends is None or span.ends >= q.opens) and span.starts <= q.closes
        ]
        if not starts:
            continue
        when = min(starts)
        before = forecast(pack, q.id, when, options)
        after = replace(before, pack=after_pack).what_if(as_of=when)
        out.append(Shift(q.id, when, before.mean, after.mean))
    return out


def proposed_evidence(proposal: Proposal, document: Document, credibility: float, observed: dt.date) -> Evidence:
    """The evidence item accepting ``proposal`` would write (its note is a placeholder)."""
    return Evidence(
        id=f"proposed-{proposal.indicator}",
        indicator=proposal.indicator,
        document=document.id,
        observed=observed,
        state=proposal.state,
        credibility=credibility,
        note="proposed",
    )


def with_impact(
    pack: Pack,
    proposals: Sequence[Proposal],
    document: Document,
    credibility: float,
    options: ModelOptions | None = None,
) -> list[Proposal]:
    """``proposals`` with what accepting each alone would do, by expected impact (confidence x largest shift)."""
    out = []
    for p in proposals:
        item = proposed_evidence(p, document, credibility, document.published)
        shifts = evidence_effect(pack, [item], document, options)
        moved = {s.question_id: s.shift for s in shifts}
        counts_from = {s.question_id: s.counts_from.isoformat() for s in shifts}
        impact = max((abs(v) for v in moved.values()), default=0.0)
        out.append(replace(p, shifts=moved, impact=impact, counts_from=counts_from))
    out.sort(key=Proposal.ranking_key)
    return out


def accepted_effect(
    pack: Pack,
    proposals: Sequence[Proposal],
    document: Document,
    credibility: float,
    options: ModelOptions | None = None,
) -> pd.DataFrame:
    """Each reachable question's forecast before and after accepting all ``proposals`` together.

    Several proposals of one indicator: the most confident stands (one observation per
    indicator and date, as in the model). Computed by :func:`evidence_effect`, so the numbers
    are what accepting writes, questions that open later included.
    """
    best: dict[str, Proposal] = {}
    for p in sorted(proposals, key=lambda p: (-p.confidence, -p.score, p.id)):
        best.setdefault(p.indicator, p)
    items = [proposed_evidence(p, document, credibility, document.published) for p in best.values()]
    columns = ["question_id", "title", "counts_from", "before", "after", "shift"]
    rows = [
        {
            "question_id": s.question_id,
            "title": pack.questions[s.question_id].title,
            "counts_from": s.counts_from.isoformat(),
            "before": s.before,
            "after": s.after,
            "shift": s.shift,
        }
        for s in (evidence_effect(pack, items, document, options) if items else [])
    ]
    return pd.DataFrame(rows, columns=columns)
