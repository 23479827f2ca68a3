"""`foresight lint`: warnings about a VALID pack that may lean on hindsight or be hard to check.

Validation (:mod:`foresight.pack.loader`) says whether a pack can be used; lint
says where an honest analyst should look again. Every rule is a heuristic on
the pack's own text and dates, so each warning says what to check, and a
warning the analyst has answered is acknowledged in pack.yaml::

    lint_acknowledged:
      - {code: late-date, where: rc-summits, answer: "2019 is the publication year of the list, not an event"}

``where`` is the record id the warning names (a question, class, indicator,
evidence, timeline id; for a case, ``CLASS-ID/case name``) or its
``FILE:field`` as printed. :func:`lint_pack` also takes validate's warnings
(:mod:`foresight.pack.notices` and the model layer's checks), so every warning,
whoever raises it, is printed in one format and answered the same way. The rules,
with their codes:

``late-date``
    Text that cites a date later than the day it is meant to be written on:
    class descriptions, studies, outcome criteria and case names/sources, and
    indicator descriptions/rationales, against the earliest ``opens`` of the
    questions that use them; evidence notes against the evidence's
    ``observed`` day; timeline facts and sources against their own date; a
    question's notes and its per-question outside-view rationales against its
    ``opens``, as are its hazard's decision-point notes; hinge rationales against
    the opening of the question that hinges. A mention is late only if even the
    earliest day it can mean is after that day: ``2018`` means 1 January 2018,
    ``June 2018`` 1 June 2018, ``12 June 2018`` / ``2018-06-12`` that day, and
    ``2016-17`` 2017. Not read as dates: the date inside a record id
    (``deal-by-2019-03-01``), numbers after "characters" (the offsets ``foresight
    ingest`` writes). Not late: in a question's own texts and hinge rationales,
    the deadline of any question open by then (``closes`` or the day before) and
    the question's decision points; in a timeline source, a date up to two days
    after the entry (the next morning's report). Any other scheduled date known
    at the time is a true positive of the rule and a false one of intent:
    acknowledge it.
``criterion-mismatch``
    A class's ``outcome_criterion`` (what counts as yes for its cases) names
    something a question using the class excludes (see :func:`excluded_kinds`:
    kind words before "do not count" / "are excluded" or after "more than" /
    "other than" in the question's criteria, less those of its title), or
    shares no kind word with the question (its ``criterion_kind`` if the pack
    gives one, else its title). Kind words: see :data:`KIND_WORDS`. Silent
    when the class has no ``outcome_criterion``.
``censoring``
    Cases are kept for a question when dated before its ``opens``. If cases are
    dated by their outcome (a 'yes' when it happened, a 'no' at the end of the
    period watched), a case whose watch was still running at ``opens`` is kept
    when it ended early in a 'yes' and dropped when it ended in a 'no': the
    filter keeps successes and drops failures of the same years. Checkable
    rule: for a question with window length W (the class's ``exposure_years``,
    else one year), the class has at least one 'yes' case dated in the W before
    ``opens`` (kept) and at least one 'no' case dated in the W from ``opens``
    on (dropped). The fix is to date each case when its watch began (or was
    knowable), or to acknowledge why the dates are fair.
``one-sided-class``
    Among the cases a question can use (dated before its ``opens``, plus any
    ``missing`` correction of the class), there is no 'yes' or no 'no': the
    base rate then rests only on the prior's pseudo-counts.
``criteria-no-source``
    A question's criteria name no source that would settle it: none of "shown
    by", "confirmed by", "reported by", "according to", "announced",
    "published", "released", "issued", "identified ... by", "recorded", "in the
    Federal Register", "stated", a wire service, or a URL.
``criteria-no-date``
    A question's criteria hold no absolute day (``1 January 2019``,
    ``January 1, 2019`` or ``2019-01-01``), so "before the closing date" or
    "during the summit" depend on another field or on context.
``outcome-after-opens``
    A case dated before a question opens whose ``outcome_known`` is on or after
    it: the model leaves it out for that question (no leak), and cases still
    running at ``opens`` are dropped while quick ones are kept, which can tilt
    the class.
``stale-observation``
    An observation with no ``valid_until`` and no shelf life that still stands
    (by the model's replacement rule) on a question opening more than a year
    (:data:`STALE_AFTER`) after it was observed.
``keyed-to-event``
    A ``valid_until`` (or a ``supersedes: true`` report) a few days
    (:data:`KEYED_DAYS`) before a question the indicator bears on resolved, or
    the day before a timeline fact: an expiry keyed to a later event was not
    knowable on the day observed.
``deadline-after-resolution``
    A by_deadline question resolved yes at most :data:`DEADLINE_DAYS` days before
    its deadline: check a document of its opening date set the deadline.
``late-single-indicator``
    An indicator whose ratios name one question by id, first observed after that
    question opened, every observation of which points to the question's outcome:
    it may have been fitted to what happened.
``one-sided-exclusions``
    A class whose ``excluded`` cases (two or more) are all failures or all
    successes: leaving out one side moves the base rate.
``log-holds-resolution``
    A question resolved yes whose event log holds an event inside its window
    before ``resolved_on``: that event would have resolved it, so it is likely
    the resolving event misdated, and it lifts the question's own base rate.
``stale-acknowledgement``
    An entry of ``lint_acknowledged`` that matches no warning (fixed, or a typo).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from foresight.pack.loader import LINKS_FILE, PACK_FILE, Pack
from foresight.pack.notices import Check, line_of, pack_warnings
from foresight.pack.schema import (
    Case,
    Evidence,
    Question,
    ReferenceClass,
    last_valid_day,
    outcome_number,
    standing_of,
)
from foresight.pack.yamlio import format_loc

CODES = (
    "late-date",
    "criterion-mismatch",
    "censoring",
    "one-sided-class",
    "criteria-no-source",
    "criteria-no-date",
    "outcome-after-opens",
    "stale-observation",
    "keyed-to-event",
    "deadline-after-resolution",
    "late-single-indicator",
    "one-sided-exclusions",
    "log-holds-resolution",
    "stale-acknowledgement",
)

_MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for m in names
}
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_ISO = re.compile(r"\b(?P<y>(?:19|20)\d{2})-(?P<m>\d{2})-(?P<d>\d{2})\b")
_DAY_MONTH_YEAR = re.compile(
    r"\b(?P<d>\d{1,2})(?:\s*[-–]\s*\d{1,2})?\s+" + _MONTH + r"\s+(?P<y>(?:19|20)\d{2})\b", re.I
)
_MONTH_DAY_YEAR = re.compile(r"\b" + _MONTH + r"\s+(?P<d>\d{1,2}),?\s+(?P<y>(?:19|20)\d{2})\b", re.I)
_MONTH_YEAR = re.compile(r"\b" + _MONTH + r"\s+(?P<y>(?:19|20)\d{2})\b", re.I)
_YEAR_RANGE = re.compile(r"\b(?P<y>(?:19|20)\d{2})\s*[-–/]\s*(?P<y2>\d{2})\b(?!-)")
_YEAR = re.compile(r"(?<![\d-])(?P<y>(?:19|20)\d{2})(?![\d])")
_SYMBOL = re.compile(r"(?<![\w/])[A-Za-z][A-Za-z0-9.]*(?:/[A-Za-z0-9.\-]+)+")
"""A slash-separated document symbol (GOV/2015/72, S/RES/2231): its numbers are not years."""
_NUMBERED = re.compile(
    r"(resolution|no\.|number|section|article|rule|chapter|page|pp?\.|#|characters?|chars?|offsets?)\s*$", re.I
)
"""A 4-digit number after one of these words is a number (UN Resolution 2087, the character offsets
``foresight ingest`` writes into notes), not a year."""


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def date_mentions(text: str) -> list[tuple[str, dt.date]]:
    """Every date or year ``text`` mentions, each as (the words, the earliest day they can mean), in order.

    Full dates first, then month-years, then bare years (and the second year of
    ``2016-17``), each span read once. Document symbols such as ``GOV/2015/72`` are
    skipped: read as a range, ``2015/72`` would be the year 2072.
    """
    found: list[tuple[int, str, dt.date]] = []
    taken: list[tuple[int, int]] = []

    def free(m: re.Match) -> bool:
        return not any(a < m.end() and m.start() < b for a, b in taken)

    def add(m: re.Match, day: dt.date | None) -> None:
        taken.append((m.start(), m.end()))
        if day is not None:
            found.append((m.start(), m.group(0), day))

    for m in _SYMBOL.finditer(text):
        taken.append((m.start(), m.end()))
    for m in _ISO.finditer(text):
        if free(m):
            add(m, _safe_date(int(m["y"]), int(m["m"]), int(m["d"])))
    for pattern in (_DAY_MONTH_YEAR, _MONTH_DAY_YEAR):
        for m in pattern.finditer(text):
            if free(m):
                add(m, _safe_date(int(m["y"]), _MONTHS[m["month"].lower()], int(m["d"])))
    for m in _MONTH_YEAR.finditer(text):
        if free(m):
            add(m, dt.date(int(m["y"]), _MONTHS[m["month"].lower()], 1))
    for m in _YEAR_RANGE.finditer(text):
        if free(m):
            second = int(m["y"][:2] + m["y2"])
            add(m, dt.date(second if second >= int(m["y"]) else int(m["y"]), 1, 1))
    for m in _YEAR.finditer(text):
        if free(m) and not _NUMBERED.search(text[max(0, m.start() - 12) : m.start()]):
            add(m, dt.date(int(m["y"]), 1, 1))
    return [(words, day) for _, words, day in sorted(found)]


def masked(text: str, ids: Iterable[str]) -> str:
    """``text`` with every occurrence of one of ``ids`` blanked out (same length), so the date inside a
    record id (``tl-2020-06-30``, ``deal-by-2019-03-01``) is not read as a date the text cites."""
    for rec_id in sorted(set(ids), key=len, reverse=True):
        if rec_id in text:
            text = re.sub(r"(?<![\w-])" + re.escape(rec_id) + r"(?![\w-])", " " * len(rec_id), text)
    return text


def late_mentions(text: str | None, day: dt.date, ids: Iterable[str] = (), known: Iterable[dt.date] = ()) -> list[str]:
    """The mentions in ``text`` whose earliest meaning is after ``day``, leaving out the dates inside
    the record ids ``ids`` and the dates in ``known`` (scheduled dates known on ``day``)."""
    fine = set(known)
    return [words for words, when in date_mentions(masked(text or "", ids)) if when > day and when not in fine]


def has_absolute_day(text: str) -> bool:
    """True when ``text`` names a calendar day (not only a month or a year)."""
    return any(p.search(text) for p in (_ISO, _DAY_MONTH_YEAR, _MONTH_DAY_YEAR))


_SOURCE = re.compile(
    r"\b(shown by|shows?|confirmed|reported|according to|announc\w*|publish\w*|releas\w*|issued|"
    r"identified|record(ed|s)?|federal register|stated|statement|reuters|associated press|\bAP\b|AFP|"
    r"official (text|website|record)|gazette|transcript)\b|https?://",
    re.I,
)

KIND_WORDS: dict[str, tuple[str, ...]] = {
    "meet": ("meet", "meeting", "summit", "face-to-face"),
    "sign": ("sign", "signed", "signing", "agreement", "treaty", "accord", "deal", "document"),
    "declare": ("declare", "declaration", "declaring"),
    "truce": ("truce", "ceasefire", "cease-fire", "standstill", "suspension", "pause"),
    "offer": ("offer", "invitation", "invite", "proposal"),
    "strike": ("strike", "attack", "raid", "bombing"),
    "test": ("test", "launch", "detonation", "explosion"),
    "tariff": ("tariff", "duty", "duties"),
    "order": ("order", "ban", "barring", "prohibit"),
}
"""Kind words for the criterion check: a text is of every kind one of whose words (or word + s/ed/ing) it uses."""

_DOES_NOT_COUNT = re.compile(r"(do|does) not count|not counted|(is|are) excluded", re.I)
_MORE_THAN = re.compile(r"\b(?:more|other|rather) than\s+([^,;.)]*)", re.I)


def kinds_of(text: str | None) -> set[str]:
    """The kinds (keys of :data:`KIND_WORDS`) whose words ``text`` uses."""
    words = set(re.findall(r"[a-z][a-z-]*", (text or "").lower()))
    stems = {w.rstrip("s") for w in words} | {re.sub(r"(ed|ing|es)$", "", w) for w in words} | words
    return {kind for kind, vocab in KIND_WORDS.items() if any(v in stems or v in words for v in vocab)}


def excluded_kinds(criteria: str, title: str = "") -> set[str]:
    """Kinds the criteria rule out, minus the kinds the title asks about.

    Ruled out: the words before "do(es) not count" / "not counted" / "is (are)
    excluded" in their sentence, and the words after "more than" / "other than"
    / "rather than" up to the next comma, stop or bracket. The title's kinds are
    taken away because an exclusion clause often names the asked-for thing in
    passing ("a trade agreement, more than a truce or an agreement to keep talking").
    """
    named: set[str] = set()
    for sentence in re.split(r"(?<=[.;])\s+", criteria):
        hit = _DOES_NOT_COUNT.search(sentence)
        if hit:
            named |= kinds_of(sentence[: hit.start()])
        for m in _MORE_THAN.finditer(sentence):
            named |= kinds_of(m.group(1))
    return named - kinds_of(title)


@dataclass(frozen=True, order=True)
class LintWarning:
    """One lint finding: where (as validate's FILE:LINE: field), what to check, and how to acknowledge it."""

    file: str
    line: int
    field: str
    message: str
    code: str = ""
    subject: str = ""

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.message} [{self.code}; where: {self.subject}]"

    def matches(self, code: str, where: str) -> bool:
        """True when an acknowledgement (code, where) answers this warning."""
        return code == self.code and where.strip() in {self.subject, f"{self.file}:{self.field}"}


