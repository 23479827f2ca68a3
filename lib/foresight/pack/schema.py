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

    description: Text = Field(
        description="What the group's indicators have in common (a group may be written as just this text)."
    )
    rho: Probability = Field(
        0.5,
        description="How alike the group's signals are, from 0 (independent) to 1 (one signal); sets the correlation discount.",
    )


def _group(value: Any) -> Any:
    """A group may be written as just its description; rho then takes its default."""
    return {"description": value} if isinstance(value, str) else value


Group = Annotated[CorrelationGroup, BeforeValidator(_group)]


class LintAcknowledgement(Record):
    """A `foresight lint` warning the analyst has answered: ``code`` and ``where`` name it
    (``where`` is the record id the warning names, or its ``FILE:field``), ``answer`` says why it stands."""

    code: Text = Field(description="The warning's code, as printed in brackets (e.g. `late-date`).")
    where: Text = Field(description="The id printed after `where:` in the warning, or its FILE:field.")
    answer: Text = Field(description="Why the warning stands answered; it is kept with the pack for readers.")


class PackMeta(Record):
    """``pack.yaml``: what the pack is about and the vocabulary its other files use."""

    id: Id = Field(description="The pack's id (lower-case letters, digits, '-' and '_').")
    title: Text = Field(description="What the pack is about, in one line.")
    description: Text = Field(description="A paragraph for readers: the period, the theatre, what the questions ask.")
    families: dict[Id, Text] = Field(
        min_length=1, description="The question families the pack uses, each with a line saying what it covers."
    )
    correlation_groups: dict[Id, Group] = Field(
        min_length=1, description="The correlation groups of its indicators; every indicator belongs to one."
    )
    default_credibility: Probability = Field(
        0.7, description="Credibility given to evidence accepted from `foresight ingest` proposals (editable per item)."
    )
    lint_acknowledged: list[LintAcknowledgement] = Field(
        default_factory=list,
        description="Warnings of `validate` or `lint` the analyst has answered; they stop repeating, under --strict too.",
    )
    default_as_of: Date | None = Field(
        None,
        description="The pack's own 'today' for reports and joint scenarios (default: its latest document's date).",
    )
    # Whether and how the correlation discount applies (see foresight.model.evidence).
    # 'whole_group' is the rule packs were written against before the others existed, so it
    # stays the default of a pack without the field: an old pack keeps its forecasts. 'none'
    # is what the library's leave-one-pack-out backtest favours, and what `foresight new` writes.
    correlation_discount: Literal["whole_group", "by_direction", "none"] = Field(
        "whole_group",
        description="How signs of one correlation group are discounted: `whole_group` (the older rule, kept so old packs keep their forecasts), `by_direction` (only among signs pointing the same way) or `none` (every sign counts fully: the library's backtest scores it best, and `foresight new` writes it).",
    )
    # Whether forecasts of this pack may be recalibrated by the library's shipped calibration
    # (foresight.model.calibration); false keeps them raw whatever a run asks.
    calibration: bool = Field(
        True,
        description="Whether the library's shipped calibration is shown beside this pack's forecasts; false keeps them raw whatever a run asks.",
    )


class Document(Record):
    """A source the analyst read; the pack keeps its metadata, never its text."""

    id: Id = Field(description="The document's id, which evidence and questions cite.")
    title: Text = Field(description="The title as printed.")
    author: Text = Field(description="Who wrote it.")
    outlet: Text = Field(description="Where it appeared.")
    published: Date = Field(description="The day it was published; evidence from it counts from this day on.")
    date_note: Text | None = Field(None, description="How the date was inferred, when it is not printed.")
    path: Text | None = Field(
        None, description="Where the text lives (outside the pack); metadata only, never read by a run."
    )
    url: Text | None = Field(None, description="Where it can be read.")


