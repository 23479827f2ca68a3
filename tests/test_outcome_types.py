"""Options and date questions, and ladders of yes/no questions that are points of a date question's curve:
closed forms for each (issue 25). The pack is tests/typedpacks.py."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest
from scipy.special import expit, logit

from foresight import forecast, load_pack
from foresight.model.choice import class_dirichlet, quantile_probabilities, sources
from foresight.model.curve import accrued_share
from foresight.model.outcomes import forecast_any, summary_row
from typedpacks import write_typed_pack

D = dt.date


@pytest.fixture(scope="module")
def pack(tmp_path_factory):
    return load_pack(write_typed_pack(tmp_path_factory.mktemp("typed") / "typed"))


def test_typed_questions_are_kept_apart_from_the_yes_no_ones(pack):
    assert set(pack.questions) == {"meet-by-2020-12-31", "meet-by-2020-06-30", "meet-by-2020-09-30"}
    assert set(pack.typed_questions) == {"summit-outcome", "tariff-rate", "first-meeting"}
    assert pack.any_question("first-meeting").type == "date"


def test_dirichlet_update_by_one_case(pack, tmp_path):
    """alpha_k = 0.5 + r * n_k over the cases before opens; one more case adds r to its option only."""
    q = pack.any_question("summit-outcome")
    rc = pack.reference_classes["summits"]
    assert class_dirichlet(rc, q) == (0.5 + 0.5 * 2, 0.5 + 0.5 * 1, 0.5 + 0.5 * 1)  # the 2020 case is after opens

    def one_more(files):
        cases = files["reference_classes.yaml"]["reference_classes"][1]["cases"]
        cases.append({"name": "s5", "date": "2005-01-01", "option": "statement", "source": "s"})

    bigger = load_pack(write_typed_pack(tmp_path / "p", one_more))
    after = class_dirichlet(bigger.reference_classes["summits"], q)
    assert np.subtract(after, class_dirichlet(rc, q)).tolist() == [0.0, 0.5, 0.0]
    (src,) = sources(pack, q)
    assert src.weight == 1.0 and src.kind == "class"


def test_two_options_are_the_yes_no_beta():
    """With two options the class's Dirichlet is the yes/no question's Beta(0.5 + r*yes, 0.5 + r*no)."""
    from foresight.model.priors import class_beta
    from foresight.pack.schema import Question, ReferenceClass

    cases = [
        {"name": f"c{i}", "date": "2000-01-01", "outcome": "yes" if i < 3 else "no", "source": "s"} for i in range(7)
    ]
    rc = ReferenceClass(id="rc", title="t", serves=["f"], relevance=0.7, cases=cases)
    as_options = ReferenceClass(
        id="rc",
        title="t",
        serves=["f"],
        relevance=0.7,
        cases=[{**c, "outcome": None, "option": c["outcome"]} for c in cases],
    )
    q = Question(
        id="q",
        title="t",
        family="f",
        kind="one_shot",
        opens="2020-01-01",
        closes="2020-02-01",
        criteria="c",
        type="options",
        options=[{"id": "yes", "label": "yes"}, {"id": "no", "label": "no"}],
    )
    assert class_dirichlet(as_options, q) == class_beta(rc)


def test_options_update_by_one_ratio(pack):
    """Each draw's odds of 'signed' against the reference 'walkout' are multiplied by the ratio (3); the
    option without a ratio keeps its odds against the reference."""
    f = forecast_any(pack, "summit-outcome", as_of="2020-04-01", draws=2000)
    base, post = f.base_draws, f.draws
    np.testing.assert_allclose(post.sum(axis=1), 1.0)
    np.testing.assert_allclose(post[:, 0] / post[:, 2], 3.0 * base[:, 0] / base[:, 2], rtol=1e-6)
    np.testing.assert_allclose(post[:, 1] / post[:, 2], base[:, 1] / base[:, 2], rtol=1e-12)
    expected = base * np.array([3.0, 1.0, 1.0])
    np.testing.assert_allclose(post, expected / expected.sum(axis=1, keepdims=True), rtol=1e-6)
    # before the evidence is observed: the outside view, Dirichlet(1.5, 1, 1) in mean
    before = f.what_if(as_of="2020-02-01")
    np.testing.assert_allclose(before.draws, before.base_draws, rtol=1e-12)
    np.testing.assert_allclose(before.base_mean, np.array([1.5, 1.0, 1.0]) / 3.5, atol=0.02)
    # two options, reference 'no': the yes/no model's logit shift, draw by draw
    p_yes = base[:, 0] / (base[:, 0] + base[:, 2])
    two = 3.0 * base[:, 0] / (3.0 * base[:, 0] + base[:, 2])
    np.testing.assert_allclose(two, expit(logit(p_yes) + np.log(3.0)), rtol=1e-9)


def test_quantiles_become_bin_probabilities():
    """The piecewise-linear CDF through (0, 0), (5, .05), (15, .5), (30, .95), (100, 1), read at the edges."""
    probs = quantile_probabilities([0, 10, 25, 100], {0.05: 5, 0.5: 15, 0.95: 30})
    np.testing.assert_allclose(probs, [0.275, 0.525, 0.2])


def test_ordered_options_with_quantile_prior(pack):
    f = forecast_any(pack, "tariff-rate", as_of="2020-01-01", draws=4000)
    np.testing.assert_allclose(f.base_mean, [0.275, 0.525, 0.2], atol=0.02)  # Dirichlet(20 * p) has mean p
    row = summary_row(f)
    assert row["type"] == "options" and set(json.loads(row["options_json"])) == {"below-10", "10-to-25", "25-up"}


def test_date_curve_with_a_decision_point(pack):
    """The share of the hazard accrued by the end of day d: (1 - s) * (d + 1 - opens) / W + s once the
    decision day is passed (s = 0.4 on 2020-06-12, W = 365 days of window)."""
    q = pack.any_question("first-meeting")
    start = q.opens
    assert accrued_share(q, start, D(2020, 6, 11)) == pytest.approx(0.6 * 163 / 365)
    assert accrued_share(q, start, D(2020, 6, 12)) == pytest.approx(0.4 + 0.6 * 164 / 365)
    assert accrued_share(q, start, q.closes) == 1.0
    f = forecast_any(pack, "first-meeting", as_of=start, draws=2000)
    b = f.by_closes.base_draws
    for day in (D(2020, 3, 1), D(2020, 6, 12), D(2020, 11, 1)):
        share = accrued_share(q, start, day)
        np.testing.assert_allclose(f.base_cdf_draws(day), 1 - (1 - b) ** share, rtol=1e-12)
    cdf = f.mean_cdf
    assert np.all(np.diff(cdf) >= 0) and cdf[-1] == pytest.approx(f.by_closes.mean)
    jump = cdf[f.days().index(D(2020, 6, 12))] - cdf[f.days().index(D(2020, 6, 11))]
    assert jump > 10 * (cdf[f.days().index(D(2020, 6, 11))] - cdf[f.days().index(D(2020, 6, 10))])


def test_date_curve_at_closes_is_the_yes_no_forecast(pack):
    """With the same class and ratios, F(closes) at opens is the yes/no question's forecast (the shape of the
    hazard only moves when the chance accrues); the evidence moves the curve by the yes/no logit shift."""
    f = forecast_any(pack, "first-meeting", as_of="2020-04-01", draws=2000)
    yes_no = forecast(pack, "meet-by-2020-12-31", as_of="2020-01-01", draws=2000)
    at_opens = f.what_if(as_of="2020-01-01")
    np.testing.assert_allclose(at_opens.cdf_draws(D(2020, 12, 31)), yes_no.draws, rtol=1e-9)
    day = D(2020, 8, 1)
    base = f.base_cdf_draws(day)
    np.testing.assert_allclose(logit(f.cdf_draws(day)) - logit(base), np.log(2.0), rtol=1e-5)
    assert np.all(f.cdf_draws(D(2020, 3, 1)) == 0.0)  # before the forecast's day: not yet happened


@pytest.mark.parametrize(("qid", "as_of"), [("meet-by-2020-06-30", "2020-04-01"), ("meet-by-2020-09-30", "2020-02-01")])
def test_a_ladder_is_points_of_the_curve_exactly(pack, qid, as_of):
    point = forecast(pack, qid, as_of=as_of, draws=2000)
    curve = forecast_any(pack, "first-meeting", as_of=as_of, draws=2000)
    assert np.array_equal(point.draws, curve.cdf_draws(pack.questions[qid].closes))
    later = point.what_if(as_of="2020-06-20")
    assert np.array_equal(later.draws, curve.what_if(as_of="2020-06-20").cdf_draws(pack.questions[qid].closes))


def test_ladder_rows_can_never_disagree(pack):
    june = forecast(pack, "meet-by-2020-06-30", as_of="2020-03-15", draws=2000).mean
    september = forecast(pack, "meet-by-2020-09-30", as_of="2020-03-15", draws=2000).mean
    december = forecast_any(pack, "first-meeting", as_of="2020-03-15", draws=2000).by_closes.mean
    assert june < september < december


def test_date_row_names_its_quantiles(pack):
    row = summary_row(forecast_any(pack, "first-meeting", as_of="2020-01-01", draws=1000))
    quantiles = json.loads(row["quantiles"])
    assert row["type"] == "date" and list(quantiles) == ["0.05", "0.25", "0.5", "0.75", "0.95"]
    assert quantiles["0.95"] == "after closes"  # about half the chance is left beyond closes
    assert summary_row(forecast(pack, "meet-by-2020-12-31", draws=400))["type"] == "binary"


# --- scores ---------------------------------------------------------------------------------------


def test_options_scores_by_hand():
    from foresight.evaluate.outcome_scores import options_scores

    s = options_scores(np.array([0.2, 0.5, 0.3]), 1, ordered=True)
    assert s["log"] == pytest.approx(np.log(0.5))
    assert s["brier"] == pytest.approx(0.2**2 + 0.5**2 + 0.3**2)  # 0.38
    assert s["rps"] == pytest.approx(0.2**2 + 0.3**2)  # cumulative (.2, .7, 1) against (0, 1, 1)
    assert "rps" not in options_scores(np.array([0.2, 0.5, 0.3]), 1, ordered=False)
    far = options_scores(np.array([0.2, 0.5, 0.3]), 2, ordered=True)["rps"]
    assert far == pytest.approx(0.2**2 + 0.7**2)  # one bin further off costs more


def test_date_scores_by_hand():
    """Three days, P(by day k) = .1, .3, .6 (and .4 not by closes): the CRPS of the daily distribution is
    sum_k (F_k - 1{event day <= k})^2 over the days and the day after closes."""
    from foresight.evaluate.outcome_scores import date_scores
    from foresight.pack.schema import Question

    common = dict(
        id="q",
        title="t",
        family="f",
        kind="by_deadline",
        opens="2020-01-01",
        closes="2020-01-03",
        criteria="c",
        type="date",
        resolution_source="s",
    )
    happened = Question(**common, resolution="yes", resolved_on="2020-01-03")
    s = date_scores(np.array([0.1, 0.3, 0.6]), happened)
    assert s["crps_days"] == pytest.approx(0.1**2 + 0.3**2 + 0.4**2)
    assert s["binned_log"] == pytest.approx(np.log(0.6))
    missed = Question(**common, resolution="no", resolved_on="2020-01-03")
    s = date_scores(np.array([0.1, 0.3, 0.6]), missed)
    assert s["crps_days"] == pytest.approx(0.1**2 + 0.3**2 + 0.6**2)
    assert s["binned_log"] == pytest.approx(np.log(0.4))


def test_uniform_date_baseline_is_flat_over_months_and_days():
    from foresight.evaluate.outcome_scores import month_bins, uniform_date_cdf
    from foresight.pack.schema import Question

    q = Question(
        id="q",
        title="t",
        family="f",
        kind="by_deadline",
        opens="2020-01-15",
        closes="2020-03-31",
        criteria="c",
        type="date",
    )
    assert [b[0].isoformat() for b in month_bins(q)] == ["2020-01-15", "2020-02-01", "2020-03-01"]
    monthly = uniform_date_cdf(q, True)
    assert monthly[(D(2020, 1, 31) - q.opens).days] == pytest.approx(0.25)
    assert monthly[-1] == pytest.approx(0.75)
    daily = uniform_date_cdf(q, False)
    assert np.allclose(np.diff(daily), daily[0]) and daily[-1] == pytest.approx(len(daily) / (len(daily) + 1))


def _resolve(files):
    qs = {q["id"]: q for q in files["questions.yaml"]["questions"]}
    qs["summit-outcome"].update(resolved_option="signed", resolved_on="2020-06-30", resolution_source="s")
    qs["tariff-rate"].update(resolved_option="25-up", resolved_on="2020-06-30", resolution_source="s")
    qs["first-meeting"].update(resolution="yes", resolved_on="2020-06-12", resolution_source="s")
    qs["meet-by-2020-06-30"].update(resolution="yes", resolved_on="2020-06-12", resolution_source="s")


def test_typed_backtest_scores_each_type_against_its_baselines(tmp_path):
    from foresight.evaluate.outcome_scores import STEP_DAYS, ladder_before_after, typed_backtest, typed_summary

    pack = load_pack(write_typed_pack(tmp_path / "p", _resolve))
    scores = typed_backtest(pack)
    summary = typed_summary(scores)
    got = set(zip(summary["question_id"], summary["score"]))
    assert got == {
        ("summit-outcome", "log"),
        ("summit-outcome", "brier"),
        ("tariff-rate", "log"),
        ("tariff-rate", "brier"),
        ("tariff-rate", "rps"),
        ("first-meeting", "binned_log"),
        ("first-meeting", "crps_days"),
    }
    steps = scores[(scores.question_id == "first-meeting") & (scores.score == "crps_days")]
    assert len(steps) == len(range(0, (D(2020, 6, 12) - D(2020, 1, 1)).days, STEP_DAYS))
    # the options evidence (ratio 3 for 'signed') makes the model beat its outside view on 'signed'
    row = summary[(summary.question_id == "summit-outcome") & (summary.score == "log")].iloc[0]
    assert row.model > row.base_rate
    ladder = ladder_before_after(pack, "first-meeting", ["meet-by-2020-06-30"])
    before = ladder[ladder.forecast == "before"].probability.to_numpy()
    after = ladder[ladder.forecast == "after"].probability.to_numpy()
    np.testing.assert_array_equal(before, after)  # a declared point_of question IS the curve's point


# --- validation: one located line each --------------------------------------------------------------


def _q(files, qid):
    return next(q for q in files["questions.yaml"]["questions"] if q["id"] == qid)


BREAKS = [
    (
        "options prior not summing to 1",
        lambda f: _q(f, "summit-outcome").update(
            options_prior={"probabilities": {"signed": 0.5, "statement": 0.3, "walkout": 0.3}, "rationale": "r"}
        ),
        "questions.yaml",
        "questions[1].options_prior.probabilities",
        "add up to 1.1; they must add up to 1",
    ),
    (
        "options prior missing an option",
        lambda f: _q(f, "summit-outcome").update(
            options_prior={"probabilities": {"signed": 0.5, "statement": 0.5}, "rationale": "r"}
        ),
        "questions.yaml",
        "questions[1].options_prior",
        "a probability for each option",
    ),
    (
        "unordered bins",
        lambda f: _q(f, "tariff-rate").update(bins=[0, 25, 10, 100]),
        "questions.yaml",
        "questions[2].bins",
        "must increase strictly",
    ),
    (
        "bins on unordered options",
        lambda f: _q(f, "tariff-rate").update(ordered=False),
        "questions.yaml",
        "questions[2].bins",
        "need ordered: true",
    ),
    (
        "ratio for an unknown option",
        lambda f: f["indicators.yaml"]["indicators"][0]["option_ratios"]["outcome"]["ratios"].update(
            {"truce": [1.5, 3.0]}
        ),
        "indicators.yaml",
        "indicators[0].option_ratios.outcome.ratios",
        "unknown option 'truce'",
    ),
    (
        "derived question outside its date question's window",
        lambda f: _q(f, "meet-by-2020-09-30").update(closes="2021-03-31"),
        "questions.yaml",
        "questions[5].point_of",
        "outside its date question's",
    ),
    (
        "point_of naming an options question",
        lambda f: _q(f, "meet-by-2020-09-30").update(point_of="summit-outcome"),
        "questions.yaml",
        "questions[5].point_of",
        "names a date question",
    ),
    (
        "case with an option the question lacks",
        lambda f: f["reference_classes.yaml"]["reference_classes"][1]["cases"][0].update(option="truce"),
        "questions.yaml",
        "questions[1].options",
        "option truce, not an option of this question",
    ),
    (
        "yes/no question on a class of options",
        lambda f: (
            _q(f, "meet-by-2020-12-31").update(reference_class="summits"),
            f["reference_classes.yaml"]["reference_classes"][1].update(exposure_years=1.0),
        ),
        "questions.yaml",
        "questions[0].reference_class",
        "records options",
    ),
    (
        "resolved to an unknown option",
        lambda f: _q(f, "summit-outcome").update(
            resolved_option="truce", resolved_on="2020-06-30", resolution_source="s"
        ),
        "questions.yaml",
        "questions[1].resolved_option",
        "unknown option 'truce'",
    ),
    (
        "a date question that is one_shot",
        lambda f: _q(f, "first-meeting").update(kind="one_shot", hazard=None),
        "questions.yaml",
        "questions[3].kind",
        "a date question is by_deadline",
    ),
]


@pytest.mark.parametrize(("edit", "file", "field", "message"), [b[1:] for b in BREAKS], ids=[b[0] for b in BREAKS])
def test_one_break_one_located_problem(tmp_path, edit, file, field, message):
    from packtools import only_problem

    def clean(files):
        edit(files)
        for q in files["questions.yaml"]["questions"]:  # a None left by an edit means "remove the field"
            for key in [k for k, v in q.items() if v is None]:
                del q[key]

    problem = only_problem(write_typed_pack(tmp_path / "p", clean))
    assert (problem.file, problem.field) == (file, field), str(problem)
    assert message in problem.message, str(problem)
    assert problem.line > 1, str(problem)


def test_validate_knows_the_types_and_exits_2_with_one_line(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    foresight_cli = Path(sys.executable).parent / "foresight"
    good = write_typed_pack(tmp_path / "good")
    ok = subprocess.run([str(foresight_cli), "validate", str(good), "--json"], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["questions"] == 6
    bad = write_typed_pack(tmp_path / "bad", lambda f: _q(f, "tariff-rate").update(bins=[0, 25, 10, 100]))
    result = subprocess.run([str(foresight_cli), "validate", str(bad)], capture_output=True, text=True)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if "questions.yaml:" in line]
    assert len(lines) == 1 and "questions[2].bins" in lines[0], result.stderr


def test_the_curve_at_once_is_the_curve_day_by_day(pack):
    f = forecast_any(pack, "first-meeting", as_of="2020-03-10", draws=500)
    days = f.days()
    for day in (D(2020, 1, 5), D(2020, 3, 10), D(2020, 6, 12), D(2020, 9, 1), D(2020, 12, 31)):
        k = days.index(day)
        assert f.mean_cdf[k] == pytest.approx(float(f.cdf_draws(day).mean()), abs=1e-12)
        expected_base = float(f.base_cdf_draws(day).mean()) if day >= f.as_of else 0.0
        assert f.base_mean_cdf[k] == pytest.approx(expected_base, abs=1e-12)


def test_a_point_of_a_curve_cannot_also_hinge(tmp_path):
    from packtools import only_problem

    root = write_typed_pack(tmp_path / "p")
    (root / "links.yaml").write_text(
        "hinges:\n  - question: meet-by-2020-06-30\n    on: meet-by-2020-12-31\n"
        "    p_if_yes: [0.3, 0.7]\n    p_if_no: [0.05, 0.3]\n    rationale: test\n"
    )
    problem = only_problem(root)
    assert (problem.file, problem.field) == ("questions.yaml", "questions[4].point_of"), str(problem)
    assert "cannot also hinge" in problem.message


def test_history_dates_span_the_life_of_a_question(pack):
    from foresight.report.outcome_views import history_dates

    q = pack.any_question("first-meeting")
    days = history_dates(q)
    assert days[0] == q.opens and days[-1] == q.closes and len(days) <= 26
    assert days == sorted(set(days))


def test_forecasts_table_says_every_rows_type(pack, tmp_path):
    """forecasts.csv: the yes/no notebooks' rows (no type column) and the outcomes rows in one table."""
    from foresight.report import results

    binary = forecast(pack, "meet-by-2020-12-31", draws=400)
    typed = [forecast_any(pack, qid, as_of="2020-02-01", draws=400) for qid in ("summit-outcome", "first-meeting")]
    results.write_rows(tmp_path, "forecasts", [binary.summary_row()], name="forecast-one")
    results.write_rows(tmp_path, "forecasts", [summary_row(f) for f in typed], name="outcomes")
    frame = results.tables(tmp_path)["forecasts"]
    assert dict(zip(frame.question_id, frame.type)) == {
        "meet-by-2020-12-31": "binary",
        "summit-outcome": "options",
        "first-meeting": "date",
    }
    present = [c for c in results.FORECAST_COLUMNS if c in frame.columns]  # no calibration in these rows
    assert list(frame.columns[: len(present)]) == present
    options = json.loads(frame.set_index("question_id").loc["summit-outcome", "options_json"])
    assert sum(v["mean"] for v in options.values()) == pytest.approx(1.0)


