"""Draw the posterior of a :class:`ModelSpec`: exactly, by Laplace + PSIS, or with NUTS; cache the draws on disk.

Inference choice. A spec that does not learn from cases is drawn exactly (forward
sampling). One that does is a small log-concave logistic regression; by default
(``inference="auto"``) it is drawn by a Laplace approximation corrected with
Pareto-smoothed importance sampling (:mod:`foresight.model.importance`: numpy
only, milliseconds, no compile), accepted when the Pareto k-hat is at most 0.7
and the importance ESS meets the bar below; otherwise NUTS runs instead and the
diagnostics say why. ``inference="nuts"`` always runs NUTS, with the same draws as
before the approximation existed (same seed, same numbers). The joint model
(:mod:`foresight.model.joint`) always uses NUTS.

NUTS settings, measured on this project's machines (2 cores; bench/sampler_choice.py
re-measures it): for these small regressions PyMC's own NUTS with PyTensor's C
backend beats both nutpie (which recompiles in every process) and the default
Numba backend (a cold Numba cache costs about a minute, C about 20 s once);
warm, all take a few seconds. So: ``nuts_sampler="pymc"``, ``backend="c"``, four
chains on two cores, all passed explicitly. Four chains, not two: the largest
r_hat over a hundred parameters of the joint model strays past 1.01 by chance
with two chains of 1000 draws even when the chains agree.

This module is the one sampling core of the single-question and the joint
models: the settings, the one ``pm.sample`` call
(:func:`nuts`), the convergence bar and its diagnostics, and
:func:`cached_draws`, which keys, reads and writes the posterior cache
(:mod:`foresight.model.cache`) for both. The same priors, data and settings never
sample twice; a damaged or unwritable cache costs time, never a forecast.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import time
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from foresight.model import cache as store
from foresight.model import importance
from foresight.model.options import INFERENCE, ModelOptions
from foresight.model.spec import ModelSpec, build_pymc_model, draw_theta

R_HAT_MAX = 1.01
ESS_BULK_MIN = 400


@dataclass(frozen=True)
class SamplerSettings:
    """How to draw: total draws (over all chains), tuning steps, chains, cores, seed, sampler, and the
    inference method for single-question regressions (``"auto"``: Laplace + PSIS with NUTS as the fallback;
    ``"nuts"``: always NUTS)."""

    draws: int = 4000
    tune: int = 1000
    chains: int = 4
    cores: int = 2
    seed: int = 1
    nuts_sampler: str = "pymc"
    backend: str = "c"
    target_accept: float = 0.9
    inference: str = "auto"

    def __post_init__(self) -> None:
        if self.draws < self.chains or self.chains < 1:
            raise ValueError(f"need chains >= 1 and draws >= chains; got draws={self.draws}, chains={self.chains}")
        if self.inference not in INFERENCE:
            raise ValueError(f"inference must be one of {', '.join(INFERENCE)}; got {self.inference!r}")

    @classmethod
    def from_options(cls, options: ModelOptions) -> SamplerSettings:
        """The sampler's part of a forecast's :class:`ModelOptions`."""
        return cls(
            draws=options.draws,
            tune=options.tune,
            chains=options.chains,
            cores=options.sampler_cores,
            seed=options.seed,
            inference=options.inference,
        )

    @property
    def draws_per_chain(self) -> int:
        return self.draws // self.chains

    @property
    def mcmc_draws(self) -> int:
        """Draws NUTS returns: ``draws`` rounded down to a multiple of ``chains``."""
        return self.draws_per_chain * self.chains

    def key(self) -> dict[str, Any]:
        """The settings that determine NUTS draws, for cache keys (``cores`` changes only the speed).

        ``inference`` is left out: the joint model always uses NUTS, and :func:`sample_posterior`
        adds the method to its own key (only when it is not NUTS, so NUTS entries keep their names)."""
        out = asdict(self)
        out.pop("cores")
        out.pop("inference")
        return out


@dataclass(frozen=True)
class Diagnostics:
    """Convergence of the draws behind a forecast, and whether they meet the project's bar."""

    sampler: str
    r_hat_max: float | None
    ess_bulk_min: float
    divergences: int
    seconds: float
    cached: bool = False
    warnings: tuple[str, ...] = field(default=())
    pareto_k: float | None = None  # of the Laplace + PSIS approximation, when one was tried
    importance_ess: float | None = None  # of its smoothed importance weights

    @property
    def converged(self) -> bool:
        return not self.warnings

    @property
    def is_mcmc(self) -> bool:
        """True when the draws are Markov chains (NUTS): only then do r_hat and rank plots mean anything."""
        return self.r_hat_max is not None

    @property
    def is_importance(self) -> bool:
        """True when the draws are resampled from the Laplace + PSIS approximation (independent, weighted)."""
        return self.r_hat_max is None and self.pareto_k is not None

    def plain_words(self) -> str:
        """One sentence for readers: what was done and whether to trust it."""
        if self.is_mcmc:
            how = (
                f"{self.sampler}: r_hat max {self.r_hat_max:.3f}, bulk ESS min {self.ess_bulk_min:.0f}, "
                f"{self.divergences} divergences"
            )
        elif self.is_importance:
            how = (
                f"{self.sampler}, independent draws (no Markov chains): Pareto k-hat {self.pareto_k:.2f} "
                f"(at most {importance.K_HAT_MAX} accepted), importance ESS {self.importance_ess:.0f}, "
                f"ESS of the resampled draws about {self.ess_bulk_min:.0f}"
            )
        else:
            how = "exact draws from the priors (no MCMC needed)"
        verdict = "converged" if self.converged else "NOT CONVERGED: " + "; ".join(self.warnings)
        return f"{how}; {verdict}."

    def as_dict(self) -> dict:
        out = asdict(self)
        out["converged"] = self.converged
        out["warnings"] = list(self.warnings)
        return out

    @classmethod
    def from_dict(cls, d: dict, *, cached: bool = False) -> Diagnostics:
        """The inverse of :meth:`as_dict` (as stored in a cache entry); ``cached`` marks draws read back."""
        return cls(
            sampler=str(d["sampler"]),
            r_hat_max=None if d["r_hat_max"] is None else float(d["r_hat_max"]),
            ess_bulk_min=float(d["ess_bulk_min"]),
            divergences=int(d["divergences"]),
            seconds=float(d["seconds"]),
            cached=cached,
            warnings=tuple(str(w) for w in d["warnings"]),
            pareto_k=None if d.get("pareto_k") is None else float(d["pareto_k"]),
            importance_ess=None if d.get("importance_ess") is None else float(d["importance_ess"]),
        )


