"""Joint scenarios over questions of every outcome type, by the copula of :mod:`foresight.model.joint`.

Each question q gets a latent standard normal W_q = sum_k a_qk z_k + sqrt(1 - sum_k a_qk^2) e_q, with z_k
the links' drivers, a_qk = loading_qk * sqrt(s_k) and s_k drawn from the driver's strength interval (as in
the yes/no joint model), e_q its own noise. Per posterior draw, with that draw's probabilities:

- yes/no (and a date question, as "by closes"): yes when W_q > Phi^-1(1 - p), i.e. with probability p;
- ordered options: option j when tau_j < W_q <= tau_(j+1), tau_j = Phi^-1(P(option < j)): latent
  thresholds, so the top option plays the part of "yes" (a driver that raises a yes also raises the
  higher options) and each option keeps exactly its probability;
- unordered options have no order a latent variable could follow. Construction: they are drawn from
  their own probabilities given the draw, independently of the drivers (their loadings are not used);
  they share with the other questions only what the posterior draws share (evidence, classes). A
  dependence through one option ("a signed document goes with a deal") would need a loading per option,
  which packs do not state.

A yes/no or date question that hinges on a simulated question still open is drawn from its branch given
that question's simulated outcome, and reaches the others through it (as in the yes/no joint model). A yes/no
question declared ``point_of`` a simulated date question is read off that question's outcome (yes when the
event happened by its own ``closes``), so the rungs of a ladder never disagree in any scenario.

Outcomes are simulated (``reps`` latent draws per posterior draw), so every marginal equals the single
forecast's mean within Monte Carlo error (tested), and combinations sum to one exactly. :func:`with_typed`
puts the typed questions beside a :class:`~foresight.model.joint.JointForecast`'s yes/no questions, with
its draws and driver strengths (the scenarios notebook).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtri

from foresight.model.forecasting import into_window
from foresight.model.hinges import beta_from_interval
from foresight.model.joint import JointForecast
from foresight.model.options import ModelOptions
from foresight.model.outcomes import forecast_any
from foresight.pack.links import loading_for
from foresight.pack.loader import Pack


def ordered_outcome(w: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """The option index for latent values ``w`` (n,) or (n, reps) and option probabilities ``probs`` (n, K):
    option j when Phi^-1(P(option < j)) < w <= Phi^-1(P(option <= j))."""
    tau = ndtri(np.clip(np.cumsum(probs, axis=1)[:, :-1], 0.0, 1.0))  # (n, K - 1)
    if w.ndim == 1:
        return (tau < w[:, None]).sum(axis=1)
    return (tau[:, None, :] < w[:, :, None]).sum(axis=2)


def _threshold(p: np.ndarray) -> np.ndarray:
    """Phi^-1(1 - p): the latent value above which a question with probability p is yes."""
    return ndtri(1.0 - np.clip(p, 0.0, 1.0))


@dataclass(frozen=True)
class OutcomeScenarios:
    """Simulated outcomes of several questions: ``outcomes[qid]`` holds one outcome label per simulation."""

    question_ids: tuple[str, ...]
    outcomes: dict[str, np.ndarray]
    forecasts: dict[str, Any]

    def marginals(self) -> pd.DataFrame:
        """Each question's outcome frequencies beside its single forecast's mean."""
        rows = []
        for qid in self.question_ids:
            f, sims = self.forecasts[qid], self.outcomes[qid]
            for label, forecast_mean in _labels_and_means(f):
                rows.append(
                    {
                        "question_id": qid,
                        "outcome": label,
                        "joint": float(np.mean(sims == label)),
                        "single": forecast_mean,
                    }
                )
        return pd.DataFrame(rows, columns=["question_id", "outcome", "joint", "single"])

    def combinations(self, qids: list[str] | None = None) -> pd.DataFrame:
        """The probability of each combination of outcomes of ``qids`` (default all); they sum to 1."""
        qids = list(qids or self.question_ids)
        frame = pd.DataFrame({q: self.outcomes[q] for q in qids})
        out = frame.value_counts(normalize=True, sort=False).rename("probability").reset_index()
        return out.sort_values("probability", ascending=False, kind="stable").reset_index(drop=True)


def _labels_and_means(f: Any) -> list[tuple[str, float]]:
    q = f.question
    if q.type == "options":
        return list(zip(f.options, map(float, f.mean)))
    p = float(f.by_closes.mean if q.type == "date" else f.mean)
    return [("yes", p), ("no", 1.0 - p)]


def outcome_scenarios(
    pack: Pack, question_ids: list[str], as_of: Any, options: ModelOptions | None = None, reps: int = 20
) -> OutcomeScenarios:
    """Joint outcomes of ``question_ids`` (any types) as of ``as_of``, each forecast with the evidence of that day."""
    opts = options or ModelOptions()
    when = as_of if isinstance(as_of, dt.date) else dt.date.fromisoformat(str(as_of))
    forecasts = {qid: _typed_forecast(pack, qid, when, opts) for qid in question_ids}
    n = min(_n_draws(f) for f in forecasts.values())
    rng = np.random.default_rng([opts.seed, 25])
    drivers = tuple(pack.links.drivers)
    strength = (
        np.column_stack([rng.beta(*beta_from_interval(d.strength.lo, d.strength.hi), size=n) for d in drivers])
        if drivers
        else np.zeros((n, 0))
    )
    return _simulate(forecasts, drivers, strength, rng, reps)


def with_typed(
    jf: JointForecast,
    options: ModelOptions | None = None,
    typed_ids: list[str] | None = None,
    reps: int = 20,
    overrides: Mapping[str, Any] | None = None,
) -> OutcomeScenarios:
    """The joint forecast's yes/no questions and the pack's options and date questions open on or after its
    date (or ``typed_ids``) in one simulation: the yes/no questions keep the joint model's draws and driver
    strengths, so the typed questions join the scenarios of the same joint model (the scenarios notebook).
    ``options`` and ``overrides`` should be the joint forecast's own."""
    opts = options or ModelOptions()
    pack = jf.pack
    ids = typed_ids if typed_ids is not None else open_typed(pack, jf.as_of)
    typed = {qid: _typed_forecast(pack, qid, jf.as_of, opts, overrides) for qid in ids}
    forecasts = {**jf.forecasts, **jf.hinge_parents, **typed}
    rng = np.random.default_rng([opts.seed, 25])
    return _simulate(forecasts, jf.drivers, jf.strength, rng, reps, shown=(*jf.forecasts, *typed))


