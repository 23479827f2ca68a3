"""The Laplace + PSIS approximation of single-question posteriors (foresight.model.importance), its check,
its NUTS fallback and the ``inference`` option: right answers where they are known in closed form,
calibrated by simulation, in agreement with NUTS on the seed pack, reproducible, and never mixed with
NUTS draws in the cache."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import stats
from scipy.special import expit, logit

from foresight.model import cache as store
from foresight.model import importance
from foresight.model.options import ModelOptions
from foresight.model.sampling import Diagnostics, SamplerSettings, sample_posterior
from foresight.model.spec import ModelSpec

SEED_PACK = Path(__file__).resolve().parents[1] / "scenarios" / "us-china-korea-2017-2019"


def make_spec(
    x,
    y,
    *,
    mu=(0.5,),
    sigma=(0.7,),
    theta_prior=(0.5, 0.5),
    relevance=1.0,
    name="t",
) -> ModelSpec:
    x = np.asarray(x, dtype=float).reshape(len(y), len(mu))
    k = len(mu)
    return ModelSpec(
        pack_id="inference-test",
        reference_class=name,
        relevance=relevance,
        theta_prior=tuple(float(v) for v in theta_prior),
        indicators=tuple(f"i{j}" for j in range(k)),
        groups=tuple(f"g{j}" for j in range(k)),
        rho=(0.0,) * k,
        mu=tuple(float(v) for v in mu),
        sigma=tuple(float(v) for v in sigma),
        case_names=tuple(f"c{i}" for i in range(len(y))),
        case_x=tuple(tuple(float(v) for v in row) for row in x),
        case_y=tuple(int(v) for v in y),
        learns_from_cases=True,
        discount_groups=False,
        lr_width_scale=1.0,
    )


# --- the pieces -------------------------------------------------------------------------------------


@pytest.mark.parametrize("k_true", [0.0, 0.5, 0.9])
def test_pareto_k_hat_recovers_a_known_tail(k_true):
    """Weights drawn from a generalized Pareto with shape k: the Zhang-Stephens fit in psis finds k."""
    rng = np.random.default_rng(3)
    u = rng.random(20_000)
    w = -np.log1p(-u) if k_true == 0 else np.expm1(-k_true * np.log1p(-u)) / k_true
    _, k_hat = importance.psis(np.log(w))
    assert abs(k_hat - k_true) < 0.1, k_hat


def test_gradient_and_hessian_match_finite_differences():
    rng = np.random.default_rng(0)
    x = rng.choice([-1.0, 0.0, 1.0], size=(12, 3))
    spec = make_spec(x, rng.integers(0, 2, 12), mu=(0.3, -0.2, 0.1), sigma=(0.5, 1.0, 2.0), relevance=0.6)
    prob = importance._Problem.of(spec)
    phi = np.array([0.4, -0.3, 0.8, 0.1])
    grad, hess = prob.grad_hess(phi)
    h = 1e-5
    eye = np.eye(len(phi))
    num_grad = np.array([(prob.log_post((phi + h * e)[None]) - prob.log_post((phi - h * e)[None]))[0] for e in eye])
    np.testing.assert_allclose(grad, num_grad / (2 * h), rtol=1e-6, atol=1e-7)
    num_hess = np.array([(prob.grad_hess(phi + h * e)[0] - prob.grad_hess(phi - h * e)[0]) for e in eye]) / (2 * h)
    np.testing.assert_allclose(hess, num_hess, rtol=1e-5, atol=1e-6)


# --- (c) closed form ----------------------------------------------------------------------------------


def test_uninformative_cases_give_the_closed_form_beta_posterior():
    """With every case coded 0 the cases inform only theta: Beta(a + r*yes, b + r*no), beta its prior."""
    y = [1] * 7 + [0] * 13
    r, a, b = 0.6, 0.5, 0.5
    spec = make_spec(np.zeros((20, 2)), y, mu=(0.4, -1.0), sigma=(0.5, 0.8), relevance=r)
    post = sample_posterior(spec, SamplerSettings(draws=4000, seed=5), cache=False)
    assert post.diagnostics.is_importance and post.diagnostics.converged, post.diagnostics.plain_words()
    closed = stats.beta(a + r * 7, b + r * 13)
    assert stats.kstest(post.theta, closed.cdf).pvalue > 0.01
    assert stats.kstest(post.beta[:, 1], stats.norm(-1.0, 0.8).cdf).pvalue > 0.01
    # and the check has power: the same draws against the posterior without the relevance weight
    assert stats.kstest(post.theta, stats.beta(a + 7, b + 13).cdf).pvalue < 1e-6


# --- (b) simulation-based calibration -----------------------------------------------------------------


def _sbc_ranks(n_reps: int, fit_relevance: float, seed: int = 11, n_cases: int = 30, n_post: int = 99):
    """Ranks of the true logit(theta), beta_1, beta_2 among n_post posterior draws, over n_reps simulations
    from the prior (Talts et al. 2018, "Validating Bayesian Inference Algorithms with Simulation-Based
    Calibration"). Simulated with relevance 1; fitted with ``fit_relevance`` (1 is the correct model)."""
    rng = np.random.default_rng(seed)
    mu, sigma, ab = (0.5, -0.5), (0.7, 0.7), (2.0, 2.0)
    ranks = np.zeros((n_reps, 3), dtype=int)
    worst_k = 0.0
    for rep in range(n_reps):
        theta = rng.beta(*ab)
        beta = rng.normal(mu, sigma)
        x = rng.choice([-1.0, 0.0, 1.0], size=(n_cases, 2))
        y = rng.binomial(1, expit(logit(theta) + x @ beta))
        spec = make_spec(x, y, mu=mu, sigma=sigma, theta_prior=ab, relevance=fit_relevance)
        fit = importance.laplace_psis(spec, n_post, seed=rep)
        worst_k = max(worst_k, fit.k_hat)
        draws = np.column_stack([logit(fit.theta), fit.beta])
        truth = np.concatenate([[logit(theta)], beta])
        ranks[rep] = (draws < truth).sum(axis=0)
    return ranks, worst_k


def _uniformity_pvalues(ranks: np.ndarray, n_post: int = 99, bins: int = 10) -> list[float]:
    edges = np.linspace(0, n_post + 1, bins + 1)
    return [stats.chisquare(np.histogram(ranks[:, j], bins=edges)[0]).pvalue for j in range(ranks.shape[1])]


def test_sbc_ranks_of_the_approximation_are_uniform():
    ranks, worst_k = _sbc_ranks(400, fit_relevance=1.0)
    assert worst_k <= importance.K_HAT_MAX  # every fit passed its own check
    pvalues = _uniformity_pvalues(ranks)
    assert min(pvalues) > 0.001, pvalues


def test_sbc_detects_a_wrong_posterior():
    """The same check on a wrong fit (cases counted half, so posteriors too wide) fails: the test has power."""
    ranks, _ = _sbc_ranks(400, fit_relevance=0.3)
    assert min(_uniformity_pvalues(ranks)) < 0.001


# --- (d) the fallback -----------------------------------------------------------------------------------


def separated_spec() -> ModelSpec:
    """Complete separation (yes exactly when x = 1) and a vague prior: the posterior of beta is a long
    one-sided ramp the Laplace approximation cannot follow."""
    x = np.array([1.0] * 10 + [-1.0] * 10)
    return make_spec(x, (x > 0).astype(int), mu=(0.0,), sigma=(100.0,), name="separated")


def test_separation_with_a_vague_prior_fails_the_check():
    fit = importance.laplace_psis(separated_spec(), 1000, seed=1)
    assert fit.k_hat > importance.K_HAT_MAX


def test_fallback_to_nuts_fires_and_the_diagnostics_say_so(fake_sampler):
    post = sample_posterior(separated_spec(), SamplerSettings(draws=200, tune=50, chains=2, seed=1), cache=False)
    assert len(fake_sampler) == 1  # pm.sample ran (here the test's stand-in)
    d = post.diagnostics
    assert d.sampler.startswith("NUTS") and "Laplace + PSIS importance sampling was rejected: Pareto k-hat" in d.sampler
    assert d.pareto_k is not None and d.pareto_k > importance.K_HAT_MAX
    assert d.is_mcmc and not d.is_importance and "rejected" in d.plain_words()
    assert post.theta.shape == (200,) and post.beta.shape == (200, 1)


def test_an_accepted_approximation_never_calls_pymc(fake_sampler):
    rng = np.random.default_rng(2)
    x = rng.choice([-1.0, 1.0], size=(15, 1))
    post = sample_posterior(make_spec(x, rng.integers(0, 2, 15)), SamplerSettings(draws=1000), cache=False)
    assert fake_sampler == [] and post.diagnostics.is_importance
    words = post.diagnostics.plain_words()
    assert "Laplace + PSIS importance sampling" in words and "Pareto k-hat" in words and "r_hat" not in words


def test_the_approximation_path_imports_neither_pymc_nor_pytensor():
    code = (
        "import sys, numpy as np\n"
        "from foresight.model.sampling import SamplerSettings, sample_posterior\n"
        "sys.path.insert(0, 'tests')\n"
        "from test_inference import make_spec\n"
        "p = sample_posterior(make_spec(np.array([1.0, -1.0, 1.0, 0.0]), [1, 0, 0, 1]), SamplerSettings(draws=400),"
        " cache=False)\n"
        "assert p.diagnostics.is_importance\n"
        "print(sorted(m for m in ('pymc', 'pytensor') if m in sys.modules))\n"
    )
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root, check=True)
    assert json.loads(out.stdout.strip().replace("'", '"')) == []