# --- joint scenarios ------------------------------------------------------------------------------


def test_ordered_options_follow_latent_thresholds():
    from foresight.model.outcome_joint import ordered_outcome

    probs = np.tile([0.2, 0.5, 0.3], (4, 1))  # thresholds Phi^-1(0.2) = -0.84 and Phi^-1(0.7) = 0.52
    w = np.array([-1.0, -0.8, 0.5, 0.6])
    assert ordered_outcome(w, probs).tolist() == [0, 1, 1, 2]


LINKED = (
    "drivers:\n  - id: thaw\n    description: d\n    rationale: r\n    strength: [0.6, 0.9]\n"
    "    loadings: {meet: 0.9, rate: 0.9, outcome: 0.9}\n"
)


def test_joint_scenarios_keep_every_marginal_and_couple_ordered_options(tmp_path):
    from foresight.model.outcome_joint import outcome_scenarios

    root = write_typed_pack(tmp_path / "p")
    (root / "links.yaml").write_text(LINKED)
    pack = load_pack(root)
    qids = ["meet-by-2020-12-31", "tariff-rate", "summit-outcome", "first-meeting"]
    js = outcome_scenarios(pack, qids, "2020-04-01", reps=20)
    m = js.marginals()
    n = len(js.outcomes["tariff-rate"])
    assert (m["joint"] - m["single"]).abs().max() < 4 * 0.5 / np.sqrt(n)  # within Monte Carlo error
    combos = js.combinations(["meet-by-2020-12-31", "tariff-rate"])
    assert combos["probability"].sum() == pytest.approx(1.0)
    both = js.outcomes["meet-by-2020-12-31"] == "yes"
    top = js.outcomes["tariff-rate"] == "25-up"
    assert np.mean(both & top) > np.mean(both) * np.mean(top) + 0.03  # the driver raises both together
    signed = js.outcomes["summit-outcome"] == "signed"  # unordered: the driver's loading is not used
    assert abs(np.mean(both & signed) - np.mean(both) * np.mean(signed)) < 0.02
    # a date question enters as "by closes", moved by the same driver as the yes/no question of its event
    met = js.outcomes["first-meeting"] == "yes"
    assert np.mean(met & both) > np.mean(met) * np.mean(both) + 0.03


