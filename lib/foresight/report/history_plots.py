"""Figures for forecast histories and backtests: fan chart, calibration plot, baseline comparison.

Each function returns a :class:`matplotlib.figure.Figure` (a
:class:`foresight.report.plots.ReportFigure`, which a notebook shows as a PNG) built without
pyplot (no global state, so a notebook shows it once, where it is returned,
and a loop over questions leaks no open figures); pass ``ax`` to draw into an
existing figure instead. The numbers come from :mod:`foresight.evaluate.history`,
:mod:`foresight.evaluate.scoring` and :mod:`foresight.evaluate.backtest`; nothing is computed here
that a table does not already hold, except the calibration bins.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from foresight.evaluate.scoring import MIN_PER_BIN, MIN_QUESTIONS, calibration_table, calibration_verdict
from foresight.pack.schema import outcome_number
from foresight.report import escape
from foresight.report.plots import TITLE_WIDTH, ReportFigure, date_axis, outcome_colour
from foresight.report.style import BAND, BASE, TICK_EVIDENCE, TICK_OTHER, TIMELINE

MIN_LABEL_GAP = 0.035
"""Document labels closer than this share of the time axis are merged into one, so they never overprint."""


def _axes(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    if ax is not None:
        return ax.figure, ax
    fig = ReportFigure(figsize=figsize, dpi=100, layout="constrained")
    return fig, fig.add_subplot()


def _mark_documents(ax: Axes, history: pd.DataFrame, span: tuple[pd.Timestamp, pd.Timestamp]) -> None:
    """A faint line at each date a document was published and its id on a top axis, out of the data's way.

    Documents published within :data:`MIN_LABEL_GAP` of the axis of each other
    (a burst of articles in a few days) share one label at the first date,
    "first-id +N", so labels never overprint; the step table lists them all.
    """
    marks = []
    for row in history.itertuples():
        published = [d for d in str(row.documents_published or "").split("; ") if d]
        if not published:
            continue
        with_evidence = {d for d in str(row.new_documents or "").split("; ") if d}  # text: survives a CSV
        color = TICK_EVIDENCE if with_evidence & set(published) else TICK_OTHER
        ax.axvline(row.as_of, color=color, lw=0.8, alpha=0.35, zorder=0)
        marks.append((pd.Timestamp(row.as_of), published, color))
    gap = (span[1] - span[0]) * MIN_LABEL_GAP
    groups: list[tuple[pd.Timestamp, list[str], str]] = []
    for when, ids, color in marks:
        if groups and when - groups[-1][0] < gap:
            first, names, shade = groups[-1]
            groups[-1] = (first, names + ids, TICK_EVIDENCE if TICK_EVIDENCE in (shade, color) else shade)
        else:
            groups.append((when, list(ids), color))
    labels = escape.plot_labels(names[0] + (f" +{len(names) - 1}" if len(names) > 1 else "") for _, names, _ in groups)
    top = ax.secondary_xaxis("top")
    top.set_xticks([g[0] for g in groups], labels, rotation=40, ha="left", rotation_mode="anchor", fontsize=7)
    for tick, (_, _, color) in zip(top.get_xticklabels(), groups):
        tick.set_color(color)


def _mark_expiries(ax: Axes, history: pd.DataFrame) -> None:
    """A hollow down-triangle on the mean line where evidence stopped counting (its last valid day passed)."""
    if "expired_evidence" not in history:
        return  # a history written before evidence could expire
    gone = history[history["expired_evidence"].fillna("").astype(str) != ""]
    if len(gone):
        ax.plot(
            pd.to_datetime(gone["as_of"]),
            gone["mean"].astype(float),
            marker="v",
            ms=7,
            mfc="none",
            color=BASE,
            ls="none",
            zorder=4,
            label="evidence stopped counting",
        )


def plot_history(
    history: pd.DataFrame, ax: Axes | None = None, title: str | None = None, timeline: Any = None
) -> Figure:
    """Fan chart of one question's forecast over time, from :func:`foresight.evaluate.history.forecast_history`.

    Each forecast is drawn as a step that holds until the next one (the rule
    the time-averaged scores use), the last one until ``closes``, or until
    ``resolved_on`` when the question resolved earlier (a forecast after the
    answer is known is not a forecast): the 90%
    band (p05-p95), the median, the mean and the base rate. Dates on which a
    pack document was published get a faint vertical line and, on the top
    axis, the document's id (dark when it brought evidence on this question,
    grey otherwise). A hollow triangle marks each step where evidence stopped
    counting (``expired_evidence``).
    When the question is resolved, a marker sits at (resolved_on, 1 or 0).
    ``timeline`` (a pack's ``timeline``: id -> entry with ``date``) marks each
    background fact dated inside the chart with a purple triangle on the
    bottom edge and its id, so a reader sees what the world knew beside what
    the pack's documents said.
    """
    if history.empty:
        raise ValueError("the history is empty: nothing to plot")
    if history["question_id"].nunique() != 1:
        raise ValueError("plot_history draws one question; filter the table to one question_id first")
    fig, ax = _axes(ax, (9, 4.5))
    h = history.sort_values("as_of")
    closes = pd.Timestamp(h["closes"].iloc[0])
    resolved_on = pd.Timestamp(h["resolved_on"].iloc[0]) if pd.notna(h["resolved_on"].iloc[0]) else None
    end = min(closes, resolved_on) if resolved_on is not None else closes
    h = h[pd.to_datetime(h["as_of"]) <= end]
    x = list(pd.to_datetime(h["as_of"])) + [end]

    def held(col: str) -> list[float]:
        values = list(h[col].astype(float))
        return values + values[-1:]

    ax.fill_between(x, held("p05"), held("p95"), step="post", color=BAND, alpha=0.25, lw=0, label="90% interval")
    ax.step(x, held("p50"), where="post", color=BAND, lw=1, ls="--", label="median")
    ax.step(x, held("mean"), where="post", color=BAND, lw=2, label="mean")
    ax.step(x, held("base_rate_mean"), where="post", color=BASE, lw=1.2, ls=":", label="base rate (outside view)")

    _mark_expiries(ax, h)
    resolution = h["resolution"].iloc[0]
    x_right = closes
    if isinstance(resolution, str) and resolved_on is not None:
        when = resolved_on
        y = outcome_number(resolution)
        colour = outcome_colour(resolution)
        ax.plot(
            [when],
            [y],
            marker="D",
            ms=9,
            color=colour,
            ls="none",
            zorder=5,
            label=escape.plot_text(f"resolved {resolution}"),
        )
        ax.annotate(
            escape.plot_text(f"resolved {resolution}\n{when.date()}"),
            (when, y),
            textcoords="offset points",
            xytext=(-6, -22 if y else 10),
            ha="right",
            fontsize=8,
            color=colour,
        )
        x_right = when  # the axis ends with the answer: nothing after it is forecast

    _mark_documents(ax, h, (x[0], x_right))
    span = x_right - x[0]
    for entry in (timeline or {}).values():
        when = pd.Timestamp(entry.date)
        if x[0] <= when <= x_right:
            ax.plot([when], [-0.015], marker="^", ms=6, color=TIMELINE, ls="none", zorder=4)
            ax.annotate(
                escape.plot_text(entry.id),
                (when, -0.015),
                textcoords="offset points",
                xytext=(2, 6),
                rotation=90,
                fontsize=6,
                color=TIMELINE,
                in_layout=False,  # drawn up from the bottom edge, inside the axes: the layout need not measure it
            )
    ax.set_xlim(x[0] - span * 0.02, x_right + span * 0.03)
    ax.set_ylim(-0.03, 1.03)
    ax.set_ylabel("P(yes)")
    date_axis(ax)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    caption = title or str(h["question_id"].iloc[0])
    if not bool(h["converged"].all()):
        caption += "  (posterior NOT converged: see diagnostics)"
    ax.set_title(escape.plot_text(caption, TITLE_WIDTH - 20), fontsize=11)
    return fig


def plot_calibration(
    forecasts: pd.DataFrame,
    bins: int | Sequence[float] = 5,
    *,
    probability: str = "probability",
    outcome: str = "outcome",
    title: str = "Calibration",
) -> Figure:
    """Observed frequency against mean forecast per bin, with 90% Jeffreys bars, the diagonal, and counts.

    ``forecasts`` is any table :func:`foresight.evaluate.scoring.calibration_table`
    accepts plus ``question_id`` (the backtest's model column is
    ``probability="forecast"``). When :func:`foresight.evaluate.scoring.calibration_verdict`
    finds too few questions or thin bins, the title says "too few to judge".
    """
    table = calibration_table(forecasts, bins, probability=probability, outcome=outcome)
    verdict = calibration_verdict(forecasts, bins, probability=probability, outcome=outcome)
    fig = ReportFigure(figsize=(6, 6.5), dpi=100, layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    top.plot([0, 1], [0, 1], color=BASE, ls="--", lw=1, label="perfect calibration")
    full = table[table["n"] > 0]
    yerr = np.vstack([full["observed"] - full["obs_lo"], full["obs_hi"] - full["observed"]])
    top.errorbar(
        full["mean_forecast"],
        full["observed"],
        yerr=yerr,
        fmt="o",
        color=BAND,
        capsize=4,
        label="observed frequency, 90% interval",
    )
    for r in full.itertuples():
        top.annotate(f"n={r.n}", (r.mean_forecast, r.observed), textcoords="offset points", xytext=(6, -3), fontsize=8)
    top.set_xlim(0, 1)
    top.set_ylim(-0.02, 1.02)
    top.set_ylabel("how often it happened")
    top.legend(loc="upper left", fontsize=8, frameon=False)
    top.grid(alpha=0.3)
    bottom.bar(
        table["lo"], table["n"], width=table["hi"] - table["lo"], align="edge", color=BAND, alpha=0.5, edgecolor="white"
    )
    bottom.set_ylabel("forecasts")
    bottom.set_xlabel("forecast probability")
    if verdict.enough:
        caveat = ""
    elif verdict.n_questions < MIN_QUESTIONS:
        caveat = f"\n(too few to judge: {verdict.n_questions} question{'s' * (verdict.n_questions != 1)})"
    else:
        caveat = f"\n(too few to judge: bins with < {MIN_PER_BIN} forecasts)"
    top.set_title(escape.plot_text(title, 60) + caveat)
    return fig


def plot_baselines(comparison: pd.DataFrame, title: str = "Model against baselines") -> Figure:
    """Bars of mean Brier (lower is better) and log score (higher is better) per method, per step and time-averaged.

    ``comparison`` is :func:`foresight.evaluate.backtest.compare_baselines`'s table.
    """
    if comparison.empty:
        raise ValueError("the comparison is empty: nothing was scored")
    fig = ReportFigure(figsize=(10, 4), dpi=100, layout="constrained")
    axes = fig.subplots(1, 2)
    y = np.arange(len(comparison))
    height = 0.38
    labels = comparison["label"] if "label" in comparison.columns else comparison["method"]
    panels = [("brier", "mean Brier score (lower is better)"), ("log_score", "mean log score (higher is better)")]
    for ax, (score, name) in zip(axes, panels):
        for offset, (suffix, what, alpha) in zip(
            (-height / 2, height / 2), (("by_step", "every step", 0.9), ("time_averaged", "time-averaged", 0.5))
        ):
            values = comparison[f"{score}_{suffix}"].astype(float).to_numpy()
            bars = ax.barh(y + offset, values, height=height, color=BAND, alpha=alpha, label=what)
            ax.bar_label(bars, fmt="%.3f", fontsize=7, padding=2)
        ax.set_yticks(y, escape.plot_labels(labels))
        ax.invert_yaxis()
        ax.axvline(0, color="black", lw=0.8)
        ax.set_title(name, fontsize=10)
        ax.margins(x=0.2)
    axes[1].set_yticklabels([])
    handles, names = axes[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="outside lower center", ncols=2, fontsize=8, frameon=False)
    n = int(comparison["n_questions"].iloc[0]) if "n_questions" in comparison.columns else None
    fig.suptitle(
        escape.plot_text(title + (f" ({n} resolved question{'s' * (n != 1)})" if n is not None else ""), TITLE_WIDTH)
    )
    return fig
