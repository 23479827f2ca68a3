"""What the scenarios notebook shows from a joint forecast: side by side, picked questions, conditionals, sensitivity.

Kept out of the notebook so every table it shows (and every result row it
writes) comes from the library and can be tested without a kernel. The
numbers themselves come from :mod:`foresight.model.joint` and
:mod:`foresight.evaluate.sensitivity`; this module only picks, joins and shapes them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

from foresight.evaluate.sensitivity import CHANGE_MY_MIND_COLUMNS, change_my_mind, tornado
from foresight.model.batch import clip_to_window
from foresight.model.forecasting import Forecast
from foresight.model.joint import JointForecast, links_of
from foresight.model.outcome_joint import OutcomeScenarios
from foresight.pack.links import expression_ids, parse_expression

MIN_PICK, MAX_PICK = 2, 5
"""How many questions the combinations table takes (2^5 = 32 rows at most)."""

SCENARIO_COLUMNS = ["scenario", "title", "expression", "probability", "p05", "p95", "note"]
TYPED_MARGINAL_COLUMNS = ["question", "outcome", "label", "joint", "single", "difference"]
TYPED_GIVEN_COLUMNS = ["question", "given", "outcome", "label", "probability"]
SENSITIVITY_COLUMNS = ["question_id", "kind", "item", "label", "low", "high", "swing", "forecast"]
CONDITIONAL_COLUMNS = [
    "source",
    "conditional",
    "title",
    "question",
    "given",
    "p_given_mean",
    "p05",
    "p95",
    "p_marginal",
    "lift_mean",
    "joint_ratio",
]


# --- every question side by side ---------------------------------------------------------


def side_by_side_notes(jf: JointForecast) -> list[str]:
    """Which questions were forecast at another date than ``as_of`` (moved into their window), and which left out."""
    notes = []
    for f in jf.forecasts.values():
        _, note = clip_to_window(f.question, jf.as_of)
        if note:
            notes.append(note)
    left_out = [q.id for q in jf.pack.questions.values() if q.id not in jf.forecasts]
    if left_out:
        notes.append(f"closed before {jf.as_of}, so not in the joint model: {', '.join(left_out)}")
    return notes


def joint_forecast_rows(jf: JointForecast) -> list[dict[str, Any]]:
    """Each jointly forecast question's row (:meth:`Forecast.summary_row`, the columns of ``forecasts.csv``)."""
    return [f.summary_row() for f in jf.forecasts.values()]


# --- the questions a reader picks ----------------------------------------------------------


def default_questions(jf: JointForecast) -> list[str]:
    """Questions to combine when none are picked: those of the pack's first named scenario (2 to 5, all forecast),
    else of its first declared conditional, else the first three questions forecast."""
    links = links_of(jf.pack)
    candidates = [expression_ids(parse_expression(s.expression)) for s in links.scenarios]
    candidates += [[c.question, *c.given] for c in links.conditionals]
    for ids in candidates:
        ids = list(dict.fromkeys(ids))
        if MIN_PICK <= len(ids) <= MAX_PICK and all(q in jf.forecasts for q in ids):
            return ids
    return jf.question_ids[:3]


def picked_questions(jf: JointForecast, requested: Sequence[str] | None) -> list[str]:
    """The picked questions (checked against the joint forecast), or :func:`default_questions`."""
    if not requested:
        return default_questions(jf)
    missing = [q for q in requested if q not in jf.forecasts]
    if missing:
        raise ValueError(f"not in the joint forecast as of {jf.as_of} (closed before it): {', '.join(missing)}")
    return list(dict.fromkeys(requested))


def combinations(jf: JointForecast, qids: Sequence[str]) -> pd.DataFrame:
    """Every combination of the picked questions' outcomes, likeliest first, with mean and 90% interval."""
    if len(qids) < 1:
        return pd.DataFrame()
    table = jf.combinations(list(qids))
    return table.sort_values("probability", ascending=False, kind="stable").reset_index(drop=True)


# --- named scenarios ------------------------------------------------------------------------


def scenario_table(jf: JointForecast) -> pd.DataFrame:
    """The pack's named scenarios (an empty table with the same columns when the pack names none)."""
    table = jf.scenario_table()
    return table[SCENARIO_COLUMNS] if len(table) else pd.DataFrame(columns=SCENARIO_COLUMNS)


# --- conditional forecasts -------------------------------------------------------------------


def pair_conditionals(jf: JointForecast, qids: Sequence[str]) -> pd.DataFrame:
    """P(A | B = yes) and P(A | B = no) for every ordered pair of the picked questions, with the lift over P(A):
    :meth:`JointForecast.conditional` pair by pair, labelled for the table."""
    qids = list(dict.fromkeys(qids))
    rows = []
    for a in qids:
        for b in qids:
            if a == b:
                continue
            for word in ("yes", "no"):
                rows.append(
                    {
                        "source": "picked pair",
                        "conditional": f"{a}|{b}={word}",
                        "title": f"{a}, given {b} resolves {word}",
                        **jf.conditional(a, {b: word}),
                    }
                )
    return pd.DataFrame(rows, columns=CONDITIONAL_COLUMNS)


def conditionals(jf: JointForecast, qids: Sequence[str]) -> pd.DataFrame:
    """The pack's declared conditionals (source ``pack``) followed by the picked pairs' conditionals."""
    declared = jf.conditionals_table()
    if len(declared):
        declared = declared.assign(source="pack")[CONDITIONAL_COLUMNS]
    frames = [f for f in (declared, pair_conditionals(jf, qids)) if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=CONDITIONAL_COLUMNS)


# --- options and date questions in the joint scenarios ---------------------------------------


