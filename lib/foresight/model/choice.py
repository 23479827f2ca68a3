"""Options questions: one of K exclusive options, as a distribution (draws) over the K probabilities.

Outside view. Each reference class whose cases record ``option: ID`` gives a Dirichlet
with alpha_k = 0.5 + r * n_k (Jeffreys' 0.5 per option, each case dated before ``opens``
counted with the relevance r, as a yes/no class gives Beta(0.5 + r*yes, 0.5 + r*no): with
two options it *is* that Beta). An ``options_prior`` is Dirichlet(strength * p) with p its
probabilities (or, for ordered options with numeric bins, the bin probabilities of the
piecewise-linear CDF through its quantiles, :func:`quantile_probabilities`). Sources are
mixed as a yes/no question's are (:mod:`foresight.model.outside`): a draw picks a source by
weight (classes relative, the prior its ``weight`` as a share of the whole) and then draws
from it.

Evidence. An indicator's ``option_ratios`` give, for each option j, a 90% interval on
P(seen | j) / P(seen | reference); its log is Normal(mu, sigma) read equal-tailed exactly as
a yes/no ratio (:func:`foresight.model.priors.log_lr_normal`), options not listed and the
reference have log ratio 0. With x_m the indicator's signed strength x credibility after
the correlation-group discount (the same features as a yes/no question's),

    log P(j | evidence) = log base_j + sum_m beta_jm * x_m  - log(normaliser),

i.e. each option's odds against the reference are multiplied by its ratio raised to x. With
options {yes, no}, reference no, this is logit P(yes) = logit base + beta * x, the yes/no
model. The group discount runs over the whole group (a direction is not defined for K > 2
options). Options questions do not learn from coded cases: draws are exact forward samples.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import logsumexp

from foresight.model.evidence import Observation, discount_applies, group_discount, observations_as_of, raw_features
from foresight.model.options import ModelOptions
from foresight.model.outside import class_cases
from foresight.model.priors import JEFFREYS, log_lr_normal
from foresight.pack.loader import Pack
from foresight.pack.outcome_checks import classes_of, option_ratios_for
from foresight.pack.schema import Question, ReferenceClass


@dataclass(frozen=True)
class DirichletSource:
    """One source of an options question's outside view: its Dirichlet and its share of the mixture."""

    kind: str  # 'class' or 'prior'
    id: str
    weight: float
    alpha: tuple[float, ...]


def option_ids(question: Question) -> list[str]:
    return [o.id for o in question.options or []]


def class_dirichlet(
    rc: ReferenceClass, question: Question, relevance: float | None = None, tags: list[str] | None = None
) -> tuple[float, ...]:
    """alpha_k = 0.5 + r * (number of the class's cases before ``opens`` that ended in option k)."""
    r = rc.relevance if relevance is None else relevance
    cases = class_cases(rc, question, tags)
    return tuple(JEFFREYS + r * sum(1 for c in cases if c.option == k) for k in option_ids(question))


def quantile_probabilities(edges: list[float], quantiles: Mapping[float, float]) -> list[float]:
    """Bin probabilities of the piecewise-linear CDF through (edges[0], 0), each (value, level) and
    (edges[-1], 1): the least-assuming reading of a few stated quantiles of a quantity."""
    points = sorted((v, q) for q, v in quantiles.items())
    xs = [edges[0], *(v for v, _ in points), edges[-1]]
    ys = [0.0, *(q for _, q in points), 1.0]
    cdf = np.interp(edges, xs, ys)
    return [float(b - a) for a, b in zip(cdf, cdf[1:])]


def prior_probabilities(question: Question) -> list[float]:
    """The options prior's probability per option, in the question's option order."""
    prior = question.options_prior
    assert prior is not None
    if prior.probabilities is not None:
        return [prior.probabilities[k] for k in option_ids(question)]
    assert prior.quantiles is not None and question.bins is not None
    return quantile_probabilities(list(question.bins), prior.quantiles)


def sources(pack: Pack, question: Question) -> tuple[DirichletSource, ...]:
    """Every source of the question's outside view with its normalised weight (zero weights dropped),
    by the rule of :func:`foresight.model.outside.components`."""
    raw: list[DirichletSource] = []
    if question.reference_classes is not None:
        for use in question.reference_classes:
            rc = pack.reference_classes[use.id]
            tags = use.where.tags if use.where is not None else None
            raw.append(DirichletSource("class", rc.id, use.weight, class_dirichlet(rc, question, use.relevance, tags)))
    else:
        for rc in classes_of(question, pack.reference_classes):
            raw.append(DirichletSource("class", rc.id, 1.0, class_dirichlet(rc, question)))
    total = sum(s.weight for s in raw)
    prior = question.options_prior
    share = 0.0 if prior is None else (1.0 if total == 0 else prior.weight)
    out = [
        DirichletSource(s.kind, s.id, (1.0 - share) * s.weight / total, s.alpha)
        for s in raw
        if s.weight > 0 and share < 1.0
    ]
    if prior is not None and share > 0:
        alpha = tuple(max(prior.strength * p, 1e-3) for p in prior_probabilities(question))
        out.append(DirichletSource("prior", "analyst", share, alpha))
    return tuple(out)


def draw_base(srcs: tuple[DirichletSource, ...], rng: np.random.Generator, n: int) -> np.ndarray:
    """(n, K) draws of the option probabilities from the mixture of Dirichlets."""
    weights = np.array([s.weight for s in srcs], dtype=float)
    index = rng.choice(len(srcs), size=n, p=weights / weights.sum())
    out = np.empty((n, len(srcs[0].alpha)))
    for k, s in enumerate(srcs):
        mask = index == k
        out[mask] = rng.dirichlet(s.alpha, size=int(mask.sum()))
    return out


