"""Pydantic models of one scenario pack's records, each checked on its own.

Checks that need more than one record (unknown ids, dates against other
records) live in :mod:`foresight.pack.crossref`; this module only says what a
single well-formed record looks like.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
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

from foresight.pack.inside import static_problem
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
            hint = ""
            if isinstance(value, str) and re.fullmatch(r"\s*[-+]?[0-9.]+[eE][-+]?[0-9]+\s*", value):
                hint = "; YAML reads a number like 1e-3 as text: write 0.001 or 1.0e-3"
            elif isinstance(value, bool):
                hint = "; YAML reads a bare yes/no/on/off as true/false"
            raise ValueError(f"must be {allowed} (got {shown(value)}){hint}")
        return x

    return Annotated[float, BeforeValidator(check)]


FIRST_DATE, LAST_DATE = dt.date(1678, 1, 1), dt.date(2261, 12, 31)
"""The dates a pack or a parameter may hold: the whole years pandas' timestamps (and so every table and
plot) can represent; outside them a notebook would fail after the checks passed."""


def _date(value: Any) -> Any:
    """A calendar date: YAML's own ``2020-01-31`` or the same text quoted; never a number
    (pydantic would read 0 as 1970-01-01) and never a time of day."""
    if isinstance(value, dt.datetime):
        raise ValueError(f"must be a date (YYYY-MM-DD) without a time of day (got {shown(value)})")
    if isinstance(value, str) and re.fullmatch(r"\s*\d{4}-\d{2}-\d{2}\s*", value):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError as exc:
            raise ValueError(f"must be a real calendar date written YYYY-MM-DD ({exc}; got {shown(value)})") from None
    if isinstance(value, dt.date):
        if not FIRST_DATE <= value <= LAST_DATE:
            raise ValueError(f"must be a date from {FIRST_DATE} to {LAST_DATE} (got {value})")
        return value
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

Weight = number(ge=0.0, le=1.0)
"""A number in [0, 1]: how much one source of the outside view counts next to the others."""

NonNegative = number(ge=0.0)
"""A finite number of at least 0 (a count that may be fractional)."""

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
    default_credibility: Probability = 0.7
    """Credibility given to evidence accepted from `foresight ingest` proposals (editable per item)."""
    lint_acknowledged: list[LintAcknowledgement] = Field(default_factory=list)
    default_as_of: Date | None = None  # the pack's own "today" for reports (else its latest document's date)
    # How the correlation discount treats signs of one group that point opposite ways (see
    # foresight.model.evidence). 'whole_group' is the rule packs were written against before
    # it existed, so it stays the default: an old pack keeps its forecasts.
    correlation_discount: Literal["whole_group", "by_direction"] = "whole_group"
    # Whether forecasts of this pack may be recalibrated by the library's shipped calibration
    # (foresight.model.calibration); false keeps them raw whatever a run asks.
    calibration: bool = True


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
    """A question a third party can resolve from public sources: yes/no (``type: binary``, the default),
    one of several options, or the date of an event (see :mod:`foresight.model.outcomes`)."""

    id: Id
    title: Text
    family: Id
    kind: Literal["by_deadline", "one_shot"]
    opens: Date
    closes: Date
    criteria: Text
    raised_by: list[Id] = Field(default_factory=list)
    reference_class: Id | None = None
    reference_classes: list[ClassUse] | None = None
    analyst_prior: AnalystPrior | None = None
    hazard: Hazard | None = None
    event_log: LogUse | None = None
    resolution: YesNo | None = None
    resolved_on: Date | None = None
    resolution_source: Text | None = None
    notes: Text | None = None
    criterion_kind: Id | None = None  # what the criteria ask (meet, sign, declare, ...): picks `kind:` ratios
    sponsor: Id | None = None  # who acts (a government, a bloc): one ratio serving several sponsors is flagged
    # --- outcome types (issue 25); every field below is absent on a yes/no question written before them
    type: OutcomeTypeName = "binary"
    options: list[OptionSpec] | None = None  # options questions: the exclusive, exhaustive outcomes in order
    ordered: Annotated[bool, Field(strict=True)] = False  # options that are ranked (scored by RPS, copula thresholds)
    bins: list[number()] | None = None  # numeric edges: option k is [e_k, e_k+1)
    options_prior: OptionsPrior | None = None  # the analyst's outside view over the options
    resolved_option: Id | None = None  # an options question's outcome (with resolved_on and resolution_source)
    point_of: Id | None = None  # a yes/no by_deadline question that is the point at `closes` of a date question

    @model_validator(mode="after")
    def _outcome_type_fields(self) -> Question:
        """Which outcome-type fields each type takes, checked on the record alone (ids are cross-checked later)."""
        if self.type != "options":
            for name in ("options", "bins", "options_prior", "resolved_option"):
                if getattr(self, name) is not None:
                    raise field_rule(name, f"only an options question has {name} (this question is type {self.type})")
            if self.ordered:
                raise field_rule("ordered", f"only an options question is ordered (this question is type {self.type})")
        if self.point_of is not None and (self.type != "binary" or self.kind != "by_deadline"):
            raise field_rule("point_of", "only a yes/no by_deadline question can be a point of a date question")
        if self.type == "date" and self.kind != "by_deadline":
            raise field_rule("kind", "a date question is by_deadline: it asks when, between opens and closes")
        if self.type == "options":
            _check_options(self)
        return self

    @model_validator(mode="after")
    def _dates_and_resolution(self) -> Question:
        if self.closes <= self.opens:
            raise field_rule("closes", f"closes ({self.closes}) must be after opens ({self.opens})")
        given = {
            ("resolved_option" if self.type == "options" else "resolution"): (
                self.resolved_option if self.type == "options" else self.resolution
            ),
            "resolved_on": self.resolved_on,
            "resolution_source": self.resolution_source,
        }
        missing = [name for name, value in given.items() if value is None]
        if 0 < len(missing) < 3:
            raise field_rule(
                missing[0],
                "required once the question is resolved: a resolution needs all three of "
                + (
                    "resolved_option (an option id), resolved_on and resolution_source"
                    if self.type == "options"
                    else "resolution (yes/no), resolved_on and resolution_source"
                ),
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

    @model_validator(mode="after")
    def _outside_view_fields(self) -> Question:
        """Rules of the outside-view fields that need the question's own dates and kind."""
        if self.reference_class is not None and self.reference_classes is not None:
            raise field_rule(
                "reference_classes",
                "give either reference_class (one class) or reference_classes (a weighted list), not both",
            )
        if self.kind == "one_shot":
            for name in ("hazard", "event_log"):
                if getattr(self, name) is not None:
                    raise field_rule(
                        name,
                        f"only a by_deadline question can have {name}: a one_shot question has no window "
                        "over which a rate accrues",
                    )
        if self.hazard is not None:
            for point in self.hazard.decision_points:
                if not self.opens <= point.date <= self.closes:
                    raise field_rule(
                        "hazard",
                        f"decision point {point.date} is outside the question's window ({self.opens} to {self.closes})",
                    )
            starts = self.hazard.starts
            if starts is not None and starts.date is not None and not self.opens <= starts.date < self.closes:
                raise field_rule(
                    "hazard",
                    f"starts.date {starts.date} must be on or after opens ({self.opens}) and before closes ({self.closes})",
                )
            if starts is not None and starts.question == self.id:
                raise field_rule("hazard", "starts.question names this question itself; name the trigger question")
        return self


