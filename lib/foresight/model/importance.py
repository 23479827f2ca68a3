"""Laplace approximation corrected by Pareto-smoothed importance sampling, in numpy alone.

The single-question case regression (:mod:`foresight.model.spec`) is small and
log-concave: theta ~ Beta(a, b), beta_k ~ Normal(mu_k, sigma_k), and each case's
Bernoulli log-likelihood (logit p = logit(theta) + x . beta) counted r times.
On the unconstrained scale u = logit(theta) (the Beta prior times its Jacobian
theta(1 - theta) is theta^a (1 - theta)^b) the log posterior is strictly
concave, so Newton's method finds its mode in a few steps, and a multivariate
Student-t centred there, with the inverse negative Hessian as its scale, is a
proposal with heavier tails than the posterior. Importance weights correct the
proposal towards the exact posterior; Pareto smoothing of the largest weights
stabilises them, and the fitted tail shape k-hat says whether the correction
can be trusted.

Method: Vehtari, Simpson, Gelman, Yao & Gabry, "Pareto Smoothed Importance
Sampling", Journal of Machine Learning Research 25 (2024). The generalized
Pareto fit is the empirical-Bayes estimate of Zhang & Stephens, "A New and
Efficient Estimation Method for the Generalized Pareto Distribution",
Technometrics 51 (2009), with the weakly informative prior on k the PSIS paper
recommends. No PyTensor, no PyMC: a posterior costs milliseconds, not a compile
and four chains.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from foresight.model.spec import ModelSpec

T_DF = 5
"""Degrees of freedom of the Student-t proposal: tails heavier than the (near-normal) posterior's, so the
importance weights stay bounded, yet not so heavy that most proposals land where the posterior has no mass."""

PROPOSALS_PER_DRAW = 4
MIN_PROPOSALS = 4000
"""Proposals drawn: several per requested draw, so resampling repeats few of them, and at least enough that
the importance ESS can reach the project's bar (400) even for small ``draws``."""

K_HAT_MAX = 0.7
"""Accept the approximation only when the Pareto k-hat is at most 0.7. Vehtari et al. (2024) show that
above 0.7 the error of a PSIS estimate shrinks so slowly with the number of proposals that no practical
number makes it reliable, while at or below it (even past 0.5, where the raw weights' variance is
infinite) the smoothed estimate's error behaves like Monte Carlo error with the importance ESS. Their
sample-size dependent bound, 1 - 1/log10(S), is above 0.7 for S >= 2,155 proposals, which
:data:`MIN_PROPOSALS` guarantees, so 0.7 is the binding threshold here."""


class ModeNotFound(RuntimeError):
    """Newton's method did not converge (it should not for a proper prior; the caller falls back to NUTS)."""


