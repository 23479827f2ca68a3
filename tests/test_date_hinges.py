"""A date question that hinges on a yes/no question (links.yaml `hinges`): its curve mixes the hinge's
branches over the other question's forecast day by day, the branches shrink with the date question's
hazard, and every rung of its ladder (``point_of``) carries the hinge exactly (issue 25)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from scipy.special import expit, logit

from foresight import forecast, load_pack
from foresight.model.curve import accrued_share
from foresight.model.hinges import branch_draws
from foresight.model.outcomes import forecast_any
from foresight.model.priors import remaining_hazard_years
from typedpacks import write_typed_pack

D = dt.date

TALKS = {
    "id": "talks-by-2020-04-30",
    "title": "Envoy talks by 30 April 2020?",
    "family": "meet",
    "kind": "by_deadline",
    "opens": "2020-01-01",
    "closes": "2020-04-30",
    "criteria": "Checkable by a third party.",
    "resolution": "yes",
    "resolved_on": "2020-04-15",
    "resolution_source": "test",
}

HINGE = (
    "hinges:\n  - question: first-meeting\n    on: talks-by-2020-04-30\n"
    "    p_if_yes: [0.5, 0.9]\n    p_if_no: [0.05, 0.3]\n    rationale: test\n"
)


def hinged_pack(root, links=HINGE):
    root = write_typed_pack(root, lambda files: files["questions.yaml"]["questions"].insert(0, dict(TALKS)))
    (root / "links.yaml").write_text(links)
    return root


@pytest.fixture(scope="module")
def pack(tmp_path_factory):
    return load_pack(hinged_pack(tmp_path_factory.mktemp("hinged") / "p"))


def test_curve_mixes_the_branches_over_the_other_question_day_by_day(pack):
    """F(d) = P(A) expit(logit c1(d) + S) + (1 - P(A)) expit(logit c0(d) + S), c(d) = 1 - (1 - c)^share(d)."""
    f = forecast_any(pack, "first-meeting", as_of="2020-03-10", draws=1000)
    q, fc = f.question, f.by_closes
    assert fc.hinge is not None and fc.hinge_outcome is None  # the talks are still open on 10 March
    c1, c0 = branch_draws(fc.hinge, 1000, fc.posterior.settings.seed)
    left = remaining_hazard_years(q, f.as_of) / remaining_hazard_years(q, q.opens)
    c1, c0 = (1 - (1 - c) ** left for c in (c1, c0))  # shrunk with the hazard spent since opens
    p_a, s = fc.parent.draws, f.shift
    for day in (D(2020, 3, 31), D(2020, 6, 12), D(2020, 12, 31)):
        share = accrued_share(q, f.as_of, day)
        by = [expit(logit(1 - (1 - c) ** share) + s) for c in (c1, c0)]
        np.testing.assert_allclose(f.cdf_draws(day), p_a * by[0] + (1 - p_a) * by[1], rtol=1e-9)
    assert np.array_equal(f.cdf_draws(q.closes), fc.draws)  # at closes: the hinged yes/no forecast
    assert np.all(np.diff(f.mean_cdf) >= 0)


def test_branches_shrink_with_the_hazard_not_the_calendar(pack):
    """After the decision point (share 0.4 on 12 June) has passed, 40% of the hazard is spent beyond the
    calendar's share; the branches shrink by Lambda(t) / Lambda(opens)."""
    f = forecast_any(pack, "first-meeting", as_of="2020-07-01", draws=1000).by_closes
    q = f.question
    c1, _ = branch_draws(f.hinge, 1000, f.posterior.settings.seed)
    assert f.hinge_outcome == "yes"  # the talks resolved yes on 15 April: only that branch counts
    left = 0.6 * (q.closes - D(2020, 7, 1)).days / (q.closes - q.opens).days
    np.testing.assert_allclose(f.base_draws, 1 - (1 - c1) ** left, rtol=1e-6)


@pytest.mark.parametrize("as_of", ["2020-02-01", "2020-04-20", "2020-06-20"])
def test_a_ladder_keeps_the_hinge_of_its_curve_exactly(pack, as_of):
    curve = forecast_any(pack, "first-meeting", as_of=as_of, draws=1000)
    for qid in ("meet-by-2020-06-30", "meet-by-2020-09-30"):
        point = forecast(pack, qid, as_of=as_of, draws=1000)
        assert point.hinge is not None and point.parent.question.id == "talks-by-2020-04-30"
        assert np.array_equal(point.draws, curve.cdf_draws(pack.questions[qid].closes))
        assert np.array_equal(point.base_draws, curve.base_cdf_draws(pack.questions[qid].closes))


def test_the_joint_model_samples_the_hinged_ladder_with_its_parent(pack):
    from foresight.model.joint import joint_forecast

    jf = joint_forecast(pack, "2020-02-01", questions=["meet-by-2020-06-30"], draws=400, use_links=False)
    single = jf.forecasts["meet-by-2020-06-30"]
    assert single.parent is not None and single.parent.question.id == "talks-by-2020-04-30"


def test_without_a_hinge_the_curve_is_unchanged(tmp_path):
    """The hinged code path leaves an unhinged curve bit for bit as before (no links.yaml)."""
    plain = load_pack(write_typed_pack(tmp_path / "plain"))
    f = forecast_any(plain, "first-meeting", as_of="2020-03-10", draws=500)
    base = np.clip(1 - (1 - f.by_closes.base_draws) ** f.share(D(2020, 8, 1)), 1e-12, 1 - 1e-12)
    np.testing.assert_allclose(f.cdf_draws(D(2020, 8, 1)), expit(logit(base) + f.shift), rtol=1e-12)


@pytest.mark.parametrize(
    ("links", "field", "message"),
    [
        (HINGE.replace("first-meeting", "summit-outcome"), "hinges[0].question", "is an options question"),
        (
            HINGE.replace("talks-by-2020-04-30", "first-meeting").replace(
                "first-meeting\n    on", "meet-by-2020-12-31\n    on", 1
            ),
            "hinges[0].on",
            "is a date question",
        ),
    ],
)
def test_a_hinge_names_a_yes_no_or_date_question_on_a_yes_no_one(tmp_path, links, field, message):
    from packtools import only_problem

    problem = only_problem(hinged_pack(tmp_path / "p", links))
    assert (problem.file, problem.field) == ("links.yaml", field), str(problem)
    assert message in problem.message
