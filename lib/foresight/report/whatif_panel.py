"""An ipywidgets what-if panel for JupyterLab, and the static table it falls back to under papermill.

One implementation serves the forecast notebook (one question), the joint
notebook (several) and the outcomes notebook (options questions, a row per
option, and date questions' P(by closes)). Every control change recomputes the
forecasts with their `what_if` from the stored posterior draws (no re-sampling), so the
panel answers instantly. The controls are labelled by indicator and evidence
date (the evidence id is the hover text); the result sits beside them, with a
line saying what the last change did and a reset button.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from IPython.display import Markdown

from foresight.evaluate.sensitivity import without_evidence
from foresight.model.forecasting import Forecast
from foresight.report import escape
from foresight.report.style import FORECAST, NEUTRAL

TABLE_COLUMNS = ["question", "forecast", "what-if", "what-if p05", "what-if p95", "change"]
"""Columns of the panel's table: p05/p95 are the 90% interval of the what-if forecast, not of the original."""


def evidence_in_play(forecasts: Sequence[Forecast]) -> list[str]:
    """Evidence ids standing in at least one of the forecasts on an indicator its model uses, in pack order
    (evidence on an indicator that does not bear on any of these questions would be a control that moves
    nothing)."""
    standing = {obs.evidence_id for f in forecasts for ind, obs in f.observations.items() if ind in _bearing(f)}
    pack = forecasts[0].pack
    return [ev.id for ev in pack.evidence if ev.id in standing]


def panel_forecast(f: Any) -> Any:
    """What the panel moves for a forecast of any type: a yes/no or options forecast itself (an options
    question gets a row per option), a date question's P(by closes) (its whole curve moves with it)."""
    return f.by_closes if f.question.type == "date" else f


def _bearing(f: Any) -> tuple[str, ...]:
    """The indicators a forecast's model uses (an options forecast names them itself)."""
    return tuple(f.indicators if f.question.type == "options" else f.spec.indicators)


def _rows(f: Any, g: Any) -> list[dict[str, Any]]:
    """The table's rows for forecast ``f`` and its what-if ``g``: one, or one per option of an options
    question (labelled ``question: option``)."""
    if f.question.type == "options":
        labels = [f"{f.question.id}: {o}" for o in f.options]
        means, lows, highs = f.mean, *g.interval(0.9).T
        shown = g.mean
    else:
        lo, hi = g.interval(0.9)
        labels, means, shown, lows, highs = [f.question.id], [f.mean], [g.mean], [lo], [hi]
    return [
        {"question": k, "forecast": m, "what-if": w, "what-if p05": lo, "what-if p95": hi, "change": w - m}
        for k, m, w, lo, hi in zip(labels, means, shown, lows, highs)
    ]


def control_label(forecasts: Sequence[Forecast], evidence_id: str) -> str:
    """How a control names its evidence: the indicator it observes and the date it was observed."""
    ev = next(e for e in forecasts[0].pack.evidence if e.id == evidence_id)
    return f"{ev.indicator} · {ev.observed}"


