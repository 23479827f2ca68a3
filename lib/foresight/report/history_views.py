"""What the history and backtest notebooks show: reader tables, plain-words texts, and JSON-friendly rows.

The numbers come from :mod:`foresight.evaluate.history`, :mod:`foresight.evaluate.backtest` and
:mod:`foresight.evaluate.scoring`; the figures from :mod:`foresight.report.history_plots`.
This module only shapes them for readers (column names in words, percentages)
and for result files (:func:`foresight.report.results.json_rows`), and says what an empty backtest means, so each
notebook cell stays one call.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from IPython.display import HTML, Markdown

from foresight.evaluate import backtest as bt
from foresight.evaluate import scoring
from foresight.evaluate.history import HISTORY_COLUMNS, LIST_COLUMNS, SEP
from foresight.pack.freeze import freeze_status
from foresight.pack.loader import Pack
from foresight.pack.schema import Question
from foresight.report import escape, history_plots, layout
from foresight.report.results import json_rows
from foresight.report.style import box

HISTORY_ROW_COLUMNS = [c for c in HISTORY_COLUMNS if c not in LIST_COLUMNS]
"""The columns of ``history.csv`` (the history's text columns; the list columns are left out)."""


# --- rows for result files -------------------------------------------------------------------


def history_rows(history: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of ``history.csv`` (:data:`HISTORY_ROW_COLUMNS`)."""
    return json_rows(history, HISTORY_ROW_COLUMNS)


def score_rows(scores: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of ``scores.csv``: :data:`foresight.evaluate.backtest.SCORES_CSV_COLUMNS`, the model first, then each baseline."""
    return json_rows(scores, bt.SCORES_CSV_COLUMNS)


# --- small helpers -----------------------------------------------------------------------------


def _pct(x: Any, digits: int = 1) -> str:
    return "" if x is None or pd.isna(x) else f"{float(x):.{digits}%}"


def _date(x: Any) -> str:
    return "" if x is None or pd.isna(x) else pd.Timestamp(x).date().isoformat()


# --- the history notebook ------------------------------------------------------------------------


def history_intro(question: Question, history: pd.DataFrame) -> Markdown:
    """What the history is, for this question: its steps, its window, its resolution."""
    n = len(history)
    first, last = history.iloc[0], history.iloc[-1]
    resolved = (
        f" It resolved **{question.resolution}** on {question.resolved_on}."
        if question.resolution
        else " It has not resolved yet."
    )
    return Markdown(
        f"### {escape.md(question.title)}\n\n`{question.id}` · open from {question.opens} to {question.closes}."
        f"{resolved}\n\n"
        f"The history is the forecast as it would have stood on each day something could change it: the day the "
        f"question opened, each day a document of the pack came out, each day a piece of evidence began to count "
        f"or stopped counting, each day a question it depends on resolved, and any dates asked for. Every step uses only what was published by its date, and all {n} steps "
        f"share one posterior, so a move from one step to the next comes from the evidence or the shorter window "
        f"left, not from sampling noise. It went from **{_pct(first['mean'])}** on {_date(first['as_of'])} to "
        f"**{_pct(last['mean'])}** on {_date(last['as_of'])}."
    )


def history_figure(
    history: pd.DataFrame, question: Question | None = None, timeline: Any = None, path: pd.DataFrame | None = None
) -> Any:
    """The fan chart (:func:`foresight.report.history_plots.plot_history`), titled with the question,
    with the pack's background timeline (``pack.timeline``) marked when given, and drawn day by day
    from ``path`` (:func:`foresight.evaluate.history.history_path`) when given."""
    title = f"{question.id}: {question.title}" if question is not None else None  # escaped where drawn
    return history_plots.plot_history(history, title=title, timeline=timeline, path=path)


LISTED_REASONS = ("opens", "resolution", "outside view", "requested")
"""Reasons that list a step in :func:`history_table` even when no evidence in force changed."""


def history_table(history: pd.DataFrame) -> pd.DataFrame:
    """The steps where something changed the forecast, in readers' words: date, what changed, the forecast
    with its 90% interval, and the base rate.

    A step is listed when the evidence in force changed (``what_changed``), or the question opened, a question
    it depends on resolved, the outside view jumped, or the date was asked for. A document that brought
    nothing new in force, or evidence the credibility or replacement rule leaves without effect, changes
    nothing but the window left, which the chart draws day by day.
    """
    changed = history.get("what_changed", pd.Series([""] * len(history), index=history.index)).fillna("")
    reasons = history["reason"].fillna("").astype(str)
    keep = changed.astype(str).ne("") | reasons.map(lambda r: any(x in r.split(SEP) for x in LISTED_REASONS))
    rows = history[keep]
    what = []
    for r, c in zip(rows["reason"], changed[keep]):
        parts = [p for p in str(c).split(SEP) if p]
        named = set(str(r).split(SEP))
        if "opens" in named:
            parts.insert(0, "the question opened")
        if "resolution" in named:
            parts.append("a question it depends on resolved")
        if "outside view" in named:
            parts.append("the outside view jumped")
        if "requested" in named and not parts:
            parts.append("date asked for (nothing new)")
        what.append("; ".join(parts))
    return pd.DataFrame(
        {
            "date": [_date(d) for d in rows["as_of"]],
            "what changed": what,
            "forecast (mean)": [_pct(v) for v in rows["mean"]],
            "90% interval": [f"{_pct(lo)} to {_pct(hi)}" for lo, hi in zip(rows["p05"], rows["p95"])],
            "base rate": [_pct(v) for v in rows["base_rate_mean"]],
        }
    )


def history_diagnostics(history: pd.DataFrame) -> HTML:
    """The posterior's convergence in plain words (one posterior serves every step): green line or red box."""
    words = escape.html(str(history["diagnostics"].iloc[0]))
    if bool(history["converged"].all()):
        return box("ok", f"{words} The same draws serve every step of the history.", title="Diagnostics:")
    return box(
        "warning",
        f"{words}<br>Run again with more draws (e.g. <code>draws=4000</code>).",
        title="WARNING: the sampler did not converge; do not trust this history yet.",
    )


# --- the backtest notebook -----------------------------------------------------------------------


def backtest_intro(pack: Pack, scores: pd.DataFrame, today: dt.date) -> Markdown:
    """Which questions are scored (resolved by ``today``), how many forecasts, and how to read the scores."""
    scored = bt.scorable_questions(pack, today)
    unresolved = len(pack.questions) - len(scored)
    head = (
        f"**{len(scored)} of {len(pack.questions)} questions** of pack `{pack.meta.id}` had resolved by "
        f"{today} and are scored, with **{len(scores)} forecasts** in all (one per step of each question's "
        f"history, before the day it resolved)."
    )
    if unresolved:
        head += f" The other {unresolved} had not resolved by then (or close after {today}) and are left out."
    head += f"\n\n**Freeze:** {escape.md(freeze_status(pack).sentence())}."
    return Markdown(
        head + "\n\nTwo scores per forecast: the **Brier score** (p − outcome)², lower is better, 0 is perfect and "
        "0.25 is what always saying 50% earns; and the **log score** ln p if it happened, ln(1 − p) if not, higher is "
        "better, 0 is perfect and −0.693 is the 50% forecast's. Each question's history is also averaged over the "
        "time each forecast held, so a question with many documents does not count more than one with few."
    )


NOTHING_RESOLVED = "Nothing has resolved yet, so there is nothing to score here."
"""What each backtest section says in place of an empty table."""


def nothing_resolved() -> Markdown:
    """The line a backtest section shows instead of an empty table or figure."""
    return Markdown(f"*{NOTHING_RESOLVED}*")


def nothing_scored(scores: pd.DataFrame, today: dt.date) -> HTML | Markdown:
    """A visible note when no question had resolved by ``today`` (every later section is then empty)."""
    if len(scores):
        return Markdown("")
    return box(
        "note",
        f"nothing has resolved yet: no question of the pack had resolved by {today}. "
        "Give a later <code>today</code>, or record resolutions in questions.yaml.",
        title="Nothing to score:",
    )


def scores_view(scores: pd.DataFrame) -> pd.DataFrame:
    """The score table per question and date: each method's forecast and Brier score, and the model's log score."""
    if not len(scores):
        return pd.DataFrame(columns=["question", "as of", "outcome"])
    out = pd.DataFrame(
        {
            "question": scores["question_id"],
            "as of": [_date(d) for d in scores["as_of"]],
            "outcome": ["yes" if o == 1 else "no" for o in scores["outcome"]],
        }
    )
    for method, prefix in bt.METHODS.items():
        name = "model" if method == "model" else method.replace("_", " ")
        out[f"{name}: forecast"] = [_pct(v) for v in scores[f"{prefix}forecast"]]
        out[f"{name}: Brier"] = pd.to_numeric(scores[f"{prefix}brier"]).round(3).to_numpy()
    out["model: log score"] = pd.to_numeric(scores["log_score"]).round(3).to_numpy()
    return out


def scores_section(scores: pd.DataFrame) -> Any:
    """Every row of :func:`scores_view`, folded (a long backtest has hundreds) under a line that says how many;
    :func:`nothing_resolved` when nothing was scored. The same rows are in the run's ``scores.csv``."""
    if not len(scores):
        return nothing_resolved()
    n, q = len(scores), scores["question_id"].nunique()
    return layout.collapsible(
        scores_view(scores),
        f"All {n} scored forecasts of {q} question{'s' * (q != 1)} (click to open; also in scores.csv)",
    )


def compare(scores: pd.DataFrame) -> pd.DataFrame:
    """:func:`foresight.evaluate.backtest.compare_baselines`, or an empty table when nothing was scored."""
    if not len(scores):
        return pd.DataFrame(columns=bt.COMPARISON_COLUMNS)
    return bt.compare_baselines(scores)


def baselines_view(comparison: pd.DataFrame) -> pd.DataFrame | Markdown:
    """The model against the three baselines, in words, scores rounded (:func:`nothing_resolved` when empty)."""
    if not len(comparison):
        return nothing_resolved()
    return pd.DataFrame(
        {
            "method": comparison["label"],
            "questions": comparison["n_questions"],
            "forecasts": comparison["n_forecasts"],
            "Brier, every step": comparison["brier_by_step"].astype(float).round(3),
            "Brier, time-averaged": comparison["brier_time_averaged"].astype(float).round(3),
            "log score, every step": comparison["log_score_by_step"].astype(float).round(3),
            "log score, time-averaged": comparison["log_score_time_averaged"].astype(float).round(3),
        }
    )


def baselines_figure(comparison: pd.DataFrame) -> Any:
    """:func:`foresight.report.history_plots.plot_baselines`, or nothing when nothing was scored."""
    return history_plots.plot_baselines(comparison) if len(comparison) else Markdown("")  # the table said why


def baselines_sentence(comparison: pd.DataFrame) -> Markdown:
    """Which method did best (time-averaged Brier), and where the model stands against each baseline."""
    if not len(comparison):
        return Markdown("")
    by = comparison.set_index("method")["brier_time_averaged"].astype(float)
    model = by.get("model")
    parts = []
    for method in ("naive", "base_rate", "p50"):
        if method in by.index and model is not None:
            diff = by[method] - model
            way = "better than" if diff > 1e-4 else ("worse than" if diff < -1e-4 else "level with")
            parts.append(f"{way} {bt.METHOD_LABELS[method]} ({by[method]:.3f})")
    n = int(comparison["n_questions"].iloc[0])
    small = (
        f" With {n} resolved question{'s' * (n != 1)}, these differences are a description of what happened, "
        "not evidence that one method is better."
        if n < scoring.MIN_QUESTIONS
        else ""
    )
    return Markdown(
        f"Time-averaged Brier score of the model: **{model:.3f}**; it did " + "; ".join(parts) + "." + small
    )


def per_question_view(scores: pd.DataFrame) -> pd.DataFrame | Markdown:
    """Each question's scores averaged over the time each forecast held (:func:`foresight.evaluate.scoring.time_averaged`)."""
    columns = [f"{prefix}{what}" for prefix in bt.METHODS.values() for what in ("brier", "log_score")]
    if not len(scores):
        return nothing_resolved()
    averaged = scoring.time_averaged(scores, columns)
    outcome = scores.groupby("question_id")["outcome"].first()
    out = pd.DataFrame(
        {
            "question": averaged["question_id"],
            "outcome": ["yes" if outcome[q] == 1 else "no" for q in averaged["question_id"]],
            "forecasts": averaged["n_forecasts"],
            "days": averaged["days"].astype(int),
            "from": [_date(d) for d in averaged["first_as_of"]],
            "to": [_date(d) for d in averaged["end"]],
        }
    )
    for method, prefix in bt.METHODS.items():
        name = "model" if method == "model" else method.replace("_", " ")
        out[f"{name}: Brier"] = averaged[f"{prefix}brier"].round(3).to_numpy()
    out["model: log score"] = averaged["log_score"].round(3).to_numpy()
    return out


def calibration_view(scores: pd.DataFrame, bins: int = 5) -> pd.DataFrame | Markdown:
    """The model's forecasts by probability bin: count, how many happened, mean forecast, observed with 90% interval."""
    if not len(scores):
        return nothing_resolved()
    table = scoring.calibration_table(scores, bins, probability="forecast")
    return pd.DataFrame(
        {
            "forecast bin": table["bin"],
            "forecasts": table["n"],
            "happened": table["yes"],
            "mean forecast": [_pct(v) for v in table["mean_forecast"]],
            "observed": [_pct(v) for v in table["observed"]],
            "90% interval of the observed": [
                f"{_pct(lo)} to {_pct(hi)}" if n else ""
                for lo, hi, n in zip(table["obs_lo"], table["obs_hi"], table["n"])
            ],
            "forecast inside it": [
                "yes" if c else ("no" if n else "") for c, n in zip(table["consistent"], table["n"])
            ],
        }
    )


def calibration_figure(scores: pd.DataFrame, bins: int = 5) -> Any:
    """:func:`foresight.report.history_plots.plot_calibration` of the model's forecasts, or nothing when none."""
    if not len(scores):
        return Markdown("")
    return history_plots.plot_calibration(scores, bins, probability="forecast", title="Calibration of the model")


def verdict(scores: pd.DataFrame, bins: int = 5) -> HTML:
    """The calibration verdict in plain words (:func:`foresight.evaluate.scoring.calibration_verdict`), in a box."""
    if not len(scores):
        return box("note", "nothing was scored, so there is nothing to judge.", title="Calibration:")
    v = scoring.calibration_verdict(scores, bins, probability="forecast")
    return box("ok" if v.enough and not v.off_bins else "note", escape.html(v.text), title="Calibration:")


def backtest_diagnostics(scores: pd.DataFrame) -> HTML:
    """Whether the posteriors behind the scores (model and naive baseline) converged, naming those that did not."""
    if not len(scores):
        return Markdown("")
    bad = sorted(
        {
            q
            for q, a, b in zip(scores["question_id"], scores["converged"], scores["naive_converged"])
            if not (bool(a) and bool(b))
        }
    )
    n = scores["question_id"].nunique()
    if not bad:
        return box(
            "ok",
            f"the posteriors of all {n} questions converged, for the model and for the naive baseline.",
            title="Diagnostics:",
        )
    return box(
        "warning",
        "Not converged (model or naive baseline): "
        + ", ".join(f"<code>{escape.html(q)}</code>" for q in bad)
        + ". Run again with more draws.",
        title=f"WARNING: {len(bad)} of {n} questions' posteriors did not converge; "
        "their scores are not to be trusted yet.",
    )
