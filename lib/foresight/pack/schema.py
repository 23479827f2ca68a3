"""Pydantic models of one scenario pack's records, each checked on its own.

Checks that need more than one record (unknown ids, dates against other
records) live in :mod:`foresight.pack.crossref`; this module only says what a
single well-formed record looks like.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)
from pydantic_core import PydanticCustomError

from foresight.pack.problems import shown

Id = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=80),
]
"""Lower-case letters, digits, '-' and '_', starting with a letter or digit."""

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


def number(*, gt: float | None = None, ge: float | None = None, le: float | None = None) -> Any:
    """A finite number within bounds, whose error message states the whole allowed range.

    Written as one before-validator rather than pydantic's ``Field(gt=...)`` because
    YAML reads a bare ``yes`` as True, which pydantic would quietly take for 1.0,
    and because pydantic's own messages name only the bound that failed.
    """
    bounds = [
        f"{word} {bound:g}"
        for word, bound in (("greater than", gt), ("at least", ge), ("at most", le))
        if bound is not None
    ]
    allowed = " ".join(["a number", " and ".join(bounds)]).strip()

    def check(value: Any) -> float:
        try:
            x = float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
        except OverflowError:
            x = None
        if (
            x is None
            or not math.isfinite(x)
            or (gt is not None and not x > gt)
            or (ge is not None and not x >= ge)
            or (le is not None and not x <= le)
        ):
            raise ValueError(f"must be {allowed} (got {shown(value)})")
        return x

    return Annotated[float, BeforeValidator(check)]


def _date(value: Any) -> Any:
    """A calendar date: YAML's own ``2020-01-31`` or the same text quoted; never a number
    (pydantic would read 0 as 1970-01-01) and never a time of day."""
    if isinstance(value, dt.datetime):
        raise ValueError(f"must be a date (YYYY-MM-DD) without a time of day (got {shown(value)})")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and re.fullmatch(r"\s*\d{4}-\d{2}-\d{2}\s*", value):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError as exc:
            raise ValueError(f"must be a real calendar date written YYYY-MM-DD ({exc}; got {shown(value)})") from None
    raise ValueError(f"must be a date written YYYY-MM-DD (got {shown(value)})")


Date = Annotated[dt.date, BeforeValidator(_date)]


def field_rule(field: str, message: str) -> PydanticCustomError:
    """An error from a rule over several fields, pinned to the field to fix (the loader reads ``ctx['field']``)."""
    return PydanticCustomError("field_rule", "{message}", {"field": field, "message": message})


def _yes_no(value: Any) -> Any:
    """YAML 1.1 reads a bare yes/no as a boolean; accept both spellings."""
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if isinstance(value, str):
        return value.strip().lower()
    return value


YesNo = Annotated[Literal["yes", "no"], BeforeValidator(_yes_no)]


Probability = number(ge=0.0, le=1.0)
"""A number in [0, 1] (a credibility of 0 switches an item of evidence off)."""

Positive = number(gt=0.0)
"""A finite number greater than 0."""

Share = number(gt=0.0, le=1.0)
"""A number in (0, 1]: a class's relevance, where 0 would leave a question with no outside view."""

STATE_ALLOWED = "'present', 'absent' or a strength from 0 to 1"


