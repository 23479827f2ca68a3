"""A question's forecast over time: one row per date on which what the analyst knew could change.

Steps. The forecast is recomputed at
  - the question's ``opens`` date (what was known when it opened),
  - every date inside [opens, closes] on which a document of the pack was
    published (as the product brief asks: one step per document),
  - every date inside the window on which a piece of evidence bearing on the
    question starts to count. Evidence counts once its document is published
    AND its ``observed`` date has come (see :func:`foresight.model.evidence.observations_as_of`);
    validation allows ``observed`` after ``published``, so without these steps
    such evidence would show up only at some later, unrelated date (or never),
  - every date inside the window on which the outside view jumps (a decision point
    spent, a hazard clock starting, an event of the question's event log; see
    :func:`foresight.model.outside.outside_view_dates`),
  - any dates the caller names (each must lie inside the window).
Dates are sorted and deduplicated; ``reason`` says why each one is there.

One posterior. The posterior over the model's weights depends on priors and
reference-class cases only, never on the question's own evidence or date
(see :mod:`foresight.model.forecasting`). So the history calls :func:`forecast`
once, at ``opens``, and gets every other step with ``what_if(as_of=...)``
from the same stored draws: a whole history costs about one forecast, and
every step shares the same Monte Carlo noise, so a move between two steps is
the evidence (or the shrinking window), never resampling.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from foresight.model.forecasting import Forecast, forecast, parse_date
from foresight.model.outside import outside_view_dates
from foresight.pack.loader import Pack
from foresight.pack.schema import Evidence, Question

REASONS = ("opens", "document", "evidence", "outside view", "requested")
"""Why a date is a step, in the order they are listed in the ``reason`` column."""

HISTORY_COLUMNS = [
    "question_id",
    "step",
    "as_of",
    "reason",
    "mean",
    "p05",
    "p50",
    "p95",
    "base_rate_mean",
    "n_observed",
    "new_evidence",
    "new_documents",
    "new_evidence_ids",
    "new_document_ids",
    "documents_published",
    "converged",
    "diagnostics",
    "opens",
    "closes",
    "resolution",
    "resolved_on",
    "outcome",
]
"""Columns of :func:`forecast_history`, in order (documented there)."""

SEP = "; "
"""Separator of ids in the text columns (ids never contain it: they are [a-z0-9_-])."""


@dataclass(frozen=True)
class Step:
    """One date of a history, the forecast there, and what arrived since the step before."""

    as_of: dt.date
    reasons: tuple[str, ...]
    forecast: Forecast
    new_evidence: tuple[Evidence, ...]
    documents_published: tuple[str, ...]


def _counts_at(ev: Evidence, pack: Pack, when: dt.date) -> bool:
    """The rule of :func:`foresight.model.evidence.observations_as_of`: published and observed by ``when``."""
    return pack.documents[ev.document].published <= when and ev.observed <= when


def _effective(ev: Evidence, pack: Pack) -> dt.date:
    """The first date on which ``ev`` counts."""
    return max(pack.documents[ev.document].published, ev.observed)


def relevant_evidence(pack: Pack, question: Question, overrides: Mapping[str, Any] | None = None) -> list[Evidence]:
    """Evidence records bearing on ``question`` (their indicator has a likelihood ratio for it), in file order.

    Evidence an override removes (value None or 'remove') is left out, so the
    "arrived" columns agree with the forecast the overrides produce.
    """
    ids = {ind.id for ind in pack.indicators_for(question)}
    overrides = overrides or {}
    removed = {key for key, value in overrides.items() if value is None or value == "remove"}
    return [ev for ev in pack.evidence if ev.indicator in ids and ev.id not in removed]


def history_dates(
    pack: Pack, question: Question, extra_dates: Iterable[Any] = (), overrides: Mapping[str, Any] | None = None
) -> dict[dt.date, tuple[str, ...]]:
    """The step dates of ``question``'s history, sorted, each with its reasons (see the module docstring).

    Raises ValueError naming the date and the window when an extra date is
    unreadable or outside [opens, closes].
    """
    lo, hi = question.opens, question.closes
    reasons: dict[dt.date, set[str]] = {lo: {"opens"}}
    for doc in pack.documents.values():
        if lo <= doc.published <= hi:
            reasons.setdefault(doc.published, set()).add("document")
    for ev in relevant_evidence(pack, question, overrides):
        when = _effective(ev, pack)
        if lo <= when <= hi:
            reasons.setdefault(when, set()).add("evidence")
    for when in outside_view_dates(pack, question):
        reasons.setdefault(when, set()).add("outside view")
    if isinstance(extra_dates, (str, dt.date)):
        extra_dates = [extra_dates]  # one date given bare: not to be iterated letter by letter
    for value in extra_dates:
        when = parse_date(value, "extra date")
        if not lo <= when <= hi:
            raise ValueError(
                f"extra date {when} is outside the window of question '{question.id}' ({lo} to {hi}); "
                "a history only has forecasts while the question is open, so choose dates in that range"
            )
        reasons.setdefault(when, set()).add("requested")
    return {when: tuple(r for r in REASONS if r in reasons[when]) for when in sorted(reasons)}


def history_steps(
    pack: Pack,
    question_id: str,
    extra_dates: Iterable[Any] = (),
    *,
    seed: int | None = None,
    draws: int | None = None,
    **forecast_kwargs: Any,
) -> list[Step]:
    """The :class:`Step` objects behind :func:`forecast_history` (all sharing one posterior)."""
    if "as_of" in forecast_kwargs:
        raise TypeError("forecast_history chooses its own dates; pass extra_dates instead of as_of")
    question = pack.question(question_id)
    overrides = forecast_kwargs.get("overrides")
    dates = history_dates(pack, question, extra_dates, overrides)
    evidence = relevant_evidence(pack, question, overrides)
    if draws is not None:
        forecast_kwargs["draws"] = draws
    first = forecast(pack, question_id, as_of=question.opens, seed=seed, **forecast_kwargs)
    by_date: dict[dt.date, list[str]] = {}
    for doc in pack.documents.values():
        by_date.setdefault(doc.published, []).append(doc.id)
    steps: list[Step] = []
    previous: dt.date | None = None
    for when, why in dates.items():
        f = first if when == first.as_of else first.what_if(as_of=when)
        new = tuple(
            ev
            for ev in evidence
            if _counts_at(ev, pack, when) and (previous is None or not _counts_at(ev, pack, previous))
        )
        steps.append(Step(when, why, f, new, tuple(by_date.get(when, ()))))
        previous = when
    return steps


def _outcome(question: Question) -> float:
    return {"yes": 1.0, "no": 0.0}.get(question.resolution or "", np.nan)


def forecast_history(
    pack: Pack,
    question_id: str,
    extra_dates: Iterable[Any] = (),
    seed: int | None = None,
    draws: int | None = None,
    **forecast_kwargs: Any,
) -> pd.DataFrame:
    """The forecast of ``question_id`` at each step of its history, one row per date.

    ``draws`` (total posterior draws) defaults to :func:`foresight.forecast`'s own
    default, so a history reuses the cached posterior of the forecasts a
    report shows. ``forecast_kwargs`` go to :func:`foresight.forecast` (``discount_groups``,
    ``learn_from_cases``, ``overrides``, ``tune``, ``cache_dir``, ...); overrides
    apply at every step. Passing ``as_of`` is an error: the history picks the dates.

    Columns:
      question_id, step (0, 1, ...), as_of (datetime64), reason ('opens', 'document',
      'evidence', 'requested'; several joined by '; ');
      mean, p05, p50, p95 (the forecast's mean and 5/50/95% quantiles of its draws),
      base_rate_mean (outside view alone, scaled to the window left at as_of);
      n_observed (indicators with a standing observation);
      new_evidence / new_documents (ids joined by '; ', '' when none) and
      new_evidence_ids / new_document_ids (the same as lists): evidence bearing
      on the question that counts at this step and did not at the previous one
      (at step 0: everything known when the question opened), and its documents;
      documents_published: every pack document published on this very date,
      whether or not it bears on the question (for marking dates on plots);
      converged, diagnostics: the posterior's convergence flag and its plain-words line
      (the same on every row: one posterior);
      opens, closes, resolution ('yes'/'no'/None), resolved_on (NaT when open),
      outcome (1.0 / 0.0 / NaN) — for plotting and scoring.
    """
    steps = history_steps(pack, question_id, extra_dates, seed=seed, draws=draws, **forecast_kwargs)
    question = pack.question(question_id)
    rows = []
    for i, s in enumerate(steps):
        f = s.forecast
        p05, p50, p95 = (float(v) for v in np.quantile(f.draws, [0.05, 0.5, 0.95]))
        ev_ids = [ev.id for ev in s.new_evidence]
        doc_ids = list(dict.fromkeys(ev.document for ev in s.new_evidence))
        rows.append(
            {
                "question_id": question.id,
                "step": i,
                "as_of": s.as_of,
                "reason": SEP.join(s.reasons),
                "mean": f.mean,
                "p05": p05,
                "p50": p50,
                "p95": p95,
                "base_rate_mean": f.base_rate_mean,
                "n_observed": sum(1 for ind in f.spec.indicators if ind in f.observations),
                "new_evidence": SEP.join(ev_ids),
                "new_documents": SEP.join(doc_ids),
                "new_evidence_ids": ev_ids,
                "new_document_ids": doc_ids,
                "documents_published": SEP.join(s.documents_published),
                "converged": f.diagnostics.converged,
                "diagnostics": f.diagnostics.plain_words(),
                "opens": question.opens,
                "closes": question.closes,
                "resolution": question.resolution,
                "resolved_on": question.resolved_on,
                "outcome": _outcome(question),
            }
        )
    frame = pd.DataFrame(rows, columns=HISTORY_COLUMNS)
    for col in ("as_of", "opens", "closes", "resolved_on"):
        frame[col] = pd.to_datetime(frame[col])
    return frame