def outcome_number(outcome: str | None) -> float:
    """A resolution or case outcome as a number: 1.0 for 'yes', 0.0 for 'no', NaN while unknown.

    The one place a yes/no becomes the 1/0 that scores, plots and counts use.
    """
    if outcome is None or outcome != outcome:  # None, or NaN from a table
        return float("nan")
    if outcome not in ("yes", "no"):
        raise ValueError(f"an outcome is 'yes' or 'no' (or None while unknown); got {outcome!r}")
    return 1.0 if outcome == "yes" else 0.0


class Case(Record):
    """One historical case of a reference class, with its outcome and where that comes from."""

    name: Text
    date: Date
    outcome: YesNo | None = None
    source: Text
    indicators: dict[Id, State] = Field(default_factory=dict)
    tags: list[Id] = Field(default_factory=list)
    outcome_known: Date | None = None
    """When the case's outcome was known (default: its ``date``): a case teaches a question only if it
    was known before the question opened, so a case begun before ``opens`` but settled after cannot leak."""
    option: Id | None = None  # for a class serving options questions: which option happened

    @model_validator(mode="after")
    def _known_after_date(self) -> Case:
        if self.outcome_known is not None and self.outcome_known < self.date:
            raise field_rule(
                "outcome_known",
                f"outcome_known ({self.outcome_known}) is before the case's date ({self.date}); "
                "an outcome is known on or after the case began",
            )
        return self

    @property
    def known_on(self) -> dt.date:
        """The day the case's outcome was known: ``outcome_known``, else its ``date``."""
        return self.outcome_known or self.date

    def known_before(self, day: dt.date) -> bool:
        """True when the case (and its outcome) was known before ``day``: the one rule for which cases a
        question opening on ``day`` may learn from (model, validation and lint all use it)."""
        return self.date < day and self.known_on < day

    @model_validator(mode="after")
    def _outcome_or_option(self) -> Case:
        if self.outcome is None and self.option is None:
            raise field_rule(
                "outcome",
                "required field is missing: outcome (yes/no), or option (an option id) in a class of options questions",
            )
        if self.outcome is not None and self.option is not None:
            raise field_rule("option", "give outcome (yes/no) or option (for options questions), not both")
        return self