def _state(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip().lower()
    if isinstance(value, bool):  # a bare yes/no: almost certainly a slip for present/absent
        raise ValueError(f"must be {STATE_ALLOWED}, not yes/no")
    return value


State = Annotated[Literal["present", "absent"] | Probability, BeforeValidator(_state)]
"""How clearly an indicator was seen: 'present', 'absent', or a strength in [0, 1]."""


class Record(BaseModel):
    """Every pack record rejects unknown fields, so a typo is an error, not a silent default."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


class CorrelationGroup(Record):
    """Indicators that are really one signal; ``rho`` is how alike they are (0 = independent, 1 = the same)."""

    description: Text
    rho: Probability = 0.5


def _group(value: Any) -> Any:
    """A group may be written as just its description; rho then takes its default."""
    return {"description": value} if isinstance(value, str) else value


Group = Annotated[CorrelationGroup, BeforeValidator(_group)]


class LintAcknowledgement(Record):
    """A `foresight lint` warning the analyst has answered: ``code`` and ``where`` name it
    (``where`` is the record id the warning names, or its ``FILE:field``), ``answer`` says why it stands."""

    code: Text
    where: Text
    answer: Text


class PackMeta(Record):
    """``pack.yaml``: what the pack is about and the vocabulary its other files use."""

    id: Id
    title: Text
    description: Text
    families: dict[Id, Text] = Field(min_length=1)
    correlation_groups: dict[Id, Group] = Field(min_length=1)
    lint_acknowledged: list[LintAcknowledgement] = Field(default_factory=list)


class Document(Record):
    """A source the analyst read; the pack keeps its metadata, never its text."""

    id: Id
    title: Text
    author: Text
    outlet: Text
    published: Date
    date_note: Text | None = None
    path: Text | None = None
    url: Text | None = None


class Question(Record):
    """A binary question a third party can resolve from public sources."""

    id: Id
    title: Text
    family: Id
    kind: Literal["by_deadline", "one_shot"]
    opens: Date
    closes: Date
    criteria: Text
    raised_by: list[Id] = Field(default_factory=list)
    reference_class: Id | None = None
    resolution: YesNo | None = None
    resolved_on: Date | None = None
    resolution_source: Text | None = None
    notes: Text | None = None

    @model_validator(mode="after")
    def _dates_and_resolution(self) -> Question:
        if self.closes <= self.opens:
            raise field_rule("closes", f"closes ({self.closes}) must be after opens ({self.opens})")
        given = {
            "resolution": self.resolution,
            "resolved_on": self.resolved_on,
            "resolution_source": self.resolution_source,
        }
        missing = [name for name, value in given.items() if value is None]
        if 0 < len(missing) < 3:
            raise field_rule(
                missing[0],
                "required once the question is resolved: a resolution needs all three of "
                "resolution (yes/no), resolved_on and resolution_source",
            )
        if self.resolved_on is not None:
            if self.resolved_on < self.opens:
                raise field_rule(
                    "resolved_on",
                    f"resolved_on ({self.resolved_on}) is before opens ({self.opens}); "
                    "a question resolves on or after it opens",
                )
            if self.kind == "by_deadline" and self.resolution == "yes" and self.resolved_on > self.closes:
                raise field_rule(
                    "resolved_on",
                    f"a by_deadline question resolved 'yes' must resolve on or before closes ({self.closes}); "
                    f"resolved_on is {self.resolved_on}",
                )
            if self.kind == "by_deadline" and self.resolution == "no" and self.resolved_on < self.closes:
                raise field_rule(
                    "resolved_on",
                    f"a by_deadline question can only resolve 'no' on or after closes ({self.closes}); "
                    f"resolved_on is {self.resolved_on}",
                )
        return self


class Case(Record):
    """One historical case of a reference class, with its outcome and where that comes from."""

    name: Text
    date: Date
    outcome: YesNo
    source: Text
    indicators: dict[Id, State] = Field(default_factory=dict)


class ReferenceClass(Record):
    """Historical cases that give a question family its outside view."""

    id: Id
    title: Text
    serves: list[Id] = Field(min_length=1)
    relevance: Share
    exposure_years: Positive | None = None
    description: Text | None = None
    study: Text | None = None
    outcome_criterion: Text | None = None
    cases: list[Case] = Field(min_length=1)


INTERVAL_FORM = "an interval written [lo, hi] or {lo: ..., hi: ...} with 0 < lo < hi"


def _interval(value: Any) -> Any:
    """An interval may be written as a two-item list; anything else but a mapping is refused here,
    where the message can show both accepted forms."""
    if isinstance(value, (list, tuple)):
        if len(value) != 2:
            raise ValueError(f"must be {INTERVAL_FORM} (got a list of {len(value)} items)")
        return {"lo": value[0], "hi": value[1]}
    if not isinstance(value, dict):
        raise ValueError(f"must be {INTERVAL_FORM} (got {shown(value)})")
    return value


class LRInterval(Record):
    """The analyst's 90% interval for a likelihood ratio P(seen | yes) / P(seen | no)."""

    lo: Positive
    hi: Positive

    @model_validator(mode="after")
    def _ordered(self) -> LRInterval:
        if not self.lo < self.hi:
            raise ValueError(f"the interval must have lo < hi; got lo={self.lo}, hi={self.hi}")
        return self


Interval = Annotated[LRInterval, BeforeValidator(_interval)]


class Indicator(Record):
    """An observable sign, with its likelihood ratio per question family or question id."""

    id: Id
    description: Text
    group: Id
    rationale: Text
    likelihood_ratios: dict[Id, Interval] = Field(min_length=1)
    absence_weight: Probability = 1.0
    unobserved_reason: Text | None = None


class Evidence(Record):
    """An indicator seen (or seen absent) in a document, with how far the analyst trusts it."""

    id: Id
    indicator: Id
    document: Id
    observed: Date
    state: State
    credibility: Probability
    note: Text

    @property
    def signed_strength(self) -> float:
        """+strength for presence, -1 for absence (scaled later by the indicator's absence weight)."""
        if self.state == "present":
            return 1.0
        if self.state == "absent":
            return -1.0
        return float(self.state)


class TimelineEntry(Record):
    """A dated public fact of the day (an announcement, a test, a summit) with the source that reported it then.

    Not an analyst's document: evidence may cite its id in ``document:``, and
    the history chart marks it, so forecasts can follow what the world knew.
    """

    id: Id
    date: Date
    fact: Text
    source: Text
    url: Text | None = None


class ExternalForecast(Record):
    """A forecast made elsewhere (crowd, market, another analyst) for a pack question, on a given day.

    ``match`` grades how closely the source's question is the pack's: ``same``
    and ``close`` enter the headline comparison, ``broader``/``narrower`` are
    only listed.
    """

    question: Id
    source: Text
    date: Date
    probability: Probability
    match: Literal["same", "close", "broader", "narrower"]
    source_question: Text | None = None
    url: Text | None = None
    note: Text | None = None


RECORD_FILES: dict[str, tuple[str, type[Record]]] = {
    "documents.yaml": ("documents", Document),
    "questions.yaml": ("questions", Question),
    "reference_classes.yaml": ("reference_classes", ReferenceClass),
    "indicators.yaml": ("indicators", Indicator),
    "evidence.yaml": ("evidence", Evidence),
}
"""Each pack file, the top-level key that holds its list, and the record type of an item."""


OPTIONAL_RECORD_FILES: dict[str, tuple[str, type[Record]]] = {
    "timeline.yaml": ("timeline", TimelineEntry),
    "external_forecasts.yaml": ("external_forecasts", ExternalForecast),
}
"""Files a pack may leave out (absent = no records), in the same form as :data:`RECORD_FILES`."""
