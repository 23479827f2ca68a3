"""Joint scenarios: all questions of a pack in one model, their dependence, combinations and conditionals.

Parameters: every question family's (theta, beta) as in :mod:`foresight.model.spec`
plus one strength s_k per latent driver (Beta prior fitted equal-tailed to the
elicited 90% interval). They are sampled together in one PyMC model (NUTS
when some family learns from coded cases, exact forward draws otherwise), so
every draw carries a probability p_q for each question.

Dependence (a one-factor-per-driver Gaussian copula): question q happens when
    Y_q = sum_k a_qk z_k + sqrt(1 - sum_k a_qk^2) e_q  <  Phi^-1(p_q),
with z_k, e_q independent standard normals and a_qk = loading_qk * sqrt(s_k).
Each question keeps exactly its own forecast p_q as its marginal; questions
that load on a common driver with the same sign rise and fall together. With
no drivers the outcomes are independent given the draw. The probability of
each combination of outcomes is integrated over z by Gauss-Hermite
quadrature per draw, so combinations sum to one in every draw.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import math
import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, stats

from foresight.model.evidence import observations_as_of
from foresight.model.forecasting import Forecast, default_as_of, parse_date
from foresight.model.options import ModelOptions
from foresight.model.sampling import (
    Diagnostics,
    Posterior,
    SamplerSettings,
    check_diagnostics,
    default_cache_dir,
    mcmc_diagnostics,
    quiet_sampling,
    save_npz_atomic,
)
from foresight.model.spec import ModelSpec, add_spec_to_model, draw_theta, model_spec
from foresight.pack.links import Driver, Links, evaluate, expression_ids, loading_for, parse_expression
from foresight.pack.loader import Pack

MAX_COMBINATION_QUESTIONS = 10


def beta_from_interval(lo: float, hi: float) -> tuple[float, float]:
    """Beta(a, b) whose equal-tailed 90% interval is [lo, hi] (solved numerically on log a, log b)."""

    def gap(log_ab: np.ndarray) -> np.ndarray:
        a, b = np.exp(log_ab)
        return np.array(stats.beta.ppf([0.05, 0.95], a, b)) - [lo, hi]

    mid = (lo + hi) / 2
    start = np.log([mid * 10, (1 - mid) * 10])
    sol = optimize.least_squares(gap, start, xtol=1e-12, ftol=1e-12)
    a, b = np.exp(sol.x)
    return float(a), float(b)


def links_of(pack: Pack) -> Links:
    """The pack's links (empty when it declares none)."""
    return getattr(pack, "links", None) or Links()


@dataclass(frozen=True)
class JointDraws:
    """Draws of every distinct family model and every driver strength, aligned by draw index."""

    specs: tuple[ModelSpec, ...]
    theta: np.ndarray  # (n, n_specs)
    beta: tuple[np.ndarray, ...]  # one (n, K_i) per spec
    strength: np.ndarray  # (n, n_drivers)
    diagnostics: Diagnostics
    component: tuple[np.ndarray | None, ...] = ()  # per spec: the outside-view source of each draw (mixtures)

    def component_of(self, i: int) -> np.ndarray | None:
        return self.component[i] if i < len(self.component) else None


def _joint_key(specs, drivers, settings) -> str:
    parts = {
        "specs": [s.posterior_digest() for s in specs],
        "drivers": [(d.id, d.strength.lo, d.strength.hi) for d in drivers],
        "settings": settings.__dict__,
        "learns": any(s.learns_from_cases for s in specs),
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:24]


def _forward_joint(specs, drivers, settings) -> JointDraws:
    start = time.perf_counter()
    rng = np.random.default_rng(settings.seed)
    n = settings.draws
    drawn = [draw_theta(s, rng, n) for s in specs]
    theta = np.column_stack([t for t, _ in drawn]) if specs else np.zeros((n, 0))
    beta = tuple(
        rng.normal(np.array(s.mu), np.array(s.sigma), size=(n, s.n_indicators)).reshape(n, s.n_indicators)
        for s in specs
    )
    strength = (
        np.column_stack([rng.beta(*beta_from_interval(d.strength.lo, d.strength.hi), size=n) for d in drivers])
        if drivers
        else np.zeros((n, 0))
    )
    diag = Diagnostics(
        "exact forward sampling",
        None,
        float(n),
        0,
        time.perf_counter() - start,
        warnings=check_diagnostics(None, float(n), 0),
    )
    return JointDraws(tuple(specs), theta, beta, strength, diag, tuple(c for _, c in drawn))