def forecast_table(forecasts: Sequence[Forecast], overrides: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Each forecast's mean and the what-if's mean and 90% interval with ``overrides`` applied (an evidence id
    absent from a question's standing evidence is ignored for it), biggest change first."""
    rows = []
    for f in forecasts:
        relevant = {
            k: v for k, v in (overrides or {}).items() if any(o.evidence_id == k for o in f.observations.values())
        }
        rows += _rows(f, f.what_if(relevant) if relevant else f)
    frame = pd.DataFrame(rows, columns=TABLE_COLUMNS)
    order = frame["change"].abs().sort_values(ascending=False, kind="stable").index
    return frame.reindex(order).reset_index(drop=True)


def removal_table(forecasts: Sequence[Forecast]) -> pd.DataFrame:
    """The static stand-in for the panel: each question's forecast with each standing piece of evidence
    removed (:func:`foresight.evaluate.sensitivity.without_evidence`), one row per pair, biggest change first.

    Long rather than wide (one column per evidence item was wider than the page), rounded for reading.
    """
    frames = [without_evidence(f) for f in forecasts]
    rows = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if rows.empty:
        return pd.DataFrame(columns=["question", "evidence removed", "indicator", "observed", "forecast", "without"])
    order = rows["change"].abs().sort_values(ascending=False, kind="stable").index
    rows = rows.reindex(order).reset_index(drop=True)
    frame = pd.DataFrame(
        {
            "question": rows["question_id"],
            "evidence removed": rows["evidence"],
            "indicator": rows["indicator"],
            "observed": rows["observed"],
            "forecast": rows["forecast"],
            "without it": rows["without"],
            "change": rows["change"],
        }
    )
    return frame.round(3)


def _percent(p: float) -> str:
    return f"{p:.1%}"


def changed_line(label: str, what: str, before: pd.DataFrame, after: pd.DataFrame) -> str:
    """'changed X → forecast moved from a to b' (HTML, escaped) for the question the change moved most."""
    old = before.set_index("question")["what-if"]
    new = after.set_index("question")["what-if"]
    moved = (new - old.reindex(new.index)).abs().sort_values(ascending=False, kind="stable")
    qid = moved.index[0]
    subject = "forecast" if len(new) == 1 else f"{escape.html(qid)}"
    # rows of one options question ("question: option") count as one question
    more = len({row.split(": ")[0] for row in moved.index[moved > 0.0005]} - {qid.split(": ")[0]})
    others = f" ({more} other question{'s' * (more != 1)} moved less)" if more > 0 else ""
    return (
        f"changed <b>{escape.html(label)}</b> ({escape.html(what)}) → {subject} moved from "
        f"<b>{_percent(old[qid])}</b> to <b>{_percent(new[qid])}</b>{others}"
    )


def summary_html(table: pd.DataFrame, most: int = 5) -> str:
    """What sits beside the controls: the what-if forecast of the question moved most, large, with its 90%
    interval and the forecast as it was; then (several questions) the next ones that moved."""
    top = table.iloc[0]
    lines = [
        f"<div style='font-size:1.8em;font-weight:bold'>{_percent(top['what-if'])}</div>"
        f"<div>what-if forecast of <code>{escape.html(top['question'])}</code><br>90% interval "
        f"{_percent(top['what-if p05'])} to {_percent(top['what-if p95'])}; as forecast {_percent(top['forecast'])}"
        "</div>"
    ]
    rest = table.iloc[1:most]
    if len(rest):
        items = "".join(
            f"<li><code>{escape.html(r['question'])}</code>: {_percent(r['forecast'])} → {_percent(r['what-if'])}</li>"
            for _, r in rest.iterrows()
        )
        lines.append(f"<div style='margin-top:6px'>next most moved:<ul style='margin:2px 0'>{items}</ul></div>")
    return "".join(lines)


def whatif_panel(forecasts: Sequence[Forecast]):
    """A widget: per piece of standing evidence a keep/drop checkbox and a credibility slider, labelled by
    indicator and date; beside them the what-if line, chart and table, and a reset button."""
    import ipywidgets as w
    import matplotlib.pyplot as plt
    from IPython.display import display

    pack = forecasts[0].pack
    ids = evidence_in_play(forecasts)
    by_id = {ev.id: ev for ev in pack.evidence}
    labels = {i: control_label(forecasts, i) for i in ids}
    keep = {
        i: w.Checkbox(
            value=True,
            description=labels[i],
            tooltip=f"evidence {i}",  # an id only: free pack text would land unescaped in saved widget state
            indent=False,
            layout=w.Layout(width="300px"),
        )
        for i in ids
    }
    cred = {
        i: w.FloatSlider(
            value=by_id[i].credibility,
            min=0.0,
            max=1.0,
            step=0.05,
            readout_format=".2f",
            tooltip="credibility",
            layout=w.Layout(width="170px"),
        )
        for i in ids
    }
    line = w.HTML("Untick a piece of evidence to drop it, or slide its credibility; the forecast moves here.")
    out = w.Output()
    reset = w.Button(description="reset", tooltip="every piece of evidence back as in the pack", icon="undo")
    state: dict[str, Any] = {"hold": False}
    summary = w.HTML()
    numbers = {c: "{:.3f}" for c in TABLE_COLUMNS[1:]}

    def overrides() -> dict[str, Any]:
        result: dict[str, Any] = {}
        for i in ids:
            if not keep[i].value:
                result[i] = None
            elif abs(cred[i].value - by_id[i].credibility) > 1e-9:
                result[i] = {"credibility": cred[i].value}
        return result

    def show(table: pd.DataFrame) -> None:
        state["table"] = table
        summary.value = summary_html(table)
        with out:
            out.clear_output(wait=True)
            if len(table) == 1:  # one question: the number beside the controls says it all; no chart
                display(escape.styler(table, formatter=numbers).hide(axis="index"))
                return
            fig, ax = plt.subplots(figsize=(4.2, 0.35 * len(table) + 1.2))
            ax.barh(table.question, table["what-if"], color=FORECAST, alpha=0.7, label="what-if")
            ax.scatter(table.forecast, table.question, color="black", zorder=3, label="as forecast")
            ax.errorbar(
                table["what-if"],
                table.question,
                xerr=[table["what-if"] - table["what-if p05"], table["what-if p95"] - table["what-if"]],
                fmt="none",
                ecolor=NEUTRAL,
                label="what-if 90% interval",
            )
            ax.set_xlim(0, 1)
            ax.invert_yaxis()
            ax.tick_params(axis="y", labelsize=8)
            ax.legend(loc="lower right", fontsize=7)
            fig.tight_layout()
            display(fig)
            plt.close(fig)
            display(escape.styler(table, formatter=numbers).hide(axis="index"))

    def on_change(change: dict[str, Any]) -> None:
        if state["hold"]:
            return
        owner = change["owner"]
        evidence = next(i for i in ids if owner is keep[i] or owner is cred[i])
        if owner is keep[evidence]:
            what = "kept" if change["new"] else "dropped"
        else:
            what = f"credibility {change['new']:.2f}"
        before = state["table"]
        table = forecast_table(forecasts, overrides())
        line.value = changed_line(labels[evidence], what, before, table)
        show(table)

    def on_reset(_: Any) -> None:
        before = state["table"]
        state["hold"] = True
        try:
            for i in ids:
                keep[i].value = True
                cred[i].value = by_id[i].credibility
        finally:
            state["hold"] = False
        table = forecast_table(forecasts, {})
        line.value = changed_line("reset", "all evidence as in the pack", before, table)
        show(table)

    for i in ids:
        keep[i].observe(on_change, names="value")
        cred[i].observe(on_change, names="value")
    reset.on_click(on_reset)
    show(forecast_table(forecasts, {}))
    rows = [w.HBox([keep[i], cred[i]]) for i in ids]
    controls = w.VBox(
        [w.HTML("<b>Evidence</b> (indicator · date observed) and its <b>credibility</b>"), *rows, reset],
        layout=w.Layout(max_height="520px", overflow="auto", flex="0 0 auto"),
    )
    beside = w.VBox([line, summary], layout=w.Layout(flex="1 1 240px", min_width="240px", padding="0 0 0 12px"))
    below = w.VBox([out, w.HTML("<small>what-if p05 and p95: the 90% interval of the what-if forecast.</small>")])
    panel = w.VBox(
        [w.HBox([controls, beside], layout=w.Layout(align_items="flex-start")), below],
        layout=w.Layout(max_width="100%"),
    )
    panel.current_table = lambda: state["table"]  # what the panel shows now (for tests and callers)
    panel.controls = {i: (keep[i], cred[i]) for i in ids}
    panel.change_line = line
    panel.reset_button = reset
    return panel


def show_whatif(forecasts: Sequence[Forecast], interactive: bool = True):
    """The panel in a live JupyterLab session; otherwise its static form: :func:`removal_table` for several
    questions, and for one a note (its removal table is the report's "What rests on one sign")."""
    if interactive:
        try:
            return whatif_panel(forecasts)
        except ImportError:
            pass
    if len(forecasts) == 1:
        return Markdown(
            "The live what-if panel (a keep/drop box and a credibility slider per piece of evidence) appears when "
            "this notebook runs in JupyterLab (`make lab`); its static form is the table *What rests on one sign* "
            "above."
        )
    return removal_table(forecasts)
