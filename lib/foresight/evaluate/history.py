"""A question's forecast over time: one row per date on which what the analyst knew could change.

Steps. The forecast is recomputed at
  - the question's ``opens`` date (what was known when it opened),
  - every date inside its window on which a document of the pack was
    published (as the product brief asks: one step per document),
  - every date inside the window on which a piece of evidence bearing on the
    question starts to count. Evidence counts once its document is published
    AND its ``observed`` date has come (see :func:`foresight.model.evidence.observations_as_of`);
    validation allows ``observed`` after ``published``, so without these steps
    such evidence would show up only at some later, unrelated date (or never),
  - every date inside the window on which the outside view jumps (a decision point
    spent, a hazard clock starting, an event of the question's event log; see
    :func:`foresight.model.outside.outside_view_dates`),
  - every date on which a question's resolution starts to count for this one
    (``resolution``): an indicator observed from that resolution, or the
    question this one hinges on (``links.yaml`` hinges), on its ``resolved_on``,
  - every date on which evidence stops counting (``expiry``): the day AFTER its
    last valid day (``valid_until`` or the shelf life), the first day without it,
  - any dates the caller names (each must lie inside the window).
Evidence "bearing on" a hinged question includes the evidence on the question
it hinges on (it moves this forecast through that one).
Dates are sorted and deduplicated; ``reason`` says why each one is there.

The window of a history is [opens, end] with end the earlier of ``closes``
and ``resolved_on`` (:func:`history_end`): once the answer is known there is
nothing left to forecast, so no step (and no row of ``history.csv``) comes
after the resolution.

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

from foresight.model.evidence import Observation, Span, observation_spans
from foresight.model.forecasting import Forecast, forecast, parse_date
from foresight.model.outside import outside_view_dates
from foresight.pack.loader import Pack
from foresight.pack.schema import Evidence, Question, outcome_number

REASONS = ("opens", "document", "evidence", "resolution", "expiry", "outside view", "requested")
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
    "expired_evidence",
    "expired_evidence_ids",
    "documents_published",
    "what_changed",
    "converged",
    "diagnostics",
    "opens",
    "closes",
    "resolution",
    "resolved_on",
    "outcome",
]
"""Columns of :func:`forecast_history`, in order (documented there)."""

LIST_COLUMNS = ("new_evidence_ids", "new_document_ids", "expired_evidence_ids")
"""The history's list columns (the text columns beside them hold the same ids joined by :data:`SEP`)."""

ONE_DAY = dt.timedelta(days=1)

PATH_POINTS = 150
"""Days on the even grid of :func:`history_path` (step dates and the day before each are added)."""

PATH_COLUMNS = ["as_of", "mean", "p05", "p50", "p95", "base_rate_mean"]
"""Columns of :func:`history_path`."""

SEP = "; "
"""Separator of ids in the text columns (ids never contain it: they are [a-z0-9_-])."""


@dataclass(frozen=True)
class Step:
    """One date of a history, the forecast there, and what arrived since the step before."""

    as_of: dt.date
    reasons: tuple[str, ...]
    forecast: Forecast
    new_evidence: tuple[Span, ...]
    documents_published: tuple[str, ...]
    expired_evidence: tuple[Span, ...] = ()


def hinge_chain(pack: Pack, question: Question) -> list[Question]:
    """The questions ``question`` hinges on, nearest first (validated free of cycles)."""
    chain = []
    hinge = pack.hinge_of(question)
    while hinge is not None:
        chain.append(pack.question(hinge.on))
        hinge = pack.hinge_of(chain[-1])
    return chain


def relevant_spans(pack: Pack, question: Question, overrides: Mapping[str, Any] | None = None) -> list[Span]:
    """When each observation bearing on ``question`` counts: its indicators' evidence (and that of the
    questions it hinges on), then observations made from resolutions.

    Evidence an override removes (value None or 'remove') is left out, so the
    "arrived" columns agree with the forecast the overrides produce.
    """
    ids = {ind.id for q in [question, *hinge_chain(pack, question)] for ind in pack.indicators_for(q)}
    return observation_spans(pack, ids, overrides)


