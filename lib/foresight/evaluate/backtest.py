"""Backtest: score the model's forecast history on resolved questions, next to three baselines.

Which questions. Every question with a resolution whose ``closes`` date and
``resolved_on`` date are both on or before ``today`` (default: the real
today). A question resolved after ``today`` is never scored, even if the pack
already records its outcome: a backtest "as of" a past day must not know more
than that day did.

Which forecasts. Each step of the question's history (:func:`foresight.evaluate.history.forecast_history`)
dated strictly before ``resolved_on``. A document published on the day of the
resolution may report the outcome itself, so forecasts from that day on are
not scored (for by_deadline questions resolved 'no' this drops only a step
on the closing day, which holds for zero days anyway).

Methods and columns (one row per question and step; every method is scored
on exactly the same questions and dates):
  ``forecast``, ``brier``, ``log_score``                      the model: mean of its forecast draws
  ``naive_forecast``, ``naive_brier``, ``naive_log_score``    the same model with discount_groups=False
                                                              (naive Bayes: correlated indicators counted fully)
  ``base_rate_forecast``, ``base_rate_brier``, ``base_rate_log_score``
                                                              outside view only: base_rate_mean at that date
                                                              (the reference class scaled to the window left)
  ``p50_forecast``, ``p50_brier``, ``p50_log_score``          always 0.5 (the coin; not the median)
plus question_id, family, step, as_of, closes, resolved_on, outcome (1/0) and
converged / naive_converged (the posteriors' convergence flags).

No hindsight through the outside view: the model uses only reference-class
cases known before the question's ``opens`` (dated and settled before it; see
:meth:`foresight.pack.schema.Case.known_before`),
so adding a resolved question as a case of its own class later does not
flatter its backtest.

Scores follow :mod:`foresight.evaluate.scoring` (Brier lower is better, natural-log
score higher is better, p clipped into [1e-6, 1 - 1e-6] for the log).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from foresight.base.atomic import atomic_path
from foresight.evaluate.history import forecast_history
from foresight.evaluate.scoring import brier_score, log_score, time_averaged
from foresight.model.forecasting import parse_date
from foresight.model.options import ModelOptions
from foresight.pack.loader import Pack
from foresight.pack.schema import Question, outcome_number

METHODS: dict[str, str] = {"model": "", "naive": "naive_", "base_rate": "base_rate_", "p50": "p50_"}
"""Method name -> column prefix ('' for the model itself)."""

METHOD_LABELS: dict[str, str] = {
    "model": "model (evidence, correlation discount)",
    "naive": "naive Bayes (no correlation discount)",
    "base_rate": "base rate (outside view only)",
    "p50": "always 50%",
}

SCORES_CSV_COLUMNS: list[str] = ["question_id", "family", "as_of", "forecast", "outcome", "brier", "log_score"] + [
    f"{prefix}{what}" for prefix in list(METHODS.values())[1:] for what in ("forecast", "brier", "log_score")
]
"""The columns of ``scores.csv``, in order."""

BACKTEST_COLUMNS: list[str] = [
    "question_id",
    "family",
    "step",
    "as_of",
    "closes",
    "resolved_on",
    "outcome",
    *(c for c in SCORES_CSV_COLUMNS if c not in ("question_id", "family", "as_of", "outcome")),
    "converged",
    "naive_converged",
]


COMPARISON_COLUMNS = [
    "method",
    "label",
    "n_questions",
    "n_forecasts",
    "brier_by_step",
    "log_score_by_step",
    "brier_time_averaged",
    "log_score_time_averaged",
]
"""Columns of :func:`compare_baselines`."""


def forecast_column(method: str) -> str:
    """The column holding ``method``'s probability ('forecast', 'naive_forecast', ...)."""
    return f"{METHODS[method]}forecast"


def scorable_questions(pack: Pack, today: Any = None) -> list[Question]:
    """Resolved questions whose closes and resolved_on are both on or before ``today``, in file order."""
    when = dt.date.today() if today is None else parse_date(today, "today")
    return [
        q
        for q in pack.questions.values()
        if q.resolution is not None and q.resolved_on is not None and q.closes <= when and q.resolved_on <= when
    ]


def _score(frame: pd.DataFrame, prefix: str, probability: np.ndarray) -> None:
    frame[f"{prefix}forecast"] = probability
    frame[f"{prefix}brier"] = brier_score(probability, frame["outcome"])
    frame[f"{prefix}log_score"] = log_score(probability, frame["outcome"])


def backtest_question(
    pack: Pack, question: Question, options: ModelOptions | None = None, **forecast_kwargs: Any
) -> pd.DataFrame:
    """The backtest rows of one resolved question (see the module docstring)."""
    opts, rest = ModelOptions.split(options, forecast_kwargs)
    model = forecast_history(pack, question.id, options=opts, **rest)
    naive = forecast_history(pack, question.id, options=opts.replace(discount_groups=False), **rest)
    assert list(model["as_of"]) == list(naive["as_of"]), "history dates do not depend on the discount"
    keep = (model["as_of"] < pd.Timestamp(question.resolved_on)).to_numpy()
    model, naive = model[keep].reset_index(drop=True), naive[keep].reset_index(drop=True)
    out = pd.DataFrame(
        {
            "question_id": question.id,
            "family": question.family,
            "step": model["step"],
            "as_of": model["as_of"],
            "closes": model["closes"],
            "resolved_on": model["resolved_on"],
            "outcome": np.full(len(model), int(outcome_number(question.resolution)), dtype=int),
        }
    )
    _score(out, METHODS["model"], model["mean"].to_numpy())
    _score(out, METHODS["naive"], naive["mean"].to_numpy())
    _score(out, METHODS["base_rate"], model["base_rate_mean"].to_numpy())
    _score(out, METHODS["p50"], np.full(len(model), 0.5))
    out["converged"] = model["converged"]
    out["naive_converged"] = naive["converged"]
    return out[BACKTEST_COLUMNS]