class Question(Record):
    """A question a third party can resolve from public sources: yes/no (``type: binary``, the default),
    one of several options, or the date of an event (see :mod:`foresight.model.outcomes`)."""

    id: Id = Field(description="The question's id, used by runs, links and evidence ratios.")
    title: Text = Field(description="The question as a reader sees it, with its deadline.")
    family: Id = Field(
        description="The family (from pack.yaml) whose reference classes and likelihood ratios serve it."
    )
    kind: Literal["by_deadline", "one_shot"] = Field(
        description="`by_deadline`: the event happens before `closes` (the base rate scales with the window left); `one_shot`: a single event's outcome."
    )
    opens: Date = Field(
        description="The day the question is asked: on or after each document that raises it; nothing known later may inform its outside view."
    )
    closes: Date = Field(description="The deadline (after `opens`).")
    criteria: Text = Field(description="What a third party checks to resolve it, and where (a source, a calendar day).")
    raised_by: list[Id] = Field(
        default_factory=list, description="The documents or timeline entries that raised the question."
    )
    reference_class: Id | None = Field(
        None, description="The one reference class it uses (optional when exactly one class serves its family)."
    )
    reference_classes: list[ClassUse] | None = Field(
        None,
        description="Instead of `reference_class`: several classes, each with a weight, an optional tag filter and relevance.",
    )
    analyst_prior: AnalystPrior | None = Field(
        None,
        description="The analyst's own 90% interval on the probability for the whole window, weighted into the outside view.",
    )
    hazard: Hazard | None = Field(
        None, description="How the rate accrues over the window (by_deadline only): shape, decision points, trigger."
    )
    event_log: LogUse | None = Field(
        None, description="A dated event log giving a rate per year (an id, or {id, weight, rationale})."
    )
    resolution: YesNo | None = Field(
        None, description="The outcome once known (yes/no), given with `resolved_on` and `resolution_source`."
    )
    resolved_on: Date | None = Field(
        None, description="The day it resolved: a by_deadline 'yes' on or before `closes`, a 'no' on or after it."
    )
    resolution_source: Text | None = Field(None, description="Where the resolution can be checked.")
    notes: Text | None = Field(None, description="Anything else a reader should know about the question.")
    criterion_kind: Id | None = Field(
        None,
        description="What the criteria ask (meet, sign, declare, ... or a kind of your own); picks an indicator's `kind:NAME` ratio.",
    )
    sponsor: Id | None = Field(
        None,
        description="Who acts (a government, a bloc); one ratio serving questions of several sponsors is warned about.",
    )
    # --- outcome types (issue 25); every field below is absent on a yes/no question written before them
    type: OutcomeTypeName = Field(
        "binary",
        description="What is forecast: `binary` (yes/no, the default), `options` (one of several outcomes) or `date` (when, within the window).",
    )
    options: list[OptionSpec] | None = Field(
        None, description="An options question's exclusive, exhaustive outcomes, in order."
    )
    ordered: Annotated[bool, Field(strict=True)] = Field(
        False, description="The options are ranked (scored by RPS; joint scenarios use latent thresholds)."
    )
    bins: list[number()] | None = Field(
        None,
        description="Numeric edges of ordered options: option k covers [edge k, edge k+1); one more edge than options.",
    )
    options_prior: OptionsPrior | None = Field(None, description="The analyst's outside view over the options.")
    resolved_option: Id | None = Field(
        None, description="An options question's outcome (an option id), with `resolved_on` and `resolution_source`."
    )
    point_of: Id | None = Field(
        None,
        description="The date question this yes/no by_deadline question is a point of (its curve at this question's `closes`).",
    )

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

    name: Text = Field(description="What the case was, in a few words.")
    date: Date = Field(description="When the case began; a question learns only from cases dated before it opens.")
    outcome: YesNo | None = Field(
        None, description="Whether the event happened (yes/no), judged by the class's criterion."
    )
    source: Text = Field(description="One line saying where the case and its outcome come from.")
    indicators: dict[Id, State] = Field(
        default_factory=dict,
        description="Codings of the case on the pack's indicators (present, absent or a strength); with them the class teaches the likelihood ratios.",
    )
    tags: list[Id] = Field(
        default_factory=list, description="Tags a question's `where: {tags: [...]}` filter can keep."
    )
    outcome_known: Date | None = Field(
        None,
        description="When the case's outcome was known (default: its `date`): a case teaches a question only if it was known before the question opened, so a case begun before `opens` but settled after cannot leak.",
    )
    option: Id | None = Field(
        None, description="For a class serving options questions: which option happened (instead of `outcome`)."
    )

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

    failures: NonNegative = Field(0.0, description="How many failures the list is known to leave out.")
    successes: NonNegative = Field(0.0, description="How many successes the list is known to leave out.")
    note: Text = Field(description="Where those numbers come from.")

    @model_validator(mode="after")
    def _some(self) -> MissingCases:
        if self.failures == 0 and self.successes == 0:
            raise ValueError("give failures and/or successes greater than 0 (or drop missing)")
        return self