@dataclass
class LintReport:
    """The warnings still open, those the pack acknowledges (with the answers), in file order."""

    warnings: list[LintWarning] = field(default_factory=list)
    acknowledged: list[tuple[LintWarning, str]] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.warnings


Lines = Callable[[str, tuple], int]
"""``lines(file, loc)``: the line a field starts on (:func:`foresight.pack.notices.line_of` for one pack)."""


def _warning(lines: Lines, file: str, loc: tuple, message: str, code: str, subject: str) -> LintWarning:
    """A warning on the field at ``loc`` of ``file``, at the line it starts on."""
    return LintWarning(file, lines(file, loc), format_loc(loc), message, code, subject)


Use = tuple[Question, "list[str] | None"]
"""A question using a class, with the tags its ``where`` filter keeps (None: every case)."""


def _users(pack: Pack) -> dict[str, list[Use]]:
    """Class id -> the questions that use it (with their case filters), in file order."""
    out: dict[str, list[Use]] = {rc_id: [] for rc_id in pack.reference_classes}
    for q in pack.questions.values():
        filters = {u.id: u.where.tags if u.where is not None else None for u in q.reference_classes or []}
        for rc in pack.classes_for(q):
            out[rc.id].append((q, filters.get(rc.id)))
    return out


def _uses_case(case: Case, q: Question, tags: list[str] | None) -> bool:
    """True when question ``q`` (with case filter ``tags``) learns from ``case`` (the model's rule)."""
    return case.known_before(q.opens) and (tags is None or bool(set(case.tags) & set(tags)))


