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

Hinges (:mod:`foresight.model.hinges`): a question B hinging on A while A is
open is drawn conditionally on A's outcome, P(B | A) or P(B | not A) per draw,
and takes its dependence on everything else through A (its own driver
loadings are not used then); so its marginal is exactly its single forecast's
mixture. A combination that leaves A out sums A's outcomes out. Once A's
resolution is known at B's date, B is an ordinary question with that branch
as its forecast.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import time
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from foresight.model.evidence import observations_as_of
from foresight.model.forecasting import Forecast, default_as_of, pack_as_of, parse_date
from foresight.model.hinges import beta_from_interval
from foresight.model.options import ModelOptions
from foresight.model.sampling import (
    Diagnostics,
    Draws,
    Posterior,
    SamplerSettings,
    cached_draws,
    exact_diagnostics,
    flat_draws,
    nuts,
)
from foresight.model.spec import ModelSpec, add_spec_to_model, draw_theta, model_spec
from foresight.pack.links import Driver, Links, evaluate, expression_ids, loading_for, parse_expression
from foresight.pack.loader import Pack

MAX_COMBINATION_QUESTIONS = 10


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
    diag = exact_diagnostics(n, time.perf_counter() - start)
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


def _nuts_joint(specs, drivers, settings) -> tuple[Draws, Diagnostics]:
    post, diag = nuts(build_joint_model(specs, drivers), settings, ", joint")
    n = settings.mcmc_draws
    arrays = {
        # a mixture spec stays out of the PyMC model: zeros here, its exact draws added after (see below)
        "theta": np.column_stack(
            [np.zeros(n) if s.is_mixture else flat_draws(post, f"m{i}_theta") for i, s in enumerate(specs)]
        ),
        "strength": np.column_stack([flat_draws(post, f"strength_{d.id}") for d in drivers])
        if drivers
        else np.zeros((n, 0)),
    }
    arrays.update(
        {
            f"beta{i}": np.zeros((n, s.n_indicators))
            if s.is_mixture
            else flat_draws(post, f"m{i}_beta", s.n_indicators)
            for i, s in enumerate(specs)
        }
    )
    return arrays, diag


def sample_joint(specs, drivers, settings, *, cache=True, cache_dir=None) -> JointDraws:
    """Joint draws: exact when no family learns from cases, else NUTS, cached like single posteriors."""
    if not any(s.learns_from_cases for s in specs):
        return _forward_joint(specs, drivers, settings)
    n = settings.mcmc_draws
    shapes = {"theta": (n, len(specs)), "strength": (n, len(drivers))}
    shapes.update({f"beta{i}": (n, s.n_indicators) for i, s in enumerate(specs)})
    key = {
        "specs": [s.posterior_digest() for s in specs],
        "drivers": [(d.id, d.strength.lo, d.strength.hi) for d in drivers],
        "settings": settings.key(),
    }
    arrays, diag = cached_draws(
        "joint", key, shapes, lambda: _nuts_joint(specs, drivers, settings), cache=cache, cache_dir=cache_dir
    )
    beta = tuple(arrays[f"beta{i}"] for i in range(len(specs)))
    theta, beta, component = _mixtures_forward(specs, settings, np.array(arrays["theta"]), beta)
    return JointDraws(tuple(specs), theta, beta, arrays["strength"], diag, component)


