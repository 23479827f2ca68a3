"""Backtest: which questions and dates are scored, the baselines' definitions, the comparison, scores.csv."""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from foresight import load_pack
from foresight.evaluate.backtest import (
    BACKTEST_COLUMNS,
    SCORES_CSV_COLUMNS,
    backtest,
    compare_baselines,
    scorable_questions,
    write_scores_csv,
)
from foresight.evaluate.history import forecast_history
from foresight.report.history_plots import plot_baselines
from packtools import copy_pack, replace

MINI = Path(__file__).parent / "fixtures" / "mini"
DRAWS = 400
EXACT = {"draws": DRAWS, "learn_from_cases": False}  # exact draws: milliseconds, no NUTS
NUTS = {
    "draws": DRAWS,
    "tune": 300,
    "inference": "nuts",
}  # same settings as test_history, so the cached posterior is reused


def resolved_pack(tmp_path: Path, deal_resolved_on: str = "2020-06-01", extra_case: bool = False):
    """Mini with 'clash-by-december' resolved yes on 2020-10-01 and documents on and after that day."""
    pack = copy_pack(tmp_path)
    replace(
        pack,
        "questions.yaml",
        "    raised_by: [doc-b]\n",
        "    raised_by: [doc-b]\n    resolution: yes\n    resolved_on: 2020-10-01\n"
        "    resolution_source: Two wire services (test fixture).\n",
    )
    replace(pack, "questions.yaml", "    resolved_on: 2020-06-01\n", f"    resolved_on: {deal_resolved_on}\n")
    with open(pack / "documents.yaml", "a", encoding="utf-8") as handle:
        for doc_id, day in (("doc-day", "2020-10-01"), ("doc-after", "2020-11-01")):
            handle.write(
                f"  - id: {doc_id}\n    title: Report\n    author: C. Writer\n"
                f"    outlet: The Test Gazette\n    published: {day}\n"
            )
    if extra_case:
        replace(
            pack,
            "reference_classes.yaml",
            "      - {name: Case C, date: 1999-01-01, outcome: yes, source: fixture}\n",
            "      - {name: Case C, date: 1999-01-01, outcome: yes, source: fixture}\n"
            "      - {name: Case D, date: 2020-03-02, outcome: yes, source: fixture}\n",
        )
    return load_pack(pack)


@pytest.fixture
def pack(tmp_path):
    return resolved_pack(tmp_path)


@pytest.fixture
def scores(pack):
    return backtest(pack, today="2021-01-01", **EXACT)


# --- which questions, which dates ------------------------------------------------


@pytest.mark.parametrize(
    "today, expected",
    [
        ("2020-05-31", set()),  # nothing has closed
        ("2020-06-01", {"deal-by-june"}),  # closes and resolved_on are today: known
        ("2020-11-01", {"deal-by-june"}),  # clash resolved on 2020-10-01 but still open
        ("2020-12-01", {"deal-by-june", "clash-by-december"}),
    ],
)
def test_only_questions_closed_and_resolved_by_today_are_scored(pack, today, expected):
    assert {q.id for q in scorable_questions(pack, today)} == expected
    scores = backtest(pack, today=today, **EXACT)
    assert set(scores["question_id"]) == expected
    assert list(scores.columns) == BACKTEST_COLUMNS


def test_a_question_resolved_after_today_is_never_scored(tmp_path):
    # deal closes on 2020-06-01 but is only resolved (no) on 2020-07-15: on 2020-07-01 nobody knew.
    pack = resolved_pack(tmp_path, deal_resolved_on="2020-07-15")
    assert backtest(pack, today="2020-07-01", **EXACT).empty
    assert backtest(pack, today="2020-07-14", **EXACT).empty
    assert set(backtest(pack, today="2020-07-15", **EXACT)["question_id"]) == {"deal-by-june"}


def test_forecasts_from_the_resolution_day_on_are_not_scored(pack, scores):
    history = forecast_history(pack, "clash-by-december", **EXACT)
    # the history ends on the resolution day (10-01): the document of 11-01 comes after the answer was known
    assert [d.strftime("%m-%d") for d in history["as_of"]] == ["03-01", "03-02", "10-01"]
    clash = scores[scores["question_id"] == "clash-by-december"]
    assert [d.strftime("%m-%d") for d in clash["as_of"]] == ["03-01", "03-02"]
    deal = scores[scores["question_id"] == "deal-by-june"]
    assert [d.strftime("%m-%d") for d in deal["as_of"]] == ["01-10", "03-01"]


# --- the methods -------------------------------------------------------------------


