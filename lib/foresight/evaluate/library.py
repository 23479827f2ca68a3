"""Backtest a library of packs at once, leave one pack out: raw, naive, baselines, calibrated, crowd-pooled.

Each pack is backtested as :func:`foresight.evaluate.backtest.backtest` does
(same steps, same scores), and its rows get a ``pack`` column. Then, never
using a pack's own outcomes to score it:

  ``calibrated``       the steps of pack P recalibrated by a fit on the other
                       packs' resolved questions, of any period
                       (:func:`foresight.evaluate.calibration.leave_one_pack_out`);
  ``calibrated_past``  each step dated t recalibrated by a fit on the questions
                       of every pack that resolved before t (P's own included:
                       what was known then; :func:`foresight.evaluate.calibration.past_only`);
  ``artefact``         the calibration artefact given to the backtest (by default
                       the shipped one), applied unchanged: on the packs its fit
                       never saw (``(packs new to the artefact)``) this is the
                       prospective test of what the repository ships;
  ``pooled``           on matched pairs (a forecast from elsewhere, headline
                       match, on or before the step's date), the model and the
                       crowd pooled with weights learned from the other packs'
                       pairs (:mod:`foresight.evaluate.pooling`).

Scores are time-averaged per question (or per (source, question) series for
pairs), as ``scores.csv`` and the backtest notebook average them, then the
plain mean over questions: per pack, over the whole library (``(all packs)``,
every question counting once), and each also over the questions that
resolved yes and those that resolved no. Every method is scored on the same
questions and dates.

The correlation discount is compared with none (``naive``) on every pack, so
the default can follow the data (:func:`discount_comparison`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from foresight.base.atomic import atomic_path
from foresight.evaluate import calibration, pooling
from foresight.evaluate.backtest import add_scores, backtest
from foresight.evaluate.crowd_check import crowd_check_table, crowd_checks
from foresight.evaluate.external import HEADLINE, pair_external
from foresight.evaluate.scoring import time_averaged
from foresight.model.calibration import Calibration, TermInputs, calibrated_mean, class_cases_behind
from foresight.model.options import ModelOptions
from foresight.pack.freeze import FreezeStatus, freeze_status
from foresight.pack.loader import Pack

STEP_METHODS: dict[str, str] = {
    "model": "",
    "naive": "naive_",
    "base_rate": "base_rate_",
    "p50": "p50_",
    "calibrated": "calibrated_",
    "calibrated_past": "calibrated_past_",
    "calibrated_nested": "calibrated_nested_",
    "artefact": "artefact_",
}
"""Methods scored on every step, and their column prefixes (``artefact`` only when the backtest was given
one: :func:`step_methods`)."""

PAIR_METHODS: dict[str, str] = {
    "external": "external_",
    "model": "",
    "calibrated": "calibrated_",
    "pooled": "pooled_",
    "base_rate": "base_rate_",
    "p50": "p50_",
}
"""Methods scored on matched pairs (a forecast from elsewhere beside the model's on the same day)."""

LABELS: dict[str, str] = {
    "model": "raw model",
    "naive": "naive (no correlation discount)",
    "base_rate": "base rate",
    "p50": "always 50%",
    "calibrated": "calibrated (leave one pack out)",
    "calibrated_past": "calibrated (past only)",
    "calibrated_nested": "calibrated, its structure chosen held out too (nested leave one pack out)",
    "artefact": "the calibration artefact as given, fixed (fitted before this backtest)",
    "external": "forecast from elsewhere",
    "pooled": "model pooled with the crowd",
}

ALL_PACKS = "(all packs)"
"""Rows pooling every question of the library, each counting once."""
MEAN_OF_PACKS = "(mean of packs)"
NEW_TO_ARTEFACT = "(packs new to the artefact)"
"""Rows pooling the questions of the packs the artefact's fit did not include: its prospective test."""
POOLED_ROWS = (ALL_PACKS, MEAN_OF_PACKS, NEW_TO_ARTEFACT)
"""The rows of the summary that are not one pack."""
"""Rows averaging the packs' own means, each pack counting once."""
SCORE_COLUMNS = ["pack", "outcome", "set", "method", "label", "n_questions", "brier", "log_score"]
"""Columns of :func:`summary` (``library_scores.csv``); ``set`` is 'steps' or 'pairs'."""


@dataclass
class Library:
    """A library backtest: the scored steps, the matched pairs, each pack's freeze, and the held-out fits."""

    packs: dict[str, Pack]
    steps: pd.DataFrame
    pairs: pd.DataFrame
    freezes: dict[str, FreezeStatus]
    calibrations: dict[str, Calibration | None] = field(default_factory=dict)
    poolings: dict[str, pooling.Pooling] = field(default_factory=dict)
    seed: int = 1
    selection: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Per outer pack of the nested leave-one-pack-out: the structure chosen without it, every inner Brier."""
    artefact: Calibration | None = None
    """The fixed calibration scored beside the held-out ones (``artefact`` method), if one was given."""
    memo: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)
    """Summary tables computed once (the written tables and the printed report share them)."""

    def table(self, name: str, build) -> pd.DataFrame:
        """``build(self)`` the first time ``name`` is asked for, the same table afterwards."""
        if name not in self.memo:
            self.memo[name] = build(self)
        return self.memo[name]

    def new_to_artefact(self) -> list[str]:
        """The packs whose questions the artefact's fit did not include (its provenance's ``packs``)."""
        if self.artefact is None:
            return []
        fitted = set(self.artefact.provenance.get("packs") or [])
        return [p for p in self.packs if p not in fitted]


def pack_steps(pack: Pack, options: ModelOptions | None = None, today: Any = None) -> pd.DataFrame:
    """One pack's backtest rows with a leading ``pack`` column (its id), and what the calibration's extra
    terms read of each question (:data:`foresight.evaluate.calibration.EXTRA_TERMS`): ``opens``, ``kind``
    and ``class_cases`` (the cases behind its outside view, known before it opened, weighted as the view
    weighs its classes)."""
    scores = backtest(pack, options, today=today)
    scores.insert(0, "pack", pack.meta.id)
    questions = [pack.questions[q] for q in scores["question_id"]]
    cases = {q.id: class_cases_behind(pack, q) for q in questions}
    scores["opens"] = [q.opens for q in questions]
    scores["kind"] = [q.kind for q in questions]
    scores["class_cases"] = [cases[q.id] for q in questions]
    return scores


StepsOf = Callable[[Sequence[Pack], ModelOptions | None, Any], list[pd.DataFrame]]
"""How a library's packs get backtested: ``(packs, options, today)`` -> each pack's :func:`pack_steps`, in order.
The default runs them here one after another; ``foresight backtest --scheduler`` passes one that spreads them
over a Dask cluster (:func:`foresight.run.cluster.backtest_on`), which this layer cannot import."""


def each_pack_steps(
    packs: Sequence[Pack], options: ModelOptions | None = None, today: Any = None
) -> list[pd.DataFrame]:
    """Every pack's backtest rows, in this process, one pack after another (the default :data:`StepsOf`)."""
    return [pack_steps(p, options, today) for p in packs]


