"""Run comparison: forecasts that moved, and the evidence, parameter or pack changes that explain them."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from foresight import forecast, load_pack
from foresight.base.run_files import find_run
from foresight.pack.snapshot import SNAPSHOT_FILE, write_snapshot
from foresight.report.rundiff import (
    counts,
    diff_html,
    diff_runs,
    diff_text,
    index_section,
    previous_run,
)
from packtools import copy_pack, replace


def _fake_run(
    folder: Path, pack_dir: Path, started: str, draws: int = 200, params=None, snapshot=True, notebook=None
) -> Path:
    """A run folder as the runner leaves it (run.json, forecasts.csv, the pack snapshot), from real forecasts."""
    folder.mkdir(parents=True)
    pack = load_pack(pack_dir)
    rows = [forecast(pack, q, draws=draws, seed=1).summary_row() for q in pack.questions]
    pd.DataFrame(rows).to_csv(folder / "forecasts.csv", index=False)
    record = {
        "run_id": folder.name,
        "kind": "run",
        "status": "complete",
        "started": started,
        "parameters": {"pack": str(pack_dir), "pack_hash": pack.content_hash, "draws": draws, "params": params or {}},
        "pack": {"id": pack.meta.id, "content_hash": pack.content_hash},
        "versions": {"foresight": "1"},
        "notebooks": [
            {
                "name": f"forecast-{q}",
                "parameters": {"question": q, "draws": draws, **(params or {}), **(notebook or {})},
            }
            for q in pack.questions
        ],
    }
    if snapshot:
        record["pack"]["files"] = write_snapshot(pack, folder)
    (folder / "run.json").write_text(json.dumps(record))
    return folder


def test_an_evidence_change_is_named_for_the_forecast_it_moved(tmp_path):
    pack = copy_pack(tmp_path)
    runs = tmp_path / "runs"
    a = _fake_run(runs / "a", pack, "2026-01-01T10:00:00")
    replace(pack, "evidence.yaml", "credibility: 0.8", "credibility: 0.1")  # ev-threat, a clash indicator
    b = _fake_run(runs / "b", pack, "2026-01-01T11:00:00")
    d = diff_runs(a, b)
    moved = d.moved.set_index("question_id")
    assert list(moved.index) == ["clash-by-december"]  # the deal question did not move
    row = moved.loc["clash-by-december"]
    assert row["change"] < -0.005
    assert any("evidence ev-threat: credibility: 0.8 -> 0.1" == r for r in row["explained_by"])
    text = diff_text(d)
    assert "0 new, 1 moved, 1 unchanged" in text and "ev-threat" in text
    assert "ev-threat" in diff_html(d) and "<script" not in diff_html(d)
    assert previous_run(runs, b) == a and previous_run(runs, a) is None
    assert "Changes since the previous run" in index_section(runs, b) and index_section(runs, a) == ""
    assert find_run("b", runs) == b


def test_parameter_changes_explain_every_forecast(tmp_path):
    runs = tmp_path / "runs"
    from packtools import MINI

    a = _fake_run(runs / "a", MINI, "2026-01-01T10:00:00", params={"lr_width_scale": 1.0})
    b = _fake_run(runs / "b", MINI, "2026-01-01T11:00:00", params={"lr_width_scale": 3.0})
    d = diff_runs(a, b, threshold=0.0)
    for reasons in d.forecasts["explained_by"]:
        assert [r for r in reasons if "lr_width_scale" in r] == ["parameter: params.lr_width_scale: 1.0 -> 3.0"]
    assert not any(c.kind.startswith("pack") for c in d.changes)


def test_unchanged_runs_move_nothing_and_old_runs_without_snapshot_still_compare(tmp_path):
    pack = copy_pack(tmp_path)
    runs = tmp_path / "runs"
    a = _fake_run(runs / "a", pack, "2026-01-01T10:00:00", snapshot=False)
    b = _fake_run(runs / "b", pack, "2026-01-01T11:00:00")
    assert diff_runs(a, b).moved.empty
    assert not (a / SNAPSHOT_FILE).exists()
    replace(pack, "questions.yaml", "closes: 2020-12-01", "closes: 2020-11-01")
    c = _fake_run(runs / "c", pack, "2026-01-01T12:00:00")
    d = diff_runs(a, c)
    assert any("no record snapshot" in str(ch) for ch in d.changes)
    d = diff_runs(b, c)
    (reasons,) = d.moved["explained_by"]
    assert "question clash-by-december: closes: 2020-12-01 -> 2020-11-01" in reasons


def test_a_parameter_given_to_one_notebook_explains_only_its_question(tmp_path):
    from packtools import MINI

    runs = tmp_path / "runs"
    a = _fake_run(runs / "a", MINI, "2026-01-01T10:00:00")
    b = _fake_run(runs / "b", MINI, "2026-01-01T11:00:00", notebook={"overrides": {"ev-talks": None}})
    (nb_change,) = [c for c in diff_runs(a, b).changes if c.kind == "notebook" and c.item == "forecast-deal-by-june"]
    assert nb_change.questions == ("deal-by-june",) and "overrides added" in nb_change.what


def test_new_moved_and_unchanged_are_counted_apart_and_nan_is_never_printed(tmp_path):
    """A question only in the later run is new, not moved (it used to be counted as moved, 'date nan -> ...')."""
    pack = copy_pack(tmp_path)
    runs = tmp_path / "runs"
    a = _fake_run(runs / "a", pack, "2026-01-01T10:00:00")
    rows = pd.read_csv(a / "forecasts.csv")
    rows[rows["question_id"] != "deal-by-june"].to_csv(a / "forecasts.csv", index=False)  # a had one question
    replace(pack, "evidence.yaml", "credibility: 0.8", "credibility: 0.1")  # moves clash-by-december
    b = _fake_run(runs / "b", pack, "2026-01-01T11:00:00")
    d = diff_runs(a, b)
    assert counts(d) == {"new": 1, "moved": 1, "unchanged": 0, "gone": 0}
    assert list(d.moved["question_id"]) == ["clash-by-december"]
    for shown in (diff_text(d), diff_html(d)):
        assert "nan" not in shown.lower() and "1 new, 1 moved, 0 unchanged" in shown
    back = diff_runs(b, a)  # the other way round, the question is no longer forecast
    assert counts(back) == {"new": 0, "moved": 1, "unchanged": 0, "gone": 1}
    assert "1 no longer forecast" in diff_text(back) and "nan" not in diff_text(back).lower()