def relevant_evidence(pack: Pack, question: Question, overrides: Mapping[str, Any] | None = None) -> list[Evidence]:
    """Evidence records bearing on ``question`` (see :func:`relevant_spans`), in file order."""
    ids = {span.id for span in relevant_spans(pack, question, overrides)}
    return [ev for ev in pack.evidence if ev.id in ids]


def history_end(question: Question) -> dt.date:
    """The last day a history has steps: ``closes``, or ``resolved_on`` when the question resolved earlier."""
    if question.resolved_on is not None:
        return min(question.closes, question.resolved_on)
    return question.closes


def last_step_before_resolution(pack: Pack, question: Question) -> dt.date | None:
    """The last step of ``question``'s history strictly before it resolved (the last forecast a backtest
    scores); None while it is open or when it resolved on the day it opened."""
    if question.resolved_on is None:
        return None
    before = [when for when in history_dates(pack, question) if when < question.resolved_on]
    return before[-1] if before else None


def history_dates(
    pack: Pack, question: Question, extra_dates: Iterable[Any] = (), overrides: Mapping[str, Any] | None = None
) -> dict[dt.date, tuple[str, ...]]:
    """The step dates of ``question``'s history, sorted, each with its reasons (see the module docstring).

    Raises ValueError naming the date and the window when an extra date is
    unreadable or outside [opens, :func:`history_end`].
    """
    lo, hi = question.opens, history_end(question)
    reasons: dict[dt.date, set[str]] = {lo: {"opens"}}
    for doc in pack.documents.values():
        if lo <= doc.published <= hi:
            reasons.setdefault(doc.published, set()).add("document")
    for span in relevant_spans(pack, question, overrides):
        if lo <= span.starts <= hi:
            reasons.setdefault(span.starts, set()).add("evidence" if span.document else "resolution")
        if span.ends is not None and lo <= span.ends + ONE_DAY <= hi:
            reasons.setdefault(span.ends + ONE_DAY, set()).add("expiry")
    for parent in hinge_chain(pack, question):
        if parent.resolved_on is not None and lo <= parent.resolved_on <= hi:
            reasons.setdefault(parent.resolved_on, set()).add("resolution")
    for when in outside_view_dates(pack, question):
        if when <= hi:  # a decision point after the resolution has nothing left to move
            reasons.setdefault(when, set()).add("outside view")
    if isinstance(extra_dates, (str, dt.date)):
        extra_dates = [extra_dates]  # one date given bare: not to be iterated letter by letter
    for value in extra_dates:
        when = parse_date(value, "extra date")
        if not lo <= when <= hi:
            resolved = ", when it resolved" if hi < question.closes else ""
            raise ValueError(
                f"extra date {when} is outside the window of question '{question.id}' ({lo} to {hi}{resolved}); "
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
    spans = relevant_spans(pack, question, overrides)
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
        new = tuple(s for s in spans if s.counts_at(when) and (previous is None or not s.counts_at(previous)))
        gone = tuple(s for s in spans if previous is not None and s.counts_at(previous) and not s.counts_at(when))
        steps.append(Step(when, why, f, new, tuple(by_date.get(when, ())), gone))
        previous = when
    return steps


def standing_changes(
    before: Mapping[str, Observation], after: Mapping[str, Observation], indicators: Iterable[str]
) -> list[str]:
    """What changed in the evidence in force between two steps, one phrase per indicator of the model whose
    standing observation changed: it began to count, replaced another, or stopped counting. Evidence that
    arrived but does not stand (a less credible report of an indicator already seen) is not a change."""
    out = []
    for ind in indicators:
        old, new = before.get(ind), after.get(ind)
        old_id = old.evidence_id if old is not None else None
        new_id = new.evidence_id if new is not None else None
        if old_id == new_id:
            continue
        if old_id is None:
            out.append(f"{new_id} began to count ({ind})")
        elif new_id is None:
            out.append(f"{old_id} stopped counting ({ind} unobserved)")
        else:
            out.append(f"{new_id} replaced {old_id} ({ind})")
    return out


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
      expired_evidence / expired_evidence_ids: evidence that counted at the previous step and
      no longer does (its last valid day passed), the same two ways;
      documents_published: every pack document published on this very date,
      whether or not it bears on the question (for marking dates on plots);
      what_changed: how the evidence in force changed since the previous step, in words
      (:func:`standing_changes`; '' when no indicator's standing observation changed, e.g.
      new evidence that the credibility or replacement rule leaves without effect);
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
        before = steps[i - 1].forecast.observations if i else {}
        p05, p50, p95 = (float(v) for v in np.quantile(f.draws, [0.05, 0.5, 0.95]))
        ev_ids = [ev.id for ev in s.new_evidence]
        doc_ids = list(dict.fromkeys(ev.document for ev in s.new_evidence if ev.document is not None))
        gone_ids = [ev.id for ev in s.expired_evidence]
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
                "expired_evidence": SEP.join(gone_ids),
                "expired_evidence_ids": gone_ids,
                "documents_published": SEP.join(s.documents_published),
                "what_changed": SEP.join(standing_changes(before, f.observations, f.spec.indicators)),
                "converged": f.diagnostics.converged,
                "diagnostics": f.diagnostics.plain_words(),
                "opens": question.opens,
                "closes": question.closes,
                "resolution": question.resolution,
                "resolved_on": question.resolved_on,
                "outcome": outcome_number(question.resolution),
            }
        )
    frame = pd.DataFrame(rows, columns=HISTORY_COLUMNS)
    for col in ("as_of", "opens", "closes", "resolved_on"):
        frame[col] = pd.to_datetime(frame[col])
    return frame


