"""Forecasts from elsewhere of options and date questions (external_forecasts.yaml): validated per type in
one located line, and scored beside the model's forecast of the same day and the baselines (issue 25)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from foresight import load_pack
from foresight.evaluate.outcome_scores import options_scores, typed_external, typed_external_summary
from foresight.model.outcomes import forecast_any
from packtools import only_problem
from test_outcome_types import _resolve
from typedpacks import write_typed_pack

SIGNED = {"signed": 0.5, "statement": 0.3, "walkout": 0.2}
EXTERNALS = [
    {"question": "summit-outcome", "source": "crowd", "date": "2020-03-01", "probabilities": SIGNED, "match": "same"},
    {
        "question": "first-meeting",
        "source": "market",
        "date": "2020-02-01",
        "probability": 0.3,
        "by": "2020-06-30",
        "match": "same",
    },
    {"question": "first-meeting", "source": "market", "date": "2020-02-01", "probability": 0.6, "match": "same"},
]


def with_externals(externals):
    def edit(files):
        _resolve(files)  # summit-outcome: signed; first-meeting: met on 12 June 2020
        files["external_forecasts.yaml"] = {"external_forecasts": externals}

    return edit


def test_each_external_is_scored_beside_the_model_that_day(tmp_path):
    pack = load_pack(write_typed_pack(tmp_path / "p", with_externals(EXTERNALS)))
    scores = typed_external(pack)
    options = scores[scores.question_id == "summit-outcome"].set_index("score")
    by_hand = options_scores(np.array([0.5, 0.3, 0.2]), 0, ordered=False)
    assert options.loc["log", "external"] == pytest.approx(np.log(0.5)) == pytest.approx(by_hand["log"])
    assert options.loc["brier", "external"] == pytest.approx(0.5**2 + 0.3**2 + 0.2**2)
    model = forecast_any(pack, "summit-outcome", as_of="2020-03-01")
    assert options.loc["log", "model"] == pytest.approx(np.log(model.mean[0]))
    assert options.loc["log", "uniform"] == pytest.approx(np.log(1 / 3))
    points = scores[(scores.question_id == "first-meeting") & (scores.score == "brier")].set_index("by")
    # met on 12 June: yes by 30 June and by closes
    assert points.loc[dt.date(2020, 6, 30), "external"] == pytest.approx(0.7**2)
    assert points.loc[dt.date(2020, 12, 31), "external"] == pytest.approx(0.4**2)
    curve = forecast_any(pack, "first-meeting", as_of="2020-02-01")
    p = float(curve.cdf_draws(dt.date(2020, 6, 30)).mean())
    assert points.loc[dt.date(2020, 6, 30), "model"] == pytest.approx((1 - p) ** 2)
    summary = typed_external_summary(scores)
    assert set(summary.source) == {"crowd", "market"} and summary.n_forecasts.max() == 2


def test_an_external_dated_on_the_resolution_is_left_out(tmp_path):
    late = [{**EXTERNALS[1], "date": "2020-06-11"}]
    pack = load_pack(write_typed_pack(tmp_path / "p", with_externals(late)))
    assert len(typed_external(pack)) == 2  # the day before it resolved: kept (brier and log)


@pytest.mark.parametrize(
    ("external", "field", "message"),
    [
        ({**EXTERNALS[0], "probabilities": {**SIGNED, "other": 0.0}}, "probabilities.other", "unknown option 'other'"),
        (
            {**EXTERNALS[0], "probabilities": {"signed": 0.5, "statement": 0.3}},
            "probabilities",
            "no probability for walkout",
        ),
        ({**EXTERNALS[0], "probabilities": {**SIGNED, "walkout": 0.5}}, "probabilities", "sum to 1.300"),
        (
            {k: v for k, v in EXTERNALS[0].items() if k != "probabilities"} | {"probability": 0.5},
            "probability",
            "give probabilities",
        ),
        ({**EXTERNALS[1], "question": "meet-by-2020-12-31"}, "by", "is a yes/no question"),
        ({**EXTERNALS[1], "by": "2020-01-15"}, "by", "must be from the forecast's date (2020-02-01)"),
        ({**EXTERNALS[1], "probabilities": SIGNED}, "probability", "one of the two"),
    ],
)
def test_a_bad_typed_external_is_one_located_line(tmp_path, external, field, message):
    problem = only_problem(write_typed_pack(tmp_path / "p", with_externals([external])))
    assert (problem.file, problem.field) == ("external_forecasts.yaml", f"external_forecasts[0].{field}"), str(problem)
    assert message in problem.message
