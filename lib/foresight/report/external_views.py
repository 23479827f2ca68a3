"""What the backtest notebook shows beside the model: scores per family, and forecasts made elsewhere.

Numbers come from :func:`foresight.evaluate.backtest.compare_by_family` and
:mod:`foresight.evaluate.external`; this module shapes them for readers (words,
rounding, escaped pack text) and for result files (rows for ``scores_by_family.csv``
and ``external_scores.csv``), and draws the side-by-side chart.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from IPython.display import Markdown

from foresight.evaluate import backtest as bt
from foresight.evaluate import external as ex
from foresight.report import escape, style
from foresight.report.history_views import nothing_resolved
from foresight.report.plots import ReportFigure
from foresight.report.results import json_rows

COLORS = {"external": style.EXTERNAL, "model": style.FORECAST, "base_rate": style.BASE, "p50": style.NEUTRAL}


def family_view(scores: pd.DataFrame, what: str = "brier") -> pd.DataFrame | Markdown:
    """Time-averaged Brier (or ``what="log_score"``) per family (rows) and method (columns), with question counts."""
    table = bt.compare_by_family(scores)
    if not len(table):
        return nothing_resolved()
    wide = table.pivot(index="family", columns="method", values=f"{what}_time_averaged")
    counts = table.groupby("family")["n_questions"].first()
    order = [f for f in wide.index if f != bt.ALL_FAMILIES] + [bt.ALL_FAMILIES]
    out = wide.loc[order, [m for m in bt.METHODS if m in wide.columns]].astype(float).round(3)
    out.insert(0, "questions", counts.loc[order].to_numpy())
    out.columns = ["questions", *(bt.METHOD_LABELS[m] for m in out.columns[1:])]
    return out.reset_index()


def family_rows(scores: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of ``scores_by_family.csv`` (:data:`foresight.evaluate.backtest.BY_FAMILY_COLUMNS`)."""
    return json_rows(bt.compare_by_family(scores), bt.BY_FAMILY_COLUMNS)


def external_intro(pack: Any, paired: pd.DataFrame) -> Markdown:
    """How many forecasts from elsewhere are scored, from which sources, and what the match grades mean."""
    if not pack.external_forecasts:
        return Markdown(
            "This pack holds no forecasts from elsewhere (an optional `external_forecasts.yaml` adds crowd, market "
            "or other analysts' forecasts, scored here beside the model)."
        )
    if not len(paired):
        return Markdown(
            f"The pack holds {len(pack.external_forecasts)} forecasts from elsewhere, but none is of a question "
            "scored here (resolved by `today`)."
        )
    head = paired[paired["headline"].astype(bool)]
    return Markdown(
        f"**{len(paired)} forecasts from elsewhere** ({paired['source'].nunique()} series, "
        f"{paired['question_id'].nunique()} questions) are scored beside the model's forecast that held on the same "
        f"day; **{len(head)}** of them ask the same question or a close one (`same`/`close`) and make the headline. "
        "The others (`broader`, `narrower`: a longer or shorter window, a wider or narrower event) are listed but "
        "not averaged in, since they may fairly deserve another probability. Every series is averaged over the "
        "time each of its forecasts held, the model over exactly the same days."
    )


def external_pairs_view(paired: pd.DataFrame) -> pd.DataFrame:
    """One row per (source, question) series: match grade, forecasts, and each method's time-averaged Brier."""
    pairs = ex.pairs_time_averaged(paired)
    out = pd.DataFrame(
        {
            "question": pairs["question_id"],
            "source": pairs["source"],
            "match": pairs["match"],
            "in headline": ["yes" if h else "no" for h in pairs["headline"]],
            "forecasts": pairs["n_forecasts"],
        }
    )
    for method, prefix in ex.PAIRED_METHODS.items():
        out[f"{ex.PAIRED_LABELS[method]}: Brier"] = pd.to_numeric(pairs[f"{prefix}brier"]).round(3).to_numpy()
    out["external: log score"] = pd.to_numeric(pairs["external_log_score"]).round(3).to_numpy()
    out["model: log score"] = pd.to_numeric(pairs["log_score"]).round(3).to_numpy()
    return out.sort_values(["in headline", "question"], ascending=[False, True]).reset_index(drop=True)