@dataclass(frozen=True)
class _Where:
    """Where lint's date checks look: line numbers, and the pack's record ids (their dates are names)."""

    lines: Lines
    ids: frozenset[str]


def _late(
    text: str | None,
    day: dt.date,
    against: str,
    file: str,
    loc: tuple,
    subject: str,
    at: _Where,
    known: Iterable[dt.date] = (),
) -> Iterator[LintWarning]:
    late = late_mentions(text, day, at.ids, known)
    if late:
        shown = ", ".join(f"'{w}'" for w in dict.fromkeys(late))
        yield LintWarning(
            file,
            at.lines(file, loc),
            format_loc(loc),
            f"cites {shown}, after {against} ({day}); check the text says only what was knowable then "
            "(a deadline or scheduled date known at the time is fine: acknowledge it)",
            "late-date",
            subject,
        )


ONE_DAY = dt.timedelta(days=1)
REPORT_LAG = dt.timedelta(days=2)
"""A timeline entry's source may be dated up to this long after the fact: the next morning's report is the
normal source of a day's event (time zones and print runs add a day)."""


def _scheduled(pack: Pack, q: Question) -> set[dt.date]:
    """Dates known when ``q`` opened by the pack's own terms: the deadline of every question open by then
    (``closes`` and the day before, as 'before 10 May' is written; a question's deadline is known when it
    opens) and ``q``'s hazard decision points (scheduled dates)."""
    out = {
        d for other in pack.questions.values() if other.opens <= q.opens for d in (other.closes, other.closes - ONE_DAY)
    }
    if q.hazard is not None:
        out |= {p.date for p in q.hazard.decision_points}
    return out


