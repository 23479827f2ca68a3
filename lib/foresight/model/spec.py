"""The model of one question family: priors, reference-class data, and the PyMC graph.

Parameters are the reference class's rate per case, ``theta``, and one log
likelihood ratio per indicator, ``beta``. For a question with discounted
indicator values x (see :mod:`foresight.model.evidence`):

    logit P(yes) = logit(base(theta, window)) + sum_k beta_k * x_k

When the class's cases are coded on the question's indicators, the cases are
data for a Bayesian logistic regression: theta ~ Beta(0.5, 0.5) (Jeffreys),
beta_k ~ Normal(mu_k, sigma_k) from the elicited intervals, and each case's
Bernoulli likelihood is raised to the class's relevance r (the same power
prior that gives the closed-form base rate). With no coded case the posterior
of theta is that closed form, Beta(0.5 + r*yes, 0.5 + r*no), beta keeps its
elicited prior, and both are drawn exactly by forward sampling.

Only cases known before the question's `opens` date are used (dated before it, with
their outcome known before it: ``Case.known_before``), so a forecast never learns
from history its forecaster could not have known.

A question whose outside view has several sources (classes, an analyst prior,
an event log; :mod:`foresight.model.outside`) gets a spec with ``components``:
theta is then drawn from their mixture (source first, then its distribution),
exactly, and the regression on coded cases is not used.

Everything that determines the posterior lives in :class:`ModelSpec`, whose
hash keys the on-disk cache of draws.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field

import numpy as np

from foresight.model.evidence import case_features, discount_applies, group_discount
from foresight.model.options import ModelOptions
from foresight.model.outside import Component, class_cases, components, draw_components, single_class
from foresight.model.priors import JEFFREYS, class_beta, log_lr_normal
from foresight.pack.loader import Pack
from foresight.pack.schema import Question, outcome_number


@dataclass(frozen=True)
class ModelSpec:
    """All inputs of one posterior: priors, case data, and how features were built."""

    pack_id: str
    reference_class: str
    relevance: float
    theta_prior: tuple[float, float]
    indicators: tuple[str, ...]
    groups: tuple[str, ...]
    rho: tuple[float, ...]
    mu: tuple[float, ...]
    sigma: tuple[float, ...]
    case_names: tuple[str, ...]
    case_x: tuple[tuple[float, ...], ...]
    case_y: tuple[int, ...]
    learns_from_cases: bool
    discount_groups: bool
    lr_width_scale: float
    components: tuple[Component, ...] = field(default=())
    discount_by_direction: bool = False  # pack.yaml correlation_discount: by_direction

    @property
    def is_mixture(self) -> bool:
        """True when theta is drawn from a mixture of outside-view sources (see :mod:`foresight.model.outside`)."""
        return bool(self.components)

    def _fields(self) -> dict:
        """The spec as a dict, leaving out fields added later while at their defaults, so older specs keep
        their hashes (and the posterior cache its entries)."""
        out = asdict(self)
        if not self.components:
            out.pop("components")
        if not self.discount_by_direction:
            out.pop("discount_by_direction")
        return out

    def _hashed(self, *leave_out: str) -> str:
        fields = {k: v for k, v in self._fields().items() if k not in leave_out}
        return hashlib.sha256(json.dumps(fields, sort_keys=True, default=str).encode()).hexdigest()

    @property
    def n_indicators(self) -> int:
        return len(self.indicators)

    def case_matrix(self) -> tuple[np.ndarray, np.ndarray]:
        """(X, y) of the reference-class cases: X is (n_cases, n_indicators), already discounted."""
        x = np.array(self.case_x, dtype=float).reshape(len(self.case_y), self.n_indicators)
        return x, np.array(self.case_y, dtype=int)

    def digest(self) -> str:
        """A stable hash of the spec (float reprs are exact, so equal inputs give equal hashes)."""
        return self._hashed()

    def posterior_digest(self) -> str:
        """Hash of only what the posterior depends on: ``rho`` and the discount switch act on the
        current question's features, and on the cases only through ``case_x`` (hashed), so specs
        differing in them alone share draws (the naive-Bayes baseline often reuses the model's).
        ``discount_by_direction`` likewise reaches the cases only through ``case_x``."""
        return self._hashed("rho", "discount_groups", "discount_by_direction")


def model_spec(pack: Pack, question: Question, options: ModelOptions | None = None) -> ModelSpec:
    """Collect the priors and case data for ``question`` from the pack (sampler options play no part)."""
    opts = options or ModelOptions()
    if question.point_of is not None:  # a point of a date question's curve shares that question's model
        question = pack.typed_questions[question.point_of]
    learn_from_cases, lr_width_scale = opts.learn_from_cases, opts.lr_width_scale
    discount_groups = discount_applies(pack, opts.discount_groups)
    comps = components(pack, question)
    one = single_class(comps)
    if one is not None:
        rc = pack.reference_classes[one.id]
        use = next((u for u in question.reference_classes or () if u.id == rc.id), None)
        relevance = one.relevance if one.relevance is not None else rc.relevance
        # Only history known when the question opened: a case dated on or after `opens`
        # would let a backtest learn from outcomes its forecaster could not have seen.
        cases = class_cases(rc, question, use.where.tags if use is not None and use.where is not None else None)
    else:
        rc, relevance, cases = None, 0.0, []
    indicators = pack.indicators_for(question)
    groups = tuple(ind.group for ind in indicators)
    rho_by_group = {g: (pack.meta.correlation_groups[g].rho if discount_groups else 0.0) for g in groups}
    mus, sigmas = [], []
    for ind in indicators:
        interval = pack.lr_interval(ind, question)
        assert interval is not None
        mu, sigma = log_lr_normal(interval, lr_width_scale)
        mus.append(mu)
        sigmas.append(sigma)
    raw = np.array([case_features(indicators, case.indicators) for case in cases]).reshape(len(cases), len(indicators))
    coded = bool(len(indicators)) and bool(np.any(raw != 0.0))
    learns = learn_from_cases and coded
    by_direction = discount_groups and pack.meta.correlation_discount == "by_direction"
    # The cases' features get the same discount as the question's own (case rows of one group
    # pointing opposite ways are not shrunk as duplicates either), so the regression learns
    # weights on the scale they are applied on.
    x = group_discount(raw, groups, rho_by_group, mus if by_direction else None) if len(indicators) else raw
    if rc is None:
        theta_prior = (0.0, 0.0)  # unused: theta comes from the components' mixture
    elif learns:
        # Jeffreys, plus the class's missing cases as uncoded pseudo-cases (x = 0, so P(yes) = theta):
        # exactly what the closed form adds when the class does not learn.
        m = rc.missing
        theta_prior = (
            (JEFFREYS, JEFFREYS)
            if m is None
            else (JEFFREYS + relevance * m.successes, JEFFREYS + relevance * m.failures)
        )
    else:
        theta_prior = class_beta(rc, cases, relevance)
    return ModelSpec(
        pack_id=pack.meta.id,
        reference_class=rc.id if rc is not None else _primary(comps),
        relevance=relevance,
        theta_prior=theta_prior,
        indicators=tuple(ind.id for ind in indicators),
        groups=groups,
        rho=tuple(rho_by_group[g] for g in groups),
        mu=tuple(mus),
        sigma=tuple(sigmas),
        case_names=tuple(case.name for case in cases),
        case_x=tuple(tuple(float(v) for v in row) for row in x),
        case_y=tuple(int(outcome_number(case.outcome)) for case in cases),
        learns_from_cases=learns,
        discount_groups=discount_groups,
        lr_width_scale=lr_width_scale,
        components=() if rc is not None else comps,
        discount_by_direction=by_direction,
    )


def _primary(comps: tuple[Component, ...]) -> str:
    """The mixture's heaviest class (its id names the spec), or '' when no class is used."""
    classes = [c for c in comps if c.kind == "class"]
    return max(classes, key=lambda c: c.weight).id if classes else ""


def draw_theta(spec: ModelSpec, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray | None]:
    """Exact draws of theta from its prior (the posterior when the spec does not learn from cases), and
    for a mixture the source of each draw. A one-class spec draws Beta(theta_prior) as it always did."""
    if not spec.components:
        return rng.beta(*spec.theta_prior, size=n), None
    return draw_components(spec.components, rng, n)


def add_spec_to_model(spec: ModelSpec, prefix: str = "") -> None:
    """Add ``spec``'s variables to the PyMC model in context, names prefixed (for joint models)."""
    import pymc as pm

    if spec.is_mixture:
        raise ValueError("a mixture spec is drawn exactly (draw_theta), never put in a PyMC model")
    model = pm.modelcontext(None)
    ind_dim, case_dim = f"{prefix}indicator", f"{prefix}case"
    model.add_coord(ind_dim, list(spec.indicators))
    model.add_coord(case_dim, list(spec.case_names))
    theta = pm.Beta(f"{prefix}theta", alpha=spec.theta_prior[0], beta=spec.theta_prior[1])
    beta = pm.Normal(f"{prefix}beta", mu=np.array(spec.mu), sigma=np.array(spec.sigma), dims=ind_dim)
    if spec.learns_from_cases:
        x, y = spec.case_matrix()
        x_data = pm.Data(f"{prefix}case_x", x, dims=(case_dim, ind_dim))
        logit_p = pm.math.logit(theta) + pm.math.dot(x_data, beta)
        loglik = pm.logp(pm.Bernoulli.dist(logit_p=logit_p), y)
        # Power prior: each case's likelihood counts with the class's relevance.
        pm.Potential(f"{prefix}cases_weighted_by_relevance", spec.relevance * loglik.sum())


def build_pymc_model(spec: ModelSpec):
    """The PyMC model of ``spec``: the regression when it learns from cases, else the priors alone."""
    import pymc as pm

    with pm.Model() as model:
        add_spec_to_model(spec)
    return model
