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
  mu = (ln lo + ln hi) / 2 and sigma = (ln hi - ln lo) / (2 * 1.6449);
- a class's ``missing`` cases are added to the weighted counts:
  Beta(0.5 + r*(yes + missing successes), 0.5 + r*(no + missing failures));
- an analyst's 90% interval [lo, hi] on the whole window's probability becomes
  the maximum-entropy Beta with 90% of its mass in [lo, hi] (PreliZ ``maxent``);
- an event log gives a Gamma-Poisson rate per year from recency-discounted
  counts and exposure (:func:`event_log_gamma`);
- a question's ``hazard`` says how the window's cumulative hazard is spread over
  it (:func:`remaining_hazard_years`); with none, it is spread evenly and the
  formulas above are exactly the constant-hazard ones.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from foresight.model.cache import ANALYST_PRIOR_MEMO
from foresight.pack.schema import Case, EventLog, LRInterval, Question, ReferenceClass, outcome_number

Z90 = 1.6448536269514722  # standard normal 95th percentile: a 90% equal-tailed interval is mu +- Z90 * sigma
JEFFREYS = 0.5
DAYS_PER_YEAR = 365.25
MIN_WINDOW_DAYS = 1.0


def base_rate_beta(rc: ReferenceClass, cases: Sequence[Case] | None = None) -> tuple[float, float]:
    """Beta(a, b) for the class's rate per case (per exposure period for by_deadline use).

    ``cases`` restricts the count to some of the class's cases (by default all).
    """
    return class_beta(rc, cases)


def class_beta(
    rc: ReferenceClass, cases: Sequence[Case] | None = None, relevance: float | None = None
) -> tuple[float, float]:
    """Beta(a, b) of a class's rate from its cases (default all), its ``missing`` correction, and a relevance
    (default the class's own; a question using the class as a proxy may give a lower one)."""
    cases = rc.cases if cases is None else cases
    r = rc.relevance if relevance is None else relevance
    yes = int(sum(outcome_number(case.outcome) for case in cases))
    no = len(cases) - yes
    if rc.missing is not None:  # only then, so a class without it keeps bit-identical numbers
        return JEFFREYS + r * (yes + rc.missing.successes), JEFFREYS + r * (no + rc.missing.failures)
    return JEFFREYS + r * yes, JEFFREYS + r * no


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


def base_probability(
    p_period: np.ndarray,
    question: Question,
    rc: ReferenceClass,
    as_of: dt.date,
    questions: Mapping[str, Question] | None = None,
    known: dt.date | None = None,
) -> np.ndarray:
    """The outside-view probability for ``question`` at ``as_of`` from per-case rate draws.

    The window left is measured in cumulative hazard (:func:`remaining_hazard_years`), which is
    the plain :func:`window_years` for a constant hazard; ``questions`` resolves a trigger clock.
    """
    if question.kind == "one_shot":
        return np.asarray(p_period, dtype=float)
    assert rc.exposure_years is not None  # guaranteed by validation for classes serving by_deadline questions
    years = remaining_hazard_years(question, as_of, questions, known)
    return scale_to_window(p_period, years, rc.exposure_years)


# --- analyst priors ------------------------------------------------------------------------


MAXENT_MEMO = ANALYST_PRIOR_MEMO
"""File in the cache folder remembering PreliZ's answers, so a kernel does not import PreliZ (and with it
PyMC, seconds) to re-fit an interval it has fitted before (`foresight cache clear` removes it too)."""


@functools.lru_cache(maxsize=256)
def analyst_beta(lo: float, hi: float) -> tuple[float, float]:
    """Beta(a, b) for an analyst's 90% interval [lo, hi] on a probability: PreliZ's maximum-entropy
    Beta with 90% of its mass in [lo, hi] (the least committal Beta that honours the interval).

    PreliZ's answer is remembered in :data:`MAXENT_MEMO` (keyed by the interval and PreliZ's
    version), so the numbers are PreliZ's exactly while the import is paid once per machine.
    A memo that cannot be read or written is ignored.
    """
    from importlib import metadata

    from foresight.base import paths
    from foresight.base.atomic import write_json_atomic

    try:
        version = metadata.version("preliz")
    except metadata.PackageNotFoundError:
        version = "unknown"
    key = f"preliz {version} maxent Beta 0.9 [{lo!r}, {hi!r}]"
    memo_path = paths.cache_dir() / MAXENT_MEMO
    memo = _read_memo(memo_path)
    hit = memo.get(key)
    if isinstance(hit, list) and len(hit) == 2 and all(isinstance(v, float) and v > 0 for v in hit):
        return hit[0], hit[1]
    import preliz as pz  # imported here: it takes seconds and only a new analyst interval needs it

    dist = pz.Beta()
    pz.maxent(dist, lo, hi, 0.9, plot=False)
    a, b = float(dist.alpha), float(dist.beta)
    try:
        memo_path.parent.mkdir(parents=True, exist_ok=True)
        write_json_atomic(memo_path, {**memo, key: [a, b]})
    except OSError:
        pass  # a read-only or full cache only costs the import next time
    return a, b


