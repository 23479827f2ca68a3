"""Warnings about a valid pack: parts that bear on nothing, numbers worth a second look.

A warning is not an error: the pack loads and forecasts. ``foresight validate``
lists warnings after the counts (exit 0) and ``--strict`` turns them into errors
(exit 2). Each warning has a short ``code`` so that a pack can answer it
(``lint_acknowledged`` in pack.yaml, read by the lint checks).

One shared list: :data:`CHECKS` holds every pack-layer check (a function from a
:class:`~foresight.pack.loader.Pack` to warnings); another module adds its own
with :func:`register`. Checks that need the model (base rates scaled to a window)
live in the model layer and are passed to :func:`pack_warnings` as ``extra``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from foresight.pack.crossref import lr_key
from foresight.pack.loader import LINKS_FILE, PACK_FILE, Pack
from foresight.pack.outcome_checks import option_ratios_for
from foresight.pack.yamlio import PathKey, YamlDoc, format_loc, lines_of


@dataclass(frozen=True, order=True)
class PackWarning:
    """Something in a valid pack worth a second look, located like a problem: FILE:LINE: field: message."""

    file: str
    line: int
    field: str
    message: str
    code: str = "warning"
    subject: str = ""  # the record id an acknowledgement may name (else FILE:field)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.message} [{self.code}; where: {self.where}]"

    @property
    def where(self) -> str:
        """What ``lint_acknowledged`` names to answer this warning: the record id, else FILE:field."""
        return self.subject or f"{self.file}:{self.field}"


Check = Callable[[Pack], Iterable[PackWarning]]
CHECKS: list[Check] = []
"""Every pack-layer check, run in order by :func:`pack_warnings`."""


def register(check: Check) -> Check:
    """Add ``check`` to :data:`CHECKS` (usable as a decorator); adding the same function twice keeps one."""
    if check not in CHECKS:
        CHECKS.append(check)
    return check


def pack_warnings(pack: Pack, extra: Iterable[Check] = ()) -> list[PackWarning]:
    """Every warning about ``pack`` from :data:`CHECKS` and the ``extra`` checks, sorted by file and line."""
    out: set[PackWarning] = set()
    for check in [*CHECKS, *extra]:
        out.update(check(pack))
    return sorted(out)


def warning_at(pack: Pack, file: str, loc: PathKey, message: str, code: str, subject: str = "") -> PackWarning:
    """A warning on the field at ``loc`` of ``file`` in ``pack``, with the line it starts on."""
    return PackWarning(file, line_of(pack.dir, file, tuple(loc)), format_loc(tuple(loc)), message, code, subject)


def line_of(pack_dir: Path, file: str, loc: PathKey) -> int:
    """The line field ``loc`` of ``pack_dir/file`` starts on (1 when the file cannot be read).

    Packs keep records, not positions: the lines come from the loader's reading of the file
    (:func:`foresight.pack.yamlio.lines_of`), read again only when it changed since (a long-lived
    kernel may see the analyst edit it).
    """
    lines = lines_of(Path(pack_dir) / file)
    return YamlDoc(Path(file), None, lines).line_of(tuple(loc)) if lines is not None else 1


@register
def cross_reference_warnings(pack: Pack) -> Iterable[PackWarning]:
    """What the loader noticed while checking cross-references without refusing the pack (for example one
    family likelihood ratio serving questions of different kinds: see ``crossref.lr_kind_warnings``)."""
    return [PackWarning(w.file, w.line, w.field, w.message, "ratio-kind") for w in pack.warnings]


# --- orphan records: parts of a pack that bear on no question -----------------------------------


@register
def orphans(pack: Pack) -> Iterable[PackWarning]:
    """Indicators, evidence, families, classes and groups that no question uses, and driver loadings on
    families without questions: harmless to the numbers, but usually a typo or a forgotten question."""
    questions = [*pack.questions.values(), *pack.typed_questions.values()]
    used_indicators = {ind.id for q in questions for ind in pack.indicators_for(q)}
    used_indicators |= {  # ratios per option bear on options questions (foresight.model.choice)
        ind.id for q in questions for ind in pack.indicators.values() if option_ratios_for(ind, q) is not None
    }
    for index, ind in enumerate(pack.indicators.values()):
        if ind.id not in used_indicators:
            yield warning_at(
                pack,
                "indicators.yaml",
                ("indicators", index, "likelihood_ratios"),
                f"indicator '{ind.id}' bears on no question: none of its likelihood_ratios keys "
                f"({', '.join(ind.likelihood_ratios)}) is a family or id of a question in the pack",
                "orphan-indicator",
                ind.id,
            )
    for index, ev in enumerate(pack.evidence):
        if ev.indicator not in used_indicators:
            yield warning_at(
                pack,
                "evidence.yaml",
                ("evidence", index, "indicator"),
                f"evidence '{ev.id}' moves no forecast: its indicator '{ev.indicator}' bears on no question",
                "orphan-evidence",
                ev.id,
            )
    asked = {q.family for q in questions}
    for family in pack.meta.families:
        if family not in asked:
            yield warning_at(
                pack,
                PACK_FILE,
                ("families", family),
                f"family '{family}' has no question",
                "empty-family",
                family,
            )
    used_classes = {rc.id for q in questions for rc in pack.classes_for(q)}
    for index, rc in enumerate(pack.reference_classes.values()):
        if rc.id not in used_classes:
            yield warning_at(
                pack,
                "reference_classes.yaml",
                ("reference_classes", index, "serves"),
                f"reference class '{rc.id}' gives no question its outside view",
                "orphan-class",
                rc.id,
            )
    grouped = {ind.group for ind in pack.indicators.values()}
    for group in pack.meta.correlation_groups:
        if group not in grouped:
            yield warning_at(
                pack,
                PACK_FILE,
                ("correlation_groups", group),
                f"correlation group '{group}' has no indicator",
                "empty-group",
                group,
            )
    for index, drv in enumerate(pack.links.drivers):
        for target in drv.loadings:
            if target in pack.meta.families and target not in asked:
                yield warning_at(
                    pack,
                    LINKS_FILE,
                    ("drivers", index, "loadings", target),
                    f"driver '{drv.id}' loads on family '{target}', which has no question: the loading links nothing",
                    "empty-loading",
                    drv.id,
                )


# --- packs written for an older rule --------------------------------------------------------------


@register
def weaker_later_reports(pack: Pack) -> Iterable[PackWarning]:
    """A later, less credible report of an indicator that says something else (another state) without
    ``supersedes`` while a firmer earlier one is still valid: the current rule keeps the firmer one, where the rule before it let the latest report stand. A pack
    written for the older rule (its notes may say "the latest observation stands") moved silently."""
    order = sorted(enumerate(pack.evidence), key=lambda item: item[1].observed)  # stable: file order next
    for rank, (index, ev) in enumerate(order):
        if ev.supersedes or ev.indicator not in pack.indicators:  # a same-state report is a confirmation: skipped
            continue
        start = pack.counting_days(ev)[0]
        firmer = [
            old
            for _, old in order[:rank]
            if old.indicator == ev.indicator
            and old.credibility > ev.credibility
            and old.state != ev.state
            and (pack.counting_days(old)[1] or start) >= start
        ]
        if firmer:
            yield warning_at(
                pack,
                "evidence.yaml",
                ("evidence", index, "credibility"),
                f"'{ev.id}' is a later, less credible report of '{ev.indicator}' than '{firmer[-1].id}' (still valid), "
                "so the firmer one stands; before this rule the latest report stood: to keep that meaning say "
                "supersedes: true here, else acknowledge that the firmer report should stand",
                "weaker-later-report",
                ev.id,
            )


@register
def ratio_sponsors(pack: Pack) -> Iterable[PackWarning]:
    """One family or kind ratio of an indicator serving questions whose ``sponsor`` differs (a government's hold
    on a listing read against a meeting it asked for itself): the sign means opposite things for them."""
    for index, ind in enumerate(pack.indicators.values()):
        by_key: dict[str, dict[str, list[str]]] = {}
        for q in pack.questions.values():
            key = lr_key(ind, q)
            if key is None or key == q.id or q.sponsor is None:
                continue
            by_key.setdefault(key, {}).setdefault(q.sponsor, []).append(q.id)
        for key, sponsors in by_key.items():
            if len(sponsors) > 1:
                listed = "; ".join(f"{s}: {', '.join(ids)}" for s, ids in sorted(sponsors.items()))
                yield warning_at(
                    pack,
                    "indicators.yaml",
                    ("indicators", index, "likelihood_ratios", key),
                    f"one ratio ('{key}') serves questions of different sponsors ({listed}); a sign can mean "
                    "opposite things for them: give a ratio per kind (kind:<name>, with criterion_kind on the "
                    "questions) or per question id",
                    "ratio-sponsor",
                    ind.id,
                )


@register
def hinge_replaces_hazard(pack: Pack) -> Iterable[PackWarning]:
    """A hinged question with a hazard shape or decision points: the hinge replaces its base rate and its branches
    shrink with the window left, so the hazard moves nothing (see :mod:`foresight.model.hinges`)."""
    for index, q in enumerate(pack.questions.values()):
        h = q.hazard
        hinge = pack.links.hinge_for(q.id)
        if hinge is None or h is None or (h.shape == "constant" and not h.decision_points):
            continue
        yield warning_at(
            pack,
            "questions.yaml",
            ("questions", index, "hazard"),
            f"question '{q.id}' hinges on '{hinge.on}', whose branches replace its base rate and shrink with the "
            "window left, so this hazard moves nothing: drop it, or acknowledge it (follows_within_days on the "
            "hinge says when B follows A)",
            "hinge-replaces-hazard",
            q.id,
        )
