"""Result rows that notebooks leave as files, and how the runner gathers them into tables.

scrapbook, papermill's old way to hand values back, is unmaintained; a plain
file is simpler and survives a failed run. A notebook calls
:func:`write_rows` with a table name (``forecasts``, ``scenarios``, ...) and
its rows; ``foresight run`` gathers every file under the run's ``results/``
and writes one ``<table>.csv`` per table name, so a new notebook gets its
own table without any change to the runner.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from IPython.display import Markdown

from foresight.base.atomic import write_json_atomic
from foresight.evaluate.history import SEP
from foresight.model.forecasting import SUMMARY_COLUMNS
from foresight.report.calibration_views import CALIBRATED_COLUMNS

FORECAST_COLUMNS = [*SUMMARY_COLUMNS, *CALIBRATED_COLUMNS]
"""Columns of ``forecasts.csv``, in order (a forecast's :meth:`~foresight.Forecast.summary_row`, then the calibrated
columns of :func:`foresight.report.calibration_views.calibrated_row`)."""


def plain(value: Any) -> Any:
    """One cell as JSON that a CSV keeps intact: dates as YYYY-MM-DD, NaN/NaT as None, numpy scalars as
    Python, lists joined with ``'; '`` (a CSV cell holds no list)."""
    if isinstance(value, (list, tuple, set, np.ndarray)):
        return SEP.join(str(plain(v)) for v in value)
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return None if pd.isna(value) else value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def json_rows(frame: pd.DataFrame, columns: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """``frame``'s rows as dicts of :func:`plain` values, in ``columns`` order: the one row-to-JSON converter
    every result file uses."""
    columns = list(columns) if columns is not None else list(frame.columns)
    return [{str(c): plain(v) for c, v in zip(columns, row)} for row in frame[columns].itertuples(index=False)]


def saved_note(path: Path | None) -> Markdown:
    """What a notebook's last cell shows after writing its result file: the file's name, never its folder
    (a run works in a hidden folder that is renamed when it ends, so a full path would be wrong and noisy)."""
    if path is None:
        return Markdown("No `out_dir` given: no result file written.")
    return Markdown(f"Result rows saved as `{Path(path).name}` in the run's `results/` folder.")


def write_rows(
    out_dir: Path | None,
    table: str,
    rows: Iterable[Mapping[str, Any]],
    name: str,
    parameters: Mapping[str, Any] | None = None,
    columns: Iterable[str] | None = None,
) -> Path | None:
    """Save ``rows`` of ``table`` as ``out_dir/<name>.json``; nothing happens when ``out_dir`` is None.

    ``columns`` names the table's columns, so that a table with no rows still
    gets a CSV with a header (readers can tell "nothing to report" from "broken").
    """
    if out_dir is None:
        return None
    path = Path(out_dir) / f"{name}.json"
    data: dict[str, Any] = {"table": table, "parameters": dict(parameters or {}), "rows": [dict(r) for r in rows]}
    if columns is not None:
        data["columns"] = list(columns)
    write_json_atomic(path, data)
    return path


def write_forecasts(
    out_dir: Path | None,
    forecasts: Iterable[Any],
    name: str,
    table: str = "forecasts",
    parameters: Mapping[str, Any] | None = None,
) -> Path | None:
    """Save the summary rows of ``forecasts`` (see :meth:`~foresight.Forecast.summary_row`) as one result file."""
    return write_rows(out_dir, table, [f.summary_row() for f in forecasts], name, parameters)


def read_results(folder: Path) -> list[dict[str, Any]]:
    """Every result file under ``folder`` (recursively), each with its ``file`` relative to ``folder``."""
    out = []
    for path in sorted(Path(folder).rglob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and isinstance(data.get("table"), str) and isinstance(data.get("rows"), list):
            data["file"] = str(path.relative_to(folder))
            out.append(data)
    return out


def tables(folder: Path) -> dict[str, pd.DataFrame]:
    """Rows gathered by table name; ``forecasts`` keeps :data:`FORECAST_COLUMNS` first."""
    rows: dict[str, list[dict[str, Any]]] = {}
    columns: dict[str, list[str]] = {}
    for result in read_results(folder):
        rows.setdefault(result["table"], []).extend(result["rows"])
        if isinstance(result.get("columns"), list):
            columns.setdefault(result["table"], [str(c) for c in result["columns"]])
    out = {}
    for table, items in rows.items():
        frame = pd.DataFrame(items)
        if table in columns:
            known = columns[table]
            frame = frame.reindex(columns=known + [c for c in frame.columns if c not in known])
        if table == "forecasts":
            if "type" in frame.columns:  # options and date rows say their type; the yes/no rows are binary
                frame["type"] = frame["type"].fillna("binary")
            first = [c for c in FORECAST_COLUMNS if c in frame.columns]
            frame = frame[first + [c for c in frame.columns if c not in first]]
        out[table] = frame
    return out
