"""Checks that relate records to each other: ids that must exist, dates that must agree.

Each check yields ``(file, loc, message)``; the loader turns loc into a line.
They run on the records that passed their own validation, so one broken
record does not hide the problems of the others.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from .schema import Document, Evidence, Indicator, PackMeta, Question, ReferenceClass

Finding = tuple[str, tuple, str]


def _choices(names) -> str:
    names = sorted(names)
    shown = ", ".join(names[:12])
    return shown + (f", ... ({len(names)} in all)" if len(names) > 12 else "") if names else "(none defined)"


def duplicate_ids(file: str, key: str, items: list[tuple[int, object]]) -> Iterator[Finding]:
    """Every id must be unique within its file."""
    counts = Counter(getattr(rec, "id") for _, rec in items)
    for index, rec in items:
        if counts[rec.id] > 1:
            yield file, (key, index, "id"), f"duplicate id '{rec.id}': ids must be unique within {file}"


def check_questions(meta: PackMeta | None, questions, documents: dict[str, Document], classes) -> Iterator[Finding]:
    for index, q in questions:
        loc = ("questions", index)
        if meta is not None and q.family not in meta.families:
            yield "questions.yaml", (*loc, "family"), (
                f"unknown family '{q.family}'; families declared in pack.yaml: {_choices(meta.families)}"
            )
        for j, doc_id in enumerate(q.raised_by):
            doc = documents.get(doc_id)
            if doc is None:
                yield "questions.yaml", (*loc, "raised_by", j), (
                    f"unknown document '{doc_id}'; documents: {_choices(documents)}"
                )
            elif q.opens < doc.published:
                yield "questions.yaml", (*loc, "opens"), (
                    f"opens ({q.opens}) is before the publication ({doc.published}) of '{doc_id}', "
                    "the document that raises the question; a question opens on or after that date"
                )
        if q.reference_class is not None and q.reference_class not in classes:
            yield "questions.yaml", (*loc, "reference_class"), (
                f"unknown reference class '{q.reference_class}'; reference classes: {_choices(classes)}"
            )


def check_reference_classes(
    classes: list[tuple[int, ReferenceClass]],
    questions: dict[str, Question],
    families: set[str],
    indicators: dict[str, Indicator] | None,
) -> Iterator[Finding]:
    for index, rc in classes:
        loc = ("reference_classes", index)
        for j, target in enumerate(rc.serves):
            if target not in families and target not in questions:
                yield "reference_classes.yaml", (*loc, "serves", j), (
                    f"'{target}' is neither a family nor a question id; families: {_choices(families)}"
                )
        served = [q for q in questions.values() if q.id in rc.serves or q.family in rc.serves]
        if rc.exposure_years is None and any(q.kind == "by_deadline" for q in served):
            yield "reference_classes.yaml", (*loc, "exposure_years"), (
                "required (a number of years > 0) because this class serves by_deadline questions: "
                "it turns the class's rate per exposure period into a probability for a question's window"
            )
        if indicators is None:
            continue
        for k, case in enumerate(rc.cases):
            for ind_id in case.indicators:
                if ind_id not in indicators:
                    yield "reference_classes.yaml", (*loc, "cases", k, "indicators", ind_id), (
                        f"unknown indicator '{ind_id}'; indicators: {_choices(indicators)}"
                    )


def check_question_has_one_class(
    questions: list[tuple[int, Question]], classes: dict[str, ReferenceClass]
) -> Iterator[Finding]:
    """A question needs exactly one reference class: named, or the only one serving its id or family."""
    for index, q in questions:
        if q.reference_class is not None:
            continue
        by_id = [rc.id for rc in classes.values() if q.id in rc.serves]
        by_family = [rc.id for rc in classes.values() if q.family in rc.serves]
        candidates = by_id or by_family
        if not candidates:
            yield "questions.yaml", ("questions", index, "family"), (
                f"no reference class serves question '{q.id}' or its family '{q.family}'; "
                "add one to reference_classes.yaml or name one in reference_class"
            )
        elif len(candidates) > 1:
            yield "questions.yaml", ("questions", index, "reference_class"), (
                f"several reference classes serve '{q.id}' ({', '.join(sorted(candidates))}); "
                "name the one to use in reference_class"
            )


def check_indicators(
    indicators: list[tuple[int, Indicator]], meta: PackMeta | None, questions: dict[str, Question], families: set[str]
) -> Iterator[Finding]:
    for index, ind in indicators:
        loc = ("indicators", index)
        if meta is not None and ind.group not in meta.correlation_groups:
            yield "indicators.yaml", (*loc, "group"), (
                f"unknown correlation group '{ind.group}'; groups declared in pack.yaml: "
                f"{_choices(meta.correlation_groups)}"
            )
        for target in ind.likelihood_ratios:
            if target not in families and target not in questions:
                yield "indicators.yaml", (*loc, "likelihood_ratios", target), (
                    f"'{target}' is neither a family nor a question id; families: {_choices(families)}"
                )


def check_evidence(
    evidence: list[tuple[int, Evidence]],
    documents: dict[str, Document],
    indicators: dict[str, Indicator],
    questions: dict[str, Question],
) -> Iterator[Finding]:
    for index, ev in evidence:
        loc = ("evidence", index)
        doc = documents.get(ev.document)
        if doc is None:
            yield "evidence.yaml", (*loc, "document"), f"unknown document '{ev.document}'; documents: {_choices(documents)}"
        elif doc.published > ev.observed:
            yield "evidence.yaml", (*loc, "observed"), (
                f"observed ({ev.observed}) is before document '{doc.id}' was published ({doc.published}); "
                "evidence can only be observed on or after its document's publication date"
            )
        ind = indicators.get(ev.indicator)
        if ind is None:
            yield "evidence.yaml", (*loc, "indicator"), (
                f"unknown indicator '{ev.indicator}'; indicators: {_choices(indicators)}"
            )
            continue
        targets = [q for q in questions.values() if q.id in ind.likelihood_ratios or q.family in ind.likelihood_ratios]
        if targets and all(ev.observed > q.closes for q in targets):
            last = max(q.closes for q in targets)
            yield "evidence.yaml", (*loc, "observed"), (
                f"observed ({ev.observed}) is after every question indicator '{ind.id}' bears on has closed "
                f"(the last closes {last}); evidence must fall before some question's closes date"
            )
