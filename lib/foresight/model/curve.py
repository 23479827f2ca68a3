"""A date question's cumulative probability curve from the hazard machinery (closed forms, no sampling).

Every outside-view source of a by_deadline question turns its per-draw value into
P(event in the window left) = 1 - exp(-c * Lambda) for a per-draw constant c and
Lambda the cumulative hazard ahead (constant-hazard years, :mod:`foresight.model.priors`):
a class as 1 - (1 - p)^(Lambda / E), an analyst prior the same with E the whole
window, an event log as 1 - exp(-lambda * Lambda). So the base probability of the event
by any day d follows from the base probability by ``closes`` alone, draw by draw:

    base_by(d) = 1 - (1 - base_by_closes) ** (accrued(as_of, d) / Lambda(as_of))

with accrued(as_of, d) = Lambda(as_of) - Lambda(d + 1 day) the hazard between the forecast's
day and the end of day d (decision points on day d included). The curve is exact for
mixtures too (each draw belongs to one source).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import numpy as np

from foresight.model.priors import remaining_hazard_years
from foresight.pack.schema import Question


def accrued_share(
    question: Question,
    as_of: dt.date,
    until: dt.date,
    questions: Mapping[str, Question] | None = None,
    known: dt.date | None = None,
) -> float:
    """Share of the hazard ahead at ``as_of`` that accrues by the end of day ``until`` (1 at ``closes``,
    0 before ``as_of`` or while a trigger has not fired)."""
    if until >= question.closes:
        return 1.0
    if until < as_of:
        return 0.0
    ahead = remaining_hazard_years(question, as_of, questions, known)
    if ahead <= 0.0:
        return 0.0
    later = remaining_hazard_years(question, until + dt.timedelta(days=1), questions, known)
    return float(min(max((ahead - later) / ahead, 0.0), 1.0))


def base_by(base_to_closes: np.ndarray, share: float) -> np.ndarray:
    """The base probability by a day holding ``share`` of the hazard ahead, from the one by ``closes``
    (exactly ``base_to_closes`` when the share is 1)."""
    b = np.asarray(base_to_closes, dtype=float)
    if share >= 1.0:
        return b
    return -np.expm1(share * np.log1p(-np.clip(b, 0.0, 1.0 - 1e-15)))