# --- (e) reproducibility, (f) the cache key ------------------------------------------------------------


def test_same_spec_settings_and_seed_give_identical_draws():
    rng = np.random.default_rng(4)
    spec = make_spec(rng.choice([-1.0, 0.0, 1.0], size=(20, 1)), rng.integers(0, 2, 20))
    one = sample_posterior(spec, SamplerSettings(draws=800, seed=3), cache=False)
    two = sample_posterior(spec, SamplerSettings(draws=800, seed=3), cache=False)
    other = sample_posterior(spec, SamplerSettings(draws=800, seed=4), cache=False)
    np.testing.assert_array_equal(one.theta, two.theta)
    np.testing.assert_array_equal(one.beta, two.beta)
    assert not np.array_equal(one.theta, other.theta)


def test_cache_entries_of_the_two_methods_never_mix(tmp_path, fake_sampler):
    rng = np.random.default_rng(6)
    spec = make_spec(rng.choice([-1.0, 1.0], size=(12, 1)), rng.integers(0, 2, 12))
    nuts = SamplerSettings(draws=400, tune=50, chains=2, seed=1, inference="nuts")
    auto = SamplerSettings(draws=400, tune=50, chains=2, seed=1, inference="auto")
    p_nuts = sample_posterior(spec, nuts, cache_dir=tmp_path)
    p_auto = sample_posterior(spec, auto, cache_dir=tmp_path)
    assert len(fake_sampler) == 1 and p_nuts.diagnostics.is_mcmc and p_auto.diagnostics.is_importance
    entries = sorted((tmp_path / "posteriors").glob("*.npz"))
    assert len(entries) == 2
    # a NUTS entry keeps the name it had before the option existed: its key has no 'inference'
    old_key = store.entry_key("posteriors", {"spec": spec.posterior_digest(), "settings": nuts.key()})
    assert "inference" not in nuts.key() and store.entry_path("posteriors", old_key, tmp_path) in entries
    again = sample_posterior(spec, auto, cache_dir=tmp_path)
    assert again.diagnostics.cached and again.diagnostics.is_importance
    np.testing.assert_array_equal(again.theta, p_auto.theta)
    assert Diagnostics.from_dict(again.diagnostics.as_dict()).pareto_k == p_auto.diagnostics.pareto_k