class MissingCases(Record):
    """Cases known to be missing from a class's list (a remembered list forgets its failures):
    added to the weighted counts as if listed, with the note saying where the numbers come from."""

    failures: NonNegative = 0.0
    successes: NonNegative = 0.0
    note: Text

    @model_validator(mode="after")
    def _some(self) -> MissingCases:
        if self.failures == 0 and self.successes == 0:
            raise ValueError("give failures and/or successes greater than 0 (or drop missing)")
        return self


class ExcludedCase(Record):
    """A case the list leaves out on purpose, with its outcome and why: lint checks the exclusions do not
    all fall on one side (leaving out only failures raises the base rate)."""

    name: Text
    outcome: YesNo
    reason: Text


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
    missing: MissingCases | None = None
    cases: list[Case] = Field(min_length=1)
    excluded: list[ExcludedCase] = Field(default_factory=list)

    def cases_known_before(self, day: dt.date, tags: list[str] | None = None) -> list[Case]:
        """The cases a question opening on ``day`` may learn from (:meth:`Case.known_before`), kept to the
        cases carrying one of ``tags`` when given."""
        return [c for c in self.cases if c.known_before(day) and (tags is None or set(c.tags) & set(tags))]


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

KIND_PREFIX = "kind:"


def _lr_key(value: Any) -> Any:
    if isinstance(value, str) and re.fullmatch(r"(kind:)?[a-z0-9][a-z0-9_-]{0,79}", value):
        return value
    raise ValueError(
        "must be a family or question id, or kind:<criterion_kind> (ids: lower-case letters, digits, "
        f"'-' or '_', starting with a letter or digit; got {shown(value)})"
    )


LRKey = Annotated[str, BeforeValidator(_lr_key)]
"""A likelihood-ratio target: a family or question id, or ``kind:<criterion_kind>``."""


class ResolutionOf(Record):
    """An indicator observed from another question's resolution: present when it resolved ``present_when``."""

    question: Id
    present_when: YesNo


# --- the outside view: analyst priors, several classes, hazards, event logs -----------------


class ProbabilityInterval(Record):
    """A 90% interval on a probability: 0 < lo < hi < 1."""

    lo: number(gt=0.0, le=1.0)
    hi: number(gt=0.0, le=1.0)

    @model_validator(mode="after")
    def _ordered(self) -> ProbabilityInterval:
        if not 0.0 < self.lo < self.hi < 1.0:
            raise ValueError(f"the interval must have 0 < lo < hi < 1; got lo={self.lo:g}, hi={self.hi:g}")
        return self