def test_outcome_report_escapes_pack_text(tmp_path):
    """Option labels and titles reach figures as plain text ('$' never starts mathtext) and tables escaped."""
    from foresight.report import escape, outcome_views

    hostile = "$x$ <b>bold</b> *star*"

    def edit(files):
        q = _q(files, "summit-outcome")
        q["title"] = hostile
        q["options"][0]["label"] = hostile

    pack = load_pack(write_typed_pack(tmp_path / "p", edit))
    f = forecast_any(pack, "summit-outcome", as_of="2020-04-01", draws=400)
    fig = outcome_views.options_bars(f)
    fig._repr_png_()  # renders: an unescaped '$x$ <b>' would be read as mathtext
    texts = [t.get_text() for t in fig.legends[0].get_texts()]
    assert any(r"\$x\$ <b>bold</b>" in t for t in texts)
    html = escape.styler(outcome_views.rows_table([summary_row(f)])).to_html()
    assert "<b>bold" not in html and "&lt;b&gt;bold" in html
    outcome_views.options_history(f, outcome_views.history_dates(f.question))._repr_png_()
    assert "\\$" in outcome_views.options_bars(f).axes[0].get_title()


def test_options_bars_legend_swatches_have_their_bars_colours(tmp_path):
    """Each option's legend swatch is drawn in the colour of its bars (not the default colour of an empty bar)."""
    from matplotlib.colors import to_rgba

    from foresight.report import outcome_views

    pack = load_pack(write_typed_pack(tmp_path / "p"))
    f = forecast_any(pack, "summit-outcome", as_of="2020-04-01", draws=400)
    fig = outcome_views.options_bars(f)
    swatches = [to_rgba(h.get_facecolor()) for h in fig.legends[0].legend_handles]
    bars = [to_rgba(c) for c in outcome_views.OPTION_COLOURS[: len(f.question.options)]]
    assert swatches == bars and len(set(swatches)) == len(swatches)


