"""Closed-form checks of the forecast: base rates, likelihood ratios, soft evidence, group discount, caching."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from scipy import stats
from scipy.special import betaln, logit

from foresight import forecast
from foresight.model.priors import Z90, base_rate_beta, log_lr_normal, scale_to_window, window_years
from foresight.pack.schema import LRInterval
from modelpacks import indicator, observation, write_pack

NARROW = 1e-4  # relative half-width of a 'degenerate' LR interval


def narrow(lr: float) -> tuple[float, float]:
    return lr * (1 - NARROW), lr * (1 + NARROW)


def odds(p):
    return p / (1 - p)


# --- priors ---------------------------------------------------------------


def test_log_lr_prior_is_equal_tailed():
    mu, sigma = log_lr_normal(LRInterval(lo=1.5, hi=6.0))
    assert math.isclose(mu, math.log(3.0))
    dist = stats.lognorm(s=sigma, scale=math.exp(mu))
    assert dist.ppf(0.05) == pytest.approx(1.5, rel=1e-9)
    assert dist.ppf(0.95) == pytest.approx(6.0, rel=1e-9)
    assert Z90 == pytest.approx(stats.norm.ppf(0.95))


def test_base_rate_is_relevance_weighted_jeffreys(tmp_path):
    pack = write_pack(tmp_path, relevance=0.5)  # 3 yes, 7 no
    assert base_rate_beta(pack.reference_classes["rc"]) == (0.5 + 1.5, 0.5 + 3.5)


def test_window_scaling_is_constant_hazard():
    # A 50% chance per two years is 1 - 0.5 ** 0.5 per year.
    assert scale_to_window(np.array([0.5]), 1.0, 2.0)[0] == pytest.approx(1 - 0.5**0.5)
    assert scale_to_window(np.array([0.3]), 2.0, 2.0)[0] == pytest.approx(0.3)


# --- forecasts in closed form --------------------------------------------


def test_no_evidence_matches_the_window_scaled_beta(tmp_path):
    pack = write_pack(tmp_path, relevance=0.8, exposure_years=2.0)
    f = forecast(pack, "q", as_of="2020-03-01", draws=20000, seed=3)
    a, b = base_rate_beta(pack.reference_classes["rc"])
    k = window_years(pack.question("q"), dt.date(2020, 3, 1)) / 2.0
    # E[1 - (1-p)^k] for p ~ Beta(a, b) is 1 - B(a, b + k) / B(a, b).
    expected_mean = 1 - math.exp(betaln(a, b + k) - betaln(a, b))
    se = f.draws.std() / math.sqrt(f.draws.size)
    assert abs(f.mean - expected_mean) < 4 * se
    # The whole distribution: P(forecast <= t) = P(p <= 1 - (1-t)^(1/k)).
    ks = stats.kstest(f.draws, lambda t: stats.beta.cdf(1 - (1 - np.asarray(t)) ** (1 / k), a, b))
    assert ks.pvalue > 0.001
    np.testing.assert_allclose(f.draws, f.base_draws)
    assert f.diagnostics.sampler == "exact forward sampling" and f.diagnostics.converged


def test_one_shot_question_uses_the_rate_unscaled(tmp_path):
    pack = write_pack(tmp_path, kind="one_shot")
    f = forecast(pack, "q", as_of="2020-03-01", draws=20000)
    a, b = base_rate_beta(pack.reference_classes["rc"])
    assert f.mean == pytest.approx(a / (a + b), abs=4 * f.draws.std() / math.sqrt(f.draws.size))


@pytest.mark.parametrize("lr", [3.0, 0.25])
def test_degenerate_interval_multiplies_the_odds_by_the_ratio(tmp_path, lr):
    pack = write_pack(tmp_path, indicators=[indicator("i", *narrow(lr))], evidence=[observation("e", "i")])
    f = forecast(pack, "q", as_of="2020-03-01", draws=4000)
    ratio = odds(f.draws) / odds(f.base_draws)
    np.testing.assert_allclose(ratio, lr, rtol=1e-3)


def test_absent_evidence_moves_the_other_way(tmp_path):
    pack = write_pack(
        tmp_path,
        indicators=[indicator("i", *narrow(4.0), absence_weight=0.5)],
        evidence=[observation("e", "i", state="absent")],
    )
    f = forecast(pack, "q", as_of="2020-03-01", draws=4000)
    np.testing.assert_allclose(odds(f.draws) / odds(f.base_draws), 4.0**-0.5, rtol=1e-3)
    assert f.mean < f.base_rate_mean


def test_strength_and_credibility_scale_the_log_odds_shift(tmp_path):
    pack = write_pack(
        tmp_path,
        indicators=[indicator("i", *narrow(4.0))],
        evidence=[observation("e", "i", state=0.5, credibility=0.5)],
    )
    f = forecast(pack, "q", as_of="2020-03-01", draws=4000)
    np.testing.assert_allclose(odds(f.draws) / odds(f.base_draws), 4.0**0.25, rtol=1e-3)


def test_credibility_zero_moves_nothing(tmp_path):
    pack = write_pack(
        tmp_path, indicators=[indicator("i", 2.0, 8.0)], evidence=[observation("e", "i", credibility=0.0)]
    )
    f = forecast(pack, "q", as_of="2020-03-01", draws=4000)
    np.testing.assert_allclose(f.draws, f.base_draws, rtol=1e-12)


def test_longer_remaining_window_gives_higher_base_probability(tmp_path):
    pack = write_pack(tmp_path)
    means = [
        forecast(pack, "q", as_of=d, draws=4000, seed=5).base_rate_mean
        for d in ["2020-01-01", "2020-06-01", "2020-12-01"]
    ]
    assert means[0] > means[1] > means[2]


def test_evidence_from_documents_not_yet_published_is_ignored(tmp_path):
    pack = write_pack(
        tmp_path,
        indicators=[indicator("i", *narrow(5.0))],
        evidence=[observation("e", "i", document="d2", observed="2020-06-01")],
    )
    before = forecast(pack, "q", as_of="2020-05-31", draws=2000)
    after = before.what_if(as_of="2020-06-01")
    np.testing.assert_allclose(before.draws, before.base_draws, rtol=1e-12)
    assert after.mean > before.mean


# --- correlation-group discount ------------------------------------------


@pytest.mark.parametrize("rho, expected_power", [(0.0, 3.0), (0.5, 1.5), (1.0, 1.0)])
def test_three_copies_of_one_signal_are_discounted_by_the_design_effect(tmp_path, rho, expected_power):
    inds = [indicator(f"i{k}", *narrow(3.0)) for k in range(3)]
    evs = [observation(f"e{k}", f"i{k}") for k in range(3)]
    pack = write_pack(tmp_path, indicators=inds, evidence=evs, groups={"g": rho})
    f = forecast(pack, "q", as_of="2020-03-01", draws=2000)
    np.testing.assert_allclose(odds(f.draws) / odds(f.base_draws), 3.0**expected_power, rtol=2e-3)


def test_signals_in_different_groups_are_not_discounted(tmp_path):
    inds = [indicator("a", *narrow(3.0), group="g1"), indicator("b", *narrow(3.0), group="g2")]
    evs = [observation("ea", "a"), observation("eb", "b")]
    pack = write_pack(tmp_path, indicators=inds, evidence=evs, groups={"g1": 1.0, "g2": 1.0})
    f = forecast(pack, "q", as_of="2020-03-01", draws=2000)
    np.testing.assert_allclose(odds(f.draws) / odds(f.base_draws), 9.0, rtol=2e-3)


def test_naive_bayes_switch_turns_the_discount_off(tmp_path):
    inds = [indicator(f"i{k}", *narrow(2.0)) for k in range(2)]
    evs = [observation(f"e{k}", f"i{k}") for k in range(2)]
    pack = write_pack(tmp_path, indicators=inds, evidence=evs, groups={"g": 1.0})
    f = forecast(pack, "q", as_of="2020-03-01", draws=2000, discount_groups=False)
    np.testing.assert_allclose(odds(f.draws) / odds(f.base_draws), 4.0, rtol=2e-3)


def test_latest_observation_of_an_indicator_stands(tmp_path):
    evs = [
        observation("early", "i", state="present"),
        observation("late", "i", state="absent", document="d2", observed="2020-06-02"),
    ]
    pack = write_pack(tmp_path, indicators=[indicator("i", *narrow(2.0))], evidence=evs)
    f = forecast(pack, "q", as_of="2020-07-01", draws=1000)
    assert f.observations["i"].evidence_id == "late"
    np.testing.assert_allclose(odds(f.draws) / odds(f.base_draws), 0.5, rtol=1e-3)


# --- what-if, contributions, reproducibility -----------------------------


def test_what_if_overrides_and_hypothetical_observations(tmp_path):
    inds = [indicator("i", *narrow(3.0), group="g1"), indicator("j", *narrow(2.0), group="g2")]
    pack = write_pack(tmp_path, indicators=inds, evidence=[observation("e", "i")], groups={"g1": 0.5, "g2": 0.5})
    f = forecast(pack, "q", as_of="2020-03-01", draws=2000)
    removed = f.what_if({"e": None})
    np.testing.assert_allclose(removed.draws, f.base_draws, rtol=1e-12)
    added = f.what_if({"j": "present"})
    np.testing.assert_allclose(odds(added.draws) / odds(f.base_draws), 6.0, rtol=2e-3)
    softened = f.what_if({"e": {"credibility": 0.5}})
    np.testing.assert_allclose(odds(softened.draws) / odds(f.base_draws), 3.0**0.5, rtol=2e-3)
    with pytest.raises(ValueError, match="neither an evidence id nor an indicator id"):
        f.what_if({"nope": "present"})
    with pytest.raises(ValueError, match="state must be"):
        f.what_if({"e": "maybe"})


def test_contributions_list_each_indicator_with_its_shift(tmp_path):
    inds = [indicator("i", *narrow(3.0), group="g1"), indicator("j", 1.5, 2.5, group="g2")]
    pack = write_pack(tmp_path, indicators=inds, evidence=[observation("e", "i")], groups={"g1": 0.5, "g2": 0.5})
    c = forecast(pack, "q", as_of="2020-03-01", draws=2000).contributions
    assert list(c.columns[:3]) == ["indicator", "group", "observed"]
    row = c.set_index("indicator").loc["i"]
    assert row.shift_mean == pytest.approx(math.log(3.0), rel=1e-3)
    assert row.shift_p05 <= row.shift_mean <= row.shift_p95
    assert c.set_index("indicator").loc["j", "shift_mean"] == 0.0
    # The sum of mean shifts is the mean log-odds move from base rate to forecast.
    f = forecast(pack, "q", as_of="2020-03-01", draws=2000)
    moved = np.mean(logit(f.draws) - logit(f.base_draws))
    assert c.shift_mean.sum() == pytest.approx(moved, rel=1e-6)


def test_same_seed_same_numbers_other_seed_other_numbers(tmp_path):
    pack = write_pack(tmp_path, indicators=[indicator("i", 1.5, 4.0)], evidence=[observation("e", "i")])
    a = forecast(pack, "q", as_of="2020-03-01", seed=7, draws=1000)
    b = forecast(pack, "q", as_of="2020-03-01", seed=7, draws=1000)
    c = forecast(pack, "q", as_of="2020-03-01", seed=8, draws=1000)
    np.testing.assert_array_equal(a.draws, b.draws)
    assert not np.array_equal(a.draws, c.draws)


def test_dates_outside_the_window_are_refused(tmp_path):
    pack = write_pack(tmp_path)
    with pytest.raises(ValueError, match="outside the window"):
        forecast(pack, "q", as_of="2019-12-31")
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        forecast(pack, "q", as_of="March 2020")
    with pytest.raises(KeyError, match="unknown question"):
        forecast(pack, "nope")


def test_too_few_draws_are_flagged(tmp_path):
    pack = write_pack(tmp_path)
    f = forecast(pack, "q", as_of="2020-03-01", draws=200)
    assert not f.diagnostics.converged
    assert "ESS" in f.diagnostics.plain_words()
    assert f.summary_row()["converged"] is False


def test_cases_dated_after_the_question_opens_are_not_used(tmp_path):
    cases = [{"name": f"old{i}", "date": "2000-01-01", "outcome": "no", "source": "s"} for i in range(4)]
    cases += [{"name": f"new{i}", "date": "2020-02-01", "outcome": "yes", "source": "s"} for i in range(6)]
    pack = write_pack(tmp_path, cases=cases)
    f = forecast(pack, "q", as_of="2020-03-01", draws=1000)
    assert f.spec.case_names == tuple(f"old{i}" for i in range(4))
    assert f.spec.theta_prior == (0.5, 4.5)


def test_default_date_is_today_while_open_else_the_opening_day(tmp_path):
    from foresight.model.forecasting import natural_as_of

    pack = write_pack(tmp_path)
    q = pack.question("q")  # open 2020-01-01 to 2021-01-01
    assert natural_as_of(q, dt.date(2020, 5, 5)) == dt.date(2020, 5, 5)
    assert natural_as_of(q, dt.date(2019, 5, 5)) == q.opens
    assert natural_as_of(q, dt.date(2022, 5, 5)) == q.opens
    assert forecast(pack, "q", draws=200).as_of == q.opens  # today (2026) is after it closed