class AnalystPrior(Record):
    """The analyst's own 90% interval on the probability for the question's whole window.

    ``weight`` is its share of the outside view when classes or an event log are also used
    (they share the rest); alone it is the whole outside view whatever the weight.
    """

    interval: Annotated[ProbabilityInterval, BeforeValidator(_interval)]
    rationale: Text
    weight: Weight = 0.5


class CaseFilter(Record):
    """Keep only the cases of a class carrying at least one of these tags."""

    tags: list[Id] = Field(min_length=1)


class ClassUse(Record):
    """One reference class used by a question: its weight among the question's classes, an optional
    case filter, and an optional relevance for this question (a proxy class counts less)."""

    id: Id
    weight: Weight = 1.0
    where: CaseFilter | None = None
    relevance: Share | None = None
    rationale: Text


class DecisionPoint(Record):
    """A dated decision inside the window holding ``share`` of the window's cumulative hazard."""

    date: Date
    share: Share
    note: Text


class ClockStart(Record):
    """Where the hazard's clock starts: a dated event or another question resolving yes."""

    question: Id | None = None
    date: Date | None = None

    @model_validator(mode="after")
    def _one(self) -> ClockStart:
        if (self.question is None) == (self.date is None):
            raise ValueError("give exactly one of question (a question id) or date (YYYY-MM-DD)")
        return self


class Hazard(Record):
    """How the rate accrues over the window: a shape, decision points, and when the clock starts."""

    shape: Literal["constant", "rising", "falling"] = "constant"
    ratio: Positive | None = None
    decision_points: list[DecisionPoint] = Field(default_factory=list)
    starts: ClockStart | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Hazard:
        if self.shape == "constant" and self.ratio not in (None, 1.0):
            raise field_rule("ratio", "a constant hazard has no ratio (or ratio 1); use shape rising or falling")
        if self.shape == "rising" and not (self.ratio is not None and self.ratio > 1.0):
            raise field_rule("ratio", "a rising hazard needs ratio > 1 (the hazard at the window's end over its start)")
        if self.shape == "falling" and not (self.ratio is not None and self.ratio < 1.0):
            raise field_rule(
                "ratio", "a falling hazard needs ratio < 1 (the hazard at the window's end over its start)"
            )
        total = sum(p.share for p in self.decision_points)
        if total > 1.0 + 1e-9:
            raise field_rule("decision_points", f"the shares add up to {total:g}; they may add up to at most 1")
        dates = [p.date for p in self.decision_points]
        if len(set(dates)) != len(dates):
            raise field_rule("decision_points", "two decision points share a date; merge them into one")
        return self


# --- outcome types: options questions (issue 25) ---------------------------------------------

OutcomeTypeName = Literal["binary", "options", "date"]
"""What a question forecasts: yes/no, one of several options, or the date of an event in the window."""

OPTIONS_SUM_TOLERANCE = 1e-6


class OptionSpec(Record):
    """One of an options question's exclusive outcomes."""

    id: Id
    label: Text


class OptionsPrior(Record):
    """The analyst's outside view over an options question: ``probabilities`` per option (summing to 1),
    or for ordered options with numeric ``bins`` the ``quantiles`` of the quantity (level: value).

    It is read as a Dirichlet with those means and ``strength`` pseudo-cases (how many cases of a
    class it is worth); ``weight`` is its share of the outside view next to the question's classes,
    as an analyst prior's is for a yes/no question."""

    probabilities: dict[Id, number(gt=0.0, le=1.0)] | None = None
    quantiles: dict[number(gt=0.0, le=1.0), number()] | None = None
    strength: Positive = 10.0
    rationale: Text
    weight: Weight = 0.5

    @model_validator(mode="after")
    def _one_form(self) -> OptionsPrior:
        if (self.probabilities is None) == (self.quantiles is None):
            raise field_rule("probabilities", "give exactly one of probabilities (per option) or quantiles")
        if self.probabilities is not None:
            total = sum(self.probabilities.values())
            if abs(total - 1.0) > OPTIONS_SUM_TOLERANCE:
                raise field_rule("probabilities", f"the probabilities add up to {total:g}; they must add up to 1")
        if self.quantiles is not None:
            levels = sorted(self.quantiles)
            values = [self.quantiles[q] for q in levels]
            if len(levels) < 2 or any(lv >= 1.0 for lv in levels):
                raise field_rule("quantiles", "give at least two quantile levels strictly between 0 and 1")
            if any(b <= a for a, b in zip(values, values[1:])):
                raise field_rule("quantiles", "the values must increase with the quantile level")
        return self


