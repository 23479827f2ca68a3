"""Checks that relate records to each other: ids that must exist, dates that must agree.

Each check yields ``(file, loc, message)``; the loader turns loc into a line.
They run on the records that passed their own validation, so one broken
record does not hide the problems of the others - and a broken record is not
reported a second time as an "unknown id" wherever it is referenced (see
:class:`Table`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Generic, TypeVar

from foresight.pack.schema import (
    KIND_PREFIX,
    Document,
    EventLog,
    Evidence,
    ExternalForecast,
    Indicator,
    Question,
    ReferenceClass,
    TimelineEntry,
)

Finding = tuple[str, tuple, str]
R = TypeVar("R")


def lr_key(indicator: Indicator, question: Question) -> str | None:
    """Which key of ``indicator.likelihood_ratios`` applies to ``question``: question id > ``kind:`` > family.

    The most specific statement wins: a ratio written for one question, then one for
    questions whose criteria ask the same kind of thing, then the family's default.
    """
    ratios = indicator.likelihood_ratios
    candidates = [question.id]
    if question.criterion_kind is not None:
        candidates.append(KIND_PREFIX + question.criterion_kind)
    candidates.append(question.family)
    return next((key for key in candidates if key in ratios), None)


@dataclass
class Table(Generic[R]):
    """The valid records of one file, and what is known about the rest.

    ``broken`` holds the ids of items that failed their own checks (already
    reported); ``failed`` counts them, with or without a readable id.
    ``readable`` is False when the file itself could not be used (missing, bad
    YAML, wrong shape): then no reference into it is judged at all, since every
    one would be a false "unknown id".
    """

    items: list[tuple[int, R]] = field(default_factory=list)
    broken: set[str] = field(default_factory=set)
    failed: int = 0
    readable: bool = True

    @cached_property
    def by_id(self) -> dict[str, R]:
        return {rec.id: rec for _, rec in self.items}

    @property
    def complete(self) -> bool:
        """Every record of the file is here and valid, so a check over all of them can be trusted."""
        return self.readable and self.failed == 0

    def unknown(self, record_id: str) -> bool:
        """True when ``record_id`` is surely not defined in this file."""
        return self.readable and record_id not in self.by_id and record_id not in self.broken

    def choices(self) -> str:
        return _choices(self.by_id)


def _choices(names: Iterable[str]) -> str:
    names = sorted(names)
    shown = ", ".join(names[:12])
    return shown + (f", ... ({len(names)} in all)" if len(names) > 12 else "") if names else "(none defined)"


def duplicate_ids(file: str, key: str, table: Table[Any]) -> Iterator[Finding]:
    """Every id must be unique within its file."""
    counts = Counter(rec.id for _, rec in table.items)
    for index, rec in table.items:
        if counts[rec.id] > 1:
            yield file, (key, index, "id"), f"duplicate id '{rec.id}': ids must be unique within {file}"


def check_questions(
    families: set[str] | None,
    questions: Table[Question],
    documents: Table[Document],
    classes: Table[ReferenceClass],
    timeline: Table[TimelineEntry] | None = None,
) -> Iterator[Finding]:
    """Families and classes known; ``raised_by`` names documents or timeline entries (as evidence's
    ``document:`` does), and the question opens on or after each one's date."""
    timeline = timeline if timeline is not None else Table()
    docs = {**{k: v.date for k, v in timeline.by_id.items()}, **{k: v.published for k, v in documents.by_id.items()}}
    for index, q in questions.items:
        loc = ("questions", index)
        if families is not None and q.family not in families:
            yield (
                "questions.yaml",
                (*loc, "family"),
                (f"unknown family '{q.family}'; families declared in pack.yaml: {_choices(families)}"),
            )
        for j, doc_id in enumerate(q.raised_by):
            if documents.unknown(doc_id) and (not timeline.items or timeline.unknown(doc_id)):
                also = f"; timeline entries: {timeline.choices()}" if timeline.items else ""
                yield (
                    "questions.yaml",
                    (*loc, "raised_by", j),
                    (f"unknown document '{doc_id}'; documents: {documents.choices()}{also}"),
                )
            elif doc_id in docs and q.opens < docs[doc_id]:
                yield (
                    "questions.yaml",
                    (*loc, "opens"),
                    (
                        f"opens ({q.opens}) is before the date ({docs[doc_id]}) of '{doc_id}', "
                        "the document that raises the question; a question opens on or after that date"
                    ),
                )
        if q.reference_class is not None and classes.unknown(q.reference_class):
            yield (
                "questions.yaml",
                (*loc, "reference_class"),
                (f"unknown reference class '{q.reference_class}'; reference classes: {classes.choices()}"),
            )