def check_diagnostics(r_hat_max: float | None, ess_bulk_min: float, divergences: int) -> tuple[str, ...]:
    """The project's bar: r_hat <= 1.01, bulk ESS >= 400, no divergence."""
    out = []
    if r_hat_max is not None and not r_hat_max <= R_HAT_MAX:
        out.append(f"r_hat {r_hat_max:.3f} > {R_HAT_MAX}")
    if not ess_bulk_min >= ESS_BULK_MIN:
        out.append(f"bulk ESS {ess_bulk_min:.0f} < {ESS_BULK_MIN} (draw more)")
    if divergences:
        out.append(f"{divergences} divergent transitions")
    return tuple(out)


@dataclass(frozen=True)
class Posterior:
    """Draws of the rate ``theta`` (n,) and log-LRs ``beta`` (n, K) with their diagnostics.

    For a mixture spec, ``component`` (n,) says which outside-view source each theta draw
    came from (theta is in that source's unit; see :mod:`foresight.model.outside`).
    """

    spec: ModelSpec
    settings: SamplerSettings
    theta: np.ndarray
    beta: np.ndarray
    diagnostics: Diagnostics
    component: np.ndarray | None = None

    @property
    def n_draws(self) -> int:
        return int(self.theta.shape[0])


def exact_diagnostics(n_draws: int, seconds: float) -> Diagnostics:
    """Diagnostics of ``n_draws`` independent exact draws: no r_hat, ESS = n, held to the same ESS bar."""
    return Diagnostics(
        sampler="exact forward sampling",
        r_hat_max=None,
        ess_bulk_min=float(n_draws),
        divergences=0,
        seconds=seconds,
        warnings=check_diagnostics(None, float(n_draws), 0),
    )