def _late_dates(pack: Pack, users: dict[str, list[Use]], at: _Where) -> Iterator[LintWarning]:
    for i, rc in enumerate(pack.reference_classes.values()):
        qs = [q for q, _ in users[rc.id]]
        if not qs:
            continue
        first = min(qs, key=lambda q: q.opens)
        against = f"the opening of '{first.id}', the first question using the class"
        base = ("reference_classes", i)
        for name in ("description", "study", "outcome_criterion"):
            yield from _late(
                getattr(rc, name, None), first.opens, against, "reference_classes.yaml", (*base, name), rc.id, at
            )
        for k, case in enumerate(rc.cases):
            kept = [q for q, tags in users[rc.id] if _uses_case(case, q, tags)]
            if not kept:  # cases a question cannot use (by date or by its tag filter) cannot mislead it
                continue
            q = min(kept, key=lambda q: q.opens)
            for name in ("name", "source"):
                yield from _late(
                    getattr(case, name),
                    q.opens,
                    f"the opening of '{q.id}', which uses this case",
                    "reference_classes.yaml",
                    (*base, "cases", k, name),
                    f"{rc.id}/{case.name}",
                    at,
                )
    for i, ind in enumerate(pack.indicators.values()):
        qs = [q for q in pack.questions.values() if pack.lr_interval(ind, q) is not None]
        if not qs:
            continue
        first = min(qs, key=lambda q: q.opens)
        against = f"the opening of '{first.id}', the first question its ratios serve"
        for name in ("description", "rationale"):
            yield from _late(
                getattr(ind, name), first.opens, against, "indicators.yaml", ("indicators", i, name), ind.id, at
            )
    for i, ev in enumerate(pack.evidence):
        yield from _late(
            ev.note, ev.observed, "the day it was observed", "evidence.yaml", ("evidence", i, "note"), ev.id, at
        )
    for i, q in enumerate(pack.questions.values()):
        base = ("questions", i)
        against = "the question's opening"
        known = _scheduled(pack, q)
        texts = [("notes", q.notes)]
        if q.analyst_prior is not None:
            texts.append(("analyst_prior.rationale", q.analyst_prior.rationale))
        texts += [
            (f"reference_classes.{j}.rationale", item.rationale) for j, item in enumerate(q.reference_classes or [])
        ]
        if q.hazard is not None:
            texts += [(f"hazard.decision_points.{j}.note", p.note) for j, p in enumerate(q.hazard.decision_points)]
        for name, text in texts:
            path = tuple(int(part) if part.isdigit() else part for part in name.split("."))
            yield from _late(text, q.opens, against, "questions.yaml", (*base, *path), q.id, at, known)
    for i, hinge in enumerate(pack.links.hinges):
        if hinge.question in {**pack.questions, **pack.typed_questions} and hinge.on in pack.questions:
            b, a = pack.any_question(hinge.question), pack.questions[hinge.on]
            yield from _late(
                hinge.rationale,
                b.opens,
                f"the opening of '{b.id}', the question that hinges",
                LINKS_FILE,
                ("hinges", i, "rationale"),
                b.id,
                at,
                _scheduled(pack, b) | _scheduled(pack, a),
            )
    for i, entry in enumerate((pack.timeline or {}).values()):
        yield from _late(
            entry.fact, entry.date, "the entry's date", "timeline.yaml", ("timeline", i, "fact"), entry.id, at
        )
        yield from _late(
            entry.source,
            entry.date + REPORT_LAG,
            f"the entry's date {entry.date} plus {REPORT_LAG.days} days for the report of the day",
            "timeline.yaml",
            ("timeline", i, "source"),
            entry.id,
            at,
        )