def _quadrature(n_dims: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes (M, D) and weights (M,) integrating over D independent standard normals."""
    from scipy import stats  # here, as below: the forecast report imports this module but never integrates

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
    hinge_parents: dict[str, Forecast] = field(default_factory=dict)  # hinged-on questions not asked for

    def _forecast(self, qid: str) -> Forecast:
        return self.forecasts[qid] if qid in self.forecasts else self.hinge_parents[qid]

    def _live_parent(self, qid: str) -> str | None:
        """The question ``qid`` hinges on while its outcome is still unknown at ``qid``'s date."""
        f = self._forecast(qid)
        return f.parent.question.id if f.parent is not None and f.hinge_outcome is None else None

    def _with_parents(self, qids: list[str]) -> list[str]:
        """``qids`` followed by every question they hinge on, recursively (to be summed out)."""
        out = list(qids)
        for qid in out:  # grows while iterating: parents of parents
            parent = self._live_parent(qid)
            if parent is not None and parent not in out:
                out.append(parent)
        return out

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
        """a_qk per draw: (n, Q, D); zero for a question drawn from its hinge."""
        lam = np.array(
            [
                [0.0 if self._live_parent(q) else loading_for(d, self._forecast(q).question) for d in self.drivers]
                for q in qids
            ]
        ).reshape(len(qids), len(self.drivers))
        return lam[None, :, :] * np.sqrt(self.strength)[:, None, :]

    @cached_property
    def _combination_memo(self) -> dict[tuple[str, ...], tuple[list[tuple[bool, ...]], np.ndarray]]:
        """:meth:`combination_draws` by question ids: the scenarios notebook asks for the same ids many
        times (a conditional P(A | B = yes) and P(A | B = no) integrate the same combinations of A and B)."""
        return {}

    def combination_draws(self, qids: list[str]) -> tuple[list[tuple[bool, ...]], np.ndarray]:
        """All 2^Q outcome combinations of ``qids`` and their probability per draw, shape (n, 2^Q) (read-only:
        computed once per list of ids and shared)."""
        key = tuple(dict.fromkeys(qids))
        if key not in self._combination_memo:
            combos, out = self._integrate_combinations(list(key))
            out.setflags(write=False)
            self._combination_memo[key] = (combos, out)
        combos, out = self._combination_memo[key]
        return list(combos), out

    def _integrate_combinations(self, qids: list[str]) -> tuple[list[tuple[bool, ...]], np.ndarray]:
        from scipy.special import ndtr, ndtri  # stats.norm's cdf and ppf without their argument checks

        unknown = [q for q in qids if q not in self.forecasts]
        if unknown:
            raise ValueError(f"unknown question(s) {unknown}; questions: {', '.join(self.forecasts)}")
        if not 1 <= len(qids) <= MAX_COMBINATION_QUESTIONS:
            raise ValueError(f"pick 1 to {MAX_COMBINATION_QUESTIONS} questions; got {len(qids)}")
        asked = len(qids)
        qids = self._with_parents(qids)  # hinged-on questions join, to be summed out at the end
        p = np.clip(np.column_stack([self._forecast(q).draws for q in qids]), 1e-12, 1 - 1e-12)  # (n, Q)
        threshold = ndtri(p)
        a = self._loadings(qids)  # (n, Q, D)
        resid = np.sqrt(np.clip(1.0 - (a**2).sum(axis=2), 1e-12, None))  # (n, Q)
        nodes, weights = _quadrature(len(self.drivers))
        combos = list(itertools.product([True, False], repeat=len(qids)))
        mask = np.array(combos)  # (C, Q)
        parent_of = {i: qids.index(parent) for i, q in enumerate(qids) if (parent := self._live_parent(q))}
        branches = {i: self._forecast(qids[i]).conditional_draws() for i in parent_of}  # (P(yes|A), P(yes|not A))
        n = p.shape[0]
        out = np.empty((n, len(combos)))
        chunk = max(1, int(4e6 // (len(weights) * len(combos) * len(qids))))
        for start in range(0, n, chunk):
            sl = slice(start, start + chunk)
            shift = np.zeros((a[sl].shape[0], len(weights), len(qids)))  # (c, M, Q): sum_k a_qk z_k at each node
            for k in range(nodes.shape[1]):  # driver by driver (a quarter of einsum's time, the same sums)
                shift = shift + a[sl][:, None, :, k] * nodes[None, :, k, None]
            yes = ndtr((threshold[sl][:, None, :] - shift) / resid[sl][:, None, :])  # (c, M, Q)
            # Each combination's chance is the product over questions of P(yes) or P(no), taken question by
            # question (the same products, in the same order, as a product over a (c, M, C, Q) array).
            per = None
            for i in range(len(qids)):
                if i in parent_of:  # B's chance in each combination depends on its parent's outcome there
                    p1, p0 = branches[i]
                    chance = np.where(mask[None, None, :, parent_of[i]], p1[sl][:, None, None], p0[sl][:, None, None])
                    factor = np.where(mask[None, None, :, i], chance, 1.0 - chance)  # (c, 1, C)
                else:
                    factor = np.where(mask[None, None, :, i], yes[:, :, i, None], 1.0 - yes[:, :, i, None])
                per = factor if per is None else per * factor
            per = np.ascontiguousarray(np.broadcast_to(per, (yes.shape[0], len(weights), len(combos))))
            out[sl] = np.einsum("nmc,m->nc", per, weights)
        if len(qids) > asked:  # sum the added parents out: they vary fastest in the product order
            out = out.reshape(n, 2**asked, -1).sum(axis=2)
            combos = list(itertools.product([True, False], repeat=asked))
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
    when = pack_as_of(pack) if as_of is None else parse_date(as_of)
    # By default the questions still open (or not yet open) at `as_of`: a question
    # that closed earlier has nothing left to forecast.
    qids = list(questions or [q.id for q in pack.questions.values() if q.closes >= when])
    if not qids:
        raise ValueError(f"no question of pack {pack.meta.id} is open on or after {when}; choose an earlier as_of")
    qs = [pack.question(q) for q in qids]
    for q in qs:  # the questions they hinge on are sampled with them (and summed out of combinations)
        hinge = pack.hinge_of(q)
        if hinge is not None and hinge.on not in [x.id for x in qs]:
            qs.append(pack.question(hinge.on))
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
    built: dict[str, Forecast] = {}

    def build(q) -> Forecast:
        # A hinged question's parent is the joint's own forecast of the question it hinges on, so
        # the combinations and its marginal use the same draws of that question.
        if q.id not in built:
            i = index[specs_by_q[q.id].posterior_digest()]
            post = Posterior(specs_by_q[q.id], settings, jd.theta[:, i], jd.beta[i], jd.diagnostics, jd.component_of(i))
            q_as_of = default_as_of(q, today=when)
            hinge = pack.hinge_of(q)
            parent = None if hinge is None else build(pack.question(hinge.on))
            built[q.id] = Forecast(
                pack, q, q_as_of, post, observations_as_of(pack, q_as_of, overrides), dict(overrides or {}), parent
            )
        return built[q.id]

    for q in qs:
        build(q)
    forecasts = {qid: built[qid] for qid in qids}
    parents = {qid: f for qid, f in built.items() if qid not in forecasts}
    return JointForecast(pack, when, forecasts, drivers, jd.strength, jd.diagnostics, parents)
