"""Pydantic models of one scenario pack's records, each checked on its own.

Checks that need more than one record (unknown ids, dates against other
records) live in :mod:`foresight.crossref`; this module only says what a
single well-formed record looks like.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

Id = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=80),
]
"""Lower-case letters, digits, '-' and '_', starting with a letter or digit."""

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


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


def _state(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip().lower()
    if isinstance(value, bool):  # a bare yes/no: almost certainly a slip for present/absent
        raise ValueError("use 'present', 'absent' or a number in [0, 1], not yes/no")
    return value


State = Annotated[
    Literal["present", "absent"] | Annotated[float, Field(ge=0.0, le=1.0)],
    BeforeValidator(_state),
]
"""How clearly an indicator was seen: 'present', 'absent', or a strength in [0, 1]."""

Probability = Annotated[float, Field(ge=0.0, le=1.0)]


class Record(BaseModel):
    """Every pack record rejects unknown fields, so a typo is an error, not a silent default."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


class CorrelationGroup(Record):
    """Indicators that are really one signal; ``rho`` is how alike they are (0 = independent, 1 = the same)."""

    description: Text
    rho: Annotated[float, Field(ge=0.0, le=1.0)] = 0.5


def _group(value: Any) -> Any:
    """A group may be written as just its description; rho then takes its default."""
    return {"description": value} if isinstance(value, str) else value


Group = Annotated[CorrelationGroup, BeforeValidator(_group)]


class PackMeta(Record):
    """``pack.yaml``: what the pack is about and the vocabulary its other files use."""

    id: Id
    title: Text
    description: Text
    families: dict[Id, Text] = Field(min_length=1)
    correlation_groups: dict[Id, Group] = Field(min_length=1)


class Document(Record):
    """A source the analyst read; the pack keeps its metadata, never its text."""

    id: Id
    title: Text
    author: Text
    outlet: Text
    published: dt.date
    date_note: Text | None = None
    path: Text | None = None
    url: Text | None = None


class Question(Record):
    """A binary question a third party can resolve from public sources."""

    id: Id
    title: Text
    family: Id
    kind: Literal["by_deadline", "one_shot"]
    opens: dt.date
    closes: dt.date
    criteria: Text
    raised_by: list[Id] = Field(default_factory=list)
    reference_class: Id | None = None
    resolution: YesNo | None = None
    resolved_on: dt.date | None = None
    resolution_source: Text | None = None
    notes: Text | None = None

    @model_validator(mode="after")
    def _dates_and_resolution(self) -> "Question":
        if self.closes <= self.opens:
            raise ValueError(f"closes ({self.closes}) must be after opens ({self.opens})")
        given = [self.resolution is not None, self.resolved_on is not None, self.resolution_source is not None]
        if any(given) and not all(given):
            raise ValueError("a resolution needs all three of resolution (yes/no), resolved_on and resolution_source")
        if self.resolved_on is not None:
            if self.resolved_on < self.opens:
                raise ValueError(f"resolved_on ({self.resolved_on}) is before opens ({self.opens})")
            if self.kind == "by_deadline" and self.resolution == "yes" and self.resolved_on > self.closes:
                raise ValueError(
                    f"a by_deadline question resolved 'yes' must resolve on or before closes ({self.closes}); "
                    f"resolved_on is {self.resolved_on}"
                )
            if self.kind == "by_deadline" and self.resolution == "no" and self.resolved_on < self.closes:
                raise ValueError(
                    f"a by_deadline question can only resolve 'no' on or after closes ({self.closes}); "
                    f"resolved_on is {self.resolved_on}"
                )
        return self


class Case(Record):
    """One historical case of a reference class, with its outcome and where that comes from."""

    name: Text
    date: dt.date
    outcome: YesNo
    source: Text
    indicators: dict[Id, State] = Field(default_factory=dict)


class ReferenceClass(Record):
    """Historical cases that give a question family its outside view."""

    id: Id
    title: Text
    serves: list[Id] = Field(min_length=1)
    relevance: Annotated[float, Field(gt=0.0, le=1.0)]
    exposure_years: Annotated[float, Field(gt=0.0)] | None = None
    description: Text | None = None
    study: Text | None = None
    cases: list[Case] = Field(min_length=1)

    def weighted_counts(self) -> tuple[float, float]:
        """(yes, no) counts, each case weighted by the class's relevance (a power prior)."""
        yes = sum(1 for case in self.cases if case.outcome == "yes")
        return self.relevance * yes, self.relevance * (len(self.cases) - yes)


def _interval(value: Any) -> Any:
    if isinstance(value, (list, tuple)) and len(value) == 2:
        return {"lo": value[0], "hi": value[1]}
    return value


class LRInterval(Record):
    """The analyst's 90% interval for a likelihood ratio P(seen | yes) / P(seen | no)."""

    lo: Annotated[float, Field(gt=0.0, allow_inf_nan=False)]
    hi: Annotated[float, Field(gt=0.0, allow_inf_nan=False)]

    @model_validator(mode="after")
    def _ordered(self) -> "LRInterval":
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
    absence_weight: Annotated[float, Field(ge=0.0, le=1.0)] = 1.0
    unobserved_reason: Text | None = None


class Evidence(Record):
    """An indicator seen (or seen absent) in a document, with how far the analyst trusts it."""

    id: Id
    indicator: Id
    document: Id
    observed: dt.date
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


RECORD_FILES: dict[str, tuple[str, type[Record]]] = {
    "documents.yaml": ("documents", Document),
    "questions.yaml": ("questions", Question),
    "reference_classes.yaml": ("reference_classes", ReferenceClass),
    "indicators.yaml": ("indicators", Indicator),
    "evidence.yaml": ("evidence", Evidence),
}
"""Each pack file, the top-level key that holds its list, and the record type of an item."""