@dataclass(frozen=True)
class OptionsModel:
    """Everything an options forecast's draws depend on: the outside view's sources and each indicator's
    Normal prior on its log ratio per option (zeros for the reference and options it does not name)."""

    question_id: str
    options: tuple[str, ...]
    sources: tuple[DirichletSource, ...]
    indicators: tuple[str, ...]
    groups: tuple[str, ...]
    rho: tuple[float, ...]
    mu: tuple[tuple[float, ...], ...]  # (K, M)
    sigma: tuple[tuple[float, ...], ...]  # (K, M)

    def digest(self) -> str:
        return hashlib.sha256(json.dumps(self.__dict__, default=str, sort_keys=True).encode()).hexdigest()


def options_model(pack: Pack, question: Question, opts: ModelOptions | None = None) -> OptionsModel:
    """Collect the outside view and the ratio priors of an options question from the pack."""
    opts = opts or ModelOptions()
    ids = option_ids(question)
    inds = [ind for ind in pack.indicators.values() if option_ratios_for(ind, question) is not None]
    mu = np.zeros((len(ids), len(inds)))
    sigma = np.zeros((len(ids), len(inds)))
    for m, ind in enumerate(inds):
        ratios = option_ratios_for(ind, question)
        assert ratios is not None
        for k, option in enumerate(ids):
            if option in ratios.ratios:
                mu[k, m], sigma[k, m] = log_lr_normal(ratios.ratios[option], opts.lr_width_scale)
    groups = tuple(ind.group for ind in inds)
    return OptionsModel(
        question.id,
        tuple(ids),
        sources(pack, question),
        tuple(ind.id for ind in inds),
        groups,
        tuple(
            pack.meta.correlation_groups[g].rho if discount_applies(pack, opts.discount_groups) else 0.0 for g in groups
        ),
        tuple(map(tuple, mu.tolist())),
        tuple(map(tuple, sigma.tolist())),
    )


@dataclass(frozen=True)
class OptionsDraws:
    """Draws of the outside view (n, K) and of the log ratios (n, K, M), from one seed."""

    model: OptionsModel
    base: np.ndarray
    beta: np.ndarray


def draw_options(model: OptionsModel, opts: ModelOptions) -> OptionsDraws:
    """Exact forward draws; the same model and seed give the same draws."""
    rng = np.random.default_rng([opts.seed, int(model.digest()[:8], 16)])
    base = draw_base(model.sources, rng, opts.draws)
    mu, sigma = np.array(model.mu), np.array(model.sigma)
    z = rng.standard_normal((opts.draws, *mu.shape))
    return OptionsDraws(model, base, mu[None] + sigma[None] * z)


@dataclass(frozen=True)
class OptionsForecast:
    """One options question's forecast at one date: draws of the K option probabilities and what moved them."""

    pack: Pack
    question: Question
    as_of: dt.date
    draws_of: OptionsDraws
    observations: dict[str, Observation]
    overrides: Mapping[str, Any] = field(default_factory=dict)

    @property
    def options(self) -> tuple[str, ...]:
        return self.draws_of.model.options

    @property
    def indicators(self) -> tuple[str, ...]:
        """Ids of the indicators that bear on this question (its ratios' columns)."""
        return tuple(self.draws_of.model.indicators)

    @cached_property
    def x(self) -> np.ndarray:
        """Each indicator's signed strength x credibility after the whole-group correlation discount."""
        model = self.draws_of.model
        raw = raw_features([self.pack.indicators[i] for i in model.indicators], self.observations)
        return group_discount(raw, model.groups, dict(zip(model.groups, model.rho)), None)

    @cached_property
    def shift(self) -> np.ndarray:
        """(n, K) log-odds shift of each option against the reference: sum over indicators of beta * x."""
        return self.draws_of.beta @ self.x

    @cached_property
    def draws(self) -> np.ndarray:
        """(n, K) draws of P(option | evidence at ``as_of``); each row sums to 1."""
        logp = np.log(np.clip(self.draws_of.base, 1e-300, 1.0)) + self.shift
        return np.exp(logp - logsumexp(logp, axis=1, keepdims=True))

    @property
    def base_draws(self) -> np.ndarray:
        return self.draws_of.base

    @property
    def mean(self) -> np.ndarray:
        return self.draws.mean(axis=0)

    @property
    def base_mean(self) -> np.ndarray:
        return self.base_draws.mean(axis=0)

    def interval(self, prob: float = 0.9) -> np.ndarray:
        """(K, 2) equal-tailed interval of each option's probability."""
        return np.quantile(self.draws, [(1 - prob) / 2, (1 + prob) / 2], axis=0).T

    def what_if(self, overrides: Mapping[str, Any] | None = None, as_of: Any = None) -> OptionsForecast:
        """The same forecast with evidence overridden and/or at another date, from the same draws."""
        from foresight.model.forecasting import check_in_window, parse_date

        when = self.as_of if as_of is None else parse_date(as_of)
        check_in_window(self.question, when)
        merged = {**self.overrides, **(overrides or {})}
        return OptionsForecast(
            self.pack, self.question, when, self.draws_of, observations_as_of(self.pack, when, merged), merged
        )

    @cached_property
    def contributions(self) -> pd.DataFrame:
        """One row per indicator and option: the mean log-odds shift of that option against the reference."""
        rows = []
        for m, ind in enumerate(self.draws_of.model.indicators):
            for k, option in enumerate(self.options):
                rows.append(
                    {
                        "indicator": ind,
                        "option": option,
                        "x": float(self.x[m]),
                        "shift_mean": float((self.draws_of.beta[:, k, m] * self.x[m]).mean()),
                    }
                )
        return pd.DataFrame(rows, columns=["indicator", "option", "x", "shift_mean"])
