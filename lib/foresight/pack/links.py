"""`links.yaml`: how a pack's questions depend on each other (optional file).

Three kinds of record:
- **drivers**: shared latent drivers (e.g. US–China cooperation). Each has a
  90% interval for its *strength* (the share of each linked question's latent
  variation the driver explains, in (0, 1)) and a *loading* in [-1, 1] per
  family or question id: the sign says which way the driver pushes, the size
  how fully the question follows it.
- **conditionals**: questions asked on a condition ("strike before D given the
  Hanoi summit produces no signed document"), answered from the joint model.
- **scenarios**: named logical combinations of outcomes, written as
  expressions over question ids with `and`, `or`, `not` and parentheses.
- **hinges**: a question B that hinges on another question A, with the
  analyst's 90% intervals on P(B | A) and P(B | not A); B's own forecast, the
  history, the backtest and the joint model then all integrate over A (see
  :mod:`foresight.model.hinges`). At most one hinge per question, no cycles.
  B is yes/no or a date question (whose ladder of ``point_of`` questions then
  carries the hinge); A is yes/no.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any

import numpy as np
from pydantic import BeforeValidator, Field, model_validator

from foresight.pack.schema import Id, Record, Text, YesNo, _interval


class StrengthInterval(Record):
    """90% interval of a driver's strength, strictly inside (0, 1)."""

    lo: Annotated[float, Field(gt=0.0, lt=1.0)] = Field(description="The interval's lower end, inside (0, 1).")
    hi: Annotated[float, Field(gt=0.0, lt=1.0)] = Field(
        description="The interval's upper end, inside (0, 1) and above lo."
    )

    @model_validator(mode="after")
    def _ordered(self) -> StrengthInterval:
        if not self.lo < self.hi:
            raise ValueError(f"the interval must have lo < hi; got lo={self.lo}, hi={self.hi}")
        return self


class Driver(Record):
    """A latent driver shared by several questions, with a loading per family or question id."""

    id: Id = Field(description="The driver's id.")
    description: Text = Field(description="What the driver is.")
    rationale: Text = Field(description="Why the questions it loads on move together.")
    strength: Annotated[StrengthInterval, BeforeValidator(_interval)] = Field(
        description="90% interval of the share of each linked question's latent variation it explains, inside (0, 1)."
    )
    loadings: dict[Id, Annotated[float, Field(ge=-1.0, le=1.0)]] = Field(
        min_length=1,
        description="A loading in [-1, 1] per family or question id: the sign says which way it pushes, the size how fully the question follows.",
    )


class Conditional(Record):
    """P(question | given outcomes), read off the joint model."""

    id: Id = Field(description="The conditional forecast's id.")
    title: Text = Field(description="The conditional question as a reader sees it.")
    question: Id = Field(description="The question forecast.")
    given: dict[Id, YesNo] = Field(
        min_length=1, description="The condition: question ids and the outcome (yes/no) each is given."
    )
    rationale: Text | None = Field(None, description="Why the condition is worth asking about.")


class Scenario(Record):
    """A named combination of outcomes, e.g. ``trade-deal and summit-signed and not strike``."""

    id: Id = Field(description="The scenario's id.")
    title: Text = Field(description="The scenario as a reader sees it.")
    expression: Text = Field(description="Question ids combined with and, or, not and parentheses.")
    description: Text | None = Field(None, description="What the scenario stands for.")


class Hinge(Record):
    """B = ``question`` hinges on A = ``on``: 90% intervals on P(B | A yes) and P(B | A no)."""

    question: Id = Field(description="B: the question that hinges (at most one hinge per question, no cycles).")
    on: Id = Field(description="A: the question B hinges on.")
    p_if_yes: Annotated[StrengthInterval, BeforeValidator(_interval)] = Field(
        description="90% interval of P(B | A), inside (0, 1)."
    )
    p_if_no: Annotated[StrengthInterval, BeforeValidator(_interval)] = Field(
        description="90% interval of P(B | not A), inside (0, 1)."
    )
    rationale: Text = Field(description="Why B depends on A that way.")
    follows_within_days: Annotated[int, Field(gt=0, strict=True)] | None = Field(
        None,
        description="B follows A within this many days when it follows at all (sanctions after an invasion): P(B | A) is then not scaled down with the calendar while A is open, nor for this many days after A resolved yes.",
    )

    @model_validator(mode="before")
    @classmethod
    def _on_key(cls, data: Any) -> Any:
        # YAML 1.1 reads a bare `on:` key as the boolean True; the analyst meant the field `on`.
        if isinstance(data, dict) and True in data and "on" not in data:
            data = {("on" if key is True else key): value for key, value in data.items()}
        return data