def _serves_check(target: str, families: set[str] | None, questions: Table[Question]) -> bool:
    """True when ``target`` is surely neither a family nor a question id (unknowable without the families)."""
    return families is not None and target not in families and questions.unknown(target)


def check_reference_classes(
    classes: Table[ReferenceClass],
    questions: Table[Question],
    families: set[str] | None,
    indicators: Table[Indicator],
) -> Iterator[Finding]:
    for index, rc in classes.items:
        loc = ("reference_classes", index)
        for j, target in enumerate(rc.serves):
            if _serves_check(target, families, questions):
                yield (
                    "reference_classes.yaml",
                    (*loc, "serves", j),
                    (f"'{target}' is neither a family nor a question id; families: {_choices(families or ())}"),
                )
        served = [
            q
            for _, q in questions.items
            if q.id in rc.serves
            or q.family in rc.serves
            or q.reference_class == rc.id
            or any(use.id == rc.id for use in q.reference_classes or ())
        ]
        if rc.exposure_years is None and any(q.kind == "by_deadline" for q in served):
            yield (
                "reference_classes.yaml",
                (*loc, "exposure_years"),
                (
                    "required (a number of years > 0) because this class serves by_deadline questions: "
                    "it turns the class's rate per exposure period into a probability for a question's window"
                ),
            )
        for k, case in enumerate(rc.cases):
            for ind_id in case.indicators:
                if indicators.unknown(ind_id):
                    yield (
                        "reference_classes.yaml",
                        (*loc, "cases", k, "indicators", ind_id),
                        (f"unknown indicator '{ind_id}'; indicators: {indicators.choices()}"),
                    )


def check_question_has_one_class(
    questions: Table[Question], classes: Table[ReferenceClass], families: set[str] | None
) -> Iterator[Finding]:
    """A question needs exactly one reference class: named, or the only one serving its id or family."""
    for index, q in questions.items:
        if q.reference_class is not None or q.reference_classes is not None:
            continue
        by_id = [rc.id for _, rc in classes.items if q.id in rc.serves]
        by_family = [rc.id for _, rc in classes.items if q.family in rc.serves]
        candidates = by_id or by_family
        if not candidates and (q.analyst_prior is not None or q.event_log is not None):
            continue  # an analyst prior or an event log is an outside view of its own
        if not candidates:
            # Silent when the cause is already reported: an unknown family, or a class
            # that failed its own checks (it may be the one meant to serve this question).
            if classes.complete and (families is None or q.family in families):
                yield (
                    "questions.yaml",
                    ("questions", index, "family"),
                    (
                        f"no reference class serves question '{q.id}' or its family '{q.family}'; "
                        "add one to reference_classes.yaml (listing the family or question id in serves) "
                        "or name one in reference_class (or give the question an analyst_prior or an event_log)"
                    ),
                )
        elif len(candidates) > 1:
            yield (
                "questions.yaml",
                ("questions", index, "reference_class"),
                (
                    f"several reference classes serve '{q.id}' ({', '.join(sorted(candidates))}); "
                    "name the one to use in reference_class"
                ),
            )


def check_indicators(
    indicators: Table[Indicator], groups: set[str] | None, questions: Table[Question], families: set[str] | None
) -> Iterator[Finding]:
    for index, ind in indicators.items:
        loc = ("indicators", index)
        if groups is not None and ind.group not in groups:
            yield (
                "indicators.yaml",
                (*loc, "group"),
                (f"unknown correlation group '{ind.group}'; groups declared in pack.yaml: {_choices(groups)}"),
            )
        for target in ind.likelihood_ratios:
            if target.startswith(KIND_PREFIX):
                kind = target[len(KIND_PREFIX) :]
                kinds = {q.criterion_kind for _, q in questions.items if q.criterion_kind}
                if questions.complete and kind not in kinds:
                    yield (
                        "indicators.yaml",
                        (*loc, "likelihood_ratios", target),
                        (
                            f"no question has criterion_kind '{kind}', so this ratio applies to nothing; "
                            f"kinds used in questions.yaml: {_choices(kinds)}"
                        ),
                    )
            elif _serves_check(target, families, questions):
                yield (
                    "indicators.yaml",
                    (*loc, "likelihood_ratios", target),
                    (f"'{target}' is neither a family nor a question id; families: {_choices(families or ())}"),
                )