def _check_options(q: Question) -> None:
    """An options question's own rules: two or more distinct options, edges that fit them, a prior
    and a resolution naming known options, and no yes/no-only field."""
    opts = q.options or []
    ids = [o.id for o in opts]
    if len(opts) < 2:
        raise field_rule("options", "an options question needs at least two options ({id, label} each)")
    if len(set(ids)) != len(ids):
        raise field_rule("options", "two options share an id; option ids must be unique within a question")
    if q.kind != "one_shot":
        raise field_rule("kind", "an options question is one_shot: its outcome is read once, at closes")
    if q.resolution is not None:
        raise field_rule("resolution", "an options question resolves with resolved_option (an option id)")
    for name in ("analyst_prior", "hazard", "event_log"):
        if getattr(q, name) is not None:
            raise field_rule(name, f"an options question has no {name} (use options_prior for the analyst's view)")
    if q.bins is not None:
        if not q.ordered:
            raise field_rule("bins", "numeric bins need ordered: true (the options are then the bins, in order)")
        if len(q.bins) != len(opts) + 1:
            raise field_rule("bins", f"{len(opts)} options need {len(opts) + 1} edges; got {len(q.bins)}")
        if any(b <= a for a, b in zip(q.bins, q.bins[1:])):
            raise field_rule("bins", f"the edges must increase strictly; got {q.bins}")
    if q.resolved_option is not None and q.resolved_option not in ids:
        raise field_rule("resolved_option", f"unknown option '{q.resolved_option}'; options: {', '.join(ids)}")
    prior = q.options_prior
    if prior is not None:
        if prior.probabilities is not None and set(prior.probabilities) != set(ids):
            raise field_rule(
                "options_prior",
                f"the prior must give a probability for each option ({', '.join(ids)}); "
                f"got {', '.join(prior.probabilities)}",
            )
        if prior.quantiles is not None and q.bins is None:
            raise field_rule("options_prior", "quantiles need numeric bins on the question; give probabilities")
        if prior.quantiles is not None and q.bins is not None:
            inside = [v for v in prior.quantiles.values() if not q.bins[0] <= v <= q.bins[-1]]
            if inside:
                raise field_rule(
                    "options_prior",
                    f"quantile value {inside[0]:g} is outside the bins ({q.bins[0]:g} to {q.bins[-1]:g})",
                )


class OptionRatios(Record):
    """An indicator's likelihood ratios for an options question: for each listed option, the 90% interval
    of P(seen | that option) / P(seen | ``reference``). An option not listed has ratio 1 (the sign says
    nothing about it against the reference). A yes/no ratio is the case of options yes and no, reference no."""

    reference: Id
    ratios: dict[Id, Interval] = Field(min_length=1)

    @model_validator(mode="after")
    def _not_reference(self) -> OptionRatios:
        if self.reference in self.ratios:
            raise field_rule("ratios", f"the reference option '{self.reference}' has ratio 1 by definition")
        return self


def _log_use(value: Any) -> Any:
    """``event_log: LOG-ID`` is short for ``event_log: {id: LOG-ID}``."""
    return {"id": value} if isinstance(value, str) else value


class EventLogUse(Record):
    """A question's use of an event log, with its weight next to the question's classes."""

    id: Id
    weight: Weight = 1.0
    rationale: Text | None = None


LogUse = Annotated[EventLogUse, BeforeValidator(_log_use)]


class LoggedEvent(Record):
    """One dated occurrence of a repeatable event."""

    date: Date
    source: Text
    note: Text | None = None


