"""Load a scenario pack folder into one validated :class:`Pack`, or list every problem."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from . import crossref
from .problems import PackError, Problem
from .schema import (
    RECORD_FILES,
    Document,
    Evidence,
    Indicator,
    LRInterval,
    PackMeta,
    Question,
    ReferenceClass,
)
from .yamlio import YamlDoc, YamlSyntaxError, format_loc, read_yaml

PACK_FILE = "pack.yaml"


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

    def question(self, question_id: str) -> Question:
        """The question ``question_id``; a KeyError that lists the valid ids otherwise."""
        try:
            return self.questions[question_id]
        except KeyError:
            raise KeyError(
                f"unknown question {question_id!r} in pack {self.meta.id}; questions: {', '.join(self.questions)}"
            ) from None

    def reference_class_for(self, question: Question) -> ReferenceClass:
        """The class named by the question, else the one serving its id, else its family (validated unique)."""
        if question.reference_class is not None:
            return self.reference_classes[question.reference_class]
        for rc in self.reference_classes.values():
            if question.id in rc.serves:
                return rc
        return next(rc for rc in self.reference_classes.values() if question.family in rc.serves)

    def lr_interval(self, indicator: Indicator, question: Question) -> LRInterval | None:
        """The indicator's interval for this question: one given for its id wins over its family's."""
        return indicator.likelihood_ratios.get(question.id) or indicator.likelihood_ratios.get(question.family)

    def indicators_for(self, question: Question) -> list[Indicator]:
        """Indicators that bear on ``question``, in file order."""
        return [ind for ind in self.indicators.values() if self.lr_interval(ind, question) is not None]

    def counts(self) -> dict[str, int]:
        """How many records of each kind the pack holds (the `validate --json` summary)."""
        return {
            "questions": len(self.questions),
            "reference_classes": len(self.reference_classes),
            "cases": sum(len(rc.cases) for rc in self.reference_classes.values()),
            "indicators": len(self.indicators),
            "documents": len(self.documents),
            "evidence": len(self.evidence),
        }


_FRIENDLY = {
    "missing": "required field is missing",
    "date_from_datetime_parsing": "must be a date written YYYY-MM-DD",
    "date_parsing": "must be a date written YYYY-MM-DD",
    "date_type": "must be a date written YYYY-MM-DD",
    "date_from_datetime_inexact": "must be a date (YYYY-MM-DD) without a time of day",
    "string_type": "must be text",
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "dict_type": "must be a mapping of key: value lines",
    "list_type": "must be a list (lines starting with '- ')",
    "string_pattern_mismatch": "must be an id: lower-case letters, digits, '-' or '_', starting with a letter or digit",
    "string_too_short": "must not be empty",
    "too_short": "must not be empty",
    "model_type": "must be a mapping of field: value lines",
    "finite_number": "must be a finite number",
}


def _friendly(error: dict[str, Any], model: type) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        allowed = ", ".join(model.model_fields) if len(error["loc"]) == 1 else "see README"
        return f"unknown field '{error['loc'][-1]}'; allowed fields: {allowed}"
    if kind in _FRIENDLY:
        text = _FRIENDLY[kind]
        if kind.startswith("date") or kind.startswith("float") or kind == "string_type":
            text += f" (got {error.get('input')!r})"
        return text
    message = error["msg"]
    if message.startswith("Value error, "):
        message = message[len("Value error, "):]
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
        full = (*base, *loc)
        problems.append(Problem(file, doc.line_of(full), format_loc(full), _friendly(error, model)))
    return _collapse_union_errors(problems)


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
            out.append(Problem(file, line, field, "must be 'present', 'absent' or a number between 0 and 1"))
        else:
            out.extend(group)
    return out


def _read(pack_dir: Path, file: str, problems: list[Problem]) -> YamlDoc | None:
    path = pack_dir / file
    if not path.is_file():
        problems.append(Problem(file, 1, "(file)", f"missing: a pack needs {', '.join([PACK_FILE, *RECORD_FILES])}"))
        return None
    try:
        return read_yaml(path)
    except YamlSyntaxError as exc:
        problems.append(Problem(file, exc.line, "(file)", exc.message))
        return None


def _load_meta(pack_dir: Path, problems: list[Problem]) -> PackMeta | None:
    doc = _read(pack_dir, PACK_FILE, problems)
    if doc is None:
        return None
    if not isinstance(doc.data, dict):
        problems.append(Problem(PACK_FILE, 1, "(file)", "must be a mapping with id, title, description, families and correlation_groups"))
        return None
    try:
        return PackMeta.model_validate(doc.data)
    except ValidationError as exc:
        problems.extend(_validation_problems(doc, PACK_FILE, (), PackMeta, exc))
        return None


def _load_records(pack_dir: Path, file: str, problems: list[Problem]) -> list[tuple[int, Any]]:
    """Validate each list item on its own, so every broken item is reported and the good ones are kept."""
    key, model = RECORD_FILES[file]
    doc = _read(pack_dir, file, problems)
    if doc is None:
        return []
    data = doc.data
    if not isinstance(data, dict) or set(data) != {key}:
        found = sorted(map(str, data)) if isinstance(data, dict) else type(data).__name__
        problems.append(Problem(file, 1, "(file)", f"must be a mapping with the single key '{key}:' holding a list; found {found}"))
        return []
    items = data[key]
    if items is None:
        return []
    if not isinstance(items, list):
        problems.append(Problem(file, doc.line_of((key,)), key, "must be a list (lines starting with '- ')"))
        return []
    good = []
    for index, item in enumerate(items):
        try:
            good.append((index, model.model_validate(item)))
        except ValidationError as exc:
            problems.extend(_validation_problems(doc, file, (key, index), model, exc))
    return good


def _hash_pack(pack_dir: Path) -> str:
    digest = hashlib.sha256()
    for file in [PACK_FILE, *RECORD_FILES]:
        path = pack_dir / file
        digest.update(file.encode())
        digest.update(path.read_bytes() if path.is_file() else b"")
    return digest.hexdigest()[:16]


def load_pack(path: str | Path) -> Pack:
    """Read and validate the pack in folder ``path``; raise :class:`PackError` listing every problem."""
    pack_dir = Path(path)
    if not pack_dir.is_dir():
        raise PackError(pack_dir, [Problem(str(pack_dir), 1, "(folder)", "not a folder: give the path of a scenario pack folder")])
    problems: list[Problem] = []
    meta = _load_meta(pack_dir, problems)
    loaded = {file: _load_records(pack_dir, file, problems) for file in RECORD_FILES}
    documents = loaded["documents.yaml"]
    questions = loaded["questions.yaml"]
    classes = loaded["reference_classes.yaml"]
    indicators = loaded["indicators.yaml"]
    evidence = loaded["evidence.yaml"]

    findings = []
    for file, (key, _) in RECORD_FILES.items():
        findings += crossref.duplicate_ids(file, key, loaded[file])
    doc_by_id = {d.id: d for _, d in documents}
    q_by_id = {q.id: q for _, q in questions}
    rc_by_id = {rc.id: rc for _, rc in classes}
    ind_by_id = {i.id: i for _, i in indicators}
    families = set(meta.families) if meta is not None else {q.family for q in q_by_id.values()}
    findings += crossref.check_questions(meta, questions, doc_by_id, rc_by_id)
    findings += crossref.check_reference_classes(classes, q_by_id, families, ind_by_id)
    findings += crossref.check_question_has_one_class(questions, rc_by_id)
    findings += crossref.check_indicators(indicators, meta, q_by_id, families)
    findings += crossref.check_evidence(evidence, doc_by_id, ind_by_id, q_by_id)

    docs_by_file: dict[str, YamlDoc | None] = {}
    for file, loc, message in findings:
        if file not in docs_by_file:
            try:
                docs_by_file[file] = read_yaml(pack_dir / file)
            except (OSError, YamlSyntaxError):
                docs_by_file[file] = None
        ydoc = docs_by_file[file]
        line = ydoc.line_of(loc) if ydoc is not None else 1
        problems.append(Problem(file, line, format_loc(loc), message))

    if problems or meta is None:
        raise PackError(pack_dir, problems)
    return Pack(
        dir=pack_dir,
        meta=meta,
        documents=doc_by_id,
        questions=q_by_id,
        reference_classes=rc_by_id,
        indicators=ind_by_id,
        evidence=tuple(ev for _, ev in evidence),
        content_hash=_hash_pack(pack_dir),
    )