def _read_memo(path) -> dict:
    """The memo's entries, or none when it is missing or damaged (it is only ever a shortcut)."""
    try:
        memo = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return memo if isinstance(memo, dict) else {}


# --- hazard over the window -------------------------------------------------------------------


def clock_start(question: Question, as_of: dt.date, questions: Mapping[str, Question] | None = None) -> dt.date | None:
    """When the question's hazard clock starts, as known at ``as_of``; None when it has not started.

    No trigger: ``opens``. A dated trigger: that date. A question trigger: the trigger's
    ``resolved_on`` once it resolved yes on or before ``as_of`` (a resolution after ``as_of``
    is not known yet, so backtests cannot leak it); until then the clock has not started.
    """
    starts = question.hazard.starts if question.hazard is not None else None
    if starts is None:
        return question.opens
    if starts.date is not None:
        return max(starts.date, question.opens)
    trigger = (questions or {}).get(starts.question)
    if trigger is None or trigger.resolution != "yes" or trigger.resolved_on is None or trigger.resolved_on > as_of:
        return None
    return max(trigger.resolved_on, question.opens)


def _shape_remaining(u: float, shape: str, ratio: float | None) -> float:
    """Share of the continuous hazard still ahead when a fraction ``u`` of the clock window has passed.

    The hazard is proportional to ratio**x over the window (x from 0 to 1), so it is ``ratio`` times
    higher at the end than at the start; the share ahead is (ratio - ratio**u) / (ratio - 1)."""
    u = min(max(u, 0.0), 1.0)
    if shape == "constant" or ratio is None or ratio == 1.0:
        return 1.0 - u
    return (ratio - ratio**u) / (ratio - 1.0)


def uses_plain_clock(question: Question) -> bool:
    """True when the hazard is constant from ``opens`` with no decision point: the old formulas apply."""
    h = question.hazard
    return h is None or (h.shape == "constant" and not h.decision_points and h.starts is None)


def remaining_hazard_years(
    question: Question,
    as_of: dt.date,
    questions: Mapping[str, Question] | None = None,
    known: dt.date | None = None,
) -> float:
    """Cumulative hazard from ``as_of`` to ``closes``, in constant-hazard-equivalent years.

    The clock window [S, closes] (S from :func:`clock_start`) holds L = (closes - S) years of
    hazard, as a constant hazard would. A share s_j of it sits at each decision point d_j (a jump
    at that date, still ahead while as_of <= d_j); the rest, (1 - sum s) * L, accrues continuously
    with the hazard's shape. Ahead at t: L * [(1 - sum s) * G(u_t) + sum_{d_j >= t} s_j] with
    u_t the fraction of the clock window passed and G the shape's share ahead. Zero before a
    question trigger fires. With the plain clock this is exactly :func:`window_years`.
    ``known`` (default ``as_of``) is the day whose knowledge of a trigger's resolution is used.
    """
    if uses_plain_clock(question):
        return window_years(question, as_of)
    start = clock_start(question, known or as_of, questions)
    return 0.0 if start is None else _hazard_ahead(question, as_of, start)


def _hazard_ahead(question: Question, as_of: dt.date, start: dt.date) -> float:
    h = question.hazard
    assert h is not None
    total_days = max((question.closes - start).days, MIN_WINDOW_DAYS)
    left_days = max((question.closes - max(as_of, start)).days, MIN_WINDOW_DAYS)
    u = 1.0 - left_days / total_days
    point_share = sum(p.share for p in h.decision_points)
    ahead = sum(p.share for p in h.decision_points if p.date >= max(as_of, start))
    return total_days / DAYS_PER_YEAR * ((1.0 - point_share) * _shape_remaining(u, h.shape, h.ratio) + ahead)


def full_window_hazard_years(question: Question) -> float:
    """The whole window's cumulative hazard seen at ``opens`` with the clock running from its
    start (a question trigger taken as firing at ``opens``): the unit of an analyst prior, so the
    prior is exactly the probability for the whole window."""
    if uses_plain_clock(question):
        return window_years(question, question.opens)
    h = question.hazard
    assert h is not None
    start = h.starts.date if h.starts is not None and h.starts.date is not None else question.opens
    return _hazard_ahead(question, question.opens, max(start, question.opens))


