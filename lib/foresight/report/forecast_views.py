"""What the forecast notebook shows for a resolved question: the forecast at its last step before resolution.

A resolved question is reported as of the day it opened (the forecast one
would have made when it was raised), before most evidence arrived; on its own
that page says little about what the evidence did. So the report also shows the
forecast at the last step of the question's history before it resolved (the
last forecast a backtest scores): its headline, inside view, waterfall and
tornado, from the same posterior draws (no new sampling). The run keeps that
forecast as a ``last_step`` result row, which the run's index shows next to the
forecast at ``as_of``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
from IPython.display import Markdown

from foresight.evaluate.history import last_step_before_resolution
from foresight.model.calibration import Calibration
from foresight.model.forecasting import Forecast
from foresight.report import plots, results, tables, texts
from foresight.report.calibration_views import calibrated_row

LAST_STEP_TABLE = "last_step"
"""Result table (``last_step.csv``) of forecasts at the last step before resolution: the columns of
``forecasts.csv``, one row per resolved question."""


def before_resolution(f: Forecast) -> Forecast | None:
    """``f`` at the last step of its question's history before resolution; None while the question is open,
    or when ``f`` is already at (or after) that step."""
    when = last_step_before_resolution(f.pack, f.question)
    if when is None or when <= f.as_of:
        return None
    return f.what_if(as_of=when)


def before_resolution_section(f: Forecast) -> list[Any]:
    """The displays of the "before resolution" section (``display(*...)``): a sentence when there is no such
    step, else the headline, waterfall, inside-view table and tornado at that step."""
    g = before_resolution(f)
    q = f.question
    if q.resolution is None:
        return [Markdown("The question has not resolved yet: the forecast above is the latest one.")]
    if g is None:
        return [
            Markdown(
                f"The question resolved **{q.resolution}** on {q.resolved_on}; the forecast above, as of {f.as_of}, "
                "is already at or after its last step before resolution."
            )
        ]
    return [
        Markdown(
            f"The question resolved **{q.resolution}** on {q.resolved_on}. The forecast above is as of {f.as_of}; "
            f"this is the same model at **{g.as_of}**, the last step of its history before it resolved, with the "
            "evidence published by then (from the same posterior draws)."
        ),
        texts.forecast_sentence(g),
        plots.waterfall(g),
        tables.contributions(g),
        plots.tornado_chart(g),
    ]


def result_row(f: Forecast, calibration: Calibration | None = None, why: str = "") -> dict[str, Any]:
    """``f``'s row of ``forecasts.csv``: the raw columns, then the calibrated ones (see
    :mod:`foresight.report.calibration_views`)."""
    return {**f.summary_row(), **calibrated_row(f, calibration, why)}


def forecast_rows(f: Forecast, calibration: Calibration | None = None, why: str = "") -> pd.DataFrame:
    """The forecast's result row, and its row at the last step before resolution when there is one."""
    g = before_resolution(f)
    rows = [{"step": "as_of", **result_row(f, calibration, why)}]
    if g is not None:
        rows.append({"step": "last step before resolution", **result_row(g, calibration, why)})
    return pd.DataFrame(rows)


def forecast_rows_view(f: Forecast, calibration: Calibration | None = None, why: str = ""):
    """:func:`forecast_rows` for reading: the numbers that matter, rounded, in a table that fits the page
    (the full rows are in ``forecasts.csv``)."""
    from foresight.report import layout

    full = forecast_rows(f, calibration, why)
    pct = lambda v: "" if pd.isna(v) else f"{float(v):.1%}"  # noqa: E731
    view = pd.DataFrame(
        {
            "step": full["step"],
            "as of": full["as_of"],
            "forecast": full["mean"].map(pct),
            "90% interval": [f"{pct(lo)} to {pct(hi)}" for lo, hi in zip(full["p05"], full["p95"], strict=True)],
            "base rate": full["base_rate_mean"].map(pct),
        }
    )
    if "calibrated_mean" in full and full["calibrated_mean"].notna().any():
        view["calibrated"] = full["calibrated_mean"].map(pct)
        view["calibrated 90%"] = [
            f"{pct(lo)} to {pct(hi)}" for lo, hi in zip(full["calibrated_p05"], full["calibrated_p95"], strict=True)
        ]
        view["why they differ"] = full.get("calibration_why", "")
    return layout.scrolling(view)


def write_results(
    out_dir: Path | None,
    f: Forecast,
    parameters: Mapping[str, Any] | None = None,
    calibration: Calibration | None = None,
    why: str = "",
) -> list[Path]:
    """Save ``f``'s row (``forecasts.csv``) and, for a resolved question, its last-step row (``last_step.csv``),
    each with the calibrated columns beside the raw ones."""
    saved = [
        results.write_rows(
            out_dir, "forecasts", [result_row(f, calibration, why)], f"forecast-{f.question.id}", parameters
        )
    ]
    g = before_resolution(f)
    if g is not None:
        saved.append(
            results.write_rows(
                out_dir, LAST_STEP_TABLE, [result_row(g, calibration, why)], f"last_step-{f.question.id}", parameters
            )
        )
    return [p for p in saved if p is not None]