class Links(Record):
    """The whole `links.yaml` file."""

    drivers: list[Driver] = Field(default_factory=list, description="Latent drivers shared by several questions.")
    conditionals: list[Conditional] = Field(
        default_factory=list, description="Conditional questions answered from the joint model."
    )
    scenarios: list[Scenario] = Field(default_factory=list, description="Named combinations of outcomes.")
    hinges: list[Hinge] = Field(
        default_factory=list, description="Questions whose forecast integrates over another question's."
    )

    def hinge_for(self, question_id: str) -> Hinge | None:
        """The hinge of question ``question_id`` (validated: at most one), or None."""
        return next((h for h in self.hinges if h.question == question_id), None)


# --- scenario expressions: a tiny safe parser (no eval) -------------------

_TOKEN = re.compile(r"\s*(\(|\)|[a-z0-9][a-z0-9_-]*)")


class ExpressionError(ValueError):
    """A scenario expression that does not parse; the message says what is allowed."""


def parse_expression(text: str) -> Any:
    """Parse ``a and not (b or c)`` into nested tuples: ('and', x, y), ('or', x, y), ('not', x), or an id."""
    tokens, pos = [], 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise ExpressionError(
                f"cannot read {text[pos : pos + 15]!r}: use question ids, and, or, not, and parentheses"
            )
        tokens.append(m.group(1))
        pos = m.end()
    if not tokens:
        raise ExpressionError("empty expression")

    def parse_or(i: int) -> tuple[Any, int]:
        left, i = parse_and(i)
        while i < len(tokens) and tokens[i] == "or":
            right, i = parse_and(i + 1)
            left = ("or", left, right)
        return left, i

    def parse_and(i: int) -> tuple[Any, int]:
        left, i = parse_not(i)
        while i < len(tokens) and tokens[i] == "and":
            right, i = parse_not(i + 1)
            left = ("and", left, right)
        return left, i

    def parse_not(i: int) -> tuple[Any, int]:
        if i < len(tokens) and tokens[i] == "not":
            inner, i = parse_not(i + 1)
            return ("not", inner), i
        return parse_atom(i)

    def parse_atom(i: int) -> tuple[Any, int]:
        if i >= len(tokens):
            raise ExpressionError("the expression ends too early: a question id or '(' is missing")
        tok = tokens[i]
        if tok == "(":
            inner, i = parse_or(i + 1)
            if i >= len(tokens) or tokens[i] != ")":
                raise ExpressionError("a '(' is never closed")
            return inner, i + 1
        if tok in (")", "and", "or", "not"):
            raise ExpressionError(f"unexpected {tok!r}: expected a question id or '('")
        return tok, i + 1

    tree, end = parse_or(0)
    if end != len(tokens):
        raise ExpressionError(f"unexpected {tokens[end]!r} after a complete expression")
    return tree


def expression_ids(tree: Any) -> list[str]:
    """Question ids used by a parsed expression, in order of first use."""
    if isinstance(tree, str):
        return [tree]
    return list(dict.fromkeys(i for part in tree[1:] for i in expression_ids(part)))


def evaluate(tree: Any, outcomes: dict[str, Any]) -> np.ndarray:
    """Evaluate on outcomes (booleans or boolean arrays of one shape) keyed by question id."""
    if isinstance(tree, str):
        return np.asarray(outcomes[tree], dtype=bool)
    if tree[0] == "not":
        return np.logical_not(evaluate(tree[1], outcomes))
    combine = np.logical_and if tree[0] == "and" else np.logical_or
    return combine(evaluate(tree[1], outcomes), evaluate(tree[2], outcomes))


# --- checks against the rest of the pack -----------------------------------