def library_backtest(
    packs: Iterable[Pack],
    options: ModelOptions | None = None,
    today: Any = None,
    seed: int = 1,
    steps: pd.DataFrame | None = None,
    steps_of: StepsOf = each_pack_steps,
    artefact: Calibration | None = None,
) -> Library:
    """Backtest every pack (with ``steps_of``) and add the held-out methods (module docstring). ``steps`` (the
    packs' backtest rows, e.g. read back from ``library_steps.csv``) skips the backtests themselves;
    ``artefact`` is a fitted calibration to score as it stands (the ``artefact`` method)."""
    packs = list(packs)
    by_id = {p.meta.id: p for p in packs}
    if len(by_id) < len(packs):
        raise ValueError("two packs share one id: each pack of a library needs its own id in pack.yaml")
    if steps is None:
        parts = steps_of(list(by_id.values()), options, today)
        steps = pd.concat([p for p in parts if len(p)], ignore_index=True) if any(len(p) for p in parts) else None
    if steps is None or not len(steps):
        raise ValueError("no pack has a resolved question to score")
    steps = steps.reset_index(drop=True)
    lopo, fits = calibration.leave_one_pack_out(steps, seed=seed)
    add_scores(steps, STEP_METHODS["calibrated"], lopo)
    add_scores(steps, STEP_METHODS["calibrated_past"], calibration.past_only(steps, seed=seed))
    nested, selection = calibration.nested_leave_one_pack_out(_backtest_columns(steps), seed=seed)
    add_scores(steps, STEP_METHODS["calibrated_nested"], nested)
    if artefact is not None:
        fixed = calibrated_mean(
            artefact,
            steps["forecast"].to_numpy(float),
            steps["base_rate_forecast"].to_numpy(float),
            TermInputs.from_steps(steps),
        )
        add_scores(steps, STEP_METHODS["artefact"], fixed)
    pairs, poolings = matched_pairs(by_id, steps)
    freezes = {k: freeze_status(p) for k, p in by_id.items()}
    return Library(by_id, steps, pairs, freezes, fits, poolings, seed, selection, artefact)