class EventLog(Record):
    """A dated log of a repeatable event (launches, tests): a rate instead of or beside a class.

    ``since`` is when the log's coverage starts (default: its first event); ``half_life_years``
    discounts old events and old exposure alike (none: every year counts the same).
    """

    id: Id
    title: Text
    serves: list[Id] = Field(default_factory=list)
    description: Text | None = None
    since: Date | None = None
    half_life_years: Positive | None = None
    events: list[LoggedEvent] = Field(min_length=1)

    @model_validator(mode="after")
    def _since(self) -> EventLog:
        first = min(e.date for e in self.events)
        if self.since is not None and self.since > first:
            raise field_rule("since", f"since ({self.since}) is after the log's first event ({first})")
        return self

    @property
    def start(self) -> dt.date:
        return self.since or min(e.date for e in self.events)


class Indicator(Record):
    """An observable sign, with its likelihood ratio per question family, question id or criterion kind."""

    id: Id
    description: Text
    group: Id
    rationale: Text
    likelihood_ratios: dict[LRKey, Interval] = Field(default_factory=dict)
    absence_weight: Probability = 1.0
    unobserved_reason: Text | None = None
    cues: list[Text] = Field(default_factory=list)
    """Phrases that signal the indicator in a document (for `foresight ingest`); optional."""
    counter_cues: list[Text] = Field(default_factory=list)
    """Phrases that signal its absence (ingest then suggests state 'absent'); optional."""
    shelf_life_days: Annotated[int, Field(gt=0, strict=True)] | None = None  # default validity of its observations
    resolution_of: ResolutionOf | None = None
    option_ratios: dict[LRKey, OptionRatios] = Field(default_factory=dict)
    """Ratios per option for options questions (keyed like likelihood_ratios: question id, kind:, family)."""

    @model_validator(mode="after")
    def _some_ratio(self) -> Indicator:
        if not self.likelihood_ratios and not self.option_ratios:
            raise field_rule(
                "likelihood_ratios", "required: the 90% interval of the ratio per family or question (or option_ratios)"
            )
        return self


def last_valid_day(valid_until: dt.date | None, observed: dt.date, indicator: Indicator) -> dt.date | None:
    """The last day an observation counts: its own valid_until, else observed + the indicator's shelf life,
    else None (it never expires). Here, below the model, so that lint reads validity by the model's rule."""
    if valid_until is not None:
        return valid_until
    if indicator.shelf_life_days is not None:
        return observed + dt.timedelta(days=indicator.shelf_life_days)
    return None


def standing_of(ordered: Sequence[Any]) -> Any:
    """The report that stands among several of one indicator counting on one day, given in the order they
    were made (``observed``, then file order): each replaces the standing one when it is at least as
    credible or says ``supersedes``. Here, below the model, so that lint and validate read it the same way."""
    standing = None
    for obs in ordered:
        if standing is None or obs.supersedes or obs.credibility >= standing.credibility:
            standing = obs
    return standing


