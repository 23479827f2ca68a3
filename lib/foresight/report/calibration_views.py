"""The raw and the calibrated forecast side by side, with one line saying why they differ.

The calibration (:mod:`foresight.model.calibration`) is applied to the
forecast's own draws, so its interval carries both the forecast's and the
calibration's uncertainty. When the pack is one of those the calibration was
fitted on, the page says so: that forecast was part of the data, and its
calibrated number is not a held-out one.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from IPython.display import Markdown

from foresight.model.calibration import Calibration, calibrated_draws, forecast_inputs, reason
from foresight.model.forecasting import Forecast
from foresight.report import escape

CALIBRATED_COLUMNS = ["calibrated_mean", "calibrated_p05", "calibrated_p95", "calibration", "calibration_why"]
"""Columns added to ``forecasts.csv`` after the raw ones (empty numbers when no calibration was applied):
the calibration used (or why none) and the one line saying why the two forecasts differ."""


def calibrated_row(f: Forecast, calibration: Calibration | None, why: str) -> dict[str, Any]:
    """The calibrated columns of ``f``'s result row; ``why`` (from ``calibration_in_use``) names what was used."""
    if calibration is None:
        empty = {"calibrated_mean": None, "calibrated_p05": None, "calibrated_p95": None}
        return {**empty, "calibration": why, "calibration_why": reason(None, f.mean, f.mean, f.base_rate_mean)}
    inputs = forecast_inputs(f.pack, f.question, f.as_of) if calibration.extra else None
    draws = calibrated_draws(calibration, f.draws, f.base_draws, inputs)
    lo, hi = np.quantile(draws, [0.05, 0.95])
    return {
        "calibrated_mean": float(draws.mean()),
        "calibrated_p05": float(lo),
        "calibrated_p95": float(hi),
        "calibration": calibration.label(),
        "calibration_why": reason(calibration, f.mean, float(draws.mean()), f.base_rate_mean),
    }


def side_by_side(f: Forecast, calibration: Calibration | None, why: str) -> Markdown:
    """A two-row table (raw, calibrated: mean and 90% interval) and the line saying why they differ."""
    lo, hi = f.interval(0.9)
    if calibration is None:
        return Markdown(f"**Calibration:** {escape.md(why)}. Raw forecast {f.mean:.1%} (90% {lo:.1%} to {hi:.1%}).")
    row = calibrated_row(f, calibration, why)
    line = row["calibration_why"]
    lines = [
        "| forecast | mean | 90% interval |",
        "|---|---|---|",
        f"| raw model | {f.mean:.1%} | {lo:.1%} to {hi:.1%} |",
        f"| calibrated | {row['calibrated_mean']:.1%} | {row['calibrated_p05']:.1%} to {row['calibrated_p95']:.1%} |",
        "",
        f"**Why they differ:** {escape.md(line)}.",
        "",
        f"Calibration used: {escape.md(calibration.label())}.",
    ]
    if f.pack.meta.id in calibration.provenance.get("packs", []):
        lines.append(
            " This pack is one of those it was fitted on, so its own outcomes are in the fit: "
            "the calibrated number is not a held-out forecast."
        )
    caution = hindsight_caution(calibration)
    if caution:
        lines += ["", f"**Caution:** {caution}."]  # our words and numbers formatted here: nothing to escape
    return Markdown("\n".join(lines))


def hindsight_caution(calibration: Calibration) -> str:
    """A sentence when the packs the calibration was learned from beat the crowds of their time so far that
    hindsight is suspected in them (the artefact's ``crowd_check``, :mod:`foresight.evaluate.crowd_check`);
    empty otherwise."""
    check = calibration.provenance.get("crowd_check")
    if not isinstance(check, dict) or check.get("hindsight_suspected") is not True:
        return ""
    try:  # an artefact is a file anyone can edit: figures that are not numbers are left out, not a failed report
        figures = (
            f" (their outside view alone scores a Brier of {float(check['brier_base_rate']):.3f} against the crowd's "
            f"{float(check['brier_crowd']):.3f}, and beside their parts the crowd counts for "
            f"{float(check['b_crowd']):.2f} of its face value)"
        )
    except (KeyError, TypeError, ValueError):
        figures = ""
    return (
        f"the packs this calibration was learned from beat the forecasters of their time{figures}, so hindsight is "
        "suspected in them; the map may trust this pack's outside view and evidence more than an honestly written "
        "pack's deserve, so weigh the raw forecast too"
    )
