"""Date questions: when an event happens between ``opens`` and ``closes`` (or not by then).

A date question is written like a yes/no by_deadline question (class, hazard, decision points,
triggers, event log, ratios) and is forecast with the same draws (:class:`Forecast` of the
question as "by closes"). Its answer is the whole curve F(d) = P(event by the end of day d):

    logit F(d) = logit base_by(d) + S,       S = sum_k beta_k x_k   (the yes/no question's shift)

with base_by(d) the outside view's curve from the hazard machinery (:mod:`foresight.model.curve`).

Why the evidence moves the curve by the yes/no question's logit shift at every d, rather than
by a proportional-hazards shift of the log hazard (F = 1 - (1 - F0)^(e^S)):

- the ratios were elicited as P(sign | by closes) / P(sign | not by closes); with the logit shift
  F(closes) is exactly the yes/no forecast, so a pack's ratios keep their meaning when a yes/no
  question becomes a date question, and the ratio of a ladder's "by d" question is the same one;
- every point of the curve is what the yes/no model says of "by d" with the date question's outside
  view, so a ladder of points (``point_of``) is a set of yes/no forecasts that cannot disagree;
- F stays a CDF: for fixed S, expit(logit(.) + S) is increasing, so F increases with d and is 0
  before the forecast's day. (A proportional-hazards shift keeps the timing's shape too, but its
  F(closes) = 1 - (1 - F0)^(e^S) would differ from the yes/no forecast given the same ratio.)
  Tested in tests/test_outcome_types.py: F(closes) is the yes/no forecast, the shift is the ratio's log
  at every day, and the curve never decreases.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from scipy.special import expit, logit

from foresight.model.curve import accrued_share
from foresight.model.forecasting import EPS, Forecast

DATE_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
"""Levels of the date quantiles a summary row shows (a level the curve does not reach: 'after closes')."""

AFTER_CLOSES = "after closes"


@dataclass(frozen=True)
class DateForecast:
    """A date question's forecast: the curve F(d) from the draws of its "by closes" forecast."""

    by_closes: Forecast

    @property
    def question(self):
        return self.by_closes.question

    @property
    def as_of(self) -> dt.date:
        return self.by_closes.as_of

    @property
    def observations(self):
        return self.by_closes.observations

    @property
    def indicators(self) -> tuple[str, ...]:
        """Ids of the indicators that bear on this question (the yes/no forecast's)."""
        return tuple(self.by_closes.spec.indicators)

    @cached_property
    def shift(self) -> np.ndarray:
        """S per draw: the evidence's total log-odds shift (the yes/no forecast's)."""
        return self.by_closes.shift_draws.sum(axis=1)

    def share(self, day: dt.date) -> float:
        f = self.by_closes
        return accrued_share(f.question, f.as_of, day, f.pack.questions)

    def base_cdf_draws(self, day: dt.date) -> np.ndarray:
        """Draws of the outside view's P(event by the end of ``day``) (a hinged question's branches mixed)."""
        return self.by_closes.base_draws_by(self.share(day))

    def cdf_draws(self, day: dt.date) -> np.ndarray:
        """Draws of P(event by the end of ``day`` | evidence at ``as_of``); at ``closes`` the yes/no forecast."""
        if day < self.as_of:
            return np.zeros(self.by_closes.posterior.n_draws)
        return self.by_closes.probability_by(self.share(day), self.shift)

    def days(self) -> list[dt.date]:
        q = self.question
        return [q.opens + dt.timedelta(days=k) for k in range((q.closes - q.opens).days + 1)]

    @cached_property
    def _shares(self) -> np.ndarray:
        """The share of the hazard ahead accrued by the end of each day of the window (0 before ``as_of``)."""
        return np.array([self.share(d) if d >= self.as_of else 0.0 for d in self.days()])

    @cached_property
    def mean_cdf(self) -> np.ndarray:
        """Mean of F(d) over the draws, for each day of the window (the days of :meth:`cdf_draws` at once)."""
        shares = self._shares
        if (
            self.by_closes.parent is not None
        ):  # a hinged curve: two branches per day, mixed (see foresight.model.hinges)
            return np.array([float(self.cdf_draws(d).mean()) if s > 0.0 else 0.0 for d, s in zip(self.days(), shares)])
        # Only the days from as_of on are computed (the transcendental functions are the cost: a history step
        # late in the window has few days left), in one (draws, days) array changed in place (base_by, then
        # the shift on the logit scale: the same operations as cdf_draws), and averaged at full width as before.
        ahead = shares > 0.0
        part = shares[ahead]
        base = self.by_closes.base_draws
        x = np.multiply(part[None, :], np.log1p(-np.clip(base, 0.0, 1.0 - 1e-15))[:, None])
        np.negative(np.expm1(x, out=x), out=x)
        x[:, part >= 1.0] = base[:, None]
        np.clip(x, EPS, 1 - EPS, out=x)
        np.add(logit(x, out=x), self.shift[:, None], out=x)
        expit(x, out=x)
        if ahead.all():
            full = x
        else:
            full = np.zeros((len(base), len(shares)))
            full[:, ahead] = x
        return np.where(ahead, full.mean(axis=0), 0.0)

    @cached_property
    def base_mean_cdf(self) -> np.ndarray:
        """The outside view's mean curve (0 before the forecast's day)."""
        f = self.by_closes
        return np.array([float(f.base_draws_by(s).mean()) if s > 0 else 0.0 for s in self._shares])

    def cdf_interval(self, day: dt.date, prob: float = 0.9) -> tuple[float, float]:
        lo, hi = np.quantile(self.cdf_draws(day), [(1 - prob) / 2, (1 + prob) / 2])
        return float(lo), float(hi)

    def date_quantiles(self, levels=DATE_QUANTILES, base: bool = False) -> dict[str, str]:
        """The first day the mean curve reaches each level (ISO), or 'after closes'."""
        cdf = self.base_mean_cdf if base else self.mean_cdf
        days = self.days()
        out = {}
        for level in levels:
            hit = np.nonzero(cdf >= level)[0]
            out[f"{level:g}"] = days[int(hit[0])].isoformat() if len(hit) else AFTER_CLOSES
        return out

    def what_if(self, overrides: Mapping[str, Any] | None = None, as_of: Any = None) -> DateForecast:
        """The same curve with evidence overridden and/or at another date, from the same draws."""
        return DateForecast(self.by_closes.what_if(overrides, as_of))