class ExcludedCase(Record):
    """A case the list leaves out on purpose, with its outcome and why: lint checks the exclusions do not
    all fall on one side (leaving out only failures raises the base rate)."""

    name: Text = Field(description="The case left out.")
    outcome: YesNo = Field(
        description="Its outcome (yes/no), so lint can see whether the exclusions all fall on one side."
    )
    reason: Text = Field(description="Why it is left out of the class.")


class ReferenceClass(Record):
    """Historical cases that give a question family its outside view."""

    id: Id = Field(description="The class's id.")
    title: Text = Field(description="What the cases are, in one line.")
    serves: list[Id] = Field(min_length=1, description="The families and question ids it gives an outside view to.")
    relevance: Share = Field(
        description="Power-prior weight in (0, 1]: each case counts as this fraction of a case (a proxy class counts less)."
    )
    exposure_years: Positive | None = Field(
        None,
        description="How long each case had for the event to happen, in years; required when it serves by_deadline questions.",
    )
    description: Text | None = Field(
        None,
        description="What the class holds, why it fits, and for episode classes the horizon its outcomes were judged over.",
    )
    study: Text | None = Field(None, description="The published study a count comes from, if any.")
    outcome_criterion: Text | None = Field(
        None, description="What counts as 'yes' for a case; lint compares it with the questions' criteria."
    )
    missing: MissingCases | None = Field(
        None, description="Cases known to be missing from the list, added to the counts."
    )
    cases: list[Case] = Field(min_length=1, description="The historical cases, the failures as well as the successes.")
    excluded: list[ExcludedCase] = Field(
        default_factory=list, description="Cases left out on purpose, with their outcomes and why."
    )

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

    lo: Positive = Field(description="The interval's lower end (> 0).")
    hi: Positive = Field(description="The interval's upper end (> lo).")

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

    question: Id = Field(description="The question whose resolution is the observation.")
    present_when: YesNo = Field(
        description="The resolution (yes/no) that makes the indicator present; the other makes it absent."
    )


# --- the outside view: analyst priors, several classes, hazards, event logs -----------------


class ProbabilityInterval(Record):
    """A 90% interval on a probability: 0 < lo < hi < 1."""

    lo: number(gt=0.0, le=1.0) = Field(description="The interval's lower end, above 0.")
    hi: number(gt=0.0, le=1.0) = Field(description="The interval's upper end, below 1 and above lo.")

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

    interval: Annotated[ProbabilityInterval, BeforeValidator(_interval)] = Field(
        description="The 90% interval on P(yes) for the whole window, as [lo, hi]."
    )
    rationale: Text = Field(description="Why that interval, written as of the question's `opens`.")
    weight: Weight = Field(
        0.5,
        description="Its share of the outside view when classes or an event log are also used (they share the rest).",
    )


class CaseFilter(Record):
    """Keep only the cases of a class carrying at least one of these tags."""

    tags: list[Id] = Field(min_length=1, description="Keep the cases carrying at least one of these tags.")


class ClassUse(Record):
    """One reference class used by a question: its weight among the question's classes, an optional
    case filter, and an optional relevance for this question (a proxy class counts less)."""

    id: Id = Field(description="The reference class used.")
    weight: Weight = Field(1.0, description="Its weight, relative to the question's other classes and event log.")
    where: CaseFilter | None = Field(None, description="A tag filter on the class's cases.")
    relevance: Share | None = Field(
        None, description="This class's relevance for this question, replacing the class's own (a proxy counts less)."
    )
    rationale: Text = Field(description="Why this class fits the question, written as of `opens`.")