def step_methods(steps: pd.DataFrame) -> dict[str, str]:
    """The :data:`STEP_METHODS` these steps were scored with (``artefact`` only when one was given)."""
    return {m: p for m, p in STEP_METHODS.items() if f"{p}brier" in steps.columns}


def paired_gap(library: Library, method: str, other: str) -> tuple[float, float]:
    """Mean over questions of ``method``'s time-averaged Brier minus ``other``'s, and its standard error (the
    questions paired): how far apart two columns of the table are against the noise of which questions
    happen to be in the library."""
    per_q = per_question(library.steps)
    gap = per_q[f"{STEP_METHODS[method]}brier"] - per_q[f"{STEP_METHODS[other]}brier"]
    return float(gap.mean()), float(gap.std(ddof=1) / np.sqrt(len(gap))) if len(gap) > 1 else float("nan")


def shipping_choice(library: Library) -> tuple[str, str]:
    """What the default should be: the steps column of the calibration that ships (``calibrated_nested``: the
    structure chosen held out; ``calibrated``: the shipped structure fixed in advance; ``model``: none), and the
    sentence saying why. Another structure is worth shipping only when choosing one held out (nested leave one
    pack out) beats both the raw forecast and the shipped structure fixed in advance by more than twice the
    paired standard error over questions: otherwise the choice costs more than it finds, or finds only noise."""
    pooled = summary(library)
    pooled = pooled[(pooled["pack"] == ALL_PACKS) & (pooled["outcome"] == "all") & (pooled["set"] == "steps")]
    brier = pooled.set_index("method")["brier"]
    nested, raw, shipped = brier["calibrated_nested"], brier["model"], brier["calibrated"]
    rival = "calibrated" if shipped <= raw else "model"
    gap, se = paired_gap(library, "calibrated_nested", rival)
    figures = (
        f"nested {nested:.4f}, {calibration.SHIPPED} {shipped:.4f}, raw {raw:.4f}; nested minus "
        f"{'the ' + calibration.SHIPPED if rival == 'calibrated' else 'raw'} {gap:+.4f} (paired se {se:.4f})"
    )
    if gap < -2 * se:
        best, _ = calibration.select_structure(_backtest_columns(library.steps), seed=library.seed)
        if best.raw:
            ship = "ship no artefact (forecasts stay raw)"
        elif best in calibration.SHIPPABLE:
            ship = f"ship it with `foresight calibrate --structure '{best.name}'`"
        else:
            ship = "it reads what a forecast cannot compute, so an artefact cannot carry it"
        return "calibrated_nested", (
            f"Default: choosing a structure held out pays ({figures}); chosen on every pack: {best.name}: {ship}."
        )
    if shipped <= raw:
        return "calibrated", f"Default: keep {calibration.SHIPPED} ({figures}): choosing among structures does not pay."
    return "model", f"Default: the raw forecast scores best ({figures}): calibration does not pay on this library."


def shipping_verdict(library: Library) -> str:
    """:func:`shipping_choice`'s sentence."""
    return shipping_choice(library)[1]


def _backtest_columns(steps: pd.DataFrame) -> pd.DataFrame:
    """The steps without any calibrated column (what a calibration fit may read)."""
    return steps[[c for c in steps.columns if not c.startswith(("calibrated", "artefact"))]].copy()


