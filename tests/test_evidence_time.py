"""Evidence over time: expiry, the rule for several observations of one indicator, resolutions as
evidence, hinges (single forecast = joint marginal), the direction-aware discount, per-kind ratios,
and backward compatibility with main's forecasts of the seed pack."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest
from scipy import stats
from scipy.special import expit, logit

from foresight import load_pack
from foresight.evaluate.backtest import backtest
from foresight.evaluate.history import forecast_history, history_dates
from foresight.model.evidence import group_discount, observations_as_of
from foresight.model.forecasting import forecast
from foresight.model.hinges import beta_from_interval
from foresight.model.joint import joint_forecast
from foresight.model.options import ModelOptions
from foresight.model.spec import model_spec
from foresight.pack.crossref import criterion_kind_of
from packtools import FIXTURES, find_problem, problems_of, replace

D = dt.date
FAST = {"learn_from_cases": False, "draws": 2000, "seed": 7}  # exact forward draws: no MCMC in these tests
CLASH = "clash-by-december"
DEAL = "deal-by-june"

HINGE = """hinges:
  - question: clash-by-december
    on: deal-by-june
    p_if_yes: [0.05, 0.3]
    p_if_no: [0.4, 0.8]
    rationale: A deal removes most reasons to strike.
"""


def add_evidence(pack: Path, text: str) -> None:
    with (pack / "evidence.yaml").open("a", encoding="utf-8") as fh:
        fh.write(text)


# --- 1. validity: an observation counts through valid_until, not the day after ---------------


def test_expiry_counts_on_valid_until_not_the_day_after(pack):
    replace(
        pack,
        "evidence.yaml",
        "    note: Second paragraph quotes the threat.",
        "    note: Second paragraph quotes the threat.\n    valid_until: 2020-05-01",
    )
    p = load_pack(pack)
    assert "threat-made" in observations_as_of(p, D(2020, 5, 1))
    assert "threat-made" not in observations_as_of(p, D(2020, 5, 2))
    # the history gets a step where it leaves, the first day without it
    assert "expiry" in history_dates(p, p.question(CLASH))[D(2020, 5, 2)]
    h = forecast_history(p, CLASH, **FAST).set_index("as_of")
    assert h.at["2020-05-02", "expired_evidence"] == "ev-threat" and h.at["2020-05-02", "expired_evidence_ids"] == [
        "ev-threat"
    ]
    assert h.at["2020-03-02", "expired_evidence"] == ""
    f = forecast(p, CLASH, as_of="2020-05-02", **FAST)
    assert f.mean == pytest.approx(forecast(p, CLASH, as_of="2020-05-02", overrides={"ev-threat": None}, **FAST).mean)
    assert forecast(p, CLASH, as_of="2020-05-01", **FAST).mean > f.mean  # a threat (LR > 1) stopped counting


def test_the_history_chart_marks_evidence_leaving(pack):
    from foresight.report.history_plots import plot_history
    from foresight.report.history_views import history_table

    replace(
        pack,
        "evidence.yaml",
        "    note: Second paragraph quotes the threat.",
        "    note: Second paragraph quotes the threat.\n    valid_until: 2020-05-01",
    )
    h = forecast_history(load_pack(pack), CLASH, **FAST)
    table = history_table(h)
    assert table["what changed"].iloc[-1] == "ev-threat stopped counting (threat-made unobserved)"
    (ax,) = plot_history(h).axes[:1]
    marks = [line for line in ax.get_lines() if line.get_label() == "evidence stopped counting"]
    assert len(marks) == 1 and list(marks[0].get_xdata()) == [np.datetime64("2020-05-02")]


def test_shelf_life_is_the_default_validity_and_valid_until_wins(pack):
    replace(
        pack,
        "indicators.yaml",
        "    rationale: Threats precede strikes",
        "    shelf_life_days: 10\n    rationale: Threats precede strikes",
    )
    p = load_pack(pack)
    assert "threat-made" in observations_as_of(p, D(2020, 3, 11))  # observed 2020-03-01 + 10 days
    assert "threat-made" not in observations_as_of(p, D(2020, 3, 12))
    replace(
        pack,
        "evidence.yaml",
        "    note: Second paragraph quotes the threat.",
        "    note: Second paragraph quotes the threat.\n    valid_until: 2020-04-30",
    )
    assert "threat-made" in observations_as_of(load_pack(pack), D(2020, 4, 30))


def test_valid_until_before_observed_is_refused(pack):
    replace(
        pack,
        "evidence.yaml",
        "    note: Second paragraph quotes the threat.",
        "    note: Second paragraph quotes the threat.\n    valid_until: 2020-02-01",
    )
    problem = find_problem(problems_of(pack), "evidence.yaml", "evidence[1].valid_until")
    assert "before observed" in problem.message


# --- 2. several observations of one indicator ----------------------------------------------

LATER_VAGUE = """  - id: ev-threat-denied
    indicator: threat-made
    document: doc-b
    observed: 2020-03-05
    state: absent
    credibility: 0.3
    note: A spokesman's vague denial, relayed second-hand.