class DecisionPoint(Record):
    """A dated decision inside the window holding ``share`` of the window's cumulative hazard."""

    date: Date = Field(description="The decision's date, inside the question's window.")
    share: Share = Field(description="The share of the window's cumulative hazard that sits on this date.")
    note: Text = Field(description="What is decided that day.")


class ClockStart(Record):
    """Where the hazard's clock starts: a dated event or another question resolving yes."""

    question: Id | None = Field(
        None, description="A question whose 'yes' resolution starts the clock (at its `resolved_on`)."
    )
    date: Date | None = Field(None, description="A day on which the clock starts.")

    @model_validator(mode="after")
    def _one(self) -> ClockStart:
        if (self.question is None) == (self.date is None):
            raise ValueError("give exactly one of question (a question id) or date (YYYY-MM-DD)")
        return self


class Hazard(Record):
    """How the rate accrues over the window: a shape, decision points, and when the clock starts."""

    shape: Literal["constant", "rising", "falling"] = Field(
        "constant", description="How the hazard moves across the window: constant, rising or falling."
    )
    ratio: Positive | None = Field(
        None, description="The hazard at the window's end over its start (rising: > 1, falling: < 1)."
    )
    decision_points: list[DecisionPoint] = Field(
        default_factory=list, description="Dated decisions holding a share of the window's hazard."
    )
    starts: ClockStart | None = Field(
        None, description="Where the clock starts (a date or another question resolving yes); zero hazard before it."
    )

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

    id: Id = Field(description="The option's id.")
    label: Text = Field(description="The option as a reader sees it.")


class OptionsPrior(Record):
    """The analyst's outside view over an options question: ``probabilities`` per option (summing to 1),
    or for ordered options with numeric ``bins`` the ``quantiles`` of the quantity (level: value).

    It is read as a Dirichlet with those means and ``strength`` pseudo-cases (how many cases of a
    class it is worth); ``weight`` is its share of the outside view next to the question's classes,
    as an analyst prior's is for a yes/no question."""

    probabilities: dict[Id, number(gt=0.0, le=1.0)] | None = Field(
        None, description="The prior probability of each option (summing to 1)."
    )
    quantiles: dict[number(gt=0.0, le=1.0), number()] | None = Field(
        None,
        description="For ordered options with numeric bins: the quantity's quantiles (level: value) instead of probabilities.",
    )
    strength: Positive = Field(
        10.0, description="How many cases of a class the prior is worth (the Dirichlet's pseudo-count)."
    )
    rationale: Text = Field(description="Why these numbers, written as of `opens`.")
    weight: Weight = Field(0.5, description="Its share of the outside view next to the question's classes.")

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

    reference: Id = Field(description="The option every ratio is taken against (ratio 1 by definition).")
    ratios: dict[Id, Interval] = Field(
        min_length=1, description="For each listed option, the 90% interval of P(seen | option) / P(seen | reference)."
    )

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

    id: Id = Field(description="The event log used.")
    weight: Weight = Field(1.0, description="Its weight, relative to the question's classes.")
    rationale: Text | None = Field(None, description="Why the log fits the question.")


LogUse = Annotated[EventLogUse, BeforeValidator(_log_use)]


class LoggedEvent(Record):
    """One dated occurrence of a repeatable event."""

    date: Date = Field(description="When the event happened.")
    source: Text = Field(description="Where the date comes from.")
    note: Text | None = Field(None, description="Anything else about the event.")


