"""The forecasts section that opens a run's ``index.html``: one table per family, titles first.

A reader opens the index to see the forecasts, so they come before the list of
reports: per question its title (the id under it, to find it in the pack), the
forecast, its 90% interval and how it changed since the previous run of the
pack, by the rule the "Changes since the previous run" section counts with
(:func:`foresight.report.rundiff.status`). Built from the CSVs of the run
(:func:`foresight.report.run_index.forecasts_table`) and of the previous run;
every pack text escaped.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from foresight.base.run_files import FORECASTS_FILE
from foresight.report import escape
from foresight.report.brief import BRIEF_FILE
from foresight.report.glossary import term
from foresight.report.layout import SCROLL_STYLE
from foresight.report.run_index import LAST_STEP_PREFIX, forecasts_table
from foresight.report.rundiff import MOVE_THRESHOLD, previous_run, status

HEADERS = {
    "question": 36,
    "forecast": 12,
    "90% interval": 13,
    "change since the previous run": 15,
    "base rate": 8,
    "resolution": 16,
}
"""Column headers and their share of the table's width (%), the same in every family's table."""

STYLE = (
    "<style>table.forecasts{width:100%;table-layout:fixed;border-collapse:collapse;margin-bottom:.5em}"
    "table.forecasts td,table.forecasts th{vertical-align:top;border-bottom:1px solid #ddd;padding:4px 8px;"
    "overflow-wrap:anywhere}"
    "table.forecasts th:first-child,table.forecasts td:first-child{text-align:left}"
    "table.forecasts small{color:#555} table.forecasts .date{white-space:nowrap}</style>"
)
"""The forecasts tables' look: one width per column in every family's table, long titles wrapped."""


def _pct(x: object) -> str:
    return "" if x is None or pd.isna(x) else f"{float(x):.1%}"


def change_cell(row: pd.Series, before: pd.DataFrame | None) -> str:
    """The change column: "+2.3 pts (was 30.1%)", "unchanged", "new in this run", or "" without a previous run."""
    if before is None:
        return ""
    old = before[before["question_id"] == row["question_id"]]
    mean_a = float(old["mean"].iloc[0]) if len(old) else float("nan")
    as_of_a = str(old["as_of"].iloc[0]) if len(old) else None
    probe = pd.Series({"mean_a": mean_a, "mean_b": row["mean"], "as_of_a": as_of_a, "as_of_b": str(row["as_of"])})
    probe["change"] = probe["mean_b"] - probe["mean_a"]
    kind = status(probe, MOVE_THRESHOLD)
    if kind == "new":
        return "new in this run"
    date = f", then as of {escape.html(as_of_a)}" if as_of_a != str(row["as_of"]) else ""
    if kind == "unchanged":
        return f"unchanged (was {_pct(mean_a)})"
    return f"{probe['change'] * 100:+.1f} pts (was {_pct(mean_a)}{date})"


def _options_cells(row: pd.Series) -> tuple[str, str] | None:
    """(forecast, interval) cells of an options question: its most likely option; None for other rows."""
    raw = row.get("options_json")
    if not isinstance(raw, str) or not raw.strip() or pd.notna(row.get("mean")):
        return None
    import json

    options = json.loads(raw)
    best, value = max(options.items(), key=lambda kv: kv[1]["mean"])
    forecast = f"<b>{escape.html(best)}</b> {_pct(value['mean'])}<br><small>most likely of {len(options)}</small>"
    return forecast, f"{_pct(value['p05'])} to {_pct(value['p95'])}"


def _question_cell(row: pd.Series) -> str:
    title = escape.html(row["title"]) if "title" in row and pd.notna(row["title"]) else ""
    qid = escape.html(row["question_id"])
    return f"{title}<br><small><code>{qid}</code></small>" if title else f"<code>{qid}</code>"


def _resolution_cell(row: pd.Series) -> str:
    res = row.get("resolution")
    text = "" if res is None or pd.isna(res) else escape.html(res)
    last = row.get(LAST_STEP_PREFIX + "mean")
    if last is not None and pd.notna(last):
        text += (
            f"<br><small>last forecast before it: {_pct(last)} on "
            f"{escape.html(row.get(LAST_STEP_PREFIX + 'as_of'))}</small>"
        )
    return text


def _calibrated(row: pd.Series) -> str:
    """The calibrated mean under the raw one, when the run's calibration gave one."""
    value = row.get("calibrated_mean")
    if value is None or pd.isna(value):
        return ""
    return f"<br><small>{term('calibrated')} {_pct(value)}</small>"