def _criterion_mismatch(pack: Pack, users: dict[str, list[Use]], lines: Lines) -> Iterator[LintWarning]:
    for i, rc in enumerate(pack.reference_classes.values()):
        criterion = rc.outcome_criterion
        if not criterion:
            continue
        rc_kinds = kinds_of(criterion)
        loc = ("reference_classes", i, "outcome_criterion")
        for q, _ in users[rc.id]:
            excluded = excluded_kinds(q.criteria, q.title) & rc_kinds
            given = q.criterion_kind
            q_kinds = {str(given)} if given else kinds_of(q.title)
            if excluded:
                why = (
                    f"counts as yes what question '{q.id}' excludes ({', '.join(sorted(excluded))}: see its criteria); "
                    "check which cases would be 'no' under the question's own criteria"
                )
            elif q_kinds and rc_kinds and not (q_kinds & rc_kinds):
                why = (
                    f"judges cases by {', '.join(sorted(rc_kinds))} but question '{q.id}' asks about "
                    f"{', '.join(sorted(q_kinds))}; check the cases are judged by the question's criterion"
                )
            else:
                continue
            yield _warning(
                lines,
                "reference_classes.yaml",
                loc,
                why,
                "criterion-mismatch",
                rc.id,
            )


def _also(hits: list[tuple]) -> str:
    """' (also for q2, q3)' when a class warning holds for more questions than the one it names."""
    return f" (also for {', '.join(h[0].id for h in hits[1:])})" if len(hits) > 1 else ""


def _on_cases(lines: Lines, i: int, rc: ReferenceClass, code: str, message: str) -> LintWarning:
    """A warning on the cases of the ``i``-th reference class, at their line in reference_classes.yaml."""
    loc = ("reference_classes", i, "cases")
    return LintWarning(
        "reference_classes.yaml", lines("reference_classes.yaml", loc), format_loc(loc), message, code, rc.id
    )


def _years(n: float) -> str:
    return f"{n:g} year{'s' * (n != 1)}"


def _censoring(pack: Pack, users: dict[str, list[Use]], lines: Lines) -> Iterator[LintWarning]:
    for i, rc in enumerate(pack.reference_classes.values()):
        window = rc.exposure_years or 1.0
        span = dt.timedelta(days=round(365.25 * window))
        hits = []
        for q, tags in users[rc.id]:
            cases = rc.cases if tags is None else [c for c in rc.cases if set(c.tags) & set(tags)]
            kept_yes = [c for c in cases if q.opens - span <= c.date and _uses_case(c, q, None) and c.outcome == "yes"]
            dropped_no = [c for c in cases if q.opens <= c.date < q.opens + span and c.outcome == "no"]
            if kept_yes and dropped_no:
                hits.append((q, kept_yes, dropped_no))
        if not hits:
            continue
        q, kept_yes, dropped_no = hits[0]
        yield _on_cases(
            lines,
            i,
            rc,
            "censoring",
            f"possible censoring at the opening of '{q.id}' ({q.opens}){_also(hits)}: it keeps "
            f"{len(kept_yes)} 'yes' case(s) dated in the {_years(window)} before it "
            f"({', '.join(c.name for c in kept_yes[:3])}) but drops {len(dropped_no)} 'no' case(s) dated in the "
            f"{_years(window)} after ({', '.join(c.name for c in dropped_no[:3])}); if 'no' cases are dated at the end "
            "of their watch, date every case when its watch began, or acknowledge why the dates are fair",
        )