def outcome_labels(f: Any) -> dict[str, str]:
    """What each simulated outcome of an options or date question says: an option's label, or for a date
    question "by" / "not by" its ``closes`` (a date question enters the scenarios as "by closes")."""
    q = f.question
    if q.type == "options":
        return {o.id: o.label for o in q.options or []}
    return {"yes": f"by {q.closes}", "no": f"not by {q.closes}"}


def typed_ids(js: OutcomeScenarios) -> list[str]:
    """The options and date questions of a simulation, in its order."""
    return [q for q in js.question_ids if js.forecasts[q].question.type in ("options", "date")]


def typed_marginals(js: OutcomeScenarios) -> pd.DataFrame:
    """Each options and date question's outcome frequency in the joint simulation beside its single forecast:
    they agree within Monte Carlo error (a date question as "by closes")."""
    m = js.marginals()
    m = m[m["question_id"].isin(typed_ids(js))]
    labels = {q: outcome_labels(js.forecasts[q]) for q in typed_ids(js)}
    return pd.DataFrame(
        {
            "question": m["question_id"],
            "outcome": m["outcome"],
            "label": [labels[q][o] for q, o in zip(m["question_id"], m["outcome"])],
            "joint": m["joint"],
            "single": m["single"],
            "difference": m["joint"] - m["single"],
        },
        columns=TYPED_MARGINAL_COLUMNS,
    ).reset_index(drop=True)


def typed_given(js: OutcomeScenarios, picked: Sequence[str]) -> pd.DataFrame:
    """Each options and date question's outcome probabilities in all scenarios ("all") and in those where a
    picked yes/no question resolves yes, then no: how the typed questions move with the picked ones."""
    rows = []
    conditions: list[tuple[str, Any]] = [("all", None)]
    for b in picked:
        if js.forecasts[b].question.type == "binary":
            conditions += [(f"{b} = {word}", js.outcomes[b] == word) for word in ("yes", "no")]
    for q in typed_ids(js):
        sims, labels = js.outcomes[q], outcome_labels(js.forecasts[q])
        for given, mask in conditions:
            chosen = sims if mask is None else sims[mask]
            if len(chosen) == 0:
                continue  # a condition no simulation meets has no distribution to show
            for outcome, label in labels.items():
                rows.append(
                    {
                        "question": q,
                        "given": given,
                        "outcome": outcome,
                        "label": label,
                        "probability": float((chosen == outcome).mean()),
                    }
                )
    return pd.DataFrame(rows, columns=TYPED_GIVEN_COLUMNS)


def typed_scenarios_view(js: OutcomeScenarios, picked: Sequence[str]) -> list[Any]:
    """What the scenarios notebook shows of the options and date questions: :func:`typed_given` as stacked bars
    per question and :func:`typed_marginals` (pack text escaped), or a sentence when none is open."""
    from IPython.display import Markdown

    given = typed_given(js, picked)
    if given.empty:
        return [Markdown("No options or date question is open on or after `as_of`: none joins the scenarios.")]
    from foresight.report import escape
    from foresight.report.outcome_views import given_bars

    return [
        given_bars(given, {q: js.forecasts[q].question.title for q in typed_ids(js)}),
        Markdown(
            "Each outcome's frequency in the joint scenarios beside the question's single forecast: they agree "
            "within Monte Carlo error."
        ),
        escape.styler(typed_marginals(js), precision=3),
    ]


def whatif(jf: JointForecast, js: OutcomeScenarios, interactive: bool = True) -> Any:
    """The what-if of the scenarios notebook: in JupyterLab the live panel over every yes/no question and the
    typed ones (a row per option, a date question's P(by closes)); otherwise the yes/no questions' static
    removal table (:func:`foresight.report.whatif_panel.show_whatif`)."""
    from foresight.report.whatif_panel import panel_forecast, show_whatif, whatif_panel

    forecasts = list(jf.forecasts.values())
    typed = [panel_forecast(js.forecasts[q]) for q in typed_ids(js)]
    if interactive and typed:
        try:
            return whatif_panel(forecasts + typed)
        except ImportError:
            pass
    return show_whatif(forecasts, interactive)


# --- sensitivity ----------------------------------------------------------------------------


def sensitivity(forecasts: Iterable[Forecast]) -> pd.DataFrame:
    """Every forecast's tornado rows, one table (the ``sensitivity.csv`` rows)."""
    frames = [tornado(f) for f in forecasts]
    frames = [f for f in frames if len(f)]
    return (
        pd.concat(frames, ignore_index=True)[SENSITIVITY_COLUMNS]
        if frames
        else pd.DataFrame(columns=SENSITIVITY_COLUMNS)
    )


def change_my_mind_table(forecasts: Iterable[Forecast]) -> pd.DataFrame:
    """For each forecast, the unobserved indicators that would move it most if seen, biggest expected move first."""
    frames = [change_my_mind(f) for f in forecasts]
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=CHANGE_MY_MIND_COLUMNS)
    return (
        pd.concat(frames, ignore_index=True)
        .sort_values("expected_shift", ascending=False, kind="stable")
        .reset_index(drop=True)
    )


def change_my_mind_view(forecasts: Sequence[Forecast]) -> Any:
    """:func:`change_my_mind_table` rounded for reading, or a sentence when every indicator is already observed."""
    table = change_my_mind_table(forecasts)
    if table.empty:
        from IPython.display import Markdown

        ids = ", ".join(f"`{f.question.id}`" for f in forecasts)
        return Markdown(
            f"Every indicator bearing on {ids} has already been observed: no unseen sign is left "
            "whose sighting would move these forecasts."
        )
    return table.round(3)
