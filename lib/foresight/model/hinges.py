"""Hinges: a question B whose chance depends on another question A's outcome.

The analyst states 90% intervals on P(B | A) and P(B | not A) in `links.yaml`
(``hinges:``). Each becomes a Beta fitted equal-tailed to its interval
(:func:`beta_from_interval`), drawn once per posterior draw with a seed of its
own, so the single forecast and the joint model see the same draws.

How B's forecast uses it (one rule everywhere: :func:`foresight.forecast`, the
history, the backtest and the joint model):
- the hinge REPLACES B's base rate in each branch: c1 ~ P(B | A), c0 ~ P(B | not A);
  for a by_deadline B they are probabilities for B's whole window, and shrink with
  the window left under constant hazard, as a class's base rate does:
  c(t) = 1 - (1 - c)^(w_left / w_whole). B's own ``hazard`` is therefore not used (kept so
  that packs written so forecast as before; validate warns, ``hinge-replaces-hazard``), and a
  question trigger on a hinged question is refused (the hinge already prices the other question);
- B's own evidence still shifts the log-odds, within each branch (its likelihood
  ratios compare worlds where B happens or not, whatever A did):
  P(B | A, e) = expit(logit c1(t) + S),  P(B | not A, e) = expit(logit c0(t) + S);
- while A is open, B's forecast integrates over A's forecast draw by draw:
  P(B) = P(A) * P(B | A, e) + (1 - P(A)) * P(B | not A, e),
  with A forecast from the evidence known at B's date (never later);
- from A's ``resolved_on`` on, exactly the branch of A's resolution;
- with ``follows_within_days: d`` (B follows A within d days when it follows at all), P(B | A) is
  tied to A's own timing, not to B's calendar: it is the whole-window c1 while A is open (A's own
  forecast already falls as A's window runs out) and through d days after A resolved yes; after
  that B's follow-up window has passed, and c1 shrinks over the rest of B's window as above, from
  the day the follow-up window ended: c1(t) = 1 - (1 - c1)^(w_left / w_end), w_end the window
  left on that day. P(B | not A) shrinks as before.

A date question B (:mod:`foresight.model.when`) may hinge too: the branches are then B's chance by
``closes``; they shrink with B's hazard ahead rather than with the calendar (its decision points say when
the chance is spent), and its curve is F(d) = P(A) * expit(logit c1(d) + S) + (1 - P(A)) * expit(logit c0(d) + S)
with c(d) = 1 - (1 - c)^(share of the hazard ahead accrued by d). A ``point_of`` question of B reads the
same branches at its own ``closes`` (:meth:`foresight.pack.loader.Pack.hinge_of`), so a ladder keeps its hinge.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib

import numpy as np

from foresight.model.priors import remaining_hazard_years, scale_to_window, window_years
from foresight.pack.links import Hinge
from foresight.pack.schema import Question


@functools.lru_cache(maxsize=256)
def beta_from_interval(lo: float, hi: float) -> tuple[float, float]:
    """Beta(a, b) whose equal-tailed 90% interval is [lo, hi] (solved numerically on log a, log b;
    remembered, since a what-if must not solve it again)."""
    from scipy import optimize, stats  # here: only a pack with hinges needs them, and they take a second

    def gap(log_ab: np.ndarray) -> np.ndarray:
        a, b = np.exp(log_ab)
        return np.array(stats.beta.ppf([0.05, 0.95], a, b)) - [lo, hi]

    mid = (lo + hi) / 2
    start = np.log([mid * 10, (1 - mid) * 10])
    sol = optimize.least_squares(gap, start, xtol=1e-12, ftol=1e-12)
    a, b = np.exp(sol.x)
    return float(a), float(b)


def _stream(seed: int, hinge: Hinge) -> np.random.Generator:
    """A random stream of this hinge's own, fixed by the forecast's seed and the two question ids."""
    tag = int(hashlib.sha256(f"hinge:{hinge.question}:{hinge.on}".encode()).hexdigest()[:12], 16)
    return np.random.default_rng([seed, tag])


@functools.lru_cache(maxsize=64)
def branch_draws(hinge: Hinge, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(c1, c0): n draws of P(B | A) and P(B | not A) for B's whole window (read-only: remembered
    for what-ifs, which reuse them)."""
    rng = _stream(seed, hinge)
    c1 = rng.beta(*beta_from_interval(hinge.p_if_yes.lo, hinge.p_if_yes.hi), size=n)
    c0 = rng.beta(*beta_from_interval(hinge.p_if_no.lo, hinge.p_if_no.hi), size=n)
    c1.flags.writeable = False
    c0.flags.writeable = False
    return c1, c0


def _left(question: Question, as_of: dt.date, start: dt.date) -> tuple[float, float]:
    """(hazard left at ``as_of``, hazard left at ``start``): calendar years for a yes/no B (as hinges always
    did), the hazard ahead for a date question B, whose hazard also says when in the window it happens."""
    if question.type == "date":
        return remaining_hazard_years(question, as_of), remaining_hazard_years(question, start)
    return window_years(question, as_of), window_years(question, start)


def _scaled(c: np.ndarray, left: float, whole: float) -> np.ndarray:
    return scale_to_window(c, left, whole) if whole > 0.0 else np.zeros_like(np.asarray(c, dtype=float))


def scaled_to_window(c: np.ndarray, question: Question, as_of: dt.date) -> np.ndarray:
    """A whole-window probability of B at ``as_of``: unchanged for one_shot, constant hazard for by_deadline
    (for a date question, constant in its hazard's time: 1 - (1 - c)^(Lambda(as_of) / Lambda(opens)))."""
    if question.kind == "one_shot":
        return np.asarray(c, dtype=float)
    return _scaled(c, *_left(question, as_of, question.opens))


def yes_branch_at(c1: np.ndarray, hinge: Hinge, question: Question, parent: Question, as_of: dt.date) -> np.ndarray:
    """P(B | A) at ``as_of``: :func:`scaled_to_window`, or, for a hinge with ``follows_within_days``, the
    whole-window value until the follow-up window after A's resolution has passed (see the module docstring)."""
    days = hinge.follows_within_days
    if days is None or question.kind == "one_shot":
        return scaled_to_window(c1, question, as_of)
    if known_outcome(parent, as_of) != "yes":
        return np.asarray(c1, dtype=float)
    assert parent.resolved_on is not None
    follow_end = parent.resolved_on + dt.timedelta(days=days)
    if as_of <= follow_end or follow_end >= question.closes:
        return np.asarray(c1, dtype=float)
    return _scaled(c1, *_left(question, as_of, follow_end))


def known_outcome(parent: Question, as_of: dt.date) -> str | None:
    """A's resolution when it is known at ``as_of`` (resolved_on on or before it), else None."""
    if parent.resolution is not None and parent.resolved_on is not None and parent.resolved_on <= as_of:
        return parent.resolution
    return None