def check_evidence(
    evidence: Table[Evidence],
    documents: Table[Document],
    indicators: Table[Indicator],
    questions: Table[Question],
    timeline: Table[TimelineEntry] | None = None,
) -> Iterator[Finding]:
    """Evidence cites a document or a timeline entry (timeline.yaml), observed on or after its date."""
    timeline = timeline if timeline is not None else Table()
    docs, inds, facts = documents.by_id, indicators.by_id, timeline.by_id
    for index, ev in evidence.items:
        loc = ("evidence", index)
        doc = docs.get(ev.document)
        fact = facts.get(ev.document) if doc is None else None
        if documents.unknown(ev.document) and (not timeline.items or timeline.unknown(ev.document)):
            also = f"; timeline entries: {timeline.choices()}" if timeline.items else ""
            yield (
                "evidence.yaml",
                (*loc, "document"),
                (f"unknown document '{ev.document}'; documents: {documents.choices()}{also}"),
            )
        elif doc is not None and doc.published > ev.observed:
            yield (
                "evidence.yaml",
                (*loc, "observed"),
                (
                    f"observed ({ev.observed}) is before document '{doc.id}' was published ({doc.published}); "
                    "evidence can only be observed on or after its document's publication date"
                ),
            )
        elif fact is not None and fact.date > ev.observed:
            yield (
                "evidence.yaml",
                (*loc, "observed"),
                (
                    f"observed ({ev.observed}) is before timeline entry '{fact.id}' happened ({fact.date}); "
                    "evidence can only be observed on or after the date of the fact it cites"
                ),
            )
        if indicators.unknown(ev.indicator):
            yield (
                "evidence.yaml",
                (*loc, "indicator"),
                (f"unknown indicator '{ev.indicator}'; indicators: {indicators.choices()}"),
            )
        ind = inds.get(ev.indicator)
        if ind is None or not questions.complete:
            continue
        targets = [q for _, q in questions.items if lr_key(ind, q) is not None]
        if targets and all(ev.observed > q.closes for q in targets):
            last = max(q.closes for q in targets)
            yield (
                "evidence.yaml",
                (*loc, "observed"),
                (
                    f"observed ({ev.observed}) is after every question indicator '{ind.id}' bears on has closed "
                    f"(the last closes {last}); evidence must fall on or before some question's closes date"
                ),
            )


def check_timeline(timeline: Table[TimelineEntry], documents: Table[Document]) -> Iterator[Finding]:
    """A timeline id may not also be a document id: evidence cites either by the same ``document:`` field."""
    for index, entry in timeline.items:
        if entry.id in documents.by_id or entry.id in documents.broken:
            yield (
                "timeline.yaml",
                ("timeline", index, "id"),
                (
                    f"'{entry.id}' is also a document id in documents.yaml; evidence cites both by id "
                    "in document:, so a timeline entry needs an id no document uses"
                ),
            )


def check_external_forecasts(externals: Table[ExternalForecast], questions: Table[Question]) -> Iterator[Finding]:
    """An external forecast names a pack question and is dated inside the window in which it can be scored:
    on or after the question opens (the model has no forecast before) and before it resolves (a forecast
    made on or after the resolution may know the outcome)."""
    by_id = questions.by_id
    seen: dict[tuple, int] = {}
    for index, ef in externals.items:
        loc = ("external_forecasts", index)
        q = by_id.get(ef.question)
        key = (ef.question, ef.source, ef.date, ef.by)
        if key in seen:
            yield (
                "external_forecasts.yaml",
                (*loc, "date"),
                (
                    f"a second forecast of '{ef.question}' by '{ef.source}' on {ef.date} (the first is item "
                    f"{seen[key]}); keep one per source and day, or name the sources apart"
                ),
            )
        seen.setdefault(key, index)
        if questions.unknown(ef.question):
            yield (
                "external_forecasts.yaml",
                (*loc, "question"),
                (f"unknown question '{ef.question}'; questions: {questions.choices()}"),
            )
        if q is None:
            continue
        if ef.date < q.opens:
            yield (
                "external_forecasts.yaml",
                (*loc, "date"),
                (
                    f"date ({ef.date}) is before question '{q.id}' opens ({q.opens}); the model has no forecast "
                    "to set beside it: keep only forecasts made on or after opens"
                ),
            )
        end = q.resolved_on if q.resolved_on is not None else q.closes
        if ef.date >= end:
            what = "resolved" if q.resolved_on is not None else "closes"
            yield (
                "external_forecasts.yaml",
                (*loc, "date"),
                (
                    f"date ({ef.date}) is on or after the day question '{q.id}' {what} ({end}); a forecast made "
                    "then may know the outcome: keep only forecasts dated before it"
                ),
            )
        yield from _external_shape(ef, q, loc)