def _forward(spec: ModelSpec, settings: SamplerSettings) -> Posterior:
    start = time.perf_counter()
    rng = np.random.default_rng(settings.seed)
    theta, component = draw_theta(spec, rng, settings.draws)
    beta = rng.normal(np.array(spec.mu), np.array(spec.sigma), size=(settings.draws, spec.n_indicators))
    diag = exact_diagnostics(settings.draws, time.perf_counter() - start)
    return Posterior(spec, settings, theta, beta.reshape(settings.draws, spec.n_indicators), diag, component)


@contextlib.contextmanager
def quiet_sampling():
    """Keep PyMC's progress chatter and PyTensor's BLAS advice out of notebooks; diagnostics say what matters."""
    loggers = [logging.getLogger(name) for name in ("pymc", "pymc.sampling.mcmc", "pytensor")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            warnings.simplefilter("ignore", RuntimeWarning)
            yield
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)


def mcmc_diagnostics(
    stacked: np.ndarray, tree, settings: SamplerSettings, seconds: float, label: str = ""
) -> Diagnostics:
    """Worst r_hat and bulk ESS over every parameter column of ``stacked`` (chain, draw, P), and the divergences."""
    import arviz as az

    r_hat = max(float(az.rhat(stacked[..., j], chain_axis=0, draw_axis=1)) for j in range(stacked.shape[-1]))
    ess = min(
        float(az.ess(stacked[..., j], chain_axis=0, draw_axis=1, method="bulk")) for j in range(stacked.shape[-1])
    )
    divergences = int(np.asarray(tree["sample_stats"].to_dataset()["diverging"].values).sum())
    return Diagnostics(
        sampler=f"NUTS ({settings.nuts_sampler}, {settings.backend} backend, {settings.chains} chains{label})",
        r_hat_max=r_hat,
        ess_bulk_min=ess,
        divergences=divergences,
        seconds=seconds,
        warnings=check_diagnostics(r_hat, ess, divergences),
    )


def nuts(model, settings: SamplerSettings, label: str = ""):
    """Sample ``model`` with NUTS as :class:`SamplerSettings` say: its posterior dataset and diagnostics.

    The one ``pm.sample`` call of the project (single and joint models alike), so
    the sampler choice above and the convergence bar hold everywhere.
    """
    import pymc as pm

    start = time.perf_counter()
    with model, quiet_sampling():
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
    seconds = time.perf_counter() - start
    post = tree["posterior"].to_dataset()
    columns = [
        np.asarray(post[v].values, dtype=float).reshape(settings.chains, settings.draws_per_chain, -1)
        for v in post.data_vars
    ]
    return post, mcmc_diagnostics(np.concatenate(columns, axis=-1), tree, settings, seconds, label)


def flat_draws(post, name: str, width: int | None = None) -> np.ndarray:
    """Variable ``name`` of a posterior dataset with chains concatenated: shape (n,) or (n, width)."""
    values = np.asarray(post[name].values, dtype=float)
    n = values.shape[0] * values.shape[1]
    return values.reshape(n) if width is None else values.reshape(n, width)


Draws = dict[str, np.ndarray]


def cached_draws(
    kind: str,
    key_parts: dict[str, Any],
    shapes: dict[str, tuple[int, ...]],
    draw: Callable[[], tuple[Draws, Diagnostics]],
    *,
    cache: bool = True,
    cache_dir: str | Path | None = None,
) -> tuple[Draws, Diagnostics]:
    """``draw()``'s arrays and diagnostics, read from the posterior cache when an entry exists.

    ``kind`` is the cache sub-folder, ``key_parts`` everything that determines the
    draws (hashed into the entry's name) and ``shapes`` the arrays an entry must
    hold. A damaged entry is sampled again and replaced; an unwritable cache
    only warns (see :mod:`foresight.model.cache`).
    """
    if not cache:
        return draw()
    key = store.entry_key(kind, key_parts)
    path = store.entry_path(kind, key, cache_dir)
    hit = store.read_entry(path, key, shapes)
    if hit is not None:
        arrays, meta = hit
        try:
            return arrays, Diagnostics.from_dict(meta["diagnostics"], cached=True)
        except (KeyError, TypeError, ValueError) as exc:
            warnings.warn(
                f"posterior cache entry {path} has unreadable diagnostics ({type(exc).__name__}: {exc}); "
                "sampling again and replacing it",
                store.CacheWarning,
                stacklevel=3,
            )
    arrays, diag = draw()
    store.write_entry(path, key, arrays, {"diagnostics": diag.as_dict()})
    return arrays, diag


