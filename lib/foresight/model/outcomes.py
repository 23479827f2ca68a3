"""Outcome types: the one place that says what differs between yes/no, options and date questions.

A question's ``type`` (questions.yaml; ``binary`` when absent, so every older pack is unchanged)
says what is forecast. As Bambi's ``Family`` holds what varies between likelihoods, an
:class:`OutcomeType` holds what varies between outcomes; everything else (packs, evidence over
time, correlation groups, the cache of draws, what-ifs) is shared.

=========  ====================================  =========================================  =====================================
part       binary (yes/no)                       options (K exclusive, maybe ordered)       date (when in the window, or not)
=========  ====================================  =========================================  =====================================
outside    Beta(0.5 + r*yes, 0.5 + r*no) per      Dirichlet(0.5 + r*n_k) per class whose     the binary's, read as a curve over the
view       class, analyst prior (maxent Beta),    cases record ``option:``; options_prior    window by the hazard machinery (shape,
           event log; mixed by weight             Dirichlet(strength*p) (or bins' p from     decision points, triggers, event log):
           (:mod:`~foresight.model.outside`)      quantiles); mixed by weight                :mod:`~foresight.model.curve`
case       Bernoulli (logistic regression on      categorical (cases counted, not a          Bernoulli of "happened within the
likelihood coded cases, power prior r)            regression: codings are not learnt)        exposure period", as binary
evidence   logit p += sum beta_k x_k              log p_j += sum beta_jk x_k, renormalised;  logit F(d) += sum beta_k x_k at every
update                                           beta_jk: the ratio of option j against     day d (the binary's shift; why:
                                                 a reference option (90% interval)          :mod:`~foresight.model.when`)
row        mean, p05, p50, p95 of P(yes)         ``options_json``: per option mean and      mean/p05/p50/p95 of P(by closes),
                                                 90% interval                               ``quantiles``: dates of the curve
scores     Brier, log                            log, multi-category Brier, RPS (ordered)   binned log score (months + not by
                                                                                            closes), CRPS in days
baselines  base rate, 50%                        base rate (outside view), uniform          base rate (outside view's curve),
                                                                                            uniform over the bins / days
=========  ====================================  =========================================  =====================================

The binary type delegates to the functions that have always computed yes/no forecasts
(:func:`foresight.model.forecasting.forecast` and :meth:`Forecast.summary_row`), so its
numbers are bit-identical. A yes/no ``by_deadline`` question may say ``point_of: DATE-ID``: its
forecast is then the date question's curve at its own ``closes`` (same draws, same evidence),
so a ladder of deadlines can never disagree with itself. Scores are named here and computed
in :mod:`foresight.evaluate.outcome_scores` (with ``scoringrules``), which is the layer
allowed to score.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from foresight.model.choice import OptionsForecast, draw_options, options_model
from foresight.model.forecasting import _forecast_seen_at, check_in_window, natural_as_of, parse_date
from foresight.model.options import ModelOptions
from foresight.model.when import DateForecast
from foresight.pack.loader import Pack
from foresight.pack.schema import Question

ROW_COLUMNS = ("type", "options_json", "quantiles")
"""Columns a typed row adds to the binary row (binary rows hold type 'binary' and leave the others empty)."""


@dataclass(frozen=True)
class OutcomeType:
    """What one outcome type needs, by name: how to forecast, its row, and which scores and baselines apply."""

    name: str
    scores: tuple[str, ...]
    baselines: tuple[str, ...]

    def forecast(
        self, pack: Pack, question: Question, when: dt.date, opts: ModelOptions, overrides: Mapping[str, Any]
    ) -> Any:
        """The question's forecast seen at ``when`` (a date inside its window)."""
        if self.name == "options":
            from foresight.model.evidence import observations_as_of

            draws = draw_options(options_model(pack, question, opts), opts)
            return OptionsForecast(pack, question, when, draws, observations_as_of(pack, when, overrides), overrides)
        f = _forecast_seen_at(pack, question, when, opts, dict(overrides), True, None)
        return DateForecast(f) if self.name == "date" else f

    def row(self, f: Any) -> dict[str, Any]:
        """The one row shape of ``forecasts.csv``: the binary row plus :data:`ROW_COLUMNS`."""
        if self.name == "binary":
            return {**f.summary_row(), "type": "binary", "options_json": None, "quantiles": None}
        q = f.question
        common = {"question_id": q.id, "title": q.title, "family": q.family, "as_of": f.as_of.isoformat()}
        if self.name == "date":
            row = f.by_closes.summary_row()
            return {**row, "type": "date", "options_json": None, "quantiles": json.dumps(f.date_quantiles())}
        intervals = f.interval(0.9)
        per_option = {
            k: {"mean": float(m), "p05": float(lo), "p95": float(hi), "base": float(b)}
            for k, m, (lo, hi), b in zip(f.options, f.mean, intervals, f.base_mean)
        }
        return {
            **common,
            "mean": None,
            "p05": None,
            "p50": None,
            "p95": None,
            "base_rate_mean": None,
            "resolution": q.resolved_option,
            "converged": True,
            "diagnostics": "exact draws (Dirichlet mixture and Normal log ratios): no sampler to check",
            "type": "options",
            "options_json": json.dumps(per_option),
            "quantiles": None,
        }


TYPES: dict[str, OutcomeType] = {
    "binary": OutcomeType("binary", ("brier", "log"), ("base_rate", "fifty")),
    "options": OutcomeType("options", ("log", "brier", "rps"), ("base_rate", "uniform")),
    "date": OutcomeType("date", ("binned_log", "crps_days"), ("base_rate", "uniform")),
}
"""Every outcome type by the name questions.yaml uses (``rps`` applies to ordered options only)."""


def outcome_type(question: Question) -> OutcomeType:
    return TYPES[question.type]


def forecast_any(
    pack: Pack,
    question_id: str,
    as_of: Any = None,
    options: ModelOptions | None = None,
    *,
    overrides: Mapping[str, Any] | None = None,
    **option_changes: Any,
) -> Any:
    """Any question's forecast: a :class:`Forecast` (binary), :class:`OptionsForecast` or :class:`DateForecast`."""
    opts = ModelOptions.of(options, **option_changes)
    question = pack.any_question(question_id)
    when = natural_as_of(question) if as_of is None else parse_date(as_of)
    check_in_window(question, when)
    return outcome_type(question).forecast(pack, question, when, opts, dict(overrides or {}))


def summary_row(f: Any) -> dict[str, Any]:
    """A forecast of any type as the row ``forecasts.csv`` holds."""
    return outcome_type(f.question).row(f)
