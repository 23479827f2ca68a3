"""Cross-record checks of the outcome types (options and date questions; :mod:`foresight.model.outcomes`).

Each check yields ``(file, loc, message)`` like :mod:`foresight.pack.crossref`, whose
checks still run on every question; these add what only the new types need: which
classes record options and which record yes/no, option ids in cases and ratios, and
the window of a yes/no question declared as a point of a date question.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from foresight.pack.crossref import Finding, Table
from foresight.pack.schema import KIND_PREFIX, Indicator, OptionRatios, Question, ReferenceClass


def ratio_key(ratios: Mapping[str, object], question: Question) -> str | None:
    """The key of ``ratios`` that applies to ``question``: its id, else ``kind:<criterion_kind>``, else its
    family (the precedence of :func:`foresight.pack.crossref.lr_key`, for any mapping of ratios)."""
    candidates = [question.id]
    if question.criterion_kind is not None:
        candidates.append(KIND_PREFIX + question.criterion_kind)
    candidates.append(question.family)
    return next((key for key in candidates if key in ratios), None)


def option_ratios_for(indicator: Indicator, question: Question) -> OptionRatios | None:
    """The indicator's ratios per option for an options question (None: it does not bear on it)."""
    key = ratio_key(indicator.option_ratios, question)
    return None if key is None else indicator.option_ratios[key]


def classes_of(question: Question, classes: Mapping[str, ReferenceClass]) -> list[ReferenceClass]:
    """The classes a question draws on, by the rule of :meth:`foresight.pack.loader.Pack.classes_for`
    (its list; else the named one; else the one serving its id; else its family's)."""
    if question.reference_classes is not None:
        return [classes[u.id] for u in question.reference_classes if u.id in classes]
    if question.reference_class is not None:
        return [classes[question.reference_class]] if question.reference_class in classes else []
    by_id = [rc for rc in classes.values() if question.id in rc.serves]
    return by_id or [rc for rc in classes.values() if question.family in rc.serves][:1]


def records_options(rc: ReferenceClass) -> bool:
    """True when the class's cases record which option happened (a class for options questions)."""
    return any(case.option is not None for case in rc.cases)


def check_outcome_types(
    questions: Table[Question], classes: Table[ReferenceClass], indicators: Table[Indicator]
) -> Iterator[Finding]:
    """Options questions against their classes and ratios; yes/no and date questions against option classes;
    ``point_of`` against its date question."""
    by_id, class_by_id = questions.by_id, classes.by_id
    for index, rc in classes.items:
        kinds = {case.option is not None for case in rc.cases}
        if len(kinds) > 1:
            first = rc.cases[0].option is not None
            k = next(i for i, case in enumerate(rc.cases) if (case.option is not None) != first)
            yield (
                "reference_classes.yaml",
                ("reference_classes", index, "cases", k),
                "a class records either outcome (yes/no) on every case or option on every case, not both",
            )
    for index, q in questions.items:
        loc = ("questions", index)
        used = classes_of(q, class_by_id)
        if q.type == "options":
            yield from _options_question(q, loc, used)
        else:
            for rc in used:
                if records_options(rc):
                    yield (
                        "questions.yaml",
                        (*loc, "reference_class" if q.reference_classes is None else "reference_classes"),
                        f"class '{rc.id}' records options (option: on its cases); a {q.type} question needs a "
                        "class whose cases record outcome yes/no",
                    )
        if q.point_of is not None:
            yield from _point_of(q, loc, by_id.get(q.point_of), questions)
    for index, ind in indicators.items:
        for key, ratios in ind.option_ratios.items():
            targets = [q for _, q in questions.items if q.type == "options" and ratio_key(ind.option_ratios, q) == key]
            if not targets and questions.complete:
                yield (
                    "indicators.yaml",
                    ("indicators", index, "option_ratios", key),
                    f"'{key}' names no options question (by id, kind: or family), so these ratios apply to nothing",
                )
            for q in targets:
                ids = [o.id for o in q.options or []]
                for name in [ratios.reference, *ratios.ratios]:
                    if name not in ids:
                        field = "reference" if name == ratios.reference else "ratios"
                        yield (
                            "indicators.yaml",
                            ("indicators", index, "option_ratios", key, field),
                            f"a ratio for unknown option '{name}' of question '{q.id}'; options: {', '.join(ids)}",
                        )


def _options_question(q: Question, loc: tuple, used: list[ReferenceClass]) -> Iterator[Finding]:
    ids = {o.id for o in q.options or []}
    if not used and q.options_prior is None:
        yield (
            "questions.yaml",
            (*loc, "family"),
            f"no reference class serves options question '{q.id}' or its family '{q.family}', and it has no "
            "options_prior: give one of them (a class whose cases record option: ID)",
        )
    for rc in used:
        if not records_options(rc):
            yield (
                "questions.yaml",
                (*loc, "reference_class" if q.reference_classes is None else "reference_classes"),
                f"class '{rc.id}' records yes/no outcomes; an options question needs cases that record option: ID",
            )
            continue
        unknown = sorted({c.option for c in rc.cases if c.option is not None and c.option not in ids})
        if unknown:
            yield (
                "questions.yaml",
                (*loc, "options"),
                f"class '{rc.id}' has cases with option {', '.join(unknown)}, not an option of this question "
                f"({', '.join(sorted(ids))}); use the question's option ids in the cases",
            )


def _point_of(q: Question, loc: tuple, target: Question | None, questions: Table[Question]) -> Iterator[Finding]:
    where = (*loc, "point_of")
    if target is None:
        if questions.unknown(q.point_of or ""):
            yield "questions.yaml", where, f"unknown question '{q.point_of}'; point_of names a date question"
        return
    if target.type != "date":
        yield "questions.yaml", where, f"'{target.id}' is a {target.type} question; point_of names a date question"
        return
    if not (target.opens <= q.opens and q.closes <= target.closes):
        yield (
            "questions.yaml",
            where,
            f"this question's window ({q.opens} to {q.closes}) is outside its date question's "
            f"({target.opens} to {target.closes}); a point of the curve opens and closes inside it",
        )
    if q.resolution is not None and target.resolution is not None:
        happened_by = target.resolution == "yes" and target.resolved_on is not None and target.resolved_on <= q.closes
        if (q.resolution == "yes") != happened_by:
            yield (
                "questions.yaml",
                (*loc, "resolution"),
                f"resolution '{q.resolution}' disagrees with date question '{target.id}' "
                f"(resolved {target.resolution} on {target.resolved_on})",
            )
