"""Figures and tables of options and date questions (:mod:`foresight.model.outcomes`) for the outcomes report.

- options: stacked bars of the option probabilities, outside view beside the forecast, with each
  option's 90% interval, and what moved them (the mean log-odds shift of each option against the
  reference, per indicator); over time, a stacked area;
- dates: the cumulative probability F(d) over the window with its 90% band, the outside view's
  curve and the resolution; over time, a fan of the date quantiles; what moved it is the yes/no
  forecast's waterfall of P(by closes) (the curve moves by that shift at every day);
- for both: the question's card, the forecast without each standing piece of evidence (the static
  what-if), and the forecast at each step of its history with the evidence that arrived
  (:func:`question_report` puts one question's section together for notebooks/outcomes.ipynb).
Pack text reaches figures through :func:`foresight.report.escape.plot_text` (a '$' never starts mathtext),
Markdown through :func:`~foresight.report.escape.md` and tables through :func:`~foresight.report.escape.styler`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from IPython.display import Markdown
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from foresight.evaluate.sensitivity import removals
from foresight.model.when import AFTER_CLOSES
from foresight.report import escape
from foresight.report.escape import plot_labels, plot_text
from foresight.report.plots import _figure, date_axis, title
from foresight.report.style import BAND, BASE, FORECAST, NO, OPTIONS, YES

OPTION_COLOURS = OPTIONS


def options_bars(f: Any) -> Figure:
    """Outside view and forecast as stacked bars of the option probabilities (90% intervals in the labels)."""
    q = f.question
    labels = [plot_text(o.label) for o in q.options or []]
    fig = _figure(9, 2.8)
    ax = fig.subplots()
    rows = [("outside view", f.base_mean), (f"forecast, {f.as_of}", f.mean)]
    intervals = f.interval(0.9)
    for y, (_, probs) in enumerate(rows):
        left = 0.0
        for k, p in enumerate(probs):
            ax.barh(y, p, left=left, color=OPTION_COLOURS[k % len(OPTION_COLOURS)], edgecolor="white")
            if p > 0.06:
                ax.text(left + p / 2, y, f"{p:.0%}", ha="center", va="center", color="white", fontsize=8)
            left += p
    ax.set_yticks(range(len(rows)), [r[0] for r in rows])
    ax.set_xlim(0, 1)
    ax.set_xlabel("probability")
    # one swatch per option in its bar's colour (an empty bar container would give its legend the default colour)
    swatches = []
    for k, label in enumerate(labels):
        lo, hi = intervals[k]
        resolved = " (happened)" if q.resolved_option == q.options[k].id else ""
        swatches.append(
            Patch(color=OPTION_COLOURS[k % len(OPTION_COLOURS)], label=f"{label}: 90% {lo:.0%}-{hi:.0%}{resolved}")
        )
    fig.legend(handles=swatches, fontsize=8, loc="outside lower center", ncols=2)
    title(ax, q.title)
    return fig


def date_cdf(f: Any) -> Figure:
    """F(d) over the window with its 90% band, the outside view's curve, the forecast's day and the event."""
    q = f.question
    days = f.days()
    step = max(1, len(days) // 120)
    shown = days[::step] + ([days[-1]] if (len(days) - 1) % step else [])
    bands = np.array([f.cdf_interval(d) for d in shown])
    index = [days.index(d) for d in shown]
    fig = _figure(9, 3.4)
    ax = fig.subplots()
    ax.fill_between(shown, bands[:, 0], bands[:, 1], color=BAND, alpha=0.2, label="90% interval")
    ax.plot(shown, f.mean_cdf[index], color=FORECAST, lw=2, label="forecast P(by date)")
    ax.plot(shown, f.base_mean_cdf[index], color=BASE, ls="--", label="outside view")
    ax.axvline(f.as_of, color=BASE, lw=0.8, ls=":", label=f"as of {f.as_of}")
    if q.resolution == "yes" and q.resolved_on is not None:
        ax.axvline(q.resolved_on, color=YES, lw=3, label=f"happened {q.resolved_on}")
    elif q.resolution == "no":
        ax.plot([], [], color=NO, lw=3, label="did not happen by closes")
    ax.set_ylim(0, 1)
    ax.set_ylabel("P(event by date)")
    date_axis(ax, q.opens, q.closes)
    fig.legend(*ax.get_legend_handles_labels(), fontsize=8, loc="outside lower center", ncols=3)
    title(ax, q.title)
    return fig


def given_bars(given: pd.DataFrame, titles: Mapping[str, str]) -> Figure:
    """The joint scenarios of options and date questions (:func:`foresight.report.scenario_views.typed_given`):
    per question, stacked bars of its outcome probabilities in all scenarios and given each picked yes/no
    question's outcome."""
    questions = list(dict.fromkeys(given["question"]))
    heights = [len(set(given.loc[given["question"] == q, "given"])) for q in questions]
    fig = _figure(9, 0.9 + sum(0.32 * h + 1.1 for h in heights))
    axes = fig.subplots(len(questions), 1, squeeze=False, height_ratios=[h + 2.5 for h in heights])[:, 0]
    for ax, q in zip(axes, questions):
        part = given[given["question"] == q]
        rows = list(dict.fromkeys(part["given"]))
        outcomes = list(dict.fromkeys(part["outcome"]))
        wide = part.pivot_table(index="given", columns="outcome", values="probability", sort=False)
        labels = dict(zip(part["outcome"], part["label"]))
        binary = outcomes == ["yes", "no"]
        left = np.zeros(len(rows))
        for k, o in enumerate(outcomes):
            p = wide.loc[rows, o].to_numpy()
            colour = (YES if o == "yes" else NO) if binary else OPTION_COLOURS[k % len(OPTION_COLOURS)]
            ax.barh(range(len(rows)), p, left=left, color=colour, edgecolor="white", label=plot_text(labels[o]))
            for y, (x0, width) in enumerate(zip(left, p)):
                if width > 0.07:
                    ax.text(x0 + width / 2, y, f"{width:.0%}", ha="center", va="center", color="white", fontsize=7)
            left += p
        ax.set_yticks(range(len(rows)), plot_labels(rows), fontsize=8)
        ax.invert_yaxis()
        ax.set_xlim(0, 1)
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
        title(ax, f"{q}: {titles.get(q, '')}", fontsize=9)
    axes[-1].set_xlabel("probability in the joint scenarios")
    return fig


