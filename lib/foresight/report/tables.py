"""The tables the notebooks show, as pandas DataFrames built from a pack or a forecast.

Kept out of the notebooks so every number a report shows can be produced, and
tested, from the library alone. Column names are the readers' words; ids stay
ids so a reader can find the record in the pack's YAML.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from foresight.evaluate.sensitivity import without_evidence
from foresight.model.evidence import observations_as_of
from foresight.model.forecasting import Forecast
from foresight.model.outside import Component, class_cases, components, source_summary
from foresight.model.priors import clock_start, event_log_gamma, log_lr_normal, uses_plain_clock, window_years
from foresight.pack.loader import Pack
from foresight.pack.schema import Case, ReferenceClass, outcome_number
from foresight.report import escape
from foresight.report.style import NO_RGB, YES_RGB

NEUTRAL_LR = 1.25
"""Likelihood ratios between 1/1.25 and 1.25 are shown as neutral: too weak to move a forecast much."""


# --- the pack at a glance ------------------------------------------------------------


def documents(pack: Pack) -> pd.DataFrame:
    """One row per document, oldest first, with how many evidence items and questions come from it."""
    evidence_count = pd.Series([ev.document for ev in pack.evidence]).value_counts()
    raised: dict[str, list[str]] = {}
    for q in pack.questions.values():
        for doc in q.raised_by:
            raised.setdefault(doc, []).append(q.id)
    rows = [
        {
            "document": doc.id,
            "published": doc.published,
            "title": doc.title,
            "author": doc.author,
            "outlet": doc.outlet,
            "evidence items": int(evidence_count.get(doc.id, 0)),
            "questions raised": len(raised.get(doc.id, [])),
        }
        for doc in pack.documents.values()
    ]
    return pd.DataFrame(rows).sort_values("published", kind="stable").reset_index(drop=True)


def questions(pack: Pack) -> pd.DataFrame:
    """One row per question: family, window and (once known) resolution."""
    rows = [
        {
            "question": q.id,
            "title": q.title,
            "family": q.family,
            "kind": q.kind,
            "opens": q.opens,
            "closes": q.closes,
            "resolution": q.resolution or "",
            "resolved on": q.resolved_on or "",
        }
        for q in pack.questions.values()
    ]
    return pd.DataFrame(rows)


def evidence_by_document(pack: Pack, as_of: dt.date | None = None) -> dict[str, pd.DataFrame]:
    """Per document (oldest first), its evidence items; ``stands`` marks the observation in force at ``as_of``."""
    standing = {obs.evidence_id for obs in observations_as_of(pack, as_of or dt.date.max).values()}
    out: dict[str, pd.DataFrame] = {}
    for doc in sorted(pack.documents.values(), key=lambda d: d.published):
        rows = [
            {
                "evidence": ev.id,
                "indicator": ev.indicator,
                "observed": ev.observed,
                "state": ev.state,
                "credibility": ev.credibility,
                "stands": ev.id in standing,
                "where in the document": ev.note,
            }
            for ev in pack.evidence
            if ev.document == doc.id
        ]
        out[doc.id] = pd.DataFrame(
            rows,
            columns=["evidence", "indicator", "observed", "state", "credibility", "stands", "where in the document"],
        )
    return out


def log_lr_matrix(pack: Pack) -> pd.DataFrame:
    """log of each indicator's elicited LR (the interval's geometric centre) per question; NaN where it does not bear.

    Rows are sorted by diagnosticity: the largest |log LR| over questions first,
    as Analysis of Competing Hypotheses puts the evidence that discriminates on top.
    """
    data = {}
    for ind in pack.indicators.values():
        row = {}
        for q in pack.questions.values():
            interval = pack.lr_interval(ind, q)
            row[q.id] = log_lr_normal(interval)[0] if interval is not None else np.nan
        data[ind.id] = row
    frame = pd.DataFrame.from_dict(data, orient="index", columns=list(pack.questions))
    order = frame.abs().max(axis=1).fillna(0.0).sort_values(ascending=False, kind="stable").index
    return frame.loc[order]


def strength_symbol(log_lr: float) -> str:
    """Direction and strength of a likelihood ratio: ▲ for yes, ▼ for no, one to three by size; · near 1."""
    if log_lr is None or (isinstance(log_lr, float) and math.isnan(log_lr)):
        return ""
    size = abs(log_lr)
    if size < math.log(NEUTRAL_LR):
        return "·"
    arrows = 1 if size < math.log(2.0) else 2 if size < math.log(4.0) else 3
    return ("▲" if log_lr > 0 else "▼") * arrows


def ach_matrix(pack: Pack, as_of: dt.date | None = None) -> pd.DataFrame:
    """The indicator × question matrix, ACH style: a symbol and the LR's centre per cell, most diagnostic first.

    ``seen`` gives the indicator's standing observation at ``as_of`` (all evidence
    when None), so a reader sees which rows are actually in play.
    """
    logs = log_lr_matrix(pack)
    standing = observations_as_of(pack, as_of or dt.date.max)
    cells = logs.map(lambda v: "" if pd.isna(v) else f"{strength_symbol(v)} {math.exp(v):.2g}")
    cells.insert(0, "group", [pack.indicators[i].group for i in logs.index])
    cells.insert(1, "seen", [_seen(standing.get(i)) for i in logs.index])
    cells.insert(2, "diagnosticity", logs.abs().max(axis=1).round(2).values)
    cells.index.name = "indicator"
    return cells


def _seen(obs: Any) -> str:
    if obs is None:
        return "not seen"
    state = obs.state if isinstance(obs.state, str) else f"strength {obs.state:g}"
    return f"{state} (cred. {obs.credibility:g})"


def style_ach(matrix: pd.DataFrame, logs: pd.DataFrame) -> Any:
    """The ACH table coloured by log LR (green for yes, red for no), for notebooks and the HTML export."""
    limit = float(np.nanmax(np.abs(logs.values))) if np.isfinite(logs.values).any() else 1.0

    def colour(column: pd.Series) -> list[str]:
        if column.name not in logs.columns:
            return [""] * len(column)
        out = []
        for v in logs[column.name].reindex(column.index):
            if pd.isna(v):
                out.append("")
                continue
            share = min(abs(v) / limit, 1.0) * 0.75
            rgb = YES_RGB if v > 0 else NO_RGB
            out.append(f"background-color: rgba({rgb[0]}, {rgb[1]}, {rgb[2]}, {share:.2f}); text-align: center")
        return out

    styles = [{"selector": "td, th", "props": [("white-space", "nowrap"), ("font-size", "11px")]}]
    return escape.styler(matrix, precision=2).apply(colour, axis=0).set_table_styles(styles)


# --- one forecast ------------------------------------------------------------------------


def used_cases(f: Forecast) -> list[Case]:
    """The reference-class cases the model of ``f`` learned from, in class order (those dated before ``opens``).

    Read from the model spec (``case_names``, a subsequence of the class's cases),
    not re-derived, so a report can never disagree with what the model used.
    """
    names = list(f.spec.case_names)
    out, i = [], 0
    for case in f.reference_class.cases:
        if i < len(names) and case.name == names[i]:
            out.append(case)
            i += 1
    return out


def reference_cases(rc: ReferenceClass, f: Forecast | None = None) -> pd.DataFrame:
    """The reference class's cases with outcome, source and any indicator codings.

    Given the forecast ``f``, a ``used`` column says which cases its model learned
    from: a case dated on or after the question's ``opens`` is "not used" (the
    forecaster could not have known how it ended), so the table cannot look like a leak.
    """
    used = {id(c) for c in used_cases(f)} if f is not None else None
    rows = []
    for case in rc.cases:
        row = {
            "case": case.name,
            "date": case.date,
            "outcome": case.outcome,
            "coded indicators": ", ".join(f"{k}: {v}" for k, v in case.indicators.items()),
            "source": case.source,
        }
        if used is not None:
            row["used"] = "yes" if id(case) in used else f"not used: on or after opens ({f.question.opens})"
        rows.append(row)
    return pd.DataFrame(rows)


def outside_view(f: Forecast) -> pd.DataFrame:
    """The outside view in numbers: class counts, rate per period, and the base rate for this window
    (with several sources, or none of them a class, the side-by-side :func:`outside_view_sources`)."""
    if f.spec.is_mixture:
        return outside_view_sources(f)
    rc = f.reference_class
    used = used_cases(f)
    yes = int(sum(outcome_number(c.outcome) for c in used))
    lo, hi = np.quantile(f.base_draws, [0.05, 0.95])
    rows = [
        ("reference class", rc.id),
        ("cases used (yes / used)", f"{yes} / {len(used)}"),
        ("cases not used (dated on or after opens)", f"{len(rc.cases) - len(used)}"),
        ("relevance weight", f"{rc.relevance:g}"),
        ("rate per case or exposure period (posterior mean)", f"{float(np.mean(f.posterior.theta)):.3f}"),
    ]
    if f.question.kind == "by_deadline":
        start = max(f.as_of, f.question.opens)
        years = window_years(f.question, f.as_of)
        rows += [
            ("exposure period of the class", f"{rc.exposure_years:g} years"),
            ("window left at as_of", f"{years:.2f} years ({start} to {f.question.closes})"),
        ]
    if f.question.reference_classes is not None:  # a filtered class or a relevance for this question
        rows[1] = (
            "cases used (yes / all, dated before opens, filtered)",
            f"{sum(f.spec.case_y)} / {len(f.spec.case_y)}",
        )
        rows[2] = ("relevance weight (for this question)", f"{f.spec.relevance:g}")
    if rc.missing is not None:
        rows.insert(2, ("known missing cases (added to the counts)", _missing_text(rc)))
    if rc.outcome_criterion is not None:
        rows.insert(1, ("what counts as yes in this class", rc.outcome_criterion))
    if f.question.kind == "by_deadline" and not uses_plain_clock(f.question):
        rows.append(("hazard over the window", describe_hazard(f)))
    rows += [("base rate for this question (mean, 90% interval)", f"{f.base_rate_mean:.3f} ({lo:.3f} to {hi:.3f})")]
    return pd.DataFrame(rows, columns=["", "value"]).set_index("")


def _missing_text(rc: ReferenceClass) -> str:
    m = rc.missing
    assert m is not None
    return f"{m.successes:g} yes, {m.failures:g} no: {m.note}"


def contributions(f: Forecast) -> pd.DataFrame:
    """Each indicator's evidence and log-odds shift, biggest mover first, with the LR it implies."""
    frame = f.contributions.copy()
    frame["shift as LR (mean)"] = np.exp(frame["shift_mean"])
    frame = frame.rename(
        columns={
            "lr_prior_median": "elicited LR (centre)",
            "x": "evidence weight x",
            "shift_mean": "log-odds shift",
            "shift_p05": "shift p05",
            "shift_p95": "shift p95",
        }
    )
    frame = frame[
        [
            "indicator",
            "group",
            "observed",
            "evidence_id",
            "state",
            "credibility",
            "evidence weight x",
            "elicited LR (centre)",
            "log-odds shift",
            "shift p05",
            "shift p95",
            "shift as LR (mean)",
        ]
    ]
    return frame.round(3)


