"""The outside view: analyst priors, several weighted classes, missing cases, hazards and event logs.

Closed forms where they exist; Monte Carlo checks use bounds of several standard errors.
The question ``clash-by-december`` of the mini pack (class ``clashes``: 1 yes in 3 cases,
relevance 1, exposure 2 years, no coded cases) is the test bed: its draws are exact.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from scipy import stats

from foresight import forecast, load_pack
from foresight.model.outside import components, outside_view_warnings
from foresight.model.priors import (
    analyst_beta,
    event_log_gamma,
    event_log_mean_probability,
    hazard_curve,
    remaining_hazard_years,
    scale_to_window,
    window_years,
)
from foresight.model.spec import model_spec
from packtools import problems_of

Q = "clash-by-december"
OPENS, CLOSES = dt.date(2020, 3, 1), dt.date(2020, 12, 1)
N = 20000
SEED_PACK = Path(__file__).resolve().parents[1] / "scenarios" / "us-china-korea-2017-2019"
SEED_MAIN = Path(__file__).parent / "fixtures" / "seed-main"  # the seed pack as on main, before issue 15 rebuilt it


def edit(pack: Path, file: str, change) -> None:
    """Load ``pack/file``, let ``change`` edit the data in place, write it back."""
    path = pack / file
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def set_question(pack: Path, **fields) -> None:
    def change(data):
        q = next(q for q in data["questions"] if q["id"] == Q)
        q.update(fields)

    edit(pack, "questions.yaml", change)


def use_classes(pack: Path, *weighted: tuple[str, float]) -> None:
    """Give the question these reference classes with these weights (and the fixture's rationale)."""
    set_question(pack, reference_classes=[{"id": c, "weight": w, "rationale": "fixture"} for c, w in weighted])


def add_class(pack: Path, rc_id: str, outcomes: list[str], exposure: float = 2.0, **extra) -> None:
    cases = [
        {"name": f"{rc_id} {k}", "date": dt.date(1980 + k, 1, 1), "outcome": o, "source": "fixture"}
        for k, o in enumerate(outcomes)
    ]
    rc = {
        "id": rc_id,
        "title": f"Class {rc_id}",
        "serves": ["zz-unused"],
        "relevance": 1.0,
        "exposure_years": exposure,
        "cases": cases,
        **extra,
    }
    edit(pack, "reference_classes.yaml", lambda d: d["reference_classes"].append(rc))
    edit(pack, "pack.yaml", lambda d: d["families"].update({"zz-unused": "A family no question uses."}))


def fc(pack: Path, as_of=OPENS, **kw):
    return forecast(load_pack(pack), Q, as_of=as_of, draws=N, seed=7, cache=False, **kw)


def beta_window_mean(a: float, b: float, years: float, exposure: float, n: int = 400000) -> float:
    """Mean of 1 - (1 - p)^(years/exposure) for p ~ Beta(a, b), by quadrature on a fine grid."""
    p = stats.beta.ppf((np.arange(n) + 0.5) / n, a, b)
    return float(np.mean(scale_to_window(p, years, exposure)))


def se(x: np.ndarray) -> float:
    return float(np.std(x) / np.sqrt(len(x)))


# --- analyst priors ------------------------------------------------------------------------------


def test_analyst_prior_alone_reproduces_its_beta(pack):
    set_question(pack, reference_classes=[], analyst_prior={"interval": [0.1, 0.4], "rationale": "fixture"})
    a, b = analyst_beta(0.1, 0.4)
    assert stats.beta.cdf(0.4, a, b) - stats.beta.cdf(0.1, a, b) == pytest.approx(0.9, abs=1e-3)
    f = fc(pack)
    # at opens the prior is the probability for the whole window: the draws are Beta(a, b) itself
    assert stats.kstest(f.base_draws, stats.beta(a, b).cdf).pvalue > 1e-3
    assert f.base_rate_mean == pytest.approx(a / (a + b), abs=4 * se(f.base_draws))
    # later in the window less of it is left (constant hazard over the window)
    later = f.what_if(as_of="2020-09-01")
    frac = window_years(later.question, later.as_of) / window_years(f.question, OPENS)
    assert later.base_rate_mean == pytest.approx(np.mean(scale_to_window(f.base_draws, frac, 1.0)), rel=1e-12)


def test_analyst_prior_is_one_mixture_component_with_its_weight(pack):
    set_question(pack, analyst_prior={"interval": [0.6, 0.9], "rationale": "fixture", "weight": 0.25})
    comps = components(load_pack(pack), load_pack(pack).question(Q))
    assert [(c.kind, c.id, c.weight) for c in comps] == [("class", "clashes", 0.75), ("prior", "analyst", 0.25)]
    f = fc(pack)
    years = window_years(f.question, OPENS)
    a, b = analyst_beta(0.6, 0.9)
    expected = 0.75 * beta_window_mean(1.5, 2.5, years, 2.0) + 0.25 * a / (a + b)
    assert f.base_rate_mean == pytest.approx(expected, abs=4 * se(f.base_draws))


# --- several classes -----------------------------------------------------------------------------


def test_two_identical_classes_are_one_class(pack):
    add_class(pack, "copy", ["no", "no", "yes"])  # the same counts as 'clashes'
    one = fc(pack)
    use_classes(pack, ("clashes", 0.5), ("copy", 0.5))
    two = fc(pack)
    assert two.spec.is_mixture
    assert stats.ks_2samp(one.base_draws, two.base_draws).pvalue > 1e-3
    assert two.base_rate_mean == pytest.approx(one.base_rate_mean, abs=4 * (se(one.base_draws) + se(two.base_draws)))


def test_weight_zero_on_a_class_is_the_other_class_alone(pack):
    add_class(pack, "other", ["yes"] * 8, exposure=1.0)
    use_classes(pack, ("other", 1.0))
    alone = fc(pack)
    use_classes(pack, ("clashes", 0.0), ("other", 1.0))
    both = fc(pack)
    assert not both.spec.is_mixture  # one class left: the classic model, draw for draw
    assert np.array_equal(alone.draws, both.draws)


def test_combined_base_rate_lies_between_the_classes_and_is_their_weighted_mixture(pack):
    add_class(pack, "high", ["yes"] * 9 + ["no"], exposure=1.0)
    use_classes(pack, ("clashes", 0.7), ("high", 0.3))
    f = fc(pack)
    years = window_years(f.question, OPENS)
    low = beta_window_mean(1.5, 2.5, years, 2.0)
    high = beta_window_mean(9.5, 1.5, years, 1.0)
    assert low < f.base_rate_mean < high
    assert f.base_rate_mean == pytest.approx(0.7 * low + 0.3 * high, abs=4 * se(f.base_draws))
    # the source of every draw is kept, in the weights' proportions
    share = float(np.mean(f.posterior.component == 1))
    assert share == pytest.approx(0.3, abs=4 * np.sqrt(0.3 * 0.7 / N))


def test_where_filter_keeps_tagged_cases_and_relevance_is_per_question(pack):
    def tag(data):
        rc = next(r for r in data["reference_classes"] if r["id"] == "clashes")
        rc["cases"][0]["tags"] = ["near"]  # Case A, outcome no
        rc["cases"][2]["tags"] = ["near", "far"]  # Case C, outcome yes

    edit(pack, "reference_classes.yaml", tag)
    set_question(
        pack,
        reference_classes=[{"id": "clashes", "where": {"tags": ["near"]}, "relevance": 0.5, "rationale": "fixture"}],
    )
    spec = model_spec(load_pack(pack), load_pack(pack).question(Q))
    assert spec.case_names == ("Case A", "Case C")
    assert spec.theta_prior == (0.5 + 0.5 * 1, 0.5 + 0.5 * 1)
    assert spec.relevance == 0.5


def test_missing_cases_are_added_to_the_weighted_counts(pack):
    def add_missing(data):
        rc = next(r for r in data["reference_classes"] if r["id"] == "clashes")
        rc["missing"] = {"failures": 4, "successes": 1, "note": "fixture: a fuller list has five more"}

    edit(pack, "reference_classes.yaml", add_missing)
    spec = model_spec(load_pack(pack), load_pack(pack).question(Q))
    assert spec.theta_prior == (0.5 + 1 + 1, 0.5 + 2 + 4)


def test_validate_warns_when_classes_disagree_strongly(pack):
    add_class(pack, "sure", ["yes"] * 30, exposure=1.0)
    use_classes(pack, ("clashes", 0.5), ("sure", 0.5))
    warnings = outside_view_warnings(load_pack(pack))
    assert len(warnings) == 1 and "disagree strongly" in warnings[0].message and "'sure'" in warnings[0].message
    assert (warnings[0].file, warnings[0].code) == ("questions.yaml", "classes-disagree")
    assert warnings[0].field.endswith("reference_classes") and warnings[0].line > 1
    set_question(pack, reference_classes=[{"id": "clashes", "rationale": "fixture"}])
    assert outside_view_warnings(load_pack(pack)) == []


# --- hazard over the window ----------------------------------------------------------------------


def test_constant_hazard_reproduces_the_old_numbers(pack):
    before = fc(pack, as_of="2020-07-15")
    set_question(pack, hazard={"shape": "constant"})
    after = fc(pack, as_of="2020-07-15")
    assert np.array_equal(before.draws, after.draws) and np.array_equal(before.base_draws, after.base_draws)
    q = load_pack(pack).question(Q)
    for day in (OPENS, dt.date(2020, 7, 15), CLOSES):
        assert remaining_hazard_years(q, day) == window_years(q, day)


def test_a_decision_point_holding_all_the_mass_jumps_at_its_date_and_is_flat_around_it(pack):
    point = dt.date(2020, 6, 1)
    set_question(pack, hazard={"decision_points": [{"date": point, "share": 1.0, "note": "fixture deadline"}]})
    f = fc(pack)
    whole = f.base_rate_mean
    # the whole window's probability is that of a constant hazard; it all sits at the date
    total_years = (CLOSES - OPENS).days / 365.25
    assert whole == pytest.approx(float(np.mean(scale_to_window(f.posterior.theta, total_years, 2.0))), rel=1e-12)
    for day in ("2020-03-02", "2020-05-01", "2020-05-31", "2020-06-01"):
        assert f.what_if(as_of=day).base_rate_mean == pytest.approx(whole, rel=1e-12)  # flat before
    for day in ("2020-06-02", "2020-09-01", "2020-12-01"):
        assert f.what_if(as_of=day).base_rate_mean == 0.0  # nothing left after
    days, share = hazard_curve(f.question, CLOSES)
    k = days.index(point)
    assert np.all(share[:k] == 0.0) and np.all(share[k:] == 1.0)


def test_rising_hazard_keeps_the_window_total_and_moves_mass_late(pack):
    set_question(pack, hazard={"shape": "rising", "ratio": 4.0})
    q = load_pack(pack).question(Q)
    assert remaining_hazard_years(q, OPENS) == pytest.approx(window_years(q, OPENS), rel=1e-12)
    mid = OPENS + (CLOSES - OPENS) / 2
    left = remaining_hazard_years(q, mid) / remaining_hazard_years(q, OPENS)
    u = (mid - OPENS).days / (CLOSES - OPENS).days
    assert left == pytest.approx((4.0 - 4.0**u) / 3.0, rel=1e-12)  # share still ahead, closed form
    assert left > 1 - u  # more of the hazard is ahead than with a constant one


def test_a_trigger_clock_gives_zero_before_the_trigger(pack):
    trigger = {
        "id": "trigger-q",
        "title": "Will the trigger happen?",
        "family": "clash",
        "kind": "by_deadline",
        "opens": dt.date(2020, 3, 1),
        "closes": dt.date(2020, 11, 1),
        "criteria": "fixture",
        "reference_class": "clashes",
        "resolution": "yes",
        "resolved_on": dt.date(2020, 6, 15),
        "resolution_source": "fixture",
    }
    edit(pack, "questions.yaml", lambda d: d["questions"].append(trigger))
    set_question(pack, hazard={"starts": {"question": "trigger-q"}})
    f = fc(pack)
    for day in ("2020-03-01", "2020-06-14"):
        assert f.what_if(as_of=day).base_rate_mean == 0.0  # the trigger is not known yet: no leakage
    on = f.what_if(as_of="2020-06-15")
    years = (CLOSES - dt.date(2020, 6, 15)).days / 365.25
    assert on.base_rate_mean == pytest.approx(float(np.mean(scale_to_window(f.posterior.theta, years, 2.0))))
    days, share = hazard_curve(f.question, dt.date(2020, 6, 15), load_pack(pack).questions)
    assert np.all(share[: days.index(dt.date(2020, 6, 15))] == 0.0) and share[-1] == pytest.approx(1.0)


def test_a_dated_trigger_keeps_the_base_rate_flat_until_it(pack):
    start = dt.date(2020, 8, 1)
    set_question(pack, hazard={"starts": {"date": start}})
    f = fc(pack)
    years = (CLOSES - start).days / 365.25
    expected = float(np.mean(scale_to_window(f.posterior.theta, years, 2.0)))
    for day in ("2020-03-01", "2020-07-31", "2020-08-01"):
        assert f.what_if(as_of=day).base_rate_mean == pytest.approx(expected, rel=1e-12)
    assert f.what_if(as_of="2020-10-01").base_rate_mean < expected


# --- event logs ----------------------------------------------------------------------------------


def write_log(pack: Path, dates: list[dt.date], half_life: float | None, since: dt.date) -> None:
    log = {
        "id": "tests",
        "title": "Missile tests",
        "serves": ["clash"],
        "since": since,
        "events": [{"date": d, "source": "fixture"} for d in dates],
    }
    if half_life is not None:
        log["half_life_years"] = half_life
    (pack / "event_logs.yaml").write_text(yaml.safe_dump({"event_logs": [log]}, sort_keys=False), encoding="utf-8")


def test_an_event_log_with_a_recent_burst_raises_the_rate_by_the_documented_amount(pack):
    since = dt.date(2010, 3, 1)
    steady = [dt.date(2010 + k, 9, 1) for k in range(10)]  # one a year for ten years
    burst = [dt.date(2020, 1, 10), dt.date(2020, 2, 1)]  # two in the weeks before the window opens
    write_log(pack, steady + burst, half_life=1.0, since=since)
    set_question(pack, reference_classes=[], event_log="tests")
    p = load_pack(pack)
    log = p.event_logs["tests"]
    shape, rate, weighted, exposure = event_log_gamma(log, OPENS)
    # documented: events weighted 0.5**(age/h), exposure (h/ln2)(1 - 0.5**(A/h)), Gamma(0.5 + n_w, E)
    ages = [(OPENS - d).days / 365.25 for d in steady + burst]
    span = (OPENS - since).days / 365.25
    assert weighted == pytest.approx(sum(0.5**a for a in ages), rel=1e-12)
    assert exposure == pytest.approx((1 / np.log(2)) * (1 - 0.5**span), rel=1e-12)
    assert (shape, rate) == (0.5 + weighted, exposure)
    long_run = len(steady + burst) / span
    recent_mean = shape / rate
    assert recent_mean > 1.5 * long_run  # the burst lifts the rate well above the long-run count per year
    # the same log without the burst stays near one a year
    calm_shape, calm_rate, _, _ = event_log_gamma(log.model_copy(update={"events": log.events[:10]}), OPENS)
    assert calm_shape / calm_rate == pytest.approx(1.0, abs=0.35)
    # the documented amount: each burst event adds its weight 0.5**(age/h) (almost 1) over E to the mean rate
    burst_weight = sum(0.5 ** ((OPENS - d).days / 365.25) for d in burst)
    assert recent_mean - calm_shape / calm_rate == pytest.approx(burst_weight / exposure, rel=1e-12)
    assert burst_weight / exposure > 1.5 * len(burst) / span
    f = fc(pack)
    years = window_years(f.question, OPENS)
    assert f.base_rate_mean == pytest.approx(event_log_mean_probability(shape, rate, years), abs=4 * se(f.base_draws))
    # events after as_of are not used
    before_burst = event_log_gamma(log, dt.date(2019, 12, 31))
    assert before_burst[2] < weighted


def test_event_log_without_half_life_is_the_plain_poisson_rate(pack):
    since = dt.date(2010, 3, 1)
    dates = [dt.date(2011 + k, 1, 1) for k in range(5)]
    write_log(pack, dates, half_life=None, since=since)
    shape, rate, weighted, exposure = event_log_gamma(load_pack(pack).event_logs["tests"], OPENS)
    assert weighted == 5 and exposure == pytest.approx((OPENS - since).days / 365.25) and shape == 5.5


# --- validation ----------------------------------------------------------------------------------


def test_bad_outside_view_fields_are_reported_on_their_field(pack):
    set_question(pack, reference_classes=[{"id": "nope", "rationale": "fixture"}])
    (problem,) = problems_of(pack)
    assert problem.field == "questions[1].reference_classes[0].id"
    assert "unknown reference class 'nope'" in problem.message and "clashes, deals" in problem.message
    set_question(pack, reference_classes=None, hazard={"shape": "rising"})
    (problem,) = problems_of(pack)
    assert problem.field == "questions[1].hazard.ratio" and "ratio > 1" in problem.message
    set_question(pack, hazard={"decision_points": [{"date": "2021-01-01", "share": 0.5, "note": "x"}]})
    (problem,) = problems_of(pack)
    assert problem.field == "questions[1].hazard" and "outside the question's window" in problem.message


def test_an_unknown_event_log_and_a_bad_share_are_reported(pack):
    set_question(pack, event_log="no-log")
    (message,) = [p.message for p in problems_of(pack)]
    assert "unknown event log 'no-log'" in message
    write_log(pack, [dt.date(2020, 4, 1)], half_life=None, since=dt.date(2020, 3, 15))
    set_question(pack, event_log="tests")
    (message,) = [p.message for p in problems_of(pack)]
    assert "starts 2020-03-15, not before the question opens (2020-03-01)" in message
    set_question(
        pack,
        event_log=None,
        hazard={
            "decision_points": [
                {"date": "2020-05-01", "share": 0.7, "note": "x"},
                {"date": "2020-06-01", "share": 0.7, "note": "y"},
            ]
        },
    )
    (problem,) = problems_of(pack)
    assert problem.field.endswith("hazard.decision_points") and "add up to 1.4" in problem.message


# --- backward compatibility -------------------------------------------------------------------


def test_the_seed_pack_forecasts_exactly_as_before():
    """Numbers recorded on main before the outside-view fields existed (seed 1, 500 draws, exact path
    where the class is uncoded); a pack using none of the new fields must reproduce them bit for bit.
    The pack is main's copy (tests/fixtures/seed-main): the live seed pack now uses the new fields."""
    pack = load_pack(SEED_MAIN)
    got = {}
    for q in pack.questions.values():
        spec = model_spec(pack, q)
        if spec.learns_from_cases:
            continue  # NUTS draws: covered by test_seed_forecasts and the cache key
        f = forecast(pack, q.id, as_of=q.opens, draws=500, seed=1, cache=False)
        mid = f.what_if(as_of=q.opens + (q.closes - q.opens) / 2)
        got[q.id] = [f.mean, f.base_rate_mean, mid.mean, mid.base_rate_mean]
    expected = json.loads((Path(__file__).parent / "fixtures" / "seed_outside_view.json").read_text())
    assert got.keys() == expected.keys()
    for qid, values in expected.items():
        assert got[qid] == values, qid


# --- the report's outside-view section -------------------------------------------------------------


def test_report_shows_each_source_with_its_weight_and_the_combined_view(pack):
    add_class(pack, "high", ["yes"] * 4 + ["no"], exposure=1.0, missing={"failures": 3, "note": "fixture <b>"})
    write_log(pack, [dt.date(2015 + k, 5, 1) for k in range(4)], half_life=2.0, since=dt.date(2014, 1, 1))
    set_question(
        pack,
        reference_classes=[
            {"id": "clashes", "weight": 0.6, "rationale": "fixture"},
            {"id": "high", "weight": 0.4, "rationale": "fixture"},
        ],
        analyst_prior={"interval": [0.05, 0.3], "rationale": "fixture", "weight": 0.2},
        event_log={"id": "tests", "weight": 0.5},
        hazard={"decision_points": [{"date": "2020-07-01", "share": 0.5, "note": "summit"}]},
    )
    from foresight.report import plots, tables, texts

    f = fc(pack, as_of="2020-05-01")
    table = tables.outside_view_sources(f)
    assert list(table["source"]) == ["class", "class", "log", "prior", "combined"]
    weights = table["weight"].to_numpy()
    assert weights[:4].sum() == pytest.approx(1.0, abs=2e-3) and weights[3] == 0.2
    assert (
        "3 no known missing" in table.loc[1, "holds"]
        and "50% of the window's hazard at 2020-07-01" in table.loc[4, "holds"]
    )
    own = table["base rate (mean)"].to_numpy()
    assert own[:4].min() <= own[4] <= own[:4].max()
    assert tables.outside_view(f).equals(table)
    cases = tables.outside_view_cases(f)
    assert set(cases["class"]) == {"clashes", "high"} and cases["counted"].all()
    fig = plots.hazard_over_window(f)
    assert len(fig.axes) == 2
    assert "mixture" in texts.outside_view_sentence(f).data
    assert "analyst prior" in texts.model_equation(f).data and "mixture" in texts.model_structure(f.spec).data


# --- the joint model ---------------------------------------------------------------------------------


@pytest.mark.parametrize("learn", [False, True], ids=["exact", "nuts-beside-a-mixture"])
def test_joint_model_draws_a_mixture_question_like_its_single_forecast(pack, tmp_path, learn):
    from foresight.model.joint import joint_forecast

    add_class(pack, "high", ["yes"] * 6 + ["no"] * 2, exposure=1.0)
    use_classes(pack, ("clashes", 0.5), ("high", 0.5))
    p = load_pack(pack)
    n = 2000
    opts = dict(draws=n, seed=5, learn_from_cases=learn, tune=300, chains=2, cache_dir=tmp_path / "cache")
    jf = joint_forecast(p, "2020-03-01", use_links=False, **opts)
    single = forecast(p, Q, as_of="2020-03-01", **opts)
    joint = jf.forecasts[Q]
    assert joint.spec.is_mixture and joint.posterior.component is not None
    assert ("NUTS" in jf.diagnostics.sampler) == learn  # the deal question learns from its coded cases
    bound = 4 * np.hypot(se(joint.base_draws), se(single.base_draws))
    assert joint.base_rate_mean == pytest.approx(single.base_rate_mean, abs=bound)


def test_the_seed_pack_specs_hash_as_before():
    """Every seed question's model spec (priors, cases, codings: all the PyMC model is built from) hashes
    as it did on main before the outside-view fields, so NUTS posteriors and their cache are unchanged.
    The pack is main's copy (tests/fixtures/seed-main): the live seed pack now uses the new fields."""
    pack = load_pack(SEED_MAIN)
    expected = json.loads((Path(__file__).parent / "fixtures" / "seed_spec_digests.json").read_text())
    assert {q.id: model_spec(pack, q).digest() for q in pack.questions.values()} == expected


def test_validate_prints_the_disagreement_warning_and_still_exits_0(pack):
    import subprocess
    import sys

    add_class(pack, "sure", ["yes"] * 30, exposure=1.0)
    use_classes(pack, ("clashes", 0.5), ("sure", 0.5))
    script = Path(sys.executable).parent / "foresight"
    result = subprocess.run([str(script), "validate", str(pack)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    (line,) = [x for x in result.stderr.splitlines() if "[classes-disagree; where: clash-by-december]" in x]
    assert line.startswith(f"{pack}/questions.yaml:") and "disagree strongly" in line


def test_analyst_beta_is_remembered_exactly_and_survives_a_damaged_memo(tmp_path, monkeypatch):
    """PreliZ's fit is stored in the cache folder and read back bit for bit; a damaged memo is refitted."""
    import preliz as pz

    from foresight.model import priors

    monkeypatch.setenv("FORESIGHT_CACHE_DIR", str(tmp_path))
    dist = pz.Beta()
    pz.maxent(dist, 0.15, 0.55, 0.9, plot=False)
    direct = (float(dist.alpha), float(dist.beta))
    priors.analyst_beta.cache_clear()
    assert priors.analyst_beta(0.15, 0.55) == direct
    memo = tmp_path / priors.MAXENT_MEMO
    assert memo.is_file()
    priors.analyst_beta.cache_clear()
    assert priors.analyst_beta(0.15, 0.55) == direct  # read back from the memo
    memo.write_text("{ not json", encoding="utf-8")
    priors.analyst_beta.cache_clear()
    assert priors.analyst_beta(0.15, 0.55) == direct
    priors.analyst_beta.cache_clear()


def test_a_remembered_analyst_prior_needs_no_preliz(tmp_path):
    """A second process reads the memo instead of importing PreliZ (and PyMC with it)."""
    code = (
        "import sys; from foresight.model.priors import analyst_beta; v = analyst_beta(0.2, 0.6); "
        "print(v, 'preliz' in sys.modules, 'pymc' in sys.modules)"
    )
    env = {**os.environ, "FORESIGHT_CACHE_DIR": str(tmp_path)}
    first = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    second = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert first.stdout.split(")")[0] == second.stdout.split(")")[0]
    assert " True " in first.stdout  # the first process had to fit it with PreliZ
    assert second.stdout.strip().endswith("False False"), second.stdout