def _external_shape(ef: ExternalForecast, q: Question, loc: tuple) -> Iterator[Finding]:
    """The answer fits the question's type: probabilities over exactly its options (summing to 1) for an
    options question, a probability otherwise, and ``by`` a day of a date question's window on or after
    the forecast's date."""
    file = "external_forecasts.yaml"
    if q.type == "options":
        if ef.probabilities is None:
            yield file, (*loc, "probability"), f"'{q.id}' is an options question: give probabilities, one per option"
            return
        ids = [o.id for o in q.options or []]
        for option in ef.probabilities:
            if option not in ids:
                yield file, (*loc, "probabilities", option), f"unknown option '{option}'; options: {', '.join(ids)}"
        missing = [o for o in ids if o not in ef.probabilities]
        total = sum(ef.probabilities.values())
        if missing:
            yield file, (*loc, "probabilities"), f"no probability for {', '.join(missing)}: give one per option"
        elif abs(total - 1.0) > 0.01:
            yield file, (*loc, "probabilities"), f"the probabilities sum to {total:.3f}; they must sum to 1"
        return
    if ef.probabilities is not None:
        yield file, (*loc, "probabilities"), f"'{q.id}' is a {q.type} question: give one probability"
    if ef.by is None:
        return
    if q.type != "date":
        yield file, (*loc, "by"), f"'{q.id}' is a yes/no question; by names a day of a date question's curve"
    elif not max(ef.date, q.opens) <= ef.by <= q.closes:
        yield (
            file,
            (*loc, "by"),
            f"by ({ef.by}) must be from the forecast's date ({ef.date}) to closes ({q.closes}) of '{q.id}'",
        )


def check_evidence_over_time(indicators: Table[Indicator], questions: Table[Question]) -> Iterator[Finding]:
    """An indicator observed from a resolution names a real question, and never one it bears on itself."""
    for index, ind in indicators.items:
        if ind.resolution_of is None:
            continue
        loc = ("indicators", index, "resolution_of", "question")
        source = ind.resolution_of.question
        if questions.unknown(source):
            yield "indicators.yaml", loc, f"unknown question '{source}'; questions: {questions.choices()}"
        elif source in questions.by_id and lr_key(ind, questions.by_id[source]) is not None:
            yield (
                "indicators.yaml",
                loc,
                (
                    f"indicator '{ind.id}' bears on question '{source}' itself (it has a likelihood ratio for it); "
                    "a question's own resolution cannot be evidence about it: drop that ratio or pick another question"
                ),
            )