@dataclass(frozen=True)
class _Problem:
    a: float
    b: float
    mu: np.ndarray
    prec: np.ndarray  # 1 / sigma^2
    z: np.ndarray  # (n_cases, 1 + K): a column of ones, then the case features
    y: np.ndarray
    r: float

    @classmethod
    def of(cls, spec: ModelSpec) -> _Problem:
        x, y = spec.case_matrix()
        z = np.column_stack([np.ones(len(y)), x]) if len(y) else np.zeros((0, 1 + spec.n_indicators))
        sigma = np.array(spec.sigma, dtype=float)
        return cls(
            float(spec.theta_prior[0]),
            float(spec.theta_prior[1]),
            np.array(spec.mu, dtype=float),
            1.0 / sigma**2,
            z,
            y.astype(float),
            float(spec.relevance),
        )

    def log_post(self, phi: np.ndarray) -> np.ndarray:
        """Unnormalised log posterior at the rows of ``phi`` (m, 1 + K): columns logit(theta), beta."""
        u, beta = phi[:, 0], phi[:, 1:]
        eta = phi @ self.z.T  # (m, n_cases)
        loglik = (eta * self.y - np.logaddexp(0.0, eta)).sum(axis=1)
        prior_u = -self.a * np.logaddexp(0.0, -u) - self.b * np.logaddexp(0.0, u)
        prior_beta = -0.5 * (((beta - self.mu) ** 2) * self.prec).sum(axis=1)
        return prior_u + prior_beta + self.r * loglik

    def grad_hess(self, phi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Gradient and Hessian of :meth:`log_post` at one point ``phi`` (1 + K,)."""
        eta = self.z @ phi
        p = _expit(eta)
        theta = _expit(phi[0])
        grad = self.r * self.z.T @ (self.y - p)
        grad[0] += self.a - (self.a + self.b) * theta
        grad[1:] -= (phi[1:] - self.mu) * self.prec
        hess = -self.r * (self.z.T * (p * (1.0 - p))) @ self.z
        hess[0, 0] -= (self.a + self.b) * theta * (1.0 - theta)
        hess[np.arange(1, len(phi)), np.arange(1, len(phi))] -= self.prec
        return grad, hess


def _expit(v):
    return 0.5 * (1.0 + np.tanh(0.5 * v))  # stable for any v, no overflow warnings


def find_mode(problem: _Problem, max_iter: int = 100, tol: float = 1e-9) -> tuple[np.ndarray, np.ndarray]:
    """The posterior mode by Newton's method with a backtracking line search, and the Hessian there."""
    a, b = problem.a, problem.b
    phi = np.concatenate([[math.log(a / b)], problem.mu])  # the prior's mode of logit(theta), the prior's beta
    f = problem.log_post(phi[None])[0]
    for _ in range(max_iter):
        grad, hess = problem.grad_hess(phi)
        if np.max(np.abs(grad)) < tol:
            return phi, hess
        step = np.linalg.solve(-hess, grad)
        t = 1.0
        while True:
            new = phi + t * step
            f_new = problem.log_post(new[None])[0]
            if f_new >= f + 1e-4 * t * (grad @ step) or t < 1e-10:
                break
            t *= 0.5
        if t < 1e-10:
            break
        phi, f = new, f_new
    grad, hess = problem.grad_hess(phi)
    if np.max(np.abs(grad)) < 1e-6:
        return phi, hess
    raise ModeNotFound(f"Newton's method stopped with gradient {np.max(np.abs(grad)):.3g}")


def _log_t_density(dev: np.ndarray, chol: np.ndarray, df: float) -> np.ndarray:
    """Log density of a multivariate Student-t with scale chol chol^T at deviations ``dev`` from its centre."""
    d = dev.shape[1]
    white = np.linalg.solve(chol, dev.T).T
    maha = (white**2).sum(axis=1)
    const = (
        math.lgamma((df + d) / 2) - math.lgamma(df / 2) - 0.5 * d * math.log(df * math.pi) - np.log(np.diag(chol)).sum()
    )
    return const - 0.5 * (df + d) * np.log1p(maha / df)


def gpd_fit(exceedances: np.ndarray) -> tuple[float, float]:
    """Shape k and scale sigma of a generalized Pareto fit to positive ``exceedances`` (sorted ascending).

    Zhang & Stephens (2009): the profile likelihood over a grid of theta = -k/sigma values, averaged
    with its normalised likelihood as weights; then k is shrunk towards 0.5 by a weakly informative
    prior worth 10 observations (Vehtari et al. 2024, appendix). Heavier tails give larger k.
    """
    x = np.asarray(exceedances, dtype=float)
    n = len(x)
    m = 30 + int(math.sqrt(n))
    j = np.arange(1, m + 1)
    quartile = x[max(int(n / 4 + 0.5) - 1, 0)]
    theta = 1.0 / x[-1] + (1.0 - np.sqrt(m / (j - 0.5))) / (3.0 * quartile)
    k = np.log1p(-theta[:, None] * x).mean(axis=1)  # this is -k in Zhang & Stephens' sign
    profile = n * (np.log(-theta / k) - k - 1.0)
    weights = 1.0 / np.exp(profile[None, :] - profile[:, None]).sum(axis=1)
    weights /= weights.sum()
    theta_hat = float((theta * weights).sum())
    k_hat = float(np.log1p(-theta_hat * x).mean())
    sigma = -k_hat / theta_hat
    k_hat = (n * k_hat + 10 * 0.5) / (n + 10)
    return k_hat, sigma


def psis(log_weights: np.ndarray) -> tuple[np.ndarray, float]:
    """Pareto-smoothed log weights (normalised) and k-hat (Vehtari et al. 2024, algorithm 1).

    The largest M = min(S/5, 3 sqrt(S)) raw weights are replaced by the expected order statistics of a
    generalized Pareto fitted to them, never above the largest raw weight.
    """
    lw = np.asarray(log_weights, dtype=float) - np.max(log_weights)
    s = len(lw)
    tail = int(math.ceil(min(0.2 * s, 3.0 * math.sqrt(s))))
    order = np.argsort(lw, kind="stable")
    cut = lw[order[-tail - 1]]
    idx = order[-tail:]
    exceed = np.exp(lw[idx]) - np.exp(cut)
    if tail < 5 or not np.all(np.isfinite(exceed)) or exceed[-1] <= 0:
        return lw - _logsumexp(lw), float("inf")
    exceed_pos = np.maximum(exceed, np.finfo(float).tiny)
    k_hat, sigma = gpd_fit(exceed_pos)
    if np.isfinite(k_hat) and sigma > 0:
        p = (np.arange(1, tail + 1) - 0.5) / tail
        q = sigma * np.expm1(-k_hat * np.log1p(-p)) / k_hat if abs(k_hat) > 1e-12 else -sigma * np.log1p(-p)
        smoothed = np.log(q + np.exp(cut))
        lw = lw.copy()
        lw[idx] = np.minimum(smoothed, 0.0)  # 0 is the largest raw log weight after the shift
    return lw - _logsumexp(lw), float(k_hat)


def _logsumexp(v: np.ndarray) -> float:
    top = float(np.max(v))
    return top + math.log(float(np.exp(v - top).sum()))


@dataclass(frozen=True)
class Approximation:
    """Equal-weight draws from the PSIS-corrected Laplace approximation, and its checks."""

    theta: np.ndarray  # (draws,)
    beta: np.ndarray  # (draws, K)
    k_hat: float
    importance_ess: float  # of the smoothed weights over all proposals
    proposals: int

    @property
    def draws_ess(self) -> float:
        """ESS of the resampled equal-weight draws: the importance ESS combined with multinomial
        resampling's own noise, 1 / (1/ESS + 1/draws) (systematic resampling does at least as well)."""
        return 1.0 / (1.0 / self.importance_ess + 1.0 / len(self.theta))


def laplace_psis(spec: ModelSpec, draws: int, seed: int) -> Approximation:
    """``draws`` equal-weight posterior draws of ``spec`` by Laplace + PSIS, from numpy's Generator at ``seed``.

    Same spec, draws and seed give identical arrays. Raises :class:`ModeNotFound` if Newton fails.
    """
    problem = _Problem.of(spec)
    mode, hess = find_mode(problem)
    cov = np.linalg.inv(-hess)
    chol = np.linalg.cholesky(0.5 * (cov + cov.T))
    rng = np.random.default_rng(seed)
    m, d = max(PROPOSALS_PER_DRAW * draws, MIN_PROPOSALS), len(mode)
    normal = rng.standard_normal((m, d))
    scale = np.sqrt(rng.chisquare(T_DF, size=m) / T_DF)
    dev = (normal @ chol.T) / scale[:, None]
    phi = mode + dev
    log_w = problem.log_post(phi) - _log_t_density(dev, chol, T_DF)
    finite = np.isfinite(log_w)
    log_w = np.where(finite, log_w, -np.inf)
    smoothed, k_hat = psis(log_w)
    w = np.exp(smoothed)
    w /= w.sum()
    ess = float(1.0 / np.sum(w**2))
    # Systematic resampling: one uniform, evenly spaced positions on the weights' cumulative sum.
    positions = (rng.random() + np.arange(draws)) / draws
    pick = np.minimum(np.searchsorted(np.cumsum(w), positions, side="right"), m - 1)
    pick = pick[rng.permutation(draws)]  # no order among the draws (they are not a chain)
    chosen = phi[pick]
    theta = _expit(chosen[:, 0])
    return Approximation(theta, chosen[:, 1:].copy(), k_hat, ess, m)
