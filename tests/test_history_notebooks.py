"""history.ipynb and backtest.ipynb through papermill on the mini pack, asserting on the rows they write.

The CSVs are built from the result files the way `foresight run` builds them
(:func:`foresight.run.runner.write_tables`); tests/test_runner.py checks that a
real run picks both notebooks up.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from papermill.exceptions import PapermillExecutionError

from foresight.evaluate.backtest import SCORES_CSV_COLUMNS
from foresight.report.history_views import HISTORY_ROW_COLUMNS, json_rows
from foresight.run import notebooks as suite
from foresight.run import runner
from nbhelpers import DRAWS, MINI, NOTEBOOKS, execute, notebook_env, outputs_of, png_count, read_json

__all__ = ["notebook_env"]  # the fixture, imported for pytest


@pytest.fixture(scope="module")
def executed(notebook_env, tmp_path_factory):
    """Both notebooks executed once on the mini pack into one folder, and the CSVs a run would build from them."""
    out = tmp_path_factory.mktemp("history-notebooks")
    results = out / runner.RESULTS_DIR
    paths = {
        "history": execute(
            "history",
            out,
            pack=str(MINI),
            question="deal-by-june",
            extra_dates="2020-04-15, 2020-02-01",
            draws=DRAWS,
            out_dir=str(results / "history"),
        ),
        "backtest": execute(
            "backtest", out, pack=str(MINI), draws=DRAWS, today="2020-07-01", out_dir=str(results / "backtest")
        ),
    }
    counts = runner.write_tables(out)
    return paths, results, out, counts


def test_the_runner_rule_runs_history_per_question_and_backtest_once():
    found = {nb.name: nb for nb in suite.discover(NOTEBOOKS)}
    assert found["history"].per_question and not found["backtest"].per_question
    # the rule's reason: history defines `question`, backtest does not (each cell is held to the parameter
    # table by tests/test_parameter_table.py)
    assert "question" in found["history"].parameters and "question" not in found["backtest"].parameters


def test_history_notebook_writes_sorted_steps_from_opens_with_the_requested_dates(executed):
    paths, results, _, _ = executed
    data = read_json(results / "history" / "history-deal-by-june.json")
    assert data["table"] == "history"
    assert data["parameters"]["extra_dates"] == ["2020-02-01", "2020-04-15"]
    rows = data["rows"]
    assert list(rows[0]) == HISTORY_ROW_COLUMNS
    dates = [r["as_of"] for r in rows]
    assert dates == sorted(dates) and len(set(dates)) == len(dates)
    assert dates[0] == "2020-01-10"  # opens
    assert {"2020-02-01", "2020-04-15", "2020-03-01"} <= set(dates)
    by_date = {r["as_of"]: r for r in rows}
    assert "requested" in by_date["2020-02-01"]["reason"] and "document" in by_date["2020-03-01"]["reason"]
    assert rows[0]["new_evidence"] == "ev-talks" and rows[0]["new_documents"] == "doc-a"
    for r in rows:
        assert 0 < r["mean"] < 1 and 0 <= r["p05"] <= r["p50"] <= r["p95"] <= 1
        assert r["resolution"] == "no" and r["outcome"] == 0.0 and r["resolved_on"] == "2020-06-01"
    assert png_count(paths["history"]) == 1  # the fan chart
    text = str(outputs_of(paths["history"]))
    assert "share one posterior" in text and "what changed" in text and "the question opened" in text
    assert "WARNING: the sampler did not converge" in text  # 200 draws do not meet the ESS bar


def test_history_csv_has_the_text_columns_only(executed):
    _, _, out, counts = executed
    frame = pd.read_csv(out / "history.csv")
    assert list(frame.columns) == HISTORY_ROW_COLUMNS and counts["history"] == len(frame)
    assert frame["as_of"].is_monotonic_increasing


def test_backtest_notebook_writes_scores_for_the_resolved_question_with_the_baselines(executed):
    paths, results, out, counts = executed
    data = read_json(results / "backtest" / "scores.json")
    assert data["table"] == "scores" and data["parameters"]["today"] == "2020-07-01"
    rows = data["rows"]
    assert rows and {r["question_id"] for r in rows} == {"deal-by-june"}  # clash-by-december is unresolved
    for r in rows:
        assert list(r) == SCORES_CSV_COLUMNS
        assert r["outcome"] == 0 and r["as_of"] < "2020-06-01"
        for prefix in ("", "naive_", "base_rate_", "p50_"):
            assert 0 <= r[f"{prefix}brier"] <= 1 and r[f"{prefix}log_score"] <= 0
            assert r[f"{prefix}brier"] == pytest.approx(r[f"{prefix}forecast"] ** 2)  # outcome 0
        assert r["p50_forecast"] == 0.5
    frame = pd.read_csv(out / "scores.csv")
    assert list(frame.columns) == SCORES_CSV_COLUMNS and counts["scores"] == len(rows)
    assert png_count(paths["backtest"]) == 2  # baselines and calibration
    text = str(outputs_of(paths["backtest"]))
    assert "naive Bayes (no correlation discount)" in text and "always 50%" in text
    assert "Too few to judge calibration" in text


def test_backtest_before_any_resolution_says_nothing_to_score(notebook_env, tmp_path):
    output = execute("backtest", tmp_path, pack=str(MINI), draws=DRAWS, today="2020-01-01", out_dir=str(tmp_path / "r"))
    assert read_json(tmp_path / "r" / "scores.json")["rows"] == []
    assert "Nothing to score" in str(outputs_of(output)) and png_count(output) == 0
    # An empty scores.csv still has its header, so readers can tell "nothing scored" from "broken".
    from foresight.evaluate.backtest import SCORES_CSV_COLUMNS
    from foresight.run.runner import write_tables

    (tmp_path / "run" / "results").mkdir(parents=True)
    (tmp_path / "r").rename(tmp_path / "run" / "results" / "backtest")
    write_tables(tmp_path / "run")
    assert (tmp_path / "run" / "scores.csv").read_text().splitlines() == [",".join(SCORES_CSV_COLUMNS)]


def test_extra_date_outside_the_window_stops_in_the_check_cell(notebook_env, tmp_path):
    with pytest.raises(PapermillExecutionError) as info:
        execute(
            "history",
            tmp_path,
            pack=str(MINI),
            question="deal-by-june",
            extra_dates="2020-02-01,2020-07-01",
            draws=DRAWS,
        )
    assert info.value.ename == "ParameterError"
    assert "parameter 'extra_dates'" in info.value.evalue
    assert "window of question 'deal-by-june': 2020-01-10 to 2020-06-01; 2020-07-01 is outside it" in info.value.evalue


def test_json_rows_are_json_and_csv_friendly():
    frame = pd.DataFrame(
        {
            "as_of": pd.to_datetime(["2020-01-10", None]),
            "x": [np.float64(0.5), np.nan],
            "ids": [["a", "b"], []],
            "day": [dt.date(2020, 1, 1), None],
            "n": np.array([1, 2], dtype=np.int64),
        }
    )
    rows = json_rows(frame)
    assert rows == [
        {"as_of": "2020-01-10", "x": 0.5, "ids": "a; b", "day": "2020-01-01", "n": 1},
        {"as_of": None, "x": None, "ids": "", "day": None, "n": 2},
    ]
    assert type(rows[0]["n"]) is int and type(rows[0]["x"]) is float