def check_outside_view(
    questions: Table[Question], classes: Table[ReferenceClass], logs: Table[EventLog], families: set[str] | None
) -> Iterator[Finding]:
    """The outside-view fields of questions against the classes, event logs and other questions they name."""
    for index, q in questions.items:
        loc = ("questions", index)
        uses = q.reference_classes or []
        seen: set[str] = set()
        for j, use in enumerate(uses):
            if classes.unknown(use.id):
                yield (
                    "questions.yaml",
                    (*loc, "reference_classes", j, "id"),
                    f"unknown reference class '{use.id}'; reference classes: {classes.choices()}",
                )
                continue
            if use.id in seen:
                yield (
                    "questions.yaml",
                    (*loc, "reference_classes", j, "id"),
                    f"class '{use.id}' is listed twice; list each class once (filter its cases with where)",
                )
            seen.add(use.id)
            rc = classes.by_id.get(use.id)
            if rc is not None and use.where is not None:
                kept = rc.cases_known_before(q.opens, use.where.tags)
                if not kept:
                    yield (
                        "questions.yaml",
                        (*loc, "reference_classes", j, "where"),
                        f"no case of class '{rc.id}' known before opens ({q.opens}) has any of the tags "
                        f"{', '.join(use.where.tags)}; tags used in the class: "
                        f"{_choices({t for c in rc.cases for t in c.tags})}",
                    )
        if q.reference_classes is not None:
            total = sum(use.weight for use in uses) + (q.event_log.weight if q.event_log is not None else 0.0)
            if total == 0 and q.analyst_prior is None:
                yield (
                    "questions.yaml",
                    (*loc, "reference_classes"),
                    "no outside view: give a class or event log a weight above 0, or an analyst_prior",
                )
        if q.event_log is not None:
            if logs.unknown(q.event_log.id):
                yield (
                    "questions.yaml",
                    (*loc, "event_log"),
                    f"unknown event log '{q.event_log.id}'; event logs in event_logs.yaml: {logs.choices()}",
                )
            elif q.event_log.id in logs.by_id and logs.by_id[q.event_log.id].start >= q.opens:
                yield (
                    "questions.yaml",
                    (*loc, "event_log"),
                    f"event log '{q.event_log.id}' starts {logs.by_id[q.event_log.id].start}, not before the question "
                    f"opens ({q.opens}): a rate needs some history before the first forecast (set the log's since)",
                )
        starts = q.hazard.starts if q.hazard is not None else None
        if starts is not None and starts.question is not None:
            if questions.unknown(starts.question):
                yield (
                    "questions.yaml",
                    (*loc, "hazard", "starts", "question"),
                    f"unknown question '{starts.question}'; questions: {questions.choices()}",
                )
    for index, log in logs.items:
        for j, target in enumerate(log.serves):
            if _serves_check(target, families, questions):
                yield (
                    "event_logs.yaml",
                    ("event_logs", index, "serves", j),
                    f"'{target}' is neither a family nor a question id; families: {_choices(families or ())}",
                )


KIND_KEYWORDS: dict[str, tuple[str, ...]] = {
    "sign": ("sign", "treaty"),
    "declare": ("declar", "announce"),
    "strike": ("strike", "attack", "military action"),
    "meet": ("meet", "summit"),
}
"""Word stems that mark what a question's criteria ask, when it declares no ``criterion_kind``;
the most specific first (criteria about signing at a summit mention the summit too)."""


def criterion_kind_of(question: Question) -> tuple[str | None, str]:
    """(kind, how it was found): the declared ``criterion_kind``, else the first kind whose word
    stems begin a word of the criteria (checked in the order sign, declare, strike, meet), else None."""
    if question.criterion_kind is not None:
        return question.criterion_kind, "criterion_kind"
    text = question.criteria.lower()
    for kind, words in KIND_KEYWORDS.items():
        if any(re.search(rf"\b{re.escape(w)}", text) for w in words):
            return kind, "criteria words"
    return None, ""


def lr_kind_warnings(indicators: Table[Indicator], questions: Table[Question]) -> Iterator[Finding]:
    """Warn when one family ratio of an indicator serves questions whose criteria ask different things.

    Heuristic: each question that takes the family value (no ratio for its id or kind)
    gets a kind from :func:`criterion_kind_of`; when those questions have two or more
    different kinds, the family ratio (written with one kind in mind) is suspect.
    """
    for index, ind in indicators.items:
        by_key: dict[str, list[tuple[str, str, str]]] = {}
        for _, q in questions.items:
            key = lr_key(ind, q)
            if key is None or key != q.family:
                continue
            kind, how = criterion_kind_of(q)
            if kind is not None:
                by_key.setdefault(key, []).append((q.id, kind, how))
        for key, uses in by_key.items():
            kinds = sorted({kind for _, kind, _ in uses})
            if len(kinds) > 1:
                listed = ", ".join(f"{qid} ({kind}, from {how})" for qid, kind, how in uses)
                yield (
                    "indicators.yaml",
                    ("indicators", index, "likelihood_ratios", key),
                    (
                        f"one ratio for family '{key}' serves questions whose criteria ask different things "
                        f"({' / '.join(kinds)}): {listed}; give a ratio per kind (kind:<name>, with criterion_kind "
                        "on the questions) or per question id where they differ"
                    ),
                )