def _missing(rc: ReferenceClass, what: str) -> float:
    """The class's documented correction for missing cases (``missing: {failures, successes}``), if any."""
    return 0.0 if rc.missing is None else float(getattr(rc.missing, what))


def _one_sided(pack: Pack, users: dict[str, list[Use]], lines: Lines) -> Iterator[LintWarning]:
    for i, rc in enumerate(pack.reference_classes.values()):
        hits = []
        for q, tags in users[rc.id]:
            kept = rc.cases_known_before(q.opens, tags)
            yes = sum(outcome_number(c.outcome) for c in kept) + _missing(rc, "successes")
            no = len(kept) - sum(outcome_number(c.outcome) for c in kept) + _missing(rc, "failures")
            if not yes or not no:
                hits.append((q, "successes" if not yes else "failures", len(kept)))
        if not hits:
            continue
        q, lacking, n = hits[0]
        yield _on_cases(
            lines,
            i,
            rc,
            "one-sided-class",
            f"no {lacking} among the {n} case(s) question '{q.id}' can use (dated before {q.opens}){_also(hits)}; "
            f"the base rate then rests on the prior alone on that side: look for {lacking} the list left out",
        )


def _criteria(pack: Pack, lines: Lines) -> Iterator[LintWarning]:
    for i, q in enumerate(pack.questions.values()):
        loc = ("questions", i, "criteria")
        if not _SOURCE.search(q.criteria):
            yield _warning(
                lines,
                "questions.yaml",
                loc,
                "names no source that would settle the question (e.g. 'as shown by the text released by ...', "
                "'reported by two of Reuters, AP, AFP'); say who or what a third party checks",
                "criteria-no-source",
                q.id,
            )
        if not has_absolute_day(q.criteria):
            yield _warning(
                lines,
                "questions.yaml",
                loc,
                f"holds no calendar day (e.g. 'before {q.closes.day} {q.closes:%B %Y}'); write the deadline or "
                "the event's dates into the criteria so they stand on their own",
                "criteria-no-date",
                q.id,
            )


def _outcome_after_opens(pack: Pack, users: dict[str, list[Use]], lines: Lines) -> Iterator[LintWarning]:
    for i, rc in enumerate(pack.reference_classes.values()):
        for k, case in enumerate(rc.cases):
            if case.outcome_known is None:
                continue
            hit = [
                q
                for q, tags in users[rc.id]
                if case.date < q.opens <= case.outcome_known and (tags is None or set(case.tags) & set(tags))
            ]
            if not hit:
                continue
            hit.sort(key=lambda q: q.opens)
            q = hit[0]
            loc = ("reference_classes", i, "cases", k, "outcome_known")
            yield _warning(
                lines,
                "reference_classes.yaml",
                loc,
                f"case '{case.name}' began before question '{q.id}' opened ({q.opens}) but its outcome was known only "
                f"on {case.outcome_known}{_also([(x,) for x in hit])}, so the model leaves it out there; cases still "
                "running at opens are dropped while quick ones are kept: check the class is not tilted by it",
                "outcome-after-opens",
                f"{rc.id}/{case.name}",
            )


STALE_AFTER = dt.timedelta(days=365)
"""An observation with no validity that still counts on a question opening more than this long after it is
flagged: a pledge of one year rarely still describes the world the next."""


def standing_on(pack: Pack, indicator_id: str, day: dt.date) -> Evidence | None:
    """The evidence of ``indicator_id`` that stands on ``day`` by the model's rule (:func:`standing_of`)."""
    counting = [
        ev
        for ev in pack.evidence
        if ev.indicator == indicator_id
        and pack.counting_days(ev)[0] <= day
        and (pack.counting_days(ev)[1] or day) >= day
    ]
    return standing_of(sorted(counting, key=lambda ev: ev.observed))  # sorted() is stable: file order next


