"""How far each proposed piece of evidence would move the forecasts, from stored draws.

The analyst's first question about a new document is which sentence matters most. Accepting a
proposal adds an observation of its indicator at the document's date; its effect on every open
question that uses the indicator is a what-if on that question's stored posterior (no
re-sampling), so a whole document's proposals are ranked in milliseconds once the posteriors
are cached.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace

import pandas as pd

from foresight.model.forecasting import Forecast, forecast
from foresight.model.options import ModelOptions
from foresight.pack.loader import Pack
from foresight.pack.proposals import Proposal
from foresight.pack.schema import Question


def open_questions(pack: Pack, when: dt.date) -> list[Question]:
    """Questions whose window holds ``when`` (a document can only inform those)."""
    return [q for q in pack.questions.values() if q.opens <= when <= q.closes]


def baseline_forecasts(pack: Pack, when: dt.date, options: ModelOptions | None = None) -> dict[str, Forecast]:
    """Each open question's forecast at ``when`` before the document's evidence (cached posteriors)."""
    return {q.id: forecast(pack, q.id, when, options) for q in open_questions(pack, when) if pack.indicators_for(q)}


def observation(proposal: Proposal, credibility: float) -> dict[str, object]:
    return {"state": proposal.state, "credibility": credibility}


def with_impact(proposals: Sequence[Proposal], baselines: dict[str, Forecast], credibility: float) -> list[Proposal]:
    """``proposals`` with their shift per question and largest absolute shift, largest first."""
    out = []
    for p in proposals:
        shifts = {}
        for qid, f in baselines.items():
            if p.indicator in f.spec.indicators:
                moved = f.what_if({p.indicator: observation(p, credibility)})
                shifts[qid] = float(moved.mean - f.mean)
        impact = max((abs(v) for v in shifts.values()), default=0.0)
        out.append(replace(p, shifts=shifts, impact=impact))
    out.sort(key=lambda p: (-p.impact, -p.score, p.id))
    return out


def accepted_effect(proposals: Sequence[Proposal], baselines: dict[str, Forecast], credibility: float) -> pd.DataFrame:
    """Each question's forecast before and after accepting all ``proposals`` together.

    Several proposals of one indicator: the one with the highest score stands (as one
    observation per indicator and date does in the model).
    """
    best: dict[str, Proposal] = {}
    for p in sorted(proposals, key=lambda p: (-p.score, p.id)):
        best.setdefault(p.indicator, p)
    rows = []
    for qid, f in baselines.items():
        overrides = {ind: observation(p, credibility) for ind, p in best.items() if ind in f.spec.indicators}
        after = f.what_if(overrides) if overrides else f
        rows.append(
            {
                "question_id": qid,
                "title": f.question.title,
                "before": f.mean,
                "after": after.mean,
                "shift": after.mean - f.mean,
                "n_proposals": len(overrides),
            }
        )
    return pd.DataFrame(rows, columns=["question_id", "title", "before", "after", "shift", "n_proposals"])
