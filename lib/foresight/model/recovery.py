"""Simulation-based calibration of the case regression: can it recover weights it was built from?

Draw theta and the log-LRs from their priors, simulate reference-class cases
from them, fit the model, and count how often each 90% interval covers the
truth. A correct sampler and likelihood cover about 90% of the time; a sign
error, a wrong link or a broken power prior does not. Shared by the test suite
(a few simulations) and bench/recovery.py (many).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.special import expit, logit

from foresight.model.sampling import SamplerSettings, sample_posterior
from foresight.model.spec import ModelSpec


@dataclass(frozen=True)
class RecoveryResult:
    n_sims: int
    n_intervals: int
    covered: int
    mean_width_ratio: float  # posterior 90% width / prior 90% width, averaged over weights
    divergences: int
    seconds: float

    @property
    def coverage(self) -> float:
        return self.covered / self.n_intervals


def simulate_and_fit(
    n_sims: int = 6,
    n_cases: int = 80,
    seed: int = 0,
    draws: int = 600,
    mu: tuple[float, ...] = (0.7, -0.5),
    sigma: tuple[float, ...] = (0.6, 0.6),
    relevance: float = 1.0,
    cache_dir: Path | None = None,
) -> RecoveryResult:
    """Fit ``n_sims`` simulated data sets; intervals for theta's logit and each weight are checked."""
    rng = np.random.default_rng(seed)
    k = len(mu)
    covered = n_intervals = divergences = 0
    width_ratios, seconds = [], 0.0
    for sim in range(n_sims):
        theta = float(np.clip(rng.beta(0.5, 0.5), 0.02, 0.98))
        beta = rng.normal(mu, sigma)
        x = rng.choice([-1.0, 0.0, 1.0], size=(n_cases, k), p=[0.35, 0.3, 0.35])
        y = rng.binomial(1, expit(logit(theta) + x @ beta))
        spec = ModelSpec(
            pack_id="recovery",
            reference_class=f"sim{sim}",
            relevance=relevance,
            theta_prior=(0.5, 0.5),
            indicators=tuple(f"i{j}" for j in range(k)),
            groups=tuple(f"g{j}" for j in range(k)),
            rho=(0.0,) * k,
            mu=tuple(mu),
            sigma=tuple(sigma),
            case_names=tuple(f"c{i}" for i in range(n_cases)),
            case_x=tuple(tuple(row) for row in x.tolist()),
            case_y=tuple(int(v) for v in y),
            learns_from_cases=True,
            discount_groups=False,
            lr_width_scale=1.0,
        )
        post = sample_posterior(
            spec,
            SamplerSettings(draws=draws, seed=seed * 1000 + sim),
            cache=cache_dir is not None,  # each simulation is fitted once: cache only when asked
            cache_dir=cache_dir,
        )
        seconds += post.diagnostics.seconds
        divergences += post.diagnostics.divergences
        samples = np.column_stack([logit(post.theta), post.beta])
        truth = np.concatenate([[logit(theta)], beta])
        lo, hi = np.quantile(samples, [0.05, 0.95], axis=0)
        covered += int(np.sum((lo <= truth) & (truth <= hi)))
        n_intervals += truth.size
        width_ratios.extend((hi[1:] - lo[1:]) / (2 * 1.6448536269514722 * np.array(sigma)))
    return RecoveryResult(n_sims, n_intervals, covered, float(np.mean(width_ratios)), divergences, seconds)
