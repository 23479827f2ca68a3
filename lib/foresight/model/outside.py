"""The outside view of one question: which sources it combines, with what weights, and its draws.

Sources are the question's reference classes (each optionally filtered by case tags,
with a per-question relevance and the class's ``missing`` correction), an analyst
prior (a 90% interval on the whole window's probability), and an event log (a
recency-weighted Gamma-Poisson rate). They are combined as a **mixture** (a linear
opinion pool): each draw of the outside view first picks a source with probability
equal to its weight, then draws from that source's own distribution. Why a mixture:

- each source keeps its own width, so a class of 40 cases does not swamp a smaller
  but more relevant one, as pooling the counts would (the weights, not the sizes,
  say how much each counts);
- two identical sources give that source back, a weight of 0 removes a source,
  and the combined base rate always lies between the sources' own (tested);
- disagreement between sources shows as a wider (possibly two-humped) base rate
  instead of a falsely confident compromise.

Weights: classes and the event log carry relative weights (default 1); the analyst
prior takes its ``weight`` (default 0.5) as a share of the whole and the others
share the rest in proportion to theirs; a source alone has weight 1. A question
with exactly one class with weight above zero and nothing else is the classic
one-class model (:mod:`foresight.model.spec`), unchanged, including learning
from coded cases. A mixture never learns from coded cases (one regression per
class would be needed); the report says so when a class has codings.

Each draw's value is in the source's own unit (a class: rate per exposure period;
the prior: probability for the whole window; the event log: a uniform that picks
a quantile of the rate's Gamma at the forecast's date), so a forecast at another
date reuses the same draws (:func:`base_draws`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

import numpy as np

from foresight.model import lightmath
from foresight.model.priors import (
    GAMMA_SHAPE_PRIOR,
    analyst_beta,
    class_beta,
    event_log_gamma,
    event_log_probability,
    full_window_hazard_years,
    remaining_hazard_years,
    scale_to_window,
)
from foresight.pack.loader import Pack
from foresight.pack.notices import PackWarning, warning_at
from foresight.pack.schema import Case, Question, ReferenceClass, outcome_number


@dataclass(frozen=True)
class Component:
    """One source of a question's outside view, with everything that determines its draws.

    ``kind`` is 'class', 'prior' or 'log'. For a class and the prior, (alpha, beta) is the
    Beta of its rate; for a log, the Gamma prior's (shape, rate) and ``log_digest`` the
    hash of its events and half-life. ``unit_years`` is a class's exposure period.
    """

    kind: str
    id: str
    weight: float
    alpha: float
    beta: float
    unit_years: float | None = None
    relevance: float | None = None
    n_cases: int = 0
    n_yes: int = 0
    log_digest: str = ""


def class_cases(rc: ReferenceClass, question: Question, tags: list[str] | None = None) -> list[Case]:
    """The class's cases known before the question opens (dated and with their outcome known before it:
    no hindsight, see :meth:`Case.known_before`), kept to ``tags`` when given."""
    return rc.cases_known_before(question.opens, tags)


def _log_digest(pack: Pack, log_id: str) -> str:
    log = pack.event_logs[log_id]
    text = json.dumps(log.model_dump(mode="json"), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def components(pack: Pack, question: Question, quick: bool = False) -> tuple[Component, ...]:
    """Every source of ``question``'s outside view with its normalised weight (zero weights dropped).

    ``quick`` (for `foresight validate`'s warnings only): the analyst prior's Beta from
    :func:`foresight.model.lightmath.maxent_beta`, the same to about 1e-4 relative, without
    importing PreliZ; forecasts always use :func:`foresight.model.priors.analyst_beta`."""
    raw: list[Component] = []
    if question.reference_classes is not None:
        uses = [(pack.reference_classes[u.id], u.weight, u.relevance, u.where) for u in question.reference_classes]
    else:
        rc = pack.implicit_class_for(question)
        uses = [] if rc is None else [(rc, 1.0, None, None)]
    for rc, weight, relevance, where in uses:
        cases = class_cases(rc, question, where.tags if where is not None else None)
        a, b = class_beta(rc, cases, relevance)
        raw.append(
            Component(
                "class",
                rc.id,
                weight,
                a,
                b,
                rc.exposure_years if question.kind == "by_deadline" else None,
                rc.relevance if relevance is None else relevance,
                len(cases),
                int(sum(outcome_number(c.outcome) for c in cases)),
            )
        )
    if question.event_log is not None:
        use = question.event_log
        raw.append(Component("log", use.id, use.weight, GAMMA_SHAPE_PRIOR, 0.0, log_digest=_log_digest(pack, use.id)))
    total = sum(c.weight for c in raw)
    prior = question.analyst_prior
    prior_share = 0.0
    if prior is not None:
        prior_share = 1.0 if total == 0 else prior.weight
    out = [
        Component(**{**c.__dict__, "weight": (1.0 - prior_share) * c.weight / total})
        for c in raw
        if c.weight > 0 and prior_share < 1.0
    ]
    if prior is not None and prior_share > 0:
        a, b = (lightmath.maxent_beta if quick else analyst_beta)(prior.interval.lo, prior.interval.hi)
        out.append(Component("prior", "analyst", prior_share, a, b))
    return tuple(out)


def single_class(comps: tuple[Component, ...]) -> Component | None:
    """The one class when it is the whole outside view (the classic model applies), else None."""
    return comps[0] if len(comps) == 1 and comps[0].kind == "class" else None


def draw_components(comps: tuple[Component, ...], rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(value, component index) per draw: the source picked by weight, then a draw from it."""
    weights = np.array([c.weight for c in comps], dtype=float)
    index = rng.choice(len(comps), size=n, p=weights / weights.sum())
    value = np.empty(n)
    for k, c in enumerate(comps):
        mask = index == k
        value[mask] = rng.random(mask.sum()) if c.kind == "log" else rng.beta(c.alpha, c.beta, size=mask.sum())
    return value, index


def component_probability(
    c: Component,
    value: np.ndarray,
    pack: Pack,
    question: Question,
    as_of: dt.date,
    known: dt.date | None = None,
    quick: bool = False,
) -> np.ndarray:
    """The probability of yes in the window left at ``as_of`` from one source's draws; an event log's
    rate is the one known at ``known`` (default ``as_of``: a forecast uses what its day knew).
    ``quick``: an event log's Gamma inverted by :mod:`foresight.model.lightmath` (no SciPy import)."""
    if question.kind == "one_shot":
        return np.asarray(value, dtype=float)
    ahead = remaining_hazard_years(question, as_of, pack.questions, known)
    if c.kind == "class":
        assert c.unit_years is not None
        return scale_to_window(value, ahead, c.unit_years)
    if c.kind == "prior":
        return scale_to_window(value, ahead, full_window_hazard_years(question))
    shape, rate, _, _ = event_log_gamma(pack.event_logs[c.id], known or as_of)
    return event_log_probability(value, shape, rate, ahead, lightmath.gammaincinv if quick else None)


def base_draws(
    comps: tuple[Component, ...],
    value: np.ndarray,
    index: np.ndarray,
    pack: Pack,
    question: Question,
    as_of: dt.date,
    known: dt.date | None = None,
) -> np.ndarray:
    """The mixture's base probability per draw at ``as_of`` (each draw scaled by its own source)."""
    out = np.empty(len(value))
    for k, c in enumerate(comps):
        mask = index == k
        out[mask] = component_probability(c, value[mask], pack, question, as_of, known)
    return out


def component_draws(
    c: Component, pack: Pack, question: Question, as_of: dt.date, n: int = 4000, quick: bool = False
) -> np.ndarray:
    """Draws of one source's own base probability at ``as_of`` (fixed seed: for tables and warnings)."""
    rng = np.random.default_rng(0)
    value = rng.random(n) if c.kind == "log" else rng.beta(c.alpha, c.beta, size=n)
    return component_probability(c, value, pack, question, as_of, quick=quick)


DISAGREE_MEANS = 0.3
"""Two sources disagree strongly when their base rates for the whole window (at ``opens``) differ by more
than this in mean, or when their 90% intervals do not overlap."""


def source_summary(
    c: Component, pack: Pack, question: Question, as_of: dt.date, quick: bool = False
) -> tuple[float, float, float]:
    """(mean, 5%, 95%) of one source's own base probability for the window left at ``as_of``
    (``quick``: see :func:`component_probability`)."""
    draws = component_draws(c, pack, question, as_of, quick=quick)
    lo, hi = np.quantile(draws, [0.05, 0.95])
    return float(draws.mean()), float(lo), float(hi)


EXTREME_LOW, EXTREME_HIGH = 0.01, 0.99
"""A class's base rate scaled to a question's whole window below 1% or above 99% is flagged by `foresight validate`."""


def extreme_base_rates(pack: Pack, quick: bool = True) -> list[PackWarning]:
    """Warnings for by_deadline questions a class of whose outside view, scaled to the whole window at
    ``opens``, comes out below :data:`EXTREME_LOW` or above :data:`EXTREME_HIGH`.

    Such a number usually means the class's ``exposure_years`` does not fit the question (a class of
    "once proposed, did it happen?" cases read as a yearly rate, say), not that the event is certain.
    Each class is taken as the model takes it: cases before ``opens`` only, scaled by the question's hazard.
    Computed without SciPy or PreliZ (``quick``, the default), so `foresight validate` starts fast.
    """
    out = []
    for index, q in enumerate(pack.questions.values()):
        if q.kind != "by_deadline" or (
            q.hazard is not None and q.hazard.starts is not None and q.hazard.starts.question
        ):
            continue  # a question trigger: the base rate is 0 by design until the trigger fires
        for c in components(pack, q, quick=quick):
            if c.kind != "class":
                continue
            p, _, _ = source_summary(c, pack, q, q.opens, quick=quick)
            if EXTREME_LOW <= p <= EXTREME_HIGH:
                continue
            rc = pack.reference_classes[c.id]
            side = f"below {EXTREME_LOW:.0%}" if p < EXTREME_LOW else f"above {EXTREME_HIGH:.0%}"
            message = (
                f"the base rate of class '{rc.id}' scaled to the window comes out at {p:.1%} ({side}); its "
                f"exposure period is {rc.exposure_years:g} years and the window runs {q.opens} to {q.closes}: "
                "check that exposure_years is how long one case had for the event to happen"
            )
            out.append(
                warning_at(pack, "questions.yaml", ("questions", index, "closes"), message, "extreme-base-rate", q.id)
            )
    return out


def outside_view_warnings(pack: Pack, quick: bool = True) -> list[PackWarning]:
    """Warnings for ``validate``: sources of one question that disagree strongly (see
    :data:`DISAGREE_MEANS`), and coded cases a mixture cannot learn from. Computed without SciPy or PreliZ
    (``quick``, the default), so `foresight validate` starts fast; the numbers printed are the same."""
    out = []
    for index, q in enumerate(pack.questions.values()):
        where = ("questions", index, "reference_classes" if q.reference_classes else "id")
        comps = components(pack, q, quick=quick)
        if len(comps) < 2:
            continue
        stats = [(c, *source_summary(c, pack, q, q.opens, quick=quick)) for c in comps]
        for i, (a, ma, la, ha) in enumerate(stats):
            for b, mb, lb, hb in stats[i + 1 :]:
                if abs(ma - mb) > DISAGREE_MEANS or ha < lb or hb < la:
                    out.append(
                        f"outside-view sources {a.kind} '{a.id}' ({ma:.2f}, 90% {la:.2f} to "
                        f"{ha:.2f}) and {b.kind} '{b.id}' ({mb:.2f}, 90% {lb:.2f} to {hb:.2f}) disagree strongly "
                        f"(means more than {DISAGREE_MEANS:g} apart or 90% intervals apart); check the classes "
                        "and their weights"
                    )
                    out[-1] = warning_at(pack, "questions.yaml", where, out[-1], "classes-disagree", q.id)
        coded = [
            c.id for c in comps if c.kind == "class" and any(k.indicators for k in pack.reference_classes[c.id].cases)
        ]
        if coded:
            message = (
                f"the cases of {', '.join(coded)} are coded on indicators, but a question with "
                "several outside-view sources does not learn from codings (only a single class does)"
            )
            out.append(warning_at(pack, "questions.yaml", where, message, "mixture-ignores-codings", q.id))
    return out


def outside_view_dates(pack: Pack, question: Question) -> list[dt.date]:
    """Dates inside the window on which the outside view jumps, so a history has a step there: the day
    after each decision point (its mass is then spent), a dated clock start, a trigger question's
    resolution, and each event of the question's event log (its rate moves)."""
    out: set[dt.date] = set()
    h = question.hazard
    if h is not None:
        out |= {p.date + dt.timedelta(days=1) for p in h.decision_points}
        if h.starts is not None and h.starts.date is not None:
            out.add(h.starts.date)
        trigger = pack.questions.get(h.starts.question) if h.starts is not None and h.starts.question else None
        if trigger is not None and trigger.resolution == "yes" and trigger.resolved_on is not None:
            out.add(trigger.resolved_on)
    if question.event_log is not None and question.event_log.id in pack.event_logs:
        out |= {e.date for e in pack.event_logs[question.event_log.id].events}
    return sorted(d for d in out if question.opens <= d <= question.closes)
