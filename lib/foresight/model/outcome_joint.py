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

Outcomes are simulated (``reps`` latent draws per posterior draw), so every marginal equals the single
forecast's mean within Monte Carlo error (tested), and combinations sum to one exactly.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from foresight.model.forecasting import into_window
from foresight.model.hinges import beta_from_interval
from foresight.model.options import ModelOptions
from foresight.model.outcomes import forecast_any
from foresight.pack.links import loading_for
from foresight.pack.loader import Pack


def ordered_outcome(w: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """The option index for latent values ``w`` (n,) and option probabilities ``probs`` (n, K): option j when
    Phi^-1(P(option < j)) < w <= Phi^-1(P(option <= j))."""
    cum = np.cumsum(probs, axis=1)[:, :-1]
    return (norm.ppf(np.clip(cum, 0.0, 1.0)) < w[:, None]).sum(axis=1)


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
    forecasts = {}
    for qid in question_ids:
        q = pack.any_question(qid)
        forecasts[qid] = forecast_any(pack, qid, as_of=into_window(q, when), options=opts)
    n = min(_n_draws(f) for f in forecasts.values())
    rng = np.random.default_rng([opts.seed, 25])
    drivers = list(pack.links.drivers)
    strength = (
        np.column_stack([rng.beta(*beta_from_interval(d.strength.lo, d.strength.hi), size=n) for d in drivers])
        if drivers
        else np.zeros((n, 0))
    )
    z = rng.standard_normal((n, reps, len(drivers)))
    outcomes = {}
    for qid, f in forecasts.items():
        q = f.question
        unordered = q.type == "options" and not q.ordered
        loadings = np.array([0.0 if unordered else loading_for(d, q) for d in drivers])
        a = loadings[None, :] * np.sqrt(strength)  # (n, drivers)
        own = np.sqrt(np.clip(1.0 - (a**2).sum(axis=1), 0.0, 1.0))
        w = (z * a[:, None, :]).sum(axis=2) + own[:, None] * rng.standard_normal((n, reps))
        if q.type == "options":
            probs = np.repeat(f.draws[:n], reps, axis=0)
            index = ordered_outcome(w.ravel(), probs)
            outcomes[qid] = np.array(f.options, dtype=object)[index]
        else:
            p = (f.by_closes.draws if q.type == "date" else f.draws)[:n]
            yes = w > norm.ppf(1.0 - np.clip(p, 0.0, 1.0))[:, None]
            outcomes[qid] = np.where(yes.ravel(), "yes", "no").astype(object)
    return OutcomeScenarios(tuple(question_ids), outcomes, forecasts)


def _n_draws(f: Any) -> int:
    if f.question.type == "options":
        return len(f.draws)
    return len(f.by_closes.draws if f.question.type == "date" else f.draws)