def hazard_curve(
    question: Question, as_of: dt.date, questions: Mapping[str, Question] | None = None
) -> tuple[list[dt.date], np.ndarray]:
    """Each day of the window and the share of the window's cumulative hazard accrued by the end of
    that day, as known at ``as_of`` (all zeros while a question trigger has not fired)."""
    days = [question.opens + dt.timedelta(days=k) for k in range((question.closes - question.opens).days + 1)]
    if uses_plain_clock(question):
        total = max((question.closes - question.opens).days, MIN_WINDOW_DAYS)
        return days, np.array([min((d - question.opens).days + 1, total) / total for d in days])
    start = clock_start(question, as_of, questions)
    if start is None:
        return days, np.zeros(len(days))
    total = _hazard_ahead(question, start, start)
    after = [_hazard_ahead(question, d + dt.timedelta(days=1), start) if d < question.closes else 0.0 for d in days]
    return days, np.clip(1.0 - np.array(after) / total, 0.0, 1.0)


# --- event logs ---------------------------------------------------------------------------------

GAMMA_SHAPE_PRIOR = 0.5
"""Jeffreys prior for a Poisson rate, Gamma(0.5, 0): the rate's posterior is set by the log alone."""


def event_log_gamma(log: EventLog, as_of: dt.date) -> tuple[float, float, float, float]:
    """(shape, rate, weighted events, weighted exposure in years) of the Gamma posterior of the
    events-per-year rate at ``as_of``.

    Each event on or before ``as_of`` counts 0.5**(age / h) with age in years and h the log's
    half-life; the exposure from the log's start to ``as_of`` is discounted the same way,
    E = integral_0^A 0.5**(a/h) da = (h / ln 2) * (1 - 0.5**(A/h)) for A years of coverage (E = A
    without a half-life). The rate is Gamma(0.5 + n_w, E): its mean (0.5 + n_w) / E is a recency-
    weighted events-per-year, so a recent burst lifts it above the long-run count per year.
    """
    start = log.start
    if as_of <= start:
        raise ValueError(f"event log '{log.id}' starts {start}; a rate needs as_of after that (got {as_of})")
    span = (as_of - start).days / DAYS_PER_YEAR
    h = log.half_life_years
    ages = [(as_of - e.date).days / DAYS_PER_YEAR for e in log.events if start <= e.date <= as_of]
    if h is None:
        weighted, exposure = float(len(ages)), span
    else:
        weighted = float(sum(0.5 ** (a / h) for a in ages))
        exposure = (h / math.log(2.0)) * (1.0 - 0.5 ** (span / h))
    return GAMMA_SHAPE_PRIOR + weighted, exposure, weighted, exposure


def event_log_probability(
    uniforms: np.ndarray, shape: float, rate: float, years: float, inverse: Callable | None = None
) -> np.ndarray:
    """P(at least one event in ``years``) per draw, the rate drawn from Gamma(shape, rate) by inverting its
    CDF at stored uniforms (so a new as_of reuses the same draws): 1 - exp(-lambda * years).

    ``inverse`` is the inverse CDF of the unit-rate Gamma, (shape, uniforms) -> values: SciPy's
    ``gammaincinv`` by default (imported here: it takes a while and only event logs need it)."""
    uniforms = np.asarray(uniforms, dtype=float)
    if inverse is None:
        unit = _unit_gamma_quantiles(shape, uniforms.tobytes(), uniforms.shape)
    else:
        unit = inverse(shape, uniforms)
    lam = unit / rate
    return -np.expm1(-lam * years)


@functools.lru_cache(maxsize=64)
def _unit_gamma_quantiles(shape: float, uniforms: bytes, dims: tuple[int, ...]) -> np.ndarray:
    """SciPy's ``gammaincinv(shape, uniforms)`` (``uniforms`` as the bytes of a float array of shape ``dims``),
    kept: a forecast report asks for the same rate's draws at dozens of dates (the hazard plot, the history),
    and the inversion (3 ms for 4000 draws) is what costs; only the window's length changes between them."""
    from scipy.special import gammaincinv

    out = gammaincinv(shape, np.frombuffer(uniforms, dtype=float).reshape(dims))
    out.setflags(write=False)
    return out


def event_log_mean_probability(shape: float, rate: float, years: float) -> float:
    """The closed form of the mean of :func:`event_log_probability`: 1 - (rate / (rate + years))**shape."""
    return 1.0 - (rate / (rate + years)) ** shape
