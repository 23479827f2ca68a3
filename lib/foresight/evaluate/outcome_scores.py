"""Scores and baselines of options and date questions (the names :data:`foresight.model.outcomes.TYPES`
gives each type), computed with ``scoringrules`` so no rule is written by hand here.

Orientation as in :mod:`foresight.evaluate.scoring`: the log score is ln P(what happened) (higher is
better, probabilities clipped at ``LOG_CLIP``); Brier, RPS and CRPS are losses (lower is better).

- options: ``log``; ``brier`` = sum over options of (p_k - o_k)^2 (0 perfect, 2 worst); ``rps`` for
  ordered options = sum over k of (P(option <= k) - O(option <= k))^2 (so an answer one bin off costs
  less than one two bins off);
- date: ``binned_log`` = ln P(the calendar month the event happened in, or "not by closes"), and
  ``crps_days`` = the CRPS of the day (days since opens; "not by closes" is the day after closes),
  exact for the forecast's daily distribution (a weighted ensemble of days);
- baselines: ``base_rate`` (the outside view before evidence: the Dirichlet mixture's mean, the
  base curve) and ``uniform`` (1/K per option; for dates each month bin, and each day of the window
  and "not by closes", equally likely).

Every score is taken at each step of the question's life (``opens`` and every ``step_days`` until it
resolved or closed, as the yes/no backtest does) and averaged per question.
"""

from __future__ import annotations

import datetime as dt
import functools
import sys
import threading
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from foresight.evaluate.scoring import LOG_CLIP, brier_score, log_score
from foresight.model.forecasting import into_window
from foresight.model.options import ModelOptions
from foresight.model.outcomes import forecast_any
from foresight.pack.loader import Pack
from foresight.pack.schema import Question

STEP_DAYS = 30
"""Days between the forecasts a typed backtest scores (the first on ``opens``)."""


NUMBA_DECORATORS = ("njit", "jit", "guvectorize", "vectorize")
"""The Numba decorators scoringrules compiles with; see :func:`_scoringrules`."""
_import_lock = threading.Lock()


def _scoringrules():
    """scoringrules, imported when a typed forecast is first scored.

    Its import compiles some thirty Numba functions for their declared types (3 s of CPU in every
    kernel, the outcomes notebook's largest single cost), and most are declared without Numba's
    on-disk cache. While it is imported here, Numba's decorators are handed ``cache=True`` (unless a
    function says otherwise), so the compiled code is kept (in ``NUMBA_CACHE_DIR``, else beside the
    package) and the next kernel loads it in a tenth of the time; the same code, so the same scores.
    The decorators are Numba's own again as soon as the import is done.
    """
    with _import_lock:
        if "scoringrules" not in sys.modules:
            import numba

            own = {name: getattr(numba, name) for name in NUMBA_DECORATORS}
            try:
                for name, decorator in own.items():
                    setattr(numba, name, _with_cache(decorator))
                import scoringrules  # noqa: F401
            finally:
                for name, decorator in own.items():
                    setattr(numba, name, decorator)
    return sys.modules["scoringrules"]


def _with_cache(decorator):
    """``decorator`` with ``cache=True`` unless the call gives ``cache``."""

    @functools.wraps(decorator)
    def with_cache(*args, **kwargs):
        kwargs.setdefault("cache", True)
        return decorator(*args, **kwargs)

    return with_cache


def _ln(p: float) -> float:
    sr = _scoringrules()
    return float(-sr.log_score(1, float(np.clip(p, LOG_CLIP, 1 - LOG_CLIP))))


def options_scores(probs: np.ndarray, outcome: int, ordered: bool) -> dict[str, float]:
    """Log, multi-category Brier and (ordered) RPS of option probabilities ``probs`` when option
    ``outcome`` (an index) happened."""
    probs = np.asarray(probs, dtype=float)
    onehot = np.zeros(len(probs))
    onehot[outcome] = 1.0
    sr = _scoringrules()
    out = {"log": _ln(probs[outcome]), "brier": float(np.sum(sr.brier_score(onehot, probs)))}
    if ordered:
        out["rps"] = float(sr.rps_score(onehot, probs, onehot=True))
    return out


def month_bins(question: Question) -> list[tuple[dt.date, dt.date]]:
    """Calendar months of the window (the first and last cut to it), as (first day, last day)."""
    out, start = [], question.opens
    while start <= question.closes:
        nxt = dt.date(start.year + (start.month == 12), start.month % 12 + 1, 1)
        out.append((start, min(nxt - dt.timedelta(days=1), question.closes)))
        start = nxt
    return out