def open_typed(pack: Pack, when: dt.date) -> list[str]:
    """The options and date questions still open on or after ``when`` (as the joint model takes yes/no ones)."""
    return [q.id for q in pack.typed_questions.values() if q.closes >= when]


def _typed_forecast(
    pack: Pack, qid: str, when: dt.date, opts: ModelOptions, overrides: Mapping[str, Any] | None = None
) -> Any:
    return forecast_any(pack, qid, as_of=into_window(pack.any_question(qid), when), options=opts, overrides=overrides)


def _yes_no(f: Any) -> Any:
    """The yes/no forecast a binary or date question is drawn from ("by closes" for a date)."""
    return f.by_closes if f.question.type == "date" else f


def _live_parent(f: Any, ids: Any) -> str | None:
    """The question a yes/no or date forecast hinges on, when its outcome is still open and it is simulated too."""
    if f.question.type == "options":
        return None
    g = _yes_no(f)
    if g.parent is None or g.hinge_outcome is not None or g.parent.question.id not in ids:
        return None
    return g.parent.question.id


def _simulate(
    forecasts: dict[str, Any],
    drivers: tuple[Any, ...],
    strength: np.ndarray,
    rng: np.random.Generator,
    reps: int,
    shown: tuple[str, ...] | None = None,
) -> OutcomeScenarios:
    """Outcomes of every forecast on the copula's latent normal, ``reps`` per posterior draw (module docstring).

    A yes/no or date question hinging on a simulated question whose outcome is open is drawn from its
    branch given that question's simulated outcome (P(B | A) or P(B | not A), per draw) and, as in the
    yes/no joint model, takes its dependence on the rest through it (its own loadings are not used)."""
    n = min([len(strength), *(_n_draws(f) for f in forecasts.values())])
    z = rng.standard_normal((n, reps, len(drivers)))
    rungs = {qid: d for qid, f in forecasts.items() if (d := _point_of(f, forecasts))}
    parents = {qid: rungs.get(qid) or _live_parent(f, forecasts) for qid, f in forecasts.items()}
    order = sorted(forecasts, key=lambda q: _depth(q, parents))  # the hinged-on before the hinged
    outcomes: dict[str, np.ndarray] = {}
    when: dict[str, np.ndarray] = {}  # per date question with rungs: where in its window the event falls
    for qid in order:
        f, q = forecasts[qid], forecasts[qid].question
        if qid in rungs:
            d = rungs[qid]
            if d not in when:
                when[d] = rng.random(n * reps)
            outcomes[qid] = _rung_outcome(forecasts[d], q.closes, outcomes, parents[d], when[d], n, reps)
            continue
        loose = (q.type == "options" and not q.ordered) or parents[qid] is not None
        loadings = np.array([0.0 if loose else loading_for(d, q) for d in drivers])
        a = loadings[None, :] * np.sqrt(strength[:n])  # (n, drivers)
        own = np.sqrt(np.clip(1.0 - (a**2).sum(axis=1), 0.0, 1.0))
        w = (z * a[:, None, :]).sum(axis=2) + own[:, None] * rng.standard_normal((n, reps))
        if q.type == "options":
            index = ordered_outcome(w, f.draws[:n])
            outcomes[qid] = np.array(f.options)[index.ravel()]
            continue
        g = _yes_no(f)
        if parents[qid] is None:
            yes = (w > _threshold(g.draws[:n])[:, None]).ravel()
        else:
            if_yes, if_no = (np.repeat(_threshold(branch[:n]), reps) for branch in g.conditional_draws())
            yes = w.ravel() > np.where(outcomes[parents[qid]] == "yes", if_yes, if_no)
        outcomes[qid] = np.where(yes, "yes", "no")
    ids = tuple(forecasts) if shown is None else tuple(shown)
    return OutcomeScenarios(ids, {q: outcomes[q] for q in ids}, {q: forecasts[q] for q in ids})