def _stale_observations(pack: Pack, lines: Lines) -> Iterator[LintWarning]:
    for i, ev in enumerate(pack.evidence):
        ind = pack.indicators.get(ev.indicator)
        if ind is None or last_valid_day(ev.valid_until, ev.observed, ind) is not None:
            continue
        late = [
            q
            for q in pack.questions.values()
            if pack.lr_interval(ind, q)
            and q.opens - ev.observed > STALE_AFTER
            and standing_on(pack, ind.id, q.opens) is ev
        ]
        if not late:
            continue
        late.sort(key=lambda q: q.opens)
        q = late[0]
        loc = ("evidence", i, "observed")
        yield _warning(
            lines,
            "evidence.yaml",
            loc,
            f"has no valid_until and indicator '{ind.id}' no shelf_life_days, so it still counts on question "
            f"'{q.id}', which opens {(q.opens - ev.observed).days} days later ({q.opens}){_also([(x,) for x in late])}; "
            "give valid_until or a shelf life, or acknowledge why it still describes the world then",
            "stale-observation",
            ev.id,
        )


KEYED_DAYS = 3
"""An expiry (or a superseding report) this many days or fewer before a question it bears on resolved, or
the day before a timeline fact, is flagged as possibly keyed to that later event."""


def _keyed_to_events(pack: Pack, lines: Lines) -> Iterator[LintWarning]:
    facts = list((pack.timeline or {}).values())
    for i, ev in enumerate(pack.evidence):
        ind = pack.indicators.get(ev.indicator)
        if ind is None:
            continue
        events = [
            (q.resolved_on, f"question '{q.id}' resolved")
            for q in pack.questions.values()
            if q.resolved_on is not None and pack.lr_interval(ind, q) is not None
        ]
        for field_name, day in (
            ("valid_until", ev.valid_until),
            ("supersedes", ev.observed if ev.supersedes else None),
        ):
            if day is None:
                continue
            near = [(when, what) for when, what in events if ev.observed < when and 0 < (when - day).days <= KEYED_DAYS]
            near += [
                (f.date, f"timeline entry '{f.id}'") for f in facts if ev.observed < f.date and f.date - day == ONE_DAY
            ]
            if not near:
                continue
            when, what = min(near)
            loc = ("evidence", i, field_name)
            how = "expires" if field_name == "valid_until" else "replaces a firmer report"
            yield _warning(
                lines,
                "evidence.yaml",
                loc,
                f"{how} on {day}, just before {what} ({when}): a date keyed to a later event was not knowable on the "
                f"day observed ({ev.observed}); say in the note why the report stopped describing the world then",
                "keyed-to-event",
                ev.id,
            )


DEADLINE_DAYS = 14
"""A 'yes' this many days or fewer before a question's deadline is flagged: the deadline may have been
placed after the event rather than taken from a document of the opening date."""


def _deadline_after_resolution(pack: Pack, lines: Lines) -> Iterator[LintWarning]:
    for i, q in enumerate(pack.questions.values()):
        if q.resolution != "yes" or q.resolved_on is None or q.kind != "by_deadline":
            continue
        gap = (q.closes - q.resolved_on).days
        if 0 < gap <= DEADLINE_DAYS:
            loc = ("questions", i, "closes")
            yield _warning(
                lines,
                "questions.yaml",
                loc,
                f"the deadline ({q.closes}) falls {gap} day(s) after the question resolved yes ({q.resolved_on}); "
                f"check that a document of the opening date ({q.opens}) sets this deadline (cite it in raised_by "
                "or notes) rather than the outcome, and acknowledge it with that source",
                "deadline-after-resolution",
                q.id,
            )


def _late_single_indicators(pack: Pack, lines: Lines) -> Iterator[LintWarning]:
    for i, ind in enumerate(pack.indicators.values()):
        served = [q for q in pack.questions.values() if pack.lr_interval(ind, q) is not None]
        if len(served) != 1 or served[0].id not in ind.likelihood_ratios:
            continue
        q = served[0]
        evidence = [ev for ev in pack.evidence if ev.indicator == ind.id]
        seen = [ev.observed for ev in evidence]
        if ind.resolution_of is not None or q.resolution is None or not seen or min(seen) <= q.opens:
            continue
        ratio = ind.likelihood_ratios[q.id]
        up = ratio.lo * ratio.hi > 1.0  # the geometric middle of the interval: does presence point to yes?
        toward = {("yes" if (ev.state != "absent") == up else "no") for ev in evidence}
        if toward != {q.resolution}:  # a sign that also pointed the wrong way was not fitted to the outcome
            continue
        loc = ("indicators", i, "likelihood_ratios", q.id)
        yield _warning(
            lines,
            "indicators.yaml",
            loc,
            f"serves only question '{q.id}', is first observed on {min(seen)}, after the question opened "
            f"({q.opens}), and every observation points to its outcome ('{q.resolution}'): check it was chosen "
            "before its evidence, not fitted to what happened; acknowledge with when it was written",
            "late-single-indicator",
            ind.id,
        )