def headline_pairs(packs: Mapping[str, Pack], steps: pd.DataFrame, columns: Sequence[str] = ()) -> pd.DataFrame:
    """Every pack's forecasts from elsewhere (headline matches) beside its backtest steps of the same day, with
    the steps' ``columns`` besides the model's forecast and base rate."""
    parts = []
    for pack_id, pack in packs.items():
        mine = steps[steps["pack"] == pack_id]
        paired = pair_external(pack, mine)
        if not len(paired):
            continue
        paired = paired[paired["match"].isin(HEADLINE)].copy()
        at = mine.set_index(["question_id", "as_of"])
        for column in columns:
            paired[column] = at[column].loc[list(zip(paired["question_id"], paired["model_as_of"]))].to_numpy()
        paired.insert(0, "pack", pack_id)
        parts.append(paired)
    if not parts:
        return pd.DataFrame(columns=["pack", "question_id", "source"])
    return pd.concat(parts, ignore_index=True)


def matched_pairs(packs: Mapping[str, Pack], steps: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, pooling.Pooling]]:
    """Headline pairs of every pack, with the calibrated step beside them and the held-out pooled forecast."""
    pairs = headline_pairs(packs, steps, ["calibrated_forecast"])
    if not len(pairs):
        return pairs, {}
    pooled, fits = pooling.leave_one_pack_out(pairs)
    add_scores(pairs, PAIR_METHODS["calibrated"], pairs["calibrated_forecast"])
    add_scores(pairs, PAIR_METHODS["pooled"], pooled)
    return pairs, fits


def _rows(per_q: pd.DataFrame, methods: Mapping[str, str], what: str, new: Sequence[str] = ()) -> list[dict[str, Any]]:
    rows = []
    groups = [*sorted(per_q["pack"].unique()), ALL_PACKS]
    new = [p for p in new if p in set(per_q["pack"])]
    if new:
        groups.append(NEW_TO_ARTEFACT)
    for pack in groups:
        if pack == ALL_PACKS:
            in_pack = per_q
        elif pack == NEW_TO_ARTEFACT:
            in_pack = per_q[per_q["pack"].isin(new)]
        else:
            in_pack = per_q[per_q["pack"] == pack]
        for outcome, subset in (
            ("all", in_pack),
            ("yes", in_pack[in_pack["outcome"] == 1]),
            ("no", in_pack[in_pack["outcome"] == 0]),
        ):
            for method, prefix in methods.items():
                rows.append(
                    {
                        "pack": pack,
                        "outcome": outcome,
                        "set": what,
                        "method": method,
                        "label": LABELS[method],
                        "n_questions": len(subset),
                        "brier": float(subset[f"{prefix}brier"].mean()) if len(subset) else np.nan,
                        "log_score": float(subset[f"{prefix}log_score"].mean()) if len(subset) else np.nan,
                    }
                )
    # each pack's mean counting once (the "mean of the packs"), beside the pooled questions
    own = [r for r in rows if r["pack"] not in POOLED_ROWS]
    for outcome in ("all", "yes", "no"):
        for method in methods:
            picked = [r for r in own if r["outcome"] == outcome and r["method"] == method and r["n_questions"]]
            rows.append(
                {
                    "pack": MEAN_OF_PACKS,
                    "outcome": outcome,
                    "set": what,
                    "method": method,
                    "label": LABELS[method],
                    "n_questions": sum(r["n_questions"] for r in picked),
                    "brier": float(np.mean([r["brier"] for r in picked])) if picked else np.nan,
                    "log_score": float(np.mean([r["log_score"] for r in picked])) if picked else np.nan,
                }
            )
    return rows


def _score_columns(methods: Mapping[str, str]) -> list[str]:
    return [f"{prefix}{what}" for prefix in methods.values() for what in ("brier", "log_score")]


def per_question(steps: pd.DataFrame) -> pd.DataFrame:
    """Each question's time-averaged scores (every step method), with its family and outcome."""
    per_q = time_averaged(steps, _score_columns(step_methods(steps)), by=["pack"])
    first = steps.groupby(["pack", "question_id"], sort=True)[["family", "outcome"]].first()
    return per_q.join(first, on=["pack", "question_id"])


def summary(library: Library) -> pd.DataFrame:
    """:func:`build_summary`, computed once per library."""
    return library.table("summary", build_summary)


