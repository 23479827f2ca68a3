"""Traps new analysts hit (issue 28), model side: case outcomes known late, history after resolution,
hinges for events that follow together, hinges with a hazard, a trigger clock paired with a hinge."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from scipy.special import expit, logit

from foresight import load_pack
from foresight.evaluate.history import forecast_history, history_dates
from foresight.model.forecasting import forecast
from foresight.model.hinges import branch_draws
from foresight.model.outside import class_cases, components
from foresight.pack.lint import lint_pack
from packtools import find_problem, problems_of, replace

D = dt.date
FAST = {"learn_from_cases": False, "draws": 2000, "seed": 7}
CLASH = "clash-by-december"
DEAL = "deal-by-june"
CASE_C = "      - {name: Case C, date: 1999-01-01, outcome: yes, source: fixture}"
HINGE = """hinges:
  - question: clash-by-december
    on: deal-by-june
    p_if_yes: [0.3, 0.7]
    p_if_no: [0.05, 0.3]
    rationale: A deal comes with a strike on the spoilers (a test of events that follow together).
"""


def add_case(pack: Path, case: str) -> None:
    replace(pack, "reference_classes.yaml", CASE_C, CASE_C + "\n" + case)


# --- 3. a case begun before opens but settled after it teaches nothing -----------------------


def test_a_case_whose_outcome_was_known_after_opens_is_not_used(pack):
    """'Only cases known before the question opens are used, so a backtest never learns from the future.'"""
    late = "      - {name: Case D, date: 2020-02-29, outcome: yes, source: fixture, outcome_known: 2020-06-30}"
    add_case(pack, late)
    p = load_pack(pack)
    q = p.question(CLASH)
    assert [c.name for c in class_cases(p.reference_classes["clashes"], q)] == ["Case A", "Case B", "Case C"]
    (comp,) = components(p, q)
    assert (comp.alpha, comp.beta) == (0.5 + 1, 0.5 + 2)  # Jeffreys + one yes, two no: Case D left out
    # and lint says the model leaves it out, so the analyst can check the class is not tilted by it
    hits = [w for w in lint_pack(p).warnings if w.code == "outcome-after-opens"]
    assert len(hits) == 1 and "Case D" in hits[0].message and CLASH in hits[0].message


def test_a_case_without_outcome_known_is_dated_by_its_date_as_before(pack):
    add_case(pack, "      - {name: Case D, date: 2020-02-29, outcome: yes, source: fixture}")
    p = load_pack(pack)
    (comp,) = components(p, p.question(CLASH))
    assert (comp.alpha, comp.beta) == (0.5 + 2, 0.5 + 2)


def test_outcome_known_before_the_case_date_is_refused(pack):
    add_case(pack, "      - {name: Case D, date: 2019-02-01, outcome: yes, source: fixture, outcome_known: 2019-01-01}")
    problems = problems_of(pack)
    assert any("outcome_known" in p.message and p.file == "reference_classes.yaml" for p in problems), problems


# --- 4. no history after the resolution ------------------------------------------------------


def test_no_history_step_after_resolution(pack):
    """'No step (and no row of history.csv) comes after the resolution', hazard decision points included."""
    replace(
        pack,
        "questions.yaml",
        "    raised_by: [doc-b]",
        "    raised_by: [doc-b]\n"
        "    hazard:\n"
        "      decision_points:\n"
        "        - {date: 2020-05-25, share: 0.2, note: a summit}\n"
        "        - {date: 2020-07-28, share: 0.2, note: a vote}\n"
        "    resolution: yes\n    resolved_on: 2020-05-23\n    resolution_source: fixture",
    )
    p = load_pack(pack)
    dates = list(history_dates(p, p.question(CLASH)))
    assert max(dates) <= D(2020, 5, 23)
    h = forecast_history(p, CLASH, **FAST)
    assert h["as_of"].max() <= np.datetime64("2020-05-23")


# --- 2. hinges: B follows A within d days ------------------------------------------------------


def resolve_deal_yes(pack: Path, on: str = "2020-04-01") -> None:
    replace(
        pack,
        "questions.yaml",
        "    resolution: no\n    resolved_on: 2020-06-01",
        f"    resolution: yes\n    resolved_on: {on}",
    )


def test_follows_within_days_keeps_the_branch_whole_until_the_follow_up_window_ends(pack):
    resolve_deal_yes(pack)
    (pack / "links.yaml").write_text(HINGE + "    follows_within_days: 10\n", encoding="utf-8")
    p = load_pack(pack)
    hinge = p.links.hinge_for(CLASH)
    c1_whole, _ = branch_draws(hinge, FAST["draws"], FAST["seed"])
    # while A is open and within 10 days of A's 'yes': P(B | A) is the whole-window value
    for day in ("2020-03-15", "2020-04-01", "2020-04-11"):
        f = forecast(p, CLASH, as_of=day, **FAST)
        np.testing.assert_array_equal(f.hinge_branches[0], c1_whole)
    # resolved: exactly the branch, with B's evidence on top
    f = forecast(p, CLASH, as_of="2020-04-05", **FAST)
    np.testing.assert_allclose(f.draws, expit(logit(c1_whole) + f.shift_draws.sum(axis=1)))
    # after the follow-up window, it shrinks over the rest of B's window from the day that window ended
    late = forecast(p, CLASH, as_of="2020-06-01", **FAST)
    left, after = (D(2020, 12, 1) - D(2020, 6, 1)).days, (D(2020, 12, 1) - D(2020, 4, 11)).days
    np.testing.assert_allclose(late.hinge_branches[0], 1 - (1 - c1_whole) ** (left / after))


def test_without_follows_within_days_the_branch_shrinks_with_the_calendar(pack):
    resolve_deal_yes(pack)
    (pack / "links.yaml").write_text(HINGE, encoding="utf-8")
    p = load_pack(pack)
    c1_whole, _ = branch_draws(p.links.hinge_for(CLASH), FAST["draws"], FAST["seed"])
    f = forecast(p, CLASH, as_of="2020-04-05", **FAST)
    left, whole = (D(2020, 12, 1) - D(2020, 4, 5)).days, (D(2020, 12, 1) - D(2020, 3, 1)).days
    np.testing.assert_allclose(f.hinge_branches[0], 1 - (1 - c1_whole) ** (left / whole))


def test_follows_within_days_must_be_a_whole_number_of_days(pack):
    (pack / "links.yaml").write_text(HINGE + "    follows_within_days: 0\n", encoding="utf-8")
    find_problem(problems_of(pack), "links.yaml", "hinges[0].follows_within_days")


# --- 1. a hinge and a hazard ------------------------------------------------------------------


def test_a_question_trigger_on_a_hinged_question_is_refused_in_one_line(pack):
    (pack / "links.yaml").write_text(HINGE, encoding="utf-8")
    replace(
        pack,
        "questions.yaml",
        "    raised_by: [doc-b]",
        "    raised_by: [doc-b]\n    hazard:\n      starts: {question: deal-by-june}",
    )
    problem = find_problem(problems_of(pack), "links.yaml", "hinges[0].question")
    assert "trigger would do nothing" in problem.message and "\n" not in problem.message


def test_a_hazard_on_a_hinged_question_is_warned_as_doing_nothing(pack):
    (pack / "links.yaml").write_text(HINGE, encoding="utf-8")
    replace(
        pack,
        "questions.yaml",
        "    raised_by: [doc-b]",
        "    raised_by: [doc-b]\n    hazard: {shape: rising, ratio: 4}",
    )
    p = load_pack(pack)
    (hit,) = [w for w in lint_pack(p).warnings if w.code == "hinge-replaces-hazard"]
    assert hit.subject == CLASH and hit.field == "questions[1].hazard" and "moves nothing" in hit.message
    # and it does move nothing: the branches shrink with the window left, as without the hazard
    _, c0_whole = branch_draws(p.links.hinge_for(CLASH), FAST["draws"], FAST["seed"])
    f = forecast(p, CLASH, as_of="2020-05-01", **FAST)
    left, whole = (D(2020, 12, 1) - D(2020, 5, 1)).days, (D(2020, 12, 1) - D(2020, 3, 1)).days
    np.testing.assert_allclose(f.hinge_branches[1], 1 - (1 - c0_whole) ** (left / whole))


@pytest.mark.parametrize("as_of", ["2020-03-01", "2020-05-01"])
def test_a_hinge_without_hazard_scales_with_the_window_as_before(pack, as_of):
    (pack / "links.yaml").write_text(HINGE, encoding="utf-8")
    p = load_pack(pack)
    _, c0_whole = branch_draws(p.links.hinge_for(CLASH), FAST["draws"], FAST["seed"])
    f = forecast(p, CLASH, as_of=as_of, **FAST)
    left, whole = (D(2020, 12, 1) - D.fromisoformat(as_of)).days, (D(2020, 12, 1) - D(2020, 3, 1)).days
    np.testing.assert_allclose(f.hinge_branches[1], 1 - (1 - c0_whole) ** (left / whole))