def check_links(
    links: Links, questions: dict, families: set[str], unsure: frozenset[str] | set[str] | None = frozenset()
):
    """Yield (loc, message) for every reference in ``links`` that the pack cannot satisfy.

    ``unsure`` holds question ids whose record failed its own checks (already reported, so not
    "unknown" here); None when questions.yaml itself could not be read: then no id is called unknown.
    """

    def unknown(qid: str) -> bool:
        return qid not in questions and unsure is not None and qid not in unsure

    seen: set[str] = set()
    for kind in ("drivers", "conditionals", "scenarios"):
        for index, rec in enumerate(getattr(links, kind)):
            if rec.id in seen:
                yield (kind, index, "id"), f"duplicate id '{rec.id}': ids must be unique within links.yaml"
            seen.add(rec.id)
    for index, drv in enumerate(links.drivers):
        for target in drv.loadings:
            if target not in families and unknown(target):
                yield (
                    ("drivers", index, "loadings", target),
                    (f"'{target}' is neither a family nor a question id; families: {', '.join(sorted(families))}"),
                )
    total = {qid: 0.0 for qid in questions}
    for drv in links.drivers:
        for qid, q in questions.items():
            total[qid] += loading_for(drv, q) ** 2
    for qid, value in total.items():
        if value > 1.0 + 1e-9:
            yield (
                ("drivers",),
                (
                    f"question '{qid}' has squared loadings summing to {value:.2f} over all drivers; "
                    "the sum must be at most 1 (each driver explains a share of the question's variation)"
                ),
            )
    for index, cond in enumerate(links.conditionals):
        for field, qid in [("question", cond.question), *(("given", g) for g in cond.given)]:
            if unknown(qid):
                loc = ("conditionals", index, field) if field == "question" else ("conditionals", index, "given", qid)
                yield loc, f"unknown question '{qid}'"
        if cond.question in cond.given:
            yield ("conditionals", index, "given"), "a question cannot be conditioned on itself"
    for index, sc in enumerate(links.scenarios):
        try:
            ids = expression_ids(parse_expression(sc.expression))
        except ExpressionError as exc:
            yield ("scenarios", index, "expression"), str(exc)
            continue
        for qid in ids:
            if unknown(qid):
                yield ("scenarios", index, "expression"), f"unknown question '{qid}' in the expression"
        if len(ids) > 10:
            yield ("scenarios", index, "expression"), f"uses {len(ids)} questions; at most 10 are allowed"
    yield from check_hinges(links, questions, unknown)


def check_hinges(links: Links, questions: dict, unknown: Callable[[str], bool] | None = None):
    """Hinges name known questions, not themselves, at most one per question, and form no cycle."""
    unknown = unknown or (lambda qid: qid not in questions)
    parent: dict[str, str] = {}
    for index, h in enumerate(links.hinges):
        for field in ("question", "on"):
            qid = getattr(h, field)
            if unknown(qid):
                yield ("hinges", index, field), f"unknown question '{qid}'"
        kinds = {field: getattr(questions.get(getattr(h, field)), "type", "binary") for field in ("question", "on")}
        if kinds["question"] == "options":
            yield (
                ("hinges", index, "question"),
                f"'{h.question}' is an options question; a hinge gives P(B | A) for a yes/no or date question B",
            )
        if kinds["on"] != "binary":
            yield (
                ("hinges", index, "on"),
                f"'{h.on}' is a {kinds['on']} question; a hinge's `on` names a yes/no question "
                "(a point_of question of a date question will do)",
            )
        if h.question == h.on:
            yield ("hinges", index, "on"), "a question cannot hinge on itself"
        elif h.question in parent:
            yield (
                ("hinges", index, "question"),
                (
                    f"question '{h.question}' already hinges on '{parent[h.question]}'; a question may hinge on "
                    "one other question only (P(B | A1, A2) is not given by two separate hinges)"
                ),
            )
        else:
            parent[h.question] = h.on
        hazard = getattr(questions.get(h.question), "hazard", None)
        if hazard is not None and hazard.starts is not None and hazard.starts.question is not None:
            yield (
                ("hinges", index, "question"),
                f"question '{h.question}' hinges on '{h.on}' and its hazard clock starts at question "
                f"'{hazard.starts.question}'; the hinge replaces the base rate, so the trigger would do nothing: "
                "drop hazard.starts (the hinge prices the other question; add follows_within_days when it follows it closely)",
            )
    for index, h in enumerate(links.hinges):
        seen, node = {h.question}, h.on
        while node in parent:
            if node in seen:
                yield ("hinges", index, "on"), f"hinges form a cycle through '{h.question}'; a chain of hinges must end"
                break
            seen.add(node)
            node = parent[node]


def loading_for(driver: Driver, question) -> float:
    """A driver's loading on a question: one given for its id wins over its family's; 0 when absent."""
    if question.id in driver.loadings:
        return driver.loadings[question.id]
    return driver.loadings.get(question.family, 0.0)
