"""Priors from elicitation: base rates from reference classes, log-LRs from 90% intervals.

Closed forms only (no sampling here), so they can be checked by hand:
- a reference class gives Beta(0.5 + r*yes, 0.5 + r*no): the weak Jeffreys
  prior Beta(0.5, 0.5) updated by the class's cases, each counted with the
  class's relevance r (a power prior: r = 1 counts a case fully, r = 0.5 as half);
- a class's rate is per exposure period E; a `by_deadline` question open for w
  more years gets 1 - (1 - p)^(w / E) (constant hazard), so the base
  probability shrinks as the deadline nears;
- an elicited 90% interval [lo, hi] for a likelihood ratio is read as an
  equal-tailed interval of a LogNormal, i.e. log LR ~ Normal(mu, sigma) with
  mu = (ln lo + ln hi) / 2 and sigma = (ln hi - ln lo) / (2 * 1.6449).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import numpy as np
from scipy import stats

from foresight.pack.loader import Pack
from foresight.pack.notices import PackWarning, warning_at
from foresight.pack.schema import Case, LRInterval, Question, ReferenceClass

Z90 = 1.6448536269514722  # standard normal 95th percentile: a 90% equal-tailed interval is mu +- Z90 * sigma
JEFFREYS = 0.5
DAYS_PER_YEAR = 365.25
MIN_WINDOW_DAYS = 1.0


def base_rate_beta(rc: ReferenceClass, cases: Sequence[Case] | None = None) -> tuple[float, float]:
    """Beta(a, b) for the class's rate per case (per exposure period for by_deadline use).

    ``cases`` restricts the count to some of the class's cases (by default all).
    """
    cases = rc.cases if cases is None else cases
    yes = sum(1 for case in cases if case.outcome == "yes")
    return JEFFREYS + rc.relevance * yes, JEFFREYS + rc.relevance * (len(cases) - yes)


def log_lr_normal(interval: LRInterval, width_scale: float = 1.0) -> tuple[float, float]:
    """(mu, sigma) of the Normal prior on log LR from an equal-tailed 90% interval.

    ``width_scale`` widens (> 1) or narrows (< 1) the interval around its
    geometric centre, for sensitivity runs.
    """
    lo, hi = math.log(interval.lo), math.log(interval.hi)
    return (lo + hi) / 2.0, width_scale * (hi - lo) / (2.0 * Z90)


def window_years(question: Question, as_of: dt.date) -> float:
    """Years left for a by_deadline event to happen: from max(as_of, opens) to closes (at least a day)."""
    start = max(as_of, question.opens)
    days = max((question.closes - start).days, MIN_WINDOW_DAYS)
    return days / DAYS_PER_YEAR


def scale_to_window(p_period: np.ndarray, years: float, exposure_years: float) -> np.ndarray:
    """Probability of at least one event in ``years`` given probability ``p_period`` per exposure period."""
    p = np.clip(np.asarray(p_period, dtype=float), 0.0, 1.0)
    return -np.expm1(np.log1p(-p) * (years / exposure_years))


def base_probability(p_period: np.ndarray, question: Question, rc: ReferenceClass, as_of: dt.date) -> np.ndarray:
    """The outside-view probability for ``question`` at ``as_of`` from per-case rate draws."""
    if question.kind == "one_shot":
        return np.asarray(p_period, dtype=float)
    assert rc.exposure_years is not None  # guaranteed by validation for classes serving by_deadline questions
    return scale_to_window(p_period, window_years(question, as_of), rc.exposure_years)


EXTREME_LOW, EXTREME_HIGH = 0.01, 0.99
"""A base rate scaled to a question's window below 1% or above 99% is flagged by `foresight validate`."""


def extreme_base_rates(pack: Pack) -> list[PackWarning]:
    """Warnings for by_deadline questions whose outside view, scaled to the whole window at ``opens``,
    comes out below :data:`EXTREME_LOW` or above :data:`EXTREME_HIGH`.

    Such a number usually means the class's ``exposure_years`` does not fit the question (a class of
    "once proposed, did it happen?" cases read as a yearly rate, say), not that the event is certain.
    The mean is taken over 199 quantiles of the class's Beta, cases before ``opens`` only, as the model does.
    """
    out = []
    grid = np.linspace(0.005, 0.995, 199)
    for index, q in enumerate(pack.questions.values()):
        if q.kind != "by_deadline":
            continue
        rc = pack.reference_class_for(q)
        a, b = base_rate_beta(rc, [case for case in rc.cases if case.date < q.opens])
        p = float(base_probability(stats.beta.ppf(grid, a, b), q, rc, q.opens).mean())
        if EXTREME_LOW <= p <= EXTREME_HIGH:
            continue
        years = window_years(q, q.opens)
        side = f"below {EXTREME_LOW:.0%}" if p < EXTREME_LOW else f"above {EXTREME_HIGH:.0%}"
        message = (
            f"the base rate scaled to the window comes out at {p:.1%} ({side}): class '{rc.id}' gives "
            f"{a / (a + b):.1%} per exposure period of {rc.exposure_years:g} years, and the window "
            f"({q.opens} to {q.closes}) is {years:.2f} years = {years / rc.exposure_years:.2f} periods; "
            "check that exposure_years is how long one case had for the event to happen"
        )
        out.append(warning_at(pack, "questions.yaml", ("questions", index, "closes"), message, "extreme-base-rate"))
    return out