def options_shifts(f: Any) -> pd.DataFrame:
    """What moved an options forecast: each observed indicator's mean log-odds shift per option against
    the reference option (0 for the reference)."""
    frame = f.contributions
    frame = frame[frame["x"] != 0]
    if frame.empty:
        return pd.DataFrame(columns=["indicator", "x"])
    wide = frame.pivot_table(index=["indicator", "x"], columns="option", values="shift_mean", sort=False)
    return wide[list(f.options)].reset_index()


def history_dates(question, step_days: int = 14, most: int = 24) -> list[dt.date]:
    """``opens``, every ``step_days`` (longer for a long window, so at most about ``most`` dates), and
    ``closes`` (or the day before it resolved)."""
    end = question.closes
    if question.resolved_on is not None:
        end = min(end, max(question.opens, question.resolved_on - dt.timedelta(days=1)))
    step_days = max(step_days, -(-(end - question.opens).days // most))
    out = [question.opens + dt.timedelta(days=k) for k in range(0, (end - question.opens).days + 1, step_days)]
    return out if out[-1] == end else [*out, end]


def history_steps(f: Any, dates: Sequence[dt.date], steps: Sequence[Any] | None = None) -> Sequence[Any]:
    """The forecast on each of ``dates`` (evidence as known that day, the same draws); ``steps`` when given, so
    a report's history figure and table share one set (a date question's step costs a curve over its window)."""
    return [f.what_if(as_of=d) for d in dates] if steps is None else steps


def options_history(f: Any, dates: Sequence[dt.date], steps: Sequence[Any] | None = None) -> Figure:
    """The option probabilities over time as a stacked area (from the same draws, evidence as known each day)."""
    probs = np.array([g.mean for g in history_steps(f, dates, steps)])
    fig = _figure(9, 3.2)
    ax = fig.subplots()
    labels = [plot_text(o.label) for o in f.question.options or []]
    colours = [OPTION_COLOURS[k % len(OPTION_COLOURS)] for k in range(len(labels))]
    ax.stackplot(dates, probs.T, labels=labels, colors=colours, alpha=0.85)
    ax.set_ylim(0, 1)
    ax.set_ylabel("probability")
    date_axis(ax, dates[0], dates[-1])
    fig.legend(*ax.get_legend_handles_labels(), fontsize=8, loc="outside lower center", ncols=3)
    title(ax, "Forecast over time: " + f.question.title)
    return fig


def date_history(f: Any, dates: Sequence[dt.date], steps: Sequence[Any] | None = None) -> Figure:
    """A fan of the date quantiles (25-75% and 5-95%) forecast on each day; a quantile beyond closes is drawn
    at closes."""
    q = f.question
    levels = ("0.05", "0.25", "0.5", "0.75", "0.95")
    rows = []
    for g in history_steps(f, dates, steps):
        quantiles = g.date_quantiles()
        rows.append([q.closes if quantiles[k] == AFTER_CLOSES else dt.date.fromisoformat(quantiles[k]) for k in levels])
    arr = np.array(rows, dtype="datetime64[D]")
    fig = _figure(9, 3.2)
    ax = fig.subplots()
    ax.fill_between(dates, arr[:, 0], arr[:, 4], color=BAND, alpha=0.15, label="5-95% of the date")
    ax.fill_between(dates, arr[:, 1], arr[:, 3], color=BAND, alpha=0.3, label="25-75%")
    ax.plot(dates, arr[:, 2], color=FORECAST, lw=2, label="median date (closes: not by then)")
    if q.resolution == "yes" and q.resolved_on is not None:
        ax.axhline(np.datetime64(q.resolved_on), color=YES, lw=2, label=f"happened {q.resolved_on}")
    ax.set_xlabel("forecast made on")
    ax.set_ylabel("date of the event")
    fig.legend(*ax.get_legend_handles_labels(), fontsize=8, loc="outside lower center", ncols=4)
    title(ax, "Date forecast over time: " + q.title)
    return fig


def rows_table(rows: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """The forecasts.csv rows of typed questions, readable: per option mean, or the date quantiles."""
    out = []
    for r in rows:
        if r["type"] == "options":
            said = ", ".join(f"{k} {v['mean']:.0%}" for k, v in json.loads(r["options_json"]).items())
        else:
            quantiles = json.loads(r["quantiles"])
            said = f"P(by closes) {r['mean']:.0%}; median {quantiles['0.5']}"
        out.append(
            {
                "question": r["question_id"],
                "title": r["title"],
                "type": r["type"],
                "as of": r["as_of"],
                "forecast": said,
                "resolution": r["resolution"],
            }
        )
    return pd.DataFrame(out, columns=["question", "title", "type", "as of", "forecast", "resolution"])


def question_card(q) -> Markdown:
    """Title, type, window, criteria, the options (with bins) and, once known, the resolution of a typed question."""
    what = "ordered options" if q.ordered else "options" if q.type == "options" else "a date in the window"
    lines = [
        f"{escape.code(q.id)} · family **{escape.md(q.family)}** · {what} · open **{q.opens}** to **{q.closes}**",
        "",
        f"**Resolves by:** {escape.md(q.criteria)}",
    ]
    if q.type == "options":
        edges = q.bins or []
        for k, o in enumerate(q.options or []):
            span = f" ({edges[k]:g} to {edges[k + 1]:g})" if len(edges) > k + 1 else ""
            lines.append(f"- {escape.code(o.id)}: {escape.md(o.label)}{span}")
        known = q.resolved_option
    else:
        known = None if q.resolution is None else ("happened" if q.resolution == "yes" else "not by closes")
    said = f"**{escape.md(known)}** on {q.resolved_on}. {escape.md(q.resolution_source)}" if known else "not known yet."
    return Markdown("\n".join([*lines, "", f"**Resolution:** {said}"]))


def headline(f: Any) -> dict[str, Any]:
    """What a row of a typed forecast shows: each option's probability (by label), or P(by closes) and the
    median date."""
    if f.question.type == "options":
        return {o.label: float(p) for o, p in zip(f.question.options, f.mean)}
    return {"P(by closes)": float(f.by_closes.mean), "median date": f.date_quantiles()["0.5"]}


def _moved(before: dict[str, Any], after: dict[str, Any]) -> float:
    """The largest change of a probability between two headlines."""
    return max(abs(after[k] - v) for k, v in before.items() if isinstance(v, float))


def without_each(f: Any) -> pd.DataFrame:
    """The static what-if: the forecast with each standing piece of evidence removed in turn (from the same
    draws, :func:`foresight.evaluate.sensitivity.removals`), the biggest move first."""
    now = headline(f)
    rows = [{"evidence removed": "(none)", "indicator": "", "observed": "", **now, "largest move": 0.0}]
    for ind_id, obs, _, g in removals(f, f.indicators):
        then = headline(g)
        rows.append(
            {
                "evidence removed": obs.evidence_id,
                "indicator": ind_id,
                "observed": str(obs.observed),
                **then,
                "largest move": _moved(now, then),
            }
        )
    frame = pd.DataFrame(rows)
    return pd.concat([frame.iloc[:1], frame.iloc[1:].sort_values("largest move", ascending=False, kind="stable")])


def history_table(f: Any, dates: Sequence[dt.date], steps: Sequence[Any] | None = None) -> pd.DataFrame:
    """The forecast at each date (evidence as known that day, the same draws) and the evidence that began to
    count since the date before."""
    rows, seen = [], set()
    for d, g in zip(dates, history_steps(f, dates, steps)):
        standing = {obs.evidence_id for ind, obs in g.observations.items() if ind in g.indicators}
        rows.append({"as of": d.isoformat(), **headline(g), "new evidence": ", ".join(sorted(standing - seen))})
        seen |= standing
    return pd.DataFrame(rows)


def live_whatif(forecasts: Sequence[Any], interactive: bool = True) -> Any:
    """The live what-if panel (:func:`foresight.report.whatif_panel.whatif_panel`) over options questions, a
    row per option, and date questions' P(by closes), which moves the whole curve; without a live session,
    the date questions' static form (:func:`~foresight.report.whatif_panel.show_whatif`): each options
    question's static what-if is its table "What if" above."""
    from foresight.report.whatif_panel import panel_forecast, show_whatif, whatif_panel

    if interactive and forecasts:
        try:
            return whatif_panel([panel_forecast(f) for f in forecasts])
        except ImportError:
            pass
    dates = [f.by_closes for f in forecasts if f.question.type == "date"]
    return show_whatif(dates, False) if dates else Markdown("No date question to move.")


def question_report(f: Any, dates: Sequence[dt.date] | None = None) -> list[Any]:
    """One typed question's section: card, forecast figure, what moved it, what-if table, history figure and table."""
    from foresight.report import plots

    q = f.question
    dates = history_dates(q) if dates is None else dates
    steps = history_steps(f, dates)
    percent = {k: "{:.1%}" for k in headline(f) if k != "median date"} | {"largest move": "{:.1%}"}
    out: list[Any] = [Markdown(f"### {escape.md(q.title)}"), question_card(q)]
    if q.type == "options":
        shifts = options_shifts(f)
        out += [
            options_bars(f),
            Markdown(
                "**What moved it**: each observed indicator's mean log-odds shift of each option against the reference option."
            ),
            escape.styler(shifts, precision=2) if len(shifts) else Markdown("No observed indicator moves it."),
        ]
    else:
        out += [
            date_cdf(f),
            Markdown("**What moved it**: the evidence's log-odds shift of P(by closes), which moves the whole curve."),
            plots.waterfall(f.by_closes),
        ]
    out += [
        Markdown("**What if**: the forecast with each standing piece of evidence removed (from the same draws)."),
        escape.styler(without_each(f), formatter=percent),
        options_history(f, dates, steps) if q.type == "options" else date_history(f, dates, steps),
        escape.styler(
            history_table(f, dates, steps), formatter={k: v for k, v in percent.items() if k != "largest move"}
        ),
    ]
    return out