def history_path(
    pack: Pack,
    question_id: str,
    step_dates: Iterable[Any],
    points: int = PATH_POINTS,
    seed: int | None = None,
    draws: int | None = None,
    **forecast_kwargs: Any,
) -> pd.DataFrame:
    """The forecast and its base rate on a fine grid of days over the history's window, from the same draws.

    Between two steps the evidence stands still but the window left shrinks, so a by-deadline forecast and its
    base rate decay day by day; the steps alone would draw that as a flat line and a drop on the last day. The
    grid is ``points`` even days, every step date (``step_dates``, e.g. the history's ``as_of``) and the day
    before each, so a jump is drawn where it happens. ``forecast_kwargs`` as for :func:`forecast_history`.
    """
    question = pack.question(question_id)
    if draws is not None:
        forecast_kwargs["draws"] = draws
    lo, hi = question.opens, history_end(question)
    steps = {pd.Timestamp(d).date() for d in step_dates}
    span = (hi - lo).days
    days = {lo + dt.timedelta(days=round(span * i / max(points - 1, 1))) for i in range(points)}
    days |= {d for s in steps for d in (s, s - ONE_DAY) if lo <= d <= hi}
    first = forecast(pack, question_id, as_of=lo, seed=seed, **forecast_kwargs)
    rows = []
    for day in sorted(days):
        g = first if day == lo else first.what_if(as_of=day)
        p05, p50, p95 = (float(v) for v in np.quantile(g.draws, [0.05, 0.5, 0.95]))
        rows.append(
            {"as_of": day, "mean": g.mean, "p05": p05, "p50": p50, "p95": p95, "base_rate_mean": g.base_rate_mean}
        )
    frame = pd.DataFrame(rows, columns=PATH_COLUMNS)
    frame["as_of"] = pd.to_datetime(frame["as_of"])
    return frame