def _one_sided_exclusions(pack: Pack, lines: Lines) -> Iterator[LintWarning]:
    for i, rc in enumerate(pack.reference_classes.values()):
        outcomes = {c.outcome for c in rc.excluded}
        if len(rc.excluded) >= 2 and len(outcomes) == 1:
            side = "failures" if outcomes == {"no"} else "successes"
            loc = ("reference_classes", i, "excluded")
            yield _warning(
                lines,
                "reference_classes.yaml",
                loc,
                f"all {len(rc.excluded)} excluded cases are {side}: leaving out only one side moves the base rate; "
                "check the same exclusion rule leaves out cases of the other side too",
                "one-sided-exclusions",
                rc.id,
            )


def _log_holds_resolution(pack: Pack, lines: Lines) -> Iterator[LintWarning]:
    for i, q in enumerate(pack.questions.values()):
        use = q.event_log
        if use is None or use.id not in pack.event_logs or q.resolution != "yes" or q.resolved_on is None:
            continue
        inside = [e.date for e in pack.event_logs[use.id].events if q.opens <= e.date < q.resolved_on]
        if inside:
            loc = ("questions", i, "event_log")
            yield _warning(
                lines,
                "questions.yaml",
                loc,
                f"event log '{use.id}' holds event(s) dated {', '.join(map(str, inside[:3]))} inside the window, "
                f"before the question resolved yes ({q.resolved_on}): such an event would have resolved it earlier, so it is "
                "likely the resolving event misdated, and it raises the question's own base rate before the answer; "
                "check the log's dates",
                "log-holds-resolution",
                q.id,
            )


def lint_pack(pack: Pack, extra: Iterable[Check] = ()) -> LintReport:
    """Every warning about ``pack``, split by the pack's acknowledgements: lint's rules (module docstring)
    and validate's checks (:func:`foresight.pack.notices.pack_warnings`, with the ``extra`` checks of the
    layers above), one list in one format, each answerable in ``lint_acknowledged``. Without the model
    layer's checks in ``extra`` (the CLI passes them) an acknowledgement of one of their codes reads as stale."""
    lines = functools.partial(line_of, Path(pack.dir))
    users = _users(pack)
    at = _Where(lines, frozenset(_record_ids(pack)))
    found: list[LintWarning] = [
        *_late_dates(pack, users, at),
        *_criterion_mismatch(pack, users, lines),
        *_censoring(pack, users, lines),
        *_one_sided(pack, users, lines),
        *_criteria(pack, lines),
        *_outcome_after_opens(pack, users, lines),
        *_stale_observations(pack, lines),
        *_keyed_to_events(pack, lines),
        *_deadline_after_resolution(pack, lines),
        *_late_single_indicators(pack, lines),
        *_one_sided_exclusions(pack, lines),
        *_log_holds_resolution(pack, lines),
        *(LintWarning(w.file, w.line, w.field, w.message, w.code, w.where) for w in pack_warnings(pack, extra)),
    ]
    report = LintReport()
    used: set[int] = set()
    acks = list(pack.meta.lint_acknowledged)
    for w in sorted(set(found)):
        hit = next((j for j, a in enumerate(acks) if w.matches(a.code, a.where)), None)
        if hit is None:
            report.warnings.append(w)
        else:
            used.add(hit)
            report.acknowledged.append((w, acks[hit].answer))
    for j, ack in enumerate(acks):
        if j not in used:
            loc = ("lint_acknowledged", j)
            report.warnings.append(
                _warning(
                    lines,
                    PACK_FILE,
                    loc,
                    f"acknowledges ({ack.code}, {ack.where}), which matches no warning: remove it, or fix its "
                    "code (the one printed in brackets) or where (the id printed after 'where:')",
                    "stale-acknowledgement",
                    f"{ack.code}:{ack.where}",
                )
            )
    return report


def _record_ids(pack: Pack) -> Iterator[str]:
    """Every record id of the pack (questions, documents, timeline entries, classes, indicators, evidence,
    event logs): text that names one names a record, not the date inside its id."""
    yield from pack.questions
    yield from pack.documents
    yield from pack.timeline or {}
    yield from pack.reference_classes
    yield from pack.indicators
    yield from pack.event_logs
    yield from (ev.id for ev in pack.evidence)


def format_warnings(warnings: Iterable[LintWarning], pack_dir: Any = None) -> list[str]:
    """Warnings as printed lines, with the file given relative to ``pack_dir`` when it is set."""
    return [
        str(w)
        if pack_dir is None
        else f"{Path(pack_dir) / w.file}:{w.line}: {w.field}: {w.message} [{w.code}; where: {w.subject}]"
        for w in warnings
    ]
