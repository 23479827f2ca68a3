"""The regression on coded reference-class cases: recovery of known weights, caching, what-if equivalence.

Real NUTS through the session's posterior cache, except the two caching tests,
which check plumbing with the fake sampler and a private cache folder.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.special import expit, logit

from foresight import forecast, load_pack
from foresight.model.recovery import simulate_and_fit
from foresight.model.sampling import SamplerSettings, sample_posterior
from foresight.model.spec import ModelSpec

MINI = Path(__file__).parent / "fixtures" / "mini"


def test_coded_cases_switch_on_the_regression():
    pack = load_pack(MINI)
    f = forecast(pack, "deal-by-june", as_of="2020-03-01", draws=2000, seed=1, inference="nuts")
    assert f.spec.learns_from_cases
    assert f.diagnostics.sampler.startswith("NUTS")
    assert f.diagnostics.r_hat_max is not None and f.diagnostics.r_hat_max < 1.05
    priors_only = forecast(pack, "deal-by-june", as_of="2020-03-01", draws=1000, learn_from_cases=False)
    assert not priors_only.spec.learns_from_cases


def test_posterior_is_cached_and_reused(tmp_path, fake_sampler):
    pack = load_pack(MINI)
    first = forecast(pack, "deal-by-june", as_of="2020-03-01", draws=600, seed=4, inference="nuts", cache_dir=tmp_path)
    again = forecast(pack, "deal-by-june", as_of="2020-02-01", draws=600, seed=4, inference="nuts", cache_dir=tmp_path)
    assert not first.diagnostics.cached and again.diagnostics.cached
    np.testing.assert_array_equal(first.posterior.beta, again.posterior.beta)
    assert len(list((tmp_path / "posteriors").glob("*.npz"))) == 1
    wider = forecast(
        pack,
        "deal-by-june",
        as_of="2020-03-01",
        draws=600,
        seed=4,
        inference="nuts",
        cache_dir=tmp_path,
        lr_width_scale=2.0,
    )
    assert not wider.diagnostics.cached
    assert len(list((tmp_path / "posteriors").glob("*.npz"))) == 2
    assert len(fake_sampler) == 2  # two models sampled, the third forecast read the first


def test_what_if_equals_a_full_reforecast_within_monte_carlo_error():
    pack = load_pack(MINI)
    override = {"ev-talks": "absent"}
    base = forecast(pack, "deal-by-june", as_of="2020-03-01", draws=2000, seed=1)
    fast = base.what_if(override)
    full = forecast(pack, "deal-by-june", as_of="2020-03-01", draws=2000, seed=2, overrides=override)
    assert fast.mean < base.mean  # talks absent lowers the deal forecast
    ess = min(base.diagnostics.ess_bulk_min, full.diagnostics.ess_bulk_min)
    se = np.hypot(fast.draws.std(), full.draws.std()) / np.sqrt(ess)
    assert abs(fast.mean - full.mean) < 4 * se


def test_known_weights_are_recovered_from_many_coded_cases():
    """One simulated class of 400 coded cases: the posterior finds the rate and weights it was built from.

    Flat-ish priors centred on zero, so the signs come from the cases alone: a sign error, a wrong link
    or a broken power prior fails here in seconds. The calibration over many data sets is the slow test below.
    """
    rng = np.random.default_rng(5)
    theta, beta = 0.4, np.array([1.2, -1.0])
    x = rng.choice([-1.0, 0.0, 1.0], size=(400, 2), p=[0.35, 0.3, 0.35])
    y = rng.binomial(1, expit(logit(theta) + x @ beta))
    spec = ModelSpec(
        pack_id="t",
        reference_class="simulated",
        relevance=1.0,
        theta_prior=(0.5, 0.5),
        indicators=("i", "j"),
        groups=("g", "h"),
        rho=(0.0, 0.0),
        mu=(0.0, 0.0),
        sigma=(1.0, 1.0),
        case_names=tuple(f"c{i}" for i in range(len(y))),
        case_x=tuple(tuple(row) for row in x.tolist()),
        case_y=tuple(int(v) for v in y),
        learns_from_cases=True,
        discount_groups=False,
        lr_width_scale=1.0,
    )
    post = sample_posterior(spec, SamplerSettings(draws=1000, seed=2))
    samples = np.column_stack([logit(post.theta), post.beta])
    truth = np.array([logit(theta), *beta])
    assert np.all(np.abs(samples.mean(axis=0) - truth) < 3 * samples.std(axis=0)), (samples.mean(axis=0), truth)
    assert post.beta[:, 0].mean() > 0.5 and post.beta[:, 1].mean() < -0.5
    assert np.all(samples.std(axis=0)[1:] < 0.4)  # the prior's sd is 1: the cases taught the weights
    assert post.diagnostics.divergences == 0


@pytest.mark.slow
def test_recovery_of_known_weights_over_thirty_simulations():
    """Simulation-based calibration: 90% intervals cover weights drawn from the prior about 90% of the time
    (90 intervals: within about three binomial standard errors), and the cases narrow the intervals."""
    result = simulate_and_fit(n_sims=30, n_cases=80, seed=12, draws=600)
    assert result.n_intervals == 90
    assert 0.78 <= result.coverage <= 0.97, result
    assert result.mean_width_ratio < 0.8, result
    assert result.divergences == 0, result


def test_regression_without_indicators_matches_the_closed_form():
    """Learning from cases with no coded indicator must give the Beta(0.5 + r*yes, 0.5 + r*no) posterior."""
    spec = ModelSpec(
        pack_id="t",
        reference_class="rc",
        relevance=0.5,
        theta_prior=(0.5, 0.5),
        indicators=("i",),
        groups=("g",),
        rho=(0.5,),
        mu=(0.0,),
        sigma=(1.0,),
        case_names=tuple(f"c{i}" for i in range(20)),
        case_x=tuple((0.0,) for _ in range(20)),
        case_y=tuple([1] * 6 + [0] * 14),
        learns_from_cases=True,
        discount_groups=True,
        lr_width_scale=1.0,
    )
    post = sample_posterior(spec, SamplerSettings(draws=2000, seed=3))
    a, b = 0.5 + 0.5 * 6, 0.5 + 0.5 * 14
    assert post.theta.mean() == pytest.approx(a / (a + b), abs=0.02)
    assert post.beta.mean() == pytest.approx(0.0, abs=0.15)  # no data on beta: its prior mean


def test_naive_baseline_reuses_the_posterior_when_the_cases_are_unchanged(tmp_path, fake_sampler):
    """The mini 'deal' cases are coded on one indicator per group, so the discount leaves them as they are."""
    pack = load_pack(MINI)
    model = forecast(pack, "deal-by-june", as_of="2020-03-01", draws=600, seed=4, inference="nuts", cache_dir=tmp_path)
    naive = forecast(
        pack,
        "deal-by-june",
        as_of="2020-03-01",
        draws=600,
        seed=4,
        inference="nuts",
        cache_dir=tmp_path,
        discount_groups=False,
    )
    assert naive.diagnostics.cached and not model.diagnostics.cached
    np.testing.assert_array_equal(model.posterior.beta, naive.posterior.beta)
    assert naive.spec.rho != model.spec.rho
