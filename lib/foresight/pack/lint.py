"""`foresight lint`: warnings about a VALID pack that may lean on hindsight or be hard to check.

Validation (:mod:`foresight.pack.loader`) says whether a pack can be used; lint
says where an honest analyst should look again. Every rule is a heuristic on
the pack's own text and dates, so each warning says what to check, and a
warning the analyst has answered is acknowledged in pack.yaml::

    lint_acknowledged:
      - {code: late-date, where: rc-summits, answer: "2019 is the publication year of the list, not an event"}

``where`` is the record id the warning names (a question, class, indicator,
evidence, timeline id; for a case, ``CLASS-ID/case name``) or its
``FILE:field`` as printed. The rules, with their codes:

``late-date``
    Text that cites a date later than the day it is meant to be written on:
    class descriptions, studies, outcome criteria and case names/sources, and
    indicator descriptions/rationales, against the earliest ``opens`` of the
    questions that use them; evidence notes against the evidence's
    ``observed`` day; timeline facts and sources against their own date; a
    question's notes and its per-question outside-view rationales against its
    ``opens``. A mention is late only if even the earliest day it can mean is
    after that day: ``2018`` means 1 January 2018, ``June 2018`` 1 June 2018,
    ``12 June 2018`` / ``2018-06-12`` that day, and ``2016-17`` 2017. A
    scheduled date known at the time (a deadline, a planned summit) is a true
    positive of the rule and a false one of intent: acknowledge it.
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

from foresight.pack.loader import PACK_FILE, Pack
from foresight.pack.notices import line_of
from foresight.pack.schema import Question, ReferenceClass, outcome_number
from foresight.pack.yamlio import format_loc

CODES = (
    "late-date",
    "criterion-mismatch",
    "censoring",
    "one-sided-class",
    "criteria-no-source",
    "criteria-no-date",
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
_NUMBERED = re.compile(r"(resolution|no\.|number|section|article|rule|chapter|page|pp?\.|#)\s*$", re.I)
"""A 4-digit number after one of these words is a number (UN Resolution 2087), not a year."""


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


def late_mentions(text: str | None, day: dt.date) -> list[str]:
    """The mentions in ``text`` whose earliest meaning is after ``day``."""
    return [words for words, when in date_mentions(text or "") if when > day]


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


def _users(pack: Pack) -> dict[str, list[Question]]:
    """Class id -> the questions that use it, in file order."""
    out: dict[str, list[Question]] = {rc_id: [] for rc_id in pack.reference_classes}
    for q in pack.questions.values():
        for rc in pack.classes_for(q):
            out[rc.id].append(q)
    return out


def _late(
    text: str | None, day: dt.date, against: str, file: str, loc: tuple, subject: str, lines: Lines
) -> Iterator[LintWarning]:
    late = late_mentions(text, day)
    if late:
        shown = ", ".join(f"'{w}'" for w in dict.fromkeys(late))
        yield LintWarning(
            file,
            lines(file, loc),
            format_loc(loc),
            f"cites {shown}, after {against} ({day}); check the text says only what was knowable then "
            "(a deadline or scheduled date known at the time is fine: acknowledge it)",
            "late-date",
            subject,
        )


def _late_dates(pack: Pack, users: dict[str, list[Question]], lines: Lines) -> Iterator[LintWarning]:
    for i, rc in enumerate(pack.reference_classes.values()):
        qs = users[rc.id]
        if not qs:
            continue
        first = min(qs, key=lambda q: q.opens)
        against = f"the opening of '{first.id}', the first question using the class"
        base = ("reference_classes", i)
        for name in ("description", "study", "outcome_criterion"):
            yield from _late(
                getattr(rc, name, None), first.opens, against, "reference_classes.yaml", (*base, name), rc.id, lines
            )
        for k, case in enumerate(rc.cases):
            kept = [q for q in qs if case.known_before(q.opens)]  # cases a question cannot use cannot mislead it
            if not kept:
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
                    lines,
                )
    for i, ind in enumerate(pack.indicators.values()):
        qs = [q for q in pack.questions.values() if pack.lr_interval(ind, q) is not None]
        if not qs:
            continue
        first = min(qs, key=lambda q: q.opens)
        against = f"the opening of '{first.id}', the first question its ratios serve"
        for name in ("description", "rationale"):
            yield from _late(
                getattr(ind, name), first.opens, against, "indicators.yaml", ("indicators", i, name), ind.id, lines
            )
    for i, ev in enumerate(pack.evidence):
        yield from _late(
            ev.note, ev.observed, "the day it was observed", "evidence.yaml", ("evidence", i, "note"), ev.id, lines
        )
    for i, q in enumerate(pack.questions.values()):
        base = ("questions", i)
        against = "the question's opening"
        yield from _late(q.notes, q.opens, against, "questions.yaml", (*base, "notes"), q.id, lines)
        prior = q.analyst_prior
        if prior is not None:
            yield from _late(
                prior.rationale,
                q.opens,
                against,
                "questions.yaml",
                (*base, "analyst_prior", "rationale"),
                q.id,
                lines,
            )
        for j, item in enumerate(q.reference_classes or []):
            yield from _late(
                item.rationale,
                q.opens,
                against,
                "questions.yaml",
                (*base, "reference_classes", j, "rationale"),
                q.id,
                lines,
            )
    for i, entry in enumerate((pack.timeline or {}).values()):
        for name in ("fact", "source"):
            yield from _late(
                getattr(entry, name),
                entry.date,
                "the entry's date",
                "timeline.yaml",
                ("timeline", i, name),
                entry.id,
                lines,
            )


def _criterion_mismatch(pack: Pack, users: dict[str, list[Question]], lines: Lines) -> Iterator[LintWarning]:
    for i, rc in enumerate(pack.reference_classes.values()):
        criterion = rc.outcome_criterion
        if not criterion:
            continue
        rc_kinds = kinds_of(criterion)
        loc = ("reference_classes", i, "outcome_criterion")
        for q in users[rc.id]:
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
            yield LintWarning(
                "reference_classes.yaml",
                lines("reference_classes.yaml", loc),
                format_loc(loc),
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


def _censoring(pack: Pack, users: dict[str, list[Question]], lines: Lines) -> Iterator[LintWarning]:
    for i, rc in enumerate(pack.reference_classes.values()):
        window = rc.exposure_years or 1.0
        span = dt.timedelta(days=round(365.25 * window))
        hits = []
        for q in users[rc.id]:
            kept_yes = [c for c in rc.cases if q.opens - span <= c.date < q.opens and c.outcome == "yes"]
            dropped_no = [c for c in rc.cases if q.opens <= c.date < q.opens + span and c.outcome == "no"]
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


def _one_sided(pack: Pack, users: dict[str, list[Question]], lines: Lines) -> Iterator[LintWarning]:
    for i, rc in enumerate(pack.reference_classes.values()):
        hits = []
        for q in users[rc.id]:
            kept = rc.cases_known_before(q.opens)
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
            yield LintWarning(
                "questions.yaml",
                lines("questions.yaml", loc),
                format_loc(loc),
                "names no source that would settle the question (e.g. 'as shown by the text released by ...', "
                "'reported by two of Reuters, AP, AFP'); say who or what a third party checks",
                "criteria-no-source",
                q.id,
            )
        if not has_absolute_day(q.criteria):
            yield LintWarning(
                "questions.yaml",
                lines("questions.yaml", loc),
                format_loc(loc),
                f"holds no calendar day (e.g. 'before {q.closes.day} {q.closes:%B %Y}'); write the deadline or "
                "the event's dates into the criteria so they stand on their own",
                "criteria-no-date",
                q.id,
            )


def lint_pack(pack: Pack) -> LintReport:
    """Every lint warning of ``pack`` (rules in the module docstring), split by the pack's acknowledgements."""
    lines = functools.partial(line_of, Path(pack.dir))
    users = _users(pack)
    found: list[LintWarning] = [
        *_late_dates(pack, users, lines),
        *_criterion_mismatch(pack, users, lines),
        *_censoring(pack, users, lines),
        *_one_sided(pack, users, lines),
        *_criteria(pack, lines),
    ]
    report = LintReport()
    used: set[int] = set()
    acks = list(pack.meta.lint_acknowledged)
    for w in sorted(found):
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
                LintWarning(
                    PACK_FILE,
                    lines(PACK_FILE, loc),
                    format_loc(loc),
                    f"acknowledges ({ack.code}, {ack.where}), which matches no warning: remove it, or fix its "
                    f"code (one of {', '.join(CODES[:-1])}) or where (a record id or FILE:field as printed)",
                    "stale-acknowledgement",
                    f"{ack.code}:{ack.where}",
                )
            )
    return report


def format_warnings(warnings: Iterable[LintWarning], pack_dir: Any = None) -> list[str]:
    """Warnings as printed lines, with the file given relative to ``pack_dir`` when it is set."""
    return [
        str(w)
        if pack_dir is None
        else f"{Path(pack_dir) / w.file}:{w.line}: {w.field}: {w.message} [{w.code}; where: {w.subject}]"
        for w in warnings
    ]