def date_outcome_day(question: Question) -> int:
    """Days from ``opens`` to the event, or the day after closes when it did not happen by then."""
    if question.resolution == "yes" and question.resolved_on is not None:
        return (question.resolved_on - question.opens).days
    return (question.closes - question.opens).days + 1


def date_scores(cdf: np.ndarray, question: Question) -> dict[str, float]:
    """Binned log score and CRPS in days of a daily CDF over the window (``cdf[k]``: P(by the end of
    opens + k days)) for the question's resolution."""
    cdf = np.asarray(cdf, dtype=float)
    day = date_outcome_day(question)
    n = len(cdf)
    masses = np.diff(np.concatenate([[0.0], cdf, [1.0]]))  # each day, then "not by closes"
    masses = np.clip(masses, 0.0, None)
    members = np.arange(n + 1, dtype=float)
    crps = float(_scoringrules().crps_ensemble(float(day), members, ens_w=masses, estimator="nrg"))
    if day > n - 1:
        p_bin = 1.0 - cdf[-1]
    else:
        when = question.opens + dt.timedelta(days=day)
        first, last = next((a, b) for a, b in month_bins(question) if a <= when <= b)
        lo = (first - question.opens).days
        p_bin = cdf[(last - question.opens).days] - (cdf[lo - 1] if lo > 0 else 0.0)
    return {"binned_log": _ln(p_bin), "crps_days": crps}


def uniform_date_cdf(question: Question, monthly: bool) -> np.ndarray:
    """The uniform baseline's daily CDF: each month bin and "not by closes" equally likely (``monthly``),
    or each day of the window and "not by closes" equally likely."""
    days = (question.closes - question.opens).days + 1
    if not monthly:
        return np.arange(1, days + 1) / (days + 1)
    bins = month_bins(question)
    cdf = np.zeros(days)
    for k, (first, last) in enumerate(bins):
        a, b = (first - question.opens).days, (last - question.opens).days
        cdf[a : b + 1] = (k + np.arange(1, b - a + 2) / (b - a + 1)) / (len(bins) + 1)
    return cdf


def score_forecast(f: Any) -> list[dict[str, Any]]:
    """Rows (score, model, base_rate, uniform) for one forecast of a resolved options or date question."""
    q = f.question
    rows = []
    if q.type == "options":
        k = list(f.options).index(q.resolved_option)
        uniform = np.full(len(f.options), 1.0 / len(f.options))
        model, base, flat = (options_scores(p, k, q.ordered) for p in (f.mean, f.base_mean, uniform))
        rows = [{"score": s, "model": model[s], "base_rate": base[s], "uniform": flat[s]} for s in model]
    elif q.type == "date":
        model, base = date_scores(f.mean_cdf, q), date_scores(f.base_mean_cdf, q)
        flat = {
            "binned_log": date_scores(uniform_date_cdf(q, True), q)["binned_log"],
            "crps_days": date_scores(uniform_date_cdf(q, False), q)["crps_days"],
        }
        rows = [{"score": s, "model": model[s], "base_rate": base[s], "uniform": flat[s]} for s in model]
    return [{"question_id": q.id, "type": q.type, "as_of": f.as_of.isoformat(), **r} for r in rows]


def is_resolved(q: Question) -> bool:
    return (q.resolved_option if q.type == "options" else q.resolution) is not None and q.resolved_on is not None


def steps(question: Question, step_days: int = STEP_DAYS) -> list[dt.date]:
    """``opens`` and every ``step_days`` after it, while the question is still open (before it resolved)."""
    end = min(question.closes, question.resolved_on or question.closes)
    out, day = [], question.opens
    while day < end or day == question.opens:
        out.append(day)
        day += dt.timedelta(days=step_days)
    return out


def typed_backtest(
    pack: Pack, options: ModelOptions | None = None, step_days: int = STEP_DAYS, questions: Iterable[str] | None = None
) -> pd.DataFrame:
    """Every resolved options and date question of ``pack`` (or of ``questions``) scored at each step against
    its baselines."""
    rows = []
    chosen = None if questions is None else set(questions)
    for q in pack.typed_questions.values():
        if not is_resolved(q) or (chosen is not None and q.id not in chosen):
            continue
        first = forecast_any(pack, q.id, as_of=q.opens, options=options)
        for day in steps(q, step_days):
            rows += score_forecast(first.what_if(as_of=day))
    return pd.DataFrame(rows, columns=["question_id", "type", "as_of", "score", "model", "base_rate", "uniform"])


def typed_summary(scores: pd.DataFrame) -> pd.DataFrame:
    """Mean of each score per question over its steps (model beside its baselines)."""
    if scores.empty:
        return scores
    return (
        scores.groupby(["question_id", "type", "score"], sort=False)[["model", "base_rate", "uniform"]]
        .mean()
        .reset_index()
    )


