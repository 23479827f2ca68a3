"""Figures for the notebooks, drawn with matplotlib from a pack, a forecast or a table of results.

Every function returns a :class:`matplotlib.figure.Figure` made without
pyplot: no global state, safe in threads, nothing shown twice in a notebook
(the cell's value is displayed once, as a PNG that the HTML export embeds),
and ``fig.savefig(path)`` works the same outside Jupyter.
"""

from __future__ import annotations

import datetime as dt
import io
import sys
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from scipy.special import expit, logit

from foresight.model.forecasting import EPS, Forecast
from foresight.pack.loader import Pack
from foresight.pack.schema import outcome_number
from foresight.report import escape
from foresight.report.style import BASE, FORECAST, NEUTRAL, NO, NOTE, YES
from foresight.report.tables import log_lr_matrix

TITLE_WIDTH = 90
"""Characters per line of a figure title before it wraps (a wider title is clipped by the figure)."""
PROB_TICKS = [
    0.0001,
    0.0003,
    0.001,
    0.002,
    0.005,
    0.01,
    0.02,
    0.05,
    0.1,
    0.2,
    0.3,
    0.5,
    0.7,
    0.8,
    0.9,
    0.95,
    0.98,
    0.99,
    0.995,
    0.998,
    0.999,
    0.9997,
    0.9999,
]


class ReportFigure(Figure):
    """A Figure that displays itself as a PNG in any IPython, with or without pyplot's inline backend.

    Figures made without pyplot are not registered with the inline backend, so
    IPython would print ``<Figure size ...>``; ``_repr_png_`` makes the cell show,
    and the HTML export embed, the image. Once a notebook imports pyplot (the tornado
    chart does), the inline backend's PNG printer for every Figure would take precedence
    and save with ``bbox_inches="tight"``, which measures every artist once more (up to
    0.17 s for a tornado chart); the layout engine already fits everything in the figure,
    so a printer for this class keeps the plain PNG in every notebook of a reused kernel
    (the same image as in the first one).

    The PNG is Agg's own printer, not ``savefig``: for a figure with a layout engine ``savefig``
    first draws the whole figure with drawing switched off, to run the layout, then draws it
    again for the pixels; Agg's printer runs the layout inside its one draw. The bytes are the
    same (``savefig`` at the figure's dpi, standard bounding box, not transparent) and a figure
    costs 10-15% less (measured on the seed pack's report figures).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _show_with_ipython()

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        # the figure as laid out at its own dpi, whatever a session set for savefig (the inline backend, a style)
        FigureCanvasAgg(self).print_png(buffer)
        return buffer.getvalue()


def _show_with_ipython() -> None:
    """Register :meth:`ReportFigure._repr_png_` as the running IPython's PNG printer for the class, unless
    that shell's formatter has it already (asked of the formatter itself, so a new shell or a reset
    formatter is registered again)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None:
        return
    printer = shell.display_formatter.formatters["image/png"]
    if printer.type_printers.get(ReportFigure) is not ReportFigure._repr_png_:
        printer.for_type(ReportFigure, ReportFigure._repr_png_)


def _figure(width: float, height: float) -> ReportFigure:
    return ReportFigure(figsize=(width, height), dpi=100, layout="constrained")


def outcome_colour(resolution: str | None) -> str:
    """The palette's colour for a resolution: green for yes, red for no, grey while open."""
    value = outcome_number(resolution)
    return NEUTRAL if value != value else YES if value == 1.0 else NO


DATE_TICKS = 8
"""At most this many ticks on a date axis (:func:`date_axis`)."""
_DAY_STEPS = (1, 2, 7, 14)
_MONTH_STEPS = (1, 2, 3, 6, 12, 24, 60, 120)