def _point_of(f: Any, ids: Any) -> str | None:
    """The date question a yes/no ladder rung is declared ``point_of``, when that question is simulated too."""
    d = f.question.point_of if f.question.type == "binary" else None
    return d if d in ids else None


def _rung_outcome(
    d: Any, day: dt.date, outcomes: dict[str, np.ndarray], parent: str | None, u: np.ndarray, n: int, reps: int
) -> np.ndarray:
    """A ladder rung "by ``day``" read off its date question's simulated outcome: yes when the event happened by
    ``closes`` and ``u`` (uniform, shared by the rungs) falls in the share F(day) / F(closes) of that chance, per
    draw (per branch when the date question hinges on a simulated question). Rungs are thus nested (a later
    rung is yes whenever an earlier one is) and each keeps the curve's value at its day as its marginal."""
    g = d.by_closes
    if parent is None:
        ratio = np.repeat(_share_of(d.cdf_draws(day), g.draws)[:n], reps)
    else:
        by_day, by_closes = g.conditional_draws(share=d.share(day)), g.conditional_draws()
        if_yes, if_no = (np.repeat(_share_of(a, b)[:n], reps) for a, b in zip(by_day, by_closes))
        ratio = np.where(outcomes[parent] == "yes", if_yes, if_no)
    happened = (outcomes[d.question.id] == "yes") & (u <= ratio)
    return np.where(happened, "yes", "no")


def _share_of(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(whole > 0, np.clip(part / whole, 0.0, 1.0), 0.0)


def _depth(qid: str, parents: dict[str, str | None]) -> int:
    depth = 0
    while (qid := parents[qid]) is not None:  # type: ignore[assignment]
        depth += 1
    return depth


def _n_draws(f: Any) -> int:
    return len(f.draws) if f.question.type == "options" else len(_yes_no(f).draws)
