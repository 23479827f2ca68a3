"""Load a scenario pack folder into one validated :class:`Pack`, or list every problem."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from foresight.pack import crossref, outcome_checks
from foresight.pack.crossref import Table, lr_key
from foresight.pack.inside import OutsidePack, pack_file
from foresight.pack.links import Hinge, Links, check_links
from foresight.pack.problems import PackError, Problem, shown
from foresight.pack.schema import (
    EVENT_LOGS_FILE,
    FREEZE_FILE,
    OPTIONAL_RECORD_FILES,
    PROPOSALS_DIR,
    RECORD_FILES,
    STATE_ALLOWED,
    Document,
    EventLog,
    Evidence,
    ExternalForecast,
    Freeze,
    Indicator,
    LRInterval,
    PackMeta,
    ProposalsFile,
    Question,
    ReferenceClass,
    TimelineEntry,
    last_valid_day,
)
from foresight.pack.yamlio import YamlDoc, YamlSyntaxError, format_loc, read_yaml

PACK_FILE = "pack.yaml"
LINKS_FILE = "links.yaml"  # optional: latent drivers, conditional questions, named scenarios


@dataclass(frozen=True)
class Pack:
    """A validated scenario pack: every record plus the look-ups the model needs."""

    dir: Path
    meta: PackMeta
    documents: dict[str, Document]
    questions: dict[str, Question]
    reference_classes: dict[str, ReferenceClass]
    indicators: dict[str, Indicator]
    evidence: tuple[Evidence, ...]
    content_hash: str
    links: Links = Links()
    timeline: dict[str, TimelineEntry] | None = None
    external_forecasts: tuple[ExternalForecast, ...] = ()
    event_logs: dict[str, EventLog] = dataclass_field(default_factory=dict)
    warnings: tuple[Problem, ...] = ()  # things `validate` points out that do not stop a forecast
    freeze: Freeze | None = None  # freeze.yaml (foresight.pack.freeze), None when the pack was never frozen
    # Options and date questions (foresight.model.outcomes): kept apart from ``questions``, which holds the
    # yes/no questions every binary view (joint model, backtest, per-question notebooks) iterates.
    typed_questions: dict[str, Question] = dataclass_field(default_factory=dict)

    def any_question(self, question_id: str) -> Question:
        """A question of any outcome type; a KeyError listing every id otherwise."""
        found = self.questions.get(question_id) or self.typed_questions.get(question_id)
        if found is None:
            ids = ", ".join([*self.questions, *self.typed_questions])
            raise KeyError(f"unknown question {question_id!r} in pack {self.meta.id}; questions: {ids}")
        return found

    def question(self, question_id: str) -> Question:
        """The question ``question_id``; a KeyError that lists the valid ids otherwise."""
        try:
            return self.questions[question_id]
        except KeyError:
            raise KeyError(
                f"unknown question {question_id!r} in pack {self.meta.id}; questions: {', '.join(self.questions)}"
            ) from None

    def hinge_of(self, question: Question) -> Hinge | None:
        """The hinge a question's forecast carries: its own (links.yaml), or for a ``point_of`` question its
        date question's, so every rung of a ladder sees the branches of the curve it is a point of."""
        return self.links.hinge_for(question.point_of or question.id)

    def implicit_class_for(self, question: Question) -> ReferenceClass | None:
        """The class the old one-class rule gives (named, else serving the id, else the family), or None."""
        if question.reference_class is not None:
            return self.reference_classes[question.reference_class]
        for rc in self.reference_classes.values():
            if question.id in rc.serves:
                return rc
        return next((rc for rc in self.reference_classes.values() if question.family in rc.serves), None)

    def classes_for(self, question: Question) -> list[ReferenceClass]:
        """Every class a question draws on: its ``reference_classes`` list when it has one (empty: none),
        else the one class of the old rule, if any (a question may rest on a prior or an event log alone)."""
        if question.reference_classes is not None:
            return [self.reference_classes[use.id] for use in question.reference_classes]
        rc = self.implicit_class_for(question)
        return [] if rc is None else [rc]

    def reference_class_for(self, question: Question) -> ReferenceClass:
        """The class named by the question, else the one serving its id, else its family (validated unique)."""
        if question.reference_class is not None:
            return self.reference_classes[question.reference_class]
        for rc in self.reference_classes.values():
            if question.id in rc.serves:
                return rc
        return next(rc for rc in self.reference_classes.values() if question.family in rc.serves)

    def lr_interval(self, indicator: Indicator, question: Question) -> LRInterval | None:
        """The indicator's interval for this question: its id's, else its criterion kind's, else its family's."""
        key = lr_key(indicator, question)
        return None if key is None else indicator.likelihood_ratios[key]

    def counting_days(self, ev: Evidence) -> tuple[dt.date, dt.date | None]:
        """From when to when (inclusive; None: no end) an observation counts: from the later of its document's
        publication and its ``observed`` day to its last valid day (the model's rule, read by lint too)."""
        start = max(self.documents[ev.document].published, ev.observed)
        return start, last_valid_day(ev.valid_until, ev.observed, self.indicators[ev.indicator])

    def indicators_for(self, question: Question) -> list[Indicator]:
        """Indicators that bear on ``question``, in file order."""
        return [ind for ind in self.indicators.values() if self.lr_interval(ind, question) is not None]

    def counts(self) -> dict[str, int]:
        """How many records of each kind the pack holds (the `validate --json` summary).

        The optional files are counted only when the pack has them, so a pack
        without them keeps the summary it always had; timeline entries cited as
        documents are counted as timeline, not documents.
        """
        timeline = self.timeline or {}
        counts = {
            "questions": len(self.questions) + len(self.typed_questions),
            "reference_classes": len(self.reference_classes),
            "cases": sum(len(rc.cases) for rc in self.reference_classes.values()),
            "indicators": len(self.indicators),
            "documents": len([d for d in self.documents if d not in timeline]),
            "evidence": len(self.evidence),
        }
        if self.timeline is not None:
            counts["timeline"] = len(timeline)
        if self.external_forecasts:
            counts["external_forecasts"] = len(self.external_forecasts)
        return counts


