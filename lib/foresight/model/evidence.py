"""Evidence as of a date, turned into one number per indicator, with correlated signals discounted.

An indicator's value x is signed strength times credibility:
  present -> +1, a strength k in [0, 1] -> +k, absent -> -absence_weight,
all multiplied by the credibility c in [0, 1]. Its log-odds shift is x * log LR,
so c = 0 moves nothing and `absent` moves the other way (soft evidence: the
shift is linear in c and k, the usual Jeffrey-style weighting on the log scale).

When several documents report the same indicator, the most recent observation
as of the forecast date stands (ties: the more credible, then the later in the
file): an indicator is a state of the world, not a count of articles.

Correlation-group discount (Kish's design effect). Indicators in one group are
largely the same signal. With n = sum of |x| over the group's indicators and
the group's within-correlation rho, each x in the group is multiplied by
    d = 1 / (1 + rho * max(n - 1, 0)).
One full-strength signal is untouched (d = 1); three identical full signals
count 3 / (1 + 2 rho) times one: three times with rho = 0 (naive Bayes), once
with rho = 1, 1.5 times with rho = 0.5. Soft or low-credibility items add less
to n, so a weak echo barely discounts a strong report.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from foresight.pack.loader import Pack
from foresight.pack.schema import Evidence, Indicator

WHAT_IF_DOCUMENT = "(what-if)"


def state_value(state: str | float, indicator: Indicator) -> float:
    """A state as a signed number: present +1, a strength k +k, absent -absence_weight."""
    if state == "present":
        return 1.0
    if state == "absent":
        return -indicator.absence_weight
    return float(state)


@dataclass(frozen=True)
class Observation:
    """One indicator's standing observation as of a date, after any what-if override."""

    indicator: str
    evidence_id: str
    document: str
    observed: dt.date
    state: str | float
    credibility: float
    file_order: int

    def value(self, indicator: Indicator) -> float:
        """Signed strength times credibility (see the module docstring)."""
        return state_value(self.state, indicator) * self.credibility


def _check_state(key: str, state: Any) -> str | float:
    if isinstance(state, str) and state in ("present", "absent"):
        return state
    if isinstance(state, (int, float)) and not isinstance(state, bool) and 0.0 <= float(state) <= 1.0:
        return float(state)
    raise ValueError(f"override {key!r}: state must be 'present', 'absent' or a number in [0, 1]; got {state!r}")


def _check_credibility(key: str, value: Any) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0.0 <= float(value) <= 1.0:
        return float(value)
    raise ValueError(f"override {key!r}: credibility must be a number in [0, 1]; got {value!r}")


def _override_fields(key: str, value: Any) -> dict[str, Any] | None:
    """Normalise one override value: None/'remove' drops, a state or a {state, credibility} mapping replaces."""
    if value is None or value == "remove":
        return None
    if isinstance(value, Mapping):
        unknown = set(value) - {"state", "credibility"}
        if unknown:
            raise ValueError(f"override {key!r}: unknown field(s) {sorted(unknown)}; allowed: state, credibility")
        out: dict[str, Any] = {}
        if "state" in value:
            out["state"] = _check_state(key, value["state"])
        if "credibility" in value:
            out["credibility"] = _check_credibility(key, value["credibility"])
        return out
    return {"state": _check_state(key, value)}


def observations_as_of(
    pack: Pack, as_of: dt.date, overrides: Mapping[str, Any] | None = None
) -> dict[str, Observation]:
    """The standing observation of each indicator at ``as_of``.

    Only evidence from documents published on or before ``as_of`` and
    observed on or before it counts. ``overrides`` maps an evidence id to a
    replacement (state, ``{"state": .., "credibility": ..}``, or None to drop
    it), or an indicator id to a hypothetical observation made at ``as_of``
    (credibility 1 unless given).
    """
    overrides = dict(overrides or {})
    evidence_ids = {ev.id for ev in pack.evidence}
    for key in overrides:
        if key not in evidence_ids and key not in pack.indicators:
            raise ValueError(f"override {key!r} is neither an evidence id nor an indicator id of pack {pack.meta.id}")
    standing: dict[str, Observation] = {}

    def offer(obs: Observation) -> None:
        old = standing.get(obs.indicator)
        rank = (obs.observed, obs.credibility, obs.file_order)
        if old is None or rank >= (old.observed, old.credibility, old.file_order):
            standing[obs.indicator] = obs

    for order, ev in enumerate(pack.evidence):
        if pack.documents[ev.document].published > as_of or ev.observed > as_of:
            continue
        state, credibility = ev.state, ev.credibility
        if ev.id in overrides:
            fields = _override_fields(ev.id, overrides[ev.id])
            if fields is None:
                continue
            state = fields.get("state", state)
            credibility = fields.get("credibility", credibility)
        offer(Observation(ev.indicator, ev.id, ev.document, ev.observed, state, credibility, order))

    for key, value in overrides.items():
        if key in evidence_ids:
            continue
        fields = _override_fields(key, value)
        if fields is None:
            standing.pop(key, None)
            continue
        if "state" not in fields:
            raise ValueError(f"override {key!r}: a hypothetical observation of an indicator needs a state")
        obs = Observation(
            key, f"what-if:{key}", WHAT_IF_DOCUMENT, as_of, fields["state"], fields.get("credibility", 1.0), 10**9
        )
        standing[key] = obs
    return standing


def raw_features(indicators: Sequence[Indicator], observations: Mapping[str, Observation]) -> np.ndarray:
    """x per indicator (0 when unobserved), before the group discount."""
    return np.array(
        [observations[ind.id].value(ind) if ind.id in observations else 0.0 for ind in indicators], dtype=float
    )


def case_features(indicators: Sequence[Indicator], codings: Mapping[str, Any]) -> np.ndarray:
    """x per indicator for a reference-class case (coded with full credibility; 0 when not coded)."""
    return np.array(
        [state_value(codings[ind.id], ind) if ind.id in codings else 0.0 for ind in indicators], dtype=float
    )


def group_discount(x: np.ndarray, groups: Sequence[str], rho: Mapping[str, float]) -> np.ndarray:
    """Multiply each column of ``x`` (shape (..., K)) by its group's design-effect discount, row by row."""
    x = np.asarray(x, dtype=float)
    out = x.copy()
    for group in dict.fromkeys(groups):
        cols = [k for k, g in enumerate(groups) if g == group]
        n = np.abs(x[..., cols]).sum(axis=-1, keepdims=True)
        out[..., cols] = x[..., cols] / (1.0 + rho[group] * np.maximum(n - 1.0, 0.0))
    return out


def latest_evidence_date(evidence: Sequence[Evidence]) -> dt.date | None:
    """The last observed date among ``evidence`` (None when empty)."""
    return max((ev.observed for ev in evidence), default=None)