def external_summary_view(paired: pd.DataFrame, headline_only: bool = True) -> pd.DataFrame:
    """Side by side per family: series, then each method's mean time-averaged Brier, then log score
    (``same``/``close`` series only by default)."""
    table = ex.compare_external(paired, headline_only=headline_only)
    short = {"external": "external", "model": "model", "base_rate": "base rate", "p50": "always 50%"}
    columns = [f"{short[m]}: {what}" for what in ("Brier", "log score") for m in ex.PAIRED_METHODS]
    if not len(table):
        return pd.DataFrame(columns=["family", "series", *columns])
    order = list(dict.fromkeys(table["family"]))
    out = pd.DataFrame({"family": order, "series": table.groupby("family")["n_pairs"].first().loc[order].to_numpy()})
    for what, col in (("Brier", "brier_time_averaged"), ("log score", "log_score_time_averaged")):
        wide = table.pivot(index="family", columns="method", values=col).loc[order]
        for m in ex.PAIRED_METHODS:
            out[f"{short[m]}: {what}"] = wide[m].astype(float).round(3).to_numpy()
    return out


def external_sentence(paired: pd.DataFrame) -> Markdown:
    """The headline in one sentence: model and external Brier on the matched series, and the gap."""
    table = ex.compare_external(paired)
    if not len(table):
        return Markdown("")
    pooled = table[table["family"] == "(all)"].set_index("method")
    n = int(pooled["n_pairs"].iloc[0])
    model, other = pooled.loc["model", "brier_time_averaged"], pooled.loc["external", "brier_time_averaged"]
    way = "better than" if model < other - 1e-4 else ("worse than" if model > other + 1e-4 else "level with")
    return Markdown(
        f"On the {n} matched series (same/close), the model's time-averaged Brier score is **{model:.3f}** against "
        f"**{other:.3f}** for the forecasts from elsewhere: the model did {way} them. With so few series this "
        "describes what happened; it does not prove one forecaster better."
    )


def crowd_check_view(paired: pd.DataFrame) -> Markdown:
    """This pack against the crowd of its time (:mod:`foresight.evaluate.crowd_check`, headline series): a sign of
    hindsight in its classes and evidence, shown where the pack's author can still look at them."""
    from foresight.evaluate.crowd_check import crowd_check

    headline = paired[paired["match"].isin(ex.HEADLINE)] if len(paired) else paired
    check = crowd_check(headline)
    if check is None:
        return Markdown("")
    lines = "\n".join(f"- {line.strip()}" for line in check.lines())
    return Markdown(
        "**Against the crowd of its time** (a check for hindsight: docs/explanation/hindsight.md):\n\n" + lines
    )


def external_figure(paired: pd.DataFrame) -> Any:
    """Side-by-side bars of time-averaged Brier per headline series: external, model, base rate, 50%."""
    pairs = ex.pairs_time_averaged(paired)
    pairs = pairs[pairs["headline"].astype(bool)] if len(pairs) else pairs
    if not len(pairs):
        return Markdown("")
    pairs = pairs.sort_values(["question_id", "source"], kind="stable")
    fig = ReportFigure(figsize=(10, 0.45 * len(pairs) + 1.8), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    y = np.arange(len(pairs))
    height = 0.8 / len(ex.PAIRED_METHODS)
    for k, (method, prefix) in enumerate(ex.PAIRED_METHODS.items()):
        ax.barh(
            y - 0.4 + height * (k + 0.5),
            pairs[f"{prefix}brier"].astype(float),
            height=height,
            color=COLORS[method],
            label=ex.PAIRED_LABELS[method],
        )
    labels = escape.plot_labels(f"{q} · {s}" for q, s in zip(pairs["question_id"], pairs["source"]))
    ax.set_yticks(y, labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("time-averaged Brier score (lower is better)")
    ax.axvline(0.25, color="black", lw=0.6, ls=":")
    fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncols=4, fontsize=8, frameon=False)
    ax.set_title("Forecasts from elsewhere beside the model, same questions and days")
    return fig


def external_rows(paired: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of ``external_scores.csv`` (:data:`foresight.evaluate.external.PAIRED_COLUMNS`)."""
    return json_rows(paired, ex.PAIRED_COLUMNS)