class EventLog(Record):
    """A dated log of a repeatable event (launches, tests): a rate instead of or beside a class.

    ``since`` is when the log's coverage starts (default: its first event); ``half_life_years``
    discounts old events and old exposure alike (none: every year counts the same).
    """

    id: Id = Field(description="The log's id, which questions name in `event_log`.")
    title: Text = Field(description="What the events are.")
    serves: list[Id] = Field(default_factory=list, description="The families or questions it is written for.")
    description: Text | None = Field(None, description="How the log was compiled and what it counts.")
    since: Date | None = Field(None, description="When the log's coverage starts (default: its first event).")
    half_life_years: Positive | None = Field(
        None, description="Discounts old events and old exposure alike (none: every year counts the same)."
    )
    events: list[LoggedEvent] = Field(min_length=1, description="The dated events.")

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

    id: Id = Field(description="The indicator's id, which evidence and case codings name.")
    description: Text = Field(description="The observable sign, in one sentence.")
    group: Id = Field(description="Its correlation group (from pack.yaml).")
    rationale: Text = Field(
        description="Why the sign bears on the questions, as known on the day; a few sentences an analyst could argue with."
    )
    likelihood_ratios: dict[LRKey, Interval] = Field(
        default_factory=dict,
        description="The 90% interval of P(sign | yes) / P(sign | no), per family, `kind:NAME` or question id (question id wins, then kind, then family).",
    )
    absence_weight: Probability = Field(
        1.0, description="How strongly seeing the sign absent counts against, in [0, 1]."
    )
    unobserved_reason: Text | None = Field(None, description="Why no evidence uses the indicator.")
    cues: list[Text] = Field(
        default_factory=list, description="Phrases that signal the indicator in a document (for `foresight ingest`)."
    )
    counter_cues: list[Text] = Field(
        default_factory=list, description="Phrases that signal its absence (ingest then suggests state 'absent')."
    )
    shelf_life_days: Annotated[int, Field(gt=0, strict=True)] | None = Field(
        None, description="How many days an observation counts after it is observed (default: forever)."
    )
    resolution_of: ResolutionOf | None = Field(
        None, description="Observed from another question's resolution, never before it."
    )
    option_ratios: dict[LRKey, OptionRatios] = Field(
        default_factory=dict, description="Ratios per option for options questions (keyed like likelihood_ratios)."
    )

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

    id: Id = Field(description="The evidence item's id.")
    indicator: Id = Field(description="The indicator seen (or seen absent).")
    document: Id = Field(description="The document (or timeline entry) that reports it.")
    observed: Date = Field(description="The day it was observed, on or after its document's publication.")
    state: State = Field(description="`present`, `absent` or a strength in [0, 1].")
    credibility: Probability = Field(description="How far the analyst trusts the report, in [0, 1]; 0 switches it off.")
    note: Text = Field(
        description="The analyst's paraphrase and where in the document it stands (never the document's own text)."
    )
    valid_until: Date | None = Field(
        None, description="The last day the observation counts (default: observed + the indicator's shelf life)."
    )
    supersedes: Annotated[bool, Field(strict=True)] = Field(
        False,
        description="Replaces a firmer earlier report of the same indicator; without it a less credible report does not.",
    )

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

    id: Id = Field(description="The entry's id; evidence may cite it in `document:`.")
    date: Date = Field(description="The day of the fact.")
    fact: Text = Field(description="What happened, in a sentence.")
    source: Text = Field(description="The source of the day that reported it.")
    url: Text | None = Field(None, description="Where that source can be read.")


class ExternalForecast(Record):
    """A forecast made elsewhere (crowd, market, another analyst) for a pack question, on a given day.

    ``match`` grades how closely the source's question is the pack's: ``same``
    and ``close`` enter the headline comparison, ``broader``/``narrower`` are
    only listed. For an options question the source gives ``probabilities`` (one per
    option, summing to 1) instead of ``probability``; for a date question ``probability``
    is of the event by the end of day ``by`` (default ``closes``): one point of its curve.
    """

    question: Id = Field(description="The pack question it forecasts.")
    source: Text = Field(description="Who made it; one series per source and question.")
    date: Date = Field(description="The day it was made: on or after the question opens, before it resolves.")
    probability: Probability | None = Field(
        None,
        description="The forecast probability of 'yes' (of a date question's event by the end of `by`); give it or `probabilities`.",
    )
    probabilities: dict[Id, Probability] | None = Field(
        None, description="For an options question: a probability per option, summing to 1 (instead of `probability`)."
    )
    by: Date | None = Field(
        None,
        description="For a date question: the day by whose end `probability` holds (default: the question's `closes`).",
    )
    match: Literal["same", "close", "broader", "narrower"] = Field(
        description="How closely the source's question is the pack's: `same`/`close` enter the headline comparison, `broader`/`narrower` are listed."
    )
    source_question: Text | None = Field(None, description="The source's own wording of its question.")
    url: Text | None = Field(None, description="Where it can be checked.")
    note: Text | None = Field(None, description="Why this match grade.")

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

    date: Date = Field(description="When the pack was (re-)frozen.")
    commit: str | None = Field(None, description="The git commit at the time, when known.")
    reason: Text = Field(description="Why the content changed, and whether its scores had been seen.")
    changed: list[Text] = Field(
        default_factory=list,
        description="Files whose content differed from the previous freeze (added, removed or edited).",
    )