def forecasts_section(folder: Path, previous: Path | None = None) -> str:
    """The forecasts of run ``folder`` as HTML, one table per family (in the run's order), compared with run
    folder ``previous`` (None: no change column values); "" when the run has no forecasts."""
    frame = forecasts_table(folder)
    if frame.empty:
        return ""
    before = None
    if previous is not None and (Path(previous) / FORECASTS_FILE).is_file():
        before = pd.read_csv(Path(previous) / FORECASTS_FILE, dtype={"question_id": str, "as_of": str})
    family = frame["family"] if "family" in frame else pd.Series([""] * len(frame), index=frame.index)
    columns = HEADERS if before is not None else {k: v for k, v in HEADERS.items() if not k.startswith("change")}
    cols = "".join(f"<col style='width:{w}%'>" for w in columns.values())
    head = "".join(f"<th>{term(h)}</th>" for h in columns)  # hover a technical term for its meaning
    parts = []
    for name in dict.fromkeys(family.fillna("")):
        rows = frame[family.fillna("") == name]
        body = []
        for _, row in rows.iterrows():
            flag = "" if bool(row.get("converged", True)) else " <b style='color:#c0392b'>NOT CONVERGED</b>"
            options = _options_cells(row)
            if before is None:
                change = ""
            elif options is not None:
                change = "<td>see the outcomes report</td>"
            else:
                change = f"<td>{change_cell(row, before)}</td>"
            forecast, interval = options or (
                f"<b>{_pct(row['mean'])}</b>{flag}{_calibrated(row)}",
                f"{_pct(row['p05'])} to {_pct(row['p95'])}",
            )
            body.append(
                f"<tr><td>{_question_cell(row)}</td>"
                f"<td>{forecast}<br><small class='date'>as of {escape.html(row['as_of'])}</small></td>"
                f"<td>{interval}</td>{change}"
                f"<td>{_pct(row.get('base_rate_mean'))}</td>"
                f"<td>{_resolution_cell(row)}</td></tr>"
            )
        heading = escape.html(name) if name else "questions"
        parts.append(
            f"<h3>{heading}</h3><div style='{SCROLL_STYLE}'><table class='forecasts'><colgroup>{cols}</colgroup>"
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
        )
    compared = (
        f"<p>Changes since the previous run are against run <code>{escape.html(Path(previous).name)}</code>.</p>"
        if before is not None
        else "<p>No earlier run of this pack in this runs folder: the change column starts with the next run.</p>"
    )
    return STYLE + "".join(parts) + compared


def index_forecasts(folder: Path) -> str:
    """:func:`forecasts_section` of run ``folder`` against the previous run of its pack in the same runs folder
    (none when it has no earlier run, or the runs cannot be read: the index must never fail a run)."""
    try:
        previous = previous_run(Path(folder).parent, Path(folder))
    except (OSError, ValueError, KeyError):
        previous = None
    return forecasts_section(folder, previous)


def brief_link(folder: Path) -> str:
    """A line linking the run's printable brief, when the run wrote one."""
    if not (Path(folder) / BRIEF_FILE).is_file():
        return ""
    return f'<p>Printable brief of the open questions: <a href="{BRIEF_FILE}">{BRIEF_FILE}</a>.</p>'
