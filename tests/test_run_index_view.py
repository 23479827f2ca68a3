"""The index's forecasts section: by family, titles, forecast, interval and change since the previous run."""

from __future__ import annotations

import pandas as pd

from foresight.report.run_index_view import forecasts_section

BASE = {"p05": 0.1, "p95": 0.6, "base_rate_mean": 0.2, "resolution": None, "converged": True}


def _run(folder, rows):
    folder.mkdir()
    pd.DataFrame(rows).to_csv(folder / "forecasts.csv", index=False)
    return folder


def test_forecasts_are_grouped_by_family_with_titles_and_changes(tmp_path):
    before = _run(
        tmp_path / "a",
        [
            {**BASE, "question_id": "d1", "title": "Deal?", "family": "deal", "as_of": "2020-03-01", "mean": 0.30},
            {**BASE, "question_id": "s1", "title": "Strike?", "family": "strike", "as_of": "2020-03-01", "mean": 0.5},
        ],
    )
    after = _run(
        tmp_path / "b",
        [
            {
                **BASE,
                "question_id": "d1",
                "title": "Deal <now>?",
                "family": "deal",
                "as_of": "2020-03-01",
                "mean": 0.35,
            },
            {**BASE, "question_id": "s1", "title": "Strike?", "family": "strike", "as_of": "2020-03-01", "mean": 0.501},
            {
                **BASE,
                "question_id": "d2",
                "title": "Second deal?",
                "family": "deal",
                "as_of": "2020-03-01",
                "mean": 0.2,
            },
        ],
    )
    page = forecasts_section(after, before)
    assert page.index("<h3>deal</h3>") < page.index("Deal &lt;now&gt;?") < page.index("Second deal?")
    assert page.index("Second deal?") < page.index("<h3>strike</h3>")  # families together, in the run's order
    assert "+5.0 pts (was 30.0%)" in page and "unchanged (was 50.0%)" in page and "new in this run" in page
    assert "35.0%" in page and "10.0% to 60.0%" in page
    assert '<abbr title="How often things like this happened' in page  # "base rate" explained on hover
    assert "nan" not in page.lower() and "<now>" not in page
    alone = forecasts_section(after)
    assert "pts" not in alone and "new in this run" not in alone and "nan" not in alone.lower()
    assert forecasts_section(tmp_path / "missing") == ""
