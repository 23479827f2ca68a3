"""Forecasts made elsewhere (crowd, market, another analyst) scored beside the model at the same dates.

A pack's ``external_forecasts.yaml`` lists, per pack question, a source's
probability on a day and how closely the source's question matches the pack's
(``same``, ``close``, ``broader``, ``narrower``). Only ``same`` and ``close``
enter the headline comparison (:data:`HEADLINE`); the others are scored and
listed, because a broader or narrower question can fairly deserve another
probability.

Pairing rule. An external forecast dated d is set beside the model's forecast
that held on d: the last step of the question's backtest history dated on or
before d (the history starts on ``opens``, and the pack refuses external
forecasts dated before ``opens`` or on/after ``resolved_on``; a row dated on
or after the resolution is dropped here too, as the backtest drops the model's).
The base rate and always-50% at d come from the same step.

Time-averaging. Each external forecast holds until the same source's next
forecast on the question, the last until the question's end (the earlier of
``closes`` and ``resolved_on``), exactly as :func:`foresight.evaluate.scoring.time_averaged`
does for the model; the model, base rate and coin in a pair are read on the
same days and held over the very same spans, so both forecasters are seen at
the same moments (a model step between two external forecasts is not used:
the source's own moves between its snapshots are not known either). A *pair* is one
(source, question) series; the summary is the plain mean over pairs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from foresight.evaluate.backtest import METHODS
from foresight.evaluate.scoring import brier_score, log_score, time_averaged
from foresight.pack.loader import Pack

HEADLINE = ("same", "close")
"""Match grades that enter the headline comparison."""

PAIRED_METHODS: dict[str, str] = {"external": "external_", "model": "", "base_rate": "base_rate_", "p50": "p50_"}
"""Method -> column prefix in the paired table."""

PAIRED_LABELS: dict[str, str] = {
    "external": "external forecast",
    "model": "model at the same dates",
    "base_rate": "base rate at the same dates",
    "p50": "always 50%",
}

PAIRED_COLUMNS: list[str] = [
    "question_id",
    "family",
    "source",
    "match",
    "headline",
    "as_of",
    "model_as_of",
    "closes",
    "resolved_on",
    "outcome",
    *(f"{prefix}{what}" for prefix in PAIRED_METHODS.values() for what in ("forecast", "brier", "log_score")),
]
"""The columns of :func:`pair_external` (and of ``external_scores.csv``)."""

SUMMARY_COLUMNS: list[str] = [
    "family",
    "method",
    "label",
    "n_pairs",
    "n_forecasts",
    "brier_time_averaged",
    "log_score_time_averaged",
]


def pair_external(pack: Pack, scores: pd.DataFrame) -> pd.DataFrame:
    """One row per external forecast of a scored question, beside the model's forecast that held that day.

    ``scores`` is :func:`foresight.evaluate.backtest.backtest`'s table (so only
    questions it scored, with the same ``today``, take part). Columns:
    :data:`PAIRED_COLUMNS`; ``model_as_of`` is the date of the model's step used.
    """
    rows = []
    scored = {q: g.sort_values("as_of") for q, g in scores.groupby("question_id")} if len(scores) else {}
    for ef in pack.external_forecasts:
        steps = scored.get(ef.question)
        if steps is None:
            continue
        when = pd.Timestamp(ef.date)
        if when >= pd.Timestamp(steps["resolved_on"].iloc[0]):
            continue
        held = steps[pd.to_datetime(steps["as_of"]) <= when]
        if held.empty:
            continue
        step = held.iloc[-1]
        row = {
            "question_id": ef.question,
            "family": step["family"],
            "source": ef.source,
            "match": ef.match,
            "headline": ef.match in HEADLINE,
            "as_of": when,
            "model_as_of": pd.Timestamp(step["as_of"]),
            "closes": pd.Timestamp(step["closes"]),
            "resolved_on": pd.Timestamp(step["resolved_on"]),
            "outcome": int(step["outcome"]),
            "external_forecast": float(ef.probability),
        }
        for method, prefix in METHODS.items():
            if method in PAIRED_METHODS:
                row[f"{prefix}forecast"] = float(step[f"{prefix}forecast"])
        rows.append(row)
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in PAIRED_COLUMNS})
    out = pd.DataFrame(rows)
    for prefix in PAIRED_METHODS.values():
        out[f"{prefix}brier"] = brier_score(out[f"{prefix}forecast"], out["outcome"])
        out[f"{prefix}log_score"] = log_score(out[f"{prefix}forecast"], out["outcome"])
    return out.sort_values(["question_id", "source", "as_of"], kind="stable").reset_index(drop=True)[PAIRED_COLUMNS]


def pairs_time_averaged(paired: pd.DataFrame) -> pd.DataFrame:
    """One row per (source, question): every method's scores averaged over the external forecasts' spans."""
    cols = [f"{prefix}{what}" for prefix in PAIRED_METHODS.values() for what in ("brier", "log_score")]
    if not len(paired):
        return pd.DataFrame(columns=["source", "question_id", "family", "match", "headline", "n_forecasts", *cols])
    averaged = time_averaged(paired, cols, by=["source"])
    first = paired.groupby(["source", "question_id"], sort=True)[["family", "match", "headline"]].first()
    averaged = averaged.join(first, on=["source", "question_id"])
    return averaged[["source", "question_id", "family", "match", "headline", "n_forecasts", "days", *cols]]


def compare_external(paired: pd.DataFrame, headline_only: bool = True) -> pd.DataFrame:
    """Mean time-averaged Brier and log score over pairs, per method, by family and then over all (``(all)``).

    With ``headline_only`` (the default) only ``same``/``close`` pairs count.
    Columns: :data:`SUMMARY_COLUMNS`; empty when there is nothing to compare.
    """
    pairs = pairs_time_averaged(paired)
    if headline_only and len(pairs):
        pairs = pairs[pairs["headline"].astype(bool)]
    if not len(pairs):
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    rows = []
    groups = [(family, g) for family, g in pairs.groupby("family", sort=True)]
    for family, group in [*groups, ("(all)", pairs)]:
        for method, prefix in PAIRED_METHODS.items():
            rows.append(
                {
                    "family": family,
                    "method": method,
                    "label": PAIRED_LABELS[method],
                    "n_pairs": len(group),
                    "n_forecasts": int(group["n_forecasts"].sum()),
                    "brier_time_averaged": float(np.mean(group[f"{prefix}brier"])),
                    "log_score_time_averaged": float(np.mean(group[f"{prefix}log_score"])),
                }
            )
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
