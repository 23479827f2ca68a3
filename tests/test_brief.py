"""The printable brief: open questions only, with forecast, interval, change since the previous run and reasons."""

from __future__ import annotations

import pandas as pd
import pytest

from foresight import forecast
from foresight.evaluate.sensitivity import without_evidence
from foresight.report import brief
from modelpacks import indicator, observation, write_pack


def _forecasts(folder, rows):
    folder.mkdir()
    pd.DataFrame(rows).to_csv(folder / "forecasts.csv", index=False)
    return folder


ROW = {"as_of": "2020-03-01", "p05": 0.1, "p95": 0.6, "base_rate_mean": 0.2, "converged": True}


def test_brief_lists_open_questions_with_change_and_top_reasons(tmp_path):
    before = _forecasts(
        tmp_path / "a", [{**ROW, "question_id": "q1", "title": "One", "mean": 0.30, "resolution": None}]
    )
    run = _forecasts(
        tmp_path / "b",
        [
            {**ROW, "question_id": "q1", "title": "Will <b>this</b> & that?", "mean": 0.35, "resolution": None},
            {**ROW, "question_id": "q2", "title": "Closed one", "mean": 0.9, "resolution": "yes"},
            {**ROW, "question_id": "q3", "title": "Brand new", "mean": 0.2, "resolution": None},
        ],
    )
    reasons = [
        {
            "question_id": "q1",
            "rank": r,
            "evidence": f"ev-{r}",
            "indicator": "i",
            "description": f"sign {r}",
            "observed": "2020-02-01",
            "without": 0.3,
            "change": -0.05,
        }
        for r in (2, 1, 3)
    ]
    pd.DataFrame(reasons, columns=brief.REASON_COLUMNS).to_csv(run / "reasons.csv", index=False)
    path = brief.write_brief(run, before, title="Brief")
    page = path.read_text(encoding="utf-8")
    assert path.name == "brief.html"
    assert "Closed one" not in page and "2 open questions" in page
    assert "Will &lt;b&gt;this&lt;/b&gt; &amp; that?" in page and "<b>this" not in page
    assert "35.0%" in page and "10.0% to 60.0%" in page
    assert "up 5.0 points since the previous run (30.0%)" in page and "new in this run" in page
    assert page.index("sign 1") < page.index("sign 2") < page.index("sign 3")
    assert "No evidence stands yet" in page  # q3 has no reasons


def test_reason_rows_are_the_top_removals(tmp_path):
    inds = [
        indicator("i", 2.0, 4.0, group="g1"),
        indicator("j", 0.3, 0.6, group="g2"),
        indicator("k", 1.5, 3, group="g3"),
    ]
    evs = [observation("ei", "i"), observation("ej", "j"), observation("ek", "k", credibility=0.4)]
    pack = write_pack(tmp_path, indicators=inds, evidence=evs, groups={"g1": 0.5, "g2": 0.5, "g3": 0.5})
    f = forecast(pack, "q", as_of="2020-03-01", draws=1000)
    rows = brief.reason_rows(f, top=2)
    expected = without_evidence(f).head(2)
    assert [r["evidence"] for r in rows] == list(expected["evidence"]) and [r["rank"] for r in rows] == [1, 2]
    for r in rows:
        assert r["without"] == pytest.approx(f.what_if({r["evidence"]: None}).mean)


def test_a_question_resolved_after_its_forecast_date_is_open_in_the_brief(tmp_path):
    from foresight import load_pack
    from packtools import MINI

    pack = load_pack(MINI)  # deal-by-june resolved no on 2020-06-01
    row = {**ROW, "question_id": "deal-by-june", "title": "Deal?", "mean": 0.4, "resolution": "no"}
    early = _forecasts(tmp_path / "early", [{**row, "as_of": "2020-01-10"}])
    page = brief.brief_html(early, pack=pack)
    assert "Deal?" in page and "since resolved no (2020-06-01)" in page
    assert "Deal?" not in brief.brief_html(early)  # without the pack, only unknown resolutions count as open
    late = _forecasts(tmp_path / "late", [{**row, "as_of": "2020-06-01"}])
    assert "Deal?" not in brief.brief_html(late, pack=pack)