_FRIENDLY = {
    "missing": "required field is missing",
    "string_type": "must be text",
    "dict_type": "must be a mapping of key: value lines",
    "list_type": "must be a list (lines starting with '- ', or [a, b])",
    "string_pattern_mismatch": "must be an id: lower-case letters, digits, '-' or '_', starting with a letter or digit",
    "string_too_long": "must be at most 80 characters",
    "string_too_short": "must not be empty",
    "too_short": "must not be empty",
    "model_type": "must be a mapping of field: value lines",
    "model_attributes_type": "must be a mapping of field: value lines",
    "invalid_key": "field names must be text",
}
"""Pydantic error types reworded to say what is allowed; ``(got ...)`` is added to each."""


def _unwrap(tp: Any) -> Any:
    """Strip ``Annotated[...]`` and ``| None`` to reach a model, ``list[...]`` or ``dict[...]``."""
    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            tp = get_args(tp)[0]
        elif origin in (Union, UnionType) and len(args := [a for a in get_args(tp) if a is not type(None)]) == 1:
            tp = args[0]
        else:
            return tp


def _model_at(model: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
    """The record type holding the field at ``loc`` (e.g. Case for ``cases[2].sorce``), to list its fields."""
    tp: Any = model
    for part in loc[:-1]:
        tp = _unwrap(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            if part not in tp.model_fields:
                return None
            tp = tp.model_fields[part].annotation
        elif get_origin(tp) in (list, dict):
            tp = get_args(tp)[-1]
        else:
            return None
    tp = _unwrap(tp)
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None


def _friendly(error: dict[str, Any], loc: tuple, model: type[BaseModel]) -> str:
    """Pydantic's message for ``error`` rewritten to say what the field allows."""
    kind = error["type"]
    got = f" (got {shown(error.get('input'))})"
    if kind == "extra_forbidden":
        owner = _model_at(model, loc)
        allowed = ", ".join(owner.model_fields) if owner is not None else "none here"
        return f"unknown field '{loc[-1]}'; allowed fields: {allowed}"
    if kind == "missing":
        return _FRIENDLY[kind]
    if kind == "string_type" and isinstance(error.get("input"), bool):
        return _FRIENDLY[kind] + got + "; YAML reads a bare yes/no/true/false/on/off as a boolean: put it in quotes"
    if kind in _FRIENDLY:
        return _FRIENDLY[kind] + got
    message = error["msg"]
    if kind in ("value_error", "assertion_error"):  # our own validators: their text already says what is allowed
        return message.split(", ", 1)[1] if message.startswith(("Value error, ", "Assertion failed, ")) else message
    if kind == "field_rule":
        return message
    if message.startswith("Input should be "):  # e.g. "Input should be 'yes' or 'no'"
        return "must be " + message[len("Input should be ") :] + got
    return message[0].lower() + message[1:] if message else kind


def _validation_problems(doc: YamlDoc, file: str, base: tuple, model: type, exc: ValidationError) -> list[Problem]:
    problems = []
    seen = set()
    for error in exc.errors():
        loc = tuple(part for part in error["loc"] if not _is_union_tag(part))
        key = (loc, error["type"])
        if key in seen:
            continue
        seen.add(key)
        message = _friendly(error, loc, model)
        if error["type"] == "field_rule":  # a rule over several fields, pinned to the one to fix
            loc = (*loc, error["ctx"]["field"])
        if loc and loc[-1] == "[key]":  # a mapping key, not its value, is wrong
            loc, message = loc[:-1], f"this key {message}"
        full = (*base, *loc)
        line = doc.line_of(full)
        if error["type"] == "extra_forbidden" and error.get("input") is None:
            message += _inline_comma_hint(doc, line, loc[-1] if loc else "")
        problems.append(Problem(file, line, format_loc(full), message))
    return _collapse_union_errors(problems)


def _inline_comma_hint(doc: YamlDoc, line: int, key: object) -> str:
    """YAML ends a value at a comma inside an inline ``{...}`` mapping, so ``{note: Paris, May 1960}``
    makes ``May 1960`` a field of its own with no value; say so when the line shows that shape."""
    try:
        text = doc.path.read_text(encoding="utf-8").splitlines()[line - 1]
    except (OSError, IndexError, UnicodeDecodeError):
        return ""
    if "{" not in text or f",{key}" not in text.replace(", ", ",").replace(", ", ","):
        return ""
    return (
        f". Hint: a comma inside an inline {{...}} mapping ends the value before it, so '{key}' became a "
        'field of its own; put that value in quotes, e.g. note: "Paris, May 1960"'
    )


def _is_union_tag(part: Any) -> bool:
    """Pydantic adds union member names ('literal[...]', 'float', 'function-before[...]') to error locations."""
    return isinstance(part, str) and (
        part.startswith(("literal[", "function-", "constrained-")) or part in {"float", "str", "LRInterval"}
    )


def _collapse_union_errors(problems: list[Problem]) -> list[Problem]:
    """A value that fails every member of a union yields one message per member; keep one clear one."""
    by_field: dict[tuple[str, int, str], list[Problem]] = {}
    for p in problems:
        by_field.setdefault((p.file, p.line, p.field), []).append(p)
    out = []
    for (file, line, field), group in by_field.items():
        if len(group) > 1 and (field.endswith(".state") or ".indicators." in field):
            out.append(Problem(file, line, field, f"must be {STATE_ALLOWED}"))
        else:
            out.extend(group)
    return out


def _found(data: Any) -> str:
    """What a file holds instead of the expected mapping, in the analyst's words."""
    if data is None:
        return "the file is empty"
    if isinstance(data, dict):
        return "found the keys " + ", ".join(sorted(map(str, data))) if data else "found an empty mapping"
    if isinstance(data, list):
        return "found a list"
    return f"found the single value {shown(data)}"


def _read(pack_dir: Path, file: str, problems: list[Problem]) -> YamlDoc | None:
    path = pack_dir / file
    try:
        pack_file(pack_dir, file, file)
    except OutsidePack as exc:  # a symlink or a device: never read, never quoted
        if not (path.is_dir() and not path.is_symlink()):
            problems.append(Problem(file, 1, "(file)", str(exc).split(": ", 1)[1]))
            return None
    except FileNotFoundError:
        pass
    if not path.is_file():
        what = "is a folder, not a file" if path.is_dir() else "is missing"
        needed = ", ".join([PACK_FILE, *RECORD_FILES])
        problems.append(Problem(file, 1, "(file)", f"{what}: a pack needs the files {needed}"))
        return None
    try:
        return read_yaml(path)
    except YamlSyntaxError as exc:
        problems.append(Problem(file, exc.line, "(file)", exc.message))
        return None


def _load_meta(doc: YamlDoc | None, problems: list[Problem]) -> PackMeta | None:
    if doc is None:
        return None
    if not isinstance(doc.data, dict):
        problems.append(
            Problem(
                PACK_FILE,
                1,
                "(file)",
                f"must be a mapping with the fields {', '.join(PackMeta.model_fields)}; {_found(doc.data)}",
            )
        )
        return None
    try:
        return PackMeta.model_validate(doc.data)
    except ValidationError as exc:
        problems.extend(_validation_problems(doc, PACK_FILE, (), PackMeta, exc))
        return None


def _declared(doc: YamlDoc | None, meta: PackMeta | None, key: str) -> set[str] | None:
    """The family or correlation-group names pack.yaml declares, or None when unknowable.

    Taken from the raw mapping when pack.yaml is readable but has some other error
    (a bad rho, say), so indicators and questions are still checked against them.
    """
    if meta is not None:
        return set(getattr(meta, key))
    names = doc.data.get(key) if doc is not None and isinstance(doc.data, dict) else None
    return {str(name) for name in names} if isinstance(names, dict) else None


def _load_records(doc: YamlDoc | None, file: str, problems: list[Problem]) -> Table:
    """Validate each list item on its own, so every broken item is reported and the good ones are kept."""
    key, model = RECORD_FILES[file] if file in RECORD_FILES else OPTIONAL_RECORD_FILES[file]
    if doc is None:
        return Table(readable=False)
    return _load_list(doc, file, key, model, problems)


def _load_list(doc: YamlDoc, file: str, key: str, model: type[BaseModel], problems: list[Problem]) -> Table:
    data = doc.data
    if not isinstance(data, dict) or set(data) != {key}:
        problems.append(
            Problem(file, 1, "(file)", f"must be a mapping with the single key '{key}:' holding a list; {_found(data)}")
        )
        return Table(readable=False)
    items = data[key]
    if items is None:
        return Table()
    if not isinstance(items, list):
        problems.append(
            Problem(file, doc.line_of((key,)), key, f"must be a list (lines starting with '- '); got {shown(items)}")
        )
        return Table(readable=False)
    table = Table()
    for index, item in enumerate(items):
        try:
            table.items.append((index, model.model_validate(item)))
        except ValidationError as exc:
            problems.extend(_validation_problems(doc, file, (key, index), model, exc))
            table.failed += 1
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                table.broken.add(item["id"])
    return table


def _load_links(
    pack_dir: Path, questions: dict, families: set[str], problems: list[Problem], unsure: set[str] | None = frozenset()
) -> Links:
    """The optional links.yaml, validated like the other files; an absent file means no links."""
    if not (pack_dir / LINKS_FILE).exists():
        return Links()
    doc = _read(pack_dir, LINKS_FILE, problems)
    if doc is None:
        return Links()
    data = {} if doc.data is None else doc.data
    if not isinstance(data, dict):
        problems.append(
            Problem(LINKS_FILE, 1, "(file)", "must be a mapping with the keys drivers, conditionals, scenarios, hinges")
        )
        return Links()
    try:
        links = Links.model_validate(data)
    except ValidationError as exc:
        problems.extend(_validation_problems(doc, LINKS_FILE, (), Links, exc))
        return Links()
    for loc, message in check_links(links, questions, families, unsure):
        problems.append(Problem(LINKS_FILE, doc.line_of(loc), format_loc(loc), message))
    return links


def _load_event_logs(pack_dir: Path, problems: list[Problem]) -> tuple[Table, YamlDoc | None]:
    """The optional event_logs.yaml, each log validated on its own; an absent file means no logs."""
    if not (pack_dir / EVENT_LOGS_FILE).exists():
        return Table(), None
    doc = _read(pack_dir, EVENT_LOGS_FILE, problems)
    if doc is None:
        return Table(readable=False), None
    if doc.data is None:
        return Table(), doc
    return _load_list(doc, EVENT_LOGS_FILE, "event_logs", EventLog, problems), doc


def _load_freeze(pack_dir: Path, problems: list[Problem]) -> Freeze | None:
    """``freeze.yaml`` when the pack has one (optional: older packs have none), checked like any pack file."""
    if not (pack_dir / FREEZE_FILE).exists():
        return None
    doc = _read(pack_dir, FREEZE_FILE, problems)
    if doc is None:
        return None
    if not isinstance(doc.data, dict):
        message = f"must be a mapping with the fields {', '.join(Freeze.model_fields)}; {_found(doc.data)}"
        problems.append(Problem(FREEZE_FILE, 1, "(file)", message + " (write it with `foresight freeze`)"))
        return None
    try:
        return Freeze.model_validate(doc.data)
    except ValidationError as exc:
        problems.extend(_validation_problems(doc, FREEZE_FILE, (), Freeze, exc))
        return None


def _load_proposals(pack_dir: Path, problems: list[Problem]) -> None:
    """Check every ``proposals/*.yaml`` as `foresight ingest` writes it, so a shared pack cannot point
    the review notebook at a file outside it (``file: /etc/shadow``); an absent folder means none."""
    folder = pack_dir / PROPOSALS_DIR
    if not folder.exists() and not folder.is_symlink():
        return
    if folder.is_symlink() or not folder.is_dir():
        problems.append(Problem(PROPOSALS_DIR, 1, "(folder)", "must be a folder inside the pack, not a symlink"))
        return
    for path in sorted(folder.glob("*.yaml")):
        problems.extend(read_proposals_file(pack_dir, path.stem)[1])


def read_proposals_file(pack_dir: Path, document_id: str) -> tuple[ProposalsFile | None, list[Problem]]:
    """``proposals/<document_id>.yaml`` checked (shape, fields, ``file`` inside the pack): the record, or
    None and the problems. The one reading of a proposals file, for `validate`, `accept` and the notebook."""
    file = f"{PROPOSALS_DIR}/{document_id}.yaml"
    problems: list[Problem] = []
    doc = _read(pack_dir, file, problems)
    if doc is None:
        return None, problems
    if not isinstance(doc.data, dict):
        message = f"must be a proposals file written by `foresight ingest`; {_found(doc.data)}"
        return None, [Problem(file, 1, "(file)", message)]
    try:
        record = ProposalsFile.model_validate(doc.data)
    except ValidationError as exc:
        return None, _validation_problems(doc, file, (), ProposalsFile, exc)
    if record.document != document_id:
        problems.append(
            Problem(file, doc.line_of(("document",)), "document", f"must be '{document_id}', the file's name")
        )
    try:
        pack_file(pack_dir, record.file, file)
    except OutsidePack as exc:
        problems.append(Problem(file, doc.line_of(("file",)), "file", str(exc).split(": ", 1)[1]))
    except FileNotFoundError:
        pass  # the review notebook says the text is not available
    return (None if problems else record), problems


def _hash_pack(pack_dir: Path) -> str:
    digest = hashlib.sha256()
    for file in [PACK_FILE, *RECORD_FILES, LINKS_FILE] + (
        [EVENT_LOGS_FILE] if (pack_dir / EVENT_LOGS_FILE).exists() else []
    ):
        path = pack_dir / file
        digest.update(file.encode())
        digest.update(path.read_bytes() if path.is_file() else b"")
    for file in OPTIONAL_RECORD_FILES:  # only when present: a pack without them keeps its old hash
        path = pack_dir / file
        if path.is_file():
            digest.update(file.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def timeline_document(entry: TimelineEntry) -> Document:
    """A timeline entry in the shape of a document, so evidence citing it is dated and shown like any other."""
    return Document(
        id=entry.id,
        title=entry.fact,
        author=entry.source,
        outlet="background timeline",
        published=entry.date,
        date_note="a dated public fact from the pack's timeline.yaml, not an analyst's document",
        url=entry.url,
    )


def load_pack(path: str | Path) -> Pack:
    """Read and validate the pack in folder ``path``; raise :class:`PackError` listing every problem."""
    pack_dir = Path(path)
    if not pack_dir.is_dir():
        what = "is a file, not a folder" if pack_dir.exists() else "no such folder"
        message = f"{what}: give the path of a scenario pack folder (one holding {PACK_FILE})"
        raise PackError(pack_dir, [Problem(str(pack_dir), 1, "(folder)", message)])
    problems: list[Problem] = []
    docs = {file: _read(pack_dir, file, problems) for file in [PACK_FILE, *RECORD_FILES]}
    present = [file for file in OPTIONAL_RECORD_FILES if (pack_dir / file).exists()]
    docs.update({file: _read(pack_dir, file, problems) for file in present})
    meta = _load_meta(docs[PACK_FILE], problems)
    tables = {file: _load_records(docs[file], file, problems) for file in [*RECORD_FILES, *present]}
    timeline = tables.get("timeline.yaml", Table())
    externals = tables.get("external_forecasts.yaml", Table())
    documents = tables["documents.yaml"]
    questions = tables["questions.yaml"]
    classes = tables["reference_classes.yaml"]
    indicators = tables["indicators.yaml"]
    evidence = tables["evidence.yaml"]
    families = _declared(docs[PACK_FILE], meta, "families")
    groups = _declared(docs[PACK_FILE], meta, "correlation_groups")
    # yes/no-shaped questions (binary and date) go through the binary checks; options questions and
    # point_of questions (whose outside view is their date question's) through outcome_checks only.
    yes_no = _subtable(questions, lambda q: q.type != "options")
    own_class = _subtable(questions, lambda q: q.type != "options" and q.point_of is None)

    findings = []
    for file, (key, _) in RECORD_FILES.items():
        findings += crossref.duplicate_ids(file, key, tables[file])
    findings += crossref.check_questions(families, questions, documents, classes, timeline)
    findings += crossref.check_reference_classes(classes, questions, families, indicators)
    findings += crossref.check_question_has_one_class(own_class, classes, families)
    findings += outcome_checks.check_outcome_types(questions, classes, indicators)
    findings += crossref.check_indicators(indicators, groups, questions, families)
    findings += crossref.check_evidence(evidence, documents, indicators, questions, timeline)
    if "timeline.yaml" in tables:
        findings += crossref.duplicate_ids("timeline.yaml", "timeline", timeline)
        findings += crossref.check_timeline(timeline, documents)
    if "external_forecasts.yaml" in tables:
        findings += crossref.check_external_forecasts(externals, questions)
    logs, docs[EVENT_LOGS_FILE] = _load_event_logs(pack_dir, problems)
    if docs[EVENT_LOGS_FILE] is not None:
        findings += crossref.duplicate_ids(EVENT_LOGS_FILE, "event_logs", logs)
    findings += crossref.check_outside_view(questions, classes, logs, families)
    findings += crossref.check_evidence_over_time(indicators, yes_no)
    for file, loc, message in findings:
        problems.append(Problem(file, docs[file].line_of(loc) if docs.get(file) else 1, format_loc(loc), message))
    unsure = questions.broken if questions.readable else None  # no false "unknown question" (see Table)
    links = _load_links(pack_dir, questions.by_id, set(families or ()), problems, unsure)
    _load_proposals(pack_dir, problems)
    freeze = _load_freeze(pack_dir, problems)
    for index, q in questions.items:  # a point of a date curve is forecast from the curve alone
        hinge = links.hinge_for(q.id) if q.point_of is not None else None
        if hinge is not None:
            loc = ("questions", index, "point_of")
            message = (
                f"a point of date question '{q.point_of}' cannot also hinge on '{hinge.on}' (links.yaml): "
                "its forecast is the curve's; drop one of the two"
            )
            problems.append(Problem("questions.yaml", docs["questions.yaml"].line_of(loc), format_loc(loc), message))

    if problems or meta is None:
        raise PackError(pack_dir, problems)
    cited = {ev.document for _, ev in evidence.items}
    return Pack(
        dir=pack_dir,
        meta=meta,
        documents={
            **documents.by_id,
            **{t.id: timeline_document(t) for t in timeline.by_id.values() if t.id in cited},
        },
        questions={q.id: q for _, q in questions.items if q.type == "binary"},
        reference_classes=classes.by_id,
        indicators=indicators.by_id,
        evidence=tuple(ev for _, ev in evidence.items),
        content_hash=_hash_pack(pack_dir),
        links=links,
        timeline=timeline.by_id if "timeline.yaml" in tables else None,
        external_forecasts=tuple(ef for _, ef in externals.items),
        event_logs=logs.by_id,
        freeze=freeze,
        warnings=tuple(
            Problem(file, docs[file].line_of(loc), format_loc(loc), message)
            for file, loc, message in crossref.lr_kind_warnings(indicators, yes_no)
        ),
        typed_questions={q.id: q for _, q in questions.items if q.type != "binary"},
    )


def _subtable(table: Table, keep) -> Table:
    """The records of ``table`` that ``keep`` accepts, at their own indexes (so problems keep their lines)."""
    return Table(
        items=[(i, rec) for i, rec in table.items if keep(rec)],
        broken=table.broken,
        failed=table.failed,
        readable=table.readable,
    )