"""


def test_a_later_less_credible_observation_keeps_the_firmer_one(pack):
    add_evidence(pack, LATER_VAGUE)
    obs = observations_as_of(load_pack(pack), D(2020, 3, 10))
    assert obs["threat-made"].evidence_id == "ev-threat"


def test_supersedes_replaces_the_firmer_one(pack):
    add_evidence(pack, LATER_VAGUE + "    supersedes: true\n")
    obs = observations_as_of(load_pack(pack), D(2020, 3, 10))
    assert obs["threat-made"].evidence_id == "ev-threat-denied" and obs["threat-made"].state == "absent"


def test_when_the_firmer_one_expires_the_weaker_one_stands(pack):
    add_evidence(pack, LATER_VAGUE)
    replace(
        pack,
        "evidence.yaml",
        "    note: Second paragraph quotes the threat.",
        "    note: Second paragraph quotes the threat.\n    valid_until: 2020-04-01",
    )
    p = load_pack(pack)
    assert observations_as_of(p, D(2020, 4, 1))["threat-made"].evidence_id == "ev-threat"
    assert observations_as_of(p, D(2020, 4, 2))["threat-made"].evidence_id == "ev-threat-denied"


def test_an_equally_credible_later_observation_replaces_the_earlier_one(pack):
    add_evidence(pack, LATER_VAGUE.replace("credibility: 0.3", "credibility: 0.8"))
    assert observations_as_of(load_pack(pack), D(2020, 3, 10))["threat-made"].evidence_id == "ev-threat-denied"


# --- 3. a resolved question as evidence ----------------------------------------------------

RESOLUTION_INDICATOR = """  - id: deal-failed
    description: The deal question resolved without a deal.
    group: threats
    rationale: A failed negotiation removes the main reason for restraint.
    likelihood_ratios:
      clash: [1.5, 4.0]
    resolution_of: {question: deal-by-june, present_when: no}