def date_ticks(start: dt.date, end: dt.date, most: int = DATE_TICKS) -> tuple[list[dt.date], list[str]]:
    """Tick dates from ``start`` to ``end`` and their labels: every 1, 2, 7 or 14 days, else month, quarter,
    half-year or year starts (or every 2, 5, 10 years), the finest step with at most ``most`` ticks.

    Computed once from the span, so that drawing a date axis never runs matplotlib's rrule-based
    AutoDateLocator (half the time of saving a date figure). Labels name the year only where it changes
    (the first tick and each new year), as matplotlib's concise formatter does.
    """
    if end < start:
        start, end = end, start
    span = (end - start).days
    for step in _DAY_STEPS:
        if span // step + 1 <= most:
            ticks = [start + dt.timedelta(days=k) for k in range(0, span + 1, step)]
            return ticks, [_date_label(d, i == 0 or d.year != ticks[i - 1].year, "%-d %b") for i, d in enumerate(ticks)]
    month = start.year * 12 + start.month - 1 + (start.day > 1)  # the first month start on or after start
    for step in _MONTH_STEPS:
        first = -(-month // step) * step  # steps divide a year or are whole years: ticks at Jan, Apr, Jul, ...
        ticks = []
        while (day := dt.date(first // 12, first % 12 + 1, 1)) <= end:
            ticks.append(day)
            first += step
        if len(ticks) <= most:
            break
    if step >= 12:
        return ticks, [d.strftime("%Y") for d in ticks]
    return ticks, [_date_label(d, i == 0 or d.year != ticks[i - 1].year, "%b") for i, d in enumerate(ticks)]


def _date_label(day: dt.date, new_year: bool, fmt: str) -> str:
    return day.strftime(fmt + " %Y" if new_year else fmt)


def date_axis(ax, start=None, end=None, rotation: float = 0, most: int = DATE_TICKS) -> None:
    """Fixed ticks and labels from :func:`date_ticks` on ``ax``'s x axis, over ``start``..``end`` (default: the
    axis's current limits). One rule for every date axis of the reports; shared x axes get them too."""
    import matplotlib.dates as mdates

    if start is None or end is None:
        lo, hi = ax.get_xlim()
        start = mdates.num2date(lo).date() if start is None else start
        end = mdates.num2date(hi).date() if end is None else end
    start, end = pd.Timestamp(start).date(), pd.Timestamp(end).date()
    ticks, labels = date_ticks(start, end, most)
    extra = {"rotation": rotation, "ha": "right", "rotation_mode": "anchor"} if rotation else {}
    ax.set_xticks(mdates.date2num(ticks), labels, **extra)


def title(ax, text: str, fontsize: float = 10, width: int = TITLE_WIDTH) -> None:
    """``ax``'s title, escaped for matplotlib and wrapped so that the figure never clips it."""
    ax.set_title(escape.plot_text(text, width), fontsize=fontsize)


# --- the pack -----------------------------------------------------------------------------


def document_timeline(pack: Pack, as_of: dt.date | None = None) -> Figure:
    """Question windows (top) and documents with their evidence dates (bottom) on one time axis."""
    qs = sorted(pack.questions.values(), key=lambda q: (q.opens, q.closes))
    docs = sorted(pack.documents.values(), key=lambda d: d.published)
    fig = _figure(11, 1.2 + 0.28 * len(qs) + 0.4 * len(docs))
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[max(len(qs), 1), max(len(docs), 1) * 1.4])
    for y, q in enumerate(qs):
        colour = outcome_colour(q.resolution)
        top.plot([q.opens, q.closes], [y, y], lw=5, color=colour, alpha=0.55, solid_capstyle="butt")
        if q.resolved_on is not None:
            top.plot([q.resolved_on], [y], marker="|", ms=10, mew=2, color="black")
    top.set_yticks(range(len(qs)), [q.id for q in qs], fontsize=7)
    top.invert_yaxis()
    title(top, "Question windows (green: resolved yes, red: no, grey: open; | = resolution date)")
    for y, doc in enumerate(docs):
        bottom.plot([doc.published], [y], marker="D", ms=8, color=FORECAST)
        seen = [ev.observed for ev in pack.evidence if ev.document == doc.id]
        if seen:
            bottom.plot(seen, [y + 0.25] * len(seen), "|", ms=9, color=NOTE)
        bottom.annotate(
            f"{len(seen)} evidence", (doc.published, y), xytext=(8, -3), textcoords="offset points", fontsize=8
        )
    bottom.set_yticks(range(len(docs)), [d.id for d in docs], fontsize=8)
    bottom.set_ylim(len(docs) - 0.4, -0.6)
    title(bottom, "Documents (diamond: published; orange ticks: dates of the evidence they report)")
    for ax in (top, bottom):
        ax.grid(axis="x", alpha=0.3)
        if as_of is not None:
            ax.axvline(as_of, color="black", ls="--", lw=1)
    if as_of is not None:
        top.annotate(f"as of {as_of}", (as_of, 0), xytext=(4, 4), textcoords="offset points", fontsize=8)
    date_axis(bottom)
    return fig


def ach_heatmap(pack: Pack) -> Figure:
    """Every indicator against every question: colour is the elicited log LR, most diagnostic rows on top."""
    logs = log_lr_matrix(pack)
    values = logs.to_numpy(dtype=float)
    limit = float(np.nanmax(np.abs(values))) if np.isfinite(values).any() else 1.0
    fig = _figure(max(6.0, 1.5 + 0.45 * logs.shape[1]), max(3.0, 1.5 + 0.3 * logs.shape[0]))
    ax = fig.subplots()
    image = ax.imshow(np.ma.masked_invalid(values), cmap="RdYlGn", vmin=-limit, vmax=limit, aspect="auto")
    for (i, j), v in np.ndenumerate(values):
        if np.isfinite(v):
            ax.text(j, i, f"{np.exp(v):.2g}", ha="center", va="center", fontsize=6.5)
    ax.set_xticks(range(logs.shape[1]), logs.columns, rotation=60, ha="right", fontsize=7)
    ax.set_yticks(range(logs.shape[0]), logs.index, fontsize=7)
    title(ax, "Likelihood ratio (centre of the elicited 90% interval); blank = does not bear", width=60)
    fig.colorbar(image, ax=ax, shrink=0.6, label="log LR (green: evidence for yes)")
    return fig


# --- one forecast ---------------------------------------------------------------------------


def _probability_axis(ax, lo: float, hi: float) -> None:
    """Label a log-odds y axis with probabilities."""
    ticks = [p for p in PROB_TICKS if lo <= logit(p) <= hi]
    ax.set_yticks([logit(p) for p in ticks], [f"{p:.3g}" for p in ticks])
    ax.set_ylabel("probability (log-odds scale)")


def waterfall(f: Forecast, top: int = 12) -> Figure:
    """From the base rate to the forecast, one step per indicator, on the log-odds scale where steps add up.

    Steps are mean shifts; the start is the mean log-odds of the base rate and the
    end the mean log-odds of the forecast, so the bars add up exactly. The mean
    probabilities the reports quote are not those ends (the mean of a probability
    is not the probability of the mean log-odds), so each is marked with a diamond
    at its own height and a note under the axes says which is which. Indicators
    beyond the ``top`` biggest movers are pooled into one step.
    """
    frame = f.contributions
    start = float(np.mean(logit(np.clip(f.base_draws, EPS, 1 - EPS))))
    steps = list(zip(frame["indicator"], frame["shift_mean"]))
    moved = [(name, s) for name, s in steps if abs(s) > 1e-9]
    if len(moved) > top:
        rest = sum(s for _, s in moved[top:])
        moved = moved[:top] + [(f"{len(moved) - top} others", rest)]
    fig = _figure(10, 3.6 + 0.3 * len(moved))
    ax = fig.subplots()
    labels = ["base rate"] + [name for name, _ in moved] + ["forecast"]
    path = list(np.cumsum([start] + [s for _, s in moved]))
    end = path[-1]
    base_mean = float(logit(np.clip(f.base_rate_mean, EPS, 1 - EPS)))
    forecast_mean = float(logit(np.clip(f.mean, EPS, 1 - EPS)))
    lo = min(path + [base_mean, forecast_mean]) - 0.6
    hi = max(path + [base_mean, forecast_mean]) + 0.6
    ax.bar(0, start - lo, bottom=lo, color=BASE, width=0.6)
    level = start
    for i, (_, s) in enumerate(moved, start=1):
        ax.bar(i, s, bottom=level, color=YES if s > 0 else NO, width=0.6)
        ax.annotate(
            f"{s:+.2f}", (i, max(level, level + s)), xytext=(0, 3), textcoords="offset points", ha="center", fontsize=7
        )
        level += s
    last = len(moved) + 1
    ax.bar(last, end - lo, bottom=lo, color=FORECAST, width=0.6)
    for i, value in enumerate(path):  # connectors: each bar ends where the next begins
        ax.plot([i + 0.3, i + 0.7], [value, value], color="black", lw=0.6)
    for x, value, mean in ((0, base_mean, f.base_rate_mean), (last, forecast_mean, f.mean)):
        ax.plot([x], [value], marker="D", ms=7, color="white", mec="black", zorder=4)
        ax.annotate(
            f"{mean:.1%}",
            (x, value),
            xytext=(9, -3),
            textcoords="offset points",
            ha="left",
            fontsize=8,
            fontweight="bold",
        )
    ax.set_ylim(lo, hi)
    _probability_axis(ax, lo, hi)
    ax.set_xticks(range(len(labels)), escape.plot_labels(labels), rotation=35, ha="right", fontsize=8)
    if not moved:
        ax.text(
            0.5,
            0.9,
            "no indicator observed: the forecast is the base rate",
            transform=ax.transAxes,
            ha="center",
            fontsize=9,
        )
    title(
        ax,
        f"{f.question.id}: base rate {f.base_rate_mean:.1%} to forecast {f.mean:.1%} "
        "(mean probabilities, diamonds), one step per indicator",
    )
    fig.text(
        0.01,
        0.0,
        escape.plot_text(
            f"Bars add the mean log-odds shifts and end at the mean log-odds (base {expit(start):.1%}, forecast "
            f"{expit(end):.1%} as probabilities). The diamonds mark the mean probabilities quoted in the report; "
            "they differ from the bar ends because averaging over uncertain draws is not the same on the two scales.",
            TITLE_WIDTH + 40,
        ),
        fontsize=7.5,
        color=NEUTRAL,
        va="bottom",
    )
    note_height = 0.34 / fig.get_figheight()  # two lines of the note, in figure fractions
    fig.get_layout_engine().set(rect=(0, note_height, 1, 1 - note_height))
    ax.grid(axis="y", alpha=0.3)
    return fig


def probability(f: Forecast) -> Figure:
    """The posterior distribution of the probability, its 90% interval, and the base rate's distribution.

    The axis zooms to where the draws are (a forecast of 0.4% would be a sliver on
    [0, 1]); the outcome, once known, is marked at 0 or 1 when in view, else named.
    """
    both = np.concatenate([f.draws, f.base_draws])
    left, right = np.quantile(both, [0.002, 0.998])
    pad = max((right - left) * 0.1, 0.01)
    left, right = max(0.0, left - pad), min(1.0, right + pad)
    fig = _figure(9, 3.4)
    ax = fig.subplots()
    bins = np.linspace(left, right, 61)
    ax.hist(f.base_draws, bins=bins, color=BASE, alpha=0.35, density=True, label="base rate (outside view)")
    ax.hist(f.draws, bins=bins, color=FORECAST, alpha=0.6, density=True, label="forecast (with evidence)")
    lo, hi = f.interval(0.9)
    ax.axvspan(lo, hi, color=FORECAST, alpha=0.08, label=f"90% interval {lo:.1%} to {hi:.1%}")
    ax.axvline(f.mean, color=FORECAST, lw=2, label=f"mean {f.mean:.1%}")
    resolution = f.question.resolution
    if resolution:
        at = outcome_number(resolution)
        colour = outcome_colour(resolution)
        if left <= at <= right:
            ax.axvline(at, color=colour, lw=4, label=f"resolved {resolution}")
        else:
            ax.plot([], [], color=colour, lw=4, label=f"resolved {resolution} (outcome {at:g}, off this scale)")
    ax.set_xlim(left, right)
    ax.set_xlabel(f"P({f.question.id} = yes), as of {f.as_of}")
    ax.set_yticks([])
    # below the axes, never over the interval or the histogram it explains
    fig.legend(*ax.get_legend_handles_labels(), fontsize=8, loc="outside lower center", ncols=3)
    title(ax, "Posterior distribution of the probability")
    return fig


# --- many forecasts -------------------------------------------------------------------------


def scenario_intervals(frame: pd.DataFrame) -> Figure:
    """One line per question: forecast mean with its 90% interval, the base rate, and the outcome when known."""
    frame = frame.reset_index(drop=True)
    fig = _figure(10, 1.6 + 0.38 * len(frame))
    ax = fig.subplots()
    ys = np.arange(len(frame))
    ax.hlines(ys, frame["p05"], frame["p95"], color=FORECAST, lw=2, alpha=0.6)
    ax.plot(frame["mean"], ys, "o", color=FORECAST, label="forecast mean, 90% interval")
    ax.plot(frame["base_rate_mean"], ys, "o", mfc="none", color=BASE, label="base rate")
    for y, res in zip(ys, frame.get("resolution", pd.Series([None] * len(frame)))):
        if res in ("yes", "no"):
            ax.plot(outcome_number(res), y, "s", color=outcome_colour(res), ms=7)
    ax.plot([], [], "s", color=YES, label="resolved yes")
    ax.plot([], [], "s", color=NO, label="resolved no")
    ax.set_yticks(ys, frame["question_id"], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(-0.03, 1.03)
    ax.set_xlabel("probability")
    ax.grid(axis="x", alpha=0.3)
    fig.legend(*ax.get_legend_handles_labels(), fontsize=8, loc="outside lower center", ncols=4)
    return fig


def _axis_values(values: pd.Series) -> tuple[pd.Series, bool]:
    """Sweep values as numbers or dates when they all are (to plot on a real axis), else as categories."""
    numbers = pd.to_numeric(values, errors="coerce")
    if numbers.notna().all():
        return numbers, True
    dates = pd.to_datetime(values, errors="coerce", format="mixed")
    if dates.notna().all():
        return dates, True
    return pd.Series(escape.plot_labels(values.astype(str)), index=values.index), False


def sweep_plot(frame: pd.DataFrame, swept: Sequence[str], title: str | None = None) -> Figure:
    """Forecast (mean, 90% band) against each swept parameter, one line per value of the other swept ones."""
    swept = list(swept) or ["run"]
    fig = _figure(6.0 * len(swept), 4.0)
    axes = np.atleast_1d(fig.subplots(1, len(swept), squeeze=False)[0])
    ok = frame[frame["mean"].notna()] if "mean" in frame else frame.iloc[0:0]
    for ax, name in zip(axes, swept):
        others = [s for s in swept if s != name]
        keys = others + (["question_id"] if "question_id" in ok and ok["question_id"].nunique() > 1 else [])
        groups = ok.groupby(keys, sort=True, dropna=False) if keys else [((), ok)]
        for key, group in groups:
            x, real = _axis_values(group[name])
            order = np.argsort(x.to_numpy()) if real else np.arange(len(group))
            xs = x.to_numpy()[order]
            label = ", ".join(f"{k}={v}" for k, v in zip(keys, key if isinstance(key, tuple) else (key,))) or None
            line = ax.plot(xs, group["mean"].to_numpy()[order], "o-", label=escape.plot_text(label) if label else None)[
                0
            ]
            ax.fill_between(
                xs, group["p05"].to_numpy()[order], group["p95"].to_numpy()[order], color=line.get_color(), alpha=0.12
            )
        ax.set_xlabel(escape.plot_text(name))
        ax.set_ylabel("forecast probability (mean, 90% band)")
        ax.set_ylim(-0.02, 1.02)
        ax.grid(alpha=0.3)
        ax.tick_params(axis="x", labelrotation=30)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7)
    if title:
        fig.suptitle(escape.plot_text(title, TITLE_WIDTH), fontsize=11)
    return fig


# --- joint scenarios and sensitivity ----------------------------------------------------------


SCENARIO_LABEL_WIDTH = 38
"""Characters per line of a scenario's title beside its bar (wrapped, never truncated)."""


def scenario_bars(table: pd.DataFrame) -> Figure:
    """Named scenarios as bars (mean probability) with their 90% intervals; a scenario not forecast is named as such."""
    table = table.reset_index(drop=True)
    lines = sum(len(escape.plot_text(n, SCENARIO_LABEL_WIDTH).splitlines()) for n in table.get("scenario", []))
    fig = _figure(10, 1.4 + 0.45 * max(len(table), 1) + 0.14 * lines)
    ax = fig.subplots()
    ys = np.arange(len(table))
    prob = pd.to_numeric(table.get("probability", pd.Series(dtype=float)), errors="coerce")
    ok = prob.notna().to_numpy() if len(prob) == len(table) else np.zeros(len(table), dtype=bool)
    if ok.any():
        lo = pd.to_numeric(table["p05"], errors="coerce").to_numpy()
        hi = pd.to_numeric(table["p95"], errors="coerce").to_numpy()
        p = prob.to_numpy()
        ax.barh(ys[ok], p[ok], color=FORECAST, alpha=0.7, label="probability (mean)")
        ax.errorbar(
            p[ok],
            ys[ok],
            xerr=[p[ok] - lo[ok], hi[ok] - p[ok]],
            fmt="none",
            ecolor="black",
            capsize=4,
            label="90% interval",
        )
        for y, value in zip(ys[ok], p[ok]):
            ax.annotate(f"{value:.1%}", (value, y), xytext=(4, 6), textcoords="offset points", fontsize=8)
    if len(table):
        # whole titles, wrapped (never cut); a scenario not forecast says so in its label, off the plotting area
        labels = [
            escape.plot_text(name, SCENARIO_LABEL_WIDTH)
            + ("" if good else "\n(not forecast: a question in it\nclosed before as_of)")
            for name, good in zip(table["scenario"], ok)
        ]
        ax.set_yticks(ys, labels, fontsize=8)
        for tick, good in zip(ax.get_yticklabels(), ok):
            if not good:
                tick.set_color(NEUTRAL)
        ax.invert_yaxis()
        fig.legend(*ax.get_legend_handles_labels(), fontsize=8, loc="outside lower center", ncols=2)
    else:
        ax.set_yticks([])
        ax.text(0.5, 0.5, "the pack names no scenarios (links.yaml)", ha="center", va="center", transform=ax.transAxes)
    ax.set_xlim(0, 1)
    ax.set_xlabel("probability")
    ax.grid(axis="x", alpha=0.3)
    title(ax, "Named scenarios: probability from the joint model, with 90% intervals")
    return fig


def tornado_chart(f: Forecast, title_text: str | None = None) -> Figure:
    """The tornado chart of ``f``: :func:`foresight.evaluate.sensitivity.tornado` computed and drawn in one call."""
    from foresight.evaluate.sensitivity import tornado

    return tornado_figure(tornado(f), title_text or f"{f.question.id} as of {f.as_of}: what the forecast rests on")


def tornado_figure(table: pd.DataFrame, title_text: str | None = None) -> Figure:
    """A tornado chart of :func:`foresight.evaluate.sensitivity.tornado` rows (one question), as a report figure."""
    from foresight.evaluate.sensitivity import plot_tornado

    fig = _figure(9, 0.32 * max(len(table), 3) + 1.6)
    ax = fig.subplots()
    plot_tornado(table, ax=ax)
    title(ax, title_text or "Sensitivity (blue: LR across its 90% interval; orange: evidence removed)")
    ax.tick_params(axis="y", labelsize=7)
    if len(table):
        lo, hi = float(table["low"].min()), float(table["high"].max())
        pad = max((hi - lo) * 0.15, 0.005)
        ax.set_xlim(max(0.0, lo - pad), min(1.0, hi + pad))  # zoom: a 3% forecast's bars are slivers on [0, 1]
        from matplotlib.patches import Patch

        handles, labels = ax.get_legend_handles_labels()
        kinds = [  # the colours plot_tornado gives each kind of row
            Patch(color="tab:blue", label="LR across its 90% interval"),
            Patch(color="tab:orange", label="evidence removed"),
        ]
        fig.legend(
            kinds + handles, [k.get_label() for k in kinds] + labels, fontsize=8, loc="outside lower center", ncols=3
        )
    else:
        ax.text(
            0.5,
            0.5,
            "no likelihood ratio or evidence moves this forecast",
            ha="center",
            va="center",
            transform=ax.transAxes,
        )
    return fig


# --- the outside view over the window -----------------------------------------------------------


def _window_grid(f: Forecast, points: int = 150) -> list[dt.date]:
    """Dates across the question's window: an even grid plus each decision point, the day after it and the
    clock start, so jumps are drawn where they happen."""
    q = f.question
    span = (q.closes - q.opens).days
    step = max(1, span // points)
    dates = {q.opens + dt.timedelta(days=k) for k in range(0, span + 1, step)} | {q.closes, f.as_of}
    h = q.hazard
    if h is not None:
        for p in h.decision_points:
            dates |= {p.date, p.date + dt.timedelta(days=1)}
        if h.starts is not None and h.starts.date is not None:
            dates |= {h.starts.date - dt.timedelta(days=1), h.starts.date}
    return sorted(d for d in dates if q.opens <= d <= q.closes)


def hazard_over_window(f: Forecast) -> Figure:
    """The outside view across the question's window, as known at ``as_of``: top, the base rate for the
    window left at each date (the history's base-rate line, which follows the hazard); bottom, the
    probability that the event has happened by each date, counted from ``opens`` (per draw
    1 - (1 - B(opens)) / (1 - B(day after)), the survival over the part already passed)."""
    q = f.question
    fig = _figure(9, 5.2)
    top, bottom = fig.subplots(2, 1, sharex=True)
    if q.kind == "one_shot":
        top.text(
            0.5, 0.5, "a one-shot question: no window over which a rate accrues", ha="center", transform=top.transAxes
        )
        bottom.set_axis_off()
        return fig
    dates = _window_grid(f)
    base = np.column_stack([f.base_draws_at(d, known=f.as_of) for d in dates])  # (draws, dates)
    whole = base[:, 0:1]
    after = np.column_stack(
        [
            f.base_draws_at(d + dt.timedelta(days=1), known=f.as_of) if d < q.closes else np.zeros(len(base))
            for d in dates
        ]
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        happened = np.clip(1.0 - (1.0 - whole) / np.clip(1.0 - after, EPS, None), 0.0, 1.0)
    x = np.array(dates, dtype="datetime64[D]")
    for ax, values, label in (
        (top, base, "base rate for the window left"),
        (bottom, happened, "P(event by this date), from opens"),
    ):
        lo, hi = np.quantile(values, [0.05, 0.95], axis=0)
        ax.fill_between(x, lo, hi, step="post", color=BASE, alpha=0.2, label="90% interval")
        ax.step(x, values.mean(axis=0), where="post", color=BASE, lw=2, label=label + " (mean)")
        ax.axvline(np.datetime64(f.as_of), color=FORECAST, lw=1, ls="--", label=f"as of {f.as_of}")
        for p in q.hazard.decision_points if q.hazard is not None else ():
            ax.axvline(np.datetime64(p.date), color=NO, lw=1, ls=":")
        ax.set_ylim(0, max(0.05, float(hi.max()) * 1.1))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="best")
    top.set_ylabel("probability")
    bottom.set_ylabel("probability")
    points = "; decision points dotted" if q.hazard is not None and q.hazard.decision_points else ""
    title(top, f"{q.id}: the outside view over the window (hazard as stated in the pack{points})", width=70)
    date_axis(bottom, rotation=30)  # shared with top, whose labels subplots() hides
    return fig