def test_model_and_baselines_follow_their_definitions(pack, scores):
    for qid, outcome in (("deal-by-june", 0), ("clash-by-december", 1)):
        rows = scores[scores["question_id"] == qid].reset_index(drop=True)
        n = len(rows)
        model = forecast_history(pack, qid, **EXACT).iloc[:n]
        naive = forecast_history(pack, qid, discount_groups=False, **EXACT).iloc[:n]
        assert (rows["outcome"] == outcome).all()
        np.testing.assert_allclose(rows["forecast"], model["mean"], rtol=1e-12)
        np.testing.assert_allclose(rows["base_rate_forecast"], model["base_rate_mean"], rtol=1e-12)
        np.testing.assert_allclose(rows["naive_forecast"], naive["mean"], rtol=1e-12)
        assert (rows["p50_forecast"] == 0.5).all() and (rows["p50_brier"] == 0.25).all()
        np.testing.assert_allclose(rows["p50_log_score"], math.log(0.5))
        for prefix in ("", "naive_", "base_rate_"):
            p = rows[f"{prefix}forecast"]
            np.testing.assert_allclose(rows[f"{prefix}brier"], (p - outcome) ** 2)
            np.testing.assert_allclose(rows[f"{prefix}log_score"], np.log(p if outcome else 1 - p))
    # Two threat indicators (rho 0.8) stand on 2020-03-02: only there does the naive model count them fully.
    clash = scores[scores["question_id"] == "clash-by-december"].set_index("as_of")
    assert clash.at["2020-03-02", "naive_forecast"] > clash.at["2020-03-02", "forecast"] + 1e-4


def test_a_case_dated_after_the_question_opens_cannot_flatter_the_backtest(tmp_path):
    # The clash class gains a 'yes' case dated the day after clash opens: hindsight the forecaster lacked.
    plain = backtest(resolved_pack(tmp_path / "a"), today="2021-01-01", **EXACT)
    hindsight = backtest(resolved_pack(tmp_path / "b", extra_case=True), today="2021-01-01", **EXACT)
    pd.testing.assert_frame_equal(plain, hindsight)


def test_backtest_with_nuts_on_the_mini_pack():
    scores = backtest(load_pack(MINI), today="2021-01-01", **NUTS)
    assert list(scores["question_id"]) == ["deal-by-june"] * 2
    history = forecast_history(load_pack(MINI), "deal-by-june", **NUTS)
    np.testing.assert_allclose(scores["forecast"], history["mean"])
    assert scores["converged"].dtype == bool


# --- comparison ----------------------------------------------------------------------


def test_compare_baselines_by_hand(scores):
    table = compare_baselines(scores).set_index("method")
    assert list(table.index) == ["model", "naive", "base_rate", "p50"]
    assert (table["n_questions"] == 2).all() and (table["n_forecasts"] == 4).all()
    assert table.at["p50", "brier_by_step"] == pytest.approx(0.25)
    assert table.at["p50", "log_score_time_averaged"] == pytest.approx(math.log(0.5))
    assert table.at["model", "brier_by_step"] == pytest.approx(scores["brier"].mean())
    # Time-averaged by hand. deal: Jan 10 holds 51 days, Mar 1 holds 92 until closes (Jun 1).
    # clash: Mar 1 holds 1 day, Mar 2 holds 213 until resolved_on (Oct 1, before closes).
    deal = scores[scores["question_id"] == "deal-by-june"]["brier"].to_numpy()
    clash = scores[scores["question_id"] == "clash-by-december"]["brier"].to_numpy()
    by_hand = ((deal[0] * 51 + deal[1] * 92) / 143 + (clash[0] * 1 + clash[1] * 213) / 214) / 2
    assert table.at["model", "brier_time_averaged"] == pytest.approx(by_hand)


def test_compare_baselines_of_nothing_scored(pack):
    table = compare_baselines(backtest(pack, today="2020-01-01", **EXACT))
    assert list(table["method"]) == ["model", "naive", "base_rate", "p50"] and (table["n_forecasts"] == 0).all()


def test_baseline_chart(scores):
    fig = plot_baselines(compare_baselines(scores))
    assert isinstance(fig, Figure) and fig.get_suptitle() == "Model against baselines (2 resolved questions)"
    assert [len(ax.patches) for ax in fig.axes[:2]] == [8, 8]


# --- scores.csv ----------------------------------------------------------------------


def test_scores_csv_round_trip(scores, tmp_path):
    path = write_scores_csv(scores, tmp_path / "run" / "scores.csv")
    back = pd.read_csv(path)
    assert list(back.columns) == SCORES_CSV_COLUMNS
    assert list(back["as_of"]) == ["2020-01-10", "2020-03-01", "2020-03-01", "2020-03-02"]
    np.testing.assert_allclose(back["log_score"], scores["log_score"], rtol=1e-15)
    assert os.listdir(path.parent) == ["scores.csv"]


def test_scores_csv_is_replaced_whole_or_not_at_all(scores, tmp_path, monkeypatch):
    path = tmp_path / "run" / "scores.csv"
    path.parent.mkdir()
    path.write_text("old\n")

    def broken(self, target, **kwargs):
        Path(target).write_text("question_id,as_of\nhalf")  # half a table reaches the disk, then it fails
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_csv", broken)
    with pytest.raises(OSError, match="disk full"):
        write_scores_csv(scores, path)
    assert path.read_text() == "old\n" and os.listdir(path.parent) == ["scores.csv"]


def test_scores_csv_needs_the_backtest_columns(tmp_path):
    with pytest.raises(ValueError, match="lack the column.*naive_forecast"):
        write_scores_csv(
            pd.DataFrame({"question_id": [], "as_of": [], "forecast": [], "outcome": [], "brier": [], "log_score": []}),
            tmp_path / "scores.csv",
        )