class Evidence(Record):
    """An indicator seen (or seen absent) in a document, with how far the analyst trusts it."""

    id: Id
    indicator: Id
    document: Id
    observed: Date
    state: State
    credibility: Probability
    note: Text
    valid_until: Date | None = None  # the last day the observation counts (none: its indicator's shelf life)
    supersedes: Annotated[bool, Field(strict=True)] = False  # replaces a firmer earlier observation

    @model_validator(mode="after")
    def _valid_after_observed(self) -> Evidence:
        if self.valid_until is not None and self.valid_until < self.observed:
            raise field_rule(
                "valid_until",
                f"valid_until ({self.valid_until}) is before observed ({self.observed}); "
                "an observation holds from the day it is observed to valid_until, inclusive",
            )
        return self

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
    only listed. For an options question the source gives ``probabilities`` (one per
    option, summing to 1) instead of ``probability``; for a date question ``probability``
    is of the event by the end of day ``by`` (default ``closes``): one point of its curve.
    """

    question: Id
    source: Text
    date: Date
    probability: Probability | None = None
    probabilities: dict[Id, Probability] | None = None
    by: Date | None = None
    match: Literal["same", "close", "broader", "narrower"]
    source_question: Text | None = None
    url: Text | None = None
    note: Text | None = None

    @model_validator(mode="after")
    def _one_answer(self) -> ExternalForecast:
        if (self.probability is None) == (self.probabilities is None):
            raise field_rule(
                "probability",
                "give probability (a yes/no or date question) or probabilities (an options question), one of the two",
            )
        if self.by is not None and self.probabilities is not None:
            raise field_rule("by", "by (the day of a date question's point) goes with probability, not probabilities")
        return self


RECORD_FILES: dict[str, tuple[str, type[Record]]] = {
    "documents.yaml": ("documents", Document),
    "questions.yaml": ("questions", Question),
    "reference_classes.yaml": ("reference_classes", ReferenceClass),
    "indicators.yaml": ("indicators", Indicator),
    "evidence.yaml": ("evidence", Evidence),
}

"""Each pack file, the top-level key that holds its list, and the record type of an item."""

EVENT_LOGS_FILE = "event_logs.yaml"
"""Optional: dated event logs (``event_logs:`` holding a list of :class:`EventLog`)."""


FREEZE_FILE = "freeze.yaml"
"""Optional: the pack's freeze (``foresight freeze``): content hashes recorded before its first scored backtest."""

Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class Revision(Record):
    """One entry of a freeze's revision log: when the pack was (re-)frozen, at which commit, and why."""

    date: Date
    commit: str | None = None
    reason: Text
    changed: list[Text] = Field(default_factory=list)
    """Files whose content differed from the previous freeze (added, removed or edited)."""


class Freeze(Record):
    """``freeze.yaml``: the content the pack's scores are claimed for, and the log of every re-freeze."""

    frozen_on: Date
    commit: str | None = None
    files: dict[Text, Sha256] = Field(min_length=1)
    revisions: list[Revision] = Field(min_length=1)


OPTIONAL_RECORD_FILES: dict[str, tuple[str, type[Record]]] = {
    "timeline.yaml": ("timeline", TimelineEntry),
    "external_forecasts.yaml": ("external_forecasts", ExternalForecast),
}
"""Files a pack may leave out (absent = no records), in the same form as :data:`RECORD_FILES`."""


def _pack_path(value: Any) -> Any:
    problem = static_problem(value)
    if problem:
        raise ValueError(problem)
    return value


PackPath = Annotated[str, BeforeValidator(_pack_path)]
"""A path relative to the pack folder that stays inside it (see :mod:`foresight.pack.inside`)."""

Count = Annotated[int, Field(ge=0, le=10**9, strict=True)]


class ProposalRecord(Record):
    """One candidate evidence item in ``proposals/<document>.yaml`` (written by `foresight ingest`)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)

    id: Annotated[str, StringConstraints(pattern=r"^p[0-9]{2,4}$")]
    indicator: Id
    state: Literal["present", "absent"]
    score: Probability
    cue: str = Field(max_length=1000)
    paragraph: Annotated[int, Field(ge=1, strict=True)]
    sentence: Annotated[int, Field(ge=1, strict=True)]
    start: Count
    end: Count
    status: Literal["proposed", "accepted", "rejected"] = "proposed"
    impact: number() = 0.0
    shifts: dict[Id, number()] = Field(default_factory=dict)
    confidence: Probability = 0.0
    context: str = Field(default="reported", max_length=200)
    direction: Literal["certain", "uncertain"] = "certain"
    counts_from: dict[Id, Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$")]] = Field(
        default_factory=dict
    )

    @model_validator(mode="after")
    def _span(self) -> ProposalRecord:
        if self.end < self.start:
            raise field_rule("end", f"must be at least start ({self.start}); got {self.end}")
        return self


class ProposalsFile(Record):
    """``proposals/<document>.yaml``: a document's candidate evidence; ``file`` is the text ingest read,
    kept inside the pack (``proposals/<document>.txt``) so reviewing it reads nothing outside the pack."""

    document: Id
    file: PackPath
    published: Date
    source: Text | None = None
    how: str | None = None
    proposals: list[ProposalRecord]


PROPOSALS_DIR = "proposals"
"""Where `foresight ingest` keeps each document's proposals and text (checked by `validate` like the rest)."""
