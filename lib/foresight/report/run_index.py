"""A run's ``index.html``: the run at a glance, with its forecasts table (each question at ``as_of`` and,
once resolved, at its last step before resolution).

The runner calls :func:`write_index` with the run's record (the data of run.json)
once its tables are gathered; the table is built from the CSVs the run wrote
(``forecasts.csv`` and ``last_step.csv``), escaped, so the index says what the
reports say. This layer never imports the runner: it is handed plain data.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from foresight.base.run_files import FORECASTS_FILE, INDEX_FILE, RUN_FILE, table_file
from foresight.report import results, rundiff, style
from foresight.report.forecast_views import LAST_STEP_TABLE

FORECAST_COLUMNS = [*(c for c in results.FORECAST_COLUMNS if c not in ("p50", "diagnostics")), "options_json"]
"""The columns of ``forecasts.csv`` the index reads."""
LAST_STEP_COLUMNS = ["as_of", "mean", "p05", "p95", "calibrated_mean"]
LAST_STEP_PREFIX = "before resolution: "


def forecasts_table(folder: Path) -> pd.DataFrame:
    """One row per question: its forecast (the columns of ``forecasts.csv`` the index shows) and, when the
    question resolved, the forecast at its last step before resolution (columns prefixed
    ``before resolution: ``, empty for open questions). Empty when the run has no ``forecasts.csv``."""
    path = Path(folder) / FORECASTS_FILE
    if not path.is_file():
        return pd.DataFrame()
    frame = pd.read_csv(path)
    if frame.empty:
        return frame
    frame = frame[[c for c in FORECAST_COLUMNS if c in frame]]
    last_path = Path(folder) / table_file(LAST_STEP_TABLE)
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


def comparison_section(runs_dir: Path, work: Path) -> str:
    """The index's "changes since the previous run of this pack" section; never fails a run (a note instead)."""
    try:
        return rundiff.index_section(runs_dir, work)
    except Exception as exc:  # an unreadable older run must not cost the new one
        return f"<p>Could not compare with the previous run: {html.escape(type(exc).__name__)}: {html.escape(str(exc))}</p>"


def write_index(folder: Path, record: Mapping[str, Any], comparison: str = "") -> None:
    """``index.html``: the run at a glance for readers, linking every notebook's HTML report;
    ``comparison`` is an HTML section comparing it with an earlier run (see :mod:`foresight.report.rundiff`)."""
    status = record["status"]
    colour = style.YES if status == "complete" else style.NO
    items = []
    for nb in record["notebooks"]:
        link = nb.get("html") or nb.get("output")
        name = html.escape(nb["name"])
        label = f'<a href="{html.escape(link)}">{name}</a>' if link else name
        items.append(f"<li>{label} — {html.escape(str(nb.get('status')))} ({nb.get('seconds', 0)} s)</li>")
    from foresight.report.run_index_view import brief_link, index_forecasts  # it builds on this module's table

    table = index_forecasts(folder)
    error = ""
    if record.get("error"):
        err = record["error"]
        where = f"{err['notebook']}: " if err.get("notebook") else ""
        error = (
            f"<pre style='background:#fdecea;padding:8px'>{html.escape(where)}"
            f"{html.escape(str(err.get('ename')))}: {html.escape(str(err.get('evalue')))}</pre>"
        )
    pack = record.get("pack") or {}
    about = (
        f"Pack <b>{html.escape(str(pack.get('id')))}</b> (hash {html.escape(str(pack.get('content_hash')))}), "
        if pack
        else ""
    )
    kind = "Sweep" if record.get("kind") == "sweep" else "Run"
    body = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{html.escape(record["run_id"])}</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:2em auto}} td,th{{padding:2px 8px;text-align:right}}</style>
</head><body><h1>{kind} {html.escape(record["run_id"])}</h1>
<p>{about}started {html.escape(str(record["started"]))}, status <b style="color:{colour}">{html.escape(status)}</b>.</p>
{error}<h2>Forecasts</h2>{table or "<p>none</p>"}
<h2>Reports</h2>{brief_link(folder)}<ul>{"".join(items)}</ul>
{comparison}
<p>Parameters, versions and timings: <a href="{RUN_FILE}">{RUN_FILE}</a>.</p></body></html>"""
    (folder / INDEX_FILE).write_text(body, encoding="utf-8")