def backtest(
    pack: Pack, options: ModelOptions | None = None, today: Any = None, **forecast_kwargs: Any
) -> pd.DataFrame:
    """Score every scorable question's history, with the three baselines (columns in the module docstring).

    ``today`` (default: the real today) decides which questions count as
    resolved. ``options`` and ``forecast_kwargs`` (single options such as ``draws``,
    or ``overrides``, ``cache_dir``) go to :func:`foresight.forecast` for the model,
    and for the naive baseline with ``discount_groups`` off.
    An empty table (with the columns) when nothing is scorable.
    """
    parts = [backtest_question(pack, q, options, **forecast_kwargs) for q in scorable_questions(pack, today)]
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in BACKTEST_COLUMNS})
    return pd.concat(parts, ignore_index=True)


def compare_baselines(scores: pd.DataFrame) -> pd.DataFrame:
    """Mean Brier and log score per method: over all steps, and averaged over time per question.

    Columns: method, label, n_questions, n_forecasts, brier_by_step and
    log_score_by_step (every scored forecast counts once), brier_time_averaged
    and log_score_time_averaged (each question's time-averaged score, see
    :func:`foresight.evaluate.scoring.time_averaged`, then the plain mean over
    questions, so a question with many documents does not count more).
    Methods whose columns are missing from ``scores`` are left out.
    """
    methods = [m for m, prefix in METHODS.items() if f"{prefix}brier" in scores.columns]
    score_cols = [f"{METHODS[m]}{what}" for m in methods for what in ("brier", "log_score")]
    per_question = time_averaged(scores, score_cols) if len(scores) else pd.DataFrame(columns=score_cols)
    rows = []
    for m in methods:
        prefix = METHODS[m]
        rows.append(
            {
                "method": m,
                "label": METHOD_LABELS[m],
                "n_questions": int(scores["question_id"].nunique()),
                "n_forecasts": len(scores),
                "brier_by_step": float(pd.to_numeric(scores[f"{prefix}brier"]).mean()),
                "log_score_by_step": float(pd.to_numeric(scores[f"{prefix}log_score"]).mean()),
                "brier_time_averaged": float(pd.to_numeric(per_question[f"{prefix}brier"]).mean()),
                "log_score_time_averaged": float(pd.to_numeric(per_question[f"{prefix}log_score"]).mean()),
            }
        )
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)


BY_FAMILY_COLUMNS: list[str] = [
    "family",
    "method",
    "label",
    "n_questions",
    "n_forecasts",
    "brier_time_averaged",
    "log_score_time_averaged",
]
"""The columns of :func:`compare_by_family` (and of ``scores_by_family.csv``)."""

ALL_FAMILIES = "(all)"
"""The ``family`` value of the rows that pool every family."""


def compare_by_family(scores: pd.DataFrame) -> pd.DataFrame:
    """Time-averaged Brier and log score per family and method, then the same over all families.

    Each question is first averaged over time (as in :func:`compare_baselines`),
    then questions are averaged within their family; the ``(all)`` rows pool
    every question, so they equal :func:`compare_baselines`' time-averaged columns.
    """
    if not len(scores):
        return pd.DataFrame(columns=BY_FAMILY_COLUMNS)
    methods = [m for m, prefix in METHODS.items() if f"{prefix}brier" in scores.columns]
    score_cols = [f"{METHODS[m]}{what}" for m in methods for what in ("brier", "log_score")]
    per_question = time_averaged(scores, score_cols, by=["family"])
    rows = []
    groups = [(family, g) for family, g in per_question.groupby("family", sort=True)]
    for family, group in [*groups, (ALL_FAMILIES, per_question)]:
        for m in methods:
            prefix = METHODS[m]
            rows.append(
                {
                    "family": family,
                    "method": m,
                    "label": METHOD_LABELS[m],
                    "n_questions": len(group),
                    "n_forecasts": int(group["n_forecasts"].sum()),
                    "brier_time_averaged": float(group[f"{prefix}brier"].mean()),
                    "log_score_time_averaged": float(group[f"{prefix}log_score"].mean()),
                }
            )
    return pd.DataFrame(rows, columns=BY_FAMILY_COLUMNS)


def write_scores_csv(scores: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write ``scores.csv`` (the columns :data:`SCORES_CSV_COLUMNS`, dates as YYYY-MM-DD) atomically.

    The table goes to a temporary file in the same folder that is then
    renamed over ``path``, so a reader (or a crash) never sees half a file.
    """
    missing = [c for c in SCORES_CSV_COLUMNS if c not in scores.columns]
    if missing:
        raise ValueError(f"scores lack the column(s) {', '.join(missing)}; pass the table backtest() returns")
    target = Path(path)
    table = scores[SCORES_CSV_COLUMNS].copy()
    table["as_of"] = pd.to_datetime(table["as_of"]).dt.strftime("%Y-%m-%d")
    with atomic_path(target) as tmp:
        table.to_csv(tmp, index=False)
    return target
