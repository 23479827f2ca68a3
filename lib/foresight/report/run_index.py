"""The forecasts table of a run's ``index.html``: each question at ``as_of`` and, once resolved, at its last
step before resolution.

The runner writes the page; this module only builds the table from the CSVs
the run gathered (``forecasts.csv`` and ``last_step.csv``), escaped, so the
index says what the reports say.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from foresight.report import results
from foresight.report.forecast_views import LAST_STEP_TABLE

FORECAST_COLUMNS = [c for c in results.FORECAST_COLUMNS if c not in ("p50", "diagnostics")]
"""The columns of ``forecasts.csv`` the index reads."""
LAST_STEP_COLUMNS = ["as_of", "mean", "p05", "p95"]
LAST_STEP_PREFIX = "before resolution: "


def forecasts_table(folder: Path) -> pd.DataFrame:
    """One row per question: its forecast (the columns of ``forecasts.csv`` the index shows) and, when the
    question resolved, the forecast at its last step before resolution (columns prefixed
    ``before resolution: ``, empty for open questions). Empty when the run has no ``forecasts.csv``."""
    path = Path(folder) / "forecasts.csv"
    if not path.is_file():
        return pd.DataFrame()
    frame = pd.read_csv(path)
    if frame.empty:
        return frame
    frame = frame[[c for c in FORECAST_COLUMNS if c in frame]]
    last_path = Path(folder) / f"{LAST_STEP_TABLE}.csv"
    last = pd.read_csv(last_path) if last_path.is_file() else pd.DataFrame()
    if not last.empty and "question_id" in last:
        last = last[["question_id", *[c for c in LAST_STEP_COLUMNS if c in last]]].drop_duplicates("question_id")
        last = last.rename(columns={c: LAST_STEP_PREFIX + c for c in LAST_STEP_COLUMNS})
        frame = frame.merge(last, on="question_id", how="left")
    return frame


def forecasts_html(folder: Path) -> str:
    """:func:`forecasts_table` as an HTML table (cells escaped, numbers to 3 decimals); "" when empty."""
    frame = forecasts_table(folder)
    if frame.empty:
        return ""
    return frame.round(3).to_html(index=False, border=0, escape=True, na_rep="")