def build_summary(library: Library) -> pd.DataFrame:
    """The long table (:data:`SCORE_COLUMNS`): per pack and for all packs, per outcome, every method's
    time-averaged Brier and log score, on all steps and on matched pairs."""
    rows = _rows(per_question(library.steps), step_methods(library.steps), "steps", library.new_to_artefact())
    if len(library.pairs):
        per_pair = time_averaged(library.pairs, _score_columns(PAIR_METHODS), by=["pack", "source"])
        first = library.pairs.groupby(["pack", "source", "question_id"])["outcome"].first()
        per_pair = per_pair.join(first, on=["pack", "source", "question_id"])
        rows += _rows(per_pair, PAIR_METHODS, "pairs")
    return pd.DataFrame(rows, columns=SCORE_COLUMNS)


def by_family(library: Library) -> pd.DataFrame:
    """:func:`build_by_family`, computed once per library."""
    return library.table("by_family", build_by_family)


def build_by_family(library: Library) -> pd.DataFrame:
    """Time-averaged Brier and log score per question family (across packs) and step method."""
    per_q = per_question(library.steps)
    rows = []
    for family, group in per_q.groupby("family", sort=True):
        for method, prefix in step_methods(library.steps).items():
            rows.append(
                {
                    "family": family,
                    "method": method,
                    "n_questions": len(group),
                    "brier": float(group[f"{prefix}brier"].mean()),
                    "log_score": float(group[f"{prefix}log_score"].mean()),
                }
            )
    return pd.DataFrame(rows, columns=["family", "method", "n_questions", "brier", "log_score"])