def forecast_summary(f: Forecast) -> pd.DataFrame:
    """The forecast as a one-column table: mean, interval, base rate, resolution."""
    row = f.summary_row()
    items = {
        "question": row["question_id"],
        "as of": row["as_of"],
        "probability (mean)": f"{row['mean']:.3f}",
        "90% interval": f"{row['p05']:.3f} to {row['p95']:.3f}",
        "median": f"{row['p50']:.3f}",
        "base rate (mean)": f"{row['base_rate_mean']:.3f}",
        "resolution": row["resolution"] or "not known",
        "converged": "yes" if row["converged"] else "NO",
    }
    return pd.DataFrame({"value": items})


def forecast_rows_table(forecasts: Iterable[Forecast]) -> pd.DataFrame:
    """The rows result files and ``forecasts.csv`` hold (:meth:`Forecast.summary_row`), as a table."""
    return pd.DataFrame([f.summary_row() for f in forecasts])


# --- many forecasts ----------------------------------------------------------------------


def scenarios(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Summary rows side by side, with the shift from base rate to forecast and the Brier score once resolved."""
    frame = pd.DataFrame(list(rows))
    if frame.empty:
        return frame
    frame["shift"] = frame["mean"] - frame["base_rate_mean"]
    outcome = frame["resolution"].map(outcome_number)
    frame["brier"] = (frame["mean"] - outcome) ** 2
    cols = [
        "question_id",
        "family",
        "as_of",
        "base_rate_mean",
        "mean",
        "p05",
        "p95",
        "shift",
        "resolution",
        "brier",
        "converged",
    ]
    return frame[[c for c in cols if c in frame.columns]].round(3)


def without_each(f: Forecast) -> pd.DataFrame:
    """What-if: the forecast with each standing piece of evidence removed in turn, from the stored draws.

    Shows how much of the forecast rests on one sign: a large change means a
    single report carries the answer, and is worth checking first. The rows are
    :func:`foresight.evaluate.sensitivity.without_evidence`, the definition the
    tornado's orange bars and the headline use too; the column "then counts"
    names the item of the same indicator that stands once this one is removed.
    """
    rows = without_evidence(f)
    frame = pd.DataFrame(
        {
            "evidence removed": rows["evidence"],
            "observed": rows["observed"],
            "indicator": rows["indicator"],
            "then counts": rows["then_stands"].replace("", "nothing (indicator unobserved)"),
            "forecast without it": rows["without"],
            "change": rows["change"],
        }
    )
    return frame.round(3)


def lr_long(pack: Pack) -> list[dict[str, Any]]:
    """The indicator × question matrix as rows (indicator, question, LR centre, 90% interval) for result files."""
    rows = []
    for ind in pack.indicators.values():
        for q in pack.questions.values():
            interval = pack.lr_interval(ind, q)
            if interval is not None:
                rows.append(
                    {
                        "indicator": ind.id,
                        "group": ind.group,
                        "question_id": q.id,
                        "lr_centre": math.sqrt(interval.lo * interval.hi),
                        "lr_lo": interval.lo,
                        "lr_hi": interval.hi,
                    }
                )
    return rows


# --- the outside view's sources (several classes, analyst prior, event log, hazard) ---------------


def describe_hazard(f: Forecast) -> str:
    """The question's hazard in words: shape, decision points, clock start (and whether it has started)."""
    q = f.question
    if q.kind == "one_shot":
        return "none (a one-shot question has no window over which a rate accrues)"
    h = q.hazard
    if h is None or uses_plain_clock(q):
        return "constant over the window (the rate accrues evenly)"
    parts = []
    if h.shape != "constant":
        parts.append(f"{h.shape} (hazard at the end {h.ratio:g} times that at the start)")
    else:
        parts.append("constant between decision points" if h.decision_points else "constant")
    for p in h.decision_points:
        parts.append(f"{p.share:.0%} of the window's hazard at {p.date} ({p.note})")
    if h.starts is not None:
        start = clock_start(q, f.as_of, f.pack.questions)
        trigger = f"{h.starts.date}" if h.starts.date is not None else f"question '{h.starts.question}' resolving yes"
        parts.append(
            f"clock starts at {trigger}: " + (f"started {start}" if start is not None else f"not started by {f.as_of}")
        )
    return "; ".join(parts)


def _source_detail(f: Forecast, c: Component) -> tuple[str, str, str]:
    """(title, what the source holds, its rate) for one outside-view source."""
    if c.kind == "class":
        rc = f.pack.reference_classes[c.id]
        holds = f"{c.n_yes} yes / {c.n_cases} cases before opens (relevance {c.relevance:g})"
        if rc.missing is not None:
            holds += f"; + {rc.missing.successes:g} yes / {rc.missing.failures:g} no known missing ({rc.missing.note})"
        if rc.outcome_criterion is not None:
            holds += f"; yes means: {rc.outcome_criterion}"
        per = f"per {rc.exposure_years:g} years" if c.unit_years is not None else "per case"
        return rc.title, holds, f"{c.alpha / (c.alpha + c.beta):.3f} {per}"
    if c.kind == "prior":
        prior = f.question.analyst_prior
        assert prior is not None
        holds = f"90% interval {prior.interval.lo:g} to {prior.interval.hi:g} for the whole window ({prior.rationale})"
        return "analyst prior", holds, f"{c.alpha / (c.alpha + c.beta):.3f} for the whole window"
    log = f.pack.event_logs[c.id]
    shape, rate, weighted, exposure = event_log_gamma(log, f.as_of)
    half = f"half-life {log.half_life_years:g} years" if log.half_life_years else "no recency weighting"
    holds = f"{weighted:.2f} weighted events in {exposure:.2f} weighted years ({half})"
    return log.title, holds, f"{shape / rate:.2f} events per year"


def outside_view_sources(f: Forecast) -> pd.DataFrame:
    """Each source of the outside view with its weight and its own base rate for the window left at
    ``as_of``, side by side with the combined base rate the forecast starts from."""
    comps = f.spec.components or components(f.pack, f.question)
    rows = []
    for c in comps:
        title, holds, rate = _source_detail(f, c)
        mean, lo, hi = source_summary(c, f.pack, f.question, f.as_of)
        rows.append(
            {
                "source": c.kind,
                "id": c.id,
                "title": title,
                "weight": round(c.weight, 3),
                "holds": holds,
                "rate": rate,
                "base rate (mean)": round(mean, 3),
                "p05": round(lo, 3),
                "p95": round(hi, 3),
            }
        )
    lo, hi = np.quantile(f.base_draws, [0.05, 0.95])
    rows.append(
        {
            "source": "combined",
            "id": "mixture" if len(comps) > 1 else comps[0].id,
            "title": "the outside view the forecast starts from",
            "weight": 1.0,
            "holds": f"hazard: {describe_hazard(f)}",
            "rate": "",
            "base rate (mean)": round(f.base_rate_mean, 3),
            "p05": round(float(lo), 3),
            "p95": round(float(hi), 3),
        }
    )
    return pd.DataFrame(rows)


def outside_view_cases(f: Forecast) -> pd.DataFrame:
    """The cases of every class the question uses, with whether each one counts (dated before opens and
    matching the class's tag filter) - the list to check the outside view against."""
    comps = f.spec.components or components(f.pack, f.question)
    uses = {u.id: u for u in f.question.reference_classes or ()}
    frames = []
    for c in comps:
        if c.kind != "class":
            continue
        rc = f.pack.reference_classes[c.id]
        use = uses.get(rc.id)
        kept = class_cases(rc, f.question, use.where.tags if use is not None and use.where is not None else None)
        frame = reference_cases(rc)
        frame.insert(0, "class", rc.id)
        frame["tags"] = [", ".join(case.tags) for case in rc.cases]
        frame["counted"] = [case in kept for case in rc.cases]
        frames.append(frame)
    if not frames:
        return pd.DataFrame(
            columns=["class", "case", "date", "outcome", "coded indicators", "source", "tags", "counted"]
        )
    return pd.concat(frames, ignore_index=True)