class Freeze(Record):
    """``freeze.yaml``: the content the pack's scores are claimed for, and the log of every re-freeze."""

    frozen_on: Date = Field(description="The day of the latest freeze.")
    commit: str | None = Field(None, description="The git commit of the latest freeze, when known.")
    files: dict[Text, Sha256] = Field(
        min_length=1, description="The sha256 of every YAML file of the pack (not the README, not freeze.yaml)."
    )
    revisions: list[Revision] = Field(min_length=1, description="Every freeze, oldest first.")


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

    id: Annotated[str, StringConstraints(pattern=r"^p[0-9]{2,4}$")] = Field(
        description="The proposal's id within its document (p01, p02, ...)."
    )
    indicator: Id = Field(description="The indicator it proposes.")
    state: Literal["present", "absent"] = Field(
        description="The state it proposes: present, or absent for a negated mention or a counter-cue."
    )
    score: Probability = Field(
        description="The share of the indicator's key terms in the sentence (1.0 for a whole cue phrase)."
    )
    cue: str = Field(max_length=1000, description="The words that matched.")
    paragraph: Annotated[int, Field(ge=1, strict=True)] = Field(description="The paragraph it stands in (from 1).")
    sentence: Annotated[int, Field(ge=1, strict=True)] = Field(
        description="The sentence within the paragraph (from 1)."
    )
    start: Count = Field(description="The first character of the sentence in the document's text.")
    end: Count = Field(description="The character after the sentence's last.")
    status: Literal["proposed", "accepted", "rejected"] = Field(
        "proposed", description="proposed, accepted (now an evidence item) or rejected (not offered again)."
    )
    impact: number() = Field(0.0, description="The largest change accepting it would make to a forecast.")
    shifts: dict[Id, number()] = Field(
        default_factory=dict, description="The signed change it would make to each question's forecast."
    )
    confidence: Probability = Field(
        0.0, description="Its score, halved when uncertain and halved for a headline, dateline or caption."
    )
    context: str = Field(
        default="reported",
        max_length=200,
        description="How the sentence reports the sign (reported, negated, hypothetical, historical, ...).",
    )
    direction: Literal["certain", "uncertain"] = Field(
        "certain",
        description="`uncertain` for a mention that reports no sign of the day (counts half, never accepted by --all-above).",
    )
    counts_from: dict[Id, Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$")]] = Field(
        default_factory=dict, description="Per question, the first day the proposal would count."
    )

    @model_validator(mode="after")
    def _span(self) -> ProposalRecord:
        if self.end < self.start:
            raise field_rule("end", f"must be at least start ({self.start}); got {self.end}")
        return self


class ProposalsFile(Record):
    """``proposals/<document>.yaml``: a document's candidate evidence; ``file`` is the text ingest read,
    kept inside the pack (``proposals/<document>.txt``) so reviewing it reads nothing outside the pack."""

    document: Id = Field(description="The document the proposals come from.")
    file: PackPath = Field(description="The text ingest read, kept inside the pack (`proposals/<document>.txt`).")
    published: Date = Field(description="The document's publication date.")
    source: Text | None = Field(None, description="Where the document came from.")
    how: str | None = Field(None, description="How the text was extracted (format and tool).")
    proposals: list[ProposalRecord] = Field(description="The candidate evidence items, ranked by expected impact.")


PROPOSALS_DIR = "proposals"
"""Where `foresight ingest` keeps each document's proposals and text (checked by `validate` like the rest)."""
