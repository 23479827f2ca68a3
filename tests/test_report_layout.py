"""Report layout: wide tables scroll inside the page, long ones fold, empty backtests say why, labels whole."""

from __future__ import annotations

import numpy as np
import pandas as pd

from foresight.report import history_views, layout, plots
from foresight.report.external_views import family_view


def test_a_long_table_folds_with_every_row_and_escapes_its_text():
    frame = pd.DataFrame({"question": [f"q{i}" for i in range(177)], "value": np.linspace(0, 1, 177)})
    frame.loc[3, "question"] = "<b>bold</b>"
    html = layout.collapsible(frame, "All 177 <rows>", precision=3).data
    assert html.startswith("<details><summary>All 177 &lt;rows&gt;</summary>")
    assert html.count("<tr") == 178  # header and every row: nothing left out as "..."
    assert "&lt;b&gt;bold&lt;/b&gt;" in html and "<b>bold" not in html
    assert f'style="{layout.SCROLL_STYLE}"' in html
    assert "0.500" in layout.scrolling(frame.iloc[88:89], precision=3).data


def test_a_backtest_with_nothing_resolved_says_so_instead_of_empty_tables():
    empty = pd.DataFrame()
    for shown in (
        history_views.scores_section(empty),
        history_views.per_question_view(empty),
        history_views.calibration_view(empty),
        history_views.baselines_view(history_views.compare(empty)),
        family_view(empty),
    ):
        assert history_views.NOTHING_RESOLVED in shown.data


def test_scenario_titles_are_whole_and_not_forecast_is_said_beside_the_axis():
    title = "A negotiated agreement concluded within about eighteen months of the first round, ratified by both"
    table = pd.DataFrame(
        {
            "scenario": [title, "No deal and a summit that fails"],
            "probability": [0.31, np.nan],
            "p05": [0.2, np.nan],
            "p95": [0.4, np.nan],
        }
    )
    fig = plots.scenario_bars(table)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert " ".join(labels[0].split()) == title  # wrapped, not cut
    assert "not forecast" in labels[1]
    assert not [t for t in ax.texts if "not forecast" in t.get_text()]  # no note drawn inside the axes
