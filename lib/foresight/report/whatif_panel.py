"""An ipywidgets what-if panel for JupyterLab, and the static table it falls back to under papermill.

Every control change recomputes the forecasts with `Forecast.what_if` from the
stored posterior draws (no re-sampling), so the panel answers instantly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from foresight.model.forecasting import Forecast
from foresight.report import escape
from foresight.report.style import FORECAST, NEUTRAL


def evidence_in_play(forecasts: Sequence[Forecast]) -> list[str]:
    """Evidence ids standing in at least one of the forecasts, in pack order."""
    standing = {obs.evidence_id for f in forecasts for obs in f.observations.values()}
    pack = forecasts[0].pack
    return [ev.id for ev in pack.evidence if ev.id in standing]


def forecast_table(forecasts: Sequence[Forecast], overrides: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Each forecast's mean and 90% interval, with ``overrides`` applied (an evidence id absent from a question's standing evidence is ignored for it)."""
    rows = []
    for f in forecasts:
        relevant = {
            k: v for k, v in (overrides or {}).items() if any(o.evidence_id == k for o in f.observations.values())
        }
        g = f.what_if(relevant) if relevant else f
        lo, hi = g.interval(0.9)
        rows.append(
            {
                "question_id": f.question.id,
                "as_of": g.as_of.isoformat(),
                "forecast": f.mean,
                "what_if": g.mean,
                "p05": lo,
                "p95": hi,
                "change": g.mean - f.mean,
            }
        )
    return pd.DataFrame(rows)


def removal_matrix(forecasts: Sequence[Forecast]) -> pd.DataFrame:
    """The static stand-in for the panel: change of each forecast when each piece of evidence is removed."""
    ids = evidence_in_play(forecasts)
    data = {}
    for ev_id in ids:
        data[ev_id] = forecast_table(forecasts, {ev_id: None}).set_index("question_id")["change"]
    frame = pd.DataFrame(data)
    frame.index.name = "question_id"
    return frame


def whatif_panel(forecasts: Sequence[Forecast]):
    """A widget: a checkbox (keep/drop) and a credibility slider per piece of evidence, and a live table and chart."""
    import ipywidgets as w
    import matplotlib.pyplot as plt
    from IPython.display import display

    pack = forecasts[0].pack
    ids = evidence_in_play(forecasts)
    by_id = {ev.id: ev for ev in pack.evidence}
    keep = {i: w.Checkbox(value=True, description=i, indent=False, layout=w.Layout(width="320px")) for i in ids}
    cred = {
        i: w.FloatSlider(
            value=by_id[i].credibility,
            min=0.0,
            max=1.0,
            step=0.05,
            readout_format=".2f",
            layout=w.Layout(width="260px"),
        )
        for i in ids
    }
    out = w.Output()

    def overrides() -> dict[str, Any]:
        result: dict[str, Any] = {}
        for i in ids:
            if not keep[i].value:
                result[i] = None
            elif abs(cred[i].value - by_id[i].credibility) > 1e-9:
                result[i] = {"credibility": cred[i].value}
        return result

    state: dict[str, pd.DataFrame] = {}

    def redraw(*_: Any) -> None:
        table = forecast_table(forecasts, overrides())
        state["table"] = table
        with out:
            out.clear_output(wait=True)
            fig, ax = plt.subplots(figsize=(8, 0.35 * len(table) + 1))
            ax.barh(table.question_id, table.what_if, color=FORECAST, alpha=0.7, label="what-if")
            ax.scatter(table.forecast, table.question_id, color="black", zorder=3, label="as forecast")
            ax.errorbar(
                table.what_if,
                table.question_id,
                xerr=[table.what_if - table.p05, table.p95 - table.what_if],
                fmt="none",
                ecolor=NEUTRAL,
            )
            ax.set_xlim(0, 1)
            ax.invert_yaxis()
            ax.legend(loc="lower right")
            display(fig)
            plt.close(fig)
            numbers = {c: "{:.3f}" for c in ["forecast", "what_if", "p05", "p95", "change"]}
            display(escape.styler(table, formatter=numbers))

    for i in ids:
        keep[i].observe(redraw, names="value")
        cred[i].observe(redraw, names="value")
    rows = [w.HBox([keep[i], cred[i]]) for i in ids]
    redraw()
    panel = w.VBox([w.HTML("<b>Evidence</b>: untick to drop, slide to change credibility"), *rows, out])
    panel.current_table = lambda: state["table"]  # what the panel shows now (for tests and callers)
    return panel


def show_whatif(forecasts: Sequence[Forecast], interactive: bool = True):
    """The panel in a live JupyterLab session; the removal matrix (a DataFrame) otherwise."""
    if interactive:
        try:
            return whatif_panel(forecasts)
        except ImportError:
            pass
    return removal_matrix(forecasts)