"""


def resolution_pack(pack: Path) -> Path:
    with (pack / "indicators.yaml").open("a", encoding="utf-8") as fh:
        fh.write(RESOLUTION_INDICATOR)
    return pack


def test_a_resolution_enters_exactly_on_resolved_on(pack):
    p = load_pack(resolution_pack(pack))
    assert "deal-failed" not in observations_as_of(p, D(2020, 5, 31))
    obs = observations_as_of(p, D(2020, 6, 1))["deal-failed"]  # deal-by-june resolved 'no' on 2020-06-01
    assert (obs.state, obs.credibility, obs.evidence_id) == ("present", 1.0, "resolution:deal-by-june")
    h = forecast_history(p, CLASH, **FAST).set_index("as_of")
    assert (
        h.at["2020-06-01", "reason"] == "resolution" and h.at["2020-06-01", "new_evidence"] == "resolution:deal-by-june"
    )
    blind = forecast(p, CLASH, as_of="2020-06-01", overrides={"deal-failed": None}, **FAST)
    assert h.at["2020-06-01", "mean"] > blind.mean  # its LR is above 1


def test_present_when_the_other_outcome_is_seen_absent(pack):
    resolution_pack(pack)
    replace(pack, "indicators.yaml", "present_when: no}", "present_when: yes}")
    assert observations_as_of(load_pack(pack), D(2020, 6, 1))["deal-failed"].state == "absent"


def test_backtest_never_sees_a_resolution_before_its_date(pack):
    resolution_pack(pack)
    replace(
        pack,
        "questions.yaml",
        "    raised_by: [doc-b]",
        "    raised_by: [doc-b]\n    resolution: yes\n    resolved_on: 2020-09-01\n    resolution_source: fixture",
    )
    p = load_pack(pack)
    scores = backtest(p, today="2020-12-31", **FAST).query("question_id == @CLASH").set_index("as_of")
    blind = forecast_history(p, CLASH, overrides={"deal-failed": None}, **FAST).set_index("as_of")
    before = scores.index < "2020-06-01"
    assert before.any() and (~before).any()
    np.testing.assert_allclose(scores.loc[before, "forecast"], blind.loc[scores.index[before], "mean"], rtol=1e-12)
    assert not np.allclose(scores.loc[~before, "forecast"], blind.loc[scores.index[~before], "mean"])


def test_resolution_of_must_name_another_known_question(pack):
    resolution_pack(pack)
    replace(pack, "indicators.yaml", "{question: deal-by-june, present_when: no}", "{question: nope, present_when: no}")
    assert (
        "unknown question 'nope'"
        in find_problem(problems_of(pack), "indicators.yaml", "indicators[3].resolution_of.question").message
    )
    replace(
        pack, "indicators.yaml", "{question: nope, present_when: no}", "{question: clash-by-december, present_when: no}"
    )
    problem = find_problem(problems_of(pack), "indicators.yaml", "indicators[3].resolution_of.question")
    assert "cannot be evidence about it" in problem.message


# --- 4. hinges: single forecast, joint model and scenarios agree ------------------------------


def hinge_pack(pack: Path, extra: str = "") -> Path:
    (pack / "links.yaml").write_text(HINGE + extra, encoding="utf-8")
    return pack


def test_a_hinged_forecast_integrates_over_the_other_question(pack):
    p = load_pack(hinge_pack(pack))
    f = forecast(p, CLASH, as_of="2020-04-01", **FAST)
    a = f.parent
    assert a.question.id == DEAL and a.as_of == D(2020, 4, 1)
    p1, p0 = f.conditional_draws()
    np.testing.assert_allclose(f.draws, a.draws * p1 + (1 - a.draws) * p0)
    # closed form of the branches: Beta draws fitted to the intervals, scaled to the window left
    c1, c0 = f.hinge_branches
    whole, left = (D(2020, 12, 1) - D(2020, 3, 1)).days, (D(2020, 12, 1) - D(2020, 4, 1)).days
    lo, hi = stats.beta.ppf([0.05, 0.95], *beta_from_interval(0.05, 0.3))
    assert np.quantile(1 - (1 - c1) ** (whole / left), [0.05, 0.95]) == pytest.approx([lo, hi], abs=0.02)
    shift = f.shift_draws.sum(axis=1)
    np.testing.assert_allclose(p0, expit(logit(c0) + shift))


def test_a_known_resolution_gives_exactly_its_branch(pack):
    p = load_pack(hinge_pack(pack))
    before = forecast(p, CLASH, as_of="2020-05-31", **FAST)
    on = forecast(p, CLASH, as_of="2020-06-01", **FAST)  # deal-by-june resolved 'no' on 2020-06-01
    assert before.hinge_outcome is None and on.hinge_outcome == "no"
    np.testing.assert_array_equal(on.draws, on.conditional_draws()[1])
    assert "resolution" in history_dates(p, p.question(CLASH))[D(2020, 6, 1)]
    # what-if to another date rebuilds the other question at that date, from the same draws
    np.testing.assert_allclose(on.what_if(as_of="2020-05-31").draws, before.draws)


def test_joint_marginal_equals_the_single_forecast_within_monte_carlo_error(pack):
    driver = """drivers:
  - id: tension
    description: How tense things are.
    rationale: Both questions follow the general mood.
    strength: [0.2, 0.6]
    loadings: {deal: -0.6, clash: 0.6}
