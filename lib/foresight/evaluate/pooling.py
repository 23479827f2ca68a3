"""Pooling the model with the crowd: an extremized weighted mean of log-odds, its weights learned held out.

Where a forecast from elsewhere (``external_forecasts.yaml``, headline
matches) exists on or before a step's date, the pooled forecast is

    logit p = d * (w * logit(model) + (1 - w) * logit(crowd))

w in [0, 1] is the model's weight and d > 0 the extremizing factor (d > 1
pushes the pooled forecast away from 50%, as aggregations of the Good Judgment
Project did: Satopää et al. 2014, International Journal of Forecasting).

w and d are learned on a grid (101 x 81 points): the posterior of two
parameters is computed exactly there, no sampler needed. Priors: w uniform on
[0, 1]; d LogNormal(0, 0.5), centred on no extremizing. The likelihood is the
Bernoulli one of each pair's outcome, every (source, question) series weighted
to 1 in all and within it each forecast by the days it held, as the
time-averaged scores count them. With no pairs the posterior is the prior, and
:func:`summary` says when there are too few series to learn from.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import expit

from foresight.evaluate.scoring import time_shares
from foresight.model.calibration import logit

W_GRID = np.linspace(0.0, 1.0, 101)
D_GRID = np.exp(np.linspace(np.log(0.25), np.log(4.0), 81))
D_PRIOR_SD = 0.5
MIN_SERIES = 10
"""Fewer (source, question) series than this: too few to learn the weights (the summary says so)."""


@dataclass(frozen=True)
class Pooling:
    """The grid posterior of (w, d) and how many series and forecasts it learned from."""

    posterior: np.ndarray  # shape (len(W_GRID), len(D_GRID)), sums to 1
    n_series: int
    n_forecasts: int

    def predict(self, model: np.ndarray, crowd: np.ndarray) -> np.ndarray:
        """Pooled probability of each pair, averaged over the posterior of (w, d)."""
        lm, lc = logit(model), logit(crowd)
        eta = D_GRID[None, :, None] * (W_GRID[:, None, None] * lm + (1 - W_GRID[:, None, None]) * lc)
        return np.einsum("wd,wdn->n", self.posterior, expit(eta))

    def interval(self, which: str) -> tuple[float, float, float]:
        """Posterior mean and 90% interval of ``w`` or ``d``."""
        grid, marginal = (W_GRID, self.posterior.sum(axis=1)) if which == "w" else (D_GRID, self.posterior.sum(axis=0))
        cdf = np.cumsum(marginal)
        lo, hi = grid[np.searchsorted(cdf, 0.05)], grid[min(np.searchsorted(cdf, 0.95), len(grid) - 1)]
        return float((grid * marginal).sum()), float(lo), float(hi)

    def summary(self) -> str:
        """w and d with their 90% intervals, and a warning when the pairs are too few."""
        w, d = self.interval("w"), self.interval("d")
        text = (
            f"model weight w = {w[0]:.2f} (90% {w[1]:.2f}-{w[2]:.2f}), extremizing d = {d[0]:.2f} "
            f"(90% {d[1]:.2f}-{d[2]:.2f}), from {self.n_series} series ({self.n_forecasts} forecasts)"
        )
        if self.n_series < MIN_SERIES:
            text += f"; too few series to learn from (fewer than {MIN_SERIES}): mostly the prior (w = 0.5, d = 1)"
        return text


def series_weights(paired: pd.DataFrame) -> np.ndarray:
    """Each external forecast's share of its (pack, source, question) series' time; each series sums to 1."""
    return time_shares(paired, [k for k in ("pack", "source", "question_id") if k in paired.columns])


def fit_pooling(paired: pd.DataFrame) -> Pooling:
    """The grid posterior of (w, d) from pairs with ``forecast`` (model), ``external_forecast`` and ``outcome``."""
    # the d grid is evenly spaced in log d, so each cell's prior mass is the Normal density of log d
    log_prior = (-0.5 * (np.log(D_GRID) / D_PRIOR_SD) ** 2)[None, :] * np.ones((len(W_GRID), 1))
    log_post = log_prior.copy()
    n_series = 0
    if len(paired):
        paired = paired.reset_index(drop=True)
        weights = series_weights(paired)
        lm, lc = logit(paired["forecast"]), logit(paired["external_forecast"])
        sign = 2.0 * paired["outcome"].to_numpy(float) - 1.0  # log P(outcome) = -log(1 + exp(-sign * eta))
        for i, w in enumerate(W_GRID):  # one row of the grid at a time: (len(D_GRID), n) stays small
            eta = D_GRID[:, None] * (sign * (w * lm + (1 - w) * lc))[None, :]
            log_post[i] -= np.logaddexp(0.0, -eta) @ weights
        keys = [k for k in ("pack", "source", "question_id") if k in paired.columns]
        n_series = int(paired.groupby(keys).ngroups)
    post = np.exp(log_post - log_post.max())
    return Pooling(post / post.sum(), n_series, len(paired))


def leave_one_pack_out(paired: pd.DataFrame) -> tuple[np.ndarray, dict[str, Pooling]]:
    """Each pair pooled with (w, d) learned from the other packs' pairs only; the fits by held-out pack."""
    out = np.full(len(paired), np.nan)
    fits = {}
    for pack in paired["pack"].unique():
        mine = (paired["pack"] == pack).to_numpy()
        fits[pack] = fit_pooling(paired[~mine])
        out[mine] = fits[pack].predict(paired.loc[mine, "forecast"], paired.loc[mine, "external_forecast"])
    return out, fits