def test_binary_type_delegates_to_the_yes_no_forecast(pack):
    """The binary outcome type is today's forecast and row, with only the type columns added."""
    from foresight.model.outcomes import ROW_COLUMNS, TYPES, outcome_type

    f = forecast(pack, "meet-by-2020-12-31", as_of="2020-02-01", draws=400)
    g = forecast_any(pack, "meet-by-2020-12-31", as_of="2020-02-01", draws=400)
    assert np.array_equal(f.draws, g.draws)
    row = summary_row(g)
    assert {k: v for k, v in row.items() if k not in ROW_COLUMNS} == f.summary_row()
    assert outcome_type(pack.any_question("tariff-rate")) is TYPES["options"]
    assert "rps" in TYPES["options"].scores and "crps_days" in TYPES["date"].scores


def test_options_model_follows_the_packs_discount_rule(tmp_path):
    """An options question discounts its groups' signs by the same rule as a yes/no one: `correlation_discount:
    none` in pack.yaml sets every group's rho to 0, as the run switch does."""
    from foresight.model.choice import options_model
    from foresight.model.options import ModelOptions

    folder = write_typed_pack(tmp_path / "typed")
    before = load_pack(folder)
    q = before.any_question("summit-outcome")
    with (folder / "pack.yaml").open("a", encoding="utf-8") as fh:
        fh.write("correlation_discount: none\n")
    after = load_pack(folder)
    assert any(r > 0 for r in options_model(before, q).rho)
    assert set(options_model(after, after.any_question("summit-outcome")).rho) == {0.0}
    switched_off = options_model(before, q, ModelOptions(discount_groups=False))
    assert switched_off.rho == options_model(after, after.any_question("summit-outcome")).rho