scenarios:
  - id: war
    title: No deal and a clash
    expression: clash-by-december and not deal-by-june
"""
    p = load_pack(hinge_pack(pack, driver))
    single = forecast(p, CLASH, as_of="2020-04-01", **FAST)
    jf = joint_forecast(p, "2020-04-01", **FAST)
    jb = jf.forecasts[CLASH]
    # within the joint: the combinations reproduce the hinged marginal draw by draw (exact integration)
    _, marg = jf.combination_draws([CLASH])
    np.testing.assert_allclose(marg[:, 0], jb.draws, atol=1e-9)
    combos, both = jf.combination_draws([DEAL, CLASH])
    np.testing.assert_allclose(both.sum(axis=1), 1.0, atol=1e-9)
    p1, p0 = jb.conditional_draws()
    pa = jf.forecasts[DEAL].draws
    np.testing.assert_allclose(both[:, combos.index((True, True))], pa * p1, atol=1e-9)
    np.testing.assert_allclose(both[:, combos.index((False, True))], (1 - pa) * p0, atol=1e-9)
    # the scenario table uses the same joint: P(clash and not deal)
    row = jf.scenario_table().set_index("scenario").loc["war"]
    assert row["probability"] == pytest.approx(((1 - pa) * p0).mean(), abs=1e-9)
    # single forecast vs joint: independent draws of the same model, so equal within Monte Carlo error
    se = np.hypot(single.draws.std(), jb.draws.std()) / np.sqrt(len(single.draws))
    assert abs(single.mean - jb.mean) < 4 * se + 1e-3
    assert abs(single.mean - marg[:, 0].mean()) < 4 * se + 1e-3


def test_history_and_backtest_use_the_same_hinged_forecast(pack):
    hinge_pack(pack)
    replace(
        pack,
        "questions.yaml",
        "    raised_by: [doc-b]",
        "    raised_by: [doc-b]\n    resolution: yes\n    resolved_on: 2020-09-01\n    resolution_source: fixture",
    )
    p = load_pack(pack)
    h = forecast_history(p, CLASH, extra_dates=["2020-04-01"], **FAST).set_index("as_of")
    assert h.at["2020-04-01", "mean"] == pytest.approx(forecast(p, CLASH, as_of="2020-04-01", **FAST).mean, rel=1e-12)
    assert "resolution" in h.at["2020-06-01", "reason"]  # the hinged-on question resolved
    scores = backtest(p, today="2020-12-31", **FAST).query("question_id == @CLASH").set_index("as_of")
    np.testing.assert_allclose(scores["forecast"], h.loc[scores.index, "mean"], rtol=1e-12)


def test_a_combination_without_the_other_question_sums_it_out(pack):
    p = load_pack(hinge_pack(pack))
    jf = joint_forecast(p, "2020-04-01", questions=[CLASH], **FAST)
    assert list(jf.forecasts) == [CLASH] and DEAL in jf.hinge_parents
    _, marg = jf.combination_draws([CLASH])
    np.testing.assert_allclose(marg[:, 0], jf.forecasts[CLASH].draws, atol=1e-9)


@pytest.mark.parametrize(
    ("links", "field", "words"),
    [
        (HINGE.replace("on: deal-by-june", "on: nope"), "hinges[0].on", "unknown question 'nope'"),
        (HINGE.replace("on: deal-by-june", "on: clash-by-december"), "hinges[0].on", "cannot hinge on itself"),
        (HINGE + HINGE.replace("hinges:\n", ""), "hinges[1].question", "already hinges on"),
        (
            HINGE
            + HINGE.replace("hinges:\n", "")
            .replace("question: clash-by-december", "question: tmp")
            .replace("on: deal-by-june", "on: clash-by-december")
            .replace("tmp", "deal-by-june"),
            "hinges[0].on",
            "cycle",
        ),
        (HINGE.replace("[0.05, 0.3]", "[0.3, 0.05]"), "hinges[0].p_if_yes", "lo < hi"),
    ],
)
def test_bad_hinges_are_refused(pack, links, field, words):
    (pack / "links.yaml").write_text(links, encoding="utf-8")
    problem = find_problem(problems_of(pack), "links.yaml", field)
    assert words in problem.message


# --- 5. direction-aware discount ----------------------------------------------------------


def test_same_direction_pair_is_discounted_as_today():
    x = np.array([1.0, 1.0])
    out = group_discount(x, ["g", "g"], {"g": 0.5}, mu=[0.4, 0.7])
    np.testing.assert_allclose(out, [1 / 1.5, 1 / 1.5])  # Kish: 1 / (1 + rho (n - 1)), n = 2
    np.testing.assert_allclose(out, group_discount(x, ["g", "g"], {"g": 0.5}))


def test_opposite_direction_pair_is_not_discounted():
    x = np.array([1.0, 1.0])
    np.testing.assert_allclose(group_discount(x, ["g", "g"], {"g": 0.5}, mu=[0.4, -0.7]), [1.0, 1.0])
    # direction is the sign of x * mu: a sign seen absent points the other way
    np.testing.assert_allclose(
        group_discount(np.array([1.0, -0.5]), ["g", "g"], {"g": 0.9}, mu=[0.4, 0.4]), [1.0, -0.5]
    )
    # whole_group (the default) shrinks them as duplicates: n = 2
    np.testing.assert_allclose(group_discount(x, ["g", "g"], {"g": 0.5}), [1 / 1.5, 1 / 1.5])


def test_two_up_one_down_discounts_only_the_two():
    out = group_discount(np.array([[1.0, 0.5, 1.0]]), ["g"] * 3, {"g": 0.8}, mu=[1.0, 1.0, -1.0])
    np.testing.assert_allclose(out, [[1 / 1.4, 0.5 / 1.4, 1.0]])  # n_up = 1.5


def test_by_direction_pack_setting_reaches_features_cases_and_cache_key(pack):
    replace(pack, "indicators.yaml", "      clash: [1.1, 2.0]", "      clash: [0.5, 0.9]")  # drills now point down
    replace(
        pack,
        "reference_classes.yaml",
        "{name: Case A, date: 1990-01-01, outcome: no, source: fixture}",
        "{name: Case A, date: 1990-01-01, outcome: no, source: fixture, indicators: {threat-made: present, drills: present}}",
    )
    whole = load_pack(pack)
    with (pack / "pack.yaml").open("a", encoding="utf-8") as fh:
        fh.write("correlation_discount: by_direction\n")
    directed = load_pack(pack)
    q = whole.question(CLASH)
    f_whole = forecast(whole, CLASH, as_of="2020-03-02", **FAST)
    f_dir = forecast(directed, CLASH, as_of="2020-03-02", **FAST)
    np.testing.assert_allclose(f_dir.x, f_dir.x_raw)  # threat up, drills down: no discount
    assert np.all(np.abs(f_whole.x[1:]) < np.abs(f_whole.x_raw[1:]))  # whole group: both shrunk (rho 0.8)
    s_whole, s_dir = model_spec(whole, q), model_spec(directed, q)
    case_a = s_whole.case_names.index("Case A")
    assert s_dir.case_x[case_a][1:] == (1.0, 1.0) and s_whole.case_x[case_a][1:] == (1 / 1.8, 1 / 1.8)
    assert s_dir.posterior_digest() != s_whole.posterior_digest()  # different case data: different draws
    assert not s_whole.discount_by_direction and s_dir.discount_by_direction
    assert (
        forecast(directed, CLASH, as_of="2020-03-02", discount_groups=False, **FAST).spec.discount_by_direction is False
    )


def test_a_pack_without_the_discount_counts_every_sign_as_the_run_switch_does(pack):
    """`correlation_discount: none` in pack.yaml: no sign is discounted, exactly as `discount_groups=False`
    for one run, and the report's model line says the discount is off; the whole-group default still
    discounts (its forecasts are pinned elsewhere)."""
    whole = load_pack(pack)
    with (pack / "pack.yaml").open("a", encoding="utf-8") as fh:
        fh.write("correlation_discount: none\n")
    plain = load_pack(pack)
    f_whole = forecast(whole, CLASH, as_of="2020-03-02", **FAST)
    f_off = forecast(whole, CLASH, as_of="2020-03-02", discount_groups=False, **FAST)
    f_none = forecast(plain, CLASH, as_of="2020-03-02", **FAST)
    assert np.any(np.abs(f_whole.x) < np.abs(f_whole.x_raw))  # the default discounts here
    np.testing.assert_allclose(f_none.x, f_none.x_raw)
    np.testing.assert_allclose(f_none.draws, f_off.draws)
    assert f_none.spec.discount_groups is False and set(f_none.spec.rho) == {0.0}
    assert f_whole.spec.discount_groups is True


# --- 6. per-question and per-kind likelihood ratios --------------------------------------------


def test_lr_precedence_question_then_kind_then_family(pack):
    replace(
        pack,
        "questions.yaml",
        "    criteria: Both governments publish",
        "    criterion_kind: sign\n    criteria: Both governments publish",
    )
    replace(pack, "indicators.yaml", "      deal: [1.5, 3.0]", "      deal: [1.5, 3.0]\n      kind:sign: [2.0, 5.0]")
    p = load_pack(pack)
    ind, deal, clash = p.indicators["talks-held"], p.question(DEAL), p.question(CLASH)
    assert (p.lr_interval(ind, deal).lo, p.lr_interval(ind, clash).lo) == (2.0, 0.5)
    replace(
        pack,
        "indicators.yaml",
        "      kind:sign: [2.0, 5.0]",
        "      kind:sign: [2.0, 5.0]\n      deal-by-june: [3.0, 6.0]",
    )
    p = load_pack(pack)
    assert p.lr_interval(p.indicators["talks-held"], deal).lo == 3.0


def test_a_kind_no_question_has_is_refused(pack):
    replace(pack, "indicators.yaml", "      deal: [1.5, 3.0]", "      deal: [1.5, 3.0]\n      kind:meet: [2.0, 5.0]")
    problem = find_problem(problems_of(pack), "indicators.yaml", "indicators[0].likelihood_ratios.kind:meet")
    assert "no question has criterion_kind 'meet'" in problem.message


def test_validate_warns_when_one_family_ratio_serves_different_kinds():
    p = load_pack(FIXTURES / "seed-main")
    assert criterion_kind_of(p.question("su-meet-by-2019-01-01")) == ("meet", "criteria words")
    assert criterion_kind_of(p.question("su-hanoi-signed-document")) == ("sign", "criteria words")
    summit = [w for w in p.warnings if w.field.endswith("likelihood_ratios.summit")]
    assert summit and all(w.file == "indicators.yaml" and "(meet / sign)" in w.message for w in summit)


MEET_QUESTION = """  - id: leaders-meet
    title: Will the leaders meet before 1 June 2020?
    family: deal
    kind: by_deadline
    opens: 2020-01-10
    closes: 2020-06-01
    criteria: The two leaders meet in person, as shown by photographs.