def test_inference_option_is_checked_and_reaches_the_sampler():
    from foresight.run.params import ParameterError, check_params

    assert ModelOptions().inference == "auto"
    assert SamplerSettings.from_options(ModelOptions(inference="nuts")).inference == "nuts"
    with pytest.raises(ValueError, match="inference must be one of auto, nuts"):
        ModelOptions(inference="laplace")
    assert check_params(inference="NUTS").options.inference == "nuts"
    assert check_params(inference=None).options.inference == "auto"
    with pytest.raises(ParameterError, match="parameter 'inference'"):
        check_params(inference="vi")


def test_old_cache_diagnostics_without_the_new_fields_still_read():
    old = {"sampler": "NUTS", "r_hat_max": 1.0, "ess_bulk_min": 900.0, "divergences": 0, "seconds": 1.0}
    d = Diagnostics.from_dict({**old, "warnings": []})
    assert d.pareto_k is None and d.is_mcmc and not d.is_importance


# --- (a) agreement with NUTS on the seed pack ----------------------------------------------------------


def _sd_se(draws: np.ndarray, ess: float) -> float:
    """Standard error of a standard deviation estimated from ``ess`` effective draws (kurtosis-aware)."""
    c = draws - draws.mean()
    m2, m4 = np.mean(c**2), np.mean(c**4)
    return float(np.sqrt(max(m4 / m2**2 - 1.0, 0.0) / (4.0 * ess)) * np.sqrt(m2))


