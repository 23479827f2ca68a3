"""Evidence as of a date, turned into one number per indicator, with correlated signals discounted.

An indicator's value x is signed strength times credibility:
  present -> +1, a strength k in [0, 1] -> +k, absent -> -absence_weight,
all multiplied by the credibility c in [0, 1]. Its log-odds shift is x * log LR,
so c = 0 moves nothing and `absent` moves the other way (soft evidence: the
shift is linear in c and k, the usual Jeffrey-style weighting on the log scale).

Evidence over time. An observation counts from the day its document is
published and it is observed (the later of the two) to its last valid day,
inclusive: the evidence item's ``valid_until``, else ``observed`` plus its
indicator's ``shelf_life_days``, else forever. Past it the observation stops
counting at once. (A hard stop, not a decay: the analyst states how long a
report describes the world; a decay would need a rate nobody elicited, and
would silently keep a stale sign half alive.)

Several observations of one indicator (an indicator is a state of the world,
not a count of articles): of those that count on the date, taken in order of
``observed`` (then file order), each later one replaces the standing one
when it is at least as credible, or when it says ``supersedes: true``; a
later, LESS credible report does not erase a firmer one that is still valid.
When the firmer one expires, the best remaining one stands.

Resolved questions as evidence. An indicator with ``resolution_of: {question:
A, present_when: yes|no}`` is observed from A's ``resolved_on`` on (never
before; so a backtest as of an earlier day cannot see it): ``present`` when A
resolved ``present_when``, ``absent`` otherwise, with credibility 1 and the
indicator's shelf life if it has one.

Correlation-group discount (Kish's design effect). Indicators in one group are
largely the same signal. With n = sum of |x| over the group's indicators and
the group's within-correlation rho, each x in the group is multiplied by
    d = 1 / (1 + rho * max(n - 1, 0)).
One full-strength signal is untouched (d = 1); three identical full signals
count 3 / (1 + 2 rho) times one: three times with rho = 0 (naive Bayes), once
with rho = 1, 1.5 times with rho = 0.5. Soft or low-credibility items add less
to n, so a weak echo barely discounts a strong report.

Direction-aware discount (pack.yaml ``correlation_discount: by_direction``).
Two signs of one group that push the forecast opposite ways are not copies of
one signal. Each item's direction is the sign of x_k * mu_k (mu_k: mean log LR
for the question); the discount above is computed separately within each
direction: for an item pointing up, n = sum of |x| over the group's items
pointing up (likewise down), so a lone dissenting sign keeps its full weight.
Items with x = 0 or mu = 0 point nowhere and are left as they are. The
default ``whole_group`` is the rule above over the whole group, kept so that
packs written for it keep their forecasts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from foresight.pack.loader import Pack
from foresight.pack.schema import Evidence, Indicator, last_valid_day, standing_of

WHAT_IF_DOCUMENT = "(what-if)"
RESOLUTION_PREFIX = "resolution:"
"""Evidence id of an observation made from a question's resolution: ``resolution:<question id>``."""


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
    supersedes: bool = False
    valid_until: dt.date | None = None

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


@dataclass(frozen=True)
class Span:
    """When one observation counts: from ``starts`` to ``ends`` inclusive (None: no end)."""

    id: str
    indicator: str
    document: str | None  # None for an observation made from a question's resolution
    starts: dt.date
    ends: dt.date | None

    def counts_at(self, when: dt.date) -> bool:
        return self.starts <= when and (self.ends is None or when <= self.ends)


def evidence_span(pack: Pack, ev: Evidence) -> Span:
    """The span of an evidence record: from publication and observation to its last valid day."""
    return Span(ev.id, ev.indicator, ev.document, *pack.counting_days(ev))


def resolution_observation(pack: Pack, indicator: Indicator, order: int) -> Observation | None:
    """The observation an indicator with ``resolution_of`` gets once its question is resolved (else None)."""
    source = indicator.resolution_of
    if source is None:
        return None
    q = pack.any_question(source.question)  # a yes/no or a date question (resolved yes = happened)
    if q.resolution is None or q.resolved_on is None:
        return None
    state = "present" if q.resolution == source.present_when else "absent"
    return Observation(
        indicator.id,
        RESOLUTION_PREFIX + q.id,
        f"(resolution of {q.id})",
        q.resolved_on,
        state,
        1.0,
        order,
        valid_until=last_valid_day(None, q.resolved_on, indicator),
    )


def resolution_span(pack: Pack, indicator: Indicator) -> Span | None:
    """When the resolution-made observation of ``indicator`` counts (None: never, the question is open)."""
    obs = resolution_observation(pack, indicator, 0)
    if obs is None:
        return None
    return Span(obs.evidence_id, indicator.id, None, obs.observed, obs.valid_until)


def observation_spans(
    pack: Pack, indicator_ids: set[str] | None = None, overrides: Mapping[str, Any] | None = None
) -> list[Span]:
    """Every observation's span (evidence in file order, then resolution-made ones), for the indicators
    in ``indicator_ids`` (default: all); evidence an override drops (None or 'remove') is left out."""
    overrides = overrides or {}
    removed = {key for key, value in overrides.items() if value is None or value == "remove"}
    spans = [
        evidence_span(pack, ev)
        for ev in pack.evidence
        if (indicator_ids is None or ev.indicator in indicator_ids) and ev.id not in removed
    ]
    for ind in pack.indicators.values():
        if indicator_ids is None or ind.id in indicator_ids:
            span = resolution_span(pack, ind)
            if span is not None:
                spans.append(span)
    return spans