def discount_comparison(scores: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """Per pack and for all packs: the model with its correlation discount against none (naive), and a
    sentence saying which wins where (the default should follow the pooled result over a library of packs
    not tuned on)."""
    steps = scores[(scores["set"] == "steps") & (scores["outcome"] == "all")]
    wide = steps.pivot(index="pack", columns="method", values=["brier", "log_score"])
    table = pd.DataFrame(
        {
            "brier_discount": wide[("brier", "model")],
            "brier_naive": wide[("brier", "naive")],
            "log_score_discount": wide[("log_score", "model")],
            "log_score_naive": wide[("log_score", "naive")],
        }
    )
    table["brier_winner"] = np.where(table["brier_discount"] <= table["brier_naive"], "discount", "naive")
    table = table.reset_index()
    packs = table[~table["pack"].isin(POOLED_ROWS)]
    naive_wins = int((packs["brier_winner"] == "naive").sum())
    pooled = table[table["pack"] == ALL_PACKS].iloc[0]
    sentence = (
        f"Correlation discount against none: naive has the lower Brier on {naive_wins} of {len(packs)} packs; "
        f"over all packs {pooled['brier_discount']:.3f} with the discount, {pooled['brier_naive']:.3f} without "
        f"(log score {pooled['log_score_discount']:.3f} against {pooled['log_score_naive']:.3f}): "
        f"{'no discount' if pooled['brier_naive'] < pooled['brier_discount'] else 'the discount'} wins. "
        "New packs go without it (`foresight new` writes correlation_discount: none); a pack without the field "
        "keeps the whole-group discount, so its forecasts stay as they were."
    )
    return table, sentence


def structures_table(library: Library) -> pd.DataFrame:
    """:func:`build_structures`, computed once per library."""
    return library.table("structures", build_structures)


def build_structures(library: Library) -> pd.DataFrame:
    """Every calibration structure tried (:data:`foresight.evaluate.calibration.STRUCTURES`), each scored
    leave one pack out with the structure fixed in advance (not nested: the figures a choice among them
    would be made from) and past only: time-averaged Brier and log score per pack and over all packs,
    per outcome."""
    steps = _backtest_columns(library.steps)
    columns = {}
    for k, structure in enumerate(calibration.STRUCTURES):
        for evaluation, fn in (("lopo", calibration.lopo_structure), ("past", calibration.past_only_structure)):
            prefix = f"s{k}_{evaluation}_"
            add_scores(steps, prefix, fn(steps, structure, seed=library.seed))
            columns[(structure.name, evaluation)] = prefix
    candidates = {c.name for c in calibration.CANDIDATES}
    per_q = time_averaged(steps, _score_columns(dict(enumerate(columns.values()))), by=["pack"])
    per_q = per_q.join(steps.groupby(["pack", "question_id"])["outcome"].first(), on=["pack", "question_id"])
    rows = []
    for pack in [*sorted(per_q["pack"].unique()), ALL_PACKS]:
        in_pack = per_q if pack == ALL_PACKS else per_q[per_q["pack"] == pack]
        for outcome, group in (
            ("all", in_pack),
            ("yes", in_pack[in_pack["outcome"] == 1]),
            ("no", in_pack[in_pack["outcome"] == 0]),
        ):
            for (name, evaluation), prefix in columns.items():
                rows.append(
                    {
                        "pack": pack,
                        "outcome": outcome,
                        "structure": name,
                        "candidate": name in candidates,
                        "evaluation": "leave one pack out" if evaluation == "lopo" else "past only",
                        "n_questions": len(group),
                        "brier": float(group[f"{prefix}brier"].mean()) if len(group) else np.nan,
                        "log_score": float(group[f"{prefix}log_score"].mean()) if len(group) else np.nan,
                    }
                )
    return pd.DataFrame(
        rows, columns=["pack", "outcome", "structure", "candidate", "evaluation", "n_questions", "brier", "log_score"]
    )


def variants_table(library: Library) -> pd.DataFrame:
    """Each structure's leave-one-pack-out Brier and log score per pack and over all (outcome 'all'):
    the short form of :func:`structures_table`."""
    table = structures_table(library)
    keep = (table["outcome"] == "all") & (table["evaluation"] == "leave one pack out")
    return table[keep].rename(columns={"structure": "variant"})[["pack", "variant", "brier", "log_score"]]


TARGET_WORDS = {
    "calibrated_nested": "nested leave-one-pack-out calibrated Brier (the structure chosen held out, what ships)",
    "calibrated": f"leave-one-pack-out calibrated Brier of the shipped structure ({calibration.SHIPPED})",
    "model": "raw Brier (no calibration ships)",
}
"""How the target sentence names the figure it judges, by the steps column of what ships."""


def target_verdict(scores: pd.DataFrame, ships: str = "calibrated_nested") -> str:
    """The issue's target in one sentence, judged on the calibration that ships (``ships``, a column of
    :func:`shipping_choice`): its held-out Brier over all packs at least 5% below the best of raw, naive, base
    rate and always 50%, and on no pack worse than always 50%. The other held-out calibration's figure follows,
    so that neither is read for the other."""
    steps = scores[(scores["set"] == "steps") & (scores["outcome"] == "all")]
    wide = steps.pivot(index="pack", columns="method", values="brier")
    pooled = wide.loc[ALL_PACKS]
    rivals = pooled[["model", "naive", "base_rate", "p50"]]
    best = rivals.idxmin()

    def gain(column: str) -> float:
        return 1 - pooled[column] / rivals.min()

    packs = wide.drop(index=list(POOLED_ROWS), errors="ignore")
    worse = list(packs.index[packs[ships] > packs["p50"]])
    met = gain(ships) >= 0.05 and not worse
    other = "calibrated" if ships == "calibrated_nested" else "calibrated_nested"
    other_words = (
        f"the shipped structure fixed in advance ({calibration.SHIPPED}) {pooled[other]:.4f}"
        if other == "calibrated"
        else f"choosing the structure held out too (nested) {pooled[other]:.4f}"
    )
    return (
        f"Target {'met' if met else 'missed'}: {TARGET_WORDS[ships]} {pooled[ships]:.4f} against the best rival, "
        f"{LABELS[best]} {rivals.min():.4f} ({abs(100 * gain(ships)):.1f}% "
        f"{'better' if gain(ships) >= 0 else 'worse'}; 5% better needed)"
        + (f"; worse than always 50% on {', '.join(worse)}" if worse else "; on no pack worse than always 50%")
        + f". Beside it, {other_words} ({100 * gain(other):.1f}% better)."
    )


def artefact_lines(library: Library) -> list[str]:
    """What the fixed artefact scored, said with what it had seen: on packs its fit never saw this is a
    prospective test of the shipped calibration; on the others it is in-sample and says so."""
    if library.artefact is None:
        return ["No calibration artefact given: only the held-out calibrations were scored."]
    prov = library.artefact.provenance
    where = library.artefact.source or "the artefact"
    lines = [
        f"The calibration artefact {where} (fitted on {len(prov.get('packs') or [])} packs, "
        f"{prov.get('n_questions', '?')} questions, {prov.get('fitted_at', 'date unknown')}), applied unchanged:"
    ]
    new = library.new_to_artefact()
    if not new:
        return [*lines, "  every pack scored here was in its fit: its figures are in-sample, not a test."]
    scores = summary(library)
    rows = scores[(scores["pack"] == NEW_TO_ARTEFACT) & (scores["set"] == "steps")]
    shown = ["model", "naive", "base_rate", "p50", "calibrated", "calibrated_nested", "artefact"]
    wide = rows.pivot_table(index="outcome", columns="method", values="brier", sort=False)[shown]
    wide.insert(0, "n", rows[rows["method"] == "model"].set_index("outcome")["n_questions"].astype(int))
    lines += [
        f"  packs its fit never saw (a prospective test): {', '.join(new)}; time-averaged Brier:",
        *("  " + line for line in wide.to_string(float_format=lambda v: f"{v:.3f}").splitlines()),
    ]
    return lines


def fits_table(library: Library) -> pd.DataFrame:
    """Per held-out pack: the calibration fitted without it (a, b_out, b_ev: mean and 90%) and the pooling."""
    rows = []
    for pack in library.packs:
        row: dict[str, Any] = {"held_out": pack}
        fit = library.calibrations.get(pack)
        for term, (mean, lo, hi) in (fit.summary() if fit is not None else {}).items():
            row.update({term: mean, f"{term}_p05": lo, f"{term}_p95": hi})
        row["n_questions_fitted"] = fit.provenance.get("n_questions", 0) if fit is not None else 0
        pool = library.poolings.get(pack)
        if pool is not None:
            row.update({"pooling": pool.summary()})
        rows.append(row)
    return pd.DataFrame(rows)


def _csv(frame: pd.DataFrame, path: Path) -> Path:
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False, date_format="%Y-%m-%d")
    return path