def _mixtures_forward(specs, settings, theta: np.ndarray, beta: tuple) -> tuple[np.ndarray, tuple, tuple]:
    """Mixture specs stay out of the PyMC model: they learn nothing from cases, so their theta and beta
    are independent of every other parameter and drawn exactly here (one generator per spec position)."""
    beta = list(beta)
    component: list[np.ndarray | None] = [None] * len(specs)
    n = theta.shape[0]
    for i, s in enumerate(specs):
        if s.is_mixture:
            rng = np.random.default_rng([settings.seed, i])
            theta[:, i], component[i] = draw_theta(s, rng, n)
            beta[i] = rng.normal(np.array(s.mu), np.array(s.sigma), size=(n, s.n_indicators)).reshape(n, s.n_indicators)
    return theta, tuple(beta), tuple(component)


def build_joint_model(specs, drivers):
    """One PyMC model holding every family model (prefixed m0_, m1_, ...) and each driver's strength."""
    import pymc as pm

    with pm.Model() as model:
        for i, spec in enumerate(specs):
            if not spec.is_mixture:
                add_spec_to_model(spec, prefix=f"m{i}_")
        for d in drivers:
            a, b = beta_from_interval(d.strength.lo, d.strength.hi)
            pm.Beta(f"strength_{d.id}", alpha=a, beta=b)
    return model


def _nuts_joint(specs, drivers, settings) -> JointDraws:
    import pymc as pm

    start = time.perf_counter()
    with build_joint_model(specs, drivers), quiet_sampling():
        tree = pm.sample(
            draws=settings.draws_per_chain,
            tune=settings.tune,
            chains=settings.chains,
            cores=settings.cores,
            random_seed=settings.seed,
            nuts_sampler=settings.nuts_sampler,
            backend=settings.backend,
            target_accept=settings.target_accept,
            progressbar=False,
            compute_convergence_checks=False,
        )
    post = tree["posterior"].to_dataset()
    n = settings.draws_per_chain * settings.chains

    def flat(name: str, width: int | None = None) -> np.ndarray:
        values = np.asarray(post[name].values, dtype=float)
        return values.reshape(n) if width is None else values.reshape(n, width)

    theta = np.column_stack([np.zeros(n) if s.is_mixture else flat(f"m{i}_theta") for i, s in enumerate(specs)])
    beta = tuple(
        np.zeros((n, s.n_indicators)) if s.is_mixture else flat(f"m{i}_beta", s.n_indicators)
        for i, s in enumerate(specs)
    )
    strength = np.column_stack([flat(f"strength_{d.id}") for d in drivers]) if drivers else np.zeros((n, 0))
    chains = [
        np.asarray(post[v].values, dtype=float).reshape(settings.chains, settings.draws_per_chain, -1)
        for v in post.data_vars
    ]
    diag = mcmc_diagnostics(np.concatenate(chains, axis=-1), tree, settings, time.perf_counter() - start, ", joint")
    theta, beta, component = _mixtures_forward(specs, settings, theta, beta)
    return JointDraws(tuple(specs), theta, beta, strength, diag, component)


def sample_joint(specs, drivers, settings, *, cache=True, cache_dir=None) -> JointDraws:
    """Joint draws; NUTS results are cached on disk like single-question posteriors."""
    if not any(s.learns_from_cases for s in specs):
        return _forward_joint(specs, drivers, settings)
    path = Path(cache_dir or default_cache_dir()) / "joint" / f"{_joint_key(specs, drivers, settings)}.npz"
    if cache and path.is_file():
        try:
            with np.load(path, allow_pickle=False) as data:
                d = json.loads(str(data["diagnostics"]))
                d["warnings"] = tuple(d["warnings"])
                d.pop("converged", None)
                d["cached"] = True
                theta, beta, component = _mixtures_forward(
                    specs, settings, np.array(data["theta"]), tuple(data[f"beta{i}"] for i in range(len(specs)))
                )
                return JointDraws(tuple(specs), theta, beta, data["strength"], Diagnostics(**d), component)
        except (OSError, KeyError, ValueError, TypeError):
            pass
    draws = _nuts_joint(specs, drivers, settings)
    if cache:
        arrays = {f"beta{i}": b for i, b in enumerate(draws.beta)}
        save_npz_atomic(
            path,
            theta=draws.theta,
            strength=draws.strength,
            diagnostics=np.array(json.dumps(draws.diagnostics.as_dict())),
            **arrays,
        )
    return draws