def standing_observation(candidates: Sequence[Observation]) -> Observation | None:
    """The observation that stands among those counting on one date (rule in the module docstring)."""
    return standing_of(sorted(candidates, key=lambda o: (o.observed, o.file_order)))


def check_overrides(pack: Pack, overrides: Mapping[str, Any]) -> None:
    """Every what-if override names an evidence or indicator id of ``pack`` and gives a value it allows
    (ValueError naming the first that does not), whatever date it will be applied at: a value is
    checked before any kernel starts, not only once its evidence counts."""
    evidence_ids = {ev.id for ev in pack.evidence}
    for key, value in overrides.items():
        if key not in evidence_ids and key not in pack.indicators:
            raise ValueError(f"override {key!r} is neither an evidence id nor an indicator id of pack {pack.meta.id}")
        fields = _override_fields(key, value)
        if key not in evidence_ids and fields is not None and "state" not in fields:
            raise ValueError(f"override {key!r}: a hypothetical observation of an indicator needs a state")


def observations_as_of(
    pack: Pack, as_of: dt.date, overrides: Mapping[str, Any] | None = None
) -> dict[str, Observation]:
    """The standing observation of each indicator at ``as_of``.

    Only evidence from documents published on or before ``as_of``, observed
    on or before it, and still valid on it counts; several observations of one
    indicator combine by :func:`standing_observation`; an indicator with
    ``resolution_of`` is observed from its question's ``resolved_on``.
    ``overrides`` maps an evidence id to a
    replacement (state, ``{"state": .., "credibility": ..}``, or None to drop
    it), or an indicator id to a hypothetical observation made at ``as_of``
    (credibility 1 unless given).
    """
    overrides = dict(overrides or {})
    evidence_ids = {ev.id for ev in pack.evidence}
    check_overrides(pack, overrides)
    candidates: dict[str, list[Observation]] = {}
    for order, ev in enumerate(pack.evidence):
        if not evidence_span(pack, ev).counts_at(as_of):
            continue
        state, credibility = ev.state, ev.credibility
        if ev.id in overrides:
            fields = _override_fields(ev.id, overrides[ev.id])
            if fields is None:
                continue
            state = fields.get("state", state)
            credibility = fields.get("credibility", credibility)
        candidates.setdefault(ev.indicator, []).append(
            Observation(
                ev.indicator,
                ev.id,
                ev.document,
                ev.observed,
                state,
                credibility,
                order,
                ev.supersedes,
                last_valid_day(ev.valid_until, ev.observed, pack.indicators[ev.indicator]),
            )
        )
    for k, ind in enumerate(pack.indicators.values()):
        obs = resolution_observation(pack, ind, len(pack.evidence) + k)
        if obs is not None and obs.observed <= as_of and (obs.valid_until is None or as_of <= obs.valid_until):
            candidates.setdefault(ind.id, []).append(obs)
    standing: dict[str, Observation] = {}
    for ind_id, group in candidates.items():
        best = standing_observation(group)
        if best is not None:
            standing[ind_id] = best

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


def discount_applies(pack: Pack, discount_groups: bool) -> bool:
    """Whether a forecast discounts correlated signs: the run's switch (``discount_groups``) and the pack's
    rule (``correlation_discount: none`` counts every sign fully). One place, so the yes/no model and the
    options model cannot disagree."""
    return discount_groups and pack.meta.correlation_discount != "none"


def group_discount(
    x: np.ndarray, groups: Sequence[str], rho: Mapping[str, float], mu: Sequence[float] | None = None
) -> np.ndarray:
    """Multiply each column of ``x`` (shape (..., K)) by its group's design-effect discount, row by row.

    With ``mu`` (the mean log LR per column) the discount is direction-aware: computed
    separately among the items of a group pointing up (x * mu > 0) and down (x * mu < 0).
    """
    x = np.asarray(x, dtype=float)
    out = x.copy()
    for group in dict.fromkeys(groups):
        cols = [k for k, g in enumerate(groups) if g == group]
        xs = x[..., cols]
        if mu is None:
            n = np.abs(xs).sum(axis=-1, keepdims=True)
            out[..., cols] = xs / (1.0 + rho[group] * np.maximum(n - 1.0, 0.0))
            continue
        direction = np.sign(xs * np.asarray(mu, dtype=float)[cols])
        part = out[..., cols]
        for sign in (1.0, -1.0):
            same = direction == sign
            n = np.where(same, np.abs(xs), 0.0).sum(axis=-1, keepdims=True)
            part = np.where(same, xs / (1.0 + rho[group] * np.maximum(n - 1.0, 0.0)), part)
        out[..., cols] = part
    return out


def latest_evidence_date(evidence: Sequence[Evidence]) -> dt.date | None:
    """The last observed date among ``evidence`` (None when empty)."""
    return max((ev.observed for ev in evidence), default=None)