"""


def test_a_declared_criterion_kind_replaces_the_keyword_guess(pack):
    assert load_pack(pack).warnings == ()
    with (pack / "questions.yaml").open("a", encoding="utf-8") as fh:
        fh.write(MEET_QUESTION)
    (warning,) = load_pack(pack).warnings  # talks-held's one 'deal' ratio serves a sign and a meet question
    assert warning.field == "indicators[0].likelihood_ratios.deal" and "(meet / sign)" in warning.message
    assert warning.line == 7  # the 'deal:' line of indicators.yaml
    replace(
        pack,
        "questions.yaml",
        "    criteria: The two leaders meet",
        "    criterion_kind: sign\n    criteria: The two leaders meet",
    )
    assert load_pack(pack).warnings == ()


# --- 7. backward compatibility: main's numbers for a pack using none of the new fields ----------


def test_seed_pack_forecasts_equal_mains():
    """tests/fixtures/seed_baseline.json was written by tools/seed_baseline.py on main before this change."""
    stored = json.loads((FIXTURES / "seed_baseline.json").read_text(encoding="utf-8"))
    pack = load_pack(FIXTURES / "seed-main")
    assert pack.content_hash == stored["pack_hash"]
    opts = ModelOptions(**stored["options"], inference="nuts")  # recorded with NUTS, before the approximation
    for qid, want in stored["questions"].items():
        h = forecast_history(pack, qid, options=opts)
        # a history now stops at the question's resolution (no forecast after the answer): compare those steps
        end = pack.question(qid).resolved_on
        keep = [i for i, day in enumerate(want["as_of"]) if end is None or day <= end.isoformat()]
        assert keep, qid
        assert [d.date().isoformat() for d in h["as_of"]] == [want["as_of"][i] for i in keep], qid
        np.testing.assert_allclose(h["mean"], [want["mean"][i] for i in keep], rtol=1e-9, err_msg=qid)
        base = [want["base_rate_mean"][i] for i in keep]
        np.testing.assert_allclose(h["base_rate_mean"], base, rtol=1e-9, err_msg=qid)


def test_compare_by_family_averages_each_question_over_time_then_the_family():
    import pandas as pd

    from foresight.evaluate.backtest import ALL_FAMILIES, compare_by_family

    scores = pd.DataFrame(
        {
            "question_id": ["a", "a", "b", "c"],
            "family": ["f", "f", "f", "g"],
            "as_of": pd.to_datetime(["2020-01-01", "2020-01-04", "2020-01-01", "2020-01-01"]),
            "closes": pd.to_datetime(["2020-01-05"] * 4),
            "resolved_on": pd.to_datetime(["2020-01-05"] * 4),
            "brier": [0.4, 0.0, 0.2, 0.1],
            "log_score": [-1.0, -0.2, -0.5, -0.3],
        }
    )
    table = compare_by_family(scores).set_index(["family", "method"])["brier_time_averaged"]
    # question a: 0.4 for 3 days then 0.0 for 1 day -> 0.3; family f = mean(0.3, 0.2)
    assert table.loc[("f", "model")] == pytest.approx(0.25) and table.loc[("g", "model")] == pytest.approx(0.1)
    assert table.loc[(ALL_FAMILIES, "model")] == pytest.approx((0.3 + 0.2 + 0.1) / 3)
    assert list(compare_by_family(scores)["n_questions"]) == [2, 1, 3]


def test_a_bad_ratio_key_says_what_is_allowed(pack):
    replace(pack, "indicators.yaml", "      deal: [1.5, 3.0]", "      deal: [1.5, 3.0]\n      Kind:Sign: [2.0, 5.0]")
    (problem,) = problems_of(pack)
    assert problem.field == "indicators[0].likelihood_ratios.Kind:Sign" and problem.line == 8
    assert "kind:<criterion_kind>" in problem.message and "Kind:Sign" in problem.message


def test_validate_prints_warnings_and_still_exits_0():
    import subprocess
    import sys

    result = subprocess.run(
        [str(Path(sys.executable).parent / "foresight"), "validate", str(FIXTURES / "seed-main")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "[ratio-kind; where: indicators.yaml:" in line]
    assert warnings and all("likelihood_ratios.summit: one ratio for family 'summit'" in w for w in warnings)
    assert warnings[0].startswith(f"{FIXTURES / 'seed-main' / 'indicators.yaml'}:19: ")


def test_the_forecast_report_says_what_the_hinge_did(pack):
    from foresight.report.texts import hinge_sentence

    p = load_pack(hinge_pack(pack))
    open_ = hinge_sentence(forecast(p, CLASH, as_of="2020-04-01", **FAST)).data
    known = hinge_sentence(forecast(p, CLASH, as_of="2020-07-01", **FAST)).data
    assert "hinges on `deal-by-june`" in open_ and "still open" in open_
    assert "resolved **no** on 2020-06-01" in known
    assert hinge_sentence(forecast(p, DEAL, as_of="2020-04-01", **FAST)).data == ""