def _nuts(spec: ModelSpec, settings: SamplerSettings, label: str = "") -> tuple[Draws, Diagnostics]:
    post, diag = nuts(build_pymc_model(spec), settings, label)
    return {"theta": flat_draws(post, "theta"), "beta": flat_draws(post, "beta", spec.n_indicators)}, diag


APPROXIMATION = "Laplace + PSIS importance sampling"


def approximation_diagnostics(approx: importance.Approximation, seconds: float) -> Diagnostics:
    """Diagnostics of accepted Laplace + PSIS draws: no r_hat (no chains), ESS of the resampled draws."""
    ess = approx.draws_ess
    return Diagnostics(
        sampler=f"{APPROXIMATION} ({approx.proposals} Student-t proposals, df {importance.T_DF})",
        r_hat_max=None,
        ess_bulk_min=ess,
        divergences=0,
        seconds=seconds,
        warnings=check_diagnostics(None, ess, 0),
        pareto_k=approx.k_hat,
        importance_ess=approx.importance_ess,
    )


def _approximate(spec: ModelSpec, settings: SamplerSettings) -> tuple[Draws, Diagnostics]:
    """Laplace + PSIS draws when its checks pass (k-hat <= 0.7, importance ESS >= the ESS bar), else NUTS.

    Returns as many draws as NUTS would (:attr:`SamplerSettings.mcmc_draws`), so a cache entry has one
    shape whichever method made it. The fallback's diagnostics name the approximation's failed check.
    """
    start = time.perf_counter()
    try:
        approx = importance.laplace_psis(spec, settings.mcmc_draws, settings.seed)
    except (importance.ModeNotFound, np.linalg.LinAlgError) as exc:
        reason, k_hat, ess = f"no posterior mode found ({exc})", None, None
    else:
        k_hat, ess = approx.k_hat, approx.importance_ess
        if k_hat <= importance.K_HAT_MAX and ess >= ESS_BULK_MIN:
            diag = approximation_diagnostics(approx, time.perf_counter() - start)
            return {"theta": approx.theta, "beta": approx.beta}, diag
        reason = (
            f"Pareto k-hat {k_hat:.2f} > {importance.K_HAT_MAX}"
            if not k_hat <= importance.K_HAT_MAX
            else f"importance ESS {ess:.0f} < {ESS_BULK_MIN}"
        )
    arrays, diag = _nuts(spec, settings, f"; {APPROXIMATION} was rejected: {reason}")
    return arrays, dataclasses.replace(diag, pareto_k=k_hat, importance_ess=ess)


def sample_posterior(
    spec: ModelSpec, settings: SamplerSettings, *, cache: bool = True, cache_dir: str | Path | None = None
) -> Posterior:
    """Posterior draws for ``spec``: exact when it does not learn from cases, else as ``settings.inference``
    says (Laplace + PSIS with a NUTS fallback, or NUTS), cached on disk under a key that includes the method."""
    if not spec.learns_from_cases:
        return _forward(spec, settings)  # milliseconds: not worth a file
    n = settings.mcmc_draws
    key = {"spec": spec.posterior_digest(), "settings": settings.key()}
    if settings.inference != "nuts":  # NUTS entries keep the names they had before the approximation existed
        key["inference"] = settings.inference
    arrays, diag = cached_draws(
        "posteriors",
        key,
        {"theta": (n,), "beta": (n, spec.n_indicators)},
        (lambda: _nuts(spec, settings)) if settings.inference == "nuts" else (lambda: _approximate(spec, settings)),
        cache=cache,
        cache_dir=cache_dir,
    )
    return Posterior(spec, settings, arrays["theta"], arrays["beta"], diag)