def write_outputs(library: Library, folder: str | Path) -> dict[str, int]:
    """``library_steps.csv``, ``library_pairs.csv``, ``library_scores.csv``, ``library_families.csv``,
    ``library_discount.csv``, ``library_fits.csv``, ``library_variants.csv``, ``library_structures.csv``,
    ``library_selection.csv``, ``library_freezes.csv`` and ``library_crowd_check.csv`` in
    ``folder``; returns the rows of each."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    scores = summary(library)
    freezes = pd.DataFrame(
        [
            {
                "pack": k,
                "frozen_on": s.frozen_on,
                "intact": s.intact,
                "changed": "; ".join(s.changed),
                "status": s.sentence(),
            }
            for k, s in library.freezes.items()
        ]
    )
    tables = {
        "library_steps.csv": library.steps,
        "library_pairs.csv": library.pairs,
        "library_scores.csv": scores,
        "library_families.csv": by_family(library),
        "library_discount.csv": discount_comparison(scores)[0],
        "library_fits.csv": fits_table(library),
        "library_variants.csv": variants_table(library),
        "library_structures.csv": structures_table(library),
        "library_selection.csv": library.selection,
        "library_freezes.csv": freezes,
        "library_crowd_check.csv": crowd_check_table(library.pairs, ALL_PACKS),
    }
    for name, frame in tables.items():
        _csv(frame, out / name)
    return {name: len(frame) for name, frame in tables.items()}


def crowd_check_lines(pairs: pd.DataFrame) -> list[str]:
    """The check of the packs against the crowd of their time (:mod:`foresight.evaluate.crowd_check`): on
    all pairs, then on each pack with enough series to judge."""
    lines = ["Against the crowd of the time (a check of the packs for hindsight: docs/explanation/hindsight.md):"]
    for pack, check in crowd_checks(pairs, ALL_PACKS):
        if pack == ALL_PACKS or check.n_series >= pooling.MIN_SERIES:
            lines += [f"  {pack}:", *("  " + line for line in check.lines())]
    return lines


def text_report(library: Library, past_only: bool = False) -> str:
    """The readable table `foresight backtest` prints: freezes, Brier and log score per pack and outcome,
    matched pairs, the fits held out, and the discount's verdict."""
    scores = summary(library)
    calibrated = "calibrated_past" if past_only else "calibrated"
    shown = ["model", "naive", "base_rate", "p50", "calibrated_nested", calibrated]
    shown.append("calibrated_past" if not past_only else "calibrated")
    lines = ["Freezes:"] + [f"  {k}: {s.sentence()}" for k, s in library.freezes.items()]
    steps = scores[scores["set"] == "steps"]
    for value, better in (("brier", "lower"), ("log_score", "higher")):
        wide = steps.pivot_table(index=["pack", "outcome"], columns="method", values=value, sort=False)[shown]
        n = steps.pivot_table(index=["pack", "outcome"], columns="method", values="n_questions", sort=False)["model"]
        wide.insert(0, "n", n.astype(int))
        lines += ["", f"Time-averaged {value.replace('_', ' ')} ({better} is better), every scored step:"]
        lines += [wide.to_string(float_format=lambda v: f"{v:.3f}")]
    families = by_family(library)
    wide = families.pivot(index="family", columns="method", values="brier")[shown]
    wide.insert(0, "n", families.groupby("family")["n_questions"].first())
    lines += ["", "Time-averaged Brier per question family, over all packs:"]
    lines += [wide.to_string(float_format=lambda v: f"{v:.3f}")]
    pairs = scores[scores["set"] == "pairs"]
    if len(pairs):
        n = pairs.pivot_table(index=["pack", "outcome"], columns="method", values="n_questions", sort=False)["model"]
        for value in ("brier", "log_score"):
            wide = pairs.pivot_table(index=["pack", "outcome"], columns="method", values=value, sort=False)
            wide = wide[list(PAIR_METHODS)]
            wide.insert(0, "n_series", n.astype(int))
            what = value.replace("_", " ")
            lines += ["", f"Time-averaged {what} on matched pairs (forecasts from elsewhere, headline matches):"]
            lines += [wide.to_string(float_format=lambda v: f"{v:.3f}")]
        lines += ["", *crowd_check_lines(library.pairs)]
    else:
        lines += ["", "No matched pairs: no pack has forecasts from elsewhere on its scored questions."]
    lines += ["", "Held out (each pack scored with what was learned without it):"]
    for pack in library.packs:
        fit = library.calibrations.get(pack)
        if fit is None:
            lines.append(f"  {pack}: no other pack to learn from: calibrated = raw")
        else:
            terms = ", ".join(f"{k} {m:.2f} ({lo:.2f} to {hi:.2f})" for k, (m, lo, hi) in fit.summary().items())
            lines.append(f"  {pack}: calibration {terms}, from {fit.provenance.get('n_questions')} questions")
        if pack in library.poolings:
            lines.append(f"    pooling: {library.poolings[pack].summary()}")
    lines += ["", "Calibration structures, each fixed in advance (not nested; time-averaged Brier, all outcomes):"]
    table = structures_table(library)
    table = table[table["outcome"] == "all"]
    lopo = table[table["evaluation"] == "leave one pack out"]
    wide = lopo.pivot_table(index="pack", columns="structure", values="brier", sort=False)
    past = table[(table["evaluation"] == "past only")].set_index(["pack", "structure"])["brier"]
    wide.loc["(all packs), past only"] = past.loc[ALL_PACKS].reindex(wide.columns)
    lines += [wide.T.to_string(float_format=lambda v: f"{v:.3f}")]
    lines += ["", "Nested leave one pack out (the structure chosen on the other packs only, then fitted on them):"]
    for row in library.selection.itertuples(index=False):
        lines.append(f"  {row.held_out}: {row.chosen}")
    lines.append("  (isotonic: scored for comparison only, never chosen: the artefact's draws cannot carry it)")
    spread = calibration.between_pack_spread(_backtest_columns(library.steps), seed=library.seed)
    lines += [
        "",
        "Do the packs disagree about the map? (each pack's own fit; Q above df would call for pooling by pack)",
    ]
    lines += [f"  {r.term}: Q {r.Q:.1f} on {r.df} df, between-pack sd {r.tau:.2f}" for r in spread.itertuples()]
    ships, why = shipping_choice(library)
    lines += ["", *artefact_lines(library), "", target_verdict(scores, ships), why]
    lines += ["", discount_comparison(scores)[1]]
    return "\n".join(lines).rstrip() + "\n"