def _nuts_ess(draws: np.ndarray, chains: int, method: str) -> float:
    """ESS of NUTS draws (chains laid end to end) for a mean or an sd: NUTS's ESS differs between the two
    (often above the draws for a mean, below for an sd), so each comparison uses its own."""
    import arviz as az

    return float(az.ess(draws.reshape(chains, -1), chain_axis=0, draw_axis=1, method=method))


@pytest.mark.slow
def test_agrees_with_nuts_on_every_seed_question_that_learns_from_cases():
    """P(yes) means, and theta and beta means and sds, within 4 Monte Carlo standard errors of NUTS's
    (the errors from each method's ESS), and the approximation accepted on every such question. Where the
    answer is known (a beta no case is coded on keeps its Normal prior), the approximation matches it."""
    from foresight import forecast, load_pack

    pack = load_pack(SEED_PACK)
    auto, nuts = ModelOptions(draws=4000), ModelOptions(draws=4000, inference="nuts")
    problems, compared, exact = [], 0, 0
    for q in pack.questions.values():
        fa = forecast(pack, q.id, options=auto)
        if not fa.spec.learns_from_cases:
            continue
        fn = forecast(pack, q.id, options=nuts)
        da, dn = fa.diagnostics, fn.diagnostics
        assert da.is_importance and dn.is_mcmc, (q.id, da.plain_words())
        ess_a, chains = da.ess_bulk_min, fn.posterior.settings.chains
        pairs = [("P(yes)", fa.draws, fn.draws)]
        pairs += [("logit theta", logit(fa.posterior.theta), logit(fn.posterior.theta))]
        pairs += [
            (f"beta[{k}]", fa.posterior.beta[:, j], fn.posterior.beta[:, j]) for j, k in enumerate(fa.spec.indicators)
        ]
        for name, a, n in pairs:
            se_mean = np.sqrt(a.var() / ess_a + n.var() / _nuts_ess(n, chains, "mean"))
            if abs(a.mean() - n.mean()) > 4 * se_mean:
                problems.append(f"{q.id} {name} mean {a.mean():.4f} vs NUTS {n.mean():.4f} (se {se_mean:.4f})")
            se_sd = np.hypot(_sd_se(a, ess_a), _sd_se(n, _nuts_ess(n, chains, "sd")))
            if name != "P(yes)" and abs(a.std() - n.std()) > 4 * se_sd:
                problems.append(f"{q.id} {name} sd {a.std():.4f} vs NUTS {n.std():.4f} (se {se_sd:.4f})")
            compared += 1
        x, _ = fa.spec.case_matrix()
        for j in np.flatnonzero(~np.any(x != 0.0, axis=0)):  # uncoded: the posterior is the prior
            b, mu, sigma = fa.posterior.beta[:, j], fa.spec.mu[j], fa.spec.sigma[j]
            if abs(b.mean() - mu) > 4 * sigma / np.sqrt(ess_a) or abs(b.std() - sigma) > 4 * _sd_se(b, ess_a):
                problems.append(
                    f"{q.id} uncoded beta[{j}]: {b.mean():.4f} +- {b.std():.4f}, prior {mu:.4f} +- {sigma:.4f}"
                )
            exact += 1
    assert compared > 20 and exact > 0
    assert not problems, "\n".join(problems)
