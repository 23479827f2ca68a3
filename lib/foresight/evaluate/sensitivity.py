"""Sensitivity of one forecast, from its stored draws: a tornado table and a "what would change my mind" list.

Tornado rows:
- ``lr``: an indicator's log-LR pinned at the low, then the high end of its
  elicited 90% interval (every other draw kept): how much the answer rests on
  that one judgement. For a family that learned from cases, pinning one weight
  keeps the others' posterior as it is, a first-order reading that needs no
  re-sampling.
- ``evidence``: the forecast with one standing piece of evidence removed
  (low end) against the forecast as it is (high end), or the reverse when the
  evidence lowers the forecast.

"What would change my mind": for each indicator bearing on the question that
no evidence has yet observed, the forecast if it were seen present and if seen
absent. The chance of seeing it present, pi, is the one that keeps the current
forecast the expectation of the next (conservation of expected evidence:
pi * p_present + (1 - pi) * p_absent = p), so the expected move is
pi * |p_present - p| + (1 - pi) * |p_absent - p|.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd

from foresight.model.evidence import RESOLUTION_PREFIX
from foresight.model.forecasting import Forecast


def _mean_with_beta(f: Forecast, k: int, value: float) -> float:
    beta = f.posterior.beta.copy()
    beta[:, k] = value
    shifts = beta * f.x[None, :]
    return float(f.probability_given_shift(shifts.sum(axis=1)).mean())


CHANGE_MY_MIND_COLUMNS = [
    "question_id",
    "indicator",
    "description",
    "if_present",
    "if_absent",
    "p_seen_present",
    "expected_shift",
]
"""Columns of :func:`change_my_mind`."""


WITHOUT_EVIDENCE_COLUMNS = [
    "question_id",
    "evidence",
    "key",
    "indicator",
    "observed",
    "then_stands",
    "forecast",
    "without",
    "change",
]
"""Columns of :func:`without_evidence`."""


def removal_key(indicator_id: str, evidence_id: str) -> str:
    """The ``what_if`` key that removes one standing observation: its evidence id, or its indicator's id for an
    observation made from a question's resolution (it has no evidence record)."""
    return indicator_id if evidence_id.startswith(RESOLUTION_PREFIX) else evidence_id


def removals(f: Any, indicators: Sequence[str]) -> Iterator[tuple[str, Any, str, Any]]:
    """(indicator, observation, key, forecast without it) for each standing observation on one of ``indicators``
    (a what-if's own are skipped): one rule of "remove one sign" for a forecast of any outcome type."""
    for ind_id, obs in f.observations.items():
        if ind_id not in indicators or obs.evidence_id.startswith("what-if:"):
            continue
        key = removal_key(ind_id, obs.evidence_id)
        yield ind_id, obs, key, f.what_if({key: None})


def without_evidence(f: Forecast) -> pd.DataFrame:
    """The forecast with each standing piece of evidence removed in turn (``f.what_if({key: None})``), biggest
    change first.

    The one definition of "what rests on one sign" that the table, the tornado and the headline share: it
    removes one evidence item, not the whole indicator, so another item of the same indicator may take its
    place (``then_stands``; empty when the indicator is then unobserved).
    """
    rows = []
    for ind_id, obs, key, g in removals(f, f.spec.indicators):
        after = g.observations.get(ind_id)
        rows.append(
            {
                "question_id": f.question.id,
                "evidence": obs.evidence_id,
                "key": key,
                "indicator": ind_id,
                "observed": obs.observed,
                "then_stands": after.evidence_id if after is not None else "",
                "forecast": f.mean,
                "without": g.mean,
                "change": g.mean - f.mean,
            }
        )
    frame = pd.DataFrame(rows, columns=WITHOUT_EVIDENCE_COLUMNS)
    order = frame["change"].abs().sort_values(ascending=False, kind="stable").index
    return frame.reindex(order).reset_index(drop=True)


def tornado(f: Forecast) -> pd.DataFrame:
    """One row per likelihood ratio and per piece of standing evidence: forecast at each end and the swing."""
    rows = []
    for k, ind_id in enumerate(f.spec.indicators):
        if f.x[k] == 0.0:
            continue  # an unobserved indicator's LR moves nothing now; see change_my_mind
        interval = f.pack.lr_interval(f.pack.indicators[ind_id], f.question)
        low = _mean_with_beta(f, k, math.log(interval.lo))
        high = _mean_with_beta(f, k, math.log(interval.hi))
        rows.append(
            {
                "kind": "lr",
                "item": ind_id,
                "label": f"LR of {ind_id} from {interval.lo:g} to {interval.hi:g}",
                "low": min(low, high),
                "high": max(low, high),
            }
        )
    for _, removal in without_evidence(f).iterrows():
        rows.append(
            {
                "kind": "evidence",
                "item": removal["evidence"],
                "label": f"remove {removal['evidence']} ({removal['indicator']})",
                "low": min(removal["without"], f.mean),
                "high": max(removal["without"], f.mean),
            }
        )
    frame = pd.DataFrame(rows, columns=["kind", "item", "label", "low", "high"])
    frame["swing"] = frame["high"] - frame["low"]
    frame["forecast"] = f.mean
    frame.insert(0, "question_id", f.question.id)
    return frame.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)


def change_my_mind(f: Forecast) -> pd.DataFrame:
    """Unobserved indicators ranked by the expected move of the forecast if they were observed."""
    rows = []
    p = f.mean
    for ind_id in f.spec.indicators:
        if ind_id in f.observations:
            continue
        p_present = f.what_if({ind_id: "present"}).mean
        p_absent = f.what_if({ind_id: "absent"}).mean
        spread = p_present - p_absent
        pi = float(np.clip((p - p_absent) / spread, 0.0, 1.0)) if abs(spread) > 1e-12 else 0.5
        expected = pi * abs(p_present - p) + (1 - pi) * abs(p_absent - p)
        rows.append(
            {
                "question_id": f.question.id,
                "indicator": ind_id,
                "description": f.pack.indicators[ind_id].description,
                "if_present": p_present,
                "if_absent": p_absent,
                "p_seen_present": pi,
                "expected_shift": expected,
            }
        )
    frame = pd.DataFrame(rows, columns=CHANGE_MY_MIND_COLUMNS)
    return frame.sort_values("expected_shift", ascending=False, kind="stable").reset_index(drop=True)


def plot_tornado(table: pd.DataFrame, ax=None, title: str | None = None):
    """Horizontal bars from low to high around the current forecast; returns the Axes."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.4 * max(len(table), 3) + 1))
    rows = table.iloc[::-1]
    colours = ["tab:blue" if kind == "lr" else "tab:orange" for kind in rows["kind"]]
    ax.barh(rows["label"], rows["high"] - rows["low"], left=rows["low"], color=colours)
    if len(table):
        ax.axvline(table["forecast"].iloc[0], color="black", lw=1, ls="--", label="forecast")
    ax.set_xlabel("probability")
    ax.set_xlim(0, 1)
    ax.set_title(title or "Sensitivity (blue: LR across its 90% interval; orange: evidence removed)")
    return ax
