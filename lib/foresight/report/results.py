"""Result rows that notebooks leave as files, and how the runner gathers them into tables.

scrapbook, papermill's old way to hand values back, is unmaintained; a plain
file is simpler and survives a failed run. A notebook calls
:func:`write_rows` with a table name (``forecasts``, ``scenarios``, ...) and
its rows; ``foresight run`` gathers every file under the run's ``results/``
and writes one ``<table>.csv`` per table name, so a new notebook gets its
own table without any change to the runner.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from foresight.base.files import write_json_atomic

FORECAST_COLUMNS = [
    "question_id",
    "title",
    "family",
    "as_of",
    "mean",
    "p05",
    "p50",
    "p95",
    "base_rate_mean",
    "resolution",
    "converged",
    "diagnostics",
]
"""Columns of ``forecasts.csv``, in order (a forecast's :meth:`~foresight.Forecast.summary_row`)."""


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
            first = [c for c in FORECAST_COLUMNS if c in frame.columns]
            frame = frame[first + [c for c in frame.columns if c not in first]]
        out[table] = frame
    return out