def ladder_before_after(
    pack: Pack, date_id: str, ladder: list[str], options: ModelOptions | None = None, step_days: int = STEP_DAYS
) -> pd.DataFrame:
    """A ladder of yes/no questions scored as separate forecasts ('before') and as the points of one date
    question's curve at their deadlines ('after'), at the same steps of each question's life."""
    from foresight.model.forecasting import forecast

    date_q = pack.any_question(date_id)
    rows = []
    for qid in ladder:
        q = pack.question(qid)
        own = forecast(pack, qid, as_of=q.opens, options=options)
        curve = forecast_any(pack, date_id, as_of=max(q.opens, date_q.opens), options=options)
        outcome = 1.0 if q.resolution == "yes" else 0.0
        for day in steps(q, step_days):
            p_own = own.what_if(as_of=day).mean
            p_curve = float(curve.what_if(as_of=into_window(date_q, day)).cdf_draws(q.closes).mean())
            for name, p in (("before", p_own), ("after", p_curve)):
                rows.append(
                    {
                        "question_id": qid,
                        "as_of": day.isoformat(),
                        "forecast": name,
                        "probability": p,
                        "brier": float(brier_score(np.array([p]), np.array([outcome]))[0]),
                        "log": float(log_score(np.array([p]), np.array([outcome]))[0]),
                    }
                )
    return pd.DataFrame(rows)


EXTERNAL_COLUMNS = [
    "question_id",
    "type",
    "source",
    "match",
    "date",
    "by",
    "score",
    "external",
    "model",
    "base_rate",
    "uniform",
]
"""Columns of :func:`typed_external`."""


def typed_external(pack: Pack, options: ModelOptions | None = None) -> pd.DataFrame:
    """Each forecast from elsewhere of a resolved options or date question (``external_forecasts.yaml``) scored
    beside the model's forecast made on the same day (evidence known that day, the same draws) and the baselines.

    An options forecast is scored as in :func:`typed_backtest` (log, Brier, RPS when ordered); a date question's
    forecast is one point of its curve, P(the event by the end of day ``by``), scored as a yes/no forecast
    (Brier, log) beside the model's F(by), the outside view's and the uniform curve's. A forecast dated on or
    after the resolution is left out (it may know the outcome).
    """
    rows, firsts = [], {}
    for ef in pack.external_forecasts:
        q = pack.typed_questions.get(ef.question)
        if q is None or not is_resolved(q) or (q.resolved_on is not None and ef.date >= q.resolved_on):
            continue
        if q.id not in firsts:
            firsts[q.id] = forecast_any(pack, q.id, as_of=q.opens, options=options)
        f = firsts[q.id].what_if(as_of=into_window(q, ef.date))
        common = {"question_id": q.id, "type": q.type, "source": ef.source, "match": ef.match, "date": ef.date}
        if q.type == "options":
            assert ef.probabilities is not None  # validated: one per option
            k = list(f.options).index(q.resolved_option)
            theirs = np.array([ef.probabilities[o] for o in f.options])
            uniform = np.full(len(f.options), 1.0 / len(f.options))
            each = [options_scores(p / p.sum(), k, q.ordered) for p in (theirs, f.mean, f.base_mean, uniform)]
            rows += [
                {**common, "by": None, "score": s, **dict(zip(EXTERNAL_COLUMNS[-4:], (e[s] for e in each)))}
                for s in each[0]
            ]
            continue
        by = ef.by or q.closes
        outcome = np.array([float(q.resolution == "yes" and q.resolved_on is not None and q.resolved_on <= by)])
        probs = (
            float(ef.probability),  # validated: a date question's forecast gives one
            float(f.cdf_draws(by).mean()),
            float(f.base_cdf_draws(by).mean()),
            float(uniform_date_cdf(q, False)[(by - q.opens).days]),
        )
        for name, rule in (("brier", brier_score), ("log", log_score)):
            values = [float(rule(np.array([p]), outcome)[0]) for p in probs]
            rows.append({**common, "by": by, "score": name, **dict(zip(EXTERNAL_COLUMNS[-4:], values))})
    return pd.DataFrame(rows, columns=EXTERNAL_COLUMNS)


def typed_external_summary(scores: pd.DataFrame) -> pd.DataFrame:
    """Mean of each score per (source, question): the source beside the model and baselines on the same days."""
    if scores.empty:
        return scores
    keys = ["question_id", "type", "source", "match", "score"]
    means = scores.groupby(keys, sort=False)[EXTERNAL_COLUMNS[-4:]].mean()
    return means.join(scores.groupby(keys, sort=False).size().rename("n_forecasts")).reset_index()
