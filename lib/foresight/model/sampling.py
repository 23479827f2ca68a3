"""Draw the posterior of a :class:`ModelSpec`, exactly or with NUTS, and cache the draws on disk.

Sampler choice, measured on this project's machines (2 cores; bench/sampler_choice.py
re-measures it): for these small regressions PyMC's own NUTS with PyTensor's C
backend beats both nutpie (which recompiles in every process) and the default
Numba backend (a cold Numba cache costs about a minute, C about 20 s once);
warm, all take a few seconds. So: ``nuts_sampler="pymc"``, ``backend="c"``, four
chains on two cores, all passed explicitly. Four chains, not two: the largest
r_hat over a hundred parameters of the joint model strays past 1.01 by chance
with two chains of 1000 draws even when the chains agree.

Draws are cached under a hash of the spec and the sampler settings: the same
priors and data never sample twice. Writes go to a temporary file renamed into
place, so a crash never leaves half a cache entry.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from foresight.model.options import ModelOptions
from foresight.model.spec import ModelSpec, build_pymc_model, draw_theta

R_HAT_MAX = 1.01
ESS_BULK_MIN = 400


@dataclass(frozen=True)
class SamplerSettings:
    """How to draw: total draws (over all chains), tuning steps, chains, cores, seed, sampler."""

    draws: int = 4000
    tune: int = 1000
    chains: int = 4
    cores: int = 2
    seed: int = 1
    nuts_sampler: str = "pymc"
    backend: str = "c"
    target_accept: float = 0.9

    def __post_init__(self) -> None:
        if self.draws < self.chains or self.chains < 1:
            raise ValueError(f"need chains >= 1 and draws >= chains; got draws={self.draws}, chains={self.chains}")

    @classmethod
    def from_options(cls, options: ModelOptions) -> SamplerSettings:
        """The sampler's part of a forecast's :class:`ModelOptions`."""
        return cls(
            draws=options.draws,
            tune=options.tune,
            chains=options.chains,
            cores=options.sampler_cores,
            seed=options.seed,
        )

    @property
    def draws_per_chain(self) -> int:
        return self.draws // self.chains


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

    @property
    def converged(self) -> bool:
        return not self.warnings

    def plain_words(self) -> str:
        """One sentence for readers: what was done and whether to trust it."""
        how = (
            "exact draws from the priors (no MCMC needed)"
            if self.r_hat_max is None
            else f"{self.sampler}: r_hat max {self.r_hat_max:.3f}, bulk ESS min {self.ess_bulk_min:.0f}, "
            f"{self.divergences} divergences"
        )
        verdict = "converged" if self.converged else "NOT CONVERGED: " + "; ".join(self.warnings)
        return f"{how}; {verdict}."

    def as_dict(self) -> dict:
        out = asdict(self)
        out["converged"] = self.converged
        out["warnings"] = list(self.warnings)
        return out


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


def default_cache_dir() -> Path:
    """$FORESIGHT_CACHE_DIR, else .cache/foresight in the project checkout, else ~/.cache/foresight."""
    env = os.environ.get("FORESIGHT_CACHE_DIR")
    if env:
        return Path(env)
    root = Path(__file__).resolve().parents[2]
    if (root / "pyproject.toml").is_file() and os.access(root, os.W_OK):
        return root / ".cache" / "foresight"
    return Path.home() / ".cache" / "foresight"


def cache_key(spec: ModelSpec, settings: SamplerSettings) -> str:
    """Hash of everything that determines the draws (the exact sampler path needs no MCMC settings)."""
    import hashlib

    parts = {"spec": spec.posterior_digest(), "draws": settings.draws, "seed": settings.seed}
    if spec.learns_from_cases:
        parts["mcmc"] = asdict(settings)
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:24]


def _forward(spec: ModelSpec, settings: SamplerSettings) -> Posterior:
    start = time.perf_counter()
    rng = np.random.default_rng(settings.seed)
    theta, component = draw_theta(spec, rng, settings.draws)
    beta = rng.normal(np.array(spec.mu), np.array(spec.sigma), size=(settings.draws, spec.n_indicators))
    seconds = time.perf_counter() - start
    diag = Diagnostics(
        sampler="exact forward sampling",
        r_hat_max=None,
        ess_bulk_min=float(settings.draws),
        divergences=0,
        seconds=seconds,
        warnings=check_diagnostics(None, float(settings.draws), 0),
    )
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


def save_npz_atomic(path: Path, **arrays: np.ndarray) -> None:
    """Write arrays to ``path`` through a temporary file and a rename: a crash never leaves half an entry."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp.npz")
    os.close(fd)
    try:
        np.savez(tmp, **arrays)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _nuts(spec: ModelSpec, settings: SamplerSettings) -> Posterior:
    import pymc as pm

    start = time.perf_counter()
    model = build_pymc_model(spec)
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
    theta_cd = np.asarray(post["theta"].values, dtype=float)  # (chain, draw)
    beta_cdk = np.asarray(post["beta"].values, dtype=float).reshape(*theta_cd.shape, spec.n_indicators)
    stacked = np.concatenate([theta_cd[..., None], beta_cdk], axis=-1)  # (chain, draw, 1 + K)
    diag = mcmc_diagnostics(stacked, tree, settings, seconds)
    return Posterior(spec, settings, theta_cd.reshape(-1), beta_cdk.reshape(-1, spec.n_indicators), diag)


def _save(path: Path, posterior: Posterior) -> None:
    meta = json.dumps({"diagnostics": posterior.diagnostics.as_dict(), "indicators": list(posterior.spec.indicators)})
    save_npz_atomic(path, theta=posterior.theta, beta=posterior.beta, meta=np.array(meta))


def _load(path: Path, spec: ModelSpec, settings: SamplerSettings) -> Posterior | None:
    try:
        with np.load(path, allow_pickle=False) as data:
            theta, beta, meta = data["theta"], data["beta"], json.loads(str(data["meta"]))
    except (OSError, KeyError, ValueError):
        return None  # unreadable entry: sample again and overwrite it
    d = meta["diagnostics"]
    diag = Diagnostics(
        sampler=d["sampler"],
        r_hat_max=d["r_hat_max"],
        ess_bulk_min=d["ess_bulk_min"],
        divergences=d["divergences"],
        seconds=d["seconds"],
        cached=True,
        warnings=tuple(d["warnings"]),
    )
    return Posterior(spec, settings, theta, beta.reshape(-1, spec.n_indicators), diag)


def sample_posterior(
    spec: ModelSpec, settings: SamplerSettings, *, cache: bool = True, cache_dir: Path | None = None
) -> Posterior:
    """Posterior draws for ``spec``: exact when it does not learn from cases, else NUTS (cached on disk)."""
    if not spec.learns_from_cases:
        return _forward(spec, settings)  # milliseconds: not worth a file
    path = Path(cache_dir or default_cache_dir()) / "posteriors" / f"{cache_key(spec, settings)}.npz"
    if cache and path.is_file():
        hit = _load(path, spec, settings)
        if hit is not None:
            return hit
    posterior = _nuts(spec, settings)
    if cache:
        _save(path, posterior)
    return posterior
