"""Calibration learned from resolved questions: fit the map of :mod:`foresight.model.calibration`.

Model (priors centred on the identity, so that with no data the map gives the
raw forecast back):

    a ~ Normal(0, 0.5),  b_out ~ Normal(1, 0.5),  b_ev ~ Normal(1, 0.5)
    logit p_i = a + b_out * L_i + b_ev * S_i
    log-likelihood = sum_i w_i * [y_i log p_i + (1 - y_i) log(1 - p_i)]

One row per backtest step of a resolved question: L the outside view's
log-odds, S the evidence's shift (raw log-odds minus L), y the outcome. The
steps of one question are one forecast seen repeatedly, not independent
data, so each question's weights sum to 1: every question counts once, and
within it each step counts for the share of the question's time it held
(the time-averaged Brier weighs steps the same way,
:func:`foresight.evaluate.scoring.holding_days`).

Two fitters. :func:`fit_nuts` draws the posterior with PyMC's NUTS (the
shipped artefact, ``foresight calibrate``). :func:`fit_laplace` takes the
posterior mode and the inverse Hessian there (scipy's trust-region Newton)
and draws from that Gaussian: milliseconds, so the backtest can refit for
every held-out pack and every date. The posterior of three parameters of a
log-concave likelihood with Gaussian priors is close to Gaussian; the two
agree closely in means and spreads (tests/test_calibration.py, on synthetic steps
with a known miscalibration; on the seed and Iran packs the means differ by
at most 0.04).

What a fit may see (no leaks, tested):
  - leave one pack out (:func:`leave_one_pack_out`): pack P's steps are
    calibrated by a fit on the other packs' resolved questions, of any period;
    P's own outcomes never enter;
  - past only (:func:`past_only`): a step dated t is calibrated by a fit on the
    questions of every pack, P included, that resolved strictly before t.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit

from foresight.base.atomic import write_text_atomic
from foresight.evaluate.scoring import time_shares
from foresight.model import calibration as model_calibration
from foresight.model.calibration import TERMS, Calibration, TermInputs, calibrated_mean, parts

PRIOR_MEAN = np.array([0.0, 1.0, 1.0])
PRIOR_SD = np.array([0.5, 0.5, 0.5])
"""Normal priors of (a, b_out, b_ev): centred on the identity map."""

DRAWS = 1000
"""Calibration draws kept (in the artefact, and per Laplace fit)."""

FIT_COLUMNS = ["pack", "question_id", "as_of", "closes", "resolved_on", "outcome", "forecast", "base_rate_forecast"]
"""The backtest columns a fit reads (a library backtest's steps table has them)."""


@dataclass(frozen=True)
class Data:
    """A fit's rows: the design (1, L, S), outcomes, per-step weights (each question summing to 1)."""

    X: np.ndarray
    y: np.ndarray
    w: np.ndarray
    n_questions: int

    @property
    def n_steps(self) -> int:
        return len(self.y)


def question_weights(steps: pd.DataFrame) -> np.ndarray:
    """Each step's share of its question's time (:func:`foresight.evaluate.scoring.time_shares`): every
    question's weights sum to 1."""
    return time_shares(steps, ["pack", "question_id"] if "pack" in steps.columns else ["question_id"])


def fit_data(steps: pd.DataFrame) -> Data:
    """The rows of ``steps`` (:data:`FIT_COLUMNS`) as a fit's design, outcomes and weights."""
    steps = steps.reset_index(drop=True)
    outside, shift = parts(steps["forecast"].to_numpy(float), steps["base_rate_forecast"].to_numpy(float))
    X = np.column_stack([np.ones(len(steps)), outside, shift])
    keys = ["pack", "question_id"] if "pack" in steps.columns else ["question_id"]
    n_q = int(steps.groupby(keys).ngroups) if len(steps) else 0
    return Data(X, steps["outcome"].to_numpy(float), question_weights(steps) if len(steps) else np.zeros(0), n_q)


def _neg_log_post(theta: np.ndarray, data: Data, mean: np.ndarray, sd: np.ndarray):
    """Negative log posterior, its gradient and Hessian (weighted Bernoulli-logit likelihood, Normal priors)."""
    eta = data.X @ theta
    p = expit(eta)
    # log p = -log1p(exp(-eta)), log(1 - p) = -log1p(exp(eta)), written stably with logaddexp
    loglik = -(data.w * (data.y * np.logaddexp(0.0, -eta) + (1 - data.y) * np.logaddexp(0.0, eta))).sum()
    prior = -0.5 * (((theta - mean) / sd) ** 2).sum()
    grad = -(data.X.T @ (data.w * (data.y - p))) + (theta - mean) / sd**2
    hess = (data.X.T * (data.w * p * (1 - p))) @ data.X + np.diag(1.0 / sd**2)
    return -(loglik + prior), grad, hess


def laplace(data: Data, mean: np.ndarray = PRIOR_MEAN, sd: np.ndarray = PRIOR_SD) -> tuple[np.ndarray, np.ndarray]:
    """Posterior mode and covariance (inverse Hessian at the mode) of the map's terms."""
    from scipy.optimize import minimize

    result = minimize(
        lambda t: _neg_log_post(t, data, mean, sd)[0],
        mean.copy(),
        jac=lambda t: _neg_log_post(t, data, mean, sd)[1],
        hess=lambda t: _neg_log_post(t, data, mean, sd)[2],
        method="trust-exact",
    )
    if not result.success:
        raise RuntimeError(f"calibration: the posterior mode was not found ({result.message})")
    return result.x, np.linalg.inv(_neg_log_post(result.x, data, mean, sd)[2])


def fit_laplace(
    steps: pd.DataFrame, draws: int = DRAWS, seed: int = 1, provenance: Mapping[str, Any] | None = None
) -> Calibration | None:
    """Calibration draws from the Laplace approximation; None (no calibration) when ``steps`` is empty."""
    if not len(steps):
        return None
    data = fit_data(steps)
    return _laplace_draws(data, draws, seed, _provenance(steps, data, "laplace", provenance))


def _laplace_draws(data: Data, draws: int, seed: int, provenance: Mapping[str, Any]) -> Calibration:
    mode, cov = laplace(data)
    values = np.random.default_rng(seed).multivariate_normal(mode, cov, size=draws)
    return Calibration(*values.T, provenance=provenance)


def _subset(data: Data, rows: np.ndarray, steps: pd.DataFrame) -> Data:
    """The rows ``rows`` of a fit's data (a question's weights do not depend on which others are in)."""
    n_q = int(steps[rows].groupby(["pack", "question_id"]).ngroups)
    return Data(data.X[rows], data.y[rows], data.w[rows], n_q)


def fit_nuts(
    steps: pd.DataFrame,
    draws: int = DRAWS,
    seed: int = 1,
    chains: int = 4,
    cores: int = 2,
    provenance: Mapping[str, Any] | None = None,
    structure: Structure | None = None,
) -> Calibration | None:
    """Calibration draws from PyMC's NUTS (``chains`` x 1000 draws, thinned to ``draws``) of ``structure``
    (default: the shipped one, :data:`SHIPPED`; any of :data:`SHIPPABLE`); None when ``steps`` is empty."""
    structure = shipped_structure() if structure is None else structure
    if structure.name not in {s.name for s in SHIPPABLE}:
        raise ValueError(
            f"calibration structure {structure.name!r} cannot be shipped; shippable: "
            f"{', '.join(s.name for s in SHIPPABLE)}"
        )
    if not len(steps):
        return None
    import pymc as pm

    from foresight.model.sampling import SamplerSettings, flat_draws, nuts

    data, mean, sd = design(steps, structure)
    names = (*TERMS, *structure.extra)
    with pm.Model() as model:
        weights = [pm.Normal(name, mean[k], sd[k]) for k, name in enumerate(names)]
        eta = weights[0] + weights[1] * data.X[:, 1] + weights[2] * data.X[:, 2]
        for k in range(3, len(names)):
            eta = eta + weights[k] * data.X[:, k]
        # each question's steps share one unit of weight: a weighted Bernoulli log-likelihood
        loglik = -(data.y * pm.math.log1pexp(-eta) + (1 - data.y) * pm.math.log1pexp(eta))
        pm.Potential("weighted_loglik", (data.w * loglik).sum())
    settings = SamplerSettings(draws=chains * 1000, tune=1000, chains=chains, cores=cores, seed=seed)
    post, diagnostics = nuts(model, settings, ", calibration")
    if not diagnostics.converged:
        raise RuntimeError(f"calibration: NUTS did not converge: {diagnostics.plain_words()}")
    keep = np.linspace(0, settings.mcmc_draws - 1, draws).astype(int)
    values = {name: flat_draws(post, name)[keep] for name in names}
    extra = {"sampler": diagnostics.plain_words(), **(provenance or {}), "structure": structure.name}
    return Calibration(
        *(values[name] for name in TERMS),
        provenance=_provenance(steps, data, "nuts", extra),
        extra={name: values[name] for name in structure.extra},
    )


def _provenance(steps: pd.DataFrame, data: Data, method: str, extra: Mapping[str, Any] | None) -> dict[str, Any]:
    packs = sorted(steps["pack"].unique()) if "pack" in steps.columns else []
    return {
        "method": method,
        "packs": packs,
        "n_questions": data.n_questions,
        "n_steps": data.n_steps,
        "n_yes": int(steps.groupby(["pack", "question_id"] if packs else ["question_id"])["outcome"].first().sum()),
        **(extra or {}),
    }


# --- held-out evaluation ---------------------------------------------------------------


def leave_one_pack_out(steps: pd.DataFrame, seed: int = 1) -> tuple[np.ndarray, dict[str, Calibration | None]]:
    """Each step calibrated by a fit on the other packs only (any period); the fits, by held-out pack."""
    steps = steps.reset_index(drop=True)
    data = fit_data(steps)
    out = steps["forecast"].to_numpy(float).copy()
    fits: dict[str, Calibration | None] = {}
    for pack in steps["pack"].unique():
        mine = (steps["pack"] == pack).to_numpy()
        train = _subset(data, ~mine, steps)
        fits[pack] = (
            _laplace_draws(train, DRAWS, seed, {"method": "laplace", "n_questions": train.n_questions})
            if train.n_steps
            else None
        )
        out[mine] = calibrated_mean(fits[pack], steps.loc[mine, "forecast"], steps.loc[mine, "base_rate_forecast"])
    return out, fits


def past_only(steps: pd.DataFrame, seed: int = 1) -> np.ndarray:
    """Each step dated t calibrated by a fit of the shipped map on the questions (of any pack) resolved strictly
    before t (:func:`past_only_structure`)."""
    return past_only_structure(steps, shipped_structure(), seed)


# --- structures, chosen by nested leave-one-pack-out before any is shipped -------------------

EXTRA_TERMS: dict[str, str] = {
    "discount": "the evidence's shift without the correlation discount minus the shift with it (its strength)",
    **model_calibration.EXTRA_TERMS,
}
"""Terms tried beside (a, b_out, b_ev), each with a Normal(0, 0.5) prior (0: the base map): every term a map can
carry (:data:`foresight.model.calibration.EXTRA_TERMS`, defined there once) and the discount's strength, which
is scored held out only. ``weak_class``, ``elapsed`` and ``one_shot`` read the ``opens``, ``kind`` and
``class_cases`` columns that :func:`foresight.evaluate.library.pack_steps` adds."""

EXTRA_SD = 0.5
"""Prior sd of every extra term."""


@dataclass(frozen=True)
class Structure:
    """One calibration map tried held out: no map at all (``raw``), or (a, b_out, b_ev) with these extra
    terms and this prior sd on the three base terms."""

    name: str
    extra: tuple[str, ...] = ()
    prior_sd: float = float(PRIOR_SD[0])
    raw: bool = False
    isotonic: bool = False
    """A monotone step map of the raw forecast (SciPy's weighted isotonic regression), no prior, no draws:
    evaluated held out only; it could not be shipped as the artefact's draws."""


STRUCTURES: tuple[Structure, ...] = (
    Structure("raw (no calibration)", raw=True),
    Structure("base map"),
    Structure("base map, tight prior (sd 0.25)", prior_sd=0.25),
    Structure("base map, wide prior (sd 1)", prior_sd=1.0),
    *(Structure(f"+ {term}", (term,)) for term in EXTRA_TERMS),
    Structure("+ downward + weak_class", ("downward", "weak_class")),
    Structure("+ bend (hinges at log-odds -1 and +1)", ("bend_low", "bend_high")),
    Structure("isotonic (monotone map, no prior)", isotonic=True),
)
"""Every structure scored held out, simplest first: on a tie the earlier one is chosen. ``base map`` is the
shipped one."""

CANDIDATES: tuple[Structure, ...] = tuple(s for s in STRUCTURES if not s.isotonic)
"""The structures the nested leave-one-pack-out may choose: those the artefact's draws can carry. The
isotonic map is scored for comparison only (a step function, it also forecasts 0 and 1 outright)."""

SHIPPED = "base map"
"""The structure :func:`fit_nuts` samples by default and the shipped artefact holds, fixed in advance
(another ships only when :func:`foresight.evaluate.library.shipping_choice` says choosing one pays)."""

SHIPPABLE: tuple[Structure, ...] = tuple(
    s for s in CANDIDATES if not s.raw and all(t in model_calibration.EXTRA_TERMS for t in s.extra)
)
"""The structures an artefact can carry (``foresight calibrate --structure``): every candidate whose terms a
forecast can compute (not the discount's strength)."""


def shipped_structure() -> Structure:
    """The :data:`SHIPPED` structure."""
    return next(s for s in STRUCTURES if s.name == SHIPPED)


def structure_named(name: str) -> Structure:
    """The shippable structure called ``name``; a ValueError listing them otherwise."""
    for s in SHIPPABLE:
        if s.name == name:
            return s
    raise ValueError(
        f"no shippable calibration structure {name!r}; choose one of: {'; '.join(s.name for s in SHIPPABLE)}"
    )


def extra_column(steps: pd.DataFrame, term: str) -> np.ndarray:
    """The values of an :data:`EXTRA_TERMS` term for each step."""
    outside, shift = parts(steps["forecast"].to_numpy(float), steps["base_rate_forecast"].to_numpy(float))
    if term == "discount":
        return parts(steps["naive_forecast"].to_numpy(float), steps["base_rate_forecast"].to_numpy(float))[1] - shift
    if term not in EXTRA_TERMS:
        raise ValueError(f"unknown extra term {term!r}; known: {', '.join(EXTRA_TERMS)}")
    return model_calibration.term_values(term, outside, shift, TermInputs.from_steps(steps))


def design(steps: pd.DataFrame, structure: Structure, base: Data | None = None) -> tuple[Data, np.ndarray, np.ndarray]:
    """The fit data of ``steps`` with the structure's extra columns (after 1, L, S), its prior means and sds
    (``base``: :func:`fit_data` of ``steps`` when already computed)."""
    base = fit_data(steps) if base is None else base
    X = np.column_stack([base.X, *[extra_column(steps, t) for t in structure.extra]])
    mean = np.concatenate([PRIOR_MEAN, np.zeros(len(structure.extra))])
    sd = np.concatenate([np.full(3, structure.prior_sd), np.full(len(structure.extra), EXTRA_SD)])
    return Data(X, base.y, base.w, base.n_questions), mean, sd


def _draws(data: Data, mean: np.ndarray, sd: np.ndarray, train: np.ndarray, seed: int) -> np.ndarray:
    """Laplace draws (:data:`DRAWS` x terms) of a fit on the rows ``train``."""
    mode, cov = laplace(Data(data.X[train], data.y[train], data.w[train], 0), mean, sd)
    return np.random.default_rng(seed).multivariate_normal(mode, cov, size=DRAWS)


def probit_mean(X: np.ndarray, mode: np.ndarray, cov: np.ndarray) -> np.ndarray:
    """E[expit(x . theta)] for theta ~ Normal(mode, cov), by the probit approximation (MacKay 1992):
    expit(mu / sqrt(1 + pi s^2 / 8)), mu and s^2 the mean and variance of x . theta. On the library's steps it
    is within 0.015 of the draws' average (pooled Brier within 0.0002) at a small share of the cost: the nested
    selection's inner scores use it, the forecasts themselves the draws."""
    mu = X @ mode
    var = np.einsum("ij,jk,ik->i", X, cov, X)
    return expit(mu / np.sqrt(1.0 + np.pi * var / 8.0))


def _isotonic(forecast: np.ndarray, y: np.ndarray, w: np.ndarray, train: np.ndarray, apply: np.ndarray) -> np.ndarray:
    """The weighted isotonic regression of outcome on raw forecast over ``train`` (SciPy), read off at the rows
    ``apply`` by linear interpolation (flat beyond the ends)."""
    from scipy.optimize import isotonic_regression

    x = forecast[train]
    order = np.argsort(x, kind="stable")
    fitted = isotonic_regression(y[train][order], weights=w[train][order]).x
    return np.interp(forecast[apply], x[order], fitted)


class HeldOut:
    """Held-out forecasts of any structure for any set of excluded packs, each fit computed once (the nested
    leave-one-pack-out fits the same pair of left-out packs from both sides)."""

    def __init__(self, steps: pd.DataFrame, structures: Sequence[Structure], seed: int = 1):
        self.steps = steps.reset_index(drop=True)
        self.pack = self.steps["pack"].to_numpy()
        self.raw = self.steps["forecast"].to_numpy(float)
        self.base = fit_data(self.steps)
        self.keys = (self.steps["pack"] + "\x00" + self.steps["question_id"].astype(str)).to_numpy()
        self.seed = seed
        self.designs = {s.name: design(self.steps, s, self.base) for s in structures if not (s.raw or s.isotonic)}
        self.fits: dict[tuple[str, frozenset], np.ndarray] = {}
        self.modes: dict[tuple[str, frozenset], tuple[np.ndarray, np.ndarray]] = {}

    def forecast(self, structure: Structure, excluded: frozenset, apply: np.ndarray, exact: bool = True) -> np.ndarray:
        """The rows ``apply`` calibrated by ``structure`` fitted on every pack not in ``excluded`` (raw when the
        structure is raw or nothing is left to fit on): the average over the fit's Laplace draws, or with
        ``exact`` False its :func:`probit_mean`."""
        train = ~np.isin(self.pack, list(excluded))
        if structure.raw or not train.any():
            return self.raw[apply]
        if structure.isotonic:
            return _isotonic(self.raw, self.base.y, self.base.w, train, apply)
        data, mean, sd = self.designs[structure.name]
        key = (structure.name, excluded)
        if not exact:
            if key not in self.modes:
                self.modes[key] = laplace(Data(data.X[train], data.y[train], data.w[train], 0), mean, sd)
            return probit_mean(data.X[apply], *self.modes[key])
        if key not in self.fits:
            self.fits[key] = _draws(data, mean, sd, train, self.seed)
        return expit(data.X[apply] @ self.fits[key].T).mean(axis=1)

    def lopo(
        self, structure: Structure, among: np.ndarray, excluded: frozenset = frozenset(), exact: bool = True
    ) -> np.ndarray:
        """Leave one pack out among the rows ``among`` (the packs in ``excluded`` left out of every fit too)."""
        out = self.raw.copy()
        for held in pd.unique(self.pack[among]):
            rows = among & (self.pack == held)
            out[rows] = self.forecast(structure, excluded | {held}, rows, exact)
        return out

    def brier(self, forecast: np.ndarray, rows: np.ndarray) -> float:
        """Time-averaged Brier over the questions among ``rows``, each counting once (NaN when none)."""
        n_q = len(np.unique(self.keys[rows]))
        err = self.base.w[rows] * (forecast[rows] - self.base.y[rows]) ** 2
        return float(err.sum() / n_q) if n_q else float("nan")

    def select(self, structures: Sequence[Structure], among: np.ndarray, excluded: frozenset = frozenset()):
        """The structure with the lowest leave-one-pack-out Brier among ``among`` (the simpler on a tie; the
        simplest when there is nothing to compare on), and every candidate's figure (from :func:`probit_mean`)."""
        scores = {s.name: self.brier(self.lopo(s, among, excluded, exact=False), among) for s in structures}
        if not all(np.isfinite(list(scores.values()))):
            return structures[0], scores
        best = min(structures, key=lambda s: (round(scores[s.name], 12), structures.index(s)))
        return best, scores


def lopo_structure(
    steps: pd.DataFrame, structure: Structure, seed: int = 1, rows: np.ndarray | None = None
) -> np.ndarray:
    """Leave one pack out among ``rows`` (default: all): each pack's steps calibrated by ``structure`` fitted on
    the other packs' rows only; raw where the structure is raw or no other pack is there. Seeded per pack as
    :func:`leave_one_pack_out`, so the base map gives its numbers exactly."""
    held = HeldOut(steps, [structure], seed)
    among = np.ones(len(held.raw), bool) if rows is None else np.asarray(rows, bool)
    outside = frozenset(pd.unique(held.pack[~among]))
    return held.lopo(structure, among, outside)


def leave_one_pack_out_with(steps: pd.DataFrame, extra: Sequence[str], seed: int = 1) -> np.ndarray:
    """:func:`leave_one_pack_out` with extra terms in the map (Laplace draws), for comparing held out."""
    return lopo_structure(steps, Structure("+ " + " + ".join(extra), tuple(extra)), seed)


def past_only_structure(steps: pd.DataFrame, structure: Structure, seed: int = 1) -> np.ndarray:
    """A step dated t calibrated by ``structure`` fitted on the questions (of any pack, its own included)
    resolved strictly before t; raw before anything resolved."""
    steps = steps.reset_index(drop=True)
    out = steps["forecast"].to_numpy(float).copy()
    if structure.raw or not len(steps):
        return out
    base = fit_data(steps)
    as_of = pd.to_datetime(steps["as_of"]).to_numpy()
    resolved = pd.to_datetime(steps["resolved_on"]).to_numpy()
    ends = np.unique(resolved)
    known = np.searchsorted(ends, as_of, side="left")
    data, mean, sd = (None, None, None) if structure.isotonic else design(steps, structure, base)
    for k in np.unique(known):
        if not k:
            continue
        train, rows = resolved <= ends[k - 1], known == k
        if structure.isotonic:
            out[rows] = _isotonic(out, base.y, base.w, train, rows)
        else:
            out[rows] = expit(data.X[rows] @ _draws(data, mean, sd, train, seed).T).mean(axis=1)
    return out


def question_brier(steps: pd.DataFrame, forecast: np.ndarray, rows: np.ndarray | None = None) -> float:
    """Time-averaged Brier over the questions among ``rows``, each question counting once (the library
    table's figure): the question-weighted mean of the squared errors."""
    held = HeldOut(steps, [])
    return held.brier(
        np.asarray(forecast, float), np.ones(len(held.raw), bool) if rows is None else np.asarray(rows, bool)
    )


def select_structure(
    steps: pd.DataFrame,
    structures: Sequence[Structure] = CANDIDATES,
    seed: int = 1,
    rows: np.ndarray | None = None,
) -> tuple[Structure, dict[str, float]]:
    """The structure with the lowest leave-one-pack-out Brier among ``rows`` (the earlier one on a tie), and
    every candidate's figure."""
    held = HeldOut(steps, structures, seed)
    among = np.ones(len(held.raw), bool) if rows is None else np.asarray(rows, bool)
    return held.select(structures, among, frozenset(pd.unique(held.pack[~among])))


def nested_leave_one_pack_out(
    steps: pd.DataFrame, structures: Sequence[Structure] = CANDIDATES, seed: int = 1
) -> tuple[np.ndarray, pd.DataFrame]:
    """Leave one pack out with the structure itself chosen held out: for each outer pack P, the structure is
    chosen by leave-one-pack-out over the other packs alone (:func:`select_structure`), fitted on them and
    applied to P. P's outcomes enter neither the choice nor the fit. Returns the forecasts and, per outer
    pack, the chosen structure with every candidate's inner Brier."""
    held = HeldOut(steps, structures, seed)
    out = held.raw.copy()
    rows = []
    for outer in pd.unique(held.pack):
        mine = held.pack == outer
        best, scores = held.select(structures, ~mine, frozenset({outer}))
        out[mine] = held.forecast(best, frozenset({outer}), mine)
        rows.append({"held_out": outer, "chosen": best.name, **{f"inner {k}": v for k, v in scores.items()}})
    return out, pd.DataFrame(rows)


def between_pack_spread(steps: pd.DataFrame, seed: int = 1) -> pd.DataFrame:
    """Whether the packs disagree about the map, the question partial pooling by pack would answer. Each
    pack's own fit of (a, b_out, b_ev) (nearly flat Normal(·, 5) priors, so each pack speaks for itself), then
    per term Cochran's Q against its degrees of freedom and the DerSimonian-Laird between-pack sd tau. Q not
    above its df (tau 0) means the packs' differences are what their sizes explain: a hierarchical map would
    give a new pack the pooled map, as the base map does. One row per term."""
    steps = steps.reset_index(drop=True)
    data = fit_data(steps)
    pack = steps["pack"].to_numpy()
    modes, spreads = [], []
    for held in pd.unique(pack):
        mine = pack == held
        mode, cov = laplace(Data(data.X[mine], data.y[mine], data.w[mine], 0), PRIOR_MEAN, np.full(3, 5.0))
        modes.append(mode)
        spreads.append(np.sqrt(np.diag(cov)))
    modes, spreads = np.array(modes), np.array(spreads)
    rows = []
    for j, term in enumerate(TERMS):
        weights = 1.0 / spreads[:, j] ** 2
        pooled = (weights * modes[:, j]).sum() / weights.sum()
        q = float((weights * (modes[:, j] - pooled) ** 2).sum())
        df = len(modes) - 1
        scale = weights.sum() - (weights**2).sum() / weights.sum()
        tau = float(np.sqrt(max(0.0, (q - df) / scale))) if df > 0 else float("nan")
        rows.append({"term": term, "n_packs": len(modes), "pooled": float(pooled), "Q": q, "df": df, "tau": tau})
    return pd.DataFrame(rows)


# --- the shipped artefact ---------------------------------------------------------------


def write_artefact(calibration: Calibration, path: str | Path) -> Path:
    """Write the artefact (provenance and draws) as JSON, atomically: the provenance indented, each term's
    draws on one line, rounded to 6 decimals (far below their posterior spread)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    data = calibration.to_json()
    draws = ",\n".join(
        f"  {json.dumps(name)}: {json.dumps([round(v, 6) for v in values])}" for name, values in data["draws"].items()
    )
    text = '{\n "provenance": ' + json.dumps(data["provenance"], indent=1).replace("\n", "\n ")
    write_text_atomic(target, text + ',\n "draws": {\n' + draws + "\n }\n}\n")
    return target


def provenance_for(packs: Sequence[Any], commit: str | None, today: dt.date | None = None) -> dict[str, Any]:
    """Where a fit comes from: each pack's id, freeze date and content hashes, the commit, when fitted."""
    from foresight.pack.freeze import freeze_status

    return {
        "commit": commit,
        "fitted_at": (today or dt.date.today()).isoformat(),
        "pack_freezes": {
            p.meta.id: {
                "frozen_on": None if p.freeze is None else p.freeze.frozen_on.isoformat(),
                "intact": freeze_status(p).intact,
                "files": {} if p.freeze is None else dict(p.freeze.files),
            }
            for p in packs
        },
    }
