"""The names inside a run folder, in one place: the runner writes them and the reports read them.

``foresight.run`` builds run folders and ``foresight.report`` reads them (the
index, the brief, ``foresight diff``), and the report layer may not import the
run layer; so the names both sides must agree on live here, below both. A file
renamed here is renamed for writer and readers at once.
"""

from __future__ import annotations

from pathlib import Path

RUN_FILE = "run.json"
"""A run's record: parameters, versions, timings, convergence and each notebook's status."""

INDEX_FILE = "index.html"
"""The run at a glance, with links to every report."""

RESULTS_DIR = "results"
"""Where notebooks leave their result rows (one folder per notebook), gathered into tables at the end."""

INCOMPLETE = ".incomplete"
"""Suffix of the hidden work folder ``.<id>.incomplete`` a run is built in before it is renamed to ``<id>``."""

FORECASTS_TABLE = "forecasts"
"""The table of every forecast a run made (one row per question and date)."""

SWEEP_FILE = "sweep.csv"
"""A sweep's table: the swept values joined to each run's result rows."""

SWEEP_PLOT = "sweep.png"
"""A sweep's figure: the forecast against each swept parameter."""


def table_file(table: str) -> str:
    """The CSV a run writes for result table ``table`` (``forecasts`` -> ``forecasts.csv``)."""
    return f"{table}.csv"


FORECASTS_FILE = table_file(FORECASTS_TABLE)
"""``forecasts.csv``: the forecasts table as a run folder keeps it."""


def find_run(value: str | Path, runs_dir: Path | None = None) -> Path:
    """A run folder from its path or its id under ``runs_dir``; FileNotFoundError saying where it looked."""
    path = Path(value)
    places = [path] + ([Path(runs_dir) / str(value)] if runs_dir is not None else [])
    for place in places:
        if (place / RUN_FILE).is_file():
            return place
    raise FileNotFoundError(f"no run folder (with {RUN_FILE}) at {', '.join(map(str, places))}")