def _quadrature(n_dims: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes (M, D) and weights (M,) integrating over D independent standard normals."""
    if n_dims == 0:
        return np.zeros((1, 0)), np.ones(1)
    per_dim = {1: 48, 2: 24}.get(n_dims)
    if per_dim is None:  # three or more drivers: scrambled Sobol points, fixed seed for reproducibility
        m = 1024
        u = stats.qmc.Sobol(n_dims, scramble=True, seed=0).random(m)
        return stats.norm.ppf(u), np.full(m, 1.0 / m)
    x, w = np.polynomial.hermite_e.hermegauss(per_dim)  # weight exp(-x^2/2)
    w = w / math.sqrt(2 * math.pi)
    nodes = np.array(list(itertools.product(x, repeat=n_dims)))
    weights = np.prod(np.array(list(itertools.product(w, repeat=n_dims))), axis=1)
    return nodes, weights


@dataclass(frozen=True)
class JointForecast:
    """Every question's forecast from one joint posterior, plus the latent drivers that link them."""

    pack: Pack
    as_of: dt.date
    forecasts: dict[str, Forecast]
    drivers: tuple[Driver, ...]
    strength: np.ndarray  # (n, n_drivers)
    diagnostics: Diagnostics
    component: tuple[np.ndarray | None, ...] = ()  # per spec: the outside-view source of each draw (mixtures)

    def component_of(self, i: int) -> np.ndarray | None:
        return self.component[i] if i < len(self.component) else None

    @property
    def question_ids(self) -> list[str]:
        return list(self.forecasts)

    @cached_property
    def probabilities(self) -> pd.DataFrame:
        """Draws of each question's probability, one column per question."""
        return pd.DataFrame({qid: f.draws for qid, f in self.forecasts.items()})

    def marginals(self) -> pd.DataFrame:
        rows = []
        for qid, f in self.forecasts.items():
            lo, hi = f.interval(0.9)
            rows.append({"question_id": qid, "as_of": f.as_of.isoformat(), "mean": f.mean, "p05": lo, "p95": hi})
        return pd.DataFrame(rows)

    def _loadings(self, qids: list[str]) -> np.ndarray:
        """a_qk per draw: (n, Q, D)."""
        lam = np.array([[loading_for(d, self.forecasts[q].question) for d in self.drivers] for q in qids]).reshape(
            len(qids), len(self.drivers)
        )
        return lam[None, :, :] * np.sqrt(self.strength)[:, None, :]

    def combination_draws(self, qids: list[str]) -> tuple[list[tuple[bool, ...]], np.ndarray]:
        """All 2^Q outcome combinations of ``qids`` and their probability per draw, shape (n, 2^Q)."""
        qids = list(dict.fromkeys(qids))
        unknown = [q for q in qids if q not in self.forecasts]
        if unknown:
            raise ValueError(f"unknown question(s) {unknown}; questions: {', '.join(self.forecasts)}")
        if not 1 <= len(qids) <= MAX_COMBINATION_QUESTIONS:
            raise ValueError(f"pick 1 to {MAX_COMBINATION_QUESTIONS} questions; got {len(qids)}")
        p = np.clip(self.probabilities[qids].to_numpy(), 1e-12, 1 - 1e-12)  # (n, Q)
        threshold = stats.norm.ppf(p)
        a = self._loadings(qids)  # (n, Q, D)
        resid = np.sqrt(np.clip(1.0 - (a**2).sum(axis=2), 1e-12, None))  # (n, Q)
        nodes, weights = _quadrature(len(self.drivers))
        combos = list(itertools.product([True, False], repeat=len(qids)))
        mask = np.array(combos)  # (C, Q)
        n = p.shape[0]
        out = np.empty((n, len(combos)))
        chunk = max(1, int(4e6 // (len(weights) * len(combos) * len(qids))))
        for start in range(0, n, chunk):
            sl = slice(start, start + chunk)
            shift = np.einsum("nqd,md->nmq", a[sl], nodes)  # (c, M, Q)
            yes = stats.norm.cdf((threshold[sl][:, None, :] - shift) / resid[sl][:, None, :])  # (c, M, Q)
            per = np.where(mask[None, None, :, :], yes[:, :, None, :], 1.0 - yes[:, :, None, :])  # (c, M, C, Q)
            out[sl] = np.einsum("nmc,m->nc", per.prod(axis=3), weights)
        return combos, out

    def combinations(self, qids: list[str]) -> pd.DataFrame:
        """One row per combination of outcomes: the outcome per question, probability mean and 90% interval."""
        combos, draws = self.combination_draws(qids)
        rows = []
        for c, combo in enumerate(combos):
            row = {q: ("yes" if v else "no") for q, v in zip(dict.fromkeys(qids), combo)}
            row.update(
                probability=draws[:, c].mean(), p05=np.quantile(draws[:, c], 0.05), p95=np.quantile(draws[:, c], 0.95)
            )
            rows.append(row)
        return pd.DataFrame(rows)

    def event_draws(self, expression: str) -> np.ndarray:
        """Per-draw probability that a logical expression over question ids holds."""
        tree = parse_expression(expression)
        qids = expression_ids(tree)
        combos, draws = self.combination_draws(qids)
        holds = evaluate(tree, {q: np.array([c[i] for c in combos]) for i, q in enumerate(qids)})
        return draws[:, holds].sum(axis=1)

    def conditional(self, question: str, given: dict[str, Any]) -> dict[str, float]:
        """P(question | given outcomes) per draw, with the lift P(A | B) / P(A)."""
        cond = " and ".join(q if v == "yes" else f"not {q}" for q, v in _yes_no_map(given).items())
        p_b = self.event_draws(cond)
        p_ab = self.event_draws(f"{question} and ({cond})")
        p_a = self.forecasts[question].draws
        with np.errstate(divide="ignore", invalid="ignore"):
            p_a_given_b = np.where(p_b > 0, p_ab / p_b, np.nan)
        lift = p_a_given_b / p_a
        return {
            "question": question,
            "given": cond,
            "p_given_mean": float(np.nanmean(p_a_given_b)),
            "p05": float(np.nanquantile(p_a_given_b, 0.05)),
            "p95": float(np.nanquantile(p_a_given_b, 0.95)),
            "p_marginal": float(p_a.mean()),
            "lift_mean": float(np.nanmean(lift)),
            "joint_ratio": float(p_ab.mean() / p_b.mean()),
        }

    def scenario_table(self) -> pd.DataFrame:
        """The pack's named scenarios: probability mean and 90% interval (the `scenarios.csv` rows)."""
        rows = []
        for sc in links_of(self.pack).scenarios:
            row = {"scenario": sc.id, "title": sc.title, "expression": sc.expression}
            missing = [q for q in expression_ids(parse_expression(sc.expression)) if q not in self.forecasts]
            if missing:
                row.update(
                    probability=np.nan,
                    p05=np.nan,
                    p95=np.nan,
                    note=f"not forecast: {', '.join(missing)} closed before {self.as_of}",
                )
            else:
                d = self.event_draws(sc.expression)
                row.update(probability=d.mean(), p05=np.quantile(d, 0.05), p95=np.quantile(d, 0.95), note="")
            rows.append(row)
        return pd.DataFrame(rows, columns=["scenario", "title", "expression", "probability", "p05", "p95", "note"])

    def conditionals_table(self) -> pd.DataFrame:
        """The pack's declared conditional questions, answered."""
        rows = []
        for c in links_of(self.pack).conditionals:
            if all(q in self.forecasts for q in [c.question, *c.given]):
                rows.append({"conditional": c.id, "title": c.title, **self.conditional(c.question, dict(c.given))})
        return pd.DataFrame(rows)


def _yes_no_map(given: dict[str, Any]) -> dict[str, str]:
    out = {}
    for q, v in given.items():
        if v is True or str(v).lower() == "yes":
            out[q] = "yes"
        elif v is False or str(v).lower() == "no":
            out[q] = "no"
        else:
            raise ValueError(f"given outcome of {q!r} must be yes or no; got {v!r}")
    return out


def joint_forecast(
    pack: Pack,
    as_of: Any = None,
    *,
    questions: list[str] | None = None,
    options: ModelOptions | None = None,
    overrides: dict[str, Any] | None = None,
    use_links: bool = True,
    cache: bool = True,
    cache_dir=None,
    **option_changes: Any,
) -> JointForecast:
    """Forecast the pack's questions together at ``as_of`` (each clipped into its own window).

    ``options`` and single named options work as in :func:`foresight.forecast`.

    ``use_links=False`` drops the drivers: the joint model then reproduces
    the independent forecasts.
    """
    when = dt.date.today() if as_of is None else parse_date(as_of)
    # By default the questions still open (or not yet open) at `as_of`: a question
    # that closed earlier has nothing left to forecast.
    qids = list(questions or [q.id for q in pack.questions.values() if q.closes >= when])
    if not qids:
        raise ValueError(f"no question of pack {pack.meta.id} is open on or after {when}; choose an earlier as_of")
    qs = [pack.question(q) for q in qids]
    opts = ModelOptions.of(options, **option_changes)
    specs_by_q = {q.id: model_spec(pack, q, opts) for q in qs}
    unique: dict[str, ModelSpec] = {}
    for spec in specs_by_q.values():
        unique.setdefault(spec.posterior_digest(), spec)
    specs = list(unique.values())
    index = {digest: i for i, digest in enumerate(unique)}
    drivers = tuple(links_of(pack).drivers) if use_links else ()
    settings = SamplerSettings.from_options(opts)
    jd = sample_joint(specs, drivers, settings, cache=cache, cache_dir=cache_dir)
    forecasts = {}
    for q in qs:
        i = index[specs_by_q[q.id].posterior_digest()]
        post = Posterior(specs_by_q[q.id], settings, jd.theta[:, i], jd.beta[i], jd.diagnostics, jd.component_of(i))
        q_as_of = default_as_of(q, today=when)
        forecasts[q.id] = Forecast(
            pack, q, q_as_of, post, observations_as_of(pack, q_as_of, overrides), dict(overrides or {})
        )
    return JointForecast(pack, when, forecasts, drivers, jd.strength, jd.diagnostics)
